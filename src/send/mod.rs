//! `ppdiag send`: a PROXY-speaking netcat. Builds one header exactly as asked
//! ([`header`], [`tlvs`]: sans-IO), sends it, optionally runs a TLS handshake, then
//! either an HTTP request (`--http METHOD PATH`), `--data`, or bridges stdin/stdout,
//! and shows exactly what came back, classified by [`crate::diagnose::judge`] like a
//! probe attempt. The text report is in `text` (sans-IO), `--udp` in `udp`.
//!
//! Rules: the I/O shell here is thin and bounded by `--timeout` (of inactivity while
//! bridging); peer bytes go to stdout raw only when bridging (that is the job of a
//! netcat), otherwise escaped; the report goes to stderr while bridging.

pub mod header;
mod text;
pub mod tlvs;
mod udp;

pub use text::render;

use crate::diagnose::{self, Ending, Exchange, Fingerprint, Outcome};
use crate::escape::{escape_bytes, hex_compact, sanitize_text};
use crate::findings::Finding;
use crate::output::{Failure, Output, Reporter};
use crate::probe::model::TlsSession;
use crate::probe::net::{self, ReadPlan, Recorder, SharedTap, Tap};
use crate::probe::target::{self, ConnectTo, Target};
use crate::proxy::{self, Inspection};
use header::HeaderSpec;
use serde::Serialize;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::time::Instant;

/// Validated `send` configuration.
#[derive(Debug, Clone)]
pub struct SendConfig {
    /// Where to connect.
    pub target: Target,
    /// `--connect-to` rules.
    pub connect_to: Vec<ConnectTo>,
    /// Connect timeout, and inactivity timeout afterwards.
    pub timeout: Duration,
    /// The header to build (`None`: no header). `src`/`dst` left empty are filled with
    /// the socket addresses, except for LOCAL.
    pub header: Option<HeaderSpec>,
    /// `--like`: these exact bytes instead of `header` (a balancer's health check).
    pub raw_header: Option<Vec<u8>>,
    /// Print the header bytes in hex.
    pub hex: bool,
    /// Run a TLS handshake after the header.
    pub tls: bool,
    /// SNI override.
    pub sni: Option<String>,
    /// ALPN offered.
    pub alpn: Vec<String>,
    /// `--http METHOD PATH`.
    pub http: Option<(String, String)>,
    /// `--data`: bytes to send after the header (and TLS) instead of stdin.
    pub data: Option<Vec<u8>>,
    /// `--udp`: one datagram (header + data or stdin), then the replies.
    pub udp: bool,
    /// Output.
    pub output: Output,
}

/// What the inspector reads in the bytes sent (so the user sees what a strict receiver
/// sees).
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "state", rename_all = "kebab-case")]
pub enum ReadBack {
    /// No header was sent.
    None,
    /// A complete header.
    Complete {
        /// The header.
        header: Box<proxy::Header>,
    },
    /// The bytes stop inside a header.
    Incomplete {
        /// At least this many bytes more.
        at_least: usize,
    },
    /// A strict receiver rejects it.
    Malformed {
        /// The rule.
        #[serde(flatten)]
        malformed: proxy::Malformed,
    },
    /// Not a PROXY header at all.
    NotProxy,
}

/// The report of one `send`.
#[derive(Debug, Clone, Serialize)]
pub struct SendReport {
    /// The target as given.
    pub target: String,
    /// The address connected to.
    pub address: Option<SocketAddr>,
    /// Our side.
    pub local: Option<SocketAddr>,
    /// The header bytes sent, hex.
    pub header_hex: String,
    /// Header length.
    pub header_bytes: usize,
    /// What a strict receiver reads in it.
    pub header: ReadBack,
    /// The TLS session, when a handshake completed.
    pub tls: Option<TlsSession>,
    /// What the TLS client reported, when the handshake failed.
    pub tls_error: Option<String>,
    /// Bytes sent after the header (plaintext: request or stdin; TLS: encrypted
    /// application data is not counted).
    pub sent: usize,
    /// The reply (decrypted when over TLS), escaped, at most 64 KiB.
    pub reply: String,
    /// Reply length.
    pub reply_bytes: usize,
    /// What happened (the judge's word for the raw exchange).
    pub outcome: Outcome,
    /// How the server side ended.
    pub ending: Ending,
    /// The backend the reaction points to.
    pub fingerprint: Option<Fingerprint>,
    /// What TLS clients print for this reply.
    pub client_sees: Vec<String>,
    /// Milliseconds from connect to the end.
    pub elapsed_ms: u64,
    /// Findings, worst first.
    pub findings: Vec<Finding>,
}

