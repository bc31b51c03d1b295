//! One attempt of the probe's matrix (I/O shell): connect within the deadline, send
//! the header and the payload (a rustls handshake, a plaintext request, or nothing),
//! record both directions, and hand the bytes to the judge.
//!
//! Rules: every await is bounded by the attempt's deadline; the connect-and-wait attempt
//! goes last and stops as soon as another attempt shows the server waits for the
//! client; nothing a peer sends can make it panic or wait longer.

use super::config::ProbeConfig;
use super::infer;
use super::model::{Attempt, AttemptSpec, HeaderChoice, Payload, TlsSession};
use crate::client::http;
use crate::client::net::{self, ReadPlan, Recorder, SharedTap, Tap};
use crate::client::target::Target;
use crate::client::tls::{self, Handshake};
use crate::diagnose::Ending;
use crate::proxy::build::{self as header, HeaderSpec};
use rustls::pki_types::CertificateDer;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::io::AsyncWriteExt;
use tokio::sync::watch;
use tokio::time::Instant;

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
    let given = |kind| HeaderSpec {
        src,
        dst,
        ..HeaderSpec::new(kind, local, peer)
    };
    let mut spec = match choice {
        HeaderChoice::None => return Vec::new(),
        HeaderChoice::V1 => given(header::Kind::V1),
        HeaderChoice::V2 => given(header::Kind::V2),
        HeaderChoice::V2Local => HeaderSpec::local(),
    };
    if choice != HeaderChoice::V1 {
        spec.tlvs = tlvs.to_vec();
        spec.crc32c = crc32c;
    }
    let mut spec = crate::client::header::with_socket_addresses(&spec, Some(local), peer);
    if spec
        .src
        .is_some_and(|s| spec.dst.is_some_and(|d| s.is_ipv4() != d.is_ipv4()))
    {
        // An override of the other family: fall back to the socket's own pair.
        spec.src = Some(local);
        spec.dst = Some(peer);
    }
    header::build(&spec).unwrap_or_default()
}

/// How long the connect-and-wait attempt lets the others go first.
const WAIT_GRACE: Duration = Duration::from_millis(150);

/// Signal bit: an attempt that sent a payload got an answer, so the server waits for
/// the client; waiting attempts have nothing more to learn.
pub const ANSWERED: u8 = 1;
/// Signal bit: an attempt that sent a header and waited got a banner at once.
pub const BANNER_AFTER_HEADER: u8 = 2;
/// How long the attempt that sends nothing keeps waiting once a header alone drew a
/// banner: its silence that long, against a banner at once, shows a reader that
/// requires the header.
const BANNER_PATIENCE: Duration = Duration::from_millis(800);

/// How an attempt delivers its header (`--robustness` varies it; the matrix sends it
/// whole, in one write with nothing before it).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Shape {
    /// These bytes instead of the header the spec names (a health check's form).
    pub header: Option<Vec<u8>>,
    /// Write the header in two pieces, the first this long, with a pause between.
    pub split_at: Option<usize>,
    /// Write the header one byte at a time.
    pub bytewise: bool,
    /// Wait this long after connecting before the header.
    pub delay: Option<Duration>,
}

/// The pause between pieces of a split header, and between bytes of a bytewise one
/// (a balancer's segments seldom come further apart).
const SPLIT_PAUSE: Duration = Duration::from_millis(300);
const BYTE_GAP: Duration = Duration::from_millis(10);

/// Writes `header` as `shape` says, within `deadline`; whether it all went out.
async fn write_header<S: tokio::io::AsyncWrite + Unpin>(
    rec: &mut S,
    header: &[u8],
    shape: &Shape,
    deadline: Instant,
) -> bool {
    async fn write<S: tokio::io::AsyncWrite + Unpin>(
        rec: &mut S,
        bytes: &[u8],
        deadline: Instant,
    ) -> bool {
        matches!(
            tokio::time::timeout_at(deadline, rec.write_all(bytes)).await,
            Ok(Ok(()))
        )
    }
    if let Some(d) = shape.delay {
        tokio::time::sleep_until((Instant::now() + d).min(deadline)).await;
    }
    if shape.bytewise {
        for b in header {
            if !write(rec, std::slice::from_ref(b), deadline).await {
                return false;
            }
            let _ = rec.flush().await;
            tokio::time::sleep_until((Instant::now() + BYTE_GAP).min(deadline)).await;
        }
        return true;
    }
    match shape.split_at.filter(|&k| k > 0 && k < header.len()) {
        Some(k) => {
            if !write(rec, &header[..k], deadline).await {
                return false;
            }
            let _ = rec.flush().await;
            tokio::time::sleep_until((Instant::now() + SPLIT_PAUSE).min(deadline)).await;
            write(rec, &header[k..], deadline).await
        }
        None => header.is_empty() || write(rec, header, deadline).await,
    }
}

