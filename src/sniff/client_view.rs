//! What a TLS peer concludes when it reads the first five bytes of the other side as a
//! TLS record header (type 1 byte, version 2, length 2), and the message each common
//! client prints. This is how a plaintext `HTTP/1.1 400`, a `PROXY` line or the v2
//! signature turns into `wrong version number`, `ERR_SSL_PROTOCOL_ERROR`, ...
//!
//! Rules:
//! - sans-IO, never panics.
//! - Every wording comes from the clients themselves (observed on loopback) or their
//!   sources (OpenSSL's `ssl/record`, Go's `crypto/tls/conn.go`, rustls' deframer); each
//!   reaction says where it comes from in [`Basis`]. A client appears only when what it
//!   does with these five bytes is known: no wording is made up for the other cases.
//! - Go's record header errors carry the `tls: ` prefix Go's `RecordHeaderError` adds.
//! - The OpenSSL `http request` / `https proxy request` reasons are what OpenSSL says
//!   when the bytes are a request (`GET `, `POST `, `HEAD `, `PUT `, `CONNE`): in
//!   practice the server-side wording, since servers receive requests.
//! - [`tls_client_view`] answers `None` for fewer than five bytes (a client keeps
//!   waiting for the rest of the header; what it prints then depends on what comes
//!   next, e.g. `unexpected eof while reading` on a close) and for a plausible TLS
//!   record header (content type 20..=24, major version 3, length at most
//!   [`MAX_RECORD_LEN`]): that is a real TLS reply and clients read on.

use serde::Serialize;

use super::tls::MAX_RECORD_LEN;

/// The first five bytes read as a TLS record header, and what clients make of them.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TlsClientView {
    /// Byte 0, read as the content type.
    pub record_type: u8,
    /// Bytes 1–2, read as the record version.
    pub version: u16,
    /// Bytes 3–4, read as the record length.
    pub length: u16,
    /// What each client prints.
    pub reactions: Vec<ClientReaction>,
}

/// One client's reaction.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ClientReaction {
    /// The client (and versions) concerned.
    pub client: String,
    /// What it prints or does.
    pub message: String,
    /// Where the wording comes from.
    pub basis: Basis,
}

/// Where a wording comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Basis {
    /// Printed by that client on the team's machines (observed on loopback, "What clients
    /// print"); the rule applied to these bytes is the one those cases follow.
    Observed,
    /// From reading the client's source (its record-layer code).
    Source,
    /// Reported by users, not observed here.
    Reported,
}

impl TlsClientView {
    /// `type 0x48, version 0x5454, length 20527`.
    pub fn header_text(&self) -> String {
        format!(
            "type 0x{:02x}, version 0x{:04x}, length {}",
            self.record_type, self.version, self.length
        )
    }
}

/// The OpenSSL reason for a header whose major version is not 3.
fn openssl_reason(head: &[u8]) -> &'static str {
    let request = [&b"GET "[..], b"POST ", b"HEAD ", b"PUT "];
    if request.iter().any(|p| head.starts_with(p)) {
        "http request"
    } else if head.starts_with(b"CONNE") {
        "https proxy request"
    } else {
        "wrong version number"
    }
}

/// What TLS clients conclude from `bytes` read as a record header; see the module
/// rules for when this is `None`.
pub fn tls_client_view(bytes: &[u8]) -> Option<TlsClientView> {
    let [t, v0, v1, l0, l1, ..] = *bytes else {
        return None;
    };
    let r = Record {
        t,
        head: bytes.get(..5).unwrap_or(bytes),
        version: u16::from_be_bytes([v0, v1]),
        length: u16::from_be_bytes([l0, l1]),
        known_type: (0x14..=0x18).contains(&t),
        major_ok: v0 == 3,
    };
    if r.known_type && r.major_ok && !r.oversize() {
        return None;
    }
    let mut out = Reactions(Vec::new());
    if !r.major_ok {
        openssl_family(&r, &mut out);
    }
    go(&r, &mut out);
    others(&r, &mut out);
    Some(TlsClientView {
        record_type: t,
        version: r.version,
        length: r.length,
        reactions: out.0,
    })
}

/// The first five bytes, read as a TLS record header.
struct Record<'a> {
    t: u8,
    head: &'a [u8],
    version: u16,
    length: u16,
    known_type: bool,
    major_ok: bool,
}

impl Record<'_> {
    fn oversize(&self) -> bool {
        usize::from(self.length) > MAX_RECORD_LEN
    }
}

/// The reactions found so far, in the order they are listed.
struct Reactions(Vec<ClientReaction>);

