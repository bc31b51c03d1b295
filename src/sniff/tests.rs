//! Tests of the sniffer with byte-array fixtures: captured from OpenSSL on loopback
//! where noted, otherwise built by hand below.

use super::*;
use proptest::collection::vec;
use proptest::prelude::*;

/// Captured on loopback: `openssl s_client -connect 127.0.0.1:PORT -servername example.com
/// -alpn h2,http/1.1` (OpenSSL 3.0.19) against a Python listener that saved the first record.
const OPENSSL_CLIENT_HELLO: [u8; 335] = [
    0x16, 0x03, 0x01, 0x01, 0x4a, 0x01, 0x00, 0x01, 0x46, 0x03, 0x03, 0xe8, 0xdf, 0x0b, 0xa9, 0x94,
    0xcf, 0xbf, 0x76, 0x01, 0xb3, 0x8b, 0x25, 0x4d, 0xc3, 0x4e, 0x8f, 0x8a, 0x28, 0xc5, 0xe4, 0xe0,
    0xd1, 0x9d, 0x02, 0xc2, 0x48, 0x0e, 0x49, 0x30, 0x4f, 0x94, 0xbf, 0x20, 0x6a, 0x90, 0x99, 0x39,
    0x58, 0xac, 0xd2, 0xd5, 0xde, 0xa8, 0x64, 0xd6, 0xfb, 0xab, 0x12, 0xf4, 0xc1, 0x22, 0x6f, 0xad,
    0x02, 0xc6, 0x0a, 0xc9, 0x36, 0xce, 0xff, 0xc5, 0x76, 0x40, 0x23, 0x25, 0x00, 0x3e, 0x13, 0x02,
    0x13, 0x03, 0x13, 0x01, 0xc0, 0x2c, 0xc0, 0x30, 0x00, 0x9f, 0xcc, 0xa9, 0xcc, 0xa8, 0xcc, 0xaa,
    0xc0, 0x2b, 0xc0, 0x2f, 0x00, 0x9e, 0xc0, 0x24, 0xc0, 0x28, 0x00, 0x6b, 0xc0, 0x23, 0xc0, 0x27,
    0x00, 0x67, 0xc0, 0x0a, 0xc0, 0x14, 0x00, 0x39, 0xc0, 0x09, 0xc0, 0x13, 0x00, 0x33, 0x00, 0x9d,
    0x00, 0x9c, 0x00, 0x3d, 0x00, 0x3c, 0x00, 0x35, 0x00, 0x2f, 0x00, 0xff, 0x01, 0x00, 0x00, 0xbf,
    0x00, 0x00, 0x00, 0x10, 0x00, 0x0e, 0x00, 0x00, 0x0b, 0x65, 0x78, 0x61, 0x6d, 0x70, 0x6c, 0x65,
    0x2e, 0x63, 0x6f, 0x6d, 0x00, 0x0b, 0x00, 0x04, 0x03, 0x00, 0x01, 0x02, 0x00, 0x0a, 0x00, 0x16,
    0x00, 0x14, 0x00, 0x1d, 0x00, 0x17, 0x00, 0x1e, 0x00, 0x19, 0x00, 0x18, 0x01, 0x00, 0x01, 0x01,
    0x01, 0x02, 0x01, 0x03, 0x01, 0x04, 0x00, 0x23, 0x00, 0x00, 0x00, 0x10, 0x00, 0x0e, 0x00, 0x0c,
    0x02, 0x68, 0x32, 0x08, 0x68, 0x74, 0x74, 0x70, 0x2f, 0x31, 0x2e, 0x31, 0x00, 0x16, 0x00, 0x00,
    0x00, 0x17, 0x00, 0x00, 0x00, 0x0d, 0x00, 0x2a, 0x00, 0x28, 0x04, 0x03, 0x05, 0x03, 0x06, 0x03,
    0x08, 0x07, 0x08, 0x08, 0x08, 0x09, 0x08, 0x0a, 0x08, 0x0b, 0x08, 0x04, 0x08, 0x05, 0x08, 0x06,
    0x04, 0x01, 0x05, 0x01, 0x06, 0x01, 0x03, 0x03, 0x03, 0x01, 0x03, 0x02, 0x04, 0x02, 0x05, 0x02,
    0x06, 0x02, 0x00, 0x2b, 0x00, 0x09, 0x08, 0x03, 0x04, 0x03, 0x03, 0x03, 0x02, 0x03, 0x01, 0x00,
    0x2d, 0x00, 0x02, 0x01, 0x01, 0x00, 0x33, 0x00, 0x26, 0x00, 0x24, 0x00, 0x1d, 0x00, 0x20, 0xe1,
    0x0d, 0xf5, 0xee, 0x37, 0x02, 0x0a, 0x05, 0x54, 0x10, 0xd9, 0x04, 0xb9, 0x9a, 0xed, 0xea, 0x77,
    0xd9, 0x4c, 0x01, 0xf3, 0x46, 0x3d, 0x29, 0x46, 0x48, 0x17, 0xd2, 0x2a, 0xde, 0xf5, 0x04,
];

