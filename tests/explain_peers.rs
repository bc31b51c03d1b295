//! `ppdiag explain` on what real clients print: OpenSSH's `ssh` and the MariaDB client,
//! run against real HAProxy in front of a real sshd (or of nothing), in the four set-ups
//! their messages come from; curl through HAProxy adding a header in front of an echo;
//! and nginx's access log line for curl's TLS on a plaintext port, and its error log for
//! a `proxy_pass` to an upstream that requires a header. Each message is read live, then explained; the entry and its
//! first cause must be the set-up's. Where an entry says which observation tells its
//! causes apart (`ppdiag probe` on the port), that probe is run too.
//!
//! One sshd and one HAProxy (four listeners), and one nginx, for the whole binary. Under
//! CI=true a missing program fails; elsewhere the test skips.

mod common;
use common::peers::daemons;
use common::process::need;
use common::{ppdiag, stdout};
use serde_json::Value;
use std::process::{Command, Stdio};

/// What `ppdiag explain --format json` makes of `msg`: the best entry's id and the codes
/// of its causes, in rank order.
fn explained(msg: &str) -> (String, Vec<String>) {
    let o = ppdiag(&["explain", "--format", "json", msg]);
    let v: Value = serde_json::from_str(&stdout(&o)).expect("explain JSON");
    let best = &v["matches"][0];
    let causes = best["causes"]
        .as_array()
        .map(|c| {
            c.iter()
                .map(|x| x["code"].as_str().unwrap_or("").to_string())
                .collect()
        })
        .unwrap_or_default();
    (
        best["id"].as_str().unwrap_or("no match").to_string(),
        causes,
    )
}

/// `m` (what a program printed) holds `words`, and `explain` gives it the entry `id`
/// with `first` as its first causes, in rank order.
fn explains(m: &str, words: &str, id: &str, first: &[&str]) {
    assert!(m.contains(words), "{m}");
    let (got, causes) = explained(m);
    assert_eq!(got, id, "{m}");
    assert_eq!(&causes[..first.len().min(causes.len())], first, "{m}");
}

/// What a client printed on standard error (both streams, in case it uses the other).
fn printed(cmd: &mut Command) -> String {
    let o = cmd.stdin(Stdio::null()).output().expect("the client runs");
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stderr),
        String::from_utf8_lossy(&o.stdout)
    )
}

/// `ssh ... true` to 127.0.0.1:`port`, with no user configuration and no key prompts.
fn ssh(port: u16) -> String {
    printed(
        Command::new("timeout")
            .args(["30", "ssh", "-F", "/dev/null", "-o", "BatchMode=yes"])
            .args([
                "-o",
                "StrictHostKeyChecking=no",
                "-o",
                "UserKnownHostsFile=/dev/null",
            ])
            .args([
                "-o",
                "ConnectTimeout=10",
                "-p",
                &port.to_string(),
                "127.0.0.1",
                "true",
            ]),
    )
}

/// The MariaDB client's `select 1` on 127.0.0.1:`port`.
fn mariadb(port: u16) -> String {
    printed(
        Command::new("timeout")
            .args(["60", "mariadb", "--no-defaults", "-h", "127.0.0.1"])
            .args(["-P", &port.to_string(), "-uroot", "--connect-timeout=40"])
            .args(["-e", "select 1"]),
    )
}

/// `ppdiag probe --format json --timeout T` of 127.0.0.1:`port`: its first probe.
fn probe(port: u16, timeout: &str) -> Value {
    let addr = format!("127.0.0.1:{port}");
    let o = ppdiag(&["probe", &addr, "--format", "json", "--timeout", timeout]);
    let v: Value = serde_json::from_str(&stdout(&o)).expect("probe JSON");
    v["probes"][0].clone()
}

fn codes(probe: &Value) -> Vec<String> {
    probe["findings"]
        .as_array()
        .map(|f| {
            f.iter()
                .map(|x| x["code"].as_str().unwrap_or("").to_string())
                .collect()
        })
        .unwrap_or_default()
}

