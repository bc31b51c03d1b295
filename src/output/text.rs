//! The text reporter: what the command's text closures write, in colour when chosen;
//! no JSON. One buffer is reused for every item, so streaming text allocates nothing
//! per item.

use super::{Guarded, Reporter};
use crate::output::Failure;
use crate::render::Painter;
use serde::Serialize;
use std::io::Write;

/// `--format text`.
#[derive(Debug)]
pub struct Text<W: Write> {
    out: Guarded<W>,
    painter: Painter,
    buf: String,
}

impl<W: Write> Text<W> {
    /// Text into `out`, painted by `painter`.
    pub fn new(out: W, painter: Painter) -> Self {
        Text {
            out: Guarded::new(out),
            painter,
            buf: String::new(),
        }
    }

    fn write_buf(&mut self) {
        if !self.buf.is_empty() {
            self.out.write(self.buf.as_bytes());
            self.buf.clear();
        }
    }
}

impl<W: Write> Reporter for Text<W> {
    fn open_list(&mut self, _key: &'static str) {}

    fn item<T: Serialize>(&mut self, value: T, text: impl FnOnce(T, &Painter, &mut String)) {
        text(value, &self.painter, &mut self.buf);
        self.write_buf();
    }

    fn field<T: Serialize + ?Sized>(&mut self, _key: &'static str, _value: &T) {}

    fn line<T: Serialize + ?Sized>(&mut self, _value: &T) {}

    fn document<T: Serialize + ?Sized>(&mut self, _value: &T) {}

    fn text(&mut self, text: impl FnOnce(&Painter, &mut String)) {
        text(&self.painter, &mut self.buf);
        self.write_buf();
    }

    fn whole<T: Serialize + ?Sized>(
        &mut self,
        _value: &T,
        text: impl FnOnce(&Painter, &mut String),
    ) {
        self.text(text);
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
