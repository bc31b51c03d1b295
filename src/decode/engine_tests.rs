//! Tests of the decoder on synthetic frames: endings, the flow table, linking, ordering.

use super::*;
use crate::decode::packet::linktype;
use crate::decode::packet::tests::{ipv4, tcp_segment};
use crate::decode::report::How;
use crate::decode::{Decoder, FlowReport};
use crate::diagnose::Ending;
use crate::findings::Code;

const HELLO: &[u8] =
    include_bytes!("../../testdata/bytes/openssl-s_client-clienthello-sni-alpn.bin");

/// A raw IPv4 TCP frame from `a` to `b` (last octet, port).
fn tcp(a: (u8, u16), b: (u8, u16), seq: u32, flags: u8, payload: &[u8]) -> Vec<u8> {
    let segment = tcp_segment(a.1, b.1, seq, flags, payload);
    ipv4([192, 0, 2, a.0], [192, 0, 2, b.0], 6, &segment)
}

fn run(frames: &[(u64, Vec<u8>)], limits: Limits) -> (Vec<FlowReport>, Summary) {
    let mut d = Decoder::new(limits, Filter::default());
    let mut out = Vec::new();
    for (ts, f) in frames {
        d.frame(*ts, linktype::RAW, f, &mut out);
    }
    d.finish(&mut out);
    (out.into_iter().map(|r| *r).collect(), d.summary())
}

fn codes(r: &FlowReport) -> Vec<Code> {
    r.findings.iter().map(|f| f.code).collect()
}

const MS: u64 = 1_000_000;
const C: (u8, u16) = (1, 40000);
const S: (u8, u16) = (2, 443);

#[test]
fn the_answer_is_placed_by_timestamp_not_file_order() {
    let header = b"PROXY TCP4 192.0.2.9 192.0.2.2 5000 443\r\n";
    let reply = b"HTTP/1.1 400 Bad Request\r\nServer: nginx/1.22.1\r\n\r\n";
    let hs = 101 + header.len() as u32;
    let (r, _) = run(
        &[
            (0, tcp(C, S, 100, 0x02, b"")),
            (MS, tcp(S, C, 500, 0x12, b"")),
            (2 * MS, tcp(C, S, 101, 0x18, header)),
            // Written to the file before the 400, captured after it.
            (4 * MS, tcp(C, S, hs, 0x18, HELLO)),
            (3 * MS, tcp(S, C, 501, 0x19, reply)),
            (5 * MS, tcp(C, S, hs + HELLO.len() as u32, 0x11, b"")),
        ],
        Limits::default(),
    );
    assert_eq!(
        r[0].timing.server_answered_after_client_bytes,
        Some(header.len() as u32)
    );
    assert_eq!(r[0].timing.first_server_byte_ms, Some(3.0));
    let f = &r[0].findings[0];
    assert_eq!(f.code, Code::ProxyHeaderNotExpected);
    assert!(
        f.evidence.iter().any(|e| e.contains("answered after the")),
        "{f:?}"
    );
}

/// Header problems reach the report through the shared opening analysis.
#[test]
fn header_findings_in_a_capture() {
    let v1 = b"PROXY TCP4 192.0.2.9 192.0.2.2 5000 443\r\n".to_vec();
    let twice = [v1.clone(), v1.clone(), HELLO.to_vec()].concat();
    let malformed = [
        b"PROXY TCP4 192.0.2.9 192.0.2.2 05000 443\r\n".to_vec(),
        HELLO.to_vec(),
    ]
    .concat();
    // A v2 header with a CRC32C TLV whose value is wrong.
    let mut crc = b"\r\n\r\n\0\r\nQUIT\n\x21\x11\x00\x13".to_vec();
    crc.extend_from_slice(&[192, 0, 2, 9, 192, 0, 2, 2, 0x13, 0x88, 0x01, 0xbb]);
    crc.extend_from_slice(&[0x03, 0x00, 0x04, 0xde, 0xad, 0xbe, 0xef]);
    crc.extend_from_slice(HELLO);
    for (bytes, code) in [
        (twice, Code::ProxyHeaderDuplicated),
        (malformed, Code::ProxyHeaderMalformed),
        (crc, Code::ProxyCrcMismatch),
    ] {
        let (r, _) = run(
            &[
                (0, tcp(C, S, 100, 0x02, b"")),
                (MS, tcp(S, C, 500, 0x12, b"")),
                (2 * MS, tcp(C, S, 101, 0x18, &bytes)),
                (3 * MS, tcp(S, C, 501, 0x14, b"")),
            ],
            Limits::default(),
        );
        assert!(codes(&r[0]).contains(&code), "{code:?}: {:?}", codes(&r[0]));
    }
}

