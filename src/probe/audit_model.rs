//! `probe --audit`, the sans-IO part: the client addresses the audit claims, whether a
//! reply shows that a claim was believed, and the findings.
//!
//! Rules: no I/O. Claims use documentation addresses (RFC 5737 192.0.2.0/24 and
//! 198.51.100.0/24, RFC 3849 2001:db8::/32), so a reply that shows one can only have
//! taken it from the header. A header the target accepts but whose address it does not
//! show is not proof of belief: a receiver may parse headers from anyone and believe
//! them only from its trusted balancers (nginx `set_real_ip_from`); the finding says
//! what was and was not visible.

use crate::findings::{Code, Finding, Severity};
use serde::Serialize;
use std::net::{IpAddr, SocketAddr};

/// The client address the audit claims in its header.
pub fn claim_a(v6: bool) -> SocketAddr {
    if v6 {
        "[2001:db8::77]:40404".parse().expect("an address")
    } else {
        "192.0.2.77:40404".parse().expect("an address")
    }
}

/// The address a second, stacked header claims.
pub fn claim_b(v6: bool) -> SocketAddr {
    if v6 {
        "[2001:db8::88]:40405".parse().expect("an address")
    } else {
        "198.51.100.88:40405".parse().expect("an address")
    }
}

/// The reply shows this address as the client: in a JSON body with a `client` field
/// (ppdiag serve's reply, which also quotes the header itself), that field; in any other
/// reply, the address anywhere in it (nginx `return 200 $remote_addr`, HAProxy `%[src]`).
pub fn reflects(reply: &[u8], ip: IpAddr) -> bool {
    let needle = ip.to_string();
    let has = |b: &[u8]| b.windows(needle.len()).any(|w| w == needle.as_bytes());
    let body = reply
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .map_or(reply, |i| &reply[i + 4..]);
    if let Ok(v) = serde_json::from_slice::<serde_json::Value>(body.trim_ascii())
        && let Some(client) = v.get("client").and_then(|c| c.as_str())
    {
        return has(client.as_bytes());
    }
    has(reply)
}

/// What one audit trial saw.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AuditTrial {
    /// `claim`, `stacked` or `in-tls` (the header as the first bytes inside TLS).
    pub name: &'static str,
    /// The attempt it varies.
    pub of: String,
    /// The addresses claimed, in order.
    pub claimed: Vec<SocketAddr>,
    /// The target answered as to a header it accepted.
    pub accepted: bool,
    /// The claimed address the reply shows, if any.
    pub reflected: Option<IpAddr>,
    /// Whether the reply could show an address at all (a plaintext reply or an echo).
    pub visible: bool,
    /// What came back, in words.
    pub result: String,
}

const FIXES: &[&str] = &[
    "trust the addresses in a header only from the balancers: nginx `set_real_ip_from <balancer CIDR>;` (never 0.0.0.0/0) with `real_ip_header proxy_protocol;`",
    "Traefik: `proxyProtocol.trustedIPs=[<balancer CIDR>]`, not `proxyProtocol.insecure`",
    "HAProxy: `tcp-request connection expect-proxy layer4 if { src <balancer CIDR> }` instead of `accept-proxy` on the `bind`",
    "go-proxyproto: a policy function that returns REQUIRE (or USE) for the balancers' addresses and REJECT or IGNORE for the rest; dovecot `haproxy_trusted_networks`, MariaDB `proxy_protocol_networks`, ppdiag serve `--trusted`: the balancers only",
    "or keep the backend out of reach of anything but the balancers (security groups, network policies): a byte-transparent balancer in front of it passes a client's own header through",
];

