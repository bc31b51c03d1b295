//! The probe's I/O shell: resolve targets, run the attempt matrix concurrently against
//! each address (each attempt bounded by `--timeout`), feed the bytes to the judge and
//! the inference, and write the reports (streaming for ndjson).
//!
//! Rules: only this file (with [`super::net`] and [`super::tls`]) touches sockets,
//! DNS and the clock; every await is bounded by a deadline; nothing a peer sends can
//! make it panic or wait longer than the timeout.

use super::infer::{self, BalancerSends};
use super::model::{
    Attempt, AttemptSpec, HeaderChoice, Payload, ProbeReport, TlsDetails, TlsSession,
};
use super::net::{self, ConnectError, ReadPlan, Recorder, SharedTap, Tap};
use super::target::{self, ConnectTo, Target};
use super::tls::{self, Roots};
use crate::commands::{Failure, Output, OutputFormat};
use crate::diagnose::Ending;
use crate::findings::{Code, Finding, Severity};
use crate::send::header::{self, HeaderSpec};
use rustls::pki_types::{CertificateDer, ServerName};
use serde::Serialize;
use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::io::AsyncWriteExt;
use tokio::sync::watch;
use tokio::time::Instant;

/// Validated `probe` configuration.
#[derive(Debug, Clone)]
pub struct ProbeConfig {
    /// Targets, in the order given.
    pub targets: Vec<Target>,
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
}

/// The whole run, as one JSON document.
#[derive(Debug, Serialize)]
struct RunReport<'a> {
    probes: &'a [ProbeReport],
    findings: &'a [Finding],
}

