//! One direction of a TCP conversation: the bounded opening prefix, reassembled (sans-IO).
//!
//! Bytes are placed at their offset from the first payload sequence number, so
//! retransmissions are delivered once, out-of-order segments wait in place for the hole
//! before them to fill, and an overlap whose bytes differ from what is already there is
//! flagged (the first copy is kept). Only the first `limit` bytes are kept;
//! everything later costs one subtraction and a comparison. A segment cut by the snaplen
//! leaves a gap marked as such, which is a fact about the capture, not the peers.
//!
//! Rules: no allocation until the first payload byte; never more than `limit` bytes kept
//! or allocated.

use serde::Serialize;

/// At most this many judged conversations (with their directions' buffers) are kept
/// for reuse.
pub(crate) const POOL: usize = 256;

/// A hole in the kept prefix.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Gap {
    /// Offset from the first payload byte of this direction.
    pub offset: u32,
    /// Length in bytes.
    pub length: u32,
    /// `snaplen` (the capture cut the frames) or `not-captured` (segments missing).
    pub cause: GapCause,
}

/// Why bytes are missing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum GapCause {
    /// Frames were cut by the capture's snaplen.
    Snaplen,
    /// Segments were not in the capture (dropped, or before it started).
    NotCaptured,
}

/// One direction's reassembly state.
#[derive(Debug, Clone, Default)]
pub struct Half {
    /// Sequence number of the first payload byte, once known.
    base: Option<u32>,
    /// The kept bytes (positions outside `filled` are zero).
    buf: Vec<u8>,
    /// Filled ranges `[start, end)`, sorted and disjoint.
    filled: Vec<(u32, u32)>,
    /// Ranges cut by the snaplen.
    snapped: Vec<(u32, u32)>,
    /// How many bytes to keep.
    limit: u32,
    /// Highest end offset announced by any segment (on the wire).
    pub wire_end: u64,
    /// Payload bytes on the wire, retransmissions included.
    pub wire_bytes: u64,
    /// Segments that carried only bytes already held.
    pub retransmissions: u32,
    /// Offset of the first overlap whose bytes differ from the first copy.
    pub overlap_conflict: Option<u32>,
    /// Whether a SYN was seen from this side.
    pub syn: bool,
    /// Where this side's FIN sits (offset from the first payload byte), once seen.
    fin_at: Option<u64>,
    /// When the in-order bytes grew: (timestamp, packet index, contiguous length), the
    /// first [`MARKS`] times. Lets the other direction ask "how much had arrived by then",
    /// in timestamp order even when the file interleaves interfaces out of order.
    marks: [(u64, u64, u32); MARKS],
    /// How many of `marks` are set.
    nmarks: usize,
}

/// How many growth marks are kept per direction (the opening is what matters).
const MARKS: usize = 8;

impl Half {
    /// A direction that keeps `limit` bytes.
    pub fn new(limit: u32) -> Self {
        Half {
            limit,
            ..Half::default()
        }
    }

    /// Makes a used direction new again, keeping its allocations (buffers are recycled
    /// between conversations, so steady state allocates nothing per conversation).
    pub fn reset(&mut self, limit: u32) {
        // Field by field, in place: building a new `Half` and moving it in copied the
        // whole struct (marks included) twice per conversation. The pattern names every
        // field, so a new one cannot be forgotten here.
        let Half {
            base,
            buf,
            filled,
            snapped,
            limit: kept,
            wire_end,
            wire_bytes,
            retransmissions,
            overlap_conflict,
            syn,
            fin_at,
            marks,
            nmarks,
        } = self;
        *base = None;
        buf.clear();
        filled.clear();
        snapped.clear();
        *kept = limit;
        (*wire_end, *wire_bytes, *retransmissions) = (0, 0, 0);
        *overlap_conflict = None;
        *syn = false;
        *fin_at = None;
        *marks = [(0, 0, 0); MARKS];
        *nmarks = 0;
    }

    /// A SYN from this side: payload starts at `seq + 1`.
    pub fn on_syn(&mut self, seq: u32) {
        self.syn = true;
        if self.base.is_none() || self.filled.is_empty() {
            self.base = Some(seq.wrapping_add(1));
        }
    }

