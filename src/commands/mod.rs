//! Command shells. STUB.
