//! The shape of the knowledge base: one [`Entry`] per message family, as plain static
//! data (no logic, no I/O), and the list of entries itself.
//!
//! Rules: every entry carries real wordings in `examples` (the tests check that each
//! example picks its own entry first); patterns are lower case, single-spaced, and use
//! `*` for "anything in between"; causes are named only by shared [`Code`]s, most likely
//! first. An entry may `refine` a more general one (curl's or Python's framing of an
//! OpenSSL error): it matches only through its own patterns, and the general entry's
//! patterns then add to its score, so the refinement outranks the general entry.

use crate::findings::Code;
use serde::Serialize;

/// Which end of the connection prints the message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Side {
    /// The side that opened the connection (curl, a browser, a Go or Java client, a balancer's upstream side).
    Client,
    /// The side that accepted it (the backend, or a balancer's listener).
    Server,
    /// Printed by either side, with the same wording.
    Either,
}

impl Side {
    /// The lowercase name used in text and JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            Side::Client => "client",
            Side::Server => "server",
            Side::Either => "either",
        }
    }
}

/// One likely cause, as stored in the knowledge base (its rank is its position).
#[derive(Debug, Clone, Copy, Serialize)]
pub struct CauseSpec {
    /// The shared finding code.
    pub code: Code,
    /// Why this message points at it.
    pub why: &'static str,
}

/// One message family of the knowledge base.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct Entry {
    /// Stable identifier, kebab-case.
    pub id: &'static str,
    /// The software that prints it.
    pub source: &'static str,
    /// Which side prints it.
    pub side: Side,
    /// Lower-case patterns; `*` matches anything in between.
    pub patterns: &'static [&'static str],
    /// The id of the more general entry this one refines, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub refines: Option<&'static str>,
    /// Real wordings of the message.
    pub examples: &'static [&'static str],
    /// Likely causes, most likely first.
    pub causes: &'static [CauseSpec],
    /// What happened on the wire, byte by byte.
    pub byte_reason: &'static str,
    /// Which backend (or peer) software the wording points to.
    pub points_to: &'static str,
    /// ppdiag commands that tell the causes apart.
    pub commands: &'static [&'static str],
}

/// Shorthand for a cause in the tables.
pub(crate) const fn cause(code: Code, why: &'static str) -> CauseSpec {
    CauseSpec { code, why }
}

// The commands the entries recommend, in one place so they follow the CLI.
pub(crate) const PROBE: &str = "ppdiag probe HOST:PORT";
pub(crate) const SEND_V2_TLS: &str = "ppdiag send HOST:PORT --proxy v2 --tls";
pub(crate) const SEND_V1_TLS: &str = "ppdiag send HOST:PORT --proxy v1 --tls";
pub(crate) const SEND_TLS: &str = "ppdiag send HOST:PORT --tls";
pub(crate) const SEND_V1_HTTP: &str = "ppdiag send HOST:PORT --proxy v1 --http";
pub(crate) const DECODE: &str = "ppdiag decode capture.pcap";
pub(crate) const INSPECT: &str = "ppdiag inspect '<bytes from the log>'";
pub(crate) const SERVE_REQUIRED: &str = "ppdiag serve --proxy required --tls";
pub(crate) const SERVE_FORBIDDEN: &str = "ppdiag serve --proxy forbidden --tls";
