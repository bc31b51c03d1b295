//! Knowledge base, part 1: what clients print (OpenSSL and its users curl, Python, Node;
//! Go, Java, GnuTLS, rustls, browsers), certificate errors and plain connection errors.
//!
//! Rules: data only; wordings taken from the programs (observed on loopback) or their sources; see
//! [`super::kb`] for the meaning of each field. General entries come before the entries
//! that refine them.

use super::kb::*;
use crate::findings::Code::*;

// Causes shared by several wordings of the same event.

/// A plaintext reply (nginx's 400 to a PROXY header) read as a TLS record.
const REPLY_PROXY: CauseSpec = cause(
    ProxyHeaderNotExpected,
    "A balancer in front sends a PROXY header and the TLS listener does not parse it; nginx \
     (`listen ... ssl` without `proxy_protocol`) answers with a plaintext `HTTP/1.1 400 Bad \
     Request`, which the client reads as a TLS record.",
);
const REPLY_PORT: CauseSpec = cause(
    TlsToPlaintextPort,
    "The client spoke TLS to a port that serves plaintext (`https://` to an HTTP port, or a \
     listener whose TLS is off); with no balancer in the path this is the cause.",
);
const REPLY_DUP: CauseSpec = cause(
    ProxyHeaderDuplicated,
    "Two balancers each add a PROXY header: the backend consumes the first, reads the second \
     as the start of the connection and answers in plaintext.",
);
/// The server closed without a byte.
const CLOSE_PROXY: CauseSpec = cause(
    ProxyHeaderNotExpected,
    "A balancer sends a PROXY header to a TLS server that does not parse it and closes \
     without a byte: HAProxy `bind ssl` (logs `SSL handshake failure`), Go crypto/tls (a \
     Traefik entry point without `proxyProtocol`), OpenSSL s_server.",
);
const CLOSE_MISSING: CauseSpec = cause(
    ProxyHeaderMissing,
    "The server requires a PROXY header and this connection had none (a direct test, hairpin \
     traffic inside the cluster, a check that bypasses the balancer); it reads the ClientHello \
     as a broken header and closes.",
);
const CLOSE_TLS: CauseSpec = cause(
    TlsHandshakeFailed,
    "The server refused the handshake itself and closed without an alert: no certificate for \
     the requested name (SNI), no common version or cipher.",
);
/// Alerts sent by servers that read a PROXY header as a record.
const ALERT10_PROXY: CauseSpec = cause(
    ProxyHeaderNotExpected,
    "A PROXY header reached a Java (JSSE) or GnuTLS server that does not parse it; both \
     answer the unexpected bytes with alert 10 unexpected_message.",
);
const ALERT50_PROXY: CauseSpec = cause(
    ProxyHeaderNotExpected,
    "A PROXY header reached a rustls server that does not parse it; rustls answers bytes that \
     are no TLS record with alert 50 decode_error.",
);
const ALERT22_PROXY: CauseSpec = cause(
    ProxyHeaderNotExpected,
    "A PROXY v1 header reached an OpenSSL 3.2 server that does not parse it; it read `PROXY` \
     as a record of length 0x5859 = 22617, too long, and sent alert 22 record_overflow.",
);
const ALERT_GENUINE: CauseSpec = cause(
    TlsHandshakeFailed,
    "A genuine TLS disagreement (an unexpected message in the handshake, a broken middlebox) \
     unrelated to PROXY; likelier when the same client works without the balancer.",
);
const LEN_TOO_LONG: CauseSpec = cause(
    ProxyHeaderNotExpected,
    "OpenSSL 3.2 checks the record length first: a plaintext `HTTP/` reply (nginx's 400 to a \
     PROXY header) reads as length 0x502F = 20527, and a PROXY v1 header sent to an OpenSSL \
     3.2 server as 0x5859 = 22617, both over the limit.",
);
const CERT: CauseSpec = cause(
    TlsCertificateProblem,
    "The handshake reached certificate checking, so the bytes were TLS on both sides: the \
     PROXY/TLS layering is fine and the certificate itself is the problem.",
);
const CERT_WRONG_SERVER: CauseSpec = cause(
    TlsHandshakeFailed,
    "The certificate came from another TLS endpoint than intended: a balancer terminating TLS \
     with its own certificate, or a default certificate served because SNI was missing (a \
     test by IP address) or matched no route.",
);

const WVN_BYTES: &str = "The first five bytes the client read were not a TLS record header: \
    `HTTP/` is type 0x48, version 0x5454 (major 0x54, not 3), so OpenSSL stops at the version \
    check and sends no alert; an echoed v2 signature (0x0D, 0x0A0D) gives the same error.";
const WVN_POINTS: &str = "Through a balancer that sends PROXY: an nginx backend (`listen ... \
    ssl` without `proxy_protocol`) answering `400 Bad Request` in plaintext; without a \
    balancer: a plain HTTP server on that port.";
const EOF_BYTES: &str = "The server closed the connection (FIN) before sending a single TLS \
    record, so the handshake ended without an alert or a close_notify.";
const EOF_POINTS: &str = "Through a balancer that sends PROXY: HAProxy `bind ssl` or a Go \
    server (Traefik entry point without `proxyProtocol`); without a balancer: a backend that \
    requires a PROXY header (HAProxy `accept-proxy`, go-proxyproto REQUIRE).";
const ALERT10_BYTES: &str = "The server sent a TLS alert record `15 03 0x 00 02 02 0a`: fatal \
    alert 10 unexpected_message, its answer to bytes that were not the ClientHello it expected.";

