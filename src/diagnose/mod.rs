//! Judging one exchange (sans-IO): what the client sent first, what the server answered,
//! how the connection ended → an [`Outcome`], a backend [`Fingerprint`] and findings.
//!
//! This is the one piece of code that names causes for a live connection (`probe`,
//! `send`) and for a captured one (`decode`), so both get the same words. It sees bytes
//! and an ending, never a socket or a clock; the shells measure and feed it.
//!
//! Rules: a verdict is drawn only from what the bytes support; where several causes
//! fit, the finding says so in its evidence rather than guessing silently. Peer bytes
//! in evidence are escaped.

use crate::escape::escape_bytes_max;
use crate::findings::{Code, Finding, Severity};
use crate::opening::{self, Opening};
use crate::sniff::{self, Kind, Sniffed};
use serde::Serialize;

/// How the server side of the connection ended, as far as the observer saw.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Ending {
    /// The server closed its side (FIN).
    Closed,
    /// The server reset the connection (RST).
    Reset,
    /// Still open when the observer stopped waiting, with nothing more coming.
    Timeout,
    /// Still open; the observer stopped because it had seen enough.
    Open,
    /// The connection was refused (no exchange at all).
    Refused,
}

/// One exchange, as bytes.
#[derive(Debug, Clone, Copy)]
pub struct Exchange<'a> {
    /// The opening bytes the client sent (PROXY header(s) and the first payload bytes).
    pub client: &'a [u8],
    /// The opening bytes the server sent.
    pub server: &'a [u8],
    /// How the server side ended.
    pub ending: Ending,
}

/// What happened, in one word (the probe's attempt table and decode's flow summary).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum Outcome {
    /// The server answered the ClientHello with a ServerHello.
    TlsAccepted {
        /// The negotiated version, e.g. `TLS 1.3`.
        version: Option<String>,
    },
    /// The server sent a TLS alert.
    TlsAlert {
        /// Alert description code.
        description: u8,
        /// Its name.
        name: String,
    },
    /// The server answered with a plaintext HTTP response.
    HttpResponse {
        /// Status code, when parsed.
        status: Option<u16>,
        /// The status line.
        line: String,
    },
    /// The server spoke first with a banner (SSH, SMTP, FTP).
    Banner {
        /// The first line.
        line: String,
    },
    /// The server sent bytes that are none of the above.
    OtherBytes {
        /// What they look like.
        summary: String,
    },
    /// The server closed without sending a byte.
    ClosedSilently,
    /// The server reset the connection without sending a byte.
    Reset,
    /// The server said nothing until the observer gave up.
    Silent,
    /// The connection was refused.
    Refused,
}

impl Outcome {
    /// A short human label.
    pub fn label(&self) -> String {
        match self {
            // Joined rather than `format!`: decode labels every linked conversation.
            Outcome::TlsAccepted { version } => match version {
                Some(v) => ["TLS handshake accepted (", v, ")"].concat(),
                None => "TLS handshake accepted".into(),
            },
            Outcome::TlsAlert { description, name } => {
                ["TLS alert ", name, " (", &description.to_string(), ")"].concat()
            }
            Outcome::HttpResponse { line, .. } => ["plaintext reply `", line, "`"].concat(),
            Outcome::Banner { line } => ["server banner `", line, "`"].concat(),
            Outcome::OtherBytes { summary } => ["other bytes: ", summary].concat(),
            Outcome::ClosedSilently => "closed without a byte".into(),
            Outcome::Reset => "connection reset".into(),
            Outcome::Silent => "silent until the timeout".into(),
            Outcome::Refused => "connection refused".into(),
        }
    }
}

/// Backend software whose reaction the exchange matches.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Fingerprint {
    /// nginx: a plaintext `400` with `Server: nginx` to a PROXY header on `listen ssl`.
    Nginx,
    /// Go crypto/tls (Traefik without `proxyProtocol`), HAProxy `bind ssl` or OpenSSL
    /// s_server: a silent close.
    SilentCloser,
    /// Java or GnuTLS: alert 10 unexpected_message.
    JavaOrGnutls,
    /// rustls: alert 50 decode_error.
    Rustls,
    /// OpenSSL 3.2 before the fix of openssl#30196: alert 22 record_overflow.
    Openssl32,
    /// Go's HTTP server answering `Client sent an HTTP request to an HTTPS server`.
    GoHttps,
    /// Apache Tomcat: a plaintext `400` with its error report page (`HTTP Status 400 –
    /// Bad Request`) to a header it read as a request line. Its HTTP connector has no
    /// PROXY reader (Tomcat 10.1's coyote has no such class).
    Tomcat,
}

