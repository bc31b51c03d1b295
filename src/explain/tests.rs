//! Tests of the knowledge base and its matching: every stored example must pick its own
//! entry first, real wordings with their prefixes must match, and no input may panic.

use super::*;
use crate::findings::Code;
use crate::render::Painter;
use proptest::prelude::*;
use std::collections::HashSet;

fn best(message: &str) -> String {
    explain(message)
        .matches
        .first()
        .map(|m| m.id.clone())
        .unwrap_or_default()
}

fn ids(message: &str) -> Vec<String> {
    explain(message).matches.into_iter().map(|m| m.id).collect()
}

#[test]
fn knowledge_base_is_large_and_well_formed() {
    let all = entries();
    assert!(all.len() >= 50, "only {} entries", all.len());
    let mut seen = HashSet::new();
    for e in all {
        assert!(seen.insert(e.id), "duplicate id {}", e.id);
        assert!(!e.patterns.is_empty(), "{} has no pattern", e.id);
        assert!(!e.examples.is_empty(), "{} has no example", e.id);
        assert!(!e.causes.is_empty(), "{} has no cause", e.id);
        assert!(!e.commands.is_empty(), "{} has no command", e.id);
        assert!(
            e.commands.iter().all(|c| c.starts_with("ppdiag ")),
            "{}",
            e.id
        );
        assert!(
            !e.byte_reason.is_empty() && !e.points_to.is_empty(),
            "{}",
            e.id
        );
        for p in e.patterns {
            assert_eq!(
                *p,
                p.to_ascii_lowercase(),
                "{}: pattern not lower case",
                e.id
            );
            assert!(
                !p.contains("  ") && p.trim() == *p,
                "{}: pattern spacing",
                e.id
            );
        }
        let codes: HashSet<Code> = e.causes.iter().map(|c| c.code).collect();
        assert_eq!(codes.len(), e.causes.len(), "{}: a code twice", e.id);
        if let Some(parent) = e.refines {
            assert!(
                super::by_id(parent).is_some(),
                "{} refines unknown {parent}",
                e.id
            );
        }
    }
}

/// The test that keeps the base honest: each stored wording picks its own entry first.
#[test]
fn every_example_ranks_its_own_entry_first() {
    for e in entries() {
        for ex in e.examples {
            let got = explain(ex);
            let first = got.matches.first().map(|m| m.id.as_str());
            assert_eq!(
                first,
                Some(e.id),
                "example {ex:?} ranked {:?}",
                got.matches
                    .iter()
                    .map(|m| (&m.id, m.score))
                    .collect::<Vec<_>>()
            );
        }
    }
}

#[test]
fn tolerates_prefixes_codes_paths_and_case() {
    assert_eq!(
        best("curl: (35) OpenSSL/3.0.13: error:0A00010B:SSL routines::wrong version number"),
        "openssl-wrong-version-number"
    );
    assert_eq!(
        best("ERROR:0a00010b:ssl ROUTINES::Wrong Version Number"),
        "openssl-wrong-version-number"
    );
    assert_eq!(best("0A00010B"), "openssl-wrong-version-number");
    assert_eq!(best("1408F10B"), "openssl-wrong-version-number");
    assert_eq!(best("error  1408f10b\n"), "openssl-wrong-version-number");
    assert_eq!(
        best("[SSL: WRONG_VERSION_NUMBER] wrong version number (_ssl.c:2570)"),
        "python-wrong-version-number"
    );
    assert_eq!(
        best("Get \"https://example.com/\": http: server gave HTTP response to HTTPS client"),
        "go-server-gave-http"
    );
    assert_eq!(
        best(
            "2024/05/01 12:00:00 [error] 1234#1234: *5 broken header: \"\\x16\\x03\\x01\\x02\\x00\\x01\\x00\\x01\\xfc\\x03\\x03\" while reading PROXY protocol, client: 10.0.0.1, server: 0.0.0.0:443"
        ),
        "nginx-broken-header"
    );
    assert_eq!(
        best("OPENSSL SSL_CONNECT: ssl_error_syscall IN CONNECTION TO db:5432"),
        "curl-ssl-error-syscall"
    );
    assert_eq!(
        best("Received record packet of unknown type 80"),
        "gnutls-unknown-record-type"
    );
}

