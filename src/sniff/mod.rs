//! First-bytes sniffing (sans-IO): what do the opening bytes of one direction look like?
//!
//! [`sniff`] classifies them as a PROXY header signature, TLS records (with the
//! ClientHello / ServerHello / alert details), an SSLv2-style hello, an HTTP/1.x
//! request or response, a server banner (SSH, SMTP, FTP), nothing, or unknown bytes;
//! and, for anything that is not a plausible TLS record, what a TLS client reading
//! these bytes as a record header concludes ([`tls_client_view`]).
//!
//! Rules:
//! - Bytes in, typed values out: no sockets, files, clocks or terminal. Never panics.
//! - Order of tests: empty, PROXY v2 signature, PROXY v1, TLS record, SSLv2 hello,
//!   HTTP request, HTTP response, banner, unknown.
//! - PROXY headers are only recognised here, by their signature (or a prefix of it when
//!   that is all there is: any non-empty prefix of the v2 signature, at least `PRO` of
//!   `PROXY `); [`crate::proxy`] parses them.
//! - Fewer bytes than the thing needs is not an error: the kind is still given, with
//!   `complete: false` and what is present.
//! - Text taken from the peer is stored escaped, so every field is safe to print.
//! - The JSON shape is stable: every key is always present, `null` when it does not
//!   apply.

mod client_view;
pub mod plaintext;
mod tls;
mod tls_ext;

use serde::Serialize;

pub use client_view::{Basis, ClientReaction, TlsClientView, tls_client_view};
pub use plaintext::{Banner, HttpInfo, UnknownBytes};
pub use tls::{
    AlertInfo, ClientHelloInfo, HandshakeInfo, MAX_RECORD_LEN, RecordInfo, ServerHelloInfo,
    Sslv2Info, TlsInfo,
};

use crate::escape::escape_bytes_max;

/// The 12-byte PROXY v2 signature.
pub const PROXY_V2_SIGNATURE: [u8; 12] = *b"\r\n\r\n\0\r\nQUIT\n";

/// What the opening bytes are.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
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
    /// An SMTP greeting (also a bare `220` greeting that could be FTP: see
    /// `banner.protocol == "smtp-or-ftp"`).
    SmtpBanner,
    /// An FTP greeting.
    FtpBanner,
    /// Another server greeting: IMAP, POP3, a MySQL/MariaDB handshake
    /// (`banner.protocol` says which).
    Greeting,
    /// No bytes at all.
    Empty,
    /// Nothing recognised.
    Unknown,
}

impl Kind {
    /// The kebab-case name, in text and JSON alike.
    pub fn name(self) -> &'static str {
        match self {
            Kind::ProxyV1 => "proxy-v1",
            Kind::ProxyV2 => "proxy-v2",
            Kind::TlsClientHello => "tls-client-hello",
            Kind::TlsServerHello => "tls-server-hello",
            Kind::TlsAlert => "tls-alert",
            Kind::TlsRecord => "tls-record",
            Kind::Sslv2Hello => "sslv2-hello",
            Kind::HttpRequest => "http-request",
            Kind::HttpResponse => "http-response",
            Kind::SshBanner => "ssh-banner",
            Kind::SmtpBanner => "smtp-banner",
            Kind::FtpBanner => "ftp-banner",
            Kind::Greeting => "greeting",
            Kind::Empty => "empty",
            Kind::Unknown => "unknown",
        }
    }
}

impl Serialize for Kind {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.name())
    }
}

/// The start of a PROXY header, as far as this module looks at it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ProxySignature {
    /// 1 or 2.
    pub version: u8,
    /// Bytes of the signature present (`PROXY ` is 6, the v2 signature 12).
    pub signature_bytes: usize,
    /// v1: the line up to CRLF (or what is present), escaped.
    pub line: Option<String>,
}

