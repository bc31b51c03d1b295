//! `ppdiag send` end to end: HAProxy `accept-proxy` and go-proxyproto (Traefik's
//! library) decode exactly the header send built — addresses and every named TLV —
//! CRC32C is checked by HAProxy, deliberate faults are refused, TLS and netcat-style
//! bridging work.

mod common;
use common::peers;

use common::process::*;
use peers::*;
use serde_json::Value;

fn send(args: &[&str]) -> (i32, Value) {
    let mut a = vec!["send", "--timeout", "3"];
    a.extend_from_slice(args);
    ppdiag_json(&a)
}

fn reply(v: &Value) -> String {
    v["reply"].as_str().unwrap_or_default().to_string()
}

fn haproxy_echo(c: &Certs) -> (u16, u16, Guard) {
    let (p, ps) = (free_port(), free_port());
    let echo = "http-request return status 200 content-type text/plain lf-string \"src=%[src]:%[src_port] dst=%[dst]:%[dst_port] authority=%[fc_pp_authority] uid=%[fc_pp_unique_id] tls=%[ssl_fc_protocol]\\n\"";
    let cfg = format!(
        "frontend pp\n  bind 127.0.0.1:{p} accept-proxy\n  {echo}\n\
         frontend pps\n  bind 127.0.0.1:{ps} accept-proxy ssl crt {}\n  {echo}\n",
        c.combined.display()
    );
    let g = haproxy(&cfg, &[p, ps], c.dir.path());
    (p, ps, g)
}

#[test]
fn haproxy_decodes_what_send_built() {
    if !need("haproxy") {
        return;
    }
    let c = certs();
    let (p, ps, _g) = haproxy_echo(&c);
    let t = format!("127.0.0.1:{p}");

    // v2 with addresses, AUTHORITY, UNIQUE_ID and a CRC32C that HAProxy verifies.
    let (code, v) = send(&[
        &t,
        "--proxy",
        "v2",
        "--src",
        "203.0.113.7:51000",
        "--dst",
        "198.51.100.2:443",
        "--authority",
        "api.example.com",
        "--unique-id",
        "req-42",
        "--crc32c",
        "--http",
        "GET",
        "/",
    ]);
    let r = reply(&v);
    assert!(r.contains("HTTP/1.1 200"), "{v:#}");
    assert!(
        r.contains("src=203.0.113.7:51000 dst=198.51.100.2:443"),
        "{r}"
    );
    assert!(r.contains("authority=api.example.com uid=req-42"), "{r}");
    assert_eq!(code, 0);
    assert_eq!(v["header"]["state"], "complete");
    assert_eq!(v["header"]["header"]["crc32c_ok"], true);
    assert!(
        v["header_hex"]
            .as_str()
            .unwrap()
            .starts_with("0d0a0d0a000d0a515549540a2111")
    );

    // IPv6 addresses in v1.
    let (_, v) = send(&[
        &t,
        "--proxy",
        "v1",
        "--src",
        "[2001:db8::7]:40000",
        "--dst",
        "[2001:db8::1]:443",
        "--http",
        "GET",
        "/",
    ]);
    assert!(
        reply(&v).contains("src=2001:db8::7:40000 dst=2001:db8::1:443"),
        "{v:#}"
    );

    // Default addresses: the socket's own.
    let (_, v) = send(&[&t, "--proxy", "v1", "--http", "GET", "/"]);
    let local = v["local"].as_str().unwrap().to_string();
    assert!(reply(&v).contains(&format!("src={local}")), "{v:#}");

    // A wrong CRC32C, a broken signature, a length past the end and a TLV running past
    // the header are all refused: HAProxy closes.
    for fault in [
        ["--crc32c", "--break", "crc"],
        ["--break", "signature", "--hex"],
        ["--break", "length", "--hex"],
        ["--break", "tlv", "--hex"],
    ] {
        let mut args = vec![t.as_str(), "--proxy", "v2"];
        args.extend_from_slice(&fault);
        args.extend_from_slice(&["--http", "GET", "/"]);
        let (code, v) = send(&args);
        assert!(!reply(&v).contains("200"), "{fault:?}: {v:#}");
        assert!(
            matches!(
                v["outcome"]["kind"].as_str(),
                Some("closed-silently" | "reset")
            ),
            "{fault:?}: {v:#}"
        );
        assert_eq!(code, 1, "{fault:?}");
    }

    // TLS after the header.
    let (code, v) = send(&[
        &format!("127.0.0.1:{ps}"),
        "--proxy",
        "v2",
        "--tls",
        "--sni",
        "localhost",
        "--http",
        "GET",
        "/",
    ]);
    assert_eq!(v["outcome"]["kind"], "tls-accepted", "{v:#}");
    assert!(v["tls"]["version"].as_str().unwrap().starts_with("TLSv1."));
    assert!(reply(&v).contains("tls=TLSv1.3"), "{v:#}");
    assert_eq!(code, 0);
}

