//! The per-conversation report and the capture summary that both renderers read (text
//! here, JSON through serde), so `--format text` and `--format json` cannot disagree.
//!
//! Rules: sans-IO; peer bytes are escaped before they reach a string here; the text
//! renderer sanitizes every line it prints.

use super::stream::Gap;
use crate::diagnose::{Ending, Fingerprint, Outcome};
use crate::escape::sanitize_text;
use crate::findings::{Code, Finding, Severity};
use crate::opening::HeaderProblem;
use crate::proxy::Header;
use crate::render::{Painter, findings_text};
use serde::Serialize;
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::net::SocketAddr;

/// An endpoint's `ip:port`, written as `SocketAddr`'s `Display` writes it (`[v6]:port`
/// for IPv6), in text and JSON alike. It is kept as the address and written only when
/// shown: most conversations of a large capture are only counted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Address(pub SocketAddr);

impl Address {
    /// Appends the text to `out`; IPv4 without the formatting machinery.
    pub fn write_to(self, out: &mut String) {
        let SocketAddr::V4(v4) = self.0 else {
            let _ = write!(out, "{}", self.0);
            return;
        };
        // `255.255.255.255:65535` is 21 bytes.
        out.reserve(21);
        let mut digits = itoa::Buffer::new();
        for (i, o) in v4.ip().octets().into_iter().enumerate() {
            if i > 0 {
                out.push('.');
            }
            out.push_str(digits.format(o));
        }
        out.push(':');
        out.push_str(digits.format(v4.port()));
    }

    /// The text alone.
    pub fn text(self) -> String {
        let mut s = String::new();
        self.write_to(&mut s);
        s
    }
}

impl std::fmt::Display for Address {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The same text as `write_to`, which is this one without the formatting machinery.
        self.0.fmt(f)
    }
}

impl Serialize for Address {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.text())
    }
}

/// How the direction of a conversation was decided.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum DirectionBasis {
    /// The client's SYN was seen.
    Syn,
    /// Only the server's SYN-ACK was seen.
    SynAck,
    /// Caught mid-stream: inferred from content and ports (lower confidence).
    Inferred,
    /// UDP: the sender of the first datagram (the receiver, when that datagram is a DNS
    /// response from the lower port: the capture began mid-exchange).
    FirstDatagram,
}

/// What one side sent first (after any PROXY header for the client).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Sent {
    /// Classification (`tls-client-hello`, `http-response`, `empty`, ...).
    pub kind: &'static str,
    /// One line in words.
    pub summary: String,
    /// The first bytes, escaped.
    pub bytes: String,
    /// Bytes reassembled in order from the start of the direction (bounded).
    pub kept: usize,
    /// Payload bytes this direction sent (highest sequence offset seen).
    pub total: u64,
}

/// How a conversation ended (its first FIN or RST, or neither).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum How {
    /// A FIN came first.
    Fin,
    /// A RST came first.
    Rst,
    /// A RST answered the SYN: nothing listened.
    Refused,
    /// Still open at the end of the capture, or when evicted.
    Open,
}

impl How {
    /// As the JSON has it: `fin`, `rst`, `refused`, `open`.
    pub fn as_str(self) -> &'static str {
        match self {
            How::Fin => "fin",
            How::Rst => "rst",
            How::Refused => "refused",
            How::Open => "open",
        }
    }
}

/// TCP or UDP.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Proto {
    /// A TCP conversation.
    Tcp,
    /// A UDP conversation (datagrams between one pair of endpoints).
    Udp,
}

impl Proto {
    /// As the JSON has it: `tcp`, `udp`.
    pub fn as_str(self) -> &'static str {
        match self {
            Proto::Tcp => "tcp",
            Proto::Udp => "udp",
        }
    }
}

/// How sure the direction and the first bytes are.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Confidence {
    /// The conversation was seen from its start (or is UDP).
    High,
    /// Caught mid-stream: the direction was inferred, the first bytes seen may not be
    /// the first sent.
    Low,
}

/// Who ended the conversation and how.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct End {
    /// `fin`, `rst`, `refused` (RST to the SYN), `open` (still open at the end of the
    /// capture or when evicted).
    pub how: How,
    /// `client` or `server` (who sent the first FIN or RST); null when open.
    pub by: Option<&'static str>,
    /// The server side's ending as the shared judge saw it.
    pub server: Ending,
}

