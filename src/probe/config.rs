//! `probe`'s validated configuration: what `cli` hands the shell, and what every part
//! of the shell (the matrix, `--robustness`, `--audit`, `--udp`) reads.
//!
//! Rules: plain data; validation happens before it is built.

use super::model::{AttemptSpec, BalancerSends};
use super::udp_model::UdpAttempt;
use crate::client::target::{ConnectTo, Target};
use crate::config::TextSource;
use crate::output::Output;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

/// Validated `probe` configuration.
#[derive(Debug, Clone)]
pub struct ProbeConfig {
    /// Targets, in the order given.
    pub targets: Vec<Target>,
    /// `--targets-file`: more targets, one per line, read when the probe starts.
    pub targets_file: Option<TextSource>,
    /// `--port`: the port of targets given without one (in the targets file).
    pub port: Option<u16>,
    /// `--connect-to` rules.
    pub connect_to: Vec<ConnectTo>,
    /// Per-attempt timeout (connect and exchange).
    pub timeout: Duration,
    /// Addresses probed at once.
    pub concurrency: usize,
    /// The attempts to run.
    pub attempts: Vec<AttemptSpec>,
    /// Header source address (default: our socket address).
    pub src: Option<SocketAddr>,
    /// Header destination address (default: the target's address).
    pub dst: Option<SocketAddr>,
    /// TLVs for the v2 headers.
    pub tlvs: Vec<(u8, Vec<u8>)>,
    /// Add a CRC32C TLV to v2 headers.
    pub crc32c: bool,
    /// SNI override.
    pub sni: Option<String>,
    /// ALPN protocols offered.
    pub alpn: Vec<String>,
    /// HTTP method of the plaintext request.
    pub method: String,
    /// What the balancer in front sends, when the user said.
    pub balancer_sends: BalancerSends,
    /// Warn when the certificate expires within this many days.
    pub expiry_warn_days: i64,
    /// Extra trusted roots (PEM files).
    pub cacert: Vec<PathBuf>,
    /// Probe only IPv4 (4) or IPv6 (6) addresses.
    pub ip_version: Option<u8>,
    /// Output.
    pub output: Output,
    /// `--robustness`: after the matrix, deliver the working header in pieces, byte by
    /// byte and late, and send the balancers' health-check headers.
    pub robustness: bool,
    /// `--audit`: claim documentation addresses in headers the target accepts, and see
    /// whether it believes them.
    pub audit: bool,
    /// `--udp`: the attempts over UDP (empty: probe over TCP).
    pub udp_attempts: Vec<UdpAttempt>,
    /// `--data` for UDP: the payload instead of the default DNS query.
    pub udp_data: Option<Vec<u8>>,
}
