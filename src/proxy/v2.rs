//! PROXY v2 (binary) parsing.
//!
//! Rules: signature (12 bytes), version nibble 2, command 0 (LOCAL) or 1 (PROXY), the
//! family/transport byte judged for all 256 values (valid: 00 11 12 21 22 31 32), the
//! length field authoritative, the address block sized by the family, TLVs framed to
//! the exact end. LOCAL headers: receivers skip the address block whatever the family
//! says, so no address is reported; TLVs are read right after the 16 fixed bytes when
//! they frame there (the AWS NLB health check), else after the declared address block.
//! Verdicts come as early as the bytes allow, so a cut header still gets one.

use super::tlv::{self, FramingError};
use super::{
    Command, Family, Header, Inspection, Malformed, Transport, V2_SIGNATURE, Version, Warning,
};
use std::net::{Ipv4Addr, Ipv6Addr, SocketAddr};

/// Whether `b` begins like a v2 header: a prefix of the signature, or a 12-byte start
/// that differs from it in at most 3 bytes (a damaged signature).
pub(super) fn could_be(b: &[u8]) -> bool {
    let n = b.len().min(12);
    if b[..n] == V2_SIGNATURE[..n] {
        return true;
    }
    n == 12 && damaged_signature(&b[..12])
}

fn damaged_signature(b: &[u8]) -> bool {
    let same = b
        .iter()
        .zip(V2_SIGNATURE)
        .filter(|(a, b)| **a == *b)
        .count();
    // Must share the distinctive NUL and "QUIT" part to count as a damaged signature.
    same >= 9 && b[4] == 0 && &b[7..11] == b"QUIT"
}

fn bad(offset: usize, rule: &'static str, message: String) -> Inspection {
    Inspection::Malformed(Malformed {
        version: Version::V2,
        offset,
        rule,
        message,
        accepted_by: None,
    })
}

/// Like [`bad`], for rules nginx does not enforce: it accepts the header, losing what
/// the broken part carried.
fn bad_but_nginx_accepts(
    offset: usize,
    rule: &'static str,
    message: String,
    what_nginx_does: &'static str,
) -> Inspection {
    Inspection::Malformed(Malformed {
        version: Version::V2,
        offset,
        rule,
        message,
        accepted_by: Some(what_nginx_does),
    })
}

const NGINX_NO_ADDRESSES: &str =
    "nginx 1.22 (it accepts the connection with empty $proxy_protocol_addr)";
const NGINX_LAZY_TLVS: &str =
    "nginx 1.22 (it reads TLVs only when a $proxy_protocol_tlv_ variable is used)";

/// Address block size for a family.
fn address_len(family: Family) -> usize {
    match family {
        Family::Unspec => 0,
        Family::Inet => 12,
        Family::Inet6 => 36,
        Family::Unix => 216,
    }
}

fn family_name(f: Family) -> &'static str {
    match f {
        Family::Unspec => "UNSPEC",
        Family::Inet => "INET",
        Family::Inet6 => "INET6",
        Family::Unix => "UNIX",
    }
}

/// Judges byte 13. `Err` holds the rule and the reason.
pub(crate) fn judge_family_byte(byte: u8) -> Result<(Family, Transport), (&'static str, String)> {
    let family = match byte >> 4 {
        0 => Family::Unspec,
        1 => Family::Inet,
        2 => Family::Inet6,
        3 => Family::Unix,
        n => {
            return Err((
                "v2-family",
                format!(
                    "v2 byte 13 is 0x{byte:02x}: address family {n} is not defined (0 UNSPEC, 1 INET, 2 INET6, 3 UNIX)"
                ),
            ));
        }
    };
    let transport = match byte & 0x0f {
        0 => Transport::Unspec,
        1 => Transport::Stream,
        2 => Transport::Dgram,
        n => {
            return Err((
                "v2-transport",
                format!(
                    "v2 byte 13 is 0x{byte:02x}: transport {n} is not defined (0 UNSPEC, 1 STREAM, 2 DGRAM)"
                ),
            ));
        }
    };
    let unspec_f = family == Family::Unspec;
    let unspec_t = transport == Transport::Unspec;
    if unspec_f != unspec_t {
        return Err((
            "v2-family-transport",
            format!(
                "v2 byte 13 is 0x{byte:02x}: {} with transport {} is not one of the defined pairs (00 11 12 21 22 31 32)",
                family_name(family),
                byte & 0x0f
            ),
        ));
    }
    Ok((family, transport))
}