impl Fingerprint {
    /// Whether the software has no PROXY reader at all, in any configuration (so no
    /// balancer in front can be sending it a header it reads).
    pub fn has_no_reader(self) -> bool {
        self == Fingerprint::Tomcat
    }

    /// Who it points to, in words.
    pub fn describe(self) -> &'static str {
        match self {
            Fingerprint::Nginx => {
                "nginx (a plaintext 400 to a header it read as a request line: a `listen` without `proxy_protocol`, or a second header behind the one its `proxy_protocol` read)"
            }
            Fingerprint::SilentCloser => {
                "Go crypto/tls (e.g. Traefik without `proxyProtocol`), HAProxy `bind ... ssl`, or OpenSSL"
            }
            Fingerprint::JavaOrGnutls => "a Java (JSSE) or GnuTLS server",
            Fingerprint::Rustls => "a rustls server",
            Fingerprint::Openssl32 => "OpenSSL 3.2+ (before the fix of openssl#30196)",
            Fingerprint::GoHttps => "a Go HTTPS server",
            Fingerprint::Tomcat => {
                "Apache Tomcat (its 400 error page to a header it read as a request line: Tomcat's HTTP connector has no PROXY reader)"
            }
        }
    }
}

/// The judgement of one exchange.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Verdict {
    /// What the client sent, analysed.
    pub client: Opening,
    /// What the server sent first, classified.
    pub server: Sniffed,
    /// How the server side ended.
    pub ending: Ending,
    /// What happened.
    pub outcome: Outcome,
    /// The backend the reaction points to, if it is distinctive.
    pub fingerprint: Option<Fingerprint>,
    /// What TLS clients print when they receive the server's bytes (for TLS attempts
    /// answered with something that is not TLS). Shared: the lines depend on five
    /// bytes of the answer, and decode hands the same lines to many conversations.
    pub client_sees: Lines,
    /// The findings, worst first.
    pub findings: Vec<Finding>,
}

/// What the client was speaking after any header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Spoke {
    Tls,
    Http,
    Nothing,
    Other,
}

/// Judges one exchange.
pub fn judge(x: &Exchange<'_>) -> Verdict {
    judge_with(opening::analyze(x.client), sniff::sniff(x.server), x, false)
}

/// [`judge`] for a caller that shows only the verdict (decode, once per captured
/// conversation): the same outcome, fingerprint, `client_sees` and findings, but
/// `client` is [`opening::analyze_lean`]'s (no notes, no client view of the payload)
/// with its `findings` moved into the verdict's, and `server.tls_client_view` is
/// `None`.
pub fn judge_lean(x: &Exchange<'_>) -> Verdict {
    let client = opening::analyze_lean(x.client);
    judge_with(client, sniff::sniff_lean(x.server), x, true)
}

/// The verdict on analysed bytes; `lean`: the client's findings move into the
/// verdict's instead of being copied.
fn judge_with(mut client: Opening, server: Sniffed, x: &Exchange<'_>, lean: bool) -> Verdict {
    let outcome = outcome(&server, x.server, x.ending);
    let spoke = match client.payload.as_ref().map(|p| p.kind) {
        Some(Kind::TlsClientHello | Kind::TlsRecord | Kind::Sslv2Hello) => Spoke::Tls,
        Some(Kind::HttpRequest) => Spoke::Http,
        Some(Kind::Empty) => Spoke::Nothing,
        _ => Spoke::Other,
    };
    let fingerprint = fingerprint(
        &outcome,
        (&server, x.server),
        spoke,
        !client.headers.is_empty(),
    );
    let client_sees = if spoke == Spoke::Tls {
        match &server.tls_client_view {
            Some(v) => client_lines(v),
            // A lean sniff left the view out: the same function gives it here.
            None => client_sees_lean(x.server),
        }
    } else {
        Lines::default()
    };
    let ruled = rules(&client, &server, &outcome, spoke, fingerprint, x.server);
    let mut findings = if lean {
        std::mem::take(&mut client.findings)
    } else {
        client.findings.clone()
    };
    // The client's findings first, then the rules'; without the first, the rules'
    // vector as it is (no second allocation).
    if findings.is_empty() {
        findings = ruled;
    } else {
        findings.extend(ruled);
    }
    crate::findings::sort_worst_first(&mut findings);
    Verdict {
        client,
        server,
        ending: x.ending,
        outcome,
        fingerprint,
        client_sees,
        findings,
    }
}

