//! TLS records at the start of one direction: record headers, the leading handshake
//! messages (ClientHello, ServerHello), alerts, and SSLv2-style hellos.
//!
//! Rules:
//! - sans-IO: a byte slice in, plain data out; never panics, whatever the bytes.
//! - Record headers are walked by hand (5 bytes each) so that a record cut short is
//!   still reported (with how many of its bytes are present) instead of being an error.
//! - Handshake messages are reassembled from the payloads of the consecutive handshake
//!   records at the start (a ClientHello may be fragmented across records); the
//!   message bodies are then parsed with tls-parser (the ClientHello's extensions by
//!   `tls_ext.rs`, which reads only the three the sniffer uses). Reassembly stops at the first
//!   record of another type: after ChangeCipherSpec handshake records are encrypted.
//! - Peer text (SNI, ALPN) is stored escaped with [`crate::escape::escape_bytes`].

use serde::Serialize;
use std::borrow::Cow;
use tls_parser::{
    TlsExtension, parse_tls_handshake_client_hello, parse_tls_handshake_server_hello,
    parse_tls_server_hello_extensions,
};

use crate::escape::escape_bytes;

/// A name from a fixed table (borrowed), or worked out for an unlisted value.
pub type Name = Cow<'static, str>;

/// Largest record length TLS stacks accept on the wire (2^14 + 2048: Go's
/// `maxCiphertext`, rustls' limit). Longer records are reported as oversize.
pub const MAX_RECORD_LEN: usize = 16384 + 2048;

/// How many records are listed at most; the rest is counted in `trailing_bytes`.
const MAX_RECORDS: usize = 64;

/// The random of a HelloRetryRequest (RFC 8446, 4.1.3): SHA-256("HelloRetryRequest").
const HRR_RANDOM: [u8; 32] = [
    0xcf, 0x21, 0xad, 0x74, 0xe5, 0x9a, 0x61, 0x11, 0xbe, 0x1d, 0x8c, 0x02, 0x1e, 0x65, 0xb8, 0x91,
    0xc2, 0xa2, 0x11, 0x16, 0x7a, 0xbb, 0x8c, 0x5e, 0x07, 0x9e, 0x09, 0xe2, 0xc8, 0xa8, 0x33, 0x9c,
];

/// What the leading TLS records hold.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TlsInfo {
    /// The records, in order (at most 64).
    pub records: Vec<RecordInfo>,
    /// Handshake messages reassembled from the leading handshake records.
    pub handshake: Vec<HandshakeInfo>,
    /// The first ClientHello, when it is entirely present and parses.
    pub client_hello: Option<ClientHelloInfo>,
    /// The first ServerHello (or HelloRetryRequest), when entirely present and parses.
    pub server_hello: Option<ServerHelloInfo>,
    /// The first alert, when it is a 2-byte plaintext alert.
    pub alert: Option<AlertInfo>,
    /// Bytes after the last record that do not start another TLS record header.
    pub trailing_bytes: usize,
    /// Anything odd: oversize records, messages that did not parse.
    pub notes: Vec<String>,
}

/// One record header and how much of the record is present.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RecordInfo {
    /// Content type byte.
    pub content_type: u8,
    /// `handshake`, `alert`, `change_cipher_spec`, `application_data`, `heartbeat`.
    pub content_type_name: Name,
    /// Record version (null when the header itself is cut short).
    pub version: Option<u16>,
    /// Its name, e.g. `TLS 1.0`.
    pub version_name: Option<Name>,
    /// Record length (null when the header itself is cut short).
    pub length: Option<u16>,
    /// Bytes of the record present, header included.
    pub present: usize,
    /// Header and all `length` bytes present.
    pub complete: bool,
}

/// One handshake message (possibly spanning several records).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct HandshakeInfo {
    /// Handshake type byte.
    pub msg_type: u8,
    /// `client_hello`, `server_hello`, `certificate`, ...
    pub name: Name,
    /// Declared body length (null when the 4-byte message header is cut short).
    pub length: Option<u32>,
    /// Bytes of the message present, its 4-byte header included.
    pub present: usize,
    /// All of the message is present.
    pub complete: bool,
    /// How many records carry (the present part of) this message.
    pub records: usize,
}

