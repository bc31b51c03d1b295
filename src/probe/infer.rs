//! What a target expects, inferred across the attempt matrix (sans-IO).
//!
//! Each attempt was judged alone by [`crate::diagnose::judge`] ([`judged`] does that
//! from bytes). [`infer`] compares them: which headers led to an answer the payload's
//! protocol understands, which protocol answered, what a silent wait means, and which
//! backend the reactions point to; it then picks the findings that matter for the
//! target and adds the TLS certificate's.
//!
//! Rules: no I/O and no clock (the caller passes what it measured). A mismatch that
//! only shows what *would* fail (a header this target forbids) is `info` unless the
//! user said what the balancer sends (`--balancer-sends`), then it is an `error`.
//! Anything that fails whatever is sent, and certificate problems, are `warning` or
//! `error`: they make the exit code 1.

use super::model::{Attempt, AttemptSpec, Expects, HeaderChoice, Payload, TlsDetails, TlsSession};
use crate::diagnose::{self, Ending, Exchange, Fingerprint, Outcome};
use crate::escape::escape_bytes_max;
use crate::findings::{Code, Finding, Severity};

/// Judges one attempt from its bytes and ending; `connect_error` when no connection
/// was made (`Some("refused")` is judged as a refusal).
pub fn judged(
    spec: AttemptSpec,
    client: &[u8],
    header_bytes: usize,
    server: &[u8],
    ending: Ending,
    connect_error: Option<String>,
) -> Attempt {
    let verdict = diagnose::judge(&Exchange {
        client,
        server,
        ending,
    });
    let mut findings = verdict.findings;
    let mut outcome = verdict.outcome;
    if let Some(e) = connect_error.as_deref().filter(|e| *e != "refused") {
        findings = vec![connect_failure(e)];
        outcome = Outcome::Silent;
    }
    Attempt {
        name: spec.name(),
        header: spec.header,
        payload: spec.payload,
        local: None,
        header_bytes,
        sent: client.len(),
        outcome,
        ending,
        elapsed_ms: 0,
        received: server.len(),
        first_bytes: escape_bytes_max(server, 64),
        reply: verdict.server.summary,
        client_sees: verdict.client_sees,
        fingerprint: verdict.fingerprint,
        tls: None,
        tls_error: None,
        connect_error,
        stopped_early: false,
        findings,
    }
}

fn connect_failure(e: &str) -> Finding {
    if e == "timeout" {
        Finding::new(
            Code::ConnectTimeout,
            Severity::Error,
            "nothing answered the connection attempt before the timeout",
        )
        .evidence("no SYN-ACK and no RST: a firewall or security group drops the packets, the address is wrong, or the host is down")
        .fix("check security groups / firewall rules for this port from where ppdiag runs, and the address")
    } else {
        Finding::new(
            Code::ConnectionRefused,
            Severity::Error,
            format!("the connection could not be made: {e}"),
        )
        .fix("check the route to the address (network unreachable, no route to host)")
    }
}

/// What the user told about the balancer in front (`--balancer-sends`).
pub type BalancerSends = Option<HeaderChoice>;

/// The inference for one target address.
#[derive(Debug, Clone, PartialEq)]
pub struct Inference {
    /// What the target expects.
    pub expects: Expects,
    /// One sentence.
    pub summary: String,
    /// The backend the reactions point to.
    pub fingerprint: Option<Fingerprint>,
    /// Findings, worst first.
    pub findings: Vec<Finding>,
}

/// Codes that mean "the server did not understand what came before or instead of the
/// payload": an attempt with one of these did not work.
const MISMATCH: [Code; 5] = [
    Code::ProxyHeaderNotExpected,
    Code::ProxyHeaderMissing,
    Code::PlaintextToTlsPort,
    Code::TlsToPlaintextPort,
    Code::ProxyVersionUnsupported,
];

