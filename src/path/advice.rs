//! What to tell a user about a PROXY header and a server that is not the web's
//! (sans-IO): the fixes per product and protocol, and the judgement of one exchange
//! (`send`) by the path model.
//!
//! Sources: postfix `smtpd_upstream_proxy_protocol` (postconf(5)), Exim `hosts_proxy`
//! (Exim specification, "Proxies"), dovecot `haproxy_trusted_networks` and the
//! listener's `haproxy = yes` (Dovecot documentation, HAProxy), MariaDB
//! `proxy_protocol_networks` (MariaDB server system variables), nginx stream
//! `proxy_protocol` (ngx_stream_proxy_module, ngx_stream_core_module), HAProxy
//! `accept-proxy` / `send-proxy` (HAProxy configuration manual). OpenSSH and Redis have
//! no PROXY support.

use super::{App, End, InFront, Observation, Payload, Sent};
use crate::findings::{Code, Finding, Severity};

/// Fixes that make the server read the header, per application.
pub fn parse_fixes(app: App) -> &'static [&'static str] {
    match app {
        App::Smtp => &[
            "postfix: `smtpd_upstream_proxy_protocol = haproxy` (main.cf, or `-o smtpd_upstream_proxy_protocol=haproxy` on the master.cf service; v1, v2 from Postfix 3.5)",
            "Exim: `hosts_proxy = <balancer CIDR>`",
        ],
        App::Imap | App::Pop3 => &[
            "dovecot: `haproxy_trusted_networks = <balancer CIDR>` and `haproxy = yes` inside the `inet_listener` block",
        ],
        App::Mysql => &[
            "MariaDB: `proxy_protocol_networks = <balancer CIDR>` in the [mysqld] section (MySQL has no PROXY support)",
        ],
        App::Ssh => &["OpenSSH has no PROXY support: stop sending the header to it"],
        App::Redis => &["Redis has no PROXY support: stop sending the header to it"],
        App::Ftp => &["ProFTPD: `mod_proxy_protocol`; vsftpd has no PROXY support"],
        App::Echo | App::Closes | App::Silent => &[
            "nginx stream: `listen <port> proxy_protocol;`; HAProxy `mode tcp`: `bind :<port> accept-proxy`",
        ],
        App::Tls | App::Http => &[],
    }
}

/// How to stop requiring the header, per application.
pub fn dont_require(app: App) -> &'static str {
    match app {
        App::Smtp => {
            "or, if nothing in front sends PROXY, stop requiring it: postfix: remove `smtpd_upstream_proxy_protocol`; Exim: remove the client from `hosts_proxy`"
        }
        App::Imap | App::Pop3 => {
            "or, if nothing in front sends PROXY, stop requiring it: dovecot: `haproxy = no` on the listener, or leave this client out of `haproxy_trusted_networks`"
        }
        App::Mysql => {
            "or, if nothing in front sends PROXY, leave this client out of MariaDB's `proxy_protocol_networks`"
        }
        _ => {
            "or, if nothing in front sends PROXY, stop requiring it: nginx stream: drop `proxy_protocol` from `listen`; HAProxy: drop `accept-proxy`"
        }
    }
}

pub const STOP_SENDING: &str = "or stop sending it: HAProxy: drop `send-proxy`/`send-proxy-v2` from the `server` line; nginx stream: `proxy_protocol off`; AWS NLB target group attribute `proxy_protocol_v2.enabled=false`";
pub const SEND: &str = "make the balancer send the header: HAProxy `send-proxy` or `send-proxy-v2` on the `server` line; nginx stream `proxy_protocol on`; AWS NLB target group attribute `proxy_protocol_v2.enabled=true`";

