//! Tracking (sans-IO): frames in, [`Event`]s out, in bounded memory.
//! `Decoder` (decoder.rs) pairs a [`Tracker`] with the judge (judge.rs) on one thread;
//! the shell runs them on two.
//!
//! The tracker keeps a flow table keyed by the 4-tuple (TCP) and by the address pair
//! (UDP, both directions: [`super::udp`]), a bounded opening prefix per direction
//! ([`super::stream::Half`], buffers recycled between conversations), and the facts that
//! need no bytes: SYN/FIN/RST and who sent them, first-byte times, when each direction's
//! in-order bytes grew. A conversation is handed on as soon as it closes (both FINs or a
//! RST; a small tombstone then absorbs late frames), when idle for [`Limits::idle_ns`] of
//! capture time, when the table is full, or at the end of the capture.
//!
//! Rules: capture time only (the timestamps of the frames), never the wall clock; no
//! allocation per packet once a flow exists; every frame is either part of a reported
//! conversation or counted in [`Summary::skipped`].

use super::flow::{Flow, Start};
use super::hash::{FxMap, take_oldest_eighth, take_where};
use super::packet::{self, Skip, Transport, flags};
use super::report::{DirectionBasis, Summary};
use super::stream::POOL;
use std::net::{IpAddr, SocketAddr};

/// Bounds; the defaults suit captures from a balancer or a backend.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Opening bytes kept from the client (PROXY header + ClientHello fit in far less).
    pub client_prefix: u32,
    /// Opening bytes kept from the server.
    pub server_prefix: u32,
    /// Conversations tracked at once; beyond it the least recently active is reported.
    pub max_flows: usize,
    /// A conversation idle this long (capture time) is reported as still open.
    pub idle_ns: u64,
    /// How long a finished conversation waits for its other leg.
    pub link_window_ns: u64,
    /// How long a closed conversation absorbs late packets (final ACKs) before it is judged.
    pub linger_ns: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            client_prefix: 4096,
            server_prefix: 2048,
            max_flows: 16384,
            idle_ns: 120 * NS,
            link_window_ns: NS / 2,
            linger_ns: NS / 2,
        }
    }
}

const NS: u64 = 1_000_000_000;

/// Which frames to keep (`--port`, `--host`).
#[derive(Debug, Clone, Default)]
pub struct Filter {
    /// Keep conversations with one of these ports on either side (empty: all).
    pub ports: Vec<u16>,
    /// Keep conversations with one of these addresses on either side (empty: all).
    pub hosts: Vec<IpAddr>,
}

impl Filter {
    fn keep(&self, a: SocketAddr, b: SocketAddr) -> bool {
        (self.ports.is_empty() || self.ports.iter().any(|&p| p == a.port() || p == b.port()))
            && (self.hosts.is_empty() || self.hosts.iter().any(|&h| h == a.ip() || h == b.ip()))
    }
}

/// A conversation's two endpoints in a canonical order (the lower first), as a table
/// key. Two IPv4 endpoints are two words, `address << 16 | port` each, which order as
/// the `SocketAddr`s do: hashed and compared in two steps on the per-packet path.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
enum Key {
    V4(u64, u64),
    Wide(SocketAddr, SocketAddr),
}

fn key(a: SocketAddr, b: SocketAddr) -> Key {
    match (a, b) {
        (SocketAddr::V4(x), SocketAddr::V4(y)) => {
            let word =
                |s: std::net::SocketAddrV4| u64::from(s.ip().to_bits()) << 16 | u64::from(s.port());
            let (x, y) = (word(x), word(y));
            Key::V4(x.min(y), x.max(y))
        }
        _ if a <= b => Key::Wide(a, b),
        _ => Key::Wide(b, a),
    }
}

pub use super::udp::UdpFlow;

/// What the tracker hands on: a conversation to judge, or the capture time advancing.
#[derive(Debug)]
pub enum Event {
    /// A TCP conversation that ended (`true`: reported early, the table was full).
    Tcp(Box<Flow>, bool),
    /// The same, already judged where it ended ([`super::conversation::close`] is a pure
    /// function of the flow, so the shell may run it on the reading thread when the
    /// judging thread is behind; the verdict is the same wherever it runs).
    Closed(Box<super::conversation::Done>, bool),
    /// A UDP conversation that went idle or reached the end of the capture.
    Udp(Box<UdpFlow>),
    /// Capture time reached this instant (nanoseconds): conversations waiting for their
    /// other leg longer than the window can be reported.
    Tick(u64),
}