/// The server understood the payload (after the header, if any).
pub fn worked(a: &Attempt) -> bool {
    let understood = match (&a.outcome, a.payload) {
        (Outcome::TlsAccepted { .. }, Payload::Tls) => true,
        (Outcome::TlsAlert { description, .. }, Payload::Tls) => {
            ![10u8, 50, 22].contains(description)
        }
        // A well-formed request answered 400 was not understood (a PROXY reader
        // that wanted a header, or a header read as the request line).
        (
            Outcome::HttpResponse {
                status: Some(s), ..
            },
            Payload::Http,
        ) => *s != 400,
        _ => false,
    };
    understood && !a.findings.iter().any(|f| MISMATCH.contains(&f.code))
}

fn banner(a: &Attempt) -> bool {
    matches!(a.outcome, Outcome::Banner { .. })
}

fn find(attempts: &[Attempt], header: HeaderChoice, payload: Payload) -> Option<&Attempt> {
    attempts
        .iter()
        .find(|a| a.header == header && a.payload == payload)
}

fn ok(attempts: &[Attempt], h: HeaderChoice) -> bool {
    attempts
        .iter()
        .filter(|a| a.header == h && a.payload != Payload::Wait)
        .any(|a| worked(a) || (h != HeaderChoice::None && banner(a)))
}

fn tested(attempts: &[Attempt], h: HeaderChoice) -> bool {
    attempts
        .iter()
        .any(|a| a.header == h && a.payload != Payload::Wait)
}

fn severity_for(sends: BalancerSends, h: HeaderChoice) -> Severity {
    if sends == Some(h) {
        Severity::Error
    } else {
        Severity::Info
    }
}

fn conditional(mut f: Finding, sends: BalancerSends, h: HeaderChoice, what: &str) -> Finding {
    f.severity = severity_for(sends, h);
    if sends != Some(h) {
        f.summary = format!("if a balancer sends {what}: {}", f.summary);
    }
    f
}

fn proto_name(p: &str) -> &'static str {
    match p {
        "tls" => "TLS",
        "http" => "plaintext HTTP",
        "tcp" => "a server-speaks-first protocol",
        _ => "an unknown protocol",
    }
}

