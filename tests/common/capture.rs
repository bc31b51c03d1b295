//! tcpdump in tests: a capture of loopback traffic, started and waited for until it
//! runs, stopped so that the file is complete.

use super::process::Guard;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// A running tcpdump writing to a temporary pcap file.
pub struct Capture {
    guard: Guard,
    file: tempfile::NamedTempFile,
}

impl Capture {
    /// Runs `cmd` (tcpdump itself, or a command that runs it, such as `ip netns exec NS
    /// tcpdump`) on `lo` with `filter`, and returns once it listens.
    pub fn start(mut cmd: Command, filter: &str) -> Capture {
        let file = tempfile::Builder::new().suffix(".pcap").tempfile().unwrap();
        let log = tempfile::NamedTempFile::new().unwrap();
        // Immediate mode: without it libpcap hands packets over in blocks, and the
        // packets of a block not yet handed over are lost when tcpdump stops.
        cmd.args([
            "-i",
            "lo",
            "--immediate-mode",
            "-B",
            "65536",
            "-U",
            "-s",
            "0",
        ])
        .arg("-w")
        .arg(file.path())
        .arg(filter)
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(log.path()).unwrap());
        let guard = Guard::from_child("tcpdump", cmd.spawn().expect("tcpdump starts"));
        // tcpdump says "listening on" once the capture is running.
        let end = Instant::now() + Duration::from_secs(10);
        while Instant::now() < end {
            if std::fs::read_to_string(log.path()).is_ok_and(|s| s.contains("listening on")) {
                // The filter is attached a moment after the message.
                std::thread::sleep(Duration::from_millis(500));
                return Capture { guard, file };
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        panic!("tcpdump did not start");
    }

    /// Gives the last packets a moment, then stops tcpdump (SIGTERM flushes the file).
    pub fn stop(self) -> tempfile::NamedTempFile {
        std::thread::sleep(Duration::from_millis(300));
        drop(self.guard);
        self.file
    }
}