#[test]
fn refused() {
    let (r, _) = run(
        &[
            (0, tcp(C, S, 100, 0x02, b"")),
            (MS, tcp(S, C, 0, 0x14, b"")),
        ],
        Limits::default(),
    );
    assert_eq!(r.len(), 1);
    assert_eq!(r[0].end.unwrap().how, How::Refused);
    assert_eq!(codes(&r[0]), [Code::ConnectionRefused]);
}

#[test]
fn a_client_that_gives_up_on_a_silent_server() {
    let (r, _) = run(
        &[
            (0, tcp(C, S, 100, 0x02, b"")),
            (MS, tcp(S, C, 500, 0x12, b"")),
            (2 * MS, tcp(C, S, 101, 0x18, HELLO)),
            (5000 * MS, tcp(C, S, 101 + HELLO.len() as u32, 0x11, b"")),
        ],
        Limits::default(),
    );
    assert_eq!(r[0].end.unwrap().server, Ending::Timeout);
    assert_eq!(codes(&r[0]), [Code::TargetSilent]);
    assert_eq!(r[0].end.unwrap().by, Some("client"));
}

#[test]
fn a_full_table_reports_early_and_loses_nothing() {
    let mut frames = Vec::new();
    for i in 0..10u16 {
        let c = (1, 40000 + i);
        frames.push((u64::from(i) * MS, tcp(c, S, 100, 0x02, b"")));
        frames.push((
            u64::from(i) * MS + 1,
            tcp(c, S, 101, 0x18, b"GET / HTTP/1.1\r\n\r\n"),
        ));
    }
    let limits = Limits {
        max_flows: 4,
        ..Limits::default()
    };
    let (r, s) = run(&frames, limits);
    assert_eq!(r.len(), 10);
    assert_eq!(s.flows, 10);
    assert!(s.evicted_early > 0);
    let early = r
        .iter()
        .filter(|x| x.notes.iter().any(|n| n.contains("flow table was full")))
        .count();
    assert_eq!(early as u64, s.evicted_early);
}

#[test]
fn legs_without_a_header_link_by_their_clienthello() {
    let lb_out = (10, 50000);
    let backend = (20, 8443);
    let (r, s) = run(
        &[
            (0, tcp(C, S, 100, 0x02, b"")),
            (MS, tcp(C, S, 101, 0x18, HELLO)),
            (2 * MS, tcp(lb_out, backend, 7, 0x02, b"")),
            (3 * MS, tcp(lb_out, backend, 8, 0x18, HELLO)),
            (4 * MS, tcp(backend, lb_out, 9, 0x14, b"")),
            (5 * MS, tcp(S, C, 9, 0x14, b"")),
        ],
        Limits::default(),
    );
    assert_eq!(s.linked_pairs, 1);
    let client_leg = r.iter().find(|x| x.server.0.port() == 443).unwrap();
    let link = client_leg.linked.as_ref().unwrap();
    assert_eq!((link.role, link.by), ("client-leg", "same-payload"));
    // The backend requires PROXY; the client leg is told so, not just "reset".
    assert_eq!(codes(client_leg)[0], Code::ProxyHeaderMissing);
    assert!(
        client_leg.findings[0]
            .summary
            .starts_with("on the backend leg")
    );
}

#[test]
fn identical_plaintext_requests_are_not_linked() {
    let req = b"GET / HTTP/1.1\r\nHost: example.net\r\n\r\n";
    let (_, s) = run(
        &[
            (0, tcp(C, S, 100, 0x02, b"")),
            (MS, tcp(C, S, 101, 0x18, req)),
            (2 * MS, tcp((3, 40001), S, 7, 0x02, b"")),
            (3 * MS, tcp((3, 40001), S, 8, 0x18, req)),
        ],
        Limits::default(),
    );
    assert_eq!(s.linked_pairs, 0);
}

