//! Tests of the serve judge: policies, trusted sources, emulations, expectations, and
//! arbitrary bytes (no panic, bounded requests for more).

use super::*;
use proptest::prelude::*;

const HELLO: &[u8] =
    include_bytes!("../../../testdata/bytes/openssl-s_client-clienthello-sni-alpn.bin");

fn policy(mode: ProxyMode) -> Policy {
    Policy {
        mode,
        versions: Versions { v1: true, v2: true },
        trusted: Vec::new(),
    }
}

fn sit<'a>(p: &'a Policy, emulation: Option<Emulation>, tls: bool) -> Situation<'a> {
    Situation {
        policy: p,
        emulation,
        tls,
        peer: "127.0.0.1:40000".parse().unwrap(),
        local: "127.0.0.1:8443".parse().unwrap(),
        datagram: false,
        date: "Sun, 06 Nov 1994 08:49:37 GMT",
        answers_http: true,
        speaks_first: false,
    }
}

fn v2(command: u8, extra_tlvs: &[u8]) -> Vec<u8> {
    let mut v = proxy::V2_SIGNATURE.to_vec();
    let len = 12 + extra_tlvs.len();
    v.extend_from_slice(&[0x20 | command, 0x11, (len >> 8) as u8, len as u8]);
    v.extend_from_slice(&[192, 0, 2, 1, 127, 0, 0, 1, 0x13, 0x88, 0x20, 0xfb]);
    v.extend_from_slice(extra_tlvs);
    v
}

fn with(mut a: Vec<u8>, b: &[u8]) -> Vec<u8> {
    a.extend_from_slice(b);
    a
}

fn decided(step: Step) -> Decision {
    match step {
        Step::Decided(d) => *d,
        Step::NeedMore(n) => panic!("judge wants {n} more bytes"),
    }
}

fn codes(d: &Decision) -> Vec<Code> {
    d.findings.iter().map(|f| f.code).collect()
}

#[test]
fn required_header_then_tls_proceeds_with_header_client() {
    let p = policy(ProxyMode::Required);
    let d = decided(judge(
        &sit(&p, None, true),
        &with(v2(1, &[]), HELLO),
        Input::Open,
    ));
    assert_eq!(d.action, Action::Proceed);
    assert_eq!(d.payload_offset, 28);
    assert_eq!(d.client.to_string(), "192.0.2.1:5000");
    assert!(d.findings.is_empty(), "{:?}", d.findings);
}

#[test]
fn required_without_header_is_missing() {
    let p = policy(ProxyMode::Required);
    let d = decided(judge(&sit(&p, None, true), HELLO, Input::Open));
    assert_eq!(codes(&d), [Code::ProxyHeaderMissing]);
    assert_eq!(d.action, Action::End(Ending::Close));
    assert!(d.log.is_none());
    // Nothing at all before the timeout.
    let d = decided(judge(&sit(&p, None, true), b"", Input::TimedOut));
    assert!(d.findings[0].summary.contains("before the header timeout"));
}

#[test]
fn optional_and_forbidden() {
    let p = policy(ProxyMode::Optional);
    let d = decided(judge(&sit(&p, None, true), HELLO, Input::Open));
    assert_eq!(d.action, Action::Proceed);
    assert!(d.findings.is_empty());
    let p = policy(ProxyMode::Forbidden);
    let d = decided(judge(
        &sit(&p, None, true),
        &with(v2(1, &[]), HELLO),
        Input::Open,
    ));
    assert_eq!(codes(&d), [Code::ProxyHeaderNotExpected]);
    assert_eq!(d.action, Action::End(Ending::Close));
}

#[test]
fn version_not_allowed() {
    let mut p = policy(ProxyMode::Required);
    p.versions = Versions {
        v1: false,
        v2: true,
    };
    let d = decided(judge(
        &sit(&p, None, false),
        b"PROXY TCP4 192.0.2.1 127.0.0.1 5000 80\r\nGET / HTTP/1.1\r\n\r\n",
        Input::Open,
    ));
    assert_eq!(codes(&d), [Code::ProxyVersionUnsupported]);
}

