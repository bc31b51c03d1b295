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

/// go-proxyproto 0.4.2 with the listener's `Policy` a function of the upstream address.
/// What it really does with a header from a source it does not trust (recorded by hand
/// against this server, and checked here through the audit):
/// - `func-use` (USE for every source): the header's address becomes `RemoteAddr`
///   (`remote=192.0.2.77:40404`): wide, flagged;
/// - `strict` (`MustStrictWhiteListPolicy(["10.0.0.0/8"])`: REJECT from 127.0.0.1): the
///   first read fails with `ErrSuperfluousProxyHeader`, which net/http answers with
///   `HTTP/1.1 400 Bad Request` and a close; without a header the request is served: the
///   header attempts fail, no claim is tried, nothing is flagged;
/// - `lax` (`MustLaxWhiteListPolicy(["10.0.0.0/8"])`: IGNORE from 127.0.0.1): the header
///   is read and dropped, the request is served with the real address
///   (`proxy=none remote=127.0.0.1:…`): accepted, not believed, `info`.
///
/// Under USE and IGNORE a second, stacked header is not read as one: net/http gets it as
/// the request line and answers `400 Bad Request`. A policy function that returns an
/// error makes `Listener.Accept` close the connection and return the error, which stops
/// `http.Server.Serve` (read in the 0.4.2 source, protocol.go; not exercised here).
#[test]
fn go_proxyproto_policy_functions_wide_and_narrow() {
    let Some(bin) = go_server_binary() else {
        return;
    };
    for (mode, want) in [
        ("func-use", Some("error")),
        ("strict", None),
        ("lax", Some("info")),
    ] {
        let port = free_port();
        let _g = go_server(&bin, port, None, mode);
        let r = audit(port);
        assert_eq!(trust_finding(&r).as_deref(), want, "{mode}: {r:#}");
        if let Some(t) = r["audit"]
            .as_array()
            .unwrap()
            .iter()
            .find(|t| t["name"] == "stacked")
        {
            assert!(
                t["result"].as_str().unwrap().contains("400"),
                "{mode}: {t:#}"
            );
        }
        match mode {
            "func-use" => assert_eq!(claim(&r).unwrap()["reflected"], "192.0.2.77", "{r:#}"),
            "strict" => {
                assert!(claim(&r).is_none(), "{r:#}");
                let refused = r["attempts"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .filter(|a| a["header"] != "none" && a["payload"] == "http")
                    .all(|a| a["first_bytes"].as_str().unwrap_or("").contains(" 400 "));
                assert!(refused, "strict: every header drew 400 Bad Request: {r:#}");
            }
            _ => {
                let c = claim(&r).unwrap();
                assert!(c["accepted"] == true && c["reflected"].is_null(), "{r:#}");
            }
        }
    }
}

/// A header after the TLS handshake (sender in the wrong layer): HAProxy 2.6 `mode tcp`
/// terminates TLS (`bind ... ssl crt`) in front of nginx 1.22 `listen proxy_protocol`
/// with `set_real_ip_from 0.0.0.0/0` and `real_ip_header proxy_protocol`. Without
/// `send-proxy` (wide), the client's v1 header inside TLS reaches nginx as the first
/// plaintext bytes and nginx believes it (`return 200 $remote_addr` shows 192.0.2.77):
/// flagged. With `send-proxy` (narrow), HAProxy's own header comes first and the
/// client's arrives as the request line: nginx answers 400, nothing is flagged.
#[test]
fn a_header_inside_tls_through_a_tls_terminator() {
    if !need("nginx") || !need("haproxy") {
        return;
    }
    let c = certs();
    let (back, wide, narrow) = (free_port(), free_port(), free_port());
    let ndir = c.dir.path().join("nginx-tls");
    std::fs::create_dir_all(&ndir).unwrap();
    let _n = nginx(
        &format!(
            "server {{ listen 127.0.0.1:{back} proxy_protocol; set_real_ip_from 0.0.0.0/0; real_ip_header proxy_protocol; location / {{ return 200 \"client=$remote_addr\\n\"; }} }}\n"
        ),
        &[back],
        &ndir,
    );
    let hdir = c.dir.path().join("haproxy-tls");
    std::fs::create_dir_all(&hdir).unwrap();
    let crt = c.combined.display();
    let _h = haproxy(
        &format!(
            "listen wide\n  mode tcp\n  bind 127.0.0.1:{wide} ssl crt {crt}\n  server b 127.0.0.1:{back}\n\
             listen narrow\n  mode tcp\n  bind 127.0.0.1:{narrow} ssl crt {crt}\n  server b 127.0.0.1:{back} send-proxy\n"
        ),
        &[wide, narrow],
        &hdir,
    );
    let trial = |r: &Value| {
        r["audit"]
            .as_array()
            .unwrap()
            .iter()
            .find(|t| t["name"] == "in-tls")
            .cloned()
            .unwrap_or_else(|| panic!("no in-tls trial: {r:#}"))
    };
    let r = audit(wide);
    assert_eq!(trust_finding(&r).as_deref(), Some("error"), "{r:#}");
    let t = trial(&r);
    assert_eq!(t["reflected"], "192.0.2.77", "{t:#}");
    eprintln!("wide: {t} in {} ms", r["elapsed_ms"]);
    let f = r["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["code"] == "proxy-trust-too-wide")
        .unwrap();
    assert!(
        f["summary"].as_str().unwrap().contains("inside TLS"),
        "{f:#}"
    );
    assert!(f["fixes"].to_string().contains("send-proxy"), "{f:#}");
    let r = audit(narrow);
    assert_ne!(trust_finding(&r).as_deref(), Some("error"), "{r:#}");
    let t = trial(&r);
    assert!(t["reflected"].is_null(), "{t:#}");
    assert!(t["result"].as_str().unwrap().contains("400"), "{t:#}");
    eprintln!("narrow: {t} in {} ms", r["elapsed_ms"]);
}
