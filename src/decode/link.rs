//! Closing a conversation (judging it with the shared [`crate::diagnose::judge`]) and
//! linking the two legs of a proxied connection (sans-IO).
//!
//! A capture on a balancer, or `tcpdump -i any`, holds both the client → balancer leg and
//! the balancer → backend leg. They are tied by the backend leg's PROXY header, whose
//! source and destination are the client leg's endpoints, or, without a header, by the
//! same opening payload (a ClientHello carries 32 random bytes) within a short window.
//! Once tied, the root cause found on the backend leg is named on the client leg too: a
//! client that got a plaintext 400 because the backend read the balancer's header as a
//! request has `proxy-header-not-expected`, with the backend leg as evidence, not merely
//! `tls-to-plaintext-port`.
//!
//! Rules: linking never invents a cause; it moves one found on the other leg, says so in
//! the evidence, and keeps what this leg alone showed as evidence too.

use super::engine::{Flow, FxHasher, FxMap, kind_name, ms_opt, timing};
use super::report::{DirGap, DirOffset, DirectionBasis, End, FlowReport, Link, Sent};
use crate::diagnose::{self, Ending, Exchange, Outcome};
use crate::escape::escape_bytes_max;
use crate::findings::{Code, Finding, Severity};
use crate::sniff::{self, Kind};
use std::collections::VecDeque;
use std::hash::Hasher;
use std::net::SocketAddr;

/// A judged conversation waiting for its other leg.
#[derive(Debug)]
pub struct Done {
    /// The report as this leg alone supports it (boxed: a `Done` moves through the
    /// link queue, the report stays put).
    pub report: Box<FlowReport>,
    client: SocketAddr,
    server: SocketAddr,
    header: Option<(SocketAddr, SocketAddr)>,
    payload: Option<u64>,
    start: u64,
    end: u64,
}

impl Done {
    /// The endpoints its first PROXY header names (the leg before it, in a chain).
    pub fn header(&self) -> Option<(SocketAddr, SocketAddr)> {
        self.header
    }

    /// Its own endpoints.
    pub fn tuple(&self) -> (SocketAddr, SocketAddr) {
        (self.client, self.server)
    }

    /// Capture time of its last packet.
    pub fn end(&self) -> u64 {
        self.end
    }
}

fn client_ish(k: Kind) -> bool {
    matches!(
        k,
        Kind::ProxyV1 | Kind::ProxyV2 | Kind::TlsClientHello | Kind::HttpRequest | Kind::Sslv2Hello
    )
}

fn server_ish(k: Kind) -> bool {
    matches!(
        k,
        Kind::TlsServerHello
            | Kind::TlsAlert
            | Kind::HttpResponse
            | Kind::SshBanner
            | Kind::SmtpBanner
            | Kind::FtpBanner
            | Kind::Greeting
    )
}

/// Which side opened a conversation caught mid-stream: content first, then ports.
fn infer_client(f: &Flow) -> usize {
    let mut score = 0i32; // > 0: side 0 is the client
    for (side, sign) in [(0usize, 1i32), (1, -1)] {
        let k = sniff::sniff(f.half[side].contiguous()).kind;
        if client_ish(k) {
            score += 2 * sign;
        } else if server_ish(k) {
            score -= 2 * sign;
        }
    }
    let (p0, p1) = (f.addr[0].port(), f.addr[1].port());
    if p0 != p1 {
        score += if p0 > p1 { 1 } else { -1 };
    }
    usize::from(score < 0)
}

