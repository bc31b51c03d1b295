//! TLS setup for `ppdiag serve`: a certificate generated in memory (rcgen) or read from
//! PEM files, the rustls server configuration (ALPN, client certificates), the
//! certificate's SHA-256 fingerprint, and the client certificate's names.
//!
//! Rules: errors here are configuration errors (exit 2) with the path and the cause.
//! Without `--client-ca`, any client certificate is accepted (its signature on the
//! handshake is still checked) and recorded as not verified: serve is a diagnostic
//! backend, it reports what arrives rather than refusing it.

use super::record::{CertInfo, ClientCert};
use rustls::DigitallySignedStruct;
use rustls::client::danger::HandshakeSignatureValid;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, UnixTime};
use rustls::server::danger::{ClientCertVerified, ClientCertVerifier};
use rustls::server::{ServerConfig, WebPkiClientVerifier};
use rustls::{DistinguishedName, RootCertStore, SignatureScheme};
use std::path::PathBuf;
use std::sync::Arc;

/// Where the certificate comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CertSource {
    /// Generate one for these names (DNS names or IP addresses).
    Generate(Vec<String>),
    /// Read these PEM files (certificate chain, private key).
    Files(PathBuf, PathBuf),
}

/// Client certificate requests.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClientAuth {
    /// Not asked for.
    Off,
    /// Asked for; the handshake goes on without one.
    Optional,
    /// Asked for; the handshake fails without one.
    Required,
}

/// Validated TLS settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TlsSettings {
    /// The certificate.
    pub cert: CertSource,
    /// Write the certificate's PEM here (generated certificates).
    pub cert_out: Option<PathBuf>,
    /// ALPN protocols offered, in preference order.
    pub alpn: Vec<String>,
    /// Client certificates.
    pub client_auth: ClientAuth,
    /// CA bundle that client certificates must chain to.
    pub client_ca: Option<PathBuf>,
}

/// The rustls configuration and what to print about it.
pub struct Prepared {
    /// For the acceptor.
    pub config: Arc<ServerConfig>,
    /// For the listening event.
    pub info: CertInfo,
}

/// Builds the server configuration.
pub fn prepare(s: &TlsSettings) -> Result<Prepared, String> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let (chain, key, mut info) = identity(s)?;
    let builder = ServerConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .map_err(|e| format!("TLS setup: {e}"))?;
    let verifier = client_verifier(s, &provider)?;
    let mut config = builder
        .with_client_cert_verifier(verifier)
        .with_single_cert(chain, key)
        .map_err(|e| format!("certificate and key do not make a TLS identity: {e}"))?;
    config.alpn_protocols = s.alpn.iter().map(|a| a.as_bytes().to_vec()).collect();
    if s.client_ca.is_some() {
        info.names.push(format!(
            "client CA {}",
            s.client_ca
                .as_ref()
                .map(|p| p.display().to_string())
                .unwrap_or_default()
        ));
    }
    Ok(Prepared {
        config: Arc::new(config),
        info,
    })
}

/// The certificate chain, its key, and what to print about them (generated, or read
/// from `--cert`/`--key`; a generated one is written to `--cert-out`).
type Identity = (
    Vec<CertificateDer<'static>>,
    PrivateKeyDer<'static>,
    CertInfo,
);

