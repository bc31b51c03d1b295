//! `ppdiag decode`: explain a capture conversation by conversation, with the same words
//! as `probe` (both go through [`crate::diagnose::judge`]).
//!
//! Sans-IO core, in the order a frame goes through it:
//! - [`packet`] (link layer → IP → TCP/UDP, borrowed), [`stream`] (one direction's
//!   bounded opening prefix, reassembled), [`hash`] (the flow tables' hash);
//! - [`flow`] (one TCP conversation in progress), [`engine`] (the flow table, endings,
//!   eviction: frames in, events out);
//! - [`conversation`] (judging one ended conversation with [`crate::diagnose::judge`],
//!   and what the capture cannot show), [`failed`] (a failed conversation is never "no
//!   problem");
//! - [`link`] (tying the legs of a proxied connection), [`late`] (links found after a
//!   leg was reported), [`servers`] (conversations grouped by server endpoint and read
//!   by the path model together), [`judge`] (handed-on conversations → reports, counts),
//!   [`report`] (what the text and JSON renderers read);
//! - [`udp`] (UDP conversations in both directions, judged per server by the UDP model
//!   `probe --udp` uses);
//! - [`decoder`] (tracker and judge on one thread, for tests and small inputs).
//!
//! I/O shell: [`input`] (a file or stdin, gzip read through as [`compressed`]
//! recognises it), [`shell`] (pcap-parser streaming, progress bar, output as flows end).
//!
//! Rules: capture time only; bounded memory whatever the capture's size; every frame is
//! part of a reported conversation or counted as skipped; a broken capture is reported
//! where it breaks, with everything before it.

pub mod compressed;
pub mod conversation;
pub mod decoder;
pub mod engine;
pub mod failed;
pub mod flow;
pub mod hash;
pub mod input;
pub mod judge;
pub mod late;
pub mod link;
pub mod packet;
pub mod report;
pub mod servers;
pub mod shell;
pub mod stream;
pub mod udp;

pub use decoder::Decoder;
pub use engine::{Filter, Limits, Tracker};
pub use judge::Judge;
pub use report::{FlowReport, Summary};
