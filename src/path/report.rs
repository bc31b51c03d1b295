//! From surviving hypotheses to what a report says (sans-IO): explanations grouped the
//! way a person tells them apart (what is in front, whether the server parses PROXY at
//! all, which application), ranked by cost, each with the finding code it means for a
//! client that sends no header, and the observation that would separate the first two.
//!
//! Rules: every statement is about a group of survivors; agreement across all survivors
//! (`in_front`, `application`, `accepts`) is reported as fact, disagreement as
//! `unknown` plus the ranked explanations.

use super::observe::Observation;
use super::{Accepts, App, Hypothesis, InFront, Reads};
use crate::findings::Code;
use serde::Serialize;

/// One explanation: survivors that differ only in details of the reader.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Explanation {
    /// 1 for the likeliest.
    pub rank: usize,
    /// What may be in front (several when the bytes cannot tell which version a
    /// balancer adds).
    pub in_front: Vec<InFront>,
    /// What the server's reader parses (`nothing`, or the versions, possibly several).
    pub server_reads: Vec<Reads>,
    /// Whether the reader requires a header (`None`: either fits).
    pub required: Option<bool>,
    /// The application.
    pub application: App,
    /// What a client connecting here may send (the endpoint's contract).
    pub accepts: Accepts,
    /// Replies that fit only weakly (the same for every explanation listed).
    pub weak_fits: u32,
    /// The explanation in one sentence.
    pub summary: String,
    /// What it means for a client that sends no header: the cause, or null when such a
    /// client is served.
    pub code: Option<Code>,
}

/// The model's answer for one endpoint.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Verdict {
    /// The explanations that fit every observation, likeliest first.
    pub explanations: Vec<Explanation>,
    /// What is in front, when every explanation agrees.
    pub in_front: Option<InFront>,
    /// The application, when every explanation agrees.
    pub application: Option<App>,
    /// The endpoint's contract, when every explanation agrees.
    pub accepts: Option<Accepts>,
    /// The PROXY versions it reads, when every explanation agrees on them (even where
    /// they disagree on whether a header is required).
    pub versions: Option<Vec<super::expects::Version>>,
    /// How to tell the first two explanations apart.
    pub tell_apart: Option<String>,
    /// Observations that went into the verdict.
    pub observations: usize,
}

impl Verdict {
    /// No hypothesis fits every observation.
    pub fn inconsistent(&self) -> bool {
        self.explanations.is_empty()
    }

    /// The likeliest explanation.
    pub fn top(&self) -> Option<&Explanation> {
        self.explanations.first()
    }

    /// More than one explanation survives.
    pub fn ambiguous(&self) -> bool {
        self.explanations.len() > 1
    }
}

/// Groups ranked survivors into explanations: those with the fewest weak fits, one
/// explanation per cause, kind of front (none or a balancer) and application.
pub fn verdict(kept: &[Hypothesis], best: u32, obs: &[Observation]) -> Verdict {
    let mut groups: Vec<Vec<Hypothesis>> = Vec::new();
    // A header refused by the reader never reaches the application: one explanation
    // whatever the application would have been.
    let key = |g: &Hypothesis| {
        let code = code_for(g);
        let app = (code != Some(Code::ProxyVersionUnsupported)).then_some(g.app);
        (code, g.front == InFront::None, app)
    };
    for h in kept {
        match groups.iter_mut().find(|m| key(&m[0]) == key(h)) {
            Some(members) => members.push(*h),
            None => groups.push(vec![*h]),
        }
    }
    let explanations: Vec<Explanation> = groups
        .iter()
        .enumerate()
        .map(|(i, members)| explanation(i + 1, members, best))
        .collect();
    let agree = |f: &dyn Fn(&Hypothesis) -> String| {
        kept.first()
            .filter(|h0| kept.iter().all(|h| f(h) == f(h0)))
            .copied()
    };
    let in_front = agree(&|h| h.front.name().to_string()).map(|h| h.front);
    let application = agree(&|h| h.app.name().to_string()).map(|h| h.app);
    let accepts = agree(&|h| format!("{:?}", h.accepts())).map(|h| h.accepts());
    let versions =
        agree(&|h| format!("{:?}", h.accepts().versions())).map(|h| h.accepts().versions());
    let tell_apart = match explanations.as_slice() {
        [a, b, ..] => Some(tell_apart(a, b)),
        _ => None,
    };
    Verdict {
        explanations,
        in_front,
        application,
        accepts,
        versions,
        tell_apart,
        observations: obs.len(),
    }
}

fn explanation(rank: usize, members: &[Hypothesis], cost: u32) -> Explanation {
    let first = members[0];
    let mut fronts: Vec<InFront> = members.iter().map(|h| h.front).collect();
    fronts.sort();
    fronts.dedup();
    let mut reads: Vec<Reads> = members.iter().map(|h| h.reader.reads).collect();
    reads.sort();
    reads.dedup();
    let required = if members.iter().all(|h| h.reader.required) {
        Some(true)
    } else if members.iter().all(|h| !h.reader.required) {
        Some(false)
    } else {
        None
    };
    let code = code_for(&first);
    Explanation {
        rank,
        in_front: fronts.clone(),
        summary: sentence(&first, &fronts, &reads, required),
        server_reads: reads,
        required,
        application: first.app,
        accepts: first.accepts(),
        weak_fits: cost,
        code,
    }
}

