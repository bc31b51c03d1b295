//! Inference over attempt matrices built from bytes captured from real software.

use super::*;
use crate::probe::model::AttemptSpec;

const CLIENT_HELLO: &[u8] =
    include_bytes!("../../testdata/bytes/openssl-s_client-clienthello-sni-alpn.bin");
const S_SERVER_TLS13: &[u8] =
    include_bytes!("../../testdata/bytes/openssl-s_server-tls13-reply.bin");
const NGINX_400: &[u8] =
    include_bytes!("../../testdata/bytes/nginx-1.22-ssl-400-reply-to-proxy-v1.bin");
const V1: &[u8] = b"PROXY TCP4 127.0.0.1 127.0.0.1 40000 443\r\n";
const V2: &[u8] =
    b"\r\n\r\n\0\r\nQUIT\n\x21\x11\x00\x0c\x7f\x00\x00\x01\x7f\x00\x00\x01\x9c\x40\x01\xbb";
const LOCAL: &[u8] = b"\r\n\r\n\0\r\nQUIT\n\x20\x00\x00\x00";
const GET: &[u8] = b"GET / HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n";
const PLAIN_TO_TLS: &[u8] = b"HTTP/1.1 400 Bad Request\r\nServer: nginx/1.22.1\r\nContent-Type: text/html\r\n\r\n<html><head><title>400 The plain HTTP request was sent to HTTPS port</title></head></html>";

