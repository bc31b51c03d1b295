//! A running `ppdiag serve` for the tests: start it, read its ndjson records (each
//! checked for self-contradiction), talk raw TCP to it and see how it ended the
//! connection; nginx and HAProxy given a whole configuration file.

use serde_json::Value;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{ChildStdout, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use super::process::Guard;
use super::root;

/// A running `ppdiag serve --format ndjson`.
pub struct Serve {
    pub guard: Guard,
    lines: mpsc::Receiver<String>,
    /// The listening events, in order.
    pub listening: Vec<Value>,
}

fn reader(out: ChildStdout) -> mpsc::Receiver<String> {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(out).lines() {
            let Ok(line) = line else { break };
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    rx
}

impl Serve {
    /// Starts serve with `args` (plus `--format ndjson`); waits for `listeners`
    /// listening events.
    pub fn start(args: &[&str], listeners: usize) -> Serve {
        let child = Command::new(env!("CARGO_BIN_EXE_ppdiag"))
            .arg("serve")
            .args(args)
            .args(["--format", "ndjson"])
            .env("NO_COLOR", "1")
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start ppdiag serve");
        let mut guard = Guard::from_child("ppdiag serve", child);
        let lines = reader(guard.child().stdout.take().expect("stdout"));
        let mut s = Serve {
            guard,
            lines,
            listening: Vec::new(),
        };
        while s.listening.len() < listeners {
            let v = s.next_line(Duration::from_secs(20)).unwrap_or_else(|| {
                let mut err = String::new();
                if let Some(e) = s.guard.child().stderr.as_mut() {
                    let _ = e.read_to_string(&mut err);
                }
                panic!("serve did not start: {err}")
            });
            assert_eq!(v["type"], "listening", "{v}");
            s.listening.push(v);
        }
        s
    }

    /// Starts serve with `args` on a port it picks (`-l 127.0.0.1:0`).
    pub fn on_any_port(args: &[&str]) -> Serve {
        let mut all = vec!["-l", "127.0.0.1:0"];
        all.extend_from_slice(args);
        Serve::start(&all, 1)
    }

    /// Up to `n` connection records, as many as arrive within `secs`.
    pub fn records(&mut self, n: usize, secs: u64) -> Vec<Value> {
        let until = Instant::now() + Duration::from_secs(secs);
        let mut out = Vec::new();
        while out.len() < n {
            let left = until.saturating_duration_since(Instant::now());
            match self.next_line(left) {
                Some(v) if v["type"] == "connection" => out.push(v),
                Some(_) => {}
                None => break,
            }
        }
        out
    }

    /// The first listener's address.
    pub fn addr(&self) -> SocketAddr {
        self.listening[0]["address"]
            .as_str()
            .and_then(|a| a.parse().ok())
            .expect("listening address")
    }

    fn next_line(&mut self, timeout: Duration) -> Option<Value> {
        let line = self.lines.recv_timeout(timeout).ok()?;
        let v: Value =
            serde_json::from_str(&line).unwrap_or_else(|e| panic!("not JSON: {e}: {line}"));
        agrees_with_itself(&v);
        Some(v)
    }

    /// The next connection record (at most `secs` seconds away).
    pub fn record(&mut self, secs: u64) -> Value {
        let v = self
            .next_line(Duration::from_secs(secs))
            .expect("a connection record in time");
        assert_eq!(v["type"], "connection", "{v}");
        v
    }

    /// The next record matching `pred` (others are skipped), within `secs`.
    pub fn record_where(&mut self, secs: u64, pred: impl Fn(&Value) -> bool) -> Value {
        let until = Instant::now() + Duration::from_secs(secs);
        loop {
            let left = until.saturating_duration_since(Instant::now());
            let v = self.next_line(left).expect("a matching record in time");
            if v["type"] == "connection" && pred(&v) {
                return v;
            }
        }
    }

    /// Waits for the exit (at most `secs`), returns the code and the remaining lines.
    pub fn finish(mut self, secs: u64) -> (Option<i32>, Vec<Value>) {
        let until = Instant::now() + Duration::from_secs(secs);
        let mut rest = Vec::new();
        loop {
            if let Ok(Some(status)) = self.guard.child().try_wait() {
                while let Some(v) = self.next_line(Duration::from_millis(500)) {
                    rest.push(v);
                }
                return (status.code(), rest);
            }
            if let Ok(line) = self.lines.recv_timeout(Duration::from_millis(50)) {
                let v: Value = serde_json::from_str(&line).expect("JSON line");
                agrees_with_itself(&v);
                rest.push(v);
            }
            assert!(Instant::now() < until, "serve did not exit in {secs} s");
        }
    }

    /// Sends SIGTERM.
    pub fn terminate(&self) {
        let _ = Command::new("kill")
            .args(["-TERM", &self.guard.pid().to_string()])
            .status();
    }
}

/// How the server ended a raw connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ended {
    /// FIN.
    Fin,
    /// RST.
    Reset,
}

/// Connects, writes `data`, reads until the server ends the connection (10 s max).
pub fn exchange(addr: SocketAddr, data: &[u8]) -> (Vec<u8>, Ended) {
    let mut s = TcpStream::connect(addr).expect("connect");
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    let _ = s.write_all(data);
    let mut got = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        match s.read(&mut buf) {
            Ok(0) => return (got, Ended::Fin),
            Ok(n) => got.extend_from_slice(&buf[..n]),
            Err(e) if e.kind() == std::io::ErrorKind::ConnectionReset => {
                return (got, Ended::Reset);
            }
            // A signal to the test process (a child's exit) cuts a read short: read on.
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => panic!("reading from {addr}: {e}"),
        }
    }
}