/// The fixes for `code` on a server speaking `app`.
pub fn fixes_for(code: Code, app: App, f: Finding) -> Finding {
    let mut f = f;
    match code {
        Code::ProxyHeaderNotExpected if matches!(app, App::Tls | App::Http) => {
            crate::diagnose::not_expected_fixes(f, None)
        }
        Code::ProxyHeaderNotExpected => {
            let parse = parse_fixes(app);
            f.fixes.reserve(parse.len() + 1);
            for fix in parse {
                f = f.fix(*fix);
            }
            f.fix(STOP_SENDING)
        }
        Code::ProxyHeaderMissing => f.fix(SEND).fix(dont_require(app)),
        Code::ProxyVersionUnsupported => f.fix("make the balancer send the version the server reads (HAProxy `send-proxy` is v1, `send-proxy-v2` is v2; AWS NLB sends v2 only)"),
        Code::ConnectionClosed => f
            .fix("check that the balancer reaches its backends (its log, its health checks) and that this source address is allowed")
            .fix("probe the backend directly from the balancer's network: `ppdiag probe BACKEND:PORT`"),
        _ => f,
    }
}

/// How a server speaking `app` reads a PROXY header it does not parse.
pub fn reads_as(app: App) -> &'static str {
    match app {
        App::Smtp | App::Ftp | App::Imap | App::Pop3 | App::Redis => {
            "a command and answers it with an error"
        }
        App::Ssh => "its identification string and drops the connection",
        App::Mysql => "a client packet and drops the connection",
        App::Echo => "data and returns it",
        App::Tls => "the start of the TLS handshake",
        App::Http => "the request line",
        App::Closes | App::Silent => "data",
    }
}

/// What happened to the header of one exchange, agreed by every explanation that fits
/// it best.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fate {
    /// A reader consumed it.
    Consumed,
    /// It reached the application as data.
    Data,
    /// A reader refused it.
    Refused,
}

/// The fate of the header in `o`, when every best explanation with one of `fronts` in
/// front agrees.
pub fn fate(fronts: &[InFront], o: &Observation) -> Option<(Fate, App)> {
    o.sent.version()?;
    let (kept, _) = super::best(fronts, std::slice::from_ref(o));
    let mut fates = kept.iter().map(|h| {
        let f = match super::predict::deliver(h.front, h.reader, o.sent, o.payload) {
            super::predict::Delivery::Received { ours: true, .. } => Fate::Data,
            super::predict::Delivery::Received { .. } => Fate::Consumed,
            _ => Fate::Refused,
        };
        (f, h.app)
    });
    let first = fates.next()?;
    fates.all(|f| f.0 == first.0).then_some(first)
}

/// `send`'s finding for a header that every explanation says reached the application
/// as data, when the exchange's own judge named no cause for it.
pub fn sent_header_finding(o: &Observation, reply: &str, already: &[Finding]) -> Option<Finding> {
    sent_header_finding_with(&InFront::ALL, o, reply, already)
}

/// [`sent_header_finding`] with these fronts (`decode` sees every header on the wire:
/// only [`InFront::None`]).
pub fn sent_header_finding_with(
    fronts: &[InFront],
    o: &Observation,
    reply: &str,
    already: &[Finding],
) -> Option<Finding> {
    if already
        .iter()
        .any(|f| f.code == Code::ProxyHeaderNotExpected)
        || o.end == End::NotConnected
    {
        return None;
    }
    header_read_as_data(o, fate(fronts, o)?, reply)
}

/// The finding of [`sent_header_finding_with`] once the header's fate is known (`fate`
/// with every front in front, which depends only on the exchange's kind: decode asks it
/// once per kind).
pub fn header_read_as_data(
    o: &Observation,
    (fate, app): (Fate, App),
    reply: &str,
) -> Option<Finding> {
    if fate != Fate::Data || o.end == End::NotConnected {
        return None;
    }
    if matches!(app, App::Tls | App::Http) && o.payload != Payload::Nothing {
        // The web rules of the exchange judge already cover these.
        return None;
    }
    let version = if o.sent == Sent::V1 { "v1" } else { "v2" };
    let f = Finding::new(
        Code::ProxyHeaderNotExpected,
        Severity::Error,
        [
            "the server did not parse the PROXY ",
            version,
            " header: it read it as ",
            reads_as(app),
        ]
        .concat(),
    )
    .evidence(crate::diagnose::server_sent(reply));
    Some(fixes_for(Code::ProxyHeaderNotExpected, app, f))
}
