//! PROXY v2 (binary) parsing. STUB.
use super::{Inspection, V2_SIGNATURE};
pub(super) fn could_be(b: &[u8]) -> bool { V2_SIGNATURE.starts_with(&b[..b.len().min(12)]) }
pub(super) fn inspect(_b: &[u8]) -> Inspection { Inspection::NotProxy }
