//! The I/O shell of `decode`: streams a pcap or pcapng file (or stdin) through
//! pcap-parser into the sans-IO [`Tracker`] and [`Judge`] (on two threads), writes each
//! conversation as it is reported (ndjson, json, `--all`), keeps only the worst few for
//! the default text view, and shows a progress bar on terminals for large files.
//!
//! Rules: the only part of `decode` that touches files, stdin, stdout and the terminal.
//! Memory stays bounded: the reader's buffer, the decoder's bounded state, and at most
//! [`WORST_SHOWN`] reports held for the text view. A capture that breaks is reported
//! where it breaks; exit 2 only when nothing at all could be read.

use super::engine::{Event, Filter, Limits, Tracker};
pub use super::input::Input;
use super::input::{Opened, open_input};
use super::judge::Judge;
use super::packet::linktype;
use super::report::Summary;
use super::report::{CaptureError, FlowReport, flow_text, summary_text};
use crate::findings::Severity;
use crate::output::{Failure, Output, Reporter};
use crate::render::Painter;
use pcap_parser::pcapng::Block;
use pcap_parser::traits::PcapNGPacketBlock;
use pcap_parser::{PcapBlockOwned, PcapError};
use std::io::{IsTerminal, Read};

/// How many conversations the default text view shows.
pub const WORST_SHOWN: usize = 10;

/// Validated `decode` config.
#[derive(Debug, Clone)]
pub struct DecodeConfig {
    /// The capture.
    pub input: Input,
    /// Show every conversation in text.
    pub all: bool,
    /// Ports and hosts to keep.
    pub filter: Filter,
    /// Output.
    pub output: Output,
    /// Bounds.
    pub limits: Limits,
}

/// Decodes a whole capture from `reader` on this thread and returns every report and the
/// summary (with the capture error, if any). For tests and for embedding (`demo`); the
/// command itself streams with [`run`].
pub fn decode_reader(
    reader: Box<dyn Read + Send>,
    limits: Limits,
    filter: Filter,
) -> (Vec<FlowReport>, Summary) {
    let mut tracker = Tracker::new(limits, filter);
    let mut judge = Judge::new(limits);
    let mut reports = Vec::new();
    let mut events = Vec::new();
    let mut send = |t: &mut Tracker, events: &mut Vec<Event>, _force: bool| {
        for e in events.drain(..) {
            judge.event(e, &mut reports);
        }
        t.recycle(judge.spare());
    };
    let read = read_capture(reader, &mut tracker, &mut events, &mut send, None);
    tracker.finish(&mut events);
    send(&mut tracker, &mut events, true);
    judge.finish(&mut reports);
    let mut summary = judge.summary(tracker.summary());
    summary.capture_error = read.err();
    (reports.into_iter().map(|r| *r).collect(), summary)
}

/// What the reading thread sends the judging thread.
enum Msg {
    /// Events from the tracker, in order.
    Events(Vec<Event>),
    /// The end: the tracker's summary (with any capture error), or `None` to print nothing.
    End(Option<Box<Summary>>),
}

/// Events are sent in batches of this many (or at each tick of capture time).
const BATCH: usize = 64;

