//! Command-line interface: clap types, validation into plain config structs, dispatch.
//!
//! clap stays in this module (fd's `cli.rs` → `Config`); commands receive validated
//! configs and return an exit code. Exit codes: 0 nothing wrong found, 1 a problem was
//! diagnosed, 2 ppdiag could not do its job (bad arguments, unreadable input).

pub mod decode;
pub mod serve;

pub mod probe;
pub mod send;

use crate::commands;
use crate::config::{DemoConfig, ExplainConfig, InspectConfig, TextSource};
use crate::output::{ColorChoice, Failure, Output, OutputFormat, emit};
use clap::{Args, CommandFactory, Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

/// Diagnose PROXY protocol / TLS mismatches between load balancers and backends.
#[derive(Debug, Parser)]
#[command(name = "ppdiag", version, about, long_about = None, propagate_version = true)]
#[command(
    after_help = "Exit codes: 0 nothing wrong found, 1 a problem was diagnosed, 2 ppdiag could not do its job."
)]
pub struct Cli {
    /// Output format.
    #[arg(long, global = true, value_enum, default_value_t = FormatArg::Text)]
    pub format: FormatArg,
    /// When to use colour in text output (`auto` honours NO_COLOR and terminals).
    #[arg(long, global = true, value_enum, value_name = "WHEN", default_value_t = ColorArg::Auto)]
    pub color: ColorArg,
    /// The command.
    #[command(subcommand)]
    pub command: Cmd,
}

/// Output formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FormatArg {
    /// For people.
    Text,
    /// One JSON document, for scripts and CI.
    Json,
    /// One JSON object per line (per connection, flow or target), written as results come.
    Ndjson,
}

/// Colour choice.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorArg {
    /// Colour on terminals unless NO_COLOR is set.
    Auto,
    /// Always colour.
    Always,
    /// Never colour.
    Never,
}

