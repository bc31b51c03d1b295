//! `ppdiag serve` arguments: the clap types and their validation into the plain
//! [`ServeConfig`] that the serve shell runs.
//!
//! Rules: clap stays here; every check that can fail on the user's input happens here
//! and yields a message for exit code 2, so the shell starts with a config that makes
//! sense (a key for every certificate, a CA only with client auth, ...).

use crate::config::duration_in;
use crate::output::Output;
use crate::proxy::Version;
use crate::serve::judge::{Cidr, Emulation, Expectations, Policy, ProxyMode, Versions};
use crate::serve::tls::{CertSource, ClientAuth, TlsSettings};
use crate::serve::{ListenAddr, ReplyMode, ServeConfig};
use clap::{Args, ValueEnum};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

/// `serve` arguments.
#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Address to listen on (repeat for several; IPv6 as [::1]:8443; port 0 picks one).
    #[arg(
        long,
        short = 'l',
        value_name = "ADDR",
        default_value = "127.0.0.1:8443"
    )]
    pub listen: Vec<String>,
    /// Also listen on UDP at the same addresses (each datagram may start with a v2 header).
    #[arg(long)]
    pub udp: bool,
    /// Whether a PROXY header must come first, may, or must not.
    #[arg(long, value_enum, default_value_t = ProxyArg::Required)]
    pub proxy: ProxyArg,
    /// PROXY versions read (comma-separated).
    #[arg(long, value_enum, value_delimiter = ',', default_value = "v1,v2")]
    pub proxy_versions: Vec<VersionArg>,
    /// Believe headers only from these sources (IP or CIDR; repeat or comma-separate).
    /// Headers from others are read and dropped and their addresses ignored, as Traefik
    /// does outside `proxyProtocol.trustedIPs` (go-proxyproto IGNORE).
    #[arg(long, value_name = "CIDR", value_delimiter = ',')]
    pub trusted: Vec<String>,
    /// How long the header (and the first bytes after it) may take: 5s, 500ms, 1m.
    #[arg(long, value_name = "DURATION", default_value = "5s")]
    pub header_timeout: String,
    /// How long to wait for the peer after the header (request, echo, close).
    #[arg(long, value_name = "DURATION", default_value = "10s")]
    pub idle_timeout: String,
    /// Terminate TLS (with a certificate generated at start unless --cert is given).
    #[arg(long)]
    pub tls: bool,
    /// Names for the generated certificate (default: localhost and the listen addresses).
    #[arg(
        long,
        value_name = "NAME",
        value_delimiter = ',',
        conflicts_with = "cert"
    )]
    pub name: Vec<String>,
    /// Certificate chain (PEM); implies --tls.
    #[arg(long, value_name = "PEM", requires = "key")]
    pub cert: Option<PathBuf>,
    /// Private key (PEM) for --cert.
    #[arg(long, value_name = "PEM", requires = "cert")]
    pub key: Option<PathBuf>,
    /// Write the generated certificate (PEM) here, for `curl --cacert`.
    #[arg(long, value_name = "PATH", conflicts_with = "cert")]
    pub cert_out: Option<PathBuf>,
    /// ALPN protocols to agree to, in preference order (comma-separated), e.g. http/1.1.
    #[arg(long, value_name = "PROTO", value_delimiter = ',')]
    pub alpn: Vec<String>,
    /// Ask for a client certificate and record its subject.
    #[arg(long, value_enum, value_name = "MODE")]
    pub client_auth: Option<ClientAuthArg>,
    /// CA bundle (PEM) client certificates must chain to (without it any is accepted and
    /// recorded as not verified).
    #[arg(long, value_name = "PEM", requires = "client_auth")]
    pub client_ca: Option<PathBuf>,
    /// What to do after the header [default: http; none with --banner].
    #[arg(long, value_enum)]
    pub reply: Option<ReplyArg>,
    /// Speak first: send TEXT (and CRLF) once the header is judged, as SMTP, IMAP and
    /// FTP servers do (e.g. "220 ppdiag ESMTP"), and record the client's first line.
    #[arg(long, value_name = "TEXT")]
    pub banner: Option<String>,
    /// Behave byte for byte like a common misconfigured backend (implies --tls).
    #[arg(long, value_enum, value_name = "SERVER", conflicts_with_all = ["proxy", "udp"])]
    pub emulate: Option<EmulateArg>,
    /// Exit after N judged connections (and datagrams): health checks (LOCAL, v1
    /// UNKNOWN) are recorded but neither counted nor held to --expect-*.
    #[arg(long, short = 'n', value_name = "N")]
    pub count: Option<u64>,
    /// Count health checks as judged connections (and hold them to --expect-*).
    #[arg(long)]
    pub count_health_checks: bool,
    /// Fail (exit 1) when --count judged connections have not arrived within DURATION
    /// (30s, 2m).
    #[arg(long, value_name = "DURATION", requires = "count")]
    pub deadline: Option<String>,
    /// Also write a JUnit XML report to FILE at exit: a test case per judged
    /// connection, per expectation and for --count.
    #[arg(long, value_name = "FILE")]
    pub junit: Option<PathBuf>,
    /// Connections handled at once; more wait in the listen backlog.
    #[arg(long, value_name = "N", default_value_t = 1024)]
    pub max_connections: usize,
    /// Runtime threads (default: one per core).
    #[arg(long, value_name = "N")]
    pub workers: Option<usize>,
    /// Fail a connection whose client address (from the header) is not in this
    /// IP or CIDR (repeat or comma-separate for several).
    #[arg(long, value_name = "IP|CIDR", value_delimiter = ',')]
    pub expect_source: Vec<String>,
    /// Fail a connection whose header is not this version (or that has none).
    #[arg(long, value_enum, value_name = "VERSION")]
    pub expect_version: Option<VersionArg>,
    /// Fail a connection whose header lacks this TLV (type as 0xEA, 234 or a name:
    /// alpn, authority, crc32c, noop, unique-id, ssl, netns, aws, azure, gcp), with
    /// VALUE when given (text, or hex as 0x...).
    #[arg(long, value_name = "TYPE[=VALUE]")]
    pub expect_tlv: Vec<String>,
    /// Fail a connection whose TLS SNI is not NAME.
    #[arg(long, value_name = "NAME")]
    pub expect_sni: Option<String>,
}

