//! The demo's capture step: decode a bundled capture recorded from real software on
//! loopback (HAProxy `send-proxy-v2` in front of nginx `listen ssl` without
//! `proxy_protocol`, both legs) and check the verdicts it must give.

use crate::decode::{self, FlowReport};
use crate::findings::Code;
use serde::Serialize;

/// The bundled capture (testdata/captures/haproxy-v2-nginx-ssl.pcap).
const CAPTURE: &[u8] = include_bytes!("../../testdata/captures/haproxy-v2-nginx-ssl.pcap");

/// The decoded capture.
#[derive(Debug, Clone, Serialize)]
pub struct CaptureSummary {
    /// Where it came from.
    pub name: &'static str,
    /// How it was made.
    pub made_with: &'static str,
    /// Every conversation.
    pub flows: Vec<FlowReport>,
    /// Finding codes over all flows, with counts.
    pub counts: Vec<(Code, usize)>,
    /// Whether the expected verdict was found (a client leg and a backend leg linked,
    /// both `proxy-header-not-expected`).
    pub ok: bool,
}

/// Decodes the bundled capture.
pub fn decode_bundled() -> CaptureSummary {
    let (flows, _summary) = decode::shell::decode_reader(
        Box::new(std::io::Cursor::new(CAPTURE)),
        decode::Limits::default(),
        decode::Filter::default(),
    );
    let mut counts: Vec<(Code, usize)> = Vec::new();
    for f in &flows {
        for finding in &f.findings {
            match counts.iter_mut().find(|(c, _)| *c == finding.code) {
                Some((_, n)) => *n += 1,
                None => counts.push((finding.code, 1)),
            }
        }
    }
    let not_expected = |f: &&FlowReport| {
        f.findings
            .iter()
            .any(|x| x.code == Code::ProxyHeaderNotExpected)
    };
    let linked_pairs = flows
        .iter()
        .filter(not_expected)
        .filter(|f| f.linked.is_some())
        .count();
    CaptureSummary {
        name: "haproxy-v2-nginx-ssl.pcap",
        made_with: "tcpdump -i lo while curl and openssl went through HAProxy 2.6 `send-proxy-v2` to nginx 1.22 `listen ssl` (testdata/captures/regenerate.sh)",
        flows,
        counts,
        ok: linked_pairs >= 2,
    }
}
