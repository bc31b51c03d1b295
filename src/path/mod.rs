//! The path model (sans-IO): one explanation of client → (balancer) → server that every
//! shell feeds with what it saw.
//!
//! The unknowns are what sits in front of the endpoint ([`InFront`]: nothing, a balancer
//! adding a v1 or v2 header), what the server's PROXY reader takes ([`Reader`]: nothing,
//! v1 and/or v2, required or optional) and the application protocol ([`App`]: TLS,
//! HTTP, a server that speaks first, a RESP-style command protocol, an echo, or an
//! endpoint that closes every connection itself). Each [`Hypothesis`] is one choice of
//! the three. An [`Observation`] (a probe attempt, a captured conversation, a `send`
//! exchange) is predicted under every hypothesis ([`predict`]); a hypothesis survives
//! while no observation contradicts it. [`solve`] returns the survivors, ranked, grouped
//! into the explanations a person would tell apart, with the observation that would
//! separate the first two.
//!
//! Rules: no I/O, no clock, no strings from the peer in decisions (only typed
//! observations); a cause is named only from surviving hypotheses. Survivors with the
//! fewest weak fits (replies such a server can give but rarely does) are the ones
//! reported; among them, all are kept, the simpler first (no balancer, no endpoint that
//! closes everything itself). What every reported survivor agrees on is fact; the rest
//! is a ranked list of alternatives.

pub mod advice;
pub mod expects;
pub mod observe;
mod predict;
mod report;
pub mod udp;

pub use expects::{Need, Protocol, Version};
pub use observe::{BannerAfter, End, Observation, Payload, Reply, Sent, observe, observe_analyzed};
pub use report::{Explanation, Verdict, app_words};

use serde::Serialize;

/// What sits in front of the endpoint, as far as the bytes can tell. A byte-transparent
/// balancer (one that forwards bytes and adds nothing) is indistinguishable from
/// nothing: both are `none`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum InFront {
    /// Nothing adds a header (direct, or a byte-transparent balancer).
    None,
    /// A balancer adds a PROXY v1 header to every connection.
    AddsV1,
    /// A balancer adds a PROXY v2 header to every connection.
    AddsV2,
}

impl InFront {
    /// Every value, simplest first.
    pub const ALL: [InFront; 3] = [InFront::None, InFront::AddsV1, InFront::AddsV2];

    /// The JSON name.
    pub fn name(self) -> &'static str {
        match self {
            InFront::None => "none",
            InFront::AddsV1 => "adds-v1",
            InFront::AddsV2 => "adds-v2",
        }
    }

    fn version(self) -> Option<u8> {
        match self {
            InFront::None => None,
            InFront::AddsV1 => Some(1),
            InFront::AddsV2 => Some(2),
        }
    }
}

/// Which PROXY versions the server's reader parses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Reads {
    /// No PROXY reader: a header is application data.
    Nothing,
    /// v1 only.
    V1,
    /// v2 only.
    V2,
    /// v1 and v2.
    Both,
}

impl Reads {
    fn takes(self, version: u8) -> bool {
        matches!(
            (self, version),
            (Reads::V1, 1) | (Reads::V2, 2) | (Reads::Both, 1 | 2)
        )
    }
}

/// The server's PROXY reader.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct Reader {
    /// Versions parsed.
    pub reads: Reads,
    /// A connection without a header is refused (meaningless for [`Reads::Nothing`]).
    pub required: bool,
}

impl Reader {
    /// Every distinct reader, none first (an array: the path model asks for it once
    /// per hypothesis it builds).
    pub fn all() -> [Reader; 7] {
        let r = |reads, required| Reader { reads, required };
        [
            r(Reads::Nothing, false),
            r(Reads::V1, true),
            r(Reads::V1, false),
            r(Reads::V2, true),
            r(Reads::V2, false),
            r(Reads::Both, true),
            r(Reads::Both, false),
        ]
    }
}