fn identity(s: &TlsSettings) -> Result<Identity, String> {
    Ok(match &s.cert {
        CertSource::Generate(names) => {
            let ck = rcgen::generate_simple_self_signed(names.clone())
                .map_err(|e| format!("cannot generate a certificate for {names:?}: {e}"))?;
            let der = ck.cert.der().clone();
            let key = PrivateKeyDer::try_from(ck.signing_key.serialize_der())
                .map_err(|e| format!("generated key: {e}"))?;
            if let Some(path) = &s.cert_out {
                std::fs::write(path, ck.cert.pem())
                    .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
            }
            let info = CertInfo {
                source: "generated",
                names: names.clone(),
                sha256: fingerprint(&der),
                written_to: s.cert_out.as_ref().map(|p| p.display().to_string()),
            };
            (vec![der], key, info)
        }
        CertSource::Files(cert, key) => {
            let chain: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(cert)
                .map_err(|e| format!("cannot read {}: {e}", cert.display()))?
                .collect::<Result<_, _>>()
                .map_err(|e| format!("{}: {e}", cert.display()))?;
            if chain.is_empty() {
                return Err(format!("{}: no certificate found", cert.display()));
            }
            let k = PrivateKeyDer::from_pem_file(key)
                .map_err(|e| format!("cannot read a private key from {}: {e}", key.display()))?;
            let info = CertInfo {
                source: "file",
                names: vec![cert.display().to_string()],
                sha256: fingerprint(&chain[0]),
                written_to: None,
            };
            (chain, k, info)
        }
    })
}

/// How client certificates are asked for and checked (`--client-auth`, `--client-ca`).
fn client_verifier(
    s: &TlsSettings,
    provider: &Arc<rustls::crypto::CryptoProvider>,
) -> Result<Arc<dyn ClientCertVerifier>, String> {
    Ok(match (s.client_auth, &s.client_ca) {
        (ClientAuth::Off, _) => Arc::new(rustls::server::NoClientAuth),
        (mode, Some(ca)) => {
            let mut roots = RootCertStore::empty();
            for c in CertificateDer::pem_file_iter(ca)
                .map_err(|e| format!("cannot read {}: {e}", ca.display()))?
            {
                let c = c.map_err(|e| format!("{}: {e}", ca.display()))?;
                roots.add(c).map_err(|e| format!("{}: {e}", ca.display()))?;
            }
            let b = WebPkiClientVerifier::builder_with_provider(Arc::new(roots), provider.clone());
            let b = if mode == ClientAuth::Optional {
                b.allow_unauthenticated()
            } else {
                b
            };
            b.build()
                .map_err(|e| format!("client CA {}: {e}", ca.display()))?
        }
        (mode, None) => Arc::new(AnyClientCert {
            mandatory: mode == ClientAuth::Required,
            algorithms: provider.signature_verification_algorithms,
        }),
    })
}

/// `AB:CD:...`, as `openssl x509 -noout -fingerprint -sha256` prints it.
pub fn fingerprint(der: &[u8]) -> String {
    let d = ring::digest::digest(&ring::digest::SHA256, der);
    d.as_ref()
        .iter()
        .map(|b| format!("{b:02X}"))
        .collect::<Vec<_>>()
        .join(":")
}

/// Subject and issuer of a client certificate.
pub fn client_cert(der: &[u8], verified: bool) -> ClientCert {
    match x509_parser::parse_x509_certificate(der) {
        Ok((_, c)) => ClientCert {
            subject: crate::escape::sanitize_text(&c.subject().to_string()).into_owned(),
            issuer: crate::escape::sanitize_text(&c.issuer().to_string()).into_owned(),
            verified,
        },
        Err(e) => ClientCert {
            subject: format!("(unreadable certificate: {e})"),
            issuer: String::new(),
            verified,
        },
    }
}

/// Accepts any client certificate; checks the handshake signature made with it.
#[derive(Debug)]
struct AnyClientCert {
    mandatory: bool,
    algorithms: rustls::crypto::WebPkiSupportedAlgorithms,
}

impl ClientCertVerifier for AnyClientCert {
    fn client_auth_mandatory(&self) -> bool {
        self.mandatory
    }

    fn root_hint_subjects(&self) -> &[DistinguishedName] {
        &[]
    }

    fn verify_client_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _now: UnixTime,
    ) -> Result<ClientCertVerified, rustls::Error> {
        Ok(ClientCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(message, cert, dss, &self.algorithms)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(message, cert, dss, &self.algorithms)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.algorithms.supported_schemes()
    }
}