#[test]
fn incomplete_asks_for_exact_bytes_then_fails_on_timeout() {
    let p = policy(ProxyMode::Required);
    let h = v2(1, &[]);
    match judge(&sit(&p, None, true), &h[..20], Input::Open) {
        Step::NeedMore(n) => assert_eq!(n, 8),
        other => panic!("{other:?}"),
    }
    let d = decided(judge(&sit(&p, None, true), &h[..20], Input::TimedOut));
    assert_eq!(codes(&d), [Code::ProxyHeaderIncomplete]);
    assert_eq!(d.findings[0].severity, Severity::Error);
    assert_eq!(d.action, Action::End(Ending::Close));
}

#[test]
fn waits_for_first_payload_bytes_but_not_forever() {
    let p = policy(ProxyMode::Required);
    assert!(matches!(
        judge(&sit(&p, None, true), &v2(1, &[]), Input::Open),
        Step::NeedMore(5)
    ));
    let d = decided(judge(&sit(&p, None, true), &v2(0, &[]), Input::Eof));
    assert_eq!(codes(&d), [Code::HealthCheckLocal]);
    assert_eq!(d.action, Action::Proceed);
    assert_eq!(d.client, d.client);
    assert_eq!(
        d.client.to_string(),
        "127.0.0.1:40000",
        "LOCAL: socket address"
    );
}

#[test]
fn untrusted_source_is_ignored_like_traefik() {
    let mut p = policy(ProxyMode::Required);
    p.trusted = vec![Cidr::parse("10.0.0.0/8").unwrap()];
    let s = sit(&p, None, true);
    let d = decided(judge(&s, &with(v2(1, &[]), HELLO), Input::Open));
    assert!(!d.trusted);
    assert_eq!(d.client, s.peer);
    assert_eq!(d.action, Action::Proceed);
    assert!(d.notes.iter().any(|n| n.contains("IGNORE")));
    // Untrusted and no header: accepted (IGNORE does not require one).
    let d = decided(judge(&s, HELLO, Input::Open));
    assert_eq!(d.action, Action::Proceed);
    assert!(d.findings.is_empty());
    // Trusted: the header's address is used.
    p.trusted = vec![Cidr::parse("127.0.0.0/8").unwrap()];
    let d = decided(judge(
        &sit(&p, None, true),
        &with(v2(1, &[]), HELLO),
        Input::Open,
    ));
    assert_eq!(d.client.to_string(), "192.0.2.1:5000");
}

#[test]
fn duplicated_and_crc_mismatch_end_the_connection() {
    let p = policy(ProxyMode::Required);
    let two = with(with(v2(1, &[]), &v2(1, &[])), HELLO);
    let d = decided(judge(&sit(&p, None, true), &two, Input::Open));
    assert!(codes(&d).contains(&Code::ProxyHeaderDuplicated));
    assert_eq!(d.action, Action::End(Ending::Close));
    let bad_crc = with(v2(1, &[0x03, 0x00, 0x04, 1, 2, 3, 4]), HELLO);
    let d = decided(judge(&sit(&p, None, true), &bad_crc, Input::Open));
    assert!(codes(&d).contains(&Code::ProxyCrcMismatch));
    assert_eq!(d.action, Action::End(Ending::Close));
}

#[test]
fn wrong_protocol_after_header() {
    let p = policy(ProxyMode::Required);
    let d = decided(judge(
        &sit(&p, None, true),
        &with(v2(1, &[]), b"GET / HTTP/1.1\r\n\r\n"),
        Input::Open,
    ));
    assert_eq!(codes(&d), [Code::PlaintextToTlsPort]);
    assert!(matches!(d.action, Action::Answer(_, Ending::Close)));
    let d = decided(judge(
        &sit(&p, None, false),
        &with(v2(1, &[]), HELLO),
        Input::Open,
    ));
    assert_eq!(codes(&d), [Code::TlsToPlaintextPort]);
    assert!(d.findings[0].evidence.iter().any(|e| e.starts_with("SNI ")));
    match &d.action {
        Action::Answer(bytes, Ending::Close) => assert!(bytes.starts_with(b"HTTP/1.1 400 ")),
        other => panic!("{other:?}"),
    }
    let mut quiet = sit(&p, None, false);
    quiet.answers_http = false;
    let d = decided(judge(&quiet, &with(v2(1, &[]), HELLO), Input::Open));
    assert!(matches!(d.action, Action::End(Ending::Close)));
}