pub(crate) static ENTRIES: &[Entry] = &[
    Entry {
        id: "openssl-wrong-version-number",
        source: "OpenSSL 1.1.1-3.x (curl, s_client, nginx, Ruby, PHP)",
        side: Side::Either,
        patterns: &[
            "wrong version number",
            "ssl3_get_record:wrong version number",
            "0a00010b",
            "1408f10b",
        ],
        refines: None,
        examples: &[
            "error:1408F10B:SSL routines:ssl3_get_record:wrong version number",
            "error:0A00010B:SSL routines::wrong version number",
            "curl: (35) OpenSSL/3.0.13: error:0A00010B:SSL routines::wrong version number",
            "0A00010B",
            "1408F10B",
            "SSL_connect returned=1 errno=0 peeraddr=10.0.0.1:443 state=error: wrong version number",
        ],
        causes: &[
            REPLY_PROXY,
            REPLY_PORT,
            REPLY_DUP,
            cause(
                PlaintextToTlsPort,
                "Printed by a TLS server (s_server, nginx upstream logs): it received a PROXY header or non-HTTP plaintext where a ClientHello belongs.",
            ),
        ],
        byte_reason: WVN_BYTES,
        points_to: WVN_POINTS,
        commands: &[PROBE, SEND_V2_TLS, SEND_TLS, DECODE],
    },
    Entry {
        id: "curl-tls-connect-error",
        source: "curl 8.11+ (OpenSSL backend)",
        side: Side::Client,
        patterns: &["tls connect error: * wrong version number"],
        refines: Some("openssl-wrong-version-number"),
        examples: &[
            "curl: (35) TLS connect error: error:0A00010B:SSL routines::wrong version number",
        ],
        causes: &[REPLY_PROXY, REPLY_PORT, REPLY_DUP],
        byte_reason: WVN_BYTES,
        points_to: WVN_POINTS,
        commands: &[PROBE, SEND_V2_TLS, SEND_TLS, DECODE],
    },
    Entry {
        id: "python-wrong-version-number",
        source: "Python ssl (OpenSSL)",
        side: Side::Client,
        patterns: &["[ssl: wrong_version_number]"],
        refines: Some("openssl-wrong-version-number"),
        examples: &[
            "ssl.SSLError: [SSL: WRONG_VERSION_NUMBER] wrong version number (_ssl.c:1006)",
            "requests.exceptions.SSLError: HTTPSConnectionPool(host='example.com', port=443): Max retries exceeded with url: / (Caused by SSLError(SSLError(1, '[SSL: WRONG_VERSION_NUMBER] wrong version number (_ssl.c:1129)')))",
        ],
        causes: &[REPLY_PROXY, REPLY_PORT, REPLY_DUP],
        byte_reason: WVN_BYTES,
        points_to: WVN_POINTS,
        commands: &[PROBE, SEND_V2_TLS, SEND_TLS, DECODE],
    },
    Entry {
        id: "node-wrong-version-number",
        source: "Node.js tls (OpenSSL)",
        side: Side::Client,
        patterns: &[
            "err_ssl_wrong_version_number",
            "eproto * wrong version number",
        ],
        refines: Some("openssl-wrong-version-number"),
        examples: &[
            "Error: write EPROTO 40E7C2B1C57F0000:error:0A00010B:SSL routines:ssl3_get_record:wrong version number:../deps/openssl/openssl/ssl/record/ssl3_record.c:354:",
            "code: 'ERR_SSL_WRONG_VERSION_NUMBER'",
        ],
        causes: &[REPLY_PROXY, REPLY_PORT, REPLY_DUP],
        byte_reason: WVN_BYTES,
        points_to: WVN_POINTS,
        commands: &[PROBE, SEND_V2_TLS, SEND_TLS, DECODE],
    },
    Entry {
        id: "openssl-unexpected-eof",
        source: "OpenSSL 3.x (s_client, curl, Node, Python)",
        side: Side::Client,
        patterns: &["unexpected eof while reading", "0a000126"],
        refines: None,
        examples: &[
            "error:0A000126:SSL routines::unexpected eof while reading",
            "40C7B1E5D27F0000:error:0A000126:SSL routines:ssl3_read_n:unexpected eof while reading:../ssl/record/rec_layer_s3.c:317:",
        ],
        causes: &[CLOSE_PROXY, CLOSE_MISSING, CLOSE_TLS],
        byte_reason: "The server closed (FIN) before sending a single TLS record; OpenSSL 3 reports a close without close_notify as this error (1.1.1 reported SSL_ERROR_SYSCALL).",
        points_to: EOF_POINTS,
        commands: &[PROBE, SEND_V2_TLS, SEND_TLS, DECODE],
    },
    Entry {
        id: "python-unexpected-eof",
        source: "Python ssl (OpenSSL)",
        side: Side::Client,
        patterns: &[
            "[ssl: unexpected_eof_while_reading]",
            "eof occurred in violation of protocol",
        ],
        refines: Some("openssl-unexpected-eof"),
        examples: &[
            "ssl.SSLEOFError: [SSL: UNEXPECTED_EOF_WHILE_READING] EOF occurred in violation of protocol (_ssl.c:1006)",
            "EOF occurred in violation of protocol (_ssl.c:1129)",
        ],
        causes: &[CLOSE_PROXY, CLOSE_MISSING, CLOSE_TLS],
        byte_reason: EOF_BYTES,
        points_to: EOF_POINTS,
        commands: &[PROBE, SEND_V2_TLS, SEND_TLS, DECODE],
    },
    Entry {
        id: "curl-ssl-error-syscall",
        source: "curl (OpenSSL, LibreSSL)",
        side: Side::Client,
        patterns: &[
            "ssl_error_syscall",
            "ssl_connect: ssl_error_syscall in connection to",
        ],
        refines: None,
        examples: &[
            "curl: (35) OpenSSL SSL_connect: SSL_ERROR_SYSCALL in connection to example.com:443",
            "curl: (35) LibreSSL SSL_connect: SSL_ERROR_SYSCALL in connection to example.com:443",
        ],
        causes: &[
            CLOSE_PROXY,
            CLOSE_MISSING,
            cause(
                ConnectionReset,
                "The connection was reset or closed by something in the path (errno shows 104 for a reset).",
            ),
        ],
        byte_reason: EOF_BYTES,
        points_to: "Through a balancer that sends PROXY v2: HAProxy `bind ssl` or a Go backend (both close without a byte); without a balancer: a backend that requires a PROXY header.",
        commands: &[PROBE, SEND_V2_TLS, SEND_TLS, DECODE],
    },
    Entry {
        id: "node-socket-disconnected",
        source: "Node.js tls",
        side: Side::Client,
        patterns: &[
            "client network socket disconnected before secure tls connection was established",
        ],
        refines: None,
        examples: &[
            "Error: Client network socket disconnected before secure TLS connection was established",
        ],
        causes: &[CLOSE_PROXY, CLOSE_MISSING, CLOSE_TLS],
        byte_reason: EOF_BYTES,
        points_to: EOF_POINTS,
        commands: &[PROBE, SEND_V2_TLS, SEND_TLS, DECODE],
    },
    Entry {
        id: "openssl-alert-unexpected-message",
        source: "OpenSSL (s_client, curl, Python, Node)",
        side: Side::Client,
        patterns: &[
            "sslv3 alert unexpected message",
            "ssl alert number 10",
            "0a0003f2",
            "140943f2",
        ],
        refines: None,
        examples: &[
            "curl: (35) OpenSSL/3.0.13: error:0A0003F2:SSL routines::sslv3 alert unexpected message",
            "error:140943F2:SSL routines:ssl3_read_bytes:sslv3 alert unexpected message:../ssl/record/rec_layer_s3.c:1543:SSL alert number 10",
        ],
        causes: &[ALERT10_PROXY, REPLY_DUP, ALERT_GENUINE],
        byte_reason: ALERT10_BYTES,
        points_to: "A Java (JSSE) or GnuTLS backend that received the PROXY header.",
        commands: &[PROBE, SEND_V2_TLS, SEND_TLS],
    },
    Entry {
        id: "openssl-alert-decode-error",
        source: "OpenSSL (s_client, curl, Python, Node)",
        side: Side::Client,
        patterns: &[
            "tlsv1 alert decode error",
            "ssl alert number 50",
            "0a00041a",
        ],
        refines: None,
        examples: &[
            "curl: (35) OpenSSL/3.0.13: error:0A00041A:SSL routines::tlsv1 alert decode error",
        ],
        causes: &[ALERT50_PROXY, ALERT_GENUINE],
        byte_reason: "The server sent fatal alert 50 decode_error (`15 03 03 00 02 02 32`): it could not parse what it received as a TLS record.",
        points_to: "A rustls backend (Rust services, linkerd, some ingress controllers) that received the PROXY header.",
        commands: &[PROBE, SEND_V2_TLS, SEND_TLS],
    },
    Entry {
        id: "openssl-alert-record-overflow",
        source: "OpenSSL (s_client, curl, Python, Node)",
        side: Side::Client,
        patterns: &[
            "tlsv1 alert record overflow",
            "ssl alert number 22",
            "0a0003fe",
        ],
        refines: None,
        examples: &[
            "curl: (35) OpenSSL/3.0.13: error:0A0003FE:SSL routines::tlsv1 alert record overflow",
        ],
        causes: &[ALERT22_PROXY, ALERT_GENUINE],
        byte_reason: "The server sent fatal alert 22 record_overflow: it read the first five bytes as a record header whose length (0x5859 = 22617 for `PROXY`) exceeds the TLS limit.",
        points_to: "An OpenSSL 3.2 backend (before the fix of openssl#30196) given a PROXY v1 header.",
        commands: &[PROBE, SEND_V1_TLS, SEND_TLS],
    },
    Entry {
        id: "openssl-packet-length-too-long",
        source: "OpenSSL 3.2 (also 1.1.1 for some inputs)",
        side: Side::Either,
        patterns: &["packet length too long", "0a0000c6", "1408f0c6"],
        refines: None,
        examples: &[
            "error:0A0000C6:SSL routines::packet length too long",
            "error:1408F0C6:SSL routines:ssl3_get_record:packet length too long",
        ],
        causes: &[LEN_TOO_LONG, REPLY_PORT],
        byte_reason: "Bytes 4-5 of the first 'record' were read as its length: `HTTP/` gives 0x502F = 20527 and `PROXY` 0x5859 = 22617, above 16384 + 2048; OpenSSL 3.2 checks this before the version.",
        points_to: "OpenSSL 3.2 on the side that printed it: a client reading nginx's plaintext 400, or a server given a PROXY v1 header (it answers alert 22).",
        commands: &[PROBE, SEND_V1_TLS, SEND_V2_TLS, DECODE],
    },
    Entry {
        id: "openssl-record-layer-failure",
        source: "OpenSSL 3.2+",
        side: Side::Either,
        patterns: &["record layer failure", "0a000139"],
        refines: None,
        examples: &["error:0A000139:SSL routines::record layer failure"],
        causes: &[LEN_TOO_LONG, REPLY_PORT],
        byte_reason: "OpenSSL 3.2's record layer rejected the first record (usually right after `packet length too long`): plaintext `HTTP/` or `PROXY` read as a record header.",
        points_to: "OpenSSL 3.2 (until openssl#30196): a client reading nginx's plaintext 400, or a server given a PROXY v1 header.",
        commands: &[PROBE, SEND_V1_TLS, SEND_V2_TLS, DECODE],
    },
    Entry {
        id: "python-record-layer-failure",
        source: "Python ssl (OpenSSL 3.2)",
        side: Side::Client,
        patterns: &["[ssl] record layer failure"],
        refines: Some("openssl-record-layer-failure"),
        examples: &["ssl.SSLError: [SSL] record layer failure (_ssl.c:1000)"],
        causes: &[LEN_TOO_LONG, REPLY_PORT],
        byte_reason: "The plaintext reply (`HTTP/`, length 0x502F = 20527) was read as a TLS record longer than allowed; Python built on OpenSSL 3.2 reports it this way.",
        points_to: WVN_POINTS,
        commands: &[PROBE, SEND_V2_TLS, SEND_TLS, DECODE],
    },
    Entry {
        id: "openssl-alert-handshake-failure",
        source: "OpenSSL (s_client, curl, Python, Node)",
        side: Side::Client,
        patterns: &[
            "sslv3 alert handshake failure",
            "ssl alert number 40",
            "0a000410",
            "14094410",
        ],
        refines: None,
        examples: &[
            "error:14094410:SSL routines:ssl3_read_bytes:sslv3 alert handshake failure",
            "curl: (35) OpenSSL/3.0.13: error:0A000410:SSL routines::sslv3 alert handshake failure",
        ],
        causes: &[
            cause(
                TlsHandshakeFailed,
                "The server parsed the ClientHello and refused it: no common cipher or version, an SNI name it does not serve, or a client certificate it requires.",
            ),
            cause(
                TlsCertificateProblem,
                "The server requires a client certificate and got none or one it does not accept.",
            ),
        ],
        byte_reason: "The server sent fatal alert 40 handshake_failure after reading a valid ClientHello: the TLS bytes arrived intact, so the PROXY layering is not the problem.",
        points_to: "Any TLS server; compare the offered versions, ciphers and SNI with its configuration.",
        commands: &[PROBE, SEND_TLS],
    },
    Entry {
        id: "openssl-alert-protocol-version",
        source: "OpenSSL (s_client, curl, Python, Node)",
        side: Side::Client,
        patterns: &[
            "tlsv1 alert protocol version",
            "ssl alert number 70",
            "0a00042e",
            "1409442e",
        ],
        refines: None,
        examples: &[
            "error:1409442E:SSL routines:ssl3_read_bytes:tlsv1 alert protocol version",
            "error:0A00042E:SSL routines::tlsv1 alert protocol version",
        ],
        causes: &[cause(
            TlsHandshakeFailed,
            "Client and server share no TLS version (a server requiring TLS 1.3, a client limited to 1.0/1.1).",
        )],
        byte_reason: "The server sent fatal alert 70 protocol_version after reading the ClientHello's versions.",
        points_to: "Any TLS server with a minimum version above what the client offers.",
        commands: &[PROBE, SEND_TLS],
    },
    Entry {
        id: "openssl-unrecognized-name",
        source: "OpenSSL (s_client, curl, Python, Node)",
        side: Side::Client,
        patterns: &[
            "tlsv1 unrecognized name",
            "unrecognized_name",
            "0a000458",
            "14094458",
        ],
        refines: None,
        examples: &["error:14094458:SSL routines:ssl3_read_bytes:tlsv1 unrecognized name"],
        causes: &[
            cause(
                TlsHandshakeFailed,
                "The server serves no certificate for the SNI name sent (or none was sent, as when testing by IP address).",
            ),
            cause(
                TlsCertificateProblem,
                "The name used is not one the backend has a certificate for.",
            ),
        ],
        byte_reason: "The server sent alert 112 unrecognized_name in answer to the ClientHello's server_name extension.",
        points_to: "A TLS server with name-based virtual hosts (Traefik routers, nginx server_name, HAProxy crt-list).",
        commands: &[PROBE, SEND_TLS],
    },
    Entry {
        id: "openssl-alert-certificate",
        source: "OpenSSL (s_client, curl, Python, Node)",
        side: Side::Either,
        patterns: &[
            "sslv3 alert bad certificate",
            "tlsv1 alert unknown ca",
            "sslv3 alert certificate expired",
            "sslv3 alert certificate unknown",
        ],
        refines: None,
        examples: &[
            "error:0A000412:SSL routines::sslv3 alert bad certificate",
            "error:14094418:SSL routines:ssl3_read_bytes:tlsv1 alert unknown ca",
        ],
        causes: &[cause(
            TlsCertificateProblem,
            "The peer rejected a certificate: the client's certificate in mutual TLS, or the server's when the other side printed this.",
        )],
        byte_reason: "The peer sent a certificate alert (42 bad_certificate, 45 certificate_expired, 46 certificate_unknown, 48 unknown_ca) after checking a certificate: the TLS bytes were intact.",
        points_to: "The side that checks certificates: a server with client authentication, or a client that distrusts the server's chain.",
        commands: &[PROBE, SEND_TLS],
    },
    Entry {
        id: "openssl-certificate-verify-failed",
        source: "OpenSSL (curl, Python, Node, Ruby)",
        side: Side::Client,
        patterns: &["certificate verify failed", "0a000086", "14090086"],
        refines: None,
        examples: &[
            "error:0A000086:SSL routines::certificate verify failed",
            "error:14090086:SSL routines:ssl3_get_server_certificate:certificate verify failed",
        ],
        causes: &[CERT, CERT_WRONG_SERVER],
        byte_reason: "The TLS handshake worked up to the server's Certificate message, which the client's verification rejected.",
        points_to: "The server's certificate chain (expired, untrusted, wrong name); the reason follows the message.",
        commands: &[PROBE, SEND_TLS],
    },
    Entry {
        id: "python-certificate-verify-failed",
        source: "Python ssl (OpenSSL)",
        side: Side::Client,
        patterns: &["[ssl: certificate_verify_failed]"],
        refines: Some("openssl-certificate-verify-failed"),
        examples: &[
            "ssl.SSLCertVerificationError: [SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: self-signed certificate (_ssl.c:1006)",
        ],
        causes: &[CERT, CERT_WRONG_SERVER],
        byte_reason: "The TLS handshake worked up to the server's Certificate message, which verification rejected.",
        points_to: "The server's certificate chain; the reason follows `certificate verify failed:`.",
        commands: &[PROBE, SEND_TLS],
    },
    Entry {
        id: "openssl-certificate-expired",
        source: "OpenSSL (curl, Python, Node)",
        side: Side::Client,
        patterns: &["certificate has expired", "certificate is not yet valid"],
        refines: None,
        examples: &["curl: (60) SSL certificate problem: certificate has expired"],
        causes: &[
            cause(
                TlsCertificateProblem,
                "The server's certificate (or one in its chain) is outside its validity period, or the client's clock is wrong.",
            ),
            CERT_WRONG_SERVER,
        ],
        byte_reason: "The handshake delivered a certificate whose notAfter is past (or notBefore ahead).",
        points_to: "The TLS endpoint that served the certificate: the backend, or the balancer if it terminates TLS.",
        commands: &[PROBE, SEND_TLS],
    },
    Entry {
        id: "openssl-self-signed",
        source: "OpenSSL (curl, Python, Node)",
        side: Side::Client,
        patterns: &[
            "self-signed certificate",
            "self signed certificate",
            "self-signed certificate in certificate chain",
        ],
        refines: None,
        examples: &[
            "curl: (60) SSL certificate problem: self-signed certificate",
            "curl: (60) SSL certificate problem: self signed certificate in certificate chain",
        ],
        causes: &[
            cause(
                TlsCertificateProblem,
                "The server presents a self-signed certificate (or a chain ending in a private root) the client does not trust.",
            ),
            CERT_WRONG_SERVER,
        ],
        byte_reason: "The handshake delivered a certificate whose issuer is itself and is not in the client's trust store.",
        points_to: "A backend with a generated or default certificate (Traefik's default certificate, a test certificate).",
        commands: &[PROBE, SEND_TLS],
    },
    Entry {
        id: "openssl-unable-local-issuer",
        source: "OpenSSL (curl, Python, Node)",
        side: Side::Client,
        patterns: &["unable to get local issuer certificate"],
        refines: None,
        examples: &["curl: (60) SSL certificate problem: unable to get local issuer certificate"],
        causes: &[cause(
            TlsCertificateProblem,
            "The server sends its certificate without the intermediate, or it is signed by a CA the client does not trust.",
        )],
        byte_reason: "The chain in the Certificate message does not lead to a trusted root.",
        points_to: "The TLS endpoint's certificate bundle (missing intermediate).",
        commands: &[PROBE, SEND_TLS],
    },
    Entry {
        id: "curl-name-mismatch",
        source: "curl",
        side: Side::Client,
        patterns: &[
            "no alternative certificate subject name matches target host name",
            "does not match target host name",
        ],
        refines: None,
        examples: &[
            "curl: (60) SSL: no alternative certificate subject name matches target host name 'example.com'",
        ],
        causes: &[
            cause(
                TlsCertificateProblem,
                "The certificate is for other names than the one requested.",
            ),
            CERT_WRONG_SERVER,
        ],
        byte_reason: "The certificate's subjectAltName list does not contain the requested host.",
        points_to: "The TLS endpoint that answered: check which one (balancer or backend) and the SNI it received.",
        commands: &[PROBE, SEND_TLS],
    },
    Entry {
        id: "curl-http09",
        source: "curl",
        side: Side::Client,
        patterns: &["received http/0.9 when not allowed"],
        refines: None,
        examples: &["curl: (1) Received HTTP/0.9 when not allowed"],
        causes: &[
            cause(
                ProxyHeaderNotExpected,
                "A balancer in front adds a PROXY header and the service behind it sent it back (an echo or raw TCP service) or answered it in its own protocol (Redis: `-ERR unknown command 'PROXY'`): the reply does not start with `HTTP/`.",
            ),
            cause(
                ProtocolMismatch,
                "The port does not speak HTTP (SSH, SMTP, Redis, a database). The reply tells them apart (`curl --http0.9` or `ppdiag send HOST:PORT --http GET /` shows it): `PROXY ` or the v2 signature at its start means a header came back; `SSH-`, `220 ` or `-ERR` another protocol.",
            ),
        ],
        byte_reason: "curl got a reply whose first bytes are not an HTTP status line, which only HTTP/0.9 allowed.",
        points_to: "The service behind the port, and whether something in front adds a header.",
        commands: &[PROBE, "ppdiag send HOST:PORT --http GET /"],
    },
    Entry {
        id: "curl-empty-reply",
        source: "curl",
        side: Side::Client,
        patterns: &["empty reply from server"],
        refines: None,
        examples: &["curl: (52) Empty reply from server"],
        causes: &[
            cause(
                ProxyHeaderMissing,
                "Plain HTTP sent directly to a port that requires a PROXY header: HAProxy `accept-proxy`, nginx `proxy_protocol` and go-proxyproto REQUIRE close without an answer.",
            ),
            cause(
                PlaintextToTlsPort,
                "Plain HTTP sent to a TLS port whose server closes instead of answering 400 (HAProxy `bind ssl`, OpenSSL-based servers).",
            ),
        ],
        byte_reason: "The request went out and the server closed (FIN) without a single byte of reply.",
        points_to: "A backend that requires a PROXY header, or a TLS-only listener that drops plaintext.",
        commands: &[PROBE, SEND_V1_HTTP, DECODE],
    },
    // Go clients (crypto/tls, net/http).
    Entry {
        id: "go-first-record",
        source: "Go crypto/tls (Traefik, Go services and clients)",
        side: Side::Either,
        patterns: &["tls: first record does not look like a tls handshake"],
        refines: None,
        examples: &[
            "http: TLS handshake error from 10.0.0.1:51234: tls: first record does not look like a TLS handshake",
            "Get \"https://example.com/\": tls: first record does not look like a TLS handshake",
        ],
        causes: &[
            cause(
                ProxyHeaderNotExpected,
                "On a Go server (Traefik entry point without `proxyProtocol`): the balancer's PROXY header arrived where the ClientHello belongs; Go closes without a byte.",
            ),
            cause(
                TlsToPlaintextPort,
                "On a Go client: the server answered in plaintext that is not `HTTP/` (a PROXY header or banner echoed back).",
            ),
            cause(
                PlaintextToTlsPort,
                "On a Go server: plaintext other than an HTTP method reached the TLS port.",
            ),
        ],
        byte_reason: "Go read a record header whose type is not 0x15/0x16 or whose version is 0x1000 or more: `PROXY` (0x50) or the v2 signature (0x0D, 0x0A0D) are neither; no alert is sent.",
        points_to: "On the server side: Traefik (or another Go TLS server) whose entry point does not trust the balancer for PROXY; the `web` entry point may be set up while `websecure` is not.",
        commands: &[PROBE, SEND_V2_TLS, SEND_TLS, DECODE],
    },
    Entry {
        id: "go-server-gave-http",
        source: "Go net/http client",
        side: Side::Client,
        patterns: &["http: server gave http response to https client"],
        refines: None,
        examples: &[
            "Get \"https://example.com/\": http: server gave HTTP response to HTTPS client",
        ],
        causes: &[REPLY_PROXY, REPLY_PORT, REPLY_DUP],
        byte_reason: "Go's client found `HTTP/` where a TLS record header belongs (type 0x48, version 0x5454) and recognised a plaintext HTTP reply.",
        points_to: WVN_POINTS,
        commands: &[PROBE, SEND_V2_TLS, SEND_TLS, DECODE],
    },
    Entry {
        id: "go-oversized-record",
        source: "Go crypto/tls (older releases)",
        side: Side::Either,
        patterns: &["tls: oversized record received with length"],
        refines: None,
        examples: &[
            "local error: tls: oversized record received with length 22617",
            "tls: oversized record received with length 20527",
        ],
        causes: &[
            cause(
                ProxyHeaderNotExpected,
                "Length 22617 (0x5859, `XY` of `PROXY`): a PROXY v1 header reached a Go TLS server that does not parse it; length 20527 (0x502F of `HTTP/`) on a client: nginx's plaintext 400 to a PROXY header.",
            ),
            REPLY_PORT,
        ],
        byte_reason: "Bytes 4-5 of the first five were read as a record length larger than TLS allows; the length itself names the text that was read.",
        points_to: "A Go server without PROXY support given a v1 header, or a Go client reading a plaintext reply.",
        commands: &[PROBE, SEND_V1_TLS, SEND_TLS, DECODE],
    },
    Entry {
        id: "go-remote-unexpected-message",
        source: "Go crypto/tls client",
        side: Side::Client,
        patterns: &["remote error: tls: unexpected message"],
        refines: None,
        examples: &["Get \"https://example.com/\": remote error: tls: unexpected message"],
        causes: &[ALERT10_PROXY, REPLY_DUP, ALERT_GENUINE],
        byte_reason: ALERT10_BYTES,
        points_to: "A Java (JSSE) or GnuTLS backend that received the PROXY header.",
        commands: &[PROBE, SEND_V2_TLS, SEND_TLS],
    },
    Entry {
        id: "go-remote-decode-error",
        source: "Go crypto/tls client",
        side: Side::Client,
        patterns: &["remote error: tls: error decoding message"],
        refines: None,
        examples: &["remote error: tls: error decoding message"],
        causes: &[ALERT50_PROXY, ALERT_GENUINE],
        byte_reason: "The server sent fatal alert 50 decode_error: it could not parse what it received as a TLS record.",
        points_to: "A rustls backend that received the PROXY header.",
        commands: &[PROBE, SEND_V2_TLS, SEND_TLS],
    },
    Entry {
        id: "go-remote-record-overflow",
        source: "Go crypto/tls client",
        side: Side::Client,
        patterns: &["remote error: tls: record overflow"],
        refines: None,
        examples: &["remote error: tls: record overflow"],
        causes: &[ALERT22_PROXY, ALERT_GENUINE],
        byte_reason: "The server sent fatal alert 22 record_overflow: it read `PROXY` as a record header of length 0x5859 = 22617.",
        points_to: "An OpenSSL 3.2 backend given a PROXY v1 header.",
        commands: &[PROBE, SEND_V1_TLS, SEND_TLS],
    },
    Entry {
        id: "go-remote-handshake-failure",
        source: "Go crypto/tls client",
        side: Side::Client,
        patterns: &[
            "remote error: tls: handshake failure",
            "remote error: tls: protocol version not supported",
        ],
        refines: None,
        examples: &[
            "remote error: tls: handshake failure",
            "remote error: tls: protocol version not supported",
        ],
        causes: &[cause(
            TlsHandshakeFailed,
            "The server read the ClientHello and refused it: no common version or cipher, unknown SNI, or a required client certificate.",
        )],
        byte_reason: "The server sent fatal alert 40 (or 70) after a valid ClientHello: the TLS bytes arrived intact.",
        points_to: "Any TLS server; compare versions, ciphers and SNI with its configuration.",
        commands: &[PROBE, SEND_TLS],
    },
    Entry {
        id: "go-remote-bad-certificate",
        source: "Go crypto/tls",
        side: Side::Either,
        patterns: &[
            "remote error: tls: bad certificate",
            "remote error: tls: unknown certificate authority",
            "remote error: tls: expired certificate",
        ],
        refines: None,
        examples: &[
            "http: TLS handshake error from 10.0.0.1:51234: remote error: tls: bad certificate",
        ],
        causes: &[cause(
            TlsCertificateProblem,
            "The peer rejected the certificate it was shown (a client that does not trust the server's, or a server checking client certificates).",
        )],
        byte_reason: "The peer sent a certificate alert (42, 45 or 48) after receiving the Certificate message.",
        points_to: "The side that verifies: a browser or client distrusting the server's chain, or mutual TLS.",
        commands: &[PROBE, SEND_TLS],
    },
    Entry {
        id: "go-eof",
        source: "Go net/http client",
        side: Side::Client,
        patterns: &["\": eof"],
        refines: None,
        examples: &[
            "Get \"https://example.com/\": EOF",
            "Post \"https://api.example.com/v1/items\": EOF",
        ],
        causes: &[CLOSE_PROXY, CLOSE_MISSING, CLOSE_TLS],
        byte_reason: EOF_BYTES,
        points_to: EOF_POINTS,
        commands: &[PROBE, SEND_V2_TLS, SEND_TLS, DECODE],
    },
    Entry {
        id: "go-x509-unknown-authority",
        source: "Go crypto/x509",
        side: Side::Client,
        patterns: &["x509: certificate signed by unknown authority"],
        refines: None,
        examples: &[
            "Get \"https://example.com/\": tls: failed to verify certificate: x509: certificate signed by unknown authority",
        ],
        causes: &[
            cause(
                TlsCertificateProblem,
                "The chain does not lead to a root the client trusts (private CA, missing intermediate, self-signed).",
            ),
            CERT_WRONG_SERVER,
        ],
        byte_reason: "The handshake delivered a Certificate message whose chain Go could not verify.",
        points_to: "The TLS endpoint that answered; Traefik's generated default certificate when no router matched.",
        commands: &[PROBE, SEND_TLS],
    },
    Entry {
        id: "go-x509-expired",
        source: "Go crypto/x509",
        side: Side::Client,
        patterns: &["x509: certificate has expired or is not yet valid"],
        refines: None,
        examples: &[
            "x509: certificate has expired or is not yet valid: current time 2024-05-01T12:00:00Z is after 2024-04-01T00:00:00Z",
        ],
        causes: &[cause(
            TlsCertificateProblem,
            "The certificate is outside its validity period, or a clock is wrong.",
        )],
        byte_reason: "The handshake delivered a certificate whose validity does not cover the current time.",
        points_to: "The TLS endpoint that served it: the backend, or the balancer if it terminates TLS.",
        commands: &[PROBE, SEND_TLS],
    },
    Entry {
        id: "go-x509-name-mismatch",
        source: "Go crypto/x509",
        side: Side::Client,
        patterns: &[
            "x509: certificate is valid for * not",
            "x509: certificate is not valid for any names",
        ],
        refines: None,
        examples: &["x509: certificate is valid for 4b3f.traefik.default, not example.com"],
        causes: &[
            cause(
                TlsCertificateProblem,
                "The certificate is for other names than the one requested.",
            ),
            CERT_WRONG_SERVER,
        ],
        byte_reason: "The certificate's subjectAltName list does not contain the requested host.",
        points_to: "`traefik.default` in the names means Traefik served its default certificate: no router (or TLS option) matched the SNI.",
        commands: &[PROBE, SEND_TLS],
    },
    // Java.
    Entry {
        id: "java-unsupported-ssl-message",
        source: "Java JSSE (17+)",
        side: Side::Either,
        patterns: &["unsupported or unrecognized ssl message"],
        refines: None,
        examples: &["javax.net.ssl.SSLException: Unsupported or unrecognized SSL message"],
        causes: &[
            REPLY_PROXY,
            REPLY_PORT,
            cause(
                PlaintextToTlsPort,
                "Printed by a Java server: a PROXY header or plaintext reached its TLS port.",
            ),
        ],
        byte_reason: "The first bytes read were not a TLS or SSLv2 record header (`HTTP/` or `PROXY` have no valid content type).",
        points_to: WVN_POINTS,
        commands: &[PROBE, SEND_V2_TLS, SEND_TLS, DECODE],
    },
    Entry {
        id: "java-unrecognized-plaintext",
        source: "Java JSSE (before 11)",
        side: Side::Either,
        patterns: &["unrecognized ssl message, plaintext connection?"],
        refines: None,
        examples: &["javax.net.ssl.SSLException: Unrecognized SSL message, plaintext connection?"],
        causes: &[
            REPLY_PROXY,
            REPLY_PORT,
            cause(
                PlaintextToTlsPort,
                "Printed by a Java server: a PROXY header or plaintext reached its TLS port.",
            ),
        ],
        byte_reason: "The first bytes read were not a TLS record header; older JDKs guess plaintext.",
        points_to: WVN_POINTS,
        commands: &[PROBE, SEND_V2_TLS, SEND_TLS, DECODE],
    },
    Entry {
        id: "java-remote-host-terminated",
        source: "Java JSSE",
        side: Side::Client,
        patterns: &[
            "remote host terminated the handshake",
            "remote host closed connection during handshake",
        ],
        refines: None,
        examples: &[
            "javax.net.ssl.SSLHandshakeException: Remote host terminated the handshake",
            "javax.net.ssl.SSLHandshakeException: Remote host closed connection during handshake",
        ],
        causes: &[CLOSE_PROXY, CLOSE_MISSING, CLOSE_TLS],
        byte_reason: EOF_BYTES,
        points_to: EOF_POINTS,
        commands: &[PROBE, SEND_V2_TLS, SEND_TLS, DECODE],
    },
    Entry {
        id: "java-alert-unexpected-message",
        source: "Java JSSE",
        side: Side::Client,
        patterns: &["received fatal alert: unexpected_message"],
        refines: None,
        examples: &["javax.net.ssl.SSLException: Received fatal alert: unexpected_message"],
        causes: &[ALERT10_PROXY, REPLY_DUP, ALERT_GENUINE],
        byte_reason: ALERT10_BYTES,
        points_to: "A Java (JSSE) or GnuTLS backend that received the PROXY header.",
        commands: &[PROBE, SEND_V2_TLS, SEND_TLS],
    },
    Entry {
        id: "java-alert-handshake-failure",
        source: "Java JSSE",
        side: Side::Client,
        patterns: &[
            "received fatal alert: handshake_failure",
            "received fatal alert: protocol_version",
        ],
        refines: None,
        examples: &["javax.net.ssl.SSLHandshakeException: Received fatal alert: handshake_failure"],
        causes: &[cause(
            TlsHandshakeFailed,
            "The server refused the ClientHello: no common cipher or version, unknown SNI, or a required client certificate.",
        )],
        byte_reason: "The server sent fatal alert 40 (or 70) after a valid ClientHello.",
        points_to: "Any TLS server; compare versions, ciphers and SNI.",
        commands: &[PROBE, SEND_TLS],
    },
    Entry {
        id: "java-pkix",
        source: "Java JSSE",
        side: Side::Client,
        patterns: &[
            "pkix path building failed",
            "unable to find valid certification path to requested target",
        ],
        refines: None,
        examples: &[
            "javax.net.ssl.SSLHandshakeException: PKIX path building failed: sun.security.provider.certpath.SunCertPathBuilderException: unable to find valid certification path to requested target",
        ],
        causes: &[
            cause(
                TlsCertificateProblem,
                "The chain does not lead to a CA in the Java trust store (private CA, missing intermediate, self-signed).",
            ),
            CERT_WRONG_SERVER,
        ],
        byte_reason: "The handshake delivered a certificate chain that Java could not verify.",
        points_to: "The TLS endpoint's certificate, or the client's truststore.",
        commands: &[PROBE, SEND_TLS],
    },
    // GnuTLS.
    Entry {
        id: "gnutls-unknown-record-type",
        source: "GnuTLS (gnutls-cli, wget, git on Debian)",
        side: Side::Client,
        patterns: &["received record packet of unknown type"],
        refines: None,
        examples: &["Received record packet of unknown type 72"],
        causes: &[REPLY_PROXY, REPLY_PORT, REPLY_DUP],
        byte_reason: "GnuTLS prints the first byte in decimal: 72 = 'H' of `HTTP/` (a plaintext reply), 80 = 'P' of `PROXY`, 13 = the CR starting a v2 signature; TLS types are 20-24.",
        points_to: WVN_POINTS,
        commands: &[PROBE, SEND_V2_TLS, SEND_TLS, DECODE],
    },
    Entry {
        id: "gnutls-unexpected-packet",
        source: "GnuTLS",
        side: Side::Client,
        patterns: &["an unexpected tls packet was received"],
        refines: None,
        examples: &["*** Fatal error: An unexpected TLS packet was received."],
        causes: &[REPLY_PROXY, REPLY_PORT, REPLY_DUP],
        byte_reason: "The bytes read were not a TLS record of an expected type (usually a plaintext `HTTP/` reply; the line before gives the type).",
        points_to: WVN_POINTS,
        commands: &[PROBE, SEND_V2_TLS, SEND_TLS, DECODE],
    },
    Entry {
        id: "gnutls-non-properly-terminated",
        source: "GnuTLS",
        side: Side::Client,
        patterns: &["the tls connection was non-properly terminated"],
        refines: None,
        examples: &["*** Fatal error: The TLS connection was non-properly terminated."],
        causes: &[CLOSE_PROXY, CLOSE_MISSING, CLOSE_TLS],
        byte_reason: EOF_BYTES,
        points_to: EOF_POINTS,
        commands: &[PROBE, SEND_V2_TLS, SEND_TLS, DECODE],
    },
    Entry {
        id: "gnutls-pull-function",
        source: "GnuTLS",
        side: Side::Client,
        patterns: &["error in the pull function"],
        refines: None,
        examples: &["*** Fatal error: Error in the pull function."],
        causes: &[
            cause(
                ProxyHeaderMissing,
                "nginx with `proxy_protocol` logs `broken header` and resets when TLS arrives without a header.",
            ),
            cause(
                ConnectionReset,
                "Something in the path reset the connection (firewall, balancer without a healthy target).",
            ),
            cause(
                ProxyHeaderNotExpected,
                "A Python ssl server given a PROXY header closes with unread data, which sends a reset.",
            ),
        ],
        byte_reason: "The read failed on a reset (RST) during the handshake.",
        points_to: "An nginx backend requiring PROXY reached without a header, or a Python TLS server given one.",
        commands: &[PROBE, SEND_TLS, SEND_V2_TLS, DECODE],
    },
    Entry {
        id: "gnutls-alert-unexpected-message",
        source: "GnuTLS",
        side: Side::Client,
        patterns: &["received alert [10]"],
        refines: None,
        examples: &["*** Received alert [10]: Unexpected message"],
        causes: &[ALERT10_PROXY, REPLY_DUP, ALERT_GENUINE],
        byte_reason: ALERT10_BYTES,
        points_to: "A Java (JSSE) or GnuTLS backend that received the PROXY header.",
        commands: &[PROBE, SEND_V2_TLS, SEND_TLS],
    },
    // rustls.
    Entry {
        id: "rustls-invalid-content-type",
        source: "rustls (Rust clients and servers)",
        side: Side::Either,
        patterns: &[
            "received corrupt message of type invalidcontenttype",
            "corrupt message of type invalidcontenttype",
        ],
        refines: None,
        examples: &["received corrupt message of type InvalidContentType"],
        causes: &[
            cause(
                ProxyHeaderNotExpected,
                "A balancer sends a PROXY header to a TLS listener that does not parse it: on a rustls client, nginx's plaintext `400 Bad Request` answer; on a rustls server, the header itself where the ClientHello belongs (it answers alert 50).",
            ),
            REPLY_PORT,
        ],
        byte_reason: "The first byte is not a TLS content type (0x14-0x18): `H` (0x48) of `HTTP/`, `P` (0x50) of `PROXY`, 0x0D of a v2 signature.",
        points_to: WVN_POINTS,
        commands: &[PROBE, SEND_V2_TLS, SEND_TLS, DECODE],
    },
    Entry {
        id: "rustls-handshake-eof",
        source: "rustls / tokio-rustls",
        side: Side::Client,
        patterns: &["tls handshake eof"],
        refines: None,
        examples: &["tls handshake eof"],
        causes: &[CLOSE_PROXY, CLOSE_MISSING, CLOSE_TLS],
        byte_reason: EOF_BYTES,
        points_to: EOF_POINTS,
        commands: &[PROBE, SEND_V2_TLS, SEND_TLS, DECODE],
    },
    Entry {
        id: "rustls-alert-unexpected-message",
        source: "rustls",
        side: Side::Client,
        patterns: &["received fatal alert: unexpectedmessage"],
        refines: None,
        examples: &["received fatal alert: UnexpectedMessage"],
        causes: &[ALERT10_PROXY, REPLY_DUP, ALERT_GENUINE],
        byte_reason: ALERT10_BYTES,
        points_to: "A Java (JSSE) or GnuTLS backend that received the PROXY header.",
        commands: &[PROBE, SEND_V2_TLS, SEND_TLS],
    },
    Entry {
        id: "rustls-invalid-peer-certificate",
        source: "rustls",
        side: Side::Client,
        patterns: &["invalid peer certificate"],
        refines: None,
        examples: &[
            "invalid peer certificate: UnknownIssuer",
            "invalid peer certificate: Expired",
        ],
        causes: &[CERT, CERT_WRONG_SERVER],
        byte_reason: "The handshake delivered a certificate that rustls' verifier rejected (issuer, validity or name).",
        points_to: "The TLS endpoint that answered.",
        commands: &[PROBE, SEND_TLS],
    },
    // Browsers.
    Entry {
        id: "chrome-ssl-protocol-error",
        source: "Chrome / Chromium (BoringSSL)",
        side: Side::Client,
        patterns: &["err_ssl_protocol_error"],
        refines: None,
        examples: &[
            "net::ERR_SSL_PROTOCOL_ERROR",
            "This site can't provide a secure connection. example.com sent an invalid response. ERR_SSL_PROTOCOL_ERROR",
        ],
        causes: &[REPLY_PROXY, REPLY_PORT, CLOSE_MISSING],
        byte_reason: "Chrome read bytes that are not a TLS record where the ServerHello belongs (usually nginx's plaintext `HTTP/1.1 400`).",
        points_to: "Through a balancer that sends PROXY: a backend TLS listener without PROXY support (the Traefik `websecure` case, nginx without `proxy_protocol`).",
        commands: &[PROBE, SEND_V2_TLS, SEND_TLS, DECODE],
    },
    Entry {
        id: "firefox-rx-record-too-long",
        source: "Firefox (NSS)",
        side: Side::Client,
        patterns: &["ssl_error_rx_record_too_long"],
        refines: None,
        examples: &["Secure Connection Failed ... Error code: SSL_ERROR_RX_RECORD_TOO_LONG"],
        causes: &[REPLY_PROXY, REPLY_PORT],
        byte_reason: "NSS read the five bytes `HTTP/` as a record header with length 0x502F = 20527, longer than TLS allows.",
        points_to: WVN_POINTS,
        commands: &[PROBE, SEND_V2_TLS, SEND_TLS, DECODE],
    },
    Entry {
        id: "firefox-pr-end-of-file",
        source: "Firefox (NSS)",
        side: Side::Client,
        patterns: &["pr_end_of_file_error"],
        refines: None,
        examples: &["Error code: PR_END_OF_FILE_ERROR"],
        causes: &[CLOSE_PROXY, CLOSE_MISSING, CLOSE_TLS],
        byte_reason: EOF_BYTES,
        points_to: EOF_POINTS,
        commands: &[PROBE, SEND_V2_TLS, SEND_TLS, DECODE],
    },
    Entry {
        id: "chrome-connection-closed",
        source: "Chrome / Chromium",
        side: Side::Client,
        patterns: &["err_connection_closed"],
        refines: None,
        examples: &["net::ERR_CONNECTION_CLOSED"],
        causes: &[CLOSE_PROXY, CLOSE_MISSING, CLOSE_TLS],
        byte_reason: EOF_BYTES,
        points_to: EOF_POINTS,
        commands: &[PROBE, SEND_V2_TLS, SEND_TLS, DECODE],
    },
    Entry {
        id: "chrome-empty-response",
        source: "Chrome / Chromium",
        side: Side::Client,
        patterns: &["err_empty_response"],
        refines: None,
        examples: &["net::ERR_EMPTY_RESPONSE"],
        causes: &[
            cause(
                ProxyHeaderMissing,
                "A plain HTTP request reached a port that requires a PROXY header; the server closed without answering.",
            ),
            cause(
                PlaintextToTlsPort,
                "Plain HTTP reached a TLS port whose server closes instead of answering.",
            ),
        ],
        byte_reason: "The HTTP request went out and the server closed without a byte of reply.",
        points_to: "A backend requiring a PROXY header (HAProxy `accept-proxy`, nginx `proxy_protocol`, go-proxyproto REQUIRE).",
        commands: &[PROBE, SEND_V1_HTTP, DECODE],
    },
    Entry {
        id: "browser-certificate-error",
        source: "Chrome / Firefox",
        side: Side::Client,
        patterns: &[
            "err_cert_authority_invalid",
            "err_cert_common_name_invalid",
            "err_cert_date_invalid",
            "sec_error_unknown_issuer",
            "ssl_error_bad_cert_domain",
            "sec_error_expired_certificate",
        ],
        refines: None,
        examples: &[
            "net::ERR_CERT_AUTHORITY_INVALID",
            "Error code: SEC_ERROR_UNKNOWN_ISSUER",
        ],
        causes: &[CERT, CERT_WRONG_SERVER],
        byte_reason: "The TLS handshake delivered a certificate the browser rejected: the bytes were TLS on both sides.",
        points_to: "The TLS endpoint that answered (a default certificate means no route matched the name).",
        commands: &[PROBE, SEND_TLS],
    },
    // Plain connection errors.
    Entry {
        id: "connection-reset",
        source: "any client (curl 56, Java, Node, Go, browsers)",
        side: Side::Client,
        patterns: &[
            "connection reset by peer",
            "connection reset",
            "econnreset",
            "err_connection_reset",
            "recv failure: connection reset by peer",
        ],
        refines: None,
        examples: &[
            "curl: (56) Recv failure: Connection reset by peer",
            "java.net.SocketException: Connection reset",
            "Error: read ECONNRESET",
            "net::ERR_CONNECTION_RESET",
        ],
        causes: &[
            cause(
                ProxyHeaderMissing,
                "nginx with `proxy_protocol` logs `broken header` and resets when TLS or HTTP arrives without a header (a direct test, hairpin traffic).",
            ),
            cause(
                ConnectionReset,
                "Something in the path reset the connection: a firewall, a balancer without a healthy target, a crashed backend.",
            ),
            cause(
                ProxyHeaderNotExpected,
                "A Python ssl server given a PROXY header closes with unread data, which sends a reset.",
            ),
        ],
        byte_reason: "The peer answered with a TCP RST instead of data or a FIN.",
        points_to: "An nginx backend requiring PROXY reached without a header (its error log shows `broken header`).",
        commands: &[PROBE, SEND_V2_TLS, SEND_TLS, DECODE],
    },
    Entry {
        id: "connection-refused",
        source: "any client",
        side: Side::Client,
        patterns: &[
            "connection refused",
            "econnrefused",
            "err_connection_refused",
        ],
        refines: None,
        examples: &[
            "curl: (7) Failed to connect to example.com port 443 after 0 ms: Connection refused",
            "dial tcp 10.0.0.1:443: connect: connection refused",
        ],
        causes: &[cause(
            ConnectionRefused,
            "Nothing listens on that address and port (wrong port, service down, listener bound elsewhere); PROXY and TLS never came into play.",
        )],
        byte_reason: "The SYN was answered with an RST: no byte of PROXY or TLS was exchanged.",
        points_to: "The target's listener configuration.",
        commands: &[PROBE],
    },
    Entry {
        id: "handshake-timeout",
        source: "curl, Go net/http",
        side: Side::Client,
        patterns: &[
            "ssl connection timeout",
            "tls handshake timeout",
            "operation timed out after * with 0 bytes received",
        ],
        refines: None,
        examples: &[
            "curl: (28) SSL connection timeout",
            "net/http: TLS handshake timeout",
            "curl: (28) Operation timed out after 10001 milliseconds with 0 bytes received",
        ],
        causes: &[
            cause(
                TargetSilent,
                "The target accepted and said nothing: it waits for more bytes, as with a server-speaks-first protocol behind a balancer that holds the header until the client speaks.",
            ),
            cause(
                ProxyHeaderMissing,
                "A backend that waits for a PROXY header (or for the rest of one) until its timeout.",
            ),
        ],
        byte_reason: "The connection opened and no reply came before the client's timeout.",
        points_to: "A backend that waits for a PROXY header, or a balancer holding the connection.",
        commands: &[PROBE, SEND_V2_TLS, DECODE],
    },
];
