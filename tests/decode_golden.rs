//! Every output of `ppdiag decode` on every capture in testdata, byte for byte: the JSON
//! document, the ndjson lines, the default text view and `--all`. The goldens in
//! `testdata/captures/golden/` were written by the code before the decode performance
//! work (issue 12), so a faster path that changes a verdict, a finding's words, a field
//! or the order of the flows fails here. The benchmark's two shapes, generated small, are
//! checked too: the text view in full, the json, ndjson and `--all` outputs by their
//! FNV-1a digest (the whole outputs would be megabytes). `PPDIAG_BLESS=1` rewrites them
//! (review the diff).

mod common;
use common::*;

#[allow(dead_code)]
#[path = "../bench/decode_gen.rs"]
mod decode_gen;

/// (mode name, arguments before the capture path)
const MODES: &[(&str, &[&str])] = &[
    ("json", &["decode", "--format", "json"]),
    ("ndjson", &["decode", "--format", "ndjson"]),
    ("txt", &["decode"]),
    ("all.txt", &["decode", "--all"]),
];

fn captures() -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(root().join("testdata/captures"))
        .unwrap()
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".pcap") || n.ends_with(".pcapng"))
        .collect();
    v.sort();
    v
}

#[test]
fn every_output_of_every_capture_matches_its_golden() {
    let names = captures();
    assert!(names.len() >= 18, "{names:?}");
    for name in &names {
        // A relative path: the text view names the file it read.
        let path = format!("testdata/captures/{name}");
        for (mode, args) in MODES {
            let mut a: Vec<&str> = args.to_vec();
            a.push(&path);
            let o = assert_cmd::Command::cargo_bin("ppdiag")
                .expect("binary built")
                .current_dir(root())
                .args(&a)
                .env("NO_COLOR", "1")
                .output()
                .expect("ppdiag runs");
            let out = format!(
                "exit {}\n{}",
                o.status.code().unwrap_or(-1),
                String::from_utf8(o.stdout).expect("utf-8")
            );
            golden(&format!("testdata/captures/golden/{name}.{mode}"), &out);
        }
    }
}

fn fnv(b: &[u8]) -> u64 {
    b.iter().fold(0xcbf2_9ce4_8422_2325u64, |h, &x| {
        (h ^ u64::from(x)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

#[test]
fn the_benchmark_shapes_decode_as_before() {
    let dir = root().join("testdata/captures");
    let templates = decode_gen::short::load_templates(&dir).unwrap();
    let mut short = Vec::new();
    decode_gen::short::generate(&mut short, &templates, 512 << 10, 3).unwrap();
    let mut bulk = Vec::new();
    decode_gen::generate(&mut bulk, 2 << 20, 3).unwrap();
    for (name, bytes) in [("short", short), ("bulk", bulk)] {
        let mut digests = String::new();
        for (mode, args) in MODES {
            let mut a: Vec<&str> = args.to_vec();
            a.push("-");
            let o = ppdiag_stdin(&a, &bytes);
            let out = format!(
                "exit {}\n{}",
                o.status.code().unwrap_or(-1),
                String::from_utf8(o.stdout).expect("utf-8")
            );
            if *mode == "txt" {
                golden(
                    &format!("testdata/captures/golden/generated-{name}.txt"),
                    &out,
                );
            }
            digests.push_str(&format!(
                "{mode} {:016x} {} bytes\n",
                fnv(out.as_bytes()),
                out.len()
            ));
        }
        golden(
            &format!("testdata/captures/golden/generated-{name}.digests"),
            &digests,
        );
    }
}