/// Runs `decode`; returns the exit code.
///
/// Two threads: this one reads frames and tracks flows ([`Tracker`]); the other judges,
/// links and writes ([`Judge`] and the output), so judging never stalls reading.
pub fn run(cfg: &DecodeConfig) -> Result<i32, Failure> {
    let Opened {
        reader,
        name,
        size,
        gzip,
    } = open_input(&cfg.input)?;
    let live = cfg.input == Input::Stdin;
    let progress = size
        .filter(|&s| s >= 64 << 20 && std::io::stderr().is_terminal())
        .map(progress_bar);
    let (tx, rx) = std::sync::mpsc::sync_channel::<Msg>(4);
    // Batches sent and not yet taken by the judging thread: when it is behind, the
    // reading thread judges the conversations of its next batch itself.
    let backlog = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    // The text view never shows the escaped first bytes of a conversation.
    let bytes = !cfg.output.is_text();
    // Directions (with their buffers) travel back for reuse, so steady state allocates
    // nothing per conversation for them.
    let (give_back, take_back) = std::sync::mpsc::channel::<Vec<Box<super::flow::Flow>>>();
    let writer = Writer {
        rx,
        taken: backlog.clone(),
        give_back,
        live,
        bytes,
        output: cfg.output,
        all: cfg.all,
        limits: cfg.limits,
        title: name.clone(),
    };
    let worker = std::thread::spawn(move || writer.run());
    let mut tracker = Tracker::new(cfg.limits, cfg.filter.clone());
    let read = read_all(
        reader,
        &mut tracker,
        &tx,
        &backlog,
        &take_back,
        bytes,
        progress.as_ref(),
    );
    if let Some(bar) = &progress {
        bar.finish_and_clear();
    }
    let mut summary = tracker.summary().clone();
    // A gzip stream that broke ended the capture early: that is the capture's error.
    let read = match gzip.as_ref().and_then(|g| g.error()) {
        Some((words, at)) => Err(CaptureError {
            offset: at,
            packets_before: summary.packets,
            message: format!(
                "{words}, so the capture stops there (bytes counted in the decompressed capture)"
            ),
        }),
        None => read,
    };
    let failure = read.err().and_then(|e| {
        let failure = (summary.packets == 0).then(|| {
            if summary.format.is_empty() {
                format!("{name}: {}", e.message)
            } else {
                format!(
                    "{name}: no packet could be read: {} (at byte {})",
                    e.message, e.offset
                )
            }
        });
        summary.capture_error = Some(e);
        failure
    });
    let _ = tx.send(Msg::End(if failure.is_some() {
        None
    } else {
        Some(Box::new(summary))
    }));
    drop(tx);
    let problems = worker
        .join()
        .map_err(|_| Failure("the judging thread failed".into()))??;
    if let Some(msg) = failure {
        return Err(Failure(msg));
    }
    Ok(if problems > 0 { 1 } else { 0 })
}

/// Reads and tracks the whole capture on this thread, sending the events to the judging
/// thread in batches (judging a batch here when that thread is behind).
fn read_all(
    reader: Box<dyn Read + Send>,
    tracker: &mut Tracker,
    tx: &std::sync::mpsc::SyncSender<Msg>,
    backlog: &std::sync::atomic::AtomicUsize,
    take_back: &std::sync::mpsc::Receiver<Vec<Box<super::flow::Flow>>>,
    bytes: bool,
    progress: Option<&indicatif::ProgressBar>,
) -> Result<(), CaptureError> {
    let mut batch: Vec<Event> = Vec::with_capacity(BATCH);
    let mut spare = Vec::new();
    let mut batches = 0u64;
    let mut send = |tracker: &mut Tracker, events: &mut Vec<Event>, force: bool| {
        // A tick is the last event of the frame that made it, and a batch with a tick
        // is sent at once: only the last event can be one.
        let tick = matches!(events.last(), Some(Event::Tick(_)));
        if !events.is_empty() && (force || tick || events.len() >= BATCH) {
            // Debug builds (every test run) judge every other batch here, so the
            // goldens cover both threads' path.
            batches += 1;
            if backlog.load(std::sync::atomic::Ordering::Relaxed) >= 2
                || (cfg!(debug_assertions) && batches.is_multiple_of(2))
            {
                close_here(tracker, events, &mut spare, bytes);
            }
            backlog.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            let _ = tx.send(Msg::Events(std::mem::take(events)));
            while let Ok(mut flows) = take_back.try_recv() {
                spare.append(&mut flows);
            }
            tracker.recycle(&mut spare);
        }
    };
    let r = read_capture(reader, tracker, &mut batch, &mut send, progress);
    tracker.finish(&mut batch);
    send(tracker, &mut batch, true);
    r
}

fn progress_bar(size: u64) -> indicatif::ProgressBar {
    let bar = indicatif::ProgressBar::new(size);
    bar.set_style(
        indicatif::ProgressStyle::with_template(
            "{spinner} decoding [{bar:30}] {bytes}/{total_bytes} {bytes_per_sec} eta {eta}",
        )
        .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar())
        .progress_chars("=> "),
    );
    bar
}

/// The judging and writing thread.
struct Writer {
    rx: std::sync::mpsc::Receiver<Msg>,
    taken: std::sync::Arc<std::sync::atomic::AtomicUsize>,
    give_back: std::sync::mpsc::Sender<Vec<Box<super::flow::Flow>>>,
    live: bool,
    bytes: bool,
    output: Output,
    all: bool,
    limits: Limits,
    title: String,
}

