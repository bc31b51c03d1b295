//! The sans-IO judge of `ppdiag serve`: from the listener's policy and the bytes that
//! arrived so far, decide whether to wait for more, and once enough is known, what
//! the connection carries (header, client address), what is wrong with it (findings)
//! and what to do (serve it, answer and close, close, reset).
//!
//! Rules: no sockets, clocks or terminal. Headers are read by [`crate::proxy`] and
//! [`crate::opening`] only; the judge adds the receiver's point of view (policy,
//! trusted sources, emulated servers). "Need more bytes" is always bounded: the buffer
//! never grows past [`BUFFER_CAP`]. Peer bytes in findings and logs are escaped.

use crate::escape::escape_bytes_max;
use crate::findings::{Code, Finding, Severity};
use crate::opening::{self, HeaderProblem, Opening};
use crate::proxy::{self, Command, Header, Version};
use crate::sniff::Kind;
use serde::Serialize;
use std::fmt;
use std::net::{IpAddr, SocketAddr};

/// The most bytes read before a decision: the largest legal v2 header, a stacked v1
/// line, and room for the first bytes of the payload.
pub const BUFFER_CAP: usize = proxy::V2_MAX_LEN + proxy::V1_MAX_LEN + 512;

/// Payload bytes wanted after the header(s) before judging what follows (a TLS record
/// header is five bytes).
const PAYLOAD_WANTED: usize = 5;

/// Whether a listener requires, accepts or refuses PROXY headers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ProxyMode {
    /// A header must come first (nginx `proxy_protocol`, go-proxyproto REQUIRE).
    Required,
    /// A header is read when present (go-proxyproto USE).
    Optional,
    /// A header is refused (go-proxyproto REJECT).
    Forbidden,
}

/// Which header versions a listener reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Versions {
    /// Version 1 (text).
    pub v1: bool,
    /// Version 2 (binary).
    pub v2: bool,
}

impl Versions {
    /// Whether `v` is accepted.
    pub fn allows(self, v: Version) -> bool {
        match v {
            Version::V1 => self.v1,
            Version::V2 => self.v2,
        }
    }
}

impl fmt::Display for Versions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.v1, self.v2) {
            (true, true) => f.write_str("v1,v2"),
            (true, false) => f.write_str("v1"),
            (false, true) => f.write_str("v2"),
            (false, false) => f.write_str("none"),
        }
    }
}

/// An address block such as `10.0.0.0/8`; a bare address is a /32 or /128.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cidr {
    net: IpAddr,
    prefix: u8,
}

impl Cidr {
    /// Parses `ADDR` or `ADDR/PREFIX`.
    pub fn parse(s: &str) -> Result<Cidr, String> {
        let (addr, prefix) = match s.split_once('/') {
            Some((a, p)) => (a, Some(p)),
            None => (s, None),
        };
        let net: IpAddr = addr
            .trim_start_matches('[')
            .trim_end_matches(']')
            .parse()
            .map_err(|_| format!("`{s}` is not an IP address or CIDR block"))?;
        let max = if net.is_ipv4() { 32 } else { 128 };
        let prefix = match prefix {
            None => max,
            Some(p) => match p.parse::<u8>() {
                Ok(n) if n <= max => n,
                _ => return Err(format!("`{s}`: the prefix length must be 0..={max}")),
            },
        };
        Ok(Cidr { net, prefix })
    }

    /// Whether `ip` is inside (IPv4-mapped IPv6 addresses match IPv4 blocks).
    pub fn contains(&self, ip: IpAddr) -> bool {
        let ip = match ip {
            IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
            v4 => v4,
        };
        match (self.net, ip) {
            (IpAddr::V4(n), IpAddr::V4(a)) => {
                let mask = u32::MAX
                    .checked_shl(32 - u32::from(self.prefix))
                    .unwrap_or(0);
                u32::from(n) & mask == u32::from(a) & mask
            }
            (IpAddr::V6(n), IpAddr::V6(a)) => {
                let mask = u128::MAX
                    .checked_shl(128 - u32::from(self.prefix))
                    .unwrap_or(0);
                u128::from(n) & mask == u128::from(a) & mask
            }
            _ => false,
        }
    }
}

