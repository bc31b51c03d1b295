//! The probe's data (sans-IO): the attempt matrix, what each attempt saw, and the
//! report per target address. The text renderer and the JSON output read these.
//!
//! Rules: plain data, serde-serializable; the JSON keys are a documented contract
//! (README.md, `ppdiag probe`). Peer bytes are stored escaped.

use super::cert::CertInfo;
pub use crate::client::tls::TlsSession;

use crate::client::tls::Verification;
use crate::diagnose::{Ending, Fingerprint, Outcome};
use crate::findings::Finding;
use crate::path::{Explanation, InFront, Observation};
use serde::Serialize;
use std::net::{IpAddr, SocketAddr};

pub use crate::path::expects::{Expects, HeaderChoice};

/// What an attempt sends after the header.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Payload {
    /// A TLS ClientHello (a full handshake with rustls).
    Tls,
    /// A plaintext HTTP/1.1 request.
    Http,
    /// Nothing: connect and wait for the server to speak first.
    Wait,
}

impl Payload {
    /// Short name.
    pub fn name(self) -> &'static str {
        match self {
            Payload::Tls => "tls",
            Payload::Http => "http",
            Payload::Wait => "wait",
        }
    }
}

/// One cell of the attempt matrix.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub struct AttemptSpec {
    /// The header.
    pub header: HeaderChoice,
    /// The payload.
    pub payload: Payload,
}

impl AttemptSpec {
    /// `v2+tls`, `none+http`, `wait` (nothing sent), `v1+wait` (a header, then wait).
    pub fn name(&self) -> String {
        match (self.header, self.payload) {
            (HeaderChoice::None, Payload::Wait) => "wait".into(),
            (h, p) => format!("{}+{}", h.name(), p.name()),
        }
    }

    /// The full matrix, in display order: header none/v1/v2/v2-local × TLS/HTTP, then
    /// connect-and-wait, then a v1 and a v2 header followed by waiting (what a server
    /// that speaks first, or an echo, does with a header alone).
    pub fn matrix() -> Vec<AttemptSpec> {
        let mut out = Vec::new();
        for payload in [Payload::Tls, Payload::Http] {
            for header in [
                HeaderChoice::None,
                HeaderChoice::V1,
                HeaderChoice::V2,
                HeaderChoice::V2Local,
            ] {
                out.push(AttemptSpec { header, payload });
            }
        }
        for header in [HeaderChoice::None, HeaderChoice::V1, HeaderChoice::V2] {
            out.push(AttemptSpec {
                header,
                payload: Payload::Wait,
            });
        }
        out
    }
}

/// What the user told about the balancer in front (`--balancer-sends`).
pub type BalancerSends = Option<HeaderChoice>;

/// What one attempt saw.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Attempt {
    /// `v2+tls`, `wait`, ...
    pub name: String,
    /// The header sent.
    pub header: HeaderChoice,
    /// The payload sent.
    pub payload: Payload,
    /// Our side of the connection.
    pub local: Option<SocketAddr>,
    /// Bytes of PROXY header sent.
    pub header_bytes: usize,
    /// Bytes sent in total (header included).
    pub sent: usize,
    /// What happened.
    pub outcome: Outcome,
    /// How the server side ended.
    pub ending: Ending,
    /// Milliseconds from the start of the attempt to its end.
    pub elapsed_ms: u64,
    /// Bytes received.
    pub received: usize,
    /// The first bytes received (at most 64), escaped.
    pub first_bytes: String,
    /// What the received bytes are, in words.
    pub reply: String,
    /// What TLS clients print for this reply (TLS attempts answered without TLS).
    pub client_sees: Vec<String>,
    /// The backend the reaction points to.
    pub fingerprint: Option<Fingerprint>,
    /// The TLS session, when the handshake completed.
    pub tls: Option<TlsSession>,
    /// What our TLS client (rustls) reported, when the handshake failed.
    pub tls_error: Option<String>,
    /// The connection could not be made (`timeout` or the error), when it could not.
    pub connect_error: Option<String>,
    /// The wait was cut short because another attempt showed the server waits for the
    /// client (connect-and-wait only).
    pub stopped_early: bool,
    /// The judge's findings for this exchange alone.
    pub findings: Vec<Finding>,
    /// The exchange as the path model reads it.
    pub observed: Observation,
    /// The bytes received (at most 16 KiB; not in the JSON, which has `first_bytes`).
    #[serde(skip)]
    pub reply_bytes: Vec<u8>,
}

impl Attempt {
    /// This attempt's spec.
    pub fn spec(&self) -> AttemptSpec {
        AttemptSpec {
            header: self.header,
            payload: self.payload,
        }
    }
}

/// TLS details of the target (from the first attempt whose handshake completed).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TlsDetails {
    /// The attempt they come from.
    pub from_attempt: String,
    /// The session.
    pub session: TlsSession,
    /// The chain, leaf first.
    pub chain: Vec<CertInfo>,
    /// Verification against the system trust store and the name.
    pub verification: Verification,
}

/// The report for one address of one target.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ProbeReport {
    /// The target as given.
    pub target: String,
    /// Host name (or IP) used for SNI and Host.
    pub host: String,
    /// Port.
    pub port: u16,
    /// Where the name resolved to (every address).
    pub resolved: Vec<IpAddr>,
    /// The address probed.
    pub address: SocketAddr,
    /// The inference, as one sentence.
    pub summary: String,
    /// What the target expects.
    pub expects: Expects,
    /// The backend the reactions point to.
    pub fingerprint: Option<Fingerprint>,
    /// Every attempt.
    pub attempts: Vec<Attempt>,
    /// TLS details.
    pub tls: Option<TlsDetails>,
    /// Findings, worst first.
    pub findings: Vec<Finding>,
    /// Milliseconds this address took, all attempts together.
    pub elapsed_ms: u64,
    /// Remarks that are not findings (e.g. what accepting a header from here implies).
    pub notes: Vec<String>,
    /// The application protocol, when the attempts name one (`smtp`, `imap`, `pop3`,
    /// `ftp`, `ssh`, `mysql`, `redis`, `echo`, `tls`, `http`), else null.
    pub application: Option<&'static str>,
    /// What sits in front: `none` (or a byte-transparent balancer), `adds-v1`,
    /// `adds-v2`, or `unknown` when the attempts cannot tell.
    pub in_front: &'static str,
    /// When more than one explanation fits every attempt: all of them, likeliest first.
    pub hypotheses: Vec<Explanation>,
    /// How to tell the first two hypotheses apart.
    pub tell_apart: Option<String>,
    /// `--robustness`: the trials and what they showed (null without the flag).
    pub robustness: Option<super::robust_model::Robustness>,
    /// `--audit`: the claims sent and whether they were believed (null without it).
    pub audit: Option<Vec<super::audit_model::AuditTrial>>,
}

/// `in_front`'s JSON word for a model answer.
pub fn in_front_word(f: Option<InFront>) -> &'static str {
    f.map_or("unknown", InFront::name)
}
