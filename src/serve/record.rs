//! What `ppdiag serve` reports: the per-connection [`Record`], the [`Listening`] event
//! at start and the [`Summary`] at the end, and their text form. The ndjson renderer
//! is serde over these same structs (one object per line, `"type"` first), so text and
//! JSON never disagree.
//!
//! Rules: no I/O. The JSON shape is a documented contract (README.md, `ppdiag serve`): fields are
//! only ever added. Every string that holds peer bytes is escaped where it is built;
//! text output goes through `render` which sanitizes again.

use super::http::HttpRequest;
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
    /// The first complete header that arrived (whether or not the listener read it:
    /// see `accepted`), or null.
    pub header: Option<Header>,
    /// Headers seen in a row (2 or more is `proxy-header-duplicated`).
    pub headers_seen: usize,
    /// Whether the listener read the header and went on: false when it does not read
    /// PROXY headers (`--proxy forbidden`, the nginx-ssl and go-tls emulations), does
    /// not read that version, or rejected it (duplicated, CRC mismatch).
    pub accepted: bool,
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

/// What the client sent after `--banner`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AfterBanner {
    /// What the bytes look like (`http-request`, `unknown`, `empty`, ...).
    pub kind: Kind,
    /// The first line (at most 256 bytes), escaped.
    pub line: String,
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
    /// The `--banner` sent after the header was judged (escaped), or null.
    pub banner: Option<String>,
    /// What the client sent after the banner (null: no banner, or nothing came).
    pub after_banner: Option<AfterBanner>,
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
    /// Whether the expectations applied to this connection and it counts toward
    /// `--count`: every connection except health checks (LOCAL, v1 UNKNOWN), which
    /// count only with `--count-health-checks`.
    pub judged: bool,
    /// The `--expect-*` results (empty when not judged).
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

    /// Whether the peer connected and closed without a byte after the header (TCP
    /// health checks, port probes, a client that gave up): no traffic to judge.
    pub fn probe_only(&self) -> bool {
        let header = self.proxy.header.as_ref().map_or(0, |h| h.length as u64);
        self.transport == "tcp"
            && matches!(self.ending, End::PeerClosed | End::PeerReset)
            && self.bytes_in <= header
    }

    /// Why the connection was not judged, in words.
    pub fn not_judged_because(&self) -> &'static str {
        if self.health_check() {
            "a health check (LOCAL / UNKNOWN header)"
        } else {
            "the peer closed without a byte after the header (a TCP health check or a port probe)"
        }
    }

    /// Whether this was a health check (v2 LOCAL or v1 UNKNOWN).
    pub fn health_check(&self) -> bool {
        super::judge::health_check(self.proxy.header.as_ref())
    }
}

/// What in a connection record (as serialized: ndjson, the HTTP reply body) contradicts
/// the rest of it; empty when it agrees with itself. The tests run it over every record
/// they produce, so it reads JSON rather than [`Record`].
pub fn contradictions(r: &serde_json::Value) -> Vec<String> {
    use serde_json::Value;
    let mut out = Vec::new();
    let p = &r["proxy"];
    let header = &p["header"];
    let has_header = !header.is_null();
    let seen = p["headers_seen"].as_u64().unwrap_or(0);
    let flag = |v: &Value| v.as_bool().unwrap_or(false);
    if has_header != (seen > 0) {
        out.push(format!(
            "header present: {has_header}, but headers_seen {seen}"
        ));
    }
    if flag(&p["accepted"]) && !has_header {
        out.push("accepted without a header".into());
    }
    if flag(&p["addresses_used"]) {
        if !flag(&p["accepted"]) || !flag(&p["trusted"]) || header["source"] != r["client"] {
            out.push(format!(
                "addresses_used, but client {} is not the source of an accepted, trusted header ({})",
                r["client"], header["source"]
            ));
        }
    } else if r["client"] != r["peer"] {
        out.push(format!(
            "client {} differs from peer {} although no header address was used",
            r["client"], r["peer"]
        ));
    }
    let findings = r["findings"].as_array().cloned().unwrap_or_default();
    finding_contradictions(r, &findings, &mut out);
    if has_header && r["first_bytes"]["summary"] == "no PROXY header" {
        out.push("first bytes say no PROXY header beside a header".into());
    }
    let error = findings.iter().any(|f| f["severity"] == "error");
    let expectations = r["expectations"].as_array().cloned().unwrap_or_default();
    let met = expectations.iter().all(|e| flag(&e["ok"]));
    if flag(&r["ok"]) != (!error && met) {
        out.push(format!(
            "ok is {} but the findings and expectations say {}",
            r["ok"],
            !error && met
        ));
    }
    for e in &expectations {
        if e["name"] == "version" {
            let want = if has_header {
                format!("v{}", header["version"])
            } else {
                "no PROXY header".into()
            };
            if e["actual"] != want.as_str() {
                out.push(format!(
                    "expectation version got {} but header is {want}",
                    e["actual"]
                ));
            }
        }
    }
    if !flag(&r["judged"]) && !expectations.is_empty() {
        out.push("expectations on a connection that was not judged".into());
    }
    if (r["ending"] == "datagram") != (r["transport"] == "udp") {
        out.push(format!("ending {} on {}", r["ending"], r["transport"]));
    }
    if !r["after_banner"].is_null() && r["banner"].is_null() {
        out.push("after_banner without a banner".into());
    }
    if r["emulated_log"].is_string() && r["emulation"].is_null() {
        out.push("an emulated log line without an emulation".into());
    }
    out
}