/// The protocol spoken once any header is consumed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum App {
    /// TLS (the client speaks first with a ClientHello).
    Tls,
    /// Plaintext HTTP/1.x.
    Http,
    /// SMTP: `220` greeting first.
    Smtp,
    /// IMAP: `* OK` greeting first.
    Imap,
    /// POP3: `+OK` greeting first.
    Pop3,
    /// FTP: `220` greeting first.
    Ftp,
    /// SSH: `SSH-2.0-` identification first.
    Ssh,
    /// MySQL/MariaDB: a handshake packet first.
    Mysql,
    /// A command protocol that answers unknown commands with an error line (Redis
    /// `-ERR unknown command`).
    Redis,
    /// Returns what it receives.
    Echo,
    /// Accepts and closes every connection itself, whatever is sent (a balancer with no
    /// reachable backend, a source it refuses, a connection limit).
    Closes,
    /// Accepts and never answers, whatever is sent (a black hole: a listener that never
    /// reads, a stuck backend, a proxy waiting on its own upstream).
    Silent,
}

impl App {
    /// The JSON name of the application (`application`), `None` for the web and the
    /// closing endpoint, which `expects.protocol` already covers.
    pub fn name(self) -> &'static str {
        match self {
            App::Tls => "tls",
            App::Http => "http",
            App::Smtp => "smtp",
            App::Imap => "imap",
            App::Pop3 => "pop3",
            App::Ftp => "ftp",
            App::Ssh => "ssh",
            App::Mysql => "mysql",
            App::Redis => "redis",
            App::Echo => "echo",
            App::Closes => "closes",
            App::Silent => "silent",
        }
    }

    /// An endpoint whose behaviour does not depend on what is sent (it closes, or it
    /// never answers): no balancer or reader behind it is visible.
    pub fn stands_alone(self) -> bool {
        matches!(self, App::Closes | App::Silent)
    }

    /// The server sends the first bytes (a banner or greeting).
    pub fn speaks_first(self) -> bool {
        matches!(
            self,
            App::Smtp | App::Imap | App::Pop3 | App::Ftp | App::Ssh | App::Mysql
        )
    }

    /// The application a banner's protocol names (`smtp-or-ftp` counts as SMTP).
    pub fn from_banner(protocol: &str) -> Option<App> {
        Some(match protocol {
            "smtp" | "smtp-or-ftp" => App::Smtp,
            "ftp" => App::Ftp,
            "ssh" => App::Ssh,
            "imap" => App::Imap,
            "pop3" => App::Pop3,
            "mysql" => App::Mysql,
            _ => return None,
        })
    }

    /// `expects.protocol`: `tls`, `http`, `tcp` (anything else that was recognised).
    pub fn protocol(self) -> Protocol {
        match self {
            App::Tls => Protocol::Tls,
            App::Http => Protocol::Http,
            App::Closes | App::Silent => Protocol::Unknown,
            _ => Protocol::Tcp,
        }
    }
}

/// One full explanation of the path.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct Hypothesis {
    /// What is in front.
    pub front: InFront,
    /// The server's reader.
    pub reader: Reader,
    /// The application.
    pub app: App,
}

impl Hypothesis {
    /// Which headers a client connecting to this endpoint may send and be understood
    /// (`none`, `v1`, `v2`): the endpoint's contract, as `expects` reports it.
    pub fn accepts(&self) -> Accepts {
        let ok = |ours: Sent| {
            !self.app.stands_alone()
                && predict::deliver(self.front, self.reader, ours, Payload::Data)
                    == predict::Delivery::Received {
                        foreign: false,
                        ours: false,
                    }
        };
        Accepts {
            none: ok(Sent::None),
            v1: ok(Sent::V1),
            v2: ok(Sent::V2),
        }
    }

    /// The prior cost: a balancer in front and a self-closing endpoint are each one
    /// more thing to assume. It orders explanations that fit equally well; it never
    /// removes one.
    pub fn prior(&self) -> u32 {
        u32::from(self.front != InFront::None) + u32::from(self.app.stands_alone())
    }
}

/// Which headers an endpoint understands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub struct Accepts {
    /// No header.
    pub none: bool,
    /// A v1 header.
    pub v1: bool,
    /// A v2 header.
    pub v2: bool,
}

impl Accepts {
    /// Whether a header is needed (`unknown`: nothing is understood).
    pub fn proxy(&self) -> Need {
        match (self.none, self.v1 || self.v2) {
            (true, true) => Need::Optional,
            (true, false) => Need::Forbidden,
            (false, true) => Need::Required,
            (false, false) => Need::Unknown,
        }
    }

    /// The versions understood.
    pub fn versions(&self) -> Vec<Version> {
        let mut v = Vec::new();
        if self.v1 {
            v.push(Version::V1);
        }
        if self.v2 {
            v.push(Version::V2);
        }
        v
    }
}