impl fmt::Display for Cidr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.net, self.prefix)
    }
}

/// A listener's PROXY policy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Policy {
    /// Required, optional or forbidden.
    pub mode: ProxyMode,
    /// Versions read.
    pub versions: Versions,
    /// Sources whose headers are believed; empty means every source. Headers from
    /// other sources are read and dropped, their addresses ignored, as Traefik's
    /// `proxyProtocol.trustedIPs` does (go-proxyproto policy IGNORE).
    pub trusted: Vec<Cidr>,
}

/// A misconfigured backend that serve imitates byte for byte.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Emulation {
    /// nginx `listen ... ssl` without `proxy_protocol`: a PROXY header gets a plaintext
    /// `HTTP/1.1 400 Bad Request`.
    NginxSsl,
    /// Go crypto/tls (`http.Server` with TLS; Traefik `websecure` without
    /// `proxyProtocol`): a PROXY header gets the connection closed without a byte.
    GoTls,
    /// nginx `listen ... ssl proxy_protocol`: no header gets `broken header` in the log
    /// and a reset.
    NginxProxy,
}

impl Emulation {
    /// The name used on the command line and in records.
    pub fn name(self) -> &'static str {
        match self {
            Emulation::NginxSsl => "nginx-ssl",
            Emulation::GoTls => "go-tls",
            Emulation::NginxProxy => "nginx-proxy",
        }
    }

    /// The PROXY policy the emulated server effectively has.
    pub fn mode(self) -> ProxyMode {
        match self {
            Emulation::NginxSsl | Emulation::GoTls => ProxyMode::Forbidden,
            Emulation::NginxProxy => ProxyMode::Required,
        }
    }
}

/// What the judge knows about the connection besides its bytes.
#[derive(Debug, Clone)]
pub struct Situation<'a> {
    /// The listener's policy.
    pub policy: &'a Policy,
    /// The emulated server, if any.
    pub emulation: Option<Emulation>,
    /// Whether the listener terminates TLS.
    pub tls: bool,
    /// The socket peer.
    pub peer: SocketAddr,
    /// The local socket address.
    pub local: SocketAddr,
    /// A UDP datagram rather than a TCP stream.
    pub datagram: bool,
    /// Now, as an HTTP IMF-fixdate (for emulated answers that carry a `Date`).
    pub date: &'a str,
    /// The listener answers HTTP (`--reply http`): like nginx and Go's net/http on a
    /// plaintext port, it answers a TLS handshake with a plaintext 400.
    pub answers_http: bool,
    /// The listener speaks first (`--banner`): once the header is complete it decides
    /// without waiting for payload bytes, which the client sends only after the banner.
    pub speaks_first: bool,
}

/// The state of the stream after the bytes given.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Input {
    /// More bytes may come.
    Open,
    /// The peer closed its side (or the datagram is all there is).
    Eof,
    /// The header timeout passed.
    TimedOut,
}

/// How a rejected connection ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Ending {
    /// A normal close (FIN).
    Close,
    /// A reset (RST, `SO_LINGER` 0).
    Reset,
}

/// What to do with the connection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// Serve it: TLS (if the listener has it), then the reply mode. The payload starts
    /// at [`Decision::payload_offset`] of the bytes judged.
    Proceed,
    /// Write these bytes (a plaintext answer), then end.
    Answer(Vec<u8>, Ending),
    /// End without a byte.
    End(Ending),
}

/// The judge's answer.
#[derive(Debug, Clone)]
pub enum Step {
    /// Read at least this many more bytes (never past [`BUFFER_CAP`]), then ask again.
    NeedMore(usize),
    /// Enough is known.
    Decided(Box<Decision>),
}

