//! `ppdiag probe` and `ppdiag send` against `ppdiag serve` in each mode and emulation:
//! the fake backend and the prober agree on what the target expects, and serve
//! decodes exactly the header send built.

mod common;
use common::peers;

use common::codes;
use common::serve::Serve;
use peers::*;
use serde_json::Value;

fn probe(addr: std::net::SocketAddr, extra: &[&str]) -> (i32, Value) {
    let t = addr.to_string();
    let mut a = vec!["probe", "--timeout", "1.5", t.as_str()];
    a.extend_from_slice(extra);
    let (code, v) = ppdiag_json(&a);
    (code, v["probes"][0].clone())
}

fn expects(r: &Value) -> (String, Vec<String>, String) {
    let e = &r["expects"];
    (
        e["proxy"].as_str().unwrap().into(),
        e["proxy_versions"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap().into())
            .collect(),
        e["protocol"].as_str().unwrap().into(),
    )
}

fn v(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| s.to_string()).collect()
}

/// serve's arguments, the `expects` probe must infer, and codes it must report.
type Case = (
    &'static [&'static str],
    (&'static str, &'static [&'static str], &'static str),
    &'static [&'static str],
);

#[test]
fn probe_infers_each_serve_mode() {
    let cases: &[Case] = &[
        (
            &["--tls"],
            ("required", &["v1", "v2"], "tls"),
            &["proxy-header-missing"],
        ),
        (
            &["--tls", "--proxy", "optional"],
            ("optional", &["v1", "v2"], "tls"),
            &[],
        ),
        (
            &["--tls", "--proxy", "forbidden"],
            ("forbidden", &[], "tls"),
            &["proxy-header-not-expected"],
        ),
        (
            &["--tls", "--proxy-versions", "v2"],
            ("required", &["v2"], "tls"),
            &["proxy-version-unsupported"],
        ),
        (
            &["--tls", "--proxy-versions", "v1"],
            ("required", &["v1"], "tls"),
            &["proxy-version-unsupported"],
        ),
        (
            &[],
            ("required", &["v1", "v2"], "http"),
            &["proxy-header-missing"],
        ),
        (
            &["--proxy", "forbidden"],
            ("forbidden", &[], "http"),
            &["proxy-header-not-expected"],
        ),
        // Traefik's trustedIPs with this machine outside them: a header is read and
        // ignored, a missing one accepted.
        (
            &["--tls", "--trusted", "10.0.0.0/8"],
            ("optional", &["v1", "v2"], "tls"),
            &[],
        ),
        // Mutual TLS: the certificate request is seen and the refusal named.
        (
            &["--tls", "--client-auth", "required"],
            ("required", &["v1", "v2"], "tls"),
            &["tls-handshake-failed"],
        ),
    ];
    for (args, (proxy, versions, protocol), want) in cases {
        let s = Serve::on_any_port(args);
        let addr = s.addr();
        let (code, r) = probe(addr, &[]);
        assert_eq!(
            expects(&r),
            (proxy.to_string(), v(versions), protocol.to_string()),
            "serve {args:?}: {r:#}"
        );
        let got = codes(&r);
        for w in *want {
            assert!(got.contains(&w.to_string()), "serve {args:?}: {got:?}");
        }
        assert!(code == 0 || code == 1, "serve {args:?}: exit {code}");
        if args.contains(&"--proxy-versions") {
            // A v2-only reader closing on v1 says nothing about the TLS stack.
            assert!(r["fingerprint"].is_null(), "serve {args:?}: {r:#}");
        }
    }
}

#[test]
fn probe_fingerprints_each_serve_emulation() {
    let cases = [
        ("nginx-ssl", "forbidden", Some("nginx")),
        ("go-tls", "forbidden", Some("silent-closer")),
        ("nginx-proxy", "required", None),
    ];
    for (emulation, proxy, fp) in cases {
        let s = Serve::on_any_port(&["--emulate", emulation]);
        let addr = s.addr();
        let (_, r) = probe(addr, &[]);
        assert_eq!(expects(&r).0, proxy, "{emulation}: {r:#}");
        assert_eq!(expects(&r).2, "tls", "{emulation}: {r:#}");
        match fp {
            Some(f) => assert_eq!(r["fingerprint"], f, "{emulation}: {r:#}"),
            None => assert!(r["fingerprint"].is_null(), "{emulation}: {r:#}"),
        }
        if emulation == "nginx-ssl" {
            let a = r["attempts"]
                .as_array()
                .unwrap()
                .iter()
                .find(|a| a["name"] == "v2+tls")
                .unwrap();
            assert!(
                a["client_sees"]
                    .to_string()
                    .contains("wrong version number"),
                "{a:#}"
            );
        }
    }
}

