//! Socket plumbing of the client layer (I/O shell): resolving a target's name,
//! connecting within a deadline, and reading a reply until the peer closes, goes
//! quiet, or time is up. The recording stream is [`super::stream`].
//!
//! Rules: every wait is bounded by the caller's deadline; peer bytes are recorded
//! raw (capped) and judged elsewhere by [`crate::diagnose`]; nothing here prints.

pub use super::stream::{Recorder, SharedTap, TAP_CAP, Tap, snapshot};
pub use super::verdict::ConnectError;

use super::stream::is_reset;
use super::target::{self, ConnectTo, Target};
use crate::diagnose::Ending;
use std::io;
use std::net::{IpAddr, SocketAddr};
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncReadExt};
use tokio::net::TcpStream;
use tokio::time::Instant;

/// Resolves `t` (after the `--connect-to` rules) before `deadline`: every address, in
/// the resolver's order, each once. The error is the sentence the user sees.
pub async fn resolve(
    t: &Target,
    rules: &[ConnectTo],
    deadline: Instant,
) -> Result<Vec<SocketAddr>, String> {
    let (host, port) = target::route(t, rules);
    if let Ok(ip) = host.parse::<IpAddr>() {
        return Ok(vec![SocketAddr::new(ip, port)]);
    }
    let found = tokio::time::timeout_at(deadline, tokio::net::lookup_host((host.as_str(), port)))
        .await
        .map_err(|_| format!("cannot resolve `{host}`: no answer from DNS in time"))?
        .map_err(|e| format!("cannot resolve `{host}`: {e}"))?;
    let mut out: Vec<SocketAddr> = Vec::new();
    for a in found {
        if !out.contains(&a) {
            out.push(a);
        }
    }
    if out.is_empty() {
        return Err(format!("cannot resolve `{host}`: no addresses"));
    }
    Ok(out)
}

/// After the first reply bytes, a pause this long means the peer has said its piece.
pub const SETTLE: Duration = Duration::from_millis(200);

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
