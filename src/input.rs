//! Reading what a command is given as text: an argument, standard input or a file
//! (`inspect`, `explain`, `probe --targets-file`), bounded in size.

use crate::config::TextSource;
use crate::output::{Failure, io_error_words};
use std::io::Read;

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
