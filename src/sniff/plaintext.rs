//! Plaintext openings: HTTP/1.x requests and responses, server banners (SSH, SMTP,
//! FTP), and the hex/ASCII view of bytes nothing recognised.
//!
//! Rules:
//! - sans-IO, never panics; lines end at LF (a CR before it is dropped); a line with no
//!   LF yet is reported with `complete: false`, not rejected.
//! - Text from the peer is stored escaped with [`crate::escape::escape_bytes`], so any
//!   field may be printed as it is.
//! - Recognition is by prefix only: a request needs one of the usual methods followed
//!   by a space, a response needs `HTTP/`. A bare `220 ` greeting that names neither
//!   SMTP nor FTP is reported as `smtp-or-ftp`, never guessed.

use serde::Serialize;

use crate::escape::{escape_bytes, hex_spaced};

/// Methods recognised at the start of a request (`PRI` is the HTTP/2 preface).
pub const METHODS: [&str; 10] = [
    "GET", "HEAD", "POST", "PUT", "DELETE", "CONNECT", "OPTIONS", "TRACE", "PATCH", "PRI",
];

/// An HTTP/1.x request or response head.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct HttpInfo {
    /// `request` or `response`.
    pub message: &'static str,
    /// Request method.
    pub method: Option<String>,
    /// Request target.
    pub target: Option<String>,
    /// `HTTP/1.1`, `HTTP/1.0`, `HTTP/2.0` (null when the line is cut short before it).
    pub version: Option<String>,
    /// Response status code.
    pub status: Option<u16>,
    /// Response reason phrase.
    pub reason: Option<String>,
    /// `Host` header of a request.
    pub host: Option<String>,
    /// `Server` header of a response.
    pub server: Option<String>,
    /// The bytes start the HTTP/2 connection preface `PRI * HTTP/2.0`.
    pub h2_preface: bool,
    /// The blank line ending the head is present.
    pub head_complete: bool,
}

/// A server's greeting line.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Banner {
    /// `ssh`, `smtp`, `ftp`, `imap`, `pop3`, `mysql`, or `smtp-or-ftp` when a `220`
    /// greeting names neither.
    pub protocol: &'static str,
    /// The first line, without its line end, escaped.
    pub line: String,
    /// SSH protocol version (`2.0`).
    pub version: Option<String>,
    /// Software named by the banner when it is easy to tell (SSH: `OpenSSH_9.6p1`;
    /// FTP: vsFTPd, ProFTPD, Pure-FTPd, FileZilla; SMTP: Postfix, Exim, Sendmail).
    pub software: Option<String>,
    /// The line end is present.
    pub complete: bool,
}

/// Bytes nothing recognised.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct UnknownBytes {
    /// Total bytes given.
    pub length: usize,
    /// First 64 bytes as spaced lower-case hex.
    pub hex: String,
    /// First 64 bytes, printable ASCII kept, anything else as `.`.
    pub ascii: String,
}

/// How many bytes [`unknown`] shows.
pub const UNKNOWN_SHOWN: usize = 64;

/// Hex and ASCII of the first [`UNKNOWN_SHOWN`] bytes.
pub fn unknown(bytes: &[u8]) -> UnknownBytes {
    let shown = bytes.get(..UNKNOWN_SHOWN).unwrap_or(bytes);
    UnknownBytes {
        length: bytes.len(),
        hex: hex_spaced(shown),
        ascii: crate::escape::ascii_column(shown),
    }
}

/// A MySQL/MariaDB initial handshake packet: a 3-byte little-endian length, sequence
/// number 0, protocol version 10, then the server version as a NUL-terminated string
/// (MySQL client/server protocol, "Protocol::HandshakeV10").
fn mysql_greeting(bytes: &[u8]) -> Option<Banner> {
    let [l0, l1, l2, 0, 10, rest @ ..] = bytes else {
        return None;
    };
    let len = usize::from(*l0) | usize::from(*l1) << 8 | usize::from(*l2) << 16;
    if !(10..=1024).contains(&len) {
        return None;
    }
    let end = rest.iter().take(64).position(|&b| b == 0)?;
    let version = rest.get(..end)?;
    if version.is_empty() || !version.iter().all(|b| b.is_ascii_graphic()) {
        return None;
    }
    let software = if contains_ignore_case(version, b"MARIADB") {
        "MariaDB"
    } else {
        "MySQL"
    };
    Some(Banner {
        protocol: "mysql",
        line: format!(
            "{software} handshake, server version {}",
            escape_bytes(version)
        ),
        version: Some(escape_bytes(version)),
        software: Some(software.into()),
        complete: bytes.len() >= 4 + len,
    })
}

