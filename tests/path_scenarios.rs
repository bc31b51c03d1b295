//! The scenario table of the path model, against real software on loopback: for every
//! scenario, what `probe` infers, what `decode` names on a capture of that same probe
//! (recorded with tcpdump on `lo`), and what `send` exits with. The three must agree.
//!
//! Each scenario starts its own daemons (postfix, sshd, redis, socat echo, nginx
//! `stream`, HAProxy `mode tcp`, dovecot, MariaDB) from `tests/peers/daemons.rs`.
//! Under CI=true a missing program fails; elsewhere the scenario skips.

mod common;
use common::peers;

use common::{ppdiag, stdout};
use peers::daemons::{self, SendProxy};
use serde_json::Value;
use std::process::Command;
use std::time::{Duration, Instant};

/// What a scenario must show.
struct Expect {
    /// `expects.proxy`.
    proxy: &'static str,
    /// `application` (null for TLS/HTTP).
    application: Option<&'static str>,
    /// `in_front`.
    in_front: &'static str,
    /// Finding codes with severity error or warning (sorted).
    problems: &'static [&'static str],
    /// probe's exit code.
    exit: i32,
}

fn probe_json(addr: &str, extra: &[&str]) -> (Value, i32, Duration) {
    let start = Instant::now();
    let mut args = vec!["probe", addr, "--format", "json", "--timeout", "1500ms"];
    args.extend_from_slice(extra);
    let o = ppdiag(&args);
    let took = start.elapsed();
    let v: Value = serde_json::from_str(&stdout(&o)).expect("probe JSON");
    (v["probes"][0].clone(), o.status.code().unwrap_or(-1), took)
}

