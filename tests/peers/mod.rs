//! Real peers for the probe and send tests, on loopback only: nginx, HAProxy, OpenSSL
//! s_server, a Go server with and without go-proxyproto, and small Rust listeners
//! (silent, black hole, closed port). Ports are picked at run time; every spawned
//! process is killed when its guard drops; every wait is bounded.
//!
//! Under CI=true a missing peer fails the test; elsewhere the test skips with a message.
#![allow(dead_code)]

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};
pub mod daemons;

/// Where `bin` is: PATH, then the sbin directories (nginx and haproxy live there and
/// a CI environment may not have them on PATH).
pub fn find_bin(bin: &str) -> Option<PathBuf> {
    let mut dirs: Vec<PathBuf> = std::env::var_os("PATH")
        .map(|p| std::env::split_paths(&p).collect())
        .unwrap_or_default();
    dirs.extend(["/usr/sbin", "/sbin", "/usr/local/sbin", "/usr/bin"].map(PathBuf::from));
    dirs.into_iter().map(|d| d.join(bin)).find(|p| p.is_file())
}

/// Whether `bin` is installed; under CI=true a missing one fails the test (the shared
/// rule of `tests/common`).
pub fn need(bin: &str) -> bool {
    crate::common::peer(bin)
}

fn peer_bin(name: &str) -> PathBuf {
    find_bin(name).unwrap_or_else(|| PathBuf::from(name))
}

#[allow(unused_imports)]
pub use crate::common::free_port;

