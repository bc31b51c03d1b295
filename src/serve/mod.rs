//! `ppdiag serve`: a fake backend. The I/O shell (tokio, tokio-rustls) around the
//! sans-IO [`judge`]: accept, read the opening bytes incrementally until the judge can
//! decide, then answer as the judge says (serve over TLS or plaintext, a fixed answer,
//! a close, a reset), and report every connection as a [`record::Record`].
//!
//! Rules:
//! - Bounded: at most `max_connections` at once (the accept loop waits for a slot);
//!   per connection, the opening buffer never passes [`judge::BUFFER_CAP`], a request
//!   head never passes [`http::MAX_HEAD`], and every read has a deadline; a slow or
//!   garbage peer only holds its own task.
//! - Records are written as connections end, one at a time, flushed, by one writer
//!   task, which also keeps the summary and decides the exit code.
//! - No panic on peer input; peer bytes reach the output escaped.

pub mod http;
pub mod io;
pub mod judge;
pub mod junit;
pub mod record;
pub mod tls;

use crate::commands::{Failure, Output, OutputFormat};
use crate::findings::{Code, Finding, Severity};
use crate::render::Painter;
use io::{Counted, Counters, Prefixed};
use judge::{Action, Decision, Emulation, Ending, Expectations, Input, Policy, Situation, Step};
use record::{End, FirstBytes, Listening, ProxyInfo, Record, Summary, TlsInfo};
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream, UdpSocket};
use tokio::sync::{Semaphore, mpsc, watch};

/// What serve does after the header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReplyMode {
    /// Read one HTTP request, answer `200` with the connection's record as JSON.
    Http,
    /// Send back what arrives.
    Echo,
    /// Send nothing; read until the peer closes.
    None,
}

impl ReplyMode {
    fn name(self) -> &'static str {
        match self {
            ReplyMode::Http => "http",
            ReplyMode::Echo => "echo",
            ReplyMode::None => "none",
        }
    }
}

/// The validated configuration of `ppdiag serve`.
#[derive(Debug, Clone)]
pub struct ServeConfig {
    /// TCP listen addresses (and UDP ones with `udp`).
    pub listen: Vec<SocketAddr>,
    /// Also listen on UDP.
    pub udp: bool,
    /// PROXY policy.
    pub policy: Policy,
    /// How long the header (and the first payload bytes) may take.
    pub header_timeout: Duration,
    /// How long serve waits for the peer after the header.
    pub idle_timeout: Duration,
    /// TLS termination.
    pub tls: Option<tls::TlsSettings>,
    /// After the header.
    pub reply: ReplyMode,
    /// Imitate a misconfigured server.
    pub emulation: Option<Emulation>,
    /// CI assertions.
    pub expect: Expectations,
    /// Exit after this many judged connections (health checks are not judged unless
    /// `count_health_checks`).
    pub count: Option<u64>,
    /// Count health checks (LOCAL, v1 UNKNOWN) as judged connections.
    pub count_health_checks: bool,
    /// Fail the run when `count` judged connections have not arrived by then.
    pub deadline: Option<Duration>,
    /// Write a JUnit XML report here at exit.
    pub junit: Option<std::path::PathBuf>,
    /// Sent (with CRLF) once the header is judged, as SMTP, IMAP and FTP servers do.
    pub banner: Option<String>,
    /// Connections handled at once.
    pub max_connections: usize,
    /// Runtime threads (None: one per core).
    pub workers: Option<usize>,
    /// Output.
    pub output: Output,
}

/// Runs serve until `--count` connections or SIGINT/SIGTERM; returns the exit code.
pub fn run(config: ServeConfig) -> Result<i32, Failure> {
    let mut rt = match config.workers {
        Some(1) => tokio::runtime::Builder::new_current_thread(),
        _ => tokio::runtime::Builder::new_multi_thread(),
    };
    if let Some(n) = config.workers.filter(|n| *n > 1) {
        rt.worker_threads(n);
    }
    let rt = rt
        .enable_all()
        .build()
        .map_err(|e| Failure(format!("cannot start the runtime: {e}")))?;
    rt.block_on(serve(config))
}

enum Event {
    Listening(Box<Listening>),
    Record(Box<Record>),
}

