//! What each hypothesis predicts for one observation (sans-IO): first what the
//! application receives ([`deliver`]: the bytes as sent, headers left in them as data,
//! a refusal by the PROXY reader, or a reader still waiting for its header), then
//! whether the reply fits what such an application does with that ([`fit`]).
//!
//! Rules: a reply a hypothesis cannot produce is [`Fit::No`]; one it can produce but
//! rarely does is [`Fit::Weak`] (a plaintext server answering a clean GET with 400, a
//! TLS server closing on a clean ClientHello). Sources for the reactions: RFC 8446
//! (TLS alerts), the PROXY protocol specification (a reader that requires a header
//! drops a connection without one), and the real servers in `tests/`.

use super::observe::{BannerAfter, End, Observation, Payload, Reply, Sent};
use super::{App, Fit, Hypothesis, InFront, Reader};

/// What the application behind the PROXY reader gets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Delivery {
    /// The bytes reach the application; `foreign` / `ours`: a header from the balancer
    /// / from the client is left in them as data.
    Received {
        /// The balancer's header is in the data.
        foreign: bool,
        /// The client's header is in the data.
        ours: bool,
    },
    /// The reader refuses the connection (no header, or one it does not parse).
    Refused,
    /// The reader still waits for a header (nothing was sent).
    Waiting,
}

/// What the application gets when `front` adds its header, `reader` reads, and the
/// client sends `ours` then `payload`.
pub fn deliver(front: InFront, reader: Reader, ours: Sent, payload: Payload) -> Delivery {
    let data = |foreign, ours| Delivery::Received { foreign, ours };
    let ours_sent = ours.version().is_some();
    if reader.reads == super::Reads::Nothing {
        return data(front.version().is_some(), ours_sent);
    }
    let first = front.version().or(ours.version());
    match first {
        None if reader.required => match payload {
            Payload::Nothing => Delivery::Waiting,
            _ => Delivery::Refused,
        },
        None => data(false, false),
        Some(v) if !reader.reads.takes(v) => Delivery::Refused,
        // The first header is consumed; a client header after a balancer's is data.
        Some(_) => data(false, front.version().is_some() && ours_sent),
    }
}

/// How well the observation fits the hypothesis.
pub fn fit(h: &Hypothesis, o: &Observation) -> Fit {
    if o.end == End::NotConnected || o.sent == Sent::Other {
        return Fit::Strong;
    }
    if h.app == App::Closes {
        return closes(o);
    }
    if h.app == App::Silent {
        return strong_if(silent(o));
    }
    match deliver(h.front, h.reader, o.sent, o.payload) {
        Delivery::Refused => refused(o),
        Delivery::Waiting => waiting(o),
        Delivery::Received { foreign, ours } => {
            let headers = foreign || ours;
            match h.app {
                App::Tls => tls(o, headers),
                App::Http => http(o, headers),
                App::Redis => {
                    let first_data = if foreign {
                        h.front.version()
                    } else if ours {
                        o.sent.version()
                    } else {
                        None
                    };
                    redis(o, first_data)
                }
                App::Echo => echo(o, foreign.then(|| h.front.version()).flatten(), ours),
                App::Closes => closes(o),
                App::Silent => strong_if(silent(o)),
                _ => speaks_first(h.app, o, headers),
            }
        }
    }
}

fn nothing(o: &Observation) -> Option<End> {
    (o.reply == Reply::Nothing).then_some(o.end)
}

fn closed(o: &Observation) -> bool {
    matches!(nothing(o), Some(End::Closed | End::Reset))
}

fn silent(o: &Observation) -> bool {
    nothing(o) == Some(End::Open)
}

fn strong_if(b: bool) -> Fit {
    if b { Fit::Strong } else { Fit::No }
}

fn closes(o: &Observation) -> Fit {
    strong_if(closed(o))
}

/// A PROXY reader drops what it cannot parse: nginx resets, HAProxy and go-proxyproto
/// close; a reader that waits for a line end stays silent.
fn refused(o: &Observation) -> Fit {
    if closed(o) {
        Fit::Strong
    } else if silent(o) || matches!(o.reply, Reply::Error { .. }) {
        Fit::Weak
    } else {
        Fit::No
    }
}

/// A reader waiting for its header says nothing; its own header timeout may close.
fn waiting(o: &Observation) -> Fit {
    if silent(o) {
        Fit::Strong
    } else if closed(o) || matches!(o.reply, Reply::Error { .. }) {
        Fit::Weak
    } else {
        Fit::No
    }
}

/// Any failure a TLS stack can give to bytes that are not a ClientHello: a plaintext
/// 400 (nginx, Go), an alert, a close, other bytes. Not an HTTP success: a 2xx or 3xx
/// answer means something read the bytes as HTTP and served them.
fn tls_refusal(o: &Observation) -> bool {
    match o.reply {
        Reply::Http {
            status: Some(s), ..
        } => s >= 400,
        Reply::Alert { .. } | Reply::Other | Reply::Http { .. } => true,
        _ => closed(o),
    }
}