/// Lines of text shared between reports (`Arc`: cloned by a count, not a copy).
pub type Lines = std::sync::Arc<[String]>;

/// What the first clients print for the server's answer, one line each.
fn client_lines(v: &sniff::TlsClientView) -> Lines {
    v.reactions
        .iter()
        .take(4)
        .map(|r| format!("{}: {}", r.client, r.message))
        .collect()
}

/// Answers remembered by [`client_sees_lean`] at most (per thread); then it starts over.
const MAX_VIEWS: usize = 64;

thread_local! {
    /// [`client_lines`] of [`sniff::tls_client_view`] by the five bytes it reads: a
    /// capture's answers to TLS clients start with a few distinct record headers.
    static VIEWS: std::cell::RefCell<Vec<([u8; 5], Lines)>> =
        const { std::cell::RefCell::new(Vec::new()) };
}

/// [`client_lines`] of the TLS client view of `server`'s bytes, which is a function of
/// their first five bytes alone, worked out once per five bytes.
fn client_sees_lean(server: &[u8]) -> Lines {
    let Some(&head) = server.first_chunk::<5>() else {
        return Lines::default();
    };
    VIEWS.with(|views| {
        let mut views = views.borrow_mut();
        if let Some((_, lines)) = views.iter().find(|(h, _)| *h == head) {
            return lines.clone();
        }
        let lines = sniff::tls_client_view(&head)
            .map(|v| client_lines(&v))
            .unwrap_or_default();
        if views.len() >= MAX_VIEWS {
            views.clear();
        }
        views.push((head, lines.clone()));
        lines
    })
}

fn outcome(server: &Sniffed, bytes: &[u8], ending: Ending) -> Outcome {
    if ending == Ending::Refused {
        return Outcome::Refused;
    }
    match server.kind {
        Kind::Empty => match ending {
            Ending::Reset => Outcome::Reset,
            Ending::Closed => Outcome::ClosedSilently,
            _ => Outcome::Silent,
        },
        Kind::TlsServerHello => Outcome::TlsAccepted {
            version: server
                .tls
                .as_ref()
                .and_then(|t| t.server_hello.as_ref())
                .map(|s| s.version_name.to_string()),
        },
        Kind::TlsAlert => match server.tls.as_ref().and_then(|t| t.alert.as_ref()) {
            Some(a) => Outcome::TlsAlert {
                description: a.description,
                name: a.description_name.clone(),
            },
            None => Outcome::OtherBytes {
                summary: server.summary.clone(),
            },
        },
        Kind::HttpResponse => {
            let http = server.http.as_deref();
            Outcome::HttpResponse {
                status: http.and_then(|h| h.status),
                line: http
                    .and_then(status_line)
                    .unwrap_or_else(|| server.summary.clone()),
            }
        }
        Kind::SshBanner | Kind::SmtpBanner | Kind::FtpBanner | Kind::Greeting => Outcome::Banner {
            line: server
                .banner
                .as_ref()
                .map(|b| b.line.clone())
                .unwrap_or_else(|| server.summary.clone()),
        },
        // Plaintext without a status line (Python's http.server answers a ClientHello
        // with an HTML error page and no status line): a plaintext reply all the same.
        Kind::Unknown if is_plain_text(bytes) => Outcome::HttpResponse {
            status: None,
            line: escape_bytes_max(
                bytes
                    .split(|&b| b == b'\n')
                    .next()
                    .unwrap_or(bytes)
                    .trim_ascii(),
                80,
            ),
        },
        _ => Outcome::OtherBytes {
            summary: server.summary.clone(),
        },
    }
}

/// Printable text that is not an error line of a command protocol.
fn is_plain_text(bytes: &[u8]) -> bool {
    sniff::plaintext::is_text(bytes) && !sniff::plaintext::is_error(bytes)
}

