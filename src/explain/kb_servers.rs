//! Knowledge base, part 2: what servers and balancers log (OpenSSL-based servers, Go
//! servers and go-proxyproto, Tomcat 10.1, nginx, HAProxy, Envoy).
//!
//! Rules: data only; wordings taken from the programs (observed on loopback) or their sources; see
//! [`super::kb`] for the meaning of each field. General entries come before the entries
//! that refine them.

use super::kb::*;
use crate::findings::Code::*;

const MISSING: CauseSpec = cause(
    ProxyHeaderMissing,
    "The listener requires a PROXY header and the connection had none: a direct test, hairpin \
     traffic inside the cluster, a health check, or a balancer whose PROXY setting was never \
     applied (AWS target group `proxy_protocol_v2.enabled` still false).",
);
const MALFORMED: CauseSpec = cause(
    ProxyHeaderMalformed,
    "A header arrived but breaks the spec (v1 field rules, v2 version/command/family bytes or \
     length).",
);
const PLAIN_TO_TLS: CauseSpec = cause(
    PlaintextToTlsPort,
    "Plain HTTP reached the TLS port: an `http://` URL, a balancer health check speaking HTTP, \
     or a balancer that terminates TLS and forwards plaintext.",
);
const BROKEN_POINTS: &str = "The backend is the one logging it; the sender is whatever \
    connected without a valid header.";

