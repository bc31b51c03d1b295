//! `ppdiag serve` as a CI gate that cannot pass by accident, behind real HAProxy with
//! health checks on and real curl: health checks are recorded but do not use up
//! `--count`; a run that saw nothing (interrupted, or past `--deadline`) fails and names
//! the expectations never exercised; `--junit` writes XML that a real parser reads;
//! `--banner` speaks first and records what the client answered.

mod common;
use common::{
    process::{Guard, free_port, need, wait_listening},
    serve::*,
};
use serde_json::Value;
use std::net::SocketAddr;
use std::path::Path;
use std::process::Command;

/// HAProxy in `mode tcp` on a free port in front of `backend`, with `server_opts`
/// (e.g. `send-proxy-v2 check inter 200ms check-send-proxy`). Returns the guard and the
/// front address.
fn haproxy_front(dir: &Path, backend: SocketAddr, server_opts: &str) -> (Guard, SocketAddr) {
    let port = free_port();
    let conf = format!(
        "global\n  maxconn 100\ndefaults\n  mode tcp\n  timeout connect 5s\n  timeout client 10s\n  timeout server 10s\n\
         frontend f\n  bind 127.0.0.1:{port}\n  default_backend b\n\
         backend b\n  server s {backend} {server_opts}\n"
    );
    let g = haproxy(dir, &conf);
    let front = SocketAddr::from(([127, 0, 0, 1], port));
    wait_listening(front, None);
    (g, front)
}

fn curl(args: &[&str]) -> std::process::Output {
    Command::new("curl")
        .args(["-sS", "--max-time", "10"])
        .args(args)
        .output()
        .expect("run curl")
}

fn summary(rest: &[Value]) -> &Value {
    rest.iter()
        .find(|v| v["type"] == "summary")
        .expect("a summary line")
}