/// Captured on loopback: the reply of `openssl s_server -tls1_3 -alpn h2` (OpenSSL 3.0.19) to
/// OPENSSL_CLIENT_HELLO, cut after 21 bytes of the first application_data record:
/// ServerHello, ChangeCipherSpec, application_data (cut short).
const OPENSSL_TLS13_SERVER_FLIGHT: [u8; 154] = [
    0x16, 0x03, 0x03, 0x00, 0x7a, 0x02, 0x00, 0x00, 0x76, 0x03, 0x03, 0x24, 0x3d, 0xa6, 0x34, 0x63,
    0x03, 0x87, 0x6d, 0xf5, 0x41, 0xa6, 0xca, 0x04, 0x51, 0xad, 0xcc, 0x00, 0x5d, 0x99, 0x67, 0x6e,
    0x1a, 0x88, 0x71, 0x93, 0x9d, 0xae, 0xc6, 0xca, 0x07, 0xcb, 0x40, 0x20, 0x6a, 0x90, 0x99, 0x39,
    0x58, 0xac, 0xd2, 0xd5, 0xde, 0xa8, 0x64, 0xd6, 0xfb, 0xab, 0x12, 0xf4, 0xc1, 0x22, 0x6f, 0xad,
    0x02, 0xc6, 0x0a, 0xc9, 0x36, 0xce, 0xff, 0xc5, 0x76, 0x40, 0x23, 0x25, 0x13, 0x02, 0x00, 0x00,
    0x2e, 0x00, 0x2b, 0x00, 0x02, 0x03, 0x04, 0x00, 0x33, 0x00, 0x24, 0x00, 0x1d, 0x00, 0x20, 0xab,
    0x61, 0xd9, 0x26, 0x72, 0x78, 0xc1, 0xf6, 0x05, 0x2e, 0xa9, 0x76, 0x49, 0xe8, 0x69, 0x97, 0x9e,
    0x67, 0x06, 0x4c, 0xf9, 0xcd, 0xa7, 0x70, 0xfd, 0x0e, 0xd0, 0x11, 0xcc, 0x97, 0xea, 0x5b, 0x14,
    0x03, 0x03, 0x00, 0x01, 0x01, 0x17, 0x03, 0x03, 0x00, 0x20, 0x3e, 0x9b, 0x55, 0x17, 0x4f, 0x7b,
    0x10, 0xdd, 0x07, 0xa7, 0xc8, 0x62, 0xc2, 0xe0, 0xd6, 0xed,
];

/// Captured on loopback: the first record of `openssl s_server -tls1_2 -alpn h2` (OpenSSL
/// 3.0.19) answering OPENSSL_CLIENT_HELLO: the ServerHello alone.
const OPENSSL_TLS12_SERVER_HELLO: [u8; 79] = [
    0x16, 0x03, 0x03, 0x00, 0x4a, 0x02, 0x00, 0x00, 0x46, 0x03, 0x03, 0xcd, 0xf5, 0x53, 0xa2, 0x8f,
    0xb6, 0xd3, 0x55, 0x42, 0xb5, 0x7e, 0x01, 0xd9, 0x0e, 0x1a, 0x76, 0xdf, 0x2c, 0xd9, 0xee, 0x25,
    0x06, 0x05, 0x5d, 0x2c, 0x73, 0x44, 0x0f, 0x14, 0x3b, 0xb7, 0x6f, 0x00, 0xc0, 0x2c, 0x00, 0x00,
    0x1e, 0xff, 0x01, 0x00, 0x01, 0x00, 0x00, 0x0b, 0x00, 0x04, 0x03, 0x00, 0x01, 0x02, 0x00, 0x23,
    0x00, 0x00, 0x00, 0x10, 0x00, 0x05, 0x00, 0x03, 0x02, 0x68, 0x32, 0x00, 0x17, 0x00, 0x00,
];

// ---- hand-built TLS -------------------------------------------------------------

fn record(content_type: u8, version: u16, payload: &[u8]) -> Vec<u8> {
    let mut out = vec![content_type];
    out.extend_from_slice(&version.to_be_bytes());
    out.extend_from_slice(&(payload.len() as u16).to_be_bytes());
    out.extend_from_slice(payload);
    out
}

fn handshake(msg_type: u8, body: &[u8]) -> Vec<u8> {
    let len = body.len() as u32;
    let mut out = vec![msg_type];
    out.extend_from_slice(&len.to_be_bytes()[1..]);
    out.extend_from_slice(body);
    out
}

fn ext(ext_type: u16, data: &[u8]) -> Vec<u8> {
    let mut out = ext_type.to_be_bytes().to_vec();
    out.extend_from_slice(&(data.len() as u16).to_be_bytes());
    out.extend_from_slice(data);
    out
}

fn sni_ext(name: &str) -> Vec<u8> {
    let mut entry = vec![0u8];
    entry.extend_from_slice(&(name.len() as u16).to_be_bytes());
    entry.extend_from_slice(name.as_bytes());
    let mut data = (entry.len() as u16).to_be_bytes().to_vec();
    data.extend_from_slice(&entry);
    ext(0, &data)
}

fn alpn_ext(protos: &[&str]) -> Vec<u8> {
    let mut list = Vec::new();
    for p in protos {
        list.push(p.len() as u8);
        list.extend_from_slice(p.as_bytes());
    }
    let mut data = (list.len() as u16).to_be_bytes().to_vec();
    data.extend_from_slice(&list);
    ext(16, &data)
}

fn versions_ext(versions: &[u16]) -> Vec<u8> {
    let mut data = vec![(versions.len() * 2) as u8];
    for v in versions {
        data.extend_from_slice(&v.to_be_bytes());
    }
    ext(43, &data)
}

fn client_hello_body(ciphers: &[u16], exts: &[Vec<u8>]) -> Vec<u8> {
    let mut b = vec![0x03, 0x03];
    b.extend_from_slice(&[0x11; 32]); // random
    b.push(0); // session id
    b.extend_from_slice(&((ciphers.len() * 2) as u16).to_be_bytes());
    for c in ciphers {
        b.extend_from_slice(&c.to_be_bytes());
    }
    b.extend_from_slice(&[1, 0]); // compression: null
    let all: Vec<u8> = exts.concat();
    b.extend_from_slice(&(all.len() as u16).to_be_bytes());
    b.extend_from_slice(&all);
    b
}

fn server_hello_body(random: [u8; 32], cipher: u16, exts: &[Vec<u8>]) -> Vec<u8> {
    let mut b = vec![0x03, 0x03];
    b.extend_from_slice(&random);
    b.push(0);
    b.extend_from_slice(&cipher.to_be_bytes());
    b.push(0);
    let all: Vec<u8> = exts.concat();
    b.extend_from_slice(&(all.len() as u16).to_be_bytes());
    b.extend_from_slice(&all);
    b
}

/// A ClientHello message (handshake header included) with SNI, ALPN and
/// supported_versions (a GREASE value first, as browsers send).
fn hand_client_hello() -> Vec<u8> {
    handshake(
        1,
        &client_hello_body(
            &[0x1301, 0x1302, 0xc02f],
            &[
                sni_ext("api.example.org"),
                alpn_ext(&["h2", "http/1.1"]),
                versions_ext(&[0x7a7a, 0x0304, 0x0303]),
            ],
        ),
    )
}