/// What the judge decided.
#[derive(Debug, Clone)]
pub struct Decision {
    /// The opening bytes analysed (headers, payload sniff).
    pub opening: Opening,
    /// The first complete header that arrived, whether or not the listener read it
    /// (see [`Decision::accepted`]).
    pub header: Option<Header>,
    /// Whether the listener read that header and went on (false when it does not read
    /// headers, refuses its version, or rejects it as duplicated or corrupt).
    pub accepted: bool,
    /// Whether the header's source address became the client address.
    pub addresses_used: bool,
    /// Whether the source is trusted (always true without `--trusted`).
    pub trusted: bool,
    /// The client address the backend would use: the header's source when the header
    /// is read, trusted and a PROXY command with addresses; else the socket peer.
    pub client: SocketAddr,
    /// Where the application bytes start.
    pub payload_offset: usize,
    /// What to do.
    pub action: Action,
    /// What is wrong or worth knowing.
    pub findings: Vec<Finding>,
    /// Plain-language notes (not problems).
    pub notes: Vec<String>,
    /// The line the emulated server writes to its error log, if any.
    pub log: Option<String>,
}

/// Judges the bytes that arrived so far.
pub fn judge(sit: &Situation<'_>, bytes: &[u8], input: Input) -> Step {
    let bytes = &bytes[..bytes.len().min(BUFFER_CAP)];
    let full = bytes.len() >= BUFFER_CAP;
    let open = input == Input::Open && !full;
    match sit.emulation {
        Some(Emulation::NginxSsl) | Some(Emulation::GoTls) => {
            return judge_tls_without_proxy(sit, bytes, open);
        }
        _ => {}
    }
    if open && bytes.is_empty() {
        return Step::NeedMore(1);
    }
    let o = opening::analyze(bytes);
    if open {
        if let Some(HeaderProblem::Incomplete { at_least, .. }) = &o.problem {
            return Step::NeedMore((*at_least).clamp(1, BUFFER_CAP - bytes.len()));
        }
        let payload = bytes.len() - o.payload_offset;
        let header_done = sit.speaks_first && !o.headers.is_empty();
        if o.problem.is_none() && payload < PAYLOAD_WANTED && !header_done {
            // Nginx with proxy_protocol judges what one read gave it; so does HAProxy.
            let emulated_nginx = sit.emulation == Some(Emulation::NginxProxy);
            if !(emulated_nginx && o.headers.is_empty()) {
                return Step::NeedMore(PAYLOAD_WANTED - payload);
            }
        }
    }
    Step::Decided(Box::new(decide(sit, bytes, o, input)))
}

fn trusted(policy: &Policy, peer: SocketAddr) -> bool {
    policy.trusted.is_empty() || policy.trusted.iter().any(|c| c.contains(peer.ip()))
}

fn base(sit: &Situation<'_>, o: Opening) -> Decision {
    Decision {
        payload_offset: o.payload_offset,
        findings: o.findings.clone(),
        header: o.headers.first().cloned(),
        accepted: false,
        addresses_used: false,
        opening: o,
        trusted: trusted(sit.policy, sit.peer),
        client: sit.peer,
        action: Action::Proceed,
        notes: Vec::new(),
        log: None,
    }
}

fn receiver(sit: &Situation<'_>) -> String {
    match sit.emulation {
        Some(e) => format!("the emulated {} listener", e.name()),
        None => format!("this listener ({})", sit.local),
    }
}

