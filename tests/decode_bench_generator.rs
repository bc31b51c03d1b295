//! The benchmark's capture generator is deterministic, and decode accounts for every
//! conversation it writes.

#[allow(dead_code)]
#[path = "../bench/decode_gen.rs"]
mod decode_gen;

use ppdiag::decode::shell::decode_reader;
use ppdiag::decode::{Filter, Limits};

#[test]
fn same_seed_same_bytes_and_every_conversation_reported() {
    let mut a = Vec::new();
    let mut b = Vec::new();
    let wa = decode_gen::generate(&mut a, 2 << 20, 7).unwrap();
    let wb = decode_gen::generate(&mut b, 2 << 20, 7).unwrap();
    assert_eq!(wa, wb);
    assert!(a == b, "the generator is not deterministic");
    let mut c = Vec::new();
    decode_gen::generate(&mut c, 2 << 20, 8).unwrap();
    assert!(a != c, "the seed changes nothing");
    let (reports, summary) = decode_reader(
        Box::new(std::io::Cursor::new(a)),
        Limits::default(),
        Filter::default(),
    );
    assert_eq!(summary.packets, wa.packets);
    assert_eq!(summary.flows, wa.conversations, "{summary:?}");
    assert_eq!(reports.len() as u64, wa.conversations);
    assert!(summary.capture_error.is_none());
    // Mixed kinds: healthy pairs linked, and the usual mistakes found.
    assert!(summary.linked_pairs > 10);
    for code in [
        "proxy-header-not-expected",
        "proxy-header-missing",
        "plaintext-to-tls-port",
        "health-check-local",
    ] {
        assert!(
            summary.findings.keys().any(|c| c.as_str() == code),
            "{code}: {:?}",
            summary.findings
        );
    }
    assert!(summary.mid_stream_flows > 0 && summary.udp_flows > 0);
}
