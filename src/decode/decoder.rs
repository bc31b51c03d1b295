//! The tracker and the judge on one thread: frames in, reports out. The shell runs the
//! two on two threads; tests and small inputs use this.

use super::engine::{Event, Filter, Limits, Tracker};
use super::judge::Judge;
use super::report::{FlowReport, Summary};

/// Tracker and judge on one thread: frames in, reports out (the shell runs them on two).
pub struct Decoder {
    tracker: Tracker,
    judge: Judge,
    events: Vec<Event>,
}

impl Decoder {
    /// A decoder with these bounds and filter.
    pub fn new(limits: Limits, filter: Filter) -> Self {
        Decoder {
            tracker: Tracker::new(limits, filter),
            judge: Judge::new(limits),
            events: Vec::new(),
        }
    }

    /// Notes a link type in use.
    pub fn link_type(&mut self, lt: u32) {
        self.tracker.link_type(lt);
    }

    /// One frame; finished conversations are appended to `out`.
    pub fn frame(&mut self, ts: u64, lt: u32, frame: &[u8], out: &mut Vec<Box<FlowReport>>) {
        self.tracker.frame(ts, lt, frame, &mut self.events);
        for e in self.events.drain(..) {
            self.judge.event(e, out);
        }
        self.tracker.recycle(self.judge.spare());
    }

    /// The end of the capture.
    pub fn finish(&mut self, out: &mut Vec<Box<FlowReport>>) {
        self.tracker.finish(&mut self.events);
        for e in self.events.drain(..) {
            self.judge.event(e, out);
        }
        self.judge.finish(out);
    }

    /// Conversations held (tracked or waiting for their other leg).
    pub fn held(&self) -> usize {
        self.tracker.held() + self.judge.held()
    }

    /// The summary so far.
    pub fn summary(&self) -> Summary {
        self.judge.summary(self.tracker.summary())
    }
}
