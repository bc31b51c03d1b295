//! C-escaped strings as nginx logs them: bare, quoted, inside a whole nginx
//! `broken header: "..." while reading PROXY protocol` error-log line, or as the request
//! field of an access-log line (`... [date] "\x16\x03\x01" 400 ...`).

use super::{Format, Parsed, RawError, hex_val};

/// Longest PROXY v1 header (with CRLF); nginx reads no more than this for a v1 header.
const NGINX_V1_MAX: usize = 107;
const NGINX_MARK: &str = "broken header: \"";
const NGINX_TAIL: &str = "\" while reading PROXY protocol";
/// Where the request field of a combined access-log line opens: `[date] "`.
const ACCESS_MARK: &str = "] \"";

/// Decodes a C-escaped string as nginx logs it (`\x16\x03\x01`, `\r`, `\n`, `\t`, `\0`,
/// `\"`, `\\`; other characters stand for their UTF-8 bytes). Errors name the line and
/// column of the bad escape's backslash.
pub fn unescape_c(input: &str) -> Result<Vec<u8>, RawError> {
    unescape_in(input, 0, input.len())
}

/// True when the text uses C escapes (a backslash before `x r n t 0 \ "`).
pub(super) fn has_escapes(input: &str) -> bool {
    input
        .as_bytes()
        .windows(2)
        .any(|w| w[0] == b'\\' && matches!(w[1], b'x' | b'r' | b'n' | b't' | b'0' | b'\\' | b'"'))
}

/// Decodes `input[start..end]`, reporting positions in the whole input.
pub(super) fn unescape_in(input: &str, start: usize, end: usize) -> Result<Vec<u8>, RawError> {
    let end = end.min(input.len());
    let start = start.min(end);
    let (mut line_no, mut line_start) = (1, 0);
    for (i, b) in input.as_bytes()[..start].iter().enumerate() {
        if *b == b'\n' {
            line_no += 1;
            line_start = i + 1;
        }
    }
    let err = |line_no: usize, line_start: usize, at: usize, msg: &str| {
        let line_end = input[line_start..]
            .find('\n')
            .map_or(input.len(), |n| line_start + n);
        RawError::at(line_no, &input[line_start..line_end], at - line_start, msg)
    };
    let b = input.as_bytes();
    let mut out = Vec::with_capacity(end - start);
    let mut i = start;
    while i < end {
        let c = b[i];
        if c == b'\n' {
            line_no += 1;
            line_start = i + 1;
        }
        if c != b'\\' {
            out.push(c);
            i += 1;
            continue;
        }
        let Some(&e) = b.get(i + 1).filter(|_| i + 1 < end) else {
            return Err(err(
                line_no,
                line_start,
                i,
                "a trailing backslash escapes nothing",
            ));
        };
        let (byte, len) = match e {
            b'x' => {
                let h = &b[(i + 2).min(end)..(i + 4).min(end)];
                if h.len() < 2 || !h.iter().all(u8::is_ascii_hexdigit) {
                    return Err(err(
                        line_no,
                        line_start,
                        i,
                        "`\\x` must be followed by two hex digits",
                    ));
                }
                (hex_val(h[0]) << 4 | hex_val(h[1]), 4)
            }
            b'r' => (b'\r', 2),
            b'n' => (b'\n', 2),
            b't' => (b'\t', 2),
            b'0' => (0, 2),
            b'\\' => (b'\\', 2),
            b'"' => (b'"', 2),
            b'\'' => (b'\'', 2),
            b'a' => (7, 2),
            b'b' => (8, 2),
            b'f' => (12, 2),
            b'v' => (11, 2),
            _ => {
                return Err(err(
                    line_no,
                    line_start,
                    i,
                    "unknown escape: use \\xHH, \\r, \\n, \\t, \\0, \\\\ or \\\"",
                ));
            }
        };
        out.push(byte);
        i += len;
    }
    Ok(out)
}

