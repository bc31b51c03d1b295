//! Where every command's output goes: the format and colour chosen on the command line,
//! one [`Reporter`] per format ([`text`], [`json`], [`ndjson`], after hyperfine's
//! `src/export/`: one trait, one file per format), the failure that means exit code 2,
//! and I/O errors in words.
//!
//! A command describes what it has once, for every format: a whole report
//! ([`Reporter::whole`]), or a stream of items ([`Reporter::item`], as they come) with
//! the parts of its end ([`Reporter::field`], [`Reporter::line`],
//! [`Reporter::document`], [`Reporter::text`]). Each reporter writes the parts its
//! format has and skips the others, so no command chooses by format. Writing stops
//! quietly on a closed pipe (`| head`); another write error is reported once, by
//! [`Reporter::close`].

pub mod json;
pub mod ndjson;
pub mod text;

use crate::render::Painter;
use serde::Serialize;
use std::io::{IsTerminal, Write};

/// Output format chosen with `--format`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OutputFormat {
    /// For people.
    Text,
    /// One pretty JSON document.
    Json,
    /// One compact JSON object per line.
    Ndjson,
}

/// When to colour text output (`--color`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColorChoice {
    /// On terminals unless NO_COLOR is set.
    Auto,
    /// Always.
    Always,
    /// Never.
    Never,
}

impl ColorChoice {
    /// Whether text written to stdout gets colour (<https://no-color.org>: a non-empty
    /// NO_COLOR turns it off).
    pub fn enabled(self) -> bool {
        match self {
            ColorChoice::Always => true,
            ColorChoice::Never => false,
            ColorChoice::Auto => {
                std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
                    && std::io::stdout().is_terminal()
            }
        }
    }
}

/// How to render.
#[derive(Debug, Clone, Copy)]
pub struct Output {
    /// The format.
    pub format: OutputFormat,
    /// Colour in text output.
    pub color: bool,
}

impl Output {
    /// Whether the output is for people (text); machine formats carry every detail,
    /// such as the escaped bytes a text view never shows.
    pub fn is_text(&self) -> bool {
        self.format == OutputFormat::Text
    }

    /// The reporter of this format, writing to `out`.
    pub fn reporter<W: Write>(&self, out: W) -> Sink<W> {
        match self.format {
            OutputFormat::Text => Sink::Text(text::Text::new(out, Painter::new(self.color))),
            OutputFormat::Json => Sink::Json(json::Json::new(out)),
            OutputFormat::Ndjson => Sink::Ndjson(ndjson::Ndjson::new(out)),
        }
    }

    /// The reporter of this format, writing to stdout through a buffer: a command that
    /// streams calls [`Reporter::flush`] when what it wrote should be seen.
    pub fn stdout(&self) -> Sink<std::io::BufWriter<std::io::Stdout>> {
        self.reporter(std::io::BufWriter::with_capacity(
            1 << 16,
            std::io::stdout(),
        ))
    }
}

/// ppdiag could not do its job (exit code 2); the message says what and where.
#[derive(Debug)]
pub struct Failure(pub String);

/// An I/O error in words, without Rust's or the OS's internals (`(os error 21)`,
/// `Kind(...)`): "it is a directory", "no such file or directory".
pub fn io_error_words(e: &std::io::Error) -> String {
    use std::io::ErrorKind;
    match e.kind() {
        ErrorKind::NotFound => "no such file or directory".into(),
        ErrorKind::PermissionDenied => "permission denied".into(),
        ErrorKind::IsADirectory => "it is a directory, not a file".into(),
        ErrorKind::UnexpectedEof => "the file ends early".into(),
        _ => {
            let text = e.to_string();
            let text = match text.find(" (os error") {
                Some(i) => text[..i].to_string(),
                None => text,
            };
            let mut c = text.chars();
            match c.next() {
                Some(f) => f.to_lowercase().chain(c).collect(),
                None => "unknown error".into(),
            }
        }
    }
}

/// Writes `s` to stdout as it is (completions, the man page); a closed pipe is not an
/// error.
pub fn emit(s: &str) -> Result<i32, Failure> {
    let mut out = std::io::stdout().lock();
    match out.write_all(s.as_bytes()).and_then(|_| out.flush()) {
        Ok(()) => Ok(0),
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(0),
        Err(e) => Err(Failure(format!("cannot write output: {e}"))),
    }
}