/// Infers what the target expects from its attempts. `tls` holds the details of the
/// first completed handshake; `expiry_warn_days` is how close to expiry warns.
pub fn infer(
    address: &str,
    attempts: &[Attempt],
    tls: Option<&TlsDetails>,
    sends: BalancerSends,
    expiry_warn_days: i64,
) -> Inference {
    let mut findings = Vec::new();
    let real: Vec<&Attempt> = attempts
        .iter()
        .filter(|a| a.payload != Payload::Wait)
        .collect();
    let protocol = if real.iter().any(|a| a.payload == Payload::Tls && worked(a)) {
        "tls"
    } else if real.iter().any(|a| a.payload == Payload::Http && worked(a)) {
        "http"
    } else if attempts.iter().any(banner) {
        "tcp"
    } else {
        "unknown"
    };
    let wait = find(attempts, HeaderChoice::None, Payload::Wait);
    let wait_banner = wait.is_some_and(banner);
    let none_ok = ok(attempts, HeaderChoice::None) || wait_banner;
    let v1_ok = ok(attempts, HeaderChoice::V1);
    let v2_ok = ok(attempts, HeaderChoice::V2);
    let local_ok = ok(attempts, HeaderChoice::V2Local);
    let mut versions = Vec::new();
    if v1_ok {
        versions.push("v1");
    }
    if v2_ok {
        versions.push("v2");
    }
    let headers_tested = tested(attempts, HeaderChoice::V1) || tested(attempts, HeaderChoice::V2);
    let proxy = if protocol == "tcp" && wait_banner {
        // A banner comes before the client says anything: what the server does with a
        // header that follows is not visible from here.
        "unknown"
    } else if none_ok && (v1_ok || v2_ok) {
        "optional"
    } else if none_ok && headers_tested {
        "forbidden"
    } else if !none_ok && (v1_ok || v2_ok) {
        if tested(attempts, HeaderChoice::None) || wait.is_some() {
            "required"
        } else {
            "unknown"
        }
    } else {
        "unknown"
    };
    // Only a reaction to a header mismatch identifies the backend: the TLS stack reading
    // a header it does not expect (forbidden), or the PROXY reader missing one
    // (required). A 400 to plaintext on a TLS port, or a v2-only reader closing on v1,
    // says nothing about the software.
    let reacted = |a: &&Attempt, code: Code| a.findings.iter().any(|f| f.code == code);
    let mismatch = match proxy {
        "required" => Code::ProxyHeaderMissing,
        _ => Code::ProxyHeaderNotExpected,
    };
    let fingerprint = if front_adds_header(attempts) {
        find(attempts, HeaderChoice::None, Payload::Tls).and_then(|a| a.fingerprint)
    } else if proxy == "unknown" && protocol == "unknown" {
        None
    } else {
        attempts
            .iter()
            .filter(|a| reacted(a, mismatch))
            .find_map(|a| a.fingerprint)
    };
    if proxy == "unknown" {
        // A banner to every attempt says nothing about which header was read.
        versions.clear();
    }
    let expects = Expects {
        proxy,
        proxy_versions: versions.clone(),
        protocol,
    };
    let payload = if protocol == "http" {
        Payload::Http
    } else {
        Payload::Tls
    };

    // Nothing understood at all: say why, from what every attempt got.
    let front = protocol == "unknown" && front_adds_header(attempts);
    let closes = protocol == "unknown" && !front && closes_unprompted(attempts);
    if front {
        findings.push(front_header_finding(address, attempts));
    } else if closes {
        findings.push(closes_unprompted_finding(address, attempts));
    } else if protocol == "unknown" {
        findings.extend(nothing_worked(&real));
    }

    match proxy {
        "forbidden" | "optional" => {
            for (h, what) in [
                (HeaderChoice::V2, "a PROXY v2 header"),
                (HeaderChoice::V1, "a PROXY v1 header"),
            ] {
                if ok(attempts, h) {
                    continue;
                }
                if proxy == "forbidden"
                    && h == HeaderChoice::V1
                    && sends != Some(h)
                    && findings
                        .iter()
                        .any(|f: &Finding| f.code == Code::ProxyHeaderNotExpected)
                {
                    continue;
                }
                if let Some(a) = find(attempts, h, payload) {
                    let base = a
                        .findings
                        .iter()
                        .find(|f| f.code == Code::ProxyHeaderNotExpected)
                        .cloned()
                        .unwrap_or_else(|| {
                            Finding::new(
                                if proxy == "optional" {
                                    Code::ProxyVersionUnsupported
                                } else {
                                    Code::ProxyHeaderNotExpected
                                },
                                Severity::Error,
                                format!(
                                    "the target does not accept {what}: it answered with {}",
                                    a.outcome.label()
                                ),
                            )
                        });
                    let mut f = conditional(base, sends, h, what);
                    f = f.evidence(format!("attempt {}: {}", a.name, a.outcome.label()));
                    for line in a.client_sees.iter().take(2) {
                        f = f.evidence(format!("TLS clients print: {line}"));
                    }
                    findings.push(f);
                }
            }
            if sends == Some(HeaderChoice::V2Local) && !local_ok {
                findings.push(local_rejected(attempts, Severity::Error));
            }
        }
        "required" => {
            let a = find(attempts, HeaderChoice::None, payload);
            let base = a
                .and_then(|a| a.findings.iter().find(|f| f.code == Code::ProxyHeaderMissing).cloned())
                .unwrap_or_else(|| {
                    Finding::new(
                        Code::ProxyHeaderMissing,
                        Severity::Error,
                        "the target requires a PROXY header: without one it does not answer",
                    )
                    .fix("make the balancer send the header (AWS NLB target group `proxy_protocol_v2.enabled=true`, HAProxy `send-proxy-v2`), or stop requiring it on the backend")
                });
            let mut f = conditional(base, sends, HeaderChoice::None, "no PROXY header");
            if let Some(a) = a {
                f = f.evidence(format!("attempt {}: {}", a.name, a.outcome.label()));
            }
            if let Some(w) =
                wait.filter(|w| !w.stopped_early && matches!(w.outcome, Outcome::Silent))
            {
                f = f.evidence(format!(
                    "connected without sending anything, the target stayed silent ({} ms): it waits for the client",
                    w.elapsed_ms
                ));
            }
            f = f.evidence("direct checks from inside the cluster (hairpin traffic, kubelet probes) fail the same way: they do not send a header");
            findings.push(f);
            for (h, have, what) in [
                (HeaderChoice::V1, v1_ok, "v1"),
                (HeaderChoice::V2, v2_ok, "v2"),
            ] {
                if have || !tested(attempts, h) {
                    continue;
                }
                let other = if what == "v1" { "v2" } else { "v1" };
                let mut f = Finding::new(
                    Code::ProxyVersionUnsupported,
                    severity_for(sends, h),
                    format!("the target reads PROXY {other} only: a {what} header is refused"),
                )
                .fix(format!("make the balancer send {other} (HAProxy `send-proxy{}`; AWS NLB sends v2 only)", if other == "v2" { "-v2" } else { "" }));
                if let Some(a) = find(attempts, h, payload) {
                    f = f.evidence(format!("attempt {}: {}", a.name, a.outcome.label()));
                }
                findings.push(f);
            }
            if tested(attempts, HeaderChoice::V2Local) {
                if local_ok {
                    findings.push(Finding::new(
                        Code::HealthCheckLocal,
                        Severity::Info,
                        "the target accepts v2 LOCAL headers, as AWS NLB and HAProxy health checks send",
                    ));
                } else if v2_ok {
                    let sev = if sends == Some(HeaderChoice::V2Local) {
                        Severity::Error
                    } else {
                        Severity::Warning
                    };
                    findings.push(local_rejected(attempts, sev));
                }
            }
            if protocol == "tcp" {
                findings.push(
                    Finding::new(Code::ProxyHeaderMissing, Severity::Info, "the server speaks first, but only after a PROXY header")
                        .evidence("a balancer that holds the header until the client sends data (some do) leaves both sides waiting: SMTP, FTP, SSH hang")
                        .fix("make the balancer send the header as soon as the connection opens (HAProxy and AWS NLB do)"),
                );
            }
        }
        _ => {}
    }

    if protocol == "http" {
        if let Some(a) = attempts.iter().find(|a| {
            a.payload == Payload::Tls
                && a.findings
                    .iter()
                    .any(|f| f.code == Code::TlsToPlaintextPort)
        }) {
            if let Some(f) = a
                .findings
                .iter()
                .find(|f| f.code == Code::TlsToPlaintextPort)
            {
                let mut f = f.clone();
                f.severity = Severity::Info;
                f.summary = format!("if clients use TLS (https://): {}", f.summary);
                findings.push(f);
            }
        }
    }
    if protocol == "tls" {
        findings.extend(tls_findings(attempts, tls, expiry_warn_days));
    }

    crate::findings::sort_worst_first(&mut findings);
    let mut summary = sentence(address, &expects, fingerprint, wait_banner, attempts);
    if closes {
        summary = format!(
            "{address} closes every connection, even one on which nothing was sent: the backend likely gets a PROXY header from a balancer in front and rejects it"
        );
    }
    if front {
        summary = format!(
            "{address} answers even a well-formed request with the backend's 400: something in front adds a PROXY header the backend does not parse"
        );
        if let Some(fp) = fingerprint {
            summary.push_str(&format!(" (the backend looks like {})", fp.describe()));
        }
    }
    Inference {
        expects,
        summary,
        fingerprint,
        findings,
    }
}

