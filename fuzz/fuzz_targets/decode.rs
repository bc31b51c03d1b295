//! Fuzz target: the capture decoder (pcap/pcapng reading, link layers, TCP reassembly,
//! judging, leg linking) must never panic on any file, and must account for every
//! conversation it reports.
#![no_main]
use libfuzzer_sys::fuzz_target;
use ppdiag::decode::{self, shell::decode_reader};

fuzz_target!(|data: &[u8]| {
    let (flows, summary) = decode_reader(
        Box::new(std::io::Cursor::new(data.to_vec())),
        decode::Limits::default(),
        decode::Filter::default(),
    );
    for (i, f) in flows.iter().enumerate() {
        assert!(f.id > 0, "flow {i} has no id");
    }
    let _ = summary;
});