struct Ctx {
    config: ServeConfig,
    acceptor: Option<Arc<rustls::ServerConfig>>,
    events: mpsc::Sender<Event>,
    next_id: AtomicU64,
    shutdown: watch::Receiver<bool>,
}

/// Listeners bound and TLS prepared, before any connection is accepted.
struct Bound {
    prepared: Option<tls::Prepared>,
    tcp: Vec<TcpListener>,
    udp: Vec<UdpSocket>,
}

async fn bind(config: &ServeConfig) -> Result<Bound, Failure> {
    let prepared = match &config.tls {
        Some(t) => Some(tls::prepare(t).map_err(Failure)?),
        None => None,
    };
    let mut tcp = Vec::new();
    for addr in &config.listen {
        let l = TcpListener::bind(addr)
            .await
            .map_err(|e| Failure(format!("cannot listen on {addr} (tcp): {e}")))?;
        tcp.push(l);
    }
    let mut udp = Vec::new();
    if config.udp {
        for (i, addr) in config.listen.iter().enumerate() {
            // Port 0: use the port the TCP listener got, so both share one number.
            let mut a = *addr;
            if a.port() == 0 {
                if let Ok(l) = tcp[i].local_addr() {
                    a.set_port(l.port());
                }
            }
            let s = UdpSocket::bind(a)
                .await
                .map_err(|e| Failure(format!("cannot listen on {a} (udp): {e}")))?;
            udp.push(s);
        }
    }
    Ok(Bound { prepared, tcp, udp })
}

/// A serve instance running inside another command (`ppdiag demo`): nothing is printed,
/// its connection records come to the owner, and it stops when dropped.
pub struct Embedded {
    /// The bound TCP addresses, in `listen` order.
    pub addrs: Vec<SocketAddr>,
    /// One record per connection, as it ends.
    pub records: mpsc::Receiver<Box<Record>>,
    stop: watch::Sender<bool>,
}

impl Drop for Embedded {
    fn drop(&mut self) {
        let _ = self.stop.send(true);
    }
}

/// Starts serve inside the current tokio runtime; see [`Embedded`].
pub async fn embed(config: ServeConfig) -> Result<Embedded, Failure> {
    let Bound { prepared, tcp, udp } = bind(&config).await?;
    let addrs = tcp
        .iter()
        .map(|l| l.local_addr().map_err(|e| Failure(e.to_string())))
        .collect::<Result<Vec<_>, _>>()?;
    let (events_tx, mut events_rx) = mpsc::channel::<Event>(1024);
    let (records_tx, records) = mpsc::channel(1024);
    let (stop_tx, stop_rx) = watch::channel(false);
    tokio::spawn(async move {
        while let Some(ev) = events_rx.recv().await {
            if let Event::Record(r) = ev {
                debug_check(&r);
                if records_tx.send(r).await.is_err() {
                    break;
                }
            }
        }
    });
    let max = config.max_connections.clamp(1, Semaphore::MAX_PERMITS);
    let ctx = Arc::new(Ctx {
        acceptor: prepared.map(|p| p.config),
        config,
        events: events_tx,
        next_id: AtomicU64::new(0),
        shutdown: stop_rx,
    });
    let slots = Arc::new(Semaphore::new(max));
    for l in tcp {
        tokio::spawn(accept_loop(ctx.clone(), l, slots.clone()));
    }
    for s in udp {
        tokio::spawn(udp_loop(ctx.clone(), s));
    }
    Ok(Embedded {
        addrs,
        records,
        stop: stop_tx,
    })
}

