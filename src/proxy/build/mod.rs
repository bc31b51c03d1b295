//! Building PROXY headers exactly as asked (sans-IO), beside the parser that reads
//! them: valid ones, broken ones on purpose for testing receivers, and the balancers'
//! health checks byte for byte. [`tlvs`] makes TLV values.
//!
//! [`build`] turns a [`HeaderSpec`] into bytes. Valid headers are built with the `ppp`
//! crate (a well-kept library first); what `ppp` cannot make is covered here:
//! a v2 LOCAL header that declares an address family without an address block (the AWS
//! NLB health check), a CRC32C TLV computed over the finished header, and the
//! deliberate faults of [`Break`]. Every fault is read back by [`crate::proxy::inspect`]
//! in this module's tests as the fault it claims to be.
//!
//! Rules: no I/O; never panics; a spec that cannot be built (v1 with TLVs, mixed address
//! families in v1) is a [`BuildError`] with words a user understands.

pub mod tlvs;

use super::{Family, Transport, V2_SIGNATURE, kind};
use serde::Serialize;
use std::fmt;
use std::net::SocketAddr;

/// Which header to build.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    /// The text form.
    V1,
    /// The binary form.
    V2,
}

/// A deliberate fault, for testing receivers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Break {
    /// Corrupt the signature (v2: last byte; v1: `PROXZ`).
    Signature,
    /// v2: version nibble 1 instead of 2; v1: protocol `TCP5`.
    Version,
    /// v2: command nibble 0xF (neither LOCAL nor PROXY).
    Command,
    /// v2: family nibble 0x4 (no such family); v1: `TCP4` with IPv6 addresses, `UDP4`
    /// for IPv4 ones.
    Family,
    /// v2: the length field claims 7 bytes more than are sent (the receiver waits or
    /// reports a truncated header).
    Length,
    /// v2: a CRC32C TLV whose value does not match (adds one if none was asked for).
    Crc,
    /// v2: the last TLV's length runs past the end of the header (adds a NOOP TLV when
    /// there is none).
    Tlv,
    /// Send only the first half of the header.
    Truncate,
    /// v1: end the line with LF only.
    Crlf,
    /// v1: pad the line past the 107-byte limit.
    TooLong,
    /// v1: a port out of range (65536).
    Port,
    /// Send the header twice (two balancers each adding one).
    Duplicate,
}

impl Break {
    /// Every fault, for help texts and tests.
    pub const ALL: [Break; 12] = [
        Break::Signature,
        Break::Version,
        Break::Command,
        Break::Family,
        Break::Length,
        Break::Crc,
        Break::Tlv,
        Break::Truncate,
        Break::Crlf,
        Break::TooLong,
        Break::Port,
        Break::Duplicate,
    ];

    /// The CLI name.
    pub fn name(self) -> &'static str {
        match self {
            Break::Signature => "signature",
            Break::Version => "version",
            Break::Command => "command",
            Break::Family => "family",
            Break::Length => "length",
            Break::Crc => "crc",
            Break::Tlv => "tlv",
            Break::Truncate => "truncate",
            Break::Crlf => "crlf",
            Break::TooLong => "too-long",
            Break::Port => "port",
            Break::Duplicate => "duplicate",
        }
    }

    /// Which versions the fault applies to.
    pub fn applies_to(self, kind: Kind) -> bool {
        match self {
            Break::Command | Break::Length | Break::Crc | Break::Tlv => kind == Kind::V2,
            Break::Crlf | Break::TooLong | Break::Port => kind == Kind::V1,
            _ => true,
        }
    }
}

/// What to build.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HeaderSpec {
    /// v1 or v2.
    pub kind: Kind,
    /// v2 LOCAL (health check) instead of PROXY.
    pub local: bool,
    /// Source address (the client the balancer speaks for).
    pub src: Option<SocketAddr>,
    /// Destination address.
    pub dst: Option<SocketAddr>,
    /// Override the declared family (v2: with LOCAL and no addresses this gives the
    /// AWS NLB health-check form; v1: `Unspec` gives `PROXY UNKNOWN`).
    pub family: Option<Family>,
    /// v2 transport (default stream).
    pub transport: Transport,
    /// TLVs, in order: type and value.
    pub tlvs: Vec<(u8, Vec<u8>)>,
    /// Append a CRC32C TLV computed over the finished header.
    pub crc32c: bool,
    /// Deliberate faults.
    pub breaks: Vec<Break>,
}

