//! `ppdiag send`: a PROXY-speaking netcat. Builds one header exactly as asked
//! ([`crate::proxy::build`]: sans-IO), sends it, optionally runs a TLS handshake, then
//! either an HTTP request (`--http METHOD PATH`), `--data`, or bridges stdin/stdout,
//! and shows exactly what came back, classified by [`crate::diagnose::judge`] like a
//! probe attempt. The text report is in `text` (sans-IO), `--udp` in `udp`. Sockets,
//! the recording stream, the TLS handshake and header defaulting are the client
//! layer's ([`crate::client`]), shared with `probe`.
//!
//! Rules: the I/O shell here is thin and bounded by `--timeout` (of inactivity while
//! bridging); peer bytes go to stdout raw only when bridging (that is the job of a
//! netcat), otherwise escaped; the report goes to stderr while bridging.

mod text;
mod udp;

pub use text::render;

use crate::client::net::{self, ConnectError, ReadPlan, Recorder, SharedTap, Tap};
use crate::client::target::{ConnectTo, Target};
use crate::client::tls::{self, Handshake, TlsSession};
use crate::diagnose::{self, Ending, Exchange, Fingerprint, Outcome};
use crate::escape::{escape_bytes, hex_compact, sanitize_text};
use crate::findings::Finding;
use crate::output::{Failure, Output, Reporter};
use crate::proxy::build::HeaderSpec;
use crate::proxy::{self, Inspection};
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
    let deadline = Instant::now() + cfg.timeout.max(Duration::from_secs(5));
    let found = net::resolve(&cfg.target, &cfg.connect_to, deadline).await;
    Ok(found.map_err(Failure)?[0])
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
        Err(e) => return finish(&cfg, &not_connected(&cfg, addr, &e, start), bridging),
    };
    let local = stream.local_addr().ok();
    let header_bytes = header_bytes(&cfg, local, addr)?;
    if cfg.hex && cfg.output.is_text() {
        eprintln!(
            "sent header ({} bytes): {}",
            header_bytes.len(),
            crate::escape::hex_spaced(&header_bytes)
        );
    }
    let tap: SharedTap = Arc::new(Mutex::new(Tap::default()));
    let rec = Recorder::new(stream, tap.clone());
    let said = converse(&cfg, rec, &header_bytes).await;
    let sent = Sent {
        addr,
        local,
        header: &header_bytes,
        start,
    };
    let report = report(&cfg, sent, &net::snapshot(&tap), said);
    finish(&cfg, &report, bridging)
}

/// The header bytes to send: `--like`'s as they are, or the spec built with the
/// addresses it leaves empty taken from the socket.
fn header_bytes(
    cfg: &SendConfig,
    local: Option<SocketAddr>,
    peer: SocketAddr,
) -> Result<Vec<u8>, Failure> {
    match (&cfg.raw_header, &cfg.header) {
        (Some(raw), _) => Ok(raw.clone()),
        (None, None) => Ok(Vec::new()),
        (None, Some(spec)) => {
            let spec = crate::client::header::with_socket_addresses(spec, local, peer);
            crate::proxy::build::build(&spec)
                .map_err(|e| Failure(format!("cannot build the header: {e}")))
        }
    }
}

/// The report of a connection that could not be made.
fn not_connected(
    cfg: &SendConfig,
    addr: SocketAddr,
    e: &ConnectError,
    start: Instant,
) -> SendReport {
    let (ending, word) = e.ending_and_word();
    let v = crate::client::verdict::of_exchange(b"", b"", ending, Some(&word));
    SendReport {
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
        outcome: v.outcome,
        ending,
        fingerprint: None,
        client_sees: Vec::new(),
        elapsed_ms: start.elapsed().as_millis() as u64,
        findings: v.findings,
    }
}

/// What a connection carried after it was made.
struct Said {
    ending: Ending,
    session: Option<TlsSession>,
    tls_error: Option<String>,
    /// The reply, decrypted (over a completed handshake only).
    reply: Vec<u8>,
    sent: usize,
}

