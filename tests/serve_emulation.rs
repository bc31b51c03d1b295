//! Each `--emulate` mode against the real software, same bytes in, same bytes and
//! same ending out: nginx `listen ssl` without proxy_protocol, a Go crypto/tls server
//! (tests/peers/go_tls_server.go, built here with golang-go), and nginx `listen ssl
//! proxy_protocol`.

mod serve_support;
use serve_support::*;
use std::net::SocketAddr;
use std::path::Path;
use std::process::{Command, Stdio};

fn inputs(dst: SocketAddr) -> Vec<(&'static str, Vec<u8>)> {
    let src: SocketAddr = "192.0.2.7:40000".parse().unwrap();
    let hello = client_hello();
    let mut v2 = v2_header(src, dst);
    v2.extend_from_slice(&hello);
    let mut v1 = format!("PROXY TCP4 192.0.2.7 {} 40000 {}\r\n", dst.ip(), dst.port()).into_bytes();
    v1.extend_from_slice(&hello);
    vec![
        ("v2 header + ClientHello", v2),
        ("v1 header + ClientHello", v1),
        ("plain HTTP", b"GET / HTTP/1.1\r\nHost: x\r\n\r\n".to_vec()),
    ]
}

/// Same client-visible bytes (Date aside) and the same ending.
fn compare(real: SocketAddr, emulated: SocketAddr, cases: &[(&str, Vec<u8>)]) {
    for (name, data) in cases {
        let (rb, re) = exchange(real, data);
        let (eb, ee) = exchange(emulated, data);
        assert_eq!(
            without_date(&eb),
            without_date(&rb),
            "{name}: emulated bytes differ from the real server's"
        );
        assert_eq!(
            ee, re,
            "{name}: emulated ending differs from the real server's"
        );
    }
}

#[test]
fn nginx_ssl_without_proxy_protocol() {
    if !have("nginx") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let (cert, key) = write_cert(dir.path());
    let port = free_port();
    let conf = format!(
        "{}http {{\n{}access_log off;\nserver_tokens off;\nserver {{ listen 127.0.0.1:{port} ssl; ssl_certificate {}; ssl_certificate_key {}; return 200 \"ok\\n\"; }}\n}}\n",
        nginx_main(dir.path()),
        nginx_http_paths(dir.path()),
        cert.display(),
        key.display()
    );
    let _n = nginx(dir.path(), &conf);
    let real = SocketAddr::from(([127, 0, 0, 1], port));
    wait_port(real);
    let serve = Serve::start(&["-l", "127.0.0.1:0", "--emulate", "nginx-ssl"], 1);
    let cases = inputs(real);
    compare(real, serve.addr(), &cases);
    // And the real one really is the 400 the knowledge base describes.
    let (bytes, _) = exchange(real, &cases[0].1);
    assert!(bytes.starts_with(b"HTTP/1.1 400 Bad Request\r\n"));
}

#[test]
fn nginx_ssl_proxy_protocol_without_header() {
    if !have("nginx") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let (cert, key) = write_cert(dir.path());
    let port = free_port();
    let conf = format!(
        "{}http {{\n{}access_log off;\nserver_tokens off;\nserver {{ listen 127.0.0.1:{port} ssl proxy_protocol; ssl_certificate {}; ssl_certificate_key {}; return 200 \"ok\\n\"; }}\n}}\n",
        nginx_main(dir.path()),
        nginx_http_paths(dir.path()),
        cert.display(),
        key.display()
    );
    let _n = nginx(dir.path(), &conf);
    let real = SocketAddr::from(([127, 0, 0, 1], port));
    wait_port(real);
    let mut serve = Serve::start(&["-l", "127.0.0.1:0", "--emulate", "nginx-proxy"], 1);
    let cases = vec![
        ("ClientHello without header", client_hello()),
        (
            "plain HTTP without header",
            b"GET / HTTP/1.1\r\nHost: x\r\n\r\n".to_vec(),
        ),
    ];
    compare(real, serve.addr(), &cases);
    let r = serve.record_where(20, |r| r["first_bytes"]["kind"] == "tls-client-hello");
    assert_eq!(r["ending"], "reset");
    assert_eq!(r["findings"][0]["code"], "proxy-header-missing");
    let log = r["emulated_log"].as_str().unwrap();
    assert!(log.contains("broken header: \"\\x16\\x03\\x01"), "{log}");
    let real_log = std::fs::read(dir.path().join("error.log")).unwrap();
    assert!(
        String::from_utf8_lossy(&real_log).contains("broken header: \"\u{16}\u{3}\u{1}"),
        "the real nginx logs the raw bytes"
    );
}

fn build_go_server(dir: &Path) -> std::path::PathBuf {
    let out = dir.join("go_tls_server");
    let status = Command::new("go")
        .args(["build", "-o"])
        .arg(&out)
        .arg(root().join("tests/peers/go_tls_server.go"))
        .env("GO111MODULE", "off")
        .env("GOPATH", "/usr/share/gocode")
        .env("GOCACHE", dir.join("gocache"))
        .env("HOME", dir)
        .status()
        .expect("run go build");
    assert!(status.success(), "go build failed");
    out
}

#[test]
fn go_crypto_tls_without_proxy_support() {
    if !have("go") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let bin = build_go_server(dir.path());
    let (cert, key) = write_cert(dir.path());
    let mut child = Command::new(bin)
        .arg(&cert)
        .arg(&key)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start the Go server");
    let stdout = child.stdout.take().unwrap();
    let _g = Guard(child);
    let mut line = String::new();
    std::io::BufRead::read_line(&mut std::io::BufReader::new(stdout), &mut line).unwrap();
    let real: SocketAddr = line
        .trim()
        .parse()
        .expect("the Go server prints its address");
    wait_port(real);
    let serve = Serve::start(&["-l", "127.0.0.1:0", "--emulate", "go-tls"], 1);
    let cases = inputs(real);
    compare(real, serve.addr(), &cases);
    let (bytes, _) = exchange(real, &cases[0].1);
    assert!(bytes.is_empty(), "Go closes without a byte");
}
