//! `probe --robustness`, the sans-IO part: the health-check headers balancers really
//! send, and the findings from trials that deliver a header the way networks and
//! balancers do (in pieces, byte by byte, late) against the same header sent whole.
//!
//! Rules: no I/O, no clock; a trial names a fault only against an attempt of the same
//! header and payload that worked when sent whole, so the difference is the delivery.
//! Sources: the PROXY protocol specification (section 2.2: a receiver must not start
//! parsing before the whole header is in, and must accept LOCAL), the AWS NLB
//! health-check header (kubernetes/kubernetes#57250: LOCAL, family 0x11, a CRC32C TLV
//! then a 74-byte NOOP TLV), HAProxy's LOCAL check (16 bytes).

use crate::findings::{Code, Finding, Severity};
use crate::path::{BannerAfter, End, Observation, Reply};
use serde::Serialize;

/// What `--robustness` found for one address.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Robustness {
    /// Every trial.
    pub trials: Vec<TrialResult>,
    /// How long the receiver waited for a header on a connection where nothing was
    /// sent, when it gave up within `--timeout` (from the `wait` attempt).
    pub header_timeout_ms: Option<u64>,
}

/// What a trial varies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Trial {
    /// The header in two writes, the first 10 bytes, 300 ms apart.
    Split,
    /// The same with a v1 header, when the target reads v1 too (go-proxyproto reads a
    /// v1 line differently from a v2 header).
    SplitV1,
    /// The header one byte at a time, 10 ms apart.
    Bytewise,
    /// The header after a wait.
    Slow,
    /// The AWS NLB health-check header (LOCAL, family 0x11, CRC32C then NOOP), alone.
    AwsNlbCheck,
    /// HAProxy's LOCAL health-check header (16 bytes), alone.
    HaproxyCheck,
}

impl Trial {
    /// Every trial, in display order.
    pub const ALL: [Trial; 6] = [
        Trial::Split,
        Trial::SplitV1,
        Trial::Bytewise,
        Trial::Slow,
        Trial::AwsNlbCheck,
        Trial::HaproxyCheck,
    ];

    /// `split`, `bytewise`, ...
    pub fn name(self) -> &'static str {
        match self {
            Trial::Split => "split",
            Trial::SplitV1 => "split-v1",
            Trial::Bytewise => "bytewise",
            Trial::Slow => "slow",
            Trial::AwsNlbCheck => "aws-nlb-check",
            Trial::HaproxyCheck => "haproxy-check",
        }
    }
}

/// The AWS NLB health-check header (see [`crate::proxy::build::aws_nlb_health_check`]).
pub fn aws_nlb_check() -> Vec<u8> {
    crate::proxy::build::aws_nlb_health_check()
}

/// HAProxy's LOCAL check (see [`crate::proxy::build::haproxy_health_check`]).
pub fn haproxy_check() -> Vec<u8> {
    crate::proxy::build::haproxy_health_check()
}

/// One trial's result.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TrialResult {
    /// The trial.
    pub trial: Trial,
    /// Its name.
    pub name: &'static str,
    /// The attempt it varies (`v2+tls`), or the check header's name.
    pub of: String,
    /// Whether it got what the whole header got (for checks: the connection stayed
    /// usable: no close, reset or error).
    pub held: bool,
    /// What came back, in words.
    pub result: String,
    /// Milliseconds.
    pub elapsed_ms: u64,
}

/// A health-check connection went well: no close, no reset, no error; a greeting that
/// stays quiet is fine (the server read the header and speaks first).
pub fn check_held(o: &Observation) -> bool {
    match o.reply {
        Reply::Nothing => o.end == End::Open,
        Reply::Banner { after, .. } => after == BannerAfter::Quiet,
        _ => false,
    }
}