/// A free port on `host` (`127.0.0.1` or `::1`).
pub fn free_port_on(host: &str) -> u16 {
    TcpListener::bind((host, 0))
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

/// A spawned peer, stopped on drop by the shared guard of `tests/common` (SIGTERM,
/// then SIGKILL after 3 s), with a name for messages.
pub struct Guard {
    inner: crate::common::Guard,
    name: String,
}

impl Guard {
    /// Spawns `cmd` with output discarded (or kept in `log` when given).
    pub fn spawn(name: &str, cmd: &mut Command, log: Option<&Path>) -> Guard {
        match log {
            Some(p) => {
                let f = std::fs::File::create(p).expect("log file");
                let f2 = f.try_clone().expect("log file");
                cmd.stdout(f).stderr(f2);
            }
            None => {
                cmd.stdout(Stdio::null()).stderr(Stdio::null());
            }
        }
        cmd.stdin(Stdio::null());
        let child = cmd
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {name}: {e}"));
        Guard::from_child(name, child)
    }

    /// Guards a child spawned elsewhere.
    pub fn from_child(name: &str, child: Child) -> Guard {
        Guard {
            inner: crate::common::Guard(child),
            name: name.to_string(),
        }
    }

    /// Still running?
    pub fn alive(&mut self) -> bool {
        matches!(self.inner.0.try_wait(), Ok(None))
    }
}

/// Waits (at most 15 s) until something accepts on `port`.
pub fn wait_port(port: u16, guard: &mut Guard) {
    wait_port_on("127.0.0.1", port, guard)
}

/// Waits (at most 15 s) until something accepts on `host`:`port`.
pub fn wait_port_on(host: &str, port: u16, guard: &mut Guard) {
    let ip: std::net::IpAddr = host.parse().expect("an IP address");
    let end = Instant::now() + Duration::from_secs(15);
    while Instant::now() < end {
        if TcpStream::connect_timeout(&SocketAddr::new(ip, port), Duration::from_millis(200))
            .is_ok()
        {
            return;
        }
        assert!(
            guard.alive(),
            "{} exited before listening on {port}",
            guard.name
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    panic!("{} did not listen on {port} within 15 s", guard.name);
}

/// Test certificates, generated at test time.
pub struct Certs {
    /// Directory holding the files.
    pub dir: tempfile::TempDir,
    /// CA certificate (PEM) that signed `cert`.
    pub ca: PathBuf,
    /// Leaf for localhost and 127.0.0.1.
    pub cert: PathBuf,
    /// Its key.
    pub key: PathBuf,
    /// Leaf + key in one file (HAProxy's `crt`).
    pub combined: PathBuf,
    /// An expired leaf (same CA) and its key.
    pub expired_cert: PathBuf,
    /// Its key.
    pub expired_key: PathBuf,
}

/// Generates a CA, a localhost leaf and an expired leaf.
pub fn certs() -> Certs {
    use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, KeyPair, SanType};
    let dir = tempfile::tempdir().expect("temp dir");
    let ca_key = KeyPair::generate().unwrap();
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca_params
        .distinguished_name
        .push(DnType::CommonName, "ppdiag test CA");
    let ca_cert = ca_params.self_signed(&ca_key).unwrap();
    let issuer = rcgen::Issuer::from_params(&ca_params, &ca_key);
    let leaf = |expired: bool| {
        let key = KeyPair::generate().unwrap();
        let mut p = CertificateParams::new(vec!["localhost".to_string()]).unwrap();
        p.subject_alt_names
            .push(SanType::IpAddress("127.0.0.1".parse().unwrap()));
        p.distinguished_name.push(DnType::CommonName, "localhost");
        if expired {
            p.not_before = rcgen::date_time_ymd(2020, 1, 1);
            p.not_after = rcgen::date_time_ymd(2021, 1, 1);
        }
        let cert = p.signed_by(&key, &issuer).unwrap();
        (cert.pem(), key.serialize_pem())
    };
    let (cert_pem, key_pem) = leaf(false);
    let (old_pem, old_key) = leaf(true);
    let w = |name: &str, text: &str| {
        let p = dir.path().join(name);
        std::fs::write(&p, text).unwrap();
        p
    };
    Certs {
        ca: w("ca.pem", &ca_cert.pem()),
        cert: w("cert.pem", &cert_pem),
        key: w("key.pem", &key_pem),
        combined: w("combined.pem", &format!("{cert_pem}{key_pem}")),
        expired_cert: w("expired.pem", &old_pem),
        expired_key: w("expired-key.pem", &old_key),
        dir,
    }
}

/// nginx with `server` blocks given as text (each with its own `listen`), in a
/// throwaway prefix.
pub fn nginx(servers: &str, ports: &[u16], dir: &Path) -> Guard {
    let conf = dir.join("nginx.conf");
    std::fs::write(
        &conf,
        format!(
            "daemon off;\nmaster_process off;\nworker_processes 1;\npid {pid};\nerror_log {err} info;\nevents {{ worker_connections 64; }}\nhttp {{\n  access_log off;\n  client_body_temp_path {d}/body;\n  proxy_temp_path {d}/proxy;\n  fastcgi_temp_path {d}/fcgi;\n  uwsgi_temp_path {d}/uwsgi;\n  scgi_temp_path {d}/scgi;\n{servers}\n}}\n",
            pid = dir.join("nginx.pid").display(),
            err = dir.join("error.log").display(),
            d = dir.display(),
        ),
    )
    .unwrap();
    let mut g = Guard::spawn(
        "nginx",
        Command::new(peer_bin("nginx"))
            .arg("-p")
            .arg(dir)
            .arg("-c")
            .arg(&conf),
        Some(&dir.join("nginx.out")),
    );
    for p in ports {
        wait_port(*p, &mut g);
    }
    g
}

/// HAProxy with the given configuration sections (global/defaults are added).
pub fn haproxy(sections: &str, ports: &[u16], dir: &Path) -> Guard {
    let conf = dir.join("haproxy.cfg");
    std::fs::write(
        &conf,
        format!(
            "global\n  maxconn 100\ndefaults\n  mode http\n  timeout connect 2s\n  timeout client 5s\n  timeout server 5s\n{sections}\n"
        ),
    )
    .unwrap();
    let mut g = Guard::spawn(
        "haproxy",
        Command::new(peer_bin("haproxy"))
            .arg("-db")
            .arg("-f")
            .arg(&conf),
        Some(&dir.join("haproxy.out")),
    );
    for p in ports {
        wait_port(*p, &mut g);
    }
    g
}

/// OpenSSL s_server on `port`.
pub fn s_server(port: u16, cert: &Path, key: &Path, extra: &[&str]) -> Guard {
    let mut cmd = Command::new(peer_bin("openssl"));
    cmd.arg("s_server")
        .arg("-accept")
        .arg(format!("127.0.0.1:{port}"))
        .arg("-cert")
        .arg(cert)
        .arg("-key")
        .arg(key)
        .arg("-quiet")
        .args(extra);
    let mut g = Guard::spawn("openssl s_server", &mut cmd, None);
    wait_port(port, &mut g);
    g
}

/// Builds the Go test server once (GOPATH mode, Debian's go-proxyproto) and returns
/// its path; `None` (skip) when Go or the library is missing outside CI.
pub fn go_server_binary() -> Option<PathBuf> {
    if !need("go") {
        return None;
    }
    let lib = Path::new("/usr/share/gocode/src/github.com/pires/go-proxyproto");
    if !lib.is_dir() {
        if std::env::var("CI").is_ok_and(|v| v == "true") {
            panic!("golang-github-pires-go-proxyproto-dev is required under CI=true");
        }
        eprintln!("SKIP: golang-github-pires-go-proxyproto-dev not installed");
        return None;
    }
    static BUILT: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let out = BUILT.get_or_init(|| {
        let dir = root.join("target").join("peers");
        std::fs::create_dir_all(&dir).unwrap();
        let bin = dir.join("goserver");
        let src = root.join("tests/peers/goserver/main.go");
        let fresh = bin.metadata().and_then(|b| b.modified()).ok()
            > src.metadata().and_then(|s| s.modified()).ok();
        if !fresh {
            // Build to a private name, then rename: parallel test binaries never see a
            // half-written file.
            let tmp = dir.join(format!("goserver.{}", std::process::id()));
            let gocache = dir.join("gocache");
            let status = Command::new(peer_bin("go"))
                .arg("build")
                .arg("-o")
                .arg(&tmp)
                .arg(&src)
                .env("GOPATH", "/usr/share/gocode")
                .env("GO111MODULE", "off")
                .env("GOCACHE", &gocache)
                .env("HOME", &dir)
                .status()
                .expect("go build runs");
            assert!(status.success(), "go build of tests/peers/goserver failed");
            std::fs::rename(&tmp, &bin).unwrap();
        }
        bin
    });
    Some(out.clone())
}

/// Starts the Go server on `port`: `tls` gives (cert, key); `proxy` is none|use|require.
pub fn go_server(bin: &Path, port: u16, tls: Option<(&Path, &Path)>, proxy: &str) -> Guard {
    go_server_on(bin, "127.0.0.1", port, tls, proxy)
}

/// Starts the Go server on `host` (`127.0.0.1` or `::1`) and `port`.
pub fn go_server_on(
    bin: &Path,
    host: &str,
    port: u16,
    tls: Option<(&Path, &Path)>,
    proxy: &str,
) -> Guard {
    let mut cmd = Command::new(bin);
    let addr = if host.contains(':') {
        format!("[{host}]:{port}")
    } else {
        format!("{host}:{port}")
    };
    cmd.arg("-addr").arg(addr).arg("-proxy").arg(proxy);
    if let Some((c, k)) = tls {
        cmd.arg("-cert").arg(c).arg("-key").arg(k);
    }
    let mut g = Guard::spawn("goserver", &mut cmd, None);
    wait_port_on(host, port, &mut g);
    g
}

/// How a Rust test listener treats connections.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Listener {
    /// Accepts and reads, never writes (a server waiting for something else).
    Silent,
    /// Accepts and never reads (a black hole).
    BlackHole,
    /// Speaks first: writes an SMTP greeting on accept, then reads.
    Banner,
}

/// Starts a listener thread; it stops when the returned guard drops.
pub fn listener(kind: Listener) -> (u16, ListenerGuard) {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = l.local_addr().unwrap().port();
    l.set_nonblocking(true).unwrap();
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let s2 = stop.clone();
    let handle = std::thread::spawn(move || {
        let mut held = Vec::new();
        let end = Instant::now() + Duration::from_secs(60);
        while !s2.load(std::sync::atomic::Ordering::Relaxed) && Instant::now() < end {
            match l.accept() {
                Ok((mut c, _)) => {
                    if kind == Listener::Banner {
                        let _ = c.write_all(b"220 mail.test ESMTP ready\r\n");
                    }
                    if kind != Listener::BlackHole {
                        let _ = c.set_nonblocking(true);
                        let mut buf = [0u8; 4096];
                        let _ = c.read(&mut buf);
                    }
                    held.push(c);
                }
                Err(_) => std::thread::sleep(Duration::from_millis(10)),
            }
            if kind != Listener::BlackHole {
                for c in &mut held {
                    let mut buf = [0u8; 4096];
                    let _ = c.read(&mut buf);
                }
            }
        }
        for mut c in held {
            let _ = c.flush();
        }
    });
    (
        port,
        ListenerGuard {
            stop,
            handle: Some(handle),
        },
    )
}

/// Stops a test listener on drop.
pub struct ListenerGuard {
    stop: std::sync::Arc<std::sync::atomic::AtomicBool>,
    handle: Option<std::thread::JoinHandle<()>>,
}

impl Drop for ListenerGuard {
    fn drop(&mut self) {
        self.stop.store(true, std::sync::atomic::Ordering::Relaxed);
        if let Some(h) = self.handle.take() {
            let _ = h.join();
        }
    }
}

/// Runs ppdiag with `args` and `--format json`; returns the exit code and the JSON.
pub fn ppdiag_json(args: &[&str]) -> (i32, serde_json::Value) {
    let o = assert_cmd::Command::cargo_bin("ppdiag")
        .expect("binary built")
        .args(args)
        .args(["--format", "json"])
        .env("NO_COLOR", "1")
        .timeout(Duration::from_secs(60))
        .output()
        .expect("ppdiag runs");
    let text = String::from_utf8_lossy(&o.stdout).to_string();
    let v = serde_json::from_str(&text).unwrap_or_else(|e| {
        panic!(
            "not JSON ({e}): {text}\nstderr: {}",
            String::from_utf8_lossy(&o.stderr)
        )
    });
    (o.status.code().unwrap_or(-1), v)
}

/// Runs ppdiag with `args` (text output).
pub fn ppdiag_text(args: &[&str]) -> (i32, String, String) {
    let o = assert_cmd::Command::cargo_bin("ppdiag")
        .expect("binary built")
        .args(args)
        .env("NO_COLOR", "1")
        .timeout(Duration::from_secs(60))
        .output()
        .expect("ppdiag runs");
    (
        o.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&o.stdout).to_string(),
        String::from_utf8_lossy(&o.stderr).to_string(),
    )
}