/// What printable bytes that are no protocol ppdiag knows look like: `JSON text` (an
/// API's answer; a complete document, or the start of an object or array of quoted
/// keys), `HTML` or `plain text`; `None` for binary bytes.
pub fn text_kind(bytes: &[u8]) -> Option<&'static str> {
    let shown = &bytes[..bytes.len().min(512)];
    let printable = shown
        .iter()
        .filter(|c| c.is_ascii_graphic() || c.is_ascii_whitespace() || **c >= 0x80)
        .count();
    if shown.is_empty() || printable * 10 < shown.len() * 9 {
        return None;
    }
    let t = bytes.trim_ascii_start();
    let json = serde_json::from_slice::<serde::de::IgnoredAny>(bytes).is_ok()
        && matches!(t.first(), Some(b'{' | b'['))
        || t.starts_with(b"{\"")
        || t.starts_with(b"[{");
    if json {
        return Some("JSON text");
    }
    let lower = t.get(..t.len().min(16)).unwrap_or(t).to_ascii_lowercase();
    if lower.starts_with(b"<!doctype html") || lower.starts_with(b"<html") {
        return Some("HTML without a status line");
    }
    Some("plain text")
}

/// The first line (without CR LF) and whether its LF is present.
fn first_line(bytes: &[u8]) -> (&[u8], bool) {
    match bytes.iter().position(|&b| b == b'\n') {
        Some(i) => {
            let line = bytes.get(..i).unwrap_or(bytes);
            (line.strip_suffix(b"\r").unwrap_or(line), true)
        }
        None => (bytes, false),
    }
}

/// The method a request starts with: `METHOD ` at the start, or all of `bytes` (at
/// least 3 of them) being the start of `METHOD `.
pub fn request_method(bytes: &[u8]) -> Option<&'static str> {
    // `METHOD ` compared in two parts, the method then the space, without building it.
    // The first byte first: most methods are ruled out without a comparison call.
    let starts_method_sp = |m: &[u8], b: &[u8]| {
        let n = m.len().min(b.len());
        m.first() == b.first()
            && m.get(..n) == b.get(..n)
            && b.get(m.len()).is_none_or(|&c| c == b' ')
    };
    if bytes.len() < 3 {
        return None;
    }
    METHODS
        .into_iter()
        .find(|m| starts_method_sp(m.as_bytes(), bytes))
}

/// Whether the bytes start a response (`HTTP/`, or at least `HTTP` when that is all).
pub fn is_response(bytes: &[u8]) -> bool {
    bytes.starts_with(b"HTTP/") || (bytes.len() >= 4 && b"HTTP/".starts_with(bytes))
}

/// The body says plaintext reached a TLS port: nginx's `The plain HTTP request was sent
/// to HTTPS port`, Go's `Client sent an HTTP request to an HTTPS server`. (The phrases
/// are ASCII: the bytes are searched, as their lossy UTF-8 text would be.)
pub fn says_plain_http_to_tls(bytes: &[u8]) -> bool {
    use memchr::memmem::Finder;
    // Built once: building a searcher costs more than searching one short answer.
    static PHRASES: std::sync::LazyLock<[Finder<'static>; 2]> = std::sync::LazyLock::new(|| {
        [
            Finder::new(b"plain HTTP request was sent to HTTPS port"),
            Finder::new(b"Client sent an HTTP request to an HTTPS server"),
        ]
    });
    PHRASES.iter().any(|f| f.find(bytes).is_some())
}