fn tls(o: &Observation, headers: bool) -> Fit {
    match (headers, o.payload) {
        (_, Payload::Nothing) => strong_if(silent(o) || (headers && tls_refusal(o))),
        (false, Payload::Tls) => match o.reply {
            Reply::Handshake => Fit::Strong,
            Reply::Alert { description } if ![10, 50, 22].contains(&description) => Fit::Strong,
            Reply::Alert { .. } => Fit::Weak,
            _ if closed(o) => Fit::Weak,
            _ => Fit::No,
        },
        (true, Payload::Http) => match o.reply {
            // The header was read as the request: no "plain HTTP" body.
            Reply::Http {
                plain_to_tls: true, ..
            } => Fit::No,
            _ if tls_refusal(o) => Fit::Strong,
            _ if silent(o) => Fit::Weak,
            _ => Fit::No,
        },
        (_, _) => {
            if tls_refusal(o) {
                Fit::Strong
            } else if silent(o) {
                Fit::Weak
            } else {
                Fit::No
            }
        }
    }
}

fn http(o: &Observation, headers: bool) -> Fit {
    let status = match o.reply {
        Reply::Http {
            plain_to_tls: true, ..
        } => return Fit::No,
        Reply::Http { status, .. } => Some(status),
        _ => None,
    };
    let error = matches!(status, Some(Some(400..=599)));
    match (headers, o.payload) {
        (_, Payload::Nothing) => {
            if silent(o) || (headers && (error || closed(o))) {
                Fit::Strong
            } else if headers && status.is_some() {
                Fit::Weak
            } else {
                Fit::No
            }
        }
        (false, Payload::Http) => match status {
            Some(Some(400)) => Fit::Weak,
            Some(_) => Fit::Strong,
            None if closed(o) => Fit::Weak,
            None => Fit::No,
        },
        (false, _) => {
            if error || closed(o) {
                Fit::Strong
            } else if status.is_some() || o.reply == Reply::Other || silent(o) {
                Fit::Weak
            } else {
                Fit::No
            }
        }
        (true, _) => {
            if error || closed(o) {
                Fit::Strong
            } else if silent(o) || status == Some(None) {
                Fit::Weak
            } else {
                Fit::No
            }
        }
    }
}

/// Redis reads inline commands to the line end: a v1 line draws `-ERR unknown command
/// 'PROXY'` at once; after a v2 header it waits and answers nothing more (seen with
/// Redis 7.0: the signature's NUL stops its inline parser). An HTTP request makes it
/// drop the connection (`Host:` is its cross-protocol scripting guard), possibly
/// before the reply is written. A ClientHello (binary, with NULs) gets silence.
fn redis(o: &Observation, first_data: Option<u8>) -> Fit {
    let erred = matches!(o.reply, Reply::Error { names_proxy: true });
    let any_error = matches!(o.reply, Reply::Error { .. });
    match (first_data, o.payload) {
        (Some(1), Payload::Http) => strong_if(erred || closed(o)),
        (Some(1), _) => strong_if(erred),
        (Some(_), _) => strong_if(silent(o)),
        (None, Payload::Nothing) => strong_if(silent(o)),
        (None, Payload::Http) => strong_if(closed(o) || (any_error && !erred)),
        (None, _) => {
            if silent(o) || (any_error && !erred) || closed(o) {
                Fit::Strong
            } else {
                Fit::No
            }
        }
    }
}

fn echo(o: &Observation, foreign: Option<u8>, ours: bool) -> Fit {
    match o.reply {
        Reply::Echo {
            foreign: f,
            ours_back,
            ..
        } => strong_if(f == foreign && ours_back == ours),
        // Nothing was sent and no header was added: nothing to echo.
        Reply::Nothing if o.payload == Payload::Nothing && foreign.is_none() && !ours => {
            strong_if(silent(o))
        }
        // An echo service whose reply was cut off by the observer.
        Reply::Nothing => Fit::Weak,
        _ => Fit::No,
    }
}

fn speaks_first(app: App, o: &Observation, headers: bool) -> Fit {
    let Reply::Banner { app: seen, after } = o.reply else {
        // A speaks-first server greets every connection its reader lets through.
        return Fit::No;
    };
    if seen != app {
        return Fit::No;
    }
    match (headers, o.payload, after) {
        (false, Payload::Nothing, BannerAfter::Quiet) => Fit::Strong,
        (false, Payload::Nothing, BannerAfter::More) => Fit::Weak,
        (false, Payload::Nothing, BannerAfter::Error) => Fit::No,
        (true, Payload::Nothing, BannerAfter::Quiet) => Fit::Weak,
        _ => Fit::Strong,
    }
}
