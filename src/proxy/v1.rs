//! PROXY v1 (text) parsing, to the letter of the spec.
//!
//! Rules enforced (offsets are from the first `P`): the line is printable ASCII ending in
//! CRLF within 107 bytes; single spaces between fields; protocol `TCP4`, `TCP6` or
//! `UNKNOWN`; addresses in the family the keyword names, no zone ids; ports decimal
//! 0–65535 with no sign and no leading zero. What nginx accepts although the spec forbids
//! it (leading zeros, an IPv4 address in a TCP6 line) yields a header with a
//! [`Warning`]; everything else yields [`Malformed`].

use super::{
    Command, Family, Header, Inspection, Malformed, Transport, V1_MAX_LEN, Version, Warning,
};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};

const PREFIX: &[u8] = b"PROXY ";

/// Whether `b` begins like a v1 header (or is a prefix of `PROXY `).
pub(super) fn could_be(b: &[u8]) -> bool {
    let n = b.len().min(5);
    b[..n] == PREFIX[..n]
}

fn bad(offset: usize, rule: &'static str, message: String) -> Inspection {
    Inspection::Malformed(rule_broken(offset, rule, message))
}

fn rule_broken(offset: usize, rule: &'static str, message: String) -> Malformed {
    Malformed {
        version: Version::V1,
        offset,
        rule,
        message,
        accepted_by: None,
    }
}

// What real receivers accept although the spec forbids it (observed on loopback and
// checked by tests/receivers.rs): the header is taken, the address or port is wrong.
const NGINX_TEXT: &str = "nginx 1.22 (it passes the text on as $proxy_protocol_addr)";
const HAPROXY_LAX: &str =
    "HAProxy 2.6 (its dotted-quad reader takes any digits and dots, up to 4 parts)";
const BOTH_LAX: &str = "nginx 1.22 (it passes the text on as $proxy_protocol_addr) and HAProxy 2.6 (its dotted-quad reader takes any digits and dots)";
const HAPROXY_PORT: &str = "HAProxy 2.6 (it does not range-check ports)";

/// Who accepts an address that fails the strict grammar.
fn lax_acceptance(t: &str, family: Family) -> Option<&'static str> {
    let nginx = t
        .bytes()
        .all(|c| c.is_ascii_hexdigit() || c == b'.' || c == b':');
    let parts: Vec<&str> = t.split('.').collect();
    let haproxy = family == Family::Inet
        && parts.len() <= 4
        && parts
            .iter()
            .all(|p| !p.is_empty() && p.bytes().all(|c| c.is_ascii_digit()));
    match (nginx, haproxy) {
        (true, true) => Some(BOTH_LAX),
        (true, false) => Some(NGINX_TEXT),
        (false, true) => Some(HAPROXY_LAX),
        (false, false) => None,
    }
}

