//! Byte-array fixtures for the PROXY inspector: every valid form and every rejection rule.

use super::*;
use std::net::{IpAddr, Ipv4Addr};

fn complete(b: &[u8]) -> Header {
    match inspect(b) {
        Inspection::Complete(h) => h,
        other => panic!(
            "expected a complete header for {:?}, got {other:?}",
            String::from_utf8_lossy(b)
        ),
    }
}

fn malformed(b: &[u8]) -> Malformed {
    match inspect(b) {
        Inspection::Malformed(m) => m,
        other => panic!(
            "expected malformed for {:?}, got {other:?}",
            String::from_utf8_lossy(b)
        ),
    }
}

fn sa(s: &str) -> Option<SocketAddr> {
    Some(s.parse().unwrap())
}

// ---------- v1: valid forms ----------

#[test]
fn v1_tcp4() {
    let h = complete(b"PROXY TCP4 192.168.0.1 192.168.0.11 56324 443\r\nGET / HTTP/1.1\r\n");
    assert_eq!(h.version, Version::V1);
    assert_eq!(h.command, Command::Proxy);
    assert_eq!(h.family, Family::Inet);
    assert_eq!(h.transport, Transport::Stream);
    assert_eq!(h.source, sa("192.168.0.1:56324"));
    assert_eq!(h.destination, sa("192.168.0.11:443"));
    assert_eq!(h.length, 47);
    assert!(h.warnings.is_empty());
}

#[test]
fn v1_tcp6() {
    let h = complete(b"PROXY TCP6 2001:db8::1 ::1 1 65535\r\n");
    assert_eq!(h.family, Family::Inet6);
    assert_eq!(h.source, sa("[2001:db8::1]:1"));
    assert_eq!(h.destination, sa("[::1]:65535"));
    assert!(h.warnings.is_empty());
}

#[test]
fn v1_unknown_bare_and_with_junk() {
    let h = complete(b"PROXY UNKNOWN\r\n");
    assert_eq!(h.family, Family::Unspec);
    assert_eq!(h.transport, Transport::Unspec);
    assert_eq!(h.source, None);
    assert_eq!(h.length, 15);
    let h = complete(b"PROXY UNKNOWN ffff::1 whatever 99999 x\r\n");
    assert_eq!(h.source, None);
    assert_eq!(h.length, 40);
}

#[test]
fn v1_port_zero_and_max_are_legal() {
    let h = complete(b"PROXY TCP4 1.2.3.4 5.6.7.8 0 65535\r\n");
    assert_eq!(h.source, sa("1.2.3.4:0"));
    assert!(h.warnings.is_empty());
}

#[test]
fn v1_longest_legal_line_is_107_bytes() {
    let addr = "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff";
    let line = format!("PROXY TCP6 {addr} {addr} 65535 65535\r\n");
    assert_eq!(line.len(), 104);
    assert!(complete(line.as_bytes()).warnings.is_empty());
    // The spec's worst case: UNKNOWN followed by the longest TCP6 fields.
    let line = format!("PROXY UNKNOWN {addr} {addr} 65535 65535\r\n");
    assert_eq!(line.len(), 107);
    complete(line.as_bytes());
    // UNKNOWN carries anything: pad to exactly 107.
    let line = format!("PROXY UNKNOWN {}\r\n", "x".repeat(91));
    assert_eq!(line.len(), 107);
    assert_eq!(complete(line.as_bytes()).length, 107);
}

// ---------- v1: warnings (accepted by nginx, refused by strict receivers) ----------

#[test]
fn v1_port_leading_zero_is_a_warning() {
    let h = complete(b"PROXY TCP4 1.2.3.4 5.6.7.8 080 443\r\n");
    assert_eq!(h.source, sa("1.2.3.4:80"));
    assert_eq!(h.warnings.len(), 1);
    assert_eq!(
        h.warnings[0].message,
        "v1 source port `080` has a leading zero"
    );
    assert_eq!(h.warnings[0].offset, 27);
}

#[test]
fn v1_octet_leading_zero_is_a_warning_read_as_decimal() {
    let h = complete(b"PROXY TCP4 010.0.0.1 5.6.7.8 1 2\r\n");
    assert_eq!(h.source, sa("10.0.0.1:1"));
    assert!(h.warnings[0].message.contains("leading zero"));
    assert!(h.warnings[0].rejected_by.contains("go-proxyproto"));
}

