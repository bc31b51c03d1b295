//! `ppdiag decode` on captures recorded from real software on loopback
//! (testdata/captures, see regenerate.sh there): each capture's conversations must get
//! the verdicts in its `.expected` sidecar, and the header fields must agree with tshark.

mod common;
use common::*;
use serde_json::Value;
use std::path::Path;

const CAPTURES: &[&str] = &[
    "haproxy-v2-nginx-ssl.pcap",
    "haproxy-v1-nginx-http.pcap",
    "haproxy-v2-go.pcap",
    "direct-mistakes.pcap",
    "health-checks.pcap",
    "udp-proxy-v2.pcap",
    "ipv6.pcap",
    "any-sll2.pcap",
    "any-sll.pcap",
    "snaplen96.pcap",
    "two-interfaces.pcapng",
    "tls-alert.pcap",
    // Recorded by `PPDIAG_KEEP_CAPTURES=DIR cargo test --test path_scenarios`: tcpdump on
    // `lo` around one `ppdiag probe` of each real set-up.
    "haproxy-v1-postfix.pcap",
    "postfix-requiring-proxy.pcap",
    "nginx-stream-v1-echo.pcap",
    "haproxy-v2-sshd.pcap",
    "nginx-stream-dead-upstream.pcap",
    // client → HAProxy A (send-proxy) → B (send-proxy-v2, no accept-proxy) → socat echo.
    "haproxy-chain-duplicated.pcap",
    // Recorded by `PPDIAG_KEEP_CAPTURES=DIR cargo test --test probe_udp decode_names`:
    // tcpdump on a network namespace's loopback around one `ppdiag probe --udp` of
    // dnsdist 1.7 and PowerDNS Recursor 4.8 with and without PROXY, `ppdiag serve --udp
    // --proxy required`, and a port where nothing listens (ICMP port unreachable).
    "dnsdist-udp-proxy.pcap",
    "dnsdist-udp-plain.pcap",
    "recursor-udp-proxy.pcap",
    "recursor-udp-plain.pcap",
    "serve-udp-required.pcap",
    "nothing-udp-refused.pcap",
];

fn capture(name: &str) -> String {
    root()
        .join("testdata/captures")
        .join(name)
        .display()
        .to_string()
}

fn decode_json(path: &str) -> (Value, Option<i32>) {
    let o = ppdiag(&["decode", "--format", "json", path]);
    let v: Value = serde_json::from_slice(&o.stdout)
        .unwrap_or_else(|e| panic!("{path}: not JSON ({e}): {}", stderr(&o)));
    (v, o.status.code())
}

/// One line per conversation, independent of the client ports a recording picked.
fn verdict_lines(v: &Value) -> Vec<String> {
    let mut lines: Vec<String> = v["flows"]
        .as_array()
        .expect("flows")
        .iter()
        .map(|f| {
            let proxy = match &f["proxy"] {
                Value::Null if !f["proxy_problem"].is_null() => "cut-or-broken".to_string(),
                Value::Null => "none".to_string(),
                h => format!("v{}-{}", h["version"], h["command"].as_str().unwrap_or("?")),
            };
            let role = f["linked"]["role"].as_str().unwrap_or("-");
            let mut codes: Vec<&str> = f["findings"]
                .as_array()
                .unwrap()
                .iter()
                .map(|x| x["code"].as_str().unwrap())
                .collect();
            codes.sort();
            codes.dedup();
            let codes = if codes.is_empty() {
                "-".to_string()
            } else {
                codes.join(",")
            };
            format!(
                "{} {} server={} proxy={proxy} role={role} codes={codes}",
                f["transport"].as_str().unwrap(),
                f["outcome"]["kind"].as_str().unwrap_or("-"),
                f["server"].as_str().unwrap()
            )
        })
        .collect();
    lines.sort();
    lines
}

const SIDECAR_HEAD: &str = "# Expected verdicts, one line per conversation (sorted): transport, outcome, server,\n# the first PROXY header (version-command), the leg role when both legs are linked,\n# and the finding codes. Client ports are left out: they change when regenerate.sh runs.\n";

