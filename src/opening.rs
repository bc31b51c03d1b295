//! A direction's opening bytes (sans-IO): PROXY header(s), then the payload, then the
//! findings that the bytes alone support.
//!
//! [`analyze`] peels PROXY headers off the front (more than one is itself a finding:
//! two balancers each adding one), stops at a malformed or incomplete header, and
//! sniffs what follows. Serve, probe and decode add what they know about the peer
//! (did the server answer 400? did it close?) on top of this; `inspect` shows it alone.

use crate::escape::escape_bytes_max;
use crate::findings::{Code, Finding, Severity};
use crate::proxy::{self, Command, Header, Inspection, Malformed, Version};
use crate::sniff::{self, Sniffed};
use serde::Serialize;

/// At most this many stacked headers are peeled (more is noise, not information).
const MAX_HEADERS: usize = 4;

/// Why the header run stopped before the payload.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "state", rename_all = "kebab-case")]
pub enum HeaderProblem {
    /// A header breaks the spec; `malformed.offset` is absolute.
    Malformed {
        /// The rule broken.
        #[serde(flatten)]
        malformed: Malformed,
    },
    /// The bytes end inside a header.
    Incomplete {
        /// Which version.
        version: Version,
        /// Where the header starts.
        offset: usize,
        /// At least this many more bytes are needed.
        at_least: usize,
        /// Whether `at_least` is exact.
        exact: bool,
    },
}

/// What the opening bytes of one direction hold.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Opening {
    /// Complete headers, in order (normally zero or one).
    pub headers: Vec<Header>,
    /// Why the headers stopped, when they did not end cleanly.
    pub problem: Option<HeaderProblem>,
    /// Offset where the payload (what follows the headers) begins.
    pub payload_offset: usize,
    /// What the payload looks like (`None` when a header problem hides it).
    pub payload: Option<Sniffed>,
    /// The first bytes of the payload (at most 32), for evidence.
    #[serde(skip)]
    pub payload_bytes_prefix: Vec<u8>,
    /// Plain-language readings of the bytes that are not findings.
    pub notes: Vec<String>,
    /// What is wrong, judged from these bytes alone.
    pub findings: Vec<Finding>,
}

/// Analyzes the opening bytes of one direction.
pub fn analyze(bytes: &[u8]) -> Opening {
    let mut o = analyze_lean(bytes);
    if let Some(p) = &mut o.payload {
        p.tls_client_view = sniff::tls_client_view(&bytes[o.payload_offset..]);
    }
    o.notes = notes(&o);
    o
}

/// [`analyze`] without what only a reader of this one opening is shown: the payload's
/// `tls_client_view` and the `notes` are left empty (decode's per-conversation judge
/// shows neither).
pub fn analyze_lean(bytes: &[u8]) -> Opening {
    let mut headers: Vec<Header> = Vec::new();
    let mut offset = 0;
    let mut problem = None;
    while headers.len() < MAX_HEADERS && offset < bytes.len() {
        match proxy::inspect(&bytes[offset..]) {
            Inspection::Complete(h) => {
                offset += h.length;
                // Room for the one header an opening almost always has, made once
                // (growing an empty vector makes room for four, about 700 bytes).
                if headers.capacity() == 0 {
                    headers = Vec::with_capacity(1);
                }
                headers.push(h);
            }
            Inspection::Incomplete {
                version,
                at_least,
                exact,
            } => {
                problem = Some(HeaderProblem::Incomplete {
                    version,
                    offset,
                    at_least,
                    exact,
                });
                break;
            }
            Inspection::Malformed(mut m) => {
                m.offset += offset;
                problem = Some(HeaderProblem::Malformed { malformed: m });
                break;
            }
            Inspection::NotProxy => break,
        }
    }
    let payload = match problem {
        None => Some(sniff::sniff_lean(&bytes[offset..])),
        Some(_) => None,
    };
    let mut opening = Opening {
        headers,
        problem,
        payload_offset: offset,
        payload,
        payload_bytes_prefix: bytes[offset.min(bytes.len())..]
            [..(bytes.len() - offset.min(bytes.len())).min(32)]
            .to_vec(),
        notes: Vec::new(),
        findings: Vec::new(),
    };
    judge(&mut opening, bytes);
    opening
}