/// What the findings of a record say about its header, against the header.
fn finding_contradictions(
    r: &serde_json::Value,
    findings: &[serde_json::Value],
    out: &mut Vec<String>,
) {
    let p = &r["proxy"];
    let header = &p["header"];
    let has_header = !header.is_null();
    let flag = |v: &serde_json::Value| v.as_bool().unwrap_or(false);
    for f in findings {
        let code = f["code"].as_str().unwrap_or("");
        let summary = f["summary"].as_str().unwrap_or("");
        let names_header = (code == "proxy-header-not-expected"
            && summary.starts_with("a PROXY v"))
            || code == "proxy-version-unsupported"
            || code == "health-check-local";
        if names_header && !has_header {
            out.push(format!("finding {code} names a header the record lacks"));
        }
        if let Some(v) = summary
            .strip_prefix("a PROXY v")
            .and_then(|s| s.chars().next())
            && has_header
            && header["version"].as_u64().map(|n| n.to_string()) != Some(v.to_string())
        {
            out.push(format!(
                "finding says v{v}, header is v{}",
                header["version"]
            ));
        }
        if (code == "proxy-header-missing" || code == "proxy-header-not-expected")
            && flag(&p["accepted"])
        {
            out.push(format!("{code} beside a header the listener accepted"));
        }
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

/// One `--expect-*` over the whole run.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ExpectationSummary {
    /// `source`, `version`, `tlv`, `sni`.
    pub name: String,
    /// What was expected, as given.
    pub expected: String,
    /// Judged connections that met it.
    pub met: u64,
    /// Ids of the judged connections that failed it (the first 20).
    pub failed: Vec<u64>,
    /// Judged connections that failed it.
    pub failed_count: u64,
    /// False when no judged connection arrived to test it: a failure.
    pub exercised: bool,
}

impl ExpectationSummary {
    /// `version v2`.
    pub fn label(&self) -> String {
        format!("{} {}", self.name, self.expected)
    }

    /// Exercised and never failed.
    pub fn ok(&self) -> bool {
        self.exercised && self.failed_count == 0
    }
}

/// Printed at exit.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Summary {
    /// Always `summary`.
    #[serde(rename = "type")]
    pub kind: &'static str,
    /// Connections (and datagrams) recorded.
    pub connections: u64,
    /// Of which judged: the expectations applied and they count toward `--count`.
    pub judged: u64,
    /// `--count`, the judged connections the run needed.
    pub count: Option<u64>,
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
    /// Whether `--deadline` passed before `--count` judged connections arrived.
    pub deadline_passed: bool,
    /// Per `--expect-*`: how many judged connections met it and which failed it.
    pub expectations: Vec<ExpectationSummary>,
    /// The first failures, one line each (at most 20).
    pub failures: Vec<String>,
    /// The exit code.
    pub exit_code: i32,
}

impl Summary {
    /// An empty summary for a run with these expectations (`(name, expected)`, as
    /// [`super::judge::Expectations::describe`] gives them).
    pub fn for_run(expectations: &[(String, String)], count: Option<u64>) -> Self {
        let mut s = Summary::new();
        s.count = count;
        s.expectations = expectations
            .iter()
            .map(|(name, expected)| ExpectationSummary {
                name: name.clone(),
                expected: expected.clone(),
                met: 0,
                failed: Vec::new(),
                failed_count: 0,
                exercised: false,
            })
            .collect();
        s
    }

