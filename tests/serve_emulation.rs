//! Each `--emulate` mode against the real software, same bytes in, same bytes and
//! same ending out: nginx `listen ssl` without proxy_protocol, a Go crypto/tls server
//! (tests/peers/go_tls_server.go, built here with golang-go), and nginx `listen ssl
//! proxy_protocol`.

mod common;
use common::{
    process::{Guard, free_port, need, wait_listening},
    root,
    serve::*,
};
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
    if !need("nginx") {
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
    wait_listening(real, None);
    let mut serve = Serve::start(&["-l", "127.0.0.1:0", "--emulate", "nginx-ssl"], 1);
    let cases = inputs(real);
    compare(real, serve.addr(), &cases);
    // And the real one really is the 400 the knowledge base describes.
    let (bytes, _) = exchange(real, &cases[0].1);
    assert!(bytes.starts_with(b"HTTP/1.1 400 Bad Request\r\n"));
    // The emulated log line is the one nginx writes for the same bytes (nginx 1.22
    // writes them raw: a v2 header logs a NUL; the record escapes it).
    let real_log = std::fs::read(dir.path().join("error.log")).unwrap();
    let real_lines: Vec<String> = real_log
        .split(|b| *b == b'\n')
        .filter(|l| l.windows(12).any(|w| w == b"client sent "))
        .map(nginx_line)
        .collect();
    // Records may come in another order than the cases were sent: compare the sets.
    let mut emulated: Vec<String> = cases
        .iter()
        .map(|_| {
            let r = serve.record(20);
            r["emulated_log"].as_str().unwrap_or("(none)").to_string()
        })
        .collect();
    // The first lines are those of `compare` (the 400 check above adds one more).
    let mut real_sorted = real_lines[..cases.len().min(real_lines.len())].to_vec();
    emulated.sort();
    real_sorted.sort();
    let names: Vec<&str> = cases.iter().map(|(n, _)| *n).collect();
    assert_eq!(emulated, real_sorted, "the log lines differ ({names:?})");
}

/// An nginx error.log line without its time, pid and connection number, bytes escaped
/// as serve's records escape them: `[info] client sent ...`.
fn nginx_line(raw: &[u8]) -> String {
    // Printable ASCII as is (nginx's quotes are its own), other bytes as \xNN.
    let text: String = raw
        .iter()
        .map(|b| match b {
            0x20..=0x7e => (*b as char).to_string(),
            _ => format!("\\x{b:02x}"),
        })
        .collect();
    let level = text.find(" [").expect("a level");
    let conn = text.find(": *").expect("a connection number");
    let after = text[conn + 3..].find(' ').unwrap() + conn + 4;
    let lvl_end = text[level..].find(']').unwrap() + level + 1;
    format!("{} {}", &text[level + 1..lvl_end], &text[after..])
}

#[test]
fn nginx_ssl_proxy_protocol_without_header() {
    if !need("nginx") {
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
    wait_listening(real, None);
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
    let real_line = real_log
        .split(|b| *b == b'\n')
        .find(|l| l.windows(14).any(|w| w == b"broken header:"))
        .map(nginx_line)
        .expect("a broken header line");
    // nginx cuts the bytes at its own limit and names the listen address as server.
    let (want_head, _) = real_line.split_once("broken header: \"").unwrap();
    let (got_head, _) = log.split_once("broken header: \"").unwrap();
    assert_eq!(got_head, want_head);
    let tail = |l: &str| {
        l.rsplit_once("\" while reading")
            .map(|(_, t)| t.to_string())
    };
    assert_eq!(
        tail(log).map(|t| t.split(", server").next().unwrap().to_string()),
        tail(&real_line).map(|t| t.split(", server").next().unwrap().to_string()),
        "{log}\n{real_line}"
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
    if !need("go") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let bin = build_go_server(dir.path());
    let (cert, key) = write_cert(dir.path());
    let go_log = dir.path().join("go.log");
    let mut child = Command::new(bin)
        .arg(&cert)
        .arg(&key)
        .stdout(Stdio::piped())
        .stderr(std::fs::File::create(&go_log).unwrap())
        .spawn()
        .expect("start the Go server");
    let stdout = child.stdout.take().unwrap();
    let _g = Guard::from_child("go server", child);
    let mut line = String::new();
    std::io::BufRead::read_line(&mut std::io::BufReader::new(stdout), &mut line).unwrap();
    let real: SocketAddr = line
        .trim()
        .parse()
        .expect("the Go server prints its address");
    wait_listening(real, None);
    let mut serve = Serve::start(&["-l", "127.0.0.1:0", "--emulate", "go-tls"], 1);
    let cases = inputs(real);
    compare(real, serve.addr(), &cases);
    let (bytes, _) = exchange(real, &cases[0].1);
    assert!(bytes.is_empty(), "Go closes without a byte");
    // The emulated log lines are the ones Go writes for the same bytes (addresses aside).
    let strip_port = |l: &str| {
        let mut out = String::new();
        let mut rest = l;
        while let Some(i) = rest.find("127.0.0.1:") {
            out.push_str(&rest[..i + 10]);
            rest = rest[i + 10..].trim_start_matches(|c: char| c.is_ascii_digit());
            out.push('-');
        }
        out.push_str(rest);
        out
    };
    let mut emulated = Vec::new();
    for _ in &cases {
        let r = serve.record(20);
        if let Some(l) = r["emulated_log"].as_str() {
            emulated.push(strip_port(l));
        }
    }
    let real_log = std::fs::read_to_string(&go_log).unwrap();
    // wait_port's connection and the extra exchange above add lines of their own.
    let real: Vec<String> = real_log
        .lines()
        .filter(|l| l.contains("first record"))
        .map(strip_port)
        .collect();
    assert!(!emulated.is_empty());
    for (i, e) in emulated.iter().enumerate() {
        assert_eq!(e, &real[i], "Go log line {i}:\n{real_log}");
    }
}
