//! Links that come late (sans-IO): a leg reported unlinked (its partner ended more than
//! the link window later, or the queue was full) is remembered by its endpoints and by
//! the endpoints its PROXY header names, so that its partner, when it ends, is still
//! linked to it — on the partner's side, since the first leg's report is already out.
//!
//! Rules: bounded ([`MAX_REMEMBERED`] legs, oldest forgotten first); a leg is linked at
//! most once.

use super::conversation::Done;
use super::hash::{FxMap, Pair, remove_if_is};
use super::report::{Address, FlowReport, Link, OtherLeg, Proto};
use std::collections::VecDeque;

/// Reported legs remembered at most.
pub const MAX_REMEMBERED: usize = 65536;

/// Legs already reported without a partner.
#[derive(Debug, Default)]
pub struct Late {
    by_tuple: FxMap<Pair, u64>,
    by_header: FxMap<Pair, u64>,
    /// Oldest first: a leg's keys and id (an entry is dropped only while it still
    /// points at that leg: a later leg on a reused tuple keeps its own).
    order: VecDeque<(Pair, Option<Pair>, u64)>,
}

impl Late {
    /// Remembers a leg about to be reported unlinked.
    pub fn remember(&mut self, d: &Done) {
        if d.report.linked.is_some() || d.report.transport != Proto::Tcp {
            return;
        }
        let id = d.report.id;
        let tuple = Pair::from(d.tuple());
        let header = d.header().map(Pair::from);
        self.by_tuple.insert(tuple.clone(), id);
        if let Some(h) = &header {
            self.by_header.insert(h.clone(), id);
        }
        self.order.push_back((tuple, header, id));
        while self.order.len() > MAX_REMEMBERED {
            if let Some((t, h, old)) = self.order.pop_front() {
                remove_if_is(&mut self.by_tuple, t, old);
                if let Some(h) = h {
                    remove_if_is(&mut self.by_header, h, old);
                }
            }
        }
    }

    /// The link from `d` to a reported leg it belongs with: the leg its header names
    /// (then `d` is the backend leg), or the leg whose header names `d` (then `d` is
    /// the client leg). That leg is forgotten: it is linked at most once.
    pub fn take_link(&mut self, d: &Done) -> Option<Link> {
        let (role, id) = if let Some(id) = d
            .header()
            .and_then(|h| self.by_tuple.remove(&Pair::from(h)))
        {
            ("backend-leg", id)
        } else {
            ("client-leg", self.by_header.remove(&Pair::from(d.tuple()))?)
        };
        let other = match (role, d.header()) {
            ("backend-leg", Some((c, s))) => OtherLeg::Legs(Address(c), Address(s)),
            _ => OtherLeg::Flow(id),
        };
        Some(Link {
            flow: id,
            role,
            other,
            by: "proxy-header-addresses",
        })
    }

    /// `d`'s report with the late link and a note saying why its partner lacks it.
    pub fn linked(d: Done, link: Link) -> Box<FlowReport> {
        let mut r = d.report;
        r.notes.push(format!(
            "its other leg (#{}) ended more than the link window apart and was reported before this one, without the link",
            link.flow
        ));
        r.linked = Some(link);
        r
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::decode::flow::{Flow, Start};
    use crate::decode::report::DirectionBasis;
    use std::net::SocketAddr;

    /// A judged leg with nothing sent, between these endpoints.
    fn leg(id: u64, client: SocketAddr, server: SocketAddr) -> Done {
        let f = Flow::new(Start {
            id,
            addr: [client, server],
            client: Some(0),
            basis: DirectionBasis::Syn,
            limits: [64, 64],
            ts: 0,
        });
        crate::decode::conversation::close(&f, false)
    }

    #[test]
    fn a_reused_tuple_keeps_the_later_leg_when_the_earlier_is_forgotten() {
        let (c, s): (SocketAddr, SocketAddr) = (
            "192.0.2.1:40000".parse().unwrap(),
            "198.51.100.1:443".parse().unwrap(),
        );
        let mut late = Late::default();
        late.remember(&leg(1, c, s));
        late.remember(&leg(2, c, s));
        // Enough other legs that the first (and only the first) is forgotten.
        for i in 0..MAX_REMEMBERED - 1 {
            let other =
                SocketAddr::from(([10, 0, (i >> 8) as u8, i as u8], 1024 + (i % 50000) as u16));
            late.remember(&leg(10 + i as u64, other, s));
        }
        let mut backend = leg(
            1 << 40,
            "198.51.100.1:50000".parse().unwrap(),
            "203.0.113.5:8443".parse().unwrap(),
        );
        backend.header = Some((c, s));
        let link = late
            .take_link(&backend)
            .expect("the later leg on the tuple is remembered");
        assert_eq!((link.flow, link.role), (2, "backend-leg"));
    }
}
