//! A tiny in-process load balancer for `ppdiag demo`: accepts on loopback, connects to
//! the backend from its own source address (SNAT, like LoxiLB or an NLB with client IP
//! preservation off) and, when asked, prepends a PROXY v2 header carrying the real
//! client address (built with the `ppp` crate), then relays both ways.
//!
//! Rules: loopback only; every relay ends when either side closes; nothing is printed.

use std::net::{IpAddr, SocketAddr};
use tokio::io::AsyncWriteExt;
use tokio::net::{TcpListener, TcpSocket, TcpStream};

/// What the balancer adds in front of the client's bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sends {
    /// Nothing: the backend sees only the balancer's address.
    Nothing,
    /// A PROXY v2 header with the client's address (TCP over IPv4).
    ProxyV2,
}

/// A running balancer; it stops when dropped.
pub struct Balancer {
    /// Where clients connect.
    pub addr: SocketAddr,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for Balancer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// The PROXY v2 header a balancer sends for a TCP connection from `client` to `local`.
pub fn v2_header(client: SocketAddr, local: SocketAddr) -> Vec<u8> {
    let addrs: ppp::v2::Addresses = (client, local).into();
    ppp::v2::Builder::with_addresses(0x21, ppp::v2::Protocol::Stream, addrs)
        .build()
        .unwrap_or_default()
}

/// Starts a balancer in front of `backend`, connecting from `snat` (a loopback address).
pub async fn start(backend: SocketAddr, snat: IpAddr, sends: Sends) -> std::io::Result<Balancer> {
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    let task = tokio::spawn(async move {
        while let Ok((client, peer)) = listener.accept().await {
            tokio::spawn(relay(client, peer, addr, backend, snat, sends));
        }
    });
    Ok(Balancer { addr, task })
}

async fn relay(
    mut client: TcpStream,
    peer: SocketAddr,
    local: SocketAddr,
    backend: SocketAddr,
    snat: IpAddr,
    sends: Sends,
) {
    let socket = match TcpSocket::new_v4() {
        Ok(s) => s,
        Err(_) => return,
    };
    if socket.bind(SocketAddr::new(snat, 0)).is_err() {
        return;
    }
    let Ok(mut upstream) = socket.connect(backend).await else {
        return;
    };
    if sends == Sends::ProxyV2 && upstream.write_all(&v2_header(peer, local)).await.is_err() {
        return;
    }
    let _ = tokio::io::copy_bidirectional(&mut client, &mut upstream).await;
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::proxy::{Inspection, inspect};
    use tokio::io::AsyncReadExt;

    #[test]
    fn header_carries_the_client() {
        let h = v2_header(
            "127.0.0.1:40000".parse().unwrap(),
            "127.0.0.1:443".parse().unwrap(),
        );
        match inspect(&h) {
            Inspection::Complete(h) => {
                assert_eq!(h.source, Some("127.0.0.1:40000".parse().unwrap()));
                assert_eq!(h.destination, Some("127.0.0.1:443".parse().unwrap()));
            }
            other => panic!("{other:?}"),
        }
    }

    #[tokio::test]
    async fn relays_from_the_snat_address_with_a_header() {
        let backend = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let baddr = backend.local_addr().unwrap();
        let lb = start(baddr, "127.0.0.2".parse().unwrap(), Sends::ProxyV2)
            .await
            .unwrap();
        let mut c = TcpStream::connect(lb.addr).await.unwrap();
        let client_addr = c.local_addr().unwrap();
        c.write_all(b"ping").await.unwrap();
        let (mut s, from) = backend.accept().await.unwrap();
        assert_eq!(from.ip(), "127.0.0.2".parse::<IpAddr>().unwrap());
        let mut buf = vec![0u8; 32];
        let mut got = Vec::new();
        while got.len() < 28 + 4 {
            let n = s.read(&mut buf).await.unwrap();
            assert!(n > 0);
            got.extend_from_slice(&buf[..n]);
        }
        match inspect(&got) {
            Inspection::Complete(h) => assert_eq!(h.source, Some(client_addr)),
            other => panic!("{other:?}"),
        }
        assert_eq!(&got[28..], b"ping");
    }
}
