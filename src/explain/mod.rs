//! The knowledge base of error messages (sans-IO): map a message a user copied from a
//! client or server log to its likely PROXY/TLS causes.
//!
//! STUB: replaced by the real knowledge base.

use serde::Serialize;

/// What `explain` found for one message.
#[derive(Debug, Clone, Serialize)]
pub struct Explanation {
    /// The message as given.
    pub message: String,
}

/// Looks a message up in the knowledge base.
pub fn explain(message: &str) -> Explanation {
    Explanation {
        message: message.to_string(),
    }
}