#[test]
fn nginx_ssl_emulation() {
    let p = policy(ProxyMode::Required);
    let s = sit(&p, Some(Emulation::NginxSsl), true);
    let d = decided(judge(&s, &with(v2(1, &[]), HELLO), Input::Open));
    assert_eq!(codes(&d), [Code::ProxyHeaderNotExpected]);
    let Action::Answer(bytes, Ending::Close) = &d.action else {
        panic!("{:?}", d.action)
    };
    let text = String::from_utf8_lossy(bytes);
    assert!(
        text.starts_with("HTTP/1.1 400 Bad Request\r\nServer: nginx\r\nDate: Sun, 06 Nov 1994")
    );
    assert!(text.contains("Content-Length: 150\r\n"));
    // A v1 header is answered as soon as `PROXY` is there.
    let d = decided(judge(&s, b"PROXY", Input::Open));
    assert!(matches!(d.action, Action::Answer(..)));
    // TLS goes on; plain HTTP waits for the whole head, then gets the other 400.
    assert_eq!(
        decided(judge(&s, HELLO, Input::Open)).action,
        Action::Proceed
    );
    assert!(matches!(
        judge(&s, b"GET / HTTP/1.1\r\n", Input::Open),
        Step::NeedMore(_)
    ));
    let d = decided(judge(&s, b"GET / HTTP/1.1\r\n\r\n", Input::Open));
    let Action::Answer(bytes, _) = &d.action else {
        panic!()
    };
    assert!(String::from_utf8_lossy(bytes).contains("Content-Length: 248\r\n"));
}

#[test]
fn go_tls_emulation() {
    let p = policy(ProxyMode::Required);
    let s = sit(&p, Some(Emulation::GoTls), true);
    let d = decided(judge(&s, &with(v2(1, &[]), HELLO), Input::Open));
    assert_eq!(codes(&d), [Code::ProxyHeaderNotExpected]);
    assert_eq!(d.action, Action::End(Ending::Close));
    assert!(
        d.log
            .unwrap()
            .contains("first record does not look like a TLS handshake")
    );
    let d = decided(judge(&s, b"GET / HTTP/1.1\r\n\r\n", Input::Open));
    let Action::Answer(bytes, _) = &d.action else {
        panic!()
    };
    assert!(bytes.starts_with(b"HTTP/1.0 400 Bad Request\r\n\r\nClient sent an HTTP request"));
    assert_eq!(
        decided(judge(&s, HELLO, Input::Open)).action,
        Action::Proceed
    );
}

#[test]
fn nginx_proxy_emulation_resets_and_logs() {
    let p = policy(ProxyMode::Optional);
    let s = sit(&p, Some(Emulation::NginxProxy), true);
    let d = decided(judge(&s, HELLO, Input::Open));
    assert_eq!(codes(&d), [Code::ProxyHeaderMissing]);
    assert_eq!(d.action, Action::End(Ending::Reset));
    let log = d.log.unwrap();
    assert!(
        log.starts_with("[error] broken header: \"\\x16\\x03\\x01"),
        "{log}"
    );
    let d = decided(judge(&s, &with(v2(1, &[]), HELLO), Input::Open));
    assert_eq!(d.action, Action::Proceed);
}

#[test]
fn cidrs() {
    let c = Cidr::parse("10.1.0.0/16").unwrap();
    assert!(c.contains("10.1.255.3".parse().unwrap()));
    assert!(!c.contains("10.2.0.1".parse().unwrap()));
    assert!(c.contains("::ffff:10.1.0.9".parse().unwrap()));
    assert!(
        Cidr::parse("0.0.0.0/0")
            .unwrap()
            .contains("8.8.8.8".parse().unwrap())
    );
    assert!(Cidr::parse("::1").unwrap().contains("::1".parse().unwrap()));
    assert!(Cidr::parse("10.0.0.0/33").is_err());
    assert!(Cidr::parse("nope").is_err());
    assert_eq!(Cidr::parse("[::1]").unwrap().to_string(), "::1/128");
}

#[test]
fn expectations() {
    let p = policy(ProxyMode::Required);
    let authority = [
        0x02, 0x00, 0x0b, b'e', b'x', b'a', b'm', b'p', b'l', b'e', b'.', b'c', b'o', b'm',
    ];
    let d = decided(judge(
        &sit(&p, None, true),
        &with(v2(1, &authority), HELLO),
        Input::Open,
    ));
    let e = Expectations {
        source: vec![Cidr::parse("192.0.2.0/24").unwrap()],
        version: Some(Version::V2),
        tlvs: vec![(0x02, Some("example.com".into())), (0xEA, None)],
        sni: Some("example.com".into()),
    };
    let r = check(&e, d.header.as_ref(), d.client, Some("example.com"));
    let ok: Vec<_> = r.iter().map(|x| (x.name.as_str(), x.ok)).collect();
    assert_eq!(
        ok,
        [
            ("source", true),
            ("version", true),
            ("tlv", true),
            ("tlv", false),
            ("sni", true)
        ]
    );
    let r = check(&e, None, "127.0.0.1:1".parse().unwrap(), None);
    assert!(r.iter().all(|x| !x.ok));
    assert!(r[0].actual.contains("no PROXY header"));
}

