//! The probe's text report (sans-IO): the inference sentence first, then the attempt
//! table, the TLS details and the findings.
//!
//! Rules: reads [`ProbeReport`]s only; every peer-derived string is already escaped or
//! goes through [`crate::render`]'s sanitizing helpers.

use super::audit_model::AuditTrial;
use super::cert::CertInfo;
use super::model::{Attempt, ProbeReport, TlsDetails};
use crate::escape::sanitize_text;
use crate::findings::Finding;
use crate::render::{Painter, findings_text, key_values};
use std::fmt::Write as _;

fn attempt_line(p: &Painter, out: &mut String, a: &Attempt, shown: &mut Vec<String>) {
    let mut result = a
        .observed
        .reply_label()
        .unwrap_or_else(|| a.outcome.label());
    if a.stopped_early {
        result = "nothing (ended early: it waits for the client)".into();
    } else if let Some(e) = &a.connect_error {
        result = match e.as_str() {
            "refused" => "connection refused".into(),
            "timeout" => "no answer to the connection attempt".into(),
            other => format!("cannot connect: {other}"),
        };
    }
    let got = if a.received > 0 {
        format!("{} bytes", a.received)
    } else {
        "-".into()
    };
    let _ = writeln!(
        out,
        "  {} {:<52} {:>6} ms  {}",
        // Pad first, then colour: the escape codes must not count as width.
        p.key(&format!("{:<14}", a.name)),
        sanitize_text(&result),
        a.elapsed_ms,
        got
    );
    // Each distinct reply and client message is shown once, under the first attempt
    // that got it.
    if matches!(a.outcome, crate::diagnose::Outcome::TlsAlert { .. }) && !shown.contains(&a.reply) {
        // The level and the description, as the record carried them.
        shown.push(a.reply.clone());
        let _ = writeln!(
            out,
            "  {:<14} {} {}",
            "",
            p.dim("got:"),
            sanitize_text(&a.reply)
        );
    } else if a.received > 0
        && a.tls.is_none()
        && !matches!(a.outcome, crate::diagnose::Outcome::TlsAlert { .. })
        && !shown.contains(&a.first_bytes)
    {
        shown.push(a.first_bytes.clone());
        let _ = writeln!(
            out,
            "  {:<14} {} \"{}\"",
            "",
            p.dim("got:"),
            sanitize_text(&a.first_bytes)
        );
    }
    for line in a.client_sees.iter().take(2) {
        if shown.contains(line) {
            continue;
        }
        shown.push(line.clone());
        let _ = writeln!(
            out,
            "  {:<14} {} {}",
            "",
            p.dim("a TLS client prints:"),
            sanitize_text(line)
        );
    }
    if let Some(e) = &a.tls_error
        && a.tls.is_some()
    {
        let _ = writeln!(
            out,
            "  {:<14} {} {}",
            "",
            p.dim("after the handshake:"),
            sanitize_text(e)
        );
    }
}

