//! Apache Tomcat 10.1 (Debian's tomcat10), the Java backend: no PROXY reader. Against the
//! real Tomcat on loopback, direct and behind a real HAProxy that adds a v1 or a v2 header:
//! what `probe` infers (the Tomcat fingerprint, and fixes that do not tell Tomcat to parse
//! a header it cannot), and what `explain` makes of the words Tomcat answers with.
//!
//! One Tomcat and one HAProxy (two listeners) for the whole binary, started once. Under
//! CI=true a missing program fails; elsewhere the test skips.

mod common;
use common::peers::daemons;
use common::{ppdiag, stdout};
use serde_json::Value;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

/// `ppdiag probe --format json` of 127.0.0.1:`port` with `extra`: its first probe.
fn probe(port: u16, extra: &[&str]) -> Value {
    let addr = format!("127.0.0.1:{port}");
    let mut args = vec![
        "probe",
        addr.as_str(),
        "--format",
        "json",
        "--timeout",
        "3s",
    ];
    args.extend_from_slice(extra);
    let v: Value = serde_json::from_str(&stdout(&ppdiag(&args))).expect("probe JSON");
    v["probes"][0].clone()
}

/// The finding with `code` and an error severity.
fn error<'a>(p: &'a Value, code: &str) -> &'a Value {
    p["findings"]
        .as_array()
        .and_then(|f| {
            f.iter()
                .find(|x| x["code"] == code && x["severity"] == "error")
        })
        .unwrap_or_else(|| panic!("no {code} error: {p}"))
}

/// What Tomcat answers `bytes` with, and the exception its error page quotes (the line
/// Tomcat also logs).
fn tomcat_says(port: u16, bytes: &[u8]) -> (String, String) {
    let mut s = TcpStream::connect(("127.0.0.1", port)).expect("connect");
    s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    s.write_all(bytes).unwrap();
    let mut got = Vec::new();
    let _ = s.read_to_end(&mut got);
    let reply = String::from_utf8_lossy(&got).into_owned();
    // `<pre>java.lang.IllegalArgumentException: ...` up to the stack trace.
    let message = reply
        .split("<pre>")
        .nth(1)
        .and_then(|m| m.lines().next())
        .unwrap_or("")
        .to_string();
    (reply, message)
}

/// The best entry `explain` finds for `msg`, and its first cause.
fn explained(msg: &str) -> (String, String) {
    let o = ppdiag(&["explain", "--format", "json", msg]);
    let v: Value = serde_json::from_str(&stdout(&o)).expect("explain JSON");
    let best = &v["matches"][0];
    (
        best["id"].as_str().unwrap_or("no match").to_string(),
        best["causes"][0]["code"].as_str().unwrap_or("").to_string(),
    )
}

#[test]
fn tomcat_direct_and_behind_a_balancer_that_adds_a_header() {
    let Some(tc) = daemons::tomcat() else {
        return;
    };
    let t = tc.port;
    let Some(lb) = daemons::haproxy_tcp_sections(2, |p| {
        format!(
            "listen v1\n  bind 127.0.0.1:{}\n  server s 127.0.0.1:{t} send-proxy\n\
             listen v2\n  bind 127.0.0.1:{}\n  server s 127.0.0.1:{t} send-proxy-v2\n",
            p[0], p[1]
        )
    }) else {
        return;
    };
    let (v1, v2) = (lb.ports[0], lb.ports[1]);

    // Direct: plaintext HTTP, no header accepted; a header is Tomcat's 400 page.
    let p = probe(t, &["--balancer-sends", "v2"]);
    assert_eq!(p["expects"]["proxy"], "forbidden", "{p}");
    assert_eq!(p["expects"]["protocol"], "http", "{p}");
    assert_eq!(p["fingerprint"], "tomcat", "{p}");
    let f = error(&p, "proxy-header-not-expected");
    let fixes: Vec<&str> = f["fixes"]
        .as_array()
        .map(|x| x.iter().filter_map(|s| s.as_str()).collect())
        .unwrap_or_default();
    assert!(
        fixes[0].starts_with("Tomcat has no PROXY reader"),
        "{fixes:?}"
    );
    // Nothing tells Tomcat to parse a header it cannot, and no balancer in front can be
    // sending one it reads: that explanation, which fits the attempts alone, is dropped.
    assert!(
        !fixes.iter().any(|x| x.starts_with("nginx: `listen")),
        "{fixes:?}"
    );
    let summary = p["summary"].as_str().unwrap_or("");
    assert!(!summary.contains("already adds a header"), "{summary}");
    assert_eq!(p["hypotheses"], serde_json::json!([]), "{p}");
    assert!(p["tell_apart"].is_null(), "{p}");
    assert!(
        !f["evidence"].to_string().contains("already adds a header"),
        "{f}"
    );

    // Through the balancer: even requests without a header get the 400 page.
    let p = probe(v2, &[]);
    error(&p, "proxy-header-not-expected");
    assert_eq!(p["fingerprint"], "tomcat", "{p}");

    // What Tomcat says, explained.
    let get = b"GET / HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n";
    let hello = [
        0x16, 0x03, 0x01, 0x00, 0x05, 0x01, 0x00, 0x00, 0x01, 0x03, 0x03,
    ];
    let cases: [(u16, &[u8], &str, &str, &str); 3] = [
        (
            v1,
            get,
            "Invalid character found in the HTTP protocol",
            "tomcat-http-protocol-proxy-v1",
            "proxy-header-not-expected",
        ),
        (
            v2,
            get,
            "Invalid character found in method name [0x000x0d0x0aQUIT0x0a",
            "tomcat-method-name-proxy-v2",
            "proxy-header-not-expected",
        ),
        (
            t,
            &hello,
            "Invalid character found in method name [0x160x03",
            "tomcat-method-name-tls",
            "tls-to-plaintext-port",
        ),
    ];
    for (port, bytes, words, id, cause) in cases {
        let (reply, m) = tomcat_says(port, bytes);
        assert!(m.contains(words), "{reply}");
        assert_eq!(explained(&m), (id.to_string(), cause.to_string()), "{m}");
    }
}
