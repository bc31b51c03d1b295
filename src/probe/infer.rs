//! What a target expects, inferred across the attempt matrix (sans-IO).
//!
//! Each attempt was judged alone by [`crate::diagnose::judge`] ([`judged`] does that
//! from bytes, through [`crate::client::verdict`], which `send` shares). [`infer`] compares them: which headers led to an answer the payload's
//! protocol understands, which protocol answered, what a silent wait means, and which
//! backend the reactions point to; it then picks the findings that matter for the
//! target and adds the TLS certificate's.
//!
//! Rules: no I/O and no clock (the caller passes what it measured). A mismatch that
//! only shows what *would* fail (a header this target forbids) is `info` unless the
//! user said what the balancer sends (`--balancer-sends`), then it is an `error`.
//! Anything that fails whatever is sent, and certificate problems, are `warning` or
//! `error`: they make the exit code 1.

/// The exit code of findings (kept here for the shells that import it from the
/// inference).
pub use crate::findings::exit_code;

use super::explained;
use super::failing::{
    closes_unprompted, closes_unprompted_finding, front_adds_header, front_header_finding,
    nothing_worked,
};
use super::model::{
    Attempt, AttemptSpec, BalancerSends, Expects, HeaderChoice, Payload, TlsDetails, TlsSession,
};
use super::tls_findings::tls_findings;
use super::worked::{banner, find, ok, tested, worked};
use crate::diagnose::{Ending, Fingerprint, Outcome};
use crate::escape::escape_bytes_max;
use crate::findings::{Code, Finding, Severity};
use crate::path;
use crate::path::{App, Need, Protocol, Version};

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
    let verdict =
        crate::client::verdict::of_exchange(client, server, ending, connect_error.as_deref());
    let end = if connect_error.is_some() {
        path::End::NotConnected
    } else {
        end_of(ending)
    };
    let observed = path::observe(
        format!("attempt {}", spec.name()),
        client,
        server,
        end,
        None,
    );
    Attempt {
        observed,
        reply_bytes: server[..server.len().min(16 * 1024)].to_vec(),
        name: spec.name(),
        header: spec.header,
        payload: spec.payload,
        local: None,
        header_bytes,
        sent: client.len(),
        outcome: verdict.outcome,
        ending,
        elapsed_ms: 0,
        received: server.len(),
        first_bytes: escape_bytes_max(server, 64),
        reply: verdict.server.summary,
        client_sees: verdict.client_sees.to_vec(),
        fingerprint: verdict.fingerprint,
        tls: None,
        tls_error: None,
        connect_error,
        stopped_early: false,
        findings: verdict.findings,
    }
}

/// The model's word for how an attempt ended.
pub fn end_of(ending: Ending) -> path::End {
    path::End::from(ending)
}

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
    /// Plain-language remarks that are not findings (what accepting a header implies).
    pub notes: Vec<String>,
    /// The path model's answer over every attempt.
    pub verdict: path::Verdict,
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
        f.summary = format!("if a balancer sends {what}: {}", f.summary).into();
    }
    f
}

fn proto_name(p: Protocol) -> &'static str {
    match p {
        Protocol::Tls => "TLS",
        Protocol::Http => "plaintext HTTP",
        Protocol::Tcp => "a server-speaks-first protocol",
        _ => "an unknown protocol",
    }
}

/// Infers what the target expects from its attempts. `tls` holds the details of the
/// first completed handshake; `expiry_warn_days` is how close to expiry warns.
///
/// Every attempt goes into the path model first. A target whose application is not
/// the web's (a banner, a command protocol, an echo) is judged by the model alone
/// ([`other_protocol`]); TLS and HTTP targets by the web rules below, which take from
/// the model the cases it shows they would over-claim.
pub fn infer(
    address: &str,
    attempts: &[Attempt],
    tls: Option<&TlsDetails>,
    sends: BalancerSends,
    expiry_warn_days: i64,
) -> Inference {
    let obs: Vec<path::Observation> = attempts.iter().map(|a| a.observed.clone()).collect();
    let verdict = path::solve(&path::InFront::ALL, &obs);
    match verdict.application {
        Some(app) if !matches!(app, App::Tls | App::Http) && !app.stands_alone() => {
            other_protocol(address, attempts, verdict, app, sends)
        }
        _ => web(address, attempts, tls, sends, expiry_warn_days, verdict),
    }
}