pub(crate) static ENTRIES: &[Entry] = &[
    // OpenSSL-based TLS servers.
    Entry {
        id: "openssl-http-request",
        source: "OpenSSL-based TLS server (nginx stream ssl, HAProxy, Node, Python, s_server)",
        side: Side::Server,
        patterns: &["http request", "0a00009c", "1408f09c"],
        refines: None,
        examples: &[
            "error:0A00009C:SSL routines::http request",
            "SSL_do_handshake() failed (SSL: error:1408F09C:SSL routines:ssl3_get_record:http request) while SSL handshaking, client: 10.0.0.1, server: 0.0.0.0:443",
        ],
        causes: &[PLAIN_TO_TLS],
        byte_reason: "The first bytes were `GET `, `POST `, `HEAD ` or `PUT `: OpenSSL recognises an HTTP method where the ClientHello (0x16 0x03) belongs.",
        points_to: "The client or health check that sends plain HTTP to this TLS port.",
        commands: &[PROBE, DECODE],
    },
    Entry {
        id: "openssl-https-proxy-request",
        source: "OpenSSL-based TLS server",
        side: Side::Server,
        patterns: &["https proxy request", "0a00009b", "1408f09b"],
        refines: None,
        examples: &["error:0A00009B:SSL routines::https proxy request"],
        causes: &[cause(
            PlaintextToTlsPort,
            "A client configured to use this port as an HTTPS forward proxy sent `CONNECT host:443` in plaintext.",
        )],
        byte_reason: "The first bytes were `CONNE`: a plaintext proxy CONNECT where the ClientHello belongs.",
        points_to: "A client whose proxy setting points at this TLS port.",
        commands: &[PROBE, DECODE],
    },
    Entry {
        id: "openssl-no-shared-cipher",
        source: "OpenSSL-based TLS server",
        side: Side::Server,
        patterns: &["no shared cipher", "0a0000c1", "1408a0c1"],
        refines: None,
        examples: &["error:1408A0C1:SSL routines:ssl3_get_client_hello:no shared cipher"],
        causes: &[cause(
            TlsHandshakeFailed,
            "The ClientHello offered no cipher the server accepts (or the server has no certificate for the key type the ciphers need).",
        )],
        byte_reason: "The ClientHello parsed: the bytes were TLS, so the PROXY layering is fine.",
        points_to: "The server's cipher and certificate configuration.",
        commands: &[PROBE, SEND_TLS],
    },
    // Go servers and go-proxyproto.
    Entry {
        id: "go-tls-handshake-error",
        source: "Go net/http server (Traefik, Go services)",
        side: Side::Server,
        patterns: &["http: tls handshake error from"],
        refines: None,
        examples: &[
            "2024/05/01 12:00:00 http: TLS handshake error from 10.0.0.1:51234: read tcp 10.0.0.2:443->10.0.0.1:51234: i/o timeout",
        ],
        causes: &[
            cause(
                ProxyHeaderNotExpected,
                "With `first record does not look like a TLS handshake` after it: a PROXY header reached an entry point without `proxyProtocol`.",
            ),
            cause(
                TlsHandshakeFailed,
                "Otherwise a handshake that failed for TLS reasons (versions, ciphers, a client rejecting the certificate); the text after the address says which.",
            ),
        ],
        byte_reason: "The reason after the client address is the byte-level cause; Go prints it verbatim.",
        points_to: "This Go server (Traefik: the entry point named in the log).",
        commands: &[PROBE, SEND_V2_TLS, SEND_TLS, DECODE],
    },
    Entry {
        id: "go-tls-handshake-error-eof",
        source: "Go net/http server (Traefik, Go services)",
        side: Side::Server,
        patterns: &["http: tls handshake error from *: eof"],
        refines: Some("go-tls-handshake-error"),
        examples: &["http: TLS handshake error from 10.0.0.1:51234: EOF"],
        causes: &[
            cause(
                TlsHandshakeFailed,
                "The client closed before finishing the handshake: a TCP health check or scanner that connects and leaves, or a client that gave up.",
            ),
            cause(
                HealthCheckLocal,
                "Balancer health checks (NLB TCP checks every few seconds) produce one line per check; harmless if the intervals match.",
            ),
        ],
        byte_reason: "The peer closed (FIN) before sending a complete ClientHello.",
        points_to: "Whoever connects to this port: compare the client address with the balancer's health-check addresses.",
        commands: &[DECODE, PROBE],
    },
    Entry {
        id: "tomcat-method-name-proxy-v2",
        source: "Apache Tomcat (HTTP connector)",
        side: Side::Server,
        patterns: &["invalid character found in method name [0x000x0d0x0aquit0x0a"],
        refines: None,
        examples: &[
            "java.lang.IllegalArgumentException: Invalid character found in method name [0x000x0d0x0aQUIT0x0a!0x110x000x0c0x7f0x000x000x010x7f0x000x000x010xbc0xbeqWGET ]. HTTP method names must be tokens",
        ],
        causes: &[cause(
            ProxyHeaderNotExpected,
            "A balancer in front sends a PROXY v2 header (AWS NLB `proxy_protocol_v2.enabled`, HAProxy `send-proxy-v2`) and Tomcat, which has no PROXY reader, parsed it as a request line. Stop sending the header to Tomcat, or end the PROXY hop in front of it.",
        )],
        byte_reason: "Tomcat skips the signature's two leading CRLFs as blank lines, then reads `\\0\\r\\nQUIT\\n`, the rest of the v2 signature, as the method name; the client's own request (`GET`) follows the 28 bytes of the header.",
        points_to: "Tomcat (or a Java service on it) behind a balancer that sends PROXY v2.",
        commands: &[PROBE, DECODE],
    },
    Entry {
        id: "tomcat-http-protocol-proxy-v1",
        source: "Apache Tomcat (HTTP connector)",
        side: Side::Server,
        patterns: &["invalid character found in the http protocol ["],
        refines: None,
        examples: &[
            "java.lang.IllegalArgumentException: Invalid character found in the HTTP protocol [127.0.0.1 127.0.0.1 ]",
        ],
        causes: &[
            cause(
                ProxyHeaderNotExpected,
                "When the bracket holds two addresses: a balancer in front sends a PROXY v1 line (HAProxy `send-proxy`, nginx stream `proxy_protocol on`) and Tomcat, which has no PROXY reader, parsed it as a request line: `PROXY` as the method, `TCP4` as the target, the addresses where `HTTP/1.1` belongs.",
            ),
            cause(
                ProtocolMismatch,
                "Otherwise: a client sent a request line whose third word is not `HTTP/1.x`.",
            ),
        ],
        byte_reason: "`PROXY TCP4 <source> <destination> <ports>` has the shape of a request line up to its third word, which Tomcat reads as the protocol version.",
        points_to: "Tomcat (or a Java service on it) behind a balancer that sends PROXY v1.",
        commands: &[PROBE, DECODE],
    },
    Entry {
        id: "tomcat-method-name-tls",
        source: "Apache Tomcat (HTTP connector)",
        side: Side::Server,
        patterns: &["invalid character found in method name [0x160x03*"],
        refines: None,
        examples: &[
            "java.lang.IllegalArgumentException: Invalid character found in method name [0x160x030x010x020x000x010x000x010xfc0x030x03...]. HTTP method names must be tokens",
        ],
        causes: &[cause(
            TlsToPlaintextPort,
            "A TLS ClientHello reached Tomcat's plaintext HTTP connector: an `https://` URL to the HTTP port, or a balancer that forwards TLS to it (TLS passthrough to the wrong port).",
        )],
        byte_reason: "`0x16 0x03` is a TLS handshake record: the ClientHello's first bytes read as a method name.",
        points_to: "A TLS client or TLS passthrough aimed at Tomcat's plaintext port.",
        commands: &[PROBE],
    },
    Entry {
        id: "go-client-sent-http",
        source: "Go net/http server (reply body)",
        side: Side::Server,
        patterns: &["client sent an http request to an https server"],
        refines: None,
        examples: &[
            "HTTP/1.0 400 Bad Request\r\n\r\nClient sent an HTTP request to an HTTPS server.",
        ],
        causes: &[PLAIN_TO_TLS],
        byte_reason: "The Go TLS server saw bytes that look like an HTTP method (`GET /`, `HEAD `, `POST `, `PUT /`, `OPTIO`) and answered a plaintext 400; a PROXY header does not get this answer.",
        points_to: "A Go server (Traefik, Caddy, Go services) on that TLS port.",
        commands: &[PROBE, DECODE],
    },
    Entry {
        id: "grpc-bogus-greeting",
        source: "gRPC-Go server (internal/transport/http2_server.go); Go's HTTP/2 server (h2c)",
        side: Side::Server,
        patterns: &[
            "received bogus greeting from client",
            "error reading preface from client * bogus greeting",
        ],
        refines: None,
        examples: &[
            "grpc: Server.Serve failed to create ServerTransport: connection error: desc = \"transport: http2Server.HandleStreams received bogus greeting from client: \\\"GET /health HTTP/1.1\\r\\nHo\\\"\"",
        ],
        causes: &[
            cause(
                ProtocolMismatch,
                "The first 24 bytes were not HTTP/2's preface (`PRI * HTTP/2.0...`): an HTTP/1 request (a balancer's health check, a client without HTTP/2 prior knowledge), when the quoted bytes start with a method.",
            ),
            cause(
                ProxyHeaderNotExpected,
                "When they start with `PROXY ` or `\\r\\n\\r\\n\\x00\\r\\nQUIT`: a balancer in front sends a PROXY header and the gRPC server has no reader for it.",
            ),
            cause(
                TlsToPlaintextPort,
                "When they start with `\\x16\\x03`: a TLS client (or TLS passthrough) reached a plaintext (h2c) port.",
            ),
        ],
        byte_reason: "The server quotes the 24 bytes it read where the HTTP/2 client preface belongs; their first bytes say what was sent instead.",
        points_to: "A gRPC or Go HTTP/2 cleartext server.",
        commands: &[PROBE],
    },
    Entry {
        id: "grpc-bogus-greeting-proxy",
        source: "gRPC-Go server (internal/transport/http2_server.go); Go's HTTP/2 server (h2c)",
        side: Side::Server,
        patterns: &[
            "bogus greeting * proxy tcp4",
            "bogus greeting * proxy tcp6",
            "bogus greeting * proxy unknown",
            "bogus greeting * \\r\\n\\r\\n\\x00\\r\\nquit\\n",
        ],
        refines: Some("grpc-bogus-greeting"),
        examples: &[
            "transport: http2Server.HandleStreams received bogus greeting from client: \"PROXY TCP4 10.0.0.1 10.0\"",
            "http2: server: error reading preface from client 10.0.0.1:40000: bogus greeting \"\\r\\n\\r\\n\\x00\\r\\nQUIT\\n!\\x11\\x00\\f\\n\\x00\\x00\\x01\\n\\x00\"",
        ],
        causes: &[cause(
            ProxyHeaderNotExpected,
            "A balancer in front (AWS NLB `proxy_protocol_v2.enabled`, HAProxy `send-proxy`/`send-proxy-v2`) sends a PROXY header to a gRPC server, which has no reader for it: wrap its listener in one (go-proxyproto's `proxyproto.Listener` for a Go server), or stop sending the header.",
        )],
        byte_reason: "The 24 bytes where the HTTP/2 preface belongs begin with a PROXY v1 line or the v2 signature.",
        points_to: "A gRPC or Go HTTP/2 cleartext server behind a balancer that sends PROXY.",
        commands: &[PROBE, DECODE],
    },
    Entry {
        id: "go-proxyproto-signature",
        source: "go-proxyproto (Traefik, Go services)",
        side: Side::Server,
        patterns: &["proxy protocol signature not present"],
        refines: None,
        examples: &["proxyproto: proxy protocol signature not present"],
        causes: &[
            cause(
                ProxyHeaderMissing,
                "The listener's policy is REQUIRE (the default since go-proxyproto v0.15) and the connection sent no header, or sent nothing before the read-header timeout (10 s by default).",
            ),
            cause(
                ProxyHeaderDuplicated,
                "Rarely: a header arrived after other bytes (a second balancer's data ahead of it).",
            ),
        ],
        byte_reason: "The first bytes were neither `PROXY ` nor the 12-byte v2 signature `0D 0A 0D 0A 00 0D 0A 51 55 49 54 0A`.",
        points_to: "A Go backend using go-proxyproto (Traefik with `proxyProtocol` on the entry point).",
        commands: &[PROBE, SEND_V2_TLS, SEND_TLS, SERVE_REQUIRED],
    },
    Entry {
        id: "go-proxyproto-superfluous",
        source: "go-proxyproto (Traefik, Caddy's `proxy_protocol` listener wrapper, Go services)",
        side: Side::Server,
        patterns: &["upstream connection sent proxy header but isn't allowed to send one"],
        refines: None,
        examples: &[
            "proxyproto: upstream connection sent PROXY header but isn't allowed to send one",
        ],
        causes: &[cause(
            ProxyHeaderNotExpected,
            "The listener's policy for this source is REJECT (go-proxyproto's `ConnPolicy`, Caddy's `deny` ranges): a header arrived from an address that is not a trusted balancer. Either the balancer's address is missing from the trusted ranges, or a client is trying to claim another address (which the policy rightly stops).",
        )],
        byte_reason: "A PROXY signature at the start of a connection from a source whose policy forbids one.",
        points_to: "The trusted-source list (Traefik `proxyProtocol.trustedIPs`, Caddy `allow`/`deny`, the Go service's policy function) against the balancer's real source address.",
        commands: &[PROBE],
    },
    Entry {
        id: "go-proxyproto-invalid",
        source: "go-proxyproto",
        side: Side::Server,
        patterns: &[
            "proxyproto: unknown proxy protocol version",
            "proxyproto: unsupported proxy protocol version and command",
            "proxyproto: unsupported address family and protocol",
            "proxyproto: can't read",
        ],
        refines: None,
        examples: &[
            "proxyproto: unsupported proxy protocol version and command",
            "proxyproto: can't read length",
        ],
        causes: &[
            MALFORMED,
            cause(
                ProxyHeaderIncomplete,
                "`can't read ...`: the header stopped before its end.",
            ),
        ],
        byte_reason: "The signature matched, then a later byte broke the rules: byte 12 (version 2, command 0 or 1), byte 13 (family and transport) or the length.",
        points_to: "The sender of the header (a balancer or a hand-written client).",
        commands: &[INSPECT, DECODE, SEND_V2_TLS],
    },
    // nginx.
    Entry {
        id: "nginx-broken-header",
        source: "nginx (`listen ... proxy_protocol`)",
        side: Side::Server,
        patterns: &[
            "broken header:",
            "broken header: * while reading proxy protocol",
        ],
        refines: None,
        examples: &[
            "2024/05/01 12:00:00 [error] 1234#1234: *5 broken header: \"\\x16\\x03\\x01\\x02\\x00\\x01\\x00\\x01\\xfc\\x03\\x03\" while reading PROXY protocol, client: 10.0.0.1, server: 0.0.0.0:443",
            "broken header: \"GET / HTTP/1.1\" while reading PROXY protocol",
            "broken header: \"\" while reading PROXY protocol, client: 10.0.0.9, server: 0.0.0.0:80",
        ],
        causes: &[
            MISSING,
            MALFORMED,
            cause(
                ProxyVersionUnsupported,
                "A v2 header reached an nginx older than 1.13.11, which reads v1 only.",
            ),
        ],
        byte_reason: "nginx quotes what it read instead of a header: `\\x16\\x03\\x01` is a TLS ClientHello, `GET /` plain HTTP, `\"\"` nothing at all (a health check).",
        points_to: BROKEN_POINTS,
        commands: &[INSPECT, PROBE, SEND_V2_TLS, DECODE],
    },
    Entry {
        id: "nginx-header-too-large",
        source: "nginx",
        side: Side::Server,
        patterns: &["header is too large"],
        refines: None,
        examples: &[
            "2024/05/01 12:00:00 [error] 1234#1234: *7 header is too large while reading PROXY protocol, client: 10.0.0.1",
        ],
        causes: &[cause(
            ProxyHeaderMalformed,
            "The v2 length field announces more than nginx reads: garbage after the signature, \
             or a header whose TLVs (large NOOP or custom TLVs) exceed nginx's buffer.",
        )],
        byte_reason: "The v2 length field (bytes 14-15) announced more than nginx's limit, or a v1 line had no CRLF within 107 bytes.",
        points_to: "The sender of the header: its length field or its TLVs.",
        commands: &[DECODE, INSPECT],
    },
    Entry {
        id: "nginx-unknown-version",
        source: "nginx",
        side: Side::Server,
        patterns: &["unknown proxy protocol version"],
        refines: None,
        examples: &[
            "unknown PROXY protocol version: 3 while reading PROXY protocol, client: 10.0.0.1",
        ],
        causes: &[
            MALFORMED,
            cause(
                ProxyVersionUnsupported,
                "The header's version nibble is not one this nginx reads.",
            ),
        ],
        byte_reason: "The v2 signature matched but the high nibble of byte 12 is not 2.",
        points_to: "The sender of the header.",
        commands: &[DECODE, INSPECT],
    },
    Entry {
        id: "nginx-plain-http-to-https",
        source: "nginx (`listen ... ssl`)",
        side: Side::Server,
        patterns: &["the plain http request was sent to https port"],
        refines: None,
        examples: &["400 The plain HTTP request was sent to HTTPS port"],
        causes: &[PLAIN_TO_TLS],
        byte_reason: "nginx's first byte was neither 0x16 nor 0x80, it parsed an HTTP request, and answered this 400 over plaintext.",
        points_to: "An nginx TLS listener reached over plain HTTP.",
        commands: &[PROBE, DECODE],
    },
    Entry {
        id: "nginx-400-bad-request",
        source: "nginx (HTTP reply)",
        side: Side::Server,
        patterns: &["400 bad request"],
        refines: None,
        examples: &[
            "HTTP/1.1 400 Bad Request",
            "<html><head><title>400 Bad Request</title></head>",
        ],
        causes: &[
            cause(
                ProxyHeaderNotExpected,
                "A PROXY header reached nginx without `proxy_protocol` on the listen line: nginx read it as a bad request line (on a TLS port the client then reports `wrong version number`).",
            ),
            cause(
                ProxyHeaderDuplicated,
                "Two headers: nginx consumed one and read the second as the request.",
            ),
            PLAIN_TO_TLS,
        ],
        byte_reason: "nginx answered in plaintext; its access log shows the request it could not parse: `\"PROXY TCP4 ...\" 400` (v1) or `\"\\x00\" 400` (v2).",
        points_to: "nginx; look for the 400 in its access log (the error log has it only at info level).",
        commands: &[PROBE, SEND_V2_TLS, SEND_V1_HTTP, DECODE],
    },
    Entry {
        id: "nginx-access-log-tls",
        source: "nginx access log",
        side: Side::Server,
        patterns: &["\"\\x16\\x03*\" 400"],
        refines: None,
        examples: &[
            "127.0.0.1 - - [01/Dec/2026:09:38:57 +0000] \"\\x16\\x03\\x01\\x02\\x00\\x01\\x00\\x01\\xFC\\x03\\x03...\" 400 157 \"-\" \"-\"",
        ],
        causes: &[cause(
            TlsToPlaintextPort,
            "A TLS ClientHello reached a plaintext `listen` (no `ssl`): an `https://` URL to the HTTP port, or a balancer passing TLS through to it. nginx logged the record as the request line and answered a plaintext 400, which the TLS client reports as `wrong version number`.",
        )],
        byte_reason: "`\\x16\\x03` is a TLS handshake record; nginx escapes the bytes it cannot print in the request line it logs.",
        points_to: "This nginx listen line: `ssl` missing, or the client should use http://.",
        commands: &[PROBE],
    },
    Entry {
        id: "nginx-access-log-proxy",
        source: "nginx access log",
        side: Side::Server,
        patterns: &[
            "\"proxy tcp4",
            "\"proxy tcp6",
            "\"proxy unknown",
            "\"\\x00\" 400",
        ],
        refines: None,
        examples: &[
            "10.0.0.5 - - [01/May/2024:12:00:00 +0000] \"PROXY TCP4 203.0.113.7 10.0.0.5 51234 443\" 400 157 \"-\" \"-\"",
            "10.0.0.5 - - [01/May/2024:12:00:00 +0000] \"\\x00\" 400 157 \"-\" \"-\"",
        ],
        causes: &[
            cause(
                ProxyHeaderNotExpected,
                "The listener lacks `proxy_protocol` and the balancer sends a header: nginx logged it as the request line.",
            ),
            cause(
                ProxyHeaderDuplicated,
                "The listener has `proxy_protocol` but a second header followed the first.",
            ),
        ],
        byte_reason: "A v1 header is ASCII and shows as is; a v2 header's CR LF CR LF is skipped as empty lines and the request line starts at its NUL byte, logged `\\x00`.",
        points_to: "This nginx listen line: add `proxy_protocol` (and `set_real_ip_from`/`real_ip_header proxy_protocol`).",
        commands: &[PROBE, SEND_V2_TLS, SEND_V1_HTTP, SERVE_FORBIDDEN],
    },
    Entry {
        id: "nginx-invalid-request-line",
        source: "nginx (error log, info level)",
        side: Side::Server,
        patterns: &["client sent invalid request", "client sent invalid method"],
        refines: None,
        examples: &[
            "2024/05/01 12:00:00 [info] 1234#1234: *3 client sent invalid method while reading client request line, client: 10.0.0.1",
        ],
        causes: &[
            cause(
                ProxyHeaderNotExpected,
                "A PROXY header (v2 binary, or a v1 line) reached a listener without `proxy_protocol`.",
            ),
            cause(
                TlsToPlaintextPort,
                "A TLS ClientHello reached a plain HTTP listener.",
            ),
        ],
        byte_reason: "The first line was not `METHOD /path HTTP/x`: a PROXY line has `TCP4` where the path belongs, binary bytes have no method.",
        points_to: "This nginx listener.",
        commands: &[PROBE, SEND_V2_TLS, DECODE],
    },
    Entry {
        id: "nginx-upstream-prematurely-closed",
        source: "nginx (proxy_pass to an upstream)",
        side: Side::Client,
        patterns: &[
            "upstream prematurely closed connection while reading response header from upstream",
        ],
        refines: None,
        examples: &[
            "2026/12/01 09:44:27 [error] 7441#7441: *1 upstream prematurely closed connection while reading response header from upstream, client: 127.0.0.1, server: , request: \"GET / HTTP/1.1\", upstream: \"http://127.0.0.1:29281/\", host: \"127.0.0.1:29280\"",
        ],
        causes: &[
            cause(
                ProxyHeaderMissing,
                "The upstream requires a PROXY header (nginx `listen ... proxy_protocol`, go-proxyproto REQUIRE, Traefik with `proxyProtocol`) and nginx's `proxy_pass` cannot send one (only `stream` has `proxy_protocol on`): the upstream read the request line as a broken header and closed; its own log says so (nginx: `broken header: \"GET / HTTP/1.1`).",
            ),
            cause(
                ConnectionClosed,
                "The upstream closed before answering for another reason: it crashed or restarted, or a keep-alive connection it had already closed was reused. `ppdiag probe UPSTREAM:PORT` tells them apart: an upstream that requires a header answers its v1 and v2 attempts.",
            ),
        ],
        byte_reason: "nginx sent the request and got no byte of a response before the upstream closed.",
        points_to: "The upstream behind this `proxy_pass`, and whether it requires a PROXY header.",
        commands: &["ppdiag probe UPSTREAM:PORT"],
    },
    Entry {
        id: "nginx-upstream-ssl-handshake",
        source: "nginx (proxy_ssl to an upstream)",
        side: Side::Client,
        patterns: &[
            "ssl_do_handshake() failed * while ssl handshaking to upstream",
            "peer closed connection in ssl handshake * to upstream",
        ],
        refines: None,
        examples: &[
            "SSL_do_handshake() failed (SSL: error:0A00010B:SSL routines::wrong version number) while SSL handshaking to upstream, client: 10.0.0.1",
            "peer closed connection in SSL handshake (104: Connection reset by peer) while SSL handshaking to upstream",
        ],
        causes: &[
            cause(
                ProxyHeaderNotExpected,
                "nginx stream with `proxy_protocol on` sends a header to an upstream TLS listener that does not parse it.",
            ),
            cause(
                TlsToPlaintextPort,
                "`proxy_pass https://` (or `proxy_ssl on`) to an upstream port that serves plaintext.",
            ),
            cause(
                ProxyHeaderMissing,
                "The upstream requires a PROXY header and nginx does not send one.",
            ),
        ],
        byte_reason: "nginx is the TLS client here; the OpenSSL reason in parentheses says what the upstream sent back.",
        points_to: "The upstream named in the log line.",
        commands: &[PROBE, SEND_V2_TLS, SEND_TLS],
    },
    Entry {
        id: "nginx-proxy-protocol-timeout",
        source: "nginx",
        side: Side::Server,
        patterns: &["timed out * while reading proxy protocol"],
        refines: None,
        examples: &[
            "client timed out (110: Connection timed out) while reading PROXY protocol, client: 10.0.0.1, server: 0.0.0.0:25",
        ],
        causes: &[
            MISSING,
            cause(
                TargetSilent,
                "A server-speaks-first protocol (SMTP, FTP, SSH): the balancer holds the header until the client speaks, the client waits for the banner.",
            ),
        ],
        byte_reason: "No byte arrived within `proxy_protocol_timeout`.",
        points_to: BROKEN_POINTS,
        commands: &[PROBE, DECODE, SERVE_REQUIRED],
    },
    // HAProxy.
    Entry {
        id: "haproxy-not-proxy-header",
        source: "HAProxy (`accept-proxy`)",
        side: Side::Server,
        patterns: &["received something which does not look like a proxy protocol header"],
        refines: None,
        examples: &[
            "fe_main/1: Received something which does not look like a PROXY protocol header",
        ],
        causes: &[MISSING, MALFORMED],
        byte_reason: "The first bytes (HAProxy peeks once) were neither `PROXY ` nor the v2 signature.",
        points_to: BROKEN_POINTS,
        commands: &[PROBE, SEND_V2_TLS, DECODE],
    },
    Entry {
        id: "haproxy-truncated",
        source: "HAProxy (`accept-proxy`)",
        side: Side::Server,
        patterns: &["truncated proxy protocol header received"],
        refines: None,
        examples: &["Truncated PROXY protocol header received"],
        causes: &[
            cause(
                ProxyHeaderIncomplete,
                "HAProxy peeks once and does not wait: the header arrived split across segments, or the sender sent only part of it.",
            ),
            MALFORMED,
        ],
        byte_reason: "The bytes available at the first read were fewer than the header announces (v2: 16 + length; v1: no CRLF yet).",
        points_to: "The sender of the header (its segmentation) or a middlebox splitting it.",
        commands: &[DECODE, SEND_V2_TLS],
    },
    Entry {
        id: "haproxy-invalid",
        source: "HAProxy (`accept-proxy`)",
        side: Side::Server,
        patterns: &[
            "received an invalid proxy protocol header",
            "received an unhandled protocol in the proxy protocol header",
        ],
        refines: None,
        examples: &[
            "Received an invalid PROXY protocol header",
            "Received an unhandled protocol in the PROXY protocol header",
        ],
        causes: &[
            cause(
                ProxyHeaderMalformed,
                "A field breaks a rule HAProxy enforces strictly, even where lenient receivers accept it (v4-mapped IPv6 in a v1 TCP6 line, leading zeros, a family it does not handle).",
            ),
            cause(
                ProxyCrcMismatch,
                "HAProxy checks a CRC32C TLV; a header rewritten after the CRC was computed fails.",
            ),
        ],
        byte_reason: "The signature matched; a later field broke a rule HAProxy enforces.",
        points_to: "The sender of the header.",
        commands: &[DECODE, INSPECT, SEND_V2_TLS],
    },
    Entry {
        id: "haproxy-waiting-proxy",
        source: "HAProxy (`accept-proxy`)",
        side: Side::Server,
        patterns: &["while waiting for proxy protocol header"],
        refines: None,
        examples: &[
            "Connection closed while waiting for PROXY protocol header",
            "Timeout while waiting for PROXY protocol header",
        ],
        causes: &[
            MISSING,
            cause(
                TargetSilent,
                "A server-speaks-first protocol: the client waits for a banner, nobody sends the header.",
            ),
        ],
        byte_reason: "The connection closed or timed out before any byte arrived: TCP health checks do this.",
        points_to: BROKEN_POINTS,
        commands: &[PROBE, DECODE],
    },
    Entry {
        id: "haproxy-ssl-handshake-failure",
        source: "HAProxy (`bind ... ssl`)",
        side: Side::Server,
        patterns: &[
            "ssl handshake failure",
            "connection error during ssl handshake",
            "connection closed during ssl handshake",
        ],
        refines: None,
        examples: &["10.0.0.1:51234 [01/May/2024:12:00:00.000] fe_https/1: SSL handshake failure"],
        causes: &[
            cause(
                ProxyHeaderNotExpected,
                "A balancer sends a PROXY header to a `bind ssl` line without `accept-proxy`; HAProxy closes silently (the client sees EOF / SSL_ERROR_SYSCALL).",
            ),
            PLAIN_TO_TLS,
            cause(
                TlsHandshakeFailed,
                "A genuine TLS failure (versions, ciphers, SNI, client certificate).",
            ),
        ],
        byte_reason: "The first bytes did not form a ClientHello HAProxy's OpenSSL accepted; it closed with a FIN and no alert.",
        points_to: "This HAProxy frontend.",
        commands: &[PROBE, SEND_V2_TLS, SEND_TLS, DECODE],
    },
    // Envoy.
    Entry {
        id: "envoy-upstream-reset",
        source: "Envoy",
        side: Side::Client,
        patterns: &["upstream connect error or disconnect/reset before headers"],
        refines: None,
        examples: &[
            "upstream connect error or disconnect/reset before headers. reset reason: connection termination",
        ],
        causes: &[
            cause(
                ProxyHeaderMissing,
                "The upstream requires a PROXY header and Envoy's cluster does not send one (no proxy_protocol transport socket).",
            ),
            cause(
                ProxyHeaderNotExpected,
                "Envoy sends a PROXY header to an upstream that does not parse it.",
            ),
            cause(
                ConnectionReset,
                "The upstream reset or closed for another reason; the reset reason says which.",
            ),
        ],
        byte_reason: "The upstream connection closed or reset before a response header; the `reset reason` names the event.",
        points_to: "The upstream cluster named in the access log.",
        commands: &[PROBE, SEND_V2_TLS, SEND_TLS],
    },
    Entry {
        id: "envoy-wrong-version-number",
        source: "Envoy (BoringSSL)",
        side: Side::Either,
        patterns: &["openssl_internal:wrong_version_number", "268435703"],
        refines: Some("envoy-upstream-reset"),
        examples: &[
            "upstream connect error or disconnect/reset before headers. reset reason: connection failure, transport failure reason: TLS error: 268435703:SSL routines:OPENSSL_internal:WRONG_VERSION_NUMBER",
        ],
        causes: &[
            cause(
                ProxyHeaderNotExpected,
                "Upstream: the backend answered plaintext (nginx's 400 to a PROXY header). Downstream: a PROXY header reached a TLS listener without the proxy_protocol listener filter.",
            ),
            cause(
                TlsToPlaintextPort,
                "The upstream cluster uses TLS towards a port that serves plaintext.",
            ),
        ],
        byte_reason: "BoringSSL read a record header whose version major is not 3 (`HTTP/` or a PROXY header).",
        points_to: WVN_POINTS_ENVOY,
        commands: &[PROBE, SEND_V2_TLS, SEND_TLS, DECODE],
    },
    Entry {
        id: "envoy-proxy-proto-not-found",
        source: "Envoy (proxy_protocol listener filter)",
        side: Side::Server,
        patterns: &["proxy_proto.not_found_disallowed", "not_found_disallowed"],
        refines: None,
        examples: &["listener.0.0.0.0_443.proxy_proto.not_found_disallowed: 42"],
        causes: &[cause(
            ProxyHeaderMissing,
            "Connections without a header reach a listener that requires one (`allow_requests_without_proxy_protocol` is false): health checks, direct tests, hairpin traffic.",
        )],
        byte_reason: "The first bytes were neither a v1 nor a v2 signature.",
        points_to: "This Envoy listener; its clients that bypass the balancer.",
        commands: &[PROBE, SEND_V2_TLS, SEND_TLS],
    },
    Entry {
        id: "envoy-proxy-proto-version-error",
        source: "Envoy (proxy_protocol listener filter)",
        side: Side::Server,
        patterns: &[
            "proxy_proto.versions.v1.error",
            "proxy_proto.versions.v2.error",
            "versions.v1.error",
            "versions.v2.error",
        ],
        refines: None,
        examples: &["listener.0.0.0.0_443.proxy_proto.versions.v2.error: 3"],
        causes: &[
            MALFORMED,
            cause(
                ProxyVersionUnsupported,
                "The header's version is not one the filter is configured to accept.",
            ),
        ],
        byte_reason: "A signature matched, then the header broke a rule.",
        points_to: "The sender of the header.",
        commands: &[DECODE, INSPECT],
    },
];

const WVN_POINTS_ENVOY: &str = "Upstream: an nginx backend answering 400 to the PROXY header, or \
    a plaintext port; downstream: an Envoy listener missing the proxy_protocol filter.";
