//! The one findings model shared by every command.
//!
//! A [`Finding`] names a cause with a stable [`Code`] (the shared vocabulary of
//! README ("Shared vocabulary"), so a flow seen in a capture and the same connection seen live get the
//! same name), a [`Severity`], a one-line summary, the evidence that supports it and
//! the fixes. Renderers (text and JSON) read these structs and nothing else.
//!
//! Rules: no I/O here. Evidence strings that quote peer bytes must already be escaped
//! with [`crate::escape`] by whoever builds the finding.

use serde::Serialize;
use std::borrow::Cow;
use std::fmt;

/// A stable finding code. The kebab-case name is part of the JSON contract.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Code {
    /// A PROXY header reached a server that does not parse it.
    ProxyHeaderNotExpected,
    /// The server requires a PROXY header and none was sent.
    ProxyHeaderMissing,
    /// A v1 header reached a v2-only reader, or the reverse.
    ProxyVersionUnsupported,
    /// The header breaks the spec (which byte, which rule).
    ProxyHeaderMalformed,
    /// The header stops before its end: more bytes were needed.
    ProxyHeaderIncomplete,
    /// Two PROXY headers in a row.
    ProxyHeaderDuplicated,
    /// A CRC32C TLV that does not match the header.
    ProxyCrcMismatch,
    /// TLS was sent to a plaintext port.
    TlsToPlaintextPort,
    /// Plaintext (HTTP) was sent to a TLS port.
    PlaintextToTlsPort,
    /// A TLS alert or failure unrelated to PROXY.
    TlsHandshakeFailed,
    /// Expired, not yet valid, wrong name, untrusted chain.
    TlsCertificateProblem,
    /// The target accepted and said nothing until the timeout.
    TargetSilent,
    /// The connection was refused.
    ConnectionRefused,
    /// The connection was reset.
    ConnectionReset,
    /// A v2 LOCAL header, as load balancer health checks send.
    HealthCheckLocal,
    /// Nothing answered the connection attempt (SYN) before the timeout.
    ConnectTimeout,
    /// The endpoint closed every connection before answering, whatever was sent.
    ConnectionClosed,
    /// The client and the server speak different protocols (HTTP to an SMTP port).
    ProtocolMismatch,
    /// The receiver fails when the header arrives in more than one piece.
    ProxyHeaderSplitIntolerant,
    /// The receiver gives up on the header sooner than a sender may take.
    ProxyHeaderTimeoutShort,
    /// The receiver refuses the health-check shape its balancer sends.
    HealthCheckRefused,
    /// The receiver believes a PROXY header from a source that is not a balancer.
    ProxyTrustTooWide,
}

impl Code {
    /// Every code, in declaration order.
    pub const ALL: [Code; 22] = [
        Code::ProxyHeaderNotExpected,
        Code::ProxyHeaderMissing,
        Code::ProxyVersionUnsupported,
        Code::ProxyHeaderMalformed,
        Code::ProxyHeaderIncomplete,
        Code::ProxyHeaderDuplicated,
        Code::ProxyCrcMismatch,
        Code::TlsToPlaintextPort,
        Code::PlaintextToTlsPort,
        Code::TlsHandshakeFailed,
        Code::TlsCertificateProblem,
        Code::TargetSilent,
        Code::ConnectionRefused,
        Code::ConnectionReset,
        Code::HealthCheckLocal,
        Code::ConnectTimeout,
        Code::ConnectionClosed,
        Code::ProtocolMismatch,
        Code::ProxyHeaderSplitIntolerant,
        Code::ProxyHeaderTimeoutShort,
        Code::HealthCheckRefused,
        Code::ProxyTrustTooWide,
    ];