/// The findings from the trials; `from` is this machine's address as the target saw it.
pub fn findings(trials: &[AuditTrial], from: IpAddr) -> Vec<Finding> {
    let mut out = Vec::new();
    let claim = trials.iter().find(|t| t.name == "claim");
    if let Some(t) = claim {
        if let Some(ip) = t.reflected {
            let mut f = Finding::new(
                Code::ProxyTrustTooWide,
                Severity::Error,
                format!(
                    "the target believes a PROXY header from {from}: it took the claimed client {ip} from the header and showed it in its reply"
                ),
            )
            .evidence(format!("trial claim (of {}): {}", t.of, t.result))
            .evidence("if this machine is not one of the balancers, anyone who reaches the target can choose the client address its logs, rate limits and allow-lists see");
            for fix in FIXES {
                f = f.fix(*fix);
            }
            out.push(f);
        } else if t.accepted && t.visible {
            out.push(
                Finding::new(
                    Code::ProxyTrustTooWide,
                    Severity::Info,
                    format!("the target accepts a PROXY header from {from}, but its reply shows no claimed address: it parses headers from here without believing them (as nginx outside `set_real_ip_from` does)"),
                )
                .evidence(format!("trial claim (of {}): {}", t.of, t.result)),
            );
        } else if t.accepted {
            out.push(
                Finding::new(
                    Code::ProxyTrustTooWide,
                    Severity::Warning,
                    format!("the target accepts a PROXY header from {from}; whether it believes the claimed address is not visible from here (its reply shows no client address)"),
                )
                .evidence(format!("trial claim (of {}): {}", t.of, t.result))
                .evidence("a server that speaks first and greets after a header (dovecot, postfix, MariaDB) uses the header's address: from a source that is not a balancer, that is a forged client")
                .fix(FIXES[0])
                .fix(FIXES[3]),
            );
        }
    }
    if let Some(t) = trials.iter().find(|t| t.name == "stacked") {
        let second = t.claimed.get(1).map(|a| a.ip());
        if t.reflected.is_some() && t.reflected == second {
            let mut f = Finding::new(
                Code::ProxyHeaderDuplicated,
                Severity::Error,
                "a second, stacked PROXY header is taken as the client address: a client behind a balancer can send its own header after the balancer's and choose its address",
            )
            .evidence(format!("trial stacked (of {}): {}", t.of, t.result));
            for fix in FIXES {
                f = f.fix(*fix);
            }
            out.push(f);
        }
    }
    if let Some(t) = trials.iter().find(|t| t.name == "in-tls")
        && let Some(ip) = t.reflected
    {
        out.push(in_tls_finding(t, ip));
    }
    out
}

/// A header sent inside TLS was believed: the TLS terminator passes the decrypted bytes
/// on to a reader of PROXY and adds no header of its own (HAProxy `mode tcp` with `bind
/// ... ssl crt` and no `send-proxy`, in front of nginx `listen ... proxy_protocol`).
fn in_tls_finding(t: &AuditTrial, ip: IpAddr) -> Finding {
    Finding::new(
        Code::ProxyTrustTooWide,
        Severity::Error,
        format!(
            "a PROXY header sent inside TLS was believed: the reply shows the claimed client {ip}. The TLS terminator forwards the decrypted bytes to a backend that reads PROXY without adding a header of its own, so any client can choose the address the backend sees"
        ),
    )
    .evidence(format!("trial in-tls (of {}): {}", t.of, t.result))
    .fix("make the TLS terminator send its own header to the backend: HAProxy `server ... send-proxy` or `send-proxy-v2`; a header a client puts inside TLS then arrives after it, as data")
    .fix("or trust the addresses in a header only from the balancers, and make the backend not read PROXY at all where nothing sends it: nginx `set_real_ip_from <balancer CIDR>;` (never 0.0.0.0/0)")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(
        name: &'static str,
        accepted: bool,
        reflected: Option<IpAddr>,
        visible: bool,
    ) -> AuditTrial {
        AuditTrial {
            name,
            of: "v1+http".into(),
            claimed: vec![claim_a(false), claim_b(false)],
            accepted,
            reflected,
            visible,
            result: String::new(),
        }
    }

    #[test]
    fn belief_is_proven_only_by_the_reply() {
        let me: IpAddr = "127.0.0.1".parse().unwrap();
        let a = claim_a(false).ip();
        let f = findings(&[t("claim", true, Some(a), true)], me);
        assert_eq!(
            (f[0].code, f[0].severity),
            (Code::ProxyTrustTooWide, Severity::Error)
        );
        let f = findings(&[t("claim", true, None, true)], me);
        assert_eq!(f[0].severity, Severity::Info);
        let f = findings(&[t("claim", false, None, true)], me);
        assert!(f.is_empty());
        let b = claim_b(false).ip();
        let f = findings(&[t("stacked", true, Some(b), true)], me);
        assert_eq!(f[0].code, Code::ProxyHeaderDuplicated);
        assert!(reflects(b"client=192.0.2.77:40404", a));
        // serve's record quotes the header; only its `client` says what was believed.
        let serve = b"HTTP/1.1 200 OK\r\n\r\n{\"client\":\"127.0.0.1:5000\",\"proxy\":{\"source\":\"192.0.2.77:40404\"}}";
        assert!(!reflects(serve, a));
        assert!(!reflects(b"client=192.0.2.7:40404", a));
        let mut inner = t("in-tls", true, Some(a), true);
        inner.claimed.truncate(1);
        let f = findings(&[inner], me);
        assert_eq!(
            (f[0].code, f[0].severity),
            (Code::ProxyTrustTooWide, Severity::Error)
        );
        assert!(f[0].summary.contains("inside TLS"));
        assert!(findings(&[t("in-tls", false, None, true)], me).is_empty());
    }
}
