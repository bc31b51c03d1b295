//! `ppdiag probe` end to end against real software on loopback: nginx, HAProxy, a Go
//! crypto/tls server with and without go-proxyproto, OpenSSL s_server, and Rust
//! listeners that stay silent, never read, or are closed. Each test asserts the
//! inferred `expects` and the finding codes.

mod common;
use common::peers;

use common::process::*;
use peers::*;
use serde_json::Value;

const T: &str = "1.5";

fn probe(args: &[&str]) -> (i32, Value) {
    let mut a = vec!["probe", "--timeout", T];
    a.extend_from_slice(args);
    ppdiag_json(&a)
}

/// The first probe report.
fn first(v: &Value) -> &Value {
    &v["probes"][0]
}

fn expects(r: &Value) -> (String, Vec<String>, String) {
    let e = &r["expects"];
    (
        e["proxy"].as_str().unwrap().to_string(),
        e["proxy_versions"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap().to_string())
            .collect(),
        e["protocol"].as_str().unwrap().to_string(),
    )
}

fn codes(r: &Value) -> Vec<String> {
    r["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            format!(
                "{}:{}",
                f["code"].as_str().unwrap(),
                f["severity"].as_str().unwrap()
            )
        })
        .collect()
}

fn attempt<'a>(r: &'a Value, name: &str) -> &'a Value {
    r["attempts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["name"] == name)
        .unwrap_or_else(|| panic!("no attempt {name}"))
}

fn s(v: &[&str]) -> Vec<String> {
    v.iter().map(|x| x.to_string()).collect()
}

fn target(port: u16) -> String {
    format!("127.0.0.1:{port}")
}

#[test]
fn nginx_ssl_with_and_without_proxy_protocol_and_plain_http() {
    if !need("nginx") {
        return;
    }
    let c = certs();
    let (p_ssl, p_ssl_pp, p_http_pp, p_verify) =
        (free_port(), free_port(), free_port(), free_port());
    let tls = format!(
        "ssl_certificate {}; ssl_certificate_key {};",
        c.cert.display(),
        c.key.display()
    );
    let servers = format!(
        "server {{ listen 127.0.0.1:{p_ssl} ssl; {tls} location / {{ return 200 'ok\\n'; }} }}\n\
         server {{ listen 127.0.0.1:{p_ssl_pp} ssl proxy_protocol; {tls} location / {{ return 200 'ok\\n'; }} }}\n\
         server {{ listen 127.0.0.1:{p_http_pp} proxy_protocol; location / {{ return 200 'ok\\n'; }} }}\n\
         server {{ listen 127.0.0.1:{p_verify} ssl; {tls} ssl_client_certificate {}; ssl_verify_client on; location / {{ return 200 'ok\\n'; }} }}\n",
        c.ca.display()
    );
    let _g = nginx(
        &servers,
        &[p_ssl, p_ssl_pp, p_http_pp, p_verify],
        c.dir.path(),
    );
    let ca = c.ca.to_str().unwrap();

    // listen ssl without proxy_protocol: the classic "wrong version number".
    let (code, v) = probe(&[&target(p_ssl), "--cacert", ca]);
    let r = first(&v);
    assert_eq!(expects(r), ("forbidden".into(), vec![], "tls".into()));
    assert_eq!(r["fingerprint"], "nginx");
    assert_eq!(codes(r), s(&["proxy-header-not-expected:info"]));
    assert_eq!(code, 0, "{v:#}");
    let a = attempt(r, "v1+tls");
    assert_eq!(a["outcome"]["kind"], "http-response");
    assert!(
        a["client_sees"]
            .to_string()
            .contains("wrong version number"),
        "{a:#}"
    );
    assert_eq!(r["tls"]["verification"]["ok"], true, "{:#}", r["tls"]);
    assert!(
        r["tls"]["chain"][0]["sans"]
            .to_string()
            .contains("127.0.0.1")
    );
    // Told what the balancer sends, the mismatch is the error.
    let (code, v) = probe(&[&target(p_ssl), "--cacert", ca, "--balancer-sends", "v2"]);
    assert_eq!(code, 1);
    assert_eq!(codes(first(&v))[0], "proxy-header-not-expected:error");

    // listen ssl proxy_protocol.
    let (code, v) = probe(&[&target(p_ssl_pp), "--cacert", ca]);
    let r = first(&v);
    assert_eq!(
        expects(r),
        ("required".into(), s(&["v1", "v2"]), "tls".into())
    );
    let c2 = codes(r);
    assert!(
        c2.contains(&"proxy-header-missing:info".to_string()),
        "{c2:?}"
    );
    assert!(
        c2.contains(&"health-check-local:info".to_string()),
        "{c2:?}"
    );
    assert_eq!(code, 0);
    assert_eq!(attempt(r, "none+tls")["outcome"]["kind"], "reset", "{r:#}");

    // Plain HTTP with proxy_protocol (a global "use PROXY" switch).
    let (code, v) = probe(&[&target(p_http_pp)]);
    let r = first(&v);
    assert_eq!(
        expects(r),
        ("required".into(), s(&["v1", "v2"]), "http".into())
    );
    assert!(codes(r).contains(&"proxy-header-missing:info".to_string()));
    assert_eq!(code, 0);
    let (code, _) = probe(&[&target(p_http_pp), "--balancer-sends", "none"]);
    assert_eq!(code, 1);

    // ssl_verify_client on: the handshake asks for a certificate.
    let (_, v) = probe(&[&target(p_verify), "--cacert", ca, "--only", "none"]);
    let r = first(&v);
    assert_eq!(r["tls"]["session"]["client_cert_requested"], true, "{r:#}");
    assert_eq!(
        r["tls"]["session"]["http_status"],
        "HTTP/1.1 400 Bad Request"
    );
    assert!(
        codes(r).contains(&"tls-handshake-failed:error".to_string()),
        "{r:#}"
    );
    // Without a client certificate requirement, GET inside TLS gets nginx's 200.
    let (_, v) = probe(&[&target(p_ssl), "--cacert", ca, "--only", "none+tls"]);
    assert_eq!(
        first(&v)["tls"]["session"]["http_status"],
        "HTTP/1.1 200 OK"
    );
}

