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

impl Flow {
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