/// The cause a client that sends no header meets under `h`.
fn code_for(h: &Hypothesis) -> Option<Code> {
    if h.app == App::Closes {
        return Some(Code::ConnectionClosed);
    }
    if h.app == App::Silent {
        return Some(Code::TargetSilent);
    }
    let takes = |v| match h.reader.reads {
        Reads::Nothing => false,
        Reads::V1 => v == 1,
        Reads::V2 => v == 2,
        Reads::Both => true,
    };
    match (h.front, h.reader.reads) {
        (InFront::None, Reads::Nothing) => None,
        (InFront::None, _) => h.reader.required.then_some(Code::ProxyHeaderMissing),
        (_, Reads::Nothing) => Some(Code::ProxyHeaderNotExpected),
        (InFront::AddsV1, _) if !takes(1) => Some(Code::ProxyVersionUnsupported),
        (InFront::AddsV2, _) if !takes(2) => Some(Code::ProxyVersionUnsupported),
        _ => None,
    }
}

/// `TLS`, `plaintext HTTP`, `SMTP`, ...
pub fn app_words(a: App) -> &'static str {
    match a {
        App::Tls => "TLS",
        App::Http => "plaintext HTTP",
        App::Smtp => "SMTP",
        App::Imap => "IMAP",
        App::Pop3 => "POP3",
        App::Ftp => "FTP",
        App::Ssh => "SSH",
        App::Mysql => "MySQL/MariaDB",
        App::Redis => "a Redis-style command protocol",
        App::Echo => "an echo (it returns what it receives)",
        App::Closes | App::Silent => "nothing",
    }
}

fn reads_words(reads: &[Reads]) -> String {
    let has = |r| reads.contains(&r);
    match (has(Reads::V1), has(Reads::V2), has(Reads::Both)) {
        (true, false, false) => "PROXY v1".into(),
        (false, true, false) => "PROXY v2".into(),
        (false, false, true) => "PROXY v1 and v2".into(),
        (true, false, true) => "PROXY v1 (perhaps v2 too)".into(),
        (false, true, true) => "PROXY v2 (perhaps v1 too)".into(),
        _ => "PROXY v1 and/or v2".into(),
    }
}

fn sentence(h: &Hypothesis, fronts: &[InFront], reads: &[Reads], required: Option<bool>) -> String {
    let version = match fronts {
        [InFront::AddsV1] => "v1",
        [InFront::AddsV2] => "v2",
        _ => "v1 or v2",
    };
    if h.app == App::Silent {
        return "the endpoint accepts and never answers, whatever is sent: a listener that never reads, a stuck backend, or a proxy waiting on its own upstream".into();
    }
    if h.app == App::Closes {
        return "the endpoint closes every connection itself, whatever is sent: a balancer with no reachable backend, a listener that refuses this source address, or a connection limit".into();
    }
    let app = app_words(h.app);
    let need = match required {
        Some(true) => "requires",
        Some(false) => "accepts (does not require)",
        None => "reads",
    };
    let parses = h.reader.reads != Reads::Nothing;
    match (h.front, parses) {
        (InFront::None, false) => format!(
            "nothing in front adds a header, and the server speaks {app} without a PROXY reader"
        ),
        (InFront::None, true) => format!(
            "nothing in front adds a header; the server {need} a {} header, then speaks {app}",
            reads_words(reads)
        ),
        (_, false) => format!(
            "a balancer in front adds a PROXY {version} header, and the server behind it, speaking {app}, does not parse it"
        ),
        (front, true) => {
            if h.reader.reads.takes(front.version().unwrap_or(0)) {
                format!(
                    "a balancer in front adds a PROXY {version} header, and the server behind it reads it, then speaks {app}; a second header from a client is data to it"
                )
            } else {
                format!(
                    "a balancer in front adds a PROXY {version} header, and the server behind it reads only {} and refuses it",
                    reads_words(reads)
                )
            }
        }
    }
}

const PROBE_BACKEND: &str =
    "`ppdiag probe BACKEND:PORT` from the balancer's network shows what the server itself expects";
const BALANCER_CONFIG: &str = "the balancer's configuration says whether it adds a header (HAProxy `send-proxy`/`send-proxy-v2` on the `server` line, nginx stream `proxy_protocol on`, AWS NLB target group `proxy_protocol_v2.enabled`)";

fn tell_apart(a: &Explanation, b: &Explanation) -> String {
    if a.application == App::Silent || b.application == App::Silent {
        return format!(
            "`--timeout` longer than the server's own header timeout shows whether it answers late; {PROBE_BACKEND}"
        );
    }
    if a.application == App::Closes || b.application == App::Closes {
        return format!(
            "the balancer's log names a backend it cannot reach (nginx stream: `connect() failed (111: Connection refused) while connecting to upstream`; HAProxy: `no server available`), the backend's log names a header it rejected (nginx: `broken header`); {PROBE_BACKEND}"
        );
    }
    let direct = |e: &Explanation| e.in_front.contains(&InFront::None);
    if direct(a) != direct(b) {
        return format!(
            "whether something in front adds a header: {BALANCER_CONFIG}; {PROBE_BACKEND}"
        );
    }
    if a.in_front != b.in_front {
        return "which version the balancer adds: its configuration, or `ppdiag serve` in place of the backend (it reports the header it receives)".into();
    }
    if a.application != b.application {
        return format!(
            "which protocol the server speaks: `ppdiag send TARGET` with a request of each ({} or {})",
            app_words(a.application),
            app_words(b.application)
        );
    }
    "whether the server parses PROXY: `ppdiag probe TARGET --only v1,v2` (attempts with each header)".into()
}
