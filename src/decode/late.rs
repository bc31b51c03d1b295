//! Links that come late (sans-IO): a leg reported unlinked (its partner ended more than
//! the link window later, or the queue was full) is remembered by its endpoints and by
//! the endpoints its PROXY header names, so that its partner, when it ends, is still
//! linked to it — on the partner's side, since the first leg's report is already out.
//!
//! Rules: bounded ([`MAX_REMEMBERED`] legs, oldest forgotten first); a leg is linked at
//! most once.

use super::conversation::Done;
use super::hash::{FxMap, Pair};
use super::report::{FlowReport, Link};
use std::collections::VecDeque;

/// Reported legs remembered at most.
pub const MAX_REMEMBERED: usize = 65536;

/// Legs already reported without a partner.
#[derive(Debug, Default)]
pub struct Late {
    by_tuple: FxMap<Pair, u64>,
    by_header: FxMap<Pair, u64>,
    order: VecDeque<(Pair, Option<Pair>)>,
}

impl Late {
    /// Remembers a leg about to be reported unlinked.
    pub fn remember(&mut self, d: &Done) {
        if d.report.linked.is_some() || d.report.transport != "tcp" {
            return;
        }
        let id = d.report.id;
        let tuple = Pair::from(d.tuple());
        let header = d.header().map(Pair::from);
        self.by_tuple.insert(tuple.clone(), id);
        if let Some(h) = &header {
            self.by_header.insert(h.clone(), id);
        }
        self.order.push_back((tuple, header));
        while self.order.len() > MAX_REMEMBERED {
            if let Some((t, h)) = self.order.pop_front() {
                self.by_tuple.remove(&t);
                if let Some(h) = h {
                    self.by_header.remove(&h);
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
            ("backend-leg", Some((c, s))) => format!("{c} → {s}"),
            _ => format!("#{id}"),
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