    /// Whether a SYN with this sequence number is the one already seen (a retransmission,
    /// or the same packet captured on a second interface).
    pub fn same_syn(&self, seq: u32) -> bool {
        self.syn && self.base == Some(seq.wrapping_add(1))
    }

    /// The sequence number of this side's SYN, when one was seen.
    pub fn syn_seq(&self) -> Option<u32> {
        self.base.filter(|_| self.syn).map(|b| b.wrapping_sub(1))
    }

    /// Whether the base is known (SYN seen or data seen).
    pub fn started(&self) -> bool {
        self.base.is_some()
    }

    /// A FIN whose data ends at sequence number `seq_end`: every byte before it was sent,
    /// captured or not (RFC 9293, section 3.4: the FIN occupies the sequence number
    /// after the last data byte). Bytes it proves that the capture lacks become a
    /// `not-captured` gap.
    pub fn on_fin(&mut self, seq_end: u32) {
        let Some(base) = self.base else {
            return;
        };
        let rel = seq_end.wrapping_sub(base) as i32;
        if rel >= 0 {
            let at = rel as u64;
            self.fin_at = Some(at);
            // An acknowledgment seen before this FIN counted the FIN as a byte.
            if self.wire_end == at + 1 {
                self.wire_end = at;
            }
            self.wire_end = self.wire_end.max(at);
        }
    }

    /// The peer acknowledged up to sequence number `ack`: every byte before it was sent
    /// (RFC 9293, section 3.4), less the one number this side's FIN takes.
    pub fn on_ack(&mut self, ack: u32) {
        let Some(base) = self.base else {
            return;
        };
        let rel = ack.wrapping_sub(base) as i32;
        if rel <= 0 {
            return;
        }
        let mut end = rel as u64;
        if self.fin_at.is_some_and(|f| end > f) {
            end = self.fin_at.unwrap_or(end);
        }
        self.wire_end = self.wire_end.max(end);
    }

    /// A segment with payload: `captured` are the bytes present, `wire_len` the length the
    /// IP header declares.
    pub fn on_data(&mut self, seq: u32, captured: &[u8], wire_len: u32) {
        if wire_len == 0 {
            return;
        }
        self.wire_bytes += u64::from(wire_len);
        let base = *self.base.get_or_insert(seq);
        // Offsets are taken modulo 2^32 and read as signed: data before the base is from
        // before the capture (or a retransmission of it) and is trimmed.
        let rel = seq.wrapping_sub(base) as i32;
        let (start, skip) = if rel < 0 {
            let skip = rel.unsigned_abs();
            if skip >= wire_len {
                self.retransmissions += 1;
                return;
            }
            (0u32, skip)
        } else {
            (rel as u32, 0)
        };
        let wire_end = u64::from(start) + u64::from(wire_len - skip);
        self.wire_end = self.wire_end.max(wire_end);
        if start >= self.limit {
            return;
        }
        let cap_from = (skip as usize).min(captured.len());
        let avail = &captured[cap_from..];
        let end_wire = (wire_end.min(u64::from(self.limit))) as u32;
        let end_cap = (u64::from(start) + avail.len() as u64).min(u64::from(end_wire)) as u32;
        if end_cap < end_wire {
            push_range(&mut self.snapped, (end_cap.max(start), end_wire));
        }
        if end_cap <= start {
            return;
        }
        let bytes = &avail[..(end_cap - start) as usize];
        self.place(start, bytes);
    }

    fn place(&mut self, start: u32, bytes: &[u8]) {
        let end = start + bytes.len() as u32;
        if self.buf.capacity() < end as usize {
            // Grow by doubling from 512 bytes, never past the limit: most openings are a
            // few hundred bytes, and recycled directions keep what they grew to.
            let want = (self.buf.capacity() * 2).max(512).max(end as usize);
            let want = want.min(self.limit as usize).max(end as usize);
            self.buf.reserve_exact(want - self.buf.len());
        }
        if self.buf.len() < end as usize {
            self.buf.resize(end as usize, 0);
        }
        // Compare with what is already held, copy the rest.
        let mut fresh = false;
        let mut at = start;
        for &(s, e) in &self.filled {
            if e <= at || s >= end {
                continue;
            }
            if s > at {
                self.buf[at as usize..s as usize]
                    .copy_from_slice(&bytes[(at - start) as usize..(s - start) as usize]);
                fresh = true;
            }
            let os = s.max(at);
            let oe = e.min(end);
            let held = &self.buf[os as usize..oe as usize];
            let new = &bytes[(os - start) as usize..(oe - start) as usize];
            if held != new && self.overlap_conflict.is_none() {
                let first = held.iter().zip(new).position(|(a, b)| a != b).unwrap_or(0);
                self.overlap_conflict = Some(os + first as u32);
            }
            at = oe;
        }
        if at < end {
            self.buf[at as usize..end as usize].copy_from_slice(&bytes[(at - start) as usize..]);
            fresh = true;
        }
        if !fresh {
            self.retransmissions += 1;
        }
        push_range(&mut self.filled, (start, end));
    }

