//! PROXY v2 TLVs: decoding every known type into a typed value.
//!
//! Rules: TLV framing errors (a TLV running past the header, stray bytes) are returned
//! as errors with the offset; content rules that some receivers enforce and others do
//! not (AUTHORITY over 255 bytes, UNIQUE_ID over 128, a CRC32C TLV that is not 4 bytes)
//! become [`Warning`]s. Offsets are from the start of the header.

use super::Warning;
use crate::escape::{escape_bytes, hex_compact};
use serde::Serialize;

/// TLV type numbers (the PROXY protocol spec, section 2.2, `PP2_TYPE_*`; the cloud
/// types from each vendor's documentation, as decoded below).
pub mod kind {
    /// `PP2_TYPE_ALPN`.
    pub const ALPN: u8 = 0x01;
    /// `PP2_TYPE_AUTHORITY`: the host name the client asked for.
    pub const AUTHORITY: u8 = 0x02;
    /// `PP2_TYPE_CRC32C`.
    pub const CRC32C: u8 = 0x03;
    /// `PP2_TYPE_NOOP`: padding.
    pub const NOOP: u8 = 0x04;
    /// `PP2_TYPE_UNIQUE_ID`.
    pub const UNIQUE_ID: u8 = 0x05;
    /// `PP2_TYPE_SSL`, with its sub-TLVs.
    pub const SSL: u8 = 0x20;
    /// `PP2_SUBTYPE_SSL_VERSION`.
    pub const SSL_VERSION: u8 = 0x21;
    /// `PP2_SUBTYPE_SSL_CN`.
    pub const SSL_CN: u8 = 0x22;
    /// `PP2_SUBTYPE_SSL_CIPHER`.
    pub const SSL_CIPHER: u8 = 0x23;
    /// `PP2_SUBTYPE_SSL_SIG_ALG`.
    pub const SSL_SIG_ALG: u8 = 0x24;
    /// `PP2_SUBTYPE_SSL_KEY_ALG`.
    pub const SSL_KEY_ALG: u8 = 0x25;
    /// `PP2_SUBTYPE_SSL_GROUP`.
    pub const SSL_GROUP: u8 = 0x26;
    /// `PP2_SUBTYPE_SSL_SIG_SCHEME`.
    pub const SSL_SIG_SCHEME: u8 = 0x27;
    /// `PP2_SUBTYPE_SSL_CLIENT_CERT`.
    pub const SSL_CLIENT_CERT: u8 = 0x28;
    /// `PP2_TYPE_NETNS`.
    pub const NETNS: u8 = 0x30;
    /// GCP Private Service Connect connection id (u64 big-endian).
    pub const GCP_PSC: u8 = 0xE0;
    /// Alibaba Cloud's custom type.
    pub const CUSTOM_ALIBABA: u8 = 0xE1;
    /// AWS (subtype [`AWS_VPCE_ID`]: the VPC endpoint id).
    pub const AWS: u8 = 0xEA;
    /// Azure (subtype [`AZURE_LINKID`]: the Private Link LinkID, u32 little-endian).
    pub const AZURE: u8 = 0xEE;
    /// The AWS TLV's subtype for the VPC endpoint id.
    pub const AWS_VPCE_ID: u8 = 0x01;
    /// The Azure TLV's subtype for the LinkID.
    pub const AZURE_LINKID: u8 = 0x01;
}

/// SSL TLV client flag bits (`PP2_CLIENT_*`).
pub mod client_flag {
    /// `PP2_CLIENT_SSL`.
    pub const SSL: u8 = 0x01;
    /// `PP2_CLIENT_CERT_CONN`.
    pub const CERT_CONN: u8 = 0x02;
    /// `PP2_CLIENT_CERT_SESS`.
    pub const CERT_SESS: u8 = 0x04;
}

/// One decoded TLV.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Tlv {
    /// Offset of the type byte from the start of the header.
    pub offset: usize,
    /// The type byte.
    #[serde(rename = "type")]
    pub kind: u8,
    /// Its name (`ALPN`, `CRC32C`, `AWS`, ...).
    pub name: &'static str,
    /// Length of the value in bytes.
    pub length: usize,
    /// The decoded value.
    pub value: TlvValue,
}

