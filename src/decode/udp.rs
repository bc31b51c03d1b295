//! UDP conversations (sans-IO): a [`Table`] of client ↔ server pairs in both directions,
//! which datagrams began with a PROXY header (v2 PROXY, v2 LOCAL, v1 text, which has no
//! UDP form), what came back for each (a DNS answer matched by id, another reply, an
//! ICMP port unreachable quoting the datagram), and [`Judging`]: the conversations of
//! one server read together by the UDP model `probe --udp` uses
//! ([`crate::path::udp`]), so a capture of the probe's traffic gets the probe's causes.
//!
//! Rules: capture time only; bounded ([`MAX_KEPT`] datagrams remembered per
//! conversation, the rest counted; [`MAX_SERVERS`] servers remembered; [`MAX_WAITING`]
//! conversations held for their server's others); every datagram is part of a reported
//! conversation. A conversation with no PROXY header to a server that never saw one is
//! reported without findings: UDP without PROXY is not this tool's business, and a
//! capture cannot prove silence (one-way traffic, replies on another path), so "no reply"
//! alone is never a finding here.

use super::hash::{FxMap, take_oldest_eighth, take_where};
use super::packet::Packet;
use super::report::{
    Address, Confidence, DirectionBasis, FlowReport, Proto, Sent, Summary, timing,
};
use crate::escape::escape_bytes_max;
use crate::findings::{Code, Finding};
use crate::opening;
use crate::path::expects::HeaderChoice;
use crate::path::udp::{self, DnsReply, SeenDatagram, UdpOutcome, UdpResult};
use crate::proxy::{Command, Inspection, V2_SIGNATURE};
use std::collections::BTreeMap;
use std::net::SocketAddr;

/// Client datagrams remembered per conversation (with what came back for each).
pub const MAX_KEPT: usize = 32;
/// At most this many distinct header sources are listed per UDP conversation.
const MAX_UDP_SOURCES: usize = 16;
/// Servers whose UDP evidence is remembered.
pub const MAX_SERVERS: usize = 4096;
/// Conversations held at once for the other conversations of their server.
pub const MAX_WAITING: usize = 1024;
/// How long (capture time) a handed-on conversation waits for others of its server.
const HOLD_NS: u64 = 2_000_000_000;

/// One datagram the client sent.
#[derive(Debug, Clone)]
pub struct Datagram {
    /// Its header.
    pub header: HeaderChoice,
    /// Header bytes.
    pub header_bytes: usize,
    /// The DNS id, when the bytes after the header are a DNS query.
    pub dns_id: Option<u16>,
    /// What came back.
    pub outcome: UdpOutcome,
}

/// Datagrams between one client and one server.
#[derive(Debug)]
pub struct UdpFlow {
    pub id: u64,
    /// The client (the first datagram's sender; a DNS response's receiver).
    pub src: SocketAddr,
    /// The server.
    pub dst: SocketAddr,
    /// The first client datagram that began with a PROXY header, else the first (bounded).
    pub first: Vec<u8>,
    pub first_ts: u64,
    pub last_ts: u64,
    /// Client datagrams.
    pub datagrams: u64,
    /// Client payload bytes.
    pub bytes: u64,
    /// Distinct source addresses the datagrams' headers carried (bounded).
    pub sources: Vec<SocketAddr>,
    /// The first [`MAX_KEPT`] client datagrams.
    pub sent: Vec<Datagram>,
    /// Datagrams from the server, their payload bytes, and the first (bounded).
    pub replies: u64,
    pub reply_bytes: u64,
    pub reply: Vec<u8>,
    /// ICMP port unreachable messages quoting the client's datagrams.
    pub refused: u64,
    /// Whether any client datagram began with a PROXY header.
    pub proxy: bool,
}

fn header_of(payload: &[u8]) -> (HeaderChoice, usize, Option<SocketAddr>) {
    let v2 = payload.starts_with(&V2_SIGNATURE);
    if !v2 && !payload.starts_with(b"PROXY ") {
        return (HeaderChoice::None, 0, None);
    }
    match crate::proxy::inspect(payload) {
        Inspection::Complete(h) => {
            let kind = match (v2, h.command) {
                (false, _) => HeaderChoice::V1,
                (true, Command::Local) => HeaderChoice::V2Local,
                (true, Command::Proxy) => HeaderChoice::V2,
            };
            (kind, h.length, h.source)
        }
        _ if v2 => (HeaderChoice::V2, payload.len(), None),
        _ => (HeaderChoice::V1, payload.len(), None),
    }
}

/// The id of a DNS query (QR clear, one question) at the start of `b`.
fn dns_query_id(b: &[u8]) -> Option<u16> {
    let h = b.get(..12)?;
    (h[2] & 0x80 == 0 && h[4..6] == [0, 1]).then(|| u16::from_be_bytes([h[0], h[1]]))
}