impl Writer {
    /// Judges the events as they come and writes each conversation; returns the number
    /// of conversations with problems.
    fn run(self) -> Result<u64, Failure> {
        let stdout = std::io::stdout();
        let mut sink = Sink::new(
            self.output
                .reporter(std::io::BufWriter::with_capacity(1 << 16, stdout.lock())),
            self.all,
        );
        let mut judge = Judge::new(self.limits);
        if !self.bytes {
            judge = judge.without_bytes();
        }
        let mut out = Vec::new();
        loop {
            // Live input that goes quiet: what waits for its other leg is reported after a
            // moment of wall time, so `tcpdump -U -w - | ppdiag decode -` shows flows as
            // they end.
            let msg = if self.live {
                match self.rx.recv_timeout(std::time::Duration::from_millis(700)) {
                    Ok(m) => m,
                    Err(std::sync::mpsc::RecvTimeoutError::Timeout) => {
                        judge.flush(&mut out);
                        for r in out.drain(..) {
                            sink.flow(r);
                        }
                        sink.flush();
                        continue;
                    }
                    Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => break,
                }
            } else {
                match self.rx.recv() {
                    Ok(m) => m,
                    Err(_) => break,
                }
            };
            match msg {
                Msg::Events(events) => {
                    self.taken
                        .fetch_sub(1, std::sync::atomic::Ordering::Relaxed);
                    for e in events {
                        judge.event(e, &mut out);
                    }
                    if judge.spare().len() >= 64 {
                        let _ = self.give_back.send(std::mem::take(judge.spare()));
                    }
                    for r in out.drain(..) {
                        sink.flow(r);
                    }
                    if self.live {
                        sink.flush();
                    }
                }
                Msg::End(None) => return Ok(0),
                Msg::End(Some(tracker)) => {
                    judge.finish(&mut out);
                    for r in out.drain(..) {
                        sink.flow(r);
                    }
                    let summary = judge.summary(&tracker);
                    let problems = summary.flows_with_problems;
                    sink.finish(&summary, &self.title)?;
                    return Ok(problems);
                }
            }
        }
        Err(Failure("the reading thread stopped early".into()))
    }
}

/// Judges the batch's ended TCP conversations on this (the reading) thread and gives
/// their buffers straight back to the tracker.
fn close_here(
    tracker: &mut Tracker,
    events: &mut [Event],
    spare: &mut Vec<Box<super::flow::Flow>>,
    bytes: bool,
) {
    for e in events.iter_mut() {
        if let Event::Tcp(f, evicted) = e {
            let d = super::conversation::close(f, bytes);
            let closed = Event::Closed(Box::new(d), *evicted);
            if let Event::Tcp(f, _) = std::mem::replace(e, closed) {
                spare.push(f);
            }
        }
    }
    tracker.recycle(spare);
}

/// decode's output: each conversation as it is judged (json, ndjson, text `--all`), or
/// the worst few kept for the text view; then the servers and the summary.
struct Sink<R: Reporter> {
    out: R,
    all: bool,
    worst: Vec<Box<FlowReport>>,
}

impl<R: Reporter> Sink<R> {
    fn new(mut out: R, all: bool) -> Self {
        out.open_list("flows");
        Sink {
            out,
            all,
            worst: Vec::new(),
        }
    }

    fn flush(&mut self) {
        self.out.flush();
    }

    fn flow(&mut self, r: Box<FlowReport>) {
        let (all, worst) = (self.all, &mut self.worst);
        self.out.item(r, |r, p, s| {
            if all {
                flow_text(p, s, &r);
            } else if r.worst().is_some_and(|s| s > Severity::Info) {
                keep_if_worst(worst, r);
            }
        });
    }

    fn finish(mut self, summary: &Summary, name: &str) -> Result<(), Failure> {
        self.out.field("servers", &summary.servers);
        self.out.field("summary", summary);
        let (all, worst) = (self.all, std::mem::take(&mut self.worst));
        self.out
            .text(|p, s| closing_text(p, s, summary, name, all, &worst));
        self.out.close()
    }
}

/// The text after the conversations: the summary, the servers, and (without `--all`)
/// the worst conversations.
fn closing_text(
    p: &Painter,
    s: &mut String,
    summary: &Summary,
    name: &str,
    all: bool,
    worst: &[Box<FlowReport>],
) {
    summary_text(p, s, summary, name);
    super::report::servers_text(p, s, &summary.servers);
    if !all && !worst.is_empty() {
        s.push('\n');
        s.push_str(&p.heading("worst conversations first:"));
        s.push('\n');
        for r in worst.iter() {
            flow_text(p, s, r);
        }
        if summary.flows_with_problems > worst.len() as u64 {
            s.push_str(&format!(
                "({} more with problems; `--all` shows every conversation, `--format ndjson` one per line)\n",
                summary.flows_with_problems - worst.len() as u64
            ));
        }
    }
}

