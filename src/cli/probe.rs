//! `probe` arguments (clap) and their validation into [`ProbeConfig`]; the TLV flags
//! shared with `send`.
//!
//! Rules: clap types stay here; errors are messages for exit code 2.

use crate::client::target;
use crate::config::{TextSource, duration_in};
use crate::output::Output;
use crate::probe::model::{AttemptSpec, HeaderChoice};
use crate::probe::run::ProbeConfig;
use crate::probe::udp_model::UdpAttempt;
use crate::proxy::build::tlvs;
use clap::{Args, ValueEnum};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

/// One TLV: type and value.
pub type Tlv = (u8, Vec<u8>);

/// TLV flags (v2 headers), shared by `probe` and `send`.
#[derive(Debug, Args, Clone, Default)]
#[command(next_help_heading = "PROXY v2 TLVs")]
pub struct TlvArgs {
    /// A raw TLV: TYPE=VALUE, TYPE decimal or 0x-hex, VALUE text or `hex:…` (repeatable).
    #[arg(long = "tlv", value_name = "TYPE=VALUE")]
    pub tlv: Vec<String>,
    /// AWS VPC endpoint id (TLV 0xEA), e.g. vpce-0123456789abcdef0.
    #[arg(long, value_name = "ID")]
    pub aws_vpce: Option<String>,
    /// Azure Private Link LinkID (TLV 0xEE), a 32-bit number.
    #[arg(long, value_name = "N")]
    pub azure_linkid: Option<String>,
    /// GCP Private Service Connect connection id (TLV 0xE0), a 64-bit number.
    #[arg(long, value_name = "N")]
    pub gcp_psc: Option<String>,
    /// AUTHORITY TLV (0x02): the host name the client asked for.
    #[arg(long, value_name = "HOST")]
    pub authority: Option<String>,
    /// ALPN TLV (0x01).
    #[arg(long, value_name = "PROTO")]
    pub alpn_tlv: Option<String>,
    /// UNIQUE_ID TLV (0x05): text, or `hex:…`.
    #[arg(long, value_name = "ID")]
    pub unique_id: Option<String>,
    /// NETNS TLV (0x30).
    #[arg(long, value_name = "NAME")]
    pub netns: Option<String>,
    /// SSL TLV (0x20) client flags: 1 SSL, 2 CERT_CONN, 4 CERT_SESS (default 1 when any --ssl-* is given).
    #[arg(long, value_name = "FLAGS")]
    pub ssl_client: Option<String>,
    /// SSL TLV verify field (0: client certificate verified).
    #[arg(long, value_name = "N")]
    pub ssl_verify: Option<String>,
    /// SSL sub-TLV VERSION (0x21), e.g. TLSv1.3.
    #[arg(long, value_name = "TEXT")]
    pub ssl_version: Option<String>,
    /// SSL sub-TLV CN (0x22): the client certificate's common name.
    #[arg(long, value_name = "TEXT")]
    pub ssl_cn: Option<String>,
    /// SSL sub-TLV CIPHER (0x23).
    #[arg(long, value_name = "TEXT")]
    pub ssl_cipher: Option<String>,
    /// SSL sub-TLV SIG_ALG (0x24).
    #[arg(long, value_name = "TEXT")]
    pub ssl_sig_alg: Option<String>,
    /// SSL sub-TLV KEY_ALG (0x25).
    #[arg(long, value_name = "TEXT")]
    pub ssl_key_alg: Option<String>,
    /// Add a CRC32C TLV (0x03) computed over the finished header.
    #[arg(long)]
    pub crc32c: bool,
}

