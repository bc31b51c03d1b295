//! Certificate details (sans-IO): DER in, subject, SANs, issuer, validity, key type out.
//!
//! Rules: no I/O and no clock: the caller passes "now" as Unix seconds. Text taken from
//! certificates is escaped before it is stored. A certificate that does not parse is a
//! value (`parse_error`), never a panic.

use crate::escape::sanitize_text;
use serde::Serialize;
use x509_parser::prelude::*;

/// One certificate of the chain the server sent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CertInfo {
    /// Subject DN.
    pub subject: String,
    /// Issuer DN.
    pub issuer: String,
    /// DNS names and IP addresses from subjectAltName.
    pub sans: Vec<String>,
    /// notBefore, RFC 3339.
    pub not_before: String,
    /// notAfter, RFC 3339.
    pub not_after: String,
    /// Whole days from now until notAfter (negative: expired that many days ago).
    pub days_left: i64,
    /// Not valid yet at the time of the probe.
    pub not_yet_valid: bool,
    /// Key type and size, e.g. `EC P-256`, `RSA 2048`.
    pub key: String,
    /// Subject equals issuer.
    pub self_signed: bool,
    /// Serial number, hex.
    pub serial: String,
    /// Why the certificate could not be read, when it could not.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub parse_error: Option<String>,
}

impl CertInfo {
    /// The subjectAltName names, or what their absence means: RFC 9110 section 4.3.4
    /// forbids HTTPS clients to match the subject's CN, and browsers, Go (since 1.15) and
    /// rustls do not, so to them such a certificate is valid for no name (curl built on
    /// OpenSSL still falls back to the CN).
    pub fn names_text(&self) -> String {
        if self.sans.is_empty() {
            "none (no subjectAltName: browsers, Go and rustls ignore the subject's CN)".into()
        } else {
            self.sans.join(", ")
        }
    }
}

fn clean(s: impl AsRef<str>) -> String {
    sanitize_text(s.as_ref()).into_owned()
}

/// Reads one DER certificate; `now` is Unix seconds.
pub fn describe(der: &[u8], now: i64) -> CertInfo {
    let (_, cert) = match X509Certificate::from_der(der) {
        Ok(c) => c,
        Err(e) => {
            return CertInfo {
                subject: String::new(),
                issuer: String::new(),
                sans: Vec::new(),
                not_before: String::new(),
                not_after: String::new(),
                days_left: 0,
                not_yet_valid: false,
                key: String::new(),
                self_signed: false,
                serial: String::new(),
                parse_error: Some(format!("the certificate does not parse: {e}")),
            };
        }
    };
    let sans = sans(&cert);
    let validity = cert.validity();
    let not_after = validity.not_after.timestamp();
    let not_before = validity.not_before.timestamp();
    let key = key(&cert);
    CertInfo {
        subject: clean(cert.subject().to_string()),
        issuer: clean(cert.issuer().to_string()),
        sans,
        not_before: validity
            .not_before
            .to_rfc2822()
            .unwrap_or_else(|_| not_before.to_string()),
        not_after: validity
            .not_after
            .to_rfc2822()
            .unwrap_or_else(|_| not_after.to_string()),
        days_left: (not_after - now).div_euclid(86_400),
        not_yet_valid: now < not_before,
        key,
        self_signed: cert.subject() == cert.issuer(),
        serial: cert.raw_serial_as_string().replace(':', ""),
        parse_error: None,
    }
}

/// The subject alternative names, as text.
fn sans(cert: &X509Certificate<'_>) -> Vec<String> {
    let mut sans = Vec::new();
    if let Ok(Some(ext)) = cert.subject_alternative_name() {
        for name in &ext.value.general_names {
            match name {
                GeneralName::DNSName(d) => sans.push(clean(d)),
                GeneralName::IPAddress(ip) => sans.push(match ip.len() {
                    4 => std::net::Ipv4Addr::new(ip[0], ip[1], ip[2], ip[3]).to_string(),
                    16 => {
                        let mut a = [0u8; 16];
                        a.copy_from_slice(ip);
                        std::net::Ipv6Addr::from(a).to_string()
                    }
                    _ => crate::escape::hex_compact(ip),
                }),
                other => sans.push(clean(format!("{other:?}"))),
            }
        }
    }
    sans
}

/// The public key's algorithm and size or curve: `RSA 2048`, `EC P-256`, `Ed25519`.
fn key(cert: &X509Certificate<'_>) -> String {
    match cert.public_key().parsed() {
        Ok(x509_parser::public_key::PublicKey::RSA(r)) => format!("RSA {}", r.key_size()),
        Ok(x509_parser::public_key::PublicKey::EC(e)) => {
            let curve = cert
                .public_key()
                .algorithm
                .parameters
                .as_ref()
                .and_then(|p| p.as_oid().ok())
                .map(|oid| match oid.to_id_string().as_str() {
                    "1.2.840.10045.3.1.7" => "P-256".to_string(),
                    "1.3.132.0.34" => "P-384".to_string(),
                    "1.3.132.0.35" => "P-521".to_string(),
                    other => other.to_string(),
                })
                .unwrap_or_else(|| format!("{} bits", e.key_size()));
            format!("EC {curve}")
        }
        Ok(x509_parser::public_key::PublicKey::DSA(_)) => "DSA".into(),
        Ok(_) => match cert
            .public_key()
            .algorithm
            .algorithm
            .to_id_string()
            .as_str()
        {
            "1.3.101.112" => "Ed25519".into(),
            "1.3.101.113" => "Ed448".into(),
            other => other.to_string(),
        },
        Err(_) => cert.public_key().algorithm.algorithm.to_id_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_certificate_details() {
        let mut params = rcgen::CertificateParams::new(vec!["svc.test".into()]).unwrap();
        params
            .subject_alt_names
            .push(rcgen::SanType::IpAddress("127.0.0.1".parse().unwrap()));
        params.not_before = rcgen::date_time_ymd(2020, 1, 1);
        params.not_after = rcgen::date_time_ymd(2021, 1, 1);
        let key = rcgen::KeyPair::generate().unwrap();
        let cert = params.self_signed(&key).unwrap();
        // 2021-01-11 00:00:00 UTC: expired ten days before.
        let info = describe(cert.der(), 1_610_323_200);
        assert_eq!(info.sans, ["svc.test", "127.0.0.1"]);
        assert_eq!(info.days_left, -10);
        assert!(info.self_signed);
        assert_eq!(info.key, "EC P-256");
        assert!(info.parse_error.is_none());
        let early = describe(cert.der(), 1_500_000_000);
        assert!(early.not_yet_valid);
    }

    #[test]
    fn a_certificate_without_names_says_what_that_means() {
        let mut params = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
        params
            .distinguished_name
            .push(rcgen::DnType::CommonName, "localhost");
        let key = rcgen::KeyPair::generate().unwrap();
        let cert = params.self_signed(&key).unwrap();
        let info = describe(cert.der(), 1_700_000_000);
        assert!(info.sans.is_empty());
        assert!(info.names_text().starts_with("none (no subjectAltName"));
        let named =
            rcgen::generate_simple_self_signed(vec!["a.test".into(), "b.test".into()]).unwrap();
        assert_eq!(
            describe(named.cert.der(), 1_700_000_000).names_text(),
            "a.test, b.test"
        );
    }

    #[test]
    fn garbage_is_a_value_not_a_panic() {
        let info = describe(b"\x30\x03\x01\x01\xff", 0);
        assert!(info.parse_error.is_some());
    }
}