/// A target that speaks first, answers commands, or echoes: expectations, findings and
/// summary from the model's verdict.
fn other_protocol(
    address: &str,
    attempts: &[Attempt],
    verdict: path::Verdict,
    app: App,
    sends: BalancerSends,
) -> Inference {
    let accepts = verdict.accepts;
    let expects = Expects {
        proxy: accepts.map_or(Need::Unknown, |a| a.proxy()),
        proxy_versions: verdict.versions.clone().unwrap_or_default(),
        protocol: app.protocol(),
    };
    let mut findings = Vec::new();
    let failing = explained::failing_path(address, &verdict, attempts);
    let summary = match (&failing, verdict.top()) {
        (Some(f), _) => f.summary.to_string(),
        (None, _) => other_sentence(address, &expects, app, attempts, &verdict),
    };
    match failing {
        Some(f) => findings.push(f),
        None => findings.extend(explained::header_effects(&verdict, attempts, sends)),
    }
    if expects.proxy == Need::Required {
        let missing = sends == Some(HeaderChoice::None);
        let mut f = Finding::new(
            Code::ProxyHeaderMissing,
            if missing {
                Severity::Error
            } else {
                Severity::Info
            },
            if missing {
                "the server requires a PROXY header, and the balancer sends none".to_string()
            } else {
                "the server answers only after a PROXY header: clients that connect directly (health checks, hairpin traffic) get nothing".to_string()
            },
        );
        for a in attempts
            .iter()
            .filter(|a| a.payload == Payload::Wait && !a.stopped_early)
        {
            f = f.evidence(format!("attempt {}: {}", a.name, a.outcome.label()));
        }
        if app.speaks_first() {
            f = f.evidence("a balancer that holds the header until the client sends data (AWS NLB's default header placement) leaves both sides waiting: the server waits for the header, the client for the banner");
        }
        findings.push(f.fix(SEND_EARLY));
    }
    crate::findings::sort_worst_first(&mut findings);
    let notes = notes(&expects, attempts);
    Inference {
        expects,
        summary,
        fingerprint: None,
        findings,
        notes,
        verdict,
    }
}

const SEND_EARLY: &str = "make the balancer send the header as soon as the connection opens (HAProxy `send-proxy`/`send-proxy-v2` and nginx stream `proxy_protocol on` do; AWS NLB: `proxy_protocol_v2.client_to_server.header_placement=on_first_ack`)";

fn other_sentence(
    address: &str,
    e: &Expects,
    app: App,
    attempts: &[Attempt],
    v: &path::Verdict,
) -> String {
    let software = attempts
        .iter()
        .find_map(|a| match &a.outcome {
            Outcome::Banner { line } => Some(line.clone()),
            _ => None,
        })
        .map(|l| format!(" (`{l}`)"))
        .unwrap_or_default();
    let proto = crate::path::app_words(app);
    let versions = match e.proxy_versions.as_slice() {
        [one] => format!("PROXY {one}"),
        _ => "PROXY v1 or v2".to_string(),
    };
    let mut s = match e.proxy {
        Need::Required => {
            format!("{address} requires a {versions} header, then speaks {proto}{software}")
        }
        Need::Optional => {
            format!("{address} speaks {proto}{software} with or without a {versions} header")
        }
        Need::Forbidden => {
            format!("{address} speaks {proto}{software} and does not parse a PROXY header")
        }
        _ => format!(
            "{address} speaks {proto}{software}; what it does with a PROXY header is unclear"
        ),
    };
    if explained::consumed_front_fits(v) {
        s.push_str(
            " (or a balancer in front already adds a header that it reads: both fit every attempt)",
        );
    }
    s
}

