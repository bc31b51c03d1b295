//! `ppdiag explain` (sans-IO): map an error message a user copied from a client or
//! server log to its likely PROXY/TLS causes, the byte-level reason, the backend the
//! wording points to, and the ppdiag commands that tell the causes apart.
//!
//! Rules: no I/O; never panics on any input; causes are named by the shared
//! [`Code`](crate::findings::Code)s. The data lives in [`kb`] (with the entries in
//! `kb_clients` and `kb_servers`), matching and ranking in `matcher`, the reading of
//! quoted peer bytes in `firstbytes`, the text output in `text`. Quoted bytes are
//! decoded with [`crate::rawbytes::unescape_c`] and exposed on [`Explanation::bytes`]
//! for the command layer's byte inspector.

mod firstbytes;
pub mod kb;
mod kb_beyond_web;
mod kb_clients;
mod kb_servers;
mod matcher;
mod text;

pub use kb::{CauseSpec, Entry, Side};
pub use text::{render_list_text, render_text};

use crate::findings::Code;
use serde::Serialize;
use std::sync::LazyLock;

/// What `explain` found for one message.
#[derive(Debug, Clone, Serialize)]
pub struct Explanation {
    /// The message as given.
    pub message: String,
    /// Matching entries, best first (empty when nothing matched).
    pub matches: Vec<Match>,
    /// The quoted peer bytes found in the message (nginx `broken header: "..."`), if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub quoted: Option<Quoted>,
    /// The decoded quoted bytes, for the byte inspector.
    #[serde(skip)]
    pub bytes: Option<Vec<u8>>,
    /// What to run when nothing matched.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub suggestion: Option<String>,
}

/// One knowledge-base entry that matched.
#[derive(Debug, Clone, Serialize)]
pub struct Match {
    /// The entry id.
    pub id: String,
    /// The software that prints the message.
    pub source: String,
    /// Which side prints it.
    pub side: Side,
    /// The user's words that matched (pieces joined with ` … `).
    pub matched: String,
    /// How many bytes of the (normalised) message the entry explains; higher ranks first.
    pub score: usize,
    /// Likely causes, most likely first.
    pub causes: Vec<Cause>,
    /// What happened on the wire.
    pub byte_reason: String,
    /// A reading of a number the message carries (record type, length, alert), if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    /// The backend (or peer) software the wording points to.
    pub points_to: String,
    /// ppdiag commands that tell the causes apart.
    pub commands: Vec<String>,
}

/// One likely cause of a match.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Cause {
    /// The shared finding code.
    pub code: Code,
    /// 1 = most likely.
    pub rank: usize,
    /// Why the message points at it.
    pub why: String,
}

/// Quoted peer bytes found in the message.
#[derive(Debug, Clone, Serialize)]
pub struct Quoted {
    /// The quoted text as it appeared in the message (still escaped).
    pub text: String,
    /// Whether it came after nginx's `broken header:`.
    pub broken_header: bool,
    /// How many bytes it decodes to (absent when it could not be decoded).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub len: Option<usize>,
    /// What the first bytes suggest, in plain words.
    pub suggests: String,
    /// The cause those bytes point to, if they name one; it is ranked first.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub code: Option<Code>,
    /// Why the text could not be decoded, if it could not.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub decode_error: Option<String>,
}

/// What to run when nothing matched.
pub const NO_MATCH_SUGGESTION: &str = "no known message matched; run `ppdiag probe HOST:PORT` to see what the target expects, or `ppdiag explain --list` for the known messages";

