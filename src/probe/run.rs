//! The probe's I/O shell: resolve targets, run the attempt matrix concurrently against
//! each address ([`super::attempt`], each bounded by `--timeout`), feed the verdicts to
//! the inference, and write the reports (streaming for ndjson).
//!
//! Rules: only this file, [`super::attempt`], [`super::udp`] and the client layer
//! ([`crate::client`]) touch sockets, DNS and the clock; every await is bounded by a deadline; nothing a peer sends can
//! make it panic or wait longer than the timeout.

use super::infer;
use super::model::{Attempt, HeaderChoice, Payload, ProbeReport, TlsDetails, TlsSession};
use crate::client::target::{self, Target};
use crate::client::tls::{self, Roots};
use crate::findings::{Code, Finding, Severity};
use crate::output::{Failure, Reporter};
use crate::path::Need;
use rustls::pki_types::{CertificateDer, ServerName};
use serde::Serialize;
use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::watch;
use tokio::time::Instant;

pub use super::config::ProbeConfig;

/// The whole run, as one JSON document.
#[derive(Debug, Serialize)]
struct RunReport<'a> {
    probes: &'a [ProbeReport],
    findings: &'a [Finding],
}

/// Runs `probe`; returns the exit code.
pub fn run(mut cfg: ProbeConfig) -> Result<i32, Failure> {
    if let Some(source) = cfg.targets_file.take() {
        let text = crate::input::read_text(&source)?;
        cfg.targets
            .extend(target::parse_file(&text, cfg.port).map_err(Failure)?);
    }
    if cfg.targets.is_empty() {
        return Err(Failure(
            "give at least one TARGET (host:port, [v6]:port or a URL), or --targets-file".into(),
        ));
    }
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| Failure(format!("cannot start the async runtime: {e}")))?;
    rt.block_on(run_async(cfg))
}

struct Shared {
    cfg: ProbeConfig,
    roots: Roots,
}

fn load_extra_roots(roots: &mut Roots, files: &[PathBuf]) -> Result<(), Failure> {
    use rustls::pki_types::pem::PemObject;
    if files.is_empty() {
        return Ok(());
    }
    let mut store = (*roots.store).clone();
    for f in files {
        let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(f)
            .map_err(|e| Failure(format!("cannot read --cacert {}: {e}", f.display())))?
            .collect::<Result<_, _>>()
            .map_err(|e| {
                Failure(format!(
                    "--cacert {}: not PEM certificates: {e}",
                    f.display()
                ))
            })?;
        if certs.is_empty() {
            return Err(Failure(format!(
                "--cacert {}: no certificate in the file",
                f.display()
            )));
        }
        let (added, _) = store.add_parsable_certificates(certs);
        if added == 0 {
            return Err(Failure(format!(
                "--cacert {}: no usable CA certificate",
                f.display()
            )));
        }
    }
    roots.store = Arc::new(store);
    Ok(())
}

/// Probes every address of every target and returns the reports in target order;
/// `each` sees every report as soon as it is ready (ndjson streams through it).
pub async fn probe_reports(
    cfg: ProbeConfig,
    mut each: impl FnMut(&ProbeReport) -> Result<(), Failure>,
) -> Result<Vec<ProbeReport>, Failure> {
    let mut roots = tls::load_roots();
    load_extra_roots(&mut roots, &cfg.cacert)?;
    // Resolve every target first: a name that does not resolve is exit 2.
    let deadline = Instant::now() + cfg.timeout.max(Duration::from_secs(5));
    let mut units = Vec::new();
    let mut errors = Vec::new();
    for (i, t) in cfg.targets.iter().enumerate() {
        match crate::client::net::resolve(t, &cfg.connect_to, deadline)
            .await
            .map_err(Failure)
        {
            Ok(addrs) => {
                let addrs: Vec<SocketAddr> = addrs
                    .into_iter()
                    .filter(|a| match cfg.ip_version {
                        Some(4) => a.is_ipv4(),
                        Some(6) => a.is_ipv6(),
                        _ => true,
                    })
                    .collect();
                if addrs.is_empty() {
                    errors.push(format!(
                        "`{}` has no IPv{} address",
                        t.host,
                        cfg.ip_version.unwrap_or(4)
                    ));
                    continue;
                }
                let ips: Vec<IpAddr> = addrs.iter().map(|a| a.ip()).collect();
                for a in addrs {
                    units.push((i, t.clone(), ips.clone(), a));
                }
            }
            Err(Failure(e)) => errors.push(e),
        }
    }
    if !errors.is_empty() {
        return Err(Failure(errors.join("; ")));
    }
    let shared = Arc::new(Shared { cfg, roots });
    let sem = Arc::new(tokio::sync::Semaphore::new(shared.cfg.concurrency.max(1)));
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    for (n, (i, t, ips, addr)) in units.into_iter().enumerate() {
        let shared = shared.clone();
        let sem = sem.clone();
        let tx = tx.clone();
        tokio::spawn(async move {
            let _permit = sem.acquire_owned().await;
            let report = probe_address(&shared, &t, ips, addr).await;
            let _ = tx.send(((i, n), report));
        });
    }
    drop(tx);
    let mut reports = Vec::new();
    while let Some(item) = rx.recv().await {
        each(&item.1)?;
        reports.push(item);
    }
    reports.sort_by_key(|(k, _)| *k);
    Ok(reports.into_iter().map(|(_, r)| r).collect())
}