/// SSL client flags and verification result (TLV 0x20).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SslClient {
    /// The raw client byte.
    pub client: u8,
    /// PP2_CLIENT_SSL: the client connected over SSL/TLS.
    pub ssl: bool,
    /// PP2_CLIENT_CERT_CONN: a client certificate was sent on this connection.
    pub cert_conn: bool,
    /// PP2_CLIENT_CERT_SESS: a client certificate was sent in this session.
    pub cert_sess: bool,
    /// The verify field: 0 means the client certificate was verified.
    pub verify: u32,
    /// The sub-TLVs (VERSION, CN, CIPHER, ...).
    pub sub_tlvs: Vec<Tlv>,
}

/// A decoded TLV value.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TlvValue {
    /// Text (ALPN, AUTHORITY, NETNS, SSL VERSION/CN/CIPHER/..., AWS VPC endpoint id).
    Text(String),
    /// The CRC32C TLV: the value carried and the value computed.
    Crc32c {
        /// As carried, `0x…`.
        carried: String,
        /// As computed over the header with the value zeroed.
        computed: String,
        /// Whether they match.
        ok: bool,
    },
    /// NOOP padding of the given length.
    Noop,
    /// Opaque bytes shown as hex (UNIQUE_ID, CLIENT_CERT, unknown types).
    Hex(String),
    /// The SSL TLV.
    Ssl(SslClient),
    /// Azure Private Link LinkID.
    AzureLinkId(u32),
    /// GCP Private Service Connect connection id.
    GcpPscConnectionId(u64),
}

/// The name of a top-level TLV type.
pub fn type_name(kind: u8) -> &'static str {
    match kind {
        kind::ALPN => "ALPN",
        kind::AUTHORITY => "AUTHORITY",
        kind::CRC32C => "CRC32C",
        kind::NOOP => "NOOP",
        kind::UNIQUE_ID => "UNIQUE_ID",
        kind::SSL => "SSL",
        kind::NETNS => "NETNS",
        kind::GCP_PSC => "GCP_PSC",
        kind::CUSTOM_ALIBABA => "CUSTOM_ALIBABA",
        kind::AWS => "AWS",
        kind::AZURE => "AZURE",
        0xE2..=0xEF => "CUSTOM",
        _ => "UNKNOWN",
    }
}

/// The name of an SSL sub-TLV type.
pub fn ssl_sub_name(kind: u8) -> &'static str {
    match kind {
        kind::SSL_VERSION => "SSL_VERSION",
        kind::SSL_CN => "SSL_CN",
        kind::SSL_CIPHER => "SSL_CIPHER",
        kind::SSL_SIG_ALG => "SSL_SIG_ALG",
        kind::SSL_KEY_ALG => "SSL_KEY_ALG",
        kind::SSL_GROUP => "SSL_GROUP",
        kind::SSL_SIG_SCHEME => "SSL_SIG_SCHEME",
        kind::SSL_CLIENT_CERT => "SSL_CLIENT_CERT",
        _ => "UNKNOWN",
    }
}

/// A TLV framing error.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct FramingError {
    pub offset: usize,
    pub message: String,
}

/// Walks TLVs in `area`, which starts at `base` in the header. `header` is the whole
/// header (for the CRC). Returns the TLVs or the first framing error.
pub(super) fn parse_area(
    area: &[u8],
    base: usize,
    header: &[u8],
    warnings: &mut Vec<Warning>,
    context: &dyn Fn(usize, usize, u8, usize) -> String,
) -> Result<Vec<Tlv>, FramingError> {
    let mut out = Vec::new();
    for raw in walk(area, base, context)? {
        out.push(decode_top(raw, header, warnings)?);
    }
    Ok(out)
}

/// A framed TLV before decoding.
struct Raw<'a> {
    offset: usize,
    kind: u8,
    value: &'a [u8],
}

fn walk<'a>(
    area: &'a [u8],
    base: usize,
    context: &dyn Fn(usize, usize, u8, usize) -> String,
) -> Result<Vec<Raw<'a>>, FramingError> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < area.len() {
        let remaining = area.len() - i;
        if remaining < 3 {
            return Err(FramingError {
                offset: base + i,
                message: format!(
                    "{remaining} stray byte(s) at offset {} cannot hold a TLV (type and length take 3 bytes)",
                    base + i
                ),
            });
        }
        let kind = area[i];
        let len = u16::from_be_bytes([area[i + 1], area[i + 2]]) as usize;
        if len > remaining - 3 {
            return Err(FramingError {
                offset: base + i,
                message: context(base + i, len, kind, remaining - 3),
            });
        }
        out.push(Raw {
            offset: base + i,
            kind,
            value: &area[i + 3..i + 3 + len],
        });
        i += 3 + len;
    }
    Ok(out)
}