#[test]
fn udp_without_a_header_is_a_conversation_without_findings() {
    // (Before the UDP model came to decode, such a datagram was only counted in
    // `skipped.udp_without_proxy`; now it is a conversation, healthy when no PROXY is
    // involved, so the default text view leaves it out and the summary counts it.)
    let mut v = vec![
        0x45, 0, 0, 32, 0, 0, 0x40, 0, 64, 17, 0, 0, 192, 0, 2, 1, 192, 0, 2, 2,
    ];
    v.extend_from_slice(&[0x9c, 0x40, 0, 53, 0, 12, 0, 0, b'p', b'i', b'n', b'g']);
    let (r, s) = run(&[(0, v)], Limits::default());
    assert_eq!(r.len(), 1);
    assert!(r[0].findings.is_empty(), "{:?}", r[0].findings);
    assert!(r[0].proxy.is_none());
    assert_eq!((s.udp_flows, s.skipped.udp_without_proxy), (1, 0));
}

#[test]
fn a_reused_tuple_is_a_new_conversation() {
    let (r, _) = run(
        &[
            (0, tcp(C, S, 100, 0x02, b"")),
            (MS, tcp(C, S, 101, 0x19, b"GET / HTTP/1.1\r\n\r\n")),
            (2 * MS, tcp(S, C, 9, 0x11, b"")),
            (10 * MS, tcp(C, S, 90000, 0x02, b"")),
            (
                11 * MS,
                tcp(C, S, 90001, 0x18, b"GET /again HTTP/1.1\r\n\r\n"),
            ),
        ],
        Limits::default(),
    );
    assert_eq!(r.len(), 2);
    assert_ne!(r[0].id, r[1].id);
}

#[test]
fn udp_conversations_are_bounded_too() {
    let mut frames = Vec::new();
    for i in 0..20u16 {
        let v = udp4((1, 30000 + i), (2, 53), &v2_dgram(b"ping"));
        frames.push((u64::from(i) * MS, v));
    }
    let (r, s) = run(
        &frames,
        Limits {
            max_flows: 4,
            ..Limits::default()
        },
    );
    assert_eq!(r.len(), 20);
    assert_eq!(s.udp_flows, 20);
    assert!(s.evicted_early > 0);
}

/// The conversations of issue "one model of the path": each failed, so none may read
/// as "no problem found", and each gets the cause its bytes allow.
mod failed_conversations {
    use super::*;
    use crate::findings::Severity;

    const V1: &[u8] = b"PROXY TCP4 192.0.2.9 192.0.2.2 5000 443\r\n";

    fn problem(r: &FlowReport) -> bool {
        r.findings.iter().any(|f| f.severity > Severity::Info)
    }

    #[test]
    fn a_header_answered_by_an_immediate_reset() {
        let (r, _) = run(
            &[
                (0, tcp(C, S, 100, 0x02, b"")),
                (MS, tcp(S, C, 500, 0x12, b"")),
                (2 * MS, tcp(C, S, 101, 0x18, &[V1, HELLO].concat())),
                (3 * MS, tcp(S, C, 501, 0x14, b"")),
            ],
            Limits::default(),
        );
        assert!(problem(&r[0]), "{:?}", r[0].findings);
        assert!(codes(&r[0]).contains(&Code::ProxyHeaderNotExpected));
        assert!(
            r[0].findings
                .iter()
                .all(|f| f.severity < Severity::Error || !f.fixes.is_empty())
        );
    }

    #[test]
    fn an_html_page_without_a_status_line_is_a_plaintext_reply() {
        // Python's http.server answering a ClientHello.
        let html = b"<!DOCTYPE HTML>\n<html lang=\"en\">\n    <head>\n        <meta charset=\"utf-8\">\n        <title>Error response</title>\n    </head>\n    <body>\n        <h1>Error response</h1>\n        <p>Error code: 400</p>\n    </body>\n</html>\n";
        let (r, _) = run(
            &[
                (0, tcp(C, S, 100, 0x02, b"")),
                (MS, tcp(S, C, 500, 0x12, b"")),
                (2 * MS, tcp(C, S, 101, 0x18, HELLO)),
                (3 * MS, tcp(S, C, 501, 0x19, html)),
                (4 * MS, tcp(C, S, 101 + HELLO.len() as u32, 0x11, b"")),
            ],
            Limits::default(),
        );
        assert!(
            codes(&r[0]).contains(&Code::TlsToPlaintextPort),
            "{:?}",
            r[0].findings
        );
    }

