//! One TCP connection of serve: read the opening until the judge decides, answer as it
//! says (a fixed answer, a close, a reset) or go on over TLS or plaintext, reply
//! (`--reply http|echo|none`, `--banner`), and make the connection's record.

use super::io::{Counted, Counters, Prefixed};
use super::judge::{self, Action, Decision, Ending, Input, Situation, Step};
use super::record::{self, End, FirstBytes, ProxyInfo, Record, TlsInfo};
use super::{Ctx, ReplyMode, http, tls};
use crate::findings::{Code, Finding, Severity};
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::TcpStream;

pub(super) fn now_secs() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0.0, |d| d.as_secs_f64())
}

pub(super) fn new_record(
    ctx: &Ctx,
    id: u64,
    transport: &'static str,
    listener: SocketAddr,
    peer: SocketAddr,
    local: SocketAddr,
) -> Record {
    let mut r = blank_record(id, transport, listener, peer, local);
    r.time = now_secs();
    r.emulation = ctx.config.emulation;
    r
}

/// A record before anything is known (no clock: the shell sets `time`).
pub(crate) fn blank_record(
    id: u64,
    transport: &'static str,
    listener: SocketAddr,
    peer: SocketAddr,
    local: SocketAddr,
) -> Record {
    Record {
        kind: "connection",
        id,
        time: 0.0,
        transport,
        listener,
        peer,
        local,
        client: peer,
        proxy: ProxyInfo {
            header: None,
            headers_seen: 0,
            accepted: false,
            trusted: true,
            addresses_used: false,
        },
        first_bytes: None,
        tls: None,
        http: None,
        banner: None,
        after_banner: None,
        reply: "closed",
        emulation: None,
        emulated_log: None,
        bytes_in: 0,
        bytes_out: 0,
        duration_ms: 0,
        ending: End::Closed,
        error: None,
        notes: Vec::new(),
        findings: Vec::new(),
        judged: true,
        expectations: Vec::new(),
        ok: true,
    }
}

/// Marks health checks as not judged (unless `--count-health-checks`) and checks the
/// expectations of the judged connections. Call it once `bytes_in` is known.
pub(super) fn judge_expectations(ctx: &Ctx, rec: &mut Record) {
    rec.judged = ctx.config.count_health_checks || !(rec.health_check() || rec.probe_only());
    rec.expectations = if rec.judged {
        let sni = rec.tls.as_ref().and_then(|t| t.sni.clone());
        judge::check(
            &ctx.config.expect,
            rec.proxy.header.as_ref(),
            rec.client,
            sni.as_deref(),
        )
    } else {
        Vec::new()
    };
}

pub(crate) fn apply_decision(rec: &mut Record, d: &Decision) {
    rec.client = d.client;
    rec.proxy = ProxyInfo {
        header: d.header.clone(),
        headers_seen: d.opening.headers.len(),
        accepted: d.accepted,
        trusted: d.trusted,
        addresses_used: d.addresses_used,
    };
    rec.first_bytes = d.opening.payload.as_ref().map(|p| FirstBytes {
        kind: p.kind,
        summary: p.summary.clone(),
    });
    rec.findings.extend(d.findings.iter().cloned());
    rec.notes.extend(d.notes.iter().cloned());
    rec.emulated_log = d.log.clone();
}

/// Reads until the judge decides. Returns the decision and the bytes read.
async fn read_opening<S: AsyncRead + Unpin>(
    ctx: &Ctx,
    s: &mut S,
    sit: &Situation<'_>,
    rec: &mut Record,
) -> (Box<Decision>, Vec<u8>) {
    let deadline = tokio::time::Instant::now() + ctx.config.header_timeout;
    let mut buf: Vec<u8> = Vec::new();
    let mut input = Input::Open;
    loop {
        let need = match judge::judge(sit, &buf, input) {
            Step::Decided(d) => return (d, buf),
            Step::NeedMore(n) => n,
        };
        let want = need.max(2048).min(judge::BUFFER_CAP - buf.len());
        let start = buf.len();
        buf.resize(start + want, 0);
        let r = tokio::time::timeout_at(deadline, s.read(&mut buf[start..])).await;
        let got = match r {
            Ok(Ok(n)) => n,
            Ok(Err(e)) => {
                rec.ending = if e.kind() == std::io::ErrorKind::ConnectionReset {
                    End::PeerReset
                } else {
                    End::PeerClosed
                };
                rec.error = Some(crate::output::io_error_words(&e));
                input = Input::Eof;
                0
            }
            Err(_) => {
                input = Input::TimedOut;
                rec.ending = End::Timeout;
                0
            }
        };
        buf.truncate(start + got);
        if got == 0 && input == Input::Open {
            input = Input::Eof;
            rec.ending = End::PeerClosed;
        }
        buf.shrink_to(judge::BUFFER_CAP);
    }
}