impl HeaderSpec {
    /// A plain header of `kind` between `src` and `dst`.
    pub fn new(kind: Kind, src: SocketAddr, dst: SocketAddr) -> Self {
        HeaderSpec {
            kind,
            local: false,
            src: Some(src),
            dst: Some(dst),
            family: None,
            transport: Transport::Stream,
            tlvs: Vec::new(),
            crc32c: false,
            breaks: Vec::new(),
        }
    }

    /// A v2 LOCAL header with no addresses (family UNSPEC), as HAProxy's checks send.
    pub fn local() -> Self {
        HeaderSpec {
            kind: Kind::V2,
            local: true,
            src: None,
            dst: None,
            family: None,
            transport: Transport::Unspec,
            tlvs: Vec::new(),
            crc32c: false,
            breaks: Vec::new(),
        }
    }
}

/// The AWS NLB health-check header, byte for byte (kubernetes/kubernetes#57250): v2
/// LOCAL, family 0x11, length 84,
/// a CRC32C TLV (computed over the whole header with its value zeroed), then a NOOP TLV
/// of 74 zero bytes.
pub fn aws_nlb_health_check() -> Vec<u8> {
    let mut h = V2_SIGNATURE.to_vec();
    h.extend_from_slice(&[0x20, 0x11, 0x00, 84]);
    h.extend_from_slice(&[kind::CRC32C, 0x00, 0x04, 0, 0, 0, 0]);
    h.extend_from_slice(&[kind::NOOP, 0x00, 74]);
    h.extend_from_slice(&[0u8; 74]);
    let crc = super::crc_with_zeroed(&h, 16 + 3);
    h[19..23].copy_from_slice(&crc.to_be_bytes());
    h
}

/// HAProxy's health-check header: v2 LOCAL, family UNSPEC, no address block.
pub fn haproxy_health_check() -> Vec<u8> {
    let mut h = V2_SIGNATURE.to_vec();
    h.extend_from_slice(&[0x20, 0x00, 0x00, 0x00]);
    h
}

/// Why a spec cannot be built.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BuildError(pub String);

impl fmt::Display for BuildError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for BuildError {}

/// Builds the header bytes.
pub fn build(spec: &HeaderSpec) -> Result<Vec<u8>, BuildError> {
    for b in &spec.breaks {
        if !b.applies_to(spec.kind) {
            return Err(BuildError(format!(
                "--break {} does not apply to a {} header",
                b.name(),
                if spec.kind == Kind::V1 { "v1" } else { "v2" }
            )));
        }
    }
    let mut bytes = match spec.kind {
        Kind::V1 => build_v1(spec)?,
        Kind::V2 => build_v2(spec)?,
    };
    if spec.breaks.contains(&Break::Truncate) {
        bytes.truncate(bytes.len() / 2);
    }
    if spec.breaks.contains(&Break::Duplicate) {
        let copy = bytes.clone();
        bytes.extend_from_slice(&copy);
    }
    Ok(bytes)
}