impl TlvArgs {
    /// The TLVs, in a fixed order (named ones, then raw ones), and the CRC flag.
    pub fn build(&self) -> Result<(Vec<Tlv>, bool), String> {
        let mut out = Vec::new();
        if let Some(v) = &self.aws_vpce {
            out.push(tlvs::aws_vpce(v));
        }
        if let Some(v) = &self.azure_linkid {
            let n = tlvs::parse_u64(v)?;
            let n =
                u32::try_from(n).map_err(|_| format!("--azure-linkid {v}: larger than 32 bits"))?;
            out.push(tlvs::azure_linkid(n));
        }
        if let Some(v) = &self.gcp_psc {
            out.push(tlvs::gcp_psc(tlvs::parse_u64(v)?));
        }
        if let Some(v) = &self.authority {
            out.push(tlvs::authority(v));
        }
        if let Some(v) = &self.alpn_tlv {
            out.push(tlvs::alpn(v));
        }
        if let Some(v) = &self.unique_id {
            let bytes = match v.strip_prefix("hex:") {
                Some(h) => tlvs::parse_hex(h)?,
                None => v.as_bytes().to_vec(),
            };
            out.push(tlvs::unique_id(&bytes));
        }
        if let Some(v) = &self.netns {
            out.push(tlvs::netns(v));
        }
        let any_ssl = self.ssl_client.is_some()
            || self.ssl_verify.is_some()
            || self.ssl_version.is_some()
            || self.ssl_cn.is_some()
            || self.ssl_cipher.is_some()
            || self.ssl_sig_alg.is_some()
            || self.ssl_key_alg.is_some();
        if any_ssl {
            let client = match &self.ssl_client {
                Some(v) => u8::try_from(tlvs::parse_u64(v)?)
                    .map_err(|_| format!("--ssl-client {v}: a byte (0-255)"))?,
                None => 1,
            };
            let verify = match &self.ssl_verify {
                Some(v) => u32::try_from(tlvs::parse_u64(v)?)
                    .map_err(|_| format!("--ssl-verify {v}: larger than 32 bits"))?,
                None => 0,
            };
            out.push(tlvs::ssl(&tlvs::SslSpec {
                client,
                verify,
                version: self.ssl_version.clone(),
                cn: self.ssl_cn.clone(),
                cipher: self.ssl_cipher.clone(),
                sig_alg: self.ssl_sig_alg.clone(),
                key_alg: self.ssl_key_alg.clone(),
            }));
        }
        for raw in &self.tlv {
            out.push(tlvs::parse_raw(raw)?);
        }
        Ok((out, self.crc32c))
    }
}

/// What the balancer in front sends.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SendsArg {
    /// No PROXY header.
    None,
    /// PROXY v1.
    V1,
    /// PROXY v2.
    V2,
    /// PROXY v2 LOCAL (health checks).
    V2Local,
}

/// `probe` arguments.
#[derive(Debug, Args)]
pub struct ProbeArgs {
    /// Targets: host:port, [v6]:port, https://host/path, http://host:port.
    #[arg(value_name = "TARGET")]
    pub targets: Vec<String>,
    /// Read more targets from a file, one per line (`#` comments; `-` for stdin).
    #[arg(long, value_name = "PATH")]
    pub targets_file: Option<PathBuf>,
    /// Port for targets given without one.
    #[arg(long, value_name = "PORT")]
    pub port: Option<u16>,
    /// Connect to CONNECT-HOST:CONNECT-PORT for HOST:PORT, keeping the name for SNI and Host (curl's convention; repeatable).
    #[arg(long, value_name = "HOST:PORT:CONNECT-HOST:CONNECT-PORT")]
    pub connect_to: Vec<String>,
    /// How long each attempt may take, connect included (`3`, `1.5s`, `800ms`; 50ms to 5m).
    #[arg(long, value_name = "DURATION", default_value = "3s")]
    pub timeout: String,
    /// Target addresses probed at the same time.
    #[arg(long, value_name = "N", default_value_t = 8)]
    pub concurrency: usize,
    /// Run only these attempts: header (none, v1, v2, v2-local), payload (tls, http, wait) or attempt names (v2+tls); comma-separated.
    #[arg(long, value_name = "LIST", value_delimiter = ',')]
    pub only: Vec<String>,
    /// Skip these attempts (same names as --only).
    #[arg(long, value_name = "LIST", value_delimiter = ',')]
    pub skip: Vec<String>,
    /// Source address in the headers (default: this side of the socket).
    #[arg(long, value_name = "IP:PORT")]
    pub src: Option<SocketAddr>,
    /// Destination address in the headers (default: the target's address).
    #[arg(long, value_name = "IP:PORT")]
    pub dst: Option<SocketAddr>,
    /// SNI to send (default: the target's host name; none for IP addresses).
    #[arg(long, value_name = "NAME")]
    pub sni: Option<String>,
    /// ALPN protocols to offer, comma-separated.
    #[arg(
        long,
        value_name = "LIST",
        value_delimiter = ',',
        default_value = "h2,http/1.1"
    )]
    pub alpn: Vec<String>,
    /// Method of the plaintext HTTP request.
    #[arg(long, value_name = "METHOD", default_value = "GET")]
    pub method: String,
    /// What the balancer in front sends: its mismatch becomes an error (exit 1).
    #[arg(long, value_enum, value_name = "HEADER")]
    pub balancer_sends: Option<SendsArg>,
    /// Warn when the certificate expires within this many days.
    #[arg(long, value_name = "DAYS", default_value_t = 21)]
    pub expiry_warn: i64,
    /// Also trust the CA certificates in this PEM file (repeatable).
    #[arg(long, value_name = "PATH")]
    pub cacert: Vec<PathBuf>,
    /// Probe only the IPv4 addresses of each name.
    #[arg(short = '4', long = "ipv4", conflicts_with = "ipv6")]
    pub ipv4: bool,
    /// Probe only the IPv6 addresses of each name.
    #[arg(short = '6', long = "ipv6")]
    pub ipv6: bool,
    /// After the matrix, deliberate faults: the header that worked sent in two pieces,
    /// byte by byte and late, and the AWS NLB and HAProxy health-check headers alone.
    #[arg(long, conflicts_with = "udp")]
    pub robustness: bool,
    /// After the matrix, send a header the target accepts claiming a documentation
    /// address as the client (and stacked behind another), to see whether it believes
    /// a header from this machine.
    #[arg(long, conflicts_with = "udp")]
    pub audit: bool,
    /// Probe over UDP: a datagram without a header, with a PROXY v2 header (DGRAM), with
    /// a v2 LOCAL header, and a v2 header then a datagram without; the payload is a DNS
    /// query for `localhost.` unless --data is given.
    #[arg(long)]
    pub udp: bool,
    /// With --udp: the payload of each datagram instead of the DNS query (text, or
    /// `hex:…`).
    #[arg(long, value_name = "TEXT", requires = "udp")]
    pub data: Option<String>,
    /// TLVs for the v2 headers.
    #[command(flatten)]
    pub tlvs: TlvArgs,
}

