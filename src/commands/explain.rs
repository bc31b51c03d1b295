//! `ppdiag explain`: map a copied error message to its PROXY/TLS causes.
//!
//! Shell: reads the message; the knowledge base ([`crate::explain`]) does the matching.
//! When the message quotes bytes (nginx `broken header: "..."`), they are inspected as
//! `ppdiag inspect` would and the result is part of the report.

use super::inspect::{self, Report as Inspection};
use crate::config::ExplainConfig;
use crate::explain::{self, Explanation};
use crate::input::read_input;
use crate::output::{Failure, Reporter};
use crate::rawbytes::{Format, Parsed};
use crate::render::Painter;
use serde::Serialize;

/// The `explain` report.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    /// The knowledge-base result.
    #[serde(flatten)]
    pub explanation: Explanation,
    /// The quoted bytes, inspected, when the message quotes any.
    pub inspection: Option<Inspection>,
}

/// Builds the report for one message.
pub fn report(message: &str) -> Report {
    let explanation = explain::explain(message);
    let inspection = explanation.bytes.as_ref().map(|b| {
        inspect::report(
            Parsed {
                bytes: b.clone(),
                format: Format::Escaped,
                notes: Vec::new(),
            },
            if crate::rawbytes::is_nginx_broken_header(message.as_bytes()) {
                inspect::Origin::NginxBrokenHeader
            } else {
                inspect::Origin::Unknown
            },
        )
    });
    Report {
        explanation,
        inspection,
    }
}

/// Runs `explain`.
pub fn run(cfg: &ExplainConfig) -> Result<i32, Failure> {
    let mut out = cfg.output.stdout();
    let Some(source) = &cfg.message else {
        out.whole(&explain::entries(), |p, s| {
            s.push_str(&explain::render_list_text(p))
        });
        return out.close().map(|()| 0);
    };
    let message = message_text(&read_input(source)?);
    let message = message.trim();
    if message.is_empty() {
        return Err(Failure("the message is empty".into()));
    }
    let r = report(message);
    out.whole(&r, |p, s| render_report_text(&r, p, s));
    // Explaining is not diagnosing a live system: a successful lookup exits 0 whether
    // or not the message was recognised (the output says which).
    out.close().map(|()| 0)
}

fn render_report_text(r: &Report, p: &Painter, s: &mut String) {
    s.push_str(&explain::render_text(&r.explanation, p));
    if let Some(i) = &r.inspection {
        s.push_str(&format!(
            "\n{}\n",
            p.heading("The quoted bytes, inspected:")
        ));
        s.push_str(&inspect::render_text(i, p));
    }
}

/// A pasted message as text: bytes that are not UTF-8 (nginx before 1.25 writes the
/// bytes of a `broken header` to its log unescaped) and control bytes become `\xNN`,
/// as newer nginx writes them, so the words around them still match.
fn message_text(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len());
    for chunk in bytes.utf8_chunks() {
        for c in chunk.valid().chars() {
            if c.is_control() && !matches!(c, '\n' | '\r' | '\t') {
                out.push_str(&format!("\\x{:02x}", u32::from(c)));
            } else {
                out.push(c);
            }
        }
        for b in chunk.invalid() {
            out.push_str(&format!("\\x{b:02x}"));
        }
    }
    out
}

#[cfg(test)]
mod message_tests {
    #[test]
    fn raw_bytes_in_a_log_line_are_escaped_not_refused() {
        let line = b"broken header: \"\x16\x03\x01\x00\xa5\x01\x00\x00\xa1\x03\x03\" while reading PROXY protocol";
        let t = super::message_text(line);
        assert_eq!(
            t,
            "broken header: \"\\x16\\x03\\x01\\x00\\xa5\\x01\\x00\\x00\\xa1\\x03\\x03\" while reading PROXY protocol"
        );
        let r = super::report(&t);
        assert!(
            r.explanation
                .matches
                .iter()
                .any(|m| m.id.contains("broken-header")),
            "{:?}",
            r.explanation
                .matches
                .iter()
                .map(|m| m.id.as_str())
                .collect::<Vec<_>>()
        );
    }
}