/// A parsed ClientHello.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ClientHelloInfo {
    /// `legacy_version` of the hello.
    pub legacy_version: u16,
    /// Versions offered, best first as sent: the supported_versions extension
    /// (GREASE removed), else the legacy version.
    pub versions_offered: Vec<Name>,
    /// Whether the supported_versions extension was present.
    pub supported_versions_ext: bool,
    /// server_name (host_name), escaped.
    pub sni: Option<String>,
    /// ALPN protocols offered, escaped.
    pub alpn: Vec<String>,
    /// Number of cipher suites offered (GREASE included).
    pub cipher_suites: usize,
    /// Number of extensions that parsed.
    pub extensions: usize,
}

/// A parsed ServerHello.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ServerHelloInfo {
    /// `legacy_version` of the hello.
    pub legacy_version: u16,
    /// The version chosen: supported_versions extension, else the legacy version.
    pub version: u16,
    /// Its name, e.g. `TLS 1.3`.
    pub version_name: Name,
    /// Cipher suite id.
    pub cipher_suite: u16,
    /// IANA name, when known.
    pub cipher_suite_name: Option<Name>,
    /// ALPN protocol chosen (TLS 1.2 only; TLS 1.3 sends it encrypted).
    pub alpn: Option<String>,
    /// The random is the HelloRetryRequest value.
    pub hello_retry_request: bool,
}

/// A plaintext alert.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AlertInfo {
    /// 1 warning, 2 fatal.
    pub level: u8,
    /// `warning`, `fatal`, or `level N`.
    pub level_name: String,
    /// Description code.
    pub description: u8,
    /// RFC name, e.g. `handshake_failure`.
    pub description_name: String,
}

impl AlertInfo {
    /// `fatal handshake_failure (40)`.
    pub fn text(&self) -> String {
        [
            &*self.level_name,
            " ",
            &self.description_name,
            " (",
            &self.description.to_string(),
            ")",
        ]
        .concat()
    }
}

/// An SSLv2-style (two-byte header with the 0x80 bit) ClientHello.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Sslv2Info {
    /// Record length from the 2-byte header.
    pub length: u16,
    /// Version the client offers (null when cut short).
    pub version: Option<u16>,
    /// Its name.
    pub version_name: Option<Name>,
    /// Number of 3-byte cipher specs (null when cut short).
    pub cipher_specs: Option<usize>,
    /// Bytes present, header included.
    pub present: usize,
    /// All bytes of the record present.
    pub complete: bool,
}

/// Whether `bytes` start like a TLS record header (SSL 3.0 .. TLS 1.3): content type
/// 20..=24, then major 3, then minor 0..=4, as far as the bytes go. The length is not
/// judged here (an oversize record is still reported as TLS, with a note).
pub fn looks_like_record(bytes: &[u8]) -> bool {
    match bytes {
        [] => false,
        [t] => (0x14..=0x18).contains(t),
        [t, maj] => (0x14..=0x18).contains(t) && *maj == 3,
        [t, maj, min, ..] => (0x14..=0x18).contains(t) && *maj == 3 && *min <= 4,
    }
}

/// Whether `bytes` start like an SSLv2-style ClientHello: the 0x80 bit, a record length
/// of at least 9, message type 1, and (when present) a version major of 0 or 3.
pub fn looks_like_sslv2(bytes: &[u8]) -> bool {
    match bytes {
        [b0, b1, 1, rest @ ..] if b0 & 0x80 != 0 => {
            let len = (u16::from(b0 & 0x7f) << 8) | u16::from(*b1);
            len >= 9 && rest.first().is_none_or(|maj| *maj == 0 || *maj == 3)
        }
        _ => false,
    }
}