fn rows(s: &Sniffed) -> Vec<(String, String)> {
    s.describe()
}

fn row<'a>(rows: &'a [(String, String)], key: &str) -> Option<&'a str> {
    rows.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str())
}

fn clients(v: &TlsClientView) -> Vec<(&str, &str)> {
    v.reactions
        .iter()
        .map(|r| (r.client.as_str(), r.message.as_str()))
        .collect()
}

fn reaction<'a>(v: &'a TlsClientView, client: &str) -> Option<&'a str> {
    v.reactions
        .iter()
        .find(|r| r.client == client)
        .map(|r| r.message.as_str())
}

// ---- empty and PROXY ---------------------------------------------------------------

#[test]
fn empty() {
    let s = sniff(b"");
    assert_eq!(s.kind, Kind::Empty);
    assert_eq!(s.summary, "no bytes");
    assert!(s.complete);
    assert_eq!(s.tls_client_view, None);
    assert!(s.describe().is_empty());
}

#[test]
fn proxy_v1_line() {
    let s = sniff(b"PROXY TCP4 192.0.2.1 192.0.2.2 5000 443\r\n\x16\x03\x01");
    assert_eq!(s.kind, Kind::ProxyV1);
    assert!(s.complete);
    assert_eq!(
        s.summary,
        "PROXY protocol v1 header: PROXY TCP4 192.0.2.1 192.0.2.2 5000 443"
    );
    assert_eq!(
        s.proxy,
        Some(ProxySignature {
            version: 1,
            signature_bytes: 6,
            line: Some("PROXY TCP4 192.0.2.1 192.0.2.2 5000 443".into()),
        })
    );
}

#[test]
fn proxy_v1_prefix_without_crlf() {
    let s = sniff(b"PRO");
    assert_eq!(s.kind, Kind::ProxyV1);
    assert!(!s.complete);
    assert_eq!(s.summary, "PROXY protocol v1 header, no CRLF yet: PRO");
    // "PR" could as well be the start of "PRI": not claimed.
    assert_eq!(sniff(b"PR").kind, Kind::Unknown);
}

#[test]
fn proxy_v2_signature() {
    let mut bytes = PROXY_V2_SIGNATURE.to_vec();
    bytes.extend_from_slice(&[
        0x21, 0x11, 0x00, 0x0c, 127, 0, 0, 1, 127, 0, 0, 1, 0x13, 0x88, 0x01, 0xbb,
    ]);
    let s = sniff(&bytes);
    assert_eq!(s.kind, Kind::ProxyV2);
    assert!(s.complete);
    assert_eq!(s.summary, "PROXY protocol v2 signature");
    assert_eq!(
        row(&rows(&s), "PROXY"),
        Some("v2 signature (12 of 12 bytes)")
    );
}

#[test]
fn proxy_v2_signature_prefix() {
    let s = sniff(b"\r\n\r\n\0");
    assert_eq!(s.kind, Kind::ProxyV2);
    assert!(!s.complete);
    assert_eq!(
        s.summary,
        "start of a PROXY protocol v2 signature (5 of 12 bytes)"
    );
    // The five bytes still tell what a TLS client would make of them.
    assert_eq!(s.tls_client_view.map(|v| v.length), Some(2560));
}

// ---- TLS ClientHello ------------------------------------------------------------------

#[test]
fn captured_openssl_client_hello() {
    let s = sniff(&OPENSSL_CLIENT_HELLO);
    assert_eq!(s.kind, Kind::TlsClientHello);
    assert!(s.complete);
    assert_eq!(
        s.summary,
        "TLS ClientHello offering TLS 1.3, TLS 1.2, TLS 1.1, TLS 1.0, SNI example.com, ALPN h2, http/1.1"
    );
    let tls = s.tls.as_ref().unwrap();
    let ch = tls.client_hello.as_ref().unwrap();
    assert_eq!(ch.sni.as_deref(), Some("example.com"));
    assert_eq!(ch.alpn, vec!["h2", "http/1.1"]);
    assert_eq!(ch.legacy_version, 0x0303);
    assert!(ch.supported_versions_ext);
    assert_eq!(ch.cipher_suites, 31);
    assert_eq!(tls.records.len(), 1);
    assert_eq!(tls.records[0].length, Some(330));
    assert_eq!(s.tls_client_view, None);
    let r = rows(&s);
    assert_eq!(
        row(&r, "TLS record"),
        Some("handshake, version TLS 1.0 (0x0301), length 330")
    );
    assert_eq!(row(&r, "SNI"), Some("example.com"));
    assert_eq!(row(&r, "ALPN offered"), Some("h2, http/1.1"));
    assert_eq!(
        row(&r, "versions offered"),
        Some("TLS 1.3, TLS 1.2, TLS 1.1, TLS 1.0")
    );
    assert_eq!(row(&r, "cipher suites offered"), Some("31"));
    assert_eq!(row(&r, "handshake"), Some("client_hello"));
}

#[test]
fn hand_built_client_hello_drops_grease() {
    let bytes = record(0x16, 0x0301, &hand_client_hello());
    let s = sniff(&bytes);
    assert_eq!(s.kind, Kind::TlsClientHello);
    let ch = s.tls.unwrap().client_hello.unwrap();
    assert_eq!(ch.versions_offered, vec!["TLS 1.3", "TLS 1.2"]);
    assert_eq!(ch.sni.as_deref(), Some("api.example.org"));
    assert_eq!(ch.cipher_suites, 3);
    assert_eq!(ch.extensions, 3);
}

#[test]
fn client_hello_without_supported_versions_uses_legacy_version() {
    let bytes = record(
        0x16,
        0x0301,
        &handshake(1, &client_hello_body(&[0xc02f], &[])),
    );
    let s = sniff(&bytes);
    let ch = s.tls.as_ref().unwrap().client_hello.clone().unwrap();
    assert!(!ch.supported_versions_ext);
    assert_eq!(ch.versions_offered, vec!["TLS 1.2"]);
    assert_eq!(ch.sni, None);
    assert_eq!(s.summary, "TLS ClientHello offering TLS 1.2");
    assert_eq!(row(&rows(&s), "SNI"), Some("(none)"));
}