/// `--proxy`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ProxyArg {
    /// A header must come first (nginx `proxy_protocol`, go-proxyproto REQUIRE).
    Required,
    /// Read a header when present (go-proxyproto USE).
    Optional,
    /// Refuse headers (go-proxyproto REJECT).
    Forbidden,
}

/// A PROXY version.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum VersionArg {
    /// Text header.
    #[value(alias = "1")]
    V1,
    /// Binary header.
    #[value(alias = "2")]
    V2,
}

/// `--client-auth`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ClientAuthArg {
    /// Ask; go on without one.
    Optional,
    /// Ask; fail the handshake without one.
    Required,
}

/// `--reply`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ReplyArg {
    /// Answer an HTTP request with JSON describing the connection.
    Http,
    /// Send back what arrives.
    Echo,
    /// Send nothing.
    None,
}

/// `--emulate`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum EmulateArg {
    /// nginx `listen ssl` without proxy_protocol: a PROXY header gets a plaintext HTTP/1.1 400.
    NginxSsl,
    /// Go crypto/tls without PROXY support (Traefik websecure without proxyProtocol): closes without a byte.
    GoTls,
    /// nginx `listen ssl proxy_protocol`: no header gets `broken header` and a reset.
    NginxProxy,
}

/// A listen address: `IP:PORT`, `[v6]:PORT`, `:PORT` (127.0.0.1), or `NAME:PORT`, which
/// serve resolves when it starts.
fn parse_listen(s: &str) -> Result<ListenAddr, String> {
    if let Ok(a) = s.parse::<SocketAddr>() {
        return Ok(ListenAddr::Addr(a));
    }
    if let Some(port) = s.strip_prefix(':') {
        let port: u16 = port.parse().map_err(|_| format!("`{s}`: bad port"))?;
        return Ok(ListenAddr::Addr(SocketAddr::from(([127, 0, 0, 1], port))));
    }
    match s.rsplit_once(':') {
        Some((host, port))
            if !host.is_empty() && !host.contains(':') && port.parse::<u16>().is_ok() =>
        {
            Ok(ListenAddr::Name(s.to_string()))
        }
        _ => Err(format!(
            "cannot resolve listen address `{s}`: invalid socket address"
        )),
    }
}

