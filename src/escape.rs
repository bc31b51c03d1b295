//! Making peer bytes safe to print.
//!
//! Bytes that came from a peer (a header, a banner, a reply) can hold terminal escape
//! sequences. Anything shown to a person goes through here first, as fd's `sanitize.rs`
//! does: [`escape_bytes`] writes bytes the way nginx logs them (`\x16\x03\x01...`),
//! [`sanitize_text`] neutralises control characters in text we already hold.

use std::borrow::Cow;
use std::fmt::Write as _;

/// Escapes bytes as nginx logs them: printable ASCII stays, `"` and `\` are
/// backslash-escaped, everything else becomes `\xHH`.
pub fn escape_bytes(bytes: &[u8]) -> String {
    // Most peer text (HTTP heads, banners, server names) needs no escape: copied as it
    // is, after one look at every byte.
    if all_plain(bytes, true) {
        return String::from_utf8(bytes.to_vec()).unwrap_or_default();
    }
    // Each byte's escape from a table, four bytes written and its length kept, into a
    // stack buffer a block at a time, then copied; checked once at the end. By hand,
    // not `write!` or `String::push`: this runs for every conversation decoded.
    let mut out = Vec::with_capacity(bytes.len() + bytes.len() / 2 + 4);
    for block in bytes.chunks(64) {
        let mut buf = [0u8; 64 * 4];
        let mut n = 0;
        for &b in block {
            let (e, len) = NGINX_ESCAPE[usize::from(b)];
            if let Some(slot) = buf.get_mut(n..n + 4) {
                slot.copy_from_slice(&e);
            }
            n += usize::from(len);
        }
        out.extend_from_slice(&buf[..n]);
    }
    // Printable ASCII and escapes only: always UTF-8.
    String::from_utf8(out).unwrap_or_default()
}

/// Whether every byte of `bytes` is written as it is: not a control byte, `"` or `\`,
/// and, when `ascii`, not DEL or above (nginx's rule; JSON keeps those bytes).
///
/// No loop over single bytes: sixteen at a time with no branch inside a block (the
/// compiler checks a block in a few vector instructions), the last block overlapping
/// the one before; a shorter string as two overlapping words checked at once.
pub(crate) fn all_plain(bytes: &[u8], ascii: bool) -> bool {
    let n = bytes.len();
    match n {
        16.. => {
            let mut blocks = bytes.chunks_exact(16);
            blocks.by_ref().all(|b| block_plain(b, ascii))
                && (blocks.remainder().is_empty() || block_plain(&bytes[n - 16..], ascii))
        }
        8.. => word_plain(word(&bytes[..8]), ascii) && word_plain(word(&bytes[n - 8..]), ascii),
        4.. => word_plain(word(&bytes[..4]) | word(&bytes[n - 4..]) << 32, ascii),
        _ => bytes.iter().all(|&c| plain(c, ascii)),
    }
}

/// Sixteen bytes by [`all_plain`]'s rule, with no branch per byte.
#[inline]
fn block_plain(block: &[u8], ascii: bool) -> bool {
    let block: &[u8; 16] = block.try_into().unwrap_or(&[b' '; 16]);
    block.iter().fold(true, |all, &c| all & plain(c, ascii))
}

/// Up to eight bytes as a little-endian word.
#[inline]
fn word(bytes: &[u8]) -> u64 {
    let mut w = [0u8; 8];
    for (d, &b) in w.iter_mut().zip(bytes) {
        *d = b;
    }
    u64::from_le_bytes(w)
}

/// [`all_plain`]'s rule for one byte.
#[inline]
const fn plain(b: u8, ascii: bool) -> bool {
    (b >= 0x20) & (b != b'"') & (b != b'\\') & (!ascii | (b < 0x7f))
}

/// [`all_plain`]'s rule for the eight bytes of a word, with the exact "has a byte less
/// than n" test of Sean Anderson's *Bit Twiddling Hacks* (n at most 0x80).
#[inline]
pub(crate) fn word_plain(w: u64, ascii: bool) -> bool {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGHS: u64 = 0x8080_8080_8080_8080;
    let less = |x: u64, n: u64| x.wrapping_sub(ONES * n) & !x & HIGHS != 0;
    let has = |b: u8| less(w ^ (ONES * b as u64), 1);
    let high = (w & HIGHS != 0) | has(0x7f);
    !(less(w, 0x20) | has(b'"') | has(b'\\') | (ascii & high))
}

/// [`escape_bytes`]'s table: each byte's escape (padded to four bytes) and its length.
static NGINX_ESCAPE: [([u8; 4], u8); 256] = {
    let mut t = [([0u8; 4], 0u8); 256];
    let mut b = 0;
    while b < 256 {
        let byte = b as u8;
        t[b] = match byte {
            b'"' => ([b'\\', b'"', 0, 0], 2),
            b'\\' => ([b'\\', b'\\', 0, 0], 2),
            0x20..=0x7e => ([byte, 0, 0, 0], 1),
            _ => (
                [
                    b'\\',
                    b'x',
                    HEX[(byte >> 4) as usize],
                    HEX[(byte & 0x0f) as usize],
                ],
                4,
            ),
        };
        b += 1;
    }
    t
};

/// Like [`escape_bytes`], but shows at most `max` bytes and appends `...` when cut.
pub fn escape_bytes_max(bytes: &[u8], max: usize) -> String {
    if bytes.len() <= max {
        escape_bytes(bytes)
    } else {
        let mut s = escape_bytes(&bytes[..max]);
        s.push_str("...");
        s
    }
}

