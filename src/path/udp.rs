//! PROXY v2 over UDP, the sans-IO model shared by `probe --udp` and `decode`: the DNS
//! query sent by default, what came back for each datagram, and what the target expects
//! of PROXY v2 over UDP. `probe` fills one [`UdpResult`] per attempt from its own
//! sockets; `decode` fills them from the datagrams of captured conversations
//! ([`results_of`]) and attaches each finding to the conversations it concerns
//! ([`UdpJudgement::subjects`]).
//!
//! Rules: no I/O and no clock. PROXY v1 has no UDP form (the specification defines the
//! text header for TCP only), so the attempts are: no header, a v2 header, a v2 LOCAL
//! header, and a v2 header on the first datagram followed by one without (receivers
//! differ: dnsdist and PowerDNS Recursor read a header on every datagram; some tunnels
//! send it on the first only). A datagram that draws no reply says little by itself;
//! the comparison across attempts is what names a cause. RFC 1035 section 4.1 for the
//! DNS message format.

use super::expects::{Expects, HeaderChoice, Need, Protocol, Version};
use crate::findings::{Code, Finding, Severity};
use serde::Serialize;

/// A DNS query for `name` (class IN, type A, recursion desired) with this id.
pub fn dns_query(id: u16, name: &str) -> Vec<u8> {
    let mut q = Vec::with_capacity(17 + name.len());
    q.extend_from_slice(&id.to_be_bytes());
    q.extend_from_slice(&[0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0]);
    for label in name
        .trim_end_matches('.')
        .split('.')
        .filter(|l| !l.is_empty())
    {
        let l = &label.as_bytes()[..label.len().min(63)];
        q.push(l.len() as u8);
        q.extend_from_slice(l);
    }
    q.extend_from_slice(&[0, 0, 1, 0, 1]);
    q
}

/// A DNS response, as far as the probe reads it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct DnsReply {
    /// The message id.
    pub id: u16,
    /// The response code (0 NOERROR, 2 SERVFAIL, 3 NXDOMAIN, 5 REFUSED, ...).
    pub rcode: u8,
    /// Answer records.
    pub answers: u16,
}

/// Reads a DNS response (QR set); `None` for anything else.
pub fn dns_reply(b: &[u8]) -> Option<DnsReply> {
    let h = b.get(..12)?;
    if h[2] & 0x80 == 0 {
        return None;
    }
    Some(DnsReply {
        id: u16::from_be_bytes([h[0], h[1]]),
        rcode: h[3] & 0x0f,
        answers: u16::from_be_bytes([h[6], h[7]]),
    })
}

/// One attempt of `probe --udp`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum UdpAttempt {
    /// The payload alone.
    None,
    /// A v2 header (PROXY command, DGRAM) and the payload in one datagram.
    V2,
    /// A v2 LOCAL header and the payload.
    V2Local,
    /// A v2 header with the payload, then the payload alone on the same socket.
    V2ThenNone,
}

impl UdpAttempt {
    /// Every attempt, in display order.
    pub const ALL: [UdpAttempt; 4] = [
        UdpAttempt::None,
        UdpAttempt::V2,
        UdpAttempt::V2Local,
        UdpAttempt::V2ThenNone,
    ];

    /// `none`, `v2`, `v2-local`, `v2-then-none`.
    pub fn name(self) -> &'static str {
        match self {
            UdpAttempt::None => "none",
            UdpAttempt::V2 => "v2",
            UdpAttempt::V2Local => "v2-local",
            UdpAttempt::V2ThenNone => "v2-then-none",
        }
    }

    /// The header of the datagram that is judged (the second, without a header, for
    /// `v2-then-none`).
    pub fn header(self) -> HeaderChoice {
        match self {
            UdpAttempt::None | UdpAttempt::V2ThenNone => HeaderChoice::None,
            UdpAttempt::V2 => HeaderChoice::V2,
            UdpAttempt::V2Local => HeaderChoice::V2Local,
        }
    }
}

/// What came back for the judged datagram.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum UdpOutcome {
    /// A reply (for DNS payloads: a response with the query's id).
    Answered {
        /// Bytes.
        bytes: usize,
        /// The DNS response, when it is one.
        dns: Option<DnsReply>,
        /// The first bytes, escaped.
        first_bytes: String,
    },
    /// An ICMP port unreachable: nothing listens there.
    Refused,
    /// Nothing until the timeout.
    Silent,
    /// The datagram could not be sent.
    Failed {
        /// Why.
        error: String,
    },
}

impl UdpOutcome {
    /// A reply came back.
    pub fn answered(&self) -> bool {
        matches!(self, UdpOutcome::Answered { .. })
    }

