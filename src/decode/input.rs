//! Opening `decode`'s input (I/O shell): a capture file or standard input, as
//! pcap-parser wants it. A gzip-compressed capture is read through a decoder (as tshark
//! reads one) that ends at its first error and keeps the error's words for the report:
//! pcap-parser turns any read error into a bare "read error", and a capture cut at a
//! record boundary would otherwise end without one. Another compression is refused with
//! the command that undoes it ([`super::compressed`] recognises them).

use super::compressed::{Compression, MAGIC_LEN};
use crate::output::Failure;
use std::io::{Read, Seek};
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

/// Where the capture comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Input {
    /// Standard input (`-`).
    Stdin,
    /// A file.
    File(PathBuf),
}

/// A capture's bytes, as some reader gives them.
type Capture = Box<dyn Read + Send>;

/// An opened capture.
pub struct Opened {
    /// What pcap-parser reads.
    pub reader: Capture,
    /// The capture's name in messages.
    pub name: String,
    /// Its size in bytes, when known and when it is the capture's (not for gzip).
    pub size: Option<u64>,
    /// For a gzip capture: how its decompression went.
    pub gzip: Option<Arc<Gunzipped>>,
}

/// How far a gzip capture was decompressed, and why it stopped early if it did.
#[derive(Debug, Default)]
pub struct Gunzipped {
    /// Decompressed bytes handed on.
    pub delivered: AtomicU64,
    /// The decoder's error, in words, if it met one.
    pub failed: Mutex<Option<String>>,
}

impl Gunzipped {
    /// The decoder's error and the decompressed offset where it stopped, if it met one.
    pub fn error(&self) -> Option<(String, u64)> {
        let failed = self.failed.lock().ok()?.clone()?;
        Some((failed, self.delivered.load(Ordering::Relaxed)))
    }
}

/// A gzip decoder that ends (reads as end of input) at its first error, keeping it.
struct Gunzip {
    inner: flate2::read::MultiGzDecoder<std::io::BufReader<Capture>>,
    state: Arc<Gunzipped>,
}

impl Read for Gunzip {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        match self.inner.read(buf) {
            Ok(n) => {
                self.state.delivered.fetch_add(n as u64, Ordering::Relaxed);
                Ok(n)
            }
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => Err(e),
            Err(e) => {
                if let Ok(mut f) = self.state.failed.lock() {
                    f.get_or_insert_with(|| gzip_error_words(&e));
                }
                Ok(0)
            }
        }
    }
}

/// flate2's error, in words: a cut stream says so; the rest are its own words.
fn gzip_error_words(e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::UnexpectedEof => "the compressed data ends early (cut short)".into(),
        _ => format!(
            "the compressed data is corrupt ({})",
            crate::output::io_error_words(e)
        ),
    }
}

/// Opens the capture (a directory, an unreadable file or another compression is exit 2).
pub fn open_input(input: &Input) -> Result<Opened, Failure> {
    match input {
        Input::Stdin => {
            let mut stdin = std::io::stdin();
            let first = first_bytes(&mut stdin).map_err(|e| cannot_read("standard input", &e))?;
            let whole = Box::new(std::io::Cursor::new(first.clone()).chain(stdin));
            let (reader, gzip) = uncompressed(whole, &first, "standard input", "FILE")?;
            let name = if gzip.is_some() {
                "standard input (gzip)"
            } else {
                "standard input"
            };
            // Paced: its first read gathers the whole file header, however the pipe
            // (or the decoder) hands it over.
            Ok(Opened {
                reader: Box::new(Paced::new(reader)),
                name: name.into(),
                size: None,
                gzip,
            })
        }
        Input::File(p) => {
            let name = p.display().to_string();
            if p.is_dir() {
                return Err(Failure(format!(
                    "cannot read {name}: it is a directory; give a pcap or pcapng file"
                )));
            }
            let cannot = |e: std::io::Error| cannot_read(&name, &e);
            let mut f = std::fs::File::open(p).map_err(cannot)?;
            let size = f.metadata().ok().map(|m| m.len());
            let first = first_bytes(&mut f).map_err(cannot)?;
            f.rewind().map_err(cannot)?;
            let (reader, gzip) = uncompressed(Box::new(f), &first, &name, &name)?;
            let reader: Capture = match gzip {
                Some(_) => Box::new(Paced::new(reader)),
                None => reader,
            };
            Ok(Opened {
                reader,
                size: size.filter(|_| gzip.is_none()),
                name,
                gzip,
            })
        }
    }
}

