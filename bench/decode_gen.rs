//! Deterministic generator of a large mixed capture for benchmarking `ppdiag decode`.
//!
//! `cargo run --release --example decode_gen -- OUT.pcap SIZE_MIB [SEED]` writes a pcap
//! (Ethernet, microseconds) of about SIZE_MIB MiB: conversations of mixed kinds,
//! 48 at a time interleaved packet by packet, most bytes in bulk transfers:
//! healthy TLS through a balancer (both legs, the backend leg with a PROXY v2 header),
//! a v2 header to a TLS port that answers 400 (nginx), a TLS client to a port that
//! requires PROXY (reset), PROXY v1 + HTTP with a bulk reply, AWS NLB-style LOCAL health
//! checks, plain HTTP to a TLS port, bulk caught mid-stream (no SYN), and UDP datagrams
//! with PROXY v2 headers. Addresses come from documentation ranges (192.0.2.0/24,
//! 198.51.100.0/24). The same arguments always give the same bytes.
//!
//! `... -- OUT.pcap SIZE_MIB [SEED] --short` writes the other shape instead: many short
//! conversations copied from the recorded captures in `testdata/captures` (see
//! [`short`]).

use std::io::{BufWriter, Write};

#[path = "decode_gen_short.rs"]
pub mod short;

const CLIENT_HELLO: &[u8] =
    include_bytes!("../testdata/bytes/openssl-s_client-clienthello-sni-alpn.bin");
const SERVER_HELLO: &[u8] = include_bytes!("../testdata/bytes/openssl-s_server-tls13-reply.bin");
const NGINX_400: &[u8] =
    include_bytes!("../testdata/bytes/nginx-1.22-ssl-400-reply-to-proxy-v1.bin");
const MSS: usize = 1448;

struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

#[derive(Clone)]
struct Frame {
    bytes: Vec<u8>,
}

type Ep = ([u8; 4], u16);

fn frame(src: Ep, dst: Ep, proto: u8, seq: u32, ack: u32, flags: u8, payload: &[u8]) -> Frame {
    let l4 = if proto == 6 { 20 } else { 8 };
    let total = 20 + l4 + payload.len();
    let mut b = Vec::with_capacity(14 + total);
    b.extend_from_slice(&[0x02, 0, 0, 0, 0, 2, 0x02, 0, 0, 0, 0, 1, 0x08, 0x00]);
    b.extend_from_slice(&[
        0x45,
        0,
        (total >> 8) as u8,
        total as u8,
        0,
        0,
        0x40,
        0,
        64,
        proto,
        0,
        0,
    ]);
    b.extend_from_slice(&src.0);
    b.extend_from_slice(&dst.0);
    b.extend_from_slice(&src.1.to_be_bytes());
    b.extend_from_slice(&dst.1.to_be_bytes());
    if proto == 6 {
        b.extend_from_slice(&seq.to_be_bytes());
        b.extend_from_slice(&ack.to_be_bytes());
        b.extend_from_slice(&[0x50, flags, 0xff, 0xff, 0, 0, 0, 0]);
    } else {
        b.extend_from_slice(&((8 + payload.len()) as u16).to_be_bytes());
        b.extend_from_slice(&[0, 0]);
    }
    b.extend_from_slice(payload);
    Frame { bytes: b }
}

/// A TCP conversation builder.
struct Conv {
    c: Ep,
    s: Ep,
    cseq: u32,
    sseq: u32,
    frames: Vec<Frame>,
}

impl Conv {
    fn new(c: Ep, s: Ep, rng: &mut Rng, syn: bool) -> Self {
        let mut v = Conv {
            c,
            s,
            cseq: rng.next() as u32,
            sseq: rng.next() as u32,
            frames: Vec::new(),
        };
        if syn {
            v.frames.push(frame(c, s, 6, v.cseq, 0, 0x02, &[]));
            v.frames
                .push(frame(s, c, 6, v.sseq, v.cseq.wrapping_add(1), 0x12, &[]));
            v.cseq = v.cseq.wrapping_add(1);
            v.sseq = v.sseq.wrapping_add(1);
            v.frames.push(frame(c, s, 6, v.cseq, v.sseq, 0x10, &[]));
        }
        v
    }
    fn client(&mut self, data: &[u8]) {
        for chunk in data.chunks(MSS) {
            self.frames
                .push(frame(self.c, self.s, 6, self.cseq, self.sseq, 0x18, chunk));
            self.cseq = self.cseq.wrapping_add(chunk.len() as u32);
        }
    }
    fn server(&mut self, data: &[u8]) {
        for chunk in data.chunks(MSS) {
            self.frames
                .push(frame(self.s, self.c, 6, self.sseq, self.cseq, 0x18, chunk));
            self.sseq = self.sseq.wrapping_add(chunk.len() as u32);
        }
    }
    fn fin(&mut self, server_first: bool) {
        let (a, b) = if server_first {
            (self.s, self.c)
        } else {
            (self.c, self.s)
        };
        let (sa, sb) = if server_first {
            (self.sseq, self.cseq)
        } else {
            (self.cseq, self.sseq)
        };
        self.frames.push(frame(a, b, 6, sa, sb, 0x11, &[]));
        self.frames
            .push(frame(b, a, 6, sb, sa.wrapping_add(1), 0x11, &[]));
        self.frames.push(frame(
            a,
            b,
            6,
            sa.wrapping_add(1),
            sb.wrapping_add(1),
            0x10,
            &[],
        ));
    }
    fn rst_by_server(&mut self) {
        self.frames
            .push(frame(self.s, self.c, 6, self.sseq, self.cseq, 0x14, &[]));
    }
}

