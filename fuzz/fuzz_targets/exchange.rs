//! Fuzz target: the exchange judge (opening analysis of the client's bytes, sniffing of
//! the server's, the rules) must never panic, whatever the split and the ending.
#![no_main]
use libfuzzer_sys::fuzz_target;
use ppdiag::diagnose::{Ending, Exchange, judge};

fuzz_target!(|data: &[u8]| {
    if data.len() < 2 {
        return;
    }
    let ending = match data[0] % 5 {
        0 => Ending::Closed,
        1 => Ending::Reset,
        2 => Ending::Timeout,
        3 => Ending::Open,
        _ => Ending::Refused,
    };
    let rest = &data[2..];
    let split = (data[1] as usize * rest.len()) / 256;
    let v = judge(&Exchange { client: &rest[..split], server: &rest[split..], ending });
    for f in &v.findings {
        assert!(!f.summary.is_empty());
    }
});