fn problems(r: &Value) -> Vec<String> {
    let mut v: Vec<String> = r["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["severity"] == "error" || f["severity"] == "warning")
        .map(|f| f["code"].as_str().unwrap().to_string())
        .collect();
    v.sort();
    v.dedup();
    v
}

/// Runs `probe` on `addr` (captured with tcpdump when it is there) and checks `e`;
/// then checks that decode of the capture infers the same for the same endpoint.
fn scenario(name: &str, addr: &str, e: Expect) -> Value {
    scenario_with(name, addr, &[], e)
}

/// [`scenario`] with more `probe` arguments (`--cacert`).
fn scenario_with(name: &str, addr: &str, extra: &[&str], e: Expect) -> Value {
    let port: u16 = addr.rsplit(':').next().unwrap().parse().unwrap();
    let capture = Capture::start(port);
    let (r, exit, took) = probe_json(addr, extra);
    let pcap = capture.map(Capture::stop);
    let ctx = format!("{name}: {}", serde_json::to_string_pretty(&r).unwrap());
    assert_eq!(r["expects"]["proxy"], e.proxy, "{ctx}");
    assert_eq!(r["application"].as_str(), e.application, "{ctx}");
    assert_eq!(r["in_front"], e.in_front, "{ctx}");
    assert_eq!(problems(&r), e.problems, "{ctx}");
    assert_eq!(exit, e.exit, "{ctx}");
    // Every error carries a fix.
    for f in r["findings"].as_array().unwrap() {
        if f["severity"] == "error" {
            assert!(!f["fixes"].as_array().unwrap().is_empty(), "{ctx}");
        }
    }
    if r["hypotheses"].as_array().is_some_and(|h| h.len() > 1) {
        assert!(r["tell_apart"].is_string(), "{ctx}");
    }
    eprintln!("{name}: probe took {} ms", took.as_millis());
    send_agrees(name, addr, &r);
    if let Some(pcap) = pcap {
        decode_agrees(name, pcap.path(), addr, &r);
    }
    r
}

/// `send --proxy v1` to a server that is not the web's exits as the probe's inference
/// says: 0 where a v1 header is read, 1 where it is read as data or refused.
fn send_agrees(name: &str, addr: &str, probe: &Value) {
    let known = matches!(
        probe["expects"]["proxy"].as_str(),
        Some("forbidden" | "required" | "optional")
    );
    if !known
        || probe["application"].is_null()
        || probe["application"] == "echo" && probe["in_front"] != "none"
    {
        return;
    }
    let reads_v1 = probe["expects"]["proxy_versions"]
        .as_array()
        .unwrap()
        .iter()
        .any(|v| v == "v1");
    let (code, out) = send_exit(addr, "v1");
    assert_eq!(
        code,
        if reads_v1 { 0 } else { 1 },
        "{name}: send --proxy v1: {out}"
    );
}

/// decode of the probe's own traffic names the same expectation for the endpoint.
fn decode_agrees(name: &str, pcap: &std::path::Path, addr: &str, probe: &Value) {
    // PPDIAG_KEEP_CAPTURES=DIR keeps each scenario's capture for a closer look.
    if let Some(dir) = std::env::var_os("PPDIAG_KEEP_CAPTURES") {
        let file = name.replace(|c: char| !c.is_ascii_alphanumeric(), "-");
        let _ = std::fs::copy(
            pcap,
            std::path::Path::new(&dir).join(format!("{file}.pcap")),
        );
    }
    let o = ppdiag(&["decode", pcap.to_str().unwrap(), "--format", "json"]);
    let v: Value = serde_json::from_str(&stdout(&o)).expect("decode JSON");
    let servers = v["servers"].as_array().expect("servers");
    let s = servers
        .iter()
        .find(|s| s["server"] == addr)
        .unwrap_or_else(|| panic!("{name}: {addr} not in servers: {servers:#?}"));
    assert_eq!(s["proxy"], probe["expects"]["proxy"], "{name}: {s:#}");
    assert_eq!(s["application"], probe["application"], "{name}: {s:#}");
    common::decode_invariants(name, &v);
}

/// tcpdump on `lo` for one port, when it can run here (root and the program).
struct Capture {
    inner: common::capture::Capture,
    // One capture at a time: with several tcpdumps on `lo` at once, some lost the
    // clients' first data segments here (seen: a third of the conversations).
    _one: std::sync::MutexGuard<'static, ()>,
}

static ONE_CAPTURE: std::sync::Mutex<()> = std::sync::Mutex::new(());

impl Capture {
    fn start(port: u16) -> Option<Capture> {
        Capture::start_filter(&format!("tcp port {port}"))
    }

    fn start_filter(filter: &str) -> Option<Capture> {
        let root = Command::new("id")
            .arg("-u")
            .output()
            .is_ok_and(|o| o.stdout.starts_with(b"0"));
        if !root || !common::process::need("tcpdump") {
            return None;
        }
        let one = ONE_CAPTURE.lock().unwrap_or_else(|e| e.into_inner());
        let bin = common::process::find_bin("tcpdump").unwrap();
        Some(Capture {
            inner: common::capture::Capture::start(Command::new(bin), filter),
            _one: one,
        })
    }

    fn stop(self) -> tempfile::NamedTempFile {
        self.inner.stop()
    }
}

fn send_exit(addr: &str, header: &str) -> (i32, String) {
    // Bridging stdin, send writes the reply to stdout and its report to stderr.
    let o = ppdiag(&["send", addr, "--proxy", header, "--timeout", "1s"]);
    (
        o.status.code().unwrap_or(-1),
        format!(
            "{}{}",
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr)
        ),
    )
}

#[test]
fn postfix_direct_without_proxy() {
    let Some(pf) = daemons::postfix(false) else {
        return;
    };
    let r = scenario(
        "postfix direct",
        &pf.addr(),
        Expect {
            proxy: "forbidden",
            application: Some("smtp"),
            in_front: "unknown",
            problems: &[],
            exit: 0,
        },
    );
    assert!(r["elapsed_ms"].as_u64().unwrap() < 1000, "{r:#}");
    // send with a header: the banner then `500` to the header line is a failure.
    let (code, out) = send_exit(&pf.addr(), "v1");
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("proxy-header-not-expected"), "{out}");
    let (code, out) = send_exit(&pf.addr(), "none");
    assert_eq!(code, 0, "{out}");
}

