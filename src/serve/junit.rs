//! JUnit XML for `ppdiag serve --junit FILE`: one test case per judged connection, one
//! per `--expect-*` over the whole run, and one for `--count`, so GitLab, Jenkins and
//! GitHub test reporters show what the gate saw.
//!
//! Rules: no I/O (the shell writes the string); everything that reaches the XML goes
//! through [`escape`], which also replaces the characters XML 1.0 cannot carry.

use super::record::{Record, Summary};
use crate::findings::Severity;
use std::fmt::Write as _;

/// One test case.
#[derive(Debug, Clone, PartialEq)]
pub struct Case {
    /// The group: `connections`, `expectations`, `run`.
    pub classname: String,
    /// What it tests.
    pub name: String,
    /// Seconds.
    pub time: f64,
    /// `(message, details)` when it failed.
    pub failure: Option<(String, String)>,
    /// Details of a passing case.
    pub output: String,
}

/// The test case of one judged connection.
pub fn connection_case(r: &Record) -> Case {
    let header = match &r.proxy.header {
        Some(h) => format!("PROXY v{}", h.version.number()),
        None => "no PROXY header".into(),
    };
    let name = format!(
        "#{} {} {} -> {} (client {}, {header})",
        r.id, r.transport, r.peer, r.local, r.client
    );
    let mut reasons: Vec<String> = r
        .expectations
        .iter()
        .filter(|e| !e.ok)
        .map(|e| format!("expected {} {}, got {}", e.name, e.expected, e.actual))
        .collect();
    reasons.extend(
        r.findings
            .iter()
            .filter(|f| f.severity == Severity::Error)
            .map(|f| format!("[{}] {}", f.code, f.summary)),
    );
    let details = crate::render::to_json(r);
    Case {
        classname: "connections".into(),
        name,
        time: r.duration_ms as f64 / 1000.0,
        failure: (!r.ok).then(|| (reasons.join("; "), details.clone())),
        output: details,
    }
}

/// The cases of the expectations and of `--count`, from the run's summary.
fn run_cases(s: &Summary) -> Vec<Case> {
    let mut out = Vec::new();
    for e in &s.expectations {
        let failure = if !e.exercised {
            Some((
                format!(
                    "never exercised: no judged connection arrived to test `{}`",
                    e.label()
                ),
                String::new(),
            ))
        } else if e.failed_count > 0 {
            let ids: Vec<String> = e.failed.iter().map(|i| format!("#{i}")).collect();
            Some((
                format!(
                    "{} of {} judged connection(s) failed it: {}",
                    e.failed_count,
                    e.met + e.failed_count,
                    ids.join(", ")
                ),
                String::new(),
            ))
        } else {
            None
        };
        out.push(Case {
            classname: "expectations".into(),
            name: format!("expect {}", e.label()),
            time: 0.0,
            output: format!("met by {} judged connection(s)", e.met),
            failure,
        });
    }
    if let Some(c) = s.count {
        let got = s.judged;
        out.push(Case {
            classname: "run".into(),
            name: format!("--count {c}: {c} judged connection(s) arrive"),
            time: 0.0,
            output: format!("{got} judged connection(s)"),
            failure: (got < c).then(|| {
                let why = if s.deadline_passed {
                    "the deadline passed"
                } else if s.interrupted {
                    "serve was interrupted"
                } else {
                    "serve stopped"
                };
                (
                    format!("only {got} of {c} judged connection(s) arrived: {why}"),
                    String::new(),
                )
            }),
        });
    }
    out
}

/// The whole document: one `<testsuite>` for the run.
pub fn document(listening: &[String], connections: &[Case], summary: &Summary) -> String {
    let mut cases: Vec<Case> = connections.to_vec();
    cases.extend(run_cases(summary));
    let failures = cases.iter().filter(|c| c.failure.is_some()).count();
    let time: f64 = connections.iter().map(|c| c.time).sum();
    let suite = format!("ppdiag serve {}", listening.join(" "));
    let mut x = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = writeln!(
        x,
        "<testsuites name=\"ppdiag serve\" tests=\"{}\" failures=\"{failures}\" errors=\"0\" time=\"{time:.3}\">",
        cases.len()
    );
    let _ = writeln!(
        x,
        "  <testsuite name=\"{}\" tests=\"{}\" failures=\"{failures}\" errors=\"0\" skipped=\"0\" time=\"{time:.3}\">",
        escape(suite.trim_end()),
        cases.len()
    );
    for c in &cases {
        let _ = write!(
            x,
            "    <testcase classname=\"{}\" name=\"{}\" time=\"{:.3}\">",
            escape(&c.classname),
            escape(&c.name),
            c.time
        );
        match &c.failure {
            Some((message, details)) => {
                let _ = write!(
                    x,
                    "\n      <failure message=\"{}\" type=\"failed\">{}</failure>\n    ",
                    escape(message),
                    escape(details)
                );
            }
            None if !c.output.is_empty() => {
                let _ = write!(
                    x,
                    "\n      <system-out>{}</system-out>\n    ",
                    escape(&c.output)
                );
            }
            None => {}
        }
        x.push_str("</testcase>\n");
    }
    x.push_str("  </testsuite>\n</testsuites>\n");
    x
}

/// Escapes text for an XML attribute or element; characters XML 1.0 cannot hold (NUL,
/// most C0 controls) are written as `\xNN`.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for ch in s.chars() {
        match ch {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' | '\n' | '\r' => out.push(ch),
            c if (c as u32) < 0x20 || c == '\u{fffe}' || c == '\u{ffff}' => {
                let _ = write!(out, "\\x{:02x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup_and_controls() {
        assert_eq!(escape("a<b>&\"'"), "a&lt;b&gt;&amp;&quot;&apos;");
        assert_eq!(escape("x\u{0}y\u{1b}"), "x\\x00y\\x1b");
        assert_eq!(escape("tab\tnl\n"), "tab\tnl\n");
    }

    #[test]
    fn never_exercised_expectation_fails() {
        let mut s = Summary::for_run(&[("version".into(), "v2".into())], Some(1));
        s.interrupted = true;
        s.close(Some("serve was interrupted"));
        let xml = document(&["127.0.0.1:1".into()], &[], &s);
        assert!(xml.contains("never exercised"), "{xml}");
        assert!(
            xml.contains("only 0 of 1 judged connection(s) arrived"),
            "{xml}"
        );
        assert!(xml.contains("failures=\"2\""), "{xml}");
        assert_eq!(s.exit_code, 1);
    }
}