    #[test]
    fn a_split_header_is_judged_by_what_had_arrived() {
        // nginx closed after the first 10 bytes; the other 31 came after its FIN and
        // drew a reset.
        let (a, b) = V1.split_at(10);
        let (r, _) = run(
            &[
                (0, tcp(C, S, 100, 0x02, b"")),
                (MS, tcp(S, C, 500, 0x12, b"")),
                (2 * MS, tcp(C, S, 101, 0x18, a)),
                (3 * MS, tcp(S, C, 501, 0x11, b"")),
                (4 * MS, tcp(C, S, 111, 0x18, b)),
                (5 * MS, tcp(S, C, 502, 0x14, b"")),
            ],
            Limits::default(),
        );
        let r = &r[0];
        assert_eq!(r.end.map(|e| e.how), Some(How::Fin));
        assert_eq!(r.end.map(|e| e.server), Some(Ending::Closed), "{r:?}");
        let f = r
            .findings
            .iter()
            .find(|f| f.code == Code::ProxyHeaderIncomplete)
            .expect("a split header finding");
        assert!(f.summary.contains("first 10 bytes"), "{}", f.summary);
        assert!(!f.fixes.is_empty());
    }

    #[test]
    fn bytes_a_fin_proves_are_not_captured_not_absent() {
        // The server sent 309 bytes (its FIN's sequence number says so); the kernel
        // dropped them from the capture.
        let (r, _) = run(
            &[
                (0, tcp(C, S, 100, 0x02, b"")),
                (MS, tcp(S, C, 500, 0x12, b"")),
                (2 * MS, tcp(C, S, 101, 0x18, HELLO)),
                (4 * MS, tcp(S, C, 501 + 309, 0x11, b"")),
                (5 * MS, tcp(C, S, 101 + HELLO.len() as u32, 0x11, b"")),
            ],
            Limits::default(),
        );
        let r = &r[0];
        assert!(
            !codes(r).contains(&Code::ProxyHeaderMissing),
            "{:?}",
            r.findings
        );
        assert!(
            r.notes.iter().any(|n| n.contains("not-captured")),
            "{:?}",
            r.notes
        );
        assert_eq!(r.server_sent.as_ref().map(|s| s.total), Some(309));
    }

    #[test]
    fn a_v1_header_to_a_v2_only_server_where_v2_works() {
        let v2 = {
            let mut h = b"\r\n\r\n\0\r\nQUIT\n\x21\x11\x00\x0c".to_vec();
            h.extend_from_slice(&[192, 0, 2, 9, 192, 0, 2, 2, 0x13, 0x88, 0x01, 0xbb]);
            h
        };
        let sh = include_bytes!("../../testdata/bytes/openssl-s_server-tls13-reply.bin");
        let c2 = (3, 40001);
        let (r, s) = run(
            &[
                (0, tcp(C, S, 100, 0x02, b"")),
                (MS, tcp(S, C, 500, 0x12, b"")),
                (2 * MS, tcp(C, S, 101, 0x18, &[&v2[..], HELLO].concat())),
                (3 * MS, tcp(S, C, 501, 0x18, sh)),
                (
                    4 * MS,
                    tcp(C, S, 101 + (v2.len() + HELLO.len()) as u32, 0x11, b""),
                ),
                (4 * MS, tcp(S, C, 501 + sh.len() as u32, 0x11, b"")),
                (10 * MS, tcp(c2, S, 700, 0x02, b"")),
                (11 * MS, tcp(S, c2, 900, 0x12, b"")),
                (12 * MS, tcp(c2, S, 701, 0x18, &[V1, HELLO].concat())),
                (13 * MS, tcp(S, c2, 901, 0x14, b"")),
            ],
            Limits::default(),
        );
        assert_eq!(r.len(), 2);
        let server = s
            .servers
            .iter()
            .find(|x| x.server == "192.0.2.2:443")
            .expect("the server");
        // No conversation without a header: required or optional cannot be told.
        assert_eq!(server.proxy.name(), "unknown", "{server:#?}");
        assert_eq!(
            crate::path::expects::versions_text(&server.proxy_versions, ","),
            "v2"
        );
        let v1 = server
            .groups
            .iter()
            .find(|g| g.exchange.sent == crate::path::Sent::V1)
            .unwrap();
        assert_eq!(v1.cause, Some(Code::ProxyVersionUnsupported), "{server:#?}");
    }
}

