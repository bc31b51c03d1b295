//! Turning one exchange's bytes into a typed [`Observation`] (sans-IO): which header the
//! client sent, what it sent after it, what came back ([`Reply`]) and how it ended
//! ([`End`]). Probe attempts, `send` exchanges and captured conversations all go
//! through [`observe`], so the model sees one vocabulary whatever the source.
//!
//! Rules: an echo is recognised before anything else (a server that repeats a
//! ClientHello is not a TLS client); a foreign PROXY header in the reply (one the client
//! did not send) is kept with its source address, which tells whether it names the
//! client; error replies are recognised by their protocol's error forms (RESP `-ERR`,
//! SMTP/FTP `5xx`, IMAP `BAD`/`NO`/`BYE`, POP3 `-ERR`, MySQL error packet 0xFF).

use super::App;
use crate::opening;
use crate::proxy::{self, Inspection};
use crate::sniff::plaintext::{is_error, is_text};
use crate::sniff::{self, Kind};
use serde::Serialize;
use std::net::SocketAddr;

/// The header the client sent first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Sent {
    /// No header.
    None,
    /// A PROXY v1 header.
    V1,
    /// A PROXY v2 header with the PROXY command.
    V2,
    /// A PROXY v2 LOCAL header (a health check).
    V2Local,
    /// Two or more headers, or a broken one: the model does not predict these.
    Other,
}

impl Sent {
    /// The version of the header, if one was sent.
    pub fn version(self) -> Option<u8> {
        match self {
            Sent::V1 => Some(1),
            Sent::V2 | Sent::V2Local => Some(2),
            _ => None,
        }
    }
}

/// What the client sent after the header.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Payload {
    /// A TLS ClientHello.
    Tls,
    /// An HTTP request.
    Http,
    /// Nothing: it waited for the server.
    Nothing,
    /// Other bytes (a command, data).
    Data,
}

/// What followed a banner.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum BannerAfter {
    /// Nothing, and the connection stayed open.
    Quiet,
    /// An error reply, or the server closed.
    Error,
    /// Other bytes (e.g. `221 Bye`).
    More,
}

/// What came back, classified.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum Reply {
    /// No bytes.
    Nothing,
    /// A TLS ServerHello.
    Handshake,
    /// A TLS alert.
    Alert {
        /// Its description code.
        description: u8,
    },
    /// An HTTP response, or plaintext (HTML, a text error) without a status line.
    Http {
        /// The status, when there is a status line.
        status: Option<u16>,
        /// The body says plaintext HTTP reached a TLS port (nginx, Go).
        plain_to_tls: bool,
    },
    /// A greeting that the server sent first.
    Banner {
        /// The protocol it names.
        app: App,
        /// What followed it.
        after: BannerAfter,
    },
    /// An error line or packet, without a banner first.
    Error {
        /// The error quotes the word PROXY (`-ERR unknown command 'PROXY'`).
        names_proxy: bool,
    },
    /// The client's own bytes came back.
    Echo {
        /// A PROXY header the client did not send came back first (a balancer added it).
        foreign: Option<u8>,
        /// That foreign header's source is the client's own address.
        names_client: bool,
        /// The client's own header came back (nothing consumed it).
        ours_back: bool,
    },
    /// Bytes none of the above.
    Other,
}

/// How the connection ended, as seen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum End {
    /// The server closed (FIN).
    Closed,
    /// The server reset.
    Reset,
    /// Still open when the observer stopped.
    Open,
    /// The connection was not made: it says nothing about the path's layers.
    NotConnected,
}

impl From<crate::diagnose::Ending> for End {
    /// The judge's ending in the model's words: a timeout and a deliberate stop both
    /// leave the connection open; a refusal is no connection at all.
    fn from(e: crate::diagnose::Ending) -> End {
        use crate::diagnose::Ending;
        match e {
            Ending::Closed => End::Closed,
            Ending::Reset => End::Reset,
            Ending::Timeout | Ending::Open => End::Open,
            Ending::Refused => End::NotConnected,
        }
    }
}

/// One exchange, typed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Observation {
    /// Which exchange (`attempt v1+wait`); empty where the context names it (decode's
    /// groups list their conversation ids).
    #[serde(skip_serializing_if = "String::is_empty")]
    pub label: String,
    /// The header sent.
    pub sent: Sent,
    /// What followed the header.
    pub payload: Payload,
    /// What came back.
    pub reply: Reply,
    /// How it ended.
    pub end: End,
}

