//! The baseline of the decode benchmark: a bare pcap-parser loop that reads every block
//! and touches each packet's first byte, nothing else.
//! `cargo run --release --example decode_bare -- FILE`

use pcap_parser::{PcapBlockOwned, PcapError, create_reader};

fn main() {
    let path = std::env::args().nth(1).expect("FILE");
    let f = std::fs::File::open(&path).expect("open");
    let mut r = create_reader(1 << 20, f).expect("pcap");
    let (mut packets, mut bytes, mut sum) = (0u64, 0u64, 0u64);
    loop {
        match r.next() {
            Ok((n, block)) => {
                if let PcapBlockOwned::Legacy(b) = &block {
                    packets += 1;
                    bytes += u64::from(b.caplen);
                    sum += u64::from(b.data.first().copied().unwrap_or(0));
                }
                // As decode does: `refill` moves what is left, `consume` would also
                // move half the buffer each time half of it has been read.
                r.consume_noshift(n);
            }
            Err(PcapError::Eof) => break,
            Err(PcapError::Incomplete(_)) => r.refill().expect("refill"),
            Err(e) => panic!("{e:?}"),
        }
    }
    println!("{packets} packets, {bytes} bytes (checksum {sum})");
}