/// Generated exchanges: whatever the client sends and however the server answers and
/// ends, a conversation that failed carries a finding worse than info, every error has
/// a fix, and the ending agrees with the outcome.
mod generated {
    use super::*;
    use crate::diagnose::Outcome;
    use crate::findings::Severity;
    use proptest::prelude::*;

    const V1: &[u8] = b"PROXY TCP4 192.0.2.9 192.0.2.2 5000 443\r\n";
    const V2: &[u8] =
        b"\r\n\r\n\0\r\nQUIT\n\x21\x11\x00\x0c\xc0\x00\x02\x09\xc0\x00\x02\x02\x13\x88\x01\xbb";
    const GET: &[u8] = b"GET / HTTP/1.1\r\nHost: x\r\n\r\n";
    const REPLIES: &[&[u8]] = &[
        b"",
        b"HTTP/1.1 400 Bad Request\r\nServer: nginx\r\n\r\n",
        b"HTTP/1.1 200 OK\r\n\r\nhi",
        b"\x15\x03\x03\x00\x02\x02\x0a",
        b"\x15\x03\x03\x00\x02\x02\x28",
        b"220 mx ESMTP Postfix\r\n500 5.5.2 Error: command not recognized\r\n",
        b"SSH-2.0-OpenSSH_9.2p1\r\nInvalid SSH identification string.\r\n",
        b"-ERR unknown command 'PROXY'\r\n",
        b"<html><body>Error code: 400</body></html>\n",
        b"\x00\x01garbage\xff",
    ];

    proptest! {
        #[test]
        fn failed_conversations_always_have_a_finding(
            header in 0usize..3,
            payload in 0usize..3,
            reply in 0usize..REPLIES.len(),
            end in 0u8..3,
        ) {
            let h: &[u8] = [&b""[..], V1, V2][header];
            let p: &[u8] = [&b""[..], HELLO, GET][payload];
            let client = [h, p].concat();
            let r = REPLIES[reply];
            let mut frames = vec![
                (0, tcp(C, S, 100, 0x02, b"")),
                (MS, tcp(S, C, 500, 0x12, b"")),
            ];
            if !client.is_empty() {
                frames.push((2 * MS, tcp(C, S, 101, 0x18, &client)));
            }
            if !r.is_empty() {
                frames.push((3 * MS, tcp(S, C, 501, 0x18, r)));
            }
            let s_end = 501 + r.len() as u32;
            let c_end = 101 + client.len() as u32;
            match end {
                0 => {
                    frames.push((4 * MS, tcp(S, C, s_end, 0x11, b"")));
                    frames.push((5 * MS, tcp(C, S, c_end, 0x11, b"")));
                }
                1 => frames.push((4 * MS, tcp(S, C, s_end, 0x14, b""))),
                _ => frames.push((9 * MS, tcp(C, S, c_end, 0x11, b""))),
            }
            let (reports, _) = run(&frames, Limits::default());
            let f = &reports[0];
            let outcome = f.outcome.clone().unwrap();
            let e = f.end.unwrap();
            if e.by == Some("server") && e.how == How::Fin {
                prop_assert!(outcome != Outcome::Reset, "{f:?}");
            }
            let sent_tls = payload == 1;
            let failed = outcome == Outcome::Reset
                || (sent_tls
                    && !matches!(outcome, Outcome::TlsAccepted { .. } | Outcome::Silent)
                    && e.how != How::Open);
            if failed {
                prop_assert!(
                    f.findings.iter().any(|x| x.severity > Severity::Info),
                    "{f:?}"
                );
            }
            for x in &f.findings {
                if x.severity == Severity::Error {
                    prop_assert!(!x.fixes.is_empty(), "{x:?}");
                }
            }
        }
    }
}

