//! Socket plumbing shared by `probe` and `send` (I/O shell): a stream wrapper that
//! records the bytes each way and how the server side ended, connecting within a
//! deadline, and reading a reply until the peer closes, goes quiet, or time is up.
//!
//! Rules: every wait is bounded by the caller's deadline; peer bytes are recorded
//! raw (capped) and judged elsewhere by [`crate::diagnose`]; nothing here prints.

use crate::diagnose::Ending;
use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;
use tokio::time::Instant;

/// At most this many bytes are kept each way.
pub const TAP_CAP: usize = 64 * 1024;

/// After the first reply bytes, a pause this long means the peer has said its piece.
pub const SETTLE: Duration = Duration::from_millis(200);

/// What went over the wire, each way, and how the server side ended.
#[derive(Debug, Default, Clone)]
pub struct Tap {
    /// Bytes we sent (header, ClientHello or request).
    pub client: Vec<u8>,
    /// Bytes the server sent.
    pub server: Vec<u8>,
    /// The server closed (read returned 0).
    pub eof: bool,
    /// The connection was reset.
    pub reset: bool,
}

impl Tap {
    /// The ending as far as the tap saw it; `otherwise` when neither EOF nor reset.
    pub fn ending(&self, otherwise: Ending) -> Ending {
        if self.reset {
            Ending::Reset
        } else if self.eof {
            Ending::Closed
        } else {
            otherwise
        }
    }
}

/// A shared handle on a [`Tap`].
pub type SharedTap = Arc<Mutex<Tap>>;

fn lock(tap: &SharedTap) -> std::sync::MutexGuard<'_, Tap> {
    // A poisoned tap still holds the bytes; use them.
    tap.lock().unwrap_or_else(|e| e.into_inner())
}

/// A copy of the tap's contents.
pub fn snapshot(tap: &SharedTap) -> Tap {
    lock(tap).clone()
}

fn is_reset(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::ConnectionReset
            | io::ErrorKind::ConnectionAborted
            | io::ErrorKind::BrokenPipe
    )
}

/// A stream that records what passes through it.
#[derive(Debug)]
pub struct Recorder<S> {
    inner: S,
    tap: SharedTap,
}

impl<S> Recorder<S> {
    /// Wraps `inner`; the bytes go to `tap`.
    pub fn new(inner: S, tap: SharedTap) -> Self {
        Recorder { inner, tap }
    }

    /// The wrapped stream.
    pub fn get_ref(&self) -> &S {
        &self.inner
    }
}

impl<S: AsyncRead + Unpin> AsyncRead for Recorder<S> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let before = buf.filled().len();
        let r = Pin::new(&mut self.inner).poll_read(cx, buf);
        match &r {
            Poll::Ready(Ok(())) => {
                let new = &buf.filled()[before..];
                let mut t = lock(&self.tap);
                if new.is_empty() {
                    t.eof = true;
                } else {
                    let room = TAP_CAP.saturating_sub(t.server.len());
                    t.server.extend_from_slice(&new[..new.len().min(room)]);
                }
            }
            Poll::Ready(Err(e)) if is_reset(e) => lock(&self.tap).reset = true,
            _ => {}
        }
        r
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for Recorder<S> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let r = Pin::new(&mut self.inner).poll_write(cx, buf);
        match &r {
            Poll::Ready(Ok(n)) => {
                let mut t = lock(&self.tap);
                let room = TAP_CAP.saturating_sub(t.client.len());
                t.client.extend_from_slice(&buf[..(*n).min(room)]);
            }
            Poll::Ready(Err(e)) if is_reset(e) => lock(&self.tap).reset = true,
            _ => {}
        }
        r
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

/// Why a connection could not be made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConnectError {
    /// RST to the SYN: nothing listens there.
    Refused,
    /// No answer to the SYN before the deadline.
    Timeout,
    /// Anything else (unreachable network, no route...).
    Other(String),
}

/// Connects to `addr` before `deadline`.
pub async fn connect(addr: SocketAddr, deadline: Instant) -> Result<TcpStream, ConnectError> {
    match tokio::time::timeout_at(deadline, TcpStream::connect(addr)).await {
        Err(_) => Err(ConnectError::Timeout),
        Ok(Ok(s)) => {
            let _ = s.set_nodelay(true);
            Ok(s)
        }
        Ok(Err(e)) if e.kind() == io::ErrorKind::ConnectionRefused => Err(ConnectError::Refused),
        Ok(Err(e)) => Err(ConnectError::Other(e.to_string())),
    }
}

/// How a read loop should stop.
#[derive(Debug, Clone, Copy)]
pub struct ReadPlan {
    /// Give up waiting at this instant.
    pub deadline: Instant,
    /// Stop this long after the last bytes once some have arrived (`None`: read to
    /// EOF or the deadline).
    pub settle: Option<Duration>,
    /// Stop once this many bytes have arrived in total.
    pub max: usize,
}

/// Reads from `s` into its tap until EOF, reset, `plan.max` bytes, a pause after
/// data, the deadline, or `stop` resolving. Returns the ending the reading saw.
pub async fn read_reply<S, F>(s: &mut Recorder<S>, plan: ReadPlan, stop: F) -> Ending
where
    S: AsyncRead + Unpin,
    F: std::future::Future<Output = ()>,
{
    let mut buf = vec![0u8; 16 * 1024];
    let mut got = 0usize;
    tokio::pin!(stop);
    loop {
        let until = match plan.settle {
            Some(settle) if got > 0 => (Instant::now() + settle).min(plan.deadline),
            _ => plan.deadline,
        };
        tokio::select! {
            r = tokio::time::timeout_at(until, s.read(&mut buf)) => match r {
                Err(_) if until < plan.deadline => return Ending::Open,
                Err(_) => return Ending::Timeout,
                Ok(Ok(0)) => return Ending::Closed,
                Ok(Ok(n)) => {
                    got += n;
                    if got >= plan.max {
                        return Ending::Open;
                    }
                }
                Ok(Err(e)) if is_reset(&e) => return Ending::Reset,
                Ok(Err(_)) => return Ending::Closed,
            },
            _ = &mut stop => return Ending::Open,
        }
    }
}
