//! `ppdiag serve` behind real peers on loopback: haproxy (`send-proxy`,
//! `send-proxy-v2`, `send-proxy-v2-ssl` with CRC32C and UNIQUE_ID TLVs, LOCAL health
//! checks), nginx stream `proxy_protocol on`, curl `--haproxy-protocol`, and openssl
//! s_client against serve's TLS. Serve must report the exact client addresses.

mod common;
use common::{
    process::{free_port, need, wait_listening},
    serve::*,
};
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::process::Command;
use std::time::Duration;

/// Sends one HTTP request through `front`, returns our local address and the reply.
fn request(front: SocketAddr) -> (SocketAddr, Vec<u8>) {
    let mut s = TcpStream::connect(front).expect("connect");
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    let me = s.local_addr().unwrap();
    s.write_all(b"GET /through HTTP/1.1\r\nHost: example.test\r\n\r\n")
        .unwrap();
    let mut out = Vec::new();
    let _ = s.read_to_end(&mut out);
    (me, out)
}

#[test]
fn haproxy_send_proxy_v1_v2_and_tlvs() {
    if !need("haproxy") {
        return;
    }
    let mut serve = Serve::start(&["-l", "127.0.0.1:0", "--proxy", "required"], 1);
    let backend = serve.addr();
    let dir = tempfile::tempdir().unwrap();
    let ports = [free_port(), free_port(), free_port()];
    let conf = format!(
        "global\n  maxconn 100\ndefaults\n  mode tcp\n  timeout connect 5s\n  timeout client 10s\n  timeout server 10s\n\
         frontend v1\n  bind 127.0.0.1:{}\n  default_backend v1\n\
         frontend v2\n  bind 127.0.0.1:{}\n  default_backend v2\n\
         frontend v2ssl\n  bind 127.0.0.1:{}\n  unique-id-format ppdiag-%rt\n  default_backend v2ssl\n\
         backend v1\n  server s {backend} send-proxy\n\
         backend v2\n  server s {backend} send-proxy-v2 check inter 300ms check-send-proxy\n\
         backend v2ssl\n  server s {backend} send-proxy-v2-ssl proxy-v2-options crc32c,unique-id\n",
        ports[0], ports[1], ports[2]
    );
    let _h = haproxy(dir.path(), &conf);
    for p in ports {
        wait_listening(SocketAddr::from(([127, 0, 0, 1], p)), None);
    }
    for (i, version) in [(0, 1), (1, 2), (2, 2)] {
        let front = SocketAddr::from(([127, 0, 0, 1], ports[i]));
        let (me, reply) = request(front);
        let text = String::from_utf8_lossy(&reply);
        assert!(text.starts_with("HTTP/1.1 200 OK"), "{text}");
        let b = body(&reply);
        let h = &b["proxy"]["header"];
        assert_eq!(h["version"], version, "{b}");
        assert_eq!(h["source"], me.to_string(), "{b}");
        assert_eq!(h["destination"], front.to_string(), "{b}");
        assert_eq!(b["client"], me.to_string());
        assert_eq!(b["http"]["host"], "example.test");
        // The same connection in serve's log.
        let r = serve.record_where(20, |r| r["client"] == me.to_string());
        assert_eq!(r["ok"], true, "{r}");
        assert_eq!(r["proxy"]["addresses_used"], true);
        if i == 2 {
            let tlvs = r["proxy"]["header"]["tlvs"].as_array().unwrap();
            let names: Vec<_> = tlvs.iter().map(|t| t["name"].as_str().unwrap()).collect();
            assert!(names.contains(&"SSL"), "{names:?}");
            assert!(names.contains(&"CRC32C"), "{names:?}");
            assert!(names.contains(&"UNIQUE_ID"), "{names:?}");
            assert_eq!(r["proxy"]["header"]["crc32c_ok"], true);
            let ssl = tlvs.iter().find(|t| t["name"] == "SSL").unwrap();
            assert_eq!(ssl["value"]["ssl"]["ssl"], false, "plain client: {ssl}");
        }
    }
    // HAProxy's health checks with check-send-proxy: v2 LOCAL, counted as such.
    let r = serve.record_where(20, |r| r["proxy"]["header"]["command"] == "local");
    assert_eq!(r["ok"], true, "{r}");
    assert_eq!(
        r["client"], r["peer"],
        "LOCAL: the socket address is the client"
    );
    let codes: Vec<_> = r["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["code"].clone())
        .collect();
    assert_eq!(codes, ["health-check-local"]);
}

#[test]
fn nginx_stream_proxy_protocol_in_front() {
    if !need("nginx") {
        return;
    }
    let mut serve = Serve::start(&["-l", "127.0.0.1:0", "--expect-version", "v1"], 1);
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let conf = format!(
        "load_module /usr/lib/nginx/modules/ngx_stream_module.so;\n{}stream {{ server {{ listen 127.0.0.1:{port}; proxy_pass {}; proxy_protocol on; }} }}\n",
        nginx_main(dir.path()),
        serve.addr()
    );
    let _n = nginx(dir.path(), &conf);
    let front = SocketAddr::from(([127, 0, 0, 1], port));
    wait_listening(front, None);
    // wait_listening's probe is a connection too: find the record that carries our address.
    let (me, reply) = request(front);
    let b = body(&reply);
    assert_eq!(b["proxy"]["header"]["version"], 1);
    assert_eq!(b["client"], me.to_string(), "{b}");
    let r = serve.record_where(20, |r| r["client"] == me.to_string());
    assert_eq!(r["ok"], true, "{r}");
}

#[test]
fn curl_haproxy_protocol_straight_to_serve() {
    if !need("curl") {
        return;
    }
    let mut serve = Serve::start(&["-l", "127.0.0.1:0", "--count", "1"], 1);
    let url = format!("http://{}/hello", serve.addr());
    let out = Command::new("curl")
        .args(["-sS", "--max-time", "10", "--haproxy-protocol", &url])
        .output()
        .expect("run curl");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let b: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON body");
    // curl sends the connection's own addresses in a v1 line.
    assert_eq!(b["proxy"]["header"]["version"], 1);
    assert_eq!(b["proxy"]["header"]["source"], b["peer"]);
    assert_eq!(
        b["proxy"]["header"]["destination"],
        serve.addr().to_string()
    );
    assert_eq!(b["http"]["target"], "/hello");
    let r = serve.record(20);
    assert_eq!(r["ok"], true);
    let (code, rest) = serve.finish(20);
    assert_eq!(code, Some(0));
    assert_eq!(rest.last().unwrap()["type"], "summary");
}

#[test]
fn curl_without_header_to_a_required_port_fails_the_run() {
    if !need("curl") {
        return;
    }
    let serve = Serve::start(&["-l", "127.0.0.1:0", "--count", "1"], 1);
    let url = format!("http://{}/", serve.addr());
    let out = Command::new("curl")
        .args(["-sS", "--max-time", "10", &url])
        .output()
        .expect("run curl");
    assert!(!out.status.success(), "curl gets no reply");
    let (code, rest) = serve.finish(20);
    assert_eq!(code, Some(1));
    let r = &rest[0];
    assert_eq!(r["findings"][0]["code"], "proxy-header-missing", "{r}");
}

#[test]
fn openssl_s_client_sni_alpn_and_pinned_fingerprint() {
    if !need("openssl") {
        return;
    }
    let serve = Serve::start(
        &[
            "-l",
            "127.0.0.1:0",
            "--tls",
            "--proxy",
            "optional",
            "--alpn",
            "http/1.1",
            "--count",
            "1",
            "--expect-sni",
            "example.test",
        ],
        1,
    );
    let fp = serve.listening[0]["certificate"]["sha256"]
        .as_str()
        .unwrap()
        .to_string();
    let script = format!(
        "printf 'GET / HTTP/1.1\\r\\nHost: example.test\\r\\n\\r\\n' | timeout 20 openssl s_client -connect {} -servername example.test -alpn http/1.1 -tls1_3 -showcerts -ign_eof 2>/dev/null > out.txt; openssl x509 -in out.txt -noout -fingerprint -sha256",
        serve.addr()
    );
    let dir = tempfile::tempdir().unwrap();
    let out = Command::new("sh")
        .arg("-c")
        .arg(&script)
        .current_dir(dir.path())
        .output()
        .expect("run openssl");
    let printed = String::from_utf8_lossy(&out.stdout);
    assert!(
        printed.trim().ends_with(&fp),
        "openssl saw {printed}, serve printed {fp}"
    );
    let transcript = std::fs::read_to_string(dir.path().join("out.txt")).unwrap();
    assert!(
        transcript.contains("ALPN protocol: http/1.1"),
        "{transcript}"
    );
    assert!(
        transcript.contains("\"type\": \"connection\""),
        "{transcript}"
    );
    let (code, rest) = serve.finish(20);
    assert_eq!(code, Some(0), "{rest:?}");
    let t = &rest[0]["tls"];
    assert_eq!(t["version"], "TLSv1_3");
    assert_eq!(t["sni"], "example.test");
    assert_eq!(t["alpn"], "http/1.1");
}

#[test]
fn openssl_wrong_sni_fails_the_expectation() {
    if !need("openssl") {
        return;
    }
    let serve = Serve::start(
        &[
            "-l",
            "127.0.0.1:0",
            "--tls",
            "--proxy",
            "optional",
            "--count",
            "1",
            "--expect-sni",
            "example.test",
        ],
        1,
    );
    let script = format!(
        "printf 'GET / HTTP/1.1\\r\\n\\r\\n' | timeout 20 openssl s_client -connect {} -servername other.test >/dev/null 2>&1",
        serve.addr()
    );
    let _ = Command::new("sh").arg("-c").arg(&script).status();
    let (code, rest) = serve.finish(20);
    assert_eq!(code, Some(1));
    let e = &rest[0]["expectations"][0];
    assert_eq!(e["name"], "sni");
    assert_eq!(e["ok"], false);
    assert_eq!(e["actual"], "other.test");
}