fn decide(sit: &Situation<'_>, bytes: &[u8], o: Opening, input: Input) -> Decision {
    let mut d = base(sit, o);
    let mode = sit.emulation.map_or(sit.policy.mode, Emulation::mode);
    let reject = match sit.emulation {
        Some(Emulation::NginxProxy) => Ending::Reset,
        _ => Ending::Close,
    };
    if d.opening.problem.is_some() {
        return header_problem(sit, bytes, d, input, reject);
    }
    let Some(h) = d.opening.headers.first().cloned() else {
        return no_header(sit, bytes, d, mode, input, reject);
    };
    if mode == ProxyMode::Forbidden {
        d.findings.push(header_not_expected(sit, &h, bytes));
        d.action = Action::End(Ending::Close);
        return d;
    }
    let versions = if sit.emulation.is_some() {
        Versions { v1: true, v2: true }
    } else {
        sit.policy.versions
    };
    if !versions.allows(h.version) {
        d.findings
            .push(version_unsupported(sit, h.version, versions, bytes));
        d.action = Action::End(reject);
        return d;
    }
    if sit.datagram && h.transport == proxy::Transport::Stream {
        d.notes.push(
            "the header declares a STREAM (TCP) connection but arrived in a UDP datagram".into(),
        );
    }
    if !sit.datagram && h.transport == proxy::Transport::Dgram {
        d.notes
            .push("the header declares a DGRAM (UDP) connection but arrived over TCP".into());
    }
    let blocking = d
        .findings
        .iter()
        .any(|f| matches!(f.code, Code::ProxyCrcMismatch | Code::ProxyHeaderDuplicated));
    if blocking {
        d.action = Action::End(reject);
        return d;
    }
    d.accepted = true;
    if d.trusted {
        if h.command == Command::Proxy
            && let Some(src) = h.source
        {
            d.client = src;
            d.addresses_used = true;
        }
    } else {
        d.notes.push(format!(
            "the PROXY header came from {}, which is not a trusted source: it was read and dropped and its addresses ignored, as Traefik does for sources outside `proxyProtocol.trustedIPs` (go-proxyproto policy IGNORE)",
            sit.peer.ip()
        ));
    }
    payload_checks(sit, d)
}

/// A header that breaks the spec or never ends: rejected.
fn header_problem(
    sit: &Situation<'_>,
    bytes: &[u8],
    mut d: Decision,
    input: Input,
    reject: Ending,
) -> Decision {
    for f in &mut d.findings {
        if f.code == Code::ProxyHeaderIncomplete {
            f.severity = Severity::Error;
            f.evidence.push(match input {
                Input::TimedOut => "the header timeout passed before the rest arrived".into(),
                Input::Eof => "the peer closed its side before the rest arrived".into(),
                Input::Open => format!("the header passed the {BUFFER_CAP}-byte limit").into(),
            });
        }
    }
    if matches!(d.opening.problem, Some(HeaderProblem::Incomplete { .. }))
        && d.opening.headers.is_empty()
    {
        d.log = nginx_broken_header(sit, bytes);
    }
    d.action = Action::End(reject);
    d
}

/// A header of a version the listener does not read.
fn version_unsupported(
    sit: &Situation<'_>,
    version: Version,
    versions: Versions,
    bytes: &[u8],
) -> Finding {
    Finding::new(
        Code::ProxyVersionUnsupported,
        Severity::Error,
        format!(
            "a PROXY v{} header reached {} which reads only {}",
            version.number(),
            receiver(sit),
            versions
        ),
    )
    .at(0)
    .evidence(format!("first bytes: \"{}\"", escape_bytes_max(bytes, 16)))
    .fix(match version {
        Version::V1 => "make the balancer send v2 (HAProxy `send-proxy-v2`, nginx cannot: use v1 on the receiver), or accept v1 on the receiver",
        Version::V2 => "make the balancer send v1 (HAProxy `send-proxy`), or accept v2 on the receiver (nginx reads both; go-proxyproto reads both)",
    })
}

fn no_header(
    sit: &Situation<'_>,
    bytes: &[u8],
    mut d: Decision,
    mode: ProxyMode,
    input: Input,
    reject: Ending,
) -> Decision {
    if mode == ProxyMode::Required && d.trusted {
        if let Some(mut f) = opening::missing_header(&d.opening, &receiver(sit)) {
            if input == Input::TimedOut && bytes.is_empty() {
                f.summary = format!(
                    "{} requires a PROXY header and got nothing before the header timeout",
                    receiver(sit)
                )
                .into();
                f.evidence.push(
                    "the client may be waiting for the server to speak first (SMTP, FTP, SSH, MySQL): the balancer only sends the header with the client's first bytes".into(),
                );
            }
            d.findings.push(f);
        }
        d.log = nginx_broken_header(sit, bytes);
        d.action = Action::End(reject);
        return d;
    }
    if mode == ProxyMode::Required {
        d.notes.push(format!(
            "no PROXY header, accepted because {} is not a trusted source (Traefik/go-proxyproto IGNORE)",
            sit.peer.ip()
        ));
    }
    payload_checks(sit, d)
}

