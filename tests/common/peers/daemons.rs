//! Real daemons for end-to-end tests, each with and without PROXY protocol support:
//! postfix smtpd, dovecot IMAP/POP3, MariaDB, sshd, redis, a socat echo, nginx `stream`
//! and HAProxy `mode tcp` in front of a backend. Each runs as a foreground child of the
//! test (guarded by PID, stopped on drop) with its own configuration in a temp dir, on
//! 127.0.0.1 and ports picked at run time, so several tests can start the same daemon
//! in parallel. Every wait is bounded.
//!
//! A function returns `None` (the test skips) when the program is missing outside CI;
//! under CI=true it fails instead (the rule of `need`). What each daemon answers with
//! and without a header is written down in the smoke tests of `tests/daemon_peers.rs`.

use crate::common::process::{Guard, free_port, listens, need, peer_bin};
use std::io::{ErrorKind, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

/// The standard PROXY v1 line used by the tests (client 127.0.0.1:12345 to port 80).
pub const V1: &[u8] = b"PROXY TCP4 127.0.0.1 127.0.0.1 12345 80\r\n";

/// The standard PROXY v2 header (PROXY, TCP over IPv4, 127.0.0.1:12345 to :80, no TLV).
pub const V2: &[u8] =
    b"\r\n\r\n\x00\r\nQUIT\n\x21\x11\x00\x0c\x7f\x00\x00\x01\x7f\x00\x00\x01\x30\x39\x00\x50";

/// Which PROXY header a balancer adds towards its backend.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SendProxy {
    /// None: the bytes go through unchanged.
    None,
    /// A v1 text line (HAProxy `send-proxy`, nginx `proxy_protocol on`).
    V1,
    /// A v2 binary header (HAProxy `send-proxy-v2`).
    V2,
}

/// A running daemon. The guards drop first (the processes stop), then the directory.
pub struct Daemon {
    /// The processes (usually one).
    pub guards: Vec<Guard>,
    /// Where a test connects (the first of `ports`).
    pub port: u16,
    /// Every port it listens on.
    pub ports: Vec<u16>,
    /// Its configuration, state and log.
    pub dir: tempfile::TempDir,
    /// Its log file (inside `dir`).
    pub log: PathBuf,
}

impl Daemon {
    /// The log so far (for failure messages).
    pub fn log_text(&self) -> String {
        String::from_utf8_lossy(&std::fs::read(&self.log).unwrap_or_default()).into_owned()
    }

    /// `127.0.0.1:port`.
    pub fn addr(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }
}

/// dovecot's two listeners.
pub struct Dovecot {
    /// IMAP port.
    pub imap: u16,
    /// POP3 port.
    pub pop3: u16,
    /// The daemon (ports `[imap, pop3]`).
    pub daemon: Daemon,
}

/// A balancer (nginx or HAProxy) with a socat echo behind it. The front stops first.
pub struct Front {
    /// Where a test connects (the front's port).
    pub port: u16,
    /// The balancer.
    pub front: Daemon,
    /// The echo behind it.
    pub echo: Daemon,
}

/// A port nothing listens on (bound, then released).
pub fn dead_port() -> u16 {
    free_port()
}

// ---------------------------------------------------------------------------------------
// Starting and waiting

fn temp_dir() -> tempfile::TempDir {
    let dir = tempfile::Builder::new()
        .prefix("ppdiag-daemon-")
        .tempdir()
        .expect("temp dir");
    // Daemons that drop privileges (postfix, dovecot) reach into it as another user.
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    dir
}

fn is_root() -> bool {
    use std::os::unix::fs::MetadataExt;
    std::fs::metadata("/proc/self").is_ok_and(|m| m.uid() == 0)
}

/// postfix, dovecot and sshd are started as root here; elsewhere the test skips (and
/// fails under CI=true, like a missing program).
fn need_root(what: &str) -> bool {
    if is_root() {
        return true;
    }
    if std::env::var("CI").is_ok_and(|v| v == "true") {
        panic!("{what} needs root under CI=true");
    }
    eprintln!("skipping: {what} needs root");
    false
}

