//! The text report of `send` (sans-IO): the connection, the header as a strict
//! receiver reads it, TLS, the result and what TLS clients would print, the reply,
//! then the findings.
//!
//! Rules: reads a [`SendReport`] only; peer bytes are already escaped there and go
//! through [`crate::escape::sanitize_text`] again on the way out.

use super::{ReadBack, SendReport};
use crate::client::tls::TlsSession;
use crate::escape::sanitize_text;
use crate::proxy;
use crate::render::{Painter, findings_text, key_values};
use std::fmt::Write as _;

/// The text report.
pub fn render(r: &SendReport, color: bool, show_reply: bool) -> String {
    let p = Painter::new(color);
    let mut out = String::new();
    let mut rows = vec![(
        "connected".to_string(),
        match (r.local, r.address) {
            (Some(l), Some(a)) => format!("{l} -> {a}"),
            (_, Some(a)) => format!("(not connected) {a}"),
            _ => "-".into(),
        },
    )];
    rows.push(("header sent".into(), read_back_line(&r.header)));
    if r.header_bytes > 0 {
        rows.push(("header hex".into(), r.header_hex.clone()));
    }
    if let Some(t) = &r.tls {
        rows.push(("tls".into(), tls_line(t)));
    }
    if let Some(e) = &r.tls_error {
        rows.push(("tls error".into(), e.clone()));
    }
    rows.push((
        "result".into(),
        format!(
            "{} ({} bytes back, {} ms)",
            r.outcome.label(),
            r.reply_bytes,
            r.elapsed_ms
        ),
    ));
    if let Some(fp) = r.fingerprint {
        rows.push(("backend".into(), fp.describe().into()));
    }
    for c in r.client_sees.iter().take(3) {
        rows.push(("a TLS client prints".into(), c.clone()));
    }
    key_values(&p, &mut out, 0, &rows);
    if show_reply && r.reply_bytes > 0 {
        reply_text(&p, &mut out, r);
    }
    let _ = writeln!(out);
    findings_text(&p, &mut out, &r.findings);
    out
}

/// What a strict receiver read in the header sent, in one line.
fn read_back_line(rb: &ReadBack) -> String {
    match rb {
        ReadBack::None => "none".to_string(),
        ReadBack::Complete { header } => {
            let mut s = format!(
                "v{} {} ({} bytes)",
                header.version.number(),
                match header.command {
                    proxy::Command::Proxy => "PROXY",
                    proxy::Command::Local => "LOCAL",
                },
                header.length
            );
            if let (Some(a), Some(b)) = (header.source, header.destination) {
                let _ = write!(s, " {a} -> {b}");
            }
            for t in &header.tlvs {
                let _ = write!(s, "; {} {}", t.name, t.value.display());
            }
            s
        }
        ReadBack::Incomplete { at_least } => {
            format!("an incomplete header (at least {at_least} more bytes expected by a receiver)")
        }
        ReadBack::Malformed { malformed } => format!(
            "a malformed header: {} (byte {}, rule {})",
            malformed.message, malformed.offset, malformed.rule
        ),
        ReadBack::NotProxy => "bytes that are not a PROXY header".into(),
    }
}

/// The negotiated TLS session in one line.
fn tls_line(t: &TlsSession) -> String {
    format!(
        "{} {}{}{}",
        t.version,
        t.cipher,
        t.alpn
            .as_deref()
            .map(|a| format!(", ALPN {a}"))
            .unwrap_or_default(),
        t.sni
            .as_deref()
            .map(|s| format!(", SNI {s}"))
            .unwrap_or_default()
    )
}

/// The reply, at most 4 KiB of it, a line per line.
fn reply_text(p: &Painter, out: &mut String, r: &SendReport) {
    let _ = writeln!(out, "{}", p.heading("reply:"));
    // Printable text stays readable; everything else is escaped.
    let cut = r.reply.len().min(4096);
    let shown = &r.reply[..cut];
    for line in shown.split("\\x0d\\x0a").flat_map(|l| l.split("\\x0a")) {
        let _ = writeln!(out, "  {}", sanitize_text(line));
    }
    if cut < r.reply.len() {
        let _ = writeln!(
            out,
            "  ... ({} bytes in all; --format json shows them)",
            r.reply_bytes
        );
    }
}
