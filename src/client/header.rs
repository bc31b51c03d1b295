//! The PROXY header a client sends, with the addresses it leaves empty taken from the
//! socket (sans-IO): send's TCP and UDP paths and probe's attempts all default them
//! here.
//!
//! Rules: no I/O; a LOCAL header and `--family unspec` carry no addresses, so nothing
//! is filled in for them; what cannot be built is left to [`crate::proxy::build`] to
//! refuse.

use crate::proxy::Family;
use crate::proxy::build::HeaderSpec;
use std::net::SocketAddr;

/// `spec` with its empty addresses filled from the socket: both, when neither is given
/// (our side as the source, the peer as the destination); the missing one when only one
/// is. `local` is `None` when the socket could not tell.
pub fn with_socket_addresses(
    spec: &HeaderSpec,
    local: Option<SocketAddr>,
    peer: SocketAddr,
) -> HeaderSpec {
    let mut spec = spec.clone();
    if !spec.local
        && spec.src.is_none()
        && spec.dst.is_none()
        && spec.family != Some(Family::Unspec)
    {
        spec.src = local;
        spec.dst = Some(peer);
    } else if spec.src.is_some() != spec.dst.is_some() {
        spec.src = spec.src.or(local);
        spec.dst = spec.dst.or(Some(peer));
    }
    spec
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::proxy::build::Kind;

    fn a(s: &str) -> SocketAddr {
        s.parse().unwrap()
    }

    #[test]
    fn fills_what_is_empty() {
        let (local, peer) = (a("10.0.0.1:4000"), a("10.0.0.2:443"));
        let mut s = HeaderSpec::new(Kind::V2, local, peer);
        s.src = None;
        s.dst = None;
        let f = with_socket_addresses(&s, Some(local), peer);
        assert_eq!((f.src, f.dst), (Some(local), Some(peer)));
        s.src = Some(a("192.0.2.7:1234"));
        let f = with_socket_addresses(&s, Some(local), peer);
        assert_eq!((f.src, f.dst), (Some(a("192.0.2.7:1234")), Some(peer)));
        let l = with_socket_addresses(&HeaderSpec::local(), Some(local), peer);
        assert_eq!((l.src, l.dst), (None, None));
    }
}
