//! When no attempt works (sans-IO): refused, unreachable, silent, and the two patterns
//! that show a balancer in front adding a PROXY header the backend does not parse.
//!
//! Rules: no I/O; a pattern is named only when the attempts rule out the plain
//! explanations (a plaintext server answers a well-formed GET, a TLS server answers a
//! ClientHello, a waiting server does not close a connection on which nothing came);
//! where another cause still fits, the evidence says so.

use super::model::{Attempt, HeaderChoice, Payload};
use super::worked::find;
use crate::diagnose::{Fingerprint, Outcome};
use crate::findings::{Code, Finding, Severity};

fn is_400(a: &Attempt) -> bool {
    matches!(
        a.outcome,
        Outcome::HttpResponse {
            status: Some(400),
            ..
        }
    )
}

/// A TLS ClientHello and a well-formed plaintext request, both sent without a header,
/// are both answered 400 (and not with "plain HTTP sent to HTTPS port"): the backend
/// read something before our bytes. That is a balancer in front adding a PROXY header
/// (AWS NLB `proxy_protocol_v2.enabled`, HAProxy `send-proxy-v2`) that the backend
/// does not parse: the README's Traefik-behind-NLB case, seen from the client's side.
pub fn front_adds_header(attempts: &[Attempt]) -> bool {
    match (
        find(attempts, HeaderChoice::None, Payload::Tls),
        find(attempts, HeaderChoice::None, Payload::Http),
    ) {
        (Some(t), Some(h)) => {
            is_400(t)
                && is_400(h)
                && !h
                    .findings
                    .iter()
                    .any(|f| f.code == Code::PlaintextToTlsPort)
        }
        _ => false,
    }
}

pub(super) fn front_header_finding(address: &str, attempts: &[Attempt]) -> Finding {
    let tls = find(attempts, HeaderChoice::None, Payload::Tls);
    let fp = tls.and_then(|a| a.fingerprint);
    let mut f = Finding::new(
        Code::ProxyHeaderNotExpected,
        Severity::Error,
        format!(
            "something in front of {address} adds a PROXY header that the backend does not parse: even requests sent without one are answered 400"
        ),
    );
    for a in attempts
        .iter()
        .filter(|a| a.header == HeaderChoice::None && a.payload != Payload::Wait)
    {
        f = f.evidence(format!(
            "attempt {} (no header from ppdiag): {}",
            a.name,
            a.outcome.label()
        ));
    }
    if let Some(fp) = fp {
        f = f.evidence(format!("the backend's reaction matches {}", fp.describe()));
    }
    if let Some(line) = tls.and_then(|a| a.client_sees.first()) {
        f = f.evidence(format!("TLS clients on this path print: {line}"));
    }
    f = f.evidence("a plaintext server answers a well-formed GET with 200/404 and a TLS server answers a ClientHello with a ServerHello; both got 400, so the backend read other bytes first");
    f = f.evidence(
        "probe the backend directly (`ppdiag probe BACKEND:PORT`) to see what it expects",
    );
    crate::diagnose::not_expected_fixes(f, fp)
}

fn dropped(a: &Attempt) -> bool {
    matches!(a.outcome, Outcome::ClosedSilently | Outcome::Reset)
}

/// Every attempt is closed or reset without a byte, including the connection on which
/// ppdiag sent nothing at all: the server reacted to bytes it got from someone else (a
/// balancer's PROXY header), or refuses the connection itself.
pub fn closes_unprompted(attempts: &[Attempt]) -> bool {
    let wait = find(attempts, HeaderChoice::None, Payload::Wait);
    let real: Vec<&Attempt> = attempts
        .iter()
        .filter(|a| a.payload != Payload::Wait)
        .collect();
    !real.is_empty()
        && real.iter().all(|a| dropped(a))
        && wait.is_some_and(|w| !w.stopped_early && dropped(w))
}

pub(super) fn closes_unprompted_finding(address: &str, attempts: &[Attempt]) -> Finding {
    let mut f = Finding::new(
        Code::ProxyHeaderNotExpected,
        Severity::Error,
        format!(
            "{address} closes every connection without a byte, even one on which ppdiag sent nothing: a balancer in front likely adds a PROXY header that the backend rejects at once"
        ),
    );
    if let Some(w) = find(attempts, HeaderChoice::None, Payload::Wait) {
        f = f.evidence(format!(
            "attempt wait (nothing sent): {} after {} ms",
            w.outcome.label(),
            w.elapsed_ms
        ));
    }
    f = f
        .evidence("a TLS backend that closes on a header it does not expect fits: Go crypto/tls (Traefik without `proxyProtocol`), HAProxy `bind ... ssl`, OpenSSL; TLS clients on this path print `unexpected eof while reading` (OpenSSL), `SSL_ERROR_SYSCALL` (curl), `EOF` (Go)")
        .evidence("also fits a listener that refuses this source address (HAProxy `tcp-request connection reject`, a firewall that accepts then closes) or a balancer with no healthy backend: probe the backend directly to tell them apart");
    crate::diagnose::not_expected_fixes(f, Some(Fingerprint::SilentCloser))
}

pub(super) fn nothing_worked(real: &[&Attempt]) -> Vec<Finding> {
    let mut out = Vec::new();
    if real.is_empty() {
        return out;
    }
    if real.iter().all(|a| a.outcome == Outcome::Refused) {
        if let Some(f) = real[0].findings.first() {
            out.push(f.clone());
        }
        return out;
    }
    if real.iter().all(|a| a.connect_error.is_some()) {
        if let Some(f) = real[0].findings.first() {
            out.push(f.clone());
        }
        return out;
    }
    if real.iter().all(|a| matches!(a.outcome, Outcome::Silent)) {
        out.push(
            Finding::new(
                Code::TargetSilent,
                Severity::Error,
                "the target accepted every connection and answered nothing, whatever was sent (no header, v1, v2; TLS or HTTP)",
            )
            .evidence(format!("{} attempts, each silent until the timeout", real.len()))
            .evidence("fits a black hole (a listener that never reads), a stuck backend, a proxy waiting on its own upstream, or a PROXY reader whose header timeout is longer than ppdiag's --timeout")
            .fix("raise --timeout to see whether it answers late; check the backend's health and logs"),
        );
        return out;
    }
    // Mixed failures: keep each distinct code once, worst first.
    let mut seen = Vec::new();
    for a in real {
        for f in &a.findings {
            if !seen.contains(&f.code) {
                seen.push(f.code);
                let mut f = f.clone();
                f = f.evidence(format!("attempt {}: {}", a.name, a.outcome.label()));
                out.push(f);
            }
        }
    }
    if out.is_empty() {
        out.push(
            Finding::new(
                Code::TlsHandshakeFailed,
                Severity::Error,
                "no attempt got an answer ppdiag understands (neither TLS nor HTTP)",
            )
            .fix("look at each attempt's reply below: the target may speak another protocol"),
        );
    }
    out
}
