//! TLS client side of probe and send (I/O shell over rustls): a client configuration
//! that completes handshakes whatever the certificate, records the chain and whether a
//! client certificate was requested; the handshake over a recording stream with its
//! failure path ([`handshake`]); and a separate verification against the system
//! trust store (Debian's /etc/ssl/certs through rustls-native-certs) and the name.
//!
//! Rules: verification failures are reported, never fatal; rustls speaks TLS 1.2 and
//! 1.3 only, so older servers show up as an alert or a failed handshake that the
//! inference names.

use super::stream::Recorder;
use super::target::Target;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::client::{ResolvesClientCert, WebPkiServerVerifier};
use rustls::crypto::CryptoProvider;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{DigitallySignedStruct, SignatureScheme};
use serde::Serialize;
use std::net::IpAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::time::Instant;

/// The system trust store, loaded once per run.
#[derive(Debug, Clone)]
pub struct Roots {
    /// The roots.
    pub store: Arc<rustls::RootCertStore>,
    /// Problems met while loading (unreadable files).
    pub notes: Vec<String>,
}

/// Loads the platform's trust store.
pub fn load_roots() -> Roots {
    let loaded = rustls_native_certs::load_native_certs();
    let mut store = rustls::RootCertStore::empty();
    let (added, _ignored) = store.add_parsable_certificates(loaded.certs);
    let mut notes: Vec<String> = loaded.errors.iter().map(|e| e.to_string()).collect();
    if added == 0 {
        notes.push("no trusted root certificates found (install ca-certificates)".into());
    }
    Roots {
        store: Arc::new(store),
        notes,
    }
}

fn provider() -> Arc<CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

/// What one handshake learned on the side.
#[derive(Debug, Default)]
pub struct Observed {
    /// The chain the server sent, leaf first.
    pub chain: Mutex<Vec<CertificateDer<'static>>>,
    /// The server sent a CertificateRequest.
    pub client_cert_requested: AtomicBool,
}

#[derive(Debug)]
struct AcceptAll {
    seen: Arc<Observed>,
    provider: Arc<CryptoProvider>,
}

impl ServerCertVerifier for AcceptAll {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        let mut chain = vec![end_entity.clone().into_owned()];
        chain.extend(intermediates.iter().map(|c| c.clone().into_owned()));
        *self.seen.chain.lock().unwrap_or_else(|e| e.into_inner()) = chain;
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.provider
            .signature_verification_algorithms
            .supported_schemes()
    }
}

#[derive(Debug)]
struct NoteRequest {
    seen: Arc<Observed>,
}

impl ResolvesClientCert for NoteRequest {
    fn resolve(
        &self,
        _hints: &[&[u8]],
        _schemes: &[SignatureScheme],
    ) -> Option<Arc<rustls::sign::CertifiedKey>> {
        self.seen
            .client_cert_requested
            .store(true, Ordering::Relaxed);
        None
    }

    fn has_certs(&self) -> bool {
        true
    }
}

/// A client configuration for one handshake, and where it records what it sees.
pub fn client_config(alpn: &[String]) -> (Arc<rustls::ClientConfig>, Arc<Observed>) {
    let seen = Arc::new(Observed::default());
    let provider = provider();
    let builder = rustls::ClientConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .unwrap_or_else(|_| {
            rustls::ClientConfig::builder_with_provider(provider.clone())
                .with_protocol_versions(&[&rustls::version::TLS13])
                .expect("the ring provider supports TLS 1.3")
        });
    let mut config = builder
        .dangerous()
        .with_custom_certificate_verifier(Arc::new(AcceptAll {
            seen: seen.clone(),
            provider,
        }))
        .with_client_cert_resolver(Arc::new(NoteRequest { seen: seen.clone() }));
    config.alpn_protocols = alpn.iter().map(|p| p.as_bytes().to_vec()).collect();
    config.enable_sni = true;
    (Arc::new(config), seen)
}

