//! Judging one TCP conversation once it has ended (sans-IO): which side is the client,
//! how the server ended it, what each side sent, what the capture cannot show, and the
//! shared judge's verdict ([`crate::diagnose::judge`]) read through the path model.
//! Linking the legs of a proxied connection is done afterwards, in `link.rs`.

use super::flow::Flow;
use super::hash::FxHasher;
use super::report::{
    Address, Confidence, DirGap, DirOffset, DirectionBasis, End, FlowReport, How, Proto, Sent,
    Timing, ms_opt, timing,
};
use crate::diagnose::{self, Ending, Exchange, Outcome};
use crate::escape::escape_bytes_max;
use crate::findings::{Code, Finding, Severity};
use crate::sniff::{self, Kind};
use std::hash::Hasher;
use std::net::SocketAddr;

/// A judged conversation waiting for its other leg.
#[derive(Debug)]
pub struct Done {
    /// The report as this leg alone supports it (boxed: a `Done` moves through the
    /// link queue, the report stays put).
    pub report: Box<FlowReport>,
    pub(super) client: SocketAddr,
    pub(super) server: SocketAddr,
    pub(super) header: Option<(SocketAddr, SocketAddr)>,
    pub(super) payload: Option<u64>,
    pub(super) start: u64,
    pub(super) end: u64,
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
        let k = sniff::sniff_lean(f.half[side].contiguous()).kind;
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
    let c = f.client.unwrap_or_else(|| infer_client(f));
    let sides = Sides { f, c, s: 1 - c };
    let ends = sides.ends();
    let mut v = diagnose::judge_lean(&Exchange {
        client: sides.client_bytes(),
        server: sides.server_bytes(),
        ending: ends.server,
    });
    let payload_bytes =
        &sides.client_bytes()[v.client.payload_offset.min(sides.client_bytes().len())..];
    let client_sent = sides.client_sent(&mut v, payload_bytes, bytes);
    let server_sent = sides.server_sent(&mut v, bytes);
    let (gaps, overlaps) = sides.gaps_and_overlaps();
    let answered_after = sides.answered_after();
    let mut j = Judged {
        findings: v.findings,
        outcome: v.outcome,
        server_sent,
        notes: Vec::new(),
    };
    let lost = sides.not_captured(&mut j);
    j.header_alone_answered(
        &v.client.headers,
        answered_after,
        sides.client_bytes().len(),
    );
    sides.header_cut_by_gap(&v.client, &mut j);
    let observed = sides.observe(&v.client, &v.server, &ends);
    // A server that closed before the whole header had arrived acted on part of it:
    // judge what it had, not what came after.
    let unanswered = sides.server_bytes().is_empty();
    if let Some(split) = split_header(f, sides.c, sides.s, &v.client.headers, unanswered) {
        j.findings.retain(|x| is_client_side(x.code));
        j.findings.push(split);
    }
    if !lost {
        j.never_unexplained(&observed, ends.server, sides.server_bytes());
    }
    j.closing_notes(f, &ends.end, !overlaps.is_empty());
    let t = sides.timing(&ends, answered_after);
    let header = v
        .client
        .headers
        .first()
        .and_then(|h| Some((h.source?, h.destination?)));
    let payload = payload_key(&v.client, payload_bytes);
    let mut headers = v.client.headers.into_iter();
    let report = FlowReport {
        id: f.id,
        transport: Proto::Tcp,
        client: Address(f.addr[sides.c]),
        server: Address(f.addr[sides.s]),
        direction: f.basis,
        confidence: if f.basis == DirectionBasis::Inferred {
            Confidence::Low
        } else {
            Confidence::High
        },
        proxy: headers.next(),
        more_proxy_headers: headers.collect(),
        proxy_problem: v.client.problem,
        client_sent,
        server_sent: Some(j.server_sent),
        end: Some(ends.end),
        outcome: Some(j.outcome),
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
        notes: j.notes,
        findings: j.findings,
        observed: (!lost).then_some(observed),
    };
    Done {
        report: Box::new(report),
        client: f.addr[sides.c],
        server: f.addr[sides.s],
        header,
        payload,
        start: f.first_ts,
        end: f.last_ts,
    }
}

/// A conversation with its client side settled.
struct Sides<'a> {
    f: &'a Flow,
    c: usize,
    s: usize,
}

/// How the conversation ended: the first FIN or RST (time, side, which), the
/// server's ending as the judge reads it, and the report's `end`.
struct Ends {
    first: Option<(u64, usize, How)>,
    server: Ending,
    end: End,
}

/// The verdict while the capture's limits are applied to it.
struct Judged {
    findings: Vec<Finding>,
    outcome: Outcome,
    server_sent: Sent,
    notes: Vec<String>,
}

