//! What the first bytes quoted in a message suggest (sans-IO, pure functions).
//!
//! nginx logs what it read instead of a PROXY header (`broken header: "..."`), and its
//! access log shows a header it did not expect as the request line. These few
//! prefixes name the cause; the full byte-level reading is the inspector's job
//! (`ppdiag inspect`). Rules: look only at prefixes, never index past the slice.

use crate::findings::Code;

const V2_SIGNATURE: &[u8] = b"\r\n\r\n\x00\r\nQUIT\n";
const HTTP_METHODS: &[&[u8]] = &[
    b"GET ",
    b"POST ",
    b"HEAD ",
    b"PUT ",
    b"DELETE ",
    b"OPTIONS ",
    b"PATCH ",
    b"CONNECT ",
    b"TRACE ",
    b"PRI * HTTP/2",
];

/// In plain words, what the bytes are and which cause they point to.
///
/// Longer than a screen on purpose: one case per prefix, tried in this order (the order
/// matters: a v2 signature before the NUL byte it leaves behind), so the whole table
/// reads top to bottom in one place.
pub(crate) fn read(bytes: &[u8], broken_header: bool) -> (String, Option<Code>) {
    if bytes.is_empty() {
        return (
            "nothing: the peer connected and sent no byte before closing or timing out, as a \
             TCP health check does; the port requires a PROXY header and the checker sends none"
                .into(),
            Some(Code::ProxyHeaderMissing),
        );
    }
    if bytes.starts_with(&[0x16, 0x03]) {
        let hello = if bytes.get(5) == Some(&0x01) {
            " carrying a ClientHello"
        } else {
            ""
        };
        return if broken_header {
            (
                format!(
                    "a TLS handshake record (0x16 0x03){hello}: the client started TLS without a \
                     PROXY header in front (a direct test, hairpin traffic, or a balancer with PROXY off)"
                ),
                Some(Code::ProxyHeaderMissing),
            )
        } else {
            // Quoted by a server that read it as its own protocol (an access log's
            // request line, a gRPC greeting, a Java method name): no PROXY reader there.
            (
                format!(
                    "a TLS handshake record (0x16 0x03){hello}: TLS reached a plaintext listener \
                     that read it as its own protocol (an `https://` URL to a plaintext port, or \
                     TLS passed through to a plaintext backend)"
                ),
                Some(Code::TlsToPlaintextPort),
            )
        };
    }
    if bytes[0] == 0x80 {
        return if broken_header {
            (
                "an SSLv2-style ClientHello (0x80): a TLS client without a PROXY header in front"
                    .into(),
                Some(Code::ProxyHeaderMissing),
            )
        } else {
            (
                "an SSLv2-style ClientHello (0x80): a TLS client on a plaintext listener".into(),
                Some(Code::TlsToPlaintextPort),
            )
        };
    }
    if HTTP_METHODS.iter().any(|m| bytes.starts_with(m)) {
        return (
            "a plain HTTP request: HTTP reached a port that requires a PROXY header (often a \
             global PROXY switch that also covers the plain HTTP listener)"
                .into(),
            Some(Code::ProxyHeaderMissing),
        );
    }
    if bytes.starts_with(b"PROXY ") || bytes == b"PROXY" {
        return if broken_header {
            (
                "a PROXY v1 line that the receiver rejected: a field breaks the spec (address \
                 family, leading zeros, port range, missing CRLF)"
                    .into(),
                Some(Code::ProxyHeaderMalformed),
            )
        } else {
            (
                "a PROXY v1 header read as an HTTP request line: the listener does not parse \
                 PROXY headers but the balancer sends them"
                    .into(),
                Some(Code::ProxyHeaderNotExpected),
            )
        };
    }
    let sig_prefix = bytes.len().min(V2_SIGNATURE.len());
    if bytes.len() >= 4 && bytes[..sig_prefix] == V2_SIGNATURE[..sig_prefix] {
        return if broken_header {
            (
                "a PROXY v2 signature that the receiver rejected: an old reader that only \
                 knows v1, or a v2 header that breaks the spec after the signature"
                    .into(),
                Some(Code::ProxyVersionUnsupported),
            )
        } else {
            (
                "a PROXY v2 signature read as data: the listener does not parse PROXY headers"
                    .into(),
                Some(Code::ProxyHeaderNotExpected),
            )
        };
    }
    if !broken_header && bytes[0] == 0x00 {
        return (
            "a NUL byte: what is left of a PROXY v2 signature once nginx has skipped its leading \
             CR LF CR LF as empty lines; the listener does not parse PROXY headers"
                .into(),
            Some(Code::ProxyHeaderNotExpected),
        );
    }
    if bytes.starts_with(b"SSH-") {
        return (
            "an SSH banner: an SSH client without a PROXY header in front".into(),
            Some(Code::ProxyHeaderMissing),
        );
    }
    if bytes
        .iter()
        .all(|b| (0x20..0x7f).contains(b) || *b == b'\r' || *b == b'\n')
    {
        return (
            "printable text that is neither a PROXY header nor HTTP: a client of another \
             protocol reached the port without a PROXY header"
                .into(),
            Some(Code::ProxyHeaderMissing),
        );
    }
    (
        format!(
            "binary data starting 0x{:02x} that is neither TLS nor a PROXY header; run the \
             byte inspector on it",
            bytes[0]
        ),
        None,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefixes_name_their_cause() {
        assert_eq!(read(b"", true).1, Some(Code::ProxyHeaderMissing));
        assert_eq!(
            read(b"\x16\x03\x01\x02\x00\x01", true).1,
            Some(Code::ProxyHeaderMissing)
        );
        assert!(
            read(b"\x16\x03\x01\x02\x00\x01", true)
                .0
                .contains("ClientHello")
        );
        assert_eq!(
            read(b"GET / HTTP/1.1", true).1,
            Some(Code::ProxyHeaderMissing)
        );
        assert_eq!(
            read(b"PROXY TCP4 1.2.3.04", true).1,
            Some(Code::ProxyHeaderMalformed)
        );
        assert_eq!(
            read(b"PROXY TCP4 1.2.3.4", false).1,
            Some(Code::ProxyHeaderNotExpected)
        );
        assert_eq!(read(b"\x00", false).1, Some(Code::ProxyHeaderNotExpected));
        assert_eq!(
            read(b"\r\n\r\n\x00\r\nQUIT\n\x21", true).1,
            Some(Code::ProxyVersionUnsupported)
        );
        assert_eq!(read(b"\x01\x02", true).1, None);
    }
}