#[test]
fn postfix_direct_requiring_proxy() {
    let Some(pf) = daemons::postfix(true) else {
        return;
    };
    scenario(
        "postfix requiring PROXY",
        &pf.addr(),
        Expect {
            proxy: "required",
            application: Some("smtp"),
            in_front: "none",
            problems: &[],
            exit: 0,
        },
    );
    let (code, out) = send_exit(&pf.addr(), "v1");
    assert_eq!(code, 0, "{out}");
}

#[test]
fn haproxy_send_proxy_in_front_of_postfix_without_proxy() {
    let Some(pf) = daemons::postfix(false) else {
        return;
    };
    let Some(lb) = daemons::haproxy_tcp(false, SendProxy::V1, pf.port) else {
        return;
    };
    scenario(
        "haproxy send-proxy -> postfix",
        &lb.addr(),
        Expect {
            proxy: "unknown",
            application: Some("smtp"),
            in_front: "unknown",
            problems: &["proxy-header-not-expected"],
            exit: 1,
        },
    );
}

#[test]
fn haproxy_send_proxy_in_front_of_postfix_with_proxy() {
    let Some(pf) = daemons::postfix(true) else {
        return;
    };
    let Some(lb) = daemons::haproxy_tcp(false, SendProxy::V1, pf.port) else {
        return;
    };
    scenario(
        "haproxy send-proxy -> postfix with PROXY (working)",
        &lb.addr(),
        Expect {
            proxy: "forbidden",
            application: Some("smtp"),
            in_front: "unknown",
            problems: &[],
            exit: 0,
        },
    );
}

#[test]
fn sshd_direct_and_behind_a_balancer_that_adds_a_header() {
    let Some(ssh) = daemons::sshd() else {
        return;
    };
    scenario(
        "sshd direct",
        &ssh.addr(),
        Expect {
            proxy: "forbidden",
            application: Some("ssh"),
            in_front: "unknown",
            problems: &[],
            exit: 0,
        },
    );
    let Some(lb) = daemons::haproxy_tcp(false, SendProxy::V2, ssh.port) else {
        return;
    };
    scenario(
        "haproxy send-proxy-v2 -> sshd",
        &lb.addr(),
        Expect {
            proxy: "unknown",
            application: Some("ssh"),
            in_front: "unknown",
            problems: &["proxy-header-not-expected"],
            exit: 1,
        },
    );
}

#[test]
fn redis_direct() {
    let Some(rd) = daemons::redis() else {
        return;
    };
    scenario(
        "redis direct",
        &rd.addr(),
        Expect {
            proxy: "forbidden",
            application: Some("redis"),
            in_front: "unknown",
            problems: &[],
            exit: 0,
        },
    );
    let (code, out) = send_exit(&rd.addr(), "v1");
    assert_eq!(code, 1, "{out}");
    // Behind a balancer adding a v2 header, Redis's inline parser stops at the NUL in the
    // signature and waits: every attempt is silent. That is also what a black hole does,
    // so the finding names both, likeliest first, and what tells them apart.
    let Some(lb) = daemons::haproxy_tcp(false, SendProxy::V2, rd.port) else {
        return;
    };
    let (p, code, _) = probe_json(&lb.addr(), &[]);
    assert_eq!(code, 1, "{p}");
    let silent = p["findings"]
        .as_array()
        .and_then(|f| f.iter().find(|f| f["code"] == "target-silent"))
        .unwrap_or_else(|| panic!("no target-silent finding: {p}"));
    let evidence: Vec<&str> = silent["evidence"]
        .as_array()
        .map(|e| e.iter().filter_map(|x| x.as_str()).collect())
        .unwrap_or_default();
    assert!(
        evidence
            .iter()
            .any(|e| e.starts_with("alternative 2:") && e.contains("Redis-style")),
        "{evidence:?}"
    );
    assert!(
        evidence
            .iter()
            .any(|e| e.starts_with("to tell them apart:")),
        "{evidence:?}"
    );
}