/// Waits (at most `limit`) until the process itself listens on every port (its own
/// socket, found through /proc: a connect could reach another test's daemon that took
/// the port meanwhile). `Err` when the process exited first (typically because the port
/// was taken: the caller retries with new ports).
pub fn wait_ports(
    name: &str,
    guard: &mut Guard,
    ports: &[u16],
    limit: Duration,
) -> Result<(), String> {
    let pid = guard.pid();
    let end = Instant::now() + limit;
    loop {
        let missing: Vec<u16> = ports
            .iter()
            .copied()
            .filter(|&p| !listens(pid, p))
            .collect();
        if missing.is_empty() {
            return Ok(());
        }
        if !guard.alive() {
            return Err(format!("{name} exited before listening on {missing:?}"));
        }
        if Instant::now() > end {
            panic!("{name} did not listen on {missing:?} within {limit:?}");
        }
        std::thread::sleep(Duration::from_millis(30));
    }
}

/// Runs `attempt` with fresh ports up to three times.
fn retry<T>(
    name: &str,
    log: impl Fn() -> String,
    mut attempt: impl FnMut() -> Result<T, String>,
) -> T {
    let mut last = String::new();
    for _ in 0..3 {
        match attempt() {
            Ok(t) => return t,
            Err(e) => last = e,
        }
    }
    panic!("{name} did not start: {last}\n{}", log())
}

/// Starts a daemon that listens on one port, picked anew on each of `retry`'s tries:
/// `command(port)` builds its command line; its output goes to `log` in `dir`.
fn one_port(
    name: &str,
    dir: tempfile::TempDir,
    log: PathBuf,
    command: impl Fn(u16) -> Command,
) -> Daemon {
    let (guard, port) = retry(
        name,
        || read_log(&log),
        || {
            let port = free_port();
            launch(name, &mut command(port), &log, &[port]).map(|g| (g, port))
        },
    );
    Daemon {
        guards: vec![guard],
        port,
        ports: vec![port],
        dir,
        log,
    }
}

fn read_log(path: &Path) -> String {
    String::from_utf8_lossy(&std::fs::read(path).unwrap_or_default()).into_owned()
}

/// How long a daemon may take to listen.
const START_LIMIT: Duration = Duration::from_secs(10);

/// Spawns `cmd` (output to `log` unless the daemon writes its own), waits for `ports`.
fn launch(name: &str, cmd: &mut Command, out: &Path, ports: &[u16]) -> Result<Guard, String> {
    let mut g = Guard::spawn(name, cmd, Some(out));
    wait_ports(name, &mut g, ports, START_LIMIT).map(|()| g)
}

// ---------------------------------------------------------------------------------------
// A small client for readiness checks and tests

/// How a connection ended when a read stopped.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum End {
    /// Still open when the read time was up.
    Open,
    /// The peer closed (read returned 0).
    Fin,
    /// The peer reset the connection.
    Rst,
}

/// A client connection with bounded reads.
pub struct Conn {
    /// The socket.
    pub stream: TcpStream,
    /// Bytes received so far.
    pub got: Vec<u8>,
    /// How the connection ended, once it has.
    pub end: End,
}

impl Conn {
    /// Connects to 127.0.0.1:`port` (panics after 5 s).
    pub fn open(port: u16) -> Conn {
        let addr = SocketAddr::from(([127, 0, 0, 1], port));
        let stream = TcpStream::connect_timeout(&addr, Duration::from_secs(5))
            .unwrap_or_else(|e| panic!("connect to {addr}: {e}"));
        Conn {
            stream,
            got: Vec::new(),
            end: End::Open,
        }
    }

    /// Our side's port (what a balancer puts in the header as the source port).
    pub fn local_port(&self) -> u16 {
        self.stream.local_addr().unwrap().port()
    }

    /// Sends `bytes`; `false` when the peer has already gone.
    pub fn send(&mut self, bytes: &[u8]) -> bool {
        self.stream.write_all(bytes).is_ok()
    }

    /// Reads for `wait`, or until the connection ends, or until what was received in
    /// this call contains `until`. Returns the bytes received in this call.
    pub fn read_until(&mut self, until: Option<&[u8]>, wait: Duration) -> Vec<u8> {
        let end = Instant::now() + wait;
        let mut got = Vec::new();
        let mut buf = [0u8; 8192];
        while self.end == End::Open {
            if until.is_some_and(|n| got.windows(n.len()).any(|w| w == n)) {
                break;
            }
            let left = end.saturating_duration_since(Instant::now());
            if left.is_zero() {
                break;
            }
            self.stream.set_read_timeout(Some(left)).unwrap();
            match self.stream.read(&mut buf) {
                Ok(0) => self.end = End::Fin,
                Ok(n) => got.extend_from_slice(&buf[..n]),
                Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {
                    break;
                }
                Err(e) if e.kind() == ErrorKind::Interrupted => {}
                Err(e) if e.kind() == ErrorKind::ConnectionReset => self.end = End::Rst,
                Err(e) => panic!("read: {e}"),
            }
        }
        self.got.extend_from_slice(&got);
        got
    }