#[test]
fn haproxy_accept_proxy_ssl_plain_ssl_and_strict_sni() {
    if !need("haproxy") {
        return;
    }
    let c = certs();
    let (pa, pb, pc, pd) = (free_port(), free_port(), free_port(), free_port());
    let crt = c.combined.display();
    let cafile = c.ca.display();
    let cfg = format!(
        "frontend accept\n  bind 127.0.0.1:{pa} accept-proxy ssl crt {crt}\n  http-request return status 200 content-type text/plain string ok\n\
         frontend plain\n  bind 127.0.0.1:{pb} ssl crt {crt}\n  http-request return status 200 content-type text/plain string ok\n\
         frontend strict\n  bind 127.0.0.1:{pc} ssl crt {crt} strict-sni\n  http-request return status 200 content-type text/plain string ok\n\
         frontend mtls\n  bind 127.0.0.1:{pd} ssl crt {crt} verify required ca-file {cafile}\n  http-request return status 200 content-type text/plain string ok\n"
    );
    let _g = haproxy(&cfg, &[pa, pb, pc, pd], c.dir.path());
    let ca = c.ca.to_str().unwrap();

    let (code, v) = probe(&[&target(pa), "--cacert", ca]);
    let r = first(&v);
    assert_eq!(
        expects(r),
        ("required".into(), s(&["v1", "v2"]), "tls".into()),
        "{r:#}"
    );
    assert!(codes(r).contains(&"proxy-header-missing:info".to_string()));
    assert!(codes(r).contains(&"health-check-local:info".to_string()));
    assert_eq!(code, 0);

    let (_, v) = probe(&[&target(pb), "--cacert", ca]);
    let r = first(&v);
    assert_eq!(
        expects(r),
        ("forbidden".into(), vec![], "tls".into()),
        "{r:#}"
    );
    assert_eq!(r["fingerprint"], "silent-closer");
    assert_eq!(codes(r), s(&["proxy-header-not-expected:info"]));

    // strict-sni with a name it has no certificate for: TLS is spoken and refused.
    let (code, v) = probe(&[
        &target(pc),
        "--cacert",
        ca,
        "--sni",
        "other.example",
        "--only",
        "tls",
    ]);
    let r = first(&v);
    assert_eq!(expects(r).2, "tls", "{r:#}");
    assert!(
        codes(r).contains(&"tls-handshake-failed:error".to_string()),
        "{r:#}"
    );
    assert_eq!(code, 1);
    // With the right name it completes.
    let (_, v) = probe(&[
        &target(pc),
        "--cacert",
        ca,
        "--sni",
        "localhost",
        "--only",
        "none+tls",
    ]);
    assert_eq!(first(&v)["tls"]["verification"]["ok"], true);

    // verify required: TLS 1.3 completes, then the server refuses without a certificate.
    let (code, v) = probe(&[&target(pd), "--cacert", ca, "--only", "none+tls"]);
    let r = first(&v);
    assert_eq!(r["tls"]["session"]["client_cert_requested"], true, "{r:#}");
    assert!(
        codes(r).contains(&"tls-handshake-failed:error".to_string()),
        "{r:#}"
    );
    assert_eq!(code, 1);
}