async fn serve(config: ServeConfig) -> Result<i32, Failure> {
    let Bound { prepared, tcp, udp } = bind(&config).await?;
    let (events_tx, events_rx) = mpsc::channel::<Event>(1024);
    let (stop_tx, stop_rx) = watch::channel(false);
    let output = config.output;
    let junit = config.junit.clone();
    let deadline = config.deadline;
    let summary = Summary::for_run(&config.expect.describe(), config.count);
    let writer = tokio::spawn(writer(
        events_rx,
        output,
        summary,
        config.junit.is_some(),
        stop_tx.clone(),
    ));
    let listening = |address: SocketAddr, transport: &'static str, tls: bool| Listening {
        kind: "listening",
        address,
        transport,
        tls,
        proxy: config.emulation.map_or(config.policy.mode, Emulation::mode),
        proxy_versions: [
            (config.policy.versions.v1, "v1"),
            (config.policy.versions.v2, "v2"),
        ]
        .into_iter()
        .filter_map(|(on, n)| on.then_some(n))
        .collect(),
        trusted: config
            .policy
            .trusted
            .iter()
            .map(|c| c.to_string())
            .collect(),
        emulation: config.emulation,
        certificate: if tls {
            prepared.as_ref().map(|p| p.info.clone())
        } else {
            None
        },
    };
    for l in &tcp {
        let a = l.local_addr().map_err(|e| Failure(e.to_string()))?;
        let ev = listening(a, "tcp", prepared.is_some());
        let _ = events_tx.send(Event::Listening(Box::new(ev))).await;
    }
    for s in &udp {
        let a = s.local_addr().map_err(|e| Failure(e.to_string()))?;
        let ev = listening(a, "udp", false);
        let _ = events_tx.send(Event::Listening(Box::new(ev))).await;
    }
    let max = config.max_connections.clamp(1, Semaphore::MAX_PERMITS);
    let ctx = Arc::new(Ctx {
        acceptor: prepared.map(|p| p.config),
        config,
        events: events_tx,
        next_id: AtomicU64::new(0),
        shutdown: stop_rx.clone(),
    });
    let slots = Arc::new(Semaphore::new(max));
    let mut loops = tokio::task::JoinSet::new();
    for l in tcp {
        loops.spawn(accept_loop(ctx.clone(), l, slots.clone()));
    }
    for s in udp {
        loops.spawn(udp_loop(ctx.clone(), s));
    }
    // Wait for the count, a signal, the deadline, or every loop to end.
    let stop = wait_for_stop(stop_rx.clone(), ctx.config.deadline).await;
    let _ = stop_tx.send(true);
    while loops.join_next().await.is_some() {}
    // Drain: connections in flight finish within their own timeouts.
    let drain = ctx.config.header_timeout + ctx.config.idle_timeout + Duration::from_secs(2);
    let unfinished = tokio::select! {
        r = tokio::time::timeout(drain, slots.acquire_many(max as u32)) => match r {
            Ok(_) => 0,
            Err(_) => max - slots.available_permits(),
        },
        _ = second_signal() => max - slots.available_permits(),
    };
    drop(ctx);
    let Written {
        mut summary,
        cases,
        listening,
        doc_listening,
        doc_records,
    } = writer
        .await
        .map_err(|e| Failure(format!("output task failed: {e}")))?;
    summary.interrupted = stop == Stop::Signal;
    summary.deadline_passed = stop == Stop::Deadline;
    if unfinished > 0 {
        summary.failures.push(format!(
            "{unfinished} connection(s) still open at exit were not recorded"
        ));
        summary.exit_code = summary.exit_code.max(1);
    }
    let deadline_text = ctx_deadline_text(deadline);
    summary.close(match stop {
        Stop::Signal => Some("serve was interrupted"),
        Stop::Deadline => Some(deadline_text.as_str()),
        Stop::Count => None,
    });
    let doc = (doc_listening, doc_records);
    if let Some(path) = &junit {
        let xml = junit::document(&listening, &cases, &summary);
        if let Err(e) = std::fs::write(path, xml) {
            print_summary(&summary, output, doc);
            return Err(Failure(format!(
                "cannot write the JUnit report to {}: {}",
                path.display(),
                crate::commands::io_error_words(&e)
            )));
        }
    }
    print_summary(&summary, output, doc);
    Ok(summary.exit_code)
}

fn ctx_deadline_text(deadline: Option<Duration>) -> String {
    match deadline {
        Some(d) => format!("the deadline ({}) passed", crate::cli::duration_text(d)),
        None => String::new(),
    }
}

/// Why the run stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Stop {
    /// `--count` judged connections were recorded.
    Count,
    /// SIGINT or SIGTERM.
    Signal,
    /// `--deadline` passed first.
    Deadline,
}

/// Resolves on SIGINT/SIGTERM, at the deadline, or when the writer saw `--count`
/// judged records.
async fn wait_for_stop(mut stop: watch::Receiver<bool>, deadline: Option<Duration>) -> Stop {
    let deadline = async {
        match deadline {
            Some(d) => tokio::time::sleep(d).await,
            None => std::future::pending().await,
        }
    };
    tokio::select! {
        _ = signal() => Stop::Signal,
        _ = stopped(&mut stop) => Stop::Count,
        _ = deadline => Stop::Deadline,
    }
}

