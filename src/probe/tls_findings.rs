//! TLS and certificate findings (sans-IO): alerts that mean the server speaks no TLS
//! 1.2/1.3, client certificate requirements, expiry and verification problems.
//!
//! Rules: no I/O and no clock (days left were computed by the shell); verification
//! failures are findings, never errors of ppdiag; expired or not-yet-valid is an
//! `error`, anything a private deployment may do on purpose (a private CA, a name
//! mismatch behind a balancer that does not verify) is a `warning`.

use super::model::{Attempt, Payload, TlsDetails};
use super::worked::worked;
use crate::diagnose::Outcome;
use crate::findings::{Code, Finding, Severity};

/// TLS findings for a target whose protocol is TLS: refusals by the TLS stack, a
/// client certificate requirement, and the certificate's problems.
pub(super) fn tls_findings(
    attempts: &[Attempt],
    tls: Option<&TlsDetails>,
    warn_days: i64,
) -> Vec<Finding> {
    // TLS spoken but refused (alerts) by every attempt that got past the header.
    if !attempts
        .iter()
        .any(|a| matches!(a.outcome, Outcome::TlsAccepted { .. }))
    {
        return refused(attempts);
    }
    let Some(t) = tls else {
        return Vec::new();
    };
    let mut out = Vec::new();
    client_certificate(&mut out, attempts, t);
    expiry(&mut out, t, warn_days);
    verification(&mut out, t);
    out
}

/// No handshake completed: an alert that means TLS 1.0/1.1 only, or parameters our
/// client does not support.
fn refused(attempts: &[Attempt]) -> Vec<Finding> {
    let mut out = Vec::new();
    let alerted: Vec<&Attempt> = attempts
        .iter()
        .filter(|a| a.payload == Payload::Tls && worked(a))
        .collect();
    if let Some(a) = alerted.first() {
        if let Outcome::TlsAlert {
            description: 70, ..
        } = a.outcome
        {
            out.push(
                Finding::new(
                    Code::TlsHandshakeFailed,
                    Severity::Error,
                    "the server refused TLS 1.2 and 1.3 (alert protocol_version): it likely speaks only TLS 1.0/1.1 or SSLv3",
                )
                .evidence(format!("attempt {}: {}", a.name, a.outcome.label()))
                .evidence("ppdiag's TLS client (rustls) offers TLS 1.2 and 1.3 only, as current browsers and curl builds do")
                .fix("enable TLS 1.2 (and 1.3) on the server: clients have dropped TLS 1.0/1.1"),
            );
        } else if let Some(f) = a
            .findings
            .iter()
            .find(|f| f.code == Code::TlsHandshakeFailed)
        {
            out.push(
                f.clone()
                    .evidence(format!("attempt {}: {}", a.name, a.outcome.label())),
            );
        }
    }
    if let Some(a) = attempts.iter().find(|a| {
        a.tls_error
            .as_deref()
            .is_some_and(|e| e.contains("PeerIncompatible") || e.contains("peer is incompatible"))
    }) {
        out.push(
            Finding::new(
                Code::TlsHandshakeFailed,
                Severity::Error,
                "the server answered with parameters ppdiag's TLS client does not support",
            )
            .evidence(format!(
                "attempt {}: {}",
                a.name,
                a.tls_error.clone().unwrap_or_default()
            )),
        );
    }
    out
}

