//! `ppdiag inspect` end to end: golden text and JSON for real and constructed inputs,
//! plus assertions on the JSON contract that do not depend on the golden files.

mod common;
use common::*;
use serde_json::Value;

/// (input file under testdata/inspect, expected exit code)
const CASES: &[(&str, i32)] = &[
    ("haproxy-v2-tlvs.xxd", 0),
    ("haproxy-local.hex", 0),
    ("aws-nlb-health-check.hex", 0),
    ("curl-v1-clienthello.hexdump", 0),
    ("duplicated.hex", 1),
    ("v1-leading-zero.txt", 1),
    ("v2-tlv-overrun.hex", 1),
    ("v2-truncated.hex", 1),
    ("nginx-broken-header-escaped.log", 1),
    ("nginx-1.22-broken-header-raw.log", 1),
    ("nginx-400-reply.bin", 0),
];

fn run(file: &str, format: &str) -> (String, i32) {
    let path = root().join("testdata/inspect").join(file);
    let o = ppdiag(&[
        "inspect",
        "--format",
        format,
        "--file",
        path.to_str().unwrap(),
    ]);
    assert!(stderr(&o).is_empty(), "{file}: {}", stderr(&o));
    (stdout(&o), o.status.code().unwrap())
}

#[test]
fn golden_text_and_json() {
    for (file, code) in CASES {
        let (text, c) = run(file, "text");
        assert_eq!(c, *code, "{file} exit code");
        golden(&format!("testdata/golden/inspect/{file}.txt"), &text);
        let (json, c) = run(file, "json");
        assert_eq!(c, *code, "{file} exit code (json)");
        golden(&format!("testdata/golden/inspect/{file}.json"), &json);
    }
}

fn json(file: &str) -> Value {
    serde_json::from_str(&run(file, "json").0).unwrap()
}

#[test]
fn json_contract_v2_with_tlvs_from_haproxy() {
    let v = json("haproxy-v2-tlvs.xxd");
    assert_eq!(v["kind"], "proxy-v2");
    assert_eq!(v["input_format"], "xxd");
    let p = &v["proxy"];
    assert_eq!(p["version"], 2);
    assert_eq!(p["command"], "proxy");
    assert_eq!(p["family"], "inet");
    assert_eq!(p["transport"], "stream");
    assert_eq!(p["source"], "127.0.0.1:50414");
    assert_eq!(p["destination"], "127.0.0.1:18450");
    assert_eq!(p["crc32c_ok"], true);
    let names: Vec<&str> = p["tlvs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["CRC32C", "AUTHORITY", "UNIQUE_ID", "SSL"]);
    assert_eq!(p["tlvs"][1]["value"]["text"], "example.com");
    assert_eq!(v["payload"]["kind"], "http-request");
    assert!(codes(&v).is_empty());
}

#[test]
fn json_contract_aws_health_check_has_no_addresses() {
    let v = json("aws-nlb-health-check.hex");
    assert_eq!(v["proxy"]["command"], "local");
    assert_eq!(v["proxy"]["family_byte"], 0x11);
    assert_eq!(v["proxy"]["source"], Value::Null);
    assert_eq!(v["proxy"]["destination"], Value::Null);
    assert_eq!(v["proxy"]["length"], 100);
    assert_eq!(codes(&v), ["health-check-local"]);
}

#[test]
fn malformed_gives_offset_and_rule() {
    let v = json("v2-tlv-overrun.hex");
    assert_eq!(v["proxy"], Value::Null);
    assert_eq!(codes(&v), ["proxy-header-malformed"]);
    assert_eq!(v["findings"][0]["offset"], 28);
    assert_eq!(v["proxy_problem"]["rule"], "v2-tlv-framing");
    assert_eq!(v["payload"], Value::Null);
}

#[test]
fn duplicated_and_missing_and_lenient() {
    assert_eq!(codes(&json("duplicated.hex")), ["proxy-header-duplicated"]);
    assert_eq!(
        codes(&json("nginx-1.22-broken-header-raw.log")),
        ["proxy-header-missing"]
    );
    let v = json("v1-leading-zero.txt");
    assert_eq!(codes(&v), ["proxy-header-malformed"]);
    assert_eq!(v["findings"][0]["severity"], "warning");
    assert_eq!(v["proxy"]["source"], "192.0.2.1:80");
    assert_eq!(
        codes(&json("v2-truncated.hex")),
        ["proxy-header-incomplete"]
    );
}

#[test]
fn inline_argument_and_stdin() {
    let o = ppdiag(&["inspect", "50 52 4f 58 59 20 55 4e 4b 4e 4f 57 4e 0d 0a"]);
    assert_eq!(o.status.code(), Some(0));
    assert!(
        stdout(&o).contains("PROXY v1 header (PROXY, 15 bytes)"),
        "{}",
        stdout(&o)
    );
    let o = ppdiag_stdin(&["inspect", "-"], b"\\x16\\x03\\x01\\x00\\x05");
    assert!(stdout(&o).contains("read as escaped"), "{}", stdout(&o));
}

#[test]
fn errors_exit_2_with_a_clear_message() {
    let o = ppdiag(&["inspect", "--file", "/nonexistent/dump.txt"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("cannot read /nonexistent/dump.txt"),
        "{}",
        stderr(&o)
    );
    let o = ppdiag(&["inspect", "16 03 0"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("line 1, column"), "{}", stderr(&o));
    let o = ppdiag(&["inspect"]);
    assert_eq!(o.status.code(), Some(2));
    let o = ppdiag(&["inspect", "--format", "yaml", "00"]);
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn colour_only_when_asked() {
    let path = root().join("testdata/inspect/duplicated.hex");
    let o = ppdiag(&["inspect", "--file", path.to_str().unwrap()]);
    assert!(
        !stdout(&o).contains('\x1b'),
        "NO_COLOR and a pipe: no colour"
    );
    let o = ppdiag(&[
        "inspect",
        "--color",
        "always",
        "--file",
        path.to_str().unwrap(),
    ]);
    assert!(stdout(&o).contains("\x1b["), "--color always colours");
}

#[test]
fn peer_bytes_cannot_drive_the_terminal() {
    // An escape sequence inside a v1 UNKNOWN line and in a banner.
    let o = ppdiag(&[
        "inspect",
        "\"PROXY UNKNOWN x\\r\\n\\x1b]0;pwned\\x07SSH-2.0-\\x1b[31mred\\r\\n\"",
    ]);
    let out = stdout(&o);
    assert!(
        !out.contains('\x1b'),
        "raw ESC reached the terminal: {out:?}"
    );
}