#[test]
fn echo_direct_is_healthy() {
    let Some(echo) = daemons::socat_echo() else {
        return;
    };
    scenario(
        "socat echo",
        &echo.addr(),
        Expect {
            proxy: "forbidden",
            application: Some("echo"),
            in_front: "unknown",
            problems: &[],
            exit: 0,
        },
    );
}

#[test]
fn nginx_stream_reading_the_header_in_front_of_an_echo() {
    let Some(f) = daemons::nginx_stream_echo(true, false) else {
        return;
    };
    scenario(
        "nginx stream listen proxy_protocol -> echo",
        &format!("127.0.0.1:{}", f.port),
        Expect {
            proxy: "required",
            application: Some("echo"),
            in_front: "none",
            problems: &[],
            exit: 0,
        },
    );
}

#[test]
fn nginx_stream_adding_a_header_in_front_of_an_echo() {
    let Some(f) = daemons::nginx_stream_echo(false, true) else {
        return;
    };
    scenario(
        "nginx stream proxy_protocol on -> echo",
        &format!("127.0.0.1:{}", f.port),
        Expect {
            proxy: "unknown",
            application: Some("echo"),
            in_front: "adds-v1",
            problems: &["proxy-header-not-expected"],
            exit: 1,
        },
    );
}

#[test]
fn nginx_stream_with_a_dead_upstream_names_both_explanations() {
    let Some(lb) = daemons::nginx_stream(false, false, daemons::dead_port()) else {
        return;
    };
    let r = scenario(
        "nginx stream, dead upstream",
        &lb.addr(),
        Expect {
            proxy: "unknown",
            application: None,
            in_front: "unknown",
            problems: &["connection-closed"],
            exit: 1,
        },
    );
    let h = r["hypotheses"].as_array().unwrap();
    assert!(h.len() >= 2, "{r:#}");
    assert_eq!(h[0]["application"], "closes", "{r:#}");
}

#[test]
fn haproxy_chain_with_one_header_reaching_an_echo() {
    let Some(f) = daemons::haproxy_chain_echo(SendProxy::V2, true, SendProxy::V2) else {
        return;
    };
    // B reads A's header and sends its own to the echo, which returns it: the header
    // names this client, so a balancer adds it.
    scenario(
        "haproxy A v2 -> B accept-proxy v2 -> echo",
        &format!("127.0.0.1:{}", f.port),
        Expect {
            proxy: "unknown",
            application: Some("echo"),
            in_front: "adds-v2",
            problems: &["proxy-header-not-expected"],
            exit: 1,
        },
    );
}

#[test]
fn dovecot_imap_with_and_without_proxy() {
    let Some(plain) = daemons::dovecot(false) else {
        return;
    };
    scenario(
        "dovecot imap direct",
        &format!("127.0.0.1:{}", plain.imap),
        Expect {
            proxy: "forbidden",
            application: Some("imap"),
            in_front: "unknown",
            problems: &[],
            exit: 0,
        },
    );
    let Some(pp) = daemons::dovecot(true) else {
        return;
    };
    scenario(
        "dovecot imap haproxy = yes",
        &format!("127.0.0.1:{}", pp.imap),
        Expect {
            proxy: "required",
            application: Some("imap"),
            in_front: "none",
            problems: &[],
            exit: 0,
        },
    );
}

#[test]
fn mariadb_without_proxy() {
    let Some(db) = daemons::mariadb(false) else {
        return;
    };
    scenario(
        "mariadb direct",
        &db.addr(),
        Expect {
            proxy: "forbidden",
            application: Some("mysql"),
            in_front: "unknown",
            problems: &[],
            exit: 0,
        },
    );
}

