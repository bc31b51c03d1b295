//! `ppdiag demo`: the main job, offline, on an embedded default.
//!
//! It starts in-process backends on loopback (`serve` embedded, with its emulations of
//! misconfigured servers) and an in-process SNAT balancer that can send PROXY v2, lets a
//! client talk through them, probes each backend, decodes a bundled capture, and prints
//! the diagnoses. Every case states the finding codes it must produce; a case that does
//! not is reported and the exit code is 1, so the demo doubles as a smoke test.
//!
//! Rules: loopback only (127.0.0.1 and 127.0.0.2), nothing outside the process, every
//! wait bounded; the whole demo takes a few seconds.

pub mod balancer;
mod capture;
mod text;

pub use crate::config::DemoConfig;
use crate::diagnose::{self, Ending, Exchange, Verdict};
use crate::findings::{Code, Finding};
use crate::output::{Failure, Output, OutputFormat, Reporter};
use crate::probe::model::AttemptSpec;
use crate::probe::model::ProbeReport;
use crate::probe::run::ProbeConfig;
use crate::serve::judge::Emulation;
use crate::serve::judge::{Expectations, Policy, ProxyMode, Versions};
use crate::serve::tls::{CertSource, ClientAuth, TlsSettings};
use crate::serve::{Embedded, ListenAddr, ReplyMode, ServeConfig};
use balancer::{Balancer, Sends};
use serde::Serialize;
use std::net::SocketAddr;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// The ClientHello every demo client sends (OpenSSL 3.0 `s_client`, SNI example.com,
/// ALPN h2 and http/1.1), recorded on loopback.
const CLIENT_HELLO: &[u8] =
    include_bytes!("../../testdata/bytes/openssl-s_client-clienthello-sni-alpn.bin");

/// How long a demo client waits for an answer.
const CLIENT_WAIT: Duration = Duration::from_millis(1200);

/// What a client going through the path experienced.
#[derive(Debug, Clone, Serialize)]
pub struct ClientView {
    /// The path, in words.
    pub path: String,
    /// What happened.
    pub outcome: String,
    /// What common clients print for it.
    pub client_sees: Vec<String>,
    /// The judge's findings for this exchange, worst first.
    pub findings: Vec<Finding>,
}

/// One demo case.
#[derive(Debug, Clone, Serialize)]
pub struct Case {
    /// Stable id.
    pub id: &'static str,
    /// One line.
    pub title: &'static str,
    /// The setup, in words.
    pub setup: &'static str,
    /// The client's experience, when the case has a client.
    pub client: Option<ClientView>,
    /// What the backend recorded about its clients (the SNAT case).
    pub backend_saw: Vec<String>,
    /// The probe of the backend, when the case probes.
    pub probe: Option<ProbeReport>,
    /// Finding codes this case must produce.
    pub expected: Vec<Code>,
    /// Finding codes it produced (client view and probe together).
    pub found: Vec<Code>,
    /// Whether every expected code was found (and, when none is expected, no error).
    pub ok: bool,
}

/// The whole demo.
#[derive(Debug, Clone, Serialize)]
pub struct DemoReport {
    /// The live cases.
    pub cases: Vec<Case>,
    /// The bundled capture, decoded.
    pub capture: capture::CaptureSummary,
    /// Whether every case and the capture gave the expected diagnoses.
    pub ok: bool,
}

/// Runs the demo; exit code 0 when every case gave its expected diagnosis, else 1.
pub fn run(cfg: DemoConfig) -> Result<i32, Failure> {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| Failure(format!("cannot start the runtime: {e}")))?;
    let report = rt.block_on(demo())?;
    let mut out = cfg.output.stdout();
    out.whole(&report, |p, s| {
        s.push_str(&text::render(&report, p.color()))
    });
    out.close()?;
    Ok(if report.ok { 0 } else { 1 })
}

/// Runs every case and the capture; returns the report.
pub async fn demo() -> Result<DemoReport, Failure> {
    let (a, b, c, d, e, f) = tokio::join!(
        traefik_websecure(),
        nginx_ssl(),
        proxy_required_direct(),
        tls_to_plaintext(),
        snat_loxilb(),
        correct_setup(),
    );
    let cases = vec![a?, b?, c?, d?, e?, f?];
    let capture = capture::decode_bundled();
    let ok = cases.iter().all(|c| c.ok) && capture.ok;
    Ok(DemoReport { cases, capture, ok })
}

