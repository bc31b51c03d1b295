//! Table-driven tests of the path model: exchanges as bytes, the explanations that must
//! survive and the ones that must not.

use super::*;
use std::net::SocketAddr;

const V1: &[u8] = b"PROXY TCP4 127.0.0.1 127.0.0.1 40000 25\r\n";
const V2: &[u8] =
    b"\r\n\r\n\0\r\nQUIT\n\x21\x11\x00\x0c\x7f\x00\x00\x01\x7f\x00\x00\x01\x9c\x40\x00\x19";
const HELLO: &[u8] = b"\x16\x03\x01\x00\x2f\x01\x00\x00\x2b\x03\x03aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\x00\x00\x02\x13\x01\x01\x00";
const GET: &[u8] = b"GET / HTTP/1.1\r\nHost: x\r\n\r\n";
const SMTP: &[u8] = b"220 mx.example ESMTP Postfix (Debian/GNU)\r\n";
const SMTP_500: &[u8] =
    b"220 mx.example ESMTP Postfix (Debian/GNU)\r\n500 5.5.2 Error: command not recognized\r\n";
const HELLO_SH: &[u8] = b"\x16\x03\x03\x00\x31\x02\x00\x00\x2d\x03\x03bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb\x00\x13\x01\x00\x00\x05\xff\x01\x00\x01\x00";
const NGINX_400: &[u8] = b"HTTP/1.1 400 Bad Request\r\nServer: nginx\r\n\r\n";

fn client() -> Option<SocketAddr> {
    Some("127.0.0.1:40000".parse().unwrap())
}

fn cat(a: &[u8], b: &[u8]) -> Vec<u8> {
    [a, b].concat()
}

/// (header, payload, reply, end) → observation.
fn ob(h: &[u8], p: &[u8], reply: &[u8], end: End) -> Observation {
    observe("t", &cat(h, p), reply, end, client())
}

fn fronts(v: &Verdict) -> Vec<InFront> {
    let mut f: Vec<InFront> = v
        .explanations
        .iter()
        .flat_map(|e| e.in_front.clone())
        .collect();
    f.sort();
    f.dedup();
    f
}

#[test]
fn observations_are_classified() {
    let o = ob(V1, b"", SMTP_500, End::Open);
    assert_eq!(o.sent, Sent::V1);
    assert_eq!(o.payload, Payload::Nothing);
    assert_eq!(
        o.reply,
        Reply::Banner {
            app: App::Smtp,
            after: BannerAfter::Error
        }
    );
    let o = ob(b"", b"", SMTP, End::Open);
    assert!(matches!(
        o.reply,
        Reply::Banner {
            after: BannerAfter::Quiet,
            ..
        }
    ));
    // An echo of the whole thing: the header came back.
    let o = ob(V1, GET, &cat(V1, GET), End::Open);
    assert!(matches!(
        o.reply,
        Reply::Echo {
            ours_back: true,
            foreign: None,
            ..
        }
    ));
    // An echo of the payload only: the header was consumed.
    let o = ob(V1, GET, GET, End::Open);
    assert!(matches!(
        o.reply,
        Reply::Echo {
            ours_back: false,
            ..
        }
    ));
    // A header we did not send, naming us, then our bytes.
    let foreign = b"PROXY TCP4 127.0.0.1 127.0.0.9 40000 7\r\n";
    let o = ob(b"", GET, &cat(foreign, GET), End::Open);
    assert_eq!(
        o.reply,
        Reply::Echo {
            foreign: Some(1),
            names_client: true,
            ours_back: false
        }
    );
    let o = ob(
        V1,
        b"",
        b"-ERR unknown command 'PROXY', with args beginning with: 'TCP4'\r\n",
        End::Open,
    );
    assert_eq!(o.reply, Reply::Error { names_proxy: true });
    // Python http.server answering a ClientHello: HTML without a status line.
    let html = b"<!DOCTYPE HTML>\n<html lang=\"en\">\n<head><title>Error response</title></head><body><p>Error code: 400</p></body></html>\n";
    let o = ob(b"", HELLO, html, End::Closed);
    assert_eq!(
        o.reply,
        Reply::Http {
            status: None,
            plain_to_tls: false
        }
    );
}

