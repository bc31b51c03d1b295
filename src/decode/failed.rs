//! The rule that a failed conversation is never "no problem found" (sans-IO): when the
//! shared judge named nothing worse than `info`, but the conversation shows a failure
//! (TLS sent and no handshake, a reset, a banner then an error, an error reply, a
//! silence the client gave up on, a close right after a PROXY header), the path model
//! names what the bytes allow, and says so when they allow several causes.
//!
//! Rules: no I/O; a conversation whose reply the capture lost is never judged here.

use crate::diagnose::{Ending, not_expected_fixes, server_sent};
use crate::findings::{Code, Finding, Severity};
use crate::path::advice::Fate;
use crate::path::{self, App, BannerAfter, End, InFront, Observation, Payload, Reply, Sent};
use std::cell::RefCell;

/// The kind of an exchange: everything of an [`Observation`] the path model reads.
type ExchangeKind = (Sent, Payload, Reply, End);

/// Kinds whose header fate is remembered at most (per thread); then it starts over.
const MAX_FATES: usize = 4096;

thread_local! {
    /// The path model's answer per kind of exchange: it depends on the kind alone, and
    /// a capture holds thousands of conversations of a few kinds.
    static FATES: RefCell<super::hash::FxMap<ExchangeKind, Option<(Fate, App)>>> =
        RefCell::default();
}

/// [`path::advice::fate`] with every front in front, asked once per kind of exchange.
fn fate(o: &Observation) -> Option<(Fate, App)> {
    let key = (o.sent, o.payload, o.reply, o.end);
    FATES.with(|m| {
        let mut m = m.borrow_mut();
        if let Some(&known) = m.get(&key) {
            return known;
        }
        if m.len() >= MAX_FATES {
            m.clear();
        }
        let answer = path::advice::fate(&InFront::ALL, o);
        m.insert(key, answer);
        answer
    })
}

/// Why the conversation failed, if it visibly did.
pub fn failure(o: &Observation, ending: Ending) -> Option<&'static str> {
    match o.reply {
        Reply::Nothing if o.end == End::Reset => {
            Some("the server reset the connection without a byte")
        }
        Reply::Nothing if ending == Ending::Timeout => {
            Some("the server said nothing until the client gave up")
        }
        // A header alone (a health check) that the server leaves unanswered is normal.
        Reply::Nothing if o.end == End::Closed && o.payload != Payload::Nothing => {
            Some("the server closed the connection without a byte")
        }
        Reply::Banner {
            after: BannerAfter::Error,
            ..
        } => Some(if o.sent == Sent::None && o.payload == Payload::Nothing {
            "the server's banner was followed by an error or a close, though the client sent nothing"
        } else {
            "the server's banner was followed by an error or a close"
        }),
        Reply::Error { .. } => Some("the server answered with an error"),
        Reply::Echo {
            foreign: Some(_), ..
        } => Some("the reply begins with a PROXY header the client did not send"),
        _ if o.payload == Payload::Tls && o.reply != Reply::Handshake => {
            Some("TLS was sent and no handshake followed")
        }
        _ => None,
    }
}

/// The finding for a failed conversation that the judge left without one.
pub fn finding(o: &Observation, ending: Ending, why: &str, reply: &str) -> Finding {
    let version = o.sent.version();
    if let (Some(v), Reply::Nothing, End::Closed | End::Reset) = (version, o.reply, o.end) {
        let f = Finding::new(
            Code::ProxyHeaderNotExpected,
            Severity::Error,
            [
                why,
                ", right after the PROXY v",
                &v.to_string(),
                " header and before answering: it did not accept the header",
            ]
            .concat(),
        )
        .evidence("it has no PROXY reader and read the header as its own protocol, or its reader takes only the other PROXY version; the server's other conversations tell which (see `servers`)");
        return not_expected_fixes(f, None);
    }
    if let Reply::Echo {
        foreign: Some(v), ..
    } = o.reply
    {
        let f = Finding::new(
            Code::ProxyHeaderNotExpected,
            Severity::Error,
            [
                why,
                ": a balancer between adds a PROXY v",
                &v.to_string(),
                " header that the server behind it does not parse, and the server returned it as data",
            ]
            .concat(),
        )
        .evidence(server_sent(reply));
        return path::advice::fixes_for(Code::ProxyHeaderNotExpected, path::App::Echo, f);
    }
    if o.end != End::NotConnected
        && let Some(fate) = fate(o)
        && let Some(f) = path::advice::header_read_as_data(o, fate, reply)
    {
        return f;
    }
    if let Reply::Banner { app, after } = o.reply {
        if o.sent == Sent::None && o.payload == Payload::Nothing && after == BannerAfter::Error {
            let f = Finding::new(
                Code::ProxyHeaderNotExpected,
                Severity::Error,
                [
                    why,
                    ": something in front added bytes the ",
                    path::app_words(app),
                    " server read as a command: a balancer's PROXY header",
                ]
                .concat(),
            )
            .evidence(server_sent(reply));
            return path::advice::fixes_for(Code::ProxyHeaderNotExpected, app, f);
        }
        if o.payload != Payload::Tls {
            return Finding::new(
                Code::ProtocolMismatch,
                Severity::Warning,
                [
                    why,
                    ": the client spoke another protocol to a server that speaks first (",
                    path::app_words(app),
                    ")",
                ]
                .concat(),
            )
            .evidence(server_sent(reply))
            .fix("point the client at the port of the protocol it speaks");
        }
        if o.payload == Payload::Tls {
            return Finding::new(
                Code::TlsToPlaintextPort,
                Severity::Error,
                [
                    "TLS was sent to a server that speaks first in plaintext (a ",
                    path::app_words(app),
                    " banner)",
                ]
                .concat(),
            )
            .evidence(server_sent(reply))
            .fix("use the service's implicit-TLS port (SMTPS 465, IMAPS 993, POP3S 995) or its STARTTLS command, or point the TLS client (or the balancer's TLS listener) at a TLS port");
        }
    }
    let code = match (o.reply, o.end) {
        (Reply::Nothing, End::Reset) => Code::ConnectionReset,
        (Reply::Nothing, _) if ending == Ending::Timeout => Code::TargetSilent,
        (Reply::Nothing, _) => Code::ConnectionClosed,
        _ => Code::TlsHandshakeFailed,
    };
    Finding::new(
        code,
        Severity::Warning,
        [why, "; this conversation alone does not show why"].concat(),
    )
    .evidence(server_sent(reply))
    .fix("compare with this server's other conversations (`servers` in the JSON report), or ask it directly: `ppdiag probe SERVER:PORT`")
}