/// Times in milliseconds from the first packet of the conversation.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Default)]
pub struct Timing {
    /// Capture timestamp of the first packet, seconds since the Unix epoch.
    pub start: f64,
    /// The client's first payload byte.
    pub first_client_byte_ms: Option<f64>,
    /// The server's first payload byte (the first answer).
    pub first_server_byte_ms: Option<f64>,
    /// The first FIN or RST.
    pub close_ms: Option<f64>,
    /// The last packet.
    pub last_ms: f64,
    /// How many client bytes had arrived, in order, when the server answered: an answer
    /// after the PROXY header alone shows the backend read the header as its protocol.
    pub server_answered_after_client_bytes: Option<u32>,
}

/// The other leg of a link as it is written: `client → server`, or `#id`. Kept as
/// addresses and written only when shown (the text view never shows it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OtherLeg {
    /// The leg's endpoints.
    Legs(Address, Address),
    /// The leg's id alone.
    Flow(u64),
}

impl OtherLeg {
    /// The text.
    pub fn text(self) -> String {
        match self {
            OtherLeg::Legs(c, s) => {
                let mut t = String::with_capacity(48);
                c.write_to(&mut t);
                t.push_str(" → ");
                s.write_to(&mut t);
                t
            }
            OtherLeg::Flow(id) => ["#", itoa::Buffer::new().format(id)].concat(),
        }
    }
}

impl Serialize for OtherLeg {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.text())
    }
}

/// The other leg of a proxied connection.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Link {
    /// Its flow id.
    pub flow: u64,
    /// This flow's role: `client-leg` (client → balancer) or `backend-leg`
    /// (balancer → backend).
    pub role: &'static str,
    /// The other leg, `client → server` (or `#id` when only its id is known).
    pub other: OtherLeg,
    /// What tied them: `proxy-header-addresses` or `same-payload`.
    pub by: &'static str,
}

/// One conversation.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FlowReport {
    /// Id: order of the conversation's first packet in the capture, from 1.
    pub id: u64,
    /// `tcp` or `udp`.
    pub transport: Proto,
    /// `ip:port` of the side that opened it.
    pub client: Address,
    /// `ip:port` of the side that accepted it.
    pub server: Address,
    /// How the direction was decided.
    pub direction: DirectionBasis,
    /// `high`, or `low` for conversations caught mid-stream.
    pub confidence: Confidence,
    /// The first PROXY header, every field and TLV, or null.
    pub proxy: Option<Header>,
    /// Headers stacked after the first (two balancers each adding one).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub more_proxy_headers: Vec<Header>,
    /// Why the header run stopped (malformed or incomplete), or null.
    pub proxy_problem: Option<HeaderProblem>,
    /// What the client sent first after the header(s).
    pub client_sent: Sent,
    /// What the server sent first (UDP: its first reply, or null).
    pub server_sent: Option<Sent>,
    /// How it ended (UDP: null).
    pub end: Option<End>,
    /// What happened, in one word (UDP: null).
    pub outcome: Option<Outcome>,
    /// The backend the reaction points to.
    pub fingerprint: Option<Fingerprint>,
    /// What TLS clients print for the server's answer.
    #[serde(skip_serializing_if = "<[String]>::is_empty")]
    pub client_sees: crate::diagnose::Lines,
    /// Timing.
    pub timing: Timing,
    /// Packets (TCP segments or UDP datagrams) in both directions.
    pub packets: u64,
    /// Holes in the kept opening bytes.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub gaps: Vec<DirGap>,
    /// Retransmitted segments seen (both directions).
    pub retransmissions: u32,
    /// Overlapping segments whose bytes differed (first copy kept).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub overlap_conflicts: Vec<DirOffset>,
    /// The other leg of the proxied connection, when the capture holds it.
    pub linked: Option<Link>,
    /// A proxied connection over more than two legs (client → balancer → balancer →
    /// backend): the ids of every leg, client first.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub chain: Vec<u64>,
    /// UDP: the distinct source addresses carried by the datagrams' headers (at most 16).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub proxy_sources: Vec<String>,
    /// Plain-language notes that are not findings.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
    /// The findings, worst first.
    pub findings: Vec<Finding>,
    /// The exchange as the path model reads it (TCP), for the per-server model.
    #[serde(skip)]
    pub observed: Option<crate::path::Observation>,
}

/// A gap in one direction.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct DirGap {
    /// `client` or `server`.
    pub direction: &'static str,
    /// The gap.
    #[serde(flatten)]
    pub gap: Gap,
}

/// An offset in one direction.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct DirOffset {
    /// `client` or `server`.
    pub direction: &'static str,
    /// Offset from the direction's first payload byte.
    pub offset: u32,
}