/// A header line split at its colon: name, value (trimmed).
type HeaderLine<'a> = (&'a [u8], &'a [u8]);

/// Header lines after the first line, up to the blank line; and whether it was seen.
fn headers(bytes: &[u8]) -> (Vec<HeaderLine<'_>>, bool) {
    // Room for a usual head's lines at once rather than growing by doubling.
    let mut out = Vec::with_capacity(16);
    let mut rest = match memchr::memchr(b'\n', bytes) {
        Some(i) => bytes.get(i + 1..).unwrap_or(&[]),
        None => return (out, false),
    };
    // Each line's end is found once (memchr: every HTTP answer in a capture is read).
    while let Some(end) = memchr::memchr(b'\n', rest) {
        let line = rest.get(..end).unwrap_or(&[]);
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        if line.is_empty() {
            return (out, true);
        }
        if let Some(colon) = memchr::memchr(b':', line) {
            let name = line.get(..colon).unwrap_or(&[]);
            let value = line.get(colon + 1..).unwrap_or(&[]).trim_ascii();
            out.push((name, value));
        }
        rest = rest.get(end + 1..).unwrap_or(&[]);
    }
    (out, false)
}

fn header(hs: &[HeaderLine<'_>], name: &str) -> Option<String> {
    hs.iter()
        .find(|(n, _)| n.eq_ignore_ascii_case(name.as_bytes()))
        .map(|(_, v)| escape_bytes(v))
}

/// Reads a request head (call when [`request_method`] matched).
pub fn parse_request(bytes: &[u8], method: &str) -> HttpInfo {
    let (line, _) = first_line(bytes);
    let mut parts = line.splitn(3, |&b| b == b' ');
    let _ = parts.next();
    let target = parts.next().map(escape_bytes);
    let version = parts.next().map(escape_bytes);
    let (hs, head_complete) = headers(bytes);
    HttpInfo {
        message: "request",
        method: Some(method.into()),
        h2_preface: method == "PRI" && line.starts_with(b"PRI * HTTP/2.0"),
        target,
        version,
        status: None,
        reason: None,
        host: header(&hs, "host"),
        server: None,
        head_complete,
    }
}

/// Reads a response head (call when [`is_response`] matched).
pub fn parse_response(bytes: &[u8]) -> HttpInfo {
    let (line, has_lf) = first_line(bytes);
    let mut parts = line.splitn(3, |&b| b == b' ');
    let first = parts.next().unwrap_or(&[]);
    // The version is only known once the space after it (or the line end) is there.
    let version = (line.contains(&b' ') || has_lf).then(|| escape_bytes(first));
    let status = parts
        .next()
        .filter(|s| s.len() == 3 && s.iter().all(u8::is_ascii_digit))
        .and_then(|s| std::str::from_utf8(s).ok())
        .and_then(|s| s.parse().ok());
    let reason = parts.next().map(escape_bytes);
    let (hs, head_complete) = headers(bytes);
    HttpInfo {
        message: "response",
        method: None,
        target: None,
        version,
        status,
        reason,
        host: None,
        server: header(&hs, "server"),
        h2_preface: false,
        head_complete,
    }
}

/// The first software of `table` (its name in upper case, then as shown) that the
/// banner line names, in any case.
fn software_named(line: &[u8], table: &[(&str, &str)]) -> Option<String> {
    table
        .iter()
        .find(|(n, _)| contains_ignore_case(line, n.as_bytes()))
        .map(|(_, s)| s.to_string())
}

/// Reads a server banner: `SSH-`, a `220` greeting (`220 ` or `220-`), an IMAP
/// (`* OK`, `* PREAUTH`, RFC 9051 section 7.1) or POP3 (`+OK`, RFC 1939 section 4)
/// greeting, or a MySQL/MariaDB handshake packet (protocol 10).
pub fn banner(bytes: &[u8]) -> Option<Banner> {
    if let Some(b) = mysql_greeting(bytes) {
        return Some(b);
    }
    let (line, complete) = first_line(bytes);
    for (prefix, protocol) in [
        (&b"* OK"[..], "imap"),
        (b"* PREAUTH", "imap"),
        (b"+OK", "pop3"),
    ] {
        if line.starts_with(prefix) {
            let software = software_named(
                line,
                &[
                    ("DOVECOT", "Dovecot"),
                    ("CYRUS", "Cyrus"),
                    ("COURIER", "Courier"),
                ],
            );
            return Some(Banner {
                protocol,
                line: escape_bytes(line),
                version: None,
                software,
                complete,
            });
        }
    }
    if line.starts_with(b"SSH-") {
        let mut parts = line.splitn(3, |&b| b == b'-');
        let _ = parts.next();
        let version = parts.next().map(escape_bytes);
        let software = parts
            .next()
            .map(|s| s.split(|&b| b == b' ').next().unwrap_or(s))
            .map(escape_bytes);
        return Some(Banner {
            protocol: "ssh",
            line: escape_bytes(line),
            version,
            software,
            complete,
        });
    }
    if !(line.starts_with(b"220 ") || line.starts_with(b"220-")) {
        return None;
    }
    let has = |needle: &[u8]| contains_ignore_case(line, needle);
    let named = |table: &[(&str, &str)]| software_named(line, table);
    let (protocol, software) = if has(b"SMTP") {
        let sw = named(&[
            ("POSTFIX", "Postfix"),
            ("EXIM", "Exim"),
            ("SENDMAIL", "Sendmail"),
        ]);
        ("smtp", sw)
    } else if has(b"FTP") || has(b"FILEZILLA") {
        let sw = named(&[
            ("VSFTPD", "vsFTPd"),
            ("PROFTPD", "ProFTPD"),
            ("PURE-FTPD", "Pure-FTPd"),
            ("FILEZILLA", "FileZilla"),
        ]);
        ("ftp", sw)
    } else {
        ("smtp-or-ftp", None)
    };
    Some(Banner {
        protocol,
        line: escape_bytes(line),
        version: None,
        software,
        complete,
    })
}

/// Mostly printable text (HTML or a message), as a plaintext server writes.
pub fn is_text(b: &[u8]) -> bool {
    let shown = &b[..b.len().min(256)];
    let printable = shown
        .iter()
        .filter(|c| c.is_ascii_graphic() || c.is_ascii_whitespace())
        .count();
    shown.len() >= 8 && printable * 10 >= shown.len() * 9
}

/// An error line or packet of a protocol ppdiag knows.
pub fn is_error(b: &[u8]) -> bool {
    let line = b.split(|&c| c == b'\n').next().unwrap_or(b);
    // Compared without case in place (no upper-cased copy of the line).
    let starts = |p: &[u8]| {
        line.get(..p.len())
            .is_some_and(|h| h.eq_ignore_ascii_case(p))
    };
    starts(b"-ERR")
        || starts(b"-WRONGTYPE")
        || starts(b"-NOAUTH")
        || (line.len() >= 4
            && matches!(line[0], b'4' | b'5')
            && line[1..3].iter().all(u8::is_ascii_digit)
            && matches!(line[3], b' ' | b'-'))
        || contains_ignore_case(line, b" BAD ")
        || starts(b"* BAD")
        || starts(b"* BYE")
        || starts(b"PROTOCOL MISMATCH")
        || starts(b"INVALID SSH IDENTIFICATION")
        || mysql_error(b)
}

/// A MySQL error packet: 3-byte length, sequence number, then 0xFF.
fn mysql_error(b: &[u8]) -> bool {
    b.len() > 5 && b[4] == 0xFF && usize::from(b[0]) + 4 <= b.len() + 256
}

/// Whether `needle` is in `hay`, whatever the case of either's ASCII letters (what
/// upper-casing both and searching would say, without the copies); the first byte is
/// compared before the rest, so most places are ruled out without a comparison call.
pub fn contains_ignore_case(hay: &[u8], needle: &[u8]) -> bool {
    let Some(first) = needle.first() else {
        return true;
    };
    hay.windows(needle.len())
        .any(|w| w[0].eq_ignore_ascii_case(first) && w.eq_ignore_ascii_case(needle))
}