fn local_rejected(attempts: &[Attempt], sev: Severity) -> Finding {
    let mut f = Finding::new(
        Code::HealthCheckLocal,
        sev,
        "the target accepts PROXY v2 but refuses v2 LOCAL headers: load balancer health checks (AWS NLB, HAProxy `check send-proxy-v2`) fail",
    )
    .fix("upgrade or configure the backend's PROXY reader to accept LOCAL (the spec requires it: use the socket addresses)");
    if let Some(a) = attempts.iter().find(|a| a.header == HeaderChoice::V2Local) {
        f = f.evidence(format!("attempt {}: {}", a.name, a.outcome.label()));
    }
    f
}

fn is_400(a: &Attempt) -> bool {
    matches!(
        a.outcome,
        Outcome::HttpResponse {
            status: Some(400),
            ..
        }
    )
}

/// A TLS ClientHello and a well-formed plaintext request, both sent without a header,
/// are both answered 400 (and not with "plain HTTP sent to HTTPS port"): the backend
/// read something before our bytes. That is a balancer in front adding a PROXY header
/// (AWS NLB `proxy_protocol_v2.enabled`, HAProxy `send-proxy-v2`) that the backend
/// does not parse: DESIGN.md's Traefik-behind-NLB case, seen from the client's side.
pub fn front_adds_header(attempts: &[Attempt]) -> bool {
    match (
        find(attempts, HeaderChoice::None, Payload::Tls),
        find(attempts, HeaderChoice::None, Payload::Http),
    ) {
        (Some(t), Some(h)) => {
            is_400(t)
                && is_400(h)
                && !h
                    .findings
                    .iter()
                    .any(|f| f.code == Code::PlaintextToTlsPort)
        }
        _ => false,
    }
}