impl<'a> Sides<'a> {
    fn client_bytes(&self) -> &'a [u8] {
        self.f.half[self.c].contiguous()
    }

    fn server_bytes(&self) -> &'a [u8] {
        self.f.half[self.s].contiguous()
    }

    fn name(&self, side: usize) -> &'static str {
        if side == self.c { "client" } else { "server" }
    }

    /// The first FIN or RST, and how the server's side ended.
    fn ends(&self) -> Ends {
        let (f, c, s) = (self.f, self.c, self.s);
        let mut first: Option<(u64, usize, How)> = None;
        for side in [c, s] {
            for (t, how) in [(f.fin_ts[side], How::Fin), (f.rst_ts[side], How::Rst)] {
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
        let server = if refused {
            Ending::Refused
        } else if client_gave_up && !header_only(self.client_bytes()) {
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
                How::Refused
            } else {
                first.map_or(How::Open, |(_, _, how)| how)
            },
            by: first.map(|(_, side, _)| self.name(side)),
            server,
        };
        Ends { first, server, end }
    }

    /// What the client sent; the sniffed summary is moved out of `v` (nothing reads it
    /// there after this).
    fn client_sent(&self, v: &mut diagnose::Verdict, payload_bytes: &[u8], bytes: bool) -> Sent {
        Sent {
            kind: v
                .client
                .payload
                .as_ref()
                .map_or("unknown", |p| p.kind.name()),
            summary: match v.client.payload.as_mut() {
                Some(p) if p.kind == Kind::Empty && !v.client.headers.is_empty() => {
                    "nothing after the PROXY header".into()
                }
                Some(p) => std::mem::take(&mut p.summary),
                None => "hidden by the header problem".into(),
            },
            bytes: if bytes {
                escape_bytes_max(payload_bytes, 64)
            } else {
                String::new()
            },
            kept: self.client_bytes().len(),
            total: self.f.half[self.c].wire_end,
        }
    }

    /// What the server sent; the sniffed summary is moved out of `v`.
    fn server_sent(&self, v: &mut diagnose::Verdict, bytes: bool) -> Sent {
        Sent {
            kind: v.server.kind.name(),
            summary: std::mem::take(&mut v.server.summary),
            bytes: if bytes {
                escape_bytes_max(self.server_bytes(), 64)
            } else {
                String::new()
            },
            kept: self.server_bytes().len(),
            total: self.f.half[self.s].wire_end,
        }
    }

    /// How many of the client's bytes had arrived when the server's first byte did.
    fn answered_after(&self) -> Option<u32> {
        let f = self.f;
        f.first_data_ts[self.s]
            .map(|ts| f.half[self.c].contiguous_before(ts, f.first_data_index[self.s]))
    }

    fn timing(&self, ends: &Ends, answered_after: Option<u32>) -> Timing {
        let f = self.f;
        let mut t = timing(f.first_ts, f.last_ts);
        t.first_client_byte_ms = ms_opt(f.first_ts, f.first_data_ts[self.c]);
        t.first_server_byte_ms = ms_opt(f.first_ts, f.first_data_ts[self.s]);
        t.close_ms = ms_opt(f.first_ts, ends.first.map(|x| x.0));
        t.server_answered_after_client_bytes = answered_after;
        t
    }

    fn gaps_and_overlaps(&self) -> (Vec<DirGap>, Vec<DirOffset>) {
        let mut gaps = Vec::new();
        let mut overlaps = Vec::new();
        for side in [self.c, self.s] {
            let direction = self.name(side);
            let half = &self.f.half[side];
            gaps.extend(half.gaps().into_iter().map(|gap| DirGap { direction, gap }));
            if let Some(offset) = half.overlap_conflict {
                overlaps.push(DirOffset { direction, offset });
            }
        }
        (gaps, overlaps)
    }

    /// Bytes that a FIN's or an ACK's sequence number proves were sent but the capture
    /// does not hold: what depends on them is not judged. True when any are missing.
    fn not_captured(&self, j: &mut Judged) -> bool {
        // The server's FIN proves bytes the capture does not hold: its reply is unknown,
        // never "no bytes" (which would read as a server waiting for a header).
        let lost = if self.server_bytes().is_empty() {
            self.f.half[self.s].wire_end
        } else {
            0
        };
        // The client's opening bytes missing from the capture: nothing about what the
        // server did with them can be judged.
        let client_lost = if self.client_bytes().is_empty() {
            self.f.half[self.c].wire_end
        } else {
            0
        };
        if client_lost > 0 {
            j.findings.retain(|x| is_client_side(x.code));
            j.notes.push(format!(
                "not-captured: the client sent {client_lost} bytes that the capture does not hold from their start (dropped by the kernel or outside the capture); the conversation cannot be judged. Record again with a larger buffer (`tcpdump -B 16384`) and a capture filter"
            ));
        }
        if lost > 0 {
            j.findings.retain(|x| is_client_side(x.code));
            j.outcome = Outcome::OtherBytes {
                summary: format!("{lost} bytes not captured"),
            };
            j.server_sent.summary = format!(
                "{lost} bytes sent (its FIN's sequence number proves them) but not captured"
            );
            j.notes.push(format!(
                "not-captured: the server sent {lost} bytes that the capture does not hold (dropped by the kernel or outside the capture); its reply cannot be judged. Record again with a larger buffer (`tcpdump -B 16384`) and a capture filter"
            ));
        }
        lost > 0 || client_lost > 0
    }

    /// A header cut by the capture is a fact about the capture, not about the sender.
    fn header_cut_by_gap(&self, client: &crate::opening::Opening, j: &mut Judged) {
        let cut = self.client_bytes().len() as u32;
        if matches!(
            client.problem,
            Some(crate::opening::HeaderProblem::Incomplete { .. })
        ) && self.f.half[self.c].gaps().iter().any(|g| g.offset == cut)
        {
            j.findings.retain(|x| x.code != Code::ProxyHeaderIncomplete);
            j.notes.push(format!(
                "the PROXY header is cut at byte {cut} by a gap in the capture (see gaps): it cannot be judged; record with a larger snaplen (`tcpdump -s 0`)"
            ));
        }
    }

    /// The exchange in the path model's terms. The model asks how the server ended the
    /// exchange; a close that answers the client's own FIN or RST is not the server's
    /// doing.
    fn observe(
        &self,
        client: &crate::opening::Opening,
        server: &sniff::Sniffed,
        ends: &Ends,
    ) -> crate::path::Observation {
        let path_end = match ends.first {
            Some((_, side, _)) if side == self.c && ends.server != Ending::Timeout => {
                crate::path::End::Open
            }
            _ => crate::path::End::from(ends.server),
        };
        crate::path::observe_analyzed(
            "",
            (client, self.client_bytes()),
            (server, self.server_bytes()),
            path_end,
            None,
        )
    }
}

