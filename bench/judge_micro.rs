//! Micro-benchmark of the per-conversation cost: the shared judge on a ClientHello and a
//! ServerHello, and its parts. `cargo run --release --example judge_micro`
//!
//! On mimalloc, as the `ppdiag` binary is: the per-conversation cost is mostly small
//! allocations, and glibc's malloc would measure a different program.

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    let ch = include_bytes!("../testdata/bytes/openssl-s_client-clienthello-sni-alpn.bin");
    let sh = include_bytes!("../testdata/bytes/openssl-s_server-tls13-reply.bin");
    let n = 20000;
    let t = std::time::Instant::now();
    let mut k = 0;
    for _ in 0..n {
        let v = ppdiag::diagnose::judge(&ppdiag::diagnose::Exchange {
            client: ch,
            server: sh,
            ending: ppdiag::diagnose::Ending::Closed,
        });
        k += v.findings.len();
    }
    println!("judge: {:?}/conversation", t.elapsed() / n);
    let t = std::time::Instant::now();
    for _ in 0..n {
        k += ppdiag::sniff::sniff(ch).summary.len();
    }
    println!("sniff ClientHello: {:?}", t.elapsed() / n);
    let t = std::time::Instant::now();
    for _ in 0..n {
        k += ppdiag::sniff::sniff(sh).summary.len();
    }
    println!("sniff ServerHello: {:?}", t.elapsed() / n);
    let t = std::time::Instant::now();
    for _ in 0..n {
        k += ppdiag::escape::escape_bytes(&ch[..64]).len();
    }
    println!("escape 64 bytes: {:?} ({k})", t.elapsed() / n);
}
