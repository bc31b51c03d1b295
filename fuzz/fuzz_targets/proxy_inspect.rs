//! Fuzz target: the PROXY v1/v2 inspector must never panic, and its answers must be
//! consistent: a complete header fits in the input, an exact "need N more" is honest.
#![no_main]
use libfuzzer_sys::fuzz_target;
use ppdiag::proxy::{Inspection, inspect};

fuzz_target!(|data: &[u8]| {
    match inspect(data) {
        Inspection::Complete(h) => {
            assert!(h.length <= data.len());
            assert!(h.length >= 15);
            // The same header alone is still complete with the same length.
            match inspect(&data[..h.length]) {
                Inspection::Complete(again) => assert_eq!(again.length, h.length),
                other => panic!("prefix of a complete header is {other:?}"),
            }
        }
        Inspection::Incomplete { at_least, exact: true, .. } => {
            assert!(at_least > 0);
        }
        Inspection::Malformed(m) => {
            assert!(m.offset <= data.len().max(107));
            assert!(!m.message.is_empty());
        }
        _ => {}
    }
});