/// What a strict receiver reads in the header bytes sent.
pub fn read_back(bytes: &[u8]) -> ReadBack {
    if bytes.is_empty() {
        return ReadBack::None;
    }
    match proxy::inspect(bytes) {
        Inspection::Complete(h) => ReadBack::Complete {
            header: Box::new(h),
        },
        Inspection::Incomplete { at_least, .. } => ReadBack::Incomplete { at_least },
        Inspection::Malformed(malformed) => ReadBack::Malformed { malformed },
        Inspection::NotProxy => ReadBack::NotProxy,
    }
}

/// Runs `send`; returns the exit code.
pub fn run(cfg: SendConfig) -> Result<i32, Failure> {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| Failure(format!("cannot start the async runtime: {e}")))?;
    rt.block_on(run_async(cfg))
}

async fn resolve(cfg: &SendConfig) -> Result<SocketAddr, Failure> {
    let (host, port) = target::route(&cfg.target, &cfg.connect_to);
    if let Ok(ip) = host.parse::<std::net::IpAddr>() {
        return Ok(SocketAddr::new(ip, port));
    }
    let deadline = Instant::now() + cfg.timeout.max(Duration::from_secs(5));
    tokio::time::timeout_at(deadline, tokio::net::lookup_host((host.as_str(), port)))
        .await
        .map_err(|_| {
            Failure(format!(
                "cannot resolve `{host}`: no answer from DNS in time"
            ))
        })?
        .map_err(|e| Failure(format!("cannot resolve `{host}`: {e}")))?
        .next()
        .ok_or_else(|| Failure(format!("cannot resolve `{host}`: no addresses")))
}

