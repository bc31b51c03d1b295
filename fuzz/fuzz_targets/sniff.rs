//! Fuzz target: first-bytes sniffing and its text rendering must never panic.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let s = ppdiag::sniff::sniff(data);
    let _ = s.describe();
    assert_eq!(s.length, data.len());
    let _ = ppdiag::sniff::tls_client_view(data);
});
