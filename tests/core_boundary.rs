//! The sans-IO boundary, checked: the core modules (PROXY parsing, sniffing, the
//! opening analysis, the judge, the path model, explain, raw bytes, findings) never
//! touch sockets, files, clocks, async runtimes or the terminal. A `use` of any of
//! those in a core source file fails this test.

use std::path::Path;

/// The core: every file under these paths.
const CORE: &[&str] = &[
    "src/proxy",
    "src/sniff",
    "src/opening.rs",
    "src/diagnose",
    "src/path",
    "src/explain",
    "src/rawbytes",
    "src/findings.rs",
    "src/escape.rs",
    // decode's sans-IO half (its shell is src/decode/shell.rs)
    "src/decode/engine.rs",
    "src/decode/flow.rs",
    "src/decode/hash.rs",
    "src/decode/conversation.rs",
    "src/decode/decoder.rs",
    "src/decode/stream.rs",
    "src/decode/packet.rs",
    "src/decode/link.rs",
    "src/decode/judge.rs",
    "src/decode/report.rs",
    "src/decode/servers.rs",
    "src/decode/failed.rs",
    "src/decode/late.rs",
    "src/decode/udp.rs",
    // probe's inference (its shell is attempt.rs, net.rs, tls.rs, run.rs)
    "src/probe/infer.rs",
    "src/probe/explained.rs",
    "src/probe/failing.rs",
    "src/probe/model.rs",
    "src/probe/text.rs",
    "src/probe/worked.rs",
    // the client layer's sans-IO files (its shell is net.rs, stream.rs, tls.rs)
    "src/client/target.rs",
    "src/client/header.rs",
    "src/client/http.rs",
    "src/client/verdict.rs",
];

/// What the core may not name.
const FORBIDDEN: &[&str] = &[
    "tokio::",
    "std::fs",
    "std::net::TcpStream",
    "std::net::TcpListener",
    "std::net::UdpSocket",
    "std::time::Instant",
    "std::time::SystemTime",
    "std::io::stdin",
    "std::io::stdout",
    "std::io::stderr",
    "std::process",
    "std::thread",
    "std::env",
    "owo_colors",
    "indicatif",
];

fn files(p: &Path, out: &mut Vec<std::path::PathBuf>) {
    if p.is_dir() {
        for e in std::fs::read_dir(p).unwrap() {
            files(&e.unwrap().path(), out);
        }
    } else if p.extension().is_some_and(|e| e == "rs") {
        out.push(p.to_path_buf());
    }
}

#[test]
fn the_core_does_no_io() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut all = Vec::new();
    for c in CORE {
        files(&root.join(c), &mut all);
    }
    assert!(all.len() > 20, "the core was found: {all:?}");
    let mut bad = Vec::new();
    for f in &all {
        let text = std::fs::read_to_string(f).unwrap();
        // Tests beside a parser may read fixtures; only the code itself is checked.
        let code = text.split("#[cfg(test)]").next().unwrap_or(&text);
        for (n, line) in code.lines().enumerate() {
            let l = line.trim_start();
            if l.starts_with("//") {
                continue;
            }
            for word in FORBIDDEN {
                if l.contains(word) {
                    bad.push(format!("{}:{}: {word}: {}", f.display(), n + 1, l));
                }
            }
        }
    }
    assert!(bad.is_empty(), "I/O in the core:\n{}", bad.join("\n"));
}

#[test]
fn the_check_sees_a_forbidden_use() {
    let line = "use tokio::net::TcpStream;";
    assert!(
        !FORBIDDEN
            .iter()
            .any(|w| "source: \"rustls / tokio-rustls\"".contains(w))
    );
    assert!(FORBIDDEN.iter().any(|w| line.contains(w)));
}

/// The network clients share the client layer and not each other: `probe` and `send`
/// never name one another, and `src/client` names no shell.
#[test]
fn probe_and_send_meet_only_in_the_client_layer() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let rules: &[(&str, &[&str])] = &[
        ("src/probe", &["crate::send"]),
        ("src/send", &["crate::probe"]),
        (
            "src/client",
            &[
                "crate::probe",
                "crate::send",
                "crate::serve",
                "crate::cli",
                "crate::commands",
                "crate::decode",
            ],
        ),
    ];
    let mut bad = Vec::new();
    for (dir, names) in rules {
        let mut all = Vec::new();
        files(&root.join(dir), &mut all);
        assert!(!all.is_empty(), "{dir} was found");
        for f in &all {
            let text = std::fs::read_to_string(f).unwrap();
            for (n, line) in text.lines().enumerate() {
                for name in *names {
                    if line.contains(name) {
                        bad.push(format!("{}:{}: {}", f.display(), n + 1, line.trim()));
                    }
                }
            }
        }
    }
    assert!(
        bad.is_empty(),
        "a shell named across the layer:\n{}",
        bad.join("\n")
    );
}