/// An attempt and, when its handshake completed, the chain the server sent.
pub type AttemptResult = (Attempt, Option<Vec<CertificateDer<'static>>>);

/// Runs one attempt against `addr`.
pub async fn run_attempt(
    cfg: &ProbeConfig,
    t: &Target,
    addr: SocketAddr,
    spec: AttemptSpec,
    mut stop: watch::Receiver<u8>,
    shape: &Shape,
) -> AttemptResult {
    let start = Instant::now();
    let deadline = start + cfg.timeout;
    if let Some(skipped) = wait_or_skip(cfg, spec, &mut stop, start, deadline).await {
        return (skipped, None);
    }
    let stream = match net::connect(addr, deadline).await {
        Ok(s) => s,
        Err(e) => {
            let (ending, err) = e.ending_and_word();
            let mut a = infer::judged(spec, b"", 0, b"", ending, Some(err));
            a.elapsed_ms = start.elapsed().as_millis() as u64;
            return (a, None);
        }
    };
    let local = stream.local_addr().unwrap_or(addr);
    let header = shape.header.clone().unwrap_or_else(|| {
        header_for(
            spec.header,
            local,
            addr,
            cfg.src,
            cfg.dst,
            &cfg.tlvs,
            cfg.crc32c,
        )
    });
    let tap: SharedTap = Arc::new(Mutex::new(Tap::default()));
    let rec = Recorder::new(stream, tap.clone());
    let ctx = Exchange {
        cfg,
        t,
        spec,
        tap: &tap,
        deadline,
    };
    let x = ctx.run(rec, &header, shape, &mut stop).await;
    let snap = net::snapshot(&tap);
    let ending = snap.ending(x.ending);
    let ending = if x.tls.session.is_some() {
        Ending::Open
    } else {
        ending
    };
    let mut a = infer::judged(spec, &snap.client, header.len(), &snap.server, ending, None);
    a.observed = crate::path::observe(
        format!("attempt {}", spec.name()),
        &snap.client,
        &snap.server,
        infer::end_of(ending),
        Some(local),
    );
    a.local = Some(local);
    a.elapsed_ms = start.elapsed().as_millis() as u64;
    a.tls = x.tls.session;
    a.tls_error = x.tls.error;
    a.stopped_early = x.stopped_early;
    if x.stopped_early {
        a.findings.clear();
    }
    (a, x.tls.chain)
}

/// The connect-and-wait attempt goes last: `Some` (the attempt, stopped early) when
/// another attempt already showed that the server waits for the client.
async fn wait_or_skip(
    cfg: &ProbeConfig,
    spec: AttemptSpec,
    stop: &mut watch::Receiver<u8>,
    start: Instant,
    deadline: Instant,
) -> Option<Attempt> {
    if spec.payload != Payload::Wait || cfg.attempts.len() <= 1 {
        return None;
    }
    // (A header followed by waiting always runs: what a header alone draws is the
    // observation it exists for.)
    // Connect last: a server that handles one connection at a time (OpenSSL
    // s_server, many small daemons) would otherwise sit on this silent connection
    // while the others queue. If another attempt already shows the server waits
    // for the client, this one has nothing to add.
    let grace = (start + WAIT_GRACE).min(deadline);
    let fired = tokio::time::timeout_at(grace, stop.wait_for(|v| v & ANSWERED != 0)).await;
    if !(matches!(fired, Ok(Ok(_))) && spec.header == HeaderChoice::None) {
        return None;
    }
    let mut a = infer::judged(spec, b"", 0, b"", Ending::Refused, None);
    a.ending = Ending::Open;
    a.outcome = crate::diagnose::Outcome::Silent;
    a.stopped_early = true;
    a.findings.clear();
    a.elapsed_ms = start.elapsed().as_millis() as u64;
    Some(a)
}

/// What one connected attempt needs to send its payload and read the reply.
struct Exchange<'a> {
    cfg: &'a ProbeConfig,
    t: &'a Target,
    spec: AttemptSpec,
    tap: &'a SharedTap,
    deadline: Instant,
}

/// How the exchange after the header went.
struct Exchanged {
    ending: Ending,
    tls: TlsResult,
    stopped_early: bool,
}

