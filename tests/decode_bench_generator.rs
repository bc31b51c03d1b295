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

/// One line per conversation without addresses: what a copy must keep of its template.
fn verdicts(reports: &[ppdiag::decode::FlowReport]) -> Vec<String> {
    let mut v: Vec<String> = reports
        .iter()
        .filter(|r| r.transport == ppdiag::decode::report::Proto::Tcp)
        .map(|r| {
            let mut codes: Vec<&str> = r.findings.iter().map(|f| f.code.as_str()).collect();
            codes.sort();
            codes.dedup();
            let outcome = serde_json::to_value(&r.outcome).unwrap();
            format!(
                "{} proxy={:?} role={:?} chain={} codes={}",
                outcome["kind"],
                r.proxy.as_ref().map(|h| (h.version.number(), h.command)),
                r.linked.as_ref().map(|l| l.role),
                r.chain.len(),
                codes.join(",")
            )
        })
        .collect();
    v.sort();
    v
}

fn decode_bytes(b: Vec<u8>) -> (Vec<ppdiag::decode::FlowReport>, ppdiag::decode::Summary) {
    decode_reader(
        Box::new(std::io::Cursor::new(b)),
        Limits::default(),
        Filter::default(),
    )
}

#[test]
fn short_shape_copies_keep_their_templates_verdicts() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/captures");
    let templates = decode_gen::short::load_templates(&dir).unwrap();
    assert!(templates.len() >= 17, "{}", templates.len());
    for t in &templates {
        let one = std::slice::from_ref(t);
        let original = verdicts(&decode_bytes(std::fs::read(dir.join(&t.name)).unwrap()).0);
        let mut bytes = Vec::new();
        let w = decode_gen::short::generate_copies(&mut bytes, one, u64::MAX, 3, 11).unwrap();
        assert_eq!(w.copies, 3);
        let (reports, summary) = decode_bytes(bytes);
        assert_eq!(summary.tcp_flows, w.conversations, "{}", t.name);
        let mut expected: Vec<String> = original
            .iter()
            .flat_map(|l| [l.clone(), l.clone(), l.clone()])
            .collect();
        expected.sort();
        assert_eq!(verdicts(&reports), expected, "{}", t.name);
    }
}

#[test]
fn short_shape_is_deterministic_and_fully_reported() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/captures");
    let templates = decode_gen::short::load_templates(&dir).unwrap();
    let gen_ = |seed| {
        let mut b = Vec::new();
        let w = decode_gen::short::generate(&mut b, &templates, 1 << 20, seed).unwrap();
        (b, w)
    };
    let (a, wa) = gen_(5);
    let (b, wb) = gen_(5);
    assert_eq!(wa, wb);
    assert!(a == b, "the short generator is not deterministic");
    assert!(gen_(6).0 != a, "the seed changes nothing");
    let (reports, summary) = decode_bytes(a);
    assert_eq!(summary.flows, wa.conversations, "{summary:?}");
    assert_eq!(reports.len() as u64, wa.conversations);
    assert_eq!(summary.evicted_early, 0);
    // No two conversations share a ClientHello random.
    let mut hellos = std::collections::HashSet::new();
    for r in &reports {
        if r.client_sent.kind == "tls-client-hello" && r.linked.is_none() {
            assert!(
                hellos.insert(r.client_sent.bytes.clone()),
                "#{} repeats a ClientHello",
                r.id
            );
        }
    }
    assert!(hellos.len() > 50);
}