    /// The kebab-case name used in JSON and in text output.
    pub fn as_str(self) -> &'static str {
        match self {
            Code::ProxyHeaderNotExpected => "proxy-header-not-expected",
            Code::ProxyHeaderMissing => "proxy-header-missing",
            Code::ProxyVersionUnsupported => "proxy-version-unsupported",
            Code::ProxyHeaderMalformed => "proxy-header-malformed",
            Code::ProxyHeaderIncomplete => "proxy-header-incomplete",
            Code::ProxyHeaderDuplicated => "proxy-header-duplicated",
            Code::ProxyCrcMismatch => "proxy-crc-mismatch",
            Code::TlsToPlaintextPort => "tls-to-plaintext-port",
            Code::PlaintextToTlsPort => "plaintext-to-tls-port",
            Code::TlsHandshakeFailed => "tls-handshake-failed",
            Code::TlsCertificateProblem => "tls-certificate-problem",
            Code::TargetSilent => "target-silent",
            Code::ConnectionRefused => "connection-refused",
            Code::ConnectionReset => "connection-reset",
            Code::HealthCheckLocal => "health-check-local",
            Code::ConnectTimeout => "connect-timeout",
            Code::ConnectionClosed => "connection-closed",
            Code::ProtocolMismatch => "protocol-mismatch",
            Code::ProxyHeaderSplitIntolerant => "proxy-header-split-intolerant",
            Code::ProxyHeaderTimeoutShort => "proxy-header-timeout-short",
            Code::HealthCheckRefused => "health-check-refused",
            Code::ProxyTrustTooWide => "proxy-trust-too-wide",
        }
    }

    /// Parses a kebab-case name back into a code.
    pub fn from_name(name: &str) -> Option<Code> {
        Code::ALL.into_iter().find(|c| c.as_str() == name)
    }

    /// A one-sentence description of what the code means.
    pub fn meaning(self) -> &'static str {
        match self {
            Code::ProxyHeaderNotExpected => {
                "a PROXY header reached a server that does not parse it; the server read it as TLS or HTTP"
            }
            Code::ProxyHeaderMissing => "the server requires a PROXY header and none was sent",
            Code::ProxyVersionUnsupported => "a v1 header reached a v2-only reader, or the reverse",
            Code::ProxyHeaderMalformed => "the header breaks the PROXY protocol specification",
            Code::ProxyHeaderIncomplete => "the header stops before its end; more bytes are needed",
            Code::ProxyHeaderDuplicated => {
                "two PROXY headers in a row (two balancers both add one)"
            }
            Code::ProxyCrcMismatch => "a CRC32C TLV that does not match the header",
            Code::TlsToPlaintextPort => {
                "TLS was sent to a plaintext port; the plaintext answer is what clients call `wrong version number`"
            }
            Code::PlaintextToTlsPort => "plaintext (HTTP) was sent to a TLS port",
            Code::TlsHandshakeFailed => {
                "a TLS alert or failure unrelated to PROXY (version, cipher, SNI, client certificate)"
            }
            Code::TlsCertificateProblem => {
                "the certificate is expired, not yet valid, for another name, or from an untrusted chain"
            }
            Code::TargetSilent => "the target accepted and said nothing until the timeout",
            Code::ConnectionRefused => "the connection was refused",
            Code::ConnectionReset => "the connection was reset",
            Code::HealthCheckLocal => {
                "a v2 LOCAL header, as load balancer health checks send (informational)"
            }
            Code::ConnectTimeout => {
                "nothing answered the connection attempt before the timeout (a firewall drops it, or the address is wrong)"
            }
            Code::ProxyHeaderSplitIntolerant => {
                "the receiver fails when the PROXY header arrives in more than one piece"
            }
            Code::ProxyHeaderTimeoutShort => {
                "the receiver gives up on the PROXY header sooner than a sender may take"
            }
            Code::ProxyTrustTooWide => {
                "the receiver believes a PROXY header from a source that is not a balancer: anyone can forge client addresses"
            }
            Code::HealthCheckRefused => {
                "the receiver refuses the health-check header its balancer sends (AWS NLB's or HAProxy's LOCAL form)"
            }
            Code::ProtocolMismatch => {
                "the client and the server speak different protocols (an HTTP request to a server that greets in SMTP, ...)"
            }
            Code::ConnectionClosed => {
                "the endpoint closed every connection before answering, whatever was sent (no reachable backend, a refused source, or a header rejected at once)"
            }
        }
    }
}

