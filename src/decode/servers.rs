//! Conversations grouped by server endpoint and read by the path model together
//! (sans-IO): what each server expects, which of its conversations show it, and the
//! cause the endpoint's model gives a conversation that its own bytes left open (a v1
//! header refused by a server on which v2 works is `proxy-version-unsupported`).
//!
//! Rules: memory is bounded ([`MAX_SERVERS`] endpoints, [`MAX_KINDS`] distinct kinds
//! of exchange per endpoint, [`MAX_IDS`] conversation ids per kind): the model needs
//! the kinds, not every copy; what did not fit is counted, never silently dropped.

use super::hash::FxMap;
use super::report::Address;
use crate::findings::Code;
use crate::path::{self, Explanation, InFront, Observation};
use serde::Serialize;

/// Endpoints modelled at most.
pub const MAX_SERVERS: usize = 4096;
/// Distinct kinds of exchange kept per endpoint.
pub const MAX_KINDS: usize = 32;
/// Conversation ids kept per kind.
pub const MAX_IDS: usize = 8;

#[derive(Debug, Default)]
struct Kind {
    observation: Option<Observation>,
    ids: Vec<u64>,
    count: u64,
}

#[derive(Debug, Default)]
struct Endpoint {
    conversations: u64,
    kinds: Vec<Kind>,
    unmodelled: u64,
}

/// The running groups.
#[derive(Debug, Default)]
pub struct Servers {
    /// By `ip:port` (hashed: every conversation looks its server up; the report sorts).
    by_server: FxMap<Address, Endpoint>,
    /// Conversations whose endpoint did not fit in [`MAX_SERVERS`].
    pub overflow: u64,
}

/// A group of conversations of one kind and what the endpoint's model says of them.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Group {
    /// Conversation ids (the first [`MAX_IDS`]).
    pub conversations: Vec<u64>,
    /// How many conversations of this kind.
    pub count: u64,
    /// The exchange, as the model reads it.
    pub exchange: Observation,
    /// The cause the endpoint's model gives these conversations, or null (served, or
    /// not a PROXY matter).
    pub cause: Option<Code>,
}

/// One server endpoint.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ServerReport {
    /// `ip:port`.
    pub server: String,
    /// Conversations with it.
    pub conversations: u64,
    /// Whether it needs a header.
    pub proxy: path::Need,
    /// PROXY versions it reads.
    pub proxy_versions: Vec<path::Version>,
    /// What follows the header.
    pub protocol: path::Protocol,
    /// The application when it is not the web's, else null.
    pub application: Option<&'static str>,
    /// When more than one explanation fits: all of them.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub hypotheses: Vec<Explanation>,
    /// The kinds of conversation that support the inference.
    pub groups: Vec<Group>,
    /// Conversations whose kind did not fit in the bounded table.
    #[serde(skip_serializing_if = "is_zero")]
    pub unmodelled: u64,
}

fn is_zero(n: &u64) -> bool {
    *n == 0
}

impl Endpoint {
    /// Counts one conversation with this observation.
    fn add(&mut self, id: u64, o: &Observation) {
        self.conversations += 1;
        let same = |k: &Kind| {
            k.observation.as_ref().is_some_and(|x| {
                (x.sent, x.payload, x.reply, x.end) == (o.sent, o.payload, o.reply, o.end)
            })
        };
        if let Some(k) = self.kinds.iter_mut().find(|k| same(k)) {
            k.count += 1;
            if k.ids.len() < MAX_IDS {
                k.ids.push(id);
            }
        } else if self.kinds.len() < MAX_KINDS {
            self.kinds.push(Kind {
                observation: Some(o.clone()),
                ids: vec![id],
                count: 1,
            });
        } else {
            self.unmodelled += 1;
        }
    }
}

impl Servers {
    /// Adds one conversation.
    pub fn add(&mut self, server: Address, id: u64, o: &Observation) {
        let full = self.by_server.len() >= MAX_SERVERS;
        match self.by_server.get_mut(&server) {
            Some(e) => e.add(id, o),
            None if full => self.overflow += 1,
            None => {
                let mut e = Endpoint::default();
                e.add(id, o);
                self.by_server.insert(server, e);
            }
        }
    }

    /// The report per endpoint, in address order (of the `ip:port` text).
    pub fn report(&self) -> Vec<ServerReport> {
        let mut all: Vec<(String, &Endpoint)> =
            self.by_server.iter().map(|(a, e)| (a.text(), e)).collect();
        all.sort_unstable_by(|a, b| a.0.cmp(&b.0));
        all.into_iter()
            .map(|(server, e)| endpoint(server, e))
            .collect()
    }
}

fn endpoint(server: String, e: &Endpoint) -> ServerReport {
    let obs: Vec<Observation> = e
        .kinds
        .iter()
        .filter_map(|k| k.observation.clone())
        .collect();
    let fronts = InFront::ALL;
    let v = path::solve(&fronts, &obs);
    let causes = path::causes(&fronts, &obs);
    let accepts = v.accepts;
    let groups = e
        .kinds
        .iter()
        .zip(causes)
        .filter_map(|(k, cause)| {
            Some(Group {
                conversations: k.ids.clone(),
                count: k.count,
                exchange: k.observation.clone()?,
                cause,
            })
        })
        .collect();
    ServerReport {
        server,
        conversations: e.conversations,
        proxy: accepts.map_or(path::Need::Unknown, |a| a.proxy()),
        proxy_versions: v.versions.clone().unwrap_or_default(),
        protocol: v
            .application
            .map_or(path::Protocol::Unknown, path::App::protocol),
        application: v
            .application
            .filter(|a| !matches!(a, path::App::Tls | path::App::Http) && !a.stands_alone())
            .map(path::App::name),
        hypotheses: if v.ambiguous() {
            v.explanations.clone()
        } else {
            Vec::new()
        },
        groups,
        unmodelled: e.unmodelled,
    }
}