#[test]
fn matched_quotes_the_users_words() {
    let e = explain("curl: (35) OpenSSL/3.0.13: error:0A00010B:SSL routines::wrong version number");
    assert_eq!(e.matches[0].matched, "0A00010B … wrong version number");
    let e = explain("Get \"https://x/\": http: server gave   HTTP response to HTTPS client");
    assert_eq!(
        e.matches[0].matched,
        "http: server gave   HTTP response to HTTPS client"
    );
}

#[test]
fn word_boundaries_stop_accidental_matches() {
    assert!(explain("whereof: nothing here").matches.is_empty());
    assert!(!ids("error 14001 bad requestor").contains(&"nginx-400-bad-request".to_string()));
}

#[test]
fn most_specific_entry_ranks_first() {
    // Go's 400 body also contains nginx's generic `400 Bad Request` and OpenSSL's `http request`.
    let got = ids("HTTP/1.0 400 Bad Request\n\nClient sent an HTTP request to an HTTPS server.");
    assert_eq!(got[0], "go-client-sent-http");
    assert!(got.contains(&"nginx-400-bad-request".to_string()));
    assert!(got.contains(&"openssl-http-request".to_string()));

    // curl 8.11 framing outranks the bare OpenSSL reason, which still follows.
    let got =
        ids("curl: (35) TLS connect error: error:0A00010B:SSL routines::wrong version number");
    assert_eq!(
        got[..2],
        ["curl-tls-connect-error", "openssl-wrong-version-number"]
    );

    // Node's OpenSSL text plus its own wording.
    let got = ids(
        "Error: write EPROTO 1234:error:0A00010B:SSL routines:ssl3_get_record:wrong version number:",
    );
    assert_eq!(
        got[..2],
        ["node-wrong-version-number", "openssl-wrong-version-number"]
    );

    // Refinements do not match on their parent's words alone.
    assert_eq!(
        ids("wrong version number"),
        ["openssl-wrong-version-number"]
    );

    // Go's handshake-error log: the reason after the address decides.
    let got = ids(
        "http: TLS handshake error from 10.0.0.1:5555: tls: first record does not look like a TLS handshake",
    );
    assert_eq!(got[..2], ["go-first-record", "go-tls-handshake-error"]);
    assert_eq!(
        best("http: TLS handshake error from 10.0.0.1:5555: EOF"),
        "go-tls-handshake-error-eof"
    );

    // nginx's own HTTPS-port message beats OpenSSL's `http request` inside it.
    assert_eq!(
        best("400 The plain HTTP request was sent to HTTPS port"),
        "nginx-plain-http-to-https"
    );
}