#[test]
fn postfix_behind_a_balancer_that_adds_a_header_is_named() {
    // HAProxy send-proxy -> postfix without smtpd_upstream_proxy_protocol.
    let obs = vec![
        ob(b"", b"", SMTP_500, End::Open),
        ob(V1, b"", SMTP_500, End::Open),
        ob(V2, b"", SMTP_500, End::Open),
        ob(b"", HELLO, SMTP_500, End::Open),
    ];
    let v = solve(&InFront::ALL, &obs);
    assert_eq!(v.application, Some(App::Smtp));
    assert!(fronts(&v).iter().all(|f| *f != InFront::None), "{v:#?}");
    assert!(
        v.explanations
            .iter()
            .all(|e| e.code == Some(crate::findings::Code::ProxyHeaderNotExpected)),
        "{v:#?}"
    );
}

#[test]
fn postfix_reached_directly_without_proxy_support() {
    let obs = vec![
        ob(b"", b"", SMTP, End::Open),
        ob(V1, b"", SMTP_500, End::Open),
        ob(V2, b"", SMTP_500, End::Open),
    ];
    let v = solve(&InFront::ALL, &obs);
    assert_eq!(v.top().unwrap().in_front, [InFront::None], "{v:#?}");
    let a = v.accepts.expect("one contract");
    assert_eq!(a.proxy().name(), "forbidden");
    assert!(v.explanations.iter().all(|e| e.code.is_none()), "{v:#?}");
}

#[test]
fn postfix_requiring_the_header() {
    let obs = vec![
        ob(b"", b"", b"", End::Open),
        ob(V1, b"", SMTP, End::Open),
        ob(V2, b"", SMTP, End::Open),
    ];
    let v = solve(&InFront::ALL, &obs);
    let a = v.accepts.expect("one contract");
    assert_eq!(a.proxy().name(), "required");
    assert_eq!(
        crate::path::expects::versions_text(&a.versions(), ","),
        "v1,v2"
    );
    assert_eq!(v.application, Some(App::Smtp));
}

#[test]
fn a_plaintext_get_served_rules_out_a_tls_server() {
    // Tomcat, direct: headers read as request lines (400), a GET without one served.
    let tomcat_400 = b"HTTP/1.1 400 \r\nContent-Type: text/html;charset=utf-8\r\n\r\n";
    let obs = vec![
        ob(V2, GET, tomcat_400, End::Closed),
        ob(V1, GET, tomcat_400, End::Closed),
        ob(V2, HELLO, tomcat_400, End::Closed),
        ob(
            b"",
            GET,
            b"HTTP/1.1 200 \r\nContent-Length: 3\r\n\r\nok\n",
            End::Open,
        ),
    ];
    let v = solve(&InFront::ALL, &obs);
    assert_eq!(v.application, Some(App::Http), "{v:#?}");
    assert!(
        v.explanations.iter().all(|e| e.application == App::Http),
        "a TLS server does not answer a plaintext GET with 200: {v:#?}"
    );
}

#[test]
fn the_fixed_balancer_is_ambiguous_and_says_so() {
    // HAProxy send-proxy-v2 -> nginx listen ssl proxy_protocol: works without a header.
    let obs = vec![
        ob(b"", HELLO, HELLO_SH, End::Open),
        ob(V1, HELLO, NGINX_400, End::Closed),
        ob(V2, HELLO, NGINX_400, End::Closed),
        ob(b"", GET, b"HTTP/1.1 400 Bad Request\r\nServer: nginx\r\n\r\nThe plain HTTP request was sent to HTTPS port", End::Closed),
    ];
    let v = solve(&InFront::ALL, &obs);
    assert_eq!(v.application, Some(App::Tls));
    assert_eq!(v.accepts.map(|a| a.proxy().name()), Some("forbidden"));
    let f = fronts(&v);
    assert!(
        f.contains(&InFront::None) && f.contains(&InFront::AddsV2),
        "{v:#?}"
    );
    assert!(
        v.explanations[1]
            .summary
            .contains("adds a PROXY v1 or v2 header")
    );
    assert!(v.in_front.is_none());
    assert!(
        v.tell_apart
            .as_deref()
            .unwrap()
            .contains("ppdiag probe BACKEND:PORT")
    );
    // Every explanation serves a client that sends no header.
    assert!(v.explanations.iter().all(|e| e.code.is_none()), "{v:#?}");
}