/// How well one observation fits one hypothesis.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Fit {
    /// The hypothesis cannot produce it.
    No,
    /// Possible, but not what such a server usually does.
    Weak,
    /// What such a server does.
    Strong,
}

/// Every hypothesis with one of `fronts` in front and one of `apps` behind.
pub fn hypotheses(fronts: &[InFront], apps: &[App]) -> Vec<Hypothesis> {
    let mut out = Vec::with_capacity(fronts.len() * Reader::all().len() * apps.len());
    for &front in fronts {
        for reader in Reader::all() {
            for &app in apps {
                // An endpoint that closes everything itself has nothing behind it
                // that a balancer's header or a reader could change.
                let closes_alone = front == InFront::None && reader == Reader::all()[0];
                if app.stands_alone() && !closes_alone {
                    continue;
                }
                out.push(Hypothesis { front, reader, app });
            }
        }
    }
    out
}

/// The applications worth considering for these observations: the web and generic
/// ones always, a speaks-first protocol when some banner names it.
pub fn candidate_apps(obs: &[Observation]) -> Vec<App> {
    let mut apps = vec![
        App::Tls,
        App::Http,
        App::Redis,
        App::Echo,
        App::Closes,
        App::Silent,
    ];
    for o in obs {
        if let Reply::Banner { app, .. } = o.reply
            && !apps.contains(&app)
        {
            apps.push(app);
        }
    }
    apps
}

/// Keeps the hypotheses that fit every observation; returns them with their number of
/// weak fits, best first (fewest weak fits, then the simplest).
pub fn survivors(candidates: &[Hypothesis], obs: &[Observation]) -> Vec<(Hypothesis, u32)> {
    let mut out: Vec<(Hypothesis, u32)> = candidates
        .iter()
        .filter_map(|h| {
            let mut cost = 0;
            for o in obs {
                match predict::fit(h, o) {
                    Fit::No => return None,
                    Fit::Weak => cost += 1,
                    Fit::Strong => {}
                }
            }
            Some((*h, cost))
        })
        .collect();
    out.sort_by_key(|(h, c)| (*c, h.prior(), *h));
    out
}

/// Runs the model: every hypothesis with one of `fronts` in front, against `obs`.
/// `decode` passes only [`InFront::None`] (a capture shows every header on the wire);
/// `probe` and `send` pass all three.
pub fn solve(fronts: &[InFront], obs: &[Observation]) -> Verdict {
    let (kept, weak) = best(fronts, obs);
    report::verdict(&kept, weak, obs)
}

/// The hypotheses that fit every observation with the fewest weak fits, simplest
/// first, and that number of weak fits.
pub fn best(fronts: &[InFront], obs: &[Observation]) -> (Vec<Hypothesis>, u32) {
    let all = hypotheses(fronts, &candidate_apps(obs));
    let ranked = survivors(&all, obs);
    let weak = ranked.first().map_or(0, |(_, w)| *w);
    let kept = ranked
        .into_iter()
        .filter(|(_, w)| *w == weak)
        .map(|(h, _)| h)
        .collect();
    (kept, weak)
}

/// The cause each observation meets, when every best explanation agrees on it: a
/// header refused by the reader (`proxy-version-unsupported`, or `proxy-header-missing`
/// without one), or read as data (`proxy-header-not-expected`); `None` when the
/// explanations disagree or the bytes reached the application as sent.
pub fn causes(fronts: &[InFront], obs: &[Observation]) -> Vec<Option<crate::findings::Code>> {
    use crate::findings::Code;
    use predict::Delivery;
    let (best, _) = best(fronts, obs);
    obs.iter()
        .map(|o| {
            let mut codes = best.iter().map(|h| {
                if h.app == App::Closes {
                    return Some(Code::ConnectionClosed);
                }
                if h.app == App::Silent {
                    return Some(Code::TargetSilent);
                }
                match predict::deliver(h.front, h.reader, o.sent, o.payload) {
                    Delivery::Refused | Delivery::Waiting if o.sent == Sent::None => {
                        Some(Code::ProxyHeaderMissing)
                    }
                    Delivery::Refused | Delivery::Waiting => Some(Code::ProxyVersionUnsupported),
                    Delivery::Received { ours: true, .. } => Some(Code::ProxyHeaderNotExpected),
                    Delivery::Received { .. } => None,
                }
            });
            let first = codes.next()?;
            codes.all(|c| c == first).then_some(first).flatten()
        })
        .collect()
}

#[cfg(test)]
mod tests;
