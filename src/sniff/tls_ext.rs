//! The three ClientHello extensions the sniffer reads (server_name, ALPN,
//! supported_versions) and how many extensions parse, without building every extension.
//!
//! tls-parser's `parse_tls_client_hello_extensions` decodes each extension into its own
//! value (vectors of groups, signature schemes, ...) that the sniffer then drops: about
//! half the cost of sniffing a ClientHello. This walk gives the same answer: the same
//! extensions in the same order, and the walk stops exactly where tls-parser's stops
//! (its `many0(complete(...))` ends at the first extension that does not parse, and
//! every later one is ignored). The acceptance rule of each type is tls-parser 0.12's
//! (`src/tls_extensions.rs`, `parse_tls_client_hello_extension`); the test
//! `client_hello_extensions_match_tls_parser` in this module's tests compares the two
//! on real and mutated ClientHellos.
//!
//! Rules: sans-IO, never panics, no allocation beyond the answer.

/// What the sniffer takes from the extensions.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct HelloExtensions<'a> {
    /// Extensions that parsed (GREASE included), up to the first that did not.
    pub count: usize,
    /// The first server_name entry of type host_name (0), raw, of the last SNI
    /// extension that parsed.
    pub sni: Option<&'a [u8]>,
    /// ALPN protocol names of the last ALPN extension, raw.
    pub alpn: Vec<&'a [u8]>,
    /// supported_versions of the last such extension, as sent.
    pub versions: Option<Vec<u16>>,
}

fn u16_at(b: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_be_bytes([*b.get(at)?, *b.get(at + 1)?]))
}

/// `length_data(be_u16)`: the data after a two-byte length, and the rest.
fn data16(b: &[u8]) -> Option<(&[u8], &[u8])> {
    let n = usize::from(u16_at(b, 0)?);
    let rest = b.get(2..)?;
    (rest.len() >= n).then(|| rest.split_at(n))
}

/// `length_data(be_u8)`: the data after a one-byte length, and the rest.
fn data8(b: &[u8]) -> Option<(&[u8], &[u8])> {
    let (&n, rest) = b.split_first()?;
    let n = usize::from(n);
    (rest.len() >= n).then(|| rest.split_at(n))
}

/// Walks the extensions block of a ClientHello (after its two-byte length).
pub fn walk(mut block: &[u8]) -> HelloExtensions<'_> {
    let mut out = HelloExtensions::default();
    while !block.is_empty() {
        let Some(ty) = u16_at(block, 0) else { break };
        let Some((data, rest)) = block.get(2..).and_then(data16) else {
            break;
        };
        if ty & 0x0f0f != 0x0a0a && !content(ty, data, &mut out) {
            break;
        }
        out.count += 1;
        block = rest;
    }
    out
}

/// Whether tls-parser accepts `data` as the content of an extension of type `ty`;
/// takes what the sniffer reads from the three it reads.
fn content<'a>(ty: u16, data: &'a [u8], out: &mut HelloExtensions<'a>) -> bool {
    let len = data.len();
    match ty {
        0 => sni(data, out),
        16 => match data16(data) {
            Some((list, _)) => {
                out.alpn = names8(list);
                true
            }
            None => false,
        },
        43 => versions(data, out),
        // max_fragment_length, heartbeat: one byte.
        1 | 15 => len >= 1,
        // supported_groups: a two-byte-length list of an even length.
        10 => data16(data).is_some_and(|(l, _)| l.len() % 2 == 0),
        // signature_algorithms, oid_filters: a two-byte-length list.
        13 | 48 => data16(data).is_some(),
        // ec_point_formats, psk_key_exchange_modes, renegotiation_info.
        11 | 45 | 0xff01 => data8(data).is_some(),
        // encrypt_then_mac, extended_master_secret, post_handshake_auth, NPN: empty.
        22 | 23 | 49 | 13172 => len == 0,
        // record_size_limit: two bytes.
        28 => len >= 2,
        // early_data: empty, or four bytes.
        42 => len == 0 || len >= 4,
        // encrypted_server_name: suite, group, then three two-byte-length fields.
        0xffce => esni(data),
        // status_request, SCT, padding, session_ticket, pre_shared_key, cookie,
        // key_share, and every type tls-parser does not know: any bytes.
        _ => true,
    }
}

/// server_name: empty, or a two-byte-length list of (type, two-byte-length name).
fn sni<'a>(data: &'a [u8], out: &mut HelloExtensions<'a>) -> bool {
    if data.is_empty() {
        out.sni = None;
        return true;
    }
    let Some((mut list, _)) = data16(data) else {
        return false;
    };
    let mut first = None;
    while let Some((&kind, rest)) = list.split_first() {
        let Some((name, rest)) = data16(rest) else {
            break;
        };
        if kind == 0 && first.is_none() {
            first = Some(name);
        }
        list = rest;
    }
    out.sni = first;
    true
}

/// One-byte-length names, up to the first that is cut short.
fn names8(mut list: &[u8]) -> Vec<&[u8]> {
    // Browsers and curl offer two (`h2`, `http/1.1`): room made once for them.
    let mut out = Vec::with_capacity(2);
    while let Some((name, rest)) = data8(list) {
        out.push(name);
        list = rest;
    }
    out
}

/// supported_versions: two bytes are one version; otherwise a length byte (not read)
/// and an even number of bytes of versions.
fn versions(data: &[u8], out: &mut HelloExtensions<'_>) -> bool {
    if data.len() == 2 {
        out.versions = u16_at(data, 0).map(|v| vec![v]);
        return true;
    }
    let Some(list) = data.get(1..) else {
        return false;
    };
    if list.len() % 2 == 1 {
        return false;
    }
    out.versions = Some(
        list.chunks_exact(2)
            .map(|c| u16::from_be_bytes([c[0], c[1]]))
            .collect(),
    );
    true
}

fn esni(data: &[u8]) -> bool {
    let Some(mut rest) = data.get(4..) else {
        return false;
    };
    for _ in 0..3 {
        match data16(rest) {
            Some((_, r)) => rest = r,
            None => return false,
        }
    }
    true
}

#[cfg(test)]
#[path = "tls_ext_tests.rs"]
mod tests;