async fn run_async(cfg: ProbeConfig) -> Result<i32, Failure> {
    if !cfg.udp_attempts.is_empty() {
        return super::udp::run(cfg).await;
    }
    let mut out = cfg.output.stdout();
    let reports = probe_reports(cfg, |r| {
        // ndjson: each address as soon as it is probed.
        out.item(r, |_, _, _| {});
        out.flush();
        Ok(())
    })
    .await?;
    let fleet = fleet_findings(&reports);
    let mut code = reports
        .iter()
        .map(|r| infer::exit_code(&r.findings))
        .max()
        .unwrap_or(0);
    code = code.max(infer::exit_code(&fleet));
    #[derive(Serialize)]
    struct Fleet<'a> {
        fleet_findings: &'a [Finding],
    }
    if !fleet.is_empty() {
        out.line(&Fleet {
            fleet_findings: &fleet,
        });
    }
    out.document(&RunReport {
        probes: &reports,
        findings: &fleet,
    });
    out.text(|p, s| s.push_str(&super::text::render(&reports, &fleet, p.color())));
    out.close()?;
    Ok(code)
}

/// Targets probed together that disagree on what they expect (a target group whose
/// backends are configured differently).
pub fn fleet_findings(reports: &[ProbeReport]) -> Vec<Finding> {
    let known: Vec<&ProbeReport> = reports
        .iter()
        .filter(|r| r.expects.proxy != Need::Unknown)
        .collect();
    let mut out = Vec::new();
    if known.len() < 2 {
        return out;
    }
    let first = &known[0].expects;
    if known.iter().all(|r| r.expects == *first) {
        return out;
    }
    let mut f = Finding::new(
        Code::ProxyHeaderNotExpected,
        Severity::Warning,
        "the targets disagree on what they expect: behind one balancer, some of them fail",
    );
    for r in &known {
        f = f.evidence(format!(
            "{}: proxy {} ({}), {}",
            r.address,
            r.expects.proxy,
            r.expects.versions_text(","),
            r.expects.protocol
        ));
    }
    out.push(f.fix("configure every backend of the target group the same way (the same PROXY setting on every listener)"));
    out
}

async fn probe_address(
    sh: &Shared,
    t: &Target,
    resolved: Vec<IpAddr>,
    addr: SocketAddr,
) -> ProbeReport {
    let started = Instant::now();
    let cfg = Arc::new(sh.cfg.clone());
    let (attempts, chains) = run_matrix(&cfg, t, addr).await;
    let tls = infer::first_session(&attempts).map(|(a, s)| {
        let chain = chains
            .iter()
            .find(|(n, _)| *n == a.name)
            .map(|(_, c)| c.clone())
            .unwrap_or_default();
        details(sh, t, &a.name, s, &chain)
    });
    let inference = infer::infer(
        &addr.to_string(),
        &attempts,
        tls.as_ref(),
        sh.cfg.balancer_sends,
        sh.cfg.expiry_warn_days,
    );
    let mut findings = inference.findings;
    let robustness = if sh.cfg.robustness {
        let (r, f) = super::robust::run(&cfg, t, addr, &attempts, &inference.expects).await;
        findings.extend(f);
        Some(r)
    } else {
        None
    };
    let audit = if sh.cfg.audit {
        let (trials, f) = super::audit::run(&cfg, t, addr, &attempts).await;
        findings.extend(f);
        Some(trials)
    } else {
        None
    };
    findings.extend(infer::scheme_findings(
        t.scheme.as_deref(),
        &inference.expects,
    ));
    crate::findings::sort_worst_first(&mut findings);
    ProbeReport {
        target: t.input.clone(),
        host: t.host.clone(),
        port: t.port,
        resolved,
        address: addr,
        summary: inference.summary,
        expects: inference.expects,
        fingerprint: inference.fingerprint,
        attempts,
        tls,
        findings,
        elapsed_ms: started.elapsed().as_millis() as u64,
        notes: inference.notes,
        application: application_word(&inference.verdict),
        in_front: super::model::in_front_word(inference.verdict.in_front),
        hypotheses: if inference.verdict.ambiguous() {
            inference.verdict.explanations.clone()
        } else {
            Vec::new()
        },
        tell_apart: inference.verdict.tell_apart.clone(),
        robustness,
        audit,
    }
}

