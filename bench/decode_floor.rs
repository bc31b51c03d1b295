//! The floors under `ppdiag decode` in the decode benchmark: the same pcap-parser loop as
//! `decode_bare`, then one stage more of decode's own sans-IO core at a time, all on one
//! thread and with no output, so `bench/decode.sh` can show where the time goes:
//! - `parse`: each frame read down to its TCP or UDP header (`decode::packet::parse`);
//! - `track`: the tracker too (flow table, reassembly of the openings, endings), its
//!   conversations handed straight back unjudged;
//! - `judge`: the judge too (judging, linking, counting; words as the text view has them).
//!
//! `cargo run --release --example decode_floor -- parse|track|judge FILE` (legacy pcap)

use pcap_parser::{PcapBlockOwned, PcapError, create_reader};
use ppdiag::decode::engine::Event;
use ppdiag::decode::{Filter, Judge, Limits, Tracker, packet};

// As the binary: its allocator is part of what it costs.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// How far down each frame goes.
#[derive(Clone, Copy, PartialEq)]
enum Stage {
    Parse,
    Track,
    Judge,
}

/// What one stage keeps per frame.
struct Floor {
    stage: Stage,
    tracker: Tracker,
    judge: Judge,
    events: Vec<Event>,
    spare: Vec<Box<ppdiag::decode::flow::Flow>>,
    reports: Vec<Box<ppdiag::decode::FlowReport>>,
    /// What each stage found, printed so no stage can be optimised away.
    found: u64,
}

impl Floor {
    fn frame(&mut self, ts: u64, lt: u32, data: &[u8]) {
        if self.stage == Stage::Parse {
            if let Ok(p) = packet::parse(lt, data) {
                self.found += u64::from(p.src.port() ^ p.dst.port());
            }
            return;
        }
        self.tracker.frame(ts, lt, data, &mut self.events);
        self.hand_on();
    }

    fn hand_on(&mut self) {
        for e in self.events.drain(..) {
            if self.stage == Stage::Judge {
                self.judge.event(e, &mut self.reports);
            } else if let Event::Tcp(f, _) = e {
                self.found += 1;
                self.spare.push(f);
            }
        }
        self.found += self.reports.len() as u64;
        self.reports.clear();
        if self.stage == Stage::Judge {
            self.tracker.recycle(self.judge.spare());
        } else {
            self.tracker.recycle(&mut self.spare);
        }
    }

    fn finish(&mut self) {
        self.tracker.finish(&mut self.events);
        self.hand_on();
        self.judge.finish(&mut self.reports);
        self.found += self.reports.len() as u64;
    }
}

fn main() {
    let mut args = std::env::args().skip(1);
    let stage = match args.next().as_deref() {
        Some("parse") => Stage::Parse,
        Some("track") => Stage::Track,
        Some("judge") => Stage::Judge,
        _ => panic!("usage: decode_floor parse|track|judge FILE"),
    };
    let path = args.next().expect("FILE");
    let f = std::fs::File::open(&path).expect("open");
    let mut r = create_reader(1 << 20, f).expect("pcap");
    let limits = Limits::default();
    let mut floor = Floor {
        stage,
        tracker: Tracker::new(limits, Filter::default()),
        judge: Judge::new(limits).without_bytes(),
        events: Vec::new(),
        spare: Vec::new(),
        reports: Vec::new(),
        found: 0,
    };
    let (mut lt, mut nano, mut packets) = (1u32, false, 0u64);
    loop {
        match r.next() {
            Ok((n, block)) => {
                match &block {
                    PcapBlockOwned::LegacyHeader(h) => {
                        lt = h.network.0 as u32;
                        nano = h.is_nanosecond_precision();
                    }
                    PcapBlockOwned::Legacy(b) => {
                        packets += 1;
                        let frac = u64::from(b.ts_usec) * if nano { 1 } else { 1000 };
                        floor.frame(u64::from(b.ts_sec) * 1_000_000_000 + frac, lt, b.data);
                    }
                    PcapBlockOwned::NG(_) => panic!("decode_floor reads legacy pcap only"),
                }
                r.consume_noshift(n);
            }
            Err(PcapError::Eof) => break,
            Err(PcapError::Incomplete(_)) => r.refill().expect("refill"),
            Err(e) => panic!("{e:?}"),
        }
    }
    floor.finish();
    println!("{packets} packets, {} found", floor.found);
}
