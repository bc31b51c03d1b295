//! Coloured tables seen in a real terminal: ppdiag runs inside tmux (so `--color auto`
//! sees a terminal), `capture-pane -e` returns the screen with its escape codes, and
//! the columns must line up once the codes are taken out, as a person sees them.

mod common;
use common::{process::need, serve::*};
use std::process::Command;
use std::time::{Duration, Instant};

/// The text without ANSI escape sequences (CSI ... final byte).
fn strip_ansi(s: &str) -> String {
    let mut out = String::new();
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' {
            if chars.peek() == Some(&'[') {
                chars.next();
                for c in chars.by_ref() {
                    if ('@'..='~').contains(&c) {
                        break;
                    }
                }
            }
            continue;
        }
        out.push(c);
    }
    out
}

/// Runs `command` in a private tmux server and returns the screen with escapes.
fn in_tmux(command: &str) -> String {
    let socket = format!("ppdiag-test-{}", std::process::id());
    let tmux = |args: &[&str]| {
        Command::new("tmux")
            .args(["-L", &socket, "-f", "/dev/null"])
            .args(args)
            .env_remove("NO_COLOR")
            .env("TERM", "xterm-256color")
            .output()
            .expect("run tmux")
    };
    let started = tmux(&[
        "new-session",
        "-d",
        "-x",
        "200",
        "-y",
        "120",
        &format!("{command}; echo __DONE__; sleep 120"),
    ]);
    assert!(
        started.status.success(),
        "{}",
        String::from_utf8_lossy(&started.stderr)
    );
    let until = Instant::now() + Duration::from_secs(60);
    let screen = loop {
        let out = tmux(&["capture-pane", "-p", "-e", "-J", "-S", "-"]);
        let text = String::from_utf8_lossy(&out.stdout).to_string();
        if text.contains("__DONE__") || Instant::now() > until {
            break text;
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    // Only our private server: the socket name is this test's.
    let _ = tmux(&["kill-server"]);
    assert!(
        screen.contains("__DONE__"),
        "the command did not finish: {screen}"
    );
    screen
}

#[test]
fn probe_table_lines_up_with_colour_on() {
    if !need("tmux") {
        return;
    }
    let serve = Serve::start(&["-l", "127.0.0.1:0", "--tls", "--proxy", "optional"], 1);
    let screen = in_tmux(&format!(
        "{} probe --timeout 2s {}",
        env!("CARGO_BIN_EXE_ppdiag"),
        serve.addr()
    ));
    assert!(
        screen.contains("\u{1b}["),
        "colour is on in a terminal: {screen}"
    );
    let plain = strip_ansi(&screen);
    let header = plain
        .lines()
        .find(|l| l.trim_start().starts_with("attempt "))
        .expect("the table header");
    let result_col = header.find("result").unwrap();
    let time_end = header.find("time").unwrap() + "time".len();
    let rows: Vec<&str> = plain
        .lines()
        .filter(|l| {
            let t = l.trim_start();
            ["none+", "v1+", "v2+", "v2-local+", "wait "]
                .iter()
                .any(|p| t.starts_with(p))
        })
        .collect();
    assert_eq!(rows.len(), 11, "{plain}");
    for row in &rows {
        let name_end = row.trim_start().find(' ').unwrap() + 2;
        let result_start = name_end + row[name_end..].len() - row[name_end..].trim_start().len();
        assert_eq!(
            result_start, result_col,
            "result column in `{row}`\n{plain}"
        );
        let ms = row.find(" ms").expect("a time");
        assert_eq!(
            ms + " ms".len(),
            time_end,
            "time column in `{row}`\n{plain}"
        );
    }
    // The key: value block above the table lines up too.
    let expects = plain
        .lines()
        .find(|l| l.trim_start().starts_with("expects:"))
        .unwrap();
    assert!(expects.starts_with("  expects: "), "`{expects}`");
    drop(serve);
}