impl UdpFlow {
    fn new(id: u64, ts: u64, src: SocketAddr, dst: SocketAddr) -> Self {
        UdpFlow {
            id,
            src,
            dst,
            first: Vec::new(),
            first_ts: ts,
            last_ts: ts,
            datagrams: 0,
            bytes: 0,
            sources: Vec::new(),
            sent: Vec::new(),
            replies: 0,
            reply_bytes: 0,
            reply: Vec::new(),
            refused: 0,
            proxy: false,
        }
    }

    fn on_client(&mut self, p: &Packet<'_>, keep: usize) {
        let (header, len, source) = header_of(p.payload);
        if let Some(s) = source
            && self.sources.len() < MAX_UDP_SOURCES
            && !self.sources.contains(&s)
        {
            self.sources.push(s);
        }
        let with_header = header != HeaderChoice::None;
        if self.datagrams == 0 || (with_header && !self.proxy) {
            self.first.clear();
            self.first
                .extend_from_slice(&p.payload[..p.payload.len().min(keep)]);
        }
        self.proxy |= with_header;
        self.datagrams += 1;
        self.bytes += u64::from(p.wire_len);
        if self.sent.len() < MAX_KEPT {
            self.sent.push(Datagram {
                header,
                header_bytes: len,
                dns_id: p.payload.get(len..).and_then(dns_query_id),
                outcome: UdpOutcome::Silent,
            });
        }
    }

    /// A datagram from the server: the DNS answer to the query with its id, else the
    /// reply to the latest datagram still without one.
    fn on_server(&mut self, p: &Packet<'_>, keep: usize) {
        self.replies += 1;
        self.reply_bytes += u64::from(p.wire_len);
        if self.replies == 1 {
            self.reply
                .extend_from_slice(&p.payload[..p.payload.len().min(keep)]);
        }
        let dns = udp::dns_reply(p.payload);
        let silent = |d: &Datagram| d.outcome == UdpOutcome::Silent;
        let by_id = dns.and_then(|r| {
            self.sent
                .iter()
                .rposition(|d| silent(d) && d.dns_id == Some(r.id))
        });
        if let Some(i) = by_id.or_else(|| self.sent.iter().rposition(silent)) {
            self.sent[i].outcome = UdpOutcome::Answered {
                bytes: p.wire_len as usize,
                dns,
                first_bytes: escape_bytes_max(p.payload, 64),
            };
        }
    }

    fn on_refused(&mut self) {
        self.refused += 1;
        let silent = |d: &Datagram| d.outcome == UdpOutcome::Silent;
        if let Some(i) = self.sent.iter().rposition(silent) {
            self.sent[i].outcome = UdpOutcome::Refused;
        }
    }

    /// The probe's attempts this conversation amounts to.
    pub fn results(&self) -> Vec<UdpResult> {
        let seen: Vec<SeenDatagram> = self
            .sent
            .iter()
            .map(|d| SeenDatagram {
                header: d.header,
                header_bytes: d.header_bytes,
                outcome: d.outcome.clone(),
            })
            .collect();
        udp::results_of(&seen)
    }
}

type Key = (SocketAddr, SocketAddr);

fn key(a: SocketAddr, b: SocketAddr) -> Key {
    if a <= b { (a, b) } else { (b, a) }
}

/// The UDP half of the tracker's flow table.
#[derive(Debug, Default)]
pub struct Table {
    flows: FxMap<Key, UdpFlow>,
}

impl Table {
    /// Conversations tracked.
    pub fn len(&self) -> usize {
        self.flows.len()
    }

    /// Whether none is tracked.
    pub fn is_empty(&self) -> bool {
        self.flows.is_empty()
    }

    /// One datagram. `next_id` gives a new conversation its id; `max` bounds the table
    /// (when full, the least recently active eighth is handed on as it stands).
    pub fn datagram(
        &mut self,
        ts: u64,
        p: &Packet<'_>,
        (keep, max): (usize, usize),
        next_id: &mut u64,
        summary: &mut Summary,
        out: &mut Vec<UdpFlow>,
    ) {
        let k = key(p.src, p.dst);
        if !self.flows.contains_key(&k) {
            if self.flows.len() >= max {
                let gone = take_oldest_eighth(&mut self.flows, |u| u.last_ts, |u| u.id);
                summary.evicted_early += gone.len() as u64;
                out.extend(gone);
            }
            // A DNS response first (the capture began mid-exchange): its sender serves.
            let reply_first = !p.payload.starts_with(&V2_SIGNATURE)
                && udp::dns_reply(p.payload).is_some()
                && p.src.port() < p.dst.port();
            let (c, s) = if reply_first {
                (p.dst, p.src)
            } else {
                (p.src, p.dst)
            };
            self.flows.insert(k, UdpFlow::new(*next_id, ts, c, s));
            *next_id += 1;
        }
        let Some(u) = self.flows.get_mut(&k) else {
            return;
        };
        u.last_ts = u.last_ts.max(ts);
        if p.src == u.src {
            u.on_client(p, keep);
        } else {
            u.on_server(p, keep);
        }
    }

