//! First-bytes sniffing (sans-IO): what do the opening bytes of one direction look like?
//!
//! STUB: the real classifier (TLS records via tls-parser, HTTP, banners, SSLv2, and what a
//! TLS client concludes from the first five bytes) replaces this file.

use serde::Serialize;

/// What the opening bytes are.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Kind {
    /// `PROXY ` text header.
    ProxyV1,
    /// The 12-byte v2 signature.
    ProxyV2,
    /// A TLS ClientHello.
    TlsClientHello,
    /// A TLS ServerHello.
    TlsServerHello,
    /// A TLS alert record.
    TlsAlert,
    /// Another TLS record (or a handshake message other than the hellos).
    TlsRecord,
    /// An SSLv2-style (0x80) ClientHello.
    Sslv2Hello,
    /// An HTTP/1.x request.
    HttpRequest,
    /// An HTTP/1.x response.
    HttpResponse,
    /// An SSH banner.
    SshBanner,
    /// An SMTP greeting.
    SmtpBanner,
    /// An FTP greeting.
    FtpBanner,
    /// No bytes at all.
    Empty,
    /// Nothing recognised.
    Unknown,
}

/// The result of sniffing.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Sniffed {
    /// What the bytes are.
    pub kind: Kind,
    /// One line for people.
    pub summary: String,
}

impl Sniffed {
    /// Key/value lines describing the details, for the text renderer.
    pub fn describe(&self) -> Vec<(String, String)> {
        Vec::new()
    }
}

/// Classifies the opening bytes of one direction.
pub fn sniff(bytes: &[u8]) -> Sniffed {
    let kind = if bytes.is_empty() {
        Kind::Empty
    } else if bytes.starts_with(b"PROXY ") {
        Kind::ProxyV1
    } else if bytes.starts_with(b"\r\n\r\n\0\r\nQUIT\n") {
        Kind::ProxyV2
    } else {
        Kind::Unknown
    };
    Sniffed {
        kind,
        summary: format!("{kind:?}"),
    }
}