#[test]
fn causes_are_ranked_with_exact_codes() {
    let e = explain("error:0A00010B:SSL routines::wrong version number");
    let m = &e.matches[0];
    let codes: Vec<Code> = m.causes.iter().map(|c| c.code).collect();
    assert_eq!(
        codes[..3],
        [
            Code::ProxyHeaderNotExpected,
            Code::TlsToPlaintextPort,
            Code::ProxyHeaderDuplicated
        ]
    );
    assert_eq!(
        m.causes.iter().map(|c| c.rank).collect::<Vec<_>>(),
        [1, 2, 3, 4]
    );
    assert!(m.byte_reason.contains("0x48") && m.byte_reason.contains("0x5454"));
    assert!(m.points_to.contains("nginx"));
    assert!(m.commands.contains(&"ppdiag probe HOST:PORT".to_string()));

    let first = |msg: &str| explain(msg).matches[0].causes[0].code;
    assert_eq!(
        first("curl: (35) OpenSSL SSL_connect: SSL_ERROR_SYSCALL in connection to h:443"),
        Code::ProxyHeaderNotExpected
    );
    assert!(
        explain("OpenSSL SSL_connect: SSL_ERROR_SYSCALL in connection to h:443").matches[0]
            .points_to
            .contains("HAProxy")
    );
    assert!(
        explain("sslv3 alert unexpected message").matches[0]
            .points_to
            .contains("Java")
    );
    assert!(
        explain("tlsv1 alert decode error").matches[0]
            .points_to
            .contains("rustls")
    );
    assert!(
        explain("tlsv1 alert record overflow").matches[0]
            .points_to
            .contains("OpenSSL 3.2")
    );
    assert_eq!(
        first("curl: (60) SSL certificate problem: certificate has expired"),
        Code::TlsCertificateProblem
    );
    assert_eq!(
        first("x509: certificate signed by unknown authority"),
        Code::TlsCertificateProblem
    );
    assert_eq!(
        first("x509: certificate is valid for a.example, not b.example"),
        Code::TlsCertificateProblem
    );
    assert_eq!(
        first("error:0A000410:SSL routines::sslv3 alert handshake failure"),
        Code::TlsHandshakeFailed
    );
    assert_eq!(
        first("proxy_proto.not_found_disallowed"),
        Code::ProxyHeaderMissing
    );
    assert_eq!(
        first("Truncated PROXY protocol header received"),
        Code::ProxyHeaderIncomplete
    );
    assert_eq!(
        first("dial tcp 10.0.0.1:443: connect: connection refused"),
        Code::ConnectionRefused
    );
}

#[test]
fn numbers_in_messages_are_read() {
    let d = |msg: &str| explain(msg).matches[0].detail.clone().unwrap_or_default();
    assert!(d("Received record packet of unknown type 72").contains("HTTP/"));
    assert!(d("Received record packet of unknown type 13").contains("v2 signature"));
    assert!(d("tls: oversized record received with length 22617").contains("PROXY v1"));
    assert!(
        d("error:0A0003F2:SSL routines::sslv3 alert unexpected message:SSL alert number 10")
            .contains("unexpected_message")
    );
    assert_eq!(explain("wrong version number").matches[0].detail, None);
}

#[test]
fn no_match_says_so_and_suggests_probe() {
    let e = explain("the coffee machine is out of beans");
    assert!(e.matches.is_empty());
    assert!(
        e.suggestion
            .as_deref()
            .unwrap_or("")
            .contains("ppdiag probe")
    );
    let text = render_text(&e, &Painter::new(false));
    assert!(text.contains("no known message matched"));
    assert!(text.contains("ppdiag probe HOST:PORT"));
    assert!(explain("").matches.is_empty());
}