fn matches(item: &str, s: &AttemptSpec) -> bool {
    item == s.header.name() || item == s.payload.name() || item == s.name()
}

fn known(item: &str) -> bool {
    AttemptSpec::matrix().iter().any(|s| matches(item, s))
}

/// `--timeout` (a duration as `serve` takes them: `3`, `1.5s`, `800ms`), 50 ms to 300 s.
pub fn timeout(s: &str) -> Result<Duration, String> {
    duration_in(
        "--timeout",
        s,
        Duration::from_millis(50),
        Duration::from_secs(300),
    )
}

/// Validates `probe` arguments (the targets file is read by the probe itself).
pub fn config(a: ProbeArgs, output: Output) -> Result<ProbeConfig, String> {
    let targets = a
        .targets
        .iter()
        .map(|t| target::parse(t, a.port))
        .collect::<Result<Vec<_>, _>>()?;
    if targets.is_empty() && a.targets_file.is_none() {
        return Err(
            "give at least one TARGET (host:port, [v6]:port or a URL), or --targets-file".into(),
        );
    }
    let connect_to = a
        .connect_to
        .iter()
        .map(|s| target::parse_connect_to(s))
        .collect::<Result<Vec<_>, _>>()?;
    let udp_attempts = if a.udp {
        udp_attempts(&a.only, &a.skip)?
    } else {
        Vec::new()
    };
    let udp_data = udp_data(a.data.as_deref())?;
    let attempts = tcp_attempts(&a)?;
    check_limits(&a)?;
    let (tlvs, crc32c) = a.tlvs.build()?;
    check_request(&a)?;
    Ok(ProbeConfig {
        targets,
        targets_file: a.targets_file.map(|path| {
            if path.as_os_str() == "-" {
                TextSource::Stdin
            } else {
                TextSource::File(path)
            }
        }),
        port: a.port,
        connect_to,
        timeout: timeout(&a.timeout)?,
        concurrency: a.concurrency,
        attempts,
        src: a.src,
        dst: a.dst,
        tlvs,
        crc32c,
        sni: a.sni,
        alpn: a.alpn,
        method: a.method.to_ascii_uppercase(),
        balancer_sends: a.balancer_sends.map(|s| match s {
            SendsArg::None => HeaderChoice::None,
            SendsArg::V1 => HeaderChoice::V1,
            SendsArg::V2 => HeaderChoice::V2,
            SendsArg::V2Local => HeaderChoice::V2Local,
        }),
        expiry_warn_days: a.expiry_warn,
        cacert: a.cacert,
        ip_version: if a.ipv4 {
            Some(4)
        } else if a.ipv6 {
            Some(6)
        } else {
            None
        },
        output,
        udp_attempts,
        udp_data,
        robustness: a.robustness,
        audit: a.audit,
    })
}

