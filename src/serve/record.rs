//! What `ppdiag serve` reports: the per-connection [`Record`], the [`Listening`] event
//! at start and the [`Summary`] at the end, and their text form. The ndjson renderer
//! is serde over these same structs (one object per line, `"type"` first), so text and
//! JSON never disagree.
//!
//! Rules: no I/O. The JSON shape is a documented contract (README.md, `ppdiag serve`): fields are
//! only ever added. Every string that holds peer bytes is escaped where it is built;
//! text output goes through `render` which sanitizes again.

use super::judge::{Emulation, ExpectationResult, ProxyMode};
use crate::findings::{Code, Finding, Severity};
use crate::proxy::{Command, Header};
use crate::render::{Painter, findings_text, key_values};
use crate::sniff::Kind;
use serde::Serialize;
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::net::SocketAddr;

/// The first bytes of the application payload (after any header).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FirstBytes {
    /// What they look like (`tls-client-hello`, `http-request`, `empty`, ...).
    pub kind: Kind,
    /// One line for people.
    pub summary: String,
}

/// The PROXY side of a connection.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ProxyInfo {
    /// The header read (the first one), or null.
    pub header: Option<Header>,
    /// Headers seen in a row (2 or more is `proxy-header-duplicated`).
    pub headers_seen: usize,
    /// Whether the source is trusted (always true without `--trusted`).
    pub trusted: bool,
    /// Whether the header's source address became the client address.
    pub addresses_used: bool,
}

/// The client certificate, when one was sent.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ClientCert {
    /// Subject DN.
    pub subject: String,
    /// Issuer DN.
    pub issuer: String,
    /// Whether it chained to `--client-ca` (false when no CA was given: any
    /// certificate is accepted and recorded).
    pub verified: bool,
}

/// The TLS session, when one was set up.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TlsInfo {
    /// `TLSv1_3`, `TLSv1_2`.
    pub version: Option<String>,
    /// The cipher suite, e.g. `TLS13_AES_256_GCM_SHA384`.
    pub cipher: Option<String>,
    /// The server name the client asked for (escaped).
    pub sni: Option<String>,
    /// The protocol agreed with ALPN (escaped).
    pub alpn: Option<String>,
    /// The protocols the client offered with ALPN (escaped).
    pub alpn_offered: Vec<String>,
    /// The client certificate.
    pub client_cert: Option<ClientCert>,
}

/// The HTTP request read with `--reply http`.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct HttpRequest {
    /// Method.
    pub method: String,
    /// Request target.
    pub target: String,
    /// `HTTP/1.1`.
    pub version: String,
    /// `Host`.
    pub host: Option<String>,
    /// `User-Agent`.
    pub user_agent: Option<String>,
    /// `X-Forwarded-For` (all occurrences joined with `, `).
    pub x_forwarded_for: Option<String>,
    /// `Forwarded` (RFC 7239).
    pub forwarded: Option<String>,
    /// `X-Real-IP`.
    pub x_real_ip: Option<String>,
}

/// How the connection ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum End {
    /// serve closed it (FIN) after its reply or decision.
    Closed,
    /// serve reset it (RST), as the emulated server does.
    Reset,
    /// The peer closed first.
    PeerClosed,
    /// The peer reset it.
    PeerReset,
    /// A timeout passed (header or idle).
    Timeout,
    /// serve was shutting down.
    Interrupted,
    /// A datagram (nothing to end).
    Datagram,
}

