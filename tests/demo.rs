//! `ppdiag demo` end to end: every case gives its diagnosis, in text and JSON, offline.

mod common;
use common::*;
use serde_json::Value;

#[test]
fn demo_json_every_case_diagnosed() {
    let o = ppdiag(&["demo", "--format", "json"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let v: Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(v["ok"], true);
    let cases = v["cases"].as_array().unwrap();
    let by_id = |id: &str| {
        cases
            .iter()
            .find(|c| c["id"] == id)
            .unwrap_or_else(|| panic!("{id}"))
    };
    let found = |id: &str| -> Vec<String> {
        by_id(id)["found"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c.as_str().unwrap().to_string())
            .collect()
    };
    assert!(found("traefik-websecure").contains(&"proxy-header-not-expected".to_string()));
    assert_eq!(
        by_id("traefik-websecure")["probe"]["expects"]["proxy"],
        "forbidden"
    );
    assert_eq!(
        by_id("traefik-websecure")["probe"]["fingerprint"],
        "silent-closer"
    );
    assert_eq!(
        by_id("nginx-ssl-wrong-version-number")["probe"]["fingerprint"],
        "nginx"
    );
    assert!(
        by_id("nginx-ssl-wrong-version-number")["client"]["client_sees"]
            .as_array()
            .unwrap()
            .iter()
            .any(|s| s.as_str().unwrap().contains("wrong version number"))
    );
    assert!(found("proxy-required-direct").contains(&"proxy-header-missing".to_string()));
    assert_eq!(
        by_id("proxy-required-direct")["probe"]["expects"]["proxy"],
        "required"
    );
    assert!(found("tls-to-plaintext-port").contains(&"tls-to-plaintext-port".to_string()));
    assert_eq!(
        by_id("tls-to-plaintext-port")["probe"]["expects"]["protocol"],
        "http"
    );
    let saw = by_id("snat-loxilb")["backend_saw"].as_array().unwrap();
    assert!(
        saw[0].as_str().unwrap().contains("as 127.0.0.2:"),
        "{saw:?}"
    );
    assert!(
        saw[1].as_str().unwrap().contains("as 127.0.0.1:"),
        "{saw:?}"
    );
    assert_eq!(
        by_id("correct")["client"]["outcome"],
        "TLS handshake accepted (TLS 1.3)"
    );
    let cap = &v["capture"];
    assert_eq!(cap["ok"], true);
    assert_eq!(cap["flows"].as_array().unwrap().len(), 6);
}

#[test]
fn demo_text_names_the_stories() {
    let o = ppdiag(&["demo"]);
    assert_eq!(o.status.code(), Some(0));
    let out = stdout(&o);
    for needle in [
        "Traefik `websecure` without proxyProtocol",
        "wrong version number",
        "proxy-header-missing",
        "tls-to-plaintext-port",
        "LoxiLB (SNAT)",
        "every case gave the diagnosis it should",
    ] {
        assert!(out.contains(needle), "missing {needle:?} in:\n{out}");
    }
    assert!(!out.contains('\x1b'), "no colour in a pipe");
}
