//! PROXY protocol v1/v2 inspection (sans-IO).
//!
//! [`inspect`] takes the bytes at the start of a stream (or of a UDP datagram) and
//! answers exactly one of: a complete [`Header`], [`Inspection::Incomplete`] ("need more
//! bytes", which is not an error), [`Inspection::NotProxy`], or
//! [`Inspection::Malformed`] with the byte offset and the rule broken.
//!
//! The parser is our own and strict, like go-proxyproto and HAProxy: v1 grammar to the
//! letter, all 256 values of the v2 family byte judged, CRC32C verified, UNIQUE_ID at
//! most 128 bytes. Where a common receiver accepts what the spec forbids, the header is
//! still returned, with a [`Warning`] that names who accepts it and who does not.
//! [`build`] is the other direction: headers made as asked (the `ppp` crate for valid
//! ones, our own code for the deliberately broken ones and the balancers' health
//! checks), each read back by [`inspect`] in its tests. The `ppp` crate is not
//! used to parse, because it reads an address block in v2 LOCAL headers (the AWS NLB
//! health check) and invents addresses from TLV bytes.

pub mod build;
mod tlv;
mod v1;
mod v2;

pub use tlv::{
    SslClient, Tlv, TlvValue, client_flag, crc_with_zeroed, kind, ssl_sub_name, type_name,
};

use serde::Serialize;
use std::net::SocketAddr;

/// The v2 signature: `\r\n\r\n\0\r\nQUIT\n`.
pub const V2_SIGNATURE: [u8; 12] = *b"\r\n\r\n\0\r\nQUIT\n";
/// The longest legal v1 line, CRLF included.
pub const V1_MAX_LEN: usize = 107;
/// The longest legal v2 header: 16 bytes plus a 65535-byte payload.
pub const V2_MAX_LEN: usize = 16 + 65535;

/// PROXY protocol version; serialized as the number 1 or 2.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Version {
    /// The text form.
    V1,
    /// The binary form.
    V2,
}

impl Serialize for Version {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_u8(self.number())
    }
}

impl Version {
    /// 1 or 2.
    pub fn number(self) -> u8 {
        match self {
            Version::V1 => 1,
            Version::V2 => 2,
        }
    }
}

/// The v2 command (v1 headers are always `proxy`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Command {
    /// Addresses are the original client's.
    Proxy,
    /// A connection of the balancer's own (health check); use the socket addresses.
    Local,
}

/// The address family.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Family {
    /// AF_UNSPEC (v2 0x0_) or v1 `UNKNOWN`.
    Unspec,
    /// AF_INET (v2 0x1_, v1 `TCP4`).
    Inet,
    /// AF_INET6 (v2 0x2_, v1 `TCP6`).
    Inet6,
    /// AF_UNIX (v2 0x3_).
    Unix,
}

/// The transport protocol.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Transport {
    /// UNSPEC.
    Unspec,
    /// SOCK_STREAM (TCP).
    Stream,
    /// SOCK_DGRAM (UDP).
    Dgram,
}

/// A header that some receiver would accept but the spec or a strict receiver rejects.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Warning {
    /// Byte offset of the offending part.
    pub offset: usize,
    /// What is wrong, in words.
    pub message: String,
    /// Receivers known to accept it.
    pub accepted_by: &'static str,
    /// Receivers known to reject it.
    pub rejected_by: &'static str,
}

/// A decoded PROXY header.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Header {
    /// 1 or 2.
    pub version: Version,
    /// PROXY or LOCAL.
    pub command: Command,
    /// Address family as declared.
    pub family: Family,
    /// Transport as declared.
    pub transport: Transport,
    /// Source address, when the header carries one the receiver would use.
    pub source: Option<SocketAddr>,
    /// Destination address, likewise.
    pub destination: Option<SocketAddr>,
    /// AF_UNIX source path (v2 family 0x3_).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unix_source: Option<String>,
    /// AF_UNIX destination path.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unix_destination: Option<String>,
    /// Total header length in bytes (v1: the line with CRLF; v2: 16 + length field).
    pub length: usize,
    /// The raw family/transport byte of a v2 header (byte 13).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub family_byte: Option<u8>,
    /// Decoded TLVs (v2 only), in wire order.
    pub tlvs: Vec<Tlv>,
    /// Whether a CRC32C TLV was present and matched (`None`: no CRC32C TLV).
    pub crc32c_ok: Option<bool>,
    /// Spec violations that some receivers accept.
    pub warnings: Vec<Warning>,
}

/// Which part of the header breaks which rule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Malformed {
    /// 1 or 2.
    pub version: Version,
    /// Byte offset of the first offending byte, from the start of the header.
    pub offset: usize,
    /// A short stable rule id, e.g. `v1-port-leading-zero`.
    pub rule: &'static str,
    /// The rule broken, in words a user understands.
    pub message: String,
    /// Common receivers that accept the header all the same (losing what it carries).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub accepted_by: Option<&'static str>,
}

/// What [`inspect`] found.
#[derive(Debug, Clone, PartialEq)]
pub enum Inspection {
    /// A complete, valid header (possibly with warnings).
    Complete(Header),
    /// The bytes so far are a valid beginning; more are needed.
    Incomplete {
        /// Which version the bytes begin.
        version: Version,
        /// At least this many more bytes are needed (exact for v2 once the length is known).
        at_least: usize,
        /// Whether `at_least` is exact.
        exact: bool,
    },
    /// The bytes do not begin a PROXY header.
    NotProxy,
    /// The bytes begin a PROXY header that breaks the spec.
    Malformed(Malformed),
}

/// Inspects the bytes at the start of a stream or datagram.
pub fn inspect(bytes: &[u8]) -> Inspection {
    if bytes.is_empty() {
        return Inspection::NotProxy;
    }
    if v2::could_be(bytes) {
        return v2::inspect(bytes);
    }
    if v1::could_be(bytes) {
        return v1::inspect(bytes);
    }
    Inspection::NotProxy
}

#[cfg(test)]
mod tests;
