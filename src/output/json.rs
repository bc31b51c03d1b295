//! The JSON reporter: one pretty document (two spaces a level, as
//! `serde_json::to_string_pretty`). A document with an open list is streamed: its
//! opening, then each item as it comes (pretty, indented into the list, written by
//! [`crate::json_text`] in one piece), then the fields of the end; otherwise the whole
//! document is written at the end.

use super::{Guarded, Reporter};
use crate::json_text::write_pretty;
use crate::output::Failure;
use crate::render::Painter;
use serde::Serialize;
use std::io::Write;

/// `--format json`.
#[derive(Debug)]
pub struct Json<W: Write> {
    out: Guarded<W>,
    /// The list of a document opened but not yet written: it is written with the
    /// first item or field, so a command that fails before either writes nothing.
    pending: Option<&'static str>,
    /// A document is open (`{` written).
    open: bool,
    /// Its list is open (`[` written, `]` not yet).
    in_list: bool,
    /// Items written into the list.
    items: u64,
}

impl<W: Write> Json<W> {
    /// A document into `out`.
    pub fn new(out: W) -> Self {
        Json {
            out: Guarded::new(out),
            pending: None,
            open: false,
            in_list: false,
            items: 0,
        }
    }

    fn write_opening(&mut self) {
        if let Some(key) = self.pending.take() {
            self.out.write(b"{\n  ");
            self.out
                .with(|w| serde_json::to_writer(&mut *w, key).map_err(std::io::Error::other));
            self.out.write(b": [");
            self.open = true;
            self.in_list = true;
        }
    }

    fn end_list(&mut self) {
        if self.in_list {
            self.out.write(b"\n  ]");
            self.in_list = false;
        }
    }
}

impl<W: Write> Reporter for Json<W> {
    fn open_list(&mut self, key: &'static str) {
        if !self.open {
            self.pending = Some(key);
        }
    }

    fn item<T: Serialize>(&mut self, value: T, _text: impl FnOnce(T, &Painter, &mut String)) {
        self.write_opening();
        if !self.in_list {
            return;
        }
        self.out.write(if self.items == 0 {
            b"\n    "
        } else {
            b",\n    "
        });
        self.items += 1;
        self.out.with(|w| write_pretty(w, &value, 4));
    }

    fn field<T: Serialize + ?Sized>(&mut self, key: &'static str, value: &T) {
        self.write_opening();
        if !self.open {
            return;
        }
        self.end_list();
        self.out.write(b",\n  ");
        self.out
            .with(|w| serde_json::to_writer(&mut *w, key).map_err(std::io::Error::other));
        self.out.write(b": ");
        self.out.with(|w| write_pretty(w, value, 2));
    }

    fn line<T: Serialize + ?Sized>(&mut self, _value: &T) {}

    fn document<T: Serialize + ?Sized>(&mut self, value: &T) {
        if self.open || self.pending.is_some() {
            return;
        }
        self.out.with(|w| {
            serde_json::to_writer_pretty(&mut *w, value).map_err(std::io::Error::other)?;
            w.write_all(b"\n")
        });
    }

    fn text(&mut self, _text: impl FnOnce(&Painter, &mut String)) {}

    fn whole<T: Serialize + ?Sized>(
        &mut self,
        value: &T,
        _text: impl FnOnce(&Painter, &mut String),
    ) {
        self.document(value);
    }

    fn keeps_items(&self) -> bool {
        !self.open && self.pending.is_none()
    }

    fn flush(&mut self) {
        self.out.flush();
    }

    fn close(&mut self) -> Result<(), Failure> {
        self.write_opening();
        if self.open {
            self.end_list();
            self.out.write(b"\n}\n");
            self.open = false;
        }
        self.out.close()
    }
}
