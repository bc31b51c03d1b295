//! `probe --audit` (I/O shell): after the matrix, a header that the target accepted is
//! sent again claiming a documentation address as the client, and then stacked behind a
//! first one claiming another; the replies show whether the claims were believed
//! ([`super::audit_model`]).
//!
//! Rules: off by default; only the target the user named; bounded like any attempt.

use super::attempt::{Shape, header_for, run_attempt};
use super::audit_model::{self, AuditTrial};
use super::config::ProbeConfig;
use super::model::{Attempt, Payload};
use super::worked::worked;
use crate::client::target::Target;
use crate::findings::Finding;
use crate::path::{BannerAfter, Reply};
use std::net::SocketAddr;
use std::sync::Arc;

/// The attempt to repeat with claims: a header that worked, a plaintext request first
/// (its reply can show an address), then a greeting, then TLS.
fn base(attempts: &[Attempt]) -> Option<&Attempt> {
    let usable = |a: &&Attempt| {
        a.header != super::model::HeaderChoice::None
            && a.header != super::model::HeaderChoice::V2Local
            && !a.stopped_early
            && (worked(a) || quiet_banner(a))
    };
    [Payload::Http, Payload::Wait, Payload::Tls]
        .into_iter()
        .find_map(|p| attempts.iter().filter(|a| a.payload == p).find(usable))
}

fn quiet_banner(a: &Attempt) -> bool {
    matches!(
        a.observed.reply,
        Reply::Banner {
            after: BannerAfter::Quiet,
            ..
        }
    )
}

/// Runs the audit; the trials and their findings.
pub async fn run(
    cfg: &Arc<ProbeConfig>,
    t: &Target,
    addr: SocketAddr,
    attempts: &[Attempt],
) -> (Vec<AuditTrial>, Vec<Finding>) {
    let mut trials = Vec::new();
    if let Some(b) = base(attempts) {
        trials = claims(cfg, t, addr, b).await;
    }
    if let Some(tr) = in_tls(cfg, t, addr, attempts).await {
        trials.push(tr);
    }
    if trials.is_empty() {
        return (Vec::new(), Vec::new());
    }
    let from = base(attempts)
        .or(attempts.first())
        .and_then(|b| b.local)
        .map_or(addr.ip(), |l| l.ip());
    let findings = audit_model::findings(&trials, from);
    (trials, findings)
}

/// On a TLS target whose handshake completes without a header: a PROXY v1 header
/// claiming [`audit_model::claim_a`] as the first bytes inside TLS, then the HTTP
/// request. A TLS-terminating balancer that forwards the plaintext to a backend that
/// reads PROXY (and adds no header of its own) hands the backend the client's header.
async fn in_tls(
    cfg: &Arc<ProbeConfig>,
    t: &Target,
    addr: SocketAddr,
    attempts: &[Attempt],
) -> Option<AuditTrial> {
    let tls = attempts.iter().find(|a| {
        a.payload == Payload::Tls && a.header == super::model::HeaderChoice::None && a.tls.is_some()
    })?;
    let a = audit_model::claim_a(addr.is_ipv6());
    let inner = header_for(
        super::model::HeaderChoice::V1,
        addr,
        addr,
        Some(a),
        None,
        &cfg.tlvs,
        cfg.crc32c,
    );
    let reply = super::attempt::tls_inner(cfg, t, addr, &inner).await;
    let (reply, result) = match reply {
        Ok(r) => {
            let said = crate::sniff::sniff(&r).summary;
            (r, crate::escape::sanitize_text(&said).into_owned())
        }
        Err(e) => (Vec::new(), e),
    };
    let status = crate::sniff::sniff(&reply).http.and_then(|h| h.status);
    // Only a served request counts: an error page may quote the bad request line.
    let accepted = status.is_some_and(|s| (200..400).contains(&s));
    Some(AuditTrial {
        name: "in-tls",
        of: tls.name.clone(),
        claimed: vec![a],
        accepted,
        reflected: (accepted && audit_model::reflects(&reply, a.ip())).then_some(a.ip()),
        visible: status.is_some(),
        result,
    })
}

/// The `claim` and `stacked` trials: the header of `b` again, claiming documentation
/// addresses.
async fn claims(
    cfg: &Arc<ProbeConfig>,
    t: &Target,
    addr: SocketAddr,
    b: &Attempt,
) -> Vec<AuditTrial> {
    let v6 = addr.is_ipv6();
    let (a, bb) = (audit_model::claim_a(v6), audit_model::claim_b(v6));
    let spec = b.spec();
    let header = |src| header_for(b.header, addr, addr, Some(src), None, &cfg.tlvs, cfg.crc32c);
    let stacked = [header(a), header(bb)].concat();
    let mut trials = Vec::new();
    for (name, shape, claimed) in [
        (
            "claim",
            Shape {
                header: Some(header(a)),
                ..Shape::default()
            },
            vec![a],
        ),
        (
            "stacked",
            Shape {
                header: Some(stacked),
                ..Shape::default()
            },
            vec![a, bb],
        ),
    ] {
        let (_keep, rx) = tokio::sync::watch::channel(0u8);
        let (r, _) = run_attempt(cfg, t, addr, spec, rx, &shape).await;
        let reflected = claimed
            .iter()
            .rev()
            .map(|c| c.ip())
            .find(|ip| audit_model::reflects(&r.reply_bytes, *ip));
        let visible = matches!(r.observed.reply, Reply::Http { .. } | Reply::Echo { .. });
        trials.push(AuditTrial {
            name,
            of: b.name.clone(),
            claimed,
            accepted: worked(&r) || quiet_banner(&r),
            reflected,
            visible,
            result: r
                .observed
                .reply_label()
                .unwrap_or_else(|| r.outcome.label()),
        });
    }
    trials
}