/// `HTTP/1.1 400 Bad Request`, rebuilt from the parsed head (already escaped).
fn status_line(h: &sniff::HttpInfo) -> Option<String> {
    let mut status = itoa::Buffer::new();
    let status = status.format(h.status?);
    let reason = h.reason.as_deref().filter(|r| !r.is_empty());
    // One join, sized once: the reason and its space only when there is a reason.
    Some(
        [
            h.version.as_deref().unwrap_or("HTTP/?"),
            " ",
            status,
            if reason.is_some() { " " } else { "" },
            reason.unwrap_or(""),
        ]
        .concat(),
    )
}

fn fingerprint(
    outcome: &Outcome,
    (server, server_bytes): (&Sniffed, &[u8]),
    spoke: Spoke,
    header: bool,
) -> Option<Fingerprint> {
    let server_header = server
        .http
        .as_ref()
        .and_then(|h| h.server.as_deref())
        .unwrap_or("");
    match outcome {
        Outcome::HttpResponse {
            status: Some(400), ..
        } if server_header.starts_with("nginx") => Some(Fingerprint::Nginx),
        // Tomcat's ErrorReportValve page (Tomcat 8.5 to 11; no `Server` header by
        // default, no reason phrase on the status line).
        Outcome::HttpResponse {
            status: Some(400), ..
        } if is_tomcat_400(server_bytes) => Some(Fingerprint::Tomcat),
        Outcome::HttpResponse { line, .. }
            if spoke == Spoke::Http && line.starts_with("HTTP/1.0 400") =>
        {
            Some(Fingerprint::GoHttps)
        }
        Outcome::TlsAlert {
            description: 10, ..
        } => Some(Fingerprint::JavaOrGnutls),
        Outcome::TlsAlert {
            description: 50, ..
        } => Some(Fingerprint::Rustls),
        Outcome::TlsAlert {
            description: 22, ..
        } => Some(Fingerprint::Openssl32),
        Outcome::ClosedSilently if header && spoke == Spoke::Tls => Some(Fingerprint::SilentCloser),
        _ => None,
    }
}

const FIX_PARSE: &[&str] = &[
    "nginx: `listen 443 ssl proxy_protocol;` then `set_real_ip_from <balancer CIDR>; real_ip_header proxy_protocol;`",
    "Traefik: on the entry point, `proxyProtocol.trustedIPs=[<balancer CIDR>]` (`proxyProtocol.insecure=true` only for tests) — on `websecure` too, not only on `web`",
    "HAProxy: `bind :443 accept-proxy ssl crt ...`",
    "Envoy: add the `envoy.filters.listener.proxy_protocol` listener filter; ingress-nginx: `use-proxy-protocol: \"true\"` in its ConfigMap",
];
const FIX_STOP_SENDING: &str = "or stop sending it: AWS NLB target group attribute `proxy_protocol_v2.enabled=false`; HAProxy: drop `send-proxy`/`send-proxy-v2` from the `server` line; nginx stream: `proxy_protocol off`";
const FIX_SEND: &str = "make the balancer send the header: AWS NLB target group attribute `proxy_protocol_v2.enabled=true`; HAProxy `send-proxy-v2` on the `server` line; nginx stream `proxy_protocol on`; LoxiLB/Kubernetes: the Service's PROXY protocol setting";
const FIX_DONT_REQUIRE: &str = "or, if nothing in front sends PROXY, stop requiring it: nginx: drop `proxy_protocol` from `listen`; Traefik: drop `proxyProtocol`; go-proxyproto: policy USE instead of REQUIRE";

/// Whether a reply holds the title of Tomcat's error page for a 400 (the searcher built
/// once, as `sniff::plaintext::says_plain_http_to_tls` does: this runs for every 400
/// that is not nginx's).
fn is_tomcat_400(server_bytes: &[u8]) -> bool {
    static TITLE: std::sync::LazyLock<memchr::memmem::Finder<'static>> =
        std::sync::LazyLock::new(|| {
            memchr::memmem::Finder::new("<title>HTTP Status 400 – Bad Request</title>")
        });
    TITLE.find(server_bytes).is_some()
}

/// For a backend that cannot parse a header at all: stop sending it, or end the PROXY
/// hop in a reader in front that passes the address on in a form the backend reads.
const FIX_TOMCAT: &[&str] = &[
    "Tomcat has no PROXY reader (its HTTP connector parses none, 10.1 included): stop sending the header to it — AWS NLB target group attribute `proxy_protocol_v2.enabled=false`; HAProxy: drop `send-proxy`/`send-proxy-v2` from the `server` line; nginx stream: `proxy_protocol off`",
    "or end the PROXY hop in front of it and pass the client address as `X-Forwarded-For`, which Tomcat's `RemoteIpValve` reads: HAProxy `bind ... accept-proxy` with `mode http` and `option forwardfor`; nginx `listen ... proxy_protocol` with `proxy_set_header X-Forwarded-For $proxy_protocol_addr;`",
];

