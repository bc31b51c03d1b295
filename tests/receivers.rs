//! The inspector's claims about receivers, checked against the real ones: for each
//! header, what ppdiag says nginx and HAProxy do (accept as warning, accept in spite of an
//! error, refuse) must be what nginx 1.22 and HAProxy 2.6 actually do on loopback.

mod common;
use common::process::{Guard, free_port, need};
use ppdiag::proxy::{Inspection, inspect};
use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::time::Duration;

fn crc32c(data: &[u8]) -> u32 {
    crc32c::crc32c(data)
}

fn v2(cmd: u8, fam: u8, payload: &[u8]) -> Vec<u8> {
    let mut v = ppdiag::proxy::V2_SIGNATURE.to_vec();
    v.extend_from_slice(&[cmd, fam]);
    v.extend_from_slice(&(payload.len() as u16).to_be_bytes());
    v.extend_from_slice(payload);
    v
}

fn tlv(t: u8, v: &[u8]) -> Vec<u8> {
    let mut out = vec![t];
    out.extend_from_slice(&(v.len() as u16).to_be_bytes());
    out.extend_from_slice(v);
    out
}

fn inet() -> Vec<u8> {
    vec![192, 0, 2, 1, 198, 51, 100, 7, 0x03, 0xe8, 0x01, 0xbb]
}

fn cases() -> Vec<(&'static str, Vec<u8>)> {
    let mut aws = v2(
        0x20,
        0x11,
        &[&[3u8, 0, 4, 0, 0, 0, 0, 4, 0, 74][..], &[0u8; 74]].concat(),
    );
    let c = crc32c(&aws);
    aws[19..23].copy_from_slice(&c.to_be_bytes());
    vec![
        (
            "v1 valid",
            b"PROXY TCP4 192.0.2.1 198.51.100.7 1000 443\r\n".to_vec(),
        ),
        (
            "v1 port 080",
            b"PROXY TCP4 192.0.2.1 198.51.100.7 080 443\r\n".to_vec(),
        ),
        (
            "v1 octet 010",
            b"PROXY TCP4 010.0.2.1 198.51.100.7 80 443\r\n".to_vec(),
        ),
        (
            "v1 v4 in TCP6",
            b"PROXY TCP6 192.0.2.1 198.51.100.7 80 443\r\n".to_vec(),
        ),
        (
            "v1 v6 in TCP4",
            b"PROXY TCP4 2001:db8::1 2001:db8::2 80 443\r\n".to_vec(),
        ),
        (
            "v1 mapped in TCP6",
            b"PROXY TCP6 ::ffff:192.0.2.1 ::ffff:198.51.100.7 80 443\r\n".to_vec(),
        ),
        (
            "v1 port +80",
            b"PROXY TCP4 192.0.2.1 198.51.100.7 +80 443\r\n".to_vec(),
        ),
        (
            "v1 zone id",
            b"PROXY TCP6 fe80::1%eth0 ::1 80 443\r\n".to_vec(),
        ),
        (
            "v1 bare LF",
            b"PROXY TCP4 192.0.2.1 198.51.100.7 80 443\n".to_vec(),
        ),
        (
            "v1 double space",
            b"PROXY TCP4 192.0.2.1  198.51.100.7 80 443\r\n".to_vec(),
        ),
        (
            "v1 UDP4",
            b"PROXY UDP4 192.0.2.1 198.51.100.7 80 443\r\n".to_vec(),
        ),
        (
            "v1 bad address",
            b"PROXY TCP4 192.0.2 198.51.100.7 80 443\r\n".to_vec(),
        ),
        (
            "v1 word address",
            b"PROXY TCP4 invalid invalid 80 443\r\n".to_vec(),
        ),
        (
            "v1 five parts",
            b"PROXY TCP4 1.2.3.4.5 198.51.100.7 80 443\r\n".to_vec(),
        ),
        (
            "v1 octet 256",
            b"PROXY TCP4 256.1.1.1 198.51.100.7 80 443\r\n".to_vec(),
        ),
        (
            "v1 hex octet",
            b"PROXY TCP4 0x7f.0.0.1 198.51.100.7 80 443\r\n".to_vec(),
        ),
        ("v1 bad v6", b"PROXY TCP6 :::1 ::1 80 443\r\n".to_vec()),
        (
            "v1 port 65536",
            b"PROXY TCP4 192.0.2.1 198.51.100.7 65536 443\r\n".to_vec(),
        ),
        ("v2 valid", v2(0x21, 0x11, &inet())),
        (
            "v2 unique 129",
            v2(0x21, 0x11, &[inet(), tlv(5, &[b'u'; 129])].concat()),
        ),
        (
            "v2 authority 256",
            v2(0x21, 0x11, &[inet(), tlv(2, &[b'a'; 256])].concat()),
        ),
        (
            "v2 crc 2 bytes",
            v2(0x21, 0x11, &[inet(), tlv(3, &[0, 0])].concat()),
        ),
        ("v2 LOCAL fam 0x10", v2(0x20, 0x10, &[])),
        ("v2 LOCAL aws nlb", aws),
        ("v2 PROXY fam 0x10", v2(0x21, 0x10, &[])),
        ("v2 PROXY fam 0x41", v2(0x21, 0x41, &inet())),
        (
            "v2 tlv overrun",
            v2(0x21, 0x11, &[inet(), vec![4, 0, 9, 0, 0]].concat()),
        ),
        ("v2 version 1", v2(0x11, 0x11, &inet())),
        ("v2 command 2", v2(0x22, 0x11, &inet())),
        ("v2 length short", v2(0x21, 0x21, &inet())),
    ]
}