/// Inspects bytes that begin like a v1 header.
pub(super) fn inspect(b: &[u8]) -> Inspection {
    if b.len() < PREFIX.len() {
        return Inspection::Incomplete {
            version: Version::V1,
            at_least: PREFIX.len() - b.len() + 2,
            exact: false,
        };
    }
    if b[5] != b' ' {
        return bad(
            5,
            "v1-prefix",
            format!(
                "v1 `PROXY` must be followed by a space, found {}",
                show_byte(b[5])
            ),
        );
    }
    let window = &b[..b.len().min(V1_MAX_LEN)];
    // Find the end of the line, judging every byte before it.
    for (i, &c) in window.iter().enumerate() {
        match c {
            b'\n' => {
                if i == 0 || window[i - 1] != b'\r' {
                    return bad(
                        i,
                        "v1-bare-lf",
                        format!("v1 line ends with a bare LF at byte {i}; it must end with CRLF"),
                    );
                }
                return parse_line(&b[..i - 1], i + 1);
            }
            b'\r' => {
                if let Some(&next) = window.get(i + 1)
                    && next != b'\n'
                {
                    return bad(
                        i,
                        "v1-lone-cr",
                        format!(
                            "v1 CR at byte {i} is followed by {}, not LF",
                            show_byte(next)
                        ),
                    );
                }
            }
            0x20..=0x7e => {}
            _ => {
                return bad(
                    i,
                    "v1-byte",
                    format!(
                        "byte {i} is {}, which cannot appear in a v1 line (printable ASCII only)",
                        show_byte(c)
                    ),
                );
            }
        }
    }
    if b.len() >= V1_MAX_LEN {
        return bad(
            V1_MAX_LEN,
            "v1-too-long",
            format!(
                "no CRLF within the first {V1_MAX_LEN} bytes; the longest legal v1 line is {V1_MAX_LEN} bytes"
            ),
        );
    }
    // Judge the complete fields we already have, so a cut log line still gets a verdict.
    if let Some(m) = early_field_check(b) {
        return m;
    }
    let at_least = if b.last() == Some(&b'\r') { 1 } else { 2 };
    Inspection::Incomplete {
        version: Version::V1,
        at_least,
        exact: false,
    }
}

fn show_byte(c: u8) -> String {
    if (0x21..0x7f).contains(&c) {
        format!("`{}` (0x{c:02x})", c as char)
    } else {
        format!("0x{c:02x}")
    }
}

/// A field of the line with its offset.
struct Field<'a> {
    text: &'a str,
    offset: usize,
}

fn split_fields(line: &str) -> Vec<Field<'_>> {
    // A well-formed line has six fields: one allocation.
    let mut out = Vec::with_capacity(6);
    let mut start = 0;
    // A space is one byte in UTF-8, so every index of one is a char boundary. A plain
    // loop: memchr's set-up per search costs more than these few dozen bytes.
    for (i, _) in line.bytes().enumerate().filter(|&(_, c)| c == b' ') {
        out.push(Field {
            text: &line[start..i],
            offset: start,
        });
        start = i + 1;
    }
    out.push(Field {
        text: &line[start..],
        offset: start,
    });
    out
}

fn early_field_check(b: &[u8]) -> Option<Inspection> {
    let text = std::str::from_utf8(b).ok()?;
    let fields = split_fields(text);
    // Only fields followed by a space are complete.
    let complete = fields.len().saturating_sub(1);
    if complete >= 2 {
        let proto = &fields[1];
        if let Err(m) = protocol(proto) {
            return Some(Inspection::Malformed(m));
        }
    }
    None
}

fn protocol(f: &Field<'_>) -> Result<Family, Malformed> {
    match f.text {
        "TCP4" => Ok(Family::Inet),
        "TCP6" => Ok(Family::Inet6),
        "UNKNOWN" => Ok(Family::Unspec),
        "" => Err(rule_broken(
            f.offset,
            "v1-empty-field",
            format!(
                "v1 protocol field is empty (two spaces in a row at byte {})",
                f.offset
            ),
        )),
        "UDP4" | "UDP6" => Err(rule_broken(
            f.offset,
            "v1-protocol",
            format!(
                "v1 protocol `{}` does not exist: v1 carries TCP only (TCP4, TCP6, UNKNOWN); UDP needs v2",
                f.text
            ),
        )),
        other => Err(rule_broken(
            f.offset,
            "v1-protocol",
            format!("v1 protocol `{other}` is not TCP4, TCP6 or UNKNOWN"),
        )),
    }
}