/// Inspects bytes that begin like a v2 header.
pub(super) fn inspect(b: &[u8]) -> Inspection {
    if b.len() >= 12 && b[..12] != V2_SIGNATURE {
        let at = b
            .iter()
            .zip(V2_SIGNATURE)
            .position(|(a, s)| *a != s)
            .unwrap_or(0);
        return bad(
            at,
            "v2-signature",
            format!(
                "v2 signature is damaged: byte {at} is 0x{:02x} where 0x{:02x} belongs",
                b[at], V2_SIGNATURE[at]
            ),
        );
    }
    if b.len() > 12 {
        let vc = b[12];
        if vc >> 4 != 2 {
            return bad(
                12,
                "v2-version",
                format!(
                    "v2 byte 12 is 0x{vc:02x}: the version nibble is {} but must be 2",
                    vc >> 4
                ),
            );
        }
        if vc & 0x0f > 1 {
            return bad_but_nginx_accepts(
                12,
                "v2-command",
                format!(
                    "v2 byte 12 is 0x{vc:02x}: command {} is not defined (0 LOCAL, 1 PROXY)",
                    vc & 0x0f
                ),
                "nginx 1.22 (it does not check the command)",
            );
        }
        if b.len() > 13
            && vc & 0x0f == 1
            && let Err((rule, message)) = judge_family_byte(b[13])
        {
            return bad_but_nginx_accepts(13, rule, message, NGINX_NO_ADDRESSES);
        }
    }
    if b.len() < 16 {
        return Inspection::Incomplete {
            version: Version::V2,
            at_least: 16 - b.len(),
            exact: false,
        };
    }
    let length = u16::from_be_bytes([b[14], b[15]]) as usize;
    let total = 16 + length;
    if b.len() < total {
        return Inspection::Incomplete {
            version: Version::V2,
            at_least: total - b.len(),
            exact: true,
        };
    }
    let header = &b[..total];
    let command = if b[12] & 0x0f == 0 {
        Command::Local
    } else {
        Command::Proxy
    };
    match command {
        Command::Proxy => proxy(header, length),
        Command::Local => local(header, length),
    }
}

fn empty_header(command: Command, family: Family, transport: Transport, h: &[u8]) -> Header {
    Header {
        version: Version::V2,
        command,
        family,
        transport,
        source: None,
        destination: None,
        unix_source: None,
        unix_destination: None,
        length: h.len(),
        family_byte: Some(h[13]),
        tlvs: Vec::new(),
        crc32c_ok: None,
        warnings: Vec::new(),
    }
}

fn tlv_context(length: usize, family: Family) -> impl Fn(usize, usize, u8, usize) -> String {
    move |at, claimed, kind, left| {
        let block = address_len(family);
        let block_text = if block == 0 {
            "there is no address block".to_string()
        } else {
            format!("the {} address block takes {block}", family_name(family))
        };
        format!(
            "v2 length says {length} bytes follow; {block_text} and the TLV at offset {at} ({}) claims {claimed} bytes but only {left} remain",
            tlv::type_name(kind)
        )
    }
}