/// One connection (or UDP datagram).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Record {
    /// Always `connection`.
    #[serde(rename = "type")]
    pub kind: &'static str,
    /// 1, 2, ... in order of acceptance.
    pub id: u64,
    /// Accept time, seconds since the Unix epoch.
    pub time: f64,
    /// `tcp` or `udp`.
    pub transport: &'static str,
    /// The listener's address.
    pub listener: SocketAddr,
    /// The socket peer (the balancer, or the client when nothing is in between).
    pub peer: SocketAddr,
    /// The local address of the socket.
    pub local: SocketAddr,
    /// The client as a backend would see it: the header's source when read and
    /// trusted, else the socket peer.
    pub client: SocketAddr,
    /// The PROXY side.
    pub proxy: ProxyInfo,
    /// What followed the header (null when a header problem hides it).
    pub first_bytes: Option<FirstBytes>,
    /// The TLS session.
    pub tls: Option<TlsInfo>,
    /// The HTTP request (`--reply http`).
    pub http: Option<HttpRequest>,
    /// What serve did: `http`, `echo`, `none`, `answer` (a fixed plaintext answer),
    /// `closed` (ended without a reply).
    pub reply: &'static str,
    /// The emulated server, if any.
    pub emulation: Option<Emulation>,
    /// What the emulated server would write to its log.
    pub emulated_log: Option<String>,
    /// Bytes read from the socket.
    pub bytes_in: u64,
    /// Bytes written to the socket.
    pub bytes_out: u64,
    /// From accept to the end, in milliseconds.
    pub duration_ms: u64,
    /// How it ended.
    pub ending: End,
    /// The I/O or TLS error, if any (text).
    pub error: Option<String>,
    /// Readings that are not problems.
    pub notes: Vec<String>,
    /// What is wrong or worth knowing, worst first.
    pub findings: Vec<Finding>,
    /// The `--expect-*` results.
    pub expectations: Vec<ExpectationResult>,
    /// No error finding and every expectation met.
    pub ok: bool,
}

impl Record {
    /// Sets `ok` from the findings and expectations.
    pub fn settle(&mut self) {
        crate::findings::sort_worst_first(&mut self.findings);
        self.ok = crate::findings::worst(&self.findings) != Some(Severity::Error)
            && self.expectations.iter().all(|e| e.ok);
    }

    /// Whether this was a LOCAL health check.
    pub fn health_check(&self) -> bool {
        self.proxy
            .header
            .as_ref()
            .is_some_and(|h| h.command == Command::Local)
    }
}

/// Certificate details printed at start.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CertInfo {
    /// `generated` or `file`.
    pub source: &'static str,
    /// Subject alternative names (generated) or the file's path.
    pub names: Vec<String>,
    /// SHA-256 of the DER certificate, `AB:CD:...` (as `openssl x509 -fingerprint
    /// -sha256` prints it).
    pub sha256: String,
    /// Where the PEM was written (`--cert-out`).
    pub written_to: Option<String>,
}

/// Printed once per listener when it is ready.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Listening {
    /// Always `listening`.
    #[serde(rename = "type")]
    pub kind: &'static str,
    /// The bound address (the real port when 0 was asked).
    pub address: SocketAddr,
    /// `tcp` or `udp`.
    pub transport: &'static str,
    /// TLS termination.
    pub tls: bool,
    /// PROXY policy.
    pub proxy: ProxyMode,
    /// Versions read, e.g. `["v1","v2"]`.
    pub proxy_versions: Vec<&'static str>,
    /// Trusted sources (empty: all).
    pub trusted: Vec<String>,
    /// Emulated server.
    pub emulation: Option<Emulation>,
    /// The certificate (TLS listeners).
    pub certificate: Option<CertInfo>,
}

/// Printed at exit.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Summary {
    /// Always `summary`.
    #[serde(rename = "type")]
    pub kind: &'static str,
    /// Connections (and datagrams) recorded.
    pub connections: u64,
    /// Of which ok.
    pub ok: u64,
    /// Of which LOCAL health checks.
    pub health_checks: u64,
    /// Of which with an error finding.
    pub with_errors: u64,
    /// Of which failed an expectation.
    pub expectations_failed: u64,
    /// Count of each finding code.
    pub findings: BTreeMap<Code, u64>,
    /// Whether serve stopped on SIGINT/SIGTERM (rather than `--count`).
    pub interrupted: bool,
    /// The first failures, one line each (at most 20).
    pub failures: Vec<String>,
    /// The exit code.
    pub exit_code: i32,
}

