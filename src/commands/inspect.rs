//! `ppdiag inspect`: explain raw bytes a user copied from a log or a dump.
//!
//! Shell: reads the text, then everything else is core: [`crate::rawbytes`] turns text
//! into bytes, [`crate::opening`] peels headers and judges, [`report`] builds the one
//! serializable report that both renderers read.

use crate::config::InspectConfig;
use crate::escape::hexdump;
use crate::findings::{self, Finding, Severity};
use crate::input::read_input;
use crate::opening::{self, HeaderProblem, Opening};
use crate::output::{Failure, Reporter};
use crate::proxy::{Command, Family, Header, Transport};
use crate::rawbytes::{self, Format};
use crate::render::{Painter, findings_text, key_values};
use crate::sniff::Sniffed;
use serde::Serialize;
use std::fmt::Write as _;

/// The `inspect` report (its JSON form is the documented schema).
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    /// What the bytes are: `proxy-v1`, `proxy-v2`, or the payload kind (`tls-client-hello`, ...).
    pub kind: String,
    /// How the input text was read.
    pub input_format: Format,
    /// Notes from reading the input (stripped packet headers, ...).
    pub input_notes: Vec<String>,
    /// Number of bytes read.
    pub length: usize,
    /// The first PROXY header, or null.
    pub proxy: Option<Header>,
    /// Every PROXY header found in a row (normally zero or one).
    pub proxy_headers: Vec<Header>,
    /// Why header parsing stopped (malformed or incomplete), or null.
    pub proxy_problem: Option<HeaderProblem>,
    /// Offset of the payload after the headers.
    pub payload_offset: usize,
    /// What the payload looks like, or null when a header problem hides it.
    pub payload: Option<Sniffed>,
    /// Plain-language readings.
    pub notes: Vec<String>,
    /// Findings, worst first.
    pub findings: Vec<Finding>,
    /// The bytes, hex.
    pub hex: String,
    /// The bytes.
    #[serde(skip)]
    pub bytes: Vec<u8>,
}

/// What is known about where the bytes came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    /// Nothing.
    Unknown,
    /// An nginx `broken header` record: a `proxy_protocol` listener rejected them.
    NginxBrokenHeader,
}

/// Builds the report for bytes read from text.
pub fn report(parsed: rawbytes::Parsed, origin: Origin) -> Report {
    let bytes = parsed.bytes;
    let mut o: Opening = opening::analyze(&bytes);
    if origin == Origin::NginxBrokenHeader
        && let Some(f) = opening::missing_header(&o, "nginx (`listen ... proxy_protocol`)")
    {
        o.findings.push(f);
    }
    let kind = if let Some(h) = o.headers.first() {
        format!("proxy-v{}", h.version.number())
    } else if let Some(p) = &o.problem {
        let v = match p {
            HeaderProblem::Malformed { malformed } => malformed.version,
            HeaderProblem::Incomplete { version, .. } => *version,
        };
        format!("proxy-v{}", v.number())
    } else {
        o.payload
            .as_ref()
            .map(|p| serde_json::to_value(p.kind).ok())
            .and_then(|v| v.and_then(|v| v.as_str().map(str::to_string)))
            .unwrap_or_else(|| "unknown".into())
    };
    let mut findings = o.findings;
    findings::sort_worst_first(&mut findings);
    Report {
        kind,
        input_format: parsed.format,
        input_notes: parsed.notes.clone(),
        length: bytes.len(),
        proxy: o.headers.first().cloned(),
        proxy_headers: o.headers,
        proxy_problem: o.problem,
        payload_offset: o.payload_offset,
        payload: o.payload,
        notes: o.notes,
        findings,
        hex: crate::escape::hex_compact(&bytes),
        bytes,
    }
}

/// Runs `inspect`.
pub fn run(cfg: &InspectConfig) -> Result<i32, Failure> {
    let input = read_input(&cfg.source)?;
    let parsed = rawbytes::parse_bytes(&input)
        .map_err(|e| Failure(format!("cannot read the bytes: {e}")))?;
    if parsed.bytes.is_empty() {
        return Err(Failure("no bytes in the input".into()));
    }
    let origin = if rawbytes::is_nginx_broken_header(&input) {
        Origin::NginxBrokenHeader
    } else {
        Origin::Unknown
    };
    let r = report(parsed, origin);
    let mut out = cfg.output.stdout();
    out.whole(&r, |p, s| s.push_str(&render_text(&r, p)));
    out.close()?;
    Ok(exit_code(&r.findings))
}

/// 1 when a warning or error was found, else 0.
pub fn exit_code(findings: &[Finding]) -> i32 {
    match findings::worst(findings) {
        Some(Severity::Warning | Severity::Error) => 1,
        _ => 0,
    }
}