/// Adds the fixes for a PROXY header the server does not parse, the likeliest first for
/// the backend `fp` points to (for Tomcat, which cannot parse one, only the ways around).
pub fn not_expected_fixes(mut f: Finding, fp: Option<Fingerprint>) -> Finding {
    if fp == Some(Fingerprint::Tomcat) {
        f.fixes.extend(FIX_TOMCAT.iter().map(|&x| x.into()));
        return f;
    }
    // Room for all of them at once (this runs for most failed conversations).
    f.fixes.reserve(FIX_PARSE.len() + 1);
    let first = usize::from(fp == Some(Fingerprint::SilentCloser));
    f.fixes.push(FIX_PARSE[first].into());
    f.fixes.push(FIX_PARSE[1 - first].into());
    f.fixes.extend(FIX_PARSE[2..].iter().map(|&x| x.into()));
    f.fix(FIX_STOP_SENDING)
}

fn rules(
    client: &Opening,
    server: &Sniffed,
    outcome: &Outcome,
    spoke: Spoke,
    fp: Option<Fingerprint>,
    server_bytes: &[u8],
) -> Vec<Finding> {
    let mut out = Vec::new();
    // A header problem hides everything after it; the opening already judged it.
    if client.problem.is_some() {
        return out;
    }
    let c = Seen {
        header: client.headers.first(),
        server,
        outcome,
        fp,
        server_bytes,
    };
    match outcome {
        Outcome::Refused => out.push(
            Finding::new(Code::ConnectionRefused, Severity::Error, "the connection was refused: nothing listens on that address and port")
                .fix("check the address and port, and that the backend is running and listening on that interface"),
        ),
        // A banner is the server's protocol speaking first, not a mismatch; the probe's
        // inference reports it (protocol "tcp").
        Outcome::Banner { .. } => {}
        // A client that sent nothing after its header (or nothing at all) and got
        // nothing back met a server that waits for it: that is no fault.
        Outcome::Silent if spoke == Spoke::Nothing => {}
        Outcome::Silent => out.push(c.silent(spoke)),
        Outcome::TlsAccepted { .. } => {}
        _ => out.extend(match (c.header.is_some(), spoke) {
            (true, Spoke::Tls) => Some(c.header_then_tls()),
            (true, Spoke::Http) => c.header_then_http(),
            (false, Spoke::Tls) => c.tls_without_header(),
            (false, Spoke::Http) => c.http_without_header(),
            _ => None,
        }),
    }
    out
}

/// What the rules look at; the words built from it are made only when a rule fires.
struct Seen<'a> {
    header: Option<&'a crate::proxy::Header>,
    server: &'a Sniffed,
    outcome: &'a Outcome,
    fp: Option<Fingerprint>,
    server_bytes: &'a [u8],
}