async fn stopped(stop: &mut watch::Receiver<bool>) {
    let _ = stop.wait_for(|s| *s).await;
}

async fn signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => {}
                    _ = term.recv() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}

async fn second_signal() {
    signal().await;
}

fn print_summary(s: &Summary, output: Output, doc: (Vec<Listening>, Vec<Record>)) {
    let text = match output.format {
        OutputFormat::Text => record::summary_text(&Painter::new(output.color), s),
        OutputFormat::Ndjson => crate::render::to_json_line(s),
        OutputFormat::Json => crate::render::to_json(&serde_json::json!({
            "listening": doc.0,
            "connections": doc.1,
            "summary": s,
        })),
    };
    let _ = crate::commands::emit(&text);
}

/// In debug builds (every test run), a record that contradicts itself stops serve:
/// so the whole test suite checks every record it makes serve produce.
fn debug_check(r: &Record) {
    #[cfg(debug_assertions)]
    {
        let v = serde_json::to_value(r).unwrap_or_default();
        let c = record::contradictions(&v);
        assert!(
            c.is_empty(),
            "a serve record contradicts itself: {c:?}\n{v}"
        );
    }
    #[cfg(not(debug_assertions))]
    let _ = r;
}

/// What the writer kept for the end of the run.
struct Written {
    summary: Summary,
    /// JUnit test cases of the judged connections (with `--junit`).
    cases: Vec<junit::Case>,
    /// The listening addresses.
    listening: Vec<String>,
    /// With `--format json`: the events, printed as one document once the run is
    /// closed (so its summary is the final one).
    doc_listening: Vec<Listening>,
    doc_records: Vec<Record>,
}

/// The most JUnit test cases kept in memory; later connections still count in the
/// summary and the per-expectation cases.
const JUNIT_CASES_MAX: usize = 100_000;

/// The one writer: prints events as they come, keeps the summary.
async fn writer(
    mut rx: mpsc::Receiver<Event>,
    output: Output,
    mut summary: Summary,
    junit: bool,
    stop: watch::Sender<bool>,
) -> Written {
    let painter = Painter::new(output.color);
    let count = summary.count;
    let mut cases = Vec::new();
    let mut doc_listening = Vec::new();
    let mut doc_records = Vec::new();
    let mut pending = String::new();
    while let Some(first) = rx.recv().await {
        // Under load several records are queued: write them with one system call. Each
        // is still written as soon as nothing else is waiting.
        let mut batch = vec![first];
        while batch.len() < 256 {
            match rx.try_recv() {
                Ok(ev) => batch.push(ev),
                Err(_) => break,
            }
        }
        let mut reached_count = false;
        for ev in batch {
            match (&ev, output.format) {
                (Event::Listening(l), OutputFormat::Text) => {
                    pending.push_str(&record::listening_text(&painter, l))
                }
                (Event::Record(r), OutputFormat::Text) => {
                    pending.push_str(&record::record_text(&painter, r))
                }
                (Event::Listening(l), OutputFormat::Ndjson) => {
                    pending.push_str(&crate::render::to_json_line(l))
                }
                (Event::Record(r), OutputFormat::Ndjson) => {
                    pending.push_str(&crate::render::to_json_line(r))
                }
                (_, OutputFormat::Json) => {}
            }
            match ev {
                Event::Listening(l) => doc_listening.push(*l),
                Event::Record(r) => {
                    debug_check(&r);
                    summary.add(&r);
                    if junit && r.judged && cases.len() < JUNIT_CASES_MAX {
                        cases.push(junit::connection_case(&r));
                    }
                    if output.format == OutputFormat::Json {
                        doc_records.push(*r);
                    }
                }
            }
            if count.is_some_and(|c| summary.judged >= c) {
                reached_count = true;
            }
        }
        if !pending.is_empty() {
            let _ = crate::commands::emit(&pending);
            pending.clear();
        }
        if reached_count {
            let _ = stop.send(true);
        }
    }
    Written {
        summary,
        cases,
        listening: doc_listening
            .iter()
            .map(|l| l.address.to_string())
            .collect(),
        doc_listening,
        doc_records,
    }
}

