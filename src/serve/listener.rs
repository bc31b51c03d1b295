//! serve's listeners: resolve and bind the addresses (TCP, and UDP with `--udp`),
//! accept connections into bounded tasks, and stop at `--count`, on SIGINT/SIGTERM or
//! at `--deadline`; then drain, write the JUnit report and the summary.

use super::connection::handle_tcp;
use super::judge::Emulation;
use super::record::{Listening, Record, Summary};
use super::stopped;
use super::writer::{Written, debug_check, print_summary, writer};
use super::{Ctx, Event, ListenAddr, ServeConfig, junit, tls};
use crate::output::Failure;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;
use tokio::net::{TcpListener, UdpSocket};
use tokio::sync::{Semaphore, mpsc, watch};

/// Listeners bound and TLS prepared, before any connection is accepted.
struct Bound {
    prepared: Option<tls::Prepared>,
    tcp: Vec<TcpListener>,
    udp: Vec<UdpSocket>,
}

/// Resolves the listen addresses (in `listen` order), names the generated certificate
/// after them when no `--name` was given, prepares TLS and binds.
async fn bind(config: &mut ServeConfig) -> Result<Bound, Failure> {
    let listen = resolve(&config.listen).await?;
    if let Some(tls::TlsSettings {
        cert: tls::CertSource::Generate(names),
        ..
    }) = &mut config.tls
        && names.is_empty()
    {
        *names = default_names(&listen);
    }
    let prepared = match &config.tls {
        Some(t) => Some(tls::prepare(t).map_err(Failure)?),
        None => None,
    };
    let mut tcp = Vec::new();
    for addr in &listen {
        let l = TcpListener::bind(addr)
            .await
            .map_err(|e| Failure(format!("cannot listen on {addr} (tcp): {e}")))?;
        tcp.push(l);
    }
    let mut udp = Vec::new();
    if config.udp {
        for (i, addr) in listen.iter().enumerate() {
            // Port 0: use the port the TCP listener got, so both share one number.
            let mut a = *addr;
            if a.port() == 0
                && let Ok(l) = tcp[i].local_addr()
            {
                a.set_port(l.port());
            }
            let s = UdpSocket::bind(a)
                .await
                .map_err(|e| Failure(format!("cannot listen on {a} (udp): {e}")))?;
            udp.push(s);
        }
    }
    Ok(Bound { prepared, tcp, udp })
}

/// The addresses to listen on: names resolved (the first address of each).
async fn resolve(listen: &[ListenAddr]) -> Result<Vec<SocketAddr>, Failure> {
    let mut out = Vec::new();
    for l in listen {
        out.push(match l {
            ListenAddr::Addr(a) => *a,
            ListenAddr::Name(s) => tokio::net::lookup_host(s.as_str())
                .await
                .map_err(|e| Failure(format!("serve: cannot resolve listen address `{s}`: {e}")))?
                .next()
                .ok_or_else(|| Failure(format!("serve: `{s}` resolves to no address")))?,
        });
    }
    Ok(out)
}