/// Parses the line without its CRLF; `total` is the header length with CRLF.
fn parse_line(line: &[u8], total: usize) -> Inspection {
    // Bytes were checked to be printable ASCII.
    let Ok(text) = std::str::from_utf8(line) else {
        return bad(0, "v1-byte", "v1 line is not ASCII".into());
    };
    let fields = split_fields(text);
    if fields.len() < 2 || (fields.len() == 2 && fields[1].text.is_empty()) {
        return bad(
            text.len(),
            "v1-missing-field",
            "v1 line ends after `PROXY `; a protocol (TCP4, TCP6 or UNKNOWN) must follow".into(),
        );
    }
    let family = match protocol(&fields[1]) {
        Ok(f) => f,
        Err(m) => return Inspection::Malformed(m),
    };
    let mut header = Header {
        version: Version::V1,
        command: Command::Proxy,
        family,
        transport: if family == Family::Unspec {
            Transport::Unspec
        } else {
            Transport::Stream
        },
        source: None,
        destination: None,
        unix_source: None,
        unix_destination: None,
        length: total,
        family_byte: None,
        tlvs: Vec::new(),
        crc32c_ok: None,
        warnings: Vec::new(),
    };
    if family == Family::Unspec {
        // UNKNOWN may carry anything up to CRLF; receivers use the socket addresses.
        return Inspection::Complete(header);
    }
    let rest = &fields[2..];
    let names = FIELD_NAMES;
    if let Some(wrong) = wrong_fields(text, &fields[1], rest) {
        return wrong;
    }
    let src = match address(&rest[0], names[0], family, &mut header.warnings) {
        Ok(a) => a,
        Err(m) => return Inspection::Malformed(m),
    };
    let dst = match address(&rest[1], names[1], family, &mut header.warnings) {
        Ok(a) => a,
        Err(m) => return Inspection::Malformed(m),
    };
    let sport = match port(&rest[2], names[2], &mut header.warnings) {
        Ok(p) => p,
        Err(m) => return Inspection::Malformed(m),
    };
    let dport = match port(&rest[3], names[3], &mut header.warnings) {
        Ok(p) => p,
        Err(m) => return Inspection::Malformed(m),
    };
    header.source = Some(SocketAddr::new(src, sport));
    header.destination = Some(SocketAddr::new(dst, dport));
    Inspection::Complete(header)
}

/// The four fields after the protocol of a TCP4/TCP6 line.
const FIELD_NAMES: [&str; 4] = [
    "source address",
    "destination address",
    "source port",
    "destination port",
];

/// `Some(malformed)` unless exactly four fields follow the protocol, none empty.
fn wrong_fields(text: &str, proto: &Field<'_>, rest: &[Field<'_>]) -> Option<Inspection> {
    if rest.len() != 4 {
        let (offset, what) = if rest.len() < 4 {
            (
                text.len(),
                format!("it ends before the {}", FIELD_NAMES[rest.len()]),
            )
        } else {
            (
                rest[4].offset,
                format!("an extra field starts at byte {}", rest[4].offset),
            )
        };
        return Some(bad(
            offset,
            if rest.len() < 4 {
                "v1-missing-field"
            } else {
                "v1-extra-field"
            },
            format!(
                "v1 {} line needs 4 fields after the protocol (source address, destination address, source port, destination port); {what}",
                proto.text
            ),
        ));
    }
    for (f, name) in rest.iter().zip(FIELD_NAMES) {
        if f.text.is_empty() {
            return Some(bad(
                f.offset,
                "v1-empty-field",
                format!(
                    "v1 {name} is empty (two spaces in a row at byte {})",
                    f.offset
                ),
            ));
        }
    }
    None
}

