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

/// tcpdump on the loopback of a namespace, one port's UDP and ICMP.
struct Capture(common::capture::Capture);

impl Capture {
    fn start(ns: &Netns, port: u16) -> Option<Capture> {
        let bin = common::process::find_bin("tcpdump")?;
        let filter = format!("udp port {port} or icmp or icmp6");
        Some(Capture(common::capture::Capture::start(
            ns.cmd(bin.to_str().unwrap()),
            &filter,
        )))
    }

    fn stop(self, keep_as: &str) -> tempfile::NamedTempFile {
        let file = self.0.stop();
        // PPDIAG_KEEP_CAPTURES=DIR keeps the capture (testdata/captures/*-udp-*.pcap).
        if let Some(dir) = std::env::var_os("PPDIAG_KEEP_CAPTURES") {
            let to = std::path::Path::new(&dir).join(format!("{keep_as}.pcap"));
            std::fs::copy(file.path(), to).unwrap();
        }
        file
    }
}

/// The finding codes of a probe report, and of every conversation of a decode report,
/// each sorted and without repeats.
fn code_set(findings: impl Iterator<Item = Value>) -> Vec<String> {
    let mut v: Vec<String> = findings
        .map(|f| f["code"].as_str().unwrap().to_string())
        .collect();
    v.sort();
    v.dedup();
    v
}

/// decode of the capture of a probe names the probe's causes, on the conversations that
/// carried them.
fn decode_agrees(who: &str, pcap: &std::path::Path, probe: &Value) -> Value {
    let o = ppdiag(&["decode", pcap.to_str().unwrap(), "--format", "json"]);
    let v: Value = serde_json::from_str(&stdout(&o)).expect("decode JSON");
    let flows = v["flows"].as_array().unwrap();
    assert_eq!(flows.len(), 4, "{who}: one conversation per attempt: {v:#}");
    let probe_codes = code_set(probe["findings"].as_array().unwrap().iter().cloned());
    // The opening analysis notes any v2 LOCAL header as a health check (`info`), as it
    // does over TCP; the rest are the UDP model's.
    let decode_codes = code_set(
        flows
            .iter()
            .flat_map(|f| f["findings"].as_array().unwrap().clone())
            .filter(|f| !(f["code"] == "health-check-local" && f["severity"] == "info")),
    );
    assert_eq!(
        decode_codes, probe_codes,
        "{who}: probe {probe:#}\ndecode {v:#}"
    );
    assert_eq!(v["summary"]["udp_flows"], 4, "{who}");
    assert_eq!(v["summary"]["skipped"]["udp_without_proxy"], 0, "{who}");
    common::decode_invariants(who, &v);
    v
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

/// The same traffic captured: tcpdump on the namespace's loopback around each `probe
/// --udp` of the DNS peers (and of a port where nothing listens), then decode of the
/// capture must name the causes the probe named (`proxy-header-not-expected` for a v2
/// datagram to a server without PROXY, `proxy-header-missing` for the header-less
/// datagram a PROXY-requiring server dropped, `connection-refused` for the ICMP port
/// unreachable). `PPDIAG_KEEP_CAPTURES=DIR` keeps the captures (the `*-udp-*.pcap` of
/// testdata/captures were recorded so).
#[test]
fn decode_names_the_probes_causes_on_its_captured_traffic() {
    if !common::process::need("dnsdist")
        || !common::process::need("pdns_recursor")
        || !common::process::need("tcpdump")
    {
        return;
    }
    let Some(ns) = Netns::new("cap") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let _a = dnsdist(&ns, dir.path(), 5311, true);
    let _b = dnsdist(&ns, dir.path(), 5312, false);
    let _c = recursor(&ns, dir.path(), 5313, true);
    let _d = recursor(&ns, dir.path(), 5314, false);
    let mut serve = ns.cmd(env!("CARGO_BIN_EXE_ppdiag"));
    serve.args([
        "serve",
        "-l",
        "127.0.0.1:5315",
        "--udp",
        "--proxy",
        "required",
    ]);
    serve.args(["--reply", "echo"]);
    let mut e = common::process::Guard::spawn("ppdiag serve", &mut serve, None);
    ns.wait_tcp(5315, &mut e);
    for (port, name, want) in [
        (5311, "dnsdist-udp-proxy", "proxy-header-missing"),
        (5312, "dnsdist-udp-plain", "proxy-header-not-expected"),
        (5313, "recursor-udp-proxy", "proxy-header-missing"),
        (5314, "recursor-udp-plain", "proxy-header-not-expected"),
        (5315, "serve-udp-required", "proxy-header-missing"),
        (5319, "nothing-udp-refused", "connection-refused"),
    ] {
        let started = Instant::now();
        let cap = Capture::start(&ns, port).expect("tcpdump");
        let (_, r) = ns.probe(&format!("127.0.0.1:{port}"));
        let pcap = cap.stop(name);
        let v = decode_agrees(name, pcap.path(), &r);
        // The cause sits on the conversation whose datagram it concerns, as an error
        // (decode sees what was sent; the probe, not told what the balancer sends,
        // says `info` for a server probed directly).
        let carrier = v["flows"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["findings"][0]["code"] == want)
            .unwrap_or_else(|| panic!("{name}: no conversation with {want}: {v:#}"));
        assert_eq!(
            carrier["findings"][0]["severity"], "error",
            "{name}: {carrier:#}"
        );
        let header = &carrier["proxy"];
        match want {
            "proxy-header-not-expected" => assert_eq!(header["command"], "proxy", "{name}"),
            "proxy-header-missing" => assert!(header.is_null(), "{name}"),
            _ => {}
        }
        eprintln!(
            "{name}: probe {:?}, decode {:?} in {} ms",
            r["expects"]["proxy"],
            code_set(
                v["flows"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .flat_map(|f| f["findings"].as_array().unwrap().clone())
            ),
            started.elapsed().as_millis()
        );
    }
}
