//! `send` arguments (clap) and their validation into [`SendConfig`].
//!
//! Rules: clap types stay here; errors are messages for exit code 2.

use super::probe::{Tlv, TlvArgs, timeout};
use crate::client::target;
use crate::output::Output;
use crate::proxy::build::{Break, HeaderSpec, Kind};
use crate::proxy::{Family, Transport};
use crate::send::SendConfig;
use clap::{Args, ValueEnum};
use std::net::SocketAddr;

/// `--proxy` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ProxyArg {
    /// The text header.
    V1,
    /// The binary header.
    V2,
    /// No header.
    None,
}

/// `--like`: a balancer's health-check header.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LikeArg {
    /// AWS NLB: LOCAL, family 0x11, CRC32C then NOOP (100 bytes).
    AwsNlbHealthCheck,
    /// HAProxy `check-send-proxy` with v2: LOCAL, 16 bytes.
    HaproxyHealthCheck,
}

/// `--family` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FamilyArg {
    /// AF_UNSPEC (v1: `PROXY UNKNOWN`).
    Unspec,
    /// AF_INET.
    Inet,
    /// AF_INET6.
    Inet6,
    /// AF_UNIX (v2 only; declared, no address block).
    Unix,
}

/// `--transport` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum TransportArg {
    /// UNSPEC.
    Unspec,
    /// STREAM (TCP).
    Stream,
    /// DGRAM (UDP).
    Dgram,
}

/// `--break` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum BreakArg {
    /// Corrupt the signature.
    Signature,
    /// Wrong version (v2 nibble 1; v1 `TCP5`).
    Version,
    /// v2 command neither LOCAL nor PROXY.
    Command,
    /// v2 family 0x4; v1 family keyword that contradicts the addresses.
    Family,
    /// v2 length 7 bytes longer than sent.
    Length,
    /// v2 CRC32C TLV with a wrong value.
    Crc,
    /// v2 last TLV running past the header.
    Tlv,
    /// Send only the first half of the header.
    Truncate,
    /// v1 line ending in LF only.
    Crlf,
    /// v1 line longer than 107 bytes.
    TooLong,
    /// v1 port out of range (65536).
    Port,
    /// The header twice.
    Duplicate,
}

impl From<BreakArg> for Break {
    fn from(b: BreakArg) -> Break {
        match b {
            BreakArg::Signature => Break::Signature,
            BreakArg::Version => Break::Version,
            BreakArg::Command => Break::Command,
            BreakArg::Family => Break::Family,
            BreakArg::Length => Break::Length,
            BreakArg::Crc => Break::Crc,
            BreakArg::Tlv => Break::Tlv,
            BreakArg::Truncate => Break::Truncate,
            BreakArg::Crlf => Break::Crlf,
            BreakArg::TooLong => Break::TooLong,
            BreakArg::Port => Break::Port,
            BreakArg::Duplicate => Break::Duplicate,
        }
    }
}