/// Runs `probe`; returns the exit code.
pub fn run(cfg: ProbeConfig) -> Result<i32, Failure> {
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

async fn run_async(cfg: ProbeConfig) -> Result<i32, Failure> {
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
    let output = cfg.output;
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
        if output.format == OutputFormat::Ndjson {
            if let Some(line) = output.json(&item.1) {
                crate::commands::emit(&line)?;
            }
        }
        reports.push(item);
    }
    reports.sort_by_key(|(k, _)| *k);
    let reports: Vec<ProbeReport> = reports.into_iter().map(|(_, r)| r).collect();
    let fleet = fleet_findings(&reports);
    let mut code = reports
        .iter()
        .map(|r| infer::exit_code(&r.findings))
        .max()
        .unwrap_or(0);
    code = code.max(infer::exit_code(&fleet));
    match output.format {
        OutputFormat::Ndjson => {
            if !fleet.is_empty() {
                #[derive(Serialize)]
                struct Fleet<'a> {
                    fleet_findings: &'a [Finding],
                }
                if let Some(line) = output.json(&Fleet {
                    fleet_findings: &fleet,
                }) {
                    crate::commands::emit(&line)?;
                }
            }
        }
        OutputFormat::Json => {
            if let Some(doc) = output.json(&RunReport {
                probes: &reports,
                findings: &fleet,
            }) {
                crate::commands::emit(&doc)?;
            }
        }
        OutputFormat::Text => {
            let text = super::text::render(&reports, &fleet, output.color);
            crate::commands::emit(&text)?;
        }
    }
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
    let (tx, rx) = watch::channel(false);
    let tx = Arc::new(tx);
    let mut set = tokio::task::JoinSet::new();
    let cfg = Arc::new(sh.cfg.clone());
    for (idx, spec) in sh.cfg.attempts.iter().copied().enumerate() {
        let cfg = cfg.clone();
        let t = t.clone();
        let tx = tx.clone();
        let rx = rx.clone();
        set.spawn(async move {
            let r = run_attempt(&cfg, &t, addr, spec, rx).await;
            if spec.payload != Payload::Wait && answered_client_first(&r.0) {
                let _ = tx.send(true);
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
    }
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

/// Builds the header an attempt sends, from the socket addresses unless overridden.
pub fn header_for(
    choice: HeaderChoice,
    local: SocketAddr,
    peer: SocketAddr,
    src: Option<SocketAddr>,
    dst: Option<SocketAddr>,
    tlvs: &[(u8, Vec<u8>)],
    crc32c: bool,
) -> Vec<u8> {
    let mut s = src.unwrap_or(local);
    let mut d = dst.unwrap_or(peer);
    if s.is_ipv4() != d.is_ipv4() {
        // An override of the other family: fall back to the socket's own pair.
        s = local;
        d = peer;
    }
    let spec = match choice {
        HeaderChoice::None => return Vec::new(),
        HeaderChoice::V1 => HeaderSpec::new(header::Kind::V1, s, d),
        HeaderChoice::V2 => {
            let mut h = HeaderSpec::new(header::Kind::V2, s, d);
            h.tlvs = tlvs.to_vec();
            h.crc32c = crc32c;
            h
        }
        HeaderChoice::V2Local => {
            let mut h = HeaderSpec::local();
            h.tlvs = tlvs.to_vec();
            h.crc32c = crc32c;
            h
        }
    };
    header::build(&spec).unwrap_or_default()
}

/// The plaintext request an HTTP attempt sends.
pub fn http_request(method: &str, t: &Target) -> Vec<u8> {
    let host = match t.port {
        80 | 443 => {
            if t.host.contains(':') {
                format!("[{}]", t.host)
            } else {
                t.host.clone()
            }
        }
        _ => t.authority(),
    };
    format!(
        "{method} {} HTTP/1.1\r\nHost: {host}\r\nUser-Agent: ppdiag/{}\r\nAccept: */*\r\nConnection: close\r\n\r\n",
        t.path,
        env!("CARGO_PKG_VERSION")
    )
    .into_bytes()
}

/// How long the connect-and-wait attempt lets the others go first.
const WAIT_GRACE: Duration = Duration::from_millis(150);

type AttemptResult = (Attempt, Option<Vec<CertificateDer<'static>>>);

async fn run_attempt(
    cfg: &ProbeConfig,
    t: &Target,
    addr: SocketAddr,
    spec: AttemptSpec,
    mut stop: watch::Receiver<bool>,
) -> AttemptResult {
    let start = Instant::now();
    let deadline = start + cfg.timeout;
    if spec.payload == Payload::Wait && cfg.attempts.len() > 1 {
        // Connect last: a server that handles one connection at a time (OpenSSL
        // s_server, many small daemons) would otherwise sit on this silent connection
        // while the others queue. If another attempt already shows the server waits
        // for the client, this one has nothing to add.
        let grace = (start + WAIT_GRACE).min(deadline);
        let fired = tokio::time::timeout_at(grace, stop.wait_for(|v| *v)).await;
        if matches!(fired, Ok(Ok(_))) {
            let mut a = infer::judged(spec, b"", 0, b"", Ending::Open, None);
            a.stopped_early = true;
            a.findings.clear();
            a.elapsed_ms = start.elapsed().as_millis() as u64;
            return (a, None);
        }
    }
    let stream = match net::connect(addr, deadline).await {
        Ok(s) => s,
        Err(e) => {
            let (ending, err) = match e {
                ConnectError::Refused => (Ending::Refused, "refused".to_string()),
                ConnectError::Timeout => (Ending::Timeout, "timeout".to_string()),
                ConnectError::Other(m) => (Ending::Refused, m),
            };
            let mut a = infer::judged(spec, b"", 0, b"", ending, Some(err));
            a.elapsed_ms = start.elapsed().as_millis() as u64;
            return (a, None);
        }
    };
    let local = stream.local_addr().unwrap_or(addr);
    let header = header_for(
        spec.header,
        local,
        addr,
        cfg.src,
        cfg.dst,
        &cfg.tlvs,
        cfg.crc32c,
    );
    let tap: SharedTap = Arc::new(Mutex::new(Tap::default()));
    let mut rec = Recorder::new(stream, tap.clone());
    let mut session = None;
    let mut tls_error = None;
    let mut chain = None;
    let mut stopped_early = false;
    let plan = ReadPlan {
        deadline,
        settle: Some(net::SETTLE),
        max: 16 * 1024,
    };
    let wrote = if header.is_empty() {
        true
    } else {
        matches!(
            tokio::time::timeout_at(deadline, rec.write_all(&header)).await,
            Ok(Ok(()))
        )
    };
    let ending = if !wrote {
        net::snapshot(&tap).ending(Ending::Timeout)
    } else {
        match spec.payload {
            Payload::Http => {
                let req = http_request(&cfg.method, t);
                match tokio::time::timeout_at(deadline, rec.write_all(&req)).await {
                    Ok(Ok(())) => net::read_reply(&mut rec, plan, std::future::pending()).await,
                    Ok(Err(_)) => net::read_reply(&mut rec, plan, std::future::pending()).await,
                    Err(_) => Ending::Timeout,
                }
            }
            Payload::Wait => {
                let stopper = async {
                    let _ = stop.wait_for(|v| *v).await;
                };
                let e = net::read_reply(&mut rec, ReadPlan { max: 4096, ..plan }, stopper).await;
                if e == Ending::Open && net::snapshot(&tap).server.is_empty() {
                    stopped_early = true;
                }
                e
            }
            Payload::Tls => {
                let r = tls_exchange(cfg, t, rec, deadline).await;
                session = r.session;
                tls_error = r.error;
                chain = r.chain;
                r.ending
            }
        }
    };
    let snap = net::snapshot(&tap);
    let ending = snap.ending(ending);
    let ending = if session.is_some() {
        Ending::Open
    } else {
        ending
    };
    let mut a = infer::judged(spec, &snap.client, header.len(), &snap.server, ending, None);
    a.local = Some(local);
    a.elapsed_ms = start.elapsed().as_millis() as u64;
    a.tls = session;
    a.tls_error = tls_error;
    a.stopped_early = stopped_early;
    if stopped_early {
        a.findings.clear();
    }
    (a, chain)
}

struct TlsResult {
    ending: Ending,
    session: Option<TlsSession>,
    error: Option<String>,
    chain: Option<Vec<CertificateDer<'static>>>,
}

fn sni_name(cfg: &ProbeConfig, t: &Target) -> (ServerName<'static>, Option<String>) {
    if let Some(s) = cfg.sni.as_deref() {
        if let Some(n) = tls::server_name(s) {
            return (n, Some(s.to_string()));
        }
    }
    if !t.host_is_ip() {
        if let Some(n) = tls::server_name(&t.host) {
            return (n, Some(t.host.clone()));
        }
    }
    let ip: IpAddr = t
        .host
        .parse()
        .unwrap_or(IpAddr::V4(std::net::Ipv4Addr::UNSPECIFIED));
    (ServerName::IpAddress(ip.into()), None)
}

async fn tls_exchange(
    cfg: &ProbeConfig,
    t: &Target,
    rec: Recorder<tokio::net::TcpStream>,
    deadline: Instant,
) -> TlsResult {
    let (name, sni) = sni_name(cfg, t);
    let (config, seen) = tls::client_config(&cfg.alpn);
    let connector = tokio_rustls::TlsConnector::from(config);
    match tokio::time::timeout_at(deadline, connector.connect(name, rec).into_fallible()).await {
        Err(_) => TlsResult {
            ending: Ending::Timeout,
            session: None,
            error: Some("no answer to the ClientHello before the timeout".into()),
            chain: None,
        },
        Ok(Ok(mut stream)) => {
            let (_, conn) = stream.get_ref();
            let mut session = session_of(conn, sni, &seen);
            let mut error = None;
            let http = session.alpn.as_deref() == Some("http/1.1");
            if http || session.client_cert_requested {
                // Over HTTP/1.1 (the server chose it), one request shows what it answers
                // (nginx: `400 No required SSL certificate was sent`). A TLS 1.3 server
                // that requires a certificate sends its alert after the handshake.
                let wait = if http { 1000 } else { 500 };
                let until = (Instant::now() + Duration::from_millis(wait)).min(deadline);
                let (status, err) = https_exchange(
                    &mut stream,
                    http.then(|| http_request(&cfg.method, t)),
                    until,
                )
                .await;
                session.http_status = status;
                error = err;
            }
            let _ = tokio::time::timeout(Duration::from_millis(50), stream.shutdown()).await;
            let chain = seen.chain.lock().map(|c| c.clone()).unwrap_or_default();
            TlsResult {
                ending: Ending::Open,
                session: Some(session),
                error,
                chain: Some(chain),
            }
        }
        Ok(Err((e, mut rec))) => {
            let plan = ReadPlan {
                deadline,
                settle: Some(net::SETTLE),
                max: 16 * 1024,
            };
            let ending = net::read_reply(&mut rec, plan, std::future::pending()).await;
            TlsResult {
                ending,
                session: None,
                error: Some(crate::escape::sanitize_text(&e.to_string()).into_owned()),
                chain: None,
            }
        }
    }
}

/// Sends `request` (if any) inside TLS and reads until the response head is complete,
/// the peer closes or alerts, or `until`. Returns the status line (escaped) and the TLS
/// error, if one came.
async fn https_exchange<S>(
    stream: &mut S,
    request: Option<Vec<u8>>,
    until: Instant,
) -> (Option<String>, Option<String>)
where
    S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin,
{
    use tokio::io::AsyncReadExt;
    if let Some(req) = request {
        if let Ok(Err(e)) = tokio::time::timeout_at(until, stream.write_all(&req)).await {
            return (
                None,
                Some(crate::escape::sanitize_text(&e.to_string()).into_owned()),
            );
        }
    }
    let mut got = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        match tokio::time::timeout_at(until, stream.read(&mut buf)).await {
            Err(_) | Ok(Ok(0)) => break,
            Ok(Ok(n)) => {
                got.extend_from_slice(&buf[..n]);
                if got.windows(4).any(|w| w == b"\r\n\r\n") || got.len() > 16 * 1024 {
                    break;
                }
            }
            Ok(Err(e)) => {
                return (
                    status_line(&got),
                    Some(crate::escape::sanitize_text(&e.to_string()).into_owned()),
                );
            }
        }
    }
    (status_line(&got), None)
}

fn status_line(bytes: &[u8]) -> Option<String> {
    let s = crate::sniff::sniff(bytes);
    let h = s.http?;
    let status = h.status?;
    Some(
        format!(
            "{} {status} {}",
            h.version.unwrap_or_default(),
            h.reason.unwrap_or_default()
        )
        .trim()
        .to_string(),
    )
}

/// The session of a completed handshake.
pub fn session_of(
    conn: &rustls::ClientConnection,
    sni: Option<String>,
    seen: &tls::Observed,
) -> TlsSession {
    TlsSession {
        version: conn
            .protocol_version()
            .map(|v| format!("{v:?}").replace("TLSv1_", "TLSv1."))
            .unwrap_or_default(),
        cipher: conn
            .negotiated_cipher_suite()
            .map(|c| format!("{:?}", c.suite()))
            .unwrap_or_default(),
        group: conn
            .negotiated_key_exchange_group()
            .map(|g| format!("{:?}", g.name())),
        alpn: conn.alpn_protocol().map(crate::escape::escape_bytes),
        sni,
        http_status: None,
        client_cert_requested: seen
            .client_cert_requested
            .load(std::sync::atomic::Ordering::Relaxed),
    }
}