impl Exchange<'_> {
    /// Writes the header as `shape` says, then the payload, and reads the reply.
    async fn run(
        &self,
        mut rec: Recorder<tokio::net::TcpStream>,
        header: &[u8],
        shape: &Shape,
        stop: &mut watch::Receiver<u8>,
    ) -> Exchanged {
        let mut x = Exchanged {
            ending: Ending::Timeout,
            tls: TlsResult::none(Ending::Timeout),
            stopped_early: false,
        };
        if !write_header(&mut rec, header, shape, self.deadline).await {
            x.ending = net::snapshot(self.tap).ending(Ending::Timeout);
            return x;
        }
        let plan = ReadPlan {
            deadline: self.deadline,
            settle: Some(net::SETTLE),
            max: 16 * 1024,
        };
        x.ending = match self.spec.payload {
            Payload::Http => {
                let req = http::request(&self.cfg.method, self.t);
                match tokio::time::timeout_at(self.deadline, rec.write_all(&req)).await {
                    Ok(_) => net::read_reply(&mut rec, plan, std::future::pending()).await,
                    Err(_) => Ending::Timeout,
                }
            }
            Payload::Wait => {
                let by_banner = std::sync::atomic::AtomicBool::new(false);
                let stopper = wait_stopper(self.spec.header, stop, &by_banner);
                let e = net::read_reply(&mut rec, ReadPlan { max: 4096, ..plan }, stopper).await;
                x.stopped_early = e == Ending::Open
                    && net::snapshot(self.tap).server.is_empty()
                    && !by_banner.load(std::sync::atomic::Ordering::Relaxed);
                e
            }
            Payload::Tls => {
                x.tls = tls_exchange(self.cfg, self.t, rec, self.tap, self.deadline).await;
                x.tls.ending
            }
        };
        x
    }
}

/// When a waiting attempt stops before its deadline. After a header, a reply to the
/// header itself comes at once, so it gets two settle periods before any stop. With
/// nothing sent, it stops as soon as another attempt was answered, or, once a header
/// alone drew a banner, after [`BANNER_PATIENCE`] (setting `by_banner`).
async fn wait_stopper(
    header: HeaderChoice,
    stop: &mut watch::Receiver<u8>,
    by_banner: &std::sync::atomic::AtomicBool,
) {
    let start = Instant::now();
    if header != HeaderChoice::None {
        tokio::time::sleep_until(start + 2 * net::SETTLE).await;
        let _ = stop.wait_for(|v| v & ANSWERED != 0).await;
        return;
    }
    let mut banner = stop.clone();
    tokio::select! {
        _ = stop.wait_for(|v| v & ANSWERED != 0) => {}
        _ = async {
            let _ = banner.wait_for(|v| v & BANNER_AFTER_HEADER != 0).await;
            tokio::time::sleep_until(start + BANNER_PATIENCE).await;
        } => by_banner.store(true, std::sync::atomic::Ordering::Relaxed),
    }
}

struct TlsResult {
    ending: Ending,
    session: Option<TlsSession>,
    error: Option<String>,
    chain: Option<Vec<CertificateDer<'static>>>,
}

impl TlsResult {
    /// No session: the handshake did not complete.
    fn none(ending: Ending) -> Self {
        TlsResult {
            ending,
            session: None,
            error: None,
            chain: None,
        }
    }

    fn failed(ending: Ending, error: impl Into<String>) -> Self {
        TlsResult {
            error: Some(error.into()),
            ..TlsResult::none(ending)
        }
    }
}

async fn tls_exchange(
    cfg: &ProbeConfig,
    t: &Target,
    rec: Recorder<tokio::net::TcpStream>,
    tap: &SharedTap,
    deadline: Instant,
) -> TlsResult {
    let handshake = tls::handshake(rec, cfg.sni.as_deref(), t, &cfg.alpn, deadline);
    // A server that speaks first (SMTP, SSH, IMAP, ...) answers with a text line, which
    // the TLS client may keep waiting on: once a banner is in, a moment more for the
    // reply to the ClientHello, then the attempt is done.
    let outcome = tokio::select! {
        r = handshake => Some(r),
        _ = banner_then_settle(tap, deadline) => None,
    };
    match outcome {
        None => TlsResult::failed(
            Ending::Open,
            "the server spoke first with a banner; no TLS handshake",
        ),
        Some(Handshake::TimedOut) => TlsResult::failed(Ending::Timeout, tls::NO_ANSWER),
        Some(Handshake::Done {
            mut stream,
            mut session,
            seen,
        }) => {
            let error = after_handshake(cfg, t, &mut stream, &mut session, deadline).await;
            let _ = tokio::time::timeout(Duration::from_millis(50), stream.shutdown()).await;
            let chain = seen.chain.lock().map(|c| c.clone()).unwrap_or_default();
            TlsResult {
                ending: Ending::Open,
                session: Some(session),
                error,
                chain: Some(chain),
            }
        }
        Some(Handshake::Failed { error, mut rec }) => {
            // Bytes the TLS client already read began the reply: a settle period
            // of silence ends it, as it does for bytes read here.
            let begun = !net::snapshot(tap).server.is_empty();
            let plan = ReadPlan {
                deadline: if begun {
                    (Instant::now() + net::SETTLE).min(deadline)
                } else {
                    deadline
                },
                settle: Some(net::SETTLE),
                max: 16 * 1024,
            };
            let ending = net::read_reply(&mut rec, plan, std::future::pending()).await;
            TlsResult::failed(ending, error)
        }
    }
}