#[test]
fn v1_ipv4_in_tcp6_is_a_warning() {
    let h = complete(b"PROXY TCP6 127.0.0.1 127.0.0.1 1 2\r\n");
    assert_eq!(h.source.unwrap().ip(), IpAddr::V4(Ipv4Addr::LOCALHOST));
    assert_eq!(h.warnings.len(), 2);
    assert!(
        h.warnings[0]
            .message
            .contains("IPv4 address in a TCP6 line")
    );
}

#[test]
fn v1_ipv6_in_tcp4_is_a_warning() {
    let h = complete(b"PROXY TCP4 ::1 ::1 1 2\r\n");
    assert!(
        h.warnings[0]
            .message
            .contains("IPv6 address in a TCP4 line")
    );
}

#[test]
fn v1_v4_mapped_in_tcp6_is_a_warning() {
    let h = complete(b"PROXY TCP6 ::ffff:127.0.0.1 ::ffff:127.0.0.1 1 2\r\n");
    assert_eq!(h.warnings.len(), 2);
    assert!(h.warnings[0].message.contains("IPv4-mapped"));
}

// ---------- v1: rejections ----------

#[test]
fn v1_port_with_plus_sign() {
    let m = malformed(b"PROXY TCP4 1.2.3.4 5.6.7.8 +80 443\r\n");
    assert_eq!(m.rule, "v1-port");
    assert_eq!(m.offset, 27);
    assert_eq!(
        m.message,
        "v1 source port `+80` has a sign; ports are plain decimal digits"
    );
}

#[test]
fn v1_port_negative_and_out_of_range_and_not_a_number() {
    assert_eq!(
        malformed(b"PROXY TCP4 1.2.3.4 5.6.7.8 1 -1\r\n").rule,
        "v1-port"
    );
    let m = malformed(b"PROXY TCP4 1.2.3.4 5.6.7.8 65536 1\r\n");
    assert!(m.message.contains("out of range"), "{}", m.message);
    let m = malformed(b"PROXY TCP4 1.2.3.4 5.6.7.8 1 9999999999999\r\n");
    assert!(m.message.contains("out of range"));
    let m = malformed(b"PROXY TCP4 1.2.3.4 5.6.7.8 http 1\r\n");
    assert!(m.message.contains("not a decimal number"));
}

#[test]
fn v1_zone_id_rejected() {
    let m = malformed(b"PROXY TCP6 fe80::1%eth0 ::1 1 2\r\n");
    assert_eq!(m.rule, "v1-zone-id");
    assert_eq!(m.offset, 11 + 7);
}

#[test]
fn v1_bad_addresses() {
    let m = malformed(b"PROXY TCP4 invalid invalid 65533 65533\r\n");
    assert_eq!(m.rule, "v1-address");
    assert_eq!(
        m.message,
        "v1 source address `invalid` is not an IPv4 address"
    );
    let m = malformed(b"PROXY TCP4 1.2.3.4 256.1.1.1 1 2\r\n");
    assert_eq!(m.offset, 19);
    let m = malformed(b"PROXY TCP6 ::1 :::1 1 2\r\n");
    assert_eq!(
        m.message,
        "v1 destination address `:::1` is not an IPv6 address"
    );
}

#[test]
fn v1_bare_lf() {
    let m = malformed(b"PROXY TCP4 1.2.3.4 5.6.7.8 1 2\n");
    assert_eq!(m.rule, "v1-bare-lf");
    assert_eq!(m.offset, 30);
    assert_eq!(malformed(b"PROXY \n").rule, "v1-bare-lf");
}

#[test]
fn v1_lone_cr() {
    let m = malformed(b"PROXY TCP4 1.2.3.4\r5.6.7.8 1 2\r\n");
    assert_eq!(m.rule, "v1-lone-cr");
    assert_eq!(m.offset, 18);
}

#[test]
fn v1_108_bytes_without_crlf() {
    let line = format!("PROXY UNKNOWN {}\r\n", "x".repeat(92));
    assert_eq!(line.len(), 108);
    let m = malformed(line.as_bytes());
    assert_eq!(m.rule, "v1-too-long");
    assert_eq!(m.offset, 107);
}