proptest! {
    #[test]
    fn any_bytes_any_mode_no_panic_and_bounded(
        bytes in proptest::collection::vec(any::<u8>(), 0..300),
        prefix in 0usize..3,
        mode in 0usize..3,
        emu in 0usize..4,
    ) {
        let modes = [ProxyMode::Required, ProxyMode::Optional, ProxyMode::Forbidden];
        let emus = [None, Some(Emulation::NginxSsl), Some(Emulation::GoTls), Some(Emulation::NginxProxy)];
        let p = policy(modes[mode]);
        let s = sit(&p, emus[emu], emu % 2 == 0);
        let mut input = match prefix {
            0 => bytes.clone(),
            1 => with(b"PROXY ".to_vec(), &bytes),
            _ => with(proxy::V2_SIGNATURE.to_vec(), &bytes),
        };
        for end in [Input::Eof, Input::TimedOut] {
            prop_assert!(matches!(judge(&s, &input, end), Step::Decided(_)));
        }
        if let Step::NeedMore(n) = judge(&s, &input, Input::Open) {
            prop_assert!(n >= 1 && input.len() + n <= BUFFER_CAP);
        }
        input.truncate(0);
    }
}

/// The record serve would write for this decision (no I/O after the judge).
fn record_of(s: &Situation<'_>, d: &Decision, e: &Expectations) -> serde_json::Value {
    let mut r = crate::serve::blank_record(1, "tcp", s.local, s.peer, s.local);
    r.emulation = s.emulation;
    crate::serve::apply_decision(&mut r, d);
    r.judged = !r.health_check();
    if r.judged {
        r.expectations = check(e, r.proxy.header.as_ref(), r.client, None);
    }
    r.settle();
    serde_json::to_value(&r).unwrap()
}

fn agrees(v: &serde_json::Value) {
    let c = crate::serve::record::contradictions(v);
    assert!(c.is_empty(), "{c:?} in {v}");
}

#[test]
fn nginx_ssl_record_shows_the_header_it_did_not_read() {
    let p = policy(ProxyMode::Required);
    let s = sit(&p, Some(Emulation::NginxSsl), true);
    // HAProxy sends the v2 header as its own segment: nginx answers it alone.
    let d = decided(judge(&s, &v2(1, &[]), Input::Open));
    let r = record_of(&s, &d, &Expectations::default());
    agrees(&r);
    assert_eq!(r["proxy"]["header"]["version"], 2, "{r}");
    assert_eq!(r["proxy"]["headers_seen"], 1);
    assert_eq!(r["proxy"]["accepted"], false);
    assert_eq!(r["client"], r["peer"]);
    // What real nginx 1.22 logs (tests/serve_emulation.rs compares with it).
    assert_eq!(
        d.log.as_deref(),
        Some(
            "[info] client sent invalid method while reading client request line, client: 127.0.0.1, server: , request: \"\\x00\""
        )
    );
    let d = decided(judge(
        &s,
        b"PROXY TCP4 192.0.2.7 127.0.0.1 40000 8443\r\n\x16\x03\x01",
        Input::Open,
    ));
    assert_eq!(
        d.log.as_deref(),
        Some(
            "[info] client sent invalid request while reading client request line, client: 127.0.0.1, server: , request: \"PROXY TCP4 192.0.2.7 127.0.0.1 40000 8443\""
        )
    );
    let d = decided(judge(&s, b"GET / HTTP/1.1\r\nHost: x\r\n\r\n", Input::Open));
    assert_eq!(
        d.log.as_deref(),
        Some(
            "[info] client sent plain HTTP request to HTTPS port while reading client request headers, client: 127.0.0.1, server: , request: \"GET / HTTP/1.1\", host: \"x\""
        )
    );
}