#[test]
fn an_echo_shows_a_balancer_that_adds_a_header() {
    // nginx stream proxy_protocol on -> socat echo.
    let foreign = b"PROXY TCP4 127.0.0.1 127.0.0.1 40000 7000\r\n";
    let obs = vec![
        ob(b"", b"", foreign, End::Open),
        ob(b"", GET, &cat(foreign, GET), End::Open),
        ob(V1, GET, &[&foreign[..], V1, GET].concat(), End::Open),
    ];
    let v = solve(&InFront::ALL, &obs);
    assert_eq!(v.application, Some(App::Echo));
    assert_eq!(v.in_front, Some(InFront::AddsV1), "{v:#?}");
    assert_eq!(
        v.top().unwrap().code,
        Some(crate::findings::Code::ProxyHeaderNotExpected)
    );
}

#[test]
fn a_plain_echo_is_healthy() {
    let obs = vec![
        ob(b"", b"", b"", End::Open),
        ob(b"", GET, GET, End::Open),
        ob(V1, GET, &cat(V1, GET), End::Open),
        ob(V2, HELLO, &cat(V2, HELLO), End::Open),
    ];
    let v = solve(&InFront::ALL, &obs);
    assert_eq!(v.application, Some(App::Echo));
    // A balancer adding a header that a reader consumes looks the same from here.
    assert_eq!(v.top().unwrap().in_front, [InFront::None]);
    assert_eq!(v.accepts.map(|a| a.proxy().name()), Some("forbidden"));
    assert!(v.explanations.iter().all(|e| e.code.is_none()), "{v:#?}");
}

#[test]
fn an_echo_behind_a_correct_proxy_reader() {
    // nginx stream listen proxy_protocol -> echo: the header is consumed.
    let obs = vec![
        ob(b"", b"", b"", End::Closed),
        ob(b"", GET, b"", End::Reset),
        ob(V1, GET, GET, End::Open),
        ob(V2, GET, GET, End::Open),
    ];
    let v = solve(&InFront::ALL, &obs);
    assert_eq!(v.application, Some(App::Echo), "{v:#?}");
    assert_eq!(v.accepts.map(|a| a.proxy().name()), Some("required"));
}

#[test]
fn redis_reads_the_header_as_a_command() {
    let obs = vec![
        ob(b"", b"", b"", End::Open),
        ob(
            V1,
            b"",
            b"-ERR unknown command 'PROXY', with args beginning with: \r\n",
            End::Open,
        ),
        ob(b"", GET, b"", End::Closed),
    ];
    let v = solve(&InFront::ALL, &obs);
    assert_eq!(v.application, Some(App::Redis), "{v:#?}");
    assert_eq!(v.accepts.map(|a| a.proxy().name()), Some("forbidden"));
}

#[test]
fn an_endpoint_that_closes_everything_has_two_explanations() {
    let obs = vec![
        ob(b"", b"", b"", End::Closed),
        ob(b"", HELLO, b"", End::Closed),
        ob(V1, HELLO, b"", End::Closed),
        ob(V2, HELLO, b"", End::Closed),
        ob(b"", GET, b"", End::Closed),
    ];
    let v = solve(&InFront::ALL, &obs);
    assert!(v.ambiguous());
    let apps: Vec<App> = v.explanations.iter().map(|e| e.application).collect();
    assert!(apps.contains(&App::Closes), "{v:#?}");
    assert!(v.explanations.iter().all(|e| e.code.is_some()), "{v:#?}");
    assert!(
        v.tell_apart
            .as_deref()
            .unwrap()
            .contains("no server available")
    );
}

#[test]
fn deliveries_follow_the_spec() {
    use predict::{Delivery, deliver};
    let v2req = Reader {
        reads: Reads::V2,
        required: true,
    };
    assert_eq!(
        deliver(InFront::None, v2req, Sent::V1, Payload::Tls),
        Delivery::Refused
    );
    assert_eq!(
        deliver(InFront::None, v2req, Sent::None, Payload::Nothing),
        Delivery::Waiting
    );
    assert_eq!(
        deliver(InFront::AddsV2, v2req, Sent::V1, Payload::Tls),
        Delivery::Received {
            foreign: false,
            ours: true
        }
    );
    let none = Reader {
        reads: Reads::Nothing,
        required: false,
    };
    assert_eq!(
        deliver(InFront::AddsV1, none, Sent::None, Payload::Tls),
        Delivery::Received {
            foreign: true,
            ours: false
        }
    );
}

#[test]
fn contradictory_observations_leave_no_explanation() {
    // A handshake without a header and an SMTP banner on the same endpoint.
    let obs = vec![
        ob(b"", HELLO, HELLO_SH, End::Open),
        ob(b"", b"", SMTP, End::Open),
    ];
    assert!(solve(&InFront::ALL, &obs).inconsistent());
}