#[test]
fn v1_long_junk_without_crlf() {
    let m = malformed(
        &[b' '; 200]
            .iter()
            .enumerate()
            .map(|(i, &c)| if i < 6 { b"PROXY "[i] } else { c })
            .collect::<Vec<u8>>(),
    );
    assert_eq!(m.rule, "v1-too-long");
}

#[test]
fn v1_protocol_errors() {
    assert_eq!(malformed(b"PROXY \r\n").rule, "v1-missing-field");
    assert_eq!(malformed(b"PROXY SOMETHING\r\n").rule, "v1-protocol");
    let m = malformed(b"PROXY UDP4 1.2.3.4 5.6.7.8 1 2\r\n");
    assert!(m.message.contains("UDP needs v2"));
    assert_eq!(
        malformed(b"PROXY tcp4 1.2.3.4 5.6.7.8 1 2\r\n").rule,
        "v1-protocol"
    );
}

#[test]
fn v1_no_space_after_proxy() {
    let m = malformed(b"PROXY\r\n");
    assert_eq!(m.rule, "v1-prefix");
    assert_eq!(m.offset, 5);
}

#[test]
fn v1_field_count_errors() {
    let m = malformed(b"PROXY TCP4 1.2.3.4 5.6.7.8 1\r\n");
    assert_eq!(m.rule, "v1-missing-field");
    assert!(
        m.message.contains("before the destination port"),
        "{}",
        m.message
    );
    let m = malformed(b"PROXY TCP4 1.2.3.4 5.6.7.8 1 2 3\r\n");
    assert_eq!(m.rule, "v1-extra-field");
    assert_eq!(m.offset, 31);
}

#[test]
fn v1_double_space() {
    let m = malformed(b"PROXY TCP4  1.2.3.4 5.6.7.8 1 2\r\n");
    assert_eq!(m.rule, "v1-extra-field");
    let m = malformed(b"PROXY TCP4 1.2.3.4  5.6.7.8 1\r\n");
    assert_eq!(m.rule, "v1-empty-field");
    assert_eq!(m.offset, 19);
}

#[test]
fn v1_non_ascii_byte() {
    let m = malformed(b"PROXY TCP4 1.2.3.4\x00");
    assert_eq!(m.rule, "v1-byte");
    assert_eq!(m.offset, 18);
}

#[test]
fn v1_incomplete_and_early_verdicts() {
    assert!(matches!(
        inspect(b"PROX"),
        Inspection::Incomplete {
            version: Version::V1,
            ..
        }
    ));
    assert!(matches!(inspect(b"P"), Inspection::Incomplete { .. }));
    assert!(matches!(
        inspect(b"PROXY TCP4 1.2.3.4 5.6.7.8 1 2"),
        Inspection::Incomplete {
            at_least: 2,
            exact: false,
            ..
        }
    ));
    assert!(matches!(
        inspect(b"PROXY TCP4 1.2.3.4 5.6.7.8 1 2\r"),
        Inspection::Incomplete { at_least: 1, .. }
    ));
    // A cut log line with a bad protocol still gets its verdict.
    assert_eq!(malformed(b"PROXY TCP5 1.2.3.4").rule, "v1-protocol");
}

#[test]
fn not_proxy() {
    assert_eq!(inspect(b""), Inspection::NotProxy);
    assert_eq!(inspect(b"GET / HTTP/1.1\r\n"), Inspection::NotProxy);
    assert_eq!(inspect(b"\x16\x03\x01\x02\x00"), Inspection::NotProxy);
    assert_eq!(inspect(b"PRI * HTTP/2.0"), Inspection::NotProxy);
    assert_eq!(inspect(b"\r\n\r\nX"), Inspection::NotProxy);
}

// ---------- v2 ----------

fn v2(ver_cmd: u8, fam: u8, payload: &[u8]) -> Vec<u8> {
    let mut v = V2_SIGNATURE.to_vec();
    v.push(ver_cmd);
    v.push(fam);
    v.extend_from_slice(&(payload.len() as u16).to_be_bytes());
    v.extend_from_slice(payload);
    v
}

fn inet_block() -> Vec<u8> {
    vec![10, 0, 0, 1, 10, 0, 0, 2, 0xdc, 0x04, 0x01, 0xbb]
}