fn address(
    f: &Field<'_>,
    name: &str,
    family: Family,
    warnings: &mut Vec<Warning>,
) -> Result<IpAddr, Malformed> {
    let t = f.text;
    if family == Family::Inet
        && let Some(v4) = dotted_quad(t.as_bytes())
    {
        return Ok(IpAddr::V4(v4));
    }
    if let Some(pos) = t.find('%') {
        return Err(rule_broken(
            f.offset + pos,
            "v1-zone-id",
            format!(
                "v1 {name} `{t}` carries a zone id (`{}`); PROXY addresses cannot have one",
                &t[pos..]
            ),
        ));
    }
    if let Ok(v4) = t.parse::<Ipv4Addr>() {
        return match family {
            Family::Inet => Ok(IpAddr::V4(v4)),
            _ => {
                warnings.push(Warning {
                    offset: f.offset,
                    message: format!("v1 {name} `{t}` is an IPv4 address in a TCP6 line"),
                    accepted_by: "nginx (it does not match the address to the keyword)",
                    rejected_by: "HAProxy and go-proxyproto (Traefik): the header is refused",
                });
                Ok(IpAddr::V4(v4))
            }
        };
    }
    if let Some(v4) = lenient_ipv4(t) {
        warnings.push(Warning {
            offset: f.offset,
            message: format!(
                "v1 {name} `{t}` has a leading zero in an octet; HAProxy reads it as {v4}, nginx passes the text `{t}` on, inet_aton-style parsers read octal"
            ),
            accepted_by: "nginx 1.22 (keeps the text) and HAProxy 2.6 (reads decimal)",
            rejected_by: "the specification; go-proxyproto (Traefik) and other inet_pton-based parsers",
        });
        if family != Family::Inet {
            return Err(rule_broken(
                f.offset,
                "v1-family-mismatch",
                format!("v1 {name} `{t}` is IPv4 but the line says TCP6"),
            ));
        }
        return Ok(IpAddr::V4(v4));
    }
    if let Ok(v6) = t.parse::<Ipv6Addr>() {
        return Ok(ipv6(f, name, v6, family, warnings));
    }
    let expected = if family == Family::Inet6 {
        "IPv6"
    } else {
        "IPv4"
    };
    let mut m = rule_broken(
        f.offset,
        "v1-address",
        format!("v1 {name} `{t}` is not an {expected} address"),
    );
    m.accepted_by = lax_acceptance(t, family);
    Err(m)
}

/// An IPv6 address in a v1 line: warnings for an IPv4-mapped one, and for one in a
/// TCP4 line (which lenient receivers take).
fn ipv6(
    f: &Field<'_>,
    name: &str,
    v6: Ipv6Addr,
    family: Family,
    warnings: &mut Vec<Warning>,
) -> IpAddr {
    let t = f.text;
    match family {
        Family::Inet6 => {
            if let Some(v4) = v6.to_ipv4_mapped() {
                warnings.push(Warning {
                    offset: f.offset,
                    message: format!(
                        "v1 {name} `{t}` is an IPv4-mapped IPv6 address ({v4}); receivers disagree on whether it is IPv4 or IPv6"
                    ),
                    accepted_by: "nginx, HAProxy and go-proxyproto 0.7+ (which turns it into IPv4)",
                    rejected_by: "strict receivers such as older go-proxyproto (family does not match protocol)",
                });
            }
            IpAddr::V6(v6)
        }
        _ => {
            warnings.push(Warning {
                offset: f.offset,
                message: format!("v1 {name} `{t}` is an IPv6 address in a TCP4 line"),
                accepted_by: "nginx (it does not match the address to the keyword)",
                rejected_by: "HAProxy and go-proxyproto (Traefik): the header is refused",
            });
            IpAddr::V6(v6)
        }
    }
}

/// The common case first: four decimal octets, each `0` or 1–3 digits with no leading
/// zero and at most 255 — exactly what `Ipv4Addr::from_str` takes (a test holds the
/// two together). `None` for anything else, which the full path then judges.
fn dotted_quad(t: &[u8]) -> Option<Ipv4Addr> {
    let mut octets = [0u8; 4];
    // The octet being read, its value and its digits so far.
    let (mut at, mut value, mut digits) = (0usize, 0u16, 0u8);
    for &c in t {
        match c {
            b'.' if digits > 0 && at < 3 => {
                octets[at] = u8::try_from(value).ok()?;
                (at, value, digits) = (at + 1, 0, 0);
            }
            // A fourth digit, or a digit after a leading zero, is refused.
            b'0'..=b'9' if digits < 3 && !(digits == 1 && value == 0) => {
                value = value * 10 + u16::from(c - b'0');
                digits += 1;
            }
            _ => return None,
        }
    }
    if at != 3 || digits == 0 {
        return None;
    }
    octets[3] = u8::try_from(value).ok()?;
    Some(Ipv4Addr::from(octets))
}