pub(super) async fn handle_tcp(
    ctx: &Ctx,
    stream: TcpStream,
    peer: SocketAddr,
    listener: SocketAddr,
    id: u64,
) -> Record {
    let started = Instant::now();
    // A listener bound to a specific address accepts only on it: no getsockname needed.
    let local = if listener.ip().is_unspecified() {
        stream.local_addr().unwrap_or(listener)
    } else {
        listener
    };
    // Nagle matters for the TLS handshake's several flights and for interactive echo;
    // a plaintext HTTP answer is one write followed by a shutdown.
    if ctx.acceptor.is_some() || ctx.config.reply != ReplyMode::Http {
        let _ = stream.set_nodelay(true);
    }
    let mut rec = new_record(ctx, id, "tcp", listener, peer, local);
    let counters = Arc::new(Counters::default());
    let mut s = Counted::new(stream, counters.clone());
    let date = http::http_date(now_secs() as u64);
    let sit = Situation {
        policy: &ctx.config.policy,
        emulation: ctx.config.emulation,
        tls: ctx.acceptor.is_some(),
        peer,
        local,
        datagram: false,
        date: &date,
        answers_http: ctx.config.reply == ReplyMode::Http,
        speaks_first: ctx.config.banner.is_some(),
    };
    let (decision, buf) = read_opening(ctx, &mut s, &sit, &mut rec).await;
    apply_decision(&mut rec, &decision);
    let peer_done = matches!(rec.ending, End::PeerClosed | End::PeerReset | End::Timeout);
    match &decision.action {
        Action::Answer(bytes, ending) => {
            rec.reply = "answer";
            let _ = s.write_all(bytes).await;
            rec.ending = finish(s, *ending, peer_done).await;
        }
        Action::End(ending) => {
            rec.ending = finish(s, *ending, peer_done).await;
        }
        Action::Proceed if peer_done && buf.len() == decision.payload_offset => {
            // Nothing after the header and the peer is gone (a health check).
        }
        Action::Proceed => {
            let prefix = buf[decision.payload_offset.min(buf.len())..].to_vec();
            let stream = Prefixed::new(prefix, s);
            match &ctx.acceptor {
                Some(cfg) => serve_tls(ctx, cfg.clone(), stream, &mut rec).await,
                None => {
                    let mut stream = stream;
                    reply(ctx, &mut stream, &mut rec).await;
                    let _ = stream.shutdown().await;
                }
            }
        }
    }
    rec.bytes_in = counters.read.load(Ordering::Relaxed);
    rec.bytes_out = counters.written.load(Ordering::Relaxed);
    judge_expectations(ctx, &mut rec);
    rec.duration_ms = started.elapsed().as_millis() as u64;
    rec.settle();
    rec
}

/// Ends a connection the judge rejected: FIN after a short lingering read (so unread
/// bytes do not turn the close into a reset, as nginx's lingering close), or RST.
async fn finish(mut s: Counted<TcpStream>, ending: Ending, peer_done: bool) -> End {
    match ending {
        Ending::Reset => {
            // A zero linger does not block on drop: the kernel sends RST at once.
            #[allow(deprecated)]
            let _ = s.get_ref().set_linger(Some(Duration::ZERO));
            drop(s);
            End::Reset
        }
        Ending::Close => {
            let _ = s.shutdown().await;
            if !peer_done {
                let mut sink = [0u8; 4096];
                let deadline = tokio::time::Instant::now() + Duration::from_secs(2);
                let mut total = 0usize;
                while total < 256 * 1024 {
                    match tokio::time::timeout_at(deadline, s.read(&mut sink)).await {
                        Ok(Ok(n)) if n > 0 => total += n,
                        _ => break,
                    }
                }
            }
            End::Closed
        }
    }
}