fn front_header_finding(address: &str, attempts: &[Attempt]) -> Finding {
    let tls = find(attempts, HeaderChoice::None, Payload::Tls);
    let fp = tls.and_then(|a| a.fingerprint);
    let mut f = Finding::new(
        Code::ProxyHeaderNotExpected,
        Severity::Error,
        format!(
            "something in front of {address} adds a PROXY header that the backend does not parse: even requests sent without one are answered 400"
        ),
    );
    for a in attempts
        .iter()
        .filter(|a| a.header == HeaderChoice::None && a.payload != Payload::Wait)
    {
        f = f.evidence(format!(
            "attempt {} (no header from ppdiag): {}",
            a.name,
            a.outcome.label()
        ));
    }
    if let Some(fp) = fp {
        f = f.evidence(format!("the backend's reaction matches {}", fp.describe()));
    }
    if let Some(line) = tls.and_then(|a| a.client_sees.first()) {
        f = f.evidence(format!("TLS clients on this path print: {line}"));
    }
    f = f.evidence("a plaintext server answers a well-formed GET with 200/404 and a TLS server answers a ClientHello with a ServerHello; both got 400, so the backend read other bytes first");
    f = f.evidence(
        "probe the backend directly (`ppdiag probe BACKEND:PORT`) to see what it expects",
    );
    crate::diagnose::not_expected_fixes(f, fp)
}

fn dropped(a: &Attempt) -> bool {
    matches!(a.outcome, Outcome::ClosedSilently | Outcome::Reset)
}

/// Every attempt is closed or reset without a byte, including the connection on which
/// ppdiag sent nothing at all: the server reacted to bytes it got from someone else (a
/// balancer's PROXY header), or refuses the connection itself.
pub fn closes_unprompted(attempts: &[Attempt]) -> bool {
    let wait = find(attempts, HeaderChoice::None, Payload::Wait);
    let real: Vec<&Attempt> = attempts
        .iter()
        .filter(|a| a.payload != Payload::Wait)
        .collect();
    !real.is_empty()
        && real.iter().all(|a| dropped(a))
        && wait.is_some_and(|w| !w.stopped_early && dropped(w))
}

fn closes_unprompted_finding(address: &str, attempts: &[Attempt]) -> Finding {
    let mut f = Finding::new(
        Code::ProxyHeaderNotExpected,
        Severity::Error,
        format!(
            "{address} closes every connection without a byte, even one on which ppdiag sent nothing: a balancer in front likely adds a PROXY header that the backend rejects at once"
        ),
    );
    if let Some(w) = find(attempts, HeaderChoice::None, Payload::Wait) {
        f = f.evidence(format!(
            "attempt wait (nothing sent): {} after {} ms",
            w.outcome.label(),
            w.elapsed_ms
        ));
    }
    f = f
        .evidence("a TLS backend that closes on a header it does not expect fits: Go crypto/tls (Traefik without `proxyProtocol`), HAProxy `bind ... ssl`, OpenSSL; TLS clients on this path print `unexpected eof while reading` (OpenSSL), `SSL_ERROR_SYSCALL` (curl), `EOF` (Go)")
        .evidence("also fits a listener that refuses this source address (HAProxy `tcp-request connection reject`, a firewall that accepts then closes) or a balancer with no healthy backend: probe the backend directly to tell them apart");
    crate::diagnose::not_expected_fixes(f, Some(Fingerprint::SilentCloser))
}