/// The result of verifying the chain against the trust store and the name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Verification {
    /// The chain verified and the name matched.
    pub ok: bool,
    /// The name checked (SNI, or the IP address).
    pub name: String,
    /// What failed: `expired`, `not-yet-valid`, `unknown-issuer`, `name-mismatch`,
    /// `revoked`, `bad-signature`, `other`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub problem: Option<String>,
    /// The verifier's message.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
}

/// Verifies `chain` for `name` at `now` against `roots`.
pub fn verify(
    chain: &[CertificateDer<'static>],
    name: &ServerName<'static>,
    roots: &Roots,
) -> Verification {
    let name_text = match name {
        ServerName::DnsName(d) => d.as_ref().to_string(),
        ServerName::IpAddress(ip) => std::net::IpAddr::from(*ip).to_string(),
        _ => String::new(),
    };
    let Some((leaf, rest)) = chain.split_first() else {
        return Verification {
            ok: false,
            name: name_text,
            problem: Some("other".into()),
            message: Some("the server sent no certificate".into()),
        };
    };
    let verifier = match WebPkiServerVerifier::builder_with_provider(
        roots.store.clone(),
        provider(),
    )
    .build()
    {
        Ok(v) => v,
        Err(e) => {
            return Verification {
                ok: false,
                name: name_text,
                problem: Some("unknown-issuer".into()),
                message: Some(format!("no trust store to verify against: {e}")),
            };
        }
    };
    match verifier.verify_server_cert(leaf, rest, name, &[], UnixTime::now()) {
        Ok(_) => Verification {
            ok: true,
            name: name_text,
            problem: None,
            message: None,
        },
        Err(e) => {
            use rustls::CertificateError as C;
            let problem = match &e {
                rustls::Error::InvalidCertificate(c) => match c {
                    C::Expired | C::ExpiredContext { .. } => "expired",
                    C::NotValidYet | C::NotValidYetContext { .. } => "not-yet-valid",
                    C::UnknownIssuer => "unknown-issuer",
                    C::NotValidForName | C::NotValidForNameContext { .. } => "name-mismatch",
                    C::Revoked => "revoked",
                    C::BadSignature => "bad-signature",
                    // A self-signed certificate marked as a CA (`openssl req -x509`).
                    C::Other(o) if format!("{o:?}").contains("CaUsedAsEndEntity") => {
                        "unknown-issuer"
                    }
                    _ => "other",
                },
                _ => "other",
            };
            Verification {
                ok: false,
                name: name_text,
                problem: Some(problem.into()),
                message: Some(crate::escape::sanitize_text(&refusal_words(&e)).into_owned()),
            }
        }
    }
}

/// Why the verifier refused the chain, in words. rustls's own text writes most
/// certificate errors as their Rust names (`invalid peer certificate: UnknownIssuer`,
/// `Other(OtherError(CaUsedAsEndEntity))`: its `Display` falls back to `Debug`); the
/// variants that carry context it words itself, and those are kept.
fn refusal_words(e: &rustls::Error) -> String {
    use rustls::CertificateError as C;
    let rustls::Error::InvalidCertificate(c) = e else {
        return e.to_string();
    };
    let words = match c {
        C::ExpiredContext { .. }
        | C::NotValidYetContext { .. }
        | C::NotValidForNameContext { .. }
        | C::InvalidPurposeContext { .. }
        | C::ExpiredRevocationListContext { .. } => return c.to_string(),
        C::BadEncoding => "a certificate is not correctly encoded",
        C::Expired => "the certificate has expired",
        C::NotValidYet => "the certificate is not valid yet",
        C::Revoked => "the certificate has been revoked",
        C::UnhandledCriticalExtension => {
            "a certificate has a critical extension the verifier does not know"
        }
        C::UnknownIssuer => "no trusted root issued this chain (unknown issuer)",
        C::BadSignature => "a certificate is not correctly signed by its issuer",
        C::UnsupportedSignatureAlgorithmContext { .. }
        | C::UnsupportedSignatureAlgorithmForPublicKeyContext { .. } => {
            "a certificate is signed with an algorithm the verifier does not accept"
        }
        C::NotValidForName => "the certificate is not valid for this name",
        C::InvalidPurpose => "the certificate is not for TLS servers (extended key usage)",
        C::Other(o) if format!("{o:?}").contains("CaUsedAsEndEntity") => {
            "the server's own certificate is a CA certificate (as `openssl req -x509` makes \
             by default): verifiers refuse it as a server certificate"
        }
        other => return format!("the certificate was refused: {}", debug_words(other)),
    };
    words.to_string()
}

/// A variant rustls has no words for, from its `Debug` text: the innermost name, split
/// into lower-case words (`UnknownRevocationStatus` → `unknown revocation status`).
fn debug_words(e: &dyn std::fmt::Debug) -> String {
    let debug = format!("{e:?}");
    let name = debug
        .split(|c: char| !c.is_ascii_alphanumeric())
        .rfind(|w| w.starts_with(|c: char| c.is_ascii_uppercase()))
        .unwrap_or("unknown reason");
    let mut out = String::with_capacity(name.len() + 4);
    for (i, ch) in name.char_indices() {
        if ch.is_ascii_uppercase() && i > 0 {
            out.push(' ');
        }
        out.push(ch.to_ascii_lowercase());
    }
    out
}

/// The server name for `host` (an IP address gives an IP name: no SNI is sent).
pub fn server_name(host: &str) -> Option<ServerName<'static>> {
    ServerName::try_from(host.to_string()).ok()
}