    /// In words.
    pub fn label(&self) -> String {
        match self {
            UdpOutcome::Answered {
                bytes,
                dns: Some(d),
                ..
            } => format!(
                "DNS answer, rcode {}, {} record(s) ({bytes} bytes)",
                d.rcode, d.answers
            ),
            UdpOutcome::Answered { bytes, .. } => format!("a reply ({bytes} bytes)"),
            UdpOutcome::Refused => "ICMP port unreachable".into(),
            UdpOutcome::Silent => "no reply until the timeout".into(),
            UdpOutcome::Failed { error } => format!("not sent: {error}"),
        }
    }
}

/// One attempt's result.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct UdpResult {
    /// `none`, `v2`, ...
    pub name: &'static str,
    /// The attempt.
    pub attempt: UdpAttempt,
    /// Header bytes on the first datagram.
    pub header_bytes: usize,
    /// What came back for the judged datagram.
    pub outcome: UdpOutcome,
    /// For `v2-then-none`: what came back for the first datagram (with the header).
    pub first: Option<UdpOutcome>,
    /// Milliseconds.
    pub elapsed_ms: u64,
}

/// The inference for one UDP target.
#[derive(Debug, Clone, PartialEq)]
pub struct UdpInference {
    /// What it expects (`proxy_versions` is at most `["v2"]`).
    pub expects: Expects,
    /// One sentence.
    pub summary: String,
    /// Findings, worst first.
    pub findings: Vec<Finding>,
}

/// One datagram a client sent, as a capture shows it: the header it began with and
/// what came back for it.
#[derive(Debug, Clone, PartialEq)]
pub struct SeenDatagram {
    /// `None`, `V2`, `V2Local` (`V1`: a text header, which has no UDP form).
    pub header: HeaderChoice,
    /// Header bytes.
    pub header_bytes: usize,
    /// What came back (`Silent`: nothing in the capture).
    pub outcome: UdpOutcome,
}

/// How much an outcome says: a reply, then a refusal, then silence.
fn rank(o: &UdpOutcome) -> u8 {
    match o {
        UdpOutcome::Answered { .. } => 3,
        UdpOutcome::Refused => 2,
        UdpOutcome::Failed { .. } => 1,
        UdpOutcome::Silent => 0,
    }
}

/// Adds `r` to `into`: one result per attempt, the one that says most (a datagram of
/// that kind answered once is answered).
pub fn merge(into: &mut Vec<UdpResult>, r: UdpResult) {
    match into.iter_mut().find(|x| x.attempt == r.attempt) {
        Some(x) if rank(&r.outcome) > rank(&x.outcome) => *x = r,
        Some(_) => {}
        None => into.push(r),
    }
}

/// The attempts a captured conversation amounts to, in the probe's terms: datagrams
/// without a header (`none`; `v2-then-none` once a v2 header came earlier in the same
/// conversation), with a v2 header (`v2`) or a v2 LOCAL one (`v2-local`). v1 text
/// headers have no UDP form and count as none of them.
pub fn results_of(datagrams: &[SeenDatagram]) -> Vec<UdpResult> {
    let mut out = Vec::new();
    let mut header_before: Option<&UdpOutcome> = None;
    for d in datagrams {
        let attempt = match d.header {
            HeaderChoice::None if header_before.is_some() => UdpAttempt::V2ThenNone,
            HeaderChoice::None => UdpAttempt::None,
            HeaderChoice::V2 => UdpAttempt::V2,
            HeaderChoice::V2Local => UdpAttempt::V2Local,
            HeaderChoice::V1 => continue,
        };
        if d.header == HeaderChoice::V2 {
            header_before = Some(&d.outcome);
        }
        let r = UdpResult {
            name: attempt.name(),
            attempt,
            header_bytes: d.header_bytes,
            outcome: d.outcome.clone(),
            first: (attempt == UdpAttempt::V2ThenNone)
                .then(|| header_before.cloned())
                .flatten(),
            elapsed_ms: 0,
        };
        merge(&mut out, r);
    }
    out
}

fn find(r: &[UdpResult], a: UdpAttempt) -> Option<&UdpResult> {
    r.iter().find(|x| x.attempt == a)
}

const FIX_READ: &str = "make the server read PROXY v2 from the balancer: dnsdist `setProxyProtocolACL({\"<balancer CIDR>\"})`; PowerDNS Recursor `proxy-protocol-from=<balancer CIDR>`";
const FIX_NOT_REQUIRED: &str = "or let direct clients in: leave their addresses out of dnsdist's `setProxyProtocolACL` / the Recursor's `proxy-protocol-from` (from a listed source, a datagram without a header is dropped)";
const FIX_SEND: &str = "make the balancer put a PROXY v2 header at the start of every datagram (LoxiLB and other UDP balancers; nginx refuses `proxy_protocol` on `udp` listeners)";

