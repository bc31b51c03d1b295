//! `probe --udp`, the sans-IO part: the model itself lives in [`crate::path::udp`] so
//! that `decode` judges a captured UDP conversation with the same rules; this module
//! names it for the probe.

pub use crate::path::udp::*;