#[test]
fn client_hello_fragmented_across_three_records_is_reassembled() {
    let msg = hand_client_hello();
    let (a, rest) = msg.split_at(10);
    let (b, c) = rest.split_at(40);
    let bytes = [
        record(0x16, 0x0301, a),
        record(0x16, 0x0301, b),
        record(0x16, 0x0301, c),
    ]
    .concat();
    let s = sniff(&bytes);
    assert_eq!(s.kind, Kind::TlsClientHello);
    assert!(s.complete);
    let tls = s.tls.as_ref().unwrap();
    assert_eq!(tls.records.len(), 3);
    assert_eq!(tls.handshake[0].records, 3);
    assert_eq!(
        tls.client_hello.as_ref().unwrap().sni.as_deref(),
        Some("api.example.org")
    );
    assert_eq!(
        row(&rows(&s), "handshake"),
        Some("client_hello (across 3 records)")
    );
}

#[test]
fn client_hello_fragment_missing_is_partial() {
    let msg = hand_client_hello();
    let (a, rest) = msg.split_at(10);
    let (b, _missing) = rest.split_at(40);
    let bytes = [record(0x16, 0x0301, a), record(0x16, 0x0301, b)].concat();
    let s = sniff(&bytes);
    assert_eq!(s.kind, Kind::TlsClientHello);
    assert!(!s.complete);
    let tls = s.tls.as_ref().unwrap();
    assert_eq!(tls.client_hello, None);
    assert!(tls.records.iter().all(|r| r.complete));
    let m = &tls.handshake[0];
    assert_eq!((m.present, m.complete, m.records), (50, false, 2));
    assert_eq!(
        s.summary,
        format!(
            "TLS ClientHello, client_hello incomplete (50 of {} bytes present across 2 record(s))",
            msg.len()
        )
    );
}

#[test]
fn client_hello_record_cut_short() {
    let s = sniff(&OPENSSL_CLIENT_HELLO[..100]);
    assert_eq!(s.kind, Kind::TlsClientHello);
    assert!(!s.complete);
    let r = &s.tls.as_ref().unwrap().records[0];
    assert_eq!((r.present, r.complete, r.length), (100, false, Some(330)));
    assert_eq!(
        s.summary,
        "TLS ClientHello, record cut short (100 of 335 bytes present)"
    );
    assert_eq!(
        row(&rows(&s), "TLS record"),
        Some("handshake, version TLS 1.0 (0x0301), length 330 (100 of 335 bytes present)")
    );
}

#[test]
fn record_header_cut_short() {
    let s = sniff(&[0x16, 0x03, 0x01]);
    assert_eq!(s.kind, Kind::TlsRecord);
    assert!(!s.complete);
    assert_eq!(
        s.summary,
        "TLS handshake record, record header cut short (3 of 5 bytes)"
    );
    let r = &s.tls.as_ref().unwrap().records[0];
    assert_eq!((r.version, r.length), (Some(0x0301), None));
    assert_eq!(r.version_name.as_deref(), Some("TLS 1.0"));
}

// ---- TLS ServerHello ------------------------------------------------------------------

#[test]
fn captured_tls13_server_flight() {
    let s = sniff(&OPENSSL_TLS13_SERVER_FLIGHT);
    assert_eq!(s.kind, Kind::TlsServerHello);
    assert!(
        s.complete,
        "the ServerHello record is whole; later records do not count"
    );
    assert_eq!(
        s.summary,
        "TLS ServerHello: TLS 1.3, TLS_AES_256_GCM_SHA384"
    );
    let tls = s.tls.as_ref().unwrap();
    let sh = tls.server_hello.as_ref().unwrap();
    assert_eq!(
        (sh.legacy_version, sh.version, sh.cipher_suite),
        (0x0303, 0x0304, 0x1302)
    );
    assert!(!sh.hello_retry_request);
    let types: Vec<u8> = tls.records.iter().map(|r| r.content_type).collect();
    assert_eq!(types, vec![0x16, 0x14, 0x17]);
    assert!(!tls.records[2].complete);
    assert_eq!(tls.records[2].present, 21);
    let r = rows(&s);
    assert_eq!(row(&r, "version chosen"), Some("TLS 1.3 (0x0304)"));
    assert_eq!(
        row(&r, "cipher suite"),
        Some("TLS_AES_256_GCM_SHA384 (0x1302)")
    );
    assert_eq!(
        row(&r, "TLS records"),
        Some("3: handshake, change_cipher_spec, application_data")
    );
}

#[test]
fn captured_tls12_server_hello() {
    let s = sniff(&OPENSSL_TLS12_SERVER_HELLO);
    assert_eq!(s.kind, Kind::TlsServerHello);
    let sh = s.tls.as_ref().unwrap().server_hello.clone().unwrap();
    assert_eq!(sh.version_name, "TLS 1.2");
    assert_eq!(sh.cipher_suite, 0xc02c);
    assert_eq!(
        sh.cipher_suite_name.as_deref(),
        Some("TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384")
    );
    assert_eq!(sh.alpn.as_deref(), Some("h2"));
    assert_eq!(row(&rows(&s), "ALPN chosen"), Some("h2"));
}

#[test]
fn hello_retry_request() {
    let hrr: [u8; 32] = [
        0xcf, 0x21, 0xad, 0x74, 0xe5, 0x9a, 0x61, 0x11, 0xbe, 0x1d, 0x8c, 0x02, 0x1e, 0x65, 0xb8,
        0x91, 0xc2, 0xa2, 0x11, 0x16, 0x7a, 0xbb, 0x8c, 0x5e, 0x07, 0x9e, 0x09, 0xe2, 0xc8, 0xa8,
        0x33, 0x9c,
    ];
    let body = server_hello_body(
        hrr,
        0x1301,
        &[ext(43, &[0x03, 0x04]), ext(51, &[0x00, 0x1d])],
    );
    let s = sniff(&record(0x16, 0x0303, &handshake(2, &body)));
    assert_eq!(s.kind, Kind::TlsServerHello);
    assert_eq!(
        s.summary,
        "TLS HelloRetryRequest: TLS 1.3, TLS_AES_128_GCM_SHA256"
    );
    assert!(s.tls.unwrap().server_hello.unwrap().hello_retry_request);
}