    /// An empty summary.
    pub fn new() -> Self {
        Summary {
            kind: "summary",
            connections: 0,
            judged: 0,
            count: None,
            deadline_passed: false,
            expectations: Vec::new(),
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
        if r.judged {
            self.judged += 1;
        }
        for e in &r.expectations {
            if let Some(s) = self
                .expectations
                .iter_mut()
                .find(|s| s.name == e.name && s.expected == e.expected)
            {
                s.exercised = true;
                if e.ok {
                    s.met += 1;
                } else {
                    s.failed_count += 1;
                    if s.failed.len() < 20 {
                        s.failed.push(r.id);
                    }
                }
            }
        }
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

    /// Ends the run: a run short of `--count` judged connections fails, and so does
    /// every expectation that no judged connection exercised (a gate that saw nothing
    /// must not pass). `stopped_by` says why the run ended early, when it did
    /// (`serve was interrupted`, `the deadline (30s) passed`).
    pub fn close(&mut self, stopped_by: Option<&str>) {
        let mut first = Vec::new();
        if let Some(c) = self.count.filter(|c| self.judged < *c) {
            first.push(format!(
                "only {} of the {c} judged connection(s) that --count asks for arrived: {}",
                self.judged,
                stopped_by.unwrap_or("serve stopped")
            ));
        }
        for e in self.expectations.iter().filter(|e| !e.exercised) {
            first.push(format!(
                "expectation `{}` was never exercised: no judged connection arrived to test it{}",
                e.label(),
                stopped_by.map(|s| format!(" ({s})")).unwrap_or_default()
            ));
        }
        if !first.is_empty() {
            self.exit_code = 1;
            first.append(&mut self.failures);
            self.failures = first;
        }
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
    title_line(p, r, &mut out);
    let mut rows: Vec<(String, String)> = Vec::new();
    proxy_rows(r, &mut rows);
    payload_rows(r, &mut rows);
    tls_rows(r, &mut rows);
    http_rows(r, &mut rows);
    end_rows(r, &mut rows);
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

/// `#id transport peer -> local  client …  PROXY …  TLS version  verdict`.
fn title_line(p: &Painter, r: &Record, out: &mut String) {
    let verdict = if r.ok { p.good("ok") } else { p.bad("PROBLEM") };
    let proxy = match &r.proxy.header {
        Some(h) if h.command == Command::Local => "PROXY LOCAL (health check)".to_string(),
        Some(h) if r.health_check() => {
            format!("PROXY v{} UNKNOWN (health check)", h.version.number())
        }
        Some(h) => format!("PROXY v{}", h.version.number()),
        None => "no PROXY header".into(),
    };
    let proxy = if r.proxy.header.is_some() && !r.proxy.accepted {
        format!("{proxy} not read")
    } else {
        proxy
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
}

/// The header and its TLVs.
fn proxy_rows(r: &Record, rows: &mut Vec<(String, String)>) {
    if let Some(h) = &r.proxy.header {
        let mut line = header_line(h);
        if !r.proxy.accepted {
            line += " (arrived, not read by the listener)";
        } else if !r.proxy.trusted {
            line += " (untrusted source: addresses ignored)";
        }
        if r.proxy.headers_seen > 1 {
            line += &format!(" (+{} more in a row)", r.proxy.headers_seen - 1);
        }
        rows.push(("proxy".into(), line));
        for t in &h.tlvs {
            rows.push((
                "tlv".into(),
                format!("0x{:02x} {} {}", t.kind, t.name, t.value.display()),
            ));
        }
    }
}

/// The first bytes (after the header), the banner and the client's answer to it.
fn payload_rows(r: &Record, rows: &mut Vec<(String, String)>) {
    if let Some(fb) = &r.first_bytes {
        let header_len = r.proxy.header.as_ref().map_or(0, |h| h.length as u64);
        let label = if r.proxy.header.is_some() {
            "after header"
        } else {
            "first bytes"
        };
        let text = if fb.kind == Kind::Empty && r.bytes_in > header_len {
            format!(
                "nothing yet when serve decided ({} byte(s) came later)",
                r.bytes_in - header_len
            )
        } else {
            fb.summary.clone()
        };
        rows.push((label.into(), text));
    }
    if let Some(b) = &r.banner {
        rows.push(("banner".into(), b.clone()));
        let after = r
            .after_banner
            .as_ref()
            .map_or("nothing".to_string(), |a| format!("\"{}\"", a.line));
        rows.push(("client said".into(), after));
    }
}

/// The TLS session and the client certificate.
fn tls_rows(r: &Record, rows: &mut Vec<(String, String)>) {
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
}

/// The HTTP request and its forwarding headers.
fn http_rows(r: &Record, rows: &mut Vec<(String, String)>) {
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
}

/// The emulated log line, the ending, notes, whether it was judged, the expectations.
fn end_rows(r: &Record, rows: &mut Vec<(String, String)>) {
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
    if !r.judged {
        rows.push((
            "judged".into(),
            format!(
                "no: {}; recorded, not counted, exempt from --expect-* (--count-health-checks counts it)",
                r.not_judged_because()
            ),
        ));
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
        "{} {} connection(s), {} judged{}: {} ok, {} with errors, {} failed expectations, {} health check(s){}{}",
        p.heading("summary:"),
        s.connections,
        s.judged,
        s.count
            .map(|c| format!(" of {c} asked"))
            .unwrap_or_default(),
        s.ok,
        s.with_errors,
        s.expectations_failed,
        s.health_checks,
        if s.interrupted { " (interrupted)" } else { "" },
        if s.deadline_passed {
            " (deadline passed)"
        } else {
            ""
        }
    );
    for e in &s.expectations {
        let state = if !e.exercised {
            p.bad("NEVER EXERCISED")
        } else if e.failed_count > 0 {
            p.bad("FAILED")
        } else {
            p.good("met")
        };
        let _ = writeln!(
            out,
            "    expect {}: {state} ({} met, {} failed)",
            e.label(),
            e.met,
            e.failed_count
        );
    }
    for (code, n) in &s.findings {
        let _ = writeln!(out, "    {code}: {n}");
    }
    for f in &s.failures {
        let _ = writeln!(out, "    {} {f}", p.bad("failed"));
    }
    out
}