async fn run_async(cfg: SendConfig) -> Result<i32, Failure> {
    let addr = resolve(&cfg).await?;
    if cfg.udp {
        return udp::run(&cfg, addr).await;
    }
    let bridging = cfg.http.is_none() && cfg.data.is_none();
    let start = Instant::now();
    let stream = match net::connect(addr, start + cfg.timeout).await {
        Ok(s) => s,
        Err(e) => {
            let (ending, msg) = match e {
                net::ConnectError::Refused => (Ending::Refused, None),
                net::ConnectError::Timeout => (Ending::Timeout, Some("timeout".to_string())),
                net::ConnectError::Other(m) => (Ending::Refused, Some(m)),
            };
            let spec = crate::probe::model::AttemptSpec {
                header: crate::probe::model::HeaderChoice::None,
                payload: crate::probe::model::Payload::Wait,
            };
            let a = crate::probe::infer::judged(
                spec,
                b"",
                0,
                b"",
                ending,
                msg.or(Some("refused".into())),
            );
            let report = SendReport {
                target: cfg.target.input.clone(),
                address: Some(addr),
                local: None,
                header_hex: String::new(),
                header_bytes: 0,
                header: ReadBack::None,
                tls: None,
                tls_error: None,
                sent: 0,
                reply: String::new(),
                reply_bytes: 0,
                outcome: a.outcome,
                ending,
                fingerprint: None,
                client_sees: Vec::new(),
                elapsed_ms: start.elapsed().as_millis() as u64,
                findings: a.findings,
            };
            return finish(&cfg, &report, bridging);
        }
    };
    let local = stream.local_addr().ok();
    let header_bytes = match (&cfg.raw_header, &cfg.header) {
        (Some(raw), _) => raw.clone(),
        (None, None) => Vec::new(),
        (None, Some(spec)) => {
            let mut spec = spec.clone();
            if !spec.local
                && spec.src.is_none()
                && spec.dst.is_none()
                && spec.family != Some(proxy::Family::Unspec)
            {
                spec.src = local;
                spec.dst = Some(addr);
            } else if spec.src.is_some() != spec.dst.is_some() {
                spec.src = spec.src.or(local);
                spec.dst = spec.dst.or(Some(addr));
            }
            header::build(&spec).map_err(|e| Failure(format!("cannot build the header: {e}")))?
        }
    };
    if cfg.hex && cfg.output.is_text() {
        eprintln!(
            "sent header ({} bytes): {}",
            header_bytes.len(),
            crate::escape::hex_spaced(&header_bytes)
        );
    }
    let tap: SharedTap = Arc::new(Mutex::new(Tap::default()));
    let mut rec = Recorder::new(stream, tap.clone());
    let mut tls_error = None;
    let mut session = None;
    let mut reply = Vec::new();
    let mut sent = 0usize;
    let deadline = Instant::now() + cfg.timeout;
    let wrote = tokio::time::timeout_at(deadline, rec.write_all(&header_bytes)).await;
    let mut ending = if !matches!(wrote, Ok(Ok(()))) {
        Ending::Reset
    } else if cfg.tls {
        let (name, sni) = server_name(&cfg);
        let (config, seen) = crate::probe::tls::client_config(&cfg.alpn);
        let connector = tokio_rustls::TlsConnector::from(config);
        match tokio::time::timeout_at(deadline, connector.connect(name, rec).into_fallible()).await
        {
            Err(_) => {
                tls_error = Some("no answer to the ClientHello before the timeout".into());
                Ending::Timeout
            }
            Ok(Err((e, mut rec))) => {
                tls_error = Some(sanitize_text(&e.to_string()).into_owned());
                let plan = ReadPlan {
                    deadline,
                    settle: Some(net::SETTLE),
                    max: net::TAP_CAP,
                };
                net::read_reply(&mut rec, plan, std::future::pending()).await
            }
            Ok(Ok(mut stream)) => {
                session = Some(crate::probe::attempt::session_of(
                    stream.get_ref().1,
                    sni,
                    &seen,
                ));
                let (e, n) = exchange(&cfg, &mut stream, &mut reply).await;
                sent = n;
                if let Some(err) = e.1 {
                    tls_error = Some(err);
                }
                e.0
            }
        }
    } else {
        let (e, n) = exchange(&cfg, &mut rec, &mut reply).await;
        sent = n;
        e.0
    };
    let snap = net::snapshot(&tap);
    ending = snap.ending(ending);
    if session.is_none() {
        // Plaintext, or a TLS handshake that failed: what came back is the raw bytes.
        reply = snap.server.clone();
    }
    let verdict = diagnose::judge(&Exchange {
        client: &snap.client,
        server: &snap.server,
        ending: if session.is_some() {
            Ending::Open
        } else {
            ending
        },
    });
    // The path model reads the same exchange: a header that every explanation says
    // reached the application as data (a banner, then an error to the header line) is
    // named even where the exchange judge's web rules see nothing.
    let observed = crate::path::observe(
        "the exchange",
        &snap.client,
        &snap.server,
        (if session.is_some() {
            Ending::Open
        } else {
            ending
        })
        .to_path(),
        local,
    );
    let mut findings = verdict.findings;
    if session.is_none() {
        let shown = crate::escape::escape_bytes_max(&snap.server, 96);
        findings.extend(crate::path::advice::sent_header_finding(
            &observed, &shown, &findings,
        ));
        crate::findings::sort_worst_first(&mut findings);
    }
    let report = SendReport {
        target: cfg.target.input.clone(),
        address: Some(addr),
        local,
        header_hex: hex_compact(&header_bytes),
        header_bytes: header_bytes.len(),
        header: read_back(&header_bytes),
        tls: session,
        tls_error,
        sent,
        reply: escape_bytes(&reply[..reply.len().min(net::TAP_CAP)]),
        reply_bytes: reply.len(),
        outcome: verdict.outcome,
        ending,
        fingerprint: verdict.fingerprint,
        client_sees: verdict.client_sees,
        elapsed_ms: start.elapsed().as_millis() as u64,
        findings,
    };
    finish(&cfg, &report, bridging)
}

type ExchangeEnd = (Ending, Option<String>);

/// After the header (and TLS): the HTTP request, or the stdin/stdout bridge.
async fn exchange<S>(cfg: &SendConfig, s: &mut S, reply: &mut Vec<u8>) -> (ExchangeEnd, usize)
where
    S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin,
{
    if let Some((method, path)) = &cfg.http {
        let t = Target {
            path: path.clone(),
            ..cfg.target.clone()
        };
        let req = crate::probe::attempt::http_request(method, &t);
        let deadline = Instant::now() + cfg.timeout;
        if !matches!(
            tokio::time::timeout_at(deadline, s.write_all(&req)).await,
            Ok(Ok(()))
        ) {
            return ((Ending::Reset, None), 0);
        }
        let end = read_all(s, reply, deadline, None).await;
        return (end, req.len());
    }
    if let Some(data) = &cfg.data {
        let deadline = Instant::now() + cfg.timeout;
        if !matches!(
            tokio::time::timeout_at(deadline, s.write_all(data)).await,
            Ok(Ok(()))
        ) {
            return ((Ending::Reset, None), 0);
        }
        let end = read_all(s, reply, deadline, Some(cfg.timeout)).await;
        return (end, data.len());
    }
    bridge(cfg, s, reply).await
}