// The judge counts each code once per conversation with a bit per code: every code's
// number must fit in 64 bits.
const _: () = {
    let mut i = 0;
    while i < Code::ALL.len() {
        assert!((Code::ALL[i] as u32) < 64);
        i += 1;
    }
};

impl fmt::Display for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How bad a finding is. Ordered: `Info < Warning < Error`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Worth knowing; nothing is wrong.
    Info,
    /// Works with some receivers, fails with others, or is suspicious.
    Warning,
    /// A cause of failure.
    Error,
}

impl Severity {
    /// The lowercase name used in text and JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }
}

/// One diagnosis: a named cause, its evidence and its fixes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    /// The stable code.
    pub code: Code,
    /// How bad it is.
    pub severity: Severity,
    /// One line saying what was found (most are fixed sentences: borrowed, not copied).
    pub summary: Cow<'static, str>,
    /// Byte offset in the inspected bytes this finding points at, when there is one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub offset: Option<usize>,
    /// Observations that support the summary (peer bytes already escaped).
    pub evidence: Vec<Cow<'static, str>>,
    /// What to change, most likely first (most are fixed sentences: borrowed, not copied
    /// into every finding).
    pub fixes: Vec<Cow<'static, str>>,
}

impl Finding {
    /// A finding with no evidence and no fixes yet.
    pub fn new(code: Code, severity: Severity, summary: impl Into<Cow<'static, str>>) -> Self {
        Finding {
            code,
            severity,
            summary: summary.into(),
            offset: None,
            evidence: Vec::new(),
            fixes: Vec::new(),
        }
    }

    /// Sets the byte offset.
    pub fn at(mut self, offset: usize) -> Self {
        self.offset = Some(offset);
        self
    }

    /// Adds one piece of evidence.
    pub fn evidence(mut self, line: impl Into<Cow<'static, str>>) -> Self {
        self.evidence.push(line.into());
        self
    }

    /// Adds one fix.
    pub fn fix(mut self, line: impl Into<Cow<'static, str>>) -> Self {
        self.fixes.push(line.into());
        self
    }
}

/// The worst severity among `findings`, if any.
pub fn worst(findings: &[Finding]) -> Option<Severity> {
    findings.iter().map(|f| f.severity).max()
}

/// The exit code of a check that found `findings`: 1 when any is a warning or worse.
pub fn exit_code(findings: &[Finding]) -> i32 {
    match worst(findings) {
        Some(Severity::Warning | Severity::Error) => 1,
        _ => 0,
    }
}

/// Sorts findings worst first, keeping the original order among equals.
pub fn sort_worst_first(findings: &mut [Finding]) {
    findings.sort_by_key(|f| std::cmp::Reverse(f.severity));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn code_names_round_trip_and_match_serde() {
        for code in Code::ALL {
            assert_eq!(Code::from_name(code.as_str()), Some(code));
            let json = serde_json::to_string(&code).unwrap();
            assert_eq!(json, format!("\"{}\"", code.as_str()));
            assert!(!code.meaning().is_empty());
        }
        assert_eq!(Code::from_name("no-such-code"), None);
    }

    #[test]
    fn worst_first_ordering() {
        let mut v = vec![
            Finding::new(Code::HealthCheckLocal, Severity::Info, "a"),
            Finding::new(Code::ProxyHeaderMalformed, Severity::Error, "b"),
            Finding::new(Code::ProxyHeaderMalformed, Severity::Warning, "c"),
        ];
        assert_eq!(worst(&v), Some(Severity::Error));
        sort_worst_first(&mut v);
        let order: Vec<_> = v.iter().map(|f| f.summary.as_ref()).collect();
        assert_eq!(order, ["b", "c", "a"]);
        assert_eq!(worst(&[]), None);
    }
}
