//! `probe --udp` (I/O shell): for each address, one UDP socket per attempt (no header,
//! a v2 header, a v2 LOCAL header, a v2 header then a datagram without), the payload
//! (a DNS query by default, or `--data`), the replies, then the inference of
//! [`super::udp_model`] and the report.
//!
//! Rules: every wait bounded by `--timeout`; an ICMP port unreachable (a receive error
//! on a connected socket) is a refusal; replies to a DNS query are matched by id.

use super::config::ProbeConfig;
use super::model::Expects;
use super::udp_model::{self, UdpAttempt, UdpOutcome, UdpResult};
use crate::client::target;
use crate::findings::Finding;
use crate::output::{Failure, Reporter};
use serde::Serialize;
use std::net::SocketAddr;
use std::time::Duration;
use tokio::net::UdpSocket;
use tokio::time::Instant;

/// The report for one address over UDP.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct UdpReport {
    /// The target as given.
    pub target: String,
    /// The address probed.
    pub address: SocketAddr,
    /// Always `udp`.
    pub transport: &'static str,
    /// The inference, in one sentence.
    pub summary: String,
    /// What the target expects.
    pub expects: Expects,
    /// Every attempt.
    pub attempts: Vec<UdpResult>,
    /// Findings, worst first.
    pub findings: Vec<Finding>,
    /// Milliseconds for this address.
    pub elapsed_ms: u64,
}

/// The DNS name asked by default: one every resolver answers without going out.
const DEFAULT_NAME: &str = "localhost.";

/// Runs `probe --udp` over every address of every target.
pub async fn run(cfg: ProbeConfig) -> Result<i32, Failure> {
    let cfg = std::sync::Arc::new(cfg);
    let mut out = cfg.output.stdout();
    let mut reports = Vec::new();
    for t in &cfg.targets {
        let (host, port) = target::route(t, &cfg.connect_to);
        let addrs: Vec<SocketAddr> = match host.parse::<std::net::IpAddr>() {
            Ok(ip) => vec![SocketAddr::new(ip, port)],
            Err(_) => tokio::net::lookup_host((host.as_str(), port))
                .await
                .map_err(|e| Failure(format!("cannot resolve `{host}`: {e}")))?
                .collect(),
        };
        for addr in addrs {
            let r = probe_address(&cfg, &t.input, addr).await;
            // ndjson: each address as soon as it is probed.
            out.item(&r, |_, _, _| {});
            out.flush();
            reports.push(r);
        }
    }
    let code = reports
        .iter()
        .map(|r| super::infer::exit_code(&r.findings))
        .max()
        .unwrap_or(0);
    #[derive(Serialize)]
    struct Doc<'a> {
        probes: &'a [UdpReport],
    }
    out.document(&Doc { probes: &reports });
    out.text(|p, s| s.push_str(&text(&reports, p.color())));
    out.close()?;
    Ok(code)
}

async fn probe_address(
    cfg: &std::sync::Arc<ProbeConfig>,
    input: &str,
    addr: SocketAddr,
) -> UdpReport {
    let start = Instant::now();
    // The attempts run at once, each on its own socket.
    let mut set = tokio::task::JoinSet::new();
    for (i, a) in cfg.udp_attempts.iter().copied().enumerate() {
        let cfg = cfg.clone();
        set.spawn(async move { (i, attempt(&cfg, addr, a).await) });
    }
    let mut done = Vec::new();
    while let Some(r) = set.join_next().await {
        if let Ok(r) = r {
            done.push(r);
        }
    }
    done.sort_by_key(|(i, _)| *i);
    let attempts: Vec<UdpResult> = done.into_iter().map(|(_, r)| r).collect();
    let i = udp_model::infer(&addr.to_string(), &attempts, cfg.balancer_sends);
    UdpReport {
        target: input.to_string(),
        address: addr,
        transport: "udp",
        summary: i.summary,
        expects: i.expects,
        attempts,
        findings: i.findings,
        elapsed_ms: start.elapsed().as_millis() as u64,
    }
}

/// The v2 header of an attempt's first datagram: DGRAM over the socket's family (or
/// `--src`/`--dst`), LOCAL without addresses; none for `none`.
fn datagram_header(
    cfg: &ProbeConfig,
    a: UdpAttempt,
    local: SocketAddr,
    peer: SocketAddr,
) -> Vec<u8> {
    use crate::proxy::build::{self as header, HeaderSpec, Kind};
    let mut spec = match a {
        UdpAttempt::None => return Vec::new(),
        UdpAttempt::V2Local => HeaderSpec::local(),
        UdpAttempt::V2 | UdpAttempt::V2ThenNone => {
            let (mut s, mut d) = (cfg.src.unwrap_or(local), cfg.dst.unwrap_or(peer));
            if s.is_ipv4() != d.is_ipv4() {
                (s, d) = (local, peer);
            }
            let mut h = HeaderSpec::new(Kind::V2, s, d);
            h.transport = crate::proxy::Transport::Dgram;
            h
        }
    };
    spec.tlvs = cfg.tlvs.clone();
    spec.crc32c = cfg.crc32c;
    header::build(&spec).unwrap_or_default()
}