fn now_secs() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0.0, |d| d.as_secs_f64())
}

async fn accept_loop(ctx: Arc<Ctx>, listener: TcpListener, slots: Arc<Semaphore>) {
    let mut stop = ctx.shutdown.clone();
    let listener_addr = listener.local_addr().ok();
    loop {
        let permit = tokio::select! {
            p = slots.clone().acquire_owned() => match p { Ok(p) => p, Err(_) => return },
            _ = stopped(&mut stop) => return,
        };
        let (stream, peer) = tokio::select! {
            r = listener.accept() => match r {
                Ok(x) => x,
                Err(_) => {
                    // EMFILE and friends: back off instead of spinning.
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            _ = stopped(&mut stop) => return,
        };
        // No cut-off at `--count`: health checks do not count, so which connection
        // completes the count is known only once it is judged (the writer stops us).
        let id = ctx.next_id.fetch_add(1, Ordering::SeqCst) + 1;
        let ctx2 = ctx.clone();
        let listener_addr = listener_addr.unwrap_or(peer);
        tokio::spawn(async move {
            let record = handle_tcp(&ctx2, stream, peer, listener_addr, id).await;
            let _ = ctx2.events.send(Event::Record(Box::new(record))).await;
            drop(permit);
        });
    }
}

fn new_record(
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
fn judge_expectations(ctx: &Ctx, rec: &mut Record) {
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
                rec.error = Some(crate::commands::io_error_words(&e));
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

async fn handle_tcp(
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
                rec.error = Some(crate::commands::io_error_words(&e));
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
    if let Some(text) = &ctx.config.banner {
        if !banner(ctx, s, rec, text).await {
            return;
        }
    }
    let idle = ctx.config.idle_timeout;
    match ctx.config.reply {
        ReplyMode::Http => {
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
                        rec.error = Some(crate::commands::io_error_words(&e));
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
                    "an HTTP/2 preface: serve answers HTTP/1.1 only; do not offer h2 with --alpn"
                        .into(),
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
        ReplyMode::Echo | ReplyMode::None => {
            let echo = ctx.config.reply == ReplyMode::Echo;
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
                        rec.error = Some(crate::commands::io_error_words(&e));
                        return;
                    }
                    Err(_) => {
                        rec.ending = End::Timeout;
                        return;
                    }
                }
            }
        }
    }
}

async fn udp_loop(ctx: Arc<Ctx>, socket: UdpSocket) {
    let mut stop = ctx.shutdown.clone();
    let Ok(local) = socket.local_addr() else {
        return;
    };
    let mut buf = vec![0u8; 65_536];
    loop {
        let (n, peer) = tokio::select! {
            r = socket.recv_from(&mut buf) => match r {
                Ok(x) => x,
                Err(_) => continue,
            },
            _ = stopped(&mut stop) => return,
        };
        let id = ctx.next_id.fetch_add(1, Ordering::SeqCst) + 1;
        let bytes = &buf[..n];
        let mut rec = new_record(&ctx, id, "udp", local, peer, local);
        let date = http::http_date(now_secs() as u64);
        let sit = Situation {
            policy: &ctx.config.policy,
            emulation: None,
            tls: false,
            peer,
            local,
            datagram: true,
            date: &date,
            answers_http: false,
            speaks_first: false,
        };
        let Step::Decided(d) = judge::judge(&sit, bytes, Input::Eof) else {
            continue;
        };
        apply_decision(&mut rec, &d);
        rec.ending = End::Datagram;
        rec.bytes_in = n as u64;
        judge_expectations(&ctx, &mut rec);
        rec.settle();
        if d.action == Action::Proceed {
            rec.reply = ctx.config.reply.name();
            let payload = &bytes[d.payload_offset.min(n)..];
            let out = match ctx.config.reply {
                ReplyMode::Echo => Some(payload.to_vec()),
                ReplyMode::Http => Some(crate::render::to_json_line(&rec).into_bytes()),
                ReplyMode::None => None,
            };
            if let Some(out) = out {
                if let Ok(sent) = socket.send_to(&out, peer).await {
                    rec.bytes_out = sent as u64;
                }
            }
        }
        if ctx.events.send(Event::Record(Box::new(rec))).await.is_err() {
            return;
        }
    }
}