fn payload_checks(sit: &Situation<'_>, mut d: Decision) -> Decision {
    let Some(payload) = &d.opening.payload else {
        return d;
    };
    let tls_bytes = matches!(
        payload.kind,
        Kind::TlsClientHello | Kind::TlsRecord | Kind::Sslv2Hello
    );
    if sit.tls && payload.kind == Kind::HttpRequest {
        d.findings.push(
            Finding::new(
                Code::PlaintextToTlsPort,
                Severity::Error,
                format!("a plaintext HTTP request reached {}, which expects TLS", receiver(sit)),
            )
            .at(d.payload_offset)
            .evidence(format!("read as: {}", payload.summary))
            .fix("use https:// (or the balancer's TLS option: HAProxy `ssl` on the server line) for this port")
            .fix("or send plain HTTP to a plaintext listener (`ppdiag serve` without `--tls`)"),
        );
        d.action = Action::Answer(plain_http_to_tls_answer(), Ending::Close);
    } else if !sit.tls && tls_bytes {
        let mut f = Finding::new(
            Code::TlsToPlaintextPort,
            Severity::Error,
            format!("a TLS handshake reached {}, which is plaintext", receiver(sit)),
        )
        .at(d.payload_offset)
        .evidence(format!("read as: {}", payload.summary))
        .fix("terminate TLS here (`ppdiag serve --tls`), or make the client or balancer speak plain TCP/HTTP to this port");
        if let Some(hello) = payload.tls.as_ref().and_then(|t| t.client_hello.as_ref())
            && let Some(sni) = &hello.sni
        {
            f = f.evidence(format!("SNI {sni}"));
        }
        f = f.evidence(if sit.answers_http {
            "answered `HTTP/1.1 400 Bad Request` as nginx and Go's net/http do on a plaintext port; TLS clients read `HTTP/` as a record header: OpenSSL `wrong version number`, Go `http: server gave HTTP response to HTTPS client`"
        } else {
            "closed without a byte (`--reply echo|none`)"
        });
        d.findings.push(f);
        d.action = if sit.answers_http {
            Action::Answer(
                super::http::bad_request("a TLS handshake reached a plaintext HTTP port"),
                Ending::Close,
            )
        } else {
            Action::End(Ending::Close)
        };
    }
    d
}

fn header_not_expected(sit: &Situation<'_>, h: &Header, bytes: &[u8]) -> Finding {
    let what = if sit.tls { "TLS" } else { "application data" };
    let mut f = Finding::new(
        Code::ProxyHeaderNotExpected,
        Severity::Error,
        format!(
            "a PROXY v{} header reached {} which does not read PROXY headers: it reads the header as {what}",
            h.version.number(),
            receiver(sit)
        ),
    )
    .at(0)
    .evidence(format!("first bytes: \"{}\"", escape_bytes_max(bytes, 24)));
    f = match sit.emulation {
        Some(Emulation::NginxSsl) => f.evidence("nginx answers a plaintext `HTTP/1.1 400 Bad Request`; TLS clients read `HTTP/` as a record header: OpenSSL `wrong version number`, curl exit 35, browsers `ERR_SSL_PROTOCOL_ERROR`"),
        Some(Emulation::GoTls) => f.evidence("Go logs `tls: first record does not look like a TLS handshake` and closes without a byte; OpenSSL clients print `unexpected eof while reading`, curl `SSL_ERROR_SYSCALL`"),
        _ => f,
    };
    f.fix("make this listener read the header: nginx `listen ... ssl proxy_protocol`; Traefik `entryPoints.<name>.proxyProtocol.trustedIPs` on THIS entry point (often only `web` has it, not `websecure`); HAProxy `accept-proxy`")
        .fix("or stop the balancer from sending it: AWS NLB `proxy_protocol_v2.enabled=false`, HAProxy drop `send-proxy`, nginx stream drop `proxy_protocol on`")
}