impl Observation {
    /// A label for replies the one-word outcome undersells: an echo, a banner followed
    /// by an error, an error line. `None` for the rest.
    pub fn reply_label(&self) -> Option<String> {
        Some(match self.reply {
            Reply::Echo {
                foreign: Some(v),
                ours_back,
                ..
            } => format!(
                "echo: a foreign v{v} header{}, then the data",
                if ours_back { ", ours" } else { "" }
            ),
            Reply::Echo {
                ours_back: true, ..
            } => "echo: our header, then the data".into(),
            Reply::Echo { .. } => "echo: the data without our header".into(),
            Reply::Banner {
                app,
                after: BannerAfter::Error,
            } => format!("{} banner, then an error or a close", app.name()),
            Reply::Error { names_proxy: true } => "an error reply naming PROXY".into(),
            Reply::Error { .. } => "an error reply".into(),
            _ => return None,
        })
    }

    /// The exchange in a few words: `a v1 header then TLS → reset`.
    pub fn words(&self) -> String {
        let sent = match self.sent {
            Sent::None => "no header",
            Sent::V1 => "a v1 header",
            Sent::V2 => "a v2 header",
            Sent::V2Local => "a v2 LOCAL header",
            Sent::Other => "stacked or broken headers",
        };
        let payload = match self.payload {
            Payload::Tls => "TLS",
            Payload::Http => "HTTP",
            Payload::Nothing => "nothing",
            Payload::Data => "data",
        };
        let reply = match self.reply {
            Reply::Nothing => match self.end {
                End::Closed => "closed without a byte".to_string(),
                End::Reset => "reset".to_string(),
                End::Open => "no reply".to_string(),
                End::NotConnected => "no connection".to_string(),
            },
            Reply::Handshake => "TLS handshake".into(),
            Reply::Alert { description } => format!("TLS alert {description}"),
            Reply::Http {
                status: Some(s), ..
            } => format!("HTTP {s}"),
            Reply::Http { status: None, .. } => "plaintext without a status line".into(),
            Reply::Banner { app, after } => format!(
                "{} banner{}",
                app.name(),
                match after {
                    BannerAfter::Quiet => "",
                    BannerAfter::Error => " then an error or a close",
                    BannerAfter::More => " then more",
                }
            ),
            Reply::Error { .. } => "an error reply".into(),
            Reply::Echo {
                ours_back: true, ..
            } => "an echo with the header".into(),
            Reply::Echo {
                foreign: Some(_), ..
            } => "an echo after a header it did not send".into(),
            Reply::Echo { .. } => "an echo without the header".into(),
            Reply::Other => "other bytes".into(),
        };
        format!("{sent} then {payload} → {reply}")
    }
}

/// Classifies one exchange. `client` is everything the client sent (header included),
/// `server` what came back, `client_addr` the client's own address (to recognise a
/// foreign header that names it).
pub fn observe(
    label: impl Into<String>,
    client: &[u8],
    server: &[u8],
    end: End,
    client_addr: Option<SocketAddr>,
) -> Observation {
    let o = opening::analyze_lean(client);
    let s = sniff::sniff_lean(server);
    observe_analyzed(label, (&o, client), (&s, server), end, client_addr)
}

/// [`observe`] for bytes already analysed (the shared judge did it): the client's
/// opening with its bytes, the server's sniffed bytes with the bytes.
pub fn observe_analyzed(
    label: impl Into<String>,
    (o, client): (&opening::Opening, &[u8]),
    (s, server): (&sniff::Sniffed, &[u8]),
    end: End,
    client_addr: Option<SocketAddr>,
) -> Observation {
    let sent = match (o.headers.as_slice(), &o.problem) {
        ([], None) => Sent::None,
        ([h], None) if h.version.number() == 1 => Sent::V1,
        ([h], None) if h.command == proxy::Command::Local => Sent::V2Local,
        ([_], None) => Sent::V2,
        _ => Sent::Other,
    };
    let payload = match o.payload.as_ref().map(|p| p.kind) {
        Some(Kind::TlsClientHello | Kind::TlsRecord | Kind::Sslv2Hello) => Payload::Tls,
        Some(Kind::HttpRequest) => Payload::Http,
        Some(Kind::Empty) | None => Payload::Nothing,
        Some(_) => Payload::Data,
    };
    let header_len = o.payload_offset.min(client.len());
    let reply = reply(client, header_len, (s, server), end, client_addr);
    Observation {
        label: label.into(),
        sent,
        payload,
        reply,
        end,
    }
}