/// What the target expects, from every attempt's outcome. `sends` is what the user
/// said the balancer sends (`--balancer-sends`).
pub fn infer(address: &str, results: &[UdpResult], sends: Option<HeaderChoice>) -> UdpInference {
    judge(address, results, sends).inference
}

/// The inference, and for each of its findings (same order) the attempts it concerns:
/// `decode` gives a finding to the conversations whose datagrams took part.
#[derive(Debug, Clone, PartialEq)]
pub struct UdpJudgement {
    /// The inference.
    pub inference: UdpInference,
    /// Per finding: the attempts whose datagrams it is about.
    pub subjects: Vec<&'static [UdpAttempt]>,
}

/// [`infer`], with the subject of each finding. (About 130 lines, longer than a screen:
/// the causes are read in order from the same few facts, one decision table that would
/// only scatter if split.)
pub fn judge(address: &str, results: &[UdpResult], sends: Option<HeaderChoice>) -> UdpJudgement {
    let ok = |a| find(results, a).is_some_and(|r| r.outcome.answered());
    let tried = |a| find(results, a).is_some();
    let dns = results
        .iter()
        .any(|r| matches!(&r.outcome, UdpOutcome::Answered { dns: Some(_), .. }));
    let (none, v2) = (ok(UdpAttempt::None), ok(UdpAttempt::V2));
    let proxy = match (none, v2) {
        (true, true) => Need::Optional,
        (true, false) if tried(UdpAttempt::V2) => Need::Forbidden,
        (false, true) if tried(UdpAttempt::None) => Need::Required,
        _ => Need::Unknown,
    };
    let expects = Expects {
        proxy,
        proxy_versions: if v2 { vec![Version::V2] } else { Vec::new() },
        protocol: if dns {
            Protocol::Dns
        } else if none || v2 {
            Protocol::Udp
        } else {
            Protocol::Unknown
        },
    };
    let mut findings = Vec::new();
    let evidence = |f: Finding, a: UdpAttempt| match find(results, a) {
        Some(r) => f.evidence(format!("attempt {}: {}", r.name, r.outcome.label())),
        None => f,
    };
    let severity = |h| {
        if sends == Some(h) {
            Severity::Error
        } else {
            Severity::Info
        }
    };
    match proxy {
        Need::Forbidden => {
            let sev = severity(HeaderChoice::V2);
            let what = "the server does not answer datagrams that start with a PROXY v2 header";
            let f = Finding::new(
                Code::ProxyHeaderNotExpected,
                sev,
                if sev == Severity::Error {
                    what.to_string()
                } else {
                    format!("if a balancer sends a v2 header: {what}")
                },
            );
            findings.push((
                evidence(evidence(f, UdpAttempt::V2), UdpAttempt::None).fix(FIX_READ),
                &[UdpAttempt::V2][..],
            ));
        }
        Need::Required => {
            let sev = severity(HeaderChoice::None);
            let f = Finding::new(
                Code::ProxyHeaderMissing,
                sev,
                "the server answers only datagrams that start with a PROXY v2 header: direct queries (health checks, clients inside the network) get nothing",
            );
            findings.push((
                evidence(evidence(f, UdpAttempt::None), UdpAttempt::V2)
                    .fix(FIX_SEND)
                    .fix(FIX_NOT_REQUIRED),
                &[UdpAttempt::None][..],
            ));
        }
        _ => {}
    }
    if v2 && tried(UdpAttempt::V2ThenNone) {
        let later = ok(UdpAttempt::V2ThenNone);
        let f = Finding::new(
            Code::ProxyHeaderMissing,
            Severity::Info,
            if later {
                "the server read the header on the first datagram and answered a later one without it: a balancer may send the header once per flow"
            } else {
                "the server needs the header on every datagram: a balancer that sends it on the first datagram of a flow only (frp) loses every later one"
            },
        );
        findings.push((
            evidence(f, UdpAttempt::V2ThenNone),
            &[UdpAttempt::V2ThenNone][..],
        ));
    }
    if v2 && tried(UdpAttempt::V2Local) && !ok(UdpAttempt::V2Local) {
        let f = Finding::new(
            Code::HealthCheckLocal,
            Severity::Warning,
            "the server answers v2 headers but not v2 LOCAL ones: health checks that send LOCAL fail",
        );
        findings.push((
            evidence(f, UdpAttempt::V2Local).fix("let the server accept LOCAL (the spec requires it: the datagram's own addresses apply)"),
            &[UdpAttempt::V2Local][..],
        ));
    }
    if !none && !v2 {
        if results.iter().all(|r| r.outcome == UdpOutcome::Refused) {
            findings.push((
                Finding::new(Code::ConnectionRefused, Severity::Error, "every datagram drew an ICMP port unreachable: nothing listens on that UDP port")
                    .fix("check the address and port, and that the service listens on UDP"),
                &UdpAttempt::ALL[..],
            ));
        } else {
            findings.push((
                Finding::new(Code::TargetSilent, Severity::Error, "no datagram got a reply, with or without a PROXY v2 header")
                    .evidence("fits a service that is down, a firewall that drops UDP, a payload the service does not answer (`--data`), or a PROXY reader that refuses this source whatever it sends")
                    .fix("check the service and the path; give the payload the service answers with `--data`"),
                &UdpAttempt::ALL[..],
            ));
        }
    }
    // Worst first, stable (as `findings::sort_worst_first`), subjects alongside.
    findings.sort_by_key(|(f, _)| std::cmp::Reverse(f.severity));
    let (findings, subjects) = findings.into_iter().unzip();
    let proto = if dns { "DNS over UDP" } else { "UDP" };
    let summary = match proxy {
        Need::Required => format!("{address} answers {proto} only after a PROXY v2 header"),
        Need::Optional => format!("{address} answers {proto} with or without a PROXY v2 header"),
        Need::Forbidden => {
            format!("{address} answers {proto} and drops datagrams that carry a PROXY v2 header")
        }
        _ => format!("cannot tell what {address} expects over UDP: no datagram got a reply"),
    };
    UdpJudgement {
        inference: UdpInference {
            expects,
            summary,
            findings,
        },
        subjects,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn r(a: UdpAttempt, answered: bool) -> UdpResult {
        UdpResult {
            name: a.name(),
            attempt: a,
            header_bytes: 0,
            outcome: if answered {
                UdpOutcome::Answered {
                    bytes: 43,
                    dns: dns_reply(&[0x12, 0x34, 0x81, 0x80, 0, 1, 0, 1, 0, 0, 0, 0]),
                    first_bytes: String::new(),
                }
            } else {
                UdpOutcome::Silent
            },
            first: None,
            elapsed_ms: 1,
        }
    }

    #[test]
    fn a_capture_reads_as_the_probes_attempts() {
        let seen = |header, answered| SeenDatagram {
            header,
            header_bytes: 0,
            outcome: r(UdpAttempt::None, answered).outcome,
        };
        let got = results_of(&[
            seen(HeaderChoice::V2, true),
            seen(HeaderChoice::None, false),
            seen(HeaderChoice::V1, true),
            seen(HeaderChoice::V2, false),
        ]);
        let names: Vec<_> = got.iter().map(|r| (r.name, r.outcome.answered())).collect();
        // One result per attempt, the most telling kept; v1 has no UDP form.
        assert_eq!(names, [("v2", true), ("v2-then-none", false)]);
        assert!(got[1].first.as_ref().is_some_and(UdpOutcome::answered));
        let j = judge(
            "t",
            &[r(UdpAttempt::None, true), r(UdpAttempt::V2, false)],
            None,
        );
        assert_eq!(j.subjects, [&[UdpAttempt::V2][..]]);
    }

    #[test]
    fn the_query_is_a_dns_question() {
        let q = dns_query(0x1234, "localhost.");
        assert_eq!(
            q,
            b"\x12\x34\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00\x09localhost\x00\x00\x01\x00\x01"
        );
        assert!(dns_reply(&q).is_none(), "a query is not a reply");
    }

    #[test]
    fn required_forbidden_optional() {
        use UdpAttempt::*;
        let i = infer(
            "t",
            &[
                r(None, false),
                r(V2, true),
                r(V2Local, true),
                r(V2ThenNone, false),
            ],
            Option::None,
        );
        assert_eq!(
            (i.expects.proxy.name(), i.expects.protocol.name()),
            ("required", "dns")
        );
        assert!(
            i.findings
                .iter()
                .any(|f| f.summary.contains("every datagram"))
        );
        let i = infer("t", &[r(None, true), r(V2, false)], Some(HeaderChoice::V2));
        assert_eq!(i.expects.proxy.name(), "forbidden");
        assert_eq!(i.findings[0].severity, Severity::Error);
        let i = infer("t", &[r(None, true), r(V2, true)], Option::None);
        assert_eq!(i.expects.proxy.name(), "optional");
        let i = infer("t", &[r(None, false), r(V2, false)], Option::None);
        assert_eq!(i.findings[0].code, Code::TargetSilent);
    }
}
