//! Real peers for the probe and send tests, on loopback only: nginx, HAProxy, OpenSSL
//! s_server, a Go server with and without go-proxyproto, and small Rust listeners
//! (silent, black hole, closed port). Ports are picked at run time; every spawned
//! process is killed when its guard drops; every wait is bounded.
//!
//! Under CI=true a missing peer fails the test; elsewhere the test skips with a message.

pub mod daemons;

use super::process::{Guard, need, peer_bin, wait_port, wait_port_on};
use std::io::{Read, Write};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

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
    let conf = format!(
        "daemon off;\nmaster_process off;\nworker_processes 1;\npid {pid};\nerror_log {err} info;\nevents {{ worker_connections 64; }}\nhttp {{\n  access_log off;\n  client_body_temp_path {d}/body;\n  proxy_temp_path {d}/proxy;\n  fastcgi_temp_path {d}/fcgi;\n  uwsgi_temp_path {d}/uwsgi;\n  scgi_temp_path {d}/scgi;\n{servers}\n}}\n",
        pid = dir.join("nginx.pid").display(),
        err = dir.join("error.log").display(),
        d = dir.display(),
    );
    nginx_conf(&conf, ports, dir)
}

/// nginx with a whole configuration file, in the prefix `dir`; waits for `ports`.
pub fn nginx_conf(conf: &str, ports: &[u16], dir: &Path) -> Guard {
    let path = dir.join("nginx.conf");
    std::fs::write(&path, conf).unwrap();
    let mut g = Guard::spawn(
        "nginx",
        Command::new(peer_bin("nginx"))
            .arg("-p")
            .arg(dir)
            .arg("-c")
            .arg(&path)
            .arg("-e")
            .arg(dir.join("error.log")),
        Some(&dir.join("nginx.out")),
    );
    for p in ports {
        wait_port(*p, &mut g);
    }
    g
}

/// HAProxy with the given configuration sections (global/defaults are added).
pub fn haproxy(sections: &str, ports: &[u16], dir: &Path) -> Guard {
    let conf = format!(
        "global\n  maxconn 100\ndefaults\n  mode http\n  timeout connect 2s\n  timeout client 5s\n  timeout server 5s\n{sections}\n"
    );
    haproxy_conf(&conf, ports, dir)
}

/// HAProxy in the foreground with a whole configuration file; waits for `ports`.
pub fn haproxy_conf(conf: &str, ports: &[u16], dir: &Path) -> Guard {
    let path = dir.join("haproxy.cfg");
    std::fs::write(&path, conf).unwrap();
    let mut g = Guard::spawn(
        "haproxy",
        Command::new(peer_bin("haproxy"))
            .arg("-db")
            .arg("-f")
            .arg(&path),
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
    if host == "127.0.0.1" {
        // Its own socket: a port picked free can be taken by another test's daemon
        // first, and a connect would then reach that one.
        let limit = Duration::from_secs(15);
        if let Err(e) = daemons::wait_ports("goserver", &mut g, &[port], limit) {
            panic!("{e} (was the port taken?)");
        }
    } else {
        wait_port_on(host, port, &mut g);
    }
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
