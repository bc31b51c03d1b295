//! Command shells: read input (stdin, files), call the sans-IO core, write the rendered
//! output. The only place besides `main` that touches the terminal or the filesystem.

pub mod explain;
pub mod inspect;

use crate::cli::TextSource;
use std::io::{Read, Write};

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

/// How to render.
#[derive(Debug, Clone, Copy)]
pub struct Output {
    /// The format.
    pub format: OutputFormat,
    /// Colour in text output.
    pub color: bool,
}

impl Output {
    /// Renders a serializable value in the JSON formats, or `None` for text.
    pub fn json<T: serde::Serialize>(&self, value: &T) -> Option<String> {
        match self.format {
            OutputFormat::Text => None,
            OutputFormat::Json => Some(crate::render::to_json(value)),
            OutputFormat::Ndjson => Some(crate::render::to_json_line(value)),
        }
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

/// Largest text input accepted (a pasted dump; captures go to `decode`).
const MAX_TEXT: u64 = 16 * 1024 * 1024;

/// Reads the input of a command as bytes (it may not be text: nginx logs raw bytes).
pub fn read_input(source: &TextSource) -> Result<Vec<u8>, Failure> {
    let mut buf = Vec::new();
    match source {
        TextSource::Inline(s) => return Ok(s.clone().into_bytes()),
        TextSource::Stdin => std::io::stdin()
            .lock()
            .take(MAX_TEXT + 1)
            .read_to_end(&mut buf)
            .map_err(|e| {
                Failure(format!(
                    "cannot read standard input: {}",
                    io_error_words(&e)
                ))
            })?,
        TextSource::File(p) => std::fs::File::open(p)
            .and_then(|f| f.take(MAX_TEXT + 1).read_to_end(&mut buf))
            .map_err(|e| {
                Failure(format!(
                    "cannot read {}: {}",
                    p.display(),
                    io_error_words(&e)
                ))
            })?,
    };
    if buf.len() as u64 > MAX_TEXT {
        return Err(Failure(format!(
            "input is larger than {} MiB; for captures use `ppdiag decode`",
            MAX_TEXT / 1024 / 1024
        )));
    }
    Ok(buf)
}

/// Reads the input of a command that needs text.
pub fn read_text(source: &TextSource) -> Result<String, Failure> {
    match String::from_utf8(read_input(source)?) {
        Ok(s) => Ok(s),
        Err(e) => Err(Failure(format!(
            "input is not text (invalid UTF-8 at byte {}); give the message as text",
            e.utf8_error().valid_up_to()
        ))),
    }
}

/// Writes `s` to stdout; a closed pipe is not an error.
pub fn emit(s: &str) -> Result<i32, Failure> {
    let mut out = std::io::stdout().lock();
    match out.write_all(s.as_bytes()).and_then(|_| out.flush()) {
        Ok(()) => Ok(0),
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(0),
        Err(e) => Err(Failure(format!("cannot write output: {e}"))),
    }
}
