//! `ppdiag explain`: map a copied error message to its PROXY/TLS causes.
//!
//! Shell: reads the message; the knowledge base ([`crate::explain`]) does the matching.
//! When the message quotes bytes (nginx `broken header: "..."`), they are inspected as
//! `ppdiag inspect` would and the result is part of the report.

use super::inspect::{self, Report as Inspection};
use super::{Failure, emit, read_text};
use crate::cli::ExplainConfig;
use crate::explain::{self, Explanation};
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
    let p = Painter::new(cfg.output.color);
    let Some(source) = &cfg.message else {
        let out = if let Some(json) = cfg.output.json(&explain::entries()) {
            json
        } else {
            explain::render_list_text(&p)
        };
        return emit(&out);
    };
    let message = read_text(source)?;
    let message = message.trim();
    if message.is_empty() {
        return Err(Failure("the message is empty".into()));
    }
    let r = report(message);
    let out = if let Some(json) = cfg.output.json(&r) {
        json
    } else {
        let mut s = explain::render_text(&r.explanation, &p);
        if let Some(i) = &r.inspection {
            s.push_str(&format!(
                "\n{}\n",
                p.heading("The quoted bytes, inspected:")
            ));
            s.push_str(&inspect::render_text(i, &p));
        }
        s
    };
    // Explaining is not diagnosing a live system: a successful lookup exits 0 whether
    // or not the message was recognised (the output says which).
    emit(&out)
}