async fn serve_tls<S>(ctx: &Ctx, cfg: Arc<rustls::ServerConfig>, stream: S, rec: &mut Record)
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    let timeout = ctx.config.header_timeout.max(Duration::from_secs(1));
    let acceptor =
        tokio_rustls::LazyConfigAcceptor::new(rustls::server::Acceptor::default(), stream);
    let start = match tokio::time::timeout(timeout, acceptor).await {
        Ok(Ok(start)) => start,
        Ok(Err(e)) => {
            tls_failed(rec, &e.to_string());
            return;
        }
        Err(_) => {
            rec.ending = End::Timeout;
            tls_failed(
                rec,
                "the TLS handshake did not complete before the header timeout",
            );
            return;
        }
    };
    let hello = start.client_hello();
    let mut info = TlsInfo {
        version: None,
        cipher: None,
        sni: hello
            .server_name()
            .map(|s| crate::escape::escape_bytes(s.as_bytes())),
        alpn: None,
        alpn_offered: hello
            .alpn()
            .map(|it| it.map(crate::escape::escape_bytes).collect())
            .unwrap_or_default(),
        client_cert: None,
    };
    let mut tls = match tokio::time::timeout(timeout, start.into_stream(cfg)).await {
        Ok(Ok(t)) => t,
        Ok(Err(e)) => {
            rec.tls = Some(info);
            tls_failed(rec, &e.to_string());
            return;
        }
        Err(_) => {
            rec.tls = Some(info);
            rec.ending = End::Timeout;
            tls_failed(
                rec,
                "the TLS handshake did not complete before the header timeout",
            );
            return;
        }
    };
    {
        let (_, conn) = tls.get_ref();
        info.version = conn.protocol_version().map(|v| format!("{v:?}"));
        info.cipher = conn
            .negotiated_cipher_suite()
            .map(|c| format!("{:?}", c.suite()));
        info.alpn = conn.alpn_protocol().map(crate::escape::escape_bytes);
        let verified = ctx
            .config
            .tls
            .as_ref()
            .is_some_and(|t| t.client_ca.is_some());
        info.client_cert = conn
            .peer_certificates()
            .and_then(|c| c.first())
            .map(|c| tls::client_cert(c, verified));
    }
    rec.tls = Some(info);
    reply(ctx, &mut tls, rec).await;
    let _ = tokio::time::timeout(Duration::from_secs(1), tls.shutdown()).await;
}

fn tls_failed(rec: &mut Record, error: &str) {
    let error = crate::escape::sanitize_text(error).into_owned();
    let mut f = Finding::new(
        Code::TlsHandshakeFailed,
        Severity::Error,
        format!("the TLS handshake failed: {error}"),
    );
    if error.contains("UnknownCA")
        || error.contains("BadCertificate")
        || error.contains("CertificateUnknown")
    {
        f = f
            .evidence("the client refused serve's certificate (expected for a generated one)")
            .fix("trust it: write it with `--cert-out` and pass it to the client (`curl --cacert`), or pin the printed SHA-256 fingerprint, or use `-k` for a test");
    } else if error.contains("PeerSentNoCertificates") || error.contains("NoCertificatesPresented")
    {
        f = f.fix("`--client-auth required` needs the client to send a certificate (curl `--cert`/`--key`)");
    }
    rec.findings.push(f);
    rec.error = Some(error);
}

/// `--banner`: sends it, reads the client's first line into the record. Returns false
/// when the connection is over (the peer left, or no echo follows).
async fn banner<S: AsyncRead + AsyncWrite + Unpin>(
    ctx: &Ctx,
    s: &mut S,
    rec: &mut Record,
    text: &str,
) -> bool {
    rec.banner = Some(crate::escape::escape_bytes(text.as_bytes()));
    let mut out = text.as_bytes().to_vec();
    out.extend_from_slice(b"\r\n");
    if s.write_all(&out).await.is_err() || s.flush().await.is_err() {
        rec.ending = End::PeerReset;
        return false;
    }
    let mut line = Vec::new();
    let mut chunk = [0u8; 512];
    let mut open = true;
    while !line.contains(&b'\n') && line.len() < 256 {
        match tokio::time::timeout(ctx.config.idle_timeout, s.read(&mut chunk)).await {
            Ok(Ok(0)) => {
                rec.ending = End::PeerClosed;
                open = false;
                break;
            }
            Ok(Ok(n)) => line.extend_from_slice(&chunk[..n]),
            Ok(Err(e)) => {
                rec.ending = End::PeerReset;
                rec.error = Some(crate::output::io_error_words(&e));
                open = false;
                break;
            }
            Err(_) => {
                rec.ending = End::Timeout;
                open = false;
                break;
            }
        }
    }
    if !line.is_empty() {
        let first = line
            .iter()
            .position(|b| *b == b'\n')
            .map_or(line.len(), |i| i + 1);
        rec.after_banner = Some(record::AfterBanner {
            kind: crate::sniff::sniff(&line).kind,
            line: crate::escape::escape_bytes_max(&line[..first.min(256)], 256),
        });
    }
    if !open {
        return false;
    }
    if ctx.config.reply == ReplyMode::Echo {
        if s.write_all(&line).await.is_err() {
            rec.ending = End::PeerReset;
            return false;
        }
        return true;
    }
    rec.ending = End::Closed;
    false
}

