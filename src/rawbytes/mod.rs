//! Bytes a user pasted (sans-IO): the reader behind `ppdiag inspect HEX | --file PATH | -`.
//!
//! Job: turn text copied from a terminal, a log or a dump back into the bytes it shows,
//! and say how it was read (`Format`) plus anything the user should know (`notes`).
//!
//! Rules:
//! - No I/O, no clocks, no terminal: text in, bytes and notes out.
//! - Never panic, whatever the input; the work is linear in the input size (one pass per
//!   detector, no backtracking, nothing expands beyond the input).
//! - A malformed notation is an error naming the 1-based line and column (in characters)
//!   of the first offending character; an unknown notation is read as literal text.
//!
//! Detection order (deterministic, first match wins):
//! 1. Blank input: error.
//! 2. `tcpdump -x/-X/-XX`: some line is `0xOFFS:` followed by hex groups. Other lines
//!    (packet summaries, `listening on ...`) are skipped. IPv4/IPv6 + TCP/UDP headers (and
//!    an Ethernet or Linux cooked header) are stripped with etherparse (`packets.rs`).
//! 3. Offset dumps, decided by the first non-blank line: `xxd` (`00000000: 5052 ...`, any
//!    `-g`), `hexdump -C` (`00000000  50 52 ...  |PROXY|`), `od -A x -t x1z`
//!    (`000000 50 52 ... >PROXY<`), Wireshark "hex dump" (`0000   50 52 ...`, first
//!    offset 0). The ASCII column is never read: bytes per line come from the offsets
//!    (which must be consecutive) and the hex column's position on full lines.
//! 4. A quoted string: an nginx `broken header: "..."` line (its quoted part), an
//!    access-log line (the request field after `] `), or input starting with `"`; decoded
//!    with C escapes.
//! 5. Bare C escapes: the input contains `\x`, `\r`, `\n`, `\t`, `\0`, `\\` or `\"`.
//! 6. Plain hex: only hex digits (optionally `0x`-prefixed) and the separators
//!    whitespace `,` `:` `;` `-`. So `cafe` is two bytes, not text.
//! 7. Anything else: the text's own bytes (UTF-8), without the final line break.

mod dump;
mod escaped;
mod packets;
#[cfg(test)]
mod tests;

use std::fmt;

pub use escaped::unescape_c;

/// Which notation the input was read as.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Format {
    /// Plain hex digits (`160301`, `16 03 01`, `16:03:01`, `0x16, 0x03`).
    Hex,
    /// `xxd` output, any group size.
    Xxd,
    /// `hexdump -C` output.
    Hexdump,
    /// `od -A x -t x1z` output (or `od -t x1`, octal offsets).
    Od,
    /// Wireshark "Copy as Hex Dump".
    Wireshark,
    /// `tcpdump -x`, `-X` or `-XX` output.
    Tcpdump,
    /// C escapes as nginx logs them, bare or in a quoted string.
    Escaped,
    /// Literal text.
    Text,
    /// Raw bytes (input that is not text, e.g. an nginx error log with the bytes unescaped).
    Raw,
}

/// Bytes read from text, and how.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Parsed {
    /// The bytes.
    pub bytes: Vec<u8>,
    /// The notation.
    pub format: Format,
    /// What the reader did or noticed (headers stripped, lines skipped, truncation...).
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