/// Index of the first `"` at or after `from` that is not escaped by a backslash.
fn closing_quote(input: &str, from: usize) -> Option<usize> {
    let b = input.as_bytes();
    let mut i = from;
    while i < b.len() {
        match b[i] {
            b'\\' => i += 2,
            b'"' => return Some(i),
            _ => i += 1,
        }
    }
    None
}

/// An nginx `broken header` line, or input starting with `"`; `None` otherwise.
pub(super) fn parse_quoted(input: &str) -> Result<Option<Parsed>, RawError> {
    if let Some(mark) = input.find(NGINX_MARK) {
        return parse_nginx(input, mark + NGINX_MARK.len()).map(Some);
    }
    let lead = input.len() - input.trim_start().len();
    if input[lead..].starts_with('"') {
        return quoted_at(input, lead, "read the quoted string, with C escapes").map(Some);
    }
    if let Some(at) = input.find(ACCESS_MARK) {
        let note = "took the request field of an access-log line (the first quoted string \
                    after the date); nginx logs it without its CRLF";
        return quoted_at(input, at + 2, note).map(Some);
    }
    Ok(None)
}

/// The quoted string opening at `open`, decoded.
fn quoted_at(input: &str, open: usize, note: &str) -> Result<Parsed, RawError> {
    let Some(close) = closing_quote(input, open + 1) else {
        let line_no = input[..open].matches('\n').count() + 1;
        let line_start = input[..open].rfind('\n').map_or(0, |n| n + 1);
        let line = input[line_start..].lines().next().unwrap_or("");
        return Err(RawError::at(
            line_no,
            line,
            open - line_start,
            "this quote is never closed",
        ));
    };
    let (end, cut) = strip_ellipsis(input, open + 1, close);
    let bytes = unescape_in(input, open + 1, end)?;
    let mut notes = vec![note.to_string()];
    if !input[close + 1..].trim().is_empty() {
        notes.push("ignored the text after the closing quote".into());
    }
    if cut {
        notes.push(ellipsis_note());
    }
    Ok(Parsed {
        bytes,
        format: Format::Escaped,
        notes,
    })
}

/// `end`, or the index before a final `...` (which marks cut bytes, not bytes).
fn strip_ellipsis(input: &str, start: usize, end: usize) -> (usize, bool) {
    match input[start..end].strip_suffix("...") {
        Some(rest) => (start + rest.len(), true),
        None => (end, false),
    }
}

fn ellipsis_note() -> String {
    "the quoted text ends with `...`: the logged bytes look truncated, more followed".into()
}

fn parse_nginx(input: &str, start: usize) -> Result<Parsed, RawError> {
    let mut notes = vec![
        "took the quoted bytes of an nginx `broken header` line; nginx logs what it had \
         read, only up to the first CR or LF"
            .to_string(),
    ];
    let close = match input[start..].find(NGINX_TAIL) {
        Some(n) => Some(start + n),
        None => closing_quote(input, start),
    };
    let close = close.unwrap_or_else(|| {
        notes.push(
            "the quoted text never closes: the log line looks cut (nginx cuts error-log \
             lines at 2048 bytes), so the bytes are truncated"
                .into(),
        );
        input[start..]
            .find(['\r', '\n'])
            .map_or(input.len(), |n| start + n)
    });
    let (end, cut) = strip_ellipsis(input, start, close);
    let bytes = unescape_in(input, start, end)?;
    if cut {
        notes.push(ellipsis_note());
    } else if bytes.len() == NGINX_V1_MAX {
        notes.push(format!(
            "exactly {NGINX_V1_MAX} bytes, the most nginx reads for a PROXY v1 header: the \
             logged bytes may be cut there"
        ));
    }
    if bytes.is_empty() {
        notes.push(
            "nginx logged no bytes: the peer sent nothing before closing (typical of \
             health checks)"
                .into(),
        );
    }
    Ok(Parsed {
        bytes,
        format: Format::Escaped,
        notes,
    })
}