// ---- TLS alerts and other records -----------------------------------------------------

#[test]
fn alert_fatal_handshake_failure() {
    let s = sniff(&[0x15, 0x03, 0x03, 0x00, 0x02, 0x02, 0x28]);
    assert_eq!(s.kind, Kind::TlsAlert);
    assert!(s.complete);
    assert_eq!(s.summary, "TLS alert: fatal handshake_failure (40)");
    assert_eq!(
        row(&rows(&s), "alert"),
        Some("fatal handshake_failure (40)")
    );
    assert_eq!(
        row(&rows(&s), "TLS record"),
        Some("alert, version TLS 1.2 (0x0303), length 2")
    );
}

#[test]
fn alert_names() {
    let cases = [
        (10, "fatal unexpected_message (10)"),
        (50, "fatal decode_error (50)"),
        (22, "fatal record_overflow (22)"),
        (70, "fatal protocol_version (70)"),
        (112, "fatal unrecognized_name (112)"),
        (116, "fatal certificate_required (116)"),
        (200, "fatal unknown alert 200 (200)"),
    ];
    for (code, text) in cases {
        let s = sniff(&[0x15, 0x03, 0x01, 0x00, 0x02, 0x02, code]);
        assert_eq!(s.tls.unwrap().alert.unwrap().text(), text);
    }
    let warn = sniff(&[0x15, 0x03, 0x03, 0x00, 0x02, 0x01, 0x00]);
    assert_eq!(warn.summary, "TLS alert: warning close_notify (0)");
}

#[test]
fn encrypted_alert() {
    let bytes = record(0x15, 0x0303, &[0xab; 26]);
    let s = sniff(&bytes);
    assert_eq!(s.kind, Kind::TlsAlert);
    assert_eq!(s.summary, "TLS alert record");
    let tls = s.tls.unwrap();
    assert_eq!(tls.alert, None);
    assert_eq!(
        tls.notes,
        vec!["alert record of 26 bytes: encrypted (a plaintext alert is 2 bytes)"]
    );
}

#[test]
fn application_data_and_trailing_text() {
    let mut bytes = record(0x17, 0x0303, &[0x55; 8]);
    bytes.extend_from_slice(b"HTTP/1.1 400");
    let s = sniff(&bytes);
    assert_eq!(s.kind, Kind::TlsRecord);
    assert_eq!(s.summary, "TLS application_data record");
    assert_eq!(s.tls.as_ref().unwrap().trailing_bytes, 12);
    assert_eq!(
        row(&rows(&s), "after the records"),
        Some("12 bytes that are not TLS")
    );
}

#[test]
fn oversize_handshake_record() {
    let s = sniff(&[0x16, 0x03, 0x01, 0x50, 0x00, 0x01]);
    assert_eq!(s.kind, Kind::TlsClientHello);
    assert_eq!(
        s.tls.as_ref().unwrap().notes,
        vec!["record length 20480 exceeds the 18432 bytes TLS stacks accept"]
    );
    let v = s.tls_client_view.unwrap();
    assert_eq!(
        reaction(&v, "Go crypto/tls"),
        Some("tls: oversized record received with length 20480")
    );
    assert_eq!(reaction(&v, "rustls"), Some("MessageTooLarge"));
    assert_eq!(
        reaction(&v, "Firefox"),
        Some("SSL_ERROR_RX_RECORD_TOO_LONG")
    );
    assert_eq!(reaction(&v, "OpenSSL 1.1.1–3.1, 4.0"), None);
}

// ---- SSLv2 -----------------------------------------------------------------------------

#[test]
fn sslv2_client_hello() {
    // 2-byte header (0x80 bit, length 0x2e), CLIENT-HELLO, version 3.1, 9 cipher specs,
    // no session id, 16-byte challenge.
    let mut bytes = vec![
        0x80, 0x2e, 0x01, 0x03, 0x01, 0x00, 0x1b, 0x00, 0x00, 0x00, 0x10,
    ];
    bytes.extend_from_slice(&[0x00, 0x00, 0x2f].repeat(9));
    bytes.extend_from_slice(&[0x42; 8]);
    let s = sniff(&bytes);
    assert_eq!(s.kind, Kind::Sslv2Hello);
    assert!(!s.complete);
    assert_eq!(
        s.summary,
        "SSLv2-style ClientHello offering TLS 1.0, cut short (46 of 48 bytes present)"
    );
    let v2 = s.sslv2.as_ref().unwrap();
    assert_eq!(
        (v2.length, v2.version, v2.cipher_specs),
        (46, Some(0x0301), Some(9))
    );
    assert_eq!(
        reaction(s.tls_client_view.as_ref().unwrap(), "Go crypto/tls"),
        Some("tls: unsupported SSLv2 handshake received")
    );
}

// ---- HTTP ------------------------------------------------------------------------------

#[test]
fn http_request_with_host() {
    let s =
        sniff(b"GET /healthz HTTP/1.1\r\nHost: app.example.com\r\nUser-Agent: curl/8.5.0\r\n\r\n");
    assert_eq!(s.kind, Kind::HttpRequest);
    assert!(s.complete);
    assert_eq!(
        s.summary,
        "HTTP request: GET /healthz HTTP/1.1, Host app.example.com"
    );
    let h = s.http.as_ref().unwrap();
    assert_eq!(h.method.as_deref(), Some("GET"));
    assert_eq!(h.target.as_deref(), Some("/healthz"));
    assert_eq!(h.version.as_deref(), Some("HTTP/1.1"));
    assert_eq!(h.host.as_deref(), Some("app.example.com"));
    let v = s.tls_client_view.as_ref().unwrap();
    assert_eq!(
        reaction(v, "OpenSSL 1.1.1–3.1, 4.0"),
        Some("http request; no alert sent")
    );
}

