//! Linking the two legs of a proxied connection (sans-IO); each leg was judged alone by
//! [`super::conversation`].
//!
//! A capture on a balancer, or `tcpdump -i any`, holds both the client → balancer leg and
//! the balancer → backend leg. They are tied by the backend leg's PROXY header, whose
//! source and destination are the client leg's endpoints, or, without a header, by the
//! same opening payload (a ClientHello carries 32 random bytes) within a short window.
//! Once tied, the root cause found on the backend leg is named on the client leg too: a
//! client that got a plaintext 400 because the backend read the balancer's header as a
//! request has `proxy-header-not-expected`, with the backend leg as evidence, not merely
//! `tls-to-plaintext-port`.
//!
//! Rules: linking never invents a cause; it moves one found on the other leg, says so in
//! the evidence, and keeps what this leg alone showed as evidence too.

use super::conversation::Done;
use super::hash::{FxMap, Pair, remove_if_is};
use super::report::{FlowReport, Link, OtherLeg};
use crate::findings::{Code, Finding, Severity};
use std::collections::VecDeque;

/// The result of offering a finished conversation for linking.
pub enum Paired {
    /// Linked: (client leg, backend leg).
    Both(Box<Done>, Box<Done>),
    /// Waiting; this older one had to leave the full queue unlinked (one goes for each
    /// one that comes, so never more than one).
    Waiting(Option<Done>),
}

/// Finished conversations waiting for their other leg.
#[derive(Debug, Default)]
pub struct Pending {
    items: FxMap<u64, Done>,
    order: VecDeque<(u64, u64)>,
    by_tuple: FxMap<Pair, u64>,
    by_header: FxMap<Pair, u64>,
    by_payload: FxMap<u64, u64>,
}

/// At most this many finished conversations wait for a partner.
const MAX_PENDING: usize = 1024;

impl Pending {
    /// How many wait.
    pub fn len(&self) -> usize {
        self.items.len()
    }

    /// Whether none wait.
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    fn take(&mut self, id: u64) -> Option<Done> {
        let d = self.items.remove(&id)?;
        // An index entry goes only if it still points at this leg.
        remove_if_is(&mut self.by_tuple, Pair::from((d.client, d.server)), id);
        if let Some(h) = d.header {
            remove_if_is(&mut self.by_header, Pair::from(h), id);
        }
        if let Some(p) = d.payload {
            remove_if_is(&mut self.by_payload, p, id);
        }
        Some(d)
    }

    /// The pending leg that `d`'s header names (the leg before it in a chain).
    pub fn upstream_of(&mut self, d: &Done) -> Option<Done> {
        let id = *self.by_tuple.get(&Pair::from(d.header?))?;
        self.take(id)
    }

    /// The pending leg whose header names `d`'s endpoints (the leg after it).
    pub fn downstream_of(&mut self, d: &Done) -> Option<Done> {
        let id = *self.by_header.get(&Pair::from((d.client, d.server)))?;
        self.take(id)
    }

    /// Offers `d`: returns it with its partner, or queues it.
    pub fn pair(&mut self, d: Done) -> Paired {
        if let Some(h) = d.header
            && let Some(&id) = self.by_tuple.get(&Pair::from(h))
            && let Some(other) = self.take(id)
        {
            return Paired::Both(Box::new(other), Box::new(d));
        }
        if let Some(&id) = self.by_header.get(&Pair::from((d.client, d.server)))
            && let Some(other) = self.take(id)
        {
            return Paired::Both(Box::new(d), Box::new(other));
        }
        if let Some(p) = d.payload
            && let Some(&id) = self.by_payload.get(&p)
            && self.items.get(&id).is_some_and(|o| {
                (o.client, o.server) != (d.client, d.server) && o.start <= d.end && d.start <= o.end
            })
            && let Some(other) = self.take(id)
        {
            let d_is_backend = match (d.header.is_some(), other.header.is_some()) {
                (true, false) => true,
                (false, true) => false,
                _ => d.start > other.start,
            };
            return if d_is_backend {
                Paired::Both(Box::new(other), Box::new(d))
            } else {
                Paired::Both(Box::new(d), Box::new(other))
            };
        }
        let id = d.report.id;
        self.by_tuple.insert(Pair::from((d.client, d.server)), id);
        if let Some(h) = d.header {
            self.by_header.insert(Pair::from(h), id);
        }
        if let Some(p) = d.payload {
            self.by_payload.insert(p, id);
        }
        self.order.push_back((d.end, id));
        self.items.insert(id, d);
        // The queue holds at most one more than it may: the oldest still in it goes (an
        // entry of `order` whose leg was already taken is passed over).
        let mut out = None;
        while out.is_none() && self.items.len() > MAX_PENDING {
            match self.order.pop_front() {
                Some((_, id)) => out = self.take(id),
                None => break,
            }
        }
        Paired::Waiting(out)
    }

    /// Those whose window has passed at capture time `now`, oldest first.
    pub fn expired(&mut self, now: u64, window: u64) -> Vec<Done> {
        let mut out = Vec::new();
        while let Some(&(end, id)) = self.order.front() {
            if !self.items.contains_key(&id) {
                self.order.pop_front();
                continue;
            }
            if now < end.saturating_add(window) {
                break;
            }
            self.order.pop_front();
            out.extend(self.take(id));
        }
        out
    }

