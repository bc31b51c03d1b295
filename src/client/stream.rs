//! The one byte-observing stream of the network shells: [`Observed`] wraps a stream and
//! tells an [`Observer`] what crosses it. probe and send keep the bytes themselves (a
//! [`Tap`]: [`Recorder`]), serve counts them ([`Counters`]: [`Counted`]).
//!
//! Rules: the wrapper never changes what it passes on; an observer only records (the
//! tap keeps at most [`TAP_CAP`] bytes each way); a poisoned tap still holds its bytes.

use crate::diagnose::Ending;
use std::io;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

/// At most this many bytes are kept each way.
pub const TAP_CAP: usize = 64 * 1024;

/// What an [`Observed`] stream reports.
pub trait Observer {
    /// A read returned `bytes` (empty: the peer closed).
    fn read(&self, bytes: &[u8]);
    /// A write took `bytes`.
    fn wrote(&self, bytes: &[u8]);
    /// A read or a write failed as a reset does.
    fn reset(&self) {}
}

/// A stream that tells its observer what passes through it.
#[derive(Debug)]
pub struct Observed<S, O> {
    inner: S,
    observer: O,
}

impl<S, O> Observed<S, O> {
    /// Wraps `inner`; what crosses it goes to `observer`.
    pub fn new(inner: S, observer: O) -> Self {
        Observed { inner, observer }
    }

    /// The wrapped stream.
    pub fn get_ref(&self) -> &S {
        &self.inner
    }
}

/// True for the errors that mean the connection was reset.
pub fn is_reset(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::ConnectionReset
            | io::ErrorKind::ConnectionAborted
            | io::ErrorKind::BrokenPipe
    )
}

impl<S: AsyncRead + Unpin, O: Observer + Unpin> AsyncRead for Observed<S, O> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let before = buf.filled().len();
        let r = Pin::new(&mut self.inner).poll_read(cx, buf);
        match &r {
            Poll::Ready(Ok(())) => self.observer.read(&buf.filled()[before..]),
            Poll::Ready(Err(e)) if is_reset(e) => self.observer.reset(),
            _ => {}
        }
        r
    }
}

impl<S: AsyncWrite + Unpin, O: Observer + Unpin> AsyncWrite for Observed<S, O> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let r = Pin::new(&mut self.inner).poll_write(cx, buf);
        match &r {
            Poll::Ready(Ok(n)) => self.observer.wrote(&buf[..*n]),
            Poll::Ready(Err(e)) if is_reset(e) => self.observer.reset(),
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

fn keep(into: &mut Vec<u8>, bytes: &[u8]) {
    let room = TAP_CAP.saturating_sub(into.len());
    into.extend_from_slice(&bytes[..bytes.len().min(room)]);
}

impl Observer for SharedTap {
    fn read(&self, bytes: &[u8]) {
        let mut t = lock(self);
        if bytes.is_empty() {
            t.eof = true;
        } else {
            keep(&mut t.server, bytes);
        }
    }

    fn wrote(&self, bytes: &[u8]) {
        keep(&mut lock(self).client, bytes);
    }

    fn reset(&self) {
        lock(self).reset = true;
    }
}

/// A stream that records what passes through it in a [`Tap`] (probe, send).
pub type Recorder<S> = Observed<S, SharedTap>;

/// Bytes in and out of one connection; shared atomics, so the record can read them
/// after the TLS stream took ownership of the stream.
#[derive(Debug, Default)]
pub struct Counters {
    /// Read from the peer.
    pub read: AtomicU64,
    /// Written to the peer.
    pub written: AtomicU64,
}

impl Observer for Arc<Counters> {
    fn read(&self, bytes: &[u8]) {
        self.read.fetch_add(bytes.len() as u64, Ordering::Relaxed);
    }

    fn wrote(&self, bytes: &[u8]) {
        self.written
            .fetch_add(bytes.len() as u64, Ordering::Relaxed);
    }
}

/// A stream that counts what crosses it (serve).
pub type Counted<S> = Observed<S, Arc<Counters>>;

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    #[tokio::test]
    async fn records_both_ways_and_the_close() {
        let (a, mut b) = tokio::io::duplex(64);
        let tap = SharedTap::default();
        let mut s = Recorder::new(a, tap.clone());
        s.write_all(b"hello").await.unwrap();
        b.write_all(b"world").await.unwrap();
        drop(b);
        let mut out = Vec::new();
        s.read_to_end(&mut out).await.unwrap();
        let t = snapshot(&tap);
        assert_eq!(t.client, b"hello");
        assert_eq!(t.server, b"world");
        assert!(t.eof && !t.reset);
        assert_eq!(t.ending(Ending::Open), Ending::Closed);
    }
}
