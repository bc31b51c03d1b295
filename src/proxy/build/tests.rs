//! The builder's headers, read back by our own strict inspector.

use super::tlvs;
use super::*;
use crate::proxy::{self, Command, Inspection, TlvValue};

fn a(s: &str) -> SocketAddr {
    s.parse().unwrap()
}

fn complete(bytes: &[u8]) -> proxy::Header {
    match proxy::inspect(bytes) {
        Inspection::Complete(h) => h,
        other => panic!("not a complete header: {other:?} for {bytes:02x?}"),
    }
}

#[test]
fn v1_round_trip_both_families() {
    let b = build(&HeaderSpec::new(
        Kind::V1,
        a("192.0.2.1:5000"),
        a("127.0.0.1:443"),
    ))
    .unwrap();
    assert_eq!(b, b"PROXY TCP4 192.0.2.1 127.0.0.1 5000 443\r\n");
    let h = complete(&b);
    assert_eq!(h.source, Some(a("192.0.2.1:5000")));
    let b = build(&HeaderSpec::new(
        Kind::V1,
        a("[2001:db8::1]:1"),
        a("[::1]:2"),
    ))
    .unwrap();
    let h = complete(&b);
    assert_eq!(h.family, proxy::Family::Inet6);
    assert_eq!(h.destination, Some(a("[::1]:2")));
}

#[test]
fn v1_unknown_and_errors() {
    let mut s = HeaderSpec::new(Kind::V1, a("1.2.3.4:1"), a("5.6.7.8:2"));
    s.family = Some(proxy::Family::Unspec);
    assert_eq!(build(&s).unwrap(), b"PROXY UNKNOWN\r\n");
    let mixed = HeaderSpec::new(Kind::V1, a("1.2.3.4:1"), a("[::1]:2"));
    assert!(build(&mixed).unwrap_err().0.contains("same family"));
    let mut tlv = HeaderSpec::new(Kind::V1, a("1.2.3.4:1"), a("5.6.7.8:2"));
    tlv.tlvs.push(tlvs::authority("x"));
    assert!(build(&tlv).is_err());
}