/// `send` arguments.
#[derive(Debug, Args)]
pub struct SendArgs {
    /// Where to connect: host:port, [v6]:port or a URL.
    #[arg(value_name = "TARGET")]
    pub target: String,
    /// Connect to CONNECT-HOST:CONNECT-PORT for HOST:PORT, keeping the name for SNI and Host.
    #[arg(long, value_name = "HOST:PORT:CONNECT-HOST:CONNECT-PORT")]
    pub connect_to: Vec<String>,
    /// Time to connect, and of silence after which the exchange ends (`5`, `2s`, `500ms`; 50ms to 5m).
    #[arg(long, value_name = "DURATION", default_value = "5s")]
    pub timeout: String,
    /// Which header to send.
    #[arg(long, value_enum, default_value_t = ProxyArg::V2)]
    pub proxy: ProxyArg,
    /// v2 LOCAL command (a health check) instead of PROXY.
    #[arg(long)]
    pub local: bool,
    /// Send a balancer's health-check header byte for byte instead of building one:
    /// `aws-nlb-health-check` (LOCAL, family 0x11, a CRC32C TLV then a 74-byte NOOP
    /// TLV) or `haproxy-health-check` (LOCAL, 16 bytes).
    #[arg(long, value_enum, value_name = "SHAPE", conflicts_with_all = ["local", "src", "dst", "family"])]
    pub like: Option<LikeArg>,
    /// Source address in the header (default: this side of the socket).
    #[arg(long, value_name = "IP:PORT")]
    pub src: Option<SocketAddr>,
    /// Destination address in the header (default: the target's address).
    #[arg(long, value_name = "IP:PORT")]
    pub dst: Option<SocketAddr>,
    /// Declared address family (with --local and no addresses: AWS NLB's health-check form).
    #[arg(long, value_enum)]
    pub family: Option<FamilyArg>,
    /// Declared transport (v2).
    #[arg(long, value_enum)]
    pub transport: Option<TransportArg>,
    /// A deliberate fault, to test a receiver (repeatable).
    #[arg(long = "break", value_enum, value_name = "FAULT")]
    pub breaks: Vec<BreakArg>,
    /// Print the header bytes sent, in hex (text output; JSON always has them).
    #[arg(long)]
    pub hex: bool,
    /// Run a TLS handshake after the header.
    #[arg(long)]
    pub tls: bool,
    /// SNI to send (default: the target's host name).
    #[arg(long, value_name = "NAME", requires = "tls")]
    pub sni: Option<String>,
    /// ALPN protocols to offer, comma-separated.
    #[arg(long, value_name = "LIST", value_delimiter = ',', requires = "tls")]
    pub alpn: Vec<String>,
    /// Send an HTTP request and print the response (otherwise stdin/stdout are bridged, like netcat).
    #[arg(long, num_args = 2, value_names = ["METHOD", "PATH"])]
    pub http: Option<Vec<String>>,
    /// Send these bytes after the header (and TLS) instead of reading stdin: text, or `hex:…`.
    #[arg(long, value_name = "TEXT", conflicts_with = "http")]
    pub data: Option<String>,
    /// One UDP datagram (header + --data or stdin), then print the replies (LoxiLB-style PROXY over UDP).
    #[arg(long, conflicts_with_all = ["tls", "http"])]
    pub udp: bool,
    /// TLVs (v2).
    #[command(flatten)]
    pub tlvs: TlvArgs,
}

/// Validates `send` arguments.
pub fn config(a: SendArgs, output: Output) -> Result<SendConfig, String> {
    let t = target::parse(&a.target, None)?;
    let connect_to = a
        .connect_to
        .iter()
        .map(|s| target::parse_connect_to(s))
        .collect::<Result<Vec<_>, _>>()?;
    let (tlvs, crc32c) = a.tlvs.build()?;
    let has_tlvs = !tlvs.is_empty();
    let header = header(&a, tlvs, crc32c)?;
    let http = http(a.http.as_deref())?;
    let raw_header = match a.like {
        Some(_) if a.proxy != ProxyArg::V2 || has_tlvs || crc32c || !a.breaks.is_empty() => {
            return Err("--like sends a balancer's health check as it is: drop --proxy v1/none, TLVs and --break".into());
        }
        Some(LikeArg::AwsNlbHealthCheck) => Some(crate::proxy::build::aws_nlb_health_check()),
        Some(LikeArg::HaproxyHealthCheck) => Some(crate::proxy::build::haproxy_health_check()),
        None => None,
    };
    Ok(SendConfig {
        target: t,
        connect_to,
        timeout: timeout(&a.timeout)?,
        header,
        raw_header,
        hex: a.hex,
        tls: a.tls,
        sni: a.sni,
        alpn: a.alpn,
        http,
        data: match a.data {
            Some(d) => Some(match d.strip_prefix("hex:") {
                Some(h) => {
                    crate::proxy::build::tlvs::parse_hex(h).map_err(|e| format!("--data: {e}"))?
                }
                None => d.into_bytes(),
            }),
            None => None,
        },
        udp: a.udp,
        output,
    })
}