#[test]
fn serve_decodes_exactly_what_send_built() {
    let mut s = Serve::on_any_port(&["--proxy", "required"]);
    let addr = s.addr();
    let t = addr.to_string();
    let (code, out) = ppdiag_json(&[
        "send",
        &t,
        "--proxy",
        "v2",
        "--src",
        "192.0.2.10:1234",
        "--dst",
        "192.0.2.20:443",
        "--aws-vpce",
        "vpce-0123456789abcdef0",
        "--azure-linkid",
        "0x01020304",
        "--gcp-psc",
        "42",
        "--authority",
        "api.example.com",
        "--alpn-tlv",
        "h2",
        "--unique-id",
        "req-42",
        "--netns",
        "blue",
        "--ssl-client",
        "7",
        "--ssl-version",
        "TLSv1.3",
        "--ssl-cn",
        "client",
        "--tlv",
        "0xE5=hex:beef",
        "--crc32c",
        "--http",
        "GET",
        "/",
    ]);
    assert_eq!(code, 0, "{out:#}");
    let conns = s.records(1, 10);
    assert!(!conns.is_empty(), "serve logged no connection");
    let c = &conns[0];
    let h = &c["proxy"]["header"];
    assert_eq!(h["version"], 2, "{c:#}");
    assert_eq!(h["source"], "192.0.2.10:1234");
    assert_eq!(h["destination"], "192.0.2.20:443");
    assert_eq!(h["crc32c_ok"], true);
    // serve's decoding equals send's own reading of what it sent, TLV for TLV.
    assert_eq!(
        h["tlvs"], out["header"]["header"]["tlvs"],
        "serve: {h:#}\nsend: {:#}",
        out["header"]
    );
    let names: Vec<&str> = h["tlvs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        [
            "AWS",
            "AZURE",
            "GCP_PSC",
            "AUTHORITY",
            "ALPN",
            "UNIQUE_ID",
            "NETNS",
            "SSL",
            "CUSTOM",
            "CRC32C"
        ]
    );
    assert_eq!(c["client"], "192.0.2.10:1234");
}

#[test]
fn serve_sees_sends_faults_and_health_checks() {
    let mut s = Serve::on_any_port(&["--proxy", "required"]);
    let addr = s.addr();
    let t = addr.to_string();
    let (_, _) = ppdiag_json(&[
        "send",
        &t,
        "--local",
        "--family",
        "inet",
        "--crc32c",
        "--tlv",
        "4=hex:0000",
        "--http",
        "GET",
        "/",
    ]);
    let (code, _) = ppdiag_json(&[
        "send", &t, "--proxy", "v2", "--crc32c", "--break", "crc", "--http", "GET", "/",
    ]);
    assert_eq!(code, 1);
    let (_, _) = ppdiag_json(&[
        "send",
        &t,
        "--proxy",
        "v1",
        "--break",
        "duplicate",
        "--http",
        "GET",
        "/",
    ]);
    let all = s.records(3, 10);
    assert_eq!(all.len(), 3, "{all:?}");
    let codes_of = |c: &Value| -> Vec<String> {
        c["findings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["code"].as_str().unwrap().to_string())
            .collect()
    };
    // The AWS NLB health-check form: LOCAL, family 0x11, no address block.
    assert_eq!(
        all[0]["proxy"]["header"]["command"], "local",
        "{:#}",
        all[0]
    );
    assert_eq!(all[0]["proxy"]["header"]["family_byte"], 0x11);
    assert!(codes_of(&all[0]).contains(&"health-check-local".to_string()));
    assert!(
        codes_of(&all[1]).contains(&"proxy-crc-mismatch".to_string()),
        "{:#}",
        all[1]
    );
    assert!(
        codes_of(&all[2]).contains(&"proxy-header-duplicated".to_string()),
        "{:#}",
        all[2]
    );
}