fn text(v: &[u8]) -> String {
    match std::str::from_utf8(v) {
        Ok(s) if !s.chars().any(char::is_control) => s.to_string(),
        _ => escape_bytes(v),
    }
}

/// Text when every byte is printable ASCII (HAProxy's UNIQUE_ID usually is), else hex.
fn printable_or_hex(v: &[u8]) -> TlvValue {
    if !v.is_empty() && v.iter().all(|b| (0x20..0x7f).contains(b)) {
        TlvValue::Text(String::from_utf8_lossy(v).into_owned())
    } else {
        TlvValue::Hex(hex_compact(v))
    }
}

fn decode_top(
    raw: Raw<'_>,
    header: &[u8],
    warnings: &mut Vec<Warning>,
) -> Result<Tlv, FramingError> {
    let v = raw.value;
    let value = match raw.kind {
        kind::ALPN | kind::NETNS => TlvValue::Text(text(v)),
        kind::AUTHORITY => authority(raw.offset, v, warnings),
        kind::CRC32C => crc32c(raw.offset, v, header, warnings),
        kind::NOOP => TlvValue::Noop,
        kind::UNIQUE_ID => {
            if v.len() > 128 {
                warnings.push(Warning {
                    offset: raw.offset,
                    message: format!(
                        "UNIQUE_ID TLV is {} bytes; the spec allows at most 128",
                        v.len()
                    ),
                    accepted_by: "nginx, go-proxyproto",
                    rejected_by: "HAProxy (refuses the header)",
                });
            }
            printable_or_hex(v)
        }
        kind::SSL => TlvValue::Ssl(decode_ssl(raw.offset, v, warnings)?),
        kind::AWS => match v.split_first() {
            Some((&kind::AWS_VPCE_ID, id)) => TlvValue::Text(text(id)),
            _ => TlvValue::Hex(hex_compact(v)),
        },
        kind::AZURE => match v {
            [kind::AZURE_LINKID, a, b, c, d] => {
                TlvValue::AzureLinkId(u32::from_le_bytes([*a, *b, *c, *d]))
            }
            _ => TlvValue::Hex(hex_compact(v)),
        },
        kind::GCP_PSC if v.len() == 8 => {
            let mut a = [0u8; 8];
            a.copy_from_slice(v);
            TlvValue::GcpPscConnectionId(u64::from_be_bytes(a))
        }
        _ => TlvValue::Hex(hex_compact(v)),
    };
    Ok(Tlv {
        offset: raw.offset,
        kind: raw.kind,
        name: type_name(raw.kind),
        length: v.len(),
        value,
    })
}

/// AUTHORITY: the host name, with warnings for what some receivers refuse.
fn authority(offset: usize, v: &[u8], warnings: &mut Vec<Warning>) -> TlvValue {
    if std::str::from_utf8(v).is_err() {
        warnings.push(Warning {
            offset,
            message: "AUTHORITY TLV is not valid UTF-8 (the spec requires a UTF-8 host name)"
                .into(),
            accepted_by: "nginx (passes the bytes through)",
            rejected_by: "the specification",
        });
    }
    if v.len() > 255 {
        warnings.push(Warning {
            offset,
            message: format!("AUTHORITY TLV is {} bytes; HAProxy caps it at 255", v.len()),
            accepted_by: "nginx, go-proxyproto",
            rejected_by: "HAProxy (refuses the header)",
        });
    }
    TlvValue::Text(text(v))
}

/// CRC32C: the value carried against the one computed over `header`.
fn crc32c(offset: usize, v: &[u8], header: &[u8], warnings: &mut Vec<Warning>) -> TlvValue {
    if v.len() != 4 {
        warnings.push(Warning {
            offset,
            message: format!("CRC32C TLV is {} bytes; it must be 4", v.len()),
            accepted_by: "nginx (does not check CRC32C)",
            rejected_by: "HAProxy (refuses the header)",
        });
        TlvValue::Hex(hex_compact(v))
    } else {
        let carried = u32::from_be_bytes([v[0], v[1], v[2], v[3]]);
        let computed = crc_with_zeroed(header, offset + 3);
        TlvValue::Crc32c {
            carried: format!("0x{carried:08x}"),
            computed: format!("0x{computed:08x}"),
            ok: carried == computed,
        }
    }
}