/// What the web rules read from the attempts: the protocol that answered, what the
/// target does with headers, and the evidence behind it.
struct Web<'a> {
    /// TLS, HTTP, TCP (a banner) or unknown.
    protocol: Protocol,
    /// Whether a header is needed.
    proxy: Need,
    /// The header versions that worked.
    versions: Vec<Version>,
    /// The connect-and-wait attempt, if it ran.
    wait: Option<&'a Attempt>,
    /// It drew a banner.
    wait_banner: bool,
    v1_ok: bool,
    v2_ok: bool,
    local_ok: bool,
}

impl<'a> Web<'a> {
    fn read(attempts: &'a [Attempt]) -> Self {
        let real = || attempts.iter().filter(|a| a.payload != Payload::Wait);
        let protocol = if real().any(|a| a.payload == Payload::Tls && worked(a)) {
            Protocol::Tls
        } else if real().any(|a| a.payload == Payload::Http && worked(a)) {
            Protocol::Http
        } else if attempts.iter().any(banner) {
            Protocol::Tcp
        } else {
            Protocol::Unknown
        };
        let wait = find(attempts, HeaderChoice::None, Payload::Wait);
        let wait_banner = wait.is_some_and(banner);
        let none_ok = ok(attempts, HeaderChoice::None) || wait_banner;
        let v1_ok = ok(attempts, HeaderChoice::V1);
        let v2_ok = ok(attempts, HeaderChoice::V2);
        let mut versions = Vec::new();
        if v1_ok {
            versions.push(Version::V1);
        }
        if v2_ok {
            versions.push(Version::V2);
        }
        let headers_tested =
            tested(attempts, HeaderChoice::V1) || tested(attempts, HeaderChoice::V2);
        let proxy = if protocol == Protocol::Tcp && wait_banner {
            // A banner comes before the client says anything: what the server does with
            // a header that follows is not visible from here.
            Need::Unknown
        } else if none_ok && (v1_ok || v2_ok) {
            Need::Optional
        } else if none_ok && headers_tested {
            Need::Forbidden
        } else if !none_ok && (v1_ok || v2_ok) {
            if tested(attempts, HeaderChoice::None) || wait.is_some() {
                Need::Required
            } else {
                Need::Unknown
            }
        } else {
            Need::Unknown
        };
        if proxy == Need::Unknown {
            // A banner to every attempt says nothing about which header was read.
            versions.clear();
        }
        Web {
            protocol,
            proxy,
            versions,
            wait,
            wait_banner,
            v1_ok,
            v2_ok,
            local_ok: ok(attempts, HeaderChoice::V2Local),
        }
    }

    /// The payload whose attempts speak for the protocol found.
    fn payload(&self) -> Payload {
        if self.protocol == Protocol::Http {
            Payload::Http
        } else {
            Payload::Tls
        }
    }

    /// Only a reaction to a header mismatch identifies the backend: the TLS stack
    /// reading a header it does not expect (forbidden), or the PROXY reader missing one
    /// (required). A 400 to plaintext on a TLS port, or a v2-only reader closing on v1,
    /// says nothing about the software.
    fn fingerprint(&self, attempts: &[Attempt]) -> Option<Fingerprint> {
        let mismatch = match self.proxy {
            Need::Required => Code::ProxyHeaderMissing,
            _ => Code::ProxyHeaderNotExpected,
        };
        if front_adds_header(attempts) {
            find(attempts, HeaderChoice::None, Payload::Tls).and_then(|a| a.fingerprint)
        } else if self.proxy == Need::Unknown && self.protocol == Protocol::Unknown {
            None
        } else {
            attempts
                .iter()
                .filter(|a| a.findings.iter().any(|f| f.code == mismatch))
                .find_map(|a| a.fingerprint)
        }
    }
}

/// The inputs the web rules share.
struct WebCtx<'a> {
    address: &'a str,
    attempts: &'a [Attempt],
    sends: BalancerSends,
    verdict: &'a path::Verdict,
}