#[test]
fn v2_with_every_named_tlv_and_crc() {
    let mut s = HeaderSpec::new(Kind::V2, a("192.0.2.7:40000"), a("127.0.0.1:8443"));
    s.tlvs = vec![
        tlvs::aws_vpce("vpce-0123456789abcdef0"),
        tlvs::azure_linkid(0x0102_0304),
        tlvs::gcp_psc(0x1122_3344_5566_7788),
        tlvs::authority("api.example.com"),
        tlvs::alpn("h2"),
        tlvs::unique_id(b"req-42"),
        tlvs::netns("blue"),
        tlvs::ssl(&tlvs::SslSpec {
            client: 0x07,
            verify: 0,
            version: Some("TLSv1.3".into()),
            cn: Some("client.example".into()),
            cipher: Some("TLS_AES_128_GCM_SHA256".into()),
            sig_alg: None,
            key_alg: Some("RSA2048".into()),
        }),
    ];
    s.crc32c = true;
    let b = build(&s).unwrap();
    let h = complete(&b);
    assert_eq!(h.length, b.len());
    assert_eq!(h.source, Some(a("192.0.2.7:40000")));
    assert_eq!(h.destination, Some(a("127.0.0.1:8443")));
    assert_eq!(h.crc32c_ok, Some(true));
    let values: Vec<_> = h.tlvs.iter().map(|t| (t.kind, t.value.clone())).collect();
    assert_eq!(
        values[0],
        (0xEA, TlvValue::Text("vpce-0123456789abcdef0".into()))
    );
    assert_eq!(values[1], (0xEE, TlvValue::AzureLinkId(0x0102_0304)));
    assert_eq!(
        values[2],
        (0xE0, TlvValue::GcpPscConnectionId(0x1122_3344_5566_7788))
    );
    assert_eq!(values[3], (0x02, TlvValue::Text("api.example.com".into())));
    assert_eq!(values[4], (0x01, TlvValue::Text("h2".into())));
    assert_eq!(values[5], (0x05, TlvValue::Text("req-42".into())));
    assert_eq!(values[6], (0x30, TlvValue::Text("blue".into())));
    match &values[7].1 {
        TlvValue::Ssl(ssl) => {
            assert!(ssl.ssl && ssl.cert_conn && ssl.cert_sess);
            assert_eq!(ssl.sub_tlvs.len(), 4);
            assert_eq!(
                ssl.sub_tlvs[1].value,
                TlvValue::Text("client.example".into())
            );
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(values[8].0, 0x03);
}

#[test]
fn v2_matches_ppp_for_plain_headers() {
    let b = build(&HeaderSpec::new(
        Kind::V2,
        a("127.0.0.1:1"),
        a("127.0.0.2:2"),
    ))
    .unwrap();
    let ppp = ppp::v2::Builder::with_addresses(
        ppp::v2::Version::Two | ppp::v2::Command::Proxy,
        ppp::v2::Protocol::Stream,
        (a("127.0.0.1:1"), a("127.0.0.2:2")),
    )
    .build()
    .unwrap();
    assert_eq!(b, ppp);
}

#[test]
fn v2_local_plain_and_nlb_style() {
    let b = build(&HeaderSpec::local()).unwrap();
    assert_eq!(b.len(), 16);
    let h = complete(&b);
    assert_eq!(h.command, Command::Local);
    // LOCAL that declares INET/STREAM and carries only TLVs: what ppp cannot build.
    let mut s = HeaderSpec::local();
    s.family = Some(proxy::Family::Inet);
    s.transport = proxy::Transport::Stream;
    s.crc32c = true;
    s.tlvs.push((0x04, vec![0; 74]));
    let b = build(&s).unwrap();
    assert_eq!(b[13], 0x11);
    assert_eq!(b.len(), 16 + 77 + 7);
    let h = complete(&b);
    assert_eq!(h.command, Command::Local);
    assert_eq!(h.family_byte, Some(0x11));
    assert_eq!(h.source, None);
    assert_eq!(h.crc32c_ok, Some(true));
    assert_eq!(h.tlvs.len(), 2);
}

#[test]
fn family_contradicting_addresses_is_refused() {
    let mut s = HeaderSpec::new(Kind::V2, a("127.0.0.1:1"), a("127.0.0.2:2"));
    s.family = Some(proxy::Family::Inet6);
    assert!(build(&s).is_err());
}

fn malformed_rule(bytes: &[u8]) -> String {
    match proxy::inspect(bytes) {
        Inspection::Malformed(m) => m.rule.to_string(),
        Inspection::Incomplete { .. } => "incomplete".into(),
        Inspection::NotProxy => "not-proxy".into(),
        Inspection::Complete(h) => format!("complete crc={:?}", h.crc32c_ok),
    }
}

#[test]
fn every_break_is_read_back_as_that_fault() {
    let v2 = |b: Break| {
        let mut s = HeaderSpec::new(Kind::V2, a("127.0.0.1:1"), a("127.0.0.2:2"));
        s.tlvs.push(tlvs::authority("example.com"));
        s.breaks.push(b);
        build(&s).unwrap()
    };
    let v1 = |b: Break| {
        let mut s = HeaderSpec::new(Kind::V1, a("127.0.0.1:1000"), a("127.0.0.2:2000"));
        s.breaks.push(b);
        build(&s).unwrap()
    };
    // Signature: the strict reader names the broken signature byte.
    assert_eq!(malformed_rule(&v2(Break::Signature)), "v2-signature");
    let v1sig = malformed_rule(&v1(Break::Signature));
    assert!(v1sig == "not-proxy" || v1sig.starts_with("v1-"), "{v1sig}");
    assert!(malformed_rule(&v2(Break::Version)).contains("version"));
    assert!(malformed_rule(&v2(Break::Command)).contains("command"));
    assert!(malformed_rule(&v2(Break::Family)).contains("family"));
    assert_eq!(malformed_rule(&v2(Break::Length)), "incomplete");
    assert_eq!(malformed_rule(&v2(Break::Crc)), "complete crc=Some(false)");
    assert!(malformed_rule(&v2(Break::Tlv)).contains("tlv"));
    assert_eq!(malformed_rule(&v2(Break::Truncate)), "incomplete");
    assert_eq!(malformed_rule(&v1(Break::Truncate)), "incomplete");
    for b in [
        Break::Version,
        Break::Family,
        Break::Crlf,
        Break::TooLong,
        Break::Port,
    ] {
        let rule = malformed_rule(&v1(b));
        assert!(rule.starts_with("v1-"), "{b:?}: {rule}");
    }
    // Duplicate: two complete headers in a row.
    let d = v2(Break::Duplicate);
    let h = complete(&d);
    assert_eq!(complete(&d[h.length..]).length, h.length);
}

#[test]
fn breaks_that_do_not_apply_are_refused() {
    let mut s = HeaderSpec::new(Kind::V1, a("127.0.0.1:1"), a("127.0.0.2:2"));
    s.breaks.push(Break::Crc);
    assert!(build(&s).unwrap_err().0.contains("does not apply"));
    let mut s = HeaderSpec::new(Kind::V2, a("127.0.0.1:1"), a("127.0.0.2:2"));
    s.breaks.push(Break::Crlf);
    assert!(build(&s).is_err());
}
