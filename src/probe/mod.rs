//! `ppdiag probe`: ask a live target what it expects.
//!
//! Sans-IO parts: [`model`] (the attempt matrix and the report), [`worked`] (whether an
//! attempt worked, finding attempts), [`infer`] (what the target expects, from every
//! attempt's verdict, through the path model), [`explained`] (findings from the path
//! model's verdict), [`failing`] (when nothing works), [`tls_findings`] (TLS and
//! certificates), [`cert`] (certificate details), [`text`] (the text report).
//! [`udp_model`] (`--udp`: the DNS query, per-datagram outcomes, the inference).
//! [`config`] is the validated configuration.
//! I/O shell: [`udp`] (`--udp`), [`attempt`] (one connection of the matrix), [`run`]
//! (the concurrent attempts, the fleet, the output), [`robust`] and [`audit`] (the
//! trials after the matrix). Targets, sockets, the recording stream and the TLS client
//! are the client layer's ([`crate::client`]), shared with `send`.
//!
//! Rules: every attempt is judged by [`crate::diagnose::judge`]; every wait is bounded
//! by `--timeout`; only the shell touches sockets and clocks.

pub mod attempt;
pub mod audit;
pub mod audit_model;
pub mod cert;
pub mod config;
pub mod explained;
pub mod failing;
pub mod infer;
pub mod model;
pub mod robust;
pub mod robust_model;
pub mod run;
pub mod text;
pub mod tls_findings;
pub mod udp;
pub mod udp_model;
pub mod worked;