fn nothing_worked(real: &[&Attempt]) -> Vec<Finding> {
    let mut out = Vec::new();
    if real.is_empty() {
        return out;
    }
    if real.iter().all(|a| a.outcome == Outcome::Refused) {
        if let Some(f) = real[0].findings.first() {
            out.push(f.clone());
        }
        return out;
    }
    if real.iter().all(|a| a.connect_error.is_some()) {
        if let Some(f) = real[0].findings.first() {
            out.push(f.clone());
        }
        return out;
    }
    if real.iter().all(|a| matches!(a.outcome, Outcome::Silent)) {
        out.push(
            Finding::new(
                Code::TargetSilent,
                Severity::Error,
                "the target accepted every connection and answered nothing, whatever was sent (no header, v1, v2; TLS or HTTP)",
            )
            .evidence(format!("{} attempts, each silent until the timeout", real.len()))
            .evidence("fits a black hole (a listener that never reads), a stuck backend, a proxy waiting on its own upstream, or a PROXY reader whose header timeout is longer than ppdiag's --timeout")
            .fix("raise --timeout to see whether it answers late; check the backend's health and logs"),
        );
        return out;
    }
    // Mixed failures: keep each distinct code once, worst first.
    let mut seen = Vec::new();
    for a in real {
        for f in &a.findings {
            if !seen.contains(&f.code) {
                seen.push(f.code);
                let mut f = f.clone();
                f = f.evidence(format!("attempt {}: {}", a.name, a.outcome.label()));
                out.push(f);
            }
        }
    }
    if out.is_empty() {
        out.push(
            Finding::new(
                Code::TlsHandshakeFailed,
                Severity::Error,
                "no attempt got an answer ppdiag understands (neither TLS nor HTTP)",
            )
            .fix("look at each attempt's reply below: the target may speak another protocol"),
        );
    }
    out
}