/// Writes a command's output in one format. Text closures get the painter and a buffer
/// to append to; a reporter that does not write text never calls them.
pub trait Reporter {
    /// Opens a document whose list `key` is written item by item (json: `{"key": [`);
    /// without it, json writes only [`Reporter::document`].
    fn open_list(&mut self, key: &'static str);

    /// One item, as it comes: a line (ndjson), the next element of the open list (json;
    /// nothing when none is open), or what `text` appends (text; it may also keep the
    /// item for the end instead).
    fn item<T: Serialize>(&mut self, value: T, text: impl FnOnce(T, &Painter, &mut String));

    /// A named part of the end: a field after the open list (json), a line
    /// `{"key":value}` (ndjson); text says it in [`Reporter::text`].
    fn field<T: Serialize + ?Sized>(&mut self, key: &'static str, value: &T);

    /// A line of the end (ndjson only).
    fn line<T: Serialize + ?Sized>(&mut self, value: &T);

    /// The whole document at the end (json only, when no list is open).
    fn document<T: Serialize + ?Sized>(&mut self, value: &T);

    /// Text (text only).
    fn text(&mut self, text: impl FnOnce(&Painter, &mut String));

    /// A report that is the whole output: a pretty document (json), one line (ndjson)
    /// or its text.
    fn whole<T: Serialize + ?Sized>(&mut self, value: &T, text: impl FnOnce(&Painter, &mut String));

    /// Whether this format writes its document only at the end, so a command that
    /// streams items must keep them for [`Reporter::document`] (json without a list).
    fn keeps_items(&self) -> bool;

    /// Sends what is buffered (live output: each item as soon as it is known).
    fn flush(&mut self);

    /// Ends the output (json: closes the open document) and flushes; the first write
    /// error that was not a closed pipe is the failure.
    fn close(&mut self) -> Result<(), Failure>;
}

/// A writer that stops at the first error: a closed pipe ends the output quietly,
/// another error is kept for [`Reporter::close`].
#[derive(Debug)]
pub struct Guarded<W: Write> {
    out: W,
    closed: bool,
    error: Option<std::io::Error>,
}

impl<W: Write> Guarded<W> {
    fn new(out: W) -> Self {
        Guarded {
            out,
            closed: false,
            error: None,
        }
    }

    /// Runs `f` on the writer unless an earlier write failed.
    fn with(&mut self, f: impl FnOnce(&mut W) -> std::io::Result<()>) {
        if self.closed {
            return;
        }
        if let Err(e) = f(&mut self.out) {
            self.fail(e);
        }
    }

    fn write(&mut self, bytes: &[u8]) {
        self.with(|w| w.write_all(bytes));
    }

    fn fail(&mut self, e: std::io::Error) {
        self.closed = true;
        if e.kind() != std::io::ErrorKind::BrokenPipe {
            self.error = Some(e);
        }
    }

    fn flush(&mut self) {
        self.with(|w| w.flush());
    }

    fn close(&mut self) -> Result<(), Failure> {
        self.flush();
        match self.error.take() {
            Some(e) => Err(Failure(format!("cannot write output: {e}"))),
            None => Ok(()),
        }
    }
}

/// The reporter of the chosen format (see [`Output::reporter`]).
#[derive(Debug)]
pub enum Sink<W: Write> {
    /// `--format text`.
    Text(text::Text<W>),
    /// `--format json`.
    Json(json::Json<W>),
    /// `--format ndjson`.
    Ndjson(ndjson::Ndjson<W>),
}

macro_rules! each {
    ($self:ident, $r:ident => $e:expr) => {
        match $self {
            Sink::Text($r) => $e,
            Sink::Json($r) => $e,
            Sink::Ndjson($r) => $e,
        }
    };
}

impl<W: Write> Reporter for Sink<W> {
    fn open_list(&mut self, key: &'static str) {
        each!(self, r => r.open_list(key))
    }
    fn item<T: Serialize>(&mut self, value: T, text: impl FnOnce(T, &Painter, &mut String)) {
        each!(self, r => r.item(value, text))
    }
    fn field<T: Serialize + ?Sized>(&mut self, key: &'static str, value: &T) {
        each!(self, r => r.field(key, value))
    }
    fn line<T: Serialize + ?Sized>(&mut self, value: &T) {
        each!(self, r => r.line(value))
    }
    fn document<T: Serialize + ?Sized>(&mut self, value: &T) {
        each!(self, r => r.document(value))
    }
    fn text(&mut self, text: impl FnOnce(&Painter, &mut String)) {
        each!(self, r => r.text(text))
    }
    fn whole<T: Serialize + ?Sized>(
        &mut self,
        value: &T,
        text: impl FnOnce(&Painter, &mut String),
    ) {
        each!(self, r => r.whole(value, text))
    }
    fn keeps_items(&self) -> bool {
        each!(self, r => r.keeps_items())
    }
    fn flush(&mut self) {
        each!(self, r => r.flush())
    }
    fn close(&mut self) -> Result<(), Failure> {
        each!(self, r => r.close())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(format: OutputFormat, f: impl FnOnce(&mut Sink<&mut Vec<u8>>)) -> String {
        let mut buf = Vec::new();
        let mut r = Output {
            format,
            color: false,
        }
        .reporter(&mut buf);
        f(&mut r);
        r.close().unwrap();
        drop(r);
        String::from_utf8(buf).unwrap()
    }

    fn stream(r: &mut Sink<&mut Vec<u8>>, items: &[serde_json::Value]) {
        r.open_list("items");
        for i in items {
            r.item(i, |i, _, s| s.push_str(&format!("item {i}\n")));
        }
        r.field("end", &serde_json::json!({"n": items.len()}));
        r.text(|_, s| s.push_str("end\n"));
    }

    #[test]
    fn a_streamed_document_is_pretty_json() {
        let items = [serde_json::json!({"a": [1, 2]}), serde_json::json!("x")];
        let out = run(OutputFormat::Json, |r| stream(r, &items));
        let whole = serde_json::json!({"items": items, "end": {"n": 2}});
        // serde_json without preserve_order sorts keys: compare values, then the layout.
        assert_eq!(
            serde_json::from_str::<serde_json::Value>(&out).unwrap(),
            whole
        );
        assert_eq!(
            out,
            "{\n  \"items\": [\n    {\n      \"a\": [\n        1,\n        2\n      ]\n    },\n    \"x\"\n  ],\n  \"end\": {\n    \"n\": 2\n  }\n}\n"
        );
        // An empty list keeps the streamed layout.
        let out = run(OutputFormat::Json, |r| stream(r, &[]));
        assert_eq!(
            out,
            "{\n  \"items\": [\n  ],\n  \"end\": {\n    \"n\": 0\n  }\n}\n"
        );
    }

    #[test]
    fn ndjson_and_text_streams() {
        let items = [serde_json::json!({"a": 1}), serde_json::json!(2)];
        let out = run(OutputFormat::Ndjson, |r| stream(r, &items));
        assert_eq!(out, "{\"a\":1}\n2\n{\"end\":{\"n\":2}}\n");
        let out = run(OutputFormat::Text, |r| stream(r, &items));
        assert_eq!(out, "item {\"a\":1}\nitem 2\nend\n");
    }

    #[test]
    fn the_end_parts_go_to_their_format() {
        let all = |r: &mut Sink<&mut Vec<u8>>| {
            r.item(1, |_, _, _| {});
            r.line(&2);
            r.document(&[3]);
            r.text(|_, s| s.push_str("four\n"));
        };
        assert_eq!(run(OutputFormat::Ndjson, all), "1\n2\n");
        assert_eq!(run(OutputFormat::Json, all), "[\n  3\n]\n");
        assert_eq!(run(OutputFormat::Text, all), "four\n");
        let whole = |r: &mut Sink<&mut Vec<u8>>| r.whole(&[1], |_, s| s.push_str("one\n"));
        assert_eq!(run(OutputFormat::Ndjson, whole), "[1]\n");
        assert_eq!(run(OutputFormat::Json, whole), "[\n  1\n]\n");
        assert_eq!(run(OutputFormat::Text, whole), "one\n");
    }
}