/// Worst severity first, then the earlier conversation.
fn worse_first(a: &FlowReport, b: &FlowReport) -> std::cmp::Ordering {
    b.worst().cmp(&a.worst()).then(a.id.cmp(&b.id))
}

/// Adds `r` to `worst` (kept in [`worse_first`] order, at most [`WORST_SHOWN`]) when it
/// is among the worst so far; one that is not is dropped at once.
fn keep_if_worst(worst: &mut Vec<Box<FlowReport>>, r: Box<FlowReport>) {
    // Most conversations are no worse than the last one kept: one comparison drops them.
    if worst.len() == WORST_SHOWN && worst.last().is_some_and(|l| worse_first(l, &r).is_lt()) {
        return;
    }
    let at = worst.partition_point(|w| worse_first(w, &r).is_lt());
    if at < WORST_SHOWN {
        worst.insert(at, r);
        worst.truncate(WORST_SHOWN);
    }
}

/// A pcap-parser error in words (no Rust debug output in messages).
fn pcap_words(e: &PcapError<&[u8]>) -> String {
    match e {
        PcapError::Eof => "end of input".into(),
        PcapError::ReadError => "read error".into(),
        PcapError::Incomplete(_) | PcapError::UnexpectedEof => {
            "the input ends inside a record".into()
        }
        PcapError::HeaderNotRecognized => "unrecognised file header".into(),
        PcapError::BufferTooSmall => "a record larger than the read buffer".into(),
        PcapError::NomError(..) | PcapError::OwnedNomError(..) => {
            "a record whose fields do not parse".into()
        }
    }
}

struct Iface {
    lt: u32,
    resolution: u64,
    offset: i64,
}

/// pcap-parser's reader over the capture, or why the capture cannot be read at all.
fn open_reader(
    reader: Box<dyn Read + Send>,
) -> Result<Box<dyn pcap_parser::traits::PcapReaderIterator + Send>, CaptureError> {
    pcap_parser::create_reader(1 << 18, reader).map_err(|e| {
        let message = match e {
            PcapError::Eof => "empty input: no capture".into(),
            PcapError::HeaderNotRecognized => {
                "not a pcap or pcapng capture (unrecognised header)".into()
            }
            PcapError::Incomplete(_) | PcapError::UnexpectedEof => {
                "the input ends inside the capture's file header: it is not a whole pcap or pcapng file".into()
            }
            PcapError::ReadError => {
                "cannot read it (is it a directory or a device rather than a capture file?)".into()
            }
            e => format!("not a capture ppdiag can read ({})", pcap_words(&e)),
        };
        CaptureError {
            offset: 0,
            packets_before: 0,
            message,
        }
    })
}

/// What the blocks read so far say about the ones to come: the link type and time
/// precision of a pcap file, the interfaces of a pcapng section.
#[derive(Default)]
struct Blocks {
    legacy_lt: Option<u32>,
    nano: bool,
    ifaces: Vec<Iface>,
    last_ts: u64,
}