fn judge(o: &mut Opening, bytes: &[u8]) {
    let mut findings = Vec::new();
    let mut start = 0;
    for h in &o.headers {
        header_findings(h, start, &mut findings);
        start += h.length;
    }
    if o.headers.len() > 1 {
        findings.push(duplicated(&o.headers));
    }
    match &o.problem {
        Some(HeaderProblem::Malformed { malformed }) => {
            findings.push(malformed_finding(malformed, bytes))
        }
        Some(HeaderProblem::Incomplete {
            version,
            offset,
            at_least,
            exact,
        }) => findings.push(incomplete(*version, *offset, *at_least, *exact)),
        None => {}
    }
    o.findings = findings;
}

/// What one parsed header says by itself (at byte `start` of the opening): lenient
/// forms, a wrong CRC32C, a LOCAL health check.
fn header_findings(h: &Header, start: usize, findings: &mut Vec<Finding>) {
    for w in &h.warnings {
        findings.push(
            Finding::new(
                Code::ProxyHeaderMalformed,
                Severity::Warning,
                w.message.clone(),
            )
            .at(start + w.offset)
            .evidence(format!("accepted by {}", w.accepted_by))
            .evidence(format!("rejected by {}", w.rejected_by))
            .fix("make the sender emit the canonical form (`ppdiag send --hex` shows it)"),
        );
    }
    if h.crc32c_ok == Some(false) {
        let tlv = h.tlvs.iter().find(|t| t.kind == crate::proxy::kind::CRC32C);
        findings.push(
            Finding::new(
                Code::ProxyCrcMismatch,
                Severity::Error,
                "the CRC32C TLV does not match the header: HAProxy refuses it as an invalid PROXY header",
            )
            .at(start + tlv.map_or(0, |t| t.offset))
            .evidence(format!("CRC32C {}", tlv.map(|t| t.value.display()).unwrap_or_default()))
            .fix("something between the balancer and here rewrote the header, or the sender computes the CRC over the wrong bytes (Castagnoli, whole header, CRC field zeroed)"),
        );
    }
    if h.command == Command::Local {
        findings.push(
            Finding::new(
                Code::HealthCheckLocal,
                Severity::Info,
                "a v2 LOCAL header: a load balancer health check (receivers use the real connection addresses)",
            )
            .at(start)
            // Joined, not `format!`ted: health checks are a capture's most common kind.
            .evidence(
                [
                    "byte 13 = 0x",
                    &crate::escape::hex_compact(&[h.family_byte.unwrap_or(0)]),
                    ", ",
                    &h.tlvs.len().to_string(),
                    " TLV(s), ",
                    &h.length.to_string(),
                    " bytes",
                ]
                .concat(),
            ),
        );
    }
}

/// Two or more headers in a row: a receiver reads the second as data.
fn duplicated(headers: &[Header]) -> Finding {
    let second = headers[0].length;
    Finding::new(
        Code::ProxyHeaderDuplicated,
        Severity::Error,
        format!(
            "{} PROXY headers in a row: a receiver parses the first and reads the second (v{} at byte {second}) as application data",
            headers.len(),
            headers[1].version.number()
        ),
    )
    .at(second)
    .evidence(format!(
        "first: v{} {}; second: v{} {}",
        headers[0].version.number(),
        addresses(&headers[0]),
        headers[1].version.number(),
        addresses(&headers[1])
    ))
    .fix("only one hop may add the header: turn off send-proxy on the inner balancer, or have it accept the outer header (accept-proxy) and send its own")
    .fix("nginx stream: `proxy_protocol on` in front of a balancer that also sends one stacks two headers")
}

/// A header that breaks a rule of the spec.
fn malformed_finding(m: &Malformed, bytes: &[u8]) -> Finding {
    let from = m.offset.saturating_sub(8);
    let to = (m.offset + 8).min(bytes.len());
    Finding::new(Code::ProxyHeaderMalformed, Severity::Error, m.message.clone())
        .at(m.offset)
        .evidence(format!("rule {}", m.rule))
        .evidence(match m.accepted_by {
            Some(who) => format!("accepted all the same by {who}, with a wrong or missing value; strict receivers such as go-proxyproto (Traefik) refuse it"),
            None => "refused by nginx 1.22 and HAProxy 2.6 alike".to_string(),
        })
        .evidence(format!(
            "bytes {from}..{to}: \"{}\"",
            escape_bytes_max(bytes.get(from..to).unwrap_or_default(), 16)
        ))
        .fix(match m.version {
            Version::V1 => "the sender writes a broken v1 line: compare with `ppdiag send --proxy v1 --hex`",
            Version::V2 => "the sender writes a broken v2 header: compare with `ppdiag send --proxy v2 --hex`",
        })
}