#[test]
fn http_request_cut_short_and_connect() {
    let s = sniff(b"POST /api HTT");
    assert_eq!(s.kind, Kind::HttpRequest);
    assert!(!s.complete);
    assert_eq!(s.summary, "HTTP request: POST /api HTT");
    let c = sniff(b"CONNECT example.com:443 HTTP/1.1\r\n");
    assert_eq!(c.kind, Kind::HttpRequest);
    assert_eq!(
        reaction(
            c.tls_client_view.as_ref().unwrap(),
            "OpenSSL 1.1.1–3.1, 4.0"
        ),
        Some("https proxy request; no alert sent")
    );
    assert_eq!(sniff(b"DEL").kind, Kind::HttpRequest);
}

#[test]
fn h2_preface() {
    let s = sniff(b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n");
    assert_eq!(s.kind, Kind::HttpRequest);
    assert_eq!(s.summary, "HTTP/2 connection preface (PRI * HTTP/2.0)");
    let h = s.http.unwrap();
    assert!(h.h2_preface);
    assert_eq!(h.version.as_deref(), Some("HTTP/2.0"));
}

#[test]
fn http_response_nginx_400() {
    let s = sniff(
        b"HTTP/1.1 400 Bad Request\r\nServer: nginx/1.24.0\r\nContent-Type: text/html\r\n\r\n<html>",
    );
    assert_eq!(s.kind, Kind::HttpResponse);
    assert!(s.complete);
    assert_eq!(
        s.summary,
        "HTTP response: HTTP/1.1 400 Bad Request, Server nginx/1.24.0"
    );
    let h = s.http.as_ref().unwrap();
    assert_eq!(
        (h.status, h.reason.as_deref()),
        (Some(400), Some("Bad Request"))
    );
    let r = rows(&s);
    assert_eq!(row(&r, "HTTP status"), Some("400 Bad Request"));
    assert_eq!(row(&r, "Server"), Some("nginx/1.24.0"));
    assert_eq!(
        row(&r, "as a TLS record header"),
        Some("type 0x48, version 0x5454, length 20527")
    );
}

#[test]
fn http_response_five_bytes() {
    let s = sniff(b"HTTP/");
    assert_eq!(s.kind, Kind::HttpResponse);
    assert!(!s.complete);
    assert_eq!(s.summary, "HTTP response: HTTP/? ?");
    assert_eq!(
        reaction(s.tls_client_view.as_ref().unwrap(), "Go net/http client"),
        Some("http: server gave HTTP response to HTTPS client")
    );
}

#[test]
fn peer_text_is_escaped() {
    let s = sniff(b"GET /\x1b[31m HTTP/1.1\r\nHost: a\"b\r\n\r\n");
    let h = s.http.unwrap();
    assert_eq!(h.target.as_deref(), Some("/\\x1b[31m"));
    assert_eq!(h.host.as_deref(), Some("a\\\"b"));
}

// ---- banners ---------------------------------------------------------------------------

#[test]
fn ssh_banner() {
    let s = sniff(b"SSH-2.0-OpenSSH_9.6p1 Ubuntu-3ubuntu13.5\r\n");
    assert_eq!(s.kind, Kind::SshBanner);
    assert!(s.complete);
    assert_eq!(
        s.summary,
        "SSH banner: SSH-2.0-OpenSSH_9.6p1 Ubuntu-3ubuntu13.5"
    );
    let b = s.banner.as_ref().unwrap();
    assert_eq!(b.version.as_deref(), Some("2.0"));
    assert_eq!(b.software.as_deref(), Some("OpenSSH_9.6p1"));
}

#[test]
fn smtp_banner() {
    let s = sniff(b"220 mail.example.com ESMTP Postfix (Debian/GNU)\r\n");
    assert_eq!(s.kind, Kind::SmtpBanner);
    assert_eq!(
        s.summary,
        "SMTP greeting: 220 mail.example.com ESMTP Postfix (Debian/GNU)"
    );
    let b = s.banner.unwrap();
    assert_eq!(
        (b.protocol, b.software.as_deref()),
        ("smtp", Some("Postfix"))
    );
}

#[test]
fn ftp_banner() {
    let s = sniff(b"220 (vsFTPd 3.0.5)\r\n");
    assert_eq!(s.kind, Kind::FtpBanner);
    let b = s.banner.unwrap();
    assert_eq!((b.protocol, b.software.as_deref()), ("ftp", Some("vsFTPd")));
    assert_eq!(
        sniff(b"220 ProFTPD Server (Debian)\r\n").kind,
        Kind::FtpBanner
    );
}

#[test]
fn bare_220_is_smtp_or_ftp() {
    let s = sniff(b"220 Welcome\r\n");
    assert_eq!(s.kind, Kind::SmtpBanner);
    assert_eq!(
        s.summary,
        "SMTP or FTP greeting (a bare 220 names neither; cannot tell which): 220 Welcome"
    );
    assert_eq!(s.banner.unwrap().protocol, "smtp-or-ftp");
}

// ---- unknown ---------------------------------------------------------------------------

#[test]
fn unknown_bytes() {
    let s = sniff(&[0x00, 0x01, b'a', b'b', 0xff]);
    assert_eq!(s.kind, Kind::Unknown);
    assert_eq!(s.summary, "unrecognised bytes (5 bytes): ..ab.");
    let u = s.unknown.as_ref().unwrap();
    assert_eq!(u.hex, "00 01 61 62 ff");
    assert_eq!(u.ascii, "..ab.");
    let long = sniff(&[b'z'; 100]);
    let u = long.unknown.unwrap();
    assert_eq!((u.length, u.ascii.len()), (100, 64));
}

// ---- what TLS clients conclude -----------------------------------------------------------

#[test]
fn client_view_http_response() {
    let v = tls_client_view(b"HTTP/1.1 400 Bad Request\r\n").unwrap();
    assert_eq!((v.record_type, v.version, v.length), (0x48, 0x5454, 20527));
    assert_eq!(
        clients(&v),
        vec![
            (
                "OpenSSL 1.1.1–3.1, 4.0",
                "wrong version number (0A00010B; 1.1.1: 1408F10B); no alert sent"
            ),
            (
                "OpenSSL 3.2+ before the fix of openssl#30196",
                "packet length too long (0A0000C6), then record layer failure (0A000139); a server sends alert 22 record_overflow"
            ),
            (
                "curl (OpenSSL 3)",
                "exit 35; from 8.11 `TLS connect error: error:0A00010B:SSL routines::wrong version number`, before 8.11 `OpenSSL/x: error:0A00010B:SSL routines::wrong version number`"
            ),
            (
                "Python ssl",
                "[SSL: WRONG_VERSION_NUMBER] wrong version number (_ssl.c:1006)"
            ),
            (
                "Python ssl (OpenSSL 3.2 builds before the fix)",
                "[SSL] record layer failure"
            ),
            ("Node", "ERR_SSL_WRONG_VERSION_NUMBER (`write EPROTO ...`)"),
            ("Envoy / BoringSSL", "OPENSSL_internal:WRONG_VERSION_NUMBER"),
            (
                "Go crypto/tls",
                "tls: first record does not look like a TLS handshake; no alert sent"
            ),
            (
                "Go net/http client",
                "http: server gave HTTP response to HTTPS client"
            ),
            (
                "rustls",
                "received corrupt message of type InvalidContentType"
            ),
            (
                "GnuTLS",
                "Received record packet of unknown type 72; An unexpected TLS packet was received."
            ),
            (
                "Java 17",
                "SSLException: Unsupported or unrecognized SSL message (older JDKs: `Unrecognized SSL message, plaintext connection?`)"
            ),
            ("Chrome", "ERR_SSL_PROTOCOL_ERROR"),
            ("Firefox", "SSL_ERROR_RX_RECORD_TOO_LONG"),
        ]
    );
}

#[test]
fn client_view_proxy_v1() {
    let v = tls_client_view(b"PROXY TCP4 127.0.0.1 127.0.0.1 1 2\r\n").unwrap();
    assert_eq!((v.record_type, v.version, v.length), (0x50, 0x524f, 22617));
    assert!(
        reaction(&v, "OpenSSL 3.2+ before the fix of openssl#30196")
            .unwrap()
            .starts_with("packet length too long (0A0000C6)")
    );
    assert_eq!(
        reaction(&v, "GnuTLS"),
        Some("Received record packet of unknown type 80; An unexpected TLS packet was received.")
    );
    assert_eq!(reaction(&v, "Go net/http client"), None);
    assert_eq!(
        reaction(&v, "Firefox"),
        Some("SSL_ERROR_RX_RECORD_TOO_LONG")
    );
}

#[test]
fn client_view_proxy_v2_signature() {
    let v = tls_client_view(&PROXY_V2_SIGNATURE).unwrap();
    assert_eq!((v.record_type, v.version, v.length), (0x0d, 0x0a0d, 2560));
    // Not oversize: OpenSSL 3.2 still says wrong version number, Firefox is not on file.
    assert_eq!(
        reaction(&v, "OpenSSL 3.2+ before the fix of openssl#30196"),
        Some("wrong version number (0A00010B; 1.1.1: 1408F10B); no alert sent")
    );
    assert_eq!(
        reaction(&v, "Python ssl (OpenSSL 3.2 builds before the fix)"),
        None
    );
    assert_eq!(
        reaction(&v, "GnuTLS"),
        Some("Received record packet of unknown type 13; An unexpected TLS packet was received.")
    );
    assert_eq!(reaction(&v, "Firefox"), None);
    assert_eq!(v.reactions.len(), 11);
}

#[test]
fn client_view_ssh() {
    let v = tls_client_view(b"SSH-2.0-OpenSSH_9.6\r\n").unwrap();
    assert_eq!((v.record_type, v.version, v.length), (0x53, 0x5348, 11570));
    assert_eq!(
        reaction(&v, "OpenSSL 3.2+ before the fix of openssl#30196"),
        Some("wrong version number (0A00010B; 1.1.1: 1408F10B); no alert sent")
    );
    assert_eq!(
        reaction(&v, "Go crypto/tls"),
        Some("tls: first record does not look like a TLS handshake; no alert sent")
    );
    let basis: Vec<Basis> = v.reactions.iter().map(|r| r.basis).collect();
    assert_eq!(basis.first(), Some(&Basis::Observed));
    assert_eq!(basis.last(), Some(&Basis::Reported));
}

#[test]
fn client_view_none_for_tls_and_short_input() {
    assert_eq!(tls_client_view(b"HTTP"), None);
    assert_eq!(tls_client_view(&[0x16, 0x03, 0x03, 0x00, 0x7a]), None);
    assert_eq!(tls_client_view(&[0x17, 0x03, 0x03, 0x48, 0x00]), None); // 18432: the limit
    assert!(tls_client_view(&[0x17, 0x03, 0x03, 0x48, 0x01]).is_some());
    // A known type with a bad major: rustls names the version, not the type.
    let v = tls_client_view(&[0x16, 0x00, 0x00, 0x00, 0x10]).unwrap();
    assert_eq!(reaction(&v, "rustls"), Some("UnknownProtocolVersion"));
    assert_eq!(reaction(&v, "GnuTLS"), None);
}

// ---- serialisation ---------------------------------------------------------------------

#[test]
fn json_shape_is_stable() {
    let text = serde_json::to_string(&sniff(b"SSH-2.0-x\r\n")).unwrap();
    let order = [
        "kind",
        "summary",
        "complete",
        "length",
        "proxy",
        "tls",
        "sslv2",
        "http",
        "banner",
        "unknown",
        "tls_client_view",
    ];
    let at: Vec<usize> = order
        .iter()
        .map(|k| text.find(&format!("\"{k}\":")).unwrap())
        .collect();
    assert!(at.windows(2).all(|w| w[0] < w[1]), "{text}");
    assert!(
        text.starts_with(
            r#"{"kind":"ssh-banner","summary":"SSH banner: SSH-2.0-x","complete":true"#
        )
    );
    let v: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(v.as_object().unwrap().len(), order.len());
    assert_eq!(v["kind"], "ssh-banner");
    assert_eq!(v["tls"], serde_json::Value::Null);
    assert_eq!(v["tls_client_view"]["length"], 11570);
    assert_eq!(v["tls_client_view"]["reactions"][0]["basis"], "observed");
    let ch = serde_json::to_value(sniff(&OPENSSL_CLIENT_HELLO)).unwrap();
    assert_eq!(ch["kind"], "tls-client-hello");
    assert_eq!(ch["tls"]["client_hello"]["sni"], "example.com");
}

// ---- robustness ------------------------------------------------------------------------

proptest! {
    #[test]
    fn never_panics(bytes in vec(any::<u8>(), 0..600)) {
        let s = sniff(&bytes);
        let _ = s.describe();
    }

    #[test]
    fn never_panics_on_tls_looking_input(mut bytes in vec(any::<u8>(), 0..600), t in 0x14u8..=0x18) {
        bytes.splice(0..0, [t, 0x03, 0x01]);
        let s = sniff(&bytes);
        let _ = s.describe();
    }

    #[test]
    fn every_prefix_of_a_client_hello_is_tls(cut in 1usize..335) {
        let s = sniff(&OPENSSL_CLIENT_HELLO[..cut]);
        prop_assert!(matches!(s.kind, Kind::TlsClientHello | Kind::TlsRecord));
        prop_assert!(!s.complete);
    }
}

#[test]
fn text_that_is_no_known_protocol_is_named() {
    let s = sniff(b"{\"status\":\"ok\",\"items\":[1,2]}\n");
    assert!(s.summary.starts_with("JSON text"), "{}", s.summary);
    let s = sniff(b"<!DOCTYPE HTML>\n<html><body>Error code: 400</body></html>\n");
    assert!(
        s.summary.starts_with("HTML without a status line"),
        "{}",
        s.summary
    );
    let s = sniff(b"hello there, this is text\n");
    assert!(s.summary.starts_with("plain text"), "{}", s.summary);
    let s = sniff(b"\x00\x01\x02\x03\xff\xfe binary");
    assert!(s.summary.starts_with("unrecognised bytes"), "{}", s.summary);
}

#[test]
fn request_method_matches_the_method_and_space_or_a_prefix_of_them() {
    // The definition, spelled out: `METHOD ` at the start, or all of the bytes (three
    // at least) being the start of `METHOD `.
    let reference = |bytes: &[u8]| {
        plaintext::METHODS.into_iter().find(|m| {
            let with_sp = [m.as_bytes(), b" "].concat();
            bytes.starts_with(&with_sp)
                || (bytes.len() >= 3 && bytes.len() < with_sp.len() && with_sp.starts_with(bytes))
        })
    };
    let mut inputs: Vec<Vec<u8>> = vec![Vec::new(), b"G".to_vec(), b"GE".to_vec()];
    for m in plaintext::METHODS {
        let full = format!("{m} / HTTP/1.1\r\n");
        for n in 0..=full.len() {
            inputs.push(full.as_bytes()[..n].to_vec());
        }
        inputs.push(format!("{m}X / HTTP/1.1").into_bytes());
        inputs.push(format!("{m}\r\n").into_bytes());
        inputs.push(m.to_lowercase().into_bytes());
    }
    for b in &inputs {
        assert_eq!(
            plaintext::request_method(b),
            reference(b),
            "{:?}",
            String::from_utf8_lossy(b)
        );
    }
}

/// Error lines are known whatever the case of their letters, and only on the first line.
#[test]
fn error_lines_in_any_case() {
    let errors: &[&[u8]] = &[
        b"-ERR unknown command",
        b"-err wrong",
        b"-WrongType Operation",
        b"-noauth Authentication required",
        b"500 5.5.2 Error: bad syntax",
        b"421-too busy",
        b"a1 bad Command unknown",
        b"A1 BaD x",
        b"* bad invalid",
        b"* Bye closing",
        b"Protocol mismatch.",
        b"invalid SSH identification string",
    ];
    let others: &[&[u8]] = &[
        b"+OK ready",
        b"220 mail ESMTP",
        b"HTTP/1.1 200 OK",
        b"bad",
        b"xBAD y",
        b"* OK IMAP4rev1\r\n* BAD later",
        b"-ER",
        b"",
    ];
    let cases = errors.iter().map(|l| (l, true));
    for (line, error) in cases.chain(others.iter().map(|l| (l, false))) {
        let said = super::plaintext::is_error(line);
        assert_eq!(said, error, "{}", String::from_utf8_lossy(line));
    }
}

/// Protocols and software in a greeting are named whatever the case of their letters.
#[test]
fn greetings_are_read_in_any_case() {
    let read = |line: &[u8]| {
        let b = super::plaintext::banner(line).expect("a greeting");
        (b.protocol, b.software)
    };
    assert_eq!(
        read(b"220 mx esmtp postfix\r\n"),
        ("smtp", Some("Postfix".into()))
    );
    assert_eq!(
        read(b"220 (vsFtpd 3.0.3)\r\n"),
        ("ftp", Some("vsFTPd".into()))
    );
    assert_eq!(
        read(b"* OK [CAPABILITY IMAP4rev1] dovecot ready.\r\n"),
        ("imap", Some("Dovecot".into()))
    );
    assert_eq!(read(b"220 welcome\r\n"), ("smtp-or-ftp", None));
}

proptest! {
    /// The case-blind search says what upper-casing both and searching would.
    #[test]
    fn contains_ignore_case_is_upper_casing_both(
        hay in vec(prop::sample::select(b"aAbBxX -\xe9".to_vec()), 0..24),
        needle in vec(prop::sample::select(b"aAbB -".to_vec()), 1..4),
    ) {
        let (h, n) = (hay.to_ascii_uppercase(), needle.to_ascii_uppercase());
        let expected = h.windows(n.len()).any(|w| w == n.as_slice());
        prop_assert_eq!(super::plaintext::contains_ignore_case(&hay, &needle), expected);
    }
}