/// A TLV type given as `0xEA`, `234` or a name.
pub fn parse_tlv_type(s: &str) -> Result<u8, String> {
    let t = s.trim().to_ascii_lowercase();
    use crate::proxy::kind;
    let named = match t.as_str() {
        "alpn" => Some(kind::ALPN),
        "authority" => Some(kind::AUTHORITY),
        "crc32c" => Some(kind::CRC32C),
        "noop" => Some(kind::NOOP),
        "unique-id" | "unique_id" => Some(kind::UNIQUE_ID),
        "ssl" => Some(kind::SSL),
        "netns" => Some(kind::NETNS),
        "gcp" | "gcp-psc" => Some(kind::GCP_PSC),
        "aws" => Some(kind::AWS),
        "azure" => Some(kind::AZURE),
        _ => None,
    };
    if let Some(n) = named {
        return Ok(n);
    }
    let parsed = match t.strip_prefix("0x") {
        Some(h) => u8::from_str_radix(h, 16).ok(),
        None => t.parse::<u8>().ok(),
    };
    parsed.ok_or_else(|| {
        format!("`{s}` is not a TLV type (0x00-0xff, 0-255, or a name such as authority, aws)")
    })
}

fn version(v: VersionArg) -> Version {
    match v {
        VersionArg::V1 => Version::V1,
        VersionArg::V2 => Version::V2,
    }
}

/// The range of every serve duration flag.
const MIN_TIMEOUT: Duration = Duration::from_millis(1);
const MAX_TIMEOUT: Duration = Duration::from_secs(86_400);

/// Validates the arguments into a config.
pub fn config(a: ServeArgs, output: Output) -> Result<ServeConfig, String> {
    let listen = a
        .listen
        .iter()
        .map(|s| parse_listen(s))
        .collect::<Result<Vec<_>, _>>()?;
    let policy = policy(&a)?;
    let emulation = a.emulate.map(|e| match e {
        EmulateArg::NginxSsl => Emulation::NginxSsl,
        EmulateArg::GoTls => Emulation::GoTls,
        EmulateArg::NginxProxy => Emulation::NginxProxy,
    });
    let tls = tls(&a, emulation.is_some())?;
    let expect = expectations(&a)?;
    check_counts(&a)?;
    let reply = reply(&a, emulation.is_some())?;
    let deadline = a
        .deadline
        .as_deref()
        .map(|d| duration_in("--deadline", d, MIN_TIMEOUT, MAX_TIMEOUT))
        .transpose()?;
    Ok(ServeConfig {
        listen,
        udp: a.udp,
        policy,
        header_timeout: duration_in(
            "--header-timeout",
            &a.header_timeout,
            MIN_TIMEOUT,
            MAX_TIMEOUT,
        )?,
        idle_timeout: duration_in("--idle-timeout", &a.idle_timeout, MIN_TIMEOUT, MAX_TIMEOUT)?,
        tls,
        reply,
        emulation,
        expect,
        count: a.count,
        count_health_checks: a.count_health_checks,
        deadline,
        junit: a.junit.clone(),
        banner: a.banner.clone(),
        max_connections: a.max_connections,
        workers: a.workers,
        output,
    })
}

/// `--proxy`, `--proxy-versions` and `--trusted`.
fn policy(a: &ServeArgs) -> Result<Policy, String> {
    let trusted = a
        .trusted
        .iter()
        .map(|s| Cidr::parse(s))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Policy {
        mode: match a.proxy {
            ProxyArg::Required => ProxyMode::Required,
            ProxyArg::Optional => ProxyMode::Optional,
            ProxyArg::Forbidden => ProxyMode::Forbidden,
        },
        versions: Versions {
            v1: a.proxy_versions.contains(&VersionArg::V1),
            v2: a.proxy_versions.contains(&VersionArg::V2),
        },
        trusted,
    })
}