fn serve_config(tls: bool, mode: ProxyMode, emulation: Option<Emulation>) -> ServeConfig {
    ServeConfig {
        listen: vec![ListenAddr::Addr(
            "127.0.0.1:0".parse().expect("literal address"),
        )],
        udp: false,
        policy: Policy {
            mode,
            versions: Versions { v1: true, v2: true },
            trusted: Vec::new(),
        },
        header_timeout: Duration::from_millis(800),
        idle_timeout: Duration::from_millis(800),
        tls: tls.then(|| TlsSettings {
            cert: CertSource::Generate(vec!["example.com".into(), "localhost".into()]),
            cert_out: None,
            alpn: vec!["http/1.1".into()],
            client_auth: ClientAuth::Off,
            client_ca: None,
        }),
        reply: ReplyMode::Http,
        emulation,
        expect: Expectations::default(),
        count: None,
        count_health_checks: false,
        deadline: None,
        junit: None,
        banner: None,
        max_connections: 64,
        workers: None,
        output: Output {
            format: OutputFormat::Ndjson,
            color: false,
        },
    }
}

async fn backend(
    tls: bool,
    mode: ProxyMode,
    emulation: Option<Emulation>,
) -> Result<Embedded, Failure> {
    crate::serve::embed(serve_config(tls, mode, emulation)).await
}

async fn probe(addr: SocketAddr) -> Result<ProbeReport, Failure> {
    let cfg = ProbeConfig {
        targets: vec![crate::client::target::parse(&addr.to_string(), None).map_err(Failure)?],
        targets_file: None,
        port: None,
        connect_to: Vec::new(),
        timeout: Duration::from_millis(1500),
        concurrency: 1,
        attempts: AttemptSpec::matrix(),
        src: None,
        dst: None,
        tlvs: Vec::new(),
        crc32c: false,
        sni: Some("example.com".into()),
        alpn: vec!["http/1.1".into()],
        method: "GET".into(),
        balancer_sends: None,
        expiry_warn_days: 14,
        cacert: Vec::new(),
        ip_version: None,
        output: Output {
            format: OutputFormat::Json,
            color: false,
        },
        udp_attempts: Vec::new(),
        udp_data: None,
        robustness: false,
        audit: false,
    };
    let mut reports = crate::probe::run::probe_reports(cfg, |_| Ok(())).await?;
    reports
        .pop()
        .ok_or_else(|| Failure(format!("probe of {addr} gave no report")))
}

/// Sends `bytes` to `addr` and reads the answer until close, reset or the wait ends.
async fn exchange(addr: SocketAddr, bytes: &[u8]) -> (Vec<u8>, Ending) {
    let Ok(Ok(mut s)) = tokio::time::timeout(CLIENT_WAIT, TcpStream::connect(addr)).await else {
        return (Vec::new(), Ending::Refused);
    };
    if s.write_all(bytes).await.is_err() {
        return (Vec::new(), Ending::Reset);
    }
    let mut got = Vec::new();
    let mut buf = [0u8; 4096];
    let deadline = tokio::time::Instant::now() + CLIENT_WAIT;
    loop {
        match tokio::time::timeout_at(deadline, s.read(&mut buf)).await {
            Ok(Ok(0)) => return (got, Ending::Closed),
            Ok(Ok(n)) => {
                got.extend_from_slice(&buf[..n]);
                if got.len() > 16 * 1024 {
                    return (got, Ending::Open);
                }
            }
            Ok(Err(e)) if e.kind() == std::io::ErrorKind::ConnectionReset => {
                return (got, Ending::Reset);
            }
            Ok(Err(_)) => return (got, Ending::Closed),
            Err(_) => return (got, Ending::Timeout),
        }
    }
}