impl RawError {
    /// An error at byte index `at` of `text`, which is line `line` of the input.
    pub(crate) fn at(line: usize, text: &str, at: usize, message: impl Into<String>) -> Self {
        let at = floor_char_boundary(text, at);
        RawError {
            line,
            column: text[..at].chars().count() + 1,
            message: message.into(),
        }
    }
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

fn floor_char_boundary(text: &str, mut at: usize) -> usize {
    at = at.min(text.len());
    while !text.is_char_boundary(at) {
        at -= 1;
    }
    at
}

/// Reads bytes from pasted text, detecting the notation (see the module comment).
pub fn parse(input: &str) -> Result<Parsed, RawError> {
    if input.trim().is_empty() {
        return Err(RawError {
            line: 1,
            column: 1,
            message: "nothing to read: the input is empty".into(),
        });
    }
    if let Some(parsed) = dump::parse_tcpdump(input)? {
        return Ok(parsed);
    }
    if let Some(parsed) = dump::parse_offset_dump(input)? {
        return Ok(parsed);
    }
    if let Some(parsed) = escaped::parse_quoted(input)? {
        return Ok(parsed);
    }
    if escaped::has_escapes(input) {
        let body = trim_final_newline(input);
        let bytes = escaped::unescape_in(input, 0, body.len())?;
        return Ok(Parsed {
            bytes,
            format: Format::Escaped,
            notes: vec!["read as C escapes (`\\xHH`, `\\r`, `\\n`, ...)".into()],
        });
    }
    if let Some(parsed) = parse_plain_hex(input)? {
        return Ok(parsed);
    }
    Ok(parse_text(input))
}

/// The marker nginx writes before the bytes of a broken header.
const NGINX_BROKEN: &[u8] = b"broken header: \"";
/// The text nginx writes after them.
const NGINX_AFTER: &[u8] = b"\" while reading PROXY protocol";

/// Reads bytes from input that may not be text. Valid UTF-8 goes to [`parse`]. Otherwise:
/// an nginx error-log record (nginx writes the bytes of a broken header unescaped, so
/// the record holds raw binary and may span lines) yields the bytes between its quotes;
/// anything else is taken as the raw bytes themselves.
pub fn parse_bytes(input: &[u8]) -> Result<Parsed, RawError> {
    if let Ok(text) = std::str::from_utf8(input) {
        return parse(text);
    }
    if let Some(start) = find(input, NGINX_BROKEN) {
        let from = start + NGINX_BROKEN.len();
        let rest = &input[from..];
        let (bytes, ended) = match find(rest, NGINX_AFTER) {
            Some(end) => (&rest[..end], true),
            None => (rest, false),
        };
        let mut notes = vec![
            "read the raw bytes of an nginx `broken header` record (nginx logs them unescaped)"
                .to_string(),
        ];
        if !ended {
            notes.push(
                "the record's end (`\" while reading PROXY protocol`) is missing: the bytes run to the end of the input"
                    .into(),
            );
        }
        return Ok(Parsed {
            bytes: bytes.to_vec(),
            format: Format::Raw,
            notes,
        });
    }
    Ok(Parsed {
        bytes: input.to_vec(),
        format: Format::Raw,
        notes: vec!["the input is not text: read as raw bytes".into()],
    })
}

/// Whether the input is (or quotes) an nginx `broken header` record: the bytes it holds
/// reached a listener with `proxy_protocol` that expected a PROXY header.
pub fn is_nginx_broken_header(input: &[u8]) -> bool {
    find(input, NGINX_BROKEN).is_some()
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

/// The input without one final `\n` or `\r\n`.
fn trim_final_newline(input: &str) -> &str {
    input
        .strip_suffix("\r\n")
        .or_else(|| input.strip_suffix('\n'))
        .unwrap_or(input)
}

fn is_hex_separator(c: char) -> bool {
    c.is_whitespace() || matches!(c, ',' | ':' | ';' | '-')
}

/// Plain hex, or `None` when some token is not hex (then it is not plain hex at all).
fn parse_plain_hex(input: &str) -> Result<Option<Parsed>, RawError> {
    // First pass: is every token hex? Only then are odd digit counts errors.
    let tokens = || {
        input.lines().enumerate().flat_map(|(n, line)| {
            line.split(is_hex_separator)
                .filter(|t| !t.is_empty())
                .map(move |t| (n + 1, line, t))
        })
    };
    if !tokens().all(|(_, _, t)| digits_of(t).is_some()) {
        return Ok(None);
    }
    let mut bytes = Vec::with_capacity(input.len() / 2);
    for (line_no, line, token) in tokens() {
        let Some((prefixed, digits)) = digits_of(token) else {
            continue;
        };
        let start = token.as_ptr() as usize - line.as_ptr() as usize;
        if prefixed && digits.len() == 1 {
            bytes.push(hex_val(digits.as_bytes()[0]));
            continue;
        }
        if digits.len() % 2 == 1 {
            return Err(RawError::at(
                line_no,
                line,
                start,
                format!(
                    "odd number of hex digits ({}) in `{}`: every byte needs two digits",
                    digits.len(),
                    token
                ),
            ));
        }
        bytes.extend(
            digits
                .as_bytes()
                .chunks_exact(2)
                .map(|p| hex_val(p[0]) << 4 | hex_val(p[1])),
        );
    }
    Ok(Some(Parsed {
        bytes,
        format: Format::Hex,
        notes: Vec::new(),
    }))
}

/// The digits of a plain-hex token (`0x` prefix removed) and whether it had the prefix.
fn digits_of(t: &str) -> Option<(bool, &str)> {
    let (prefixed, d) = match t.strip_prefix("0x").or_else(|| t.strip_prefix("0X")) {
        Some(d) => (true, d),
        None => (false, t),
    };
    (!d.is_empty() && d.bytes().all(|b| b.is_ascii_hexdigit())).then_some((prefixed, d))
}

/// The value of one ASCII hex digit (0 for anything else; callers check first).
pub(crate) fn hex_val(b: u8) -> u8 {
    match b {
        b'0'..=b'9' => b - b'0',
        b'a'..=b'f' => b - b'a' + 10,
        b'A'..=b'F' => b - b'A' + 10,
        _ => 0,
    }
}

fn parse_text(input: &str) -> Parsed {
    let body = trim_final_newline(input);
    let mut notes = vec![
        "read as literal text: no hex, dump, quoted or escaped notation found \
         (write `\\r\\n` to include a line ending)"
            .to_string(),
    ];
    if body.len() != input.len() {
        notes.push("dropped the final line break of the input".into());
    }
    Parsed {
        bytes: body.as_bytes().to_vec(),
        format: Format::Text,
        notes,
    }
}