impl Judged {
    /// A failed conversation is never "no problem found".
    fn never_unexplained(&mut self, o: &crate::path::Observation, server: Ending, reply: &[u8]) {
        if self.findings.iter().any(|x| x.severity > Severity::Info) {
            return;
        }
        if let Some(why) = super::failed::failure(o, server) {
            let shown = escape_bytes_max(reply, 64);
            self.findings
                .push(super::failed::finding(o, server, why, &shown));
        }
    }

    /// The server answered the header alone, before any payload byte arrived.
    fn header_alone_answered(
        &mut self,
        headers: &[crate::proxy::Header],
        answered_after: Option<u32>,
        client_len: usize,
    ) {
        let header_len: usize = headers.iter().map(|h| h.length).sum();
        let Some(had) = answered_after else { return };
        if headers.is_empty() || had as usize > header_len || client_len <= header_len {
            return;
        }
        let line = [
            "the server answered after the ",
            &header_len.to_string(),
            "-byte PROXY header alone, before the first payload byte arrived: it read the header as its own protocol",
        ]
        .concat();
        match self
            .findings
            .iter_mut()
            .find(|x| x.code == Code::ProxyHeaderNotExpected)
        {
            Some(fd) => fd.evidence.push(line.into()),
            None => self.notes.push(line),
        }
    }

    /// Notes on how the conversation stands, and the lower confidence of one caught
    /// mid-stream.
    fn closing_notes(&mut self, f: &Flow, end: &End, overlaps: bool) {
        if end.how == How::Open {
            self.notes
                .push("still open when the capture ended (or went idle)".into());
        }
        if overlaps {
            self.notes.push("overlapping segments carried different bytes; the first copy is kept (a middlebox rewrote data, or a capture artefact)".into());
        }
        if f.basis == DirectionBasis::Inferred {
            for fd in &mut self.findings {
                fd.evidence.push("caught mid-stream (no SYN): the first bytes seen may not be the first bytes sent; lower confidence".into());
            }
        }
    }
}

/// The client sent PROXY header(s) and nothing else (a health check): cheap peel.
fn header_only(client_bytes: &[u8]) -> bool {
    let mut at = 0;
    while let Some(crate::proxy::Inspection::Complete(h)) = client_bytes
        .get(at..)
        .filter(|b| !b.is_empty())
        .map(crate::proxy::inspect)
    {
        at += h.length;
    }
    at > 0 && at >= client_bytes.len()
}

/// Payload linking needs bytes no other conversation sends: a ClientHello's 32 random
/// bytes. Identical HTTP requests from different clients must not be tied.
fn payload_key(client: &crate::opening::Opening, payload_bytes: &[u8]) -> Option<u64> {
    let hello = client
        .payload
        .as_ref()
        .is_some_and(|p| p.kind == Kind::TlsClientHello);
    (hello && payload_bytes.len() >= 48).then(|| {
        let mut h = FxHasher::default();
        h.write(&payload_bytes[..payload_bytes.len().min(64)]);
        h.finish()
    })
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