impl Reactions {
    fn add(&mut self, client: &str, message: String, basis: Basis) {
        self.0.push(ClientReaction {
            client: client.into(),
            message,
            basis,
        });
    }
}

/// OpenSSL and what is built on it (curl, Python, Node, BoringSSL), for a record whose
/// major version is not 3.
fn openssl_family(r: &Record<'_>, out: &mut Reactions) {
    let reason = openssl_reason(r.head);
    let wrong_version = reason == "wrong version number";
    let seen = if wrong_version {
        Basis::Observed
    } else {
        Basis::Source
    };
    let openssl = if wrong_version {
        "wrong version number (0A00010B; 1.1.1: 1408F10B); no alert sent".to_string()
    } else {
        format!("{reason}; no alert sent")
    };
    out.add("OpenSSL 1.1.1–3.1, 4.0", openssl.clone(), seen);
    let newer = if r.oversize() {
        "packet length too long (0A0000C6), then record layer failure (0A000139); \
         a server sends alert 22 record_overflow"
            .into()
    } else {
        openssl
    };
    out.add(
        "OpenSSL 3.2+ before the fix of openssl#30196",
        newer,
        Basis::Source,
    );
    let code = if wrong_version { "0A00010B" } else { "…" };
    out.add(
        "curl (OpenSSL 3)",
        format!(
            "exit 35; from 8.11 `TLS connect error: error:{code}:SSL routines::{reason}`, \
             before 8.11 `OpenSSL/x: error:{code}:SSL routines::{reason}`"
        ),
        seen,
    );
    if !wrong_version {
        return;
    }
    out.add(
        "Python ssl",
        "[SSL: WRONG_VERSION_NUMBER] wrong version number (_ssl.c:1006)".into(),
        Basis::Observed,
    );
    if r.oversize() {
        out.add(
            "Python ssl (OpenSSL 3.2 builds before the fix)",
            "[SSL] record layer failure".into(),
            Basis::Source,
        );
    }
    out.add(
        "Node",
        "ERR_SSL_WRONG_VERSION_NUMBER (`write EPROTO ...`)".into(),
        Basis::Observed,
    );
    out.add(
        "Envoy / BoringSSL",
        "OPENSSL_internal:WRONG_VERSION_NUMBER".into(),
        Basis::Reported,
    );
}

/// Go crypto/tls: an SSLv2 first byte, then type and version, then the length; and Go's
/// HTTP client, which names an HTTP reply.
fn go(r: &Record<'_>, out: &mut Reactions) {
    if r.t == 0x80 {
        out.add(
            "Go crypto/tls",
            "tls: unsupported SSLv2 handshake received".into(),
            Basis::Source,
        );
    } else if (r.t != 0x15 && r.t != 0x16) || r.version >= 0x1000 {
        out.add(
            "Go crypto/tls",
            "tls: first record does not look like a TLS handshake; no alert sent".into(),
            Basis::Observed,
        );
    } else if r.oversize() {
        out.add(
            "Go crypto/tls",
            format!("tls: oversized record received with length {}", r.length),
            Basis::Source,
        );
    }
    if r.head == b"HTTP/" {
        out.add(
            "Go net/http client",
            "http: server gave HTTP response to HTTPS client".into(),
            Basis::Source,
        );
    }
}

/// rustls, GnuTLS, Java and the browsers.
fn others(r: &Record<'_>, out: &mut Reactions) {
    if !r.known_type {
        out.add(
            "rustls",
            "received corrupt message of type InvalidContentType".into(),
            Basis::Observed,
        );
        out.add(
            "GnuTLS",
            format!(
                "Received record packet of unknown type {}; An unexpected TLS packet was received.",
                r.t
            ),
            Basis::Observed,
        );
    } else if !r.major_ok {
        out.add("rustls", "UnknownProtocolVersion".into(), Basis::Source);
    } else if r.oversize() {
        out.add("rustls", "MessageTooLarge".into(), Basis::Source);
    }
    if !r.known_type || !r.major_ok {
        out.add(
            "Java 17",
            "SSLException: Unsupported or unrecognized SSL message \
             (older JDKs: `Unrecognized SSL message, plaintext connection?`)"
                .into(),
            Basis::Observed,
        );
    }
    out.add("Chrome", "ERR_SSL_PROTOCOL_ERROR".into(), Basis::Reported);
    if r.oversize() {
        out.add(
            "Firefox",
            "SSL_ERROR_RX_RECORD_TOO_LONG".into(),
            Basis::Reported,
        );
    }
}
