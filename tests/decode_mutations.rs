//! 1,200+ deterministically mutated captures through `decode`: truncated at every kind of
//! boundary, bit-flipped, with a wrong link type, absurd record lengths and zero-length
//! packets. None may panic; every reported conversation is counted; a capture that breaks
//! says where (byte offset) and keeps what came before it.

use ppdiag::decode::shell::decode_reader;
use ppdiag::decode::{Filter, Limits, Summary};

const BASE: &[u8] = include_bytes!("../testdata/captures/haproxy-v2-nginx-ssl.pcap");
const PCAPNG: &[u8] = include_bytes!("../testdata/captures/two-interfaces.pcapng");

fn decode(data: Vec<u8>) -> (usize, Summary) {
    let (reports, summary) = decode_reader(
        Box::new(std::io::Cursor::new(data)),
        Limits::default(),
        Filter::default(),
    );
    assert_eq!(
        summary.flows as usize,
        reports.len(),
        "every conversation is counted"
    );
    for r in &reports {
        serde_json::to_string(r).expect("reports serialize");
    }
    (reports.len(), summary)
}

/// Offsets of the pcap records: (record start, caplen) for a little-endian pcap.
fn records(pcap: &[u8]) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut at = 24;
    while at + 16 <= pcap.len() {
        let caplen = u32::from_le_bytes(pcap[at + 8..at + 12].try_into().unwrap()) as usize;
        out.push((at, caplen));
        at += 16 + caplen;
    }
    out
}

/// A small deterministic generator (xorshift), so every run mutates the same way.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

#[test]
fn the_base_capture_is_a_little_endian_pcap() {
    assert_eq!(&BASE[..4], &[0xd4, 0xc3, 0xb2, 0xa1]);
    let (flows, s) = decode(BASE.to_vec());
    assert_eq!(flows, 6);
    assert!(s.capture_error.is_none());
}

#[test]
fn truncated_at_every_record_boundary_and_inside_records() {
    let recs = records(BASE);
    let (full_flows, _) = decode(BASE.to_vec());
    let mut n = 0;
    for (i, &(start, caplen)) in recs.iter().enumerate() {
        for cut in [start, start + 7, start + 16, start + 16 + caplen / 2] {
            if cut >= BASE.len() {
                continue;
            }
            let (flows, s) = decode(BASE[..cut].to_vec());
            n += 1;
            assert!(flows <= full_flows);
            if cut > start {
                // Cut inside a record: the break is reported where it is, after the
                // packets that came before.
                let e = s
                    .capture_error
                    .as_ref()
                    .unwrap_or_else(|| panic!("cut at {cut}: no error"));
                assert_eq!(e.packets_before, i as u64, "cut at {cut}");
                assert!(
                    e.offset >= start as u64 && e.offset <= cut as u64,
                    "cut at {cut}: {e:?}"
                );
                assert!(!e.message.is_empty());
            }
            assert_eq!(s.packets, i as u64, "cut at {cut}: packets before the cut");
        }
    }
    assert!(n > 100, "{n} truncations");
}

#[test]
fn bit_flips_anywhere() {
    let mut rng = Rng(0x5eed_cafe_f00d_1234);
    for _ in 0..600 {
        let mut data = BASE.to_vec();
        for _ in 0..1 + rng.below(8) {
            let at = rng.below(data.len());
            data[at] ^= 1 << rng.below(8);
        }
        decode(data);
    }
}

#[test]
fn wrong_link_types() {
    for lt in [
        0u32,
        1,
        101,
        108,
        113,
        228,
        229,
        276,
        12,
        14,
        147,
        65535,
        0xffff_ffff,
    ] {
        let mut data = BASE.to_vec();
        data[20..24].copy_from_slice(&lt.to_le_bytes());
        let (_, s) = decode(data);
        // Frames that do not parse under the claimed link type are skipped and counted.
        assert!(s.packets > 0, "link type {lt}: packets are still read");
    }
}

#[test]
fn absurd_record_lengths() {
    let recs = records(BASE);
    let mut n = 0;
    for (i, &(start, _)) in recs.iter().enumerate().step_by(2) {
        for len in [
            u32::MAX,
            0x7fff_ffff,
            1 << 26,
            262_145,
            BASE.len() as u32 * 2,
        ] {
            let mut data = BASE.to_vec();
            data[start + 8..start + 12].copy_from_slice(&len.to_le_bytes());
            let (_, s) = decode(data);
            n += 1;
            let e = s
                .capture_error
                .as_ref()
                .unwrap_or_else(|| panic!("record {i} caplen {len}: accepted"));
            assert_eq!(e.packets_before, i as u64);
        }
        // origlen absurd, caplen sane: not an error (snaplen-style), the packet is read.
        let mut data = BASE.to_vec();
        data[start + 12..start + 16].copy_from_slice(&u32::MAX.to_le_bytes());
        let (_, s) = decode(data);
        assert!(s.capture_error.is_none());
        n += 1;
    }
    assert!(n > 50);
}

#[test]
fn zero_length_packets() {
    let recs = records(BASE);
    for &(start, caplen) in recs.iter().take(40) {
        // Splice a zero-length record in front of each record.
        let mut data = BASE[..start].to_vec();
        data.extend_from_slice(&BASE[start..start + 8]);
        data.extend_from_slice(&[0; 8]);
        data.extend_from_slice(&BASE[start..]);
        let (flows, s) = decode(data);
        assert_eq!(flows, 6, "a zero-length packet loses no conversation");
        assert!(s.capture_error.is_none());
        let _ = caplen;
    }
}

#[test]
fn pcapng_mutations() {
    let mut rng = Rng(0x0123_4567_89ab_cdef);
    for i in 0..200 {
        let mut data = PCAPNG.to_vec();
        match i % 4 {
            0 => data.truncate(rng.below(data.len())),
            1 => {
                let at = rng.below(data.len());
                data[at] ^= 0xff;
            }
            2 => {
                // Block length fields are at 4-byte aligned offsets; smash one.
                let at = rng.below(data.len() / 4) * 4;
                data[at..at + 4].copy_from_slice(&u32::MAX.to_le_bytes());
            }
            _ => data.insert(rng.below(data.len()), 0),
        }
        decode(data);
    }
}