/// The reply stage on a ready stream (TLS or plaintext).
async fn reply<S: AsyncRead + AsyncWrite + Unpin>(ctx: &Ctx, s: &mut S, rec: &mut Record) {
    rec.reply = ctx.config.reply.name();
    if let Some(text) = &ctx.config.banner
        && !banner(ctx, s, rec, text).await
    {
        return;
    }
    match ctx.config.reply {
        ReplyMode::Http => http_reply(ctx, s, rec).await,
        ReplyMode::Echo | ReplyMode::None => {
            stream_reply(
                ctx.config.idle_timeout,
                ctx.config.reply == ReplyMode::Echo,
                s,
                rec,
            )
            .await
        }
    }
}

/// `--reply http`: reads one request head and answers 200 with the record as JSON (or
/// 400 when the bytes are not an HTTP/1.x request).
async fn http_reply<S: AsyncRead + AsyncWrite + Unpin>(ctx: &Ctx, s: &mut S, rec: &mut Record) {
    let idle = ctx.config.idle_timeout;
    let mut head = Vec::new();
    let mut chunk = [0u8; 4096];
    let end = loop {
        if let Some(end) = http::head_end(&head) {
            break Some(end);
        }
        if head.len() >= http::MAX_HEAD {
            break None;
        }
        match tokio::time::timeout(idle, s.read(&mut chunk)).await {
            Ok(Ok(0)) => {
                rec.ending = End::PeerClosed;
                if head.is_empty() {
                    return;
                }
                break None;
            }
            Ok(Ok(n)) => head.extend_from_slice(&chunk[..n.min(http::MAX_HEAD)]),
            Ok(Err(e)) => {
                rec.ending = End::PeerReset;
                rec.error = Some(crate::output::io_error_words(&e));
                return;
            }
            Err(_) => {
                rec.ending = End::Timeout;
                return;
            }
        }
    };
    let parsed = end.and_then(|e| http::parse_head(&head[..e]));
    let Some(req) = parsed else {
        rec.notes.push(format!(
            "the bytes after the handshake are not an HTTP/1.x request: \"{}\"",
            crate::escape::escape_bytes_max(&head, 32)
        ));
        let _ = s
            .write_all(&http::bad_request(
                "ppdiag serve: expected an HTTP/1.x request",
            ))
            .await;
        return;
    };
    if req.version == "HTTP/2.0" {
        rec.notes.push(
            "an HTTP/2 preface: serve answers HTTP/1.1 only; do not offer h2 with --alpn".into(),
        );
    }
    let head_only = req.method == "HEAD";
    rec.http = Some(req);
    rec.ending = End::Closed;
    judge_expectations(ctx, rec);
    rec.settle();
    let body = crate::render::to_json(rec);
    let _ = s.write_all(&http::ok_response(&body, head_only)).await;
    let _ = s.flush().await;
}

/// `--reply echo` (send back what arrives) and `--reply none`: until the peer closes,
/// fails, or is silent for `idle`.
async fn stream_reply<S: AsyncRead + AsyncWrite + Unpin>(
    idle: Duration,
    echo: bool,
    s: &mut S,
    rec: &mut Record,
) {
    let mut chunk = vec![0u8; 16 * 1024];
    loop {
        match tokio::time::timeout(idle, s.read(&mut chunk)).await {
            Ok(Ok(0)) => {
                rec.ending = End::PeerClosed;
                return;
            }
            Ok(Ok(n)) => {
                if echo && s.write_all(&chunk[..n]).await.is_err() {
                    rec.ending = End::PeerReset;
                    return;
                }
            }
            Ok(Err(e)) => {
                rec.ending = End::PeerReset;
                rec.error = Some(crate::output::io_error_words(&e));
                return;
            }
            Err(_) => {
                rec.ending = End::Timeout;
                return;
            }
        }
    }
}
