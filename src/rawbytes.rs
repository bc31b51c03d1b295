//! Bytes a user pasted (sans-IO): plain hex, `xxd` and `tcpdump -X` dumps, and C-escaped
//! strings as nginx logs them.
//!
//! STUB: replaced by the real parser.

use std::fmt;

/// Which notation the input was read as.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Format {
    /// Plain hex digits.
    Hex,
    /// A C-escaped string.
    Escaped,
}

/// Bytes read from text, and how.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Parsed {
    /// The bytes.
    pub bytes: Vec<u8>,
    /// The notation.
    pub format: Format,
    /// What was done to read it.
    pub notes: Vec<String>,
}

/// Why the text could not be read as bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawError {
    /// 1-based line.
    pub line: usize,
    /// 1-based column (characters).
    pub column: usize,
    /// What is wrong.
    pub message: String,
}

impl fmt::Display for RawError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "line {}, column {}: {}",
            self.line, self.column, self.message
        )
    }
}

impl std::error::Error for RawError {}

/// Reads bytes from pasted text, detecting the notation.
pub fn parse(input: &str) -> Result<Parsed, RawError> {
    let digits: String = input.chars().filter(|c| !c.is_whitespace()).collect();
    let mut bytes = Vec::new();
    for i in (0..digits.len()).step_by(2) {
        let b =
            u8::from_str_radix(digits.get(i..i + 2).unwrap_or("x"), 16).map_err(|_| RawError {
                line: 1,
                column: i + 1,
                message: "not hex".into(),
            })?;
        bytes.push(b);
    }
    Ok(Parsed {
        bytes,
        format: Format::Hex,
        notes: Vec::new(),
    })
}

/// Decodes a C-escaped string as nginx logs it (`\x16\x03\x01`, `\r`, `\n`, `\"`, `\\`).
pub fn unescape_c(input: &str) -> Result<Vec<u8>, RawError> {
    Ok(input.as_bytes().to_vec())
}
