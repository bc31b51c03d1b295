//! `send --udp` (I/O shell): one datagram carrying the header and the payload, as
//! LoxiLB and other UDP balancers send it, then the replies.
//!
//! Rules: bounded by `--timeout` (and half a second of quiet after a reply); silence is
//! not a finding over UDP; an ICMP port-unreachable is a refusal.

use super::{SendConfig, SendReport, finish, header_bytes, read_back};
use crate::client::net;
use crate::diagnose::{self, Ending, Exchange};
use crate::escape::{escape_bytes, hex_compact};
use crate::findings::Finding;
use crate::output::Failure;
use std::net::SocketAddr;
use std::time::Duration;
use tokio::io::AsyncReadExt;
use tokio::net::UdpSocket;
use tokio::time::Instant;

/// One datagram: the header and the data (or stdin), then the replies until the peer
/// is quiet for `--timeout`. LoxiLB and other UDP balancers put the v2 header and the
/// payload in one datagram.
pub(super) async fn run(cfg: &SendConfig, addr: SocketAddr) -> Result<i32, Failure> {
    let start = Instant::now();
    let bind: SocketAddr = if addr.is_ipv4() {
        ([0, 0, 0, 0], 0).into()
    } else {
        (std::net::Ipv6Addr::UNSPECIFIED, 0).into()
    };
    let sock = UdpSocket::bind(bind)
        .await
        .map_err(|e| Failure(format!("cannot open a UDP socket: {e}")))?;
    sock.connect(addr)
        .await
        .map_err(|e| Failure(format!("cannot reach {addr} over UDP: {e}")))?;
    let local = sock.local_addr().ok();
    let header_bytes = header_bytes(cfg, local, addr)?;
    let payload = match &cfg.data {
        Some(d) => d.clone(),
        None => {
            let mut buf = Vec::new();
            let mut stdin = tokio::io::stdin();
            let _ =
                tokio::time::timeout(cfg.timeout, (&mut stdin).take(65_000).read_to_end(&mut buf))
                    .await;
            buf
        }
    };
    let mut datagram = header_bytes.clone();
    datagram.extend_from_slice(&payload);
    if datagram.len() > 65_507 {
        return Err(Failure(format!(
            "the datagram would be {} bytes; UDP carries at most 65507",
            datagram.len()
        )));
    }
    if let Err(e) = sock.send(&datagram).await {
        return Err(Failure(format!("cannot send to {addr}: {e}")));
    }
    let (reply, ending) = replies(&sock, cfg.timeout).await;
    let verdict = diagnose::judge(&Exchange {
        client: &datagram,
        server: &reply,
        ending,
    });
    // Silence is normal for UDP services given a datagram they do not answer: keep the
    // header's own findings and a refusal, not "target silent".
    let findings: Vec<Finding> = verdict
        .findings
        .into_iter()
        .filter(|f| f.code != crate::findings::Code::TargetSilent)
        .collect();
    let report = SendReport {
        target: cfg.target.input.clone(),
        address: Some(addr),
        local,
        header_hex: hex_compact(&header_bytes),
        header_bytes: header_bytes.len(),
        header: read_back(&header_bytes),
        tls: None,
        tls_error: None,
        sent: payload.len(),
        reply: escape_bytes(&reply),
        reply_bytes: reply.len(),
        outcome: verdict.outcome,
        ending,
        fingerprint: verdict.fingerprint,
        client_sees: Vec::new(),
        elapsed_ms: start.elapsed().as_millis() as u64,
        findings,
    };
    finish(cfg, &report, false)
}

/// The replies (kept up to [`net::TAP_CAP`]) until the peer is quiet for `timeout` (half
/// a second once one came), and how it ended: open after a reply, refused on an ICMP
/// port unreachable, else the timeout.
async fn replies(sock: &UdpSocket, timeout: Duration) -> (Vec<u8>, Ending) {
    let mut ending = Ending::Timeout;
    let mut reply = Vec::new();
    let mut buf = vec![0u8; 65_536];
    loop {
        // After a reply, more datagrams usually follow at once or not at all.
        let wait = if reply.is_empty() {
            timeout
        } else {
            timeout.min(Duration::from_millis(500))
        };
        match tokio::time::timeout(wait, sock.recv(&mut buf)).await {
            Err(_) => break,
            Ok(Ok(n)) => {
                let room = net::TAP_CAP.saturating_sub(reply.len());
                reply.extend_from_slice(&buf[..n.min(room)]);
                ending = Ending::Open;
            }
            // ICMP port unreachable, reported on a connected socket.
            Ok(Err(e)) if e.kind() == std::io::ErrorKind::ConnectionRefused => {
                ending = Ending::Refused;
                break;
            }
            Ok(Err(_)) => break,
        }
    }
    (reply, ending)
}