    /// Reads until this call got at least `n` bytes, the connection ended, or `wait`.
    pub fn read_at_least(&mut self, n: usize, wait: Duration) -> Vec<u8> {
        let end = Instant::now() + wait;
        let mut got = Vec::new();
        while got.len() < n && self.end == End::Open && Instant::now() < end {
            let more = self.read_until(None, Duration::from_millis(50));
            got.extend_from_slice(&more);
        }
        got
    }

    /// Reads for `wait` or until the connection ends.
    pub fn read_for(&mut self, wait: Duration) -> Vec<u8> {
        self.read_until(None, wait)
    }
}

/// Bytes with everything outside printable ASCII escaped (for messages).
pub fn esc(bytes: &[u8]) -> String {
    bytes.escape_ascii().to_string()
}

// ---------------------------------------------------------------------------------------
// postfix

/// postfix smtpd with `smtpd_upstream_proxy_protocol = haproxy` (`proxy`) or without,
/// and postfix's default `smtpd_upstream_proxy_timeout` of 5 s.
pub fn postfix(proxy: bool) -> Option<Daemon> {
    postfix_with_timeout(proxy, Duration::from_secs(5))
}

/// postfix smtpd with `smtpd_upstream_proxy_timeout` set to `timeout` (whole seconds,
/// at least 1): how long it waits for the header before `421` and close.
pub fn postfix_with_timeout(proxy: bool, timeout: Duration) -> Option<Daemon> {
    if !need("postfix") || !need_root("postfix") {
        return None;
    }
    let daemon_dir = Command::new(peer_bin("postconf"))
        .args(["-d", "-h", "daemon_directory"])
        .output()
        .ok()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        .filter(|d| !d.is_empty())
        .unwrap_or_else(|| "/usr/lib/postfix/sbin".to_string());
    let (uid, gid) = user_ids("postfix").expect("the postfix user exists");
    let dir = temp_dir();
    let d = dir.path();
    for sub in ["conf", "queue/pid", "queue/private", "queue/public", "data"] {
        std::fs::create_dir_all(d.join(sub)).unwrap();
    }
    for sub in ["queue/private", "queue/public", "data"] {
        std::os::unix::fs::chown(d.join(sub), Some(uid), Some(gid)).unwrap();
    }
    let log = d.join("maillog");
    std::fs::write(
        d.join("conf/main.cf"),
        format!(
            "compatibility_level = 3.6\n\
             mail_owner = postfix\n\
             myhostname = mail.test\n\
             mydomain = test\n\
             mydestination =\n\
             alias_maps =\n\
             alias_database =\n\
             inet_interfaces = 127.0.0.1\n\
             inet_protocols = ipv4\n\
             queue_directory = {q}\n\
             data_directory = {data}\n\
             maillog_file = {log}\n\
             maillog_file_prefixes = {d}\n\
             smtpd_upstream_proxy_protocol = {pp}\n\
             smtpd_upstream_proxy_timeout = {t}s\n",
            q = d.join("queue").display(),
            data = d.join("data").display(),
            log = log.display(),
            d = d.display(),
            pp = if proxy { "haproxy" } else { "" },
            t = timeout.as_secs().max(1),
        ),
    )
    .unwrap();
    let (guard, port) = retry(
        "postfix",
        || read_log(&log),
        || {
            let port = free_port();
            std::fs::write(
                d.join("conf/master.cf"),
                format!(
                    "127.0.0.1:{port} inet n - n - - smtpd\n\
                     anvil unix - - n - 1 anvil\n\
                     proxymap unix - - n - - proxymap\n\
                     postlog unix-dgram n - n - 1 postlogd\n"
                ),
            )
            .unwrap();
            // The master itself, not `postfix start-fg` (a shell script that would
            // leave the master behind when stopped): it stays in the foreground, and on
            // SIGTERM stops its children.
            let mut cmd = Command::new(Path::new(&daemon_dir).join("master"));
            cmd.arg("-c").arg(d.join("conf"));
            launch("postfix master", &mut cmd, &d.join("master.out"), &[port]).map(|g| (g, port))
        },
    );
    Some(Daemon {
        guards: vec![guard],
        port,
        ports: vec![port],
        dir,
        log,
    })
}

