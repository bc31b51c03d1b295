//! Bounded load and robustness: 2,000 PROXY v2 + HTTP connections, 200 at a time,
//! while 50 slowloris connections hold half a header; every connection is logged, none
//! lost, and the slowloris ones do not hold up the rest. Also garbage, UDP, SIGTERM.

mod common;
use common::serve::*;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream, UdpSocket};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

const GOOD: usize = 2000;
const CONCURRENT: usize = 200;
const SLOW: usize = 50;

fn one(addr: SocketAddr, i: usize) -> bool {
    let Ok(mut s) = TcpStream::connect(addr) else {
        return false;
    };
    let _ = s.set_read_timeout(Some(Duration::from_secs(30)));
    let src = SocketAddr::from(([192, 0, 2, (i % 250) as u8 + 1], 10_000 + i as u16));
    let mut data = v2_header(src, addr);
    data.extend_from_slice(format!("GET /{i} HTTP/1.1\r\nHost: load\r\n\r\n").as_bytes());
    if s.write_all(&data).is_err() {
        return false;
    }
    let mut out = Vec::new();
    let _ = s.read_to_end(&mut out);
    out.starts_with(b"HTTP/1.1 200 OK")
}

#[test]
fn two_thousand_connections_with_slowloris_none_lost() {
    let total = GOOD + SLOW;
    let mut serve = Serve::start(
        &[
            "-l",
            "127.0.0.1:0",
            "--count",
            &total.to_string(),
            "--header-timeout",
            "60s",
            "--max-connections",
            "1000",
        ],
        1,
    );
    let addr = serve.addr();
    // 50 connections that send half a v2 header and then nothing.
    let half = &v2_header("192.0.2.1:1".parse().unwrap(), addr)[..14];
    let slow: Vec<TcpStream> = (0..SLOW)
        .map(|_| {
            let mut s = TcpStream::connect(addr).unwrap();
            s.write_all(half).unwrap();
            s
        })
        .collect();
    // 2,000 good ones, 200 at a time.
    let next = Arc::new(AtomicUsize::new(0));
    let ok = Arc::new(AtomicUsize::new(0));
    let workers: Vec<_> = (0..CONCURRENT)
        .map(|_| {
            let (next, ok) = (next.clone(), ok.clone());
            std::thread::spawn(move || {
                loop {
                    let i = next.fetch_add(1, Ordering::SeqCst);
                    if i >= GOOD {
                        break;
                    }
                    if one(addr, i) {
                        ok.fetch_add(1, Ordering::SeqCst);
                    }
                }
            })
        })
        .collect();
    for w in workers {
        w.join().unwrap();
    }
    assert_eq!(
        ok.load(Ordering::SeqCst),
        GOOD,
        "every good client got its 200"
    );
    // All good connections are recorded while the slowloris ones still hold.
    let mut targets = std::collections::HashSet::new();
    for _ in 0..GOOD {
        let r = serve.record(60);
        assert_eq!(r["ok"], true, "{r}");
        assert!(
            r["http"]["target"].as_str().unwrap().starts_with('/'),
            "{r}"
        );
        targets.insert(r["http"]["target"].as_str().unwrap().to_string());
    }
    assert_eq!(targets.len(), GOOD, "each connection logged exactly once");
    drop(slow);
    let (code, rest) = serve.finish(60);
    let slow_records: Vec<_> = rest.iter().filter(|r| r["type"] == "connection").collect();
    assert_eq!(
        slow_records.len(),
        SLOW,
        "every slowloris connection logged"
    );
    for r in &slow_records {
        assert_eq!(r["findings"][0]["code"], "proxy-header-incomplete", "{r}");
    }
    let summary = rest.last().unwrap();
    assert_eq!(summary["type"], "summary");
    assert_eq!(summary["connections"], total as u64);
    assert_eq!(summary["ok"], GOOD as u64);
    assert_eq!(code, Some(1), "the incomplete headers are problems");
}

