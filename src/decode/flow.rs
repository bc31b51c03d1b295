//! One TCP conversation in progress: both directions' reassembled openings and the
//! capture times of its first bytes, FINs and RSTs; what the tracker fills and the
//! conversation judge reads.

use super::report::DirectionBasis;
use super::stream::Half;
use std::net::SocketAddr;

/// One TCP conversation in progress. Side 0 is the sender of the first packet seen; which
/// side is the client is settled by the SYN, or at the end from content and ports.
#[derive(Debug)]
pub struct Flow {
    pub id: u64,
    pub addr: [SocketAddr; 2],
    pub half: [Half; 2],
    /// Index of the client side, once known from SYN / SYN-ACK.
    pub client: Option<usize>,
    pub basis: DirectionBasis,
    pub first_ts: u64,
    pub last_ts: u64,
    pub first_data_ts: [Option<u64>; 2],
    pub fin_ts: [Option<u64>; 2],
    pub rst_ts: [Option<u64>; 2],
    pub synack: bool,
    /// Packet index (within the conversation) of each side's earliest first byte.
    pub first_data_index: [u64; 2],
    pub packets: u64,
}

/// How a new conversation starts: its id, endpoints, client side (when the first packet
/// tells), how that was decided, the bytes kept per side, and its first packet's time.
pub(super) struct Start {
    pub id: u64,
    pub addr: [SocketAddr; 2],
    pub client: Option<usize>,
    pub basis: DirectionBasis,
    pub limits: [u32; 2],
    pub ts: u64,
}

impl Flow {
    /// A conversation as it starts.
    pub(super) fn new(s: Start) -> Flow {
        let half = [Half::new(s.limits[0]), Half::new(s.limits[1])];
        Flow::with_halves(s, half)
    }

    /// Makes a judged conversation new again, keeping its directions' buffers (flows
    /// are recycled, so steady state allocates nothing per conversation).
    pub(super) fn restart(&mut self, s: Start) {
        // In place: moving a new `Flow` in copied the whole struct, halves included.
        // The pattern names every field, so a new one cannot be forgotten here.
        let Flow {
            id,
            addr,
            half,
            client,
            basis,
            first_ts,
            last_ts,
            first_data_ts,
            fin_ts,
            rst_ts,
            synack,
            first_data_index,
            packets,
        } = self;
        half[0].reset(s.limits[0]);
        half[1].reset(s.limits[1]);
        (*id, *addr, *client, *basis) = (s.id, s.addr, s.client, s.basis);
        (*first_ts, *last_ts) = (s.ts, s.ts);
        (*first_data_ts, *fin_ts, *rst_ts) = ([None; 2], [None; 2], [None; 2]);
        *synack = false;
        *first_data_index = [0; 2];
        *packets = 0;
    }

    fn with_halves(s: Start, half: [Half; 2]) -> Flow {
        Flow {
            id: s.id,
            addr: s.addr,
            half,
            client: s.client,
            basis: s.basis,
            first_ts: s.ts,
            last_ts: s.ts,
            first_data_ts: [None; 2],
            fin_ts: [None; 2],
            rst_ts: [None; 2],
            synack: false,
            first_data_index: [0; 2],
            packets: 0,
        }
    }

    pub(super) fn closed_at(&self) -> Option<u64> {
        let rst = self.rst_ts[0].or(self.rst_ts[1]);
        let both_fin = match self.fin_ts {
            [Some(a), Some(b)] => Some(a.max(b)),
            _ => None,
        };
        match (rst, both_fin) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{Flow, Start};
    use crate::decode::report::DirectionBasis;

    fn start(id: u64, limits: [u32; 2]) -> Start {
        Start {
            id,
            addr: [
                "192.0.2.1:40000".parse().unwrap(),
                "192.0.2.2:443".parse().unwrap(),
            ],
            client: Some(0),
            basis: DirectionBasis::Syn,
            limits,
            ts: 7,
        }
    }

    /// A recycled conversation is exactly a new one (its buffers' capacity aside, which
    /// `Debug` does not show): `restart` resets in place what `new` builds.
    #[test]
    fn restart_is_new() {
        let mut f = Flow::new(start(1, [64, 32]));
        for h in &mut f.half {
            h.on_syn(100);
            h.on_data(101, b"abcdef", 6);
            h.on_data(120, b"later", 5);
            h.mark(9, 2);
            h.on_fin(130);
            h.on_ack(5);
        }
        (f.first_data_ts, f.fin_ts, f.rst_ts) = ([Some(1); 2], [Some(2); 2], [Some(3); 2]);
        (f.synack, f.first_data_index, f.packets, f.last_ts) = (true, [4, 5], 9, 99);
        f.restart(start(2, [16, 8]));
        assert_eq!(
            format!("{f:?}"),
            format!("{:?}", Flow::new(start(2, [16, 8])))
        );
    }
}