/// The bytes end inside a header.
fn incomplete(version: Version, offset: usize, at_least: usize, exact: bool) -> Finding {
    let need = if exact {
        format!("{at_least} more bytes")
    } else {
        format!("at least {at_least} more bytes")
    };
    Finding::new(
        Code::ProxyHeaderIncomplete,
        Severity::Warning,
        format!("the bytes end inside a PROXY v{} header that starts at byte {offset}: it needs {need}", version.number()),
    )
    .at(offset)
    .evidence("a receiver that gets only this much waits for the rest (nginx, go-proxyproto: until their header timeout) or fails at once (HAProxy: `Truncated PROXY protocol header received`)")
    .fix("if these bytes came from a log, the log may have cut them (nginx logs at most a few dozen bytes of a broken header); capture the connection with `tcpdump -w` and run `ppdiag decode`")
}

/// The finding for bytes that reached a receiver which requires a PROXY header, when
/// they carry none (`receiver` names it, e.g. "nginx (`listen ... proxy_protocol`)").
/// `None` when the opening does start with a header.
pub fn missing_header(o: &Opening, receiver: &str) -> Option<Finding> {
    use crate::sniff::Kind;
    if !o.headers.is_empty() || o.problem.is_some() {
        return None;
    }
    let payload = o.payload.as_ref()?;
    let (what, extra_fix) = match payload.kind {
        Kind::TlsClientHello | Kind::TlsRecord | Kind::Sslv2Hello => (
            "a TLS handshake",
            "if only traffic from inside the cluster or VPC fails (hairpin), it bypasses the balancer: send it to the balancer's address, or accept connections without a header from those sources (go-proxyproto policy USE, Envoy `allow_requests_without_proxy_protocol`)",
        ),
        Kind::HttpRequest => (
            "a plaintext HTTP request",
            "a global PROXY switch (ingress-nginx `use-proxy-protocol`, a `proxy_protocol` on every `listen`) also covers the plain HTTP port: enable PROXY for that port on the balancer too, or remove it from that listener",
        ),
        Kind::Empty => (
            "nothing (the peer connected and closed)",
            "health checks that send nothing mark the target unhealthy: make the balancer's health check send a header (HAProxy `check-send-proxy`), or point it at a port without `proxy_protocol`",
        ),
        _ => ("bytes that are not a PROXY header", ""),
    };
    let mut f = Finding::new(
        Code::ProxyHeaderMissing,
        Severity::Error,
        format!("{receiver} requires a PROXY header and got {what} instead"),
    )
    .at(0)
    .evidence(format!("first bytes: \"{}\"", escape_bytes_max(&o.payload_bytes_prefix, 24)))
    .evidence(format!("read as: {}", payload.summary))
    .fix("make the balancer send the header: AWS NLB target group attribute `proxy_protocol_v2.enabled=true`; HAProxy `send-proxy-v2` on the server line; nginx stream `proxy_protocol on`; LoxiLB/Kubernetes: the Service's PROXY protocol annotation")
    .fix("or, if nothing in front sends PROXY, remove it from the receiver (nginx: drop `proxy_protocol` from `listen`; Traefik: drop `proxyProtocol` from the entry point)");
    if !extra_fix.is_empty() {
        f = f.fix(extra_fix);
    }
    Some(f)
}

fn addresses(h: &Header) -> String {
    match (h.source, h.destination) {
        (Some(s), Some(d)) => format!("{s} -> {d}"),
        _ => "(no addresses)".into(),
    }
}