#[test]
fn garbage_and_big_inputs_are_judged_not_fatal() {
    let serve = Serve::start(
        &[
            "-l",
            "127.0.0.1:0",
            "--count",
            "4",
            "--header-timeout",
            "3s",
        ],
        1,
    );
    let addr = serve.addr();
    let (_, _) = exchange(addr, &[0xffu8; 70_000]);
    let (_, _) = exchange(addr, b"\r\n\r\n\0\r\nQUIT\n\x21\x11\xff\xff");
    let mut huge = b"\r\n\r\n\0\r\nQUIT\n\x21\x11\xff\xff".to_vec();
    huge.extend(std::iter::repeat_n(0x04u8, 70_000));
    let (_, _) = exchange(addr, &huge);
    let (_, _) = exchange(addr, b"PROXY TCP4 1.2.3.4 5.6.7.8 1 2\n");
    let (code, rest) = serve.finish(30);
    assert_eq!(code, Some(1));
    let codes: Vec<_> = rest
        .iter()
        .filter(|r| r["type"] == "connection")
        .map(|r| {
            r["findings"][0]["code"]
                .as_str()
                .unwrap_or("none")
                .to_string()
        })
        .collect();
    assert_eq!(
        codes,
        [
            "proxy-header-missing",
            "proxy-header-incomplete",
            "proxy-header-malformed",
            "proxy-header-malformed"
        ],
        "{rest:?}"
    );
}

#[test]
fn udp_datagrams_with_v2_headers() {
    let serve = Serve::start(
        &[
            "-l",
            "127.0.0.1:0",
            "--udp",
            "--reply",
            "echo",
            "--count",
            "2",
            "--expect-source",
            "198.51.100.0/24",
        ],
        2,
    );
    let udp: SocketAddr = serve.listening[1]["address"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    assert_eq!(serve.listening[1]["transport"], "udp");
    let sock = UdpSocket::bind("127.0.0.1:0").unwrap();
    sock.set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    let mut dgram = v2_header("198.51.100.9:5353".parse().unwrap(), udp);
    dgram[13] = 0x12; // INET, DGRAM
    dgram.extend_from_slice(b"ping");
    sock.send_to(&dgram, udp).unwrap();
    let mut buf = [0u8; 100];
    let n = sock.recv(&mut buf).unwrap();
    assert_eq!(
        &buf[..n],
        b"ping",
        "the payload is echoed without the header"
    );
    sock.send_to(b"no header", udp).unwrap();
    let (code, rest) = serve.finish(20);
    assert_eq!(code, Some(1));
    assert_eq!(rest[0]["transport"], "udp");
    assert_eq!(rest[0]["client"], "198.51.100.9:5353");
    assert_eq!(rest[0]["ok"], true);
    assert_eq!(rest[1]["findings"][0]["code"], "proxy-header-missing");
}

#[test]
fn sigterm_drains_and_summarises() {
    let mut serve = Serve::start(&["-l", "127.0.0.1:0", "--proxy", "optional"], 1);
    let (bytes, _) = exchange(serve.addr(), b"GET / HTTP/1.1\r\n\r\n");
    assert!(bytes.starts_with(b"HTTP/1.1 200 OK"));
    let _ = serve.record(20);
    serve.terminate();
    let (code, rest) = serve.finish(30);
    assert_eq!(code, Some(0));
    let s = rest.last().unwrap();
    assert_eq!(s["type"], "summary");
    assert_eq!(s["interrupted"], true);
    assert_eq!(s["connections"], 1);
}

#[test]
fn bad_arguments_exit_2() {
    for args in [
        vec!["--name", "x"],
        vec!["--trusted", "10.0.0.0/40"],
        vec!["--header-timeout", "25h"],
        vec!["--expect-tlv", "nope"],
        vec!["--listen", "127.0.0.1"],
    ] {
        let o = std::process::Command::new(env!("CARGO_BIN_EXE_ppdiag"))
            .arg("serve")
            .args(&args)
            .output()
            .unwrap();
        assert_eq!(o.status.code(), Some(2), "{args:?}");
        assert!(!o.stderr.is_empty());
    }
}