fn tls_findings(attempts: &[Attempt], tls: Option<&TlsDetails>, warn_days: i64) -> Vec<Finding> {
    let mut out = Vec::new();
    // TLS spoken but refused (alerts) by every attempt that got past the header.
    if !attempts
        .iter()
        .any(|a| matches!(a.outcome, Outcome::TlsAccepted { .. }))
    {
        let alerted: Vec<&Attempt> = attempts
            .iter()
            .filter(|a| a.payload == Payload::Tls && worked(a))
            .collect();
        if let Some(a) = alerted.first() {
            if let Outcome::TlsAlert {
                description: 70, ..
            } = a.outcome
            {
                out.push(
                    Finding::new(
                        Code::TlsHandshakeFailed,
                        Severity::Error,
                        "the server refused TLS 1.2 and 1.3 (alert protocol_version): it likely speaks only TLS 1.0/1.1 or SSLv3",
                    )
                    .evidence(format!("attempt {}: {}", a.name, a.outcome.label()))
                    .evidence("ppdiag's TLS client (rustls) offers TLS 1.2 and 1.3 only, as current browsers and curl builds do")
                    .fix("enable TLS 1.2 (and 1.3) on the server: clients have dropped TLS 1.0/1.1"),
                );
            } else if let Some(f) = a
                .findings
                .iter()
                .find(|f| f.code == Code::TlsHandshakeFailed)
            {
                out.push(
                    f.clone()
                        .evidence(format!("attempt {}: {}", a.name, a.outcome.label())),
                );
            }
        }
        if let Some(a) = attempts.iter().find(|a| {
            a.tls_error.as_deref().is_some_and(|e| {
                e.contains("PeerIncompatible") || e.contains("peer is incompatible")
            })
        }) {
            out.push(
                Finding::new(
                    Code::TlsHandshakeFailed,
                    Severity::Error,
                    "the server answered with parameters ppdiag's TLS client does not support",
                )
                .evidence(format!(
                    "attempt {}: {}",
                    a.name,
                    a.tls_error.clone().unwrap_or_default()
                )),
            );
        }
        return out;
    }
    let Some(t) = tls else { return out };
    let after = attempts
        .iter()
        .find(|a| a.name == t.from_attempt)
        .and_then(|a| a.tls_error.clone());
    let status_400 = t
        .session
        .http_status
        .as_deref()
        .is_some_and(|s| s.split(' ').nth(1) == Some("400"));
    if t.session.client_cert_requested && (after.is_some() || status_400) {
        let then = match (&after, &t.session.http_status) {
            (Some(e), _) => e.clone(),
            (None, Some(s)) => format!(
                "GET inside TLS answered `{s}` (nginx: `No required SSL certificate was sent`)"
            ),
            _ => String::new(),
        };
        out.push(
            Finding::new(
                Code::TlsHandshakeFailed,
                Severity::Error,
                "the server requires a client certificate: it refused the connection after the handshake because none was sent",
            )
            .evidence(format!("attempt {}: CertificateRequest received, then: {then}", t.from_attempt))
            .evidence("TLS 1.3 clients see the handshake succeed and fail on the first read: curl `alert certificate required`, Go `remote error: tls: certificate required`")
            .fix("present a client certificate the server's CA signed; a balancer in front must do it itself (HAProxy `server ... ssl crt client.pem`)")
            .fix("or make the client certificate optional on the server (nginx `ssl_verify_client optional`, HAProxy `verify optional`)"),
        );
    } else if t.session.client_cert_requested {
        out.push(
            Finding::new(
                Code::TlsHandshakeFailed,
                Severity::Info,
                "the server asks for a client certificate (mutual TLS); ppdiag sent none",
            )
            .evidence(format!("attempt {}: CertificateRequest received", t.from_attempt))
            .fix("a balancer in front must present a client certificate (HAProxy `server ... ssl crt`), or terminate TLS itself"),
        );
    }
    if let Some(leaf) = t.chain.first() {
        let valid = format!("valid {} to {}", leaf.not_before, leaf.not_after);
        if leaf.not_yet_valid {
            out.push(cert_problem(
                Severity::Error,
                format!("the certificate is not valid yet ({valid})"),
                &t.chain,
                "check the server's clock and the certificate's notBefore",
            ));
        } else if leaf.days_left < 0 {
            out.push(cert_problem(
                Severity::Error,
                format!(
                    "the certificate expired {} day(s) ago ({valid})",
                    -leaf.days_left
                ),
                &t.chain,
                "renew the certificate and reload the server",
            ));
        } else if leaf.days_left < warn_days {
            out.push(cert_problem(
                Severity::Warning,
                format!(
                    "the certificate expires in {} day(s) ({valid})",
                    leaf.days_left
                ),
                &t.chain,
                "renew the certificate soon; check that automatic renewal runs",
            ));
        }
    }
    match t.verification.problem.as_deref() {
        None | Some("expired") | Some("not-yet-valid") => {}
        Some("name-mismatch") => out.push(cert_problem(
            Severity::Warning,
            format!("the certificate is not valid for `{}`", t.verification.name),
            &t.chain,
            "send the name the certificate is for (`--sni`, or the URL's host), or add this name to its subjectAltName",
        )),
        Some("unknown-issuer") => out.push(cert_problem(
            Severity::Warning,
            if t.chain.first().is_some_and(|c| c.self_signed) {
                "the certificate is self-signed: clients that verify reject it".to_string()
            } else {
                "the certificate chain does not lead to a trusted root (missing intermediate, or a private CA)".to_string()
            },
            &t.chain,
            "serve the full chain (leaf then intermediates); for a private CA, give it with --cacert (balancers that verify need it too)",
        )),
        Some(p) => out.push(cert_problem(
            Severity::Warning,
            format!("the certificate does not verify ({p}): {}", t.verification.message.clone().unwrap_or_default()),
            &t.chain,
            "check the certificate and its chain",
        )),
    }
    out
}

