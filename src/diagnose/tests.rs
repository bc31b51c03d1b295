//! Exchanges built from bytes captured from real software on loopback (testdata/bytes).

use super::*;

const CLIENT_HELLO: &[u8] =
    include_bytes!("../../testdata/bytes/openssl-s_client-clienthello-sni-alpn.bin");
const S_SERVER_TLS13: &[u8] =
    include_bytes!("../../testdata/bytes/openssl-s_server-tls13-reply.bin");
const NGINX_400: &[u8] =
    include_bytes!("../../testdata/bytes/nginx-1.22-ssl-400-reply-to-proxy-v1.bin");

fn with_v1(payload: &[u8]) -> Vec<u8> {
    let mut v = b"PROXY TCP4 127.0.0.1 127.0.0.1 40000 18471\r\n".to_vec();
    v.extend_from_slice(payload);
    v
}

fn codes(v: &Verdict) -> Vec<Code> {
    v.findings.iter().map(|f| f.code).collect()
}

#[test]
fn header_to_nginx_ssl_is_not_expected() {
    let client = with_v1(CLIENT_HELLO);
    let v = judge(&Exchange {
        client: &client,
        server: NGINX_400,
        ending: Ending::Closed,
    });
    assert!(
        matches!(
            v.outcome,
            Outcome::HttpResponse {
                status: Some(400),
                ..
            }
        ),
        "{:?}",
        v.outcome
    );
    assert_eq!(v.fingerprint, Some(Fingerprint::Nginx));
    assert_eq!(codes(&v), [Code::ProxyHeaderNotExpected]);
    assert!(v.findings[0].fixes[0].starts_with("nginx:"));
    assert!(
        v.client_sees
            .iter()
            .any(|s| s.contains("wrong version number")),
        "{:?}",
        v.client_sees
    );
}

#[test]
fn header_then_silent_close_points_to_go_or_haproxy() {
    let client = with_v1(CLIENT_HELLO);
    let v = judge(&Exchange {
        client: &client,
        server: b"",
        ending: Ending::Closed,
    });
    assert_eq!(v.outcome, Outcome::ClosedSilently);
    assert_eq!(v.fingerprint, Some(Fingerprint::SilentCloser));
    assert_eq!(codes(&v), [Code::ProxyHeaderNotExpected]);
    assert!(
        v.findings[0].fixes[0].starts_with("Traefik:"),
        "Go first: {:?}",
        v.findings[0].fixes
    );
}

#[test]
fn header_then_alerts() {
    let client = with_v1(CLIENT_HELLO);
    for (desc, fp) in [
        (10u8, Fingerprint::JavaOrGnutls),
        (50, Fingerprint::Rustls),
        (22, Fingerprint::Openssl32),
    ] {
        let alert = [0x15, 0x03, 0x03, 0x00, 0x02, 0x02, desc];
        let v = judge(&Exchange {
            client: &client,
            server: &alert,
            ending: Ending::Closed,
        });
        assert_eq!(v.fingerprint, Some(fp), "alert {desc}");
        assert_eq!(codes(&v), [Code::ProxyHeaderNotExpected], "alert {desc}");
    }
    // An alert unrelated to reading the header is a plain handshake failure.
    let alert = [0x15, 0x03, 0x03, 0x00, 0x02, 0x02, 112];
    let v = judge(&Exchange {
        client: &client,
        server: &alert,
        ending: Ending::Closed,
    });
    assert_eq!(codes(&v), [Code::TlsHandshakeFailed]);
    assert!(
        v.findings[0].summary.contains("unrecognized_name"),
        "{}",
        v.findings[0].summary
    );
}

#[test]
fn tls_accepted_without_header_is_clean() {
    let v = judge(&Exchange {
        client: CLIENT_HELLO,
        server: S_SERVER_TLS13,
        ending: Ending::Open,
    });
    assert_eq!(
        v.outcome,
        Outcome::TlsAccepted {
            version: Some("TLS 1.3".into())
        }
    );
    assert!(v.findings.is_empty(), "{:?}", v.findings);
}

#[test]
fn tls_without_header_reset_is_missing_header() {
    let v = judge(&Exchange {
        client: CLIENT_HELLO,
        server: b"",
        ending: Ending::Reset,
    });
    assert_eq!(v.outcome, Outcome::Reset);
    assert_eq!(codes(&v), [Code::ProxyHeaderMissing]);
}

#[test]
fn tls_to_plaintext_port() {
    let reply = b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n";
    let v = judge(&Exchange {
        client: CLIENT_HELLO,
        server: reply,
        ending: Ending::Closed,
    });
    assert_eq!(codes(&v), [Code::TlsToPlaintextPort]);
}