/// Findings from the trials; `header_timeout_ms` is how long the receiver waited for a
/// header on a connection where nothing was sent, when it gave up within the probe's
/// timeout; `checks_matter` when the user said the balancer sends LOCAL checks.
pub fn findings(
    results: &[TrialResult],
    header_timeout_ms: Option<u64>,
    checks_matter: bool,
) -> Vec<Finding> {
    let mut out = Vec::new();
    let failed = |t: Trial| results.iter().find(|r| r.trial == t && !r.held);
    let pieces: Vec<&TrialResult> = [Trial::Split, Trial::SplitV1, Trial::Bytewise]
        .into_iter()
        .filter_map(failed)
        .collect();
    if !pieces.is_empty() {
        let mut f = Finding::new(
            Code::ProxyHeaderSplitIntolerant,
            Severity::Warning,
            "the receiver fails when the PROXY header arrives in more than one piece, though the same header sent whole works",
        );
        for r in pieces {
            f = f.evidence(format!("trial {} (of {}): {}", r.name, r.of, r.result));
        }
        out.push(
            f.evidence("the specification asks receivers to wait for the whole header; nginx before 1.25 logs `broken header` for a header in two reads, HAProxy peeks once (`Truncated PROXY protocol header received`), dovecot reports `Field for proxied local address is missing`")
                .fix("upgrade the receiver (nginx 1.25+ waits for the rest of the header)")
                .fix("make sure the sender writes the header in one segment (HAProxy, nginx stream and AWS NLB do; small MTUs, TLS-terminating middleboxes and hand-written senders may not)"),
        );
    }
    if let Some(r) = failed(Trial::Slow) {
        out.push(
            Finding::new(
                Code::ProxyHeaderTimeoutShort,
                Severity::Warning,
                "the receiver gave up on a header that came late, though the same header sent at once works",
            )
            .evidence(format!("trial {} (of {}): {}", r.name, r.of, r.result))
            .fix("raise the receiver's header timeout (go-proxyproto `ReadHeaderTimeout`, nginx `proxy_protocol_timeout`, HAProxy `timeout client`)"),
        );
    } else if let Some(ms) = header_timeout_ms.filter(|ms| *ms < 1000) {
        out.push(
            Finding::new(
                Code::ProxyHeaderTimeoutShort,
                Severity::Warning,
                format!("the receiver waits only about {ms} ms for a header before closing"),
            )
            .evidence("a balancer under load, or one that holds the header until the client speaks (AWS NLB's default placement), can take longer; a timeout read as \"no header\" turned TLS ports into plaintext 400s in Traefik (traefik/traefik#10047)")
            .fix("raise the receiver's header timeout to a few seconds"),
        );
    }
    let checks: Vec<&TrialResult> = [Trial::AwsNlbCheck, Trial::HaproxyCheck]
        .into_iter()
        .filter_map(failed)
        .collect();
    if !checks.is_empty() {
        let mut f = Finding::new(
            Code::HealthCheckRefused,
            if checks_matter {
                Severity::Error
            } else {
                Severity::Warning
            },
            "the receiver refuses a health-check header a balancer sends: its health checks fail and it is taken out of service",
        );
        for r in checks {
            f = f.evidence(format!("trial {}: {}", r.name, r.result));
        }
        out.push(f.fix("let the receiver accept LOCAL headers (the specification requires it: the connection's own addresses apply), with TLVs such as AWS's CRC32C and NOOP"));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_aws_check_is_read_as_aws_sends_it() {
        let h = aws_nlb_check();
        assert_eq!(h.len(), 100);
        match crate::proxy::inspect(&h) {
            crate::proxy::Inspection::Complete(x) => {
                assert_eq!(x.command, crate::proxy::Command::Local);
                assert_eq!(x.family_byte, Some(0x11));
                assert_eq!(x.crc32c_ok, Some(true));
                assert_eq!(x.tlvs.len(), 2);
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(haproxy_check().len(), 16);
    }

    #[test]
    fn faults_only_against_what_worked_whole() {
        let r = |trial, held| TrialResult {
            trial,
            name: "x",
            of: "v2+tls".into(),
            held,
            result: "closed".into(),
            elapsed_ms: 1,
        };
        assert!(
            findings(
                &[r(Trial::Split, true), r(Trial::Slow, true)],
                Some(5000),
                false
            )
            .is_empty()
        );
        let f = findings(
            &[r(Trial::Split, false), r(Trial::AwsNlbCheck, false)],
            None,
            true,
        );
        let codes: Vec<Code> = f.iter().map(|f| f.code).collect();
        assert_eq!(
            codes,
            [Code::ProxyHeaderSplitIntolerant, Code::HealthCheckRefused]
        );
        assert_eq!(f[1].severity, Severity::Error);
        let f = findings(&[], Some(200), false);
        assert_eq!(f[0].code, Code::ProxyHeaderTimeoutShort);
    }
}
