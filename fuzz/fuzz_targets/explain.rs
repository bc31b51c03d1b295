//! Fuzz target: the message matcher must never panic on any string.
#![no_main]
use libfuzzer_sys::fuzz_target;
use ppdiag::render::Painter;

fuzz_target!(|data: &[u8]| {
    if let Ok(s) = std::str::from_utf8(data) {
        let e = ppdiag::explain::explain(s);
        let _ = ppdiag::explain::render_text(&e, &Painter::new(false));
    }
});