fn reply(
    client: &[u8],
    header_len: usize,
    (s, server): (&sniff::Sniffed, &[u8]),
    end: End,
    client_addr: Option<SocketAddr>,
) -> Reply {
    if server.is_empty() {
        return Reply::Nothing;
    }
    if let Some(e) = echo(client, header_len, server, client_addr) {
        return e;
    }
    match s.kind {
        Kind::TlsServerHello => Reply::Handshake,
        Kind::TlsAlert => Reply::Alert {
            description: s
                .tls
                .as_ref()
                .and_then(|t| t.alert.as_ref())
                .map_or(0, |a| a.description),
        },
        Kind::HttpResponse => Reply::Http {
            status: s.http.as_ref().and_then(|h| h.status),
            plain_to_tls: sniff::plaintext::says_plain_http_to_tls(server),
        },
        Kind::SshBanner | Kind::SmtpBanner | Kind::FtpBanner | Kind::Greeting => {
            let app = s
                .banner
                .as_ref()
                .and_then(|b| App::from_banner(b.protocol))
                .unwrap_or(App::Smtp);
            Reply::Banner {
                app,
                after: after_banner(app, server, end),
            }
        }
        _ if is_error(server) => Reply::Error {
            names_proxy: names_proxy(server),
        },
        _ if is_text(server) => Reply::Http {
            status: None,
            plain_to_tls: sniff::plaintext::says_plain_http_to_tls(server),
        },
        _ => Reply::Other,
    }
}

fn names_proxy(b: &[u8]) -> bool {
    sniff::plaintext::contains_ignore_case(&b[..b.len().min(512)], b"PROXY")
}

/// What follows the banner's first packet or line (an SMTP multi-line `220-` greeting
/// counts as one).
fn after_banner(app: App, server: &[u8], end: End) -> BannerAfter {
    let rest = if app == App::Mysql {
        let len = server.get(..3).map_or(0, |l| {
            usize::from(l[0]) | usize::from(l[1]) << 8 | usize::from(l[2]) << 16
        });
        server.get(4 + len..).unwrap_or(&[])
    } else {
        let mut rest = server;
        loop {
            let Some(i) = rest.iter().position(|&c| c == b'\n') else {
                rest = &[];
                break;
            };
            let line = &rest[..i];
            rest = &rest[i + 1..];
            if !(app == App::Smtp && line.starts_with(b"220-")) {
                break;
            }
        }
        rest
    };
    if rest.is_empty() {
        return match end {
            End::Closed | End::Reset => BannerAfter::Error,
            _ => BannerAfter::Quiet,
        };
    }
    if is_error(rest) || (app == App::Ssh) {
        BannerAfter::Error
    } else {
        BannerAfter::More
    }
}

/// The reply repeats what the client sent: with or without the client's header, and
/// possibly after headers the client did not send. An echo is never longer than what
/// was sent plus the headers peeled off its front, so a balancer's header that happens
/// to be byte-identical to the client's own (both name the same socket addresses) is
/// told apart by length.
fn echo(
    client: &[u8],
    header_len: usize,
    server: &[u8],
    client_addr: Option<SocketAddr>,
) -> Option<Reply> {
    let payload = &client[header_len..];
    let prefix_of = |r: &[u8], of: &[u8]| {
        !r.is_empty() && r.len() <= of.len() && of.starts_with(r) && r.len() >= 6.min(of.len())
    };
    let mut rest = server;
    let mut foreign = None;
    let mut names_client = false;
    for _ in 0..=4 {
        let found = |ours_back| {
            Some(Reply::Echo {
                foreign,
                names_client,
                ours_back,
            })
        };
        if header_len > 0 && prefix_of(rest, client) {
            return found(true);
        }
        if prefix_of(rest, payload) || (rest.is_empty() && foreign.is_some()) {
            return found(false);
        }
        let Inspection::Complete(h) = proxy::inspect(rest) else {
            return None;
        };
        if foreign.is_none() {
            foreign = Some(h.version.number());
            names_client =
                matches!((h.source, client_addr), (Some(s), Some(c)) if s.ip() == c.ip());
        }
        rest = &rest[h.length.min(rest.len())..];
    }
    None
}