impl Seen<'_> {
    // The words below are joined rather than `format!`ted: decode judges every
    // conversation of a capture.
    fn header_text(&self) -> String {
        self.header
            .map(|h| {
                [
                    "PROXY v",
                    &h.version.number().to_string(),
                    " header (",
                    &h.length.to_string(),
                    " bytes)",
                ]
                .concat()
            })
            .unwrap_or_default()
    }

    fn reply(&self) -> String {
        ["\"", &escape_bytes_max(self.server_bytes, 48), "\""].concat()
    }

    /// `server sent: "<the reply>"`.
    fn sent(&self) -> String {
        server_sent(&escape_bytes_max(self.server_bytes, 48))
    }

    /// The reply, and which known backend the reaction matches.
    fn with_reply(&self, f: Finding) -> Finding {
        let f = f.evidence(self.sent());
        match self.fp {
            Some(fp) => f.evidence(["the reaction matches ", fp.describe()].concat()),
            None => f,
        }
    }

    fn silent(&self, spoke: Spoke) -> Finding {
        let f = Finding::new(
            Code::TargetSilent,
            Severity::Warning,
            "the server accepted the connection and said nothing until the timeout",
        );
        let f = match (self.header.is_some(), spoke) {
            (false, Spoke::Tls | Spoke::Http) => f.evidence("no PROXY header was sent: a server that requires one may wait for it until its own header timeout (go-proxyproto, Envoy) before closing"),
            (true, _) => f.evidence(format!("a {} was sent: a server that does not parse it may be waiting for more bytes of what it thinks is a TLS record or request line", self.header_text())),
            _ => f,
        };
        f.fix("compare with the other attempts (`ppdiag probe`): the one that gets an answer names what the server expects")
    }

    fn header_then_tls(&self) -> Finding {
        let outcome = self.outcome;
        if let Outcome::TlsAlert { description, name } = outcome
            && ![10u8, 50, 22].contains(description)
        {
            return tls_failed(*description, name);
        }
        let mut f = self.with_reply(Finding::new(
            Code::ProxyHeaderNotExpected,
            Severity::Error,
            [
                "the server did not parse the ",
                &self.header_text(),
                ": it read it as the start of the TLS handshake and answered with ",
                &outcome.label(),
            ]
            .concat(),
        ));
        if matches!(outcome, Outcome::HttpResponse { .. }) {
            f = f.evidence("TLS clients behind this balancer print `wrong version number` (OpenSSL, curl), `ERR_SSL_PROTOCOL_ERROR` (Chrome)");
        }
        if matches!(outcome, Outcome::ClosedSilently | Outcome::Reset) {
            f = f.evidence("a close without a byte also fits other refusals (e.g. a source address not allowed); the attempt without a header tells them apart");
        }
        not_expected_fixes(f, self.fp)
    }

    fn header_then_http(&self) -> Option<Finding> {
        match self.outcome {
            // The header was parsed: the 400 is about plaintext on a TLS port.
            Outcome::HttpResponse { status: Some(400), line } if sniff::plaintext::says_plain_http_to_tls(self.server_bytes) => {
                Some(plaintext_to_tls(&format!("`{line}`: {}", plain_to_https_who(self.server_bytes))))
            }
            Outcome::HttpResponse { status: Some(400), .. } => {
                let f = self.with_reply(Finding::new(
                    Code::ProxyHeaderNotExpected,
                    Severity::Error,
                    ["the server did not parse the ", &self.header_text(), ": it read it as an HTTP request line and answered 400"].concat(),
                ));
                Some(not_expected_fixes(f, self.fp))
            }
            Outcome::TlsAlert { .. } | Outcome::OtherBytes { .. } if self.server.kind != Kind::HttpResponse => {
                Some(plaintext_to_tls(&self.reply()))
            }
            Outcome::ClosedSilently | Outcome::Reset => Some(
                Finding::new(
                    Code::ProxyHeaderNotExpected,
                    Severity::Warning,
                    ["the server closed the connection after the ", &self.header_text(), " and a plaintext request"].concat(),
                )
                .evidence("fits a server that does not parse PROXY, or a TLS port given plaintext; the other attempts tell them apart"),
            ),
            _ => None,
        }
    }

    fn tls_without_header(&self) -> Option<Finding> {
        match self.outcome {
            Outcome::HttpResponse { .. } => Some(
                Finding::new(
                    Code::TlsToPlaintextPort,
                    Severity::Error,
                    "TLS was sent to a port that answers in plaintext HTTP",
                )
                .evidence(self.sent())
                .evidence("TLS clients print `wrong version number` (OpenSSL, curl), `http: server gave HTTP response to HTTPS client` (Go), `ERR_SSL_PROTOCOL_ERROR` (Chrome)")
                .fix("use http:// for this port, or point the client (or the balancer's TLS listener) at the TLS port")
                .fix("if a balancer terminates TLS in front, its backend must be plaintext on the port the balancer forwards to, and the reverse"),
            ),
            Outcome::TlsAlert { description, name } => Some(tls_failed(*description, name)),
            Outcome::ClosedSilently | Outcome::Reset => Some(
                Finding::new(
                    Code::ProxyHeaderMissing,
                    Severity::Error,
                    ["the server ", if *self.outcome == Outcome::Reset { "reset the connection" } else { "closed the connection without a byte" }, " on a TLS ClientHello sent without a PROXY header: it likely requires one"].concat(),
                )
                .evidence("nginx `proxy_protocol` logs `broken header: \"\\x16\\x03\\x01...\"` and resets; HAProxy `accept-proxy` and go-proxyproto REQUIRE close")
                .evidence("clients print `unexpected eof while reading` (OpenSSL), `SSL_ERROR_SYSCALL` (curl), `EOF` (Go)")
                .fix(FIX_SEND)
                .fix(FIX_DONT_REQUIRE),
            ),
            _ => None,
        }
    }

    fn http_without_header(&self) -> Option<Finding> {
        match self.outcome {
            Outcome::HttpResponse { status: Some(400), line } if sniff::plaintext::says_plain_http_to_tls(self.server_bytes) => {
                Some(plaintext_to_tls(&format!("`{line}`: {}", plain_to_https_who(self.server_bytes))))
            }
            Outcome::TlsAlert { .. } | Outcome::OtherBytes { .. } => Some(plaintext_to_tls(&self.reply())),
            Outcome::ClosedSilently | Outcome::Reset => Some(
                Finding::new(
                    Code::ProxyHeaderMissing,
                    Severity::Warning,
                    "the server closed the connection on a plaintext request sent without a PROXY header",
                )
                .evidence("fits a server that requires PROXY (nginx logs `broken header: \"GET /...\"`), or a TLS port that drops plaintext; the other attempts tell them apart")
                .fix(FIX_SEND)
                .fix(FIX_DONT_REQUIRE),
            ),
            _ => None,
        }
    }
}