impl Summary {
    /// An empty summary.
    pub fn new() -> Self {
        Summary {
            kind: "summary",
            connections: 0,
            ok: 0,
            health_checks: 0,
            with_errors: 0,
            expectations_failed: 0,
            findings: BTreeMap::new(),
            interrupted: false,
            failures: Vec::new(),
            exit_code: 0,
        }
    }

    /// Counts one record.
    pub fn add(&mut self, r: &Record) {
        self.connections += 1;
        if r.ok {
            self.ok += 1;
        }
        if r.health_check() {
            self.health_checks += 1;
        }
        if crate::findings::worst(&r.findings) == Some(Severity::Error) {
            self.with_errors += 1;
        }
        let failed: Vec<_> = r.expectations.iter().filter(|e| !e.ok).collect();
        if !failed.is_empty() {
            self.expectations_failed += 1;
        }
        for f in &r.findings {
            *self.findings.entry(f.code).or_default() += 1;
        }
        if !r.ok && self.failures.len() < 20 {
            let mut why: Vec<String> = failed
                .iter()
                .map(|e| format!("expected {} {}, got {}", e.name, e.expected, e.actual))
                .collect();
            why.extend(
                r.findings
                    .iter()
                    .filter(|f| f.severity == Severity::Error)
                    .map(|f| format!("[{}] {}", f.code, f.summary)),
            );
            self.failures
                .push(format!("#{} from {}: {}", r.id, r.peer, why.join("; ")));
        }
        self.exit_code = if self.ok == self.connections { 0 } else { 1 };
    }
}

impl Default for Summary {
    fn default() -> Self {
        Summary::new()
    }
}

fn header_line(h: &Header) -> String {
    let cmd = match h.command {
        Command::Proxy => "PROXY",
        Command::Local => "LOCAL",
    };
    let addrs = match (h.source, h.destination) {
        (Some(s), Some(d)) => format!(" {s} -> {d}"),
        _ => String::new(),
    };
    let unix = match (&h.unix_source, &h.unix_destination) {
        (Some(s), Some(d)) => format!(" unix {s} -> {d}"),
        _ => String::new(),
    };
    format!(
        "v{} {cmd}{addrs}{unix}, {} bytes, {} TLV(s)",
        h.version.number(),
        h.length,
        h.tlvs.len()
    )
}

