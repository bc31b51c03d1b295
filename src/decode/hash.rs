//! The hash used for the flow tables and payload links: FxHash's multiply-rotate.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};
use std::net::SocketAddr;

/// A fast hasher for flow keys (FxHash's multiply-rotate); keys come from the capture,
/// which is not adversarial enough to need SipHash, and this sits on the per-packet path.
#[derive(Default, Clone, Copy)]
pub struct FxHasher(u64);

impl Hasher for FxHasher {
    fn write(&mut self, bytes: &[u8]) {
        for chunk in bytes.chunks(8) {
            let mut b = [0u8; 8];
            b[..chunk.len()].copy_from_slice(chunk);
            self.add(u64::from_le_bytes(b));
        }
    }
    fn write_u8(&mut self, i: u8) {
        self.add(u64::from(i));
    }
    fn write_u16(&mut self, i: u16) {
        self.add(u64::from(i));
    }
    fn write_u32(&mut self, i: u32) {
        self.add(u64::from(i));
    }
    fn write_u64(&mut self, i: u64) {
        self.add(i);
    }
    fn write_usize(&mut self, i: usize) {
        self.add(i as u64);
    }
    fn finish(&self) -> u64 {
        // The multiply leaves the low bits depending only on the low bits of the last
        // word, and hashbrown picks the bucket from the low bits: for two IPv4
        // endpoints whose server port and address repeat, nearly every key fell in a
        // few buckets. The well-mixed high bits go low, as rustc-hash 2 does.
        self.0.rotate_left(26)
    }
}

impl FxHasher {
    #[inline]
    fn add(&mut self, w: u64) {
        self.0 = (self.0.rotate_left(5) ^ w).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }
}

/// A HashMap with [`FxHasher`].
pub type FxMap<K, V> = HashMap<K, V, BuildHasherDefault<FxHasher>>;

/// Removes the entries `pick` selects; returns them by `id` (a table's order is its
/// hash's, not the capture's).
pub fn take_where<K, V>(
    m: &mut FxMap<K, V>,
    pick: impl Fn(&V) -> bool,
    id: impl Fn(&V) -> u64,
) -> Vec<V> {
    let mut out: Vec<V> = m.extract_if(|_, v| pick(v)).map(|(_, v)| v).collect();
    out.sort_by_key(|v| id(v));
    out
}

/// Removes the least recently active eighth of a full table (at least one entry, by
/// `last`, the time of each entry's latest packet); returns them by `id`.
pub fn take_oldest_eighth<K: std::hash::Hash + Eq + Ord + Copy, V>(
    m: &mut FxMap<K, V>,
    last: impl Fn(&V) -> u64,
    id: impl Fn(&V) -> u64,
) -> Vec<V> {
    let mut ages: Vec<(u64, K)> = m.iter().map(|(k, v)| (last(v), *k)).collect();
    if ages.is_empty() {
        return Vec::new();
    }
    let n = (ages.len() / 8).max(1);
    ages.select_nth_unstable(n - 1);
    let mut out: Vec<V> = ages
        .into_iter()
        .take(n)
        .filter_map(|(_, k)| m.remove(&k))
        .collect();
    out.sort_by_key(|v| id(v));
    out
}

/// Removes `k` from an index only while it still maps to `id` (a later entry on the
/// same key keeps its own); one lookup.
pub fn remove_if_is<K: std::hash::Hash + Eq>(m: &mut FxMap<K, u64>, k: K, id: u64) {
    if let std::collections::hash_map::Entry::Occupied(e) = m.entry(k)
        && *e.get() == id
    {
        e.remove();
    }
}

/// Two socket addresses as a table key, compact when both are IPv4 (16 bytes, not the
/// 64 of a `(SocketAddr, SocketAddr)`): for tables that remember tens of thousands of
/// conversations by their endpoints. Equal exactly when the addresses are.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Pair {
    /// Both IPv4: the first address and port, the second's port; the second address.
    V4(u64, u32),
    /// Anything else, as it is.
    Wide(Box<(SocketAddr, SocketAddr)>),
}

impl From<(SocketAddr, SocketAddr)> for Pair {
    fn from(t: (SocketAddr, SocketAddr)) -> Pair {
        match t {
            (SocketAddr::V4(a), SocketAddr::V4(b)) => Pair::V4(
                u64::from(a.ip().to_bits()) << 32 | u64::from(a.port()) << 16 | u64::from(b.port()),
                b.ip().to_bits(),
            ),
            _ => Pair::Wide(Box::new(t)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{FxHasher, Pair};
    use std::hash::{BuildHasher, BuildHasherDefault};
    use std::net::SocketAddr;

    #[test]
    fn clients_of_one_server_spread_over_the_low_bits() {
        // hashbrown takes the bucket from the low bits: 4096 clients of one server
        // (address and port repeat) must not crowd into a few of 4096 buckets. Random
        // placement fills about 63% of them.
        let build = BuildHasherDefault::<FxHasher>::default();
        let server: SocketAddr = "198.51.100.7:443".parse().unwrap();
        let mut used = std::collections::HashSet::new();
        for i in 0..4096u32 {
            let client =
                SocketAddr::from(([192, 0, 2, (i % 200) as u8], 30000 + (i / 200) as u16 * 7));
            used.insert(build.hash_one(Pair::from((client, server))) & 0xfff);
        }
        assert!(used.len() > 2000, "{} buckets of 4096", used.len());
    }

    #[test]
    fn pairs_are_equal_exactly_when_the_addresses_are() {
        let addrs: Vec<SocketAddr> = [
            "192.0.2.1:443",
            "192.0.2.1:444",
            "192.0.2.2:443",
            "0.0.0.0:0",
            "255.255.255.255:65535",
            "[::ffff:192.0.2.1]:443",
            "[2001:db8::1]:443",
        ]
        .iter()
        .map(|a| a.parse().unwrap())
        .collect();
        for &a in &addrs {
            for &b in &addrs {
                for &c in &addrs {
                    for &d in &addrs {
                        assert_eq!(Pair::from((a, b)) == Pair::from((c, d)), (a, b) == (c, d));
                    }
                }
            }
        }
    }
}