/// Lines printed by a peer, collected by a thread.
pub type Lines = std::sync::Arc<std::sync::Mutex<Vec<String>>>;

/// `ppdiag serve` started with `args` on a port it picks (`-l 127.0.0.1:0`), ndjson
/// output collected by a thread. Returns the guard, the address it listens on and the
/// lines printed so far (shared).
pub fn serve(args: &[&str]) -> (Guard, SocketAddr, Lines) {
    use std::io::BufRead;
    let bin = assert_cmd::cargo::cargo_bin("ppdiag");
    let mut child = Command::new(bin)
        .arg("serve")
        .args(["-l", "127.0.0.1:0", "--format", "ndjson"])
        .args(args)
        .env("NO_COLOR", "1")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("ppdiag serve starts");
    let stdout = child.stdout.take().expect("piped stdout");
    let lines = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let (tx, rx) = std::sync::mpsc::channel();
    let l2 = lines.clone();
    std::thread::spawn(move || {
        for line in std::io::BufReader::new(stdout)
            .lines()
            .map_while(Result::ok)
        {
            if line.contains("\"listening\"") {
                let _ = tx.send(line.clone());
            }
            l2.lock().unwrap().push(line);
        }
    });
    let guard = Guard::from_child("ppdiag serve", child);
    let first = rx
        .recv_timeout(Duration::from_secs(15))
        .expect("ppdiag serve prints its listening address");
    let v: serde_json::Value = serde_json::from_str(&first).expect("ndjson");
    let addr: SocketAddr = v["address"]
        .as_str()
        .expect("address")
        .parse()
        .expect("an address");
    (guard, addr, lines)
}

/// Waits (at most 10 s) until `lines` holds `n` lines containing `needle`.
pub fn wait_lines(lines: &std::sync::Mutex<Vec<String>>, needle: &str, n: usize) -> Vec<String> {
    let end = Instant::now() + Duration::from_secs(10);
    loop {
        let got: Vec<String> = lines
            .lock()
            .unwrap()
            .iter()
            .filter(|l| l.contains(needle))
            .cloned()
            .collect();
        if got.len() >= n || Instant::now() > end {
            return got;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}