/// The AWS NLB health check: LOCAL, family 0x11, length 84, CRC32C then a 74-byte NOOP.
pub(crate) fn aws_nlb_health_check() -> Vec<u8> {
    let mut payload = vec![0x03, 0x00, 0x04, 0, 0, 0, 0, 0x04, 0x00, 74];
    payload.extend_from_slice(&[0u8; 74]);
    let mut h = v2(0x20, 0x11, &payload);
    assert_eq!(h.len(), 100);
    let crc = crc32c::crc32c(&h);
    h[19..23].copy_from_slice(&crc.to_be_bytes());
    h
}

#[test]
fn v2_proxy_inet() {
    let h = complete(&v2(0x21, 0x11, &inet_block()));
    assert_eq!(h.version, Version::V2);
    assert_eq!(h.command, Command::Proxy);
    assert_eq!(h.family, Family::Inet);
    assert_eq!(h.transport, Transport::Stream);
    assert_eq!(h.source, sa("10.0.0.1:56324"));
    assert_eq!(h.destination, sa("10.0.0.2:443"));
    assert_eq!(h.length, 28);
    assert_eq!(h.family_byte, Some(0x11));
    assert!(h.tlvs.is_empty());
    assert_eq!(h.crc32c_ok, None);
}

#[test]
fn v2_proxy_inet6_dgram() {
    let mut block = Vec::new();
    block.extend_from_slice(
        &"2001:db8::1"
            .parse::<std::net::Ipv6Addr>()
            .unwrap()
            .octets(),
    );
    block.extend_from_slice(
        &"2001:db8::2"
            .parse::<std::net::Ipv6Addr>()
            .unwrap()
            .octets(),
    );
    block.extend_from_slice(&[0x13, 0x88, 0x00, 0x35]);
    let h = complete(&v2(0x21, 0x22, &block));
    assert_eq!(h.transport, Transport::Dgram);
    assert_eq!(h.source, sa("[2001:db8::1]:5000"));
    assert_eq!(h.destination, sa("[2001:db8::2]:53"));
}

#[test]
fn v2_proxy_unix() {
    let mut block = vec![0u8; 216];
    block[..9].copy_from_slice(b"/run/a.sk");
    block[108..117].copy_from_slice(b"/run/b.sk");
    let h = complete(&v2(0x21, 0x31, &block));
    assert_eq!(h.family, Family::Unix);
    assert_eq!(h.unix_source.as_deref(), Some("/run/a.sk"));
    assert_eq!(h.unix_destination.as_deref(), Some("/run/b.sk"));
    assert_eq!(h.source, None);
}

#[test]
fn v2_proxy_unspec_has_no_addresses() {
    let h = complete(&v2(0x21, 0x00, &[]));
    assert_eq!(h.family, Family::Unspec);
    assert_eq!(h.source, None);
    assert_eq!(h.length, 16);
}

#[test]
fn v2_aws_nlb_health_check_decodes_without_invented_addresses() {
    let bytes = aws_nlb_health_check();
    let h = complete(&bytes);
    assert_eq!(h.command, Command::Local);
    assert_eq!(h.family, Family::Inet);
    assert_eq!(h.family_byte, Some(0x11));
    assert_eq!(h.length, 100);
    assert_eq!(h.source, None);
    assert_eq!(h.destination, None);
    assert_eq!(h.tlvs.len(), 2);
    assert_eq!(h.tlvs[0].name, "CRC32C");
    assert_eq!(h.tlvs[0].offset, 16);
    assert_eq!(h.tlvs[1].name, "NOOP");
    assert_eq!(h.tlvs[1].length, 74);
    assert_eq!(h.crc32c_ok, Some(true));
    assert!(h.warnings.is_empty(), "{:?}", h.warnings);
}

#[test]
fn ppp_misreads_the_aws_health_check_and_we_do_not() {
    // The gap in ppp 2.3 that this module exists to cover: it reads an INET address
    // block out of the TLV bytes of a LOCAL header.
    let bytes = aws_nlb_health_check();
    let parsed = ppp::v2::Header::try_from(&bytes[..]).expect("ppp parses it");
    assert!(
        matches!(parsed.addresses, ppp::v2::Addresses::IPv4(_)),
        "ppp invents addresses"
    );
    assert_eq!(complete(&bytes).source, None);
}