fn v2_header(src: Ep, dst: Ep) -> Vec<u8> {
    let mut h = b"\r\n\r\n\0\r\nQUIT\n\x21\x11\x00\x0c".to_vec();
    h.extend_from_slice(&src.0);
    h.extend_from_slice(&dst.0);
    h.extend_from_slice(&src.1.to_be_bytes());
    h.extend_from_slice(&dst.1.to_be_bytes());
    h
}

fn hello(rng: &mut Rng) -> Vec<u8> {
    let mut h = CLIENT_HELLO.to_vec();
    for b in &mut h[11..43] {
        *b = rng.next() as u8;
    }
    h
}

fn conversation(kind: u64, rng: &mut Rng, bulk: &[u8]) -> Vec<Vec<Frame>> {
    let client: Ep = (
        [198, 51, 100, 1 + rng.below(250) as u8],
        1024 + rng.below(64000) as u16,
    );
    let lb: Ep = ([192, 0, 2, 10], 443);
    let lb_out: Ep = ([192, 0, 2, 10], 1024 + rng.below(64000) as u16);
    let backend: Ep = ([192, 0, 2, 20 + rng.below(8) as u8], 8443);
    let n = (1 + rng.below(40)) as usize * 1024;
    match kind {
        // Healthy TLS through a balancer, both legs, bulk reply.
        0..=2 => {
            let h = hello(rng);
            let mut a = Conv::new(client, lb, rng, true);
            let mut b = Conv::new(lb_out, backend, rng, true);
            a.client(&h);
            let mut hb = v2_header(client, lb);
            hb.extend_from_slice(&h);
            b.client(&hb);
            b.server(SERVER_HELLO);
            a.server(SERVER_HELLO);
            b.server(&bulk[..n]);
            a.server(&bulk[..n]);
            b.fin(false);
            a.fin(false);
            vec![a.frames, b.frames]
        }
        // v2 header to nginx `listen ssl` without proxy_protocol: 400 on both legs.
        3 => {
            let h = hello(rng);
            let mut a = Conv::new(client, lb, rng, true);
            let mut b = Conv::new(lb_out, backend, rng, true);
            a.client(&h);
            b.client(&v2_header(client, lb));
            b.server(NGINX_400);
            b.client(&h);
            a.server(NGINX_400);
            b.fin(true);
            a.fin(true);
            vec![a.frames, b.frames]
        }
        // TLS without a header to a port that requires one: reset.
        4 => {
            let mut a = Conv::new(client, backend, rng, true);
            a.client(&hello(rng));
            a.rst_by_server();
            vec![a.frames]
        }
        // PROXY v1 + HTTP, bulk reply.
        5 => {
            let mut a = Conv::new(lb_out, ([192, 0, 2, 30], 8080), rng, true);
            let req = format!(
                "PROXY TCP4 198.51.100.{} 192.0.2.10 {} 80\r\nGET /file HTTP/1.1\r\nHost: example.net\r\n\r\n",
                client.0[3], client.1
            );
            a.client(req.as_bytes());
            let mut reply =
                format!("HTTP/1.1 200 OK\r\nServer: nginx/1.22.1\r\nContent-Length: {n}\r\n\r\n")
                    .into_bytes();
            reply.extend_from_slice(&bulk[..n]);
            a.server(&reply);
            a.fin(false);
            vec![a.frames]
        }
        // AWS NLB-style health check: LOCAL, family 0x11, no address block, NOOP TLV.
        6 => {
            let mut a = Conv::new(
                ([192, 0, 2, 10], 1024 + rng.below(64000) as u16),
                backend,
                rng,
                true,
            );
            let mut h = b"\r\n\r\n\0\r\nQUIT\n\x20\x11\x00\x4d\x04\x00\x4a".to_vec();
            h.extend_from_slice(&[0; 74]);
            a.client(&h);
            a.fin(false);
            vec![a.frames]
        }
        // Plain HTTP to a TLS port.
        7 => {
            let mut a = Conv::new(client, backend, rng, true);
            a.client(b"GET / HTTP/1.1\r\nHost: example.net\r\n\r\n");
            a.server(b"HTTP/1.1 400 Bad Request\r\nServer: nginx/1.22.1\r\nContent-Length: 48\r\n\r\nThe plain HTTP request was sent to HTTPS port\r\n");
            a.fin(true);
            vec![a.frames]
        }
        // Bulk caught mid-stream.
        8 => {
            let mut a = Conv::new(client, lb, rng, false);
            a.server(&bulk[..n]);
            a.fin(false);
            vec![a.frames]
        }
        // UDP with PROXY v2 headers (LoxiLB).
        _ => {
            let mut frames = Vec::new();
            for i in 0..4u16 {
                let mut d = b"\r\n\r\n\0\r\nQUIT\n\x21\x12\x00\x0c".to_vec();
                d.extend_from_slice(&client.0);
                d.extend_from_slice(&[192, 0, 2, 10]);
                d.extend_from_slice(&client.1.wrapping_add(i).to_be_bytes());
                d.extend_from_slice(&53u16.to_be_bytes());
                d.extend_from_slice(b"\x12\x34\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00\x07example\x03net\x00\x00\x01\x00\x01");
                frames.push(frame(lb_out, ([192, 0, 2, 53], 53), 17, 0, 0, 0, &d));
            }
            vec![frames]
        }
    }
}

