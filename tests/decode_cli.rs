//! `ppdiag decode` end to end: formats, stdin, filters, broken and odd captures, exit codes.

mod common;
use common::*;
use serde_json::Value;

fn path(name: &str) -> String {
    root()
        .join("testdata/captures")
        .join(name)
        .display()
        .to_string()
}

fn bytes(name: &str) -> Vec<u8> {
    std::fs::read(path(name)).unwrap()
}

fn json(o: &std::process::Output) -> Value {
    serde_json::from_slice(&o.stdout).unwrap_or_else(|e| panic!("not JSON ({e}): {}", stderr(o)))
}

/// Writes `data` to a temporary file and returns it (kept alive by the handle).
fn temp(data: &[u8], ext: &str) -> tempfile::NamedTempFile {
    let f = tempfile::Builder::new().suffix(ext).tempfile().unwrap();
    std::fs::write(f.path(), data).unwrap();
    f
}

/// Record boundaries of a little-endian pcap: (offset, length) of each record.
fn records(pcap: &[u8]) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut at = 24;
    while at + 16 <= pcap.len() {
        let caplen = u32::from_le_bytes(pcap[at + 8..at + 12].try_into().unwrap()) as usize;
        out.push((at, 16 + caplen));
        at += 16 + caplen;
    }
    out
}

#[test]
fn ndjson_is_one_line_per_conversation_then_the_servers_then_the_summary() {
    let o = ppdiag(&[
        "decode",
        "--format",
        "ndjson",
        &path("haproxy-v2-nginx-ssl.pcap"),
    ]);
    assert_eq!(o.status.code(), Some(1));
    let lines: Vec<Value> = stdout(&o)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let (summary, rest) = lines.split_last().unwrap();
    let (servers, flows) = rest.split_last().unwrap();
    assert!(servers["servers"].is_array(), "{servers}");
    assert_eq!(flows.len(), 6);
    assert!(
        flows
            .iter()
            .all(|f| f["client"].is_string() && f["findings"].is_array())
    );
    assert_eq!(summary["summary"]["flows"], 6);
    assert_eq!(summary["summary"]["linked_pairs"], 3);
}

#[test]
fn stdin_reads_the_same_as_the_file() {
    let from_file = json(&ppdiag(&[
        "decode",
        "--format",
        "json",
        &path("haproxy-v2-go.pcap"),
    ]));
    let o = ppdiag_stdin(
        &["decode", "--format", "json", "-"],
        &bytes("haproxy-v2-go.pcap"),
    );
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(json(&o)["flows"], from_file["flows"]);
}

#[test]
fn text_shows_counts_then_the_worst_conversations() {
    let o = ppdiag(&["decode", &path("direct-mistakes.pcap")]);
    assert_eq!(o.status.code(), Some(1));
    let out = stdout(&o);
    assert!(out.contains("4 conversation(s) (4 TCP, 0 UDP)"), "{out}");
    assert!(out.contains("worst conversations first:"), "{out}");
    for code in [
        "proxy-header-missing",
        "plaintext-to-tls-port",
        "tls-to-plaintext-port",
        "proxy-header-not-expected",
    ] {
        assert!(out.contains(code), "{code}: {out}");
    }
    assert!(!out.contains('\x1b'));
    // Nothing wrong: exit 0, no worst list.
    let o = ppdiag(&["decode", &path("ipv6.pcap")]);
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
    assert!(stdout(&o).contains("no problem found"));
    assert!(!stdout(&o).contains("worst conversations"));
    // --all lists healthy conversations too.
    let o = ppdiag(&["decode", "--all", &path("ipv6.pcap")]);
    assert_eq!(
        stdout(&o).matches("\n#").count() + usize::from(stdout(&o).starts_with('#')),
        3
    );
}