#[test]
fn go_proxyproto_decodes_every_named_tlv() {
    let Some(bin) = go_server_binary() else {
        return;
    };
    let p = free_port();
    let _g = go_server(&bin, p, None, "use");
    let t = format!("127.0.0.1:{p}");
    let (code, v) = send(&[
        &t,
        "--proxy",
        "v2",
        "--src",
        "192.0.2.10:1234",
        "--dst",
        "192.0.2.20:443",
        "--aws-vpce",
        "vpce-0123456789abcdef0",
        "--azure-linkid",
        "0x01020304",
        "--gcp-psc",
        "42",
        "--authority",
        "api.example.com",
        "--alpn-tlv",
        "h2",
        "--unique-id",
        "hex:00ff",
        "--netns",
        "blue",
        "--ssl-client",
        "7",
        "--ssl-version",
        "TLSv1.3",
        "--ssl-cn",
        "client",
        "--tlv",
        "0xE5=hex:beef",
        "--crc32c",
        "--http",
        "GET",
        "/",
    ]);
    let r = reply(&v);
    assert!(
        r.contains("proxy=v2 cmd=PROXY src=192.0.2.10:1234 dst=192.0.2.20:443"),
        "{v:#}"
    );
    let expected = [
        format!("EA:01{}", hex("vpce-0123456789abcdef0")),
        "EE:0104030201".to_string(),
        "E0:000000000000002a".to_string(),
        format!("02:{}", hex("api.example.com")),
        format!("01:{}", hex("h2")),
        "05:00ff".to_string(),
        format!("30:{}", hex("blue")),
        format!(
            "20:0700000000210007{}220006{}",
            hex("TLSv1.3"),
            hex("client")
        ),
        "E5:beef".to_string(),
    ];
    let tlvs = r.split("tlvs=").nth(1).unwrap().split(' ').next().unwrap();
    let got: Vec<&str> = tlvs.split(',').collect();
    assert_eq!(got.len(), expected.len() + 1, "{tlvs}");
    for (g, e) in got.iter().zip(&expected) {
        assert_eq!(g, e);
    }
    assert!(got.last().unwrap().starts_with("03:"), "{tlvs}");
    assert_eq!(code, 0);
    // Our own inspector reads the same back.
    let names: Vec<&str> = v["header"]["header"]["tlvs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        [
            "AWS",
            "AZURE",
            "GCP_PSC",
            "AUTHORITY",
            "ALPN",
            "UNIQUE_ID",
            "NETNS",
            "SSL",
            "CUSTOM",
            "CRC32C"
        ]
    );

    // LOCAL: a health check.
    let (_, v) = send(&[&t, "--local", "--http", "GET", "/"]);
    assert!(reply(&v).contains("proxy=v2 cmd=LOCAL"), "{v:#}");
}