#[test]
fn go_crypto_tls_with_and_without_go_proxyproto() {
    let Some(bin) = go_server_binary() else {
        return;
    };
    let c = certs();
    let ca = c.ca.to_str().unwrap();
    let tls = Some((c.cert.as_path(), c.key.as_path()));
    let (p1, p2, p3, p4) = (free_port(), free_port(), free_port(), free_port());
    let _a = go_server(&bin, p1, tls, "none");
    let _b = go_server(&bin, p2, tls, "require");
    let _c = go_server(&bin, p3, tls, "use");
    let _d = go_server(&bin, p4, None, "require");

    // Traefik's websecure without proxyProtocol: a silent close.
    let (_, v) = probe(&[&target(p1), "--cacert", ca]);
    let r = first(&v);
    assert_eq!(
        expects(r),
        ("forbidden".into(), vec![], "tls".into()),
        "{r:#}"
    );
    assert_eq!(r["fingerprint"], "silent-closer");
    assert!(codes(r).contains(&"proxy-header-not-expected:info".to_string()));
    assert_eq!(r["tls"]["session"]["alpn"], "http/1.1");

    let (_, v) = probe(&[&target(p2), "--cacert", ca]);
    let r = first(&v);
    assert_eq!(
        expects(r),
        ("required".into(), s(&["v1", "v2"]), "tls".into()),
        "{r:#}"
    );
    assert!(codes(r).contains(&"proxy-header-missing:info".to_string()));

    let (code, v) = probe(&[&target(p3), "--cacert", ca]);
    let r = first(&v);
    assert_eq!(
        expects(r),
        ("optional".into(), s(&["v1", "v2"]), "tls".into()),
        "{r:#}"
    );
    assert_eq!(code, 0);

    let (_, v) = probe(&[&target(p4)]);
    let r = first(&v);
    assert_eq!(
        expects(r),
        ("required".into(), s(&["v1", "v2"]), "http".into()),
        "{r:#}"
    );
}

#[test]
fn openssl_s_server_and_an_expired_certificate() {
    if !need("openssl") {
        return;
    }
    let c = certs();
    let ca = c.ca.to_str().unwrap();
    let p = free_port();
    let g = s_server(p, &c.cert, &c.key, &[]);
    let (code, v) = probe(&[&target(p), "--cacert", ca]);
    let r = first(&v);
    assert_eq!(
        expects(r),
        ("forbidden".into(), vec![], "tls".into()),
        "{r:#}"
    );
    assert_eq!(codes(r), s(&["proxy-header-not-expected:info"]));
    assert_eq!(code, 0);
    drop(g);

    let p = free_port();
    let _g = s_server(p, &c.expired_cert, &c.expired_key, &[]);
    let (code, v) = probe(&[&target(p), "--cacert", ca, "--only", "none+tls"]);
    let r = first(&v);
    assert!(
        codes(r).contains(&"tls-certificate-problem:error".to_string()),
        "{r:#}"
    );
    assert!(r["tls"]["chain"][0]["days_left"].as_i64().unwrap() < 0);
    assert_eq!(code, 1);
}

#[test]
fn tls_1_0_only_server_is_named() {
    if !need("openssl") {
        return;
    }
    let c = certs();
    let p = free_port();
    let _g = s_server(
        p,
        &c.cert,
        &c.key,
        &["-tls1", "-cipher", "DEFAULT@SECLEVEL=0"],
    );
    let (code, v) = probe(&[&target(p), "--only", "none+tls"]);
    let r = first(&v);
    assert_eq!(expects(r).2, "tls", "{r:#}");
    assert_eq!(
        attempt(r, "none+tls")["outcome"]["name"],
        "protocol_version"
    );
    let f = &r["findings"][0];
    assert_eq!(f["code"], "tls-handshake-failed");
    assert!(
        f["summary"].as_str().unwrap().contains("TLS 1.0/1.1"),
        "{f:#}"
    );
    assert_eq!(code, 1);
}

#[test]
fn a_server_that_speaks_first() {
    let (port, _l) = listener(Listener::Banner);
    let (code, v) = ppdiag_json(&["probe", "--timeout", "0.5", &target(port)]);
    let r = first(&v);
    // This listener greets and then ignores whatever comes: a header after the banner
    // draws no error, as a reader that consumed it would behave.
    assert_eq!(
        expects(r),
        (
            "optional".into(),
            vec!["v1".into(), "v2".into()],
            "tcp".into()
        ),
        "{r:#}"
    );
    assert_eq!(r["application"], "smtp");
    assert_eq!(attempt(r, "wait")["outcome"]["kind"], "banner");
    assert!(r["summary"].as_str().unwrap().contains("speaks SMTP"));
    assert_eq!(code, 0);
}