/// The TLS settings (`--tls`, `--cert`, or `--emulate`), and no TLS flag without TLS.
/// A generated certificate without `--name` is named when serve has resolved its
/// listen addresses.
fn tls(a: &ServeArgs, emulating: bool) -> Result<Option<TlsSettings>, String> {
    let tls_on = a.tls || a.cert.is_some() || emulating;
    if !tls_on {
        for (given, flag) in [
            (!a.name.is_empty(), "--name"),
            (a.cert_out.is_some(), "--cert-out"),
            (!a.alpn.is_empty(), "--alpn"),
            (a.client_auth.is_some(), "--client-auth"),
            (a.expect_sni.is_some(), "--expect-sni"),
        ] {
            if given {
                return Err(format!("{flag} needs TLS: add --tls (or --cert/--key)"));
            }
        }
        return Ok(None);
    }
    let cert = match (&a.cert, &a.key) {
        (Some(c), Some(k)) => CertSource::Files(c.clone(), k.clone()),
        _ => CertSource::Generate(a.name.clone()),
    };
    Ok(Some(TlsSettings {
        cert,
        cert_out: a.cert_out.clone(),
        alpn: a.alpn.clone(),
        client_auth: match a.client_auth {
            None => ClientAuth::Off,
            Some(ClientAuthArg::Optional) => ClientAuth::Optional,
            Some(ClientAuthArg::Required) => ClientAuth::Required,
        },
        client_ca: a.client_ca.clone(),
    }))
}

/// `--expect-*`.
fn expectations(a: &ServeArgs) -> Result<Expectations, String> {
    let mut tlvs = Vec::new();
    for t in &a.expect_tlv {
        let (kind, value) = match t.split_once('=') {
            Some((k, v)) => (k, Some(v.to_string())),
            None => (t.as_str(), None),
        };
        tlvs.push((parse_tlv_type(kind)?, value));
    }
    Ok(Expectations {
        source: a
            .expect_source
            .iter()
            .map(|s| Cidr::parse(s))
            .collect::<Result<Vec<_>, _>>()?,
        version: a.expect_version.map(version),
        tlvs,
        sni: a.expect_sni.clone(),
    })
}

/// `--max-connections`, `--workers` and `--count` are at least 1.
fn check_counts(a: &ServeArgs) -> Result<(), String> {
    if a.max_connections == 0 {
        return Err("--max-connections must be at least 1".into());
    }
    if a.workers == Some(0) {
        return Err("--workers must be at least 1".into());
    }
    if a.count == Some(0) {
        return Err("--count must be at least 1".into());
    }
    Ok(())
}

/// `--reply` and `--banner`.
fn reply(a: &ServeArgs, emulating: bool) -> Result<ReplyMode, String> {
    let reply = match (a.reply, &a.banner) {
        (Some(ReplyArg::Http), Some(_)) => {
            return Err("--banner speaks first, which HTTP clients do not expect: use --reply echo or none with it".into());
        }
        (Some(ReplyArg::Http), None) | (None, None) => ReplyMode::Http,
        (Some(ReplyArg::Echo), _) => ReplyMode::Echo,
        (Some(ReplyArg::None), _) | (None, Some(_)) => ReplyMode::None,
    };
    if let Some(b) = &a.banner {
        if b.contains(['\r', '\n']) {
            return Err("--banner: give one line; serve adds the CRLF".into());
        }
        if emulating {
            return Err(
                "--banner cannot be used with --emulate (the emulated servers do not speak first)"
                    .into(),
            );
        }
    }
    Ok(reply)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tlv_types() {
        assert_eq!(parse_tlv_type("0xEA"), Ok(0xEA));
        assert_eq!(parse_tlv_type("2"), Ok(2));
        assert_eq!(parse_tlv_type("Authority"), Ok(2));
        assert_eq!(parse_tlv_type("unique-id"), Ok(5));
        assert!(parse_tlv_type("0x100").is_err());
        assert!(parse_tlv_type("nope").is_err());
    }

    #[test]
    fn listen_forms() {
        let addr = |s: &str| ListenAddr::Addr(s.parse().unwrap());
        assert_eq!(parse_listen(":80"), Ok(addr("127.0.0.1:80")));
        assert_eq!(parse_listen("[::1]:8443"), Ok(addr("[::1]:8443")));
        assert_eq!(
            parse_listen("localhost:8443"),
            Ok(ListenAddr::Name("localhost:8443".into()))
        );
        assert!(parse_listen("127.0.0.1").is_err());
        assert!(parse_listen("localhost").is_err());
    }
}
