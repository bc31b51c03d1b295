//! `ppdiag decode`: explain a capture conversation by conversation, with the same words
//! as `probe` (both go through [`crate::diagnose::judge`]).
//!
//! Sans-IO core: [`packet`] (link layer → IP → TCP/UDP, borrowed), [`stream`] (one
//! direction's bounded opening prefix, reassembled), [`engine`] (flow table, endings,
//! timing, eviction), [`failed`] (a failed conversation is never "no problem"), [`judge`] (judging handed-on conversations, counts), [`link`] (judging, and tying the two legs of a proxied
//! connection), [`report`] (what the text and JSON renderers read), [`servers`] (conversations grouped
//! by server endpoint and read by the path model together), [`udp`] (UDP conversations
//! in both directions, judged per server by the UDP model `probe --udp` uses). I/O shell: [`shell`]
//! (pcap-parser streaming from a file or stdin, progress bar, output as flows end).
//!
//! Rules: capture time only; bounded memory whatever the capture's size; every frame is
//! part of a reported conversation or counted as skipped; a broken capture is reported
//! where it breaks, with everything before it.

pub mod engine;
pub mod failed;
pub mod judge;
pub mod late;
pub mod link;
pub mod packet;
pub mod report;
pub mod servers;
pub mod shell;
pub mod stream;
pub mod udp;

pub use engine::{Decoder, Filter, Limits, Tracker};
pub use judge::Judge;
pub use report::{FlowReport, Summary};