/// The name a handshake with `t` uses, and the SNI it sends: `--sni` when it is a
/// name, else the target's host name, else its IP address (no SNI).
pub fn name_for(sni: Option<&str>, t: &Target) -> (ServerName<'static>, Option<String>) {
    if let Some(s) = sni
        && let Some(n) = server_name(s)
    {
        return (n, Some(s.to_string()));
    }
    if !t.host_is_ip()
        && let Some(n) = server_name(&t.host)
    {
        return (n, Some(t.host.clone()));
    }
    let ip: IpAddr = t
        .host
        .parse()
        .unwrap_or(IpAddr::V4(std::net::Ipv4Addr::UNSPECIFIED));
    (ServerName::IpAddress(ip.into()), None)
}

/// The TLS session a handshake negotiated.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TlsSession {
    /// `TLSv1.3`, `TLSv1.2`.
    pub version: String,
    /// Cipher suite name.
    pub cipher: String,
    /// Key exchange group.
    pub group: Option<String>,
    /// ALPN protocol chosen.
    pub alpn: Option<String>,
    /// SNI sent (null for IP targets).
    pub sni: Option<String>,
    /// The server asked for a client certificate.
    pub client_cert_requested: bool,
    /// When the server chose HTTP/1.1 by ALPN: the status line it answered `GET` with,
    /// inside TLS.
    pub http_status: Option<String>,
}

/// The session of a completed handshake.
pub fn session_of(
    conn: &rustls::ClientConnection,
    sni: Option<String>,
    seen: &Observed,
) -> TlsSession {
    TlsSession {
        version: conn
            .protocol_version()
            .map(|v| format!("{v:?}").replace("TLSv1_", "TLSv1."))
            .unwrap_or_default(),
        cipher: conn
            .negotiated_cipher_suite()
            .map(|c| format!("{:?}", c.suite()))
            .unwrap_or_default(),
        group: conn
            .negotiated_key_exchange_group()
            .map(|g| format!("{:?}", g.name())),
        alpn: conn.alpn_protocol().map(crate::escape::escape_bytes),
        sni,
        http_status: None,
        client_cert_requested: seen.client_cert_requested.load(Ordering::Relaxed),
    }
}

/// What the TLS client reports when nothing answered its ClientHello in time.
pub const NO_ANSWER: &str = "no answer to the ClientHello before the timeout";

/// How a handshake over a recording stream ended.
pub enum Handshake<S> {
    /// It completed.
    Done {
        /// The TLS stream.
        stream: Box<tokio_rustls::client::TlsStream<Recorder<S>>>,
        /// What was negotiated.
        session: TlsSession,
        /// What the handshake saw on the side (the chain).
        seen: Arc<Observed>,
    },
    /// The TLS client gave up: its error (escaped), and the stream back, to read the
    /// rest of what the server sent.
    Failed {
        /// rustls' error, made safe to print.
        error: String,
        /// The recording stream.
        rec: Recorder<S>,
    },
    /// No answer to the ClientHello before the deadline ([`NO_ANSWER`]).
    TimedOut,
}