/// The payload of one datagram, and the DNS id to match (when it is the default query).
fn payload(cfg: &ProbeConfig, id: u16) -> (Vec<u8>, Option<u16>) {
    match &cfg.udp_data {
        Some(d) => (d.clone(), None),
        None => (udp_model::dns_query(id, DEFAULT_NAME), Some(id)),
    }
}

async fn attempt(cfg: &ProbeConfig, addr: SocketAddr, a: UdpAttempt) -> UdpResult {
    let start = Instant::now();
    let mut r = UdpResult {
        name: a.name(),
        attempt: a,
        header_bytes: 0,
        outcome: UdpOutcome::Silent,
        first: None,
        elapsed_ms: 0,
    };
    let sock = match open(addr).await {
        Ok(s) => s,
        Err(e) => {
            r.outcome = UdpOutcome::Failed { error: e };
            return r;
        }
    };
    let local = sock.local_addr().unwrap_or(addr);
    let header = datagram_header(cfg, a, local, addr);
    r.header_bytes = header.len();
    // A first byte of 0x2X: no TLS record type (0x14-0x17), no SSLv2 length bit (0x80).
    let id = 0x2000 | (local.port() & 0x0fff);
    let (body, dns_id) = payload(cfg, id);
    let first = exchange(&sock, &[&header[..], &body].concat(), dns_id, cfg.timeout).await;
    if a == UdpAttempt::V2ThenNone {
        let (body2, dns2) = payload(cfg, id.wrapping_add(1));
        r.outcome = exchange(&sock, &body2, dns2, cfg.timeout).await;
        r.first = Some(first);
    } else {
        r.outcome = first;
    }
    r.elapsed_ms = start.elapsed().as_millis() as u64;
    r
}

async fn open(addr: SocketAddr) -> Result<UdpSocket, String> {
    let bind: SocketAddr = if addr.is_ipv4() {
        ([0, 0, 0, 0], 0).into()
    } else {
        (std::net::Ipv6Addr::UNSPECIFIED, 0).into()
    };
    let sock = UdpSocket::bind(bind)
        .await
        .map_err(|e| format!("cannot open a UDP socket: {e}"))?;
    sock.connect(addr)
        .await
        .map_err(|e| format!("cannot reach {addr} over UDP: {e}"))?;
    Ok(sock)
}

/// Sends one datagram and waits for its reply (by DNS id when there is one).
async fn exchange(
    sock: &UdpSocket,
    datagram: &[u8],
    id: Option<u16>,
    timeout: Duration,
) -> UdpOutcome {
    if let Err(e) = sock.send(datagram).await {
        return UdpOutcome::Failed {
            error: crate::escape::sanitize_text(&e.to_string()).into_owned(),
        };
    }
    let deadline = Instant::now() + timeout;
    let mut buf = vec![0u8; 65_536];
    loop {
        match tokio::time::timeout_at(deadline, sock.recv(&mut buf)).await {
            Err(_) => return UdpOutcome::Silent,
            Ok(Err(e)) if e.kind() == std::io::ErrorKind::ConnectionRefused => {
                return UdpOutcome::Refused;
            }
            Ok(Err(e)) => {
                return UdpOutcome::Failed {
                    error: crate::escape::sanitize_text(&e.to_string()).into_owned(),
                };
            }
            Ok(Ok(n)) => {
                let got = &buf[..n];
                let dns = udp_model::dns_reply(got);
                // A DNS answer to another datagram (a late one) is not this one's;
                // anything else (an echo, a record) is this datagram's reply.
                if let (Some(want), Some(d)) = (id, dns)
                    && d.id != want
                {
                    continue;
                }
                return UdpOutcome::Answered {
                    bytes: n,
                    dns,
                    first_bytes: crate::escape::escape_bytes_max(got, 64),
                };
            }
        }
    }
}

/// The text report.
pub fn text(reports: &[UdpReport], color: bool) -> String {
    use std::fmt::Write as _;
    let p = crate::render::Painter::new(color);
    let mut s = String::new();
    for r in reports {
        let _ = writeln!(s, "{} (udp)", p.heading(&r.address.to_string()));
        let _ = writeln!(s, "{}", crate::escape::sanitize_text(&r.summary));
        let versions = if r.expects.proxy_versions.is_empty() {
            String::new()
        } else {
            format!(" ({})", r.expects.versions_text(", "))
        };
        let _ = writeln!(
            s,
            "  expects: proxy {}{versions}, protocol {}\n",
            r.expects.proxy, r.expects.protocol
        );
        let _ = writeln!(s, "  {:<14} {:<52} {:>7}", "attempt", "result", "time");
        for a in &r.attempts {
            let _ = writeln!(
                s,
                "  {:<14} {:<52} {:>4} ms",
                a.name,
                crate::escape::sanitize_text(&a.outcome.label()),
                a.elapsed_ms
            );
        }
        s.push('\n');
        crate::render::findings_text(&p, &mut s, &r.findings);
    }
    s
}