/// The names of a generated certificate without `--name`: localhost and the listen
/// addresses that are not the unspecified address.
fn default_names(listen: &[SocketAddr]) -> Vec<String> {
    let mut names = vec!["localhost".to_string()];
    for l in listen {
        let ip = l.ip();
        if !ip.is_unspecified() && !names.contains(&ip.to_string()) {
            names.push(ip.to_string());
        }
    }
    names
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
pub async fn embed(mut config: ServeConfig) -> Result<Embedded, Failure> {
    let Bound { prepared, tcp, udp } = bind(&mut config).await?;
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
    let (ctx, slots, _) = context(prepared, config, events_tx, stop_rx);
    for l in tcp {
        tokio::spawn(accept_loop(ctx.clone(), l, slots.clone()));
    }
    for s in udp {
        tokio::spawn(super::udp::udp_loop(ctx.clone(), s));
    }
    Ok(Embedded {
        addrs,
        records,
        stop: stop_tx,
    })
}

/// What every connection of a run shares, and the semaphore that bounds them (with its
/// size, `--max-connections` within what tokio allows).
fn context(
    prepared: Option<tls::Prepared>,
    config: ServeConfig,
    events: mpsc::Sender<Event>,
    shutdown: watch::Receiver<bool>,
) -> (Arc<Ctx>, Arc<Semaphore>, usize) {
    let max = config.max_connections.clamp(1, Semaphore::MAX_PERMITS);
    let ctx = Arc::new(Ctx {
        acceptor: prepared.map(|p| p.config),
        config,
        events,
        next_id: AtomicU64::new(0),
        shutdown,
    });
    (ctx, Arc::new(Semaphore::new(max)), max)
}

/// Runs serve in this runtime until `--count`, a signal or `--deadline`; returns the
/// exit code.
pub(super) async fn serve(mut config: ServeConfig) -> Result<i32, Failure> {
    let Bound { prepared, tcp, udp } = bind(&mut config).await?;
    let (events_tx, events_rx) = mpsc::channel::<Event>(1024);
    let (stop_tx, stop_rx) = watch::channel(false);
    let summary = Summary::for_run(&config.expect.describe(), config.count);
    let writer = tokio::spawn(writer(
        events_rx,
        config.output,
        summary,
        config.junit.is_some(),
        stop_tx.clone(),
    ));
    announce(&config, prepared.as_ref(), &tcp, &udp, &events_tx).await?;
    let (ctx, slots, max) = context(prepared, config, events_tx, stop_rx.clone());
    let mut loops = tokio::task::JoinSet::new();
    for l in tcp {
        loops.spawn(accept_loop(ctx.clone(), l, slots.clone()));
    }
    for s in udp {
        loops.spawn(super::udp::udp_loop(ctx.clone(), s));
    }
    // Wait for the count, a signal, the deadline, or every loop to end.
    let stop = wait_for_stop(stop_rx.clone(), ctx.config.deadline).await;
    let _ = stop_tx.send(true);
    while loops.join_next().await.is_some() {}
    let unfinished = drain(&ctx.config, &slots, max).await;
    let junit = ctx.config.junit.clone();
    let deadline = ctx.config.deadline;
    drop(ctx);
    let written = writer
        .await
        .map_err(|e| Failure(format!("output task failed: {e}")))?;
    conclude(written, stop, unfinished, junit.as_deref(), deadline)
}

/// Sends the writer one `listening` event per bound socket.
async fn announce(
    config: &ServeConfig,
    prepared: Option<&tls::Prepared>,
    tcp: &[TcpListener],
    udp: &[UdpSocket],
    events: &mpsc::Sender<Event>,
) -> Result<(), Failure> {
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
            prepared.map(|p| p.info.clone())
        } else {
            None
        },
    };
    for l in tcp {
        let a = l.local_addr().map_err(|e| Failure(e.to_string()))?;
        let ev = listening(a, "tcp", prepared.is_some());
        let _ = events.send(Event::Listening(Box::new(ev))).await;
    }
    for s in udp {
        let a = s.local_addr().map_err(|e| Failure(e.to_string()))?;
        let ev = listening(a, "udp", false);
        let _ = events.send(Event::Listening(Box::new(ev))).await;
    }
    Ok(())
}

/// Lets connections in flight finish within their own timeouts (or until a second
/// signal); returns how many did not.
async fn drain(config: &ServeConfig, slots: &Semaphore, max: usize) -> usize {
    let drain = config.header_timeout + config.idle_timeout + Duration::from_secs(2);
    tokio::select! {
        r = tokio::time::timeout(drain, slots.acquire_many(max as u32)) => match r {
            Ok(_) => 0,
            Err(_) => max - slots.available_permits(),
        },
        _ = second_signal() => max - slots.available_permits(),
    }
}

/// Closes the summary (why the run stopped, what was not recorded), writes the JUnit
/// report and the summary; returns the exit code.
fn conclude(
    written: Written,
    stop: Stop,
    unfinished: usize,
    junit: Option<&std::path::Path>,
    deadline: Option<Duration>,
) -> Result<i32, Failure> {
    let Written {
        mut summary,
        cases,
        listening,
        doc_listening,
        doc_records,
        mut out,
    } = written;
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
    if let Some(path) = junit {
        let xml = junit::document(&listening, &cases, &summary);
        if let Err(e) = std::fs::write(path, xml) {
            print_summary(&mut out, &summary, doc);
            return Err(Failure(format!(
                "cannot write the JUnit report to {}: {}",
                path.display(),
                crate::output::io_error_words(&e)
            )));
        }
    }
    print_summary(&mut out, &summary, doc);
    Ok(summary.exit_code)
}

fn ctx_deadline_text(deadline: Option<Duration>) -> String {
    match deadline {
        Some(d) => format!("the deadline ({}) passed", crate::config::duration_text(d)),
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