/// TLS and HTTP targets: the web rules, checked against the model's verdict.
fn web(
    address: &str,
    attempts: &[Attempt],
    tls: Option<&TlsDetails>,
    sends: BalancerSends,
    expiry_warn_days: i64,
    mut verdict: path::Verdict,
) -> Inference {
    let w = Web::read(attempts);
    let fingerprint = w.fingerprint(attempts);
    // A backend that reads no header at all (Tomcat): no balancer in front can be
    // sending it one that it reads, whatever the attempts alone allow.
    if fingerprint.is_some_and(Fingerprint::has_no_reader) {
        explained::rule_out_consumed_front(&mut verdict);
    }
    let expects = Expects {
        proxy: w.proxy,
        proxy_versions: w.versions.clone(),
        protocol: w.protocol,
    };
    let cx = WebCtx {
        address,
        attempts,
        sends,
        verdict: &verdict,
    };
    // Nothing understood at all: say why, from what every attempt got.
    let front = w.protocol == Protocol::Unknown && front_adds_header(attempts);
    let closes = w.protocol == Protocol::Unknown && !front && closes_unprompted(attempts);
    let mut findings = Vec::new();
    if front {
        findings.push(front_header_finding(address, attempts));
    } else if closes {
        findings.push(
            explained::failing_path(address, &verdict, attempts)
                .unwrap_or_else(|| closes_unprompted_finding(address, attempts)),
        );
    } else if w.protocol == Protocol::Unknown {
        let real: Vec<&Attempt> = attempts
            .iter()
            .filter(|a| a.payload != Payload::Wait)
            .collect();
        let mut nothing = nothing_worked(&real);
        if let Some(f) = nothing.iter_mut().find(|f| f.code == Code::TargetSilent) {
            explained::with_alternatives(f, &verdict);
        }
        findings.extend(nothing);
    }
    match w.proxy {
        Need::Forbidden | Need::Optional => not_accepted(&cx, &w, &mut findings),
        Need::Required => required(&cx, &w, &mut findings),
        _ => {}
    }
    if w.protocol == Protocol::Http {
        findings.extend(tls_to_this_port(attempts));
    }
    if w.protocol == Protocol::Tls {
        findings.extend(tls_findings(attempts, tls, expiry_warn_days));
    }
    crate::findings::sort_worst_first(&mut findings);
    let summary = web_summary(&cx, &w, &expects, fingerprint, (front, closes));
    let notes = notes(&expects, attempts);
    Inference {
        expects,
        summary,
        fingerprint,
        findings,
        notes,
        verdict,
    }
}