/// Go's answer to an HTTP request on a TLS port, and ppdiag's own (see
/// `net/http/server.go`).
fn plain_http_to_tls_answer() -> Vec<u8> {
    b"HTTP/1.0 400 Bad Request\r\n\r\nClient sent an HTTP request to an HTTPS server.\n".to_vec()
}

/// The bytes nginx 1.22 sends from `listen ... ssl` when the first byte is neither a
/// TLS record (0x16) nor an SSLv2 hello (0x80) (with `server_tokens off`). `date` is an
/// IMF-fixdate.
pub fn nginx_400(date: &str, plain_http: bool) -> Vec<u8> {
    let body = if plain_http {
        "<html>\r\n<head><title>400 The plain HTTP request was sent to HTTPS port</title></head>\r\n<body>\r\n<center><h1>400 Bad Request</h1></center>\r\n<center>The plain HTTP request was sent to HTTPS port</center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n"
    } else {
        "<html>\r\n<head><title>400 Bad Request</title></head>\r\n<body>\r\n<center><h1>400 Bad Request</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n"
    };
    format!(
        "HTTP/1.1 400 Bad Request\r\nServer: nginx\r\nDate: {date}\r\nContent-Type: text/html\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .into_bytes()
}

/// What nginx 1.22 `listen ... ssl` (no server_name, error_log at `info`) logs when the
/// first byte is not TLS: its HTTP parser reads the bytes as a request line (after
/// skipping CR and LF) and logs the request up to the first CR or LF. Checked against
/// the real nginx in tests/serve_emulation.rs. The bytes are escaped here; nginx 1.22
/// writes them raw (a v2 header logs a NUL byte).
fn nginx_ssl_log(sit: &Situation<'_>, bytes: &[u8]) -> String {
    let start = bytes
        .iter()
        .position(|b| *b != b'\r' && *b != b'\n')
        .unwrap_or(bytes.len());
    let rest = &bytes[start..];
    let line_end = rest
        .iter()
        .position(|b| *b == b'\r' || *b == b'\n')
        .unwrap_or(rest.len());
    let line = &rest[..line_end];
    let request = crate::escape::escape_bytes(line);
    let client = sit.peer.ip();
    let method_byte = |b: &u8| b.is_ascii_uppercase() || *b == b'_' || *b == b'-';
    if crate::sniff::sniff(bytes).kind == Kind::HttpRequest {
        let host = crate::serve::http::head_end(bytes)
            .and_then(|e| crate::serve::http::parse_head(&bytes[..e]))
            .and_then(|r| r.host);
        let mut out = format!(
            "[info] client sent plain HTTP request to HTTPS port while reading client request headers, client: {client}, server: , request: \"{request}\""
        );
        if let Some(h) = host {
            out.push_str(&format!(", host: \"{h}\""));
        }
        return out;
    }
    let what = match rest.first() {
        Some(b) if !method_byte(b) => "invalid method",
        _ => "invalid request",
    };
    format!(
        "[info] client sent {what} while reading client request line, client: {client}, server: , request: \"{request}\""
    )
}

fn nginx_broken_header(sit: &Situation<'_>, bytes: &[u8]) -> Option<String> {
    (sit.emulation == Some(Emulation::NginxProxy)).then(|| {
        format!(
            "[error] broken header: \"{}\" while reading PROXY protocol, client: {}, server: {}",
            escape_bytes_max(bytes, 64),
            sit.peer.ip(),
            sit.local
        )
    })
}

/// nginx `listen ssl` and Go crypto/tls: neither reads PROXY headers; both judge the
/// first bytes as TLS.
fn judge_tls_without_proxy(sit: &Situation<'_>, bytes: &[u8], open: bool) -> Step {
    let nginx = sit.emulation == Some(Emulation::NginxSsl);
    if open && bytes.is_empty() {
        return Step::NeedMore(1);
    }
    let tls_like = match bytes.first() {
        // nginx peeks one byte: 0x16 (handshake) or 0x80 (SSLv2) mean TLS.
        Some(&b) if nginx => b == 0x16 || b & 0x80 != 0,
        // Go reads the 5-byte record header: type 0x15/0x16 and version < 0x1000.
        Some(&b) => {
            (b == 0x16 || b == 0x15)
                && (bytes.len() < 5 || u16::from_be_bytes([bytes[1], bytes[2]]) < 0x1000)
        }
        None => false,
    };
    if open && bytes.len() < 5 && !(nginx && tls_like) {
        return Step::NeedMore(5 - bytes.len());
    }
    let o = opening::analyze(bytes);
    let http_request = crate::sniff::sniff(bytes).kind == Kind::HttpRequest;
    if nginx && !tls_like && http_request && open && !bytes.windows(4).any(|w| w == b"\r\n\r\n") {
        // nginx answers a plaintext request once its head is complete.
        return Step::NeedMore(1);
    }
    let mut d = base(sit, o);
    d.findings.clear();
    if tls_like || bytes.is_empty() {
        d.payload_offset = 0;
        d.action = Action::Proceed;
        return Step::Decided(Box::new(d));
    }
    d.payload_offset = 0;
    let header = d.opening.headers.first().cloned();
    match header {
        Some(h) => d.findings.push(header_not_expected(sit, &h, bytes)),
        None if http_request => d.findings.push(
            Finding::new(
                Code::PlaintextToTlsPort,
                Severity::Error,
                format!("a plaintext HTTP request reached {}", receiver(sit)),
            )
            .at(0)
            .evidence(format!("first bytes: \"{}\"", escape_bytes_max(bytes, 24))),
        ),
        None => {
            let mut f = Finding::new(
                Code::TlsHandshakeFailed,
                Severity::Error,
                format!("{} got bytes that are not a TLS handshake", receiver(sit)),
            )
            .at(0)
            .evidence(format!("first bytes: \"{}\"", escape_bytes_max(bytes, 24)));
            if d.opening.problem.is_some() {
                // A damaged or cut PROXY header is still a PROXY header to the user.
                f = Finding::new(
                    Code::ProxyHeaderNotExpected,
                    Severity::Error,
                    format!(
                        "the start of a PROXY header reached {}, which does not read PROXY headers",
                        receiver(sit)
                    ),
                )
                .at(0)
                .evidence(format!("first bytes: \"{}\"", escape_bytes_max(bytes, 24)));
            }
            d.findings.push(f);
        }
    }
    if nginx {
        d.action = Action::Answer(
            nginx_400(sit.date, http_request && d.opening.headers.is_empty()),
            Ending::Close,
        );
        d.log = Some(nginx_ssl_log(sit, bytes));
    } else if http_request && d.opening.headers.is_empty() {
        d.action = Action::Answer(plain_http_to_tls_answer(), Ending::Close);
    } else {
        d.action = Action::End(Ending::Close);
        d.log = Some(format!(
            "http: TLS handshake error from {}: tls: first record does not look like a TLS handshake",
            sit.peer
        ));
    }
    Step::Decided(Box::new(d))
}

/// Whether a header is a balancer's health check rather than client traffic: a v2
/// LOCAL header (AWS NLB, HAProxy `send-proxy-v2` checks) or a v1 `PROXY UNKNOWN` line
/// (HAProxy `send-proxy` checks). Health checks carry no client, so `--expect-*` does
/// not apply to them and `--count` does not count them (unless
/// `--count-health-checks`).
pub fn health_check(header: Option<&Header>) -> bool {
    header.is_some_and(|h| {
        h.command == Command::Local
            || (h.version == Version::V1 && h.family == proxy::Family::Unspec)
    })
}

/// One expectation and whether a connection met it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ExpectationResult {
    /// `source`, `version`, `tlv`, `sni`.
    pub name: String,
    /// What was expected, as given.
    pub expected: String,
    /// What arrived.
    pub actual: String,
    /// Met or not.
    pub ok: bool,
}

