//! Text rendering of the demo report.

use super::{Case, DemoReport};
use crate::render::{Painter, findings_text};
use std::fmt::Write as _;

/// The demo for people.
pub fn render(r: &DemoReport, color: bool) -> String {
    let p = Painter::new(color);
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{}",
        p.heading("ppdiag demo: the classic PROXY/TLS mistakes, reproduced on 127.0.0.1 inside this process")
    );
    for (i, c) in r.cases.iter().enumerate() {
        case(&p, &mut out, i + 1, c);
    }
    let cap = &r.capture;
    let _ = writeln!(
        out,
        "\n{}",
        p.heading(&format!("{}. A capture: {}", r.cases.len() + 1, cap.name))
    );
    let _ = writeln!(out, "   {}", p.dim(cap.made_with));
    for f in &cap.flows {
        let codes: Vec<String> = f.findings.iter().map(|x| x.code.to_string()).collect();
        let outcome = f.outcome.as_ref().map_or("-".to_string(), |o| o.label());
        let header = f.proxy.as_ref().map_or("no PROXY header".to_string(), |h| {
            format!("PROXY v{}", h.version.number())
        });
        let role = f
            .linked
            .as_ref()
            .map_or(String::new(), |l| format!(" [{}]", l.role));
        let _ = writeln!(
            out,
            "   {} → {}{}: {}, {}; {}",
            f.client,
            f.server,
            role,
            header,
            outcome,
            if codes.is_empty() {
                "no problem".to_string()
            } else {
                codes.join(", ")
            }
        );
    }
    if let Some(first) = cap.flows.iter().find(|f| !f.findings.is_empty()) {
        let _ = writeln!(out, "   the first diagnosed conversation in full:");
        let mut block = String::new();
        findings_text(&p, &mut block, &first.findings[..1]);
        for line in block.lines() {
            let _ = writeln!(out, "     {line}");
        }
    }
    let _ = writeln!(out);
    if r.ok {
        let _ = writeln!(out, "{}", p.good("every case gave the diagnosis it should"));
    } else {
        let bad: Vec<&str> = r.cases.iter().filter(|c| !c.ok).map(|c| c.id).collect();
        let _ = writeln!(
            out,
            "{} {}",
            p.bad("unexpected diagnoses in:"),
            if bad.is_empty() {
                "the capture".to_string()
            } else {
                bad.join(", ")
            }
        );
    }
    let _ = writeln!(
        out,
        "{}",
        p.dim("next: `ppdiag probe HOST:PORT` on your backend, `ppdiag decode capture.pcap`, `ppdiag explain \"MESSAGE\"`")
    );
    out
}

fn case(p: &Painter, out: &mut String, n: usize, c: &Case) {
    let mark = if c.ok { p.good("✓") } else { p.bad("✗") };
    let _ = writeln!(
        out,
        "\n{} {}",
        p.heading(&format!("{n}. {}", c.title)),
        mark
    );
    let _ = writeln!(out, "   {}", p.dim(c.setup));
    if let Some(v) = &c.client {
        let _ = writeln!(out, "   {} {}: {}", p.key("client"), v.path, v.outcome);
        for s in v.client_sees.iter().take(3) {
            let _ = writeln!(out, "     {} {s}", p.dim("prints"));
        }
    }
    for s in &c.backend_saw {
        let _ = writeln!(out, "   {} {s}", p.key("backend"));
    }
    if let Some(pr) = &c.probe {
        let versions = if pr.expects.proxy_versions.is_empty() {
            String::new()
        } else {
            format!(" {}", pr.expects.versions_text("/"))
        };
        let _ = writeln!(
            out,
            "   {} {}: proxy {}{}, protocol {}{}",
            p.key("probe"),
            pr.address,
            pr.expects.proxy,
            versions,
            pr.expects.protocol,
            pr.fingerprint
                .map_or(String::new(), |f| format!("; looks like {}", f.describe()))
        );
    }
    // The diagnosis: the client's view first (it names the cause), else the probe's.
    let findings: Vec<_> = c
        .client
        .iter()
        .flat_map(|v| v.findings.iter())
        .chain(c.probe.iter().flat_map(|p| p.findings.iter()))
        .filter(|f| f.severity >= crate::findings::Severity::Warning)
        .take(1)
        .cloned()
        .collect();
    if !findings.is_empty() {
        let mut block = String::new();
        findings_text(p, &mut block, &findings);
        for line in block.lines().take(6) {
            let _ = writeln!(out, "   {line}");
        }
    } else {
        let _ = writeln!(out, "   {}", p.good("no problem found"));
    }
}