#[test]
fn real_client_messages_are_explained_by_their_set_up() {
    if !need("ssh") || !need("mariadb") || !need("timeout") {
        return;
    }
    let Some(sshd) = daemons::sshd() else {
        return;
    };
    let Some(echo) = daemons::socat_echo() else {
        return;
    };
    // Nothing listens on `dead`: the balancer's backend is down.
    let dead = common::process::free_port();
    let (s, e) = (sshd.port, echo.port);
    let Some(lb) = daemons::haproxy_tcp_sections(5, |p| {
        format!(
            "listen v1\n  bind 127.0.0.1:{}\n  server s 127.0.0.1:{s} send-proxy\n\
             listen v2\n  bind 127.0.0.1:{}\n  server s 127.0.0.1:{s} send-proxy-v2\n\
             listen needs_header\n  bind 127.0.0.1:{} accept-proxy\n  server s 127.0.0.1:{s}\n\
             listen no_backend\n  bind 127.0.0.1:{}\n  server s 127.0.0.1:{dead}\n\
             listen to_echo\n  bind 127.0.0.1:{}\n  server s 127.0.0.1:{e} send-proxy\n",
            p[0], p[1], p[2], p[3], p[4]
        )
    }) else {
        return;
    };
    let [v1, v2, needs_header, no_backend, to_echo] = [
        lb.ports[0],
        lb.ports[1],
        lb.ports[2],
        lb.ports[3],
        lb.ports[4],
    ];

    // curl through a balancer that adds a header in front of an echo service: the header
    // comes back first, which curl takes for an HTTP/0.9 reply.
    let m = printed(
        Command::new("curl")
            .args(["-sS", "-m", "10"])
            .arg(format!("http://127.0.0.1:{to_echo}/")),
    );
    explains(
        &m,
        "Received HTTP/0.9 when not allowed",
        "curl-http09",
        &["proxy-header-not-expected"],
    );

    // A balancer adds a header (v1 or v2) in front of sshd, which has no PROXY reader.
    for port in [v1, v2] {
        let m = ssh(port);
        explains(
            &m,
            "Bad packet length 1231976033",
            "ssh-bad-packet-length-proxy",
            &["proxy-header-not-expected"],
        );
    }

    // A listener that requires a header, reached without one: ssh speaks at once and is
    // reset; the MariaDB client waits for a greeting that never comes.
    let m = ssh(needs_header);
    explains(
        &m,
        "kex_exchange_identification: read: Connection reset by peer",
        "ssh-kex-reset",
        &["proxy-header-missing", "connection-reset"],
    );
    let m = mariadb(needs_header);
    explains(
        &m,
        "reading initial communication packet",
        "mysql-lost-initial-packet",
        &["proxy-header-missing", "connection-closed"],
    );
    // What the entries say tells the causes apart: probe finds the requirement.
    let p = probe(needs_header, "1500ms");
    assert_eq!(
        p["expects"]["proxy"],
        "required",
        "{}\n{}",
        p["summary"],
        std::fs::read_to_string(&lb.log).unwrap_or_default()
    );

    // A balancer with its backend down: ssh sees a close; the MariaDB client prints the
    // same words as above, which the entry ranks second and probe tells apart.
    let m = ssh(no_backend);
    explains(
        &m,
        "kex_exchange_identification: Connection closed by remote host",
        "ssh-kex-closed",
        &["connection-closed"],
    );
    let m = mariadb(no_backend);
    explains(
        &m,
        "reading initial communication packet",
        "mysql-lost-initial-packet",
        &[],
    );
    // HAProxy holds the connection through its connect retries (about three seconds)
    // before it closes: a probe that waits longer sees the close.
    let p = probe(no_backend, "6s");
    assert_ne!(p["expects"]["proxy"], "required", "{p}");
    assert!(codes(&p).contains(&"connection-closed".to_string()), "{p}");
}

/// nginx logs a TLS ClientHello on a plaintext `listen` as an escaped request line in its
/// access log; `explain` must name TLS on a plaintext port, not a missing PROXY header.
/// And nginx's `proxy_pass` to an upstream that requires a header (it cannot send one).
#[test]
fn nginx_access_log_of_tls_and_an_upstream_that_requires_a_header() {
    if !need("nginx") || !need("curl") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let [port, front, upstream] = [(); 3].map(|()| common::process::free_port());
    let log = dir.path().join("access.log");
    let _nginx = common::peers::nginx(
        &format!(
            "  server {{\n    listen 127.0.0.1:{port};\n    access_log {};\n    location / {{ return 200 \"ok\\n\"; }}\n  }}\n\
             server {{\n    listen 127.0.0.1:{upstream} proxy_protocol;\n    location / {{ return 200 \"ok\\n\"; }}\n  }}\n\
             server {{\n    listen 127.0.0.1:{front};\n    location / {{ proxy_pass http://127.0.0.1:{upstream}; }}\n  }}",
            log.display()
        ),
        &[port, front, upstream],
        dir.path(),
    );
    // nginx's proxy_pass cannot send a PROXY header; its upstream requires one.
    let _ = Command::new("curl")
        .args(["-s", "-m", "5", "-o", "/dev/null"])
        .arg(format!("http://127.0.0.1:{front}/"))
        .status();
    let errors = std::fs::read_to_string(dir.path().join("error.log")).unwrap_or_default();
    let line = errors
        .lines()
        .find(|l| l.contains("upstream prematurely closed"))
        .unwrap_or_else(|| panic!("no upstream line: {errors}"));
    explains(
        line,
        "upstream prematurely closed",
        "nginx-upstream-prematurely-closed",
        &["proxy-header-missing", "connection-closed"],
    );
    // curl's https:// to the plaintext port: nginx answers a plaintext 400.
    let _ = Command::new("curl")
        .args(["-s", "-m", "5", "-o", "/dev/null"])
        .arg(format!("https://127.0.0.1:{port}/"))
        .status();
    // nginx writes the line when the connection ends; give it a moment.
    let mut line = String::new();
    for _ in 0..50 {
        line = std::fs::read_to_string(&log).unwrap_or_default();
        if !line.is_empty() {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    explains(
        line.trim(),
        "\"\\x16\\x03",
        "nginx-access-log-tls",
        &["tls-to-plaintext-port"],
    );
}