type Reply = (&'static [u8], Ending);

fn attempt(h: HeaderChoice, p: Payload, reply: Reply) -> Attempt {
    let header: &[u8] = match h {
        HeaderChoice::None => b"",
        HeaderChoice::V1 => V1,
        HeaderChoice::V2 => V2,
        HeaderChoice::V2Local => LOCAL,
    };
    let body: &[u8] = match p {
        Payload::Tls => CLIENT_HELLO,
        Payload::Http => GET,
        Payload::Wait => b"",
    };
    let client = [header, body].concat();
    judged(
        AttemptSpec {
            header: h,
            payload: p,
        },
        &client,
        header.len(),
        reply.0,
        reply.1,
        None,
    )
}

/// A matrix: replies for none/v1/v2/local × TLS, then × HTTP, then the wait.
fn matrix(tls: [Reply; 4], http: [Reply; 4], wait: Reply) -> Vec<Attempt> {
    let hs = [
        HeaderChoice::None,
        HeaderChoice::V1,
        HeaderChoice::V2,
        HeaderChoice::V2Local,
    ];
    let mut v: Vec<Attempt> = hs
        .iter()
        .zip(tls)
        .map(|(h, r)| attempt(*h, Payload::Tls, r))
        .collect();
    v.extend(
        hs.iter()
            .zip(http)
            .map(|(h, r)| attempt(*h, Payload::Http, r)),
    );
    v.push(attempt(HeaderChoice::None, Payload::Wait, wait));
    v
}

const ACCEPT: Reply = (S_SERVER_TLS13, Ending::Open);
const CLOSE: Reply = (b"", Ending::Closed);
const SILENT: Reply = (b"", Ending::Timeout);
const REFUSED: Reply = (b"", Ending::Refused);
const N400: Reply = (NGINX_400, Ending::Closed);
const OK200: Reply = (
    b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n",
    Ending::Closed,
);

fn codes(i: &Inference) -> Vec<(Code, Severity)> {
    i.findings.iter().map(|f| (f.code, f.severity)).collect()
}

#[test]
fn nginx_ssl_without_proxy_protocol_forbids_the_header() {
    let a = matrix(
        [ACCEPT, N400, N400, N400],
        [(PLAIN_TO_TLS, Ending::Closed), N400, N400, N400],
        SILENT,
    );
    let i = infer("t", &a, None, None, 21);
    assert_eq!(i.expects.proxy.name(), "forbidden");
    assert_eq!(i.expects.protocol.name(), "tls");
    assert!(i.expects.proxy_versions.is_empty());
    assert_eq!(i.fingerprint, Some(Fingerprint::Nginx));
    assert_eq!(codes(&i), [(Code::ProxyHeaderNotExpected, Severity::Info)]);
    assert_eq!(exit_code(&i.findings), 0);
    assert!(
        i.summary.contains("does not accept a PROXY header"),
        "{}",
        i.summary
    );
    // The user says the balancer sends v2: now it is the error.
    let i = infer("t", &a, None, Some(HeaderChoice::V2), 21);
    assert_eq!(
        codes(&i)[0],
        (Code::ProxyHeaderNotExpected, Severity::Error)
    );
    assert!(i.findings[0].fixes[0].starts_with("nginx:"));
    assert_eq!(exit_code(&i.findings), 1);
}

#[test]
fn proxy_required_tls_server() {
    let a = matrix(
        [CLOSE, ACCEPT, ACCEPT, ACCEPT],
        [CLOSE, OK200, OK200, OK200],
        SILENT,
    );
    let i = infer("t", &a, None, None, 21);
    assert_eq!(i.expects.proxy.name(), "required");
    assert_eq!(i.expects.versions_text(","), "v1,v2");
    assert_eq!(i.expects.protocol.name(), "tls");
    assert_eq!(
        codes(&i),
        [
            (Code::ProxyHeaderMissing, Severity::Info),
            (Code::HealthCheckLocal, Severity::Info)
        ]
    );
    assert!(i.notes[0].contains("trustedIPs"), "{:?}", i.notes);
    let i = infer("t", &a, None, Some(HeaderChoice::None), 21);
    assert_eq!(exit_code(&i.findings), 1);
}

#[test]
fn v2_only_reader_and_local_rejected() {
    let a = matrix(
        [CLOSE, CLOSE, ACCEPT, CLOSE],
        [CLOSE, CLOSE, OK200, CLOSE],
        SILENT,
    );
    let i = infer("t", &a, None, None, 21);
    assert_eq!(i.expects.proxy.name(), "required");
    assert_eq!(i.expects.versions_text(","), "v2");
    let c = codes(&i);
    assert!(
        c.contains(&(Code::ProxyVersionUnsupported, Severity::Info)),
        "{c:?}"
    );
    assert!(
        c.contains(&(Code::HealthCheckLocal, Severity::Warning)),
        "{c:?}"
    );
}

#[test]
fn optional_header_plain_http() {
    let a = matrix(
        [N400, N400, N400, N400],
        [OK200, OK200, OK200, OK200],
        SILENT,
    );
    let i = infer("t", &a, None, None, 21);
    assert_eq!(i.expects.proxy.name(), "optional");
    assert_eq!(i.expects.protocol.name(), "http");
}

#[test]
fn refused_and_silent_targets() {
    let a = matrix([REFUSED; 4], [REFUSED; 4], REFUSED);
    let i = infer("t", &a, None, None, 21);
    assert_eq!(
        (i.expects.proxy.name(), i.expects.protocol.name()),
        ("unknown", "unknown")
    );
    assert_eq!(codes(&i), [(Code::ConnectionRefused, Severity::Error)]);
    assert!(i.summary.contains("refused"));
    let a = matrix([SILENT; 4], [SILENT; 4], SILENT);
    let i = infer("t", &a, None, None, 21);
    assert_eq!(codes(&i), [(Code::TargetSilent, Severity::Error)]);
    assert_eq!(exit_code(&i.findings), 1);
}

#[test]
fn connect_timeouts() {
    let spec = AttemptSpec {
        header: HeaderChoice::None,
        payload: Payload::Tls,
    };
    let a = vec![judged(
        spec,
        b"",
        0,
        b"",
        Ending::Timeout,
        Some("timeout".into()),
    )];
    let i = infer("t", &a, None, None, 21);
    assert_eq!(codes(&i), [(Code::ConnectTimeout, Severity::Error)]);
}

#[test]
fn banners() {
    const SSH: Reply = (b"SSH-2.0-OpenSSH_9.2\r\n", Ending::Open);
    let a = matrix([SSH; 4], [SSH; 4], SSH);
    let i = infer("t", &a, None, None, 21);
    assert_eq!(
        (i.expects.proxy.name(), i.expects.protocol.name()),
        ("unknown", "tcp")
    );
    // Speaks first only after a header.
    let a = matrix([SILENT, SSH, SSH, SSH], [SILENT, SSH, SSH, SSH], SILENT);
    let i = infer("t", &a, None, None, 21);
    assert_eq!(
        (i.expects.proxy.name(), i.expects.protocol.name()),
        ("required", "tcp")
    );
}

#[test]
fn old_tls_only_server() {
    const ALERT70: Reply = (b"\x15\x03\x01\x00\x02\x02\x46", Ending::Closed);
    let a = matrix([ALERT70; 4], [CLOSE; 4], SILENT);
    let i = infer("t", &a, None, None, 21);
    assert_eq!(i.expects.protocol.name(), "tls");
    assert_eq!(i.expects.proxy.name(), "optional");
    assert!(codes(&i).contains(&(Code::TlsHandshakeFailed, Severity::Error)));
}

#[test]
fn a_balancer_in_front_adds_a_header_the_backend_does_not_parse() {
    // HAProxy `send-proxy-v2` in front of nginx `listen ssl`: every attempt gets the
    // backend's 400, even the well-formed GET sent without a header.
    const NGINX_400_GET: Reply = (
        b"HTTP/1.1 400 Bad Request\r\nServer: nginx/1.22.1\r\n\r\n<html><head><title>400 Bad Request</title></head></html>",
        Ending::Closed,
    );
    let a = matrix([N400; 4], [NGINX_400_GET; 4], SILENT);
    assert!(front_adds_header(&a));
    let i = infer("lb:443", &a, None, None, 21);
    assert_eq!(codes(&i), [(Code::ProxyHeaderNotExpected, Severity::Error)]);
    assert!(
        i.findings[0].summary.contains("something in front"),
        "{}",
        i.summary
    );
    assert_eq!(i.fingerprint, Some(Fingerprint::Nginx));
    assert!(i.summary.contains("adds a PROXY header"), "{}", i.summary);
    // nginx `listen ssl` probed directly is not that: the GET gets "plain HTTP ... HTTPS".
    let direct = matrix(
        [ACCEPT, N400, N400, N400],
        [(PLAIN_TO_TLS, Ending::Closed), N400, N400, N400],
        SILENT,
    );
    assert!(!front_adds_header(&direct));
}

#[test]
fn everything_closed_even_the_silent_connection() {
    // HAProxy `send-proxy-v2` in front of a Go crypto/tls server without go-proxyproto.
    let a = matrix([CLOSE; 4], [CLOSE; 4], CLOSE);
    assert!(closes_unprompted(&a));
    let i = infer("lb:443", &a, None, None, 21);
    // The bytes cannot tell a balancer adding a header the backend rejects from an
    // endpoint that closes everything itself (a dead upstream): one error says both.
    assert_eq!(codes(&i), [(Code::ConnectionClosed, Severity::Error)]);
    let text = format!("{} {:?}", i.findings[0].summary, i.findings[0].evidence);
    assert!(text.contains("adds a PROXY"), "{text}");
    assert!(text.contains("closes every connection itself"), "{text}");
    assert!(text.contains("no server available"), "{text}");
    assert!(i.verdict.ambiguous());
    assert!(
        i.summary.contains("even one on which nothing was sent"),
        "{}",
        i.summary
    );
    // A server that waits when nothing is sent is not that.
    let a = matrix([CLOSE; 4], [CLOSE; 4], SILENT);
    assert!(!closes_unprompted(&a));
}

#[test]
fn url_scheme_against_protocol() {
    use crate::path::Protocol;
    let e = |protocol| Expects {
        proxy: crate::path::Need::Forbidden,
        proxy_versions: vec![],
        protocol,
    };
    assert_eq!(
        scheme_findings(Some("https"), &e(Protocol::Http))[0].code,
        Code::TlsToPlaintextPort
    );
    assert_eq!(
        scheme_findings(Some("http"), &e(Protocol::Tls))[0].code,
        Code::PlaintextToTlsPort
    );
    assert!(scheme_findings(Some("https"), &e(Protocol::Tls)).is_empty());
    assert!(scheme_findings(None, &e(Protocol::Http)).is_empty());
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(200))]
    /// Whatever a peer sends, judging and inferring never panic and stay consistent.
    #[test]
    fn any_reply_is_judged_without_panic(
        replies in proptest::collection::vec(proptest::collection::vec(proptest::prelude::any::<u8>(), 0..300), 9),
        endings in proptest::collection::vec(0u8..5, 9),
    ) {
        let hs = [HeaderChoice::None, HeaderChoice::V1, HeaderChoice::V2, HeaderChoice::V2Local];
        let mut specs = Vec::new();
        for p in [Payload::Tls, Payload::Http] {
            for h in hs {
                specs.push((h, p));
            }
        }
        specs.push((HeaderChoice::None, Payload::Wait));
        let attempts: Vec<Attempt> = specs
            .iter()
            .zip(replies.iter().zip(&endings))
            .map(|((h, p), (r, e))| {
                let ending = [Ending::Closed, Ending::Reset, Ending::Timeout, Ending::Open, Ending::Refused][*e as usize];
                judged(AttemptSpec { header: *h, payload: *p }, CLIENT_HELLO, 0, r, ending, None)
            })
            .collect();
        let i = infer("t", &attempts, None, Some(HeaderChoice::V2), 21);
        proptest::prop_assert!(["required", "optional", "forbidden", "unknown"].contains(&i.expects.proxy.name()));
        proptest::prop_assert!(["tls", "http", "tcp", "unknown"].contains(&i.expects.protocol.name()));
        if i.expects.proxy == crate::path::Need::Unknown {
            proptest::prop_assert!(i.expects.proxy_versions.is_empty());
        }
        let _ = exit_code(&i.findings);
    }
}