/// Subcommands.
#[derive(Debug, Subcommand)]
pub enum Cmd {
    /// Explain raw bytes copied from a log or a dump (hex, xxd, tcpdump -X, nginx escapes).
    #[command(
        after_help = "Examples:\n  ppdiag inspect '0d0a0d0a000d0a515549540a2111000c7f0000017f00000213880bb8'\n  ppdiag inspect 'broken header: \"\\x16\\x03\\x01\\x02\\x00\\x01\\x00\\x01\\xfc\\x03\\x03\"'\n  xxd capture.bin | ppdiag inspect -\n  ppdiag inspect --file dump.txt"
    )]
    Inspect(InspectArgs),
    /// Map an error message from a client or server log to its PROXY/TLS causes.
    #[command(
        after_help = "Examples:\n  ppdiag explain 'curl: (35) OpenSSL/3.0.13: error:0A00010B:SSL routines::wrong version number'\n  ppdiag explain 'broken header: \"\\x16\\x03\\x01\" while reading PROXY protocol'\n  ppdiag explain --list"
    )]
    Explain(ExplainArgs),
    /// Explain a pcap/pcapng capture conversation by conversation (`-` reads stdin).
    #[command(
        after_help = "Examples:\n  ppdiag decode capture.pcap\n  ppdiag decode --all --port 443 capture.pcapng\n  ppdiag decode --format ndjson capture.pcap\n  tcpdump -i any -U -w - 'tcp port 443' | ppdiag decode -"
    )]
    Decode(decode::DecodeArgs),
    /// Ask live targets what they expect: no header, PROXY v1, v2, v2 LOCAL; TLS or HTTP.
    #[command(
        after_help = "Examples:\n  ppdiag probe backend.internal:443\n  ppdiag probe https://api.example.com/health --balancer-sends v2\n  ppdiag probe --targets-file fleet.txt --format ndjson\n  ppdiag probe https://api.example.com --connect-to api.example.com:443:10.0.3.7:8443\n\nExit codes: 0 the target works one way and nothing is wrong, 1 a problem was diagnosed, 2 bad arguments or a name that does not resolve."
    )]
    Probe(probe::ProbeArgs),
    /// A PROXY-speaking netcat: send a crafted v1/v2 header, optionally TLS and HTTP, show what comes back.
    #[command(
        after_help = "Examples:\n  ppdiag send 127.0.0.1:8443 --proxy v2 --aws-vpce vpce-0123 --tls --http GET /\n  ppdiag send 127.0.0.1:8080 --proxy v1 --src 203.0.113.7:51000 --http GET /\n  ppdiag send 127.0.0.1:8443 --local --family inet --crc32c --hex\n  printf 'EHLO x\\r\\n' | ppdiag send 127.0.0.1:25 --proxy v2\n  ppdiag send 127.0.0.1:8443 --break crc --crc32c"
    )]
    Send(send::SendArgs),
    /// A fake backend: expect (or forbid) a PROXY header, terminate TLS, report every connection.
    #[command(
        after_help = "Examples:\n  ppdiag serve --tls --listen 127.0.0.1:8443\n  ppdiag serve --proxy optional --trusted 10.0.0.0/8 --reply echo\n  ppdiag serve --tls --count 1 --expect-version v2 --expect-source 192.0.2.0/24 --expect-tlv aws\n  ppdiag serve --emulate nginx-ssl --listen 127.0.0.1:9443\n  ppdiag serve --udp --proxy-versions v2 --format ndjson\n\nExit codes: 0 every connection met the expectations, 1 one did not (or had a problem), 2 serve could not run."
    )]
    Serve(Box<serve::ServeArgs>),
    /// Run the main job offline: reproduce the classic mistakes on loopback, probe them, decode a bundled capture.
    #[command(
        after_help = "Starts in-process backends on 127.0.0.1 (Traefik-style TLS without PROXY behind a balancer that sends PROXY v2, nginx `listen ssl` without proxy_protocol, a PROXY-required backend reached directly, TLS to a plaintext port, a SNAT balancer, a correct setup), probes each, decodes a bundled capture and prints the diagnoses. Nothing leaves the machine.\n\nExit codes: 0 every case gave the diagnosis it should, 1 one did not, 2 the demo could not run."
    )]
    Demo,
    /// Print shell completions for SHELL to stdout.
    Completions(CompletionsArgs),
    /// Print the man page (roff) to stdout.
    #[command(hide = true)]
    Manpage,
}

/// `inspect` arguments.
#[derive(Debug, Args)]
pub struct InspectArgs {
    /// The bytes, as text (several arguments are joined with spaces); `-` reads stdin.
    #[arg(value_name = "BYTES", conflicts_with = "file")]
    pub bytes: Vec<String>,
    /// Read the text from a file (`-` for stdin).
    #[arg(long, short = 'f', value_name = "PATH")]
    pub file: Option<PathBuf>,
}

/// `explain` arguments.
#[derive(Debug, Args)]
pub struct ExplainArgs {
    /// The message (several arguments are joined with spaces); `-` reads stdin.
    #[arg(value_name = "MESSAGE", required_unless_present = "list")]
    pub message: Vec<String>,
    /// Print the whole knowledge base.
    #[arg(long, conflicts_with = "message")]
    pub list: bool,
}

/// `completions` arguments.
#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell.
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
}

fn text_source(args: Vec<String>) -> Option<TextSource> {
    if args.is_empty() {
        None
    } else if args.len() == 1 && args[0] == "-" {
        Some(TextSource::Stdin)
    } else {
        Some(TextSource::Inline(args.join(" ")))
    }
}

