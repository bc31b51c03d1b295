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

/// Whether the external program `name` can run here. Under `CI=true` a missing peer is a
/// test failure (CI installs every peer); elsewhere the caller skips with a message.
pub fn peer(name: &str) -> bool {
    let found = std::process::Command::new("sh")
        .args([
            "-c",
            &format!("command -v {name} || test -x /usr/sbin/{name}"),
        ])
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false);
    if !found {
        if std::env::var("CI").is_ok_and(|v| v == "true") {
            panic!("{name} is required under CI=true (.ci/run installs it)");
        }
        eprintln!("skipping: {name} is not installed");
    }
    found
}

/// A free TCP port on 127.0.0.1 (bound then released; good enough for test daemons).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

/// Stops the child process when dropped: SIGTERM first, so that a daemon's master
/// (nginx, haproxy) takes its workers down with it, then SIGKILL after 3 s.
pub struct Guard(pub std::process::Child);

impl Drop for Guard {
    fn drop(&mut self) {
        let pid = self.0.id().to_string();
        let _ = std::process::Command::new("kill")
            .args(["-TERM", &pid])
            .status();
        for _ in 0..60 {
            if let Ok(Some(_)) = self.0.try_wait() {
                return;
            }
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Waits until something accepts connections on 127.0.0.1:`port` (at most ~5 s).
pub fn wait_for_port(port: u16) -> bool {
    for _ in 0..100 {
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return true;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    false
}
