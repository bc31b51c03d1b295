//! serve's one writer task: writes the listening addresses and every connection record
//! as they come (through [`crate::output`], a batch at a time), keeps the summary and
//! the JUnit cases, and writes the summary at the end.

use super::record::{self, Listening, Record, Summary};
use super::{Event, junit};
use crate::output::{Output, Reporter, Sink};
use std::io::{BufWriter, Stdout};
use tokio::sync::{mpsc, watch};

/// Where the writer writes: stdout, in the chosen format.
pub(super) type Out = Sink<BufWriter<Stdout>>;

/// Writes the summary: its text, its line (ndjson), or the one JSON document of the
/// run (with `--format json`, the events were kept for it).
pub(super) fn print_summary(out: &mut Out, s: &Summary, doc: (Vec<Listening>, Vec<Record>)) {
    out.text(|p, t| t.push_str(&record::summary_text(p, s)));
    out.line(s);
    if out.keeps_items() {
        out.document(&serde_json::json!({
            "listening": doc.0,
            "connections": doc.1,
            "summary": s,
        }));
    }
    // Like every write of serve's output, a failure to write it is not serve's failure.
    let _ = out.close();
}

/// In debug builds (every test run), a record that contradicts itself stops serve:
/// so the whole test suite checks every record it makes serve produce.
pub(super) fn debug_check(r: &Record) {
    #[cfg(debug_assertions)]
    {
        let v = serde_json::to_value(r).unwrap_or_default();
        let c = record::contradictions(&v);
        assert!(
            c.is_empty(),
            "a serve record contradicts itself: {c:?}\n{v}"
        );
    }
    #[cfg(not(debug_assertions))]
    let _ = r;
}

/// What the writer kept for the end of the run.
pub(super) struct Written {
    pub(super) summary: Summary,
    /// JUnit test cases of the judged connections (with `--junit`).
    pub(super) cases: Vec<junit::Case>,
    /// The listening addresses.
    pub(super) listening: Vec<String>,
    /// With `--format json`: the events, printed as one document once the run is
    /// closed (so its summary is the final one).
    pub(super) doc_listening: Vec<Listening>,
    pub(super) doc_records: Vec<Record>,
    /// The output, for the summary.
    pub(super) out: Out,
}

/// The most JUnit test cases kept in memory; later connections still count in the
/// summary and the per-expectation cases.
const JUNIT_CASES_MAX: usize = 100_000;

/// The one writer: prints events as they come, keeps the summary.
pub(super) async fn writer(
    mut rx: mpsc::Receiver<Event>,
    output: Output,
    mut summary: Summary,
    junit: bool,
    stop: watch::Sender<bool>,
) -> Written {
    let mut out = output.stdout();
    let count = summary.count;
    let mut cases = Vec::new();
    let mut doc_listening = Vec::new();
    let mut doc_records = Vec::new();
    while let Some(first) = rx.recv().await {
        // Under load several records are queued: write them with one system call. Each
        // is still written as soon as nothing else is waiting.
        let mut batch = vec![first];
        while batch.len() < 256 {
            match rx.try_recv() {
                Ok(ev) => batch.push(ev),
                Err(_) => break,
            }
        }
        let mut reached_count = false;
        for ev in batch {
            match &ev {
                Event::Listening(l) => {
                    out.item(&**l, |l, p, s| s.push_str(&record::listening_text(p, l)))
                }
                Event::Record(r) => {
                    out.item(&**r, |r, p, s| s.push_str(&record::record_text(p, r)))
                }
            }
            match ev {
                Event::Listening(l) => doc_listening.push(*l),
                Event::Record(r) => {
                    debug_check(&r);
                    summary.add(&r);
                    if junit && r.judged && cases.len() < JUNIT_CASES_MAX {
                        cases.push(junit::connection_case(&r));
                    }
                    if out.keeps_items() {
                        doc_records.push(*r);
                    }
                }
            }
            if count.is_some_and(|c| summary.judged >= c) {
                reached_count = true;
            }
        }
        out.flush();
        if reached_count {
            let _ = stop.send(true);
        }
    }
    Written {
        summary,
        cases,
        listening: doc_listening
            .iter()
            .map(|l| l.address.to_string())
            .collect(),
        doc_listening,
        doc_records,
        out,
    }
}
