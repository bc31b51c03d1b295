//! The HTTP/1.x side of `--reply http` (sans-IO): find the end of a request head, read
//! the fields the report needs (method, target, Host, User-Agent, X-Forwarded-For,
//! Forwarded, X-Real-IP), and build the `200 OK` answer whose JSON body describes the
//! connection.
//!
//! Rules: heads are bounded by the caller ([`MAX_HEAD`]); every field taken from the
//! peer is escaped; a head that is not HTTP/1.x gets `400`. One request per
//! connection: the answer carries `Connection: close`.

use crate::escape::escape_bytes_max;
use serde::Serialize;

/// The HTTP request read with `--reply http`.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct HttpRequest {
    /// Method.
    pub method: String,
    /// Request target.
    pub target: String,
    /// `HTTP/1.1`.
    pub version: String,
    /// `Host`.
    pub host: Option<String>,
    /// `User-Agent`.
    pub user_agent: Option<String>,
    /// `X-Forwarded-For` (all occurrences joined with `, `).
    pub x_forwarded_for: Option<String>,
    /// `Forwarded` (RFC 7239).
    pub forwarded: Option<String>,
    /// `X-Real-IP`.
    pub x_real_ip: Option<String>,
}

/// The largest request head read.
pub const MAX_HEAD: usize = 16 * 1024;

/// Where the head ends (index after the blank line), if it does.
pub fn head_end(buf: &[u8]) -> Option<usize> {
    buf.windows(4)
        .position(|w| w == b"\r\n\r\n")
        .map(|i| i + 4)
        .or_else(|| buf.windows(2).position(|w| w == b"\n\n").map(|i| i + 2))
}

/// Reads a request head; `None` when the first line is not `METHOD TARGET HTTP/x`.
pub fn parse_head(head: &[u8]) -> Option<HttpRequest> {
    let mut lines = head
        .split(|&b| b == b'\n')
        .map(|l| l.strip_suffix(b"\r").unwrap_or(l));
    let first = lines.next()?;
    let mut parts = first.split(|&b| b == b' ').filter(|p| !p.is_empty());
    let method = parts.next()?;
    let target = parts.next()?;
    let version = parts.next()?;
    if !version.starts_with(b"HTTP/") || !method.iter().all(u8::is_ascii_uppercase) {
        return None;
    }
    let mut r = HttpRequest {
        method: esc(method),
        target: esc(target),
        version: esc(version),
        ..HttpRequest::default()
    };
    for line in lines {
        let Some(colon) = line.iter().position(|&b| b == b':') else {
            continue;
        };
        let name = &line[..colon];
        let value = esc(line[colon + 1..].trim_ascii());
        let slot = if name.eq_ignore_ascii_case(b"host") {
            &mut r.host
        } else if name.eq_ignore_ascii_case(b"user-agent") {
            &mut r.user_agent
        } else if name.eq_ignore_ascii_case(b"x-forwarded-for") {
            &mut r.x_forwarded_for
        } else if name.eq_ignore_ascii_case(b"forwarded") {
            &mut r.forwarded
        } else if name.eq_ignore_ascii_case(b"x-real-ip") {
            &mut r.x_real_ip
        } else {
            continue;
        };
        // Repeated list headers combine in order (RFC 9110 5.3).
        *slot = Some(match slot.take() {
            Some(prev) => format!("{prev}, {value}"),
            None => value,
        });
    }
    Some(r)
}

fn esc(b: &[u8]) -> String {
    escape_bytes_max(b, 1024)
}

/// `200 OK` with a JSON body (HEAD requests get the headers only).
pub fn ok_response(body: &str, head_only: bool) -> Vec<u8> {
    let mut out = format!(
        "HTTP/1.1 200 OK\r\nServer: ppdiag\r\nContent-Type: application/json\r\nContent-Length: {}\r\nCache-Control: no-store\r\nConnection: close\r\n\r\n",
        body.len()
    )
    .into_bytes();
    if !head_only {
        out.extend_from_slice(body.as_bytes());
    }
    out
}

/// `400 Bad Request` with a one-line reason.
pub fn bad_request(reason: &str) -> Vec<u8> {
    let body = format!("{reason}\n");
    format!(
        "HTTP/1.1 400 Bad Request\r\nServer: ppdiag\r\nContent-Type: text/plain\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .into_bytes()
}

/// An IMF-fixdate (`Sun, 06 Nov 1994 08:49:37 GMT`) for seconds since the epoch.
pub fn http_date(secs: u64) -> String {
    const DAYS: [&str; 7] = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"];
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let days = secs / 86_400;
    let rem = secs % 86_400;
    // Civil-from-days (Howard Hinnant's algorithm).
    let z = days as i64 + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!(
        "{}, {:02} {} {} {:02}:{:02}:{:02} GMT",
        DAYS[(days % 7) as usize],
        d,
        MONTHS[(m - 1) as usize],
        y,
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_forwarding_headers() {
        let head = b"GET /x?y HTTP/1.1\r\nHost: a.example\r\nX-Forwarded-For: 192.0.2.1\r\nx-forwarded-for: 10.0.0.1\r\nForwarded: for=192.0.2.1;proto=https\r\nUser-Agent: curl/7.88\r\n\r\n";
        assert_eq!(head_end(head), Some(head.len()));
        let r = parse_head(head).unwrap();
        assert_eq!(r.method, "GET");
        assert_eq!(r.target, "/x?y");
        assert_eq!(r.host.as_deref(), Some("a.example"));
        assert_eq!(r.x_forwarded_for.as_deref(), Some("192.0.2.1, 10.0.0.1"));
        assert_eq!(r.forwarded.as_deref(), Some("for=192.0.2.1;proto=https"));
        assert_eq!(r.user_agent.as_deref(), Some("curl/7.88"));
    }

    #[test]
    fn rejects_non_http_and_escapes() {
        assert!(parse_head(b"\x16\x03\x01\x00").is_none());
        assert!(parse_head(b"get / HTTP/1.1\r\n\r\n").is_none());
        let r = parse_head(b"GET /\x1b[31m HTTP/1.1\r\nHost: \xff\r\n\r\n").unwrap();
        assert_eq!(r.target, "/\\x1b[31m");
        assert_eq!(r.host.as_deref(), Some("\\xff"));
    }

    #[test]
    fn dates() {
        assert_eq!(http_date(784_111_777), "Sun, 06 Nov 1994 08:49:37 GMT");
        assert_eq!(http_date(0), "Thu, 01 Jan 1970 00:00:00 GMT");
        assert_eq!(http_date(951_782_400), "Tue, 29 Feb 2000 00:00:00 GMT");
    }

    #[test]
    fn responses_have_lengths() {
        let r = String::from_utf8(ok_response("{}", false)).unwrap();
        assert!(r.contains("Content-Length: 2\r\n") && r.ends_with("\r\n\r\n{}"));
        let r = String::from_utf8(ok_response("{}", true)).unwrap();
        assert!(r.ends_with("\r\n\r\n"));
    }
}
