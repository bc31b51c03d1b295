//! `ppdiag serve`: a fake backend. The I/O shell (tokio, tokio-rustls) around the
//! sans-IO [`judge`]: accept, read the opening bytes incrementally until the judge can
//! decide, then answer as the judge says (serve over TLS or plaintext, a fixed answer,
//! a close, a reset), and report every connection as a [`record::Record`].
//!
//! Layout: [`listener`] binds (resolving names), accepts and stops (count, signals,
//! deadline); `connection` serves one TCP connection (opening, TLS, reply); `udp` judges
//! datagrams; `writer` writes the events through [`crate::output`] and keeps the
//! summary. Here: the config and the run.
//!
//! Rules:
//! - Bounded: at most `max_connections` at once (the accept loop waits for a slot);
//!   per connection, the opening buffer never passes [`judge::BUFFER_CAP`], a request
//!   head never passes [`http::MAX_HEAD`], and every read has a deadline; a slow or
//!   garbage peer only holds its own task.
//! - Records are written as connections end, one at a time, flushed, by one writer
//!   task, which also keeps the summary and decides the exit code.
//! - No panic on peer input; peer bytes reach the output escaped.

mod connection;
pub mod http;
pub mod io;
pub mod judge;
pub mod junit;
pub mod listener;
pub mod record;
pub mod tls;
mod udp;
mod writer;

/// Resolves once `stop` turns true: the listeners, the UDP loops and the accept loop
/// all end on it.
async fn stopped(stop: &mut tokio::sync::watch::Receiver<bool>) {
    let _ = stop.wait_for(|s| *s).await;
}

#[cfg(test)]
pub(crate) use connection::{apply_decision, blank_record};
pub use listener::{Embedded, embed};

use crate::output::{Failure, Output};
use judge::{Emulation, Expectations, Policy};
use record::{Listening, Record};
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::AtomicU64;
use std::time::Duration;
use tokio::sync::{mpsc, watch};

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
    pub listen: Vec<ListenAddr>,
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

/// A listen address as given: an address, or `host:port` resolved when serve starts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ListenAddr {
    /// An address.
    Addr(SocketAddr),
    /// A name and a port.
    Name(String),
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
    rt.block_on(listener::serve(config))
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