impl Blocks {
    /// Feeds one block to the tracker; a packet block for an interface never described
    /// is an error.
    fn feed(
        &mut self,
        block: PcapBlockOwned,
        dec: &mut Tracker,
        out: &mut Vec<Event>,
    ) -> Result<(), String> {
        let Blocks {
            legacy_lt,
            nano,
            ifaces,
            last_ts,
        } = self;
        match block {
            PcapBlockOwned::LegacyHeader(h) => {
                dec.summary_mut().format = "pcap".into();
                *nano = h.is_nanosecond_precision();
                let lt = h.network.0 as u32;
                *legacy_lt = Some(lt);
                dec.link_type(lt);
            }
            PcapBlockOwned::Legacy(b) => {
                let ts = u64::from(b.ts_sec) * 1_000_000_000
                    + u64::from(b.ts_usec) * if *nano { 1 } else { 1000 };
                *last_ts = ts;
                let lt = legacy_lt.unwrap_or(linktype::ETHERNET);
                let data = &b.data[..b.data.len().min(b.caplen as usize)];
                dec.frame(ts, lt, data, out);
            }
            PcapBlockOwned::NG(Block::SectionHeader(_)) => {
                dec.summary_mut().format = "pcapng".into();
                ifaces.clear();
            }
            PcapBlockOwned::NG(Block::InterfaceDescription(idb)) => {
                let lt = idb.linktype.0 as u32;
                dec.link_type(lt);
                ifaces.push(Iface {
                    lt,
                    resolution: idb.ts_resolution().unwrap_or(1_000_000).max(1),
                    offset: idb.ts_offset(),
                });
            }
            PcapBlockOwned::NG(Block::EnhancedPacket(epb)) => {
                match ifaces.get(epb.if_id as usize) {
                    Some(i) => {
                        let (sec, frac) = epb.decode_ts(i.offset as u64, i.resolution);
                        let ts = u64::from(sec) * 1_000_000_000
                            + (u128::from(frac) * 1_000_000_000 / u128::from(i.resolution)) as u64;
                        *last_ts = ts;
                        dec.frame(ts, i.lt, epb.packet_data(), out);
                    }
                    None => {
                        return Err(format!(
                            "packet block for interface {} which was never described",
                            epb.if_id
                        ));
                    }
                }
            }
            PcapBlockOwned::NG(Block::SimplePacket(spb)) => {
                let lt = ifaces.first().map_or(linktype::ETHERNET, |i| i.lt);
                dec.frame(*last_ts, lt, spb.packet_data(), out);
            }
            PcapBlockOwned::NG(_) => {}
        }
        Ok(())
    }
}

/// Reads every block; on a broken capture returns where and why (after feeding
/// everything before it to the decoder).
fn read_capture(
    reader: Box<dyn Read + Send>,
    dec: &mut Tracker,
    out: &mut Vec<Event>,
    send: &mut impl FnMut(&mut Tracker, &mut Vec<Event>, bool),
    progress: Option<&indicatif::ProgressBar>,
) -> Result<(), CaptureError> {
    let err = |offset: u64, packets: u64, message: String| CaptureError {
        offset,
        packets_before: packets,
        message,
    };
    let mut rdr = open_reader(reader)?;
    let mut blocks = Blocks::default();
    let mut shown = 0u64;
    loop {
        let consumed = rdr.consumed() as u64;
        if let Some(bar) = progress
            && consumed >= shown + (8 << 20)
        {
            bar.set_position(consumed);
            shown = consumed;
        }
        match rdr.next() {
            Ok((len, block)) => {
                blocks
                    .feed(block, dec, out)
                    .map_err(|message| err(consumed, dec.summary().packets, message))?;
                // Without the shift `consume` makes past half the buffer (half of it
                // copied again and again): `refill` shifts what is left, a part record.
                rdr.consume_noshift(len);
                send(dec, out, false);
            }
            Err(PcapError::Eof) => return Ok(()),
            Err(PcapError::Incomplete(_)) => {
                // Live input: report what has ended before waiting for more bytes.
                send(dec, out, true);
                if rdr.reader_exhausted() {
                    return Err(err(
                        consumed,
                        dec.summary().packets,
                        "the capture is truncated: it ends inside a packet record".into(),
                    ));
                }
                if let Err(e) = rdr.refill() {
                    return Err(err(
                        consumed,
                        dec.summary().packets,
                        format!("read error: {}", pcap_words(&e)),
                    ));
                }
            }
            Err(PcapError::BufferTooSmall) => {
                let cap = rdr.data().len().max(1 << 20);
                if cap >= 64 << 20 || !rdr.grow(cap * 2) {
                    return Err(err(
                        consumed,
                        dec.summary().packets,
                        "a record is larger than 64 MiB: the capture is corrupt".into(),
                    ));
                }
                if let Err(e) = rdr.refill() {
                    return Err(err(
                        consumed,
                        dec.summary().packets,
                        format!("read error: {}", pcap_words(&e)),
                    ));
                }
            }
            Err(PcapError::UnexpectedEof) => {
                return Err(err(
                    consumed,
                    dec.summary().packets,
                    "the capture is truncated: it ends inside a packet record".into(),
                ));
            }
            Err(e) => {
                let what = match e {
                    PcapError::ReadError => "read error".into(),
                    other => pcap_words(&other),
                };
                return Err(err(
                    consumed,
                    dec.summary().packets,
                    format!("the capture is corrupt here: {what}"),
                ));
            }
        }
    }
}
