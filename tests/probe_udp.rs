//! `probe --udp` against real receivers of PROXY v2 over UDP: dnsdist 1.7 with and
//! without `setProxyProtocolACL`, PowerDNS Recursor 4.8 with and without
//! `proxy-protocol-from`, and ppdiag serve `--udp`. The DNS daemons run in a network
//! namespace of the test's own with only its loopback up, so nothing they try (security
//! polls, root priming) leaves the machine; they need root, which CI has.

mod common;
use common::serve::Serve;

use common::{ppdiag, stdout};
use serde_json::Value;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// A network namespace with only `lo`, deleted on drop.
struct Netns(String);

impl Netns {
    fn new(tag: &str) -> Option<Netns> {
        let root = Command::new("id")
            .arg("-u")
            .output()
            .is_ok_and(|o| o.stdout.starts_with(b"0"));
        if !common::process::need("ip") {
            return None;
        }
        if !root {
            assert!(
                std::env::var_os("CI").is_none(),
                "the UDP peers need root (a network namespace)"
            );
            eprintln!("SKIP: not root");
            return None;
        }
        let name = format!("ppdiag-{}-{tag}", std::process::id());
        let ok = Command::new("ip")
            .args(["netns", "add", &name])
            .status()
            .is_ok_and(|s| s.success())
            && Command::new("ip")
                .args(["-n", &name, "link", "set", "lo", "up"])
                .status()
                .is_ok_and(|s| s.success());
        assert!(ok, "cannot create network namespace {name}");
        Some(Netns(name))
    }

    /// `cmd` inside the namespace.
    fn cmd(&self, program: &str) -> Command {
        let mut c = Command::new("ip");
        c.args(["netns", "exec", &self.0, program]);
        c
    }

    /// Waits (at most 10 s) until something accepts TCP on `port` inside.
    fn wait_tcp(&self, port: u16, guard: &mut common::process::Guard) {
        let end = Instant::now() + Duration::from_secs(10);
        while Instant::now() < end {
            let ok = self
                .cmd("bash")
                .args(["-c", &format!("exec 3<>/dev/tcp/127.0.0.1/{port}")])
                .stderr(Stdio::null())
                .status()
                .is_ok_and(|s| s.success());
            if ok {
                return;
            }
            assert!(
                guard.alive(),
                "the daemon exited before listening on {port}"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
        panic!("nothing listened on {port} within 10 s");
    }

    fn probe(&self, target: &str) -> (i32, Value) {
        let o = self
            .cmd(env!("CARGO_BIN_EXE_ppdiag"))
            .args([
                "probe",
                target,
                "--udp",
                "--timeout",
                "800ms",
                "--format",
                "json",
            ])
            .env("NO_COLOR", "1")
            .output()
            .unwrap();
        let v: Value = serde_json::from_slice(&o.stdout)
            .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&o.stderr)));
        (o.status.code().unwrap_or(-1), v["probes"][0].clone())
    }
}

impl Drop for Netns {
    fn drop(&mut self) {
        let _ = Command::new("ip").args(["netns", "del", &self.0]).status();
    }
}

fn dnsdist(ns: &Netns, dir: &std::path::Path, port: u16, acl: bool) -> common::process::Guard {
    let conf = dir.join(format!("dnsdist-{port}.conf"));
    std::fs::write(
        &conf,
        format!(
            "setSecurityPollSuffix(\"\")\nsetLocal(\"127.0.0.1:{port}\")\n{}addAction(AllRule(), SpoofAction(\"192.0.2.1\"))\n",
            if acl { "setProxyProtocolACL({\"127.0.0.0/8\"})\n" } else { "" }
        ),
    )
    .unwrap();
    let mut cmd = ns.cmd("dnsdist");
    cmd.args(["--supervised", "--disable-syslog", "-C"])
        .arg(&conf);
    let mut g = common::process::Guard::spawn("dnsdist", &mut cmd, None);
    ns.wait_tcp(port, &mut g);
    g
}