#[test]
fn the_invariants_hold_on_every_capture() {
    for name in CAPTURES {
        let (v, _) = decode_json(&capture(name));
        common::decode_invariants(name, &v);
    }
}

#[test]
fn every_capture_gets_its_expected_verdicts() {
    for name in CAPTURES {
        let (v, code) = decode_json(&capture(name));
        let actual = verdict_lines(&v);
        let sidecar = root()
            .join("testdata/captures")
            .join(Path::new(name).with_extension("expected"));
        let text = format!("{SIDECAR_HEAD}{}\n", actual.join("\n"));
        if std::env::var_os("PPDIAG_BLESS").is_some() {
            std::fs::write(&sidecar, &text).unwrap();
            continue;
        }
        let expected = std::fs::read_to_string(&sidecar)
            .unwrap_or_else(|e| panic!("{}: {e}", sidecar.display()));
        let expected: Vec<&str> = expected
            .lines()
            .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
            .collect();
        assert_eq!(actual, expected, "{name}");
        // Every conversation is accounted for, and the exit code follows the findings.
        let s = &v["summary"];
        assert_eq!(
            s["flows"].as_u64().unwrap() as usize,
            expected.len(),
            "{name}"
        );
        let problems = s["flows_with_problems"].as_u64().unwrap();
        assert_eq!(code, Some(if problems > 0 { 1 } else { 0 }), "{name}");
    }
}