/// A PROXY v2 header (PROXY, TCP4) with these addresses.
pub fn v2_header(src: SocketAddr, dst: SocketAddr) -> Vec<u8> {
    let (SocketAddr::V4(s), SocketAddr::V4(d)) = (src, dst) else {
        panic!("v4 only")
    };
    let mut v = b"\r\n\r\n\0\r\nQUIT\n\x21\x11\x00\x0c".to_vec();
    v.extend_from_slice(&s.ip().octets());
    v.extend_from_slice(&d.ip().octets());
    v.extend_from_slice(&s.port().to_be_bytes());
    v.extend_from_slice(&d.port().to_be_bytes());
    v
}

/// The captured OpenSSL ClientHello (SNI and ALPN).
pub fn client_hello() -> Vec<u8> {
    std::fs::read(root().join("testdata/bytes/openssl-s_client-clienthello-sni-alpn.bin"))
        .expect("fixture")
}

/// A self-signed certificate and key for `localhost`, written into `dir`.
pub fn write_cert(dir: &Path) -> (PathBuf, PathBuf) {
    let ck = rcgen::generate_simple_self_signed(vec!["localhost".into(), "127.0.0.1".into()])
        .expect("certificate");
    let cert = dir.join("cert.pem");
    let key = dir.join("key.pem");
    std::fs::write(&cert, ck.cert.pem()).unwrap();
    std::fs::write(&key, ck.signing_key.serialize_pem()).unwrap();
    (cert, key)
}

/// Replaces the value of the `Date:` header with `-`.
pub fn without_date(bytes: &[u8]) -> String {
    let text = String::from_utf8_lossy(bytes);
    text.split("\r\n")
        .map(|l| {
            if l.starts_with("Date: ") {
                "Date: -"
            } else {
                l
            }
        })
        .collect::<Vec<_>>()
        .join("\r\n")
}

/// Starts nginx with `conf` (a full configuration; `{dir}` is replaced by a temp dir).
pub fn nginx(dir: &Path, conf: &str) -> Guard {
    super::peers::nginx_conf(&conf.replace("{dir}", &dir.display().to_string()), &[], dir)
}

/// The preamble every nginx test config shares (foreground, one worker, temp paths).
pub fn nginx_main(dir: &Path) -> String {
    let d = dir.display();
    format!(
        "daemon off;\nmaster_process off;\nworker_processes 1;\npid {d}/nginx.pid;\nerror_log {d}/error.log info;\nevents {{ worker_connections 1024; }}\n"
    )
}

/// `http {` temp paths for nginx.
pub fn nginx_http_paths(dir: &Path) -> String {
    let d = dir.display();
    format!(
        "client_body_temp_path {d}/t; proxy_temp_path {d}/t; fastcgi_temp_path {d}/t; uwsgi_temp_path {d}/t; scgi_temp_path {d}/t;\n"
    )
}

/// Starts haproxy in the foreground with `conf` (a whole configuration).
pub fn haproxy(dir: &Path, conf: &str) -> Guard {
    super::peers::haproxy_conf(conf, &[], dir)
}

/// Splits an HTTP response into head and body.
pub fn body(resp: &[u8]) -> Value {
    let text = String::from_utf8_lossy(resp);
    let (_, b) = text.split_once("\r\n\r\n").expect("an HTTP response");
    let v = serde_json::from_str(b).unwrap_or_else(|e| panic!("JSON body: {e}: {b}"));
    agrees_with_itself(&v);
    v
}

/// Every connection record the tests see (ndjson lines, reply bodies) must agree with
/// itself: the property the issue asks of all records.
pub fn agrees_with_itself(v: &Value) {
    if v["type"] == "connection" {
        let c = ppdiag::serve::record::contradictions(v);
        assert!(c.is_empty(), "the record contradicts itself: {c:?}\n{v}");
    }
}