/// A backend leg that ends long after its client leg (nginx waits 30 s for a header,
/// a backend holds the connection) is still linked by its header's addresses.
#[test]
fn legs_far_apart_in_time_are_linked_by_the_header() {
    let lb = (5, 443);
    let be = (6, 8443);
    let lb_out = (5, 50000);
    let header = b"PROXY TCP4 192.0.2.1 192.0.2.5 40000 443\r\n";
    let mut frames = vec![
        (0, tcp(C, lb, 100, 0x02, b"")),
        (MS, tcp(lb, C, 500, 0x12, b"")),
        (2 * MS, tcp(C, lb, 101, 0x18, HELLO)),
        (3 * MS, tcp(lb_out, be, 700, 0x02, b"")),
        (4 * MS, tcp(be, lb_out, 900, 0x12, b"")),
        (
            5 * MS,
            tcp(lb_out, be, 701, 0x18, &[&header[..], HELLO].concat()),
        ),
        (6 * MS, tcp(lb, C, 501, 0x14, b"")),
    ];
    // Unrelated traffic for five seconds moves capture time on.
    for i in 0..50u64 {
        frames.push((
            (100 + i * 100) * MS,
            tcp((9, 1000 + i as u16), (8, 80), 1, 0x02, b""),
        ));
    }
    frames.push((6000 * MS, tcp(be, lb_out, 901, 0x14, b"")));
    let (r, s) = run(&frames, Limits::default());
    let client = r.iter().find(|f| f.client.0.port() == 40000).unwrap();
    let backend = r.iter().find(|f| f.client.0.port() == 50000).unwrap();
    let link = backend.linked.as_ref().expect("the backend leg is linked");
    assert_eq!(link.flow, client.id);
    assert_eq!(link.role, "backend-leg");
    assert!(s.linked_pairs >= 1);
}

/// UDP over raw IPv4 from 192.0.2.`from` to 192.0.2.`to`.
fn udp4(from: (u8, u16), to: (u8, u16), payload: &[u8]) -> Vec<u8> {
    let mut datagram = Vec::with_capacity(8 + payload.len());
    datagram.extend_from_slice(&from.1.to_be_bytes());
    datagram.extend_from_slice(&to.1.to_be_bytes());
    datagram.extend_from_slice(&((8 + payload.len()) as u16).to_be_bytes());
    datagram.extend_from_slice(&[0, 0]);
    datagram.extend_from_slice(payload);
    ipv4([192, 0, 2, from.0], [192, 0, 2, to.0], 17, &datagram)
}

/// A v2 PROXY header (INET, DGRAM) before `payload`.
fn v2_dgram(payload: &[u8]) -> Vec<u8> {
    let mut d = crate::proxy::V2_SIGNATURE.to_vec();
    d.extend_from_slice(&[
        0x21, 0x12, 0, 12, 198, 51, 100, 7, 192, 0, 2, 2, 0x13, 0x88, 0, 53,
    ]);
    d.extend_from_slice(payload);
    d
}

fn dns_answer(id: u16) -> Vec<u8> {
    let mut a = crate::path::udp::dns_query(id, "localhost.");
    a[2] |= 0x80;
    a[7] = 1;
    a
}

#[test]
fn udp_conversations_of_one_server_are_judged_together() {
    use crate::path::udp::dns_query;
    // ICMP port unreachable (type 3, code 3) from 192.0.2.3 to 192.0.2.1.
    let icmp = |quoted: &[u8]| {
        let message = [&[3, 3, 0, 0, 0, 0, 0, 0][..], quoted].concat();
        ipv4([192, 0, 2, 3], [192, 0, 2, 1], 1, &message)
    };
    let refused = udp4(
        (1, 1002),
        (3, 53),
        &v2_dgram(&dns_query(0x2003, "localhost.")),
    );
    let (r, s) = run(
        &[
            // #1: a v2 datagram that draws nothing, before the plain one is answered.
            (
                0,
                udp4(
                    (1, 1000),
                    (2, 53),
                    &v2_dgram(&dns_query(0x2001, "localhost.")),
                ),
            ),
            (
                MS,
                udp4((1, 1001), (2, 53), &dns_query(0x2002, "localhost.")),
            ),
            (2 * MS, udp4((2, 53), (1, 1001), &dns_answer(0x2002))),
            // #3: nothing listens; the ICMP message quotes the datagram.
            (3 * MS, refused.clone()),
            (4 * MS, icmp(&refused[..28])),
        ],
        Limits::default(),
    );
    assert_eq!(r.len(), 3, "{r:#?}");
    assert_eq!(codes(&r[0]), vec![Code::ProxyHeaderNotExpected]);
    assert_eq!(r[0].findings[0].severity, crate::findings::Severity::Error);
    assert!(r[1].findings.is_empty(), "{:?}", r[1].findings);
    assert_eq!(r[1].server_sent.as_ref().unwrap().kind, "dns-response");
    assert_eq!(codes(&r[2]), vec![Code::ConnectionRefused]);
    assert_eq!((r[2].packets, s.skipped.other_transport), (2, 0));
    assert_eq!(s.udp_flows, 3);
}
