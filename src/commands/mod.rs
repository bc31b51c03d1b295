//! The shells of the offline commands on text: `inspect` (raw bytes from a log or a
//! dump) and `explain` (an error message). Each reads its input ([`crate::input`]),
//! calls the sans-IO core and writes one report through [`crate::output`].

pub mod explain;
pub mod inspect;