fn notes(o: &Opening) -> Vec<String> {
    use crate::sniff::Kind;
    let mut notes = Vec::new();
    let Some(payload) = &o.payload else {
        return notes;
    };
    let has_header = !o.headers.is_empty();
    match payload.kind {
        Kind::TlsClientHello | Kind::Sslv2Hello if !has_header => notes.push(
            "a TLS handshake with no PROXY header in front: a port that requires PROXY (nginx `listen ... proxy_protocol`, HAProxy `accept-proxy`, go-proxyproto REQUIRE) rejects it (`proxy-header-missing`); nginx logs exactly these bytes as `broken header`".into(),
        ),
        Kind::HttpRequest if !has_header => notes.push(
            "a plaintext HTTP request with no PROXY header: a PROXY-required port rejects it (`proxy-header-missing`), a TLS port answers 400 or closes (`plaintext-to-tls-port`)".into(),
        ),
        Kind::TlsClientHello | Kind::HttpRequest => notes.push(
            "a PROXY header followed by the client's first bytes: right for a receiver configured to expect PROXY; a receiver that is not reads the header as TLS or HTTP and fails (`proxy-header-not-expected`)".into(),
        ),
        Kind::HttpResponse => notes.push(
            "a plaintext HTTP reply: a TLS client that gets it reads `HTTP/` as a record header and fails (OpenSSL: `wrong version number`); either the port is plaintext (`tls-to-plaintext-port`) or a TLS server that does not expect PROXY answered a header with 400 (nginx: `proxy-header-not-expected`)".into(),
        ),
        Kind::Empty if has_header => notes.push(
            "nothing follows the header: the client (or health check) has not sent its first bytes yet".into(),
        ),
        Kind::Empty => notes.push(
            "no bytes: a health check that connects and closes, or a client that waits for the server to speak first; nginx logs it as `broken header: \"\"`".into(),
        ),
        _ => {}
    }
    notes
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sniff::Kind;

    fn v2_inet(payload_after: &[u8]) -> Vec<u8> {
        let mut v = proxy::V2_SIGNATURE.to_vec();
        v.extend_from_slice(&[
            0x21, 0x11, 0x00, 0x0c, 127, 0, 0, 1, 127, 0, 0, 2, 0x13, 0x88, 0x01, 0xbb,
        ]);
        v.extend_from_slice(payload_after);
        v
    }

    #[test]
    fn header_then_payload() {
        let o = analyze(&v2_inet(b"PROXY TCP4 1.1.1.1 2.2.2.2 1 2\r\n"));
        assert_eq!(o.headers.len(), 2);
        assert_eq!(o.payload_offset, 28 + 32);
        assert_eq!(o.findings.len(), 1);
        assert_eq!(o.findings[0].code, Code::ProxyHeaderDuplicated);
        assert_eq!(o.findings[0].offset, Some(28));
    }

    #[test]
    fn single_header_no_findings() {
        let o = analyze(&v2_inet(b""));
        assert_eq!(o.headers.len(), 1);
        assert!(o.findings.is_empty());
        assert_eq!(o.payload.as_ref().map(|p| p.kind), Some(Kind::Empty));
    }

    #[test]
    fn malformed_offset_is_absolute() {
        let o = analyze(&v2_inet(b"PROXY TCP4 1.1.1.1 2.2.2.2 +1 2\r\n"));
        assert_eq!(o.headers.len(), 1);
        let f = &o.findings.last().unwrap();
        assert_eq!(f.code, Code::ProxyHeaderMalformed);
        assert_eq!(f.severity, Severity::Error);
        assert_eq!(f.offset, Some(28 + 27));
        assert!(o.payload.is_none());
    }

    #[test]
    fn incomplete_header() {
        let full = v2_inet(b"");
        let o = analyze(&full[..20]);
        assert!(o.headers.is_empty());
        assert_eq!(o.findings[0].code, Code::ProxyHeaderIncomplete);
        assert!(
            o.findings[0].summary.contains("it needs 8 more bytes"),
            "{}",
            o.findings[0].summary
        );
    }

    #[test]
    fn warnings_become_warning_findings() {
        let o = analyze(b"PROXY TCP4 1.2.3.4 5.6.7.8 080 443\r\n");
        assert_eq!(o.findings.len(), 1);
        assert_eq!(o.findings[0].severity, Severity::Warning);
        assert_eq!(
            o.findings[0].summary,
            "v1 source port `080` has a leading zero"
        );
        assert_eq!(o.findings[0].offset, Some(27));
    }

    #[test]
    fn missing_header_for_tls_http_and_nothing() {
        let o = analyze(b"\x16\x03\x01\x00\x05\x01\x00\x00\x01\x03");
        let f = missing_header(&o, "nginx").unwrap();
        assert_eq!(f.code, Code::ProxyHeaderMissing);
        assert!(f.summary.contains("a TLS handshake"), "{}", f.summary);
        assert!(
            f.evidence[0].contains("\\x16\\x03\\x01"),
            "{:?}",
            f.evidence
        );
        let o = analyze(b"GET / HTTP/1.1\r\n");
        assert!(
            missing_header(&o, "nginx")
                .unwrap()
                .summary
                .contains("plaintext HTTP")
        );
        let o = analyze(b"");
        assert!(
            missing_header(&o, "nginx")
                .unwrap()
                .summary
                .contains("nothing")
        );
        let o = analyze(&v2_inet(b""));
        assert!(missing_header(&o, "nginx").is_none());
    }

    #[test]
    fn bounded_stacking() {
        let line = b"PROXY UNKNOWN\r\n".repeat(100);
        let o = analyze(&line);
        assert_eq!(o.headers.len(), MAX_HEADERS);
        assert_eq!(o.payload_offset, 15 * MAX_HEADERS);
    }
}