fn proxy(h: &[u8], length: usize) -> Inspection {
    let (family, transport) = match judge_family_byte(h[13]) {
        Ok(ft) => ft,
        Err((rule, message)) => {
            return bad_but_nginx_accepts(13, rule, message, NGINX_NO_ADDRESSES);
        }
    };
    let block = address_len(family);
    if length < block {
        return bad(
            14,
            "v2-length-short",
            format!(
                "v2 length says {length} bytes follow, but the {} address block alone takes {block}",
                family_name(family)
            ),
        );
    }
    let mut header = empty_header(Command::Proxy, family, transport, h);
    let a = &h[16..16 + block];
    match family {
        Family::Inet => {
            let src = Ipv4Addr::new(a[0], a[1], a[2], a[3]);
            let dst = Ipv4Addr::new(a[4], a[5], a[6], a[7]);
            header.source = Some(SocketAddr::new(
                src.into(),
                u16::from_be_bytes([a[8], a[9]]),
            ));
            header.destination = Some(SocketAddr::new(
                dst.into(),
                u16::from_be_bytes([a[10], a[11]]),
            ));
        }
        Family::Inet6 => {
            let mut s = [0u8; 16];
            let mut d = [0u8; 16];
            s.copy_from_slice(&a[..16]);
            d.copy_from_slice(&a[16..32]);
            header.source = Some(SocketAddr::new(
                Ipv6Addr::from(s).into(),
                u16::from_be_bytes([a[32], a[33]]),
            ));
            header.destination = Some(SocketAddr::new(
                Ipv6Addr::from(d).into(),
                u16::from_be_bytes([a[34], a[35]]),
            ));
        }
        Family::Unix => {
            header.unix_source = Some(unix_path(&a[..108]));
            header.unix_destination = Some(unix_path(&a[108..216]));
        }
        Family::Unspec => {}
    }
    let ctx = tlv_context(length, family);
    let mut warnings = Vec::new();
    match tlv::parse_area(&h[16 + block..], 16 + block, h, &mut warnings, &ctx) {
        Ok(tlvs) => {
            header.tlvs = tlvs;
            header.warnings = warnings;
            finish(header)
        }
        Err(FramingError { offset, message }) => {
            bad_but_nginx_accepts(offset, "v2-tlv-framing", message, NGINX_LAZY_TLVS)
        }
    }
}

fn local(h: &[u8], length: usize) -> Inspection {
    let byte = h[13];
    let judged = judge_family_byte(byte);
    let (family, transport) = judged
        .clone()
        .unwrap_or((Family::Unspec, Transport::Unspec));
    let mut header = empty_header(Command::Local, family, transport, h);
    if let Err((_, message)) = judged {
        header.warnings.push(Warning {
            offset: 13,
            message: format!("{message} (in a LOCAL header)"),
            accepted_by: "HAProxy 2.6 and nginx 1.22 (both skip the address block of LOCAL headers)",
            rejected_by: "parsers that judge byte 13 before the command",
        });
    }
    // Try the TLVs right after the fixed part first (AWS NLB), then after the block.
    let mut starts = vec![16];
    let block = address_len(family);
    if block > 0 && length >= block {
        starts.push(16 + block);
    }
    let mut first_error = None;
    for start in starts {
        let mut warnings = Vec::new();
        let ctx = tlv_context(length, if start == 16 { Family::Unspec } else { family });
        match tlv::parse_area(&h[start..], start, h, &mut warnings, &ctx) {
            Ok(tlvs) => {
                header.tlvs = tlvs;
                header.warnings.extend(warnings);
                return finish(header);
            }
            Err(e) => {
                first_error.get_or_insert(e);
            }
        }
    }
    if let Some(e) = first_error {
        header.warnings.push(Warning {
            offset: e.offset,
            message: format!("LOCAL header payload does not frame as TLVs: {}", e.message),
            accepted_by: "HAProxy and nginx (they skip the payload of LOCAL headers)",
            rejected_by: "receivers that read TLVs of LOCAL headers",
        });
    }
    finish(header)
}

fn finish(mut header: Header) -> Inspection {
    let crcs: Vec<bool> = header
        .tlvs
        .iter()
        .filter_map(|t| match &t.value {
            tlv::TlvValue::Crc32c { ok, .. } => Some(*ok),
            _ => None,
        })
        .collect();
    if crcs.len() > 1 {
        header.warnings.push(Warning {
            offset: header
                .tlvs
                .iter()
                .filter(|t| t.kind == tlv::kind::CRC32C)
                .nth(1)
                .map_or(0, |t| t.offset),
            message: format!("{} CRC32C TLVs; the spec expects at most one", crcs.len()),
            accepted_by: "nginx",
            rejected_by: "none known, but each checker may read a different one",
        });
    }
    if !crcs.is_empty() {
        header.crc32c_ok = Some(crcs.iter().all(|ok| *ok));
    }
    Inspection::Complete(header)
}

fn unix_path(b: &[u8]) -> String {
    let end = b.iter().position(|&c| c == 0).unwrap_or(b.len());
    crate::escape::escape_bytes(&b[..end])
}