/// Judges a conversation that has ended (or is being reported as it stands). Without
/// `bytes`, the escaped first bytes of each side (`client_sent.bytes`,
/// `server_sent.bytes`, which only JSON shows) are left empty and not computed.
pub(crate) fn close(f: &Flow, bytes: bool) -> Done {
    let c = match f.client {
        Some(c) => c,
        None => infer_client(f),
    };
    let s = 1 - c;
    let side_name = |i: usize| if i == c { "client" } else { "server" };
    let client_bytes = f.half[c].contiguous();
    let server_bytes = f.half[s].contiguous();
    // The first FIN or RST, and whose.
    let mut first: Option<(u64, usize, &'static str)> = None;
    for side in [c, s] {
        for (t, how) in [(f.fin_ts[side], "fin"), (f.rst_ts[side], "rst")] {
            if let Some(t) = t
                && first.is_none_or(|(ft, _, _)| t < ft)
            {
                first = Some((t, side, how));
            }
        }
    }
    let refused = f.half[c].syn
        && !f.synack
        && f.rst_ts[s].is_some()
        && f.half[s].wire_bytes == 0
        && f.half[c].wire_bytes == 0;
    let client_gave_up = matches!(first, Some((_, side, _)) if side == c)
        && f.half[s].wire_bytes == 0
        && f.half[c].wire_bytes > 0;
    // The client sent PROXY header(s) and nothing else (a health check): cheap peel.
    let header_only = {
        let mut at = 0;
        while let Some(crate::proxy::Inspection::Complete(h)) = client_bytes
            .get(at..)
            .filter(|b| !b.is_empty())
            .map(crate::proxy::inspect)
        {
            at += h.length;
        }
        at > 0 && at >= client_bytes.len()
    };
    let server_ending = if refused {
        Ending::Refused
    } else if client_gave_up && !header_only {
        Ending::Timeout
    } else if f.rst_ts[s].is_some() && f.fin_ts[s].is_none_or(|fin| f.rst_ts[s] < Some(fin)) {
        // A reset after the server's own FIN answers late client bytes: the FIN is how
        // the server ended it.
        Ending::Reset
    } else if f.fin_ts[s].is_some() || client_gave_up {
        // A client that sent only a header (a health check) and closed: the server's
        // silence is expected, not a timeout.
        Ending::Closed
    } else {
        Ending::Open
    };
    let end = End {
        how: if refused {
            "refused"
        } else {
            first.map_or("open", |(_, _, how)| how)
        },
        by: first.map(|(_, side, _)| side_name(side)),
        server: server_ending,
    };
    let v = diagnose::judge(&Exchange {
        client: client_bytes,
        server: server_bytes,
        ending: server_ending,
    });
    let payload_bytes = &client_bytes[v.client.payload_offset.min(client_bytes.len())..];
    let client_sent = Sent {
        kind: v
            .client
            .payload
            .as_ref()
            .map(|p| kind_name(p.kind))
            .unwrap_or_else(|| "unknown".into()),
        summary: match v.client.payload.as_ref() {
            Some(p) if p.kind == Kind::Empty && !v.client.headers.is_empty() => {
                "nothing after the PROXY header".into()
            }
            Some(p) => p.summary.clone(),
            None => "hidden by the header problem".into(),
        },
        bytes: if bytes {
            escape_bytes_max(payload_bytes, 64)
        } else {
            String::new()
        },
        kept: client_bytes.len(),
        total: f.half[c].wire_end,
    };
    let server_sent = Sent {
        kind: kind_name(v.server.kind),
        summary: v.server.summary.clone(),
        bytes: if bytes {
            escape_bytes_max(server_bytes, 64)
        } else {
            String::new()
        },
        kept: server_bytes.len(),
        total: f.half[s].wire_end,
    };
    let mut t = timing(f.first_ts, f.last_ts);
    t.first_client_byte_ms = ms_opt(f.first_ts, f.first_data_ts[c]);
    t.first_server_byte_ms = ms_opt(f.first_ts, f.first_data_ts[s]);
    t.close_ms = ms_opt(f.first_ts, first.map(|x| x.0));
    let answered_after =
        f.first_data_ts[s].map(|ts| f.half[c].contiguous_before(ts, f.first_data_index[s]));
    t.server_answered_after_client_bytes = answered_after;
    let mut gaps = Vec::new();
    let mut overlaps = Vec::new();
    for side in [c, s] {
        let direction = side_name(side);
        gaps.extend(
            f.half[side]
                .gaps()
                .into_iter()
                .map(|gap| DirGap { direction, gap }),
        );
        if let Some(offset) = f.half[side].overlap_conflict {
            overlaps.push(DirOffset { direction, offset });
        }
    }
    let mut notes = Vec::new();
    let mut findings = v.findings;
    let mut outcome = v.outcome;
    let mut server_sent = server_sent;
    // The server's FIN proves bytes the capture does not hold: its reply is unknown,
    // never "no bytes" (which would read as a server waiting for a header).
    let lost = if server_bytes.is_empty() {
        f.half[s].wire_end
    } else {
        0
    };
    // The client's opening bytes missing from the capture: nothing about what the
    // server did with them can be judged.
    let client_lost = if client_bytes.is_empty() {
        f.half[c].wire_end
    } else {
        0
    };
    if client_lost > 0 {
        findings.retain(|x| is_client_side(x.code));
        notes.push(format!(
            "not-captured: the client sent {client_lost} bytes that the capture does not hold from their start (dropped by the kernel or outside the capture); the conversation cannot be judged. Record again with a larger buffer (`tcpdump -B 16384`) and a capture filter"
        ));
    }
    if lost > 0 {
        findings.retain(|x| is_client_side(x.code));
        outcome = Outcome::OtherBytes {
            summary: format!("{lost} bytes not captured"),
        };
        server_sent.summary =
            format!("{lost} bytes sent (its FIN's sequence number proves them) but not captured");
        notes.push(format!(
            "not-captured: the server sent {lost} bytes that the capture does not hold (dropped by the kernel or outside the capture); its reply cannot be judged. Record again with a larger buffer (`tcpdump -B 16384`) and a capture filter"
        ));
    }
    let header_len: usize = v.client.headers.iter().map(|h| h.length).sum();
    if let Some(had) = answered_after
        && !v.client.headers.is_empty()
        && had as usize <= header_len
        && client_bytes.len() > header_len
    {
        let line = format!(
            "the server answered after the {header_len}-byte PROXY header alone, before the first payload byte arrived: it read the header as its own protocol"
        );
        if let Some(fd) = findings
            .iter_mut()
            .find(|x| x.code == Code::ProxyHeaderNotExpected)
        {
            fd.evidence.push(line);
        } else {
            notes.push(line);
        }
    }
    // A header cut by the capture is a fact about the capture, not about the sender.
    let cut = client_bytes.len() as u32;
    if matches!(
        v.client.problem,
        Some(crate::opening::HeaderProblem::Incomplete { .. })
    ) && f.half[c].gaps().iter().any(|g| g.offset == cut)
    {
        findings.retain(|x| x.code != Code::ProxyHeaderIncomplete);
        notes.push(format!(
            "the PROXY header is cut at byte {cut} by a gap in the capture (see gaps): it cannot be judged; record with a larger snaplen (`tcpdump -s 0`)"
        ));
    }
    // The model asks how the server ended the exchange; a close that answers the
    // client's own FIN or RST is not the server's doing.
    let path_end = match first {
        Some((_, side, _)) if side == c && server_ending != Ending::Timeout => {
            crate::path::End::Open
        }
        _ => crate::path::End::from(server_ending),
    };
    let observed = crate::path::observe_analyzed(
        "",
        (&v.client, client_bytes),
        (&v.server, server_bytes),
        path_end,
        None,
    );
    // A server that closed before the whole header had arrived acted on part of it:
    // judge what it had, not what came after.
    if let Some(split) = split_header(f, c, s, &v.client.headers, server_bytes.is_empty()) {
        findings.retain(|x| is_client_side(x.code));
        findings.push(split);
    }
    // A failed conversation is never "no problem found".
    if lost == 0 && client_lost == 0 && !findings.iter().any(|x| x.severity > Severity::Info) {
        let o = &observed;
        if let Some(why) = super::failed::failure(o, server_ending) {
            let shown = escape_bytes_max(server_bytes, 64);
            findings.push(super::failed::finding(o, server_ending, why, &shown));
        }
    }
    if end.how == "open" {
        notes.push("still open when the capture ended (or went idle)".into());
    }
    if !overlaps.is_empty() {
        notes.push("overlapping segments carried different bytes; the first copy is kept (a middlebox rewrote data, or a capture artefact)".into());
    }
    if f.basis == DirectionBasis::Inferred {
        for fd in &mut findings {
            fd.evidence.push("caught mid-stream (no SYN): the first bytes seen may not be the first bytes sent; lower confidence".into());
        }
    }
    let header = v
        .client
        .headers
        .first()
        .and_then(|h| Some((h.source?, h.destination?)));
    // Payload linking needs bytes no other conversation sends: a ClientHello's 32 random
    // bytes. Identical HTTP requests from different clients must not be tied.
    let hello = v
        .client
        .payload
        .as_ref()
        .is_some_and(|p| p.kind == Kind::TlsClientHello);
    let payload = (hello && payload_bytes.len() >= 48).then(|| {
        let mut h = FxHasher::default();
        h.write(&payload_bytes[..payload_bytes.len().min(64)]);
        h.finish()
    });
    let mut headers = v.client.headers.into_iter();
    let report = FlowReport {
        id: f.id,
        transport: "tcp",
        client: f.addr[c].to_string(),
        server: f.addr[s].to_string(),
        direction: f.basis,
        confidence: if f.basis == DirectionBasis::Inferred {
            "low"
        } else {
            "high"
        },
        proxy: headers.next(),
        more_proxy_headers: headers.collect(),
        proxy_problem: v.client.problem,
        client_sent,
        server_sent: Some(server_sent),
        end: Some(end),
        outcome: Some(outcome),
        fingerprint: v.fingerprint,
        client_sees: v.client_sees,
        timing: t,
        packets: f.packets,
        gaps,
        retransmissions: f.half[0].retransmissions + f.half[1].retransmissions,
        overlap_conflicts: overlaps,
        linked: None,
        chain: Vec::new(),
        proxy_sources: Vec::new(),
        notes,
        findings,
        observed: (lost == 0 && client_lost == 0).then_some(observed),
    };
    Done {
        report: Box::new(report),
        client: f.addr[c],
        server: f.addr[s],
        header,
        payload,
        start: f.first_ts,
        end: f.last_ts,
    }
}

/// The finding for a server that closed or reset, without answering, when only part of
/// the first PROXY header had arrived (the rest came in a later segment).
fn split_header(
    f: &Flow,
    c: usize,
    s: usize,
    headers: &[crate::proxy::Header],
    unanswered: bool,
) -> Option<Finding> {
    let h = headers.first()?;
    let acted = [f.fin_ts[s], f.rst_ts[s]].into_iter().flatten().min()?;
    let had = f.half[c].contiguous_before(acted, 0) as usize;
    if !unanswered || had == 0 || had >= h.length {
        return None;
    }
    Some(
        Finding::new(
            Code::ProxyHeaderIncomplete,
            Severity::Error,
            format!(
                "the server closed after the first {had} bytes of the {}-byte PROXY v{} header, before the rest arrived in a later segment: it does not wait for a header split over segments",
                h.length,
                h.version.number()
            ),
        )
        .evidence("nginx before 1.25 logs `broken header` (or a false `header is too large`) for a header in two reads; HAProxy peeks once (`Truncated PROXY protocol header received`); dovecot: `Field for proxied local address is missing`")
        .fix("make the sender write the header in one segment with its first payload bytes (HAProxy and nginx stream do; a hand-written sender may not)")
        .fix("upgrade the receiver: nginx 1.25+ waits for the rest of the header"),
    )
}

/// Codes that judge the client's own bytes (they stand whatever the server did).
fn is_client_side(c: Code) -> bool {
    matches!(
        c,
        Code::ProxyHeaderMalformed
            | Code::ProxyHeaderIncomplete
            | Code::ProxyHeaderDuplicated
            | Code::ProxyCrcMismatch
            | Code::HealthCheckLocal
    )
}

/// The result of offering a finished conversation for linking.
pub enum Paired {
    /// Linked: (client leg, backend leg).
    Both(Box<Done>, Box<Done>),
    /// Waiting; these older ones had to leave the queue unlinked.
    Waiting(Vec<Done>),
}

/// Finished conversations waiting for their other leg.
#[derive(Debug, Default)]
pub struct Pending {
    items: FxMap<u64, Done>,
    order: VecDeque<(u64, u64)>,
    by_tuple: FxMap<(SocketAddr, SocketAddr), u64>,
    by_header: FxMap<(SocketAddr, SocketAddr), u64>,
    by_payload: FxMap<u64, u64>,
}

/// At most this many finished conversations wait for a partner.
const MAX_PENDING: usize = 1024;

impl Pending {
    /// How many wait.
    pub fn len(&self) -> usize {
        self.items.len()
    }

    /// Whether none wait.
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    fn take(&mut self, id: u64) -> Option<Done> {
        let d = self.items.remove(&id)?;
        let drop_if = |m: &mut FxMap<_, u64>, k| {
            if m.get(&k) == Some(&id) {
                m.remove(&k);
            }
        };
        drop_if(&mut self.by_tuple, (d.client, d.server));
        if let Some(h) = d.header {
            drop_if(&mut self.by_header, h);
        }
        if let Some(p) = d.payload
            && self.by_payload.get(&p) == Some(&id)
        {
            self.by_payload.remove(&p);
        }
        Some(d)
    }

    /// The pending leg that `d`'s header names (the leg before it in a chain).
    pub fn upstream_of(&mut self, d: &Done) -> Option<Done> {
        let id = *self.by_tuple.get(&d.header?)?;
        self.take(id)
    }

    /// The pending leg whose header names `d`'s endpoints (the leg after it).
    pub fn downstream_of(&mut self, d: &Done) -> Option<Done> {
        let id = *self.by_header.get(&(d.client, d.server))?;
        self.take(id)
    }

    /// Offers `d`: returns it with its partner, or queues it.
    pub fn pair(&mut self, d: Done) -> Paired {
        if let Some(h) = d.header
            && let Some(&id) = self.by_tuple.get(&h)
            && let Some(other) = self.take(id)
        {
            return Paired::Both(Box::new(other), Box::new(d));
        }
        if let Some(&id) = self.by_header.get(&(d.client, d.server))
            && let Some(other) = self.take(id)
        {
            return Paired::Both(Box::new(d), Box::new(other));
        }
        if let Some(p) = d.payload
            && let Some(&id) = self.by_payload.get(&p)
            && self.items.get(&id).is_some_and(|o| {
                (o.client, o.server) != (d.client, d.server) && o.start <= d.end && d.start <= o.end
            })
            && let Some(other) = self.take(id)
        {
            let d_is_backend = match (d.header.is_some(), other.header.is_some()) {
                (true, false) => true,
                (false, true) => false,
                _ => d.start > other.start,
            };
            return if d_is_backend {
                Paired::Both(Box::new(other), Box::new(d))
            } else {
                Paired::Both(Box::new(d), Box::new(other))
            };
        }
        let id = d.report.id;
        self.by_tuple.insert((d.client, d.server), id);
        if let Some(h) = d.header {
            self.by_header.insert(h, id);
        }
        if let Some(p) = d.payload {
            self.by_payload.insert(p, id);
        }
        self.order.push_back((d.end, id));
        self.items.insert(id, d);
        let mut out = Vec::new();
        while self.items.len() > MAX_PENDING {
            match self.order.pop_front() {
                Some((_, id)) => out.extend(self.take(id)),
                None => break,
            }
        }
        Paired::Waiting(out)
    }

    /// Those whose window has passed at capture time `now`, oldest first.
    pub fn expired(&mut self, now: u64, window: u64) -> Vec<Done> {
        let mut out = Vec::new();
        while let Some(&(end, id)) = self.order.front() {
            if !self.items.contains_key(&id) {
                self.order.pop_front();
                continue;
            }
            if now < end.saturating_add(window) {
                break;
            }
            self.order.pop_front();
            out.extend(self.take(id));
        }
        out
    }

    /// Everything still waiting, oldest first.
    pub fn drain(&mut self) -> Vec<Done> {
        let ids: Vec<u64> = self.order.drain(..).map(|(_, id)| id).collect();
        let mut out: Vec<Done> = ids.into_iter().filter_map(|id| self.take(id)).collect();
        let mut rest: Vec<Done> = self.items.drain().map(|(_, d)| d).collect();
        rest.sort_by_key(|d| d.report.id);
        out.extend(rest);
        out
    }
}

/// Codes that name a cause on the backend leg and explain what the client leg saw.
const ROOT: &[Code] = &[
    Code::ProxyHeaderNotExpected,
    Code::ProxyHeaderMissing,
    Code::ProxyVersionUnsupported,
    Code::ProxyHeaderMalformed,
    Code::ProxyHeaderIncomplete,
    Code::ProxyHeaderDuplicated,
    Code::ProxyCrcMismatch,
];

/// Codes on the client leg that are only symptoms of a backend-leg cause.
const SYMPTOMS: &[Code] = &[
    Code::TlsToPlaintextPort,
    Code::PlaintextToTlsPort,
    Code::ProxyHeaderMissing,
    Code::ProxyHeaderNotExpected,
    Code::TargetSilent,
    Code::ConnectionReset,
];

fn leg(r: &FlowReport) -> String {
    format!("#{} {} → {}", r.id, r.client, r.server)
}

/// Ties a client leg and a backend leg, carrying the backend's root cause to the client.
pub fn annotate(client: Done, backend: Done) -> (FlowReport, FlowReport) {
    let by = if backend
        .header
        .is_some_and(|h| h == (client.client, client.server))
    {
        "proxy-header-addresses"
    } else {
        "same-payload"
    };
    annotate_reports(*client.report, *backend.report, by)
}

/// Ties a chain of legs (client → balancer → ... → backend), each leg's header naming
/// the previous leg's endpoints: every leg is linked to the next, and the root cause
/// found nearest the backend travels up to the client.
pub fn annotate_chain(legs: Vec<Done>) -> Vec<FlowReport> {
    let chain: Vec<u64> = legs.iter().map(|d| d.report.id).collect();
    let mut reports: Vec<FlowReport> = legs.into_iter().map(|d| *d.report).collect();
    // From the backend up: each leg takes the root cause of the one after it.
    for i in (0..reports.len().saturating_sub(1)).rev() {
        let b = reports.remove(i + 1);
        let c = reports.remove(i);
        let (c, b) = annotate_reports(c, b, "proxy-header-addresses");
        reports.insert(i, c);
        reports.insert(i + 1, b);
    }
    if chain.len() > 2 {
        for r in &mut reports {
            r.chain = chain.clone();
        }
    }
    reports
}

fn annotate_reports(
    mut c: FlowReport,
    mut b: FlowReport,
    by: &'static str,
) -> (FlowReport, FlowReport) {
    // A middle leg keeps its link to the client side; its backend leg is in `chain`.
    if c.linked.is_none() {
        c.linked = Some(Link {
            flow: b.id,
            role: "client-leg",
            other: format!("{} → {}", b.client, b.server),
            by,
        });
    }
    b.linked = Some(Link {
        flow: c.id,
        role: "backend-leg",
        other: format!("{} → {}", c.client, c.server),
        by,
    });
    let client_saw = c
        .outcome
        .as_ref()
        .map(|o| o.label())
        .unwrap_or_else(|| "nothing".into());
    let root = b
        .findings
        .iter()
        .find(|f| ROOT.contains(&f.code) && f.severity >= Severity::Warning)
        .cloned();
    if let Some(root) = root {
        let symptoms: Vec<String> = c
            .findings
            .iter()
            .filter(|f| SYMPTOMS.contains(&f.code))
            .map(|f| format!("`{}`", f.code))
            .collect();
        c.findings.retain(|f| !SYMPTOMS.contains(&f.code));
        // Further down a chain the summary already names the leg it happened on.
        let summary = if root.summary.starts_with("on the backend leg (") {
            root.summary.clone()
        } else {
            format!("on the backend leg ({}): {}", leg(&b), root.summary)
        };
        let mut f = Finding::new(root.code, root.severity, summary);
        f.evidence.push(format!(
            "this client leg saw {client_saw}{}",
            if symptoms.is_empty() {
                String::new()
            } else {
                format!(", which alone reads as {}", symptoms.join(", "))
            }
        ));
        f.evidence.extend(
            root.evidence
                .iter()
                .filter(|e| !e.starts_with("this client leg saw"))
                .cloned(),
        );
        f.fixes = root.fixes.clone();
        c.findings.insert(0, f);
        crate::findings::sort_worst_first(&mut c.findings);
        if let Some(rf) = b.findings.iter_mut().find(|f| f.code == root.code) {
            rf.evidence.push(format!(
                "the client leg ({}) saw {client_saw}{}",
                leg(&c),
                if c.client_sees.is_empty() {
                    String::new()
                } else {
                    format!("; its TLS client prints {}", c.client_sees.join(" / "))
                }
            ));
        }
    }
    (c, b)
}