    /// Records, after a segment, that the in-order bytes reached their current length at
    /// capture time `ts` (packet `index` breaks ties between equal timestamps).
    pub fn mark(&mut self, ts: u64, index: u64) {
        let len = self.contiguous().len() as u32;
        let grew = self.nmarks == 0 || self.marks[self.nmarks - 1].2 < len;
        if self.nmarks < MARKS && grew {
            self.marks[self.nmarks] = (ts, index, len);
            self.nmarks += 1;
        }
    }

    /// In-order bytes that had arrived before capture time `ts` (packet `index`).
    pub fn contiguous_before(&self, ts: u64, index: u64) -> u32 {
        self.marks[..self.nmarks]
            .iter()
            .filter(|&&(t, i, _)| t < ts || (t == ts && i < index))
            .map(|m| m.2)
            .max()
            .unwrap_or(0)
    }

    /// The in-order bytes from the start, up to the first hole.
    pub fn contiguous(&self) -> &[u8] {
        match self.filled.first() {
            Some(&(0, e)) => &self.buf[..e as usize],
            _ => &[],
        }
    }

    /// Whether the kept window is complete (nothing more will be kept).
    pub fn full(&self) -> bool {
        matches!(self.filled.first(), Some(&(0, e)) if e >= self.limit)
    }

    /// The holes inside what the peer sent, up to the kept limit.
    pub fn gaps(&self) -> Vec<Gap> {
        let end = self.wire_end.min(u64::from(self.limit)) as u32;
        let mut out = Vec::new();
        let mut at = 0;
        for &(s, e) in self.filled.iter().chain(std::iter::once(&(end, end))) {
            if s > at {
                let hole = (at, s.min(end));
                if hole.1 > hole.0 {
                    let snapped = self.snapped.iter().any(|&(a, b)| a < hole.1 && b > hole.0);
                    out.push(Gap {
                        offset: hole.0,
                        length: hole.1 - hole.0,
                        cause: if snapped {
                            GapCause::Snaplen
                        } else {
                            GapCause::NotCaptured
                        },
                    });
                }
            }
            at = at.max(e);
            if at >= end {
                break;
            }
        }
        out
    }
}