/// (uid, gid) of a system user, from /etc/passwd.
fn user_ids(name: &str) -> Option<(u32, u32)> {
    let text = std::fs::read_to_string("/etc/passwd").ok()?;
    let line = text.lines().find(|l| l.split(':').next() == Some(name))?;
    let f: Vec<&str> = line.split(':').collect();
    Some((f.get(2)?.parse().ok()?, f.get(3)?.parse().ok()?))
}

// ---------------------------------------------------------------------------------------
// dovecot

/// dovecot with an IMAP and a POP3 listener, `haproxy = yes` on both and
/// `haproxy_trusted_networks = 127.0.0.0/8` (`proxy`), or plain listeners. One user
/// (`alice`, password `secret`) in a passwd-file; no TLS. Returns once the IMAP banner
/// (`... Dovecot ... ready.`) has been seen, so the auth process is up.
pub fn dovecot(proxy: bool) -> Option<Dovecot> {
    dovecot_trusting(proxy, "127.0.0.0/8")
}

/// [`dovecot`] with `haproxy_trusted_networks = trusted` when `proxy` (a narrow list
/// such as `10.0.0.0/8` refuses headers from the tests' own address).
pub fn dovecot_trusting(proxy: bool, trusted_net: &str) -> Option<Dovecot> {
    if !need("dovecot") || !need_root("dovecot") {
        return None;
    }
    let dir = temp_dir();
    let d = dir.path();
    let log = d.join("dovecot.log");
    std::fs::write(d.join("users"), "alice:{PLAIN}secret\n").unwrap();
    let conf = d.join("dovecot.conf");
    let (guard, imap, pop3) = retry(
        "dovecot",
        || read_log(&log),
        || {
            let (imap, pop3) = (free_port(), free_port());
            let hp = if proxy { "    haproxy = yes\n" } else { "" };
            std::fs::write(
                &conf,
                format!(
                    "base_dir = {d}/run\n\
                     state_dir = {d}/state\n\
                     log_path = {log}\n\
                     instance_name = ppdiag-{imap}\n\
                     protocols = imap pop3\n\
                     listen = 127.0.0.1\n\
                     ssl = no\n\
                     haproxy_trusted_networks = {trusted}\n\
                     disable_plaintext_auth = no\n\
                     auth_mechanisms = plain\n\
                     passdb {{\n  driver = passwd-file\n  args = scheme=PLAIN username_format=%u {d}/users\n}}\n\
                     userdb {{\n  driver = static\n  args = uid=nobody gid=nogroup home={d}/home/%u\n}}\n\
                     mail_location = maildir:~/Maildir\n\
                     service imap-login {{\n  inet_listener imap {{\n    address = 127.0.0.1\n    port = {imap}\n{hp}  }}\n  inet_listener imaps {{\n    port = 0\n  }}\n}}\n\
                     service pop3-login {{\n  inet_listener pop3 {{\n    address = 127.0.0.1\n    port = {pop3}\n{hp}  }}\n  inet_listener pop3s {{\n    port = 0\n  }}\n}}\n",
                    d = d.display(),
                    log = log.display(),
                    trusted = if proxy { trusted_net } else { "" },
                ),
            )
            .unwrap();
            let mut cmd = Command::new(peer_bin("dovecot"));
            cmd.arg("-F").arg("-c").arg(&conf);
            launch("dovecot", &mut cmd, &d.join("dovecot.out"), &[imap, pop3])
                .map(|g| (g, imap, pop3))
        },
    );
    // The first login may get "* OK Waiting for authentication process to respond.."
    // before the real banner: wait for the banner once here (when this machine may send
    // a header at all; a narrow trusted list refuses it, and listening is enough).
    let greets = !proxy || trusted_net.starts_with("127.");
    if greets {
        let mut c = Conn::open(imap);
        if proxy {
            c.send(V1);
        }
        c.read_until(Some(b"ready."), Duration::from_secs(10));
        assert!(
            c.got.windows(6).any(|w| w == b"ready."),
            "dovecot gave no IMAP banner: {}\n{}",
            esc(&c.got),
            read_log(&log)
        );
        c.send(b"a LOGOUT\r\n");
    }
    Some(Dovecot {
        imap,
        pop3,
        daemon: Daemon {
            guards: vec![guard],
            port: imap,
            ports: vec![imap, pop3],
            dir,
            log,
        },
    })
}

