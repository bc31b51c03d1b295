//! The client layer under `probe` and `send` (and the stream `serve` counts with):
//! what both network clients do the same way, done once.
//!
//! Sans-IO: [`target`] (parsing targets and `--connect-to`), [`header`] (the header's
//! addresses defaulted from the socket), [`http`] (the plaintext request),
//! [`verdict`] (an exchange judged, a failed connect included).
//! I/O shell: [`stream`] (the one byte-observing stream: a tap for probe and send,
//! counters for serve), [`net`] (DNS, connect, bounded reads), [`tls`] (the rustls
//! client, the handshake and its failure path, certificate verification).
//!
//! Rules: the layer depends on the core (`proxy`, `diagnose`, `findings`, `escape`) and
//! on no shell: `probe`, `send` and `serve` use it, never the other way round.

pub mod header;
pub mod http;
pub mod net;
pub mod stream;
pub mod target;
pub mod tls;
pub mod verdict;