#[test]
fn duplicated_header_does_not_use_addresses() {
    let p = policy(ProxyMode::Required);
    let s = sit(&p, None, true);
    let d = decided(judge(
        &s,
        &with(with(v2(1, &[]), &v2(1, &[])), HELLO),
        Input::Open,
    ));
    assert_eq!(codes(&d)[0], Code::ProxyHeaderDuplicated);
    let r = record_of(&s, &d, &Expectations::default());
    agrees(&r);
    assert_eq!(r["proxy"]["addresses_used"], false, "{r}");
    assert_eq!(r["proxy"]["accepted"], false);
    assert_eq!(r["client"], r["peer"]);
}

#[test]
fn forbidden_listener_records_the_header_that_arrived() {
    let p = policy(ProxyMode::Forbidden);
    let s = sit(&p, None, true);
    let d = decided(judge(&s, &with(v2(1, &[]), HELLO), Input::Open));
    let e = Expectations {
        version: Some(Version::V2),
        ..Expectations::default()
    };
    let r = record_of(&s, &d, &e);
    agrees(&r);
    assert_eq!(r["proxy"]["header"]["version"], 2);
    assert_eq!(r["expectations"][0]["actual"], "v2");
    assert_eq!(r["ok"], false, "the header was not expected");
}

#[test]
fn speaks_first_decides_once_the_header_is_complete() {
    let p = policy(ProxyMode::Required);
    let mut s = sit(&p, None, false);
    assert!(matches!(
        judge(&s, &v2(1, &[]), Input::Open),
        Step::NeedMore(_)
    ));
    s.speaks_first = true;
    let d = decided(judge(&s, &v2(1, &[]), Input::Open));
    assert_eq!(d.action, Action::Proceed);
    assert_eq!(d.client.to_string(), "192.0.2.1:5000");
    // Half a header still waits.
    assert!(matches!(
        judge(&s, &v2(1, &[])[..20], Input::Open),
        Step::NeedMore(_)
    ));
}

#[test]
fn health_checks_are_local_and_v1_unknown() {
    let p = policy(ProxyMode::Required);
    let s = sit(&p, None, false);
    let local = decided(judge(&s, &v2(0, &[]), Input::Eof));
    assert!(health_check(local.header.as_ref()));
    let unknown = decided(judge(&s, b"PROXY UNKNOWN\r\n", Input::Eof));
    assert!(health_check(unknown.header.as_ref()));
    let proxy = decided(judge(&s, &with(v2(1, &[]), b"GET / "), Input::Open));
    assert!(!health_check(proxy.header.as_ref()));
    let e = Expectations {
        version: Some(Version::V2),
        source: vec![Cidr::parse("10.9.9.0/24").unwrap()],
        ..Expectations::default()
    };
    let r = record_of(&s, &local, &e);
    agrees(&r);
    assert_eq!(r["judged"], false);
    assert_eq!(r["expectations"], serde_json::json!([]));
}

proptest! {
    #[test]
    fn every_record_agrees_with_itself(
        bytes in proptest::collection::vec(any::<u8>(), 0..200),
        prefix in 0usize..5,
        mode in 0usize..3,
        emu in 0usize..4,
        end in 0usize..3,
        trusted in any::<bool>(),
    ) {
        let modes = [ProxyMode::Required, ProxyMode::Optional, ProxyMode::Forbidden];
        let emus = [None, Some(Emulation::NginxSsl), Some(Emulation::GoTls), Some(Emulation::NginxProxy)];
        let mut p = policy(modes[mode]);
        if !trusted {
            p.trusted = vec![Cidr::parse("10.0.0.0/8").unwrap()];
        }
        let s = sit(&p, emus[emu], emu % 2 == 0);
        let input = match prefix {
            0 => bytes.clone(),
            1 => with(b"PROXY TCP4 192.0.2.1 127.0.0.1 5000 8443\r\n".to_vec(), &bytes),
            2 => with(v2(1, &[]), &bytes),
            3 => with(with(v2(1, &[]), &v2(1, &[])), &bytes),
            _ => with(v2(0, &[]), &bytes),
        };
        let input_end = [Input::Open, Input::Eof, Input::TimedOut][end];
        if let Step::Decided(d) = judge(&s, &input, input_end) {
            let e = Expectations {
                version: Some(Version::V2),
                source: vec![Cidr::parse("192.0.2.0/24").unwrap()],
                ..Expectations::default()
            };
            let r = record_of(&s, &d, &e);
            let c = crate::serve::record::contradictions(&r);
            prop_assert!(c.is_empty(), "{:?} in {}", c, r);
        }
    }
}