    /// An ICMP port unreachable quoting a datagram from `client` to `server`; whether it
    /// belongs to a tracked conversation.
    pub fn unreachable(&mut self, ts: u64, client: SocketAddr, server: SocketAddr) -> bool {
        match self.flows.get_mut(&key(client, server)) {
            Some(u) if u.src == client => {
                u.on_refused();
                u.last_ts = u.last_ts.max(ts);
                true
            }
            _ => false,
        }
    }

    /// Conversations idle since `before` (capture time), handed on.
    pub fn idle(&mut self, before: u64, out: &mut Vec<UdpFlow>) {
        out.extend(take_where(
            &mut self.flows,
            |u| u.last_ts <= before,
            |u| u.id,
        ));
    }

    /// Every conversation, by id.
    pub fn finish(&mut self, out: &mut Vec<UdpFlow>) {
        out.extend(take_where(&mut self.flows, |_| true, |u| u.id));
    }
}

/// What is known of one server over UDP: the attempts seen (merged) and whether any
/// datagram to it carried a PROXY header.
#[derive(Debug, Default, Clone)]
struct Evidence {
    results: Vec<UdpResult>,
    proxy: bool,
}

/// Judging UDP conversations with the other conversations of their server.
#[derive(Debug, Default)]
pub struct Judging {
    waiting: Vec<(u64, UdpFlow)>,
    servers: BTreeMap<SocketAddr, Evidence>,
    now: u64,
}

impl Judging {
    /// Conversations waiting.
    pub fn held(&self) -> usize {
        self.waiting.len()
    }

    /// A conversation handed on; reports what is ready.
    pub fn add(&mut self, u: UdpFlow, out: &mut Vec<FlowReport>) {
        self.waiting.push((self.now, u));
        if self.waiting.len() > MAX_WAITING {
            let oldest = self.waiting.iter().map(|(t, _)| *t).min().unwrap_or(0);
            self.release(|t| t <= oldest, out);
        }
    }

    /// Capture time advanced.
    pub fn tick(&mut self, now: u64, out: &mut Vec<FlowReport>) {
        self.now = now;
        self.release(|t| t + HOLD_NS <= now, out);
    }

    /// The end: every conversation waiting is reported.
    pub fn finish(&mut self, out: &mut Vec<FlowReport>) {
        self.release(|_| true, out);
    }

    fn release(&mut self, due: impl Fn(u64) -> bool, out: &mut Vec<FlowReport>) {
        if self.waiting.is_empty() {
            return;
        }
        let (ready, keep): (Vec<_>, Vec<_>) = std::mem::take(&mut self.waiting)
            .into_iter()
            .partition(|(t, _)| due(*t));
        self.waiting = keep;
        let mut ready: Vec<UdpFlow> = ready.into_iter().map(|(_, u)| u).collect();
        ready.sort_by_key(|u| u.id);
        // Each server's evidence takes the whole batch before any of it is judged.
        let mut batch: BTreeMap<SocketAddr, Evidence> = BTreeMap::new();
        for u in &ready {
            let e = match self.servers.get(&u.dst) {
                Some(e) => batch.entry(u.dst).or_insert_with(|| e.clone()),
                None => batch.entry(u.dst).or_default(),
            };
            e.proxy |= u.proxy;
            for r in u.results() {
                udp::merge(&mut e.results, r);
            }
        }
        for u in ready {
            let e = batch.get(&u.dst).cloned().unwrap_or_default();
            out.push(report(u, &e));
        }
        for (s, e) in batch {
            if self.servers.len() < MAX_SERVERS || self.servers.contains_key(&s) {
                self.servers.insert(s, e);
            }
        }
    }
}

