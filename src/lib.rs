//! ppdiag: a doctor for PROXY protocol / TLS mismatches.
//!
//! The crate is split into a sans-IO core and thin shells:
//! - core (no sockets, files, clocks or terminal): [`proxy`] (PROXY v1/v2 inspection, and building beside it),
//!   [`sniff`] (first-bytes classification, TLS records, what a TLS client concludes),
//!   [`opening`] (a direction's opening bytes: headers, then payload, then findings),
//!   [`path`] (the path model: which balancer, reader and application explain every
//!   observation),
//!   [`decode`] (captures: link layers, TCP reassembly, flows, leg linking; its shell
//!   streams pcap/pcapng),
//!   [`rawbytes`] (bytes a user pasted: hex, xxd, tcpdump -X, C escapes),
//!   [`explain`] (the knowledge base of error messages), [`findings`] (the one
//!   findings model), [`escape`] (peer bytes made safe to print);
//! - presentation: [`render`] turns the same structs into text or JSON strings;
//!   [`output`] writes every command's output, one reporter per format;
//! - shells: [`cli`] (clap types and validation into plain config; only `main` uses
//!   it), [`config`] (the configs it builds and the duration syntax), [`input`] (text a
//!   command is given), [`commands`] (inspect, explain), and the network shells
//!   [`probe`] (ask a live target what it expects), [`send`] (a PROXY-speaking netcat)
//!   and [`serve`] (the fake backend), each a tokio shell around its sans-IO parts;
//!   [`client`] is what probe and send share (targets, the observing stream serve
//!   counts with too, DNS and connect, the TLS handshake, header defaulting, judging a
//!   failed connect).

pub mod cli;
pub mod client;
pub mod commands;
pub mod config;
pub mod decode;
pub mod demo;
pub mod diagnose;
pub mod escape;
pub mod explain;
pub mod findings;
pub mod input;
pub mod json_text;
pub mod opening;
pub mod output;
pub mod path;
pub mod probe;
pub mod proxy;
pub mod rawbytes;
pub mod render;
pub mod send;
pub mod serve;
pub mod sniff;