fn decode_ssl(
    offset: usize,
    v: &[u8],
    warnings: &mut Vec<Warning>,
) -> Result<SslClient, FramingError> {
    if v.len() < 5 {
        return Err(FramingError {
            offset,
            message: format!(
                "SSL TLV at offset {offset} is {} bytes; it needs at least 5 (client flags and verify)",
                v.len()
            ),
        });
    }
    let client = v[0];
    let verify = u32::from_be_bytes([v[1], v[2], v[3], v[4]]);
    let base = offset + 3 + 5;
    let ctx = |at: usize, len: usize, kind: u8, left: usize| {
        format!(
            "SSL sub-TLV at offset {at} ({}) claims {len} bytes but only {left} remain in the SSL TLV",
            ssl_sub_name(kind)
        )
    };
    let mut subs = Vec::new();
    for raw in walk(&v[5..], base, &ctx)? {
        let value = match raw.kind {
            kind::SSL_VERSION..=kind::SSL_SIG_SCHEME => TlvValue::Text(text(raw.value)),
            _ => TlvValue::Hex(hex_compact(raw.value)),
        };
        subs.push(Tlv {
            offset: raw.offset,
            kind: raw.kind,
            name: ssl_sub_name(raw.kind),
            length: raw.value.len(),
            value,
        });
    }
    if client & !(client_flag::SSL | client_flag::CERT_CONN | client_flag::CERT_SESS) != 0 {
        warnings.push(Warning {
            offset: offset + 3,
            message: format!("SSL TLV client byte 0x{client:02x} sets undefined flag bits"),
            accepted_by: "nginx, HAProxy, go-proxyproto (ignore them)",
            rejected_by: "none known",
        });
    }
    Ok(SslClient {
        client,
        ssl: client & client_flag::SSL != 0,
        cert_conn: client & client_flag::CERT_CONN != 0,
        cert_sess: client & client_flag::CERT_SESS != 0,
        verify,
        sub_tlvs: subs,
    })
}

/// CRC32C (Castagnoli) of `header` with the 4 bytes at `at` taken as zero.
pub fn crc_with_zeroed(header: &[u8], at: usize) -> u32 {
    let end = (at + 4).min(header.len());
    let start = at.min(end);
    let crc = crc32c::crc32c(&header[..start]);
    let crc = crc32c::crc32c_append(crc, &[0u8; 4][..end - start]);
    crc32c::crc32c_append(crc, &header[end..])
}

impl TlvValue {
    /// A one-line rendering for text output.
    pub fn display(&self) -> String {
        match self {
            TlvValue::Text(s) => s.clone(),
            TlvValue::Crc32c {
                carried,
                computed,
                ok,
            } => {
                if *ok {
                    format!("{carried} (matches)")
                } else {
                    format!("{carried} (MISMATCH: computed {computed})")
                }
            }
            TlvValue::Noop => "padding".into(),
            TlvValue::Hex(h) => {
                if h.is_empty() {
                    "(empty)".into()
                } else {
                    format!("0x{h}")
                }
            }
            TlvValue::Ssl(s) => {
                let mut flags = Vec::new();
                if s.ssl {
                    flags.push("SSL");
                }
                if s.cert_conn {
                    flags.push("CERT_CONN");
                }
                if s.cert_sess {
                    flags.push("CERT_SESS");
                }
                let verify = if s.verify == 0 {
                    "verified".to_string()
                } else {
                    format!("not verified ({})", s.verify)
                };
                let subs: Vec<String> = s
                    .sub_tlvs
                    .iter()
                    .map(|t| format!("{}={}", t.name, t.value.display()))
                    .collect();
                format!(
                    "client=0x{:02x} [{}], verify={}{}{}",
                    s.client,
                    flags.join("|"),
                    verify,
                    if subs.is_empty() { "" } else { ", " },
                    subs.join(", ")
                )
            }
            TlvValue::AzureLinkId(id) => format!("LinkID {id}"),
            TlvValue::GcpPscConnectionId(id) => format!("PSC connection id {id}"),
        }
    }
}