#[test]
fn ipv6_target_and_attempt_selection() {
    let Some(bin) = go_server_binary() else {
        return;
    };
    if std::net::TcpListener::bind("[::1]:0").is_err() {
        eprintln!("SKIP: no IPv6 loopback");
        return;
    }
    let c = certs();
    let p = free_port_on("::1");
    let _g = go_server_on(
        &bin,
        "::1",
        p,
        Some((c.cert.as_path(), c.key.as_path())),
        "require",
    );
    let (_, v) = probe(&[&format!("[::1]:{p}"), "--only", "tls", "--skip", "v2-local"]);
    let r = first(&v);
    assert_eq!(r["address"], format!("[::1]:{p}"));
    let names: Vec<&str> = r["attempts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["none+tls", "v1+tls", "v2+tls"]);
    assert_eq!(
        expects(r),
        ("required".into(), s(&["v1", "v2"]), "tls".into()),
        "{r:#}"
    );
}

#[test]
fn silent_black_hole_and_closed_targets_end_at_the_timeout() {
    let (silent, _s) = listener(Listener::Silent);
    let (hole, _h) = listener(Listener::BlackHole);
    let closed = free_port();
    for port in [silent, hole] {
        let (code, v) = ppdiag_json(&["probe", "--timeout", "0.5", &target(port)]);
        let r = first(&v);
        assert_eq!(
            expects(r),
            ("unknown".into(), vec![], "unknown".into()),
            "{r:#}"
        );
        assert_eq!(codes(r), s(&["target-silent:error"]));
        assert_eq!(code, 1);
        for a in r["attempts"].as_array().unwrap() {
            assert!(
                a["outcome"]["kind"] == "silent",
                "attempt {} ended {}",
                a["name"],
                a["outcome"]
            );
            assert_eq!(a["ending"], "timeout");
        }
    }
    let (code, v) = probe(&[&target(closed)]);
    let r = first(&v);
    assert_eq!(codes(r), s(&["connection-refused:error"]));
    assert!(
        r["attempts"]
            .as_array()
            .unwrap()
            .iter()
            .all(|a| a["outcome"]["kind"] == "refused")
    );
    assert_eq!(code, 1);
}

#[test]
fn several_targets_ndjson_fleet_and_connect_to() {
    if !need("openssl") || !need("haproxy") {
        return;
    }
    let c = certs();
    let ca = c.ca.to_str().unwrap();
    let (pa, pb) = (free_port(), free_port());
    let _s = s_server(pa, &c.cert, &c.key, &[]);
    let cfg = format!(
        "frontend accept\n  bind 127.0.0.1:{pb} accept-proxy ssl crt {}\n  http-request return status 200 content-type text/plain string ok\n",
        c.combined.display()
    );
    let _h = haproxy(&cfg, &[pb], c.dir.path());
    // Two backends of one "target group" configured differently.
    let file = c.dir.path().join("targets.txt");
    std::fs::write(&file, format!("# fleet\n127.0.0.1:{pa}\n127.0.0.1:{pb}\n")).unwrap();
    let o = assert_cmd::Command::cargo_bin("ppdiag")
        .unwrap()
        .args([
            "probe",
            "--timeout",
            T,
            "--cacert",
            ca,
            "--concurrency",
            "2",
            "--format",
            "ndjson",
            "--targets-file",
        ])
        .arg(&file)
        .timeout(std::time::Duration::from_secs(60))
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&o.stdout);
    let lines: Vec<Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 3, "{text}");
    let mut proxies: Vec<String> = lines[..2].iter().map(|l| expects(l).0).collect();
    proxies.sort();
    assert_eq!(proxies, ["forbidden", "required"]);
    assert_eq!(
        lines[2]["fleet_findings"][0]["code"],
        "proxy-header-not-expected"
    );
    assert_eq!(lines[2]["fleet_findings"][0]["severity"], "warning");
    assert_eq!(o.status.code(), Some(1));

    // --connect-to keeps the name for SNI and verification.
    let (_, v) = probe(&[
        "https://localhost:1/health",
        "--connect-to",
        &format!("localhost:1:127.0.0.1:{pb}"),
        "--cacert",
        ca,
        "--only",
        "v2+tls",
    ]);
    let r = first(&v);
    assert_eq!(r["address"], format!("127.0.0.1:{pb}"));
    assert_eq!(r["tls"]["session"]["sni"], "localhost");
    assert_eq!(r["tls"]["verification"]["ok"], true, "{r:#}");
    assert_eq!(r["tls"]["verification"]["name"], "localhost");
}