fn cert_problem(
    sev: Severity,
    summary: String,
    chain: &[super::cert::CertInfo],
    fix: &str,
) -> Finding {
    let mut f = Finding::new(Code::TlsCertificateProblem, sev, summary).fix(fix);
    if let Some(leaf) = chain.first() {
        f = f.evidence(format!(
            "subject {}; issuer {}; names {}",
            leaf.subject,
            leaf.issuer,
            leaf.sans.join(", ")
        ));
    }
    f
}

fn sentence(
    address: &str,
    e: &Expects,
    fp: Option<Fingerprint>,
    wait_banner: bool,
    attempts: &[Attempt],
) -> String {
    let versions = match e.proxy_versions.as_slice() {
        [] => String::new(),
        [one] => format!("PROXY {one}"),
        _ => "PROXY v1 or v2".to_string(),
    };
    let proto = proto_name(e.protocol);
    let mut s = match e.proxy {
        "required" => format!("{address} requires a {versions} header, then speaks {proto}"),
        "optional" => format!("{address} speaks {proto} with or without a {versions} header"),
        "forbidden" => format!("{address} speaks {proto} and does not accept a PROXY header"),
        _ if e.protocol == "tcp" && wait_banner => {
            format!(
                "{address} speaks first (a banner); whether it parses a PROXY header is not visible"
            )
        }
        _ => {
            let why = if attempts
                .iter()
                .filter(|a| a.payload != Payload::Wait)
                .all(|a| a.outcome == Outcome::Refused)
            {
                "every connection was refused"
            } else if attempts
                .iter()
                .filter(|a| a.payload != Payload::Wait)
                .all(|a| a.connect_error.is_some())
            {
                "no connection could be made"
            } else if attempts
                .iter()
                .filter(|a| a.payload != Payload::Wait)
                .all(|a| matches!(a.outcome, Outcome::Silent))
            {
                "it answered nothing to any attempt"
            } else {
                "no attempt got an answer it understands"
            };
            format!("cannot tell what {address} expects: {why}")
        }
    };
    if let Some(fp) = fp {
        if e.proxy != "unknown" || e.protocol != "unknown" {
            s.push_str(&format!("; its reactions match {}", fp.describe()));
        }
    }
    s
}

/// The session of the first attempt whose TLS handshake completed, preferring one
/// without a header, then v2, v1, LOCAL.
pub fn first_session(attempts: &[Attempt]) -> Option<(&Attempt, &TlsSession)> {
    [
        HeaderChoice::None,
        HeaderChoice::V2,
        HeaderChoice::V1,
        HeaderChoice::V2Local,
    ]
    .iter()
    .find_map(|h| {
        attempts
            .iter()
            .find(|a| a.header == *h && a.payload == Payload::Tls)
            .and_then(|a| a.tls.as_ref().map(|t| (a, t)))
    })
}

/// The URL's scheme against the protocol found: `https://` to a plaintext port, or
/// `http://` to a TLS port, is what the user's own client will hit.
pub fn scheme_findings(scheme: Option<&str>, expects: &Expects) -> Vec<Finding> {
    match (scheme, expects.protocol) {
        (Some("https"), "http") => vec![
            Finding::new(
                Code::TlsToPlaintextPort,
                Severity::Error,
                "the URL says https://, but this port speaks plaintext HTTP",
            )
            .evidence("TLS clients print `wrong version number` (OpenSSL, curl), `http: server gave HTTP response to HTTPS client` (Go)")
            .fix("use http:// for this port, or point the URL at the TLS port"),
        ],
        (Some("http"), "tls") => vec![
            Finding::new(
                Code::PlaintextToTlsPort,
                Severity::Error,
                "the URL says http://, but this port speaks TLS",
            )
            .evidence("servers answer `400 The plain HTTP request was sent to HTTPS port` (nginx) or close")
            .fix("use https:// for this port, or point the URL at the plaintext port"),
        ],
        _ => Vec::new(),
    }
}

/// Exit code for a set of findings: 1 when any is a warning or worse.
pub fn exit_code(findings: &[Finding]) -> i32 {
    match crate::findings::worst(findings) {
        Some(Severity::Warning | Severity::Error) => 1,
        _ => 0,
    }
}

#[cfg(test)]
#[path = "infer_tests.rs"]
mod tests;