#[test]
fn v2_crc_mismatch_is_reported() {
    let mut bytes = aws_nlb_health_check();
    bytes[40] ^= 0x01; // flip a bit in the NOOP padding
    let h = complete(&bytes);
    assert_eq!(h.crc32c_ok, Some(false));
    match &h.tlvs[0].value {
        TlvValue::Crc32c {
            ok,
            carried,
            computed,
        } => {
            assert!(!ok);
            assert_ne!(carried, computed);
        }
        v => panic!("{v:?}"),
    }
}

#[test]
fn v2_crc_of_a_proxy_header_built_by_ppp() {
    let addrs: ppp::v2::Addresses = (
        "192.0.2.1:1000".parse::<SocketAddr>().unwrap(),
        "192.0.2.2:443".parse::<SocketAddr>().unwrap(),
    )
        .into();
    let mut b = ppp::v2::Builder::with_addresses(0x21, ppp::v2::Protocol::Stream, addrs)
        .write_tlv(ppp::v2::Type::CRC32C, &[0, 0, 0, 0])
        .unwrap()
        .build()
        .unwrap();
    let crc = crc32c::crc32c(&b);
    let at = b.len() - 4;
    b[at..].copy_from_slice(&crc.to_be_bytes());
    assert_eq!(complete(&b).crc32c_ok, Some(true));
}

#[test]
fn v2_all_tlv_types_decode() {
    let mut p = inet_block();
    let mut tlv = |t: u8, v: &[u8]| {
        p.push(t);
        p.extend_from_slice(&(v.len() as u16).to_be_bytes());
        p.extend_from_slice(v);
    };
    tlv(0x01, b"h2");
    tlv(0x02, b"example.com");
    tlv(0x04, &[0; 3]);
    tlv(0x05, &[0xab; 16]);
    let mut ssl = vec![0x07, 0, 0, 0, 0];
    for (k, v) in [
        (0x21u8, &b"TLSv1.3"[..]),
        (0x22, b"client"),
        (0x23, b"TLS_AES_128_GCM_SHA256"),
        (0x24, b"SHA256"),
        (0x25, b"RSA2048"),
        (0x26, b"X25519"),
        (0x27, b"rsa_pss_rsae_sha256"),
    ] {
        ssl.push(k);
        ssl.extend_from_slice(&(v.len() as u16).to_be_bytes());
        ssl.extend_from_slice(v);
    }
    ssl.extend_from_slice(&[0x28, 0, 2, 0x30, 0x82]);
    tlv(0x20, &ssl);
    tlv(0x30, b"blue");
    tlv(0xEA, b"\x01vpce-08d2bf15fac5001c9");
    tlv(0xEE, &[0x01, 0x78, 0x56, 0x34, 0x12]);
    tlv(0xE0, &0x0102_0304_0506_0708u64.to_be_bytes());
    tlv(0x99, &[1, 2]);
    tlv(0xE5, &[]);
    let h = complete(&v2(0x21, 0x11, &p));
    let names: Vec<&str> = h.tlvs.iter().map(|t| t.name).collect();
    assert_eq!(
        names,
        [
            "ALPN",
            "AUTHORITY",
            "NOOP",
            "UNIQUE_ID",
            "SSL",
            "NETNS",
            "AWS",
            "AZURE",
            "GCP_PSC",
            "UNKNOWN",
            "CUSTOM"
        ]
    );
    assert_eq!(h.tlvs[0].value, TlvValue::Text("h2".into()));
    assert_eq!(h.tlvs[1].value, TlvValue::Text("example.com".into()));
    assert_eq!(h.tlvs[2].value, TlvValue::Noop);
    assert_eq!(h.tlvs[3].value, TlvValue::Hex("ab".repeat(16)));
    // A printable UNIQUE_ID (HAProxy's) is shown as text: see round_trips_through_ppp_builder.
    match &h.tlvs[4].value {
        TlvValue::Ssl(s) => {
            assert!(s.ssl && s.cert_conn && s.cert_sess);
            assert_eq!(s.verify, 0);
            let subs: Vec<&str> = s.sub_tlvs.iter().map(|t| t.name).collect();
            assert_eq!(
                subs,
                [
                    "SSL_VERSION",
                    "SSL_CN",
                    "SSL_CIPHER",
                    "SSL_SIG_ALG",
                    "SSL_KEY_ALG",
                    "SSL_GROUP",
                    "SSL_SIG_SCHEME",
                    "SSL_CLIENT_CERT"
                ]
            );
            assert_eq!(s.sub_tlvs[0].value, TlvValue::Text("TLSv1.3".into()));
            assert_eq!(s.sub_tlvs[7].value, TlvValue::Hex("3082".into()));
        }
        v => panic!("{v:?}"),
    }
    assert_eq!(h.tlvs[5].value, TlvValue::Text("blue".into()));
    assert_eq!(
        h.tlvs[6].value,
        TlvValue::Text("vpce-08d2bf15fac5001c9".into())
    );
    assert_eq!(h.tlvs[7].value, TlvValue::AzureLinkId(0x1234_5678));
    assert_eq!(
        h.tlvs[8].value,
        TlvValue::GcpPscConnectionId(0x0102_0304_0506_0708)
    );
    assert_eq!(h.tlvs[9].value, TlvValue::Hex("0102".into()));
    assert_eq!(h.tlvs[10].value, TlvValue::Hex(String::new()));
    assert!(h.warnings.is_empty());
}