impl FlowReport {
    /// The worst severity of its findings.
    pub fn worst(&self) -> Option<Severity> {
        crate::findings::worst(&self.findings)
    }

    /// Whether it has a finding worse than info.
    pub fn has_problem(&self) -> bool {
        self.worst().is_some_and(|s| s > Severity::Info)
    }
}

/// Where the capture stopped making sense.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CaptureError {
    /// Byte offset in the file (or stream) where reading stopped.
    pub offset: u64,
    /// Packets read before it.
    pub packets_before: u64,
    /// What was wrong.
    pub message: String,
}

/// Counts over the whole capture.
#[derive(Debug, Clone, PartialEq, Serialize, Default)]
pub struct Summary {
    /// `pcap` or `pcapng`.
    pub format: String,
    /// Link types seen, by name.
    pub link_types: Vec<String>,
    /// Frames read.
    pub packets: u64,
    /// Bytes of captured frames.
    pub bytes: u64,
    /// Conversations reported (every one, filtered ones excluded).
    pub flows: u64,
    /// TCP conversations.
    pub tcp_flows: u64,
    /// UDP conversations, with or without PROXY headers (those without, to a server no
    /// header went to, carry no findings and stay out of the default text view).
    pub udp_flows: u64,
    /// Conversations with a warning or an error.
    pub flows_with_problems: u64,
    /// Conversations caught mid-stream.
    pub mid_stream_flows: u64,
    /// Proxied connections whose two legs were linked.
    pub linked_pairs: u64,
    /// Conversations reported before they ended because the flow table was full.
    pub evicted_early: u64,
    /// How many conversations carry each finding code.
    pub findings: BTreeMap<Code, u64>,
    /// Frames not read as conversations, by reason.
    pub skipped: Skipped,
    /// Where the capture breaks, when it does.
    pub capture_error: Option<CaptureError>,
    /// Per server endpoint: what the path model reads from its conversations together
    /// (written as the report's top-level `servers`).
    #[serde(skip)]
    pub servers: Vec<super::servers::ServerReport>,
}

/// Frames that are not part of any reported conversation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Default)]
pub struct Skipped {
    /// Not IP.
    pub not_ip: u64,
    /// IP fragments.
    pub ip_fragments: u64,
    /// Neither TCP nor UDP.
    pub other_transport: u64,
    /// Too short for their headers.
    pub truncated: u64,
    /// On an interface whose link type `decode` does not read.
    pub unsupported_link: u64,
    /// UDP datagrams left out of every conversation: none since decode tracks every UDP
    /// conversation in both directions (the key stays for the JSON shape).
    pub udp_without_proxy: u64,
    /// Frames outside `--port`/`--host`.
    pub filtered_out: u64,
    /// Frames of a conversation that had already ended (final ACKs, copies of the same
    /// packets captured on a second interface).
    pub late_after_close: u64,
}