// ---------------------------------------------------------------------------------------
// MariaDB

const MARIADB_ARGS: [&str; 3] = [
    "--innodb-buffer-pool-size=16M",
    "--innodb-log-file-size=4M",
    "--skip-log-bin",
];

/// A data directory initialised once (per MariaDB version) under the target's tmp dir,
/// shared by every test binary; each server gets a copy.
fn mariadb_template() -> PathBuf {
    static DIR: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();
    DIR.get_or_init(|| {
        let version = Command::new(peer_bin("mariadbd"))
            .arg("--version")
            .output()
            .map(|o| String::from_utf8_lossy(&o.stdout).into_owned())
            .unwrap_or_default();
        let tag: String = version
            .split_whitespace()
            .nth(2)
            .unwrap_or("unknown")
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || c == '.' {
                    c
                } else {
                    '_'
                }
            })
            .collect();
        let root = PathBuf::from(env!("CARGO_TARGET_TMPDIR"));
        let done = root.join(format!("mariadb-datadir-{tag}"));
        if done.join("mysql").is_dir() {
            return done;
        }
        std::fs::create_dir_all(&root).unwrap();
        // Built under a private name, then renamed: parallel binaries never see half.
        let tmp = root.join(format!("mariadb-datadir-{tag}.{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&tmp);
        let out = Command::new(peer_bin("mariadb-install-db"))
            .arg("--no-defaults")
            .arg(format!("--datadir={}", tmp.display()))
            .args([
                "--user=root",
                "--auth-root-authentication-method=normal",
                "--skip-test-db",
            ])
            .args(MARIADB_ARGS)
            .output()
            .expect("mariadb-install-db runs");
        assert!(
            out.status.success(),
            "mariadb-install-db failed: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        if std::fs::rename(&tmp, &done).is_err() {
            // Another binary got there first.
            let _ = std::fs::remove_dir_all(&tmp);
        }
        done
    })
    .clone()
}

fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let dest = to.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            copy_tree(&e.path(), &dest);
        } else {
            std::fs::copy(e.path(), &dest).unwrap();
        }
    }
}

/// MariaDB with `proxy_protocol_networks = 127.0.0.0/8` (`proxy`) or without. User
/// `root` with an empty password (from 127.0.0.1, which resolves to `localhost`).
/// With the setting the header is optional: MariaDB sends its greeting first and reads
/// a header, if any, ahead of the client's first packet.
pub fn mariadb(proxy: bool) -> Option<Daemon> {
    if !need("mariadbd") || !need("mariadb-install-db") {
        return None;
    }
    let template = mariadb_template();
    let dir = temp_dir();
    let d = dir.path();
    copy_tree(&template, &d.join("data"));
    let log = d.join("error.log");
    let (guard, port) = retry(
        "mariadbd",
        || read_log(&log),
        || {
            let port = free_port();
            let mut cmd = Command::new(peer_bin("mariadbd"));
            cmd.arg("--no-defaults")
                .arg(format!("--datadir={}", d.join("data").display()))
                .arg(format!("--socket={}", d.join("mysqld.sock").display()))
                .arg(format!("--pid-file={}", d.join("mysqld.pid").display()))
                .arg(format!("--log-error={}", log.display()))
                .arg(format!("--tmpdir={}", d.display()))
                .arg(format!("--port={port}"))
                .args(["--bind-address=127.0.0.1", "--user=root"])
                .args(MARIADB_ARGS);
            if proxy {
                cmd.arg("--proxy-protocol-networks=127.0.0.0/8");
            }
            launch("mariadbd", &mut cmd, &d.join("mariadbd.out"), &[port]).map(|g| (g, port))
        },
    );
    Some(Daemon {
        guards: vec![guard],
        port,
        ports: vec![port],
        dir,
        log,
    })
}