#[test]
fn v2_unique_id_over_128_warns() {
    let mut p = inet_block();
    p.extend_from_slice(&[0x05, 0, 129]);
    p.extend_from_slice(&[7; 129]);
    let h = complete(&v2(0x21, 0x11, &p));
    assert_eq!(h.warnings.len(), 1);
    assert!(h.warnings[0].message.contains("at most 128"));
    assert_eq!(h.warnings[0].offset, 28);
}

#[test]
fn v2_authority_over_255_warns() {
    let mut p = inet_block();
    p.extend_from_slice(&[0x02, 1, 0]);
    p.extend_from_slice(&[b'a'; 256]);
    let h = complete(&v2(0x21, 0x11, &p));
    assert!(h.warnings[0].rejected_by.contains("HAProxy"));
}

#[test]
fn v2_crc_of_wrong_length_warns() {
    let mut p = inet_block();
    p.extend_from_slice(&[0x03, 0, 2, 1, 2]);
    let h = complete(&v2(0x21, 0x11, &p));
    assert!(h.warnings[0].message.contains("must be 4"));
    assert_eq!(h.crc32c_ok, None);
}

#[test]
fn v2_tlv_overrun_names_the_numbers() {
    // length 84: 12 address bytes, then a TLV at 28 claiming 70 of the 69 remaining.
    let mut p = inet_block();
    p.extend_from_slice(&[0x04, 0x00, 70]);
    p.extend_from_slice(&[0; 69]);
    assert_eq!(p.len(), 84);
    let m = malformed(&v2(0x21, 0x11, &p));
    assert_eq!(m.rule, "v2-tlv-framing");
    assert_eq!(m.offset, 28);
    assert_eq!(
        m.message,
        "v2 length says 84 bytes follow; the INET address block takes 12 and the TLV at offset 28 (NOOP) claims 70 bytes but only 69 remain"
    );
}

#[test]
fn v2_stray_tlv_bytes() {
    let mut p = inet_block();
    p.extend_from_slice(&[0x04, 0x00]);
    let m = malformed(&v2(0x21, 0x11, &p));
    assert_eq!(m.offset, 28);
    assert!(m.message.contains("2 stray byte(s)"));
}

#[test]
fn v2_ssl_sub_tlv_overrun() {
    let mut p = inet_block();
    p.extend_from_slice(&[0x20, 0, 8, 0x01, 0, 0, 0, 0, 0x21, 0, 9]);
    let m = malformed(&v2(0x21, 0x11, &p));
    assert_eq!(m.offset, 36);
    assert!(m.message.contains("SSL_VERSION"));
    let mut p = inet_block();
    p.extend_from_slice(&[0x20, 0, 2, 0x01, 0]);
    assert!(
        malformed(&v2(0x21, 0x11, &p))
            .message
            .contains("at least 5")
    );
}

#[test]
fn v2_length_shorter_than_address_block() {
    let m = malformed(&v2(0x21, 0x21, &[0; 12]));
    assert_eq!(m.rule, "v2-length-short");
    assert_eq!(m.offset, 14);
    assert_eq!(
        m.message,
        "v2 length says 12 bytes follow, but the INET6 address block alone takes 36"
    );
}