#[test]
fn plaintext_to_nginx_tls_port() {
    let reply = b"HTTP/1.1 400 Bad Request\r\nServer: nginx/1.22.1\r\n\r\n<html>\r\n<head><title>400 The plain HTTP request was sent to HTTPS port</title></head>";
    let v = judge(&Exchange {
        client: b"GET / HTTP/1.1\r\nHost: x\r\n\r\n",
        server: reply,
        ending: Ending::Closed,
    });
    assert_eq!(codes(&v), [Code::PlaintextToTlsPort]);
}

#[test]
fn plaintext_answered_with_tls_alert() {
    let alert = [0x15, 0x03, 0x01, 0x00, 0x02, 0x02, 70];
    let v = judge(&Exchange {
        client: b"GET / HTTP/1.1\r\n\r\n",
        server: &alert,
        ending: Ending::Closed,
    });
    assert_eq!(codes(&v), [Code::PlaintextToTlsPort]);
}

#[test]
fn header_to_plain_http_answered_400() {
    let client = with_v1(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n");
    let reply = b"HTTP/1.1 400 Bad Request\r\nServer: nginx/1.22.1\r\n\r\n";
    let v = judge(&Exchange {
        client: &client,
        server: reply,
        ending: Ending::Closed,
    });
    assert_eq!(codes(&v), [Code::ProxyHeaderNotExpected]);
    // ... and answered 200: accepted.
    let v = judge(&Exchange {
        client: &client,
        server: b"HTTP/1.1 200 OK\r\n\r\n",
        ending: Ending::Closed,
    });
    assert!(v.findings.is_empty());
}

#[test]
fn refused_and_silent() {
    let v = judge(&Exchange {
        client: b"",
        server: b"",
        ending: Ending::Refused,
    });
    assert_eq!(codes(&v), [Code::ConnectionRefused]);
    let v = judge(&Exchange {
        client: CLIENT_HELLO,
        server: b"",
        ending: Ending::Timeout,
    });
    assert_eq!(v.outcome, Outcome::Silent);
    assert_eq!(codes(&v), [Code::TargetSilent]);
}

#[test]
fn banner_is_not_a_finding() {
    let v = judge(&Exchange {
        client: b"",
        server: b"SSH-2.0-OpenSSH_9.2p1 Debian-2\r\n",
        ending: Ending::Timeout,
    });
    assert!(matches!(v.outcome, Outcome::Banner { .. }));
    assert!(v.findings.is_empty());
}

#[test]
fn malformed_header_is_judged_by_the_opening_only() {
    let client = b"PROXY TCP4 1.2.3.4 5.6.7.8 +1 2\r\n";
    let v = judge(&Exchange {
        client,
        server: b"",
        ending: Ending::Closed,
    });
    assert_eq!(codes(&v), [Code::ProxyHeaderMalformed]);
}

#[test]
fn plaintext_reply_outcome_carries_the_status_line() {
    let client = with_v1(CLIENT_HELLO);
    let v = judge(&Exchange {
        client: &client,
        server: NGINX_400,
        ending: Ending::Closed,
    });
    match &v.outcome {
        Outcome::HttpResponse { line, .. } => assert_eq!(line, "HTTP/1.1 400 Bad Request"),
        other => panic!("{other:?}"),
    }
    assert_eq!(
        v.outcome.label(),
        "plaintext reply `HTTP/1.1 400 Bad Request`"
    );
}

#[test]
fn header_then_plaintext_on_a_tls_port_is_not_a_header_problem() {
    // nginx `listen ssl proxy_protocol` parsed the header, then got plaintext HTTP.
    let client = with_v1(b"GET / HTTP/1.1\r\nHost: t\r\n\r\n");
    let server = b"HTTP/1.1 400 Bad Request\r\nServer: nginx/1.22.1\r\n\r\n<html><head><title>400 The plain HTTP request was sent to HTTPS port</title></head></html>";
    let v = judge(&Exchange {
        client: &client,
        server,
        ending: Ending::Closed,
    });
    assert_eq!(codes(&v), [Code::PlaintextToTlsPort]);
}

#[test]
fn alerts_70_and_120_name_their_causes() {
    for (alert, words) in [(70u8, "TLS 1.3-only"), (120, "ALPN")] {
        let server = [0x15, 0x03, 0x03, 0x00, 0x02, 0x02, alert];
        let v = judge(&Exchange {
            client: include_bytes!(
                "../../testdata/bytes/openssl-s_client-clienthello-sni-alpn.bin"
            ),
            server: &server,
            ending: Ending::Closed,
        });
        let f = &v.findings[0];
        assert_eq!(f.code, Code::TlsHandshakeFailed);
        assert!(f.summary.contains(words), "{}", f.summary);
        assert!(!f.summary.contains("unrelated to PROXY"), "{}", f.summary);
    }
}