#[test]
fn broken_header_bytes_are_extracted_and_decoded() {
    let msg = "2024/05/01 12:00:00 [error] 1234#1234: *5 broken header: \"\\x16\\x03\\x01\\x02\\x00\\x01\\x00\\x01\\xfc\\x03\\x03\" while reading PROXY protocol, client: 10.0.0.1, server: 0.0.0.0:443";
    let e = explain(msg);
    let q = e.quoted.as_ref().expect("quoted bytes");
    assert_eq!(q.text, r"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03");
    assert!(q.broken_header);
    assert_eq!(e.bytes, crate::rawbytes::unescape_c(&q.text).ok());
    assert_eq!(q.code, Some(Code::ProxyHeaderMissing));
    assert_eq!(e.matches[0].causes[0].code, Code::ProxyHeaderMissing);
    // With the real decoder (rawbytes), the bytes are the ClientHello's first bytes.
    if crate::rawbytes::unescape_c(r"\x16") == Ok(vec![0x16]) {
        assert_eq!(
            e.bytes.as_deref(),
            Some(
                &[
                    0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01, 0xfc, 0x03, 0x03
                ][..]
            )
        );
        assert!(q.suggests.contains("TLS handshake"));
    }

    let e = explain("broken header: \"GET /healthz HTTP/1.1\" while reading PROXY protocol");
    let q = e.quoted.unwrap();
    assert_eq!(q.text, "GET /healthz HTTP/1.1");
    assert!(q.suggests.contains("plain HTTP"));
    assert_eq!(e.bytes.as_deref(), Some(&b"GET /healthz HTTP/1.1"[..]));

    let e = explain("broken header: \"\" while reading PROXY protocol, client: 10.0.0.9");
    let q = e.quoted.unwrap();
    assert_eq!(q.text, "");
    assert_eq!(e.bytes, Some(Vec::new()));
    assert!(q.suggests.contains("health check"));

    // A malformed v1 line moves proxy-header-malformed to the top.
    let e =
        explain("broken header: \"PROXY TCP4 1.2.3.04 5.6.7.8 1 2\" while reading PROXY protocol");
    assert_eq!(e.matches[0].causes[0].code, Code::ProxyHeaderMalformed);
    assert_eq!(e.matches[0].causes[1].code, Code::ProxyHeaderMissing);

    // An escaped quote inside does not end the string; an unterminated one runs to the end.
    let e = explain(r#"broken header: "a\"b" while reading PROXY protocol"#);
    assert_eq!(e.quoted.unwrap().text, r#"a\"b"#);
    let e = explain(r#"broken header: "\x16\x03"#);
    assert_eq!(e.quoted.unwrap().text, r"\x16\x03");

    // Quoted URLs are not peer bytes; nginx access-log request lines are.
    assert!(
        explain("Get \"https://example.com/\": EOF")
            .quoted
            .is_none()
    );
    let e = explain(
        "10.0.0.5 - - [01/May/2024:12:00:00 +0000] \"PROXY TCP4 203.0.113.7 10.0.0.5 51234 443\" 400 157",
    );
    assert_eq!(e.matches[0].id, "nginx-access-log-proxy");
    let q = e.quoted.unwrap();
    assert!(!q.broken_header);
    assert_eq!(q.code, Some(Code::ProxyHeaderNotExpected));
}

#[test]
fn text_output_shows_best_match_then_others() {
    let e = explain("HTTP/1.0 400 Bad Request\n\nClient sent an HTTP request to an HTTPS server.");
    let t = render_text(&e, &Painter::new(false));
    assert!(t.contains("best match: go-client-sent-http"));
    assert!(t.contains("1. [plaintext-to-tls-port]"));
    assert!(t.contains("$ ppdiag probe HOST:PORT"));
    assert!(t.contains("also matches:"));
    assert!(t.contains("nginx-400-bad-request"));
    assert!(!t.contains('\x1b'));

    // Peer bytes and terminal escapes in the message are neutralised.
    let e = explain("broken header: \"\x1b[31mGET /\" while reading PROXY protocol");
    let t = render_text(&e, &Painter::new(false));
    assert!(!t.contains('\x1b'));

    let list = render_list_text(&Painter::new(false));
    assert!(list.contains("openssl-wrong-version-number"));
    assert!(list.starts_with(&format!("{} known messages", entries().len())));
    // A heading, then two lines an entry: an example's line breaks are escaped (Go's
    // reply body has two).
    assert_eq!(list.lines().count(), 1 + 2 * entries().len());
    assert!(list.contains("HTTP/1.0 400 Bad Request\\x0d\\x0a\\x0d\\x0aClient sent"));
}

#[test]
fn json_shapes() {
    let e = explain("error:0A00010B:SSL routines::wrong version number");
    let v: serde_json::Value = serde_json::from_str(&crate::render::to_json(&e)).unwrap();
    assert_eq!(v["matches"][0]["id"], "openssl-wrong-version-number");
    assert_eq!(v["matches"][0]["side"], "either");
    assert_eq!(
        v["matches"][0]["causes"][0]["code"],
        "proxy-header-not-expected"
    );
    assert_eq!(v["matches"][0]["causes"][0]["rank"], 1);
    assert!(v.get("bytes").is_none());
    let list: serde_json::Value =
        serde_json::from_str(&crate::render::to_json(&entries())).unwrap();
    assert_eq!(list.as_array().map(Vec::len), Some(entries().len()));
    assert_eq!(list[0]["causes"][0]["code"], "proxy-header-not-expected");
}

proptest! {
    #[test]
    fn arbitrary_strings_never_panic(s in "\\PC{0,200}") {
        let e = explain(&s);
        let _ = render_text(&e, &Painter::new(true));
    }

    #[test]
    fn arbitrary_broken_headers_never_panic(s in "[\\\\\"xX0-9a-f \u{e9}\u{1f600}]{0,80}") {
        let msg = format!("broken header: \"{s} while reading PROXY protocol");
        let e = explain(&msg);
        prop_assert_eq!(e.matches.first().map(|m| m.id.as_str()), Some("nginx-broken-header"));
        let _ = render_text(&e, &Painter::new(false));
    }

    #[test]
    fn known_examples_survive_surrounding_noise(i in 0usize..1000, pre in "[a-z0-9 :]{0,20}", post in "[a-z0-9 :]{0,20}") {
        let all = entries();
        let e = &all[i % all.len()];
        let msg = format!("{pre} {} {post}", e.examples[0]);
        prop_assert!(explain(&msg).matches.iter().any(|m| m.id == e.id));
    }
}

#[test]
fn a_star_at_a_pattern_end_lifts_the_word_boundary_there() {
    use super::matcher::match_pattern;
    let text = "invalid character found in method name [0x160x030x010x02";
    assert!(match_pattern(text, "method name [0x160x03").is_none());
    assert_eq!(
        match_pattern(text, "method name [0x160x03*"),
        Some(vec![(27, 48)])
    );
    assert!(match_pattern("whereof", "eof").is_none());
    assert!(match_pattern("whereof", "*eof").is_some());
    // Inside a pattern, a `*` keeps both neighbours bounded.
    assert!(match_pattern("a 14001 b", "a*400*b").is_none());
}

#[test]
fn grpc_greetings_name_what_came_instead_of_the_preface() {
    // gRPC-Go's wording (internal/transport/http2_server.go: "received bogus greeting
    // from client: %q"), Go's HTTP/2 server's ("error reading preface from client %v:
    // bogus greeting %q"); the 24 quoted bytes are what was sent.
    let grpc = "grpc: Server.Serve failed to create ServerTransport: connection error: desc = \"transport: http2Server.HandleStreams received bogus greeting from client: ";
    let cases = [
        (
            format!("{grpc}\\\"PROXY TCP4 10.0.0.1 10.0\\\"\""),
            "grpc-bogus-greeting-proxy",
            Code::ProxyHeaderNotExpected,
        ),
        (
            "http2: server: error reading preface from client 10.0.0.1:40000: bogus greeting \"\\r\\n\\r\\n\\x00\\r\\nQUIT\\n!\\x11\\x00\\f\\n\\x00\\x00\\x01\\n\\x00\"".to_string(),
            "grpc-bogus-greeting-proxy",
            Code::ProxyHeaderNotExpected,
        ),
        (
            // desc is itself `%q`-quoted: the bytes are escaped twice.
            format!("{grpc}\\\"\\\\x16\\\\x03\\\\x01\\\\x02\\\\x00\\\\x01\\\\x00\\\\x01\\\\xfc\\\\x03\\\\x03\\\"\""),
            "grpc-bogus-greeting",
            Code::TlsToPlaintextPort,
        ),
        (
            format!("{grpc}\\\"GET /health HTTP/1.1\\r\\nHo\\\"\""),
            "grpc-bogus-greeting",
            Code::ProtocolMismatch,
        ),
    ];
    for (msg, id, first) in cases {
        let e = explain(&msg);
        assert_eq!(e.matches[0].id, id, "{msg}");
        assert_eq!(e.matches[0].causes[0].code, first, "{msg}");
    }
    // The bytes inside the doubly quoted desc are the peer's, escapes undone.
    let e = explain(&format!("{grpc}\\\"\\\\x16\\\\x03\\\\x01\\\"\""));
    assert_eq!(e.bytes.as_deref(), Some(&[0x16, 0x03, 0x01][..]));
    let e = explain(&format!("{grpc}\\\"PROXY TCP4 10.0.0.1 10.0\\\"\""));
    assert_eq!(e.bytes.as_deref(), Some(&b"PROXY TCP4 10.0.0.1 10.0"[..]));
}