/// The result of sniffing.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Sniffed {
    /// What the bytes are.
    pub kind: Kind,
    /// One line for people.
    pub summary: String,
    /// The thing recognised is entirely present (PROXY: the v1 line with CRLF, the
    /// whole v2 signature; TLS: the first record and the first handshake message;
    /// HTTP: the head up to the blank line; banner: the line end). `true` for empty
    /// and unknown input.
    pub complete: bool,
    /// Total bytes given.
    pub length: usize,
    /// PROXY signature details.
    pub proxy: Option<ProxySignature>,
    /// TLS records (boxed, as are the HTTP head and the banner: a `Sniffed` moves
    /// through the judge by value, and these are most of its size).
    pub tls: Option<Box<TlsInfo>>,
    /// SSLv2-style hello.
    pub sslv2: Option<Sslv2Info>,
    /// HTTP head.
    pub http: Option<Box<HttpInfo>>,
    /// Server banner.
    pub banner: Option<Box<Banner>>,
    /// Hex and ASCII of unknown bytes.
    pub unknown: Option<UnknownBytes>,
    /// What a TLS client reading these bytes as a record header concludes (null for
    /// plausible TLS records and fewer than five bytes).
    pub tls_client_view: Option<TlsClientView>,
}

fn base(kind: Kind, bytes: &[u8]) -> Sniffed {
    Sniffed {
        kind,
        summary: String::new(),
        complete: true,
        length: bytes.len(),
        proxy: None,
        tls: None,
        sslv2: None,
        http: None,
        banner: None,
        unknown: None,
        tls_client_view: None,
    }
}

fn pct(present: usize, total: usize) -> String {
    [
        &present.to_string(),
        " of ",
        &total.to_string(),
        " bytes present",
    ]
    .concat()
}

/// Classifies the opening bytes of one direction.
pub fn sniff(bytes: &[u8]) -> Sniffed {
    let mut s = sniff_lean(bytes);
    s.tls_client_view = tls_client_view(bytes);
    s
}

/// [`sniff`] without `tls_client_view` (left `None`): for callers that never show it
/// (decode judges thousands of conversations a second and asks [`tls_client_view`]
/// itself, only for a TLS client's answer).
pub fn sniff_lean(bytes: &[u8]) -> Sniffed {
    if bytes.is_empty() {
        let mut s = base(Kind::Empty, bytes);
        s.summary = "no bytes".into();
        return s;
    }
    if let Some(s) = sniff_proxy_v2(bytes).or_else(|| sniff_proxy_v1(bytes)) {
        return s;
    }
    if tls::looks_like_record(bytes) {
        return sniff_tls(bytes);
    }
    sniff_sslv2(bytes)
        .or_else(|| sniff_request(bytes))
        .or_else(|| sniff_response(bytes))
        .or_else(|| sniff_banner(bytes))
        .unwrap_or_else(|| sniff_unknown(bytes))
}

/// The PROXY v2 signature, or its start.
fn sniff_proxy_v2(bytes: &[u8]) -> Option<Sniffed> {
    let v2_len = bytes.len().min(PROXY_V2_SIGNATURE.len());
    if bytes.get(..v2_len) == PROXY_V2_SIGNATURE.get(..v2_len) {
        let mut s = base(Kind::ProxyV2, bytes);
        s.complete = v2_len == PROXY_V2_SIGNATURE.len();
        s.summary = if s.complete {
            "PROXY protocol v2 signature".into()
        } else {
            format!("start of a PROXY protocol v2 signature ({v2_len} of 12 bytes)")
        };
        s.proxy = Some(ProxySignature {
            version: 2,
            signature_bytes: v2_len,
            line: None,
        });
        return Some(s);
    }
    None
}

/// A PROXY v1 line, or its start (three bytes at least).
fn sniff_proxy_v1(bytes: &[u8]) -> Option<Sniffed> {
    let v1_len = bytes.len().min(6);
    if bytes.starts_with(b"PROXY ") || (bytes.len() >= 3 && b"PROXY ".starts_with(bytes)) {
        let mut s = base(Kind::ProxyV1, bytes);
        let end = bytes.windows(2).position(|w| w == b"\r\n");
        let line = bytes.get(..end.unwrap_or(bytes.len())).unwrap_or(bytes);
        s.complete = end.is_some();
        let shown = escape_bytes_max(line, 108);
        s.summary = if s.complete {
            ["PROXY protocol v1 header: ", &shown].concat()
        } else {
            ["PROXY protocol v1 header, no CRLF yet: ", &shown].concat()
        };
        s.proxy = Some(ProxySignature {
            version: 1,
            signature_bytes: v1_len,
            line: Some(shown),
        });
        return Some(s);
    }
    None
}

