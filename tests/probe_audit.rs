//! `probe --audit` against real receivers configured wide and narrow: does a header
//! from this machine (not a balancer) make the target believe a claimed client address?
//! nginx 1.22 with `set_real_ip_from 0.0.0.0/0` (wide) and `10.0.0.0/8` (narrow),
//! HAProxy 2.6 with `accept-proxy` (wide) and `tcp-request connection expect-proxy
//! layer4 if { src 10.0.0.0/8 }` (narrow), ppdiag serve without and with `--trusted`.
//! Each reply shows the client address the receiver believed.

mod common;
use common::peers;
use common::serve::Serve;

use common::process::*;
use peers::*;
use serde_json::Value;

fn audit(port: u16) -> Value {
    let (_, v) = ppdiag_json(&[
        "probe",
        &format!("127.0.0.1:{port}"),
        "--audit",
        "--timeout",
        "2s",
    ]);
    v["probes"][0].clone()
}

fn trust_finding(r: &Value) -> Option<String> {
    r["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["code"] == "proxy-trust-too-wide")
        .map(|f| f["severity"].as_str().unwrap().to_string())
}

/// The `claim` trial, when one ran (none runs when the target accepts no header from
/// here at all).
fn claim(r: &Value) -> Option<&Value> {
    r["audit"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["name"] == "claim")
}

#[test]
fn wide_receivers_are_flagged_and_narrow_ones_pass() {
    if !need("nginx") || !need("haproxy") {
        return;
    }
    let c = certs();
    let (nw, nn, hw, hn, back) = (
        free_port(),
        free_port(),
        free_port(),
        free_port(),
        free_port(),
    );
    let ndir = c.dir.path().join("nginx");
    std::fs::create_dir_all(&ndir).unwrap();
    let show = "location / { return 200 \"client=$remote_addr\\n\"; }";
    let _n = nginx(
        &format!(
            "server {{ listen 127.0.0.1:{nw} proxy_protocol; set_real_ip_from 0.0.0.0/0; real_ip_header proxy_protocol; {show} }}\n\
             server {{ listen 127.0.0.1:{nn} proxy_protocol; set_real_ip_from 10.0.0.0/8; real_ip_header proxy_protocol; {show} }}\n\
             server {{ listen 127.0.0.1:{back}; {show} }}\n"
        ),
        &[nw, nn, back],
        &ndir,
    );
    let hdir = c.dir.path().join("haproxy");
    std::fs::create_dir_all(&hdir).unwrap();
    let ret =
        "http-request return status 200 content-type text/plain lf-string \"client=%[src]\\n\"";
    let _h = haproxy(
        &format!(
            "frontend wide\n  bind 127.0.0.1:{hw} accept-proxy\n  {ret}\n\
             frontend narrow\n  bind 127.0.0.1:{hn}\n  tcp-request connection expect-proxy layer4 if {{ src 10.0.0.0/8 }}\n  {ret}\n"
        ),
        &[hw, hn],
        &hdir,
    );
    for (port, who, wide) in [
        (nw, "nginx set_real_ip_from 0.0.0.0/0", true),
        (nn, "nginx set_real_ip_from 10.0.0.0/8", false),
        (hw, "HAProxy accept-proxy", true),
        (hn, "HAProxy expect-proxy if src 10/8", false),
    ] {
        let r = audit(port);
        if wide {
            assert_eq!(trust_finding(&r).as_deref(), Some("error"), "{who}: {r:#}");
            assert_eq!(
                claim(&r).unwrap()["reflected"],
                "192.0.2.77",
                "{who}: {r:#}"
            );
        } else {
            assert_ne!(trust_finding(&r).as_deref(), Some("error"), "{who}: {r:#}");
            assert!(
                claim(&r).is_none_or(|c| c["reflected"].is_null()),
                "{who}: {r:#}"
            );
        }
    }
}

#[test]
fn serve_without_and_with_trusted() {
    for (trusted, wide) in [(None, true), (Some("10.0.0.0/8"), false)] {
        let mut args = vec!["--proxy", "required"];
        if let Some(t) = trusted {
            args.extend(["--trusted", t]);
        }
        let serve = Serve::on_any_port(&args);
        let port = serve.addr().port();
        let r = audit(port);
        let want = if wide { Some("error") } else { Some("info") };
        assert_eq!(trust_finding(&r).as_deref(), want, "{trusted:?}: {r:#}");
    }
}

/// dovecot with `haproxy = yes`: trusting this machine's network (wide), a header from
/// here is accepted and the greeting follows (belief is not visible in IMAP: a warning);
/// trusting 10.0.0.0/8 only (narrow), the header is refused.
#[test]
fn dovecot_wide_and_narrow() {
    let Some(wide) = peers::daemons::dovecot_trusting(true, "127.0.0.0/8") else {
        return;
    };
    let r = audit(wide.imap);
    assert_eq!(trust_finding(&r).as_deref(), Some("warning"), "{r:#}");
    let Some(narrow) = peers::daemons::dovecot_trusting(true, "10.0.0.0/8") else {
        return;
    };
    let r = audit(narrow.imap);
    assert_eq!(trust_finding(&r), None, "{r:#}");
}
