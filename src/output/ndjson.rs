//! The ndjson reporter: one compact JSON object per line, each item written as it
//! comes (serialized straight into the writer: no `String` per item), then the lines
//! of the end.

use super::{Guarded, Reporter};
use crate::output::Failure;
use crate::render::Painter;
use serde::Serialize;
use std::io::Write;

/// `--format ndjson`.
#[derive(Debug)]
pub struct Ndjson<W: Write> {
    out: Guarded<W>,
}

impl<W: Write> Ndjson<W> {
    /// Lines into `out`.
    pub fn new(out: W) -> Self {
        Ndjson {
            out: Guarded::new(out),
        }
    }
}

impl<W: Write> Reporter for Ndjson<W> {
    fn open_list(&mut self, _key: &'static str) {}

    fn item<T: Serialize>(&mut self, value: T, _text: impl FnOnce(T, &Painter, &mut String)) {
        self.line(&value);
    }

    /// `{"key":value}`, as serde writes a struct of one field.
    fn field<T: Serialize + ?Sized>(&mut self, key: &'static str, value: &T) {
        self.out.with(|w| {
            w.write_all(b"{")?;
            serde_json::to_writer(&mut *w, key).map_err(std::io::Error::other)?;
            w.write_all(b":")?;
            crate::json_text::write_compact(&mut *w, value)?;
            w.write_all(b"}\n")
        });
    }

    fn line<T: Serialize + ?Sized>(&mut self, value: &T) {
        self.out.with(|w| {
            crate::json_text::write_compact(&mut *w, value)?;
            w.write_all(b"\n")
        });
    }

    fn document<T: Serialize + ?Sized>(&mut self, _value: &T) {}

    fn text(&mut self, _text: impl FnOnce(&Painter, &mut String)) {}

    fn whole<T: Serialize + ?Sized>(
        &mut self,
        value: &T,
        _text: impl FnOnce(&Painter, &mut String),
    ) {
        self.line(value);
    }

    fn keeps_items(&self) -> bool {
        false
    }

    fn flush(&mut self) {
        self.out.flush();
    }

    fn close(&mut self) -> Result<(), Failure> {
        self.out.close()
    }
}
