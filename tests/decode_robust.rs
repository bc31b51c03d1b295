//! Mutated and truncated captures never panic `decode`, and every conversation it reports
//! is counted in the summary.

use ppdiag::decode::shell::decode_reader;
use ppdiag::decode::{Filter, Limits};
use proptest::prelude::*;

const CAPTURES: &[&[u8]] = &[
    include_bytes!("../testdata/captures/haproxy-v2-nginx-ssl.pcap"),
    include_bytes!("../testdata/captures/any-sll2.pcap"),
    include_bytes!("../testdata/captures/any-sll.pcap"),
    include_bytes!("../testdata/captures/ipv6.pcap"),
    include_bytes!("../testdata/captures/udp-proxy-v2.pcap"),
    include_bytes!("../testdata/captures/snaplen96.pcap"),
    include_bytes!("../testdata/captures/two-interfaces.pcapng"),
    include_bytes!("../testdata/captures/health-checks.pcap"),
];

fn run(data: Vec<u8>, limits: Limits) {
    let (reports, summary) = decode_reader(
        Box::new(std::io::Cursor::new(data)),
        limits,
        Filter::default(),
    );
    assert_eq!(summary.flows as usize, reports.len());
    assert_eq!(summary.tcp_flows + summary.udp_flows, summary.flows);
    let mut ids: Vec<u64> = reports.iter().map(|r| r.id).collect();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), reports.len(), "a conversation reported twice");
    for r in &reports {
        // Reports serialize (the JSON contract) whatever the bytes were.
        serde_json::to_string(r).unwrap();
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, ..ProptestConfig::default() })]

    #[test]
    fn mutated_captures_do_not_panic(
        which in 0..CAPTURES.len(),
        flips in proptest::collection::vec((any::<u32>(), any::<u8>()), 0..24),
        cut in proptest::option::of(any::<u32>()),
        tiny in any::<bool>(),
    ) {
        let mut data = CAPTURES[which].to_vec();
        for (at, b) in flips {
            let i = at as usize % data.len();
            data[i] = b;
        }
        if let Some(c) = cut {
            data.truncate(c as usize % (data.len() + 1));
        }
        // Tiny bounds exercise eviction and prefix limits on the same bytes.
        let limits = if tiny {
            Limits { client_prefix: 16, server_prefix: 8, max_flows: 2, ..Limits::default() }
        } else {
            Limits::default()
        };
        run(data, limits);
    }

    #[test]
    fn random_bytes_after_a_valid_header_do_not_panic(
        tail in proptest::collection::vec(any::<u8>(), 0..4096),
    ) {
        let mut data = CAPTURES[0][..24].to_vec();
        data.extend_from_slice(&tail);
        run(data, Limits::default());
    }
}

#[test]
fn unmutated_captures_report_everything() {
    for c in CAPTURES {
        run(c.to_vec(), Limits::default());
    }
}