/// `--expect-*` settings.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Expectations {
    /// The client address (from the header) must be in one of these.
    pub source: Vec<Cidr>,
    /// The header must be this version.
    pub version: Option<Version>,
    /// These TLVs must be present (type, and value as text when given).
    pub tlvs: Vec<(u8, Option<String>)>,
    /// The TLS SNI must be this name.
    pub sni: Option<String>,
}

impl Expectations {
    /// Each expectation as `(name, expected)`, worded as [`check`] words its results.
    pub fn describe(&self) -> Vec<(String, String)> {
        let mut out = Vec::new();
        if !self.source.is_empty() {
            out.push(("source".into(), source_list(&self.source)));
        }
        if let Some(v) = self.version {
            out.push(("version".into(), format!("v{}", v.number())));
        }
        for (kind, want) in &self.tlvs {
            out.push(("tlv".into(), tlv_expected(*kind, want.as_deref())));
        }
        if let Some(s) = &self.sni {
            out.push(("sni".into(), s.clone()));
        }
        out
    }

    /// Whether any expectation is set.
    pub fn is_empty(&self) -> bool {
        self.source.is_empty()
            && self.version.is_none()
            && self.tlvs.is_empty()
            && self.sni.is_none()
    }
}

/// Judges one connection against the expectations. `header` is the header read,
/// `client` the effective client address, `sni` the TLS server name (None: no TLS or
/// no SNI). LOCAL headers (health checks) are not held to `source`.
pub fn check(
    e: &Expectations,
    header: Option<&Header>,
    client: SocketAddr,
    sni: Option<&str>,
) -> Vec<ExpectationResult> {
    let mut out = Vec::new();
    let local = header.is_some_and(|h| h.command == Command::Local);
    if !e.source.is_empty() && !local {
        let list = source_list(&e.source);
        let actual = match header {
            Some(_) => client.to_string(),
            None => format!("{client} (socket address: no PROXY header)"),
        };
        out.push(ExpectationResult {
            name: "source".into(),
            expected: list,
            actual,
            ok: e.source.iter().any(|c| c.contains(client.ip())),
        });
    }
    if let Some(v) = e.version {
        let actual = header.map_or("no PROXY header".into(), |h| {
            format!("v{}", h.version.number())
        });
        out.push(ExpectationResult {
            name: "version".into(),
            expected: format!("v{}", v.number()),
            ok: header.is_some_and(|h| h.version == v),
            actual,
        });
    }
    for (kind, want) in &e.tlvs {
        let found: Vec<String> = header
            .map(|h| {
                h.tlvs
                    .iter()
                    .filter(|t| t.kind == *kind)
                    .map(|t| t.value.display())
                    .collect()
            })
            .unwrap_or_default();
        let ok = match want {
            None => !found.is_empty(),
            Some(w) => found.iter().any(|v| tlv_matches(v, w)),
        };
        out.push(ExpectationResult {
            name: "tlv".into(),
            expected: tlv_expected(*kind, want.as_deref()),
            actual: if found.is_empty() {
                "absent".into()
            } else {
                found.join(" | ")
            },
            ok,
        });
    }
    if let Some(want) = &e.sni {
        out.push(ExpectationResult {
            name: "sni".into(),
            expected: want.clone(),
            actual: sni.map_or("no SNI".into(), str::to_string),
            ok: sni.is_some_and(|s| s.eq_ignore_ascii_case(want)),
        });
    }
    out
}

fn source_list(source: &[Cidr]) -> String {
    source
        .iter()
        .map(Cidr::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}

fn tlv_expected(kind: u8, want: Option<&str>) -> String {
    match want {
        Some(w) => format!("0x{kind:02x} ({}) = {w}", proxy::type_name(kind)),
        None => format!("0x{kind:02x} ({})", proxy::type_name(kind)),
    }
}

/// A TLV value as displayed (`0x…` for hex) matches `want` given as text or hex.
fn tlv_matches(shown: &str, want: &str) -> bool {
    if shown == want {
        return true;
    }
    let want_hex = want.trim_start_matches("0x").to_ascii_lowercase();
    shown
        .strip_prefix("0x")
        .is_some_and(|h| h.eq_ignore_ascii_case(&want_hex))
        || shown.split(" (").next() == Some(want)
}

#[cfg(test)]
mod tests;