/// Sends the header, runs the handshake when asked, then the request, the data or the
/// bridge.
async fn converse(
    cfg: &SendConfig,
    mut rec: Recorder<tokio::net::TcpStream>,
    header: &[u8],
) -> Said {
    let mut said = Said {
        ending: Ending::Reset,
        session: None,
        tls_error: None,
        reply: Vec::new(),
        sent: 0,
    };
    let deadline = Instant::now() + cfg.timeout;
    let wrote = tokio::time::timeout_at(deadline, rec.write_all(header)).await;
    if !matches!(wrote, Ok(Ok(()))) {
        return said;
    }
    if !cfg.tls {
        let (e, n) = exchange(cfg, &mut rec, &mut said.reply).await;
        said.sent = n;
        said.ending = e.0;
        return said;
    }
    said.ending =
        match tls::handshake(rec, cfg.sni.as_deref(), &cfg.target, &cfg.alpn, deadline).await {
            Handshake::TimedOut => {
                said.tls_error = Some(tls::NO_ANSWER.into());
                Ending::Timeout
            }
            Handshake::Failed { error, mut rec } => {
                said.tls_error = Some(error);
                let plan = ReadPlan {
                    deadline,
                    settle: Some(net::SETTLE),
                    max: net::TAP_CAP,
                };
                net::read_reply(&mut rec, plan, std::future::pending()).await
            }
            Handshake::Done {
                mut stream,
                session,
                ..
            } => {
                said.session = Some(session);
                let (e, n) = exchange(cfg, &mut stream, &mut said.reply).await;
                said.sent = n;
                if let Some(err) = e.1 {
                    said.tls_error = Some(err);
                }
                e.0
            }
        };
    said
}

/// Where the header went, and when it started.
#[derive(Clone, Copy)]
struct Sent<'a> {
    addr: SocketAddr,
    local: Option<SocketAddr>,
    header: &'a [u8],
    start: Instant,
}

/// The report of a connection that was made: the exchange judged, and read by the
/// path model.
fn report(cfg: &SendConfig, sent: Sent<'_>, snap: &Tap, said: Said) -> SendReport {
    let ending = snap.ending(said.ending);
    // Plaintext, or a TLS handshake that failed: what came back is the raw bytes.
    let tls_done = said.session.is_some();
    let reply = if tls_done {
        said.reply
    } else {
        snap.server.clone()
    };
    let judged_ending = if tls_done { Ending::Open } else { ending };
    let verdict = diagnose::judge(&Exchange {
        client: &snap.client,
        server: &snap.server,
        ending: judged_ending,
    });
    let mut findings = verdict.findings;
    if !tls_done {
        // The path model reads the same exchange: a header that every explanation says
        // reached the application as data (a banner, then an error to the header line)
        // is named even where the exchange judge's web rules see nothing.
        let observed = crate::path::observe(
            "the exchange",
            &snap.client,
            &snap.server,
            crate::path::End::from(judged_ending),
            sent.local,
        );
        let shown = crate::escape::escape_bytes_max(&snap.server, 96);
        findings.extend(crate::path::advice::sent_header_finding(
            &observed, &shown, &findings,
        ));
        crate::findings::sort_worst_first(&mut findings);
    }
    SendReport {
        target: cfg.target.input.clone(),
        address: Some(sent.addr),
        local: sent.local,
        header_hex: hex_compact(sent.header),
        header_bytes: sent.header.len(),
        header: read_back(sent.header),
        tls: said.session,
        tls_error: said.tls_error,
        sent: said.sent,
        reply: escape_bytes(&reply[..reply.len().min(net::TAP_CAP)]),
        reply_bytes: reply.len(),
        outcome: verdict.outcome,
        ending,
        fingerprint: verdict.fingerprint,
        client_sees: verdict.client_sees.to_vec(),
        elapsed_ms: sent.start.elapsed().as_millis() as u64,
        findings,
    }
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
        let req = crate::client::http::request(method, &t);
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

/// Prints the report (stderr while bridging) and returns the exit code.
fn finish(cfg: &SendConfig, r: &SendReport, bridging: bool) -> Result<i32, Failure> {
    let code = crate::findings::exit_code(&r.findings);
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
