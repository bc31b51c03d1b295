//! `decode` arguments (clap) and their validation into [`DecodeConfig`].

use crate::decode::shell::{DecodeConfig, Input};
use crate::decode::{Filter, Limits};
use crate::output::Output;
use clap::Args;
use std::net::IpAddr;
use std::path::PathBuf;

/// `decode` arguments.
#[derive(Debug, Args)]
pub struct DecodeArgs {
    /// The capture (pcap or pcapng); `-` reads stdin (`tcpdump -U -w - | ppdiag decode -`).
    #[arg(value_name = "CAPTURE")]
    pub capture: PathBuf,
    /// Show every conversation, not only the worst ones.
    #[arg(long)]
    pub all: bool,
    /// Keep only conversations with this port on either side (repeatable).
    #[arg(long, value_name = "PORT")]
    pub port: Vec<u16>,
    /// Keep only conversations with this address on either side (repeatable).
    #[arg(long, value_name = "IP")]
    pub host: Vec<IpAddr>,
}

impl DecodeArgs {
    /// The plain config.
    pub fn into_config(self, output: Output) -> DecodeConfig {
        let input = if self.capture.as_os_str() == "-" {
            Input::Stdin
        } else {
            Input::File(self.capture)
        };
        DecodeConfig {
            input,
            all: self.all,
            filter: Filter {
                ports: self.port,
                hosts: self.host,
            },
            output,
            limits: Limits::default(),
        }
    }
}
