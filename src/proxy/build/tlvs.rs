//! Named and raw PROXY v2 TLVs as values to put in a header (sans-IO).
//!
//! Each function returns `(type, value)` in the wire form receivers decode: AWS 0xEA
//! (subtype 0x01 + `vpce-…`), Azure 0xEE (subtype 0x01 + LinkID u32 little-endian), GCP
//! 0xE0 (PSC connection id u64 big-endian), AUTHORITY, ALPN, UNIQUE_ID, NETNS and the
//! SSL TLV with its sub-TLVs. [`parse_raw`] reads `--tlv TYPE=VALUE`.
//!
//! Rules: no I/O; bad input is an `Err(String)` naming what was expected; type numbers
//! are the named ones of [`crate::proxy::kind`].

use crate::proxy::kind;

/// The SSL TLV (0x20) as asked on the command line.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SslSpec {
    /// Client flags byte (0x01 SSL, 0x02 CERT_CONN, 0x04 CERT_SESS).
    pub client: u8,
    /// The verify field (0 = client certificate verified).
    pub verify: u32,
    /// Sub-TLV 0x21 VERSION (e.g. `TLSv1.3`).
    pub version: Option<String>,
    /// Sub-TLV 0x22 CN.
    pub cn: Option<String>,
    /// Sub-TLV 0x23 CIPHER.
    pub cipher: Option<String>,
    /// Sub-TLV 0x24 SIG_ALG.
    pub sig_alg: Option<String>,
    /// Sub-TLV 0x25 KEY_ALG.
    pub key_alg: Option<String>,
}

/// AWS VPC endpoint id (TLV 0xEA, subtype 0x01).
pub fn aws_vpce(id: &str) -> (u8, Vec<u8>) {
    let mut v = vec![kind::AWS_VPCE_ID];
    v.extend_from_slice(id.as_bytes());
    (kind::AWS, v)
}

/// Azure Private Link LinkID (TLV 0xEE, subtype 0x01, u32 little-endian).
pub fn azure_linkid(id: u32) -> (u8, Vec<u8>) {
    let mut v = vec![kind::AZURE_LINKID];
    v.extend_from_slice(&id.to_le_bytes());
    (kind::AZURE, v)
}

/// GCP Private Service Connect connection id (TLV 0xE0, u64 big-endian).
pub fn gcp_psc(id: u64) -> (u8, Vec<u8>) {
    (kind::GCP_PSC, id.to_be_bytes().to_vec())
}

/// AUTHORITY (0x02): the host name the client asked for (SNI).
pub fn authority(name: &str) -> (u8, Vec<u8>) {
    (kind::AUTHORITY, name.as_bytes().to_vec())
}

/// ALPN (0x01).
pub fn alpn(proto: &str) -> (u8, Vec<u8>) {
    (kind::ALPN, proto.as_bytes().to_vec())
}

/// UNIQUE_ID (0x05).
pub fn unique_id(id: &[u8]) -> (u8, Vec<u8>) {
    (kind::UNIQUE_ID, id.to_vec())
}

/// NETNS (0x30).
pub fn netns(name: &str) -> (u8, Vec<u8>) {
    (kind::NETNS, name.as_bytes().to_vec())
}

/// The SSL TLV (0x20) with its sub-TLVs.
pub fn ssl(s: &SslSpec) -> (u8, Vec<u8>) {
    let mut v = vec![s.client];
    v.extend_from_slice(&s.verify.to_be_bytes());
    for (sub, value) in [
        (kind::SSL_VERSION, &s.version),
        (kind::SSL_CN, &s.cn),
        (kind::SSL_CIPHER, &s.cipher),
        (kind::SSL_SIG_ALG, &s.sig_alg),
        (kind::SSL_KEY_ALG, &s.key_alg),
    ] {
        if let Some(text) = value {
            let len = u16::try_from(text.len()).unwrap_or(u16::MAX);
            v.push(sub);
            v.extend_from_slice(&len.to_be_bytes());
            v.extend_from_slice(&text.as_bytes()[..len as usize]);
        }
    }
    (kind::SSL, v)
}

/// Parses a number given in decimal or as `0x…` hex.
pub fn parse_u64(s: &str) -> Result<u64, String> {
    let t = s.trim();
    let r = match t.strip_prefix("0x").or_else(|| t.strip_prefix("0X")) {
        Some(h) => u64::from_str_radix(h, 16),
        None => t.parse(),
    };
    r.map_err(|_| format!("`{s}` is not a number (decimal or 0x-hex)"))
}

/// Parses hex digits (spaces, `:` and an optional `0x` allowed) into bytes.
pub fn parse_hex(s: &str) -> Result<Vec<u8>, String> {
    let t = s.trim();
    let t = t.strip_prefix("0x").unwrap_or(t);
    let digits: Vec<u8> = t
        .bytes()
        .filter(|b| !matches!(b, b' ' | b':' | b'-'))
        .collect();
    if !digits.len().is_multiple_of(2) {
        return Err(format!("`{s}`: an odd number of hex digits"));
    }
    digits
        .chunks(2)
        .map(|p| {
            std::str::from_utf8(p)
                .ok()
                .and_then(|h| u8::from_str_radix(h, 16).ok())
                .ok_or_else(|| format!("`{s}` is not hex"))
        })
        .collect()
}

/// Parses `TYPE=VALUE`: TYPE in decimal or 0x-hex (0–255); VALUE as text, or as bytes
/// after `hex:` (`--tlv 0xE3=hex:0102ff`).
pub fn parse_raw(s: &str) -> Result<(u8, Vec<u8>), String> {
    let (t, v) = s.split_once('=').ok_or_else(|| {
        format!("`{s}`: expected TYPE=VALUE, e.g. 0xE3=hex:0102 or 0x02=example.com")
    })?;
    let kind = parse_u64(t)?;
    let kind = u8::try_from(kind).map_err(|_| format!("TLV type {kind} is larger than 255"))?;
    let value = match v.strip_prefix("hex:") {
        Some(h) => parse_hex(h)?,
        None => v.as_bytes().to_vec(),
    };
    if value.len() > 65535 - 3 {
        return Err(format!("TLV 0x{kind:02x} value is too long for a header"));
    }
    Ok((kind, value))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn raw_tlvs() {
        assert_eq!(parse_raw("0xE3=hex:01 02ff"), Ok((0xE3, vec![1, 2, 0xff])));
        assert_eq!(parse_raw("2=example.com"), Ok((2, b"example.com".to_vec())));
        assert!(parse_raw("300=x").is_err());
        assert!(parse_raw("0x05").is_err());
        assert!(parse_raw("5=hex:abc").is_err());
        assert!(parse_raw("5=hex:zz").is_err());
    }

    #[test]
    fn numbers() {
        assert_eq!(parse_u64("0x10"), Ok(16));
        assert_eq!(parse_u64("42"), Ok(42));
        assert!(parse_u64("x").is_err());
    }
}