/// A client's exchange through `addr`; `reached` is what the backend received (the
/// balancer's header in front of the client's bytes), which is what the judge needs.
async fn client_view(
    path: &str,
    addr: SocketAddr,
    sent: &[u8],
    reached: &[u8],
) -> (ClientView, Verdict) {
    let (reply, ending) = exchange(addr, sent).await;
    let v = diagnose::judge(&Exchange {
        client: reached,
        server: &reply,
        ending,
    });
    let mut client_sees = v.client_sees.to_vec();
    if client_sees.is_empty() {
        client_sees = v
            .findings
            .iter()
            .flat_map(|f| f.evidence.iter())
            .filter(|e| e.starts_with("clients print") || e.starts_with("TLS clients"))
            .map(|e| e.to_string())
            .collect();
    }
    let view = ClientView {
        path: path.to_string(),
        outcome: v.outcome.label(),
        client_sees,
        findings: v.findings.clone(),
    };
    (view, v)
}

fn with_header(balancer: &Balancer, payload: &[u8]) -> Vec<u8> {
    // Addresses do not matter to the judge; the header's shape does.
    let mut v = balancer::v2_header("127.0.0.1:40000".parse().expect("literal"), balancer.addr);
    v.extend_from_slice(payload);
    v
}

fn finish(
    id: &'static str,
    title: &'static str,
    setup: &'static str,
    client: Option<ClientView>,
    backend_saw: Vec<String>,
    probe: Option<ProbeReport>,
    expected: Vec<Code>,
) -> Case {
    let mut found: Vec<Code> = Vec::new();
    let all = client
        .iter()
        .flat_map(|c| c.findings.iter())
        .chain(probe.iter().flat_map(|p| p.findings.iter()));
    let mut errors = false;
    for f in all {
        errors |= f.severity == crate::findings::Severity::Error;
        if !found.contains(&f.code) {
            found.push(f.code);
        }
    }
    let ok = if expected.is_empty() {
        !errors
    } else {
        expected.iter().all(|c| found.contains(c))
    };
    Case {
        id,
        title,
        setup,
        client,
        backend_saw,
        probe,
        expected,
        found,
        ok,
    }
}

/// A client through a balancer that sends PROXY v2 to a TLS backend (`mode`, `emulation`),
/// and a probe of that backend.
async fn through_balancer_case(
    mode: ProxyMode,
    emulation: Option<Emulation>,
    id: &'static str,
    title: &'static str,
    setup: &'static str,
    expected: Vec<Code>,
) -> Result<Case, Failure> {
    let be = backend(true, mode, emulation).await?;
    let lb = balancer::start(
        be.addrs[0],
        "127.0.0.1".parse().expect("literal"),
        Sends::ProxyV2,
    )
    .await
    .map_err(|e| Failure(format!("demo balancer: {e}")))?;
    let reached = with_header(&lb, CLIENT_HELLO);
    let (view, _) = client_view(
        "through the balancer (PROXY v2)",
        lb.addr,
        CLIENT_HELLO,
        &reached,
    )
    .await;
    let probe = probe(be.addrs[0]).await?;
    Ok(finish(
        id,
        title,
        setup,
        Some(view),
        Vec::new(),
        Some(probe),
        expected,
    ))
}

async fn traefik_websecure() -> Result<Case, Failure> {
    through_balancer_case(
        ProxyMode::Forbidden,
        Some(Emulation::GoTls),
        "traefik-websecure",
        "Traefik `websecure` without proxyProtocol, behind an NLB that sends PROXY v2",
        "client → balancer sending PROXY v2 → Go crypto/tls backend that does not parse PROXY (ppdiag serve --emulate go-tls)",
        vec![Code::ProxyHeaderNotExpected],
    )
    .await
}

async fn nginx_ssl() -> Result<Case, Failure> {
    through_balancer_case(
        ProxyMode::Forbidden,
        Some(Emulation::NginxSsl),
        "nginx-ssl-wrong-version-number",
        "`wrong version number`: nginx `listen ssl` without proxy_protocol behind a balancer that sends PROXY v2",
        "client → balancer sending PROXY v2 → nginx-style TLS backend without `proxy_protocol` (ppdiag serve --emulate nginx-ssl)",
        vec![Code::ProxyHeaderNotExpected],
    )
    .await
}

/// What a direct case sets up: the backend, and what the client does.
struct Direct {
    tls: bool,
    mode: ProxyMode,
    emulation: Option<Emulation>,
    path: &'static str,
    id: &'static str,
    title: &'static str,
    setup: &'static str,
    expected: Code,
}