fn build_v1(spec: &HeaderSpec) -> Result<Vec<u8>, BuildError> {
    if !spec.tlvs.is_empty() || spec.crc32c {
        return Err(BuildError(
            "TLVs (and CRC32C) exist only in v2 headers; use --proxy v2".into(),
        ));
    }
    if spec.local {
        return Err(BuildError(
            "LOCAL exists only in v2 headers; the v1 equivalent is `PROXY UNKNOWN` (--family unspec)"
                .into(),
        ));
    }
    let unknown = spec.family == Some(Family::Unspec);
    let mut line = match (spec.src, spec.dst, unknown) {
        (_, _, true) | (None, None, false) => "PROXY UNKNOWN\r\n".to_string(),
        (Some(s), Some(d), false) => {
            if s.is_ipv4() != d.is_ipv4() {
                return Err(BuildError(format!(
                    "a v1 header needs both addresses in one family ({s} and {d}); give --src/--dst of the same family"
                )));
            }
            if matches!(spec.family, Some(Family::Unix)) {
                return Err(BuildError("v1 headers have no UNIX family".into()));
            }
            ppp::v1::Addresses::from((s, d)).to_string()
        }
        _ => {
            return Err(BuildError("give both --src and --dst, or neither".into()));
        }
    };
    if spec.family == Some(Family::Inet6) && line.starts_with("PROXY TCP4") {
        line = line.replacen("TCP4", "TCP6", 1);
    }
    for b in &spec.breaks {
        match b {
            Break::Signature => line = line.replacen("PROXY", "PROXZ", 1),
            Break::Version => {
                line = line
                    .replacen(" TCP4 ", " TCP5 ", 1)
                    .replacen(" TCP6 ", " TCP5 ", 1)
            }
            Break::Family => {
                // IPv4 in a TCP6 line is only a warning for lenient readers: name a
                // family v1 does not have instead.
                line = if line.contains(" TCP4 ") {
                    line.replacen(" TCP4 ", " UDP4 ", 1)
                } else {
                    line.replacen(" TCP6 ", " TCP4 ", 1)
                }
            }
            Break::Crlf => {
                line.truncate(line.len() - 2);
                line.push('\n');
            }
            Break::TooLong => {
                line.truncate(line.len() - 2);
                while line.len() < 120 {
                    line.push(' ');
                }
                line.push_str("\r\n");
            }
            Break::Port => {
                // The last field is the destination port: one past the largest.
                if let Some(pos) = line.rfind(' ') {
                    line.truncate(pos + 1);
                    line.push_str("65536\r\n");
                }
            }
            _ => {}
        }
    }
    Ok(line.into_bytes())
}

fn family_nibble(f: Family) -> u8 {
    match f {
        Family::Unspec => 0x00,
        Family::Inet => 0x10,
        Family::Inet6 => 0x20,
        Family::Unix => 0x30,
    }
}

fn transport_nibble(t: Transport) -> u8 {
    match t {
        Transport::Unspec => 0,
        Transport::Stream => 1,
        Transport::Dgram => 2,
    }
}

fn build_v2(spec: &HeaderSpec) -> Result<Vec<u8>, BuildError> {
    use ppp::v2::{Builder, Command, Protocol, Version};
    let command = if spec.local {
        Command::Local
    } else {
        Command::Proxy
    };
    let protocol = match spec.transport {
        Transport::Unspec => Protocol::Unspecified,
        Transport::Stream => Protocol::Stream,
        Transport::Dgram => Protocol::Datagram,
    };
    let addresses = v2_addresses(spec)?;
    let has_addresses = !matches!(addresses, ppp::v2::Addresses::Unspecified);
    let mut builder = Builder::with_addresses(Version::Two | command, protocol, addresses);
    for (t, value) in &spec.tlvs {
        builder = builder
            .write_tlv(*t, value)
            .map_err(|e| BuildError(format!("TLV 0x{t:02x} does not fit: {e}")))?;
    }
    let want_crc = spec.crc32c || spec.breaks.contains(&Break::Crc);
    if want_crc {
        builder = builder
            .write_tlv(kind::CRC32C, &[0, 0, 0, 0])
            .map_err(|e| BuildError(format!("CRC32C TLV does not fit: {e}")))?;
    }
    let mut bytes = builder
        .build()
        .map_err(|e| BuildError(format!("the header is larger than 65551 bytes: {e}")))?;
    // Declared family without an address block (ppp cannot express it): the AWS NLB
    // health check is LOCAL with family 0x11 and only TLVs.
    if let Some(f) = spec.family {
        if has_addresses && f != family_of(spec) {
            return Err(BuildError(format!(
                "--family {} contradicts the addresses given; drop --family, or give addresses of that family",
                family_name(f)
            )));
        }
        bytes[13] = family_nibble(f) | transport_nibble(spec.transport);
    }
    if spec.breaks.contains(&Break::Tlv) {
        if spec.tlvs.is_empty() && !want_crc {
            bytes.extend_from_slice(&[kind::NOOP, 0x00, 0x01, 0x00]);
        }
        // Find the last TLV and make it claim 16 bytes more than it has.
        if let Some(at) = last_tlv_offset(&bytes, has_addresses) {
            let len = u16::from_be_bytes([bytes[at + 1], bytes[at + 2]]).saturating_add(16);
            bytes[at + 1..at + 3].copy_from_slice(&len.to_be_bytes());
        }
    }
    set_length(&mut bytes);
    if want_crc && !spec.breaks.contains(&Break::Tlv) {
        // (With --break tlv the CRC TLV is the one made too long; its value stays zero.)
        let at = bytes.len() - 4;
        let crc = super::crc_with_zeroed(&bytes, at);
        let crc = if spec.breaks.contains(&Break::Crc) {
            crc ^ 0xdead_beef
        } else {
            crc
        };
        bytes[at..].copy_from_slice(&crc.to_be_bytes());
    }
    break_v2_fixed_part(&mut bytes, &spec.breaks);
    Ok(bytes)
}

