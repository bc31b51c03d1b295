//! PROXY v2 TLVs. STUB.
use serde::Serialize;
/// A TLV.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Tlv { pub kind: u8, pub value: TlvValue }
/// A TLV value.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub enum TlvValue { Unknown(String) }
/// SSL client flags.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SslClient;
