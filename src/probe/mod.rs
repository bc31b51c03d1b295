//! `ppdiag probe`: ask a live target what it expects.
//!
//! Sans-IO parts: [`target`] (parsing targets and `--connect-to`), [`model`] (the
//! attempt matrix and the report), [`infer`] (what the target expects, from every
//! attempt's verdict, through the path model), [`explained`] (findings from the path
//! model's verdict), [`failing`] (when nothing works), [`tls_findings`] (TLS and
//! certificates), [`cert`] (certificate details), [`text`] (the text report).
//! [`udp_model`] (`--udp`: the DNS query, per-datagram outcomes, the inference).
//! I/O shell: [`net`] (recording streams, bounded reads), [`udp`] (`--udp`), [`tls`] (rustls client and
//! verification), [`attempt`] (one connection of the matrix), [`run`] (DNS, the
//! concurrent attempts, the fleet, the output).
//!
//! Rules: every attempt is judged by [`crate::diagnose::judge`]; every wait is bounded
//! by `--timeout`; only the shell touches sockets and clocks.

pub mod attempt;
pub mod audit;
pub mod audit_model;
pub mod cert;
pub mod explained;
pub mod failing;
pub mod infer;
pub mod model;
pub mod net;
pub mod robust;
pub mod robust_model;
pub mod run;
pub mod target;
pub mod text;
pub mod tls;
pub mod tls_findings;
pub mod udp;
pub mod udp_model;
