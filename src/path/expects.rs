//! What a target expects of PROXY and which header a sender chooses: shared by `probe`
//! (TCP and UDP), `decode`'s UDP judging and the UDP model (udp.rs).
//!
//! Rules: plain data; the JSON keys are a documented contract (README.md, `ppdiag probe`).

use serde::Serialize;

/// The header an attempt sends first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum HeaderChoice {
    /// No PROXY header.
    None,
    /// PROXY v1 with the socket addresses (or `--src`/`--dst`).
    V1,
    /// PROXY v2 PROXY command.
    V2,
    /// PROXY v2 LOCAL command (a health check).
    V2Local,
}

impl HeaderChoice {
    /// Short name: `none`, `v1`, `v2`, `v2-local`.
    pub fn name(self) -> &'static str {
        match self {
            HeaderChoice::None => "none",
            HeaderChoice::V1 => "v1",
            HeaderChoice::V2 => "v2",
            HeaderChoice::V2Local => "v2-local",
        }
    }
}

/// Whether the target needs a PROXY header (`expects.proxy`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Need {
    /// Every connection must start with one.
    Required,
    /// Read when present, not needed.
    Optional,
    /// A header is taken as application data (or refused).
    Forbidden,
    /// The attempts do not say.
    Unknown,
}

/// What the target speaks after the header (`expects.protocol`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Protocol {
    /// TLS.
    Tls,
    /// Plaintext HTTP.
    Http,
    /// Another TCP protocol (a banner, an echo, a database).
    Tcp,
    /// DNS over UDP.
    Dns,
    /// Another UDP protocol.
    Udp,
    /// The attempts do not say.
    Unknown,
}

/// A PROXY version a target reads (`expects.proxy_versions`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Version {
    /// The text header.
    V1,
    /// The binary header.
    V2,
}

macro_rules! named {
    ($t:ty { $($v:ident => $s:literal),* $(,)? }) => {
        impl $t {
            /// The word used in text and JSON.
            pub fn name(self) -> &'static str {
                match self { $(Self::$v => $s),* }
            }
        }
        impl std::fmt::Display for $t {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.name())
            }
        }
    };
}

named!(Need { Required => "required", Optional => "optional", Forbidden => "forbidden", Unknown => "unknown" });
named!(Protocol { Tls => "tls", Http => "http", Tcp => "tcp", Dns => "dns", Udp => "udp", Unknown => "unknown" });
named!(Version { V1 => "v1", V2 => "v2" });

/// What the target expects (the `expects` object of the JSON report).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Expects {
    /// Whether a header is needed.
    pub proxy: Need,
    /// Versions accepted.
    pub proxy_versions: Vec<Version>,
    /// What follows the header.
    pub protocol: Protocol,
}

impl Expects {
    /// The versions as words joined with `sep` (`v1, v2`).
    pub fn versions_text(&self, sep: &str) -> String {
        versions_text(&self.proxy_versions, sep)
    }
}

/// Versions as words joined with `sep` (`v1, v2`).
pub fn versions_text(versions: &[Version], sep: &str) -> String {
    let names: Vec<&str> = versions.iter().map(|v| v.name()).collect();
    names.join(sep)
}