/// The per-packet half of the decoder: flow table, reassembly, endings. It judges
/// nothing, so it can run on one core while the judge (judge.rs) runs on another.
pub struct Tracker {
    limits: Limits,
    filter: Filter,
    /// Boxed: a conversation moves into the table, out of it and on to the judge as a
    /// pointer, not as the ~850 bytes of its two directions.
    flows: FxMap<Key, Box<Flow>>,
    /// Conversations handed on at their close, kept briefly (a few bytes each) to absorb
    /// late frames: final ACKs, a FIN retransmitted, copies from a second interface.
    /// The value: until when, and the client's SYN sequence number.
    closed: FxMap<Key, (u64, Option<u32>)>,
    udp: super::udp::Table,
    /// Conversations that `--port`/`--host` leave out, with the client's SYN sequence
    /// number: they still take their id, so the ids kept are those of the whole
    /// capture (`decode --port 443` shows #2 and #6, not #1 and #2).
    filtered: FxMap<Key, Option<u32>>,
    next_id: u64,
    now: u64,
    last_sweep: u64,
    summary: Summary,
    link_types: Vec<u32>,
    /// Judged conversations given back, for reuse with their buffers.
    pool: Vec<Box<Flow>>,
}

impl Tracker {
    /// A tracker with these bounds and filter.
    pub fn new(limits: Limits, filter: Filter) -> Self {
        Tracker {
            limits,
            filter,
            flows: FxMap::default(),
            closed: FxMap::default(),
            udp: super::udp::Table::default(),
            filtered: FxMap::default(),
            next_id: 1,
            now: 0,
            last_sweep: 0,
            summary: Summary::default(),
            link_types: Vec::new(),
            pool: Vec::new(),
        }
    }

    /// Takes back judged conversations, for reuse with their buffers (at most
    /// [`POOL`] are kept; the rest are dropped).
    pub fn recycle(&mut self, flows: &mut Vec<Box<Flow>>) {
        let room = POOL.saturating_sub(self.pool.len());
        let n = flows.len().min(room);
        self.pool.extend(flows.drain(..n));
        flows.clear();
    }

    /// Frame counts, skips, link types (flow counts are the judge's).
    pub fn summary(&self) -> &Summary {
        &self.summary
    }

    /// Mutable summary, for the shell to record the format.
    pub fn summary_mut(&mut self) -> &mut Summary {
        &mut self.summary
    }

    /// Conversations currently tracked.
    pub fn held(&self) -> usize {
        self.flows.len() + self.udp.len()
    }

    /// Notes a link type in use (for the summary).
    pub fn link_type(&mut self, lt: u32) {
        if !self.link_types.contains(&lt) {
            self.link_types.push(lt);
            self.summary.link_types.push(packet::linktype::name(lt));
        }
    }

    /// One captured frame of link type `lt` at `ts` (nanoseconds since the epoch).
    pub fn frame(&mut self, ts: u64, lt: u32, frame: &[u8], out: &mut Vec<Event>) {
        self.summary.packets += 1;
        self.summary.bytes += frame.len() as u64;
        // Capture time only moves forward; a frame out of order does not rewind it.
        self.now = self.now.max(ts);
        match packet::parse(lt, frame) {
            Ok(p) => {
                if !self.filter.keep(p.src, p.dst) {
                    self.summary.skipped.filtered_out += 1;
                    self.count_filtered(&p);
                } else {
                    match p.transport {
                        Transport::Tcp { seq, ack, flags } => {
                            self.tcp(ts, &p, (seq, ack), flags, out)
                        }
                        Transport::Udp => self.udp(ts, &p, out),
                    }
                }
            }
            Err(Skip::OtherTransport) if self.icmp(ts, lt, frame) => {}
            Err(skip) => {
                let s = &mut self.summary.skipped;
                match skip {
                    Skip::NotIp => s.not_ip += 1,
                    Skip::Fragment => s.ip_fragments += 1,
                    Skip::OtherTransport => s.other_transport += 1,
                    Skip::Truncated => s.truncated += 1,
                    Skip::UnsupportedLink => s.unsupported_link += 1,
                }
            }
        }
        if self.now >= self.last_sweep + NS / 4 {
            self.sweep(out);
        }
    }