/// Reads an SSLv2-style hello (call after [`looks_like_sslv2`]).
pub fn parse_sslv2(bytes: &[u8]) -> Sslv2Info {
    let b = |i: usize| bytes.get(i).copied();
    let u16_at = |i: usize| Some((u16::from(b(i)?) << 8) | u16::from(b(i + 1)?));
    let length = (u16::from(b(0).unwrap_or(0) & 0x7f) << 8) | u16::from(b(1).unwrap_or(0));
    let version = u16_at(3);
    Sslv2Info {
        length,
        version,
        version_name: version.map(version_name),
        cipher_specs: u16_at(5).map(|n| usize::from(n) / 3),
        present: bytes.len().min(2 + usize::from(length)),
        complete: bytes.len() >= 2 + usize::from(length),
    }
}

/// Walks the records at the start of `bytes` (call after [`looks_like_record`]).
pub fn parse(bytes: &[u8]) -> TlsInfo {
    let mut info = TlsInfo {
        // An opening is one to three records and as many messages: room made once, not
        // grown from nothing (every TLS opening of a capture is read here).
        records: Vec::with_capacity(4),
        handshake: Vec::with_capacity(4),
        client_hello: None,
        server_hello: None,
        alert: None,
        trailing_bytes: 0,
        notes: Vec::new(),
    };
    // Handshake bytes of the leading run of handshake records, and where each
    // record's payload starts in it. A run of one record (the usual case) is read in
    // place; the second record copies the run together.
    let mut hs: Cow<'_, [u8]> = Cow::Borrowed(&[]);
    // At most one start per record (no allocation: every TLS opening is read here).
    let mut hs_starts = [0usize; MAX_RECORDS];
    let mut hs_records = 0usize;
    let mut hs_open = true;

    let mut rest = bytes;
    while !rest.is_empty() {
        if info.records.len() >= MAX_RECORDS || !looks_like_record(rest) {
            info.trailing_bytes = rest.len();
            break;
        }
        let content_type = rest.first().copied().unwrap_or(0);
        let (version, length) = match rest {
            [_, v0, v1, l0, l1, ..] => (
                Some(u16::from_be_bytes([*v0, *v1])),
                Some(u16::from_be_bytes([*l0, *l1])),
            ),
            [_, v0, v1, ..] => (Some(u16::from_be_bytes([*v0, *v1])), None),
            _ => (None, None),
        };
        let Some(len) = length else {
            info.records.push(RecordInfo {
                content_type,
                content_type_name: content_type_name(content_type),
                version,
                version_name: version.map(version_name),
                length,
                present: rest.len(),
                complete: false,
            });
            break;
        };
        let len = usize::from(len);
        if len > MAX_RECORD_LEN {
            info.notes.push(format!(
                "record length {len} exceeds the {MAX_RECORD_LEN} bytes TLS stacks accept"
            ));
        }
        let end = (5 + len).min(rest.len());
        let payload = rest.get(5..end).unwrap_or(&[]);
        info.records.push(RecordInfo {
            content_type,
            content_type_name: content_type_name(content_type),
            version,
            version_name: version.map(version_name),
            length,
            present: end,
            complete: rest.len() >= 5 + len,
        });
        if content_type == 0x16 && hs_open {
            if let Some(start) = hs_starts.get_mut(hs_records) {
                *start = hs.len();
                hs_records += 1;
            }
            if hs_records == 1 {
                hs = Cow::Borrowed(payload);
            } else {
                hs.to_mut().extend_from_slice(payload);
            }
        } else {
            hs_open = false;
        }
        if content_type == 0x15 && info.alert.is_none() {
            if let [level, description] = payload {
                info.alert = Some(alert_info(*level, *description));
            } else if len != 2 {
                info.notes.push(format!(
                    "alert record of {len} bytes: encrypted (a plaintext alert is 2 bytes)"
                ));
            }
        }
        rest = rest.get(end..).unwrap_or(&[]);
    }
    parse_handshake(&hs, &hs_starts[..hs_records], &mut info);
    info
}

