//! The probe's I/O shell: resolve targets, run the attempt matrix concurrently against
//! each address ([`super::attempt`], each bounded by `--timeout`), feed the verdicts to
//! the inference, and write the reports (streaming for ndjson).
//!
//! Rules: only this file, [`super::attempt`], [`super::net`] and [`super::tls`] touch sockets,
//! DNS and the clock; every await is bounded by a deadline; nothing a peer sends can
//! make it panic or wait longer than the timeout.

use super::infer::{self, BalancerSends};
use super::model::{
    Attempt, AttemptSpec, HeaderChoice, Payload, ProbeReport, TlsDetails, TlsSession,
};
use super::target::{self, ConnectTo, Target};
use super::tls::{self, Roots};
use crate::config::TextSource;
use crate::findings::{Code, Finding, Severity};
use crate::output::{Failure, Output, Reporter};
use rustls::pki_types::{CertificateDer, ServerName};
use serde::Serialize;
use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::watch;
use tokio::time::Instant;

/// Validated `probe` configuration.
#[derive(Debug, Clone)]
pub struct ProbeConfig {
    /// Targets, in the order given.
    pub targets: Vec<Target>,
    /// `--targets-file`: more targets, one per line, read when the probe starts.
    pub targets_file: Option<TextSource>,
    /// `--port`: the port of targets given without one (in the targets file).
    pub port: Option<u16>,
    /// `--connect-to` rules.
    pub connect_to: Vec<ConnectTo>,
    /// Per-attempt timeout (connect and exchange).
    pub timeout: Duration,
    /// Addresses probed at once.
    pub concurrency: usize,
    /// The attempts to run.
    pub attempts: Vec<AttemptSpec>,
    /// Header source address (default: our socket address).
    pub src: Option<SocketAddr>,
    /// Header destination address (default: the target's address).
    pub dst: Option<SocketAddr>,
    /// TLVs for the v2 headers.
    pub tlvs: Vec<(u8, Vec<u8>)>,
    /// Add a CRC32C TLV to v2 headers.
    pub crc32c: bool,
    /// SNI override.
    pub sni: Option<String>,
    /// ALPN protocols offered.
    pub alpn: Vec<String>,
    /// HTTP method of the plaintext request.
    pub method: String,
    /// What the balancer in front sends, when the user said.
    pub balancer_sends: BalancerSends,
    /// Warn when the certificate expires within this many days.
    pub expiry_warn_days: i64,
    /// Extra trusted roots (PEM files).
    pub cacert: Vec<PathBuf>,
    /// Probe only IPv4 (4) or IPv6 (6) addresses.
    pub ip_version: Option<u8>,
    /// Output.
    pub output: Output,
    /// `--robustness`: after the matrix, deliver the working header in pieces, byte by
    /// byte and late, and send the balancers' health-check headers.
    pub robustness: bool,
    /// `--audit`: claim documentation addresses in headers the target accepts, and see
    /// whether it believes them.
    pub audit: bool,
    /// `--udp`: the attempts over UDP (empty: probe over TCP).
    pub udp_attempts: Vec<super::udp_model::UdpAttempt>,
    /// `--data` for UDP: the payload instead of the default DNS query.
    pub udp_data: Option<Vec<u8>>,
}

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

async fn resolve(
    t: &Target,
    rules: &[ConnectTo],
    deadline: Instant,
) -> Result<Vec<SocketAddr>, Failure> {
    let (host, port) = target::route(t, rules);
    if let Ok(ip) = host.parse::<IpAddr>() {
        return Ok(vec![SocketAddr::new(ip, port)]);
    }
    let found = tokio::time::timeout_at(deadline, tokio::net::lookup_host((host.as_str(), port)))
        .await
        .map_err(|_| {
            Failure(format!(
                "cannot resolve `{host}`: no answer from DNS in time"
            ))
        })?
        .map_err(|e| Failure(format!("cannot resolve `{host}`: {e}")))?;
    let mut out: Vec<SocketAddr> = Vec::new();
    for a in found {
        if !out.contains(&a) {
            out.push(a);
        }
    }
    if out.is_empty() {
        return Err(Failure(format!("cannot resolve `{host}`: no addresses")));
    }
    Ok(out)
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
        match resolve(t, &cfg.connect_to, deadline).await {
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
        .filter(|r| r.expects.proxy != "unknown")
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
            r.expects.proxy_versions.join(","),
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
    let (tx, rx) = watch::channel(0u8);
    let tx = Arc::new(tx);
    let mut set = tokio::task::JoinSet::new();
    let cfg = Arc::new(sh.cfg.clone());
    for (idx, spec) in sh.cfg.attempts.iter().copied().enumerate() {
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
    let mut chains: Vec<(String, Vec<CertificateDer<'static>>)> = Vec::new();
    let mut attempts = Vec::new();
    for (_, (a, chain)) in results {
        if let Some(c) = chain {
            chains.push((a.name.clone(), c));
        }
        attempts.push(a);
    }
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