#[test]
fn port_and_host_filters() {
    let v = json(&ppdiag(&[
        "decode",
        "--format",
        "json",
        "--port",
        "19443",
        &path("haproxy-v2-nginx-ssl.pcap"),
    ]));
    let flows = v["flows"].as_array().unwrap();
    assert_eq!(flows.len(), 2);
    assert!(flows.iter().all(|f| f["server"] == "127.0.0.1:19443"));
    assert!(v["summary"]["skipped"]["filtered_out"].as_u64().unwrap() > 0);
    let v = json(&ppdiag(&[
        "decode",
        "--format",
        "json",
        "--host",
        "::1",
        &path("ipv6.pcap"),
    ]));
    assert_eq!(v["flows"].as_array().unwrap().len(), 3);
    let v = json(&ppdiag(&[
        "decode",
        "--format",
        "json",
        "--host",
        "127.0.0.2",
        &path("ipv6.pcap"),
    ]));
    assert_eq!(v["flows"].as_array().unwrap().len(), 0);
    let o = ppdiag(&["decode", "--port", "http", &path("ipv6.pcap")]);
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn a_truncated_capture_reports_where_it_breaks_and_what_came_before() {
    let data = bytes("haproxy-v2-nginx-ssl.pcap");
    let recs = records(&data);
    let (at, len) = recs[recs.len() / 2];
    let cut = &data[..at + len / 2];
    let f = temp(cut, ".pcap");
    let o = ppdiag(&["decode", "--format", "json", f.path().to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let v = json(&o);
    let e = &v["summary"]["capture_error"];
    assert_eq!(e["offset"], at as u64);
    assert_eq!(e["packets_before"], (recs.len() / 2) as u64);
    assert!(e["message"].as_str().unwrap().contains("truncated"));
    assert!(!v["flows"].as_array().unwrap().is_empty());
    let text = stdout(&ppdiag(&["decode", f.path().to_str().unwrap()]));
    assert!(
        text.contains(&format!("capture breaks at byte {at}")),
        "{text}"
    );
}

/// `data` gzip-compressed, in `members` gzip members one after the other (as `cat a.gz
/// b.gz` or pigz write them).
fn gzip(data: &[u8], members: usize) -> Vec<u8> {
    use std::io::Write;
    let mut out = Vec::new();
    for part in data.chunks(data.len().div_ceil(members)) {
        let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        e.write_all(part).unwrap();
        out.extend(e.finish().unwrap());
    }
    out
}

#[test]
fn gzip_captures_read_as_the_plain_ones() {
    for name in ["haproxy-v2-nginx-ssl.pcap", "two-interfaces.pcapng"] {
        let data = bytes(name);
        let plain = json(&ppdiag(&["decode", "--format", "json", &path(name)]));
        for members in [1, 3] {
            let f = temp(&gzip(&data, members), ".pcap.gz");
            let o = ppdiag(&["decode", "--format", "json", f.path().to_str().unwrap()]);
            let from_file = json(&o);
            let o = ppdiag_stdin(&["decode", "--format", "json", "-"], &gzip(&data, members));
            let from_stdin = json(&o);
            for v in [&from_file, &from_stdin] {
                assert_eq!(v["flows"], plain["flows"], "{name}, {members} member(s)");
                assert_eq!(v["summary"]["findings"], plain["summary"]["findings"]);
                assert!(v["summary"]["capture_error"].is_null(), "{}", v["summary"]);
            }
        }
    }
}

#[test]
fn a_cut_or_corrupt_gzip_capture_says_where_it_stops_and_keeps_what_came_before() {
    let gz = gzip(&bytes("haproxy-v2-nginx-ssl.pcap"), 1);
    let mut corrupt = gz.clone();
    corrupt[gz.len() / 2] ^= 0xff;
    for (data, words) in [
        (gz[..gz.len() * 2 / 3].to_vec(), "ends early"),
        (corrupt, "corrupt"),
    ] {
        let f = temp(&data, ".pcap.gz");
        let o = ppdiag(&["decode", "--format", "json", f.path().to_str().unwrap()]);
        let v = json(&o);
        let e = &v["summary"]["capture_error"];
        assert!(e["message"].as_str().unwrap_or("").contains(words), "{e}");
        assert!(e["offset"].as_u64().unwrap_or(0) > 24, "{e}");
        assert!(!v["flows"].as_array().unwrap().is_empty(), "{v}");
    }
}

#[test]
fn other_compressions_are_named_with_the_command_that_undoes_them() {
    let cases: [(&[u8], &str, &str); 3] = [
        (
            &[0x28, 0xb5, 0x2f, 0xfd, 0x24, 0x00, 0x01],
            "zstd-compressed",
            "zstdcat",
        ),
        (b"\xfd7zXZ\x00\x00\x04", "xz-compressed", "xzcat"),
        (b"BZh91AY&SY", "bzip2-compressed", "bzcat"),
    ];
    for (data, what, cat) in cases {
        let f = temp(data, ".pcap.x");
        let file = f.path().to_str().unwrap();
        let o = ppdiag(&["decode", file]);
        assert_eq!(o.status.code(), Some(2));
        let e = stderr(&o);
        assert!(
            e.contains(what) && e.contains(&format!("`{cat} {file} | ppdiag decode -`")),
            "{e}"
        );
        let o = ppdiag_stdin(&["decode", "-"], data);
        assert_eq!(o.status.code(), Some(2));
        assert!(
            stderr(&o).contains(&format!("`{cat} FILE | ppdiag decode -`")),
            "{}",
            stderr(&o)
        );
    }
}

#[test]
fn a_corrupt_record_stops_reading_there() {
    let mut data = bytes("haproxy-v1-nginx-http.pcap");
    let recs = records(&data);
    let (at, _) = recs[10];
    // caplen far larger than anything: a corrupt record header.
    data[at + 8..at + 12].copy_from_slice(&0x7fff_fff0u32.to_le_bytes());
    let f = temp(&data, ".pcap");
    let o = ppdiag(&["decode", "--format", "json", f.path().to_str().unwrap()]);
    assert!(matches!(o.status.code(), Some(0 | 1)), "{}", stderr(&o));
    let v = json(&o);
    assert_eq!(v["summary"]["packets"], 10);
    assert!(v["summary"]["capture_error"]["offset"].as_u64().unwrap() >= at as u64);
}

#[test]
fn nothing_readable_is_exit_2() {
    let garbage = temp(b"this is not a capture at all, just some text\n", ".pcap");
    let o = ppdiag(&["decode", garbage.path().to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("not a pcap or pcapng"),
        "{}",
        stderr(&o)
    );
    let empty = temp(b"", ".pcap");
    let o = ppdiag(&["decode", empty.path().to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("empty"), "{}", stderr(&o));
    let o = ppdiag(&["decode", "/nonexistent/capture.pcap"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("cannot read"));
    // A header and half a record: nothing could be read.
    let data = bytes("haproxy-v2-go.pcap");
    let half = temp(&data[..24 + 20], ".pcap");
    let o = ppdiag(&["decode", half.path().to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("no packet could be read"),
        "{}",
        stderr(&o)
    );
    // A header alone is a valid, empty capture.
    let header = temp(&data[..24], ".pcap");
    let o = ppdiag(&[
        "decode",
        "--format",
        "json",
        header.path().to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(0));
    assert_eq!(json(&o)["summary"]["flows"], 0);
}

/// The same capture written big-endian.
fn to_big_endian(le: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(le.len());
    let sw32 = |b: &[u8]| u32::from_le_bytes(b.try_into().unwrap()).to_be_bytes();
    let sw16 = |b: &[u8]| u16::from_le_bytes(b.try_into().unwrap()).to_be_bytes();
    out.extend_from_slice(&sw32(&le[0..4]));
    out.extend_from_slice(&sw16(&le[4..6]));
    out.extend_from_slice(&sw16(&le[6..8]));
    for i in (8..24).step_by(4) {
        out.extend_from_slice(&sw32(&le[i..i + 4]));
    }
    for (at, len) in records(le) {
        for i in (at..at + 16).step_by(4) {
            out.extend_from_slice(&sw32(&le[i..i + 4]));
        }
        out.extend_from_slice(&le[at + 16..at + len]);
    }
    out
}

#[test]
fn big_endian_and_nanosecond_pcaps() {
    let le = bytes("haproxy-v2-nginx-ssl.pcap");
    let be = temp(&to_big_endian(&le), ".pcap");
    let a = json(&ppdiag(&[
        "decode",
        "--format",
        "json",
        &path("haproxy-v2-nginx-ssl.pcap"),
    ]));
    let b = json(&ppdiag(&[
        "decode",
        "--format",
        "json",
        be.path().to_str().unwrap(),
    ]));
    assert_eq!(a["flows"], b["flows"]);
    // direct-mistakes.pcap was recorded with nanosecond timestamps.
    assert_eq!(
        &bytes("direct-mistakes.pcap")[..4],
        &[0x4d, 0x3c, 0xb2, 0xa1]
    );
    let v = json(&ppdiag(&[
        "decode",
        "--format",
        "json",
        &path("direct-mistakes.pcap"),
    ]));
    for f in v["flows"].as_array().unwrap() {
        let close = f["timing"]["close_ms"].as_f64().unwrap();
        assert!(close > 0.0 && close < 1000.0, "{close}");
    }
}

#[test]
fn conversations_caught_mid_stream_are_flagged_and_still_judged() {
    let data = bytes("haproxy-v2-nginx-ssl.pcap");
    let mut out = data[..24].to_vec();
    for (at, len) in records(&data) {
        let frame = &data[at + 16..at + len];
        let ihl = usize::from(frame[14] & 0x0f) * 4;
        let flags = frame[14 + ihl + 13];
        if flags & 0x02 == 0 {
            out.extend_from_slice(&data[at..at + len]);
        }
    }
    let f = temp(&out, ".pcap");
    let v = json(&ppdiag(&[
        "decode",
        "--format",
        "json",
        f.path().to_str().unwrap(),
    ]));
    let flows = v["flows"].as_array().unwrap();
    assert_eq!(flows.len(), 6);
    assert_eq!(v["summary"]["mid_stream_flows"], 6);
    for f in flows {
        assert_eq!(f["confidence"], "low");
        assert_eq!(f["direction"], "inferred");
        assert!(
            f["server"].as_str().unwrap().contains(":1"),
            "{}",
            f["server"]
        );
    }
    let broken = flows
        .iter()
        .filter(|f| {
            f["findings"]
                .to_string()
                .contains("proxy-header-not-expected")
        })
        .count();
    assert_eq!(broken, 4, "both legs of both broken connections");
    assert!(
        flows[0]["findings"]
            .to_string()
            .contains("caught mid-stream")
            || flows
                .iter()
                .any(|f| f["findings"].to_string().contains("caught mid-stream"))
    );
}

/// `tcpdump -U -w - | ppdiag decode -`: conversations are reported as they end, while the
/// input is still open.
#[test]
fn stdin_reports_conversations_while_the_input_stays_open() {
    use std::io::{BufRead, BufReader, Write};
    use std::process::{Command, Stdio};
    let mut child = Command::new(assert_cmd::cargo::cargo_bin("ppdiag"))
        .args(["decode", "--format", "ndjson", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    stdin.write_all(&bytes("haproxy-v2-go.pcap")).unwrap();
    stdin.flush().unwrap();
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    let reader = std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines() {
            let line = line.unwrap();
            let done = line.starts_with("{\"summary\"");
            if line.starts_with("{\"servers\"") {
                continue;
            }
            tx.send(line).unwrap();
            if done {
                break;
            }
        }
    });
    // All four conversations arrive while stdin is still open (bounded wait, not a timing
    // assertion: a regression makes this wait end empty).
    let mut flows = 0;
    while flows < 4 {
        match rx.recv_timeout(std::time::Duration::from_secs(20)) {
            Ok(l) => {
                assert!(
                    !l.starts_with("{\"summary\""),
                    "summary before the input ended"
                );
                flows += 1;
            }
            Err(_) => {
                let _ = child.kill();
                panic!("only {flows} conversation(s) reported while the input was open");
            }
        }
    }
    drop(stdin);
    let summary = rx.recv_timeout(std::time::Duration::from_secs(20)).unwrap();
    assert!(summary.contains("\"flows\":4"), "{summary}");
    reader.join().unwrap();
    assert_eq!(child.wait().unwrap().code(), Some(1));
}

/// A record larger than the reader's buffer (a TSO/GRO super-segment, IPv4 length 0) is
/// read by growing the buffer, not reported as corrupt.
#[test]
fn a_record_larger_than_the_read_buffer() {
    let payload = vec![b'x'; 600_000];
    let mut frame = vec![
        0x45, 0, 0, 0, 0, 0, 0x40, 0, 64, 6, 0, 0, 192, 0, 2, 1, 192, 0, 2, 2,
    ];
    frame.extend_from_slice(&[
        0x9c, 0x40, 0x01, 0xbb, 0, 0, 0, 1, 0, 0, 0, 0, 0x50, 0x18, 0xff, 0xff, 0, 0, 0, 0,
    ]);
    frame.extend_from_slice(&payload);
    let mut pcap = vec![0xd4, 0xc3, 0xb2, 0xa1, 2, 0, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0];
    pcap.extend_from_slice(&1_000_000u32.to_le_bytes());
    pcap.extend_from_slice(&101u32.to_le_bytes());
    pcap.extend_from_slice(&[0; 8]);
    pcap.extend_from_slice(&(frame.len() as u32).to_le_bytes());
    pcap.extend_from_slice(&(frame.len() as u32).to_le_bytes());
    pcap.extend_from_slice(&frame);
    let f = temp(&pcap, ".pcap");
    let v = json(&ppdiag(&[
        "decode",
        "--format",
        "json",
        f.path().to_str().unwrap(),
    ]));
    assert_eq!(v["summary"]["packets"], 1);
    assert!(v["summary"]["capture_error"].is_null(), "{}", v["summary"]);
    assert_eq!(v["flows"][0]["client_sent"]["total"], 600_000);
    assert_eq!(v["flows"][0]["confidence"], "low");
}

/// Rewrites an Ethernet pcap's frames for another link type (`frame` maps each frame).
fn relink(le: &[u8], linktype: u32, frame: impl Fn(&[u8]) -> Vec<u8>) -> Vec<u8> {
    let mut out = le[..20].to_vec();
    out.extend_from_slice(&linktype.to_le_bytes());
    for (at, len) in records(le) {
        let f = frame(&le[at + 16..at + len]);
        out.extend_from_slice(&le[at..at + 8]);
        out.extend_from_slice(&(f.len() as u32).to_le_bytes());
        out.extend_from_slice(&(f.len() as u32).to_le_bytes());
        out.extend_from_slice(&f);
    }
    out
}

/// The same conversations read through every link layer decode supports give the same
/// verdicts.
#[test]
fn every_link_type_gives_the_same_verdicts() {
    let le = bytes("haproxy-v2-nginx-ssl.pcap");
    let ip = |f: &[u8]| f[14..].to_vec();
    let family = |v: u32, be: bool| {
        move |f: &[u8]| {
            let mut o = if be { v.to_be_bytes() } else { v.to_le_bytes() }.to_vec();
            o.extend_from_slice(&f[14..]);
            o
        }
    };
    let tagged = |tags: &'static [[u8; 4]]| {
        move |f: &[u8]| {
            let mut o = f[..12].to_vec();
            for t in tags {
                o.extend_from_slice(t);
            }
            o.extend_from_slice(&f[12..]);
            o
        }
    };
    let sll2 = |f: &[u8]| {
        let mut o = vec![0x08, 0x00, 0, 0, 0, 0, 0, 1, 0x03, 0x04, 0, 6];
        o.extend_from_slice(&[0; 8]);
        o.extend_from_slice(&f[14..]);
        o
    };
    let variants: Vec<(&str, Vec<u8>)> = vec![
        ("raw 101", relink(&le, 101, ip)),
        ("raw IPv4 228", relink(&le, 228, ip)),
        ("raw 12", relink(&le, 12, ip)),
        (
            "NULL, little-endian family",
            relink(&le, 0, family(2, false)),
        ),
        ("NULL, big-endian family", relink(&le, 0, family(2, true))),
        ("LOOP", relink(&le, 108, family(2, true))),
        (
            "802.1Q",
            relink(&le, 1, tagged(&[[0x81, 0x00, 0x00, 0x0a]])),
        ),
        (
            "QinQ",
            relink(
                &le,
                1,
                tagged(&[[0x88, 0xa8, 0x00, 0x64], [0x81, 0x00, 0x00, 0x0a]]),
            ),
        ),
        ("SLL2 loopback", relink(&le, 276, sll2)),
    ];
    let expected = json(&ppdiag(&[
        "decode",
        "--format",
        "json",
        &path("haproxy-v2-nginx-ssl.pcap"),
    ]));
    let strip = |v: &Value| {
        v["flows"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| {
                (
                    f["client"].clone(),
                    f["server"].clone(),
                    f["proxy"].clone(),
                    f["findings"].clone(),
                )
            })
            .collect::<Vec<_>>()
    };
    for (name, data) in variants {
        let f = temp(&data, ".pcap");
        let v = json(&ppdiag(&[
            "decode",
            "--format",
            "json",
            f.path().to_str().unwrap(),
        ]));
        assert_eq!(strip(&v), strip(&expected), "{name}");
        assert_eq!(v["summary"]["skipped"]["not_ip"], 0, "{name}");
    }
    // IPv6: raw 229, and BSD NULL with the three IPv6 family numbers OSes use.
    let le6 = bytes("ipv6.pcap");
    let expected = json(&ppdiag(&["decode", "--format", "json", &path("ipv6.pcap")]));
    let variants: Vec<(&str, Vec<u8>)> = vec![
        ("raw IPv6 229", relink(&le6, 229, ip)),
        (
            "NULL 24 (NetBSD, OpenBSD)",
            relink(&le6, 0, family(24, false)),
        ),
        ("NULL 28 (FreeBSD)", relink(&le6, 0, family(28, false))),
        ("NULL 30 (macOS)", relink(&le6, 0, family(30, true))),
    ];
    for (name, data) in variants {
        let f = temp(&data, ".pcap");
        let v = json(&ppdiag(&[
            "decode",
            "--format",
            "json",
            f.path().to_str().unwrap(),
        ]));
        assert_eq!(strip(&v), strip(&expected), "{name}");
    }
}
