//! `probe --robustness` (I/O shell): after the attempt matrix, the trials of
//! [`super::robust_model`] against the same target — the header that worked, delivered
//! in two pieces, byte by byte and late, and the AWS NLB and HAProxy health-check
//! headers alone — each one connection, bounded like any attempt.
//!
//! Rules: off by default (these are deliberate faults); a trial runs only when the
//! matrix found a header the target reads, and only against the target the user named.

use super::attempt::{Shape, run_attempt};
use super::config::ProbeConfig;
use super::model::{Attempt, AttemptSpec, Expects, HeaderChoice, Payload};
pub use super::robust_model::Robustness;
use crate::path::{Need, Version};

use super::robust_model::{self, Trial, TrialResult};
use super::worked::worked;
use crate::client::target::Target;
use crate::findings::Finding;
use crate::path::{BannerAfter, Reply};
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

/// The attempt a trial varies: one with a header that worked when sent whole (v2
/// first), or, for a server that speaks first, a header alone that drew a quiet banner.
fn base<'a>(attempts: &'a [Attempt], versions: &[HeaderChoice]) -> Option<&'a Attempt> {
    let good = |a: &&Attempt| {
        worked(a)
            || matches!(
                a.observed.reply,
                Reply::Banner {
                    after: BannerAfter::Quiet,
                    ..
                }
            )
    };
    versions.iter().find_map(|&h| {
        attempts
            .iter()
            .filter(|a| a.header == h && !a.stopped_early)
            .find(good)
    })
}

fn held(a: &Attempt, base_payload: Payload) -> bool {
    match base_payload {
        Payload::Wait => matches!(
            a.observed.reply,
            Reply::Banner {
                after: BannerAfter::Quiet,
                ..
            }
        ),
        _ => worked(a),
    }
}

/// How long a receiver that requires a header waits for one: connect, send nothing,
/// and time the close (none within `--timeout`: `None`).
async fn idle_close(cfg: Arc<ProbeConfig>, t: Target, addr: SocketAddr) -> Option<u64> {
    let spec = AttemptSpec {
        header: HeaderChoice::None,
        payload: Payload::Wait,
    };
    // Alone in its matrix: it connects at once, without the grace the matrix's `wait`
    // leaves the other attempts.
    let mut c = (*cfg).clone();
    c.attempts = vec![spec];
    let (_keep, rx) = tokio::sync::watch::channel(0u8);
    let (a, _) = run_attempt(&c, &t, addr, spec, rx, &Shape::default()).await;
    let closed = matches!(
        a.observed.end,
        crate::path::End::Closed | crate::path::End::Reset
    );
    (closed && a.received == 0).then_some(a.elapsed_ms)
}

/// One trial to run: what it is, the attempt, how the header goes out, and which
/// attempt of the matrix it varies.
type Plan = (Trial, AttemptSpec, Shape, String);

/// The trials that apply: the working header split, byte by byte and late (and v1
/// split too when v2 is the base), and the balancers' health checks when v2 is read.
fn plans(cfg: &ProbeConfig, attempts: &[Attempt], expects: &Expects) -> Vec<Plan> {
    let mut plans: Vec<Plan> = Vec::new();
    if let Some(b) = base(attempts, &[HeaderChoice::V2, HeaderChoice::V1]) {
        let spec = b.spec();
        let delay = (cfg.timeout / 2).min(Duration::from_secs(2));
        for (trial, shape) in [
            (
                Trial::Split,
                Shape {
                    split_at: Some(10),
                    ..Shape::default()
                },
            ),
            (
                Trial::Bytewise,
                Shape {
                    bytewise: true,
                    ..Shape::default()
                },
            ),
            (
                Trial::Slow,
                Shape {
                    delay: Some(delay),
                    ..Shape::default()
                },
            ),
        ] {
            plans.push((trial, spec, shape, b.name.clone()));
        }
        if b.header == HeaderChoice::V2
            && let Some(v1) = base(attempts, &[HeaderChoice::V1])
        {
            let shape = Shape {
                split_at: Some(10),
                ..Shape::default()
            };
            plans.push((Trial::SplitV1, v1.spec(), shape, v1.name.clone()));
        }
    }
    if expects.proxy_versions.contains(&Version::V2) {
        let spec = AttemptSpec {
            header: HeaderChoice::V2Local,
            payload: Payload::Wait,
        };
        for (trial, bytes) in [
            (Trial::AwsNlbCheck, robust_model::aws_nlb_check()),
            (Trial::HaproxyCheck, robust_model::haproxy_check()),
        ] {
            let shape = Shape {
                header: Some(bytes),
                ..Shape::default()
            };
            plans.push((trial, spec, shape, trial.name().to_string()));
        }
    }
    plans
}

/// Runs the planned trials at once; their results in plan order.
async fn run_trials(
    cfg: &ProbeConfig,
    t: &Target,
    addr: SocketAddr,
    plans: Vec<Plan>,
) -> Vec<TrialResult> {
    let mut set = tokio::task::JoinSet::new();
    for (i, (trial, spec, shape, of)) in plans.into_iter().enumerate() {
        let mut c = cfg.clone();
        if spec.payload == Payload::Wait && shape.header.is_some() {
            // A health check needs only to see whether the connection survives.
            c.timeout = c.timeout.min(Duration::from_millis(800));
        }
        let t = t.clone();
        set.spawn(async move {
            let (_keep, rx) = tokio::sync::watch::channel(0u8);
            let (a, _) = run_attempt(&c, &t, addr, spec, rx, &shape).await;
            let ok = if shape.header.is_some() {
                robust_model::check_held(&a.observed)
            } else {
                held(&a, spec.payload)
            };
            let result = a
                .observed
                .reply_label()
                .unwrap_or_else(|| a.outcome.label());
            (
                i,
                TrialResult {
                    trial,
                    name: trial.name(),
                    of,
                    held: ok,
                    result,
                    elapsed_ms: a.elapsed_ms,
                },
            )
        });
    }
    let mut done = Vec::new();
    while let Some(r) = set.join_next().await {
        if let Ok(r) = r {
            done.push(r);
        }
    }
    done.sort_by_key(|(i, _)| *i);
    done.into_iter().map(|(_, r)| r).collect()
}

/// Runs the trials; returns them with their findings.
pub async fn run(
    cfg: &Arc<ProbeConfig>,
    t: &Target,
    addr: SocketAddr,
    attempts: &[Attempt],
    expects: &Expects,
) -> (Robustness, Vec<Finding>) {
    let plans = plans(cfg, attempts, expects);
    let idle = (expects.proxy == Need::Required)
        .then(|| tokio::spawn(idle_close(cfg.clone(), t.clone(), addr)));
    let mut trials = run_trials(cfg, t, addr, plans).await;
    let header_timeout_ms = match idle {
        Some(h) => h.await.ok().flatten(),
        None => None,
    };
    // A trial that ended when the receiver's own header or idle timeout ran out shows
    // that timeout (reported on its own), not a refusal of its shape.
    if let Some(ht) = header_timeout_ms {
        for tr in trials
            .iter_mut()
            .filter(|tr| !tr.held && tr.trial != Trial::Slow)
        {
            if tr.elapsed_ms + 50 >= ht {
                tr.held = true;
                tr.result = format!(
                    "{} at the receiver's timeout ({ht} ms), not at the header",
                    tr.result
                );
            }
        }
    }
    let findings = robust_model::findings(
        &trials,
        header_timeout_ms,
        cfg.balancer_sends == Some(HeaderChoice::V2Local),
    );
    (
        Robustness {
            trials,
            header_timeout_ms,
        },
        findings,
    )
}