/// What [`generate`] wrote.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Written {
    /// Bytes.
    pub bytes: u64,
    /// Frames.
    pub packets: u64,
    /// TCP conversations (each leg counts) and UDP sender/receiver pairs.
    pub conversations: u64,
}

/// Writes a capture of about `target` bytes to `w`; the same `seed` gives the same bytes.
pub fn generate(w: &mut impl Write, target: u64, seed: u64) -> std::io::Result<Written> {
    let mut rng = Rng(seed | 1);
    let bulk: Vec<u8> = (0..200 * 1024).map(|_| rng.next() as u8).collect();
    w.write_all(&[
        0xd4, 0xc3, 0xb2, 0xa1, 2, 0, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0, 0, 1, 0, 0, 0,
    ])?;
    let mut written = 24u64;
    let mut ts_us: u64 = 1_767_225_600_000_000; // 2026-01-01
    let mut active: Vec<std::collections::VecDeque<Frame>> = Vec::new();
    let mut conversations = 0u64;
    let mut packets = 0u64;
    let mut turn = 0usize;
    while written < target || !active.is_empty() {
        while written < target && active.len() < 48 {
            let kind = rng.below(10);
            for legs in conversation(kind, &mut rng, &bulk) {
                active.push(legs.into());
                conversations += 1;
            }
        }
        if active.is_empty() {
            break;
        }
        turn = (turn + 1) % active.len();
        let Some(f) = active[turn].pop_front() else {
            active.swap_remove(turn);
            continue;
        };
        ts_us += 20;
        let len = f.bytes.len() as u32;
        w.write_all(&((ts_us / 1_000_000) as u32).to_le_bytes())?;
        w.write_all(&((ts_us % 1_000_000) as u32).to_le_bytes())?;
        w.write_all(&len.to_le_bytes())?;
        w.write_all(&len.to_le_bytes())?;
        w.write_all(&f.bytes)?;
        written += 16 + u64::from(len);
        packets += 1;
    }
    w.flush()?;
    Ok(Written {
        bytes: written,
        packets,
        conversations,
    })
}

#[allow(dead_code)]
fn main() -> std::io::Result<()> {
    let all: Vec<String> = std::env::args().collect();
    let short_shape = all.iter().any(|a| a == "--short");
    let args: Vec<String> = all.into_iter().filter(|a| a != "--short").collect();
    let out = args
        .get(1)
        .map(String::as_str)
        .unwrap_or("/tmp/ppdiag-bench.pcap");
    let mib: u64 = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(50);
    let seed: u64 = args
        .get(3)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0x9e3779b97f4a7c15);
    let mut w = BufWriter::with_capacity(1 << 20, std::fs::File::create(out)?);
    if short_shape {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/captures");
        let templates = short::load_templates(&dir)?;
        let n = short::generate(&mut w, &templates, mib << 20, seed)?;
        eprintln!(
            "{out}: {} bytes, {} packets, {} conversations ({} copies of {} templates)",
            n.bytes,
            n.packets,
            n.conversations,
            n.copies,
            templates.len()
        );
        return Ok(());
    }
    let n = generate(&mut w, mib << 20, seed)?;
    eprintln!(
        "{out}: {} bytes, {} packets, {} conversations",
        n.bytes, n.packets, n.conversations
    );
    Ok(())
}