/// The chain each completed handshake saw, by attempt name.
type Chains = Vec<(String, Vec<CertificateDer<'static>>)>;

/// Runs the attempt matrix against `addr` at once, the attempts telling each other
/// (through a watch channel) when the server answered the client or drew a banner
/// after a header alone; the attempts in matrix order, and the chains seen.
async fn run_matrix(
    cfg: &Arc<ProbeConfig>,
    t: &Target,
    addr: SocketAddr,
) -> (Vec<Attempt>, Chains) {
    let (tx, rx) = watch::channel(0u8);
    let tx = Arc::new(tx);
    let mut set = tokio::task::JoinSet::new();
    for (idx, spec) in cfg.attempts.iter().copied().enumerate() {
        let cfg = cfg.clone();
        let t = t.clone();
        let tx = tx.clone();
        let rx = rx.clone();
        set.spawn(async move {
            let r =
                super::attempt::run_attempt(&cfg, &t, addr, spec, rx, &Default::default()).await;
            if spec.payload != Payload::Wait && answered_client_first(&r.0) {
                tx.send_modify(|v| *v |= super::attempt::ANSWERED);
            }
            if spec.payload == Payload::Wait
                && spec.header != HeaderChoice::None
                && matches!(r.0.outcome, crate::diagnose::Outcome::Banner { .. })
            {
                tx.send_modify(|v| *v |= super::attempt::BANNER_AFTER_HEADER);
            }
            (idx, r)
        });
    }
    let mut results = Vec::new();
    while let Some(r) = set.join_next().await {
        if let Ok(r) = r {
            results.push(r);
        }
    }
    results.sort_by_key(|(i, _)| *i);
    let mut chains: Chains = Vec::new();
    let mut attempts = Vec::new();
    for (_, (a, chain)) in results {
        if let Some(c) = chain {
            chains.push((a.name.clone(), c));
        }
        attempts.push(a);
    }
    (attempts, chains)
}

/// `application` in the JSON: the protocol when it is not the web's (`expects.protocol`
/// already says `tls` or `http`), else null.
pub fn application_word(v: &crate::path::Verdict) -> Option<&'static str> {
    use crate::path::App;
    v.application
        .filter(|a| !matches!(a, App::Tls | App::Http) && !a.stands_alone())
        .map(App::name)
}

fn answered_client_first(a: &Attempt) -> bool {
    use crate::diagnose::Outcome as O;
    matches!(
        a.outcome,
        O::TlsAccepted { .. } | O::TlsAlert { .. } | O::HttpResponse { .. } | O::OtherBytes { .. }
    )
}

fn details(
    sh: &Shared,
    t: &Target,
    from: &str,
    s: &TlsSession,
    chain: &[CertificateDer<'static>],
) -> TlsDetails {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0);
    let name = verify_name(&sh.cfg, t);
    TlsDetails {
        from_attempt: from.to_string(),
        session: s.clone(),
        chain: chain
            .iter()
            .map(|c| super::cert::describe(c, now))
            .collect(),
        verification: tls::verify(chain, &name, &sh.roots),
    }
}

fn verify_name(cfg: &ProbeConfig, t: &Target) -> ServerName<'static> {
    cfg.sni
        .as_deref()
        .and_then(tls::server_name)
        .or_else(|| tls::server_name(&t.host))
        .unwrap_or_else(|| ServerName::IpAddress(std::net::Ipv4Addr::UNSPECIFIED.into()))
}
