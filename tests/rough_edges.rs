//! The rough edges a new user hit (issue 13), each pinned by a test: one duration rule
//! and message, usage lines without the global options, errors in words, targets that
//! cannot be probed refused, `decode --port` keeping the capture's ids, inspect showing
//! both v2 lengths, and `send --src` defaulting `--dst` to the connected address.

mod common;
use common::{root, serve::*};
use std::process::Output;

fn ppdiag(args: &[&str]) -> Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_ppdiag"))
        .args(args)
        .env("NO_COLOR", "1")
        .output()
        .expect("run ppdiag")
}

fn err(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).to_string()
}

#[test]
fn one_duration_rule_and_message() {
    let zero = ppdiag(&["probe", "--timeout", "0", "127.0.0.1:1"]);
    let big = ppdiag(&["probe", "--timeout", "1000", "127.0.0.1:1"]);
    assert_eq!(zero.status.code(), Some(2));
    assert_eq!(big.status.code(), Some(2));
    let rule = "give a duration between 50ms and 5m";
    assert!(err(&zero).contains(rule), "{}", err(&zero));
    assert!(err(&big).contains(rule), "{}", err(&big));
    let serve = ppdiag(&["serve", "--header-timeout", "0"]);
    assert!(
        err(&serve).contains("--header-timeout `0`: give a duration between"),
        "{}",
        err(&serve)
    );
}

#[test]
fn usage_lines_do_not_show_global_options_as_required() {
    let o = ppdiag(&["decode", "--color", "never", "--format", "json"]);
    assert_eq!(o.status.code(), Some(2));
    let usage = err(&o);
    let line = usage.lines().find(|l| l.starts_with("Usage:")).unwrap();
    assert_eq!(line, "Usage: ppdiag decode <CAPTURE>", "{usage}");
    let help = String::from_utf8_lossy(&ppdiag(&["--help"]).stdout).to_string();
    assert!(help.contains("Usage: ppdiag [OPTIONS] <COMMAND>"), "{help}");
}

#[test]
fn capture_errors_are_words() {
    let dir = tempfile::tempdir().unwrap();
    let o = ppdiag(&["decode", dir.path().to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    assert!(err(&o).contains("it is a directory"), "{}", err(&o));
    let short = dir.path().join("short.pcap");
    let capture = std::fs::read(root().join("testdata/captures/any-sll.pcap")).unwrap();
    std::fs::write(&short, &capture[..10]).unwrap();
    let o = ppdiag(&["decode", short.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        err(&o).contains("ends inside the capture's file header"),
        "{}",
        err(&o)
    );
    let missing = ppdiag(&["decode", "/nonexistent/x.pcap"]);
    for o in [&o, &missing] {
        let e = err(o);
        for internal in ["Incomplete(", "ReadError", "os error", "Kind("] {
            assert!(!e.contains(internal), "{e}");
        }
    }
}

#[test]
fn targets_that_cannot_be_probed_are_refused() {
    for (target, why) in [
        ("127.0.0.1:0", "port 0"),
        ("ftp://127.0.0.1/", "not ftp://"),
        ("ftp://127.0.0.1:21/", "not ftp://"),
    ] {
        let o = ppdiag(&["probe", target]);
        assert_eq!(o.status.code(), Some(2), "{target}");
        assert!(err(&o).contains(why), "{target}: {}", err(&o));
    }
}

#[test]
fn decode_port_keeps_the_ids_of_the_whole_capture() {
    let cap = root().join("testdata/captures/haproxy-v2-nginx-ssl.pcap");
    let ids = |extra: &[&str]| -> Vec<(u64, String)> {
        let mut args = vec!["--format", "ndjson", "decode"];
        args.extend_from_slice(extra);
        args.push(cap.to_str().unwrap());
        let o = ppdiag(&args);
        String::from_utf8_lossy(&o.stdout)
            .lines()
            .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
            .filter_map(|v| Some((v["id"].as_u64()?, v["client"].as_str()?.to_string())))
            .collect()
    };
    let all = ids(&[]);
    let some = ids(&["--port", "19443"]);
    assert!(
        !some.is_empty() && some.len() < all.len(),
        "{all:?} {some:?}"
    );
    for conv in &some {
        assert!(all.contains(conv), "{conv:?} not among {all:?}");
    }
    assert_ne!(
        some[0].0, 1,
        "the first kept conversation is not renumbered #1"
    );
}

#[test]
fn inspect_shows_header_size_and_length_field() {
    // AWS NLB health check: LOCAL, family 0x11, CRC32C then a 74-byte NOOP (length 84).
    let mut h = b"\r\n\r\n\0\r\nQUIT\n\x20\x11\x00\x54".to_vec();
    h.extend_from_slice(&[3, 0, 4, 0, 0, 0, 0, 4, 0, 74]);
    h.extend(std::iter::repeat_n(0u8, 74));
    let hex: String = h.iter().map(|b| format!("{b:02x}")).collect();
    let o = ppdiag(&["inspect", &hex]);
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(text.contains("header 100 bytes, length field 84"), "{text}");
}

#[test]
fn send_src_defaults_dst_to_the_connected_address() {
    let serve = Serve::start(&["-l", "127.0.0.1:0", "--count", "1"], 1);
    let target = serve.addr().to_string();
    let o = ppdiag(&[
        "send",
        &target,
        "--proxy",
        "v2",
        "--src",
        "203.0.113.7:51000",
        "--http",
        "GET",
        "/",
    ]);
    assert!(o.status.success(), "{}", err(&o));
    let (code, rest) = serve.finish(20);
    assert_eq!(code, Some(0), "{rest:?}");
    let h = &rest[0]["proxy"]["header"];
    assert_eq!(h["source"], "203.0.113.7:51000");
    assert_eq!(
        h["destination"],
        target.as_str(),
        "like curl's --haproxy-clientip"
    );
}