/// Inserts `r` into sorted disjoint ranges, merging neighbours.
fn push_range(ranges: &mut Vec<(u32, u32)>, r: (u32, u32)) {
    if r.1 <= r.0 {
        return;
    }
    // In order (the usual case): it starts within or right after the last range.
    match ranges.last_mut() {
        Some(last) if last.0 <= r.0 && r.0 <= last.1 => {
            last.1 = last.1.max(r.1);
            return;
        }
        None => {
            ranges.push(r);
            return;
        }
        Some(_) => {}
    }
    let i = ranges.partition_point(|&(_, e)| e < r.0);
    let mut s = r.0;
    let mut e = r.1;
    let mut j = i;
    while j < ranges.len() && ranges[j].0 <= e {
        s = s.min(ranges[j].0);
        e = e.max(ranges[j].1);
        j += 1;
    }
    ranges.splice(i..j, std::iter::once((s, e)));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn in_order_retransmitted_and_out_of_order() {
        let mut h = Half::new(64);
        h.on_syn(999);
        h.on_data(1000, b"hello ", 6);
        h.on_data(1000, b"hello ", 6);
        assert_eq!(h.retransmissions, 1);
        h.on_data(1011, b"!", 1);
        assert_eq!(h.contiguous(), b"hello ");
        assert_eq!(h.gaps()[0].cause, GapCause::NotCaptured);
        h.on_data(1006, b"world", 5);
        assert_eq!(h.contiguous(), b"hello world!");
        assert!(h.gaps().is_empty());
        assert_eq!(h.overlap_conflict, None);
    }

    #[test]
    fn bytes_before_a_time_follow_timestamps_not_file_order() {
        let mut h = Half::new(64);
        h.on_syn(0);
        h.on_data(1, b"PROXY ...\r\n", 11);
        h.mark(100, 1);
        h.on_data(12, b"hello", 5);
        h.mark(300, 2);
        assert_eq!(h.contiguous_before(200, 9), 11);
        assert_eq!(h.contiguous_before(300, 1), 11);
        assert_eq!(h.contiguous_before(300, 3), 16);
        assert_eq!(h.contiguous_before(50, 0), 0);
    }

    #[test]
    fn differing_overlap_keeps_the_first_copy() {
        let mut h = Half::new(64);
        h.on_data(5, b"abcdef", 6);
        h.on_data(7, b"cdXYgh", 6);
        assert_eq!(h.contiguous(), b"abcdefgh");
        assert_eq!(h.overlap_conflict, Some(4));
    }

    #[test]
    fn snaplen_is_a_gap_not_an_error() {
        let mut h = Half::new(64);
        h.on_syn(0);
        h.on_data(1, b"abc", 10);
        h.on_data(11, b"klm", 3);
        assert_eq!(h.contiguous(), b"abc");
        assert_eq!(
            h.gaps(),
            vec![Gap {
                offset: 3,
                length: 7,
                cause: GapCause::Snaplen
            }]
        );
    }

    #[test]
    fn bounded_and_wrapping() {
        let mut h = Half::new(4);
        h.on_syn(u32::MAX - 1);
        h.on_data(u32::MAX, b"ab", 2);
        h.on_data(1, b"cdef", 4);
        h.on_data(1000, &[0; 100], 100);
        assert_eq!(h.contiguous(), b"abcd");
        assert!(h.full());
        assert!(h.buf.capacity() <= 4);
        assert_eq!(h.wire_bytes, 106);
        // Data from before the base is trimmed.
        let mut h = Half::new(8);
        h.on_data(100, b"xy", 2);
        h.on_data(98, b"abxyz", 5);
        assert_eq!(h.contiguous(), b"xyz");
    }

    #[test]
    fn reset_forgets_everything_but_the_allocation() {
        let mut h = Half::new(64);
        h.on_syn(0);
        h.on_data(1, b"abc", 10);
        h.mark(5, 1);
        let cap = h.buf.capacity();
        h.reset(32);
        assert!(h.contiguous().is_empty() && h.gaps().is_empty() && !h.syn);
        assert_eq!(
            (h.wire_bytes, h.limit, h.contiguous_before(u64::MAX, 0)),
            (0, 32, 0)
        );
        assert_eq!(h.buf.capacity(), cap);
        h.on_data(7, b"xyz", 3);
        assert_eq!(h.contiguous(), b"xyz");
    }

    #[test]
    fn ranges_merge() {
        let mut r = vec![];
        push_range(&mut r, (10, 20));
        push_range(&mut r, (0, 5));
        push_range(&mut r, (30, 40));
        push_range(&mut r, (4, 31));
        assert_eq!(r, vec![(0, 40)]);
    }

    #[test]
    fn ranges_are_the_union_of_what_was_pushed() {
        // Random ranges (in order, overlapping, inside, before) against a byte map.
        let mut x = 0x2545_f491_4f6c_dd1du64;
        let mut next = |n: u64| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x % n) as u32
        };
        for _ in 0..500 {
            let mut r = Vec::new();
            let mut held = [false; 96];
            let mut end = 0;
            for _ in 0..12 {
                let (s, len) = if next(3) == 0 {
                    (next(90), next(12))
                } else {
                    (end.min(95) - next(3).min(end.min(95)), next(10))
                };
                let e = (s + len).min(96);
                push_range(&mut r, (s, e));
                held[s as usize..e as usize].fill(true);
                end = end.max(e);
                let mut want = Vec::new();
                for (i, &h) in held.iter().enumerate() {
                    match (h, want.last_mut()) {
                        (true, Some((_, e))) if *e == i as u32 => *e += 1,
                        (true, _) => want.push((i as u32, i as u32 + 1)),
                        _ => {}
                    }
                }
                assert_eq!(r, want);
            }
        }
    }
}
