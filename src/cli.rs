//! Command-line interface. STUB.
