//! From dumped packets (`tcpdump -X` shows the IP packet, `-XX` the link-layer frame too)
//! to the stream bytes `inspect` wants: strip the headers with etherparse and join the
//! payloads of one direction in order. If any packet is not IPv4/IPv6 carrying TCP or UDP
//! (alone, in Ethernet II or in a Linux cooked frame), nothing is stripped at all: the
//! bytes are returned as dumped, with a note.

use std::net::{IpAddr, SocketAddr};

use etherparse::{NetSlice, SlicedPacket, TransportSlice};

/// One recognised packet.
struct Segment<'a> {
    src: SocketAddr,
    dst: SocketAddr,
    layers: String,
    header_len: usize,
    payload: &'a [u8],
    seq: Option<u32>,
}

fn slice(pkt: &[u8]) -> Option<Segment<'_>> {
    let ip_first = matches!(pkt.first().map(|b| b >> 4), Some(4 | 6));
    let via_ip = if ip_first {
        SlicedPacket::from_ip(pkt)
            .ok()
            .and_then(|sp| segment(pkt, "", sp))
    } else {
        None
    };
    via_ip
        .or_else(|| {
            let sp = SlicedPacket::from_ethernet(pkt).ok()?;
            segment(pkt, "Ethernet + ", sp)
        })
        .or_else(|| {
            let sp = SlicedPacket::from_linux_sll(pkt).ok()?;
            segment(pkt, "Linux cooked + ", sp)
        })
}

fn segment<'a>(pkt: &'a [u8], link: &str, sp: SlicedPacket<'a>) -> Option<Segment<'a>> {
    let (family, src_ip, dst_ip): (_, IpAddr, IpAddr) = match sp.net.as_ref()? {
        NetSlice::Ipv4(ip) => (
            "IPv4",
            ip.header().source_addr().into(),
            ip.header().destination_addr().into(),
        ),
        NetSlice::Ipv6(ip) => (
            "IPv6",
            ip.header().source_addr().into(),
            ip.header().destination_addr().into(),
        ),
        NetSlice::Arp(_) => return None,
    };
    let (proto, sport, dport, payload, seq) = match sp.transport? {
        TransportSlice::Tcp(t) => (
            "TCP",
            t.source_port(),
            t.destination_port(),
            t.payload(),
            Some(t.sequence_number()),
        ),
        TransportSlice::Udp(u) => (
            "UDP",
            u.source_port(),
            u.destination_port(),
            u.payload(),
            None,
        ),
        _ => return None,
    };
    let header_len = (payload.as_ptr() as usize).checked_sub(pkt.as_ptr() as usize)?;
    Some(Segment {
        src: SocketAddr::new(src_ip, sport),
        dst: SocketAddr::new(dst_ip, dport),
        layers: format!("{link}{family} + {proto}"),
        header_len: header_len.min(pkt.len()),
        payload,
        seq,
    })
}

/// The stream bytes of the dumped packets, and notes saying what was done.
pub(super) fn extract(packets: &[Vec<u8>]) -> (Vec<u8>, Vec<String>) {
    let mut segments = Vec::with_capacity(packets.len());
    for (i, pkt) in packets.iter().enumerate() {
        match slice(pkt) {
            Some(s) => segments.push(s),
            None => {
                let note = format!(
                    "packet {} is not an IPv4/IPv6 packet carrying TCP or UDP (nor an Ethernet \
                     or Linux cooked frame with one): kept all bytes as dumped, headers included",
                    i + 1
                );
                return (packets.concat(), vec![note]);
            }
        }
    }
    let Some(first) = segments.iter().find(|s| !s.payload.is_empty()) else {
        let note = match segments.as_slice() {
            [only] => format!(
                "stripped {} bytes of {} headers ({} → {}); the packet carries no payload",
                only.header_len, only.layers, only.src, only.dst
            ),
            _ => format!("none of the {} packets carries payload", segments.len()),
        };
        return (Vec::new(), vec![note]);
    };
    let mut join = Join::new(first.src, first.dst);
    for (i, s) in segments.iter().enumerate() {
        join.add(i, s);
    }
    join.finish(&first.layers)
}

/// The payloads going the way of the first one, joined in TCP order, with counts of
/// what was left out.
struct Join {
    src: SocketAddr,
    dst: SocketAddr,
    out: Vec<u8>,
    notes: Vec<String>,
    joined: usize,
    stripped: usize,
    empty: usize,
    other: usize,
    other_bytes: usize,
    next_seq: Option<u32>,
}

impl Join {
    fn new(src: SocketAddr, dst: SocketAddr) -> Join {
        Join {
            src,
            dst,
            out: Vec::new(),
            notes: Vec::new(),
            joined: 0,
            stripped: 0,
            empty: 0,
            other: 0,
            other_bytes: 0,
            next_seq: None,
        }
    }

    /// Adds packet `i`: skipped without payload or going another way; bytes sent again
    /// are dropped and a gap is noted.
    fn add(&mut self, i: usize, s: &Segment<'_>) {
        if s.payload.is_empty() {
            self.empty += 1;
            return;
        }
        if (s.src, s.dst) != (self.src, self.dst) {
            self.other += 1;
            self.other_bytes += s.payload.len();
            return;
        }
        let mut payload = s.payload;
        if let (Some(seq), Some(next)) = (s.seq, self.next_seq) {
            let behind = next.wrapping_sub(seq) as i32;
            if behind > 0 {
                let dup = (behind as usize).min(payload.len());
                payload = &payload[dup..];
                self.notes.push(format!(
                    "packet {}: dropped {dup} bytes sent again (TCP retransmission)",
                    i + 1
                ));
            } else if behind < 0 {
                self.notes.push(format!(
                    "packet {}: {} bytes before it are missing (lost or not in the paste)",
                    i + 1,
                    behind.unsigned_abs()
                ));
            }
        }
        if let Some(seq) = s.seq {
            let end = seq.wrapping_add(s.payload.len() as u32);
            self.next_seq = Some(match self.next_seq {
                Some(n) if (n.wrapping_sub(end) as i32) > 0 => n,
                _ => end,
            });
        }
        self.out.extend_from_slice(payload);
        self.joined += 1;
        self.stripped += s.header_len;
    }

    /// The joined bytes, and the notes: what was stripped first, then what was left out.
    fn finish(mut self, layers: &str) -> (Vec<u8>, Vec<String>) {
        let (src, dst, stripped) = (self.src, self.dst, self.stripped);
        self.notes.insert(
            0,
            if self.joined == 1 {
                format!("stripped {stripped} bytes of {layers} headers ({src} → {dst})")
            } else {
                format!(
                    "joined the payloads of {} packets {src} → {dst} in order (stripped \
                     {stripped} bytes of {layers} headers)",
                    self.joined
                )
            },
        );
        if self.empty > 0 {
            self.notes.push(format!(
                "skipped {} packet(s) without payload (handshake, ACKs, FIN)",
                self.empty
            ));
        }
        if self.other > 0 {
            self.notes.push(format!(
                "left out {} bytes in {} packet(s) going another way (not {src} → {dst})",
                self.other_bytes, self.other
            ));
        }
        (self.out, self.notes)
    }
}