/// An SSLv2-style ClientHello.
fn sniff_sslv2(bytes: &[u8]) -> Option<Sniffed> {
    if tls::looks_like_sslv2(bytes) {
        let info = tls::parse_sslv2(bytes);
        let mut s = base(Kind::Sslv2Hello, bytes);
        s.complete = info.complete;
        let offered = info
            .version_name
            .as_deref()
            .unwrap_or("version not present");
        s.summary = format!("SSLv2-style ClientHello offering {offered}");
        if !info.complete {
            s.summary += &format!(
                ", cut short ({})",
                pct(info.present, 2 + usize::from(info.length))
            );
        }
        s.sslv2 = Some(info);
        return Some(s);
    }
    None
}

/// An HTTP/1.x request head (or the HTTP/2 preface).
fn sniff_request(bytes: &[u8]) -> Option<Sniffed> {
    if let Some(method) = plaintext::request_method(bytes) {
        let info = plaintext::parse_request(bytes, method);
        let mut s = base(Kind::HttpRequest, bytes);
        s.complete = info.head_complete;
        // One join, sized once, the Host included when there is one.
        let host = info.host.as_deref();
        let (host_key, host) = (
            if host.is_some() { ", Host " } else { "" },
            host.unwrap_or(""),
        );
        s.summary = if info.h2_preface {
            ["HTTP/2 connection preface (PRI * HTTP/2.0)", host_key, host].concat()
        } else {
            [
                "HTTP request: ",
                method,
                " ",
                info.target.as_deref().unwrap_or("?"),
                " ",
                info.version.as_deref().unwrap_or("?"),
                host_key,
                host,
            ]
            .concat()
        };
        s.http = Some(Box::new(info));
        return Some(s);
    }
    None
}

/// An HTTP/1.x response head.
fn sniff_response(bytes: &[u8]) -> Option<Sniffed> {
    if plaintext::is_response(bytes) {
        let info = plaintext::parse_response(bytes);
        let mut s = base(Kind::HttpResponse, bytes);
        s.complete = info.head_complete;
        let mut digits = itoa::Buffer::new();
        let status = info.status.map_or("?", |c| digits.format(c));
        let head = [
            "HTTP response: ",
            info.version.as_deref().unwrap_or("HTTP/?"),
            " ",
            status,
            " ",
            info.reason.as_deref().unwrap_or(""),
        ];
        let server = info.server.as_deref();
        // Sized once: the head, trimmed at its end, then the Server when there is one.
        const SERVER: &str = ", Server ";
        let room = head.iter().map(|p| p.len()).sum::<usize>()
            + server.map_or(0, |v| SERVER.len() + v.len());
        s.summary = String::with_capacity(room);
        head.iter().for_each(|p| s.summary.push_str(p));
        s.summary.truncate(s.summary.trim_end().len());
        if let Some(server) = server {
            s.summary.push_str(SERVER);
            s.summary.push_str(server);
        }
        s.http = Some(Box::new(info));
        return Some(s);
    }
    None
}

/// A server's greeting: SSH, SMTP, FTP, IMAP, POP3, MySQL.
fn sniff_banner(bytes: &[u8]) -> Option<Sniffed> {
    if let Some(b) = plaintext::banner(bytes) {
        let (kind, what) = match b.protocol {
            "ssh" => (Kind::SshBanner, "SSH banner"),
            "smtp" => (Kind::SmtpBanner, "SMTP greeting"),
            "ftp" => (Kind::FtpBanner, "FTP greeting"),
            "imap" => (Kind::Greeting, "IMAP greeting"),
            "pop3" => (Kind::Greeting, "POP3 greeting"),
            "mysql" => (Kind::Greeting, "MySQL/MariaDB greeting"),
            _ => (
                Kind::SmtpBanner,
                "SMTP or FTP greeting (a bare 220 names neither; cannot tell which)",
            ),
        };
        let mut s = base(kind, bytes);
        s.complete = b.complete;
        s.summary = [what, ": ", &b.line].concat();
        s.banner = Some(Box::new(b));
        return Some(s);
    }
    None
}

/// Bytes nothing recognised, shown as text or hex.
fn sniff_unknown(bytes: &[u8]) -> Sniffed {
    let mut s = base(Kind::Unknown, bytes);
    let u = plaintext::unknown(bytes);
    let what = plaintext::text_kind(bytes).unwrap_or("unrecognised bytes");
    s.summary = [what, " (", &bytes.len().to_string(), " bytes): ", &u.ascii].concat();
    s.unknown = Some(u);
    s
}