/// A client straight to a backend (no balancer) sending a ClientHello, and a probe of it.
async fn direct_case(d: Direct) -> Result<Case, Failure> {
    let be = backend(d.tls, d.mode, d.emulation).await?;
    let (view, _) = client_view(d.path, be.addrs[0], CLIENT_HELLO, CLIENT_HELLO).await;
    let probe = probe(be.addrs[0]).await?;
    Ok(finish(
        d.id,
        d.title,
        d.setup,
        Some(view),
        Vec::new(),
        Some(probe),
        vec![d.expected],
    ))
}

async fn proxy_required_direct() -> Result<Case, Failure> {
    direct_case(Direct {
        tls: true,
        mode: ProxyMode::Required,
        emulation: Some(Emulation::NginxProxy),
        path: "straight to the backend (no balancer)",
        id: "proxy-required-direct",
        title: "A PROXY-required backend reached directly (a test from a laptop, hairpin traffic)",
        setup: "client → nginx-style backend with `listen ssl proxy_protocol` (ppdiag serve --emulate nginx-proxy)",
        expected: Code::ProxyHeaderMissing,
    })
    .await
}

async fn tls_to_plaintext() -> Result<Case, Failure> {
    direct_case(Direct {
        tls: false,
        mode: ProxyMode::Optional,
        emulation: None,
        path: "https:// to the plaintext port",
        id: "tls-to-plaintext-port",
        title: "TLS sent to a plaintext port",
        setup: "client speaking TLS → backend serving plaintext HTTP (ppdiag serve --proxy optional)",
        expected: Code::TlsToPlaintextPort,
    })
    .await
}

async fn snat_loxilb() -> Result<Case, Failure> {
    let mut be = backend(false, ProxyMode::Optional, None).await?;
    let snat = "127.0.0.2".parse().expect("literal");
    let request = b"GET /whoami HTTP/1.1\r\nHost: app.example\r\nConnection: close\r\n\r\n";
    let mut saw = Vec::new();
    for (sends, label) in [
        (Sends::Nothing, "without PROXY"),
        (Sends::ProxyV2, "with PROXY v2"),
    ] {
        let lb = balancer::start(be.addrs[0], snat, sends)
            .await
            .map_err(|e| Failure(format!("demo balancer: {e}")))?;
        let client = TcpStream::connect(lb.addr)
            .await
            .map_err(|e| Failure(format!("demo client: {e}")))?;
        let me = client.local_addr().map_err(|e| Failure(e.to_string()))?;
        drop(client);
        let (_reply, _) = exchange(lb.addr, request).await;
        let record = tokio::time::timeout(Duration::from_secs(3), async {
            // The first connection above sent nothing; take the record with a request.
            loop {
                match be.records.recv().await {
                    Some(r) if r.http.is_some() => return Some(r),
                    Some(_) => continue,
                    None => return None,
                }
            }
        })
        .await
        .ok()
        .flatten();
        let seen = record.map_or("no record".to_string(), |r| r.client.to_string());
        saw.push(format!(
            "{label}: the backend sees the client as {seen} (the client was {}, the balancer connects from {snat})",
            me.ip()
        ));
    }
    let client_ip_survives = saw.get(1).is_some_and(|s| s.contains("as 127.0.0.1:"));
    let snat_hides = saw.first().is_some_and(|s| s.contains("as 127.0.0.2:"));
    let mut case = finish(
        "snat-loxilb",
        "LoxiLB (SNAT) in front of a pod: the client address survives only through PROXY v2",
        "client → SNAT balancer (connects from 127.0.0.2) → backend that reads PROXY when present (ppdiag serve --proxy optional)",
        None,
        saw,
        None,
        Vec::new(),
    );
    case.ok = client_ip_survives && snat_hides;
    Ok(case)
}

async fn correct_setup() -> Result<Case, Failure> {
    through_balancer_case(
        ProxyMode::Required,
        None,
        "correct",
        "A correct setup: the balancer sends PROXY v2, the TLS backend requires and reads it",
        "client → balancer sending PROXY v2 → TLS backend with PROXY required (ppdiag serve --tls --proxy required)",
        Vec::new(),
    )
    .await
}