#[test]
fn a_chain_of_two_haproxies_stacking_headers_is_named_on_every_leg() {
    // client → A (send-proxy) → B (no accept-proxy, send-proxy-v2) → echo: the echo
    // receives B's v2 header, then A's v1 header as data.
    let Some(f) = daemons::haproxy_chain_echo(SendProxy::V1, false, SendProxy::V2) else {
        return;
    };
    let ports = [f.front.ports[0], f.front.ports[1], f.echo.port];
    let filter = ports.map(|p| format!("tcp port {p}")).join(" or ");
    let Some(capture) = Capture::start_filter(&filter) else {
        return;
    };
    let mut c = daemons::Conn::open(f.port);
    c.send(b"hello\r\n");
    let got = c.read_at_least(60, Duration::from_secs(3));
    drop(c);
    let pcap = capture.stop();
    assert!(got.ends_with(b"hello\r\n"), "{}", daemons::esc(&got));
    let o = ppdiag(&["decode", pcap.path().to_str().unwrap(), "--format", "json"]);
    let v: Value = serde_json::from_str(&stdout(&o)).unwrap();
    let flows = v["flows"].as_array().unwrap();
    assert_eq!(flows.len(), 3, "{v:#}");
    for fl in flows {
        let codes: Vec<&str> = fl["findings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|x| x["code"].as_str().unwrap())
            .collect();
        assert!(codes.contains(&"proxy-header-duplicated"), "{fl:#}");
        assert!(!codes.contains(&"proxy-header-not-expected"), "{fl:#}");
        assert_eq!(fl["chain"].as_array().map(Vec::len), Some(3), "{fl:#}");
    }
    assert_eq!(o.status.code(), Some(1));
}

/// The balancer that was already fixed: HAProxy `send-proxy-v2` in front of nginx
/// `listen ssl proxy_protocol` works (curl succeeds). From outside, "a server without
/// PROXY support" and "a balancer that already adds a header the server reads" react
/// the same: both are said, and nothing is an error.
#[test]
fn the_fixed_balancer_is_not_blamed() {
    if !common::process::need("nginx") || !common::process::need("haproxy") {
        return;
    }
    let c = peers::certs();
    let (p, lb) = (common::process::free_port(), common::process::free_port());
    let servers = format!(
        "server {{ listen 127.0.0.1:{p} ssl proxy_protocol; ssl_certificate {}; ssl_certificate_key {}; location / {{ return 200 'ok\\n'; }} }}\n",
        c.cert.display(),
        c.key.display()
    );
    let ndir = c.dir.path().join("nginx");
    std::fs::create_dir_all(&ndir).unwrap();
    let _n = peers::nginx(&servers, &[p], &ndir);
    let hdir = c.dir.path().join("haproxy");
    std::fs::create_dir_all(&hdir).unwrap();
    let cfg = format!(
        "frontend a\n  mode tcp\n  bind 127.0.0.1:{lb}\n  default_backend b\nbackend b\n  mode tcp\n  server s 127.0.0.1:{p} send-proxy-v2\n"
    );
    let _h = peers::haproxy(&cfg, &[lb], &hdir);
    let r = scenario_with(
        "haproxy send-proxy-v2 -> nginx ssl proxy_protocol (working)",
        &format!("127.0.0.1:{lb}"),
        &["--cacert", c.ca.to_str().unwrap()],
        Expect {
            proxy: "forbidden",
            application: None,
            in_front: "unknown",
            problems: &[],
            exit: 0,
        },
    );
    assert_eq!(r["expects"]["protocol"], "tls");
    let summary = r["summary"].as_str().unwrap();
    assert!(summary.contains("already adds a header"), "{summary}");
    assert!(!summary.contains("its reactions match"), "{summary}");
    // nginx is named, no configuration of it is claimed as fact.
    assert!(
        !r["findings"]
            .to_string()
            .contains("(a `listen` without `proxy_protocol`,"),
        "{r:#}"
    );
    let fronts: Vec<String> = r["hypotheses"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|h| h["in_front"].as_array().unwrap().clone())
        .map(|f| f.as_str().unwrap().to_string())
        .collect();
    assert!(fronts.contains(&"none".to_string()), "{r:#}");
    assert!(fronts.contains(&"adds-v2".to_string()), "{r:#}");
}
