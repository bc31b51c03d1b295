//! Judging handed-on conversations (sans-IO): a [`Judge`] turns the [`Tracker`]'s events
//! into [`FlowReport`]s — TCP through `conversation::close` (the shared
//! `diagnose::judge`) and leg linking, UDP through [`super::udp::Judging`] (the UDP
//! model, per server) — and keeps the counts of the summary.
//!
//! Rules: every conversation handed on is reported exactly once (linked, expired from the
//! link window, or at the end); memory is bounded by the link queue.
//!
//! [`Tracker`]: super::engine::Tracker

use super::conversation::{self, Done};
use super::engine::{Event, Limits};
use super::flow::Flow;
use super::late::Late;
use super::link::{self, Pending};
use super::report::{Confidence, FlowReport, Proto, Summary};
use super::servers::Servers;
use super::stream::POOL;

/// Legs of one proxied connection linked at most (client, two balancers, backend).
const MAX_CHAIN: usize = 4;

/// The per-conversation half of the decoder: judges, links legs, counts.
pub struct Judge {
    limits: Limits,
    pending: Pending,
    counts: Summary,
    spare: Vec<Box<Flow>>,
    servers: Servers,
    /// Linked legs whose first leg has a header naming a leg not yet ended: held (for
    /// the link window) so the chain can be completed.
    held: Vec<Vec<Done>>,
    /// Legs reported without their partner, for a partner that ends late.
    late: Late,
    /// UDP conversations, judged with the others of their server.
    udp: super::udp::Judging,
    /// Whether reports carry the escaped first bytes of each side (JSON shows them, the
    /// text view never does).
    bytes: bool,
}

/// Chains held for their upstream leg at most.
const MAX_HELD: usize = 256;

impl Judge {
    /// A judge with these bounds.
    pub fn new(limits: Limits) -> Self {
        Judge {
            limits,
            pending: Pending::default(),
            counts: Summary::default(),
            spare: Vec::new(),
            servers: Servers::default(),
            held: Vec::new(),
            late: Late::default(),
            udp: super::udp::Judging::default(),
            bytes: true,
        }
    }

    /// A judge for the text view: reports leave `client_sent.bytes` and
    /// `server_sent.bytes` empty (the text view does not show them), so they are not
    /// computed.
    pub fn without_bytes(mut self) -> Self {
        self.bytes = false;
        self
    }

    /// Whether reports carry the escaped first bytes (see [`Judge::without_bytes`]).
    pub fn bytes(&self) -> bool {
        self.bytes
    }

    /// Judged conversations (with their buffers), to give back to the
    /// [`super::engine::Tracker`].
    pub fn spare(&mut self) -> &mut Vec<Box<Flow>> {
        &mut self.spare
    }

    /// Conversations waiting for their other leg (TCP) or for the other conversations
    /// of their server (UDP).
    pub fn held(&self) -> usize {
        self.pending.len() + self.udp.held()
    }

    /// Takes one event; reports ready conversations into `out`.
    pub fn event(&mut self, e: Event, out: &mut Vec<Box<FlowReport>>) {
        match e {
            Event::Tcp(f, evicted) => {
                let d = conversation::close(&f, self.bytes);
                if self.spare.len() < POOL {
                    self.spare.push(f);
                }
                self.closed(d, evicted, out);
            }
            Event::Closed(d, evicted) => self.closed(*d, evicted, out),
            Event::Udp(u) => {
                let mut ready = Vec::new();
                self.udp.add(*u, &mut ready);
                for r in ready {
                    self.emit(Box::new(r), out);
                }
            }
            Event::Tick(now) => {
                let mut ready = Vec::new();
                self.udp.tick(now, &mut ready);
                for r in ready {
                    self.emit(Box::new(r), out);
                }
                for d in self.pending.expired(now, self.limits.link_window_ns) {
                    self.late.remember(&d);
                    self.emit(d.report, out);
                }
                let window = self.limits.link_window_ns;
                let (due, keep): (Vec<_>, Vec<_>) = std::mem::take(&mut self.held)
                    .into_iter()
                    .partition(|c| c.iter().map(Done::end).max().unwrap_or(0) + window <= now);
                self.held = keep;
                for chain in due {
                    self.emit_chain(chain, out);
                }
            }
        }
    }

    fn closed(&mut self, mut d: Done, evicted: bool, out: &mut Vec<Box<FlowReport>>) {
        if evicted {
            d.report
                .notes
                .push("reported before it ended: the flow table was full".into());
            self.emit(d.report, out);
        } else {
            self.done(d, out);
        }
    }

