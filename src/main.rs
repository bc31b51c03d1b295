//! The `ppdiag` binary.
fn main() {}