#[test]
fn text_output_leads_with_the_inference() {
    let closed = free_port();
    let (code, out, _) = ppdiag_text(&["probe", "--timeout", "0.5", &target(closed)]);
    assert_eq!(code, 1);
    let first = out.lines().nth(1).unwrap();
    assert!(
        first.contains("cannot tell what") && first.contains("refused"),
        "{out}"
    );
    assert!(out.contains("error [connection-refused]"));
}

#[test]
fn bad_arguments_and_unresolvable_names_exit_2() {
    for args in [
        vec!["probe"],
        vec!["probe", "example.com"],
        vec!["probe", "127.0.0.1:1", "--only", "v3"],
        vec!["probe", "127.0.0.1:1", "--timeout", "0"],
        vec!["probe", "127.0.0.1:1", "--tlv", "0x300=x"],
        vec!["probe", "127.0.0.1:1", "--connect-to", "a:b"],
        vec!["probe", "name.invalid:443"],
    ] {
        let (code, _, err) = ppdiag_text(&args);
        assert_eq!(code, 2, "{args:?}: {err}");
        assert!(err.contains("ppdiag"), "{err}");
    }
}

/// The README's first case seen from the client: a balancer (HAProxy `send-proxy-v2`,
/// as an AWS NLB with `proxy_protocol_v2.enabled`) in front of a backend that does not
/// parse the header: nginx `listen ssl` answers 400, Go crypto/tls closes.
#[test]
fn balancer_adding_a_header_the_backend_does_not_parse() {
    if !need("haproxy") || !need("nginx") {
        return;
    }
    let Some(bin) = go_server_binary() else {
        return;
    };
    let c = certs();
    let (p_nginx, p_go, lb_nginx, lb_go) = (free_port(), free_port(), free_port(), free_port());
    let servers = format!(
        "server {{ listen 127.0.0.1:{p_nginx} ssl; ssl_certificate {}; ssl_certificate_key {}; location / {{ return 200 'ok\\n'; }} }}\n",
        c.cert.display(),
        c.key.display()
    );
    let ndir = c.dir.path().join("nginx");
    std::fs::create_dir_all(&ndir).unwrap();
    let _n = nginx(&servers, &[p_nginx], &ndir);
    let _go = go_server(
        &bin,
        p_go,
        Some((c.cert.as_path(), c.key.as_path())),
        "none",
    );
    let cfg = format!(
        "frontend a\n  mode tcp\n  bind 127.0.0.1:{lb_nginx}\n  default_backend na\n\
         backend na\n  mode tcp\n  server s 127.0.0.1:{p_nginx} send-proxy-v2\n\
         frontend b\n  mode tcp\n  bind 127.0.0.1:{lb_go}\n  default_backend nb\n\
         backend nb\n  mode tcp\n  server s 127.0.0.1:{p_go} send-proxy-v2\n"
    );
    let _h = haproxy(&cfg, &[lb_nginx, lb_go], c.dir.path());

    let (code, v) = probe(&[&target(lb_nginx)]);
    let r = first(&v);
    assert_eq!(codes(r), s(&["proxy-header-not-expected:error"]), "{r:#}");
    assert_eq!(r["fingerprint"], "nginx");
    assert!(
        r["summary"]
            .as_str()
            .unwrap()
            .contains("something in front adds a PROXY header")
    );
    assert!(
        r["findings"][0]["fixes"][0]
            .as_str()
            .unwrap()
            .starts_with("nginx:")
    );
    assert_eq!(code, 1);

    // Closed without a byte on every attempt, the one that sent nothing included: the
    // bytes cannot tell a header rejected at once from an endpoint that closes
    // everything itself (a dead upstream); one error names both, ranked.
    let (code, v) = probe(&[&target(lb_go)]);
    let r = first(&v);
    assert_eq!(codes(r), s(&["connection-closed:error"]), "{r:#}");
    assert_eq!(attempt(r, "wait")["outcome"]["kind"], "closed-silently");
    let h = r["hypotheses"].as_array().unwrap();
    assert!(
        h.iter().any(|h| h["code"] == "proxy-header-not-expected"),
        "{r:#}"
    );
    assert!(r["tell_apart"].as_str().unwrap().contains("BACKEND:PORT"));
    assert!(
        r["findings"][0]["fixes"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f.as_str().unwrap().contains("Traefik:")),
        "{r:#}"
    );
    assert_eq!(code, 1);
}