    fn done(&mut self, d: Done, out: &mut Vec<Box<FlowReport>>) {
        // The leg a held chain was waiting for.
        if let Some(i) = self
            .held
            .iter()
            .position(|c| c.first().and_then(Done::header) == Some(d.tuple()))
        {
            let mut chain = self.held.swap_remove(i);
            chain.insert(0, d);
            self.counts.linked_pairs += 1;
            return self.emit_chain(chain, out);
        }
        if let Some(l) = self.late.take_link(&d) {
            self.counts.linked_pairs += 1;
            return self.emit(Late::linked(d, l), out);
        }
        match self.pending.pair(d) {
            link::Paired::Both(a, b) => {
                let mut legs = vec![*a, *b];
                // Chains: the first leg's header names an earlier leg, or a later leg's
                // header names the last one.
                while legs.len() < MAX_CHAIN {
                    match self.pending.upstream_of(&legs[0]) {
                        Some(x) => legs.insert(0, x),
                        None => break,
                    }
                }
                while legs.len() < MAX_CHAIN {
                    match self.pending.downstream_of(&legs[legs.len() - 1]) {
                        Some(y) => legs.push(y),
                        None => break,
                    }
                }
                self.counts.linked_pairs += legs.len() as u64 - 1;
                // A first leg with a header of its own has a leg before it, still open.
                if legs[0].header().is_some() && legs.len() < MAX_CHAIN {
                    self.held.push(legs);
                    if self.held.len() > MAX_HELD {
                        let oldest = self.held.remove(0);
                        self.emit_chain(oldest, out);
                    }
                    return;
                }
                self.emit_chain(legs, out);
            }
            link::Paired::Waiting(Some(d)) => {
                self.late.remember(&d);
                self.emit(d.report, out);
            }
            link::Paired::Waiting(None) => {}
        }
    }

    /// Emits linked legs: a pair as before, a longer chain leg by leg.
    fn emit_chain(&mut self, mut legs: Vec<Done>, out: &mut Vec<Box<FlowReport>>) {
        let reports = if legs.len() == 2 {
            let b = legs.remove(1);
            let a = legs.remove(0);
            let (a, b) = link::annotate(a, b);
            vec![a, b]
        } else {
            link::annotate_chain(legs)
        };
        for r in reports {
            self.emit(r, out);
        }
    }

    fn emit(&mut self, r: Box<FlowReport>, out: &mut Vec<Box<FlowReport>>) {
        let s = &mut self.counts;
        s.flows += 1;
        if r.transport == Proto::Udp {
            s.udp_flows += 1;
        } else {
            s.tcp_flows += 1;
        }
        if r.has_problem() {
            s.flows_with_problems += 1;
        }
        if r.confidence == Confidence::Low {
            s.mid_stream_flows += 1;
        }
        // Each code once per conversation (a bit per code: no vector to sort).
        let mut seen = 0u64;
        for f in &r.findings {
            let bit = 1u64 << (f.code as u32 % 64);
            if seen & bit == 0 {
                seen |= bit;
                *s.findings.entry(f.code).or_default() += 1;
            }
        }
        if let Some(o) = &r.observed {
            self.servers.add(r.server, r.id, o);
        }
        out.push(r);
    }

    /// Reports every conversation still waiting for its other leg (live input that went
    /// quiet: nothing more is coming soon to pair with).
    pub fn flush(&mut self, out: &mut Vec<Box<FlowReport>>) {
        self.finish(out);
    }

    /// The end: everything still waiting is reported.
    pub fn finish(&mut self, out: &mut Vec<Box<FlowReport>>) {
        let mut ready = Vec::new();
        self.udp.finish(&mut ready);
        for r in ready {
            self.emit(Box::new(r), out);
        }
        for chain in std::mem::take(&mut self.held) {
            self.emit_chain(chain, out);
        }
        for d in self.pending.drain() {
            self.late.remember(&d);
            self.emit(d.report, out);
        }
    }

    /// The tracker's summary completed with this judge's counts.
    pub fn summary(&self, tracker: &Summary) -> Summary {
        let c = &self.counts;
        Summary {
            flows: c.flows,
            tcp_flows: c.tcp_flows,
            udp_flows: c.udp_flows,
            flows_with_problems: c.flows_with_problems,
            mid_stream_flows: c.mid_stream_flows,
            linked_pairs: c.linked_pairs,
            findings: c.findings.clone(),
            servers: self.servers.report(),
            ..tracker.clone()
        }
    }
}