/// The README's claim about go-proxyproto and the AWS NLB health check, tested against
/// Debian's go-proxyproto 0.4.2 with both policies: it ACCEPTS the header (LOCAL, family
/// 0x11, length 84, no address block) and serves the request on the socket addresses,
/// but reads the first 12 bytes of the TLVs as an address block, so its `TLVs()` is
/// wrong: AWS's order (CRC32C, then NOOP) gives zero-length type-0 TLVs and no CRC32C;
/// `send`'s order (NOOP, then CRC32C) gives `proxyproto: truncated TLV`.
#[test]
fn go_proxyproto_accepts_the_aws_nlb_health_check_but_misreads_its_tlvs() {
    let Some(bin) = go_server_binary() else {
        return;
    };
    for policy in ["use", "require"] {
        let p = free_port();
        let _g = go_server(&bin, p, None, policy);
        // AWS's bytes: CRC32C first, then a 74-byte NOOP.
        let mut h = b"\r\n\r\n\0\r\nQUIT\n\x20\x11\x00\x54".to_vec();
        h.extend_from_slice(&[0x03, 0x00, 0x04, 0, 0, 0, 0, 0x04, 0x00, 74]);
        h.extend(std::iter::repeat_n(0u8, 74));
        let crc = crc32c::crc32c(&h);
        h[19..23].copy_from_slice(&crc.to_be_bytes());
        h.extend_from_slice(b"GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
        let mut s = std::net::TcpStream::connect(("127.0.0.1", p)).unwrap();
        s.set_read_timeout(Some(std::time::Duration::from_secs(10)))
            .unwrap();
        std::io::Write::write_all(&mut s, &h).unwrap();
        let mut out = String::new();
        let _ = std::io::Read::read_to_string(&mut s, &mut out);
        assert!(out.starts_with("HTTP/1.1 200 OK"), "{policy}: {out}");
        let body = out.split("\r\n\r\n").nth(1).unwrap();
        assert!(
            body.starts_with("proxy=v2 cmd=LOCAL tlvs=00:,00:"),
            "{policy}: {body}"
        );
        assert!(!body.contains("03:"), "no CRC32C found: {body}");
        // ppdiag send's form of it: NOOP first, then CRC32C.
        let noop = format!("4=hex:{}", "00".repeat(74));
        let t = format!("127.0.0.1:{p}");
        let (_, v) = send(&[
            &t, "--local", "--family", "inet", "--crc32c", "--tlv", &noop, "--http", "GET", "/",
        ]);
        let r = reply(&v);
        assert!(r.starts_with("HTTP/1.1 200 OK"), "{policy}: {r}");
        assert!(
            r.contains("cmd=LOCAL tlvs=error:proxyproto:_truncated_TLV"),
            "{policy}: {r}"
        );
        // `--like aws-nlb-health-check` sends AWS's own bytes: the same misreading as
        // the hand-built copy above.
        let (_, v) = send(&[&t, "--like", "aws-nlb-health-check", "--http", "GET", "/"]);
        assert_eq!(v["header_hex"].as_str().unwrap().len(), 200, "{v:#}");
        let r = reply(&v);
        assert!(
            r.contains("proxy=v2 cmd=LOCAL tlvs=00:,00:"),
            "{policy}: {r}"
        );
        assert_eq!(v["header"]["header"]["family_byte"], 17, "{v:#}");
        assert_eq!(v["header"]["header"]["crc32c_ok"], true, "{v:#}");
    }
}

fn hex(s: &str) -> String {
    s.bytes().map(|b| format!("{b:02x}")).collect()
}

#[test]
fn bridges_stdin_and_stdout_like_netcat() {
    let Some(bin) = go_server_binary() else {
        return;
    };
    let p = free_port();
    let _g = go_server(&bin, p, None, "require");
    let o = assert_cmd::Command::cargo_bin("ppdiag")
        .unwrap()
        .args([
            "send",
            &format!("127.0.0.1:{p}"),
            "--proxy",
            "v1",
            "--src",
            "192.0.2.1:5555",
            "--dst",
            "192.0.2.2:80",
            "--timeout",
            "3",
        ])
        .env("NO_COLOR", "1")
        .write_stdin("GET / HTTP/1.0\r\n\r\n")
        .timeout(std::time::Duration::from_secs(30))
        .output()
        .unwrap();
    let out = String::from_utf8_lossy(&o.stdout);
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        out.starts_with("HTTP/1.0 200 OK"),
        "stdout: {out}\nstderr: {err}"
    );
    assert!(
        out.contains("proxy=v1 cmd=PROXY src=192.0.2.1:5555 dst=192.0.2.2:80"),
        "{out}"
    );
    // The report goes to stderr while bridging.
    assert!(
        err.contains("header sent:") && err.contains("plaintext reply"),
        "{err}"
    );
    assert_eq!(o.status.code(), Some(0));
}

#[test]
fn refused_and_bad_arguments() {
    let closed = free_port();
    let (code, v) = send(&[&format!("127.0.0.1:{closed}"), "--http", "GET", "/"]);
    assert_eq!(v["outcome"]["kind"], "refused");
    assert_eq!(v["findings"][0]["code"], "connection-refused");
    assert_eq!(code, 1);
    for args in [
        vec!["send", "127.0.0.1:1", "--proxy", "v1", "--authority", "x"],
        vec!["send", "127.0.0.1:1", "--proxy", "v1", "--break", "crc"],
        vec!["send", "127.0.0.1:1", "--proxy", "none", "--local"],
        vec![
            "send",
            "127.0.0.1:1",
            "--src",
            "127.0.0.1:1",
            "--dst",
            "[::1]:2",
        ],
        vec!["send", "127.0.0.1:1", "--http", "GET", "nopath"],
        vec!["send", "127.0.0.1:1", "--azure-linkid", "0x1ffffffff"],
        vec!["send", "name.invalid:80"],
    ] {
        let (code, _, err) = ppdiag_text(&args);
        assert_eq!(code, 2, "{args:?}: {err}");
    }
}