/// A target that reads no header (or only one version): what a header it does not
/// accept would do, as an error when the balancer sends it, else as information.
fn not_accepted(cx: &WebCtx<'_>, w: &Web<'_>, findings: &mut Vec<Finding>) {
    for (h, what) in [
        (HeaderChoice::V2, "a PROXY v2 header"),
        (HeaderChoice::V1, "a PROXY v1 header"),
    ] {
        if ok(cx.attempts, h) {
            continue;
        }
        if w.proxy == Need::Forbidden
            && h == HeaderChoice::V1
            && cx.sends != Some(h)
            && findings
                .iter()
                .any(|f: &Finding| f.code == Code::ProxyHeaderNotExpected)
        {
            continue;
        }
        let Some(a) = find(cx.attempts, h, w.payload()) else {
            continue;
        };
        let base = a
            .findings
            .iter()
            .find(|f| f.code == Code::ProxyHeaderNotExpected)
            .cloned()
            .unwrap_or_else(|| {
                Finding::new(
                    if w.proxy == Need::Optional {
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
        let mut f = conditional(base, cx.sends, h, what);
        f = f.evidence(format!("attempt {}: {}", a.name, a.outcome.label()));
        if explained::consumed_front_fits(cx.verdict) {
            f = f.evidence("or a balancer in front already adds a header that the server reads: a client's own header is then a second one, read as data (both fit every attempt; `ppdiag probe BACKEND:PORT` from the balancer's network tells them apart)");
        }
        for line in a.client_sees.iter().take(2) {
            f = f.evidence(format!("TLS clients print: {line}"));
        }
        findings.push(f);
    }
    if cx.sends == Some(HeaderChoice::V2Local) && !w.local_ok {
        findings.push(local_rejected(cx.attempts, Severity::Error));
    }
}

/// A target that requires a header: the missing header, a version it refuses, LOCAL,
/// and a server that speaks first only after the header.
fn required(cx: &WebCtx<'_>, w: &Web<'_>, findings: &mut Vec<Finding>) {
    let attempts = cx.attempts;
    let a = find(attempts, HeaderChoice::None, w.payload());
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
    let mut f = conditional(base, cx.sends, HeaderChoice::None, "no PROXY header");
    if let Some(a) = a {
        f = f.evidence(format!("attempt {}: {}", a.name, a.outcome.label()));
    }
    if let Some(wa) = w
        .wait
        .filter(|wa| !wa.stopped_early && matches!(wa.outcome, Outcome::Silent))
    {
        f = f.evidence(format!(
            "connected without sending anything, the target stayed silent ({} ms): it waits for the client",
            wa.elapsed_ms
        ));
    }
    f = f.evidence("direct checks from inside the cluster (hairpin traffic, kubelet probes) fail the same way: they do not send a header");
    findings.push(f);
    refused_versions(cx, w, findings);
    if tested(attempts, HeaderChoice::V2Local) {
        if w.local_ok {
            findings.push(Finding::new(
                Code::HealthCheckLocal,
                Severity::Info,
                "the target accepts v2 LOCAL headers, as AWS NLB and HAProxy health checks send",
            ));
        } else if w.v2_ok {
            let sev = if cx.sends == Some(HeaderChoice::V2Local) {
                Severity::Error
            } else {
                Severity::Warning
            };
            findings.push(local_rejected(attempts, sev));
        }
    }
    if w.protocol == Protocol::Tcp {
        findings.push(
            Finding::new(Code::ProxyHeaderMissing, Severity::Info, "the server speaks first, but only after a PROXY header")
                .evidence("a balancer that holds the header until the client sends data (some do) leaves both sides waiting: SMTP, FTP, SSH hang")
                .fix("make the balancer send the header as soon as the connection opens (HAProxy and AWS NLB do)"),
        );
    }
}

/// A target that requires a header but reads one version only: the other is refused.
fn refused_versions(cx: &WebCtx<'_>, w: &Web<'_>, findings: &mut Vec<Finding>) {
    for (h, have, what) in [
        (HeaderChoice::V1, w.v1_ok, "v1"),
        (HeaderChoice::V2, w.v2_ok, "v2"),
    ] {
        if have || !tested(cx.attempts, h) {
            continue;
        }
        let other = if what == "v1" { "v2" } else { "v1" };
        let mut f = Finding::new(
            Code::ProxyVersionUnsupported,
            severity_for(cx.sends, h),
            format!("the target reads PROXY {other} only: a {what} header is refused"),
        )
        .fix(format!(
            "make the balancer send {other} (HAProxy `send-proxy{}`; AWS NLB sends v2 only)",
            if other == "v2" { "-v2" } else { "" }
        ));
        if let Some(a) = find(cx.attempts, h, w.payload()) {
            f = f.evidence(format!("attempt {}: {}", a.name, a.outcome.label()));
        }
        findings.push(f);
    }
}

/// A plaintext HTTP target: what a TLS client would hit, as information.
fn tls_to_this_port(attempts: &[Attempt]) -> Option<Finding> {
    let f = attempts
        .iter()
        .filter(|a| a.payload == Payload::Tls)
        .find_map(|a| {
            a.findings
                .iter()
                .find(|f| f.code == Code::TlsToPlaintextPort)
        })?;
    let mut f = f.clone();
    f.severity = Severity::Info;
    f.summary = format!("if clients use TLS (https://): {}", f.summary).into();
    Some(f)
}

/// The summary sentence, or the one for a front that adds a header, a target that
/// closes everything, or a consumed front that fits (`(front, closes)` as found).
fn web_summary(
    cx: &WebCtx<'_>,
    w: &Web<'_>,
    expects: &Expects,
    fingerprint: Option<Fingerprint>,
    (front, closes): (bool, bool),
) -> String {
    let address = cx.address;
    let mut summary = sentence(address, expects, fingerprint, w.wait_banner, cx.attempts);
    if front {
        summary = format!(
            "{address} answers even a well-formed request with the backend's 400: something in front adds a PROXY header the backend does not parse"
        );
        if let Some(fp) = fingerprint {
            summary.push_str(&format!(" (the backend looks like {})", fp.describe()));
        }
    }
    if closes {
        summary = format!(
            "{address} closes every connection without a byte, even one on which nothing was sent; {} explanations fit (see hypotheses)",
            cx.verdict.explanations.len().max(1)
        );
    }
    if explained::consumed_front_fits(cx.verdict) && expects.proxy == Need::Forbidden {
        summary = format!(
            "{address} speaks {} and does not accept a PROXY header from clients: either it has no PROXY reader, or a balancer in front already adds a header that it reads (both fit every attempt)",
            proto_name(expects.protocol)
        );
    }
    summary
}

/// What accepting a header from this machine means for address spoofing.
fn notes(e: &Expects, attempts: &[Attempt]) -> Vec<String> {
    let from = attempts
        .iter()
        .find(|a| a.header != HeaderChoice::None && worked(a))
        .and_then(|a| a.local)
        .map(|l| l.ip().to_string())
        .unwrap_or_else(|| "this machine".into());
    match e.proxy {
        Need::Required | Need::Optional => vec![format!(
            "the target took a PROXY header from {from}: if that is not a balancer's address, anyone who reaches the backend directly can claim any client address; trust the addresses in a header only from the balancers (Traefik `proxyProtocol.trustedIPs`, nginx `set_real_ip_from`, HAProxy `tcp-request connection expect-proxy layer4 if {{ src <balancers> }}`, go-proxyproto policy by source)"
        )],
        _ => Vec::new(),
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
        Need::Required => format!("{address} requires a {versions} header, then speaks {proto}"),
        Need::Optional => format!("{address} speaks {proto} with or without a {versions} header"),
        Need::Forbidden => format!("{address} speaks {proto} and does not accept a PROXY header"),
        _ if e.protocol == Protocol::Tcp && wait_banner => {
            format!(
                "{address} speaks first (a banner); whether it parses a PROXY header is not visible"
            )
        }
        _ if e.protocol != Protocol::Unknown => {
            let untested: Vec<&str> = [HeaderChoice::None, HeaderChoice::V1, HeaderChoice::V2]
                .into_iter()
                .filter(|h| !tested(attempts, *h))
                .map(|h| h.name())
                .collect();
            if untested.is_empty() {
                format!("{address} speaks {proto}; what it does with a PROXY header is unclear")
            } else {
                format!(
                    "{address} speaks {proto}; whether it needs a PROXY header was not tested (attempts left out: {})",
                    untested.join(", ")
                )
            }
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
    if let Some(fp) = fp
        && (e.proxy != Need::Unknown || e.protocol != Protocol::Unknown)
    {
        s.push_str(&format!("; its reactions match {}", fp.describe()));
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
        (Some("https"), Protocol::Http) => vec![
            Finding::new(
                Code::TlsToPlaintextPort,
                Severity::Error,
                "the URL says https://, but this port speaks plaintext HTTP",
            )
            .evidence("TLS clients print `wrong version number` (OpenSSL, curl), `http: server gave HTTP response to HTTPS client` (Go)")
            .fix("use http:// for this port, or point the URL at the TLS port"),
        ],
        (Some("http"), Protocol::Tls) => vec![
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

#[cfg(test)]
#[path = "infer_tests.rs"]
mod tests;
