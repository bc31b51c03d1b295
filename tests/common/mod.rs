//! Helpers for the end-to-end tests: run the built binary, compare with golden files.
#![allow(dead_code)]

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

mod peers;
#[allow(unused_imports)]
pub use peers::*;