#[test]
fn udp_datagram_carries_header_and_payload() {
    let sock = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
    let port = sock.local_addr().unwrap().port();
    sock.set_read_timeout(Some(std::time::Duration::from_secs(10)))
        .unwrap();
    let echo = std::thread::spawn(move || {
        let mut buf = [0u8; 2048];
        if let Ok((n, from)) = sock.recv_from(&mut buf) {
            let _ = sock.send_to(&buf[..n], from);
            return buf[..n].to_vec();
        }
        Vec::new()
    });
    let (code, v) = send(&[
        &format!("127.0.0.1:{port}"),
        "--udp",
        "--src",
        "198.51.100.9:5353",
        "--dst",
        "10.0.0.1:53",
        "--data",
        "hex:00010203",
    ]);
    let got = echo.join().unwrap();
    // One datagram: the v2 header (family INET, transport DGRAM) then the payload.
    assert_eq!(got[12..14], [0x21, 0x12], "{got:02x?}");
    assert!(got.ends_with(&[0, 1, 2, 3]));
    assert_eq!(v["header"]["header"]["transport"], "dgram", "{v:#}");
    assert_eq!(v["header"]["header"]["source"], "198.51.100.9:5353");
    assert_eq!(v["reply_bytes"].as_u64().unwrap() as usize, got.len());
    assert_eq!(code, 0, "{v:#}");

    // Nothing listens: the port-unreachable comes back as a refusal.
    let closed = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
    let port = closed.local_addr().unwrap().port();
    drop(closed);
    let (code, v) = send(&[&format!("127.0.0.1:{port}"), "--udp", "--data", "x"]);
    assert_eq!(v["outcome"]["kind"], "refused", "{v:#}");
    assert_eq!(code, 1);
}

#[test]
fn data_instead_of_stdin() {
    let Some(bin) = go_server_binary() else {
        return;
    };
    let p = free_port();
    let _g = go_server(&bin, p, None, "require");
    let (code, v) = send(&[
        &format!("127.0.0.1:{p}"),
        "--proxy",
        "v2",
        "--data",
        "GET / HTTP/1.0\r\n\r\n",
    ]);
    assert!(reply(&v).contains("proxy=v2 cmd=PROXY"), "{v:#}");
    assert_eq!(code, 0);
}

/// An ALPN mismatch (OpenSSL `s_server -alpn`, alert 120) and a TLS 1.3-only server
/// (alert 70 to a client that offers at most TLS 1.2, as `openssl s_client -tls1_2`
/// prints) get their own causes and fixes, not "unrelated to PROXY".
#[test]
fn alpn_mismatch_and_tls13_only_are_named() {
    if !need("openssl") {
        return;
    }
    let c = certs();
    let p = free_port();
    let _g = s_server(p, &c.cert, &c.key, &["-alpn", "foo"]);
    let (code, v) = send(&[
        &format!("127.0.0.1:{p}"),
        "--proxy",
        "none",
        "--tls",
        "--alpn",
        "h2",
        "--http",
        "GET",
        "/",
    ]);
    assert_eq!(code, 1, "{v:#}");
    let f = &v["findings"][0];
    assert_eq!(f["code"], "tls-handshake-failed", "{v:#}");
    assert!(f["summary"].as_str().unwrap().contains("ALPN"), "{v:#}");
    assert!(f["fixes"][0].as_str().unwrap().contains("--alpn"), "{v:#}");
    // The wording for alert 70, checked beside a real TLS 1.3-only server's alert.
    let p13 = free_port();
    let _g13 = s_server(p13, &c.cert, &c.key, &["-tls1_3"]);
    let out = std::process::Command::new("openssl")
        .args([
            "s_client",
            "-connect",
            &format!("127.0.0.1:{p13}"),
            "-tls1_2",
        ])
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap();
    let said = String::from_utf8_lossy(&out.stderr).to_string();
    assert!(said.contains("alert number 70"), "{said}");
    let o = common::ppdiag(&["explain", "tlsv1 alert protocol version"]);
    assert!(
        common::stdout(&o).contains("tls-handshake-failed"),
        "{}",
        common::stdout(&o)
    );
}