/// Connects, completes a TLS handshake, then writes `inner` and an HTTP request as the
/// first bytes inside the TLS stream, and returns the decrypted reply (at most 16 KiB,
/// until the peer closes or `--timeout`). For `probe --audit`: a PROXY header sent by
/// the wrong layer, inside TLS, that a TLS-terminating balancer forwards as plaintext.
pub async fn tls_inner(
    cfg: &ProbeConfig,
    t: &Target,
    addr: SocketAddr,
    inner: &[u8],
) -> Result<Vec<u8>, String> {
    use tokio::io::AsyncReadExt;
    let deadline = Instant::now() + cfg.timeout;
    let stream = net::connect(addr, deadline)
        .await
        .map_err(|_| "cannot connect".to_string())?;
    let (name, _) = tls::name_for(cfg.sni.as_deref(), t);
    let (config, _) = tls::client_config(&["http/1.1".to_string()]);
    let connector = tokio_rustls::TlsConnector::from(config);
    let mut tls = match tokio::time::timeout_at(deadline, connector.connect(name, stream)).await {
        Ok(Ok(s)) => s,
        Ok(Err(e)) => return Err(crate::escape::sanitize_text(&e.to_string()).into_owned()),
        Err(_) => return Err("no TLS handshake before the timeout".into()),
    };
    let request = [inner, &http::request(&cfg.method, t)].concat();
    match tokio::time::timeout_at(deadline, tls.write_all(&request)).await {
        Ok(Ok(())) => {}
        _ => return Err("the request could not be written inside TLS".into()),
    }
    let mut got = Vec::new();
    let mut buf = [0u8; 4096];
    while got.len() < 16 * 1024 {
        match tokio::time::timeout_at(deadline, tls.read(&mut buf)).await {
            Ok(Ok(n)) if n > 0 => got.extend_from_slice(&buf[..n]),
            _ => break,
        }
    }
    Ok(got)
}

/// Over HTTP/1.1 (the server chose it), one request shows what it answers (nginx:
/// `400 No required SSL certificate was sent`). A TLS 1.3 server that requires a
/// certificate sends its alert after the handshake. Returns the TLS error, if one came.
async fn after_handshake<S>(
    cfg: &ProbeConfig,
    t: &Target,
    stream: &mut S,
    session: &mut TlsSession,
    deadline: Instant,
) -> Option<String>
where
    S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin,
{
    let http = session.alpn.as_deref() == Some("http/1.1");
    if !(http || session.client_cert_requested) {
        return None;
    }
    let wait = if http { 1000 } else { 500 };
    let until = (Instant::now() + Duration::from_millis(wait)).min(deadline);
    let request = http.then(|| http::request(&cfg.method, t));
    let (status, err) = https_exchange(stream, request, until).await;
    session.http_status = status;
    err
}

/// Resolves once the server's bytes start with a banner and a settle period has passed
/// (never, if they do not).
async fn banner_then_settle(tap: &SharedTap, deadline: Instant) {
    loop {
        let server = net::snapshot(tap).server;
        let kind = crate::sniff::sniff(&server).kind;
        use crate::sniff::Kind as K;
        let banner = match kind {
            K::Greeting => true,
            K::SshBanner | K::SmtpBanner | K::FtpBanner => server.contains(&b'\n'),
            _ => false,
        };
        if banner {
            tokio::time::sleep_until((Instant::now() + net::SETTLE).min(deadline)).await;
            return;
        }
        if Instant::now() >= deadline {
            return std::future::pending().await;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
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
    if let Some(req) = request
        && let Ok(Err(e)) = tokio::time::timeout_at(until, stream.write_all(&req)).await
    {
        return (
            None,
            Some(crate::escape::sanitize_text(&e.to_string()).into_owned()),
        );
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
