//! PROXY v1 (text) parsing. STUB.
use super::Inspection;
pub(super) fn could_be(b: &[u8]) -> bool { b"PROXY ".starts_with(&b[..b.len().min(6)]) }
pub(super) fn inspect(_b: &[u8]) -> Inspection { Inspection::NotProxy }