/// One conversation in text.
pub fn flow_text(p: &Painter, out: &mut String, r: &FlowReport) {
    let link = r
        .linked
        .as_ref()
        .map(|l| format!("  [{} of #{}]", l.role.replace('-', " "), l.flow))
        .unwrap_or_default();
    let _ = writeln!(
        out,
        "{} {} {} → {}{}",
        p.heading(&format!("#{}", r.id)),
        r.transport.as_str(),
        r.client,
        r.server,
        link
    );
    let mut line = |k: &str, v: String| {
        let _ = writeln!(out, "    {} {}", p.key(&format!("{k}:")), sanitize_text(&v));
    };
    if r.confidence == Confidence::Low {
        line(
            "caught",
            "mid-stream (no SYN): direction inferred, lower confidence".into(),
        );
    }
    match &r.proxy {
        Some(h) => {
            let addrs = match (h.source, h.destination) {
                (Some(s), Some(d)) => format!(" {s} → {d}"),
                _ => String::new(),
            };
            let tlvs = if h.tlvs.is_empty() {
                String::new()
            } else {
                format!(
                    ", TLVs: {}",
                    h.tlvs.iter().map(|t| t.name).collect::<Vec<_>>().join(" ")
                )
            };
            let command = match h.command {
                crate::proxy::Command::Proxy => "PROXY",
                crate::proxy::Command::Local => "LOCAL",
            };
            line(
                "proxy",
                format!(
                    "v{} {command}{addrs} ({} bytes{tlvs})",
                    h.version.number(),
                    h.length
                ),
            );
        }
        None => match &r.proxy_problem {
            Some(HeaderProblem::Malformed { .. }) => {
                line("proxy", "malformed (see findings)".into())
            }
            Some(HeaderProblem::Incomplete { .. }) => {
                line("proxy", "incomplete (see findings and notes)".into())
            }
            None => line("proxy", "none".into()),
        },
    }
    line(
        "client sent",
        format!("{} ({} bytes)", r.client_sent.summary, r.client_sent.total),
    );
    if let Some(s) = &r.server_sent {
        line("server sent", format!("{} ({} bytes)", s.summary, s.total));
    }
    if let Some(e) = &r.end {
        let by = e.by.map(|b| format!(" by the {b}")).unwrap_or_default();
        let when = r
            .timing
            .close_ms
            .map(|ms| format!(" after {ms:.1} ms"))
            .unwrap_or_default();
        line("ended", format!("{}{by}{when}", e.how.as_str()));
    }
    if let Some(o) = &r.outcome {
        line("outcome", o.label());
    }
    for g in &r.gaps {
        line(
            "gap",
            format!(
                "{} bytes {}..{} missing ({})",
                g.direction,
                g.gap.offset,
                g.gap.offset + g.gap.length,
                match g.gap.cause {
                    super::stream::GapCause::Snaplen => "cut by the capture's snaplen",
                    super::stream::GapCause::NotCaptured => "segments not in the capture",
                }
            ),
        );
    }
    if r.proxy_sources.len() > 1 {
        line("header sources", r.proxy_sources.join(", "));
    }
    for n in &r.notes {
        line("note", n.clone());
    }
    let mut f = String::new();
    findings_text(p, &mut f, &r.findings);
    for l in f.lines() {
        let _ = writeln!(out, "    {l}");
    }
}

/// The summary in text.
pub fn summary_text(p: &Painter, out: &mut String, s: &Summary, source: &str) {
    let _ = writeln!(
        out,
        "{}",
        p.heading(&format!(
            "{source}: {} conversation(s) ({} TCP, {} UDP) in {} packet(s), {} with problems",
            s.flows, s.tcp_flows, s.udp_flows, s.packets, s.flows_with_problems
        ))
    );
    if !s.link_types.is_empty() {
        let _ = writeln!(
            out,
            "  {} {} {}",
            p.key("capture:"),
            s.format,
            s.link_types.join(", ")
        );
    }
    if s.linked_pairs > 0 {
        let _ = writeln!(
            out,
            "  {} {} proxied connection(s) seen on both legs",
            p.key("linked:"),
            s.linked_pairs
        );
    }
    if s.mid_stream_flows > 0 {
        let _ = writeln!(
            out,
            "  {} {} conversation(s) caught mid-stream (lower confidence)",
            p.key("mid-stream:"),
            s.mid_stream_flows
        );
    }
    if s.findings.is_empty() {
        let _ = writeln!(out, "  {}", p.good("no problem found"));
    } else {
        let _ = writeln!(out, "  {}", p.key("findings (conversations):"));
        let mut counts: Vec<_> = s.findings.iter().collect();
        counts.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
        for (code, n) in counts {
            let _ = writeln!(out, "    {n:>6}  {code}");
        }
    }
    let k = &s.skipped;
    let skipped: Vec<String> = [
        (k.not_ip, "not IP"),
        (k.ip_fragments, "IP fragments"),
        (k.other_transport, "neither TCP nor UDP"),
        (k.truncated, "too short for their headers"),
        (k.unsupported_link, "unsupported link type"),
        (k.udp_without_proxy, "UDP without a PROXY header"),
        (k.filtered_out, "outside --port/--host"),
        (k.late_after_close, "after their conversation ended"),
    ]
    .iter()
    .filter(|(n, _)| *n > 0)
    .map(|(n, what)| format!("{n} {what}"))
    .collect();
    if !skipped.is_empty() {
        let _ = writeln!(out, "  {} {}", p.key("frames skipped:"), skipped.join(", "));
    }
    if s.evicted_early > 0 {
        let _ = writeln!(
            out,
            "  {} {} conversation(s) reported while still open (flow table full)",
            p.key("evicted:"),
            s.evicted_early
        );
    }
    if let Some(e) = &s.capture_error {
        let _ = writeln!(
            out,
            "  {} at byte {} after {} packet(s): {} (everything before it is reported)",
            p.bad("capture breaks"),
            e.offset,
            e.packets_before,
            sanitize_text(&e.message)
        );
    }
}

