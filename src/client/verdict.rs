//! What a client's exchange amounts to when the connection may not have been made
//! (sans-IO): probe's attempts and send share it, so a refused or timed-out connect
//! reads the same in both.
//!
//! Rules: no I/O; the exchange itself is judged by [`crate::diagnose::judge`]; only a
//! connect that failed otherwise than by a refusal replaces its findings.

use crate::diagnose::{self, Ending, Exchange, Outcome, Verdict};
use crate::findings::{Code, Finding, Severity};

/// Why a connection could not be made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConnectError {
    /// RST to the SYN: nothing listens there.
    Refused,
    /// No answer to the SYN before the deadline.
    Timeout,
    /// Anything else (unreachable network, no route...).
    Other(String),
}

impl ConnectError {
    /// How the server side ended, and the error's word (`refused`, `timeout`, or the
    /// system's message) as reports carry it in `connect_error`.
    pub fn ending_and_word(&self) -> (Ending, String) {
        match self {
            ConnectError::Refused => (Ending::Refused, "refused".to_string()),
            ConnectError::Timeout => (Ending::Timeout, "timeout".to_string()),
            ConnectError::Other(m) => (Ending::Refused, m.clone()),
        }
    }
}

/// Judges an exchange; `connect_error` when no connection was made (`"refused"` is
/// judged as a refusal, anything else becomes the one finding, with nothing heard).
pub fn of_exchange(
    client: &[u8],
    server: &[u8],
    ending: Ending,
    connect_error: Option<&str>,
) -> Verdict {
    let mut verdict = diagnose::judge(&Exchange {
        client,
        server,
        ending,
    });
    if let Some(e) = connect_error.filter(|e| *e != "refused") {
        verdict.findings = vec![connect_failure(e)];
        verdict.outcome = Outcome::Silent;
    }
    verdict
}

fn connect_failure(e: &str) -> Finding {
    if e == "timeout" {
        Finding::new(
            Code::ConnectTimeout,
            Severity::Error,
            "nothing answered the connection attempt before the timeout",
        )
        .evidence("no SYN-ACK and no RST: a firewall or security group drops the packets, the address is wrong, or the host is down")
        .fix("check security groups / firewall rules for this port from where ppdiag runs, and the address")
    } else {
        Finding::new(
            Code::ConnectionRefused,
            Severity::Error,
            format!("the connection could not be made: {e}"),
        )
        .fix("check the route to the address (network unreachable, no route to host)")
    }
}