fn failures(s: &Value) -> String {
    s["failures"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f.as_str().unwrap().to_string())
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn health_checks_do_not_use_up_the_count() {
    if !need("haproxy") || !need("curl") {
        return;
    }
    // The case: the client is not in the expected block, so the run must fail,
    // however many LOCAL health checks come first.
    let mut serve = Serve::start(
        &[
            "-l",
            "127.0.0.1:0",
            "--count",
            "1",
            "--expect-source",
            "10.9.9.0/24",
            "--expect-version",
            "v2",
        ],
        1,
    );
    let dir = tempfile::tempdir().unwrap();
    let (_h, front) = haproxy_front(
        dir.path(),
        serve.addr(),
        "send-proxy-v2 check inter 200ms check-send-proxy",
    );
    // A health check arrives first (wait_listening's connection reaches HAProxy only).
    let hc = serve.record_where(20, |r| r["proxy"]["header"]["command"] == "local");
    assert_eq!(hc["judged"], false, "{hc}");
    assert_eq!(hc["expectations"], serde_json::json!([]));
    assert_eq!(hc["ok"], true);
    let out = curl(&[&format!("http://{front}/")]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let (code, rest) = serve.finish(30);
    assert_eq!(code, Some(1), "{rest:?}");
    let s = summary(&rest);
    assert_eq!(s["judged"], 1, "{s}");
    assert!(s["health_checks"].as_u64().unwrap() >= 1, "{s}");
    assert!(
        failures(s).contains("expected source 10.9.9.0/24, got 127.0.0.1"),
        "{s}"
    );
}

#[test]
fn the_client_connection_passes_the_gate_after_health_checks() {
    if !need("haproxy") || !need("curl") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let junit = dir.path().join("serve.xml");
    let mut serve = Serve::start(
        &[
            "-l",
            "127.0.0.1:0",
            "--count",
            "1",
            "--expect-source",
            "127.0.0.1/32",
            "--expect-version",
            "v2",
            "--expect-tlv",
            "crc32c",
            "--deadline",
            "60s",
            "--junit",
            junit.to_str().unwrap(),
        ],
        1,
    );
    let (_h, front) = haproxy_front(
        dir.path(),
        serve.addr(),
        "send-proxy-v2 proxy-v2-options crc32c check inter 200ms check-send-proxy",
    );
    serve.record_where(20, |r| r["proxy"]["header"]["command"] == "local");
    let out = curl(&[&format!("http://{front}/gate")]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let (code, rest) = serve.finish(30);
    assert_eq!(code, Some(0), "{rest:?}");
    let s = summary(&rest);
    assert_eq!(s["judged"], 1, "{s}");
    for e in s["expectations"].as_array().unwrap() {
        assert_eq!(e["exercised"], true, "{e}");
        assert_eq!(e["failed_count"], 0, "{e}");
    }
    // The JUnit report: one case per judged connection, per expectation, and --count.
    let xml = std::fs::read_to_string(&junit).expect("the JUnit file");
    let doc = roxmltree::Document::parse(&xml).expect("well-formed XML");
    let cases: Vec<_> = doc
        .descendants()
        .filter(|n| n.has_tag_name("testcase"))
        .collect();
    let by_class = |c: &str| {
        cases
            .iter()
            .filter(|n| n.attribute("classname") == Some(c))
            .count()
    };
    assert_eq!(by_class("connections"), 1, "{xml}");
    assert_eq!(by_class("expectations"), 3, "{xml}");
    assert_eq!(by_class("run"), 1, "{xml}");
    assert!(
        cases
            .iter()
            .all(|n| !n.children().any(|c| c.has_tag_name("failure"))),
        "{xml}"
    );
    let suite = doc.root_element();
    assert_eq!(suite.tag_name().name(), "testsuites");
    assert_eq!(suite.attribute("failures"), Some("0"));
}

#[test]
fn count_health_checks_counts_them() {
    if !need("haproxy") {
        return;
    }
    let serve = Serve::start(
        &[
            "-l",
            "127.0.0.1:0",
            "--count",
            "2",
            "--count-health-checks",
            "--expect-version",
            "v2",
        ],
        1,
    );
    let dir = tempfile::tempdir().unwrap();
    let (_h, _front) = haproxy_front(
        dir.path(),
        serve.addr(),
        "send-proxy-v2 check inter 200ms check-send-proxy",
    );
    let (code, rest) = serve.finish(30);
    assert_eq!(code, Some(0), "{rest:?}");
    let s = summary(&rest);
    assert!(s["judged"].as_u64().unwrap() >= 2, "{s}");
    let r = rest.iter().find(|r| r["type"] == "connection").unwrap();
    assert_eq!(r["judged"], true);
    assert_eq!(r["expectations"][0]["name"], "version", "{r}");
}

#[test]
fn haproxy_v1_health_checks_are_health_checks_too() {
    if !need("haproxy") || !need("curl") {
        return;
    }
    let mut serve = Serve::start(
        &[
            "-l",
            "127.0.0.1:0",
            "--count",
            "1",
            "--expect-version",
            "v1",
        ],
        1,
    );
    let dir = tempfile::tempdir().unwrap();
    let (_h, front) = haproxy_front(
        dir.path(),
        serve.addr(),
        "send-proxy check inter 200ms check-send-proxy",
    );
    // What HAProxy 2.6 sends on a check with send-proxy (observed): a `PROXY TCP4`
    // line with the check's own socket addresses, then a reset without a byte more.
    // Not LOCAL, not UNKNOWN: it is recognised as carrying no traffic.
    let hc = serve.record_where(20, |r| r["judged"] == false);
    assert_eq!(hc["proxy"]["header"]["version"], 1, "{hc}");
    assert_eq!(hc["proxy"]["header"]["source"], hc["peer"], "{hc}");
    assert_eq!(hc["bytes_in"], hc["proxy"]["header"]["length"], "{hc}");
    let out = curl(&[&format!("http://{front}/")]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let (code, rest) = serve.finish(30);
    assert_eq!(code, Some(0), "{rest:?}");
}

#[test]
fn an_interrupted_run_that_saw_nothing_fails() {
    let serve = Serve::start(
        &[
            "-l",
            "127.0.0.1:0",
            "--count",
            "1",
            "--expect-version",
            "v2",
        ],
        1,
    );
    serve.terminate();
    let (code, rest) = serve.finish(30);
    assert_eq!(code, Some(1), "{rest:?}");
    let s = summary(&rest);
    assert_eq!(s["interrupted"], true);
    assert_eq!(s["expectations"][0]["exercised"], false, "{s}");
    let f = failures(s);
    assert!(
        f.contains("only 0 of the 1 judged connection(s)") && f.contains("interrupted"),
        "{f}"
    );
    assert!(
        f.contains("expectation `version v2` was never exercised"),
        "{f}"
    );
}

#[test]
fn an_interrupted_run_without_expectations_or_count_passes() {
    let serve = Serve::start(&["-l", "127.0.0.1:0"], 1);
    serve.terminate();
    let (code, rest) = serve.finish(30);
    assert_eq!(code, Some(0), "{rest:?}");
}

#[test]
fn the_deadline_fails_a_run_that_only_saw_health_checks() {
    if !need("haproxy") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let junit = dir.path().join("serve.xml");
    let mut serve = Serve::start(
        &[
            "-l",
            "127.0.0.1:0",
            "--count",
            "1",
            "--expect-version",
            "v2",
            "--deadline",
            "3s",
            "--junit",
            junit.to_str().unwrap(),
        ],
        1,
    );
    let (_h, _front) = haproxy_front(
        dir.path(),
        serve.addr(),
        "send-proxy-v2 check inter 200ms check-send-proxy",
    );
    serve.record_where(20, |r| r["proxy"]["header"]["command"] == "local");
    let (code, rest) = serve.finish(30);
    assert_eq!(code, Some(1), "{rest:?}");
    let s = summary(&rest);
    assert_eq!(s["deadline_passed"], true, "{s}");
    assert_eq!(s["judged"], 0, "{s}");
    let f = failures(s);
    assert!(f.contains("the deadline (3s) passed"), "{f}");
    assert!(f.contains("`version v2` was never exercised"), "{f}");
    let xml = std::fs::read_to_string(&junit).unwrap();
    let doc = roxmltree::Document::parse(&xml).expect("well-formed XML");
    let failed: Vec<_> = doc
        .descendants()
        .filter(|n| n.has_tag_name("failure"))
        .map(|n| n.attribute("message").unwrap_or("").to_string())
        .collect();
    assert_eq!(failed.len(), 2, "{xml}");
    assert!(
        failed.iter().any(|m| m.contains("never exercised")),
        "{failed:?}"
    );
    assert!(
        failed.iter().any(|m| m.contains("only 0 of 1")),
        "{failed:?}"
    );
}

#[test]
fn junit_failure_for_a_failed_connection_is_escaped_and_parses() {
    if !need("curl") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let junit = dir.path().join("serve.xml");
    let serve = Serve::start(
        &[
            "-l",
            "127.0.0.1:0",
            "--count",
            "1",
            "--expect-version",
            "v2",
            "--junit",
            junit.to_str().unwrap(),
        ],
        1,
    );
    // curl sends v1 with `<`/`&` in the path: the XML must still parse.
    let url = format!("http://{}/a<b&c", serve.addr());
    let _ = curl(&["--haproxy-protocol", "-g", &url]);
    let (code, _) = serve.finish(30);
    assert_eq!(code, Some(1));
    let xml = std::fs::read_to_string(&junit).unwrap();
    let doc = roxmltree::Document::parse(&xml).expect("well-formed XML");
    let failure = doc
        .descendants()
        .find(|n| n.has_tag_name("failure"))
        .expect("a failure");
    assert!(
        failure
            .attribute("message")
            .unwrap()
            .contains("expected version v2, got v1"),
        "{xml}"
    );
    assert!(failure.text().unwrap().contains("/a<b&c"), "{xml}");
}

#[test]
fn banner_speaks_first_behind_haproxy_and_records_the_client() {
    if !need("haproxy") || !need("curl") {
        return;
    }
    let mut serve = Serve::start(
        &[
            "-l",
            "127.0.0.1:0",
            "--banner",
            "220 ppdiag ESMTP",
            "--count",
            "1",
            "--expect-version",
            "v2",
        ],
        1,
    );
    let dir = tempfile::tempdir().unwrap();
    let (_h, front) = haproxy_front(
        dir.path(),
        serve.addr(),
        "send-proxy-v2 check inter 200ms check-send-proxy",
    );
    serve.record_where(20, |r| r["proxy"]["header"]["command"] == "local");
    // curl speaks SMTP: it waits for the 220, then says EHLO (and fails when serve
    // closes; the gate is serve's exit code).
    let _ = curl(&[&format!("smtp://{front}/")]);
    let (code, rest) = serve.finish(30);
    assert_eq!(code, Some(0), "{rest:?}");
    let r = rest
        .iter()
        .find(|r| r["type"] == "connection" && r["judged"] == true)
        .expect("the client's record");
    assert_eq!(r["banner"], "220 ppdiag ESMTP");
    let line = r["after_banner"]["line"].as_str().unwrap();
    assert!(line.starts_with("EHLO "), "{r}");
    assert_eq!(r["proxy"]["header"]["version"], 2);
}

#[test]
fn banner_with_curl_haproxy_protocol() {
    if !need("curl") {
        return;
    }
    let serve = Serve::start(
        &[
            "-l",
            "127.0.0.1:0",
            "--banner",
            "220 ppdiag ESMTP",
            "--count",
            "1",
            "--expect-version",
            "v1",
        ],
        1,
    );
    let _ = curl(&["--haproxy-protocol", &format!("smtp://{}/", serve.addr())]);
    let (code, rest) = serve.finish(30);
    assert_eq!(code, Some(0), "{rest:?}");
    let r = &rest[0];
    assert!(
        r["after_banner"]["line"]
            .as_str()
            .unwrap()
            .starts_with("EHLO "),
        "{r}"
    );
}

#[test]
fn banner_and_deadline_arguments() {
    let out = assert_cmd::Command::cargo_bin("ppdiag")
        .unwrap()
        .args(["serve", "--banner", "220 x", "--reply", "http"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--banner"));
    let out = assert_cmd::Command::cargo_bin("ppdiag")
        .unwrap()
        .args(["serve", "--deadline", "5s"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "--deadline needs --count");
}

#[test]
fn the_json_document_carries_the_final_summary() {
    let out = assert_cmd::Command::cargo_bin("ppdiag")
        .unwrap()
        .args([
            "--format",
            "json",
            "serve",
            "-l",
            "127.0.0.1:0",
            "--count",
            "1",
            "--expect-version",
            "v2",
            "--deadline",
            "1s",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let doc: Value = serde_json::from_slice(&out.stdout).expect("one JSON document");
    let s = &doc["summary"];
    assert_eq!(s["exit_code"], 1, "{s}");
    assert_eq!(s["deadline_passed"], true, "{s}");
    assert!(failures(s).contains("never exercised"), "{s}");
}

#[test]
fn two_balancers_each_adding_a_header_give_a_record_that_agrees_with_itself() {
    if !need("haproxy") || !need("curl") {
        return;
    }
    let mut serve = Serve::start(&["-l", "127.0.0.1:0"], 1);
    let dir = tempfile::tempdir().unwrap();
    let (p1, p2) = (free_port(), free_port());
    // Balancer 1 adds a v2 header and hands on to balancer 2, which adds its own.
    let conf = format!(
        "global\n  maxconn 100\ndefaults\n  mode tcp\n  timeout connect 5s\n  timeout client 10s\n  timeout server 10s\n\
         frontend first\n  bind 127.0.0.1:{p1}\n  default_backend to_second\n\
         backend to_second\n  server s 127.0.0.1:{p2} send-proxy-v2\n\
         frontend second\n  bind 127.0.0.1:{p2}\n  default_backend to_serve\n\
         backend to_serve\n  server s {} send-proxy-v2 check inter 200ms check-send-proxy\n",
        serve.addr()
    );
    let _h = haproxy(dir.path(), &conf);
    let front = SocketAddr::from(([127, 0, 0, 1], p1));
    wait_listening(front, None);
    let _ = curl(&[&format!("http://{front}/twice")]);
    // Every record passes through `agrees_with_itself` (serve_support).
    let r = serve.record_where(20, |r| r["proxy"]["headers_seen"] == 2);
    assert_eq!(r["findings"][0]["code"], "proxy-header-duplicated", "{r}");
    assert_eq!(r["proxy"]["accepted"], false, "{r}");
    assert_eq!(r["proxy"]["addresses_used"], false, "{r}");
    assert_eq!(r["client"], r["peer"], "{r}");
}