/// Key/value rows describing one header.
pub fn header_rows(h: &Header) -> Vec<(String, String)> {
    let mut rows = vec![
        ("version".to_string(), h.version.number().to_string()),
        (
            "command".into(),
            match h.command {
                Command::Proxy => "PROXY".into(),
                Command::Local => {
                    "LOCAL (health check: receivers use the connection's own addresses)".into()
                }
            },
        ),
    ];
    let family = match h.family {
        Family::Unspec => "UNSPEC",
        Family::Inet => "INET (IPv4)",
        Family::Inet6 => "INET6 (IPv6)",
        Family::Unix => "UNIX",
    };
    let transport = match h.transport {
        Transport::Unspec => "unspecified",
        Transport::Stream => "stream (TCP)",
        Transport::Dgram => "datagram (UDP)",
    };
    let fam = match h.family_byte {
        Some(b) => format!("{family}, {transport} (byte 13 = 0x{b:02x})"),
        None => format!("{family}, {transport}"),
    };
    rows.push(("family".into(), fam));
    let none = if h.command == Command::Local {
        "none (LOCAL)"
    } else {
        "none (receivers use the socket addresses)"
    };
    rows.push((
        "source".into(),
        h.source
            .map(|s| s.to_string())
            .or_else(|| h.unix_source.clone())
            .unwrap_or_else(|| none.into()),
    ));
    rows.push((
        "destination".into(),
        h.destination
            .map(|s| s.to_string())
            .or_else(|| h.unix_destination.clone())
            .unwrap_or_else(|| none.into()),
    ));
    rows.push(("length".into(), header_length(h)));
    for t in &h.tlvs {
        rows.push((
            format!("TLV @{}", t.offset),
            format!(
                "{} (0x{:02x}, {} bytes) {}",
                t.name,
                t.kind,
                t.length,
                t.value.display()
            ),
        ));
    }
    rows
}

/// The text rendering of a report.
pub fn render_text(r: &Report, p: &Painter) -> String {
    let mut out = String::new();
    let fmt = serde_json::to_value(r.input_format)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default();
    let _ = writeln!(
        out,
        "{} {} bytes read as {fmt}",
        p.heading("input:"),
        r.length
    );
    for n in &r.input_notes {
        let _ = writeln!(out, "  {}", p.dim(n));
    }
    let _ = writeln!(out, "{} {}", p.heading("what:"), what_line(r));
    let mut start = 0;
    for (i, h) in r.proxy_headers.iter().enumerate() {
        let _ = writeln!(
            out,
            "\n{}",
            p.heading(&format!(
                "PROXY header {} (bytes {}..{})",
                i + 1,
                start,
                start + h.length
            ))
        );
        key_values(p, &mut out, 2, &header_rows(h));
        start += h.length;
    }
    if let Some(HeaderProblem::Malformed { malformed }) = &r.proxy_problem {
        let _ = writeln!(
            out,
            "\n{}",
            p.heading(&format!(
                "Malformed PROXY v{} header",
                malformed.version.number()
            ))
        );
        key_values(
            p,
            &mut out,
            2,
            &[
                ("at byte".into(), malformed.offset.to_string()),
                ("rule".into(), malformed.rule.to_string()),
                ("problem".into(), malformed.message.clone()),
            ],
        );
    }
    if let Some(payload) = &r.payload {
        let _ = writeln!(
            out,
            "\n{}",
            p.heading(&format!("Payload (from byte {})", r.payload_offset))
        );
        let mut rows = vec![("kind".to_string(), payload.summary.clone())];
        rows.extend(payload.describe());
        key_values(p, &mut out, 2, &rows);
    }
    if !r.notes.is_empty() {
        let _ = writeln!(out, "\n{}", p.heading("What it means"));
        for n in &r.notes {
            let _ = writeln!(out, "  {n}");
        }
    }
    let _ = writeln!(out, "\n{}", p.heading("Findings"));
    findings_text(p, &mut out, &r.findings);
    let _ = writeln!(out, "\n{}", p.heading("Bytes"));
    for line in hexdump(&r.bytes, 256) {
        let _ = writeln!(out, "  {}", p.dim(&line));
    }
    out
}

fn what_line(r: &Report) -> String {
    let mut parts = Vec::new();
    for h in &r.proxy_headers {
        let cmd = match h.command {
            Command::Proxy => "PROXY",
            Command::Local => "LOCAL",
        };
        parts.push(format!(
            "PROXY v{} header ({cmd}, {} bytes)",
            h.version.number(),
            h.length
        ));
    }
    match &r.proxy_problem {
        Some(HeaderProblem::Malformed { malformed }) => parts.push(format!(
            "a malformed PROXY v{} header",
            malformed.version.number()
        )),
        Some(HeaderProblem::Incomplete { version, .. }) => {
            parts.push(format!("an incomplete PROXY v{} header", version.number()))
        }
        None => {}
    }
    if let Some(p) = &r.payload {
        if !matches!(p.kind, crate::sniff::Kind::Empty) || parts.is_empty() {
            parts.push(p.summary.clone());
        } else {
            parts.push("nothing after it".into());
        }
    }
    parts.join(", then ")
}

/// The header's size; for v2 also its length field (bytes 14-15, which counts what
/// follows the 16-byte fixed part), so the two numbers a reader meets are both shown.
fn header_length(h: &crate::proxy::Header) -> String {
    match h.version {
        crate::proxy::Version::V1 => format!("{} bytes (the line with its CRLF)", h.length),
        crate::proxy::Version::V2 => format!(
            "header {} bytes, length field {} (bytes 14-15: what follows the 16-byte fixed part)",
            h.length,
            h.length.saturating_sub(16)
        ),
    }
}
