//! Processes in tests: is a program installed (under CI=true it must be), where it is,
//! free ports, waiting for a listener, and the one guard that stops a spawned process
//! by its PID when dropped.

use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// Whether the external program `name` can run here. Under `CI=true` a missing peer is a
/// test failure (CI installs every peer); elsewhere the caller skips with a message.
pub fn need(name: &str) -> bool {
    let found = find_bin(name).is_some();
    if !found {
        if std::env::var("CI").is_ok_and(|v| v == "true") {
            panic!("{name} is required under CI=true (.ci/run installs it)");
        }
        eprintln!("skipping: {name} is not installed");
    }
    found
}

/// Where `bin` is: PATH, then the sbin directories (nginx and haproxy live there and
/// a CI environment may not have them on PATH).
pub fn find_bin(bin: &str) -> Option<PathBuf> {
    let mut dirs: Vec<PathBuf> = std::env::var_os("PATH")
        .map(|p| std::env::split_paths(&p).collect())
        .unwrap_or_default();
    dirs.extend(["/usr/sbin", "/sbin", "/usr/local/sbin", "/usr/bin"].map(PathBuf::from));
    dirs.into_iter().map(|d| d.join(bin)).find(|p| p.is_file())
}

/// The path of `name`, or the bare name (the spawn then fails with its own message).
pub fn peer_bin(name: &str) -> PathBuf {
    find_bin(name).unwrap_or_else(|| PathBuf::from(name))
}

/// A free TCP port on 127.0.0.1 for a test's listener: free now, and below the kernel's
/// ephemeral range when there is room, so that outgoing connections and `bind(0)`
/// (which take ephemeral ports) cannot grab it between this check and the listener's
/// bind. Random, so parallel tests rarely pick the same one; the daemons' `wait_ports`
/// and `retry`, and the Go server's ownership check, deal with the rest.
pub fn free_port() -> u16 {
    use std::sync::atomic::{AtomicU64, Ordering};
    static SEQ: AtomicU64 = AtomicU64::new(0);
    let low: u32 = std::fs::read_to_string("/proc/sys/net/ipv4/ip_local_port_range")
        .ok()
        .and_then(|s| s.split_whitespace().next()?.parse().ok())
        .unwrap_or(32768);
    if low < 12000 {
        return free_port_on("127.0.0.1");
    }
    let (from, span) = (low - 11000, 10000u32);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos() as u64)
        .unwrap_or(0);
    let mut x = nanos
        ^ (u64::from(std::process::id()) << 32)
        ^ SEQ
            .fetch_add(1, Ordering::Relaxed)
            .wrapping_mul(0x9E37_79B9_7F4A_7C15);
    for _ in 0..50 {
        // xorshift
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        let port = (from + (x % u64::from(span)) as u32) as u16;
        if TcpListener::bind(("127.0.0.1", port)).is_ok() {
            return port;
        }
    }
    free_port_on("127.0.0.1")
}

/// A free port on `host` (`127.0.0.1` or `::1`).
pub fn free_port_on(host: &str) -> u16 {
    TcpListener::bind((host, 0))
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

/// A spawned process with a name for messages. Dropping it stops the process by its
/// PID: SIGTERM first, so that a daemon's master (nginx, haproxy) takes its workers
/// down with it, then SIGKILL after 3 s.
pub struct Guard {
    child: Child,
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
            child,
            name: name.to_string(),
        }
    }

    /// Still running?
    pub fn alive(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(None))
    }

    /// The process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// The process, for tests that talk to its pipes or wait for it.
    pub fn child(&mut self) -> &mut Child {
        &mut self.child
    }
}

impl Drop for Guard {
    fn drop(&mut self) {
        let pid = self.child.id().to_string();
        let _ = Command::new("kill")
            .args(["-TERM", &pid])
            .stderr(Stdio::null())
            .status();
        for _ in 0..60 {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Waits (at most 15 s) until something accepts on `addr`; panics if the guarded
/// process exits first or nothing listens by then.
pub fn wait_listening(addr: SocketAddr, mut guard: Option<&mut Guard>) {
    let end = Instant::now() + Duration::from_secs(15);
    while Instant::now() < end {
        if TcpStream::connect_timeout(&addr, Duration::from_millis(200)).is_ok() {
            return;
        }
        if let Some(g) = guard.as_deref_mut() {
            assert!(g.alive(), "{} exited before listening on {addr}", g.name);
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let who = guard.map_or("nothing".to_string(), |g| g.name.clone());
    panic!("{who} did not listen on {addr} within 15 s");
}

/// Whether process `pid` holds a listening socket on 127.0.0.1:`port` (its own socket,
/// found through /proc: a connect could reach another test's daemon that took the port).
pub fn listens(pid: u32, port: u16) -> bool {
    let want = format!("0100007F:{port:04X}");
    let Ok(table) = std::fs::read_to_string("/proc/net/tcp") else {
        return false;
    };
    let inodes: Vec<String> = table
        .lines()
        .skip(1)
        .filter_map(|l| {
            let f: Vec<&str> = l.split_whitespace().collect();
            (f.len() > 9 && f[1] == want && f[3] == "0A").then(|| format!("socket:[{}]", f[9]))
        })
        .collect();
    if inodes.is_empty() {
        return false;
    }
    let Ok(fds) = std::fs::read_dir(format!("/proc/{pid}/fd")) else {
        return false;
    };
    fds.flatten().any(|fd| {
        std::fs::read_link(fd.path())
            .is_ok_and(|l| inodes.iter().any(|i| l.as_os_str() == i.as_str()))
    })
}

/// Waits (at most 15 s) until the guarded process accepts on 127.0.0.1:`port`.
pub fn wait_port(port: u16, guard: &mut Guard) {
    wait_port_on("127.0.0.1", port, guard)
}

/// Waits (at most 15 s) until the guarded process accepts on `host`:`port`.
pub fn wait_port_on(host: &str, port: u16, guard: &mut Guard) {
    let ip: std::net::IpAddr = host.parse().expect("an IP address");
    wait_listening(SocketAddr::new(ip, port), Some(guard))
}