/// Splits the reassembled handshake bytes into messages and parses the hellos.
fn parse_handshake(hs: &[u8], starts: &[usize], info: &mut TlsInfo) {
    let mut off = 0usize;
    while let Some(rest) = hs.get(off..).filter(|r| !r.is_empty()) {
        let msg_type = rest.first().copied().unwrap_or(0);
        let length = match rest {
            [_, a, b, c, ..] => Some(u32::from_be_bytes([0, *a, *b, *c])),
            _ => None,
        };
        let total = length.map(|l| 4 + l as usize);
        let present = total.map_or(rest.len(), |t| t.min(rest.len()));
        let complete = total.is_some_and(|t| rest.len() >= t);
        let records = records_spanned(starts, hs.len(), off, off + present);
        info.handshake.push(HandshakeInfo {
            msg_type,
            name: handshake_name(msg_type),
            length,
            present,
            complete,
            records,
        });
        let body = if complete {
            rest.get(4..present).unwrap_or(&[])
        } else {
            break;
        };
        match msg_type {
            1 if info.client_hello.is_none() => match client_hello(body) {
                Some(ch) => info.client_hello = Some(ch),
                None => info.notes.push("ClientHello did not parse".into()),
            },
            2 if info.server_hello.is_none() => match server_hello(body) {
                Some(sh) => info.server_hello = Some(sh),
                None => info.notes.push("ServerHello did not parse".into()),
            },
            _ => {}
        }
        off += present;
    }
}

/// How many records' payloads overlap the handshake bytes `from..to`.
fn records_spanned(starts: &[usize], total: usize, from: usize, to: usize) -> usize {
    starts
        .iter()
        .enumerate()
        .filter(|&(i, &s)| {
            let e = starts.get(i + 1).copied().unwrap_or(total);
            s < e && s < to && e > from
        })
        .count()
}

fn client_hello(body: &[u8]) -> Option<ClientHelloInfo> {
    let (_, ch) = parse_tls_handshake_client_hello(body).ok()?;
    // Only three extensions are read: walked without decoding the others (the same
    // answer as tls-parser's `parse_tls_client_hello_extensions`, see tls_ext.rs).
    let exts = ch.ext.map(super::tls_ext::walk).unwrap_or_default();
    let versions_offered = match &exts.versions {
        Some(vs) => vs
            .iter()
            .filter(|&&v| !is_grease(v))
            .map(|&v| version_name(v))
            .collect(),
        None => vec![version_name(ch.version.0)],
    };
    Some(ClientHelloInfo {
        legacy_version: ch.version.0,
        versions_offered,
        supported_versions_ext: exts.versions.is_some(),
        sni: exts.sni.map(escape_bytes),
        alpn: exts.alpn.iter().map(|p| escape_bytes(p)).collect(),
        cipher_suites: ch.ciphers.len(),
        extensions: exts.count,
    })
}

fn server_hello(body: &[u8]) -> Option<ServerHelloInfo> {
    let (_, sh) = parse_tls_handshake_server_hello(body).ok()?;
    let exts = match sh.ext {
        Some(ext) => parse_tls_server_hello_extensions(ext)
            .map(|(_, e)| e)
            .unwrap_or_default(),
        None => Vec::new(),
    };
    let mut version = sh.version.0;
    let mut alpn = None;
    for ext in &exts {
        match ext {
            TlsExtension::SupportedVersions(vs) => {
                if let Some(v) = vs.first() {
                    version = v.0;
                }
            }
            TlsExtension::ALPN(protos) => alpn = protos.first().map(|p| escape_bytes(p)),
            _ => {}
        }
    }
    Some(ServerHelloInfo {
        legacy_version: sh.version.0,
        version,
        version_name: version_name(version),
        cipher_suite: sh.cipher.0,
        cipher_suite_name: sh.cipher.get_ciphersuite().map(|c| Cow::Borrowed(c.name)),
        alpn,
        hello_retry_request: sh.random == HRR_RANDOM,
    })
}

