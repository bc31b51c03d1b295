//! Fuzz target: the reader of pasted bytes (hex, dumps, escapes, raw) must never panic,
//! and the full `inspect` report built on what it reads must render.
#![no_main]
use libfuzzer_sys::fuzz_target;
use ppdiag::commands::inspect::{Origin, render_text, report};
use ppdiag::render::Painter;

fuzz_target!(|data: &[u8]| {
    if let Ok(parsed) = ppdiag::rawbytes::parse_bytes(data) {
        let r = report(parsed, Origin::Unknown);
        let _ = render_text(&r, &Painter::new(false));
    }
});