#[test]
fn v2_version_and_command_nibbles() {
    let m = malformed(&v2(0x11, 0x11, &inet_block()));
    assert_eq!((m.rule, m.offset), ("v2-version", 12));
    let m = malformed(&v2(0x22, 0x11, &inet_block()));
    assert_eq!((m.rule, m.offset), ("v2-command", 12));
    // Early verdict with only 13 bytes.
    let mut b = V2_SIGNATURE.to_vec();
    b.push(0x31);
    assert_eq!(malformed(&b).rule, "v2-version");
}

#[test]
fn v2_every_value_of_byte_13_is_judged() {
    let valid = [0x00u8, 0x11, 0x12, 0x21, 0x22, 0x31, 0x32];
    for byte in 0..=255u8 {
        let payload = vec![0u8; 216];
        let bytes = v2(0x21, byte, &payload);
        let result = inspect(&bytes);
        if valid.contains(&byte) {
            // Valid pairs parse (216 zero bytes frame as NOOP-free zero TLVs of length 0
            // after a block, or fail framing for UNSPEC: either way not a family error).
            if let Inspection::Malformed(m) = &result {
                assert!(m.rule.starts_with("v2-tlv"), "0x{byte:02x}: {m:?}");
            }
        } else {
            match &result {
                Inspection::Malformed(m) => {
                    assert_eq!(m.offset, 13, "0x{byte:02x}");
                    assert!(
                        m.rule.starts_with("v2-family") || m.rule == "v2-transport",
                        "0x{byte:02x}: {}",
                        m.rule
                    );
                }
                other => panic!("0x{byte:02x} accepted: {other:?}"),
            }
            // In a LOCAL header the same byte is only a warning (receivers skip it).
            match inspect(&v2(0x20, byte, &[])) {
                Inspection::Complete(h) => assert_eq!(h.warnings.len(), 1, "0x{byte:02x}"),
                other => panic!("LOCAL 0x{byte:02x}: {other:?}"),
            }
        }
    }
}

#[test]
fn v2_truncation_at_every_length_is_incomplete() {
    let mut p = inet_block();
    p.extend_from_slice(&[0x01, 0, 2, b'h', b'2', 0x02, 0, 3, b'a', b'.', b'b']);
    let full = v2(0x21, 0x11, &p);
    for cut in 1..full.len() {
        match inspect(&full[..cut]) {
            Inspection::Incomplete {
                version: Version::V2,
                at_least,
                exact,
            } => {
                if cut >= 16 {
                    assert!(exact);
                    assert_eq!(at_least, full.len() - cut);
                } else {
                    assert_eq!(at_least, 16 - cut);
                }
            }
            other => panic!("cut at {cut}: {other:?}"),
        }
    }
    assert_eq!(complete(&full).tlvs.len(), 2);
}

#[test]
fn v1_truncation_at_every_length_is_incomplete() {
    let full = b"PROXY TCP6 2001:db8::1 2001:db8::2 56324 443\r\n";
    for cut in 1..full.len() {
        assert!(
            matches!(
                inspect(&full[..cut]),
                Inspection::Incomplete {
                    version: Version::V1,
                    ..
                }
            ),
            "cut at {cut}"
        );
    }
}

#[test]
fn v2_damaged_signature() {
    let mut b = v2(0x21, 0x11, &inet_block());
    b[1] = 0x0b;
    let m = malformed(&b);
    assert_eq!((m.rule, m.offset), ("v2-signature", 1));
}

#[test]
fn v2_local_with_address_block_then_tlvs() {
    let mut p = inet_block();
    p.extend_from_slice(&[0x04, 0, 1, 0]);
    // At offset 16 the address bytes 0a 00 00 would claim 0 bytes of type 0x0a... and
    // framing from 16 fails later, so the TLVs are read after the block.
    let h = complete(&v2(0x20, 0x11, &p));
    assert_eq!(h.source, None);
    assert_eq!(h.tlvs.last().map(|t| t.name), Some("NOOP"));
}

#[test]
fn v2_local_with_garbage_payload_warns() {
    let h = complete(&v2(0x20, 0x00, &[0xff, 0xff]));
    assert_eq!(h.command, Command::Local);
    assert_eq!(h.warnings.len(), 1);
    assert!(h.warnings[0].message.contains("does not frame"));
}