/// The client's first packet for MariaDB: a HandshakeResponse41 for `root` with an
/// empty password (`mysql_native_password`), sequence 1. The server answers an OK
/// packet, `07 00 00 02 00 00 00 02 00 00 00`.
pub fn mariadb_login_root() -> Vec<u8> {
    let mut p = Vec::new();
    p.extend_from_slice(&0x0008_8201u32.to_le_bytes()); // LONG_PASSWORD|PROTOCOL_41|SECURE_CONNECTION|PLUGIN_AUTH
    p.extend_from_slice(&16_777_216u32.to_le_bytes()); // max packet
    p.push(0x21); // utf8
    p.extend_from_slice(&[0; 23]);
    p.extend_from_slice(b"root\0");
    p.push(0); // no auth data
    p.extend_from_slice(b"mysql_native_password\0");
    let mut pk = (p.len() as u32).to_le_bytes()[..3].to_vec();
    pk.push(1);
    pk.extend_from_slice(&p);
    pk
}

// ---------------------------------------------------------------------------------------
// sshd, redis, socat

/// OpenSSH sshd (no PROXY support) with an ed25519 host key generated in its dir.
pub fn sshd() -> Option<Daemon> {
    if !need("sshd") || !need("ssh-keygen") || !need_root("sshd") {
        return None;
    }
    // The privilege separation directory; the package creates it only at service start.
    let _ = std::fs::create_dir_all("/run/sshd");
    let dir = temp_dir();
    let d = dir.path();
    let key = d.join("host_ed25519");
    let st = Command::new(peer_bin("ssh-keygen"))
        .args(["-q", "-t", "ed25519", "-N", "", "-f"])
        .arg(&key)
        .status()
        .expect("ssh-keygen runs");
    assert!(st.success(), "ssh-keygen failed");
    let conf = d.join("sshd_config");
    std::fs::write(
        &conf,
        format!(
            "ListenAddress 127.0.0.1\nHostKey {key}\nPidFile {d}/sshd.pid\nUsePAM no\nPasswordAuthentication no\nKbdInteractiveAuthentication no\n",
            key = key.display(),
            d = d.display()
        ),
    )
    .unwrap();
    let log = d.join("sshd.log");
    Some(one_port("sshd", dir, log, |port| {
        let mut cmd = Command::new(peer_bin("sshd"));
        cmd.args(["-D", "-e", "-f"])
            .arg(&conf)
            .arg("-p")
            .arg(port.to_string());
        cmd
    }))
}

/// Debian's Tomcat (tomcat10).
const TOMCAT_HOME: &str = "/usr/share/tomcat10";

/// Apache Tomcat 10.1 (Debian's tomcat10, no PROXY support) with one HTTP/1.1 connector
/// on 127.0.0.1 and a ROOT page (`ok`), in a CATALINA_BASE of its own. `catalina.sh run`
/// execs the JVM, so the guard's PID is Tomcat's.
pub fn tomcat() -> Option<Daemon> {
    let home = Path::new(TOMCAT_HOME);
    if !home.join("bin/catalina.sh").is_file() {
        if std::env::var("CI").is_ok_and(|v| v == "true") {
            panic!("tomcat10 is required under CI=true (.ci/run installs it)");
        }
        eprintln!("skipping: tomcat10 is not installed");
        return None;
    }
    let dir = temp_dir();
    let base = dir.path().to_path_buf();
    for sub in ["conf", "logs", "temp", "work", "webapps/ROOT"] {
        std::fs::create_dir_all(base.join(sub)).unwrap();
    }
    for f in [
        "web.xml",
        "logging.properties",
        "catalina.properties",
        "context.xml",
    ] {
        std::fs::copy(home.join("etc").join(f), base.join("conf").join(f)).expect("tomcat conf");
    }
    std::fs::write(base.join("webapps/ROOT/index.html"), "ok\n").unwrap();
    let log = base.join("catalina.out");
    Some(one_port("tomcat", dir, log, |port| {
        std::fs::write(
            base.join("conf/server.xml"),
            format!(
                "<?xml version=\"1.0\"?>\n<Server port=\"-1\" shutdown=\"SHUTDOWN\">\n  <Service name=\"Catalina\">\n    <Connector port=\"{port}\" address=\"127.0.0.1\" protocol=\"HTTP/1.1\" connectionTimeout=\"5000\"/>\n    <Engine name=\"Catalina\" defaultHost=\"localhost\">\n      <Host name=\"localhost\" appBase=\"webapps\" unpackWARs=\"false\" autoDeploy=\"false\"/>\n    </Engine>\n  </Service>\n</Server>\n"
            ),
        )
        .unwrap();
        let mut cmd = Command::new(home.join("bin/catalina.sh"));
        cmd.arg("run")
            .env("CATALINA_HOME", home)
            .env("CATALINA_BASE", &base)
            .env("CATALINA_TMPDIR", base.join("temp"))
            // An IPv4 socket, as `wait_ports` looks for (the JVM's default is an IPv6
            // socket mapped to IPv4, listed in /proc/net/tcp6).
            .env("JAVA_OPTS", "-Djava.net.preferIPv4Stack=true");
        cmd
    }))
}