fn recursor(ns: &Netns, dir: &std::path::Path, port: u16, proxy: bool) -> common::process::Guard {
    let d = dir.join(format!("rec-{port}"));
    std::fs::create_dir_all(&d).unwrap();
    let mut cmd = ns.cmd("pdns_recursor");
    cmd.args([
        "--daemon=no",
        "--local-address=127.0.0.1",
        "--disable-syslog",
        "--security-poll-suffix=",
    ])
    .arg(format!("--local-port={port}"))
    .arg(format!("--socket-dir={}", d.display()))
    .arg(format!("--config-dir={}", d.display()));
    if proxy {
        cmd.arg("--proxy-protocol-from=127.0.0.1");
    }
    let mut g = common::process::Guard::spawn("pdns_recursor", &mut cmd, None);
    ns.wait_tcp(port, &mut g);
    g
}

fn outcome(r: &Value, attempt: &str) -> String {
    r["attempts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["name"] == attempt)
        .map(|a| a["outcome"]["kind"].as_str().unwrap().to_string())
        .unwrap()
}

#[test]
fn dnsdist_and_the_recursor_with_and_without_proxy() {
    if !common::process::need("dnsdist") || !common::process::need("pdns_recursor") {
        return;
    }
    let Some(ns) = Netns::new("dns") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let _a = dnsdist(&ns, dir.path(), 5301, true);
    let _b = dnsdist(&ns, dir.path(), 5302, false);
    let _c = recursor(&ns, dir.path(), 5303, true);
    let _d = recursor(&ns, dir.path(), 5304, false);
    for (port, proxy, who) in [
        (5301, "required", "dnsdist setProxyProtocolACL"),
        (5302, "forbidden", "dnsdist"),
        (5303, "required", "pdns_recursor proxy-protocol-from"),
        (5304, "forbidden", "pdns_recursor"),
    ] {
        let (code, r) = ns.probe(&format!("127.0.0.1:{port}"));
        assert_eq!(r["expects"]["proxy"], proxy, "{who}: {r:#}");
        assert_eq!(r["expects"]["protocol"], "dns", "{who}: {r:#}");
        assert_eq!(r["transport"], "udp", "{who}: {r:#}");
        // A direct probe of the backend: what it expects is info, not an error.
        assert_eq!(code, 0, "{who}: {r:#}");
        if proxy == "required" {
            // Both read the header on every datagram: the second one, without it, is
            // dropped like any datagram without a header from a listed source.
            assert_eq!(outcome(&r, "v2-then-none"), "silent", "{who}: {r:#}");
            assert_eq!(outcome(&r, "v2-local"), "answered", "{who}: {r:#}");
        }
    }
    // Nothing listens: the ICMP port unreachable is a refusal.
    let (code, r) = ns.probe("127.0.0.1:5399");
    assert_eq!(code, 1);
    assert_eq!(r["findings"][0]["code"], "connection-refused", "{r:#}");
}

#[test]
fn ppdiag_serve_over_udp() {
    for (proxy, expected) in [
        ("required", "required"),
        ("forbidden", "forbidden"),
        ("optional", "optional"),
    ] {
        let serve = Serve::on_any_port(&["--udp", "--proxy", proxy, "--reply", "echo"]);
        let port = serve.addr().port();
        let o = ppdiag(&[
            "probe",
            &format!("127.0.0.1:{port}"),
            "--udp",
            "--timeout",
            "600ms",
            "--format",
            "json",
        ]);
        let v: Value = serde_json::from_str(&stdout(&o)).unwrap();
        let r = &v["probes"][0];
        assert_eq!(r["expects"]["proxy"], expected, "{proxy}: {r:#}");
    }
}

#[test]
fn v1_has_no_udp_form() {
    let o = ppdiag(&["probe", "127.0.0.1:53", "--udp", "--only", "v1"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        common::stderr(&o).contains("PROXY v1 has no UDP form"),
        "{}",
        common::stderr(&o)
    );
}