    /// Gives a left-out conversation its id, as [`Tracker::tcp`] and
    /// [`Tracker::udp`] would: once per tuple, and again for a new SYN on it.
    fn count_filtered(&mut self, p: &packet::Packet<'_>) {
        let k = key(p.src, p.dst);
        let syn = match p.transport {
            Transport::Tcp { seq, flags, .. }
                if flags & (flags::SYN | flags::ACK) == flags::SYN =>
            {
                Some(seq)
            }
            _ => None,
        };
        let new = match self.filtered.get(&k) {
            None => true,
            Some(isn) => syn.is_some() && *isn != syn,
        };
        if new {
            if self.filtered.len() >= self.limits.max_flows.saturating_mul(4) {
                // Bounded: past this, ids of later conversations may shift.
                self.filtered.clear();
            }
            self.filtered.insert(k, syn);
            self.next_id += 1;
        }
    }

    fn tcp(
        &mut self,
        ts: u64,
        p: &packet::Packet<'_>,
        (seq, ack): (u32, u32),
        fl: u8,
        out: &mut Vec<Event>,
    ) {
        let k = key(p.src, p.dst);
        let syn_only = fl & (flags::SYN | flags::ACK) == flags::SYN;
        // A tuple is in `flows` or in `closed` (its tombstone), never in both: a packet
        // of a tracked conversation costs one lookup.
        let closed = match self.flows.get_mut(&k) {
            // A new SYN on a tuple whose conversation has closed starts a new one.
            Some(f)
                if syn_only
                    && !f.half[usize::from(f.addr[0] != p.src)].same_syn(seq)
                    && (f.closed_at().is_some()
                        || f.half[0].wire_bytes + f.half[1].wire_bytes > 0) =>
            {
                if let Some(old) = self.flows.remove(&k) {
                    out.push(Event::Tcp(old, false));
                }
                self.start(k, ts, p, (seq, ack), fl, out)
            }
            Some(f) => apply(f, ts, p, (seq, ack), fl),
            None => {
                // Late frames of a conversation already handed on; a new SYN starts a
                // new one.
                if let Some(&(_, isn)) = self.closed.get(&k) {
                    if syn_only && isn != Some(seq) {
                        self.closed.remove(&k);
                    } else {
                        self.summary.skipped.late_after_close += 1;
                        return;
                    }
                }
                self.start(k, ts, p, (seq, ack), fl, out)
            }
        };
        // Closed (a RST, or both FINs): judged now, remembered briefly by a tombstone.
        if closed && let Some(f) = self.flows.remove(&k) {
            let isn = f.client.and_then(|c| f.half[c].syn_seq());
            self.closed
                .insert(k, (ts.saturating_add(self.limits.linger_ns), isn));
            out.push(Event::Tcp(f, false));
        }
    }

    /// Tracks a new conversation from this packet; whether the packet closed it.
    fn start(
        &mut self,
        k: Key,
        ts: u64,
        p: &packet::Packet<'_>,
        seq_ack: (u32, u32),
        fl: u8,
        out: &mut Vec<Event>,
    ) -> bool {
        let mut f = self.open(ts, p, fl);
        let closed = apply(&mut f, ts, p, seq_ack, fl);
        if self.flows.len() >= self.limits.max_flows {
            self.evict(out);
        }
        self.flows.insert(k, f);
        closed
    }

    /// A new conversation, from its first packet seen (with the next id).
    fn open(&mut self, ts: u64, p: &packet::Packet<'_>, fl: u8) -> Box<Flow> {
        let id = self.next_id;
        self.next_id += 1;
        let lim = [self.limits.client_prefix, self.limits.server_prefix];
        let (client, basis, limits) = if fl & (flags::SYN | flags::ACK) == flags::SYN {
            (Some(0), DirectionBasis::Syn, lim)
        } else if fl & (flags::SYN | flags::ACK) == flags::SYN | flags::ACK {
            (Some(1), DirectionBasis::SynAck, [lim[1], lim[0]])
        } else {
            // Unknown yet: keep the client's (larger) window on both sides.
            (None, DirectionBasis::Inferred, [lim[0], lim[0]])
        };
        let start = Start {
            id,
            addr: [p.src, p.dst],
            client,
            basis,
            limits,
            ts,
        };
        match self.pool.pop() {
            Some(mut f) => {
                f.restart(start);
                f
            }
            None => Box::new(Flow::new(start)),
        }
    }