/// Replaces control characters (C0, DEL, C1) in `s` with `\xHH`/`\u{..}` escapes so
/// that text holding peer data cannot drive the terminal.
pub fn sanitize_text(s: &str) -> Cow<'_, str> {
    if !s.chars().any(is_control) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        if is_control(c) {
            if (c as u32) < 0x100 {
                let _ = write!(out, "\\x{:02x}", c as u32);
            } else {
                let _ = write!(out, "\\u{{{:x}}}", c as u32);
            }
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

fn is_control(c: char) -> bool {
    (c.is_control() && c != '\n' && c != '\t')
        || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

/// Lower-case hex digits.
const HEX: &[u8; 16] = b"0123456789abcdef";

/// Appends `b` as two lower-case hex digits (by hand: decode writes these for every
/// conversation whose bytes it shows as hex).
fn push_hex(out: &mut String, b: u8) {
    out.push(char::from(HEX[usize::from(b >> 4)]));
    out.push(char::from(HEX[usize::from(b & 0x0f)]));
}

/// Lower-case hex with a space between bytes: `16 03 01`.
pub fn hex_spaced(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len() * 3);
    for (i, &b) in bytes.iter().enumerate() {
        if i > 0 {
            out.push(' ');
        }
        push_hex(&mut out, b);
    }
    out
}

/// Lower-case hex without separators: `160301`.
pub fn hex_compact(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len() * 2);
    for &b in bytes {
        push_hex(&mut out, b);
    }
    out
}

/// The ASCII column of a hex dump: printable ASCII as itself, anything else as `.`.
pub fn ascii_column(bytes: &[u8]) -> String {
    bytes
        .iter()
        .map(|&b| {
            if (0x20..0x7f).contains(&b) {
                b as char
            } else {
                '.'
            }
        })
        .collect()
}

/// An xxd-style dump, 16 bytes a line, of at most `max` bytes.
pub fn hexdump(bytes: &[u8], max: usize) -> Vec<String> {
    let shown = &bytes[..bytes.len().min(max)];
    let mut lines: Vec<String> = shown
        .chunks(16)
        .enumerate()
        .map(|(i, chunk)| {
            let hex = hex_spaced(chunk);
            let ascii = ascii_column(chunk);
            format!("{:08x}  {:<47}  {}", i * 16, hex, ascii)
        })
        .collect();
    if bytes.len() > max {
        lines.push(format!("... {} more bytes", bytes.len() - max));
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The block test against the plain rule: every byte value at every place of
    /// strings of every length up to three blocks.
    #[test]
    fn all_plain_is_the_byte_rule() {
        for n in 1..48 {
            for at in 0..n {
                for b in 0..=255u8 {
                    let mut v = vec![b'a'; n];
                    v[at] = b;
                    let json = b >= 0x20 && b != b'"' && b != b'\\';
                    assert_eq!(all_plain(&v, false), json, "{n} {at} {b:#x}");
                    assert_eq!(all_plain(&v, true), json && b < 0x7f, "{n} {at} {b:#x}");
                }
            }
        }
        assert!(all_plain(b"", true));
    }

    #[test]
    fn escapes_like_nginx() {
        assert_eq!(
            escape_bytes(b"\x16\x03\x01A\"\\"),
            "\\x16\\x03\\x01A\\\"\\\\"
        );
        assert_eq!(escape_bytes(b"PROXY TCP4"), "PROXY TCP4");
        assert_eq!(escape_bytes(b"\r\n\x00\xff"), "\\x0d\\x0a\\x00\\xff");
        assert_eq!(escape_bytes_max(b"abcdef", 3), "abc...");
        assert_eq!(escape_bytes_max(b"abc", 3), "abc");
    }

    #[test]
    fn escapes_each_byte_alone_and_in_runs() {
        // The byte-at-a-time rule, written plainly.
        let one = |b: u8| match b {
            b'"' => "\\\"".to_string(),
            b'\\' => "\\\\".to_string(),
            0x20..=0x7e => (b as char).to_string(),
            _ => format!("\\x{b:02x}"),
        };
        let all: Vec<u8> = (0..=255).collect();
        for &b in &all {
            assert_eq!(escape_bytes(&[b]), one(b));
            assert_eq!(
                escape_bytes(&[b'a', b, b'z', b]),
                format!("a{}z{}", one(b), one(b))
            );
        }
        let want: String = all.iter().map(|&b| one(b)).collect();
        assert_eq!(escape_bytes(&all), want);
        assert_eq!(escape_bytes(b""), "");
    }

    #[test]
    fn sanitize_removes_terminal_controls() {
        assert_eq!(sanitize_text("plain"), Cow::Borrowed("plain"));
        assert_eq!(sanitize_text("a\x1b[31mb"), "a\\x1b[31mb");
        assert_eq!(sanitize_text("x\u{9b}y"), "x\\x9by");
        assert_eq!(sanitize_text("r\u{202e}l"), "r\\u{202e}l");
        assert_eq!(sanitize_text("keep\nnewline\ttab"), "keep\nnewline\ttab");
    }

    #[test]
    fn hex_forms() {
        assert_eq!(hex_spaced(&[0x16, 0x03, 0x01]), "16 03 01");
        assert_eq!(hex_compact(&[0x0d, 0x0a]), "0d0a");
        let d = hexdump(b"PROXY TCP4 1.2.3.4", 16);
        assert_eq!(d.len(), 2);
        assert!(d[0].starts_with("00000000  50 52 4f 58 59"));
        assert!(d[0].ends_with("PROXY TCP4 1.2.3"));
        assert_eq!(d[1], "... 2 more bytes");
    }
}