/// Reads until EOF, reset, the deadline, or `idle` without bytes.
async fn read_all<S>(
    s: &mut S,
    reply: &mut Vec<u8>,
    deadline: Instant,
    idle: Option<Duration>,
) -> ExchangeEnd
where
    S: tokio::io::AsyncRead + Unpin,
{
    let mut buf = vec![0u8; 16 * 1024];
    loop {
        let until = idle.map_or(deadline, |i| (Instant::now() + i).min(deadline));
        match tokio::time::timeout_at(until, s.read(&mut buf)).await {
            Err(_) => return (Ending::Timeout, None),
            Ok(Ok(0)) => return (Ending::Closed, None),
            Ok(Ok(n)) => {
                let room = net::TAP_CAP.saturating_sub(reply.len());
                reply.extend_from_slice(&buf[..n.min(room)]);
            }
            Ok(Err(e)) if e.kind() == std::io::ErrorKind::ConnectionReset => {
                return (Ending::Reset, None);
            }
            Ok(Err(e)) if e.kind() == std::io::ErrorKind::UnexpectedEof => {
                return (Ending::Closed, None);
            }
            Ok(Err(e)) => {
                return (
                    Ending::Closed,
                    Some(sanitize_text(&e.to_string()).into_owned()),
                );
            }
        }
    }
}

/// netcat: stdin to the peer, the peer to stdout, until the peer closes, or nothing
/// moves for `--timeout`.
async fn bridge<S>(cfg: &SendConfig, s: &mut S, reply: &mut Vec<u8>) -> (ExchangeEnd, usize)
where
    S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin,
{
    let mut stdin = tokio::io::stdin();
    let mut stdout = tokio::io::stdout();
    let mut inbuf = vec![0u8; 16 * 1024];
    let mut outbuf = vec![0u8; 16 * 1024];
    let mut stdin_open = true;
    let mut sent = 0usize;
    loop {
        let idle = Instant::now() + cfg.timeout;
        tokio::select! {
            r = stdin.read(&mut inbuf), if stdin_open => match r {
                Ok(0) | Err(_) => {
                    stdin_open = false;
                }
                Ok(n) => {
                    sent += n;
                    if s.write_all(&inbuf[..n]).await.is_err() {
                        return ((Ending::Reset, None), sent);
                    }
                }
            },
            r = s.read(&mut outbuf) => match r {
                Ok(0) => return ((Ending::Closed, None), sent),
                Ok(n) => {
                    let room = net::TAP_CAP.saturating_sub(reply.len());
                    reply.extend_from_slice(&outbuf[..n.min(room)]);
                    if cfg.output.is_text() {
                        let _ = stdout.write_all(&outbuf[..n]).await;
                        let _ = stdout.flush().await;
                    }
                }
                Err(e) if e.kind() == std::io::ErrorKind::ConnectionReset => return ((Ending::Reset, None), sent),
                Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => return ((Ending::Closed, None), sent),
                Err(e) => return ((Ending::Closed, Some(sanitize_text(&e.to_string()).into_owned())), sent),
            },
            _ = tokio::time::sleep_until(idle) => return ((Ending::Timeout, None), sent),
        }
    }
}

fn server_name(cfg: &SendConfig) -> (rustls::pki_types::ServerName<'static>, Option<String>) {
    use crate::probe::tls::server_name;
    if let Some(n) = cfg.sni.as_deref().and_then(server_name) {
        return (n, cfg.sni.clone());
    }
    if !cfg.target.host_is_ip() {
        if let Some(n) = server_name(&cfg.target.host) {
            return (n, Some(cfg.target.host.clone()));
        }
    }
    let ip: std::net::IpAddr = cfg
        .target
        .host
        .parse()
        .unwrap_or(std::net::IpAddr::V4(std::net::Ipv4Addr::UNSPECIFIED));
    (rustls::pki_types::ServerName::IpAddress(ip.into()), None)
}

/// Prints the report (stderr while bridging) and returns the exit code.
fn finish(cfg: &SendConfig, r: &SendReport, bridging: bool) -> Result<i32, Failure> {
    let code = crate::probe::infer::exit_code(&r.findings);
    let text =
        |p: &crate::render::Painter, s: &mut String| s.push_str(&render(r, p.color(), !bridging));
    if bridging && cfg.output.is_text() {
        // The peer's bytes own stdout while bridging.
        let mut out = cfg.output.reporter(std::io::stderr());
        out.whole(r, text);
        out.close()?;
    } else {
        let mut out = cfg.output.stdout();
        out.whole(r, text);
        out.close()?;
    }
    Ok(code)
}
