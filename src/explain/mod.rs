//! The knowledge base of error messages (sans-IO): map a message a user copied from a
//! client or server log to its likely PROXY/TLS causes.
//!
//! STUB: replaced by the real knowledge base.

use crate::render::Painter;
use serde::Serialize;

/// One knowledge-base entry.
#[derive(Debug, Clone, Serialize)]
pub struct Entry {
    /// Stable id.
    pub id: &'static str,
}

/// What `explain` found for one message.
#[derive(Debug, Clone, Serialize)]
pub struct Explanation {
    /// The message as given.
    pub message: String,
    /// Ranked matches.
    pub matches: Vec<String>,
    /// Bytes quoted in the message, decoded.
    #[serde(skip)]
    pub bytes: Option<Vec<u8>>,
}

/// Looks a message up in the knowledge base.
pub fn explain(message: &str) -> Explanation {
    Explanation {
        message: message.to_string(),
        matches: Vec::new(),
        bytes: None,
    }
}

/// The knowledge base.
pub fn entries() -> &'static [Entry] {
    &[]
}

/// Text rendering of an explanation.
pub fn render_text(e: &Explanation, _p: &Painter) -> String {
    format!("{}\n", e.message)
}

/// Text rendering of the knowledge base.
pub fn render_list_text(_p: &Painter) -> String {
    String::new()
}
