//! The plaintext HTTP/1.1 request a client sends to a target (sans-IO): probe's HTTP
//! attempts and `send --http` send the same bytes.
//!
//! Rules: no I/O; the Host header omits the port for 80 and 443.

use super::target::Target;

/// The request `method` for `t`'s path, with `Connection: close`.
pub fn request(method: &str, t: &Target) -> Vec<u8> {
    let host = match t.port {
        80 | 443 => {
            if t.host.contains(':') {
                format!("[{}]", t.host)
            } else {
                t.host.clone()
            }
        }
        _ => t.authority(),
    };
    format!(
        "{method} {} HTTP/1.1\r\nHost: {host}\r\nUser-Agent: ppdiag/{}\r\nAccept: */*\r\nConnection: close\r\n\r\n",
        t.path,
        env!("CARGO_PKG_VERSION")
    )
    .into_bytes()
}