/// `--data` of `--udp`: text, or `hex:…`, at most what a datagram carries here.
fn udp_data(data: Option<&str>) -> Result<Option<Vec<u8>>, String> {
    let Some(d) = data else {
        return Ok(None);
    };
    let bytes = match d.strip_prefix("hex:") {
        Some(h) => crate::proxy::build::tlvs::parse_hex(h).map_err(|e| format!("--data: {e}"))?,
        None => d.as_bytes().to_vec(),
    };
    if bytes.len() > 65_000 {
        return Err("--data: a datagram carries at most 65,000 bytes here".into());
    }
    Ok(Some(bytes))
}

/// The TCP attempts `--only`/`--skip` leave (none is an error unless `--udp`).
fn tcp_attempts(a: &ProbeArgs) -> Result<Vec<AttemptSpec>, String> {
    for item in a.only.iter().chain(&a.skip).filter(|_| !a.udp) {
        if !known(item) {
            return Err(format!(
                "--only/--skip `{item}`: use none, v1, v2, v2-local, tls, http, wait, or an attempt name such as v2+tls"
            ));
        }
    }
    let attempts: Vec<AttemptSpec> = AttemptSpec::matrix()
        .into_iter()
        .filter(|s| a.only.is_empty() || a.only.iter().any(|i| matches(i, s)))
        .filter(|s| !a.skip.iter().any(|i| matches(i, s)))
        .collect();
    if attempts.is_empty() && !a.udp {
        return Err("--only/--skip leave no attempt to run".into());
    }
    Ok(attempts)
}

/// `--concurrency` and `--src`/`--dst`.
fn check_limits(a: &ProbeArgs) -> Result<(), String> {
    if !(1..=256).contains(&a.concurrency) {
        // Each address opens 9 connections at once: 256 keeps a run under the usual
        // 4096 open files, and under what a balancer or a firewall tolerates from one host.
        return Err("--concurrency: give 1 to 256".into());
    }
    if let (Some(s), Some(d)) = (a.src, a.dst)
        && s.is_ipv4() != d.is_ipv4()
    {
        return Err(format!("--src {s} and --dst {d} are of different families"));
    }
    Ok(())
}

/// `--alpn` and `--method`.
fn check_request(a: &ProbeArgs) -> Result<(), String> {
    if a.alpn.iter().any(|p| p.is_empty() || p.len() > 255) {
        return Err("--alpn: protocol names are 1 to 255 bytes".into());
    }
    if a.method.is_empty() || !a.method.bytes().all(|b| b.is_ascii_alphabetic()) {
        return Err(format!(
            "--method `{}`: letters only (GET, HEAD, ...)",
            a.method
        ));
    }
    Ok(())
}

/// The UDP attempts `--only`/`--skip` leave. PROXY v1 has no UDP form.
fn udp_attempts(only: &[String], skip: &[String]) -> Result<Vec<UdpAttempt>, String> {
    for item in only.iter().chain(skip) {
        if item == "v1" || item.starts_with("v1+") {
            return Err(format!(
                "--only/--skip `{item}`: PROXY v1 has no UDP form (the specification defines the text header for TCP); over UDP the attempts are none, v2, v2-local, v2-then-none"
            ));
        }
        if !UdpAttempt::ALL.iter().any(|a| a.name() == item) {
            return Err(format!(
                "--only/--skip `{item}`: with --udp use none, v2, v2-local or v2-then-none"
            ));
        }
    }
    let list: Vec<UdpAttempt> = UdpAttempt::ALL
        .into_iter()
        .filter(|a| only.is_empty() || only.iter().any(|i| i == a.name()))
        .filter(|a| !skip.iter().any(|i| i == a.name()))
        .collect();
    if list.is_empty() {
        return Err("--only/--skip leave no attempt to run".into());
    }
    Ok(list)
}