    fn udp(&mut self, ts: u64, p: &packet::Packet<'_>, out: &mut Vec<Event>) {
        let mut done = Vec::new();
        let lim = (self.limits.client_prefix as usize, self.limits.max_flows);
        self.udp
            .datagram(ts, p, lim, &mut self.next_id, &mut self.summary, &mut done);
        out.extend(done.into_iter().map(|u| Event::Udp(Box::new(u))));
    }

    /// An ICMP port unreachable for a tracked UDP conversation (see
    /// [`packet::udp_unreachable`]); whether it was one.
    fn icmp(&mut self, ts: u64, lt: u32, frame: &[u8]) -> bool {
        packet::udp_unreachable(lt, frame)
            .is_some_and(|(client, server)| self.udp.unreachable(ts, client, server))
    }

    /// Hands on closed and idle conversations, and the time.
    fn sweep(&mut self, out: &mut Vec<Event>) {
        self.last_sweep = self.now;
        let now = self.now;
        let lim = self.limits;
        let ready = take_where(
            &mut self.flows,
            |f| match f.closed_at() {
                Some(c) => now >= c + lim.linger_ns,
                None => now >= f.last_ts + lim.idle_ns,
            },
            |f| f.id,
        );
        self.closed.retain(|_, (until, _)| *until > now);
        out.extend(ready.into_iter().map(|f| Event::Tcp(f, false)));
        let mut idle = Vec::new();
        if let Some(before) = now.checked_sub(lim.idle_ns.min(30 * NS)) {
            self.udp.idle(before, &mut idle);
        }
        out.extend(idle.into_iter().map(|u| Event::Udp(Box::new(u))));
        out.push(Event::Tick(now));
    }

    /// The table is full: hand on the least recently active eighth as they stand.
    fn evict(&mut self, out: &mut Vec<Event>) {
        let gone = take_oldest_eighth(&mut self.flows, |f| f.last_ts, |f| f.id);
        self.summary.evicted_early += gone.len() as u64;
        out.extend(gone.into_iter().map(|f| Event::Tcp(f, true)));
    }

    /// The end of the capture: everything still tracked is handed on.
    pub fn finish(&mut self, out: &mut Vec<Event>) {
        let rest = take_where(&mut self.flows, |_| true, |f| f.id);
        out.extend(rest.into_iter().map(|f| Event::Tcp(f, false)));
        let mut udp = Vec::new();
        self.udp.finish(&mut udp);
        out.extend(udp.into_iter().map(|u| Event::Udp(Box::new(u))));
    }
}

/// One TCP packet applied to its conversation; whether the conversation is now closed.
fn apply(f: &mut Flow, ts: u64, p: &packet::Packet<'_>, (seq, ack): (u32, u32), fl: u8) -> bool {
    let side = usize::from(f.addr[0] != p.src);
    f.packets += 1;
    f.last_ts = f.last_ts.max(ts);
    if fl & flags::SYN != 0 {
        f.half[side].on_syn(seq);
        if fl & flags::ACK != 0 {
            f.synack = true;
        }
    }
    // Data and a FIN start one after the SYN's sequence number.
    let data_seq = if fl & flags::SYN != 0 {
        seq.wrapping_add(1)
    } else {
        seq
    };
    if p.wire_len > 0 {
        // Earliest by timestamp, not by position in the file (interfaces interleave).
        if f.first_data_ts[side].is_none_or(|t| ts < t) {
            f.first_data_ts[side] = Some(ts);
            f.first_data_index[side] = f.packets;
        }
        f.half[side].on_data(data_seq, p.payload, p.wire_len);
        f.half[side].mark(ts, f.packets);
    }
    // An acknowledgment proves what the other side sent, captured or not.
    if fl & flags::ACK != 0 {
        f.half[1 - side].on_ack(ack);
    }
    if fl & flags::FIN != 0 && f.fin_ts[side].is_none() {
        f.fin_ts[side] = Some(ts);
        f.half[side].on_fin(data_seq.wrapping_add(p.wire_len));
    }
    if fl & flags::RST != 0 && f.rst_ts[side].is_none() {
        f.rst_ts[side] = Some(ts);
    }
    f.closed_at().is_some()
}

#[cfg(test)]
#[path = "engine_tests.rs"]
mod tests;
