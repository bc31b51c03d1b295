//! Real peers in tests: is a program installed (under CI=true it must be), free ports,
//! waiting for a listener, and a guard that stops a spawned process when dropped.
#![allow(dead_code)]

/// Whether the external program `name` can run here. Under `CI=true` a missing peer is a
/// test failure (CI installs every peer); elsewhere the caller skips with a message.
pub fn peer(name: &str) -> bool {
    let found = std::process::Command::new("sh")
        .args([
            "-c",
            &format!("command -v {name} || test -x /usr/sbin/{name}"),
        ])
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false);
    if !found {
        if std::env::var("CI").is_ok_and(|v| v == "true") {
            panic!("{name} is required under CI=true (.ci/run installs it)");
        }
        eprintln!("skipping: {name} is not installed");
    }
    found
}

/// A free TCP port on 127.0.0.1 (bound then released; good enough for test daemons).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

/// Stops the child process when dropped: SIGTERM first, so that a daemon's master
/// (nginx, haproxy) takes its workers down with it, then SIGKILL after 3 s.
pub struct Guard(pub std::process::Child);

impl Drop for Guard {
    fn drop(&mut self) {
        let pid = self.0.id().to_string();
        let _ = std::process::Command::new("kill")
            .args(["-TERM", &pid])
            .stderr(std::process::Stdio::null())
            .status();
        for _ in 0..60 {
            if let Ok(Some(_)) = self.0.try_wait() {
                return;
            }
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Waits until something accepts connections on 127.0.0.1:`port` (at most ~5 s).
pub fn wait_for_port(port: u16) -> bool {
    for _ in 0..100 {
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return true;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    false
}