/// Text form of one record: a summary line, details, findings.
pub fn record_text(p: &Painter, r: &Record) -> String {
    let mut out = String::new();
    let verdict = if r.ok { p.good("ok") } else { p.bad("PROBLEM") };
    let proxy = match &r.proxy.header {
        Some(h) if h.command == Command::Local => "PROXY LOCAL (health check)".to_string(),
        Some(h) => format!("PROXY v{}", h.version.number()),
        None => "no PROXY header".into(),
    };
    let tls = r
        .tls
        .as_ref()
        .and_then(|t| t.version.clone())
        .map(|v| format!("  {v}"))
        .unwrap_or_default();
    let _ = writeln!(
        out,
        "{} {} {} -> {}  client {}  {proxy}{tls}  {verdict}",
        p.heading(&format!("#{}", r.id)),
        r.transport,
        r.peer,
        r.local,
        r.client,
    );
    let mut rows: Vec<(String, String)> = Vec::new();
    if let Some(h) = &r.proxy.header {
        let mut line = header_line(h);
        if !r.proxy.trusted {
            line += " (untrusted source: addresses ignored)";
        }
        rows.push(("proxy".into(), line));
        for t in &h.tlvs {
            rows.push((
                "tlv".into(),
                format!("0x{:02x} {} {}", t.kind, t.name, t.value.display()),
            ));
        }
    }
    if let Some(fb) = &r.first_bytes {
        rows.push(("first bytes".into(), fb.summary.clone()));
    }
    if let Some(t) = &r.tls {
        let mut parts = vec![
            t.version.clone().unwrap_or_else(|| "?".into()),
            t.cipher.clone().unwrap_or_else(|| "?".into()),
        ];
        parts.push(format!("sni {}", t.sni.as_deref().unwrap_or("(none)")));
        if let Some(a) = &t.alpn {
            parts.push(format!("alpn {a}"));
        } else if !t.alpn_offered.is_empty() {
            parts.push(format!(
                "alpn offered {} (none agreed)",
                t.alpn_offered.join(",")
            ));
        }
        rows.push(("tls".into(), parts.join(", ")));
        if let Some(c) = &t.client_cert {
            rows.push((
                "client cert".into(),
                format!(
                    "{} (issuer {}, {})",
                    c.subject,
                    c.issuer,
                    if c.verified {
                        "verified"
                    } else {
                        "not verified"
                    }
                ),
            ));
        }
    }
    if let Some(h) = &r.http {
        let mut line = format!("{} {} {}", h.method, h.target, h.version);
        if let Some(host) = &h.host {
            line += &format!(", host {host}");
        }
        rows.push(("request".into(), line));
        if let Some(x) = &h.x_forwarded_for {
            rows.push(("x-forwarded-for".into(), x.clone()));
        }
        if let Some(x) = &h.forwarded {
            rows.push(("forwarded".into(), x.clone()));
        }
    }
    if let Some(log) = &r.emulated_log {
        rows.push(("emulated log".into(), log.clone()));
    }
    let mut end = format!(
        "{} after {} ms, {} bytes in, {} out, reply {}",
        serde_plain(&r.ending),
        r.duration_ms,
        r.bytes_in,
        r.bytes_out,
        r.reply
    );
    if let Some(e) = &r.error {
        end += &format!(" ({e})");
    }
    rows.push(("ending".into(), end));
    for n in &r.notes {
        rows.push(("note".into(), n.clone()));
    }
    for e in &r.expectations {
        rows.push((
            "expect".into(),
            format!(
                "{} {}: {} (got {})",
                e.name,
                e.expected,
                if e.ok { "met" } else { "FAILED" },
                e.actual
            ),
        ));
    }
    key_values(p, &mut out, 4, &rows);
    if !r.findings.is_empty() {
        let mut f = String::new();
        findings_text(p, &mut f, &r.findings);
        for line in f.lines() {
            let _ = writeln!(out, "    {line}");
        }
    }
    out
}

fn serde_plain<T: Serialize>(v: &T) -> String {
    serde_json::to_value(v)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default()
}

/// Text form of the listening event.
pub fn listening_text(p: &Painter, l: &Listening) -> String {
    let mut out = String::new();
    let mut what = vec![
        l.transport.to_string(),
        if l.tls {
            "tls".into()
        } else {
            "plaintext".into()
        },
        format!(
            "proxy {} {}",
            serde_plain(&l.proxy),
            l.proxy_versions.join(",")
        ),
    ];
    if !l.trusted.is_empty() {
        what.push(format!("trusted {}", l.trusted.join(",")));
    }
    if let Some(e) = l.emulation {
        what.push(format!("emulating {}", e.name()));
    }
    let _ = writeln!(
        out,
        "{} {} ({})",
        p.heading("listening on"),
        l.address,
        what.join(", ")
    );
    if let Some(c) = &l.certificate {
        let _ = writeln!(
            out,
            "    {} {} for {}",
            p.key("certificate:"),
            c.source,
            c.names.join(", ")
        );
        let _ = writeln!(out, "    {} {}", p.key("sha256:"), c.sha256);
        if let Some(w) = &c.written_to {
            let _ = writeln!(out, "    {} {w}", p.key("written to:"));
        }
    }
    out
}

/// Text form of the summary.
pub fn summary_text(p: &Painter, s: &Summary) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{} {} connection(s): {} ok, {} with errors, {} failed expectations, {} health check(s){}",
        p.heading("summary:"),
        s.connections,
        s.ok,
        s.with_errors,
        s.expectations_failed,
        s.health_checks,
        if s.interrupted { " (interrupted)" } else { "" }
    );
    for (code, n) in &s.findings {
        let _ = writeln!(out, "    {code}: {n}");
    }
    for f in &s.failures {
        let _ = writeln!(out, "    {} {f}", p.bad("failed"));
    }
    out
}