/// The UDP model's findings for this conversation, given its server's evidence, and the
/// model's one sentence on the server (when it had something to go on).
fn model(u: &UdpFlow, e: &Evidence) -> (Vec<Finding>, Option<String>) {
    let own = u.results();
    let something_back = e.results.iter().any(|r| r.outcome != UdpOutcome::Silent);
    if !e.proxy || own.is_empty() || !something_back {
        return (Vec::new(), None);
    }
    let sends = u.sent.first().map(|d| d.header);
    let j = udp::judge(&u.dst.to_string(), &e.results, sends);
    let mut findings = Vec::new();
    for (f, subject) in j.inference.findings.into_iter().zip(j.subjects) {
        // Silence is not proven by a capture: never a finding here.
        if f.code == Code::TargetSilent {
            continue;
        }
        let concerns = own.iter().any(|r| {
            subject.contains(&r.attempt)
                && (r.attempt == udp::UdpAttempt::V2ThenNone || !r.outcome.answered())
        });
        if concerns {
            findings.push(in_capture_words(f));
        }
    }
    (findings, Some(j.inference.summary))
}

/// The probe's words for silence name its timeout; a capture has none.
const PROBE_SILENT: &str = "no reply until the timeout";
const CAPTURE_SILENT: &str = "no reply in the capture";

fn in_capture_words(mut f: Finding) -> Finding {
    for e in &mut f.evidence {
        if e.contains(PROBE_SILENT) {
            *e = e.replace(PROBE_SILENT, CAPTURE_SILENT).into();
        }
    }
    f
}

fn reply_sent(u: &UdpFlow) -> Option<Sent> {
    if u.replies == 0 {
        return None;
    }
    let (kind, summary) = match udp::dns_reply(&u.reply) {
        Some(DnsReply { rcode, answers, .. }) => (
            "dns-response",
            format!("DNS response, rcode {rcode}, {answers} record(s)"),
        ),
        None => {
            let s = crate::sniff::sniff_lean(&u.reply);
            (s.kind.name(), s.summary)
        }
    };
    Some(Sent {
        kind,
        summary,
        bytes: escape_bytes_max(&u.reply, 64),
        kept: u.reply.len(),
        total: u.reply_bytes,
    })
}

fn notes(u: &UdpFlow, said: Option<String>) -> Vec<String> {
    let mut notes = Vec::new();
    if u.proxy {
        notes.push(format!(
            "{} datagram(s) from {} to {}; the first is analysed (each carries its own header)",
            u.datagrams, u.src, u.dst
        ));
    } else {
        notes.push(format!(
            "{} datagram(s) from {} to {}, none with a PROXY header",
            u.datagrams, u.src, u.dst
        ));
    }
    if u.sent.iter().any(|d| d.header == HeaderChoice::V1) {
        notes.push("a PROXY v1 text header over UDP: v1 has no UDP form (the specification defines it for TCP only); receivers that read PROXY over UDP read v2".into());
    }
    if u.replies > 0 || u.refused > 0 {
        notes.push(format!(
            "{} datagram(s) back from {}, {} ICMP port unreachable",
            u.replies, u.dst, u.refused
        ));
        let each: Vec<String> = u
            .results()
            .iter()
            .map(|r| {
                let said = r.outcome.label().replace(PROBE_SILENT, CAPTURE_SILENT);
                format!("{}: {said}", r.name)
            })
            .collect();
        notes.push(format!("as probe --udp attempts: {}", each.join("; ")));
    }
    notes.extend(said);
    notes
}

/// The report of one UDP conversation.
fn report(u: UdpFlow, e: &Evidence) -> FlowReport {
    let o = opening::analyze(&u.first);
    let payload = &u.first[o.payload_offset.min(u.first.len())..];
    let sent = Sent {
        kind: o.payload.as_ref().map_or("unknown", |s| s.kind.name()),
        summary: o
            .payload
            .as_ref()
            .map(|s| s.summary.clone())
            .unwrap_or_else(|| "hidden by the header problem".into()),
        bytes: escape_bytes_max(payload, 64),
        kept: u.first.len(),
        total: u.bytes,
    };
    let (mut findings, said) = model(&u, e);
    findings.extend(o.findings);
    crate::findings::sort_worst_first(&mut findings);
    let mut notes = notes(&u, said);
    notes.extend(o.notes);
    let mut headers = o.headers.into_iter();
    FlowReport {
        id: u.id,
        transport: Proto::Udp,
        client: Address(u.src),
        server: Address(u.dst),
        direction: DirectionBasis::FirstDatagram,
        confidence: Confidence::High,
        proxy: headers.next(),
        more_proxy_headers: headers.collect(),
        proxy_problem: o.problem,
        client_sent: sent,
        server_sent: reply_sent(&u),
        end: None,
        outcome: None,
        fingerprint: None,
        client_sees: Default::default(),
        timing: timing(u.first_ts, u.last_ts),
        packets: u.datagrams + u.replies + u.refused,
        gaps: Vec::new(),
        retransmissions: 0,
        overlap_conflicts: Vec::new(),
        linked: None,
        proxy_sources: u.sources.iter().map(|s| s.to_string()).collect(),
        notes,
        findings,
        observed: None,
        chain: Vec::new(),
    }
}