fn sniff_tls(bytes: &[u8]) -> Sniffed {
    let info = tls::parse(bytes);
    let first = info.records.first();
    let first_type = first.map_or(0, |r| r.content_type);
    let first_msg = info.handshake.first();
    let kind = match (first_type, first_msg.map(|m| m.msg_type)) {
        (0x16, Some(1)) => Kind::TlsClientHello,
        (0x16, Some(2)) => Kind::TlsServerHello,
        (0x15, _) => Kind::TlsAlert,
        _ => Kind::TlsRecord,
    };
    let mut s = base(kind, bytes);
    s.complete = first.is_some_and(|r| r.complete) && first_msg.is_none_or(|m| m.complete);

    let mut summary = match kind {
        Kind::TlsClientHello => match &info.client_hello {
            Some(ch) => {
                let mut t = String::with_capacity(96);
                t.push_str("TLS ClientHello offering ");
                for (i, v) in ch.versions_offered.iter().enumerate() {
                    if i > 0 {
                        t.push_str(", ");
                    }
                    t.push_str(v);
                }
                if let Some(sni) = &ch.sni {
                    t.push_str(", SNI ");
                    t.push_str(sni);
                }
                for (i, a) in ch.alpn.iter().enumerate() {
                    t.push_str(if i == 0 { ", ALPN " } else { ", " });
                    t.push_str(a);
                }
                t
            }
            None => "TLS ClientHello".into(),
        },
        Kind::TlsServerHello => match &info.server_hello {
            Some(sh) => [
                if sh.hello_retry_request {
                    "TLS HelloRetryRequest: "
                } else {
                    "TLS ServerHello: "
                },
                &sh.version_name,
                ", ",
                &sh.cipher_suite_name
                    .clone()
                    .unwrap_or_else(|| format!("cipher suite 0x{:04x}", sh.cipher_suite).into()),
            ]
            .concat(),
            None => "TLS ServerHello".into(),
        },
        Kind::TlsAlert => match &info.alert {
            Some(a) => ["TLS alert: ", &a.text()].concat(),
            None => "TLS alert record".into(),
        },
        _ => match (first, first_msg) {
            (Some(r), Some(m)) if r.content_type == 0x16 => {
                format!("TLS handshake record ({})", m.name)
            }
            (Some(r), _) => format!("TLS {} record", r.content_type_name),
            (None, _) => "TLS record".into(),
        },
    };
    if let Some(r) = first.filter(|r| !r.complete) {
        match r.length {
            Some(len) => {
                summary += &format!(
                    ", record cut short ({})",
                    pct(r.present, 5 + usize::from(len))
                )
            }
            None => summary += &format!(", record header cut short ({} of 5 bytes)", r.present),
        }
    } else if let Some(m) = first_msg.filter(|m| !m.complete) {
        match m.length {
            Some(len) => {
                summary += &format!(
                    ", {} incomplete ({} across {} record(s))",
                    m.name,
                    pct(m.present, 4 + len as usize),
                    m.records
                )
            }
            None => summary += &format!(", {} header cut short", m.name),
        }
    }
    s.summary = summary;
    s.tls = Some(Box::new(info));
    s
}

