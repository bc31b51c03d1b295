//! Whether an attempt worked, and finding attempts in the matrix (sans-IO): the
//! questions the inference, the failure explanations, the TLS findings and the
//! `--robustness`/`--audit` trials all ask of attempts.
//!
//! Rules: no I/O; an attempt worked when the server understood its payload and no
//! finding says the header or the protocol was a mismatch.

use super::model::{Attempt, HeaderChoice, Payload};
use crate::diagnose::Outcome;
use crate::findings::Code;

/// Codes that mean "the server did not understand what came before or instead of the
/// payload": an attempt with one of these did not work.
const MISMATCH: [Code; 5] = [
    Code::ProxyHeaderNotExpected,
    Code::ProxyHeaderMissing,
    Code::PlaintextToTlsPort,
    Code::TlsToPlaintextPort,
    Code::ProxyVersionUnsupported,
];

/// The server understood the payload (after the header, if any).
pub fn worked(a: &Attempt) -> bool {
    let understood = match (&a.outcome, a.payload) {
        (Outcome::TlsAccepted { .. }, Payload::Tls) => true,
        (Outcome::TlsAlert { description, .. }, Payload::Tls) => {
            ![10u8, 50, 22].contains(description)
        }
        // A well-formed request answered 400 was not understood (a PROXY reader
        // that wanted a header, or a header read as the request line).
        (
            Outcome::HttpResponse {
                status: Some(s), ..
            },
            Payload::Http,
        ) => *s != 400,
        _ => false,
    };
    understood && !a.findings.iter().any(|f| MISMATCH.contains(&f.code))
}

pub(super) fn banner(a: &Attempt) -> bool {
    matches!(a.outcome, Outcome::Banner { .. })
}

/// The attempt with this header and payload, if it ran.
pub(super) fn find(
    attempts: &[Attempt],
    header: HeaderChoice,
    payload: Payload,
) -> Option<&Attempt> {
    attempts
        .iter()
        .find(|a| a.header == header && a.payload == payload)
}

pub(super) fn ok(attempts: &[Attempt], h: HeaderChoice) -> bool {
    attempts
        .iter()
        .filter(|a| a.header == h && a.payload != Payload::Wait)
        .any(|a| worked(a) || (h != HeaderChoice::None && banner(a)))
}

pub(super) fn tested(attempts: &[Attempt], h: HeaderChoice) -> bool {
    attempts
        .iter()
        .any(|a| a.header == h && a.payload != Payload::Wait)
}
