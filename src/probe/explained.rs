//! Findings drawn from the path model's verdict (sans-IO), for targets whose
//! application is not the web's (a server that speaks first, a command protocol, an
//! echo) and for the cases where the web rules alone would pick one explanation among
//! several (a balancer already adding a header, an endpoint that closes everything).
//!
//! Rules: a cause is named only when every explanation that fits agrees on it; when
//! they disagree, one finding says so, ranks them and says how to tell them apart. A
//! path on which a client without a header is served gets no error. Fixes are per
//! product (postfix, Exim, dovecot, MariaDB, nginx stream, HAProxy `mode tcp`; sshd and
//! Redis have no PROXY support), from each product's documentation.

use super::model::{Attempt, BalancerSends, HeaderChoice, Payload};
use crate::findings::{Code, Finding, Severity};
use crate::path::advice::{fixes_for, reads_as};
use crate::path::{Explanation, Verdict};

fn evidence_of(a: &Attempt) -> String {
    let sent = match (a.header, a.payload) {
        (HeaderChoice::None, Payload::Wait) => "nothing sent".to_string(),
        (h, Payload::Wait) => format!("a {} header alone", h.name()),
        (HeaderChoice::None, p) => format!("{} without a header", p.name()),
        (h, p) => format!("a {} header then {}", h.name(), p.name()),
    };
    let got = if a.received == 0 {
        a.outcome.label()
    } else {
        format!("\"{}\"", a.first_bytes)
    };
    format!(
        "attempt {} ({sent}): {got}, then {}",
        a.name,
        ending_words(a)
    )
}

fn ending_words(a: &Attempt) -> &'static str {
    match a.observed.end {
        crate::path::End::Closed => "closed",
        crate::path::End::Reset => "reset",
        crate::path::End::Open => "still open",
        crate::path::End::NotConnected => "no connection",
    }
}

/// The attempts worth quoting: the ones that waited (what a header alone does) and the
/// one that sent nothing.
fn telling(attempts: &[Attempt]) -> impl Iterator<Item = &Attempt> {
    attempts
        .iter()
        .filter(|a| a.payload == Payload::Wait && !a.stopped_early)
}

/// The finding for a path on which a client without a header fails, from every
/// explanation that fits; `None` when a client without a header is served.
pub fn failing_path(address: &str, v: &Verdict, attempts: &[Attempt]) -> Option<Finding> {
    let top = v.top()?;
    let code = top.code?;
    let agree = v.explanations.iter().all(|e| e.code == Some(code));
    // A reader that requires a header, probed directly, is the endpoint's contract
    // (clients come through a balancer), not a failure: the caller reports it.
    if agree && code == Code::ProxyHeaderMissing {
        return None;
    }
    let summary = if agree && !v.ambiguous() {
        format!("{address}: {}", top.summary)
    } else if agree {
        format!(
            "{address}: {} (one of {} explanations that fit; all name this cause)",
            top.summary,
            v.explanations.len()
        )
    } else {
        format!(
            "{address} fails for a client that sends no header; {} explanations fit, likeliest first: {}",
            v.explanations.len(),
            top.summary
        )
    };
    let severity = if v.explanations.iter().any(|e| e.code.is_none()) {
        Severity::Warning
    } else {
        Severity::Error
    };
    let mut f = Finding::new(code, severity, summary);
    for a in telling(attempts) {
        f = f.evidence(evidence_of(a));
    }
    for e in v.explanations.iter().skip(1) {
        f = f.evidence(format!("alternative {}: {}", e.rank, e.summary));
    }
    if let Some(t) = &v.tell_apart {
        f = f.evidence(format!("to tell them apart: {t}"));
    }
    let mut f = fixes_for(code, top.application, f);
    // The fixes of the next explanation that names another cause, marked as such.
    if let Some(alt) = v
        .explanations
        .iter()
        .find(|e| e.code.is_some() && e.code != Some(code))
    {
        let other = fixes_for(
            alt.code.unwrap_or(code),
            alt.application,
            Finding::new(code, severity, String::new()),
        );
        for fix in other.fixes {
            f = f.fix(format!("if alternative {} holds: {fix}", alt.rank));
        }
    }
    Some(f)
}

/// The model's other explanations of an endpoint that answered nothing at all, and the
/// observation that tells them apart, added to the finding the web rules gave it (which
/// names one cause: a silent endpoint may also be a server that reads a balancer's header
/// as a command and waits for the rest of it).
pub fn with_alternatives(f: &mut Finding, v: &Verdict) {
    if !v.ambiguous() {
        return;
    }
    for e in v.explanations.iter().filter(|e| e.code != Some(f.code)) {
        f.evidence
            .push(format!("alternative {}: {}", e.rank, e.summary).into());
    }
    if let Some(t) = &v.tell_apart {
        f.evidence.push(format!("to tell them apart: {t}").into());
    }
}

/// For a path that works without a header: what a header does to it (the endpoint's
/// contract), as `info` unless the user said the balancer sends that header.
pub fn header_effects(v: &Verdict, attempts: &[Attempt], sends: BalancerSends) -> Vec<Finding> {
    let Some(top) = v.top() else {
        return Vec::new();
    };
    let app = top.application;
    let mut out = Vec::new();
    for (h, ok) in [
        (HeaderChoice::V1, top.accepts.v1),
        (HeaderChoice::V2, top.accepts.v2),
    ] {
        let tried: Vec<&Attempt> = attempts
            .iter()
            .filter(|a| {
                a.header == h
                    && !a.stopped_early
                    && a.observed.end != crate::path::End::NotConnected
            })
            .collect();
        if ok || tried.is_empty() {
            continue;
        }
        let severity = if sends == Some(h) {
            Severity::Error
        } else {
            Severity::Info
        };
        let what = if top.accepts.none {
            format!(
                "the server reads a PROXY {} header as {}",
                h.name(),
                reads_as(app)
            )
        } else {
            format!("the server does not read a PROXY {} header", h.name())
        };
        let summary = if sends == Some(h) {
            what
        } else {
            format!("if a balancer sends a {} header: {what}", h.name())
        };
        let code = if top.accepts.none {
            Code::ProxyHeaderNotExpected
        } else {
            Code::ProxyVersionUnsupported
        };
        let mut f = Finding::new(code, severity, summary);
        for a in tried
            .iter()
            .filter(|a| a.payload == Payload::Wait)
            .chain(tried.iter().take(1))
        {
            f = f.evidence(evidence_of(a));
        }
        if consumed_front_fits(v) {
            f = f.evidence("or a balancer in front already adds a header that the server reads: a client's own header is then a second one, read as data (both fit every attempt)");
        }
        out.push(fixes_for(code, app, f));
    }
    out
}

/// Takes out of `v` the explanations in which a balancer in front adds a header that the
/// server reads: for a backend that reads none (Tomcat) they cannot hold. The rest keep
/// their order, ranked anew; with fewer than two left there is nothing to tell apart.
pub fn rule_out_consumed_front(v: &mut Verdict) {
    v.explanations.retain(|e| !consumed_front(e));
    for (i, e) in v.explanations.iter_mut().enumerate() {
        e.rank = i + 1;
    }
    if !v.ambiguous() {
        v.tell_apart = None;
    }
}

/// A balancer in front adds a header that the server reads (a client is served).
fn consumed_front(e: &Explanation) -> bool {
    e.code.is_none() && !e.in_front.contains(&crate::path::InFront::None)
}

/// Some explanation has a balancer in front whose header the server reads.
pub fn consumed_front_fits(v: &Verdict) -> bool {
    v.explanations.iter().any(consumed_front)
}