/// Dotted quad whose octets have leading zeros (and so fail `Ipv4Addr::from_str`).
fn lenient_ipv4(t: &str) -> Option<Ipv4Addr> {
    let parts: Vec<&str> = t.split('.').collect();
    if parts.len() != 4 {
        return None;
    }
    let mut octets = [0u8; 4];
    for (o, p) in octets.iter_mut().zip(&parts) {
        if p.is_empty() || p.len() > 3 || !p.bytes().all(|c| c.is_ascii_digit()) {
            return None;
        }
        *o = p.parse::<u16>().ok().and_then(|v| u8::try_from(v).ok())?;
    }
    Some(Ipv4Addr::from(octets))
}

fn port(f: &Field<'_>, name: &str, warnings: &mut Vec<Warning>) -> Result<u16, Malformed> {
    let t = f.text;
    if !t.bytes().all(|c| c.is_ascii_digit()) {
        let what = if t.starts_with('+') || t.starts_with('-') {
            "has a sign; ports are plain decimal digits".to_string()
        } else {
            "is not a decimal number".to_string()
        };
        return Err(rule_broken(
            f.offset,
            "v1-port",
            format!("v1 {name} `{t}` {what}"),
        ));
    }
    let value: u32 = if t.len() > 5 {
        u32::MAX
    } else {
        t.parse().unwrap_or(u32::MAX)
    };
    if value > 65535 {
        let mut m = rule_broken(
            f.offset,
            "v1-port",
            format!("v1 {name} `{t}` is out of range (0–65535)"),
        );
        m.accepted_by = Some(HAPROXY_PORT);
        return Err(m);
    }
    if t.len() > 1 && t.starts_with('0') {
        warnings.push(Warning {
            offset: f.offset,
            message: format!("v1 {name} `{t}` has a leading zero"),
            accepted_by: "nginx and HAProxy (read as decimal)",
            rejected_by: "the specification; strict parsers refuse the header",
        });
    }
    Ok(value as u16)
}

#[cfg(test)]
mod tests {
    use super::dotted_quad;
    use proptest::prelude::*;
    use std::net::Ipv4Addr;

    /// The fast path takes exactly what std takes, with the same value.
    fn same_as_std(t: &str) {
        assert_eq!(
            dotted_quad(t.as_bytes()),
            t.parse::<Ipv4Addr>().ok(),
            "{t:?}"
        );
    }

    #[test]
    fn dotted_quad_edges() {
        for t in [
            "0.0.0.0",
            "255.255.255.255",
            "256.1.1.1",
            "01.2.3.4",
            "1.2.3",
            "1.2.3.4.",
            ".1.2.3.4",
            "1..2.3",
            "1.2.3.4.5",
            "1000.1.1.1",
            "1.2.3.+4",
            "1.2.3.-0",
            "",
            "1.2.3.4 ",
            "192.168.001.1",
            "10.0.0.10",
        ] {
            same_as_std(t);
        }
    }

    proptest! {
        #[test]
        fn dotted_quad_is_std(t in "[0-9.+ a]{0,16}") {
            same_as_std(&t);
        }

        #[test]
        fn near_quads_are_std(t in "[0-9]{0,4}(\\.[0-9]{0,4}){2,4}") {
            same_as_std(&t);
        }

        #[test]
        fn dotted_quad_takes_every_address(a: u8, b: u8, c: u8, d: u8) {
            let t = Ipv4Addr::new(a, b, c, d).to_string();
            prop_assert_eq!(dotted_quad(t.as_bytes()), Some(Ipv4Addr::new(a, b, c, d)));
        }
    }
}