    /// Everything still waiting, oldest first.
    pub fn drain(&mut self) -> Vec<Done> {
        let ids: Vec<u64> = self.order.drain(..).map(|(_, id)| id).collect();
        let mut out: Vec<Done> = ids.into_iter().filter_map(|id| self.take(id)).collect();
        let mut rest: Vec<Done> = self.items.drain().map(|(_, d)| d).collect();
        rest.sort_by_key(|d| d.report.id);
        out.extend(rest);
        out
    }
}

/// Codes that name a cause on the backend leg and explain what the client leg saw.
const ROOT: &[Code] = &[
    Code::ProxyHeaderNotExpected,
    Code::ProxyHeaderMissing,
    Code::ProxyVersionUnsupported,
    Code::ProxyHeaderMalformed,
    Code::ProxyHeaderIncomplete,
    Code::ProxyHeaderDuplicated,
    Code::ProxyCrcMismatch,
];

/// Codes on the client leg that are only symptoms of a backend-leg cause.
const SYMPTOMS: &[Code] = &[
    Code::TlsToPlaintextPort,
    Code::PlaintextToTlsPort,
    Code::ProxyHeaderMissing,
    Code::ProxyHeaderNotExpected,
    Code::TargetSilent,
    Code::ConnectionReset,
];

/// `#id client → server` (joined rather than `format!`: every linked pair names its
/// legs; the endpoints written as a link's other leg is).
fn leg(r: &FlowReport) -> String {
    let endpoints = OtherLeg::Legs(r.client, r.server).text();
    ["#", &r.id.to_string(), " ", &endpoints].concat()
}

/// Ties a client leg and a backend leg, carrying the backend's root cause to the client.
pub fn annotate(client: Done, backend: Done) -> (Box<FlowReport>, Box<FlowReport>) {
    let by = if backend
        .header
        .is_some_and(|h| h == (client.client, client.server))
    {
        "proxy-header-addresses"
    } else {
        "same-payload"
    };
    let (mut c, mut b) = (client.report, backend.report);
    annotate_reports(&mut c, &mut b, by);
    (c, b)
}

/// Ties a chain of legs (client → balancer → ... → backend), each leg's header naming
/// the previous leg's endpoints: every leg is linked to the next, and the root cause
/// found nearest the backend travels up to the client.
pub fn annotate_chain(legs: Vec<Done>) -> Vec<Box<FlowReport>> {
    let chain: Vec<u64> = legs.iter().map(|d| d.report.id).collect();
    let mut reports: Vec<Box<FlowReport>> = legs.into_iter().map(|d| d.report).collect();
    // From the backend up: each leg takes the root cause of the one after it.
    for i in (0..reports.len().saturating_sub(1)).rev() {
        let (upstream, downstream) = reports.split_at_mut(i + 1);
        if let (Some(c), Some(b)) = (upstream.last_mut(), downstream.first_mut()) {
            annotate_reports(c, b, "proxy-header-addresses");
        }
    }
    if chain.len() > 2 {
        for r in &mut reports {
            r.chain = chain.clone();
        }
    }
    reports
}

fn annotate_reports(c: &mut FlowReport, b: &mut FlowReport, by: &'static str) {
    // A middle leg keeps its link to the client side; its backend leg is in `chain`.
    if c.linked.is_none() {
        c.linked = Some(Link {
            flow: b.id,
            role: "client-leg",
            other: OtherLeg::Legs(b.client, b.server),
            by,
        });
    }
    b.linked = Some(Link {
        flow: c.id,
        role: "backend-leg",
        other: OtherLeg::Legs(c.client, c.server),
        by,
    });
    let client_saw = c
        .outcome
        .as_ref()
        .map(|o| o.label())
        .unwrap_or_else(|| "nothing".into());
    let root = b
        .findings
        .iter()
        .find(|f| ROOT.contains(&f.code) && f.severity >= Severity::Warning);
    if let Some(root) = root {
        let code = root.code;
        let symptoms: Vec<String> = c
            .findings
            .iter()
            .filter(|f| SYMPTOMS.contains(&f.code))
            .map(|f| ["`", f.code.as_str(), "`"].concat())
            .collect();
        c.findings.retain(|f| !SYMPTOMS.contains(&f.code));
        // Further down a chain the summary already names the leg it happened on.
        let summary = if root.summary.starts_with("on the backend leg (") {
            root.summary.clone()
        } else {
            ["on the backend leg (", &leg(b), "): ", &root.summary]
                .concat()
                .into()
        };
        let mut f = Finding::new(root.code, root.severity, summary);
        let mut saw = ["this client leg saw ", &client_saw].concat();
        if !symptoms.is_empty() {
            saw.push_str(", which alone reads as ");
            saw.push_str(&symptoms.join(", "));
        }
        f.evidence.push(saw.into());
        f.evidence.extend(
            root.evidence
                .iter()
                .filter(|e| !e.starts_with("this client leg saw"))
                .cloned(),
        );
        f.fixes = root.fixes.clone();
        c.findings.insert(0, f);
        crate::findings::sort_worst_first(&mut c.findings);
        if let Some(rf) = b.findings.iter_mut().find(|f| f.code == code) {
            let mut saw = ["the client leg (", &leg(c), ") saw ", &client_saw].concat();
            if !c.client_sees.is_empty() {
                saw.push_str("; its TLS client prints ");
                saw.push_str(&c.client_sees.join(" / "));
            }
            rf.evidence.push(saw.into());
        }
    }
}
