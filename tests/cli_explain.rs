//! `ppdiag explain` end to end: golden text and JSON for real messages, plus contract checks.

mod common;
use common::*;
use serde_json::Value;

const MESSAGES: &[(&str, &str)] = &[
    (
        "curl-wrong-version",
        "curl: (35) OpenSSL/3.0.19: error:0A00010B:SSL routines::wrong version number",
    ),
    (
        "nginx-broken-header",
        "2024/05/01 12:00:00 [error] 1234#1234: *5 broken header: \"\\x16\\x03\\x01\\x02\\x00\\x01\\x00\\x01\\xfc\\x03\\x03\" while reading PROXY protocol, client: 10.0.0.1, server: 0.0.0.0:443",
    ),
    (
        "go-first-record",
        "http: TLS handshake error from 10.0.0.7:51234: tls: first record does not look like a TLS handshake",
    ),
    ("unknown", "the coffee machine is out of beans"),
];

#[test]
fn golden_text_and_json() {
    for (name, msg) in MESSAGES {
        let o = ppdiag(&["explain", msg]);
        assert_eq!(o.status.code(), Some(0), "{name}: {}", stderr(&o));
        golden(&format!("testdata/golden/explain/{name}.txt"), &stdout(&o));
        let o = ppdiag(&["explain", "--format", "json", msg]);
        golden(&format!("testdata/golden/explain/{name}.json"), &stdout(&o));
    }
}

fn explain(msg: &str) -> Value {
    let o = ppdiag(&["explain", "--format", "json", msg]);
    serde_json::from_str(&stdout(&o)).unwrap()
}

#[test]
fn curl_old_and_new_wordings_rank_the_same_cause_first() {
    for msg in [
        "curl: (35) error:1408F10B:SSL routines:ssl3_get_record:wrong version number",
        "curl: (35) OpenSSL/3.0.13: error:0A00010B:SSL routines::wrong version number",
        "curl: (35) TLS connect error: error:0A00010B:SSL routines::wrong version number",
    ] {
        let v = explain(msg);
        assert_eq!(
            v["matches"][0]["causes"][0]["code"], "proxy-header-not-expected",
            "{msg}"
        );
    }
}

#[test]
fn quoted_bytes_are_inspected() {
    let v = explain(MESSAGES[1].1);
    assert_eq!(v["matches"][0]["id"], "nginx-broken-header");
    assert_eq!(v["inspection"]["payload"]["kind"], "tls-client-hello");
    assert_eq!(
        v["inspection"]["findings"][0]["code"],
        "proxy-header-missing"
    );
}

#[test]
fn unknown_message_says_so() {
    let v = explain("the coffee machine is out of beans");
    assert_eq!(v["matches"].as_array().unwrap().len(), 0);
    assert!(v["suggestion"].as_str().unwrap().contains("ppdiag probe"));
}

#[test]
fn list_covers_at_least_40_messages() {
    let o = ppdiag(&["explain", "--list", "--format", "json"]);
    let v: Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert!(v.as_array().unwrap().len() >= 40);
    let o = ppdiag(&["explain", "--list"]);
    assert!(stdout(&o).contains("openssl-wrong-version-number"));
}

#[test]
fn message_from_stdin() {
    let o = ppdiag_stdin(&["explain", "-"], b"ERR_SSL_PROTOCOL_ERROR\n");
    assert_eq!(o.status.code(), Some(0));
    assert!(stdout(&o).contains("best match"), "{}", stdout(&o));
}