/// redis-server (no PROXY support), no persistence.
pub fn redis() -> Option<Daemon> {
    if !need("redis-server") {
        return None;
    }
    let dir = temp_dir();
    let log = dir.path().join("redis.log");
    let data = dir.path().to_path_buf();
    Some(one_port("redis-server", dir, log, |port| {
        let mut cmd = Command::new(peer_bin("redis-server"));
        cmd.arg("--port")
            .arg(port.to_string())
            .args(["--bind", "127.0.0.1", "--save", "", "--appendonly", "no"])
            .arg("--dir")
            .arg(&data);
        cmd
    }))
}

/// A socat echo: every connection gets back what it sends (through `/bin/cat`, so a
/// half-close is answered with a close).
pub fn socat_echo() -> Option<Daemon> {
    if !need("socat") {
        return None;
    }
    let dir = temp_dir();
    let log = dir.path().join("socat.log");
    Some(one_port("socat", dir, log, |port| {
        let mut cmd = Command::new(peer_bin("socat"));
        cmd.arg(format!("TCP-LISTEN:{port},bind=127.0.0.1,reuseaddr,fork"))
            .arg("EXEC:/bin/cat");
        cmd
    }))
}

// ---------------------------------------------------------------------------------------
// nginx stream, HAProxy mode tcp

/// nginx `stream` in front of 127.0.0.1:`upstream`: `accept` reads a header on the
/// listener (`listen ... proxy_protocol`, default `proxy_protocol_timeout` of 30 s; the
/// header is consumed, not forwarded), `send` adds a v1 header towards the upstream
/// (`proxy_protocol on`; nginx sends it on connect, before any client byte).
pub fn nginx_stream(accept: bool, send: bool, upstream: u16) -> Option<Daemon> {
    if !need("nginx") {
        return None;
    }
    let module = Path::new("/usr/lib/nginx/modules/ngx_stream_module.so");
    // nginx-full builds stream in; nginx-light needs libnginx-mod-stream.
    let load = if module.is_file() {
        format!("load_module {};\n", module.display())
    } else {
        String::new()
    };
    let dir = temp_dir();
    let d = dir.path();
    let log = d.join("error.log");
    let conf = d.join("nginx.conf");
    let (guard, port) = retry(
        "nginx",
        || read_log(&log),
        || {
            let port = free_port();
            std::fs::write(
                &conf,
                format!(
                    "{load}daemon off;\nmaster_process off;\nworker_processes 1;\npid {pid};\nerror_log {log} info;\nevents {{ worker_connections 64; }}\nstream {{\n  server {{\n    listen 127.0.0.1:{port}{pp};\n    {on}proxy_connect_timeout 2s;\n    proxy_pass 127.0.0.1:{upstream};\n  }}\n}}\n",
                    pid = d.join("nginx.pid").display(),
                    log = log.display(),
                    pp = if accept { " proxy_protocol" } else { "" },
                    on = if send { "proxy_protocol on;\n    " } else { "" },
                ),
            )
            .unwrap();
            let mut cmd = Command::new(peer_bin("nginx"));
            cmd.arg("-p")
                .arg(d)
                .arg("-e")
                .arg(&log)
                .arg("-c")
                .arg(&conf);
            launch("nginx", &mut cmd, &d.join("nginx.out"), &[port]).map(|g| (g, port))
        },
    );
    Some(Daemon {
        guards: vec![guard],
        port,
        ports: vec![port],
        dir,
        log,
    })
}

/// nginx `stream` (as `nginx_stream`) in front of a fresh socat echo.
pub fn nginx_stream_echo(accept: bool, send: bool) -> Option<Front> {
    let echo = socat_echo()?;
    let front = nginx_stream(accept, send, echo.port)?;
    Some(Front {
        port: front.port,
        front,
        echo,
    })
}

