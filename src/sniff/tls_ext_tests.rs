//! The lean walk against tls-parser itself, on a real ClientHello and on mutated and
//! generated extension blocks: the same count, SNI, ALPN and supported_versions.

use super::*;
use proptest::collection::vec;
use proptest::prelude::*;
use tls_parser::{TlsExtension, parse_tls_client_hello_extensions};

/// What tls-parser's walk gives, in the shape of [`HelloExtensions`] (the sniffer's
/// reading of it before this module existed).
fn reference(block: &[u8]) -> HelloExtensions<'_> {
    let exts = parse_tls_client_hello_extensions(block)
        .map(|(_, e)| e)
        .unwrap_or_default();
    let mut out = HelloExtensions {
        count: exts.len(),
        ..HelloExtensions::default()
    };
    for ext in exts {
        match ext {
            TlsExtension::SNI(names) => {
                out.sni = names.iter().find(|(t, _)| t.0 == 0).map(|(_, n)| *n);
            }
            TlsExtension::ALPN(protos) => out.alpn = protos,
            TlsExtension::SupportedVersions(vs) => {
                out.versions = Some(vs.iter().map(|v| v.0).collect());
            }
            _ => {}
        }
    }
    out
}

/// The extensions block of the OpenSSL ClientHello in testdata.
fn openssl_block() -> Vec<u8> {
    let ch = include_bytes!("../../testdata/bytes/openssl-s_client-clienthello-sni-alpn.bin");
    let (_, hello) = tls_parser::parse_tls_handshake_client_hello(&ch[9..]).unwrap();
    hello.ext.unwrap().to_vec()
}

#[test]
fn the_openssl_client_hello_reads_the_same() {
    let block = openssl_block();
    let lean = walk(&block);
    assert_eq!(lean, reference(&block));
    assert_eq!(lean.sni, Some(&b"example.com"[..]));
    assert_eq!(lean.alpn, vec![&b"h2"[..], b"http/1.1"]);
    assert!(lean.count > 5);
}

#[test]
fn every_cut_of_the_openssl_block_reads_the_same() {
    let block = openssl_block();
    for n in 0..=block.len() {
        assert_eq!(walk(&block[..n]), reference(&block[..n]), "cut at {n}");
    }
}

/// Types tls-parser knows, GREASE, and one it does not.
const TYPES: [u16; 28] = [
    0, 1, 5, 10, 11, 13, 15, 16, 18, 21, 22, 23, 28, 35, 41, 42, 43, 44, 45, 48, 49, 51, 13172,
    0xff01, 0xffce, 0x0a0a, 0x1a2a, 0x4469,
];

/// One extension: a type, and content that is often well formed for it.
fn extension() -> impl Strategy<Value = Vec<u8>> {
    (
        0..TYPES.len(),
        vec(any::<u8>(), 0..12),
        0u8..4,
        any::<bool>(),
    )
        .prop_map(|(t, body, shape, lie)| {
            let ty = TYPES[t];
            let data = match shape {
                // A two-byte-length list, a one-byte-length list, raw bytes, nothing.
                0 => [&(body.len() as u16).to_be_bytes()[..], &body].concat(),
                1 => [&[body.len() as u8][..], &body].concat(),
                2 => body,
                _ => Vec::new(),
            };
            // Sometimes the extension's own length is wrong.
            let len = if lie {
                data.len() as u16 + 3
            } else {
                data.len() as u16
            };
            [&ty.to_be_bytes()[..], &len.to_be_bytes(), &data].concat()
        })
}

#[test]
fn every_known_type_with_every_small_content_reads_the_same() {
    // Each type alone, then followed by an SNI that is read only if the walk goes on:
    // every acceptance rule, on contents up to nine bytes whose first two (where the
    // length fields are) take every value up to 9, the rest zeros.
    let after = [0u8, 0, 0, 8, 0, 6, 0, 0, 3, b'a', b'.', b'b'];
    for ty in TYPES {
        for len in 0..10usize {
            for b0 in 0..10u8 {
                for b1 in 0..10u8 {
                    let mut data = vec![0u8; len];
                    if let Some(x) = data.get_mut(0) {
                        *x = b0;
                    }
                    if let Some(x) = data.get_mut(1) {
                        *x = b1;
                    }
                    let ext = [&ty.to_be_bytes()[..], &(len as u16).to_be_bytes(), &data].concat();
                    for block in [ext.clone(), [&ext[..], &after].concat()] {
                        assert_eq!(walk(&block), reference(&block), "type {ty}: {data:?}");
                    }
                }
            }
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2048))]

    #[test]
    fn generated_blocks_read_the_same(exts in vec(extension(), 0..8)) {
        let block = exts.concat();
        prop_assert_eq!(walk(&block), reference(&block));
    }

    #[test]
    fn mutated_openssl_blocks_read_the_same(
        flips in vec((any::<prop::sample::Index>(), any::<u8>()), 1..4),
    ) {
        let mut block = openssl_block();
        for (i, b) in flips {
            let at = i.index(block.len());
            block[at] = b;
        }
        prop_assert_eq!(walk(&block), reference(&block));
    }

    #[test]
    fn random_bytes_read_the_same(block in vec(any::<u8>(), 0..64)) {
        prop_assert_eq!(walk(&block), reference(&block));
    }
}