/// The header to send, checked to build (`None` for `--proxy none`).
fn header(a: &SendArgs, tlvs: Vec<Tlv>, crc32c: bool) -> Result<Option<HeaderSpec>, String> {
    if a.proxy == ProxyArg::None {
        if a.local
            || !tlvs.is_empty()
            || crc32c
            || !a.breaks.is_empty()
            || a.src.is_some()
            || a.dst.is_some()
        {
            return Err(
                "--proxy none sends no header: drop --local, --src, --dst, TLVs and --break".into(),
            );
        }
        return Ok(None);
    }
    let kind = if a.proxy == ProxyArg::V1 {
        Kind::V1
    } else {
        Kind::V2
    };
    if kind == Kind::V1 && (a.local || !tlvs.is_empty() || crc32c) {
        return Err("--local and TLVs exist only in v2 headers: use --proxy v2".into());
    }
    let spec = HeaderSpec {
        kind,
        local: a.local,
        src: a.src,
        dst: a.dst,
        family: a.family.map(|f| match f {
            FamilyArg::Unspec => Family::Unspec,
            FamilyArg::Inet => Family::Inet,
            FamilyArg::Inet6 => Family::Inet6,
            FamilyArg::Unix => Family::Unix,
        }),
        transport: match a.transport {
            Some(TransportArg::Unspec) => Transport::Unspec,
            Some(TransportArg::Dgram) => Transport::Dgram,
            Some(TransportArg::Stream) => Transport::Stream,
            None if a.local && a.family.is_none() => Transport::Unspec,
            None if a.udp => Transport::Dgram,
            None => Transport::Stream,
        },
        tlvs,
        crc32c,
        breaks: a.breaks.iter().map(|b| Break::from(*b)).collect(),
    };
    check_builds(&spec)?;
    Ok(Some(spec))
}

/// Builds the header now (with stand-in addresses), so mistakes are exit 2.
fn check_builds(spec: &HeaderSpec) -> Result<(), String> {
    let mut probe = spec.clone();
    if probe.src.is_none()
        && probe.dst.is_none()
        && !probe.local
        && probe.family != Some(Family::Unspec)
    {
        let any = if probe.family == Some(Family::Inet6) {
            "[::1]:1"
        } else {
            "127.0.0.1:1"
        };
        probe.src = any.parse().ok();
        probe.dst = any.parse().ok();
        if probe.family == Some(Family::Unix) {
            return Err("--family unix needs --local (a declared family without addresses)".into());
        }
    } else if probe.src.is_some() != probe.dst.is_some() {
        let other = probe.src.or(probe.dst);
        probe.src = probe.src.or(other);
        probe.dst = probe.dst.or(other);
    }
    crate::proxy::build::build(&probe).map_err(|e| e.0)?;
    Ok(())
}

/// `--http METHOD PATH`, checked.
fn http(v: Option<&[String]>) -> Result<Option<(String, String)>, String> {
    let Some([method, path]) = v else {
        return Ok(None);
    };
    if !method.bytes().all(|b| b.is_ascii_alphabetic()) || method.is_empty() {
        return Err(format!(
            "--http `{method}`: the method is letters only (GET, HEAD, ...)"
        ));
    }
    if !path.starts_with('/') && path != "*" {
        return Err(format!(
            "--http: the path must start with `/` (got `{path}`)"
        ));
    }
    if path
        .bytes()
        .any(|b| b.is_ascii_whitespace() || b.is_ascii_control())
    {
        return Err("--http: the path cannot contain spaces or control characters".into());
    }
    Ok(Some((method.to_ascii_uppercase(), path.clone())))
}
