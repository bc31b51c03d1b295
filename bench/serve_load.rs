//! Load client for bench/serve.sh: opens connections as fast as it can for a while,
//! each one a PROXY v2 header, then (with `tls`) a TLS 1.3 handshake, then one HTTP
//! request with `Connection: close`, and counts the complete `200` answers.
//!
//! Usage: serve_load ADDR tls|plain SECONDS CONCURRENCY [CA.pem]

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::TcpStream;

fn v2_header(src: SocketAddr, dst: SocketAddr) -> Vec<u8> {
    let mut v = b"\r\n\r\n\0\r\nQUIT\n\x21\x11\x00\x0c".to_vec();
    if let (SocketAddr::V4(s), SocketAddr::V4(d)) = (src, dst) {
        v.extend_from_slice(&s.ip().octets());
        v.extend_from_slice(&d.ip().octets());
        v.extend_from_slice(&s.port().to_be_bytes());
        v.extend_from_slice(&d.port().to_be_bytes());
    }
    v
}

async fn request<S: AsyncRead + AsyncWrite + Unpin>(s: &mut S) -> bool {
    let req = b"GET / HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n";
    if s.write_all(req).await.is_err() {
        return false;
    }
    let mut out = Vec::with_capacity(4096);
    let _ = s.read_to_end(&mut out).await;
    out.starts_with(b"HTTP/1.1 200")
}

async fn one(
    addr: SocketAddr,
    tls: Option<(
        tokio_rustls::TlsConnector,
        rustls::pki_types::ServerName<'static>,
    )>,
) -> bool {
    let Ok(mut s) = TcpStream::connect(addr).await else {
        return false;
    };
    let _ = s.set_nodelay(true);
    let src = s.local_addr().unwrap_or(addr);
    if s.write_all(&v2_header(src, addr)).await.is_err() {
        return false;
    }
    match tls {
        Some((c, name)) => match c.connect(name, s).await {
            Ok(mut t) => request(&mut t).await,
            Err(_) => false,
        },
        None => request(&mut s).await,
    }
}

#[tokio::main]
async fn main() {
    let a: Vec<String> = std::env::args().collect();
    if a.len() < 5 {
        eprintln!("usage: serve_load ADDR tls|plain SECONDS CONCURRENCY [CA.pem]");
        std::process::exit(2);
    }
    let addr: SocketAddr = a[1].parse().expect("ADDR");
    let tls = a[2] == "tls";
    let secs: u64 = a[3].parse().expect("SECONDS");
    let conc: usize = a[4].parse().expect("CONCURRENCY");
    let connector = if tls {
        use rustls::pki_types::{CertificateDer, pem::PemObject};
        let mut roots = rustls::RootCertStore::empty();
        for c in CertificateDer::pem_file_iter(&a[5]).expect("CA.pem") {
            roots.add(c.expect("certificate")).expect("root");
        }
        let cfg = rustls::ClientConfig::builder_with_provider(Arc::new(
            rustls::crypto::ring::default_provider(),
        ))
        .with_protocol_versions(&[&rustls::version::TLS13])
        .expect("TLS 1.3")
        .with_root_certificates(roots)
        .with_no_client_auth();
        let name = rustls::pki_types::ServerName::try_from("localhost").expect("name");
        Some((tokio_rustls::TlsConnector::from(Arc::new(cfg)), name))
    } else {
        None
    };
    let done = Arc::new(AtomicU64::new(0));
    let failed = Arc::new(AtomicU64::new(0));
    let stop = Arc::new(AtomicBool::new(false));
    let start = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..conc {
        let (done, failed, stop, connector) = (
            done.clone(),
            failed.clone(),
            stop.clone(),
            connector.clone(),
        );
        tasks.push(tokio::spawn(async move {
            while !stop.load(Ordering::Relaxed) {
                if one(addr, connector.clone()).await {
                    done.fetch_add(1, Ordering::Relaxed);
                } else {
                    failed.fetch_add(1, Ordering::Relaxed);
                }
            }
        }));
    }
    tokio::time::sleep(Duration::from_secs(secs)).await;
    stop.store(true, Ordering::Relaxed);
    for t in tasks {
        let _ = t.await;
    }
    let el = start.elapsed().as_secs_f64();
    let d = done.load(Ordering::Relaxed);
    println!(
        "{:.0} conn/s ({} ok, {} failed, {:.1} s)",
        d as f64 / el,
        d,
        failed.load(Ordering::Relaxed),
        el
    );
}