impl Sniffed {
    /// Key/value lines describing the details, for the text renderer.
    pub fn describe(&self) -> Vec<(String, String)> {
        let mut rows: Vec<(String, String)> = Vec::new();
        let mut row = |k: &str, v: String| rows.push((k.to_string(), v));
        if let Some(p) = &self.proxy {
            let total = if p.version == 2 { 12 } else { 6 };
            row(
                "PROXY",
                format!(
                    "v{} signature ({} of {total} bytes)",
                    p.version, p.signature_bytes
                ),
            );
            if let Some(line) = &p.line {
                row("PROXY line", line.clone());
            }
        }
        if let Some(t) = &self.tls {
            describe_tls(t, &mut row);
        }
        if let Some(v2) = &self.sslv2 {
            row(
                "SSLv2 hello",
                format!(
                    "length {}, version {}, {} cipher specs, {}",
                    v2.length,
                    v2.version_name.as_deref().unwrap_or("?"),
                    v2.cipher_specs.map_or("?".into(), |n| n.to_string()),
                    pct(v2.present, 2 + usize::from(v2.length))
                ),
            );
        }
        if let Some(h) = &self.http {
            if let Some(m) = &h.method {
                row("HTTP method", m.clone());
            }
            if let Some(t) = &h.target {
                row("HTTP target", t.clone());
            }
            if let Some(v) = &h.version {
                row("HTTP version", v.clone());
            }
            if let Some(c) = h.status {
                let reason = h.reason.as_deref().unwrap_or("");
                row(
                    "HTTP status",
                    format!("{c} {reason}").trim_end().to_string(),
                );
            }
            if let Some(v) = &h.host {
                row("Host", v.clone());
            }
            if let Some(v) = &h.server {
                row("Server", v.clone());
            }
            if !h.head_complete {
                row("HTTP head", "incomplete (no blank line yet)".into());
            }
        }
        if let Some(b) = &self.banner {
            row("banner", b.line.clone());
            row("protocol", b.protocol.to_string());
            if let Some(sw) = &b.software {
                row("software", sw.clone());
            }
        }
        if let Some(u) = &self.unknown {
            row("bytes", u.length.to_string());
            row("hex", u.hex.clone());
            row("ASCII", u.ascii.clone());
        }
        if let Some(v) = &self.tls_client_view {
            row("as a TLS record header", v.header_text());
            for r in &v.reactions {
                let basis = match r.basis {
                    Basis::Observed => "",
                    Basis::Source => " [from source]",
                    Basis::Reported => " [reported]",
                };
                row(&r.client, format!("{}{basis}", r.message));
            }
        }
        rows
    }
}

fn describe_tls(t: &TlsInfo, row: &mut impl FnMut(&str, String)) {
    if let Some(r) = t.records.first() {
        let mut v = r.content_type_name.to_string();
        if let Some(ver) = r.version {
            v += &format!(", version {} (0x{ver:04x})", tls::version_name(ver));
        }
        if let Some(len) = r.length {
            v += &format!(", length {len}");
            if !r.complete {
                v += &format!(" ({})", pct(r.present, 5 + usize::from(len)));
            }
        } else {
            v += &format!(" (header cut short: {} of 5 bytes)", r.present);
        }
        row("TLS record", v);
    }
    if t.records.len() > 1 {
        let names: Vec<&str> = t.records.iter().map(|r| &*r.content_type_name).collect();
        row(
            "TLS records",
            format!("{}: {}", t.records.len(), names.join(", ")),
        );
    }
    if !t.handshake.is_empty() {
        let msgs: Vec<String> = t
            .handshake
            .iter()
            .map(|m| {
                let mut s = m.name.to_string();
                if !m.complete {
                    s += " (incomplete)";
                }
                if m.records > 1 {
                    s += &format!(" (across {} records)", m.records);
                }
                s
            })
            .collect();
        row("handshake", msgs.join(", "));
    }
    if let Some(ch) = &t.client_hello {
        row("SNI", ch.sni.clone().unwrap_or_else(|| "(none)".into()));
        row(
            "ALPN offered",
            if ch.alpn.is_empty() {
                "(none)".into()
            } else {
                ch.alpn.join(", ")
            },
        );
        row("versions offered", ch.versions_offered.join(", "));
        row("cipher suites offered", ch.cipher_suites.to_string());
    }
    if let Some(sh) = &t.server_hello {
        if sh.hello_retry_request {
            row("HelloRetryRequest", "yes".into());
        }
        row(
            "version chosen",
            format!("{} (0x{:04x})", sh.version_name, sh.version),
        );
        row(
            "cipher suite",
            format!(
                "{} (0x{:04x})",
                sh.cipher_suite_name.as_deref().unwrap_or("unknown"),
                sh.cipher_suite
            ),
        );
        if let Some(a) = &sh.alpn {
            row("ALPN chosen", a.clone());
        }
    }
    if let Some(a) = &t.alert {
        row("alert", a.text());
    }
    if t.trailing_bytes > 0 {
        row(
            "after the records",
            format!("{} bytes that are not TLS", t.trailing_bytes),
        );
    }
    for n in &t.notes {
        row("note", n.clone());
    }
}

#[cfg(test)]
mod tests;