/// What ppdiag says about a header, reduced to claims about nginx and HAProxy.
#[derive(Debug)]
struct Claim {
    nginx_accepts: bool,
    haproxy_accepts: bool,
}

fn claim(bytes: &[u8]) -> Claim {
    match inspect(bytes) {
        Inspection::Complete(h) => {
            let rejected: String = h.warnings.iter().map(|w| w.rejected_by).collect();
            let crc_bad = h.crc32c_ok == Some(false);
            Claim {
                nginx_accepts: !rejected.contains("nginx"),
                haproxy_accepts: !rejected.contains("HAProxy") && !crc_bad,
            }
        }
        Inspection::Malformed(m) => Claim {
            nginx_accepts: m.accepted_by.is_some_and(|a| a.contains("nginx")),
            haproxy_accepts: m.accepted_by.is_some_and(|a| a.contains("HAProxy")),
        },
        other => panic!("unexpected {other:?}"),
    }
}

/// Sends `header` + an HTTP/1.0 request; accepted when an HTTP 200 comes back.
fn accepted(port: u16, header: &[u8]) -> bool {
    let Ok(mut s) = TcpStream::connect(("127.0.0.1", port)) else {
        panic!("cannot connect to 127.0.0.1:{port}");
    };
    s.set_read_timeout(Some(Duration::from_secs(3))).unwrap();
    let mut req = header.to_vec();
    req.extend_from_slice(b"GET / HTTP/1.0\r\nHost: x\r\n\r\n");
    let _ = s.write_all(&req);
    let mut buf = Vec::new();
    let _ = s.read_to_end(&mut buf);
    buf.starts_with(b"HTTP/1.1 200")
}

fn start_nginx(dir: &Path, port: u16) -> Guard {
    let conf = format!(
        "worker_processes 1; daemon off; pid {d}/nginx.pid; error_log {d}/error.log;\n\
         events {{ worker_connections 64; }}\n\
         http {{ access_log off; client_body_temp_path {d}; proxy_temp_path {d}; fastcgi_temp_path {d}; uwsgi_temp_path {d}; scgi_temp_path {d};\n\
         server {{ listen 127.0.0.1:{port} proxy_protocol; location / {{ return 200 \"ok\\n\"; }} }} }}\n",
        d = dir.display()
    );
    common::peers::nginx_conf(&conf, &[port], dir)
}

fn start_haproxy(dir: &Path, port: u16) -> Guard {
    let conf = format!(
        "defaults\n  mode http\n  timeout connect 2s\n  timeout client 5s\n  timeout server 5s\n\
         frontend fe\n  bind 127.0.0.1:{port} accept-proxy\n  http-request return status 200 content-type text/plain string ok\n"
    );
    common::peers::haproxy_conf(&conf, &[port], dir)
}

#[test]
fn claims_match_nginx_and_haproxy() {
    if !need("nginx") || !need("haproxy") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let (np, hp) = (free_port(), free_port());
    let _n = start_nginx(dir.path(), np);
    let _h = start_haproxy(dir.path(), hp);
    let mut wrong = Vec::new();
    for (name, bytes) in cases() {
        let c = claim(&bytes);
        let (n, h) = (accepted(np, &bytes), accepted(hp, &bytes));
        if c.nginx_accepts != n || c.haproxy_accepts != h {
            wrong.push(format!(
                "{name}: ppdiag says nginx {} / HAProxy {}, they {} / {}",
                c.nginx_accepts, c.haproxy_accepts, n, h
            ));
        }
    }
    assert!(
        wrong.is_empty(),
        "claims that real receivers contradict:\n{}",
        wrong.join("\n")
    );
}