fn send_keyword(send: SendProxy) -> &'static str {
    match send {
        SendProxy::None => "",
        SendProxy::V1 => " send-proxy",
        SendProxy::V2 => " send-proxy-v2",
    }
}

/// HAProxy with `mode tcp` sections; `sections(ports)` writes them for the given ports.
/// Logs (tcplog, and PROXY errors such as "Received something which does not look like a
/// PROXY protocol header") go to its stderr, kept in `haproxy.log`.
pub fn haproxy_tcp_sections(nports: usize, sections: impl Fn(&[u16]) -> String) -> Option<Daemon> {
    if !need("haproxy") {
        return None;
    }
    let dir = temp_dir();
    let d = dir.path();
    let log = d.join("haproxy.log");
    let conf = d.join("haproxy.cfg");
    let (guard, ports) = retry(
        "haproxy",
        || read_log(&log),
        || {
            let ports: Vec<u16> = (0..nports).map(|_| free_port()).collect();
            std::fs::write(
                &conf,
                format!(
                    "global\n  maxconn 100\n  log stderr format raw local0 info\ndefaults\n  mode tcp\n  log global\n  option tcplog\n  timeout connect 2s\n  timeout client 5s\n  timeout server 5s\n{}",
                    sections(&ports)
                ),
            )
            .unwrap();
            let mut cmd = Command::new(peer_bin("haproxy"));
            cmd.arg("-db").arg("-f").arg(&conf);
            launch("haproxy", &mut cmd, &log, &ports).map(|g| (g, ports))
        },
    );
    Some(Daemon {
        guards: vec![guard],
        port: ports[0],
        ports,
        dir,
        log,
    })
}

/// HAProxy `mode tcp` on one port in front of 127.0.0.1:`upstream`: `accept` reads a
/// header (`accept-proxy`, waits `timeout client` = 5 s), `send` adds one towards the
/// upstream (`send-proxy` / `send-proxy-v2`, no TLV: 28 bytes for IPv4).
pub fn haproxy_tcp(accept: bool, send: SendProxy, upstream: u16) -> Option<Daemon> {
    haproxy_tcp_sections(1, |p| {
        format!(
            "listen front\n  bind 127.0.0.1:{}{}\n  server s 127.0.0.1:{upstream}{}\n",
            p[0],
            if accept { " accept-proxy" } else { "" },
            send_keyword(send)
        )
    })
}

/// HAProxy (as `haproxy_tcp`, not reading a header) in front of a fresh socat echo.
pub fn haproxy_echo(accept: bool, send: SendProxy) -> Option<Front> {
    let echo = socat_echo()?;
    let front = haproxy_tcp(accept, send, echo.port)?;
    Some(Front {
        port: front.port,
        front,
        echo,
    })
}

/// Two HAProxy frontends in a row in one process, client → A → B → 127.0.0.1:`upstream`.
/// A adds `a_send`; B reads a header when `b_accept` and adds `b_send`. `port` is A's,
/// `ports` is `[A, B]`. A `send-proxy-v2` → B `accept-proxy` + `send-proxy-v2` passes one
/// header with the client's address; A `send-proxy` → B without `accept-proxy` adding
/// its own header delivers two headers (B's first, naming A as the client).
pub fn haproxy_chain(
    a_send: SendProxy,
    b_accept: bool,
    b_send: SendProxy,
    upstream: u16,
) -> Option<Daemon> {
    haproxy_tcp_sections(2, |p| {
        format!(
            "listen a\n  bind 127.0.0.1:{a}\n  server s 127.0.0.1:{b}{}\nlisten b\n  bind 127.0.0.1:{b}{}\n  server s 127.0.0.1:{upstream}{}\n",
            send_keyword(a_send),
            if b_accept { " accept-proxy" } else { "" },
            send_keyword(b_send),
            a = p[0],
            b = p[1],
        )
    })
}

/// `haproxy_chain` in front of a fresh socat echo.
pub fn haproxy_chain_echo(a_send: SendProxy, b_accept: bool, b_send: SendProxy) -> Option<Front> {
    let echo = socat_echo()?;
    let front = haproxy_chain(a_send, b_accept, b_send, echo.port)?;
    Some(Front {
        port: front.port,
        front,
        echo,
    })
}