/// Looks a message up in the knowledge base.
pub fn explain(message: &str) -> Explanation {
    let norm = matcher::Normalized::new(message);
    let hits = matcher::rank(entries(), &norm);

    let (quoted, bytes) = match matcher::find_quoted(message) {
        Some(q) => {
            let decoded = crate::rawbytes::unescape_c(&q.text);
            let (len, decode_error, suggests, code) = match &decoded {
                Ok(b) => {
                    let (s, c) = firstbytes::read(b, q.broken_header);
                    (Some(b.len()), None, s, c)
                }
                Err(e) => (
                    None,
                    Some(e.to_string()),
                    "the quoted text could not be decoded as escaped bytes".to_string(),
                    None,
                ),
            };
            (
                Some(Quoted {
                    text: q.text,
                    broken_header: q.broken_header,
                    len,
                    suggests,
                    code,
                    decode_error,
                }),
                decoded.ok(),
            )
        }
        None => (None, None),
    };
    let promote = quoted.as_ref().and_then(|q| q.code);

    let matches: Vec<Match> = hits
        .iter()
        .map(|h| {
            let e = h.entry;
            let mut specs: Vec<&CauseSpec> = e.causes.iter().collect();
            if let Some(code) = promote
                && let Some(i) = specs.iter().position(|c| c.code == code)
            {
                let c = specs.remove(i);
                specs.insert(0, c);
            }
            Match {
                id: e.id.to_string(),
                source: e.source.to_string(),
                side: e.side,
                matched: matcher::matched_text(&norm, &h.spans),
                score: h.score,
                causes: specs
                    .iter()
                    .enumerate()
                    .map(|(i, c)| Cause {
                        code: c.code,
                        rank: i + 1,
                        why: c.why.to_string(),
                    })
                    .collect(),
                byte_reason: e.byte_reason.to_string(),
                detail: detail(e.id, message),
                points_to: e.points_to.to_string(),
                commands: e.commands.iter().map(|c| c.to_string()).collect(),
            }
        })
        .collect();

    let suggestion = matches.is_empty().then(|| NO_MATCH_SUGGESTION.to_string());
    Explanation {
        message: message.to_string(),
        matches,
        quoted,
        bytes,
        suggestion,
    }
}

/// The first run of ASCII digits after `key` (case-insensitive), as a number.
fn number_after(message: &str, key: &str) -> Option<u64> {
    let lower = message.to_ascii_lowercase();
    let at = lower.find(key)? + key.len();
    let digits: String = lower
        .get(at..)?
        .trim_start_matches([' ', '[', ':', '='])
        .chars()
        .take_while(char::is_ascii_digit)
        .take(12)
        .collect();
    digits.parse().ok()
}

/// Reads the number some messages carry: GnuTLS's record type, Go's record length, an
/// OpenSSL alert number.
fn detail(id: &str, message: &str) -> Option<String> {
    match id {
        "gnutls-unknown-record-type" => {
            let t = number_after(message, "of unknown type")?;
            let what = match t {
                72 => "'H', the start of a plaintext `HTTP/` reply",
                80 => "'P', the start of a PROXY v1 header sent back or echoed",
                13 => "CR, the start of a PROXY v2 signature",
                83 => "'S', the start of an `SSH-` banner",
                60 => "'<', the start of an HTML page",
                _ => "a byte that is not a TLS content type (20-24)",
            };
            Some(format!("type {t} = 0x{:02x}: {what}", t & 0xff))
        }
        "go-oversized-record" => {
            let n = number_after(message, "with length")?;
            let what = match n {
                22617 => "0x5859 = \"XY\" of \"PROXY\": a PROXY v1 header was read as a TLS record",
                20527 => {
                    "0x502f = \"P/\" of \"HTTP/\": a plaintext HTTP reply was read as a TLS record"
                }
                2560 => "0x0a00: bytes 4-5 of a PROXY v2 signature",
                11570 => "0x2d32 = \"-2\" of \"SSH-2\": an SSH banner",
                _ => "longer than any TLS record may be (16384 + 2048)",
            };
            Some(format!("length {n}: {what}"))
        }
        _ => {
            let n = number_after(message, "ssl alert number")?;
            let name = match n {
                10 => "unexpected_message (Java, GnuTLS)",
                20 => "bad_record_mac",
                22 => "record_overflow (OpenSSL 3.2)",
                40 => "handshake_failure",
                42 => "bad_certificate",
                45 => "certificate_expired",
                48 => "unknown_ca",
                50 => "decode_error (rustls)",
                70 => "protocol_version",
                80 => "internal_error",
                112 => "unrecognized_name",
                _ => "another alert",
            };
            Some(format!("alert {n} = {name}"))
        }
    }
}

/// Every entry, assembled once from the three tables.
static ALL: LazyLock<Vec<Entry>> = LazyLock::new(|| {
    kb_clients::ENTRIES
        .iter()
        .chain(kb_servers::ENTRIES.iter())
        .chain(kb_beyond_web::ENTRIES.iter())
        .copied()
        .collect()
});

/// The whole knowledge base, clients first, then servers and balancers.
pub fn entries() -> &'static [Entry] {
    &ALL
}

/// The entry with this id.
pub fn by_id(id: &str) -> Option<&'static Entry> {
    entries().iter().find(|e| e.id == id)
}

#[cfg(test)]
mod tests;