fn tls_failed(description: u8, name: &str) -> Finding {
    let (why, fix) = match description {
        112 => (
            "the server does not know the name sent as SNI",
            "send the SNI the server has a certificate for (`--sni`), or add the name to the server's certificates",
        ),
        40 => (
            "no common cipher suite, group or signature algorithm, or a missing client certificate",
            "compare the client's offer with the server's configuration (`openssl s_client -connect ...`)",
        ),
        70 => (
            "no TLS version in common: a TLS 1.3-only server (nginx `ssl_protocols TLSv1.3;`, HAProxy `ssl-min-ver TLSv1.3`) refuses a client that offers at most TLS 1.2, and an old server refuses a client that offers nothing below 1.2",
            "let the client offer TLS 1.3 (curl `--tlsv1.3`, Java 11+, OpenSSL 1.1.1+), or allow TLSv1.2 on the server (`ssl_protocols TLSv1.2 TLSv1.3;`)",
        ),
        120 => (
            "no application protocol in common: the server's ALPN list (`h2`, `http/1.1`, ...) shares nothing with what the client offered (RFC 7301, section 3.2)",
            "offer a protocol the server has (`--alpn http/1.1` or `--alpn h2`), or add the client's protocol to the server's ALPN list (nginx `http2 on;`, HAProxy `alpn h2,http/1.1` on the `bind` line)",
        ),
        116 => (
            "the server requires a client certificate",
            "present a client certificate",
        ),
        42 | 48 | 45 | 44 | 43 | 46 => (
            "the server rejected a certificate",
            "check the client certificate and its chain",
        ),
        _ => (
            "the handshake failed for a reason unrelated to PROXY",
            "read the server's TLS logs for this connection",
        ),
    };
    Finding::new(
        Code::TlsHandshakeFailed,
        Severity::Error,
        [
            "the server refused the TLS handshake with alert ",
            name,
            " (",
            &description.to_string(),
            "): ",
            why,
        ]
        .concat(),
    )
    .fix(fix)
}

/// The evidence `server sent: "<shown>"`, `shown` being the reply already escaped (the
/// judge's rules, the path model's advice and decode's failed conversations all give it).
pub fn server_sent(shown: &str) -> String {
    ["server sent: \"", shown, "\""].concat()
}

/// The body of a 400 says plaintext reached a TLS port (nginx, Go).
fn plain_to_https_who(server_bytes: &[u8]) -> &'static str {
    if memchr::memmem::find(server_bytes, b"plain HTTP").is_some() {
        "The plain HTTP request was sent to HTTPS port (nginx)"
    } else {
        "Client sent an HTTP request to an HTTPS server (Go)"
    }
}

fn plaintext_to_tls(reply: &str) -> Finding {
    Finding::new(
        Code::PlaintextToTlsPort,
        Severity::Error,
        "plaintext HTTP was sent to a port that speaks TLS",
    )
    .evidence(["server sent: ", reply].concat())
    .fix("use https:// for this port, or the balancer's plaintext listener must forward to the backend's plaintext port")
}

#[cfg(test)]
mod tests;