/// Parses the command line and runs the command; returns the process exit code.
pub fn run() -> i32 {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            if !e.use_stderr() {
                let _ = e.print();
                return 0;
            }
            eprint!("{}", tidy_usage(&e.render().to_string()));
            return 2;
        }
    };
    let output = Output {
        format: match cli.format {
            FormatArg::Text => OutputFormat::Text,
            FormatArg::Json => OutputFormat::Json,
            FormatArg::Ndjson => OutputFormat::Ndjson,
        },
        color: match cli.color {
            ColorArg::Auto => ColorChoice::Auto,
            ColorArg::Always => ColorChoice::Always,
            ColorArg::Never => ColorChoice::Never,
        }
        .enabled(),
    };
    let result = match dispatch(cli.command, output) {
        Ok(result) => result,
        Err(Usage(msg)) => {
            eprintln!("{msg}");
            return 2;
        }
    };
    match result {
        Ok(code) => code,
        Err(Failure(msg)) => {
            eprintln!("ppdiag: {msg}");
            2
        }
    }
}

/// A mistake in the arguments found after clap (exit 2, the message as it is).
struct Usage(String);

/// Validates the command's arguments into its config and runs it.
fn dispatch(command: Cmd, output: Output) -> Result<Result<i32, Failure>, Usage> {
    Ok(match command {
        Cmd::Inspect(a) => {
            let source = match (a.file, text_source(a.bytes)) {
                (Some(path), _) if path.as_os_str() == "-" => TextSource::Stdin,
                (Some(path), _) => TextSource::File(path),
                (None, Some(s)) => s,
                (None, None) => {
                    return Err(Usage(
                        "ppdiag inspect: give the bytes as an argument, `--file PATH`, or `-` to read stdin".into(),
                    ));
                }
            };
            commands::inspect::run(&InspectConfig { source, output })
        }
        Cmd::Explain(a) => {
            let message = if a.list { None } else { text_source(a.message) };
            commands::explain::run(&ExplainConfig { message, output })
        }
        Cmd::Decode(a) => crate::decode::shell::run(&a.into_config(output)),
        Cmd::Probe(a) => {
            let cfg = probe::config(a, output).map_err(|e| Usage(format!("ppdiag probe: {e}")))?;
            crate::probe::run::run(cfg)
        }
        Cmd::Send(a) => {
            let cfg = send::config(a, output).map_err(|e| Usage(format!("ppdiag send: {e}")))?;
            crate::send::run(cfg)
        }
        Cmd::Serve(a) => match serve::config(*a, output) {
            Ok(config) => crate::serve::run(config),
            Err(msg) => Err(Failure(format!("serve: {msg}"))),
        },
        Cmd::Demo => crate::demo::run(DemoConfig { output }),
        Cmd::Completions(a) => {
            let mut cmd = Cli::command();
            let mut buf = Vec::new();
            clap_complete::generate(a.shell, &mut cmd, "ppdiag", &mut buf);
            emit(&String::from_utf8_lossy(&buf))
        }
        Cmd::Manpage => {
            let mut buf = Vec::new();
            match clap_mangen::Man::new(Cli::command()).render(&mut buf) {
                Ok(()) => emit(&String::from_utf8_lossy(&buf)),
                Err(e) => Err(Failure(format!("could not render the man page: {e}"))),
            }
        }
    })
}

/// clap writes the options a user gave into the usage line of its errors
/// (`Usage: ppdiag decode --color <WHEN> <CAPTURE>`), which reads as if they were
/// required: the global options are taken out of usage lines again.
fn tidy_usage(text: &str) -> String {
    text.lines()
        .map(|l| {
            if !l.trim_start().starts_with("Usage:") {
                return l.to_string();
            }
            let mut out = l.to_string();
            for opt in ["--color <WHEN>", "--format <FORMAT>"] {
                out = out.replace(&format!(" {opt}"), "");
            }
            out
        })
        .collect::<Vec<_>>()
        .join("\n")
        + "\n"
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clap_definition_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn text_sources() {
        assert_eq!(text_source(vec![]), None);
        assert_eq!(text_source(vec!["-".into()]), Some(TextSource::Stdin));
        assert_eq!(
            text_source(vec!["16".into(), "03".into()]),
            Some(TextSource::Inline("16 03".into()))
        );
    }
}