fn alert_info(level: u8, description: u8) -> AlertInfo {
    AlertInfo {
        level,
        level_name: match level {
            1 => "warning".into(),
            2 => "fatal".into(),
            n => format!("level {n}"),
        },
        description,
        description_name: alert_name(description),
    }
}

/// GREASE values (RFC 8701): 0x?A?A with both bytes equal.
fn is_grease(v: u16) -> bool {
    v & 0x0f0f == 0x0a0a && (v >> 8) == (v & 0xff)
}

/// `TLS 1.2`, `SSL 3.0`, `TLS 1.3 draft 23`, `GREASE (0x7a7a)`, `unknown (0x5454)`.
pub fn version_name(v: u16) -> Name {
    match v {
        0x0002 => "SSL 2.0".into(),
        0x0300 => "SSL 3.0".into(),
        0x0301 => "TLS 1.0".into(),
        0x0302 => "TLS 1.1".into(),
        0x0303 => "TLS 1.2".into(),
        0x0304 => "TLS 1.3".into(),
        0x7f00..=0x7fff => format!("TLS 1.3 draft {}", v & 0xff).into(),
        0xfeff => "DTLS 1.0".into(),
        0xfefd => "DTLS 1.2".into(),
        0xfefc => "DTLS 1.3".into(),
        v if is_grease(v) => format!("GREASE (0x{v:04x})").into(),
        v => format!("unknown (0x{v:04x})").into(),
    }
}

/// Record content type names as in RFC 8446.
pub fn content_type_name(t: u8) -> Name {
    match t {
        0x14 => "change_cipher_spec".into(),
        0x15 => "alert".into(),
        0x16 => "handshake".into(),
        0x17 => "application_data".into(),
        0x18 => "heartbeat".into(),
        t => format!("unknown ({t})").into(),
    }
}

/// Handshake message names as in the IANA registry.
pub fn handshake_name(t: u8) -> Name {
    let name = match t {
        0 => "hello_request",
        1 => "client_hello",
        2 => "server_hello",
        3 => "hello_verify_request",
        4 => "new_session_ticket",
        5 => "end_of_early_data",
        6 => "hello_retry_request",
        8 => "encrypted_extensions",
        11 => "certificate",
        12 => "server_key_exchange",
        13 => "certificate_request",
        14 => "server_hello_done",
        15 => "certificate_verify",
        16 => "client_key_exchange",
        20 => "finished",
        21 => "certificate_url",
        22 => "certificate_status",
        24 => "key_update",
        25 => "compressed_certificate",
        254 => "message_hash",
        t => return format!("unknown ({t})").into(),
    };
    name.into()
}

/// Alert description names as in the IANA registry.
pub fn alert_name(d: u8) -> String {
    let name = match d {
        0 => "close_notify",
        10 => "unexpected_message",
        20 => "bad_record_mac",
        21 => "decryption_failed",
        22 => "record_overflow",
        30 => "decompression_failure",
        40 => "handshake_failure",
        41 => "no_certificate",
        42 => "bad_certificate",
        43 => "unsupported_certificate",
        44 => "certificate_revoked",
        45 => "certificate_expired",
        46 => "certificate_unknown",
        47 => "illegal_parameter",
        48 => "unknown_ca",
        49 => "access_denied",
        50 => "decode_error",
        51 => "decrypt_error",
        60 => "export_restriction",
        70 => "protocol_version",
        71 => "insufficient_security",
        80 => "internal_error",
        86 => "inappropriate_fallback",
        90 => "user_canceled",
        100 => "no_renegotiation",
        109 => "missing_extension",
        110 => "unsupported_extension",
        111 => "certificate_unobtainable",
        112 => "unrecognized_name",
        113 => "bad_certificate_status_response",
        114 => "bad_certificate_hash_value",
        115 => "unknown_psk_identity",
        116 => "certificate_required",
        120 => "no_application_protocol",
        121 => "ech_required",
        d => return format!("unknown alert {d}"),
    };
    name.into()
}