/// Runs a TLS handshake with `t` over `rec` (naming it as [`name_for`] says, offering
/// `alpn`) until `deadline`.
pub async fn handshake<S>(
    rec: Recorder<S>,
    sni: Option<&str>,
    t: &Target,
    alpn: &[String],
    deadline: Instant,
) -> Handshake<S>
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    let (name, sni) = name_for(sni, t);
    let (config, seen) = client_config(alpn);
    let connector = tokio_rustls::TlsConnector::from(config);
    match tokio::time::timeout_at(deadline, connector.connect(name, rec).into_fallible()).await {
        Err(_) => Handshake::TimedOut,
        Ok(Err((e, rec))) => Handshake::Failed {
            error: crate::escape::sanitize_text(&e.to_string()).into_owned(),
            rec,
        },
        Ok(Ok(stream)) => {
            let session = session_of(stream.get_ref().1, sni, &seen);
            Handshake::Done {
                stream: Box::new(stream),
                session,
                seen,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// No word of a refusal is a Rust name: no `CamelCase` word, no `Error` type.
    fn no_rust_names(m: &str) -> bool {
        !m.contains("Error")
            && !m.split(|c: char| !c.is_ascii_alphanumeric()).any(|w| {
                w.len() > 1
                    && w.starts_with(|c: char| c.is_ascii_uppercase())
                    && w[1..].contains(|c: char| c.is_ascii_uppercase())
                    && w.contains(|c: char| c.is_ascii_lowercase())
            })
    }

    #[test]
    fn every_certificate_refusal_is_in_words() {
        use rustls::CertificateError as C;
        for c in [
            C::BadEncoding,
            C::Expired,
            C::NotValidYet,
            C::Revoked,
            C::UnhandledCriticalExtension,
            C::UnknownIssuer,
            C::UnknownRevocationStatus,
            C::ExpiredRevocationList,
            C::BadSignature,
            C::NotValidForName,
            C::InvalidPurpose,
            C::ApplicationVerificationFailure,
        ] {
            let m = refusal_words(&rustls::Error::InvalidCertificate(c.clone()));
            assert!(no_rust_names(&m), "{c:?}: {m}");
            assert!(!m.is_empty());
        }
        // What rustls itself prints for one of them: the check above would catch it.
        let raw = rustls::Error::InvalidCertificate(C::UnknownIssuer).to_string();
        assert!(!no_rust_names(&raw), "{raw}");
        assert_eq!(
            debug_words(&C::UnknownRevocationStatus),
            "unknown revocation status"
        );
    }

    /// A self-signed certificate marked as a CA, as `openssl req -x509` makes by default:
    /// webpki refuses it as a server certificate (`CaUsedAsEndEntity`), and the words say
    /// so without the Rust name.
    #[test]
    fn a_ca_certificate_used_by_the_server_is_named_in_words() {
        let mut params = rcgen::CertificateParams::new(vec!["localhost".into()]).unwrap();
        params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
        let key = rcgen::KeyPair::generate().unwrap();
        let cert = params.self_signed(&key).unwrap();
        // Some other root: the verifier needs one to be built at all.
        let mut other = rcgen::CertificateParams::new(vec!["root.test".into()]).unwrap();
        other.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
        let other = other
            .self_signed(&rcgen::KeyPair::generate().unwrap())
            .unwrap();
        let mut store = rustls::RootCertStore::empty();
        store.add(other.der().clone()).unwrap();
        let roots = Roots {
            store: Arc::new(store),
            notes: Vec::new(),
        };
        let name = server_name("localhost").unwrap();
        let v = verify(&[cert.der().clone()], &name, &roots);
        assert!(!v.ok);
        assert_eq!(v.problem.as_deref(), Some("unknown-issuer"));
        let m = v.message.unwrap();
        assert!(m.contains("CA certificate"), "{m}");
        assert!(no_rust_names(&m), "{m}");
    }
}