/// The v2 address block `ppp` builds from the spec's addresses.
fn v2_addresses(spec: &HeaderSpec) -> Result<ppp::v2::Addresses, BuildError> {
    match (spec.src, spec.dst) {
        (Some(s), Some(d)) => {
            if s.is_ipv4() != d.is_ipv4() {
                return Err(BuildError(format!(
                    "the source and destination addresses are of different families ({s} and {d})"
                )));
            }
            Ok((s, d).into())
        }
        (None, None) => Ok(ppp::v2::Addresses::Unspecified),
        _ => Err(BuildError("give both --src and --dst, or neither".into())),
    }
}

/// The faults in the 16-byte fixed part of a finished v2 header.
fn break_v2_fixed_part(bytes: &mut [u8], breaks: &[Break]) {
    for b in breaks {
        match b {
            Break::Signature => bytes[11] ^= 0xff,
            Break::Version => bytes[12] = 0x10 | (bytes[12] & 0x0f),
            Break::Command => bytes[12] = 0x2f,
            Break::Family => bytes[13] = 0x40 | (bytes[13] & 0x0f),
            Break::Length => {
                let len = u16::from_be_bytes([bytes[14], bytes[15]]).saturating_add(7);
                bytes[14..16].copy_from_slice(&len.to_be_bytes());
            }
            _ => {}
        }
    }
}

fn family_of(spec: &HeaderSpec) -> Family {
    match spec.src {
        Some(SocketAddr::V4(_)) => Family::Inet,
        Some(SocketAddr::V6(_)) => Family::Inet6,
        None => Family::Unspec,
    }
}

/// The CLI name of a family.
pub fn family_name(f: Family) -> &'static str {
    match f {
        Family::Unspec => "unspec",
        Family::Inet => "inet",
        Family::Inet6 => "inet6",
        Family::Unix => "unix",
    }
}

fn set_length(bytes: &mut [u8]) {
    let len = u16::try_from(bytes.len().saturating_sub(16)).unwrap_or(u16::MAX);
    bytes[14..16].copy_from_slice(&len.to_be_bytes());
}

fn last_tlv_offset(bytes: &[u8], has_addresses: bool) -> Option<usize> {
    let mut at = 16
        + if has_addresses {
            match bytes[13] >> 4 {
                1 => 12,
                2 => 36,
                3 => 216,
                _ => 0,
            }
        } else {
            0
        };
    let mut last = None;
    while at + 3 <= bytes.len() {
        last = Some(at);
        let len = u16::from_be_bytes([bytes[at + 1], bytes[at + 2]]) as usize;
        at += 3 + len;
    }
    last
}

#[cfg(test)]
#[path = "tests.rs"]
mod tests;