/// One target address.
pub fn render_one(p: &Painter, out: &mut String, r: &ProbeReport) {
    let head = if r.target == r.address.to_string() {
        r.target.clone()
    } else {
        format!("{} ({})", r.target, r.address)
    };
    let _ = writeln!(out, "{}", p.heading(&sanitize_text(&head)));
    let _ = writeln!(out, "{}", p.heading(&sanitize_text(&r.summary)));
    let mut rows = vec![(
        "expects".to_string(),
        format!(
            "proxy {}{}, protocol {}",
            r.expects.proxy,
            if r.expects.proxy_versions.is_empty() {
                String::new()
            } else {
                format!(" ({})", r.expects.versions_text(", "))
            },
            r.expects.protocol
        ),
    )];
    if r.resolved.len() > 1 || r.host.parse::<std::net::IpAddr>().is_err() {
        rows.push((
            "resolved".into(),
            format!(
                "{} -> {}",
                r.host,
                r.resolved
                    .iter()
                    .map(|a| a.to_string())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        ));
    }
    if let Some(fp) = r.fingerprint {
        rows.push(("backend".into(), fp.describe().to_string()));
    }
    key_values(p, out, 2, &rows);
    let _ = writeln!(out);
    let _ = writeln!(
        out,
        "  {:<14} {:<52} {:>9}  received",
        "attempt", "result", "time"
    );
    let mut shown = Vec::new();
    for a in &r.attempts {
        attempt_line(p, out, a, &mut shown);
    }
    if let Some(t) = &r.tls {
        tls_text(p, out, t);
    }
    if let Some(rb) = &r.robustness {
        robustness_text(p, out, rb);
    }
    if let Some(trials) = &r.audit {
        audit_text(p, out, trials);
    }
    let _ = writeln!(out);
    findings_text(p, out, &r.findings);
    for n in &r.notes {
        let _ = writeln!(out, "{} {}", p.dim("note:"), sanitize_text(n));
    }
}

/// The TLS details: the session, the chain, the verification.
fn tls_text(p: &Painter, out: &mut String, t: &TlsDetails) {
    let _ = writeln!(out);
    let s = &t.session;
    let mut rows = vec![(
        "tls".to_string(),
        format!(
            "{} {}{} (attempt {})",
            s.version,
            s.cipher,
            s.group
                .as_deref()
                .map(|g| format!(", group {g}"))
                .unwrap_or_default(),
            t.from_attempt
        ),
    )];
    rows.push((
        "alpn".into(),
        s.alpn.clone().unwrap_or_else(|| "none".into()),
    ));
    rows.push((
        "sni sent".into(),
        s.sni.clone().unwrap_or_else(|| "none (IP target)".into()),
    ));
    if let Some(h) = &s.http_status {
        rows.push(("GET inside TLS".into(), h.clone()));
    }
    rows.push((
        "client cert".into(),
        if s.client_cert_requested {
            "requested by the server"
        } else {
            "not requested"
        }
        .into(),
    ));
    chain_rows(&mut rows, &t.chain);
    rows.push((
        "verification".into(),
        if t.verification.ok {
            format!("ok for {}", t.verification.name)
        } else {
            format!(
                "failed for {}: {}",
                t.verification.name,
                t.verification.message.clone().unwrap_or_default()
            )
        },
    ));
    key_values(p, out, 2, &rows);
}

/// The chain, leaf first: subject, names (leaf only), issuer, validity, key.
fn chain_rows(rows: &mut Vec<(String, String)>, chain: &[CertInfo]) {
    for (i, c) in chain.iter().enumerate() {
        let k = if i == 0 {
            "certificate".to_string()
        } else {
            format!("chain[{i}]")
        };
        if let Some(e) = &c.parse_error {
            rows.push((k, e.clone()));
            continue;
        }
        rows.push((
            k,
            format!(
                "{}{}",
                c.subject,
                if c.self_signed { " (self-signed)" } else { "" }
            ),
        ));
        if i == 0 {
            rows.push(("  names".into(), c.names_text()));
        }
        rows.push(("  issuer".into(), c.issuer.clone()));
        rows.push((
            "  valid".into(),
            format!(
                "{} to {} ({})",
                c.not_before,
                c.not_after,
                if c.days_left < 0 {
                    format!("expired {} days ago", -c.days_left)
                } else {
                    format!("{} days left", c.days_left)
                }
            ),
        ));
        rows.push(("  key".into(), c.key.clone()));
    }
}

/// The `--audit` trials: the addresses claimed, and what the reply showed.
fn audit_text(p: &Painter, out: &mut String, trials: &[AuditTrial]) {
    let _ = writeln!(
        out,
        "\n  {}",
        p.heading("audit (claimed client addresses):")
    );
    for t in trials {
        let claimed: Vec<String> = t.claimed.iter().map(|c| c.to_string()).collect();
        let shown = t
            .reflected
            .map_or("no claimed address in the reply".to_string(), |ip| {
                format!("the reply shows {ip}")
            });
        let _ = writeln!(
            out,
            "  {:<8} claimed {}: {}; {}",
            t.name,
            claimed.join(" then "),
            sanitize_text(&t.result),
            shown
        );
    }
}

/// The `--robustness` trials: what each delivered, whether the receiver coped.
fn robustness_text(p: &Painter, out: &mut String, rb: &super::robust_model::Robustness) {
    let _ = writeln!(out, "\n  {}", p.heading("robustness (deliberate faults):"));
    for t in &rb.trials {
        let verdict = if t.held { "held" } else { "FAILED" };
        let _ = writeln!(
            out,
            "  {:<14} {:<7} of {:<12} {} ({} ms)",
            t.name,
            verdict,
            sanitize_text(&t.of),
            sanitize_text(&t.result),
            t.elapsed_ms
        );
    }
    if let Some(ms) = rb.header_timeout_ms {
        let _ = writeln!(
            out,
            "  header timeout: the receiver closed an idle connection after {ms} ms"
        );
    }
}

pub fn render(reports: &[ProbeReport], fleet: &[Finding], color: bool) -> String {
    let p = Painter::new(color);
    let mut out = String::new();
    for (i, r) in reports.iter().enumerate() {
        if i > 0 {
            let _ = writeln!(out);
        }
        render_one(&p, &mut out, r);
    }
    if reports.len() > 1 {
        let _ = writeln!(out);
        let _ = writeln!(
            out,
            "{}",
            p.heading(&format!("{} target address(es) probed", reports.len()))
        );
        for r in reports {
            let _ = writeln!(
                out,
                "  {:<24} proxy {:<9} protocol {:<7} {}",
                r.address.to_string(),
                r.expects.proxy,
                r.expects.protocol,
                match crate::findings::worst(&r.findings) {
                    Some(s) if s >= crate::findings::Severity::Warning => p.bad(s.as_str()),
                    _ => p.good("ok"),
                }
            );
        }
        if !fleet.is_empty() {
            findings_text(&p, &mut out, fleet);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnose::Ending;
    use crate::probe::infer::{infer, judged};
    use crate::probe::model::{AttemptSpec, Expects, HeaderChoice, Payload};

    fn report(server: &'static [u8], ending: Ending) -> ProbeReport {
        let spec = AttemptSpec {
            header: HeaderChoice::V1,
            payload: Payload::Http,
        };
        let client = b"PROXY TCP4 127.0.0.1 127.0.0.1 1 2\r\nGET / HTTP/1.1\r\n\r\n";
        let attempts = vec![judged(spec, client, 36, server, ending, None)];
        let i = infer("127.0.0.1:2", &attempts, None, None, 21);
        ProbeReport {
            target: "127.0.0.1:2".into(),
            host: "127.0.0.1".into(),
            port: 2,
            resolved: vec!["127.0.0.1".parse().unwrap()],
            address: "127.0.0.1:2".parse().unwrap(),
            summary: i.summary,
            expects: i.expects,
            fingerprint: i.fingerprint,
            attempts,
            tls: None,
            findings: i.findings,
            elapsed_ms: 3,
            notes: i.notes,
            application: crate::probe::run::application_word(&i.verdict),
            in_front: crate::probe::model::in_front_word(i.verdict.in_front),
            hypotheses: Vec::new(),
            tell_apart: None,
            robustness: None,
            audit: None,
        }
    }

    #[test]
    fn inference_first_and_peer_bytes_escaped() {
        let r = report(b"\x1b[31mHTTP/1.1 200 OK\r\n\r\n", Ending::Closed);
        let out = render(&[r], &[], false);
        let lines: Vec<&str> = out.lines().collect();
        assert_eq!(lines[0], "127.0.0.1:2");
        assert!(
            lines[1].starts_with("cannot tell what 127.0.0.1:2 expects"),
            "{out}"
        );
        assert!(!out.contains('\x1b'), "{out}");
        assert!(out.contains("\\x1b[31m"), "{out}");
    }

    #[test]
    fn fleet_table_and_findings() {
        let mut a = report(b"HTTP/1.1 200 OK\r\n\r\n", Ending::Closed);
        a.expects = Expects {
            proxy: crate::path::Need::Required,
            proxy_versions: vec![crate::path::Version::V1],
            protocol: crate::path::Protocol::Http,
        };
        let mut b = a.clone();
        b.address = "127.0.0.2:2".parse().unwrap();
        b.expects.proxy = crate::path::Need::Forbidden;
        let fleet = crate::probe::run::fleet_findings(&[a.clone(), b.clone()]);
        assert_eq!(fleet.len(), 1);
        assert_eq!(fleet[0].evidence.len(), 2);
        let out = render(&[a.clone(), b], &fleet, false);
        assert!(out.contains("2 target address(es) probed"), "{out}");
        assert!(out.contains("warning [proxy-header-not-expected] the targets disagree"));
        assert!(crate::probe::run::fleet_findings(&[a.clone(), a]).is_empty());
    }
}
