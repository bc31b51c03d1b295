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

/// What the target expects (the `expects` object of the JSON report).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Expects {
    /// `required`, `optional`, `forbidden`, `unknown`.
    pub proxy: &'static str,
    /// Versions accepted: `v1`, `v2`.
    pub proxy_versions: Vec<&'static str>,
    /// `tls`, `http`, `tcp`, `unknown`.
    pub protocol: &'static str,
}