/// `cannot read NAME: why`, exit 2.
fn cannot_read(name: &str, e: &std::io::Error) -> Failure {
    Failure(format!(
        "cannot read {name}: {}",
        crate::output::io_error_words(e)
    ))
}

/// The first [`MAGIC_LEN`] bytes (fewer at the end of input).
fn first_bytes(r: &mut impl Read) -> std::io::Result<Vec<u8>> {
    let mut first = Vec::with_capacity(MAGIC_LEN);
    r.take(MAGIC_LEN as u64).read_to_end(&mut first)?;
    Ok(first)
}

/// `r` (the whole capture), through a gzip decoder when `first` says gzip. Another
/// compression is refused with the command that undoes it (`path`: how the user named
/// the capture).
fn uncompressed(
    r: Capture,
    first: &[u8],
    name: &str,
    path: &str,
) -> Result<(Capture, Option<Arc<Gunzipped>>), Failure> {
    match Compression::of(first) {
        None => Ok((r, None)),
        Some(Compression::Gzip) => {
            let state = Arc::new(Gunzipped::default());
            let inner = flate2::read::MultiGzDecoder::new(std::io::BufReader::new(r));
            let reader = Gunzip {
                inner,
                state: state.clone(),
            };
            Ok((Box::new(reader), Some(state)))
        }
        Some(c) => Err(Failure(format!(
            "{name}: the capture is {}-compressed, and decode reads pcap, pcapng and gzip: decompress it first (`{} {path} | ppdiag decode -`)",
            c.name(),
            c.cat()
        ))),
    }
}

/// A reader for live input whose first read returns only the file header.
///
/// pcap-parser reads twice before its first block (once to recognise the format, once
/// more to fill its buffer); on a pipe the second read blocks until more packets come.
/// Handing it the header alone first means the second read brings the packets already
/// written, so nothing waits for the next packet to be reported.
struct Paced<R> {
    inner: R,
    head: Vec<u8>,
    first: bool,
}

impl<R: Read> Paced<R> {
    fn new(inner: R) -> Self {
        Paced {
            inner,
            head: Vec::new(),
            first: true,
        }
    }
}

impl<R: Read> Read for Paced<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if self.first {
            self.first = false;
            // The first 28 bytes say which format and how long its header is.
            let mut head = [0u8; 28];
            let mut got = 0;
            while got < head.len() {
                match self.inner.read(&mut head[got..])? {
                    0 => break,
                    n => got += n,
                }
            }
            self.head = head[..got].to_vec();
            let header_len = match self.head.get(..4) {
                Some([0x0a, 0x0d, 0x0d, 0x0a]) => {
                    let len = self.head.get(4..8).map(|b| [b[0], b[1], b[2], b[3]]);
                    let le = self.head.get(8..12) == Some(&[0x4d, 0x3c, 0x2b, 0x1a][..]);
                    let len = len.map_or(0, |l| {
                        if le {
                            u32::from_le_bytes(l)
                        } else {
                            u32::from_be_bytes(l)
                        }
                    }) as usize;
                    // A section header with options is longer: read all of it (bounded).
                    let want = len.min(1 << 16);
                    let mut more = [0u8; 4096];
                    while self.head.len() < want {
                        let room = (want - self.head.len()).min(more.len());
                        match self.inner.read(&mut more[..room])? {
                            0 => break,
                            n => self.head.extend_from_slice(&more[..n]),
                        }
                    }
                    want.clamp(got.min(28), self.head.len())
                }
                _ => 24.min(got),
            };
            let n = header_len.min(buf.len());
            buf[..n].copy_from_slice(&self.head[..n]);
            self.head.drain(..n);
            return Ok(n);
        }
        if !self.head.is_empty() {
            let n = self.head.len().min(buf.len());
            buf[..n].copy_from_slice(&self.head[..n]);
            self.head.drain(..n);
            return Ok(n);
        }
        self.inner.read(buf)
    }
}
