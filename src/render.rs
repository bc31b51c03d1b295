//! Presentation helpers shared by every command's text output.
//!
//! Renderers build `String`s from the core's structs; the command shells decide where
//! they go. Colour is a plain `bool` decided once by the CLI (terminal, `NO_COLOR`,
//! `--color`). JSON output is serde over the same structs, see [`to_json`].

use crate::escape::sanitize_text;
use crate::findings::{Finding, Severity};
use owo_colors::OwoColorize;
use serde::Serialize;
use std::fmt::Write as _;

/// Applies (or not) the colours of the text output.
#[derive(Debug, Clone, Copy)]
pub struct Painter {
    color: bool,
}

impl Painter {
    /// A painter that colours when `color` is true.
    pub fn new(color: bool) -> Self {
        Painter { color }
    }

    /// Whether colour is on.
    pub fn color(&self) -> bool {
        self.color
    }

    /// A section heading.
    pub fn heading(&self, s: &str) -> String {
        if self.color {
            s.bold().to_string()
        } else {
            s.to_string()
        }
    }

    /// A key in a key/value listing.
    pub fn key(&self, s: &str) -> String {
        if self.color {
            s.cyan().to_string()
        } else {
            s.to_string()
        }
    }

    /// Something secondary.
    pub fn dim(&self, s: &str) -> String {
        if self.color {
            s.dimmed().to_string()
        } else {
            s.to_string()
        }
    }

    /// Something that went well.
    pub fn good(&self, s: &str) -> String {
        if self.color {
            s.green().to_string()
        } else {
            s.to_string()
        }
    }

    /// Something that went wrong.
    pub fn bad(&self, s: &str) -> String {
        if self.color {
            s.red().bold().to_string()
        } else {
            s.to_string()
        }
    }

    /// A severity tag such as `error`, coloured by severity.
    pub fn severity(&self, s: Severity) -> String {
        let name = s.as_str();
        if !self.color {
            return name.to_string();
        }
        match s {
            Severity::Error => name.red().bold().to_string(),
            Severity::Warning => name.yellow().bold().to_string(),
            Severity::Info => name.blue().to_string(),
        }
    }
}

/// Appends `key: value` lines aligned on the longest key, indented by `indent` spaces.
pub fn key_values(p: &Painter, out: &mut String, indent: usize, rows: &[(String, String)]) {
    let width = rows
        .iter()
        .map(|(k, _)| k.chars().count())
        .max()
        .unwrap_or(0);
    for (k, v) in rows {
        let pad = width - k.chars().count();
        let _ = writeln!(
            out,
            "{:indent$}{}:{:pad$} {}",
            "",
            p.key(k),
            "",
            sanitize_text(v),
            indent = indent,
            pad = pad
        );
    }
}

/// Appends the text form of `findings`, worst first as given.
pub fn findings_text(p: &Painter, out: &mut String, findings: &[Finding]) {
    if findings.is_empty() {
        let _ = writeln!(out, "{}", p.good("no problem found"));
        return;
    }
    for f in findings {
        let at = f
            .offset
            .map(|o| format!(" (at byte {o})"))
            .unwrap_or_default();
        let _ = writeln!(
            out,
            "{} [{}] {}{}",
            p.severity(f.severity),
            f.code,
            sanitize_text(&f.summary),
            at
        );
        for e in &f.evidence {
            let _ = writeln!(out, "    {} {}", p.dim("evidence:"), sanitize_text(e));
        }
        for fix in &f.fixes {
            let _ = writeln!(out, "    {} {}", p.dim("fix:"), sanitize_text(fix));
        }
    }
}

/// Pretty JSON of any serializable report, with a trailing newline.
pub fn to_json<T: Serialize>(value: &T) -> String {
    // Serialization of our own structs cannot fail (no maps with non-string keys).
    let mut s = serde_json::to_string_pretty(value)
        .unwrap_or_else(|e| format!("{{\"error\": \"could not serialize output: {e}\"}}"));
    s.push('\n');
    s
}

/// Compact JSON on one line, with a trailing newline (for ndjson).
pub fn to_json_line<T: Serialize>(value: &T) -> String {
    let mut s = serde_json::to_string(value)
        .unwrap_or_else(|e| format!("{{\"error\": \"could not serialize output: {e}\"}}"));
    s.push('\n');
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::findings::Code;

    #[test]
    fn no_colour_means_no_escape_sequences() {
        let p = Painter::new(false);
        let mut out = String::new();
        let f = Finding::new(Code::ProxyHeaderMalformed, Severity::Error, "bad")
            .at(3)
            .evidence("x")
            .fix("y");
        findings_text(&p, &mut out, &[f]);
        assert!(!out.contains('\x1b'));
        assert_eq!(
            out,
            "error [proxy-header-malformed] bad (at byte 3)\n    evidence: x\n    fix: y\n"
        );
    }

    #[test]
    fn colour_adds_escape_sequences() {
        let p = Painter::new(true);
        assert!(p.severity(Severity::Error).contains('\x1b'));
    }

    #[test]
    fn key_values_align_and_sanitize() {
        let p = Painter::new(false);
        let mut out = String::new();
        key_values(
            &p,
            &mut out,
            2,
            &[("a".into(), "1".into()), ("long".into(), "x\x1by".into())],
        );
        assert_eq!(out, "  a:    1\n  long: x\\x1by\n");
    }
}