/// A client certificate asked for: an error when the server then refused the
/// connection, else a note.
fn client_certificate(out: &mut Vec<Finding>, attempts: &[Attempt], t: &TlsDetails) {
    let after = attempts
        .iter()
        .find(|a| a.name == t.from_attempt)
        .and_then(|a| a.tls_error.clone());
    let status_400 = t
        .session
        .http_status
        .as_deref()
        .is_some_and(|s| s.split(' ').nth(1) == Some("400"));
    if t.session.client_cert_requested && (after.is_some() || status_400) {
        let then = match (&after, &t.session.http_status) {
            (Some(e), _) => e.clone(),
            (None, Some(s)) => format!(
                "GET inside TLS answered `{s}` (nginx: `No required SSL certificate was sent`)"
            ),
            _ => String::new(),
        };
        out.push(
            Finding::new(
                Code::TlsHandshakeFailed,
                Severity::Error,
                "the server requires a client certificate: it refused the connection after the handshake because none was sent",
            )
            .evidence(format!("attempt {}: CertificateRequest received, then: {then}", t.from_attempt))
            .evidence("TLS 1.3 clients see the handshake succeed and fail on the first read: curl `alert certificate required`, Go `remote error: tls: certificate required`")
            .fix("present a client certificate the server's CA signed; a balancer in front must do it itself (HAProxy `server ... ssl crt client.pem`)")
            .fix("or make the client certificate optional on the server (nginx `ssl_verify_client optional`, HAProxy `verify optional`)"),
        );
    } else if t.session.client_cert_requested {
        out.push(
            Finding::new(
                Code::TlsHandshakeFailed,
                Severity::Info,
                "the server asks for a client certificate (mutual TLS); ppdiag sent none",
            )
            .evidence(format!("attempt {}: CertificateRequest received", t.from_attempt))
            .fix("a balancer in front must present a client certificate (HAProxy `server ... ssl crt`), or terminate TLS itself"),
        );
    }
}

/// The leaf certificate not yet valid, expired, or expiring within `warn_days`.
fn expiry(out: &mut Vec<Finding>, t: &TlsDetails, warn_days: i64) {
    if let Some(leaf) = t.chain.first() {
        let valid = format!("valid {} to {}", leaf.not_before, leaf.not_after);
        if leaf.not_yet_valid {
            out.push(cert_problem(
                Severity::Error,
                format!("the certificate is not valid yet ({valid})"),
                &t.chain,
                "check the server's clock and the certificate's notBefore",
            ));
        } else if leaf.days_left < 0 {
            out.push(cert_problem(
                Severity::Error,
                format!(
                    "the certificate expired {} day(s) ago ({valid})",
                    -leaf.days_left
                ),
                &t.chain,
                "renew the certificate and reload the server",
            ));
        } else if leaf.days_left < warn_days {
            out.push(cert_problem(
                Severity::Warning,
                format!(
                    "the certificate expires in {} day(s) ({valid})",
                    leaf.days_left
                ),
                &t.chain,
                "renew the certificate soon; check that automatic renewal runs",
            ));
        }
    }
}

/// What the verification against the trust store and the name found (expiry is
/// [`expiry`]'s).
fn verification(out: &mut Vec<Finding>, t: &TlsDetails) {
    match t.verification.problem.as_deref() {
        None | Some("expired") | Some("not-yet-valid") => {}
        Some("name-mismatch") => out.push(cert_problem(
            Severity::Warning,
            format!("the certificate is not valid for `{}`", t.verification.name),
            &t.chain,
            "send the name the certificate is for (`--sni`, or the URL's host), or add this name to its subjectAltName",
        )),
        Some("unknown-issuer") => out.push(cert_problem(
            Severity::Warning,
            if t.chain.first().is_some_and(|c| c.self_signed) {
                "the certificate is self-signed: clients that verify reject it".to_string()
            } else {
                "the certificate chain does not lead to a trusted root (missing intermediate, or a private CA)".to_string()
            },
            &t.chain,
            "serve the full chain (leaf then intermediates); for a private CA, give it with --cacert (balancers that verify need it too)",
        )),
        Some(p) => out.push(cert_problem(
            Severity::Warning,
            format!("the certificate does not verify ({p}): {}", t.verification.message.clone().unwrap_or_default()),
            &t.chain,
            "check the certificate and its chain",
        )),
    }
}

fn cert_problem(
    sev: Severity,
    summary: String,
    chain: &[super::cert::CertInfo],
    fix: &'static str,
) -> Finding {
    let mut f = Finding::new(Code::TlsCertificateProblem, sev, summary).fix(fix);
    if let Some(leaf) = chain.first() {
        f = f.evidence(format!(
            "subject {}; issuer {}; names {}",
            leaf.subject,
            leaf.issuer,
            leaf.names_text()
        ));
    }
    f
}