#[test]
fn link_types_and_formats_are_named() {
    let cases = [
        ("any-sll2.pcap", "pcap", "Linux cooked v2 (SLL2)"),
        ("any-sll.pcap", "pcap", "Linux cooked (SLL)"),
        ("haproxy-v2-go.pcap", "pcap", "Ethernet"),
        ("two-interfaces.pcapng", "pcapng", "Linux cooked (SLL)"),
    ];
    for (name, format, link) in cases {
        let (v, _) = decode_json(&capture(name));
        assert_eq!(v["summary"]["format"], format, "{name}");
        let links: Vec<&str> = v["summary"]["link_types"]
            .as_array()
            .unwrap()
            .iter()
            .map(|l| l.as_str().unwrap())
            .collect();
        assert!(links.contains(&link), "{name}: {links:?}");
    }
    // Two interfaces, two link types, and no conversation counted twice.
    let (v, _) = decode_json(&capture("two-interfaces.pcapng"));
    assert_eq!(v["summary"]["link_types"].as_array().unwrap().len(), 2);
    assert_eq!(v["summary"]["flows"], 4);
    // The copies from the second interface are retransmissions while the conversation is
    // open, and late frames once it has ended; never a conversation of their own.
    let late = v["summary"]["skipped"]["late_after_close"]
        .as_u64()
        .unwrap();
    let retrans: u64 = v["flows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["retransmissions"].as_u64().unwrap())
        .sum();
    assert!(
        late + retrans >= 20,
        "late {late}, retransmissions {retrans}"
    );
    assert!(
        v["flows"]
            .as_array()
            .unwrap()
            .iter()
            .all(|f| f["overlap_conflicts"].is_null())
    );
}

#[test]
fn the_aws_nlb_health_check_is_read_as_local_without_addresses() {
    let (v, code) = decode_json(&capture("health-checks.pcap"));
    assert_eq!(code, Some(0), "a health check is informational");
    let nlb = v["flows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["proxy"]["length"] == 100)
        .expect("the NLB-style check");
    let h = &nlb["proxy"];
    assert_eq!(h["command"], "local");
    assert_eq!(h["family_byte"], 0x11);
    assert!(h["source"].is_null() && h["destination"].is_null());
    assert_eq!(h["crc32c_ok"], true);
    let tlvs: Vec<u64> = h["tlvs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["type"].as_u64().unwrap())
        .collect();
    assert_eq!(tlvs, [3, 4]);
}

#[test]
fn snaplen_cuts_are_gaps_not_errors() {
    let (v, _) = decode_json(&capture("snaplen96.pcap"));
    for f in v["flows"].as_array().unwrap() {
        let gaps = f["gaps"].as_array().expect("gaps");
        assert!(gaps.iter().all(|g| g["cause"] == "snaplen"), "{gaps:?}");
        let codes: Vec<&str> = f["findings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|x| x["code"].as_str().unwrap())
            .collect();
        assert!(!codes.contains(&"proxy-header-incomplete"), "{codes:?}");
    }
}

#[test]
fn the_client_leg_names_the_backend_cause() {
    let (v, _) = decode_json(&capture("haproxy-v2-nginx-ssl.pcap"));
    let flows = v["flows"].as_array().unwrap();
    let client_leg = flows
        .iter()
        .find(|f| {
            f["server"] == "127.0.0.1:18443"
                && f["client_sent"]["summary"]
                    .as_str()
                    .unwrap()
                    .contains("ALPN")
        })
        .unwrap();
    assert_eq!(client_leg["linked"]["role"], "client-leg");
    assert_eq!(client_leg["linked"]["by"], "proxy-header-addresses");
    let first = &client_leg["findings"][0];
    assert_eq!(first["code"], "proxy-header-not-expected");
    let evidence = first["evidence"].to_string();
    assert!(evidence.contains("tls-to-plaintext-port"), "{evidence}");
    let backend = flows
        .iter()
        .find(|f| f["id"] == client_leg["linked"]["flow"])
        .unwrap();
    assert_eq!(backend["proxy"]["source"], client_leg["client"]);
    assert_eq!(backend["fingerprint"], "nginx");
    assert!(
        backend["timing"]["server_answered_after_client_bytes"]
            .as_u64()
            .unwrap()
            <= 28
    );
}

/// tshark's PROXY dissector (heuristic first) and ppdiag must read the same fields.
#[test]
fn header_fields_agree_with_tshark() {
    let have = std::process::Command::new("tshark")
        .arg("--version")
        .output()
        .is_ok();
    if !have {
        if std::env::var("CI").as_deref() == Ok("true") {
            panic!("tshark is required under CI=true (.ci/run installs it)");
        }
        eprintln!("skipping: tshark is not installed");
        return;
    }
    let mut compared = 0;
    for name in CAPTURES {
        let path = capture(name);
        let o = std::process::Command::new("tshark")
            .args([
                "-r",
                &path,
                "-o",
                "tcp.try_heuristic_first:TRUE",
                "-Y",
                "proxy",
            ])
            .args(["-T", "fields", "-E", "separator=|"])
            .args([
                "-e",
                "tcp.srcport",
                "-e",
                "udp.srcport",
                "-e",
                "proxy.v2.cmd",
            ])
            .args([
                "-e",
                "proxy.src.ipv4",
                "-e",
                "proxy.src.ipv6",
                "-e",
                "proxy.srcport",
            ])
            .args([
                "-e",
                "proxy.dst.ipv4",
                "-e",
                "proxy.dst.ipv6",
                "-e",
                "proxy.dstport",
            ])
            .output()
            .expect("tshark runs");
        assert!(
            o.status.success(),
            "tshark on {name}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
        let (v, _) = decode_json(&path);
        let flows = v["flows"].as_array().unwrap();
        for row in String::from_utf8_lossy(&o.stdout).lines() {
            let c: Vec<&str> = row.split('|').collect();
            let sport = if c[0].is_empty() { c[1] } else { c[0] };
            let from = |side: &str| {
                flows
                    .iter()
                    .find(|f| f[side].as_str().unwrap().ends_with(&format!(":{sport}")))
            };
            // A header in a server's reply (an echo service returning one) is data to
            // ppdiag, not the conversation's header.
            if from("client").is_none() && from("server").is_some() {
                continue;
            }
            let flow =
                from("client").unwrap_or_else(|| panic!("{name}: no flow from port {sport}"));
            // Stacked headers: tshark shows one of them, ppdiag every one.
            if flow["more_proxy_headers"].is_array() {
                continue;
            }
            let h = &flow["proxy"];
            if c[2] == "0" {
                // LOCAL: receivers use the real endpoints. tshark (like ppp) reads an
                // address block from the AWS NLB check's TLVs; ppdiag must not.
                assert_eq!(h["command"], "local", "{name} {row}");
                assert!(h["source"].is_null(), "{name} {row}");
                compared += 1;
                continue;
            }
            let src_ip = if c[3].is_empty() { c[4] } else { c[3] };
            let dst_ip = if c[6].is_empty() { c[7] } else { c[6] };
            if src_ip.is_empty() || c[5].is_empty() || dst_ip.is_empty() || c[8].is_empty() {
                continue; // a header tshark could only partly read (snaplen)
            }
            let sock = |ip: &str, port: &str| {
                let ip: std::net::IpAddr = ip.parse().unwrap();
                std::net::SocketAddr::new(ip, port.parse().unwrap()).to_string()
            };
            let src = sock(src_ip, c[5]);
            if flow["transport"] == "udp" {
                // Each datagram carries its own header: every source must be listed.
                let sources = flow["proxy_sources"].to_string();
                assert!(
                    sources.contains(&format!("\"{src}\"")),
                    "{name} {row}: {sources}"
                );
                compared += 1;
                continue;
            }
            assert_eq!(h["source"], src.as_str(), "{name} {row}");
            assert_eq!(
                h["destination"],
                sock(dst_ip, c[8]).as_str(),
                "{name} {row}"
            );
            compared += 1;
        }
    }
    assert!(compared >= 12, "only {compared} headers compared");
}

#[test]
#[should_panic(expected = "failed but no problem")]
fn the_invariants_catch_a_failed_conversation_without_a_finding() {
    let v = serde_json::json!({"flows": [{
        "transport": "tcp",
        "findings": [],
        "notes": [],
        "outcome": {"kind": "reset"},
        "end": {"how": "rst", "by": "server"},
        "client_sent": {"kind": "tls-client-hello"}
    }]});
    common::decode_invariants("synthetic", &v);
}

/// What each recorded server beyond the web expects, read by the path model from the
/// probe's own conversations, as `probe` said it live.
#[test]
fn servers_beyond_the_web_from_recorded_probes() {
    for (name, proxy, application, cause) in [
        (
            "haproxy-v1-postfix.pcap",
            "unknown",
            Some("smtp"),
            Some("proxy-header-not-expected"),
        ),
        (
            "postfix-requiring-proxy.pcap",
            "required",
            Some("smtp"),
            Some("proxy-header-missing"),
        ),
        (
            "nginx-stream-v1-echo.pcap",
            "unknown",
            Some("echo"),
            Some("proxy-header-not-expected"),
        ),
        (
            "haproxy-v2-sshd.pcap",
            "unknown",
            Some("ssh"),
            Some("proxy-header-not-expected"),
        ),
        ("nginx-stream-dead-upstream.pcap", "unknown", None, None),
    ] {
        let (v, _) = decode_json(&capture(name));
        let servers = v["servers"].as_array().unwrap();
        assert_eq!(servers.len(), 1, "{name}: {servers:#?}");
        let s = &servers[0];
        assert_eq!(s["proxy"], proxy, "{name}: {s:#}");
        assert_eq!(s["application"].as_str(), application, "{name}: {s:#}");
        let causes: Vec<&str> = s["groups"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|g| g["cause"].as_str())
            .collect();
        if let Some(c) = cause {
            assert!(causes.contains(&c), "{name}: {s:#}");
        }
    }
    // A dead upstream: several explanations, an endpoint that closes everything first.
    let (v, _) = decode_json(&capture("nginx-stream-dead-upstream.pcap"));
    let h = v["servers"][0]["hypotheses"].as_array().unwrap();
    assert!(h.len() > 1 && h[0]["application"] == "closes", "{h:#?}");
    // The chain: the stacked headers are named on all three legs.
    let (v, _) = decode_json(&capture("haproxy-chain-duplicated.pcap"));
    for f in v["flows"].as_array().unwrap() {
        assert!(
            f["findings"]
                .to_string()
                .contains("proxy-header-duplicated"),
            "{f:#}"
        );
        assert_eq!(f["chain"].as_array().map(Vec::len), Some(3), "{f:#}");
    }
}