#[test]
fn v2_header_followed_by_payload_reports_its_own_length() {
    let mut b = v2(0x21, 0x11, &inet_block());
    b.extend_from_slice(b"\x16\x03\x01\x00\x05hello");
    assert_eq!(complete(&b).length, 28);
}

#[test]
fn round_trips_through_ppp_builder() {
    use ppp::v2::{Builder, Protocol, Type};
    let cases: Vec<(SocketAddr, SocketAddr)> = vec![
        (
            "127.0.0.1:1".parse().unwrap(),
            "127.0.0.2:2".parse().unwrap(),
        ),
        (
            "[::1]:65535".parse().unwrap(),
            "[2001:db8::9]:443".parse().unwrap(),
        ),
    ];
    for (src, dst) in cases {
        for proto in [Protocol::Stream, Protocol::Datagram] {
            let addrs: ppp::v2::Addresses = (src, dst).into();
            let bytes = Builder::with_addresses(0x21, proto, addrs)
                .write_tlv(Type::ALPN, b"http/1.1")
                .unwrap()
                .write_tlv(Type::Authority, b"svc.local")
                .unwrap()
                .write_tlv(Type::UniqueId, b"abc")
                .unwrap()
                .build()
                .unwrap();
            let h = complete(&bytes);
            assert_eq!(h.source, Some(src));
            assert_eq!(h.destination, Some(dst));
            assert_eq!(h.length, bytes.len());
            assert_eq!(h.tlvs.len(), 3);
            assert_eq!(h.tlvs[2].value, TlvValue::Text("abc".into()));
            let theirs = ppp::v2::Header::try_from(&bytes[..]).unwrap();
            assert_eq!(theirs.len(), h.length);
            assert_eq!(theirs.tlvs().count(), h.tlvs.len());
        }
    }
    // v1 through ppp's model.
    let v1 = ppp::v1::Addresses::new_tcp4([10, 1, 2, 3], [10, 3, 2, 1], 1234, 443).to_string();
    let line = format!("{v1}\r\n");
    let h = complete(line.as_bytes());
    assert_eq!(h.source, sa("10.1.2.3:1234"));
}

mod props {
    use super::super::*;
    use proptest::prelude::*;
    use std::net::Ipv4Addr;

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]
        #[test]
        fn never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..400)) {
            let _ = inspect(&bytes);
        }

        #[test]
        fn never_panics_after_a_v2_signature(tail in proptest::collection::vec(any::<u8>(), 0..300)) {
            let mut b = V2_SIGNATURE.to_vec();
            b.extend_from_slice(&tail);
            let _ = inspect(&b);
        }

        #[test]
        fn never_panics_after_a_v1_prefix(tail in "[ -~\r\n]{0,120}") {
            let b = format!("PROXY {tail}");
            let _ = inspect(b.as_bytes());
        }

        #[test]
        fn v2_inet_round_trip(a in any::<[u8;4]>(), b in any::<[u8;4]>(), sp in any::<u16>(), dp in any::<u16>()) {
            let src = SocketAddr::from((a, sp));
            let dst = SocketAddr::from((b, dp));
            let addrs: ppp::v2::Addresses = (src, dst).into();
            let bytes = ppp::v2::Builder::with_addresses(0x21, ppp::v2::Protocol::Stream, addrs).build().unwrap();
            match inspect(&bytes) {
                Inspection::Complete(h) => {
                    prop_assert_eq!(h.source, Some(src));
                    prop_assert_eq!(h.destination, Some(dst));
                }
                other => prop_assert!(false, "{:?}", other),
            }
        }

        #[test]
        fn v1_tcp4_round_trip(a in any::<[u8;4]>(), b in any::<[u8;4]>(), sp in any::<u16>(), dp in any::<u16>()) {
            let line = format!("PROXY TCP4 {} {} {sp} {dp}\r\n", Ipv4Addr::from(a), Ipv4Addr::from(b));
            let h = match inspect(line.as_bytes()) { Inspection::Complete(h) => h, o => { prop_assert!(false, "{:?}", o); unreachable!() } };
            prop_assert_eq!(h.source, Some(SocketAddr::from((a, sp))));
            prop_assert!(h.warnings.is_empty());
        }
    }
}
