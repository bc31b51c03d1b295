//! The one helper module of the integration tests. Here: run the built binary, compare
//! with golden files, check a decode report's invariants. Below: [`process`] (installed
//! programs, ports, the guard that stops a process by PID), [`capture`] (tcpdump),
//! [`peers`] (nginx, HAProxy,
//! OpenSSL, the Go servers, small listeners; [`peers::daemons`]: mail, database, SSH,
//! Redis and stream balancers) and [`serve`] (a running `ppdiag serve`).
//!
//! Every test binary declares `mod common;` and uses a part of it, hence the one
//! `allow(dead_code)` below.
#![allow(dead_code)]

pub mod capture;
pub mod peers;
pub mod process;
pub mod serve;

use std::path::{Path, PathBuf};
use std::process::Output;

/// The repository root.
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Runs ppdiag with `args` (colour off, NO_COLOR set) and returns its output.
pub fn ppdiag(args: &[&str]) -> Output {
    assert_cmd::Command::cargo_bin("ppdiag")
        .expect("binary built")
        .args(args)
        .env("NO_COLOR", "1")
        .output()
        .expect("ppdiag runs")
}

/// Runs ppdiag with `stdin` as standard input.
pub fn ppdiag_stdin(args: &[&str], stdin: &[u8]) -> Output {
    assert_cmd::Command::cargo_bin("ppdiag")
        .expect("binary built")
        .args(args)
        .env("NO_COLOR", "1")
        .write_stdin(stdin.to_vec())
        .output()
        .expect("ppdiag runs")
}

/// Stdout as a string.
pub fn stdout(o: &Output) -> String {
    String::from_utf8(o.stdout.clone()).expect("utf-8 stdout")
}

/// Stderr as a string.
pub fn stderr(o: &Output) -> String {
    String::from_utf8(o.stderr.clone()).expect("utf-8 stderr")
}

/// Compares `actual` with the golden file at `path` (relative to the repo root).
/// With `PPDIAG_BLESS=1` the file is rewritten instead; review the diff before committing.
pub fn golden(path: &str, actual: &str) {
    let file = root().join(path);
    if std::env::var_os("PPDIAG_BLESS").is_some() {
        std::fs::create_dir_all(file.parent().unwrap()).unwrap();
        std::fs::write(&file, actual).unwrap();
        return;
    }
    let expected = std::fs::read_to_string(&file).unwrap_or_else(|e| {
        panic!(
            "{}: {e} (run with PPDIAG_BLESS=1 to create it)",
            file.display()
        )
    });
    if expected != actual {
        let diff = first_difference(&expected, actual);
        panic!(
            "{} differs from the output (run with PPDIAG_BLESS=1 to update, then review the diff)\n{diff}",
            file.display()
        );
    }
}

fn first_difference(expected: &str, actual: &str) -> String {
    for (i, (e, a)) in expected.lines().zip(actual.lines()).enumerate() {
        if e != a {
            return format!("line {}:\n- {e}\n+ {a}", i + 1);
        }
    }
    format!(
        "line counts differ: expected {}, got {}",
        expected.lines().count(),
        actual.lines().count()
    )
}

/// Reads a test fixture relative to the repo root.
pub fn fixture(path: &str) -> String {
    let p: &Path = &root().join(path);
    std::fs::read_to_string(p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

/// The invariants of a decode report (`--format json`), checked on every capture the
/// tests decode: a conversation that failed is never "no problem found"; `ended` and
/// `outcome` agree; every error carries a fix; one conversation names one PROXY cause
/// unless its evidence says the causes are alternatives.
pub fn decode_invariants(name: &str, v: &serde_json::Value) {
    for f in v["flows"].as_array().expect("flows") {
        if f["transport"] != "tcp" {
            continue;
        }
        let ctx = || format!("{name}: {f:#}");
        let findings = f["findings"].as_array().unwrap();
        let notes = f["notes"].to_string();
        let outcome = f["outcome"]["kind"].as_str().unwrap_or("");
        let end = &f["end"];
        let lost = notes.contains("not-captured");
        // ended and outcome agree.
        if end["by"] == "server" && end["how"] == "fin" {
            assert_ne!(outcome, "reset", "{}", ctx());
        }
        if end["by"] == "server" && end["how"] == "rst" {
            assert_ne!(outcome, "closed-silently", "{}", ctx());
        }
        // A failed conversation is never "no problem found".
        let sent_tls = f["client_sent"]["kind"] == "tls-client-hello";
        let failed = outcome == "reset"
            || (sent_tls
                && !matches!(outcome, "tls-accepted" | "silent" | "")
                && end["how"] != "open");
        if failed && !lost {
            assert!(
                findings.iter().any(|x| x["severity"] != "info"),
                "failed but no problem: {}",
                ctx()
            );
        }
        // Every error has a fix.
        for x in findings {
            if x["severity"] == "error" {
                assert!(
                    !x["fixes"].as_array().unwrap().is_empty(),
                    "error without a fix: {}",
                    ctx()
                );
            }
        }
        // One PROXY cause per conversation, unless they are said to be alternatives.
        let causes: Vec<&str> = findings
            .iter()
            .filter(|x| x["severity"] == "error")
            .filter_map(|x| x["code"].as_str())
            .filter(|c| {
                matches!(
                    *c,
                    "proxy-header-not-expected"
                        | "proxy-header-missing"
                        | "proxy-version-unsupported"
                )
            })
            .collect();
        let mut distinct = causes.clone();
        distinct.sort();
        distinct.dedup();
        if distinct.len() > 1 {
            assert!(
                f["findings"].to_string().contains("alternative"),
                "two causes, not said to be alternatives: {}",
                ctx()
            );
        }
    }
}

/// The finding codes of a JSON report, in order.
pub fn codes(report: &serde_json::Value) -> Vec<String> {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["code"].as_str().unwrap().to_string())
        .collect()
}