/// How many servers the text view lists.
const SERVERS_SHOWN: usize = 10;

/// The per-server section of the text view: servers with a cause or more than one
/// explanation first.
pub fn servers_text(p: &Painter, s: &mut String, servers: &[super::servers::ServerReport]) {
    let mut telling: Vec<&super::servers::ServerReport> = servers
        .iter()
        .filter(|r| r.groups.len() > 1 || r.groups.iter().any(|g| g.cause.is_some()))
        .collect();
    if telling.is_empty() {
        return;
    }
    telling.truncate(SERVERS_SHOWN);
    s.push('\n');
    s.push_str(&p.heading("servers (what each one's conversations show together):"));
    s.push('\n');
    for r in telling {
        let versions = if r.proxy_versions.is_empty() {
            String::new()
        } else {
            format!(
                " ({})",
                crate::path::expects::versions_text(&r.proxy_versions, ", ")
            )
        };
        let app = r.application.map(|a| format!(", {a}")).unwrap_or_default();
        let _ = writeln!(
            s,
            "  {}  proxy {}{versions}, protocol {}{app}; {} conversation(s)",
            sanitize_text(&r.server),
            r.proxy,
            r.protocol,
            r.conversations
        );
        for g in &r.groups {
            let ids: Vec<String> = g.conversations.iter().map(u64::to_string).collect();
            let more = if g.count > g.conversations.len() as u64 {
                format!(" and {} more", g.count - g.conversations.len() as u64)
            } else {
                String::new()
            };
            let what = match g.cause {
                Some(c) => c.as_str().to_string(),
                None => "served or not a PROXY matter".to_string(),
            };
            let _ = writeln!(
                s,
                "    conversations {}{more}: {what} ({})",
                ids.join(", "),
                g.exchange.words()
            );
        }
        for h in r.hypotheses.iter().take(3) {
            let _ = writeln!(s, "    explanation {}: {}", h.rank, h.summary);
        }
        if r.hypotheses.len() > 3 {
            let _ = writeln!(
                s,
                "    ({} more explanations fit: `--format json` lists them)",
                r.hypotheses.len() - 3
            );
        }
    }
}

fn ms(from: u64, to: u64) -> f64 {
    to.saturating_sub(from) as f64 / 1e6
}

/// The timing of a conversation from its first to its last packet (capture ns).
pub(crate) fn timing(first: u64, last: u64) -> Timing {
    Timing {
        start: first as f64 / 1e9,
        last_ms: ms(first, last),
        ..Timing::default()
    }
}

/// Milliseconds from `first` to `t`, if `t` happened.
pub(crate) fn ms_opt(first: u64, t: Option<u64>) -> Option<f64> {
    t.map(|t| ms(first, t))
}

#[cfg(test)]
mod tests {
    use super::{Address, OtherLeg};
    use std::net::SocketAddr;

    #[test]
    fn other_leg_is_written_as_before() {
        let c: SocketAddr = "192.0.2.1:40000".parse().unwrap();
        let s: SocketAddr = "[2001:db8::2]:443".parse().unwrap();
        let legs = OtherLeg::Legs(Address(c), Address(s));
        assert_eq!(legs.text(), format!("{c} → {s}"));
        assert_eq!(
            serde_json::to_string(&legs).unwrap(),
            format!("\"{c} → {s}\"")
        );
        assert_eq!(OtherLeg::Flow(17).text(), "#17");
    }

    #[test]
    fn address_is_display_of_the_socket_address() {
        let check = |a: SocketAddr| {
            assert_eq!(Address(a).text(), a.to_string());
            assert_eq!(Address(a).to_string(), a.to_string());
            assert_eq!(
                serde_json::to_string(&Address(a)).unwrap(),
                serde_json::to_string(&a.to_string()).unwrap()
            );
        };
        for a in [
            "0.0.0.0:0",
            "192.0.2.1:443",
            "255.255.255.255:65535",
            "[2001:db8::1]:443",
            "[::ffff:192.0.2.1]:80",
            "[fe80::1%2]:22",
        ] {
            check(a.parse().unwrap());
        }
        // Every octet value in every place, ports of each length.
        for o in 0..=255u8 {
            for (i, port) in [0u16, 7, 10, 99, 100, 999, 1000, 9999, 10000, 65535]
                .into_iter()
                .enumerate()
            {
                let mut ip = [10, 200, 3, 45];
                ip[i % 4] = o;
                check(SocketAddr::from((ip, port)));
            }
        }
    }
}
