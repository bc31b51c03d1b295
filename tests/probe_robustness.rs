//! `probe --robustness` against real receivers: the header that works sent whole,
//! delivered in two pieces 300 ms apart, byte by byte, and late; and the AWS NLB and
//! HAProxy health-check headers alone. What each receiver really does is asserted:
//! nginx 1.22 (`listen ... proxy_protocol`) and HAProxy 2.6 (`accept-proxy`) read the
//! header in one read; go-proxyproto 0.4.2 (REQUIRE) waits for a v2 header but reads a
//! v1 line from one read; ppdiag serve waits for every form.

mod common;
use common::peers;
use common::serve::Serve;

use common::codes;
use common::process::*;
use peers::*;
use serde_json::Value;

fn probe(port: u16) -> Value {
    let (_, v) = ppdiag_json(&[
        "probe",
        &format!("127.0.0.1:{port}"),
        "--robustness",
        "--timeout",
        "2s",
    ]);
    v["probes"][0].clone()
}

fn held(r: &Value, trial: &str) -> bool {
    r["robustness"]["trials"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["name"] == trial)
        .unwrap_or_else(|| panic!("no trial {trial}: {r:#}"))["held"]
        .as_bool()
        .unwrap()
}

#[test]
fn nginx_and_haproxy_need_the_header_in_one_read() {
    if !need("nginx") || !need("haproxy") {
        return;
    }
    let c = certs();
    let (pn, ph, back) = (free_port(), free_port(), free_port());
    let ndir = c.dir.path().join("nginx");
    std::fs::create_dir_all(&ndir).unwrap();
    let _n = nginx(
        &format!(
            "server {{ listen 127.0.0.1:{pn} proxy_protocol; location / {{ return 200 'ok\\n'; }} }}\n\
             server {{ listen 127.0.0.1:{back}; location / {{ return 200 'ok\\n'; }} }}\n"
        ),
        &[pn, back],
        &ndir,
    );
    let hdir = c.dir.path().join("haproxy");
    std::fs::create_dir_all(&hdir).unwrap();
    let _h = haproxy(
        &format!(
            "frontend f\n  bind 127.0.0.1:{ph} accept-proxy\n  default_backend b\nbackend b\n  server s 127.0.0.1:{back}\n"
        ),
        &[ph],
        &hdir,
    );
    for (port, who) in [(pn, "nginx 1.22"), (ph, "HAProxy 2.6")] {
        let r = probe(port);
        assert_eq!(r["expects"]["proxy"], "required", "{who}: {r:#}");
        assert!(!held(&r, "split"), "{who} waits for a split header: {r:#}");
        assert!(!held(&r, "split-v1"), "{who}: {r:#}");
        assert!(!held(&r, "bytewise"), "{who}: {r:#}");
        // A header 1 s late is fine for both (nginx waits 30 s, HAProxy `timeout client`).
        assert!(held(&r, "slow"), "{who}: {r:#}");
        // Both read LOCAL headers, AWS's form (CRC32C then NOOP) included.
        assert!(held(&r, "aws-nlb-check"), "{who}: {r:#}");
        assert!(held(&r, "haproxy-check"), "{who}: {r:#}");
        assert!(
            codes(&r).contains(&"proxy-header-split-intolerant".to_string()),
            "{who}: {r:#}"
        );
    }
}

#[test]
fn go_proxyproto_reads_v1_in_one_read_and_serve_waits() {
    let Some(bin) = go_server_binary() else {
        return;
    };
    let pg = free_port();
    let _g = go_server(&bin, pg, None, "require");
    let serve = Serve::on_any_port(&["--proxy", "required"]);
    let ps = serve.addr().port();
    // go-proxyproto 0.4.2 waits for a v2 header in pieces, but its v1 reader takes the
    // line from one read: a v1 line in two pieces is refused.
    let r = probe(pg);
    let who = "go-proxyproto 0.4.2 REQUIRE";
    assert_eq!(r["expects"]["proxy"], "required", "{who}: {r:#}");
    for t in [
        "split",
        "bytewise",
        "slow",
        "aws-nlb-check",
        "haproxy-check",
    ] {
        assert!(held(&r, t), "{who}: {t}: {r:#}");
    }
    assert!(!held(&r, "split-v1"), "{who}: {r:#}");
    assert!(
        codes(&r).contains(&"proxy-header-split-intolerant".to_string()),
        "{who}: {r:#}"
    );
    // ppdiag serve waits for every form.
    let r = probe(ps);
    let who = "ppdiag serve";
    for t in [
        "split",
        "split-v1",
        "bytewise",
        "slow",
        "aws-nlb-check",
        "haproxy-check",
    ] {
        assert!(held(&r, t), "{who}: {t}: {r:#}");
    }
    assert!(
        !codes(&r)
            .iter()
            .any(|c| c == "proxy-header-split-intolerant"
                || c == "health-check-refused"
                || c == "proxy-header-timeout-short"),
        "{who}: {r:#}"
    );
}

/// A receiver that gives up on the header after 300 ms (serve `--header-timeout`, as
/// go-proxyproto's `ReadHeaderTimeout` once defaulted to 200 ms in Traefik): the
/// connection on which nothing was sent measures it, and a late header is refused.
#[test]
fn a_short_header_timeout_is_measured() {
    let serve = Serve::on_any_port(&["--proxy", "required", "--header-timeout", "300ms"]);
    let ps = serve.addr().port();
    let r = probe(ps);
    assert!(!held(&r, "slow"), "{r:#}");
    let ms = r["robustness"]["header_timeout_ms"]
        .as_u64()
        .expect("measured");
    assert!((250..1000).contains(&ms), "{r:#}");
    assert!(
        codes(&r).contains(&"proxy-header-timeout-short".to_string()),
        "{r:#}"
    );
}
