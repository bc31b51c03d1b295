//! One captured frame → one TCP segment or UDP datagram, borrowed from the frame (sans-IO,
//! no allocation).
//!
//! Link layers: Ethernet II with any number of 802.1Q/802.1ad tags (QinQ), Linux cooked
//! SLL (113) and SLL2 (276) including loopback frames with ARPHRD 772 (etherparse's SLL
//! parser rejects those, so the header is stripped here and its protocol field used),
//! BSD NULL (0, family in the writer's byte order, IPv6 as 24, 28 or 30) and OpenBSD LOOP
//! (108, network order), raw IP (101, 12 and 14 as written by most OSes, 228, 229).
//! Then IPv4 (fragments skipped and counted) or IPv6 (extension headers walked), then TCP
//! or UDP.
//!
//! Rules: lax about truncation, strict about structure. A frame cut short by the snaplen
//! still yields its segment, with `wire_len` (the payload length the IP header declares)
//! larger than the captured `payload`: that is a gap to report, not an error. Checksums
//! are never verified (offload makes them wrong in captures). Anything that is not
//! TCP/UDP over IP is classified by [`Skip`] so the summary can account for it.
//! `tests` cross-checks the slicing with etherparse on the recorded captures.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};

/// Link types read (pcap LINKTYPE_* values).
pub mod linktype {
    /// BSD loopback: 4-byte address family in the writer's byte order.
    pub const NULL: u32 = 0;
    /// Ethernet II.
    pub const ETHERNET: u32 = 1;
    /// Raw IP as some OSes number it.
    pub const RAW_12: u32 = 12;
    /// Raw IP as OpenBSD numbers it.
    pub const RAW_14: u32 = 14;
    /// Raw IP.
    pub const RAW: u32 = 101;
    /// OpenBSD loopback: 4-byte family in network order.
    pub const LOOP: u32 = 108;
    /// Linux cooked capture v1 (`tcpdump -i any -y LINUX_SLL`).
    pub const LINUX_SLL: u32 = 113;
    /// Raw IPv4.
    pub const IPV4: u32 = 228;
    /// Raw IPv6.
    pub const IPV6: u32 = 229;
    /// Linux cooked capture v2 (`tcpdump -i any`, libpcap 1.10).
    pub const LINUX_SLL2: u32 = 276;

    /// Whether `decode` reads this link type.
    pub fn supported(lt: u32) -> bool {
        matches!(
            lt,
            NULL | ETHERNET | RAW_12 | RAW_14 | RAW | LOOP | LINUX_SLL | IPV4 | IPV6 | LINUX_SLL2
        )
    }

    /// A name for messages.
    pub fn name(lt: u32) -> String {
        match lt {
            NULL => "NULL (BSD loopback)".into(),
            ETHERNET => "Ethernet".into(),
            RAW_12 | RAW_14 | RAW => "raw IP".into(),
            LOOP => "LOOP (OpenBSD loopback)".into(),
            LINUX_SLL => "Linux cooked (SLL)".into(),
            IPV4 => "raw IPv4".into(),
            IPV6 => "raw IPv6".into(),
            LINUX_SLL2 => "Linux cooked v2 (SLL2)".into(),
            other => format!("link type {other}"),
        }
    }
}

/// TCP flag bits.
pub mod flags {
    /// FIN.
    pub const FIN: u8 = 0x01;
    /// SYN.
    pub const SYN: u8 = 0x02;
    /// RST.
    pub const RST: u8 = 0x04;
    /// ACK.
    pub const ACK: u8 = 0x10;
}

/// The transport part of a packet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transport {
    /// A TCP segment.
    Tcp {
        /// Sequence number.
        seq: u32,
        /// Acknowledgment number (meaningful with the ACK flag).
        ack: u32,
        /// Flags (see [`flags`]).
        flags: u8,
    },
    /// A UDP datagram.
    Udp,
}

/// One TCP segment or UDP datagram.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Packet<'a> {
    /// Sender.
    pub src: SocketAddr,
    /// Receiver.
    pub dst: SocketAddr,
    /// TCP or UDP.
    pub transport: Transport,
    /// The payload bytes that were captured.
    pub payload: &'a [u8],
    /// The payload length on the wire, per the IP header (≥ `payload.len()`; larger when
    /// the snaplen cut the frame).
    pub wire_len: u32,
}

/// Why a frame yielded no packet.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Skip {
    /// Not IP (ARP, LLDP, ...).
    NotIp,
    /// An IP fragment (not reassembled).
    Fragment,
    /// IP carrying neither TCP nor UDP (ICMP, ...).
    OtherTransport,
    /// Cut so short that the headers are missing, or the headers are inconsistent.
    Truncated,
    /// The link type is not one `decode` reads.
    UnsupportedLink,
}

/// Slices one frame of link type `lt`.
pub fn parse(lt: u32, frame: &[u8]) -> Result<Packet<'_>, Skip> {
    let (ethertype, rest) = link(lt, frame)?;
    match ethertype {
        0x0800 => ipv4(rest),
        0x86dd => ipv6(rest),
        _ => Err(Skip::NotIp),
    }
}

/// Raw IP: the version nibble says which.
fn raw(b: &[u8]) -> Result<(u16, &[u8]), Skip> {
    match b.first().map(|v| v >> 4) {
        Some(4) => Ok((0x0800, b)),
        Some(6) => Ok((0x86dd, b)),
        Some(_) => Err(Skip::NotIp),
        None => Err(Skip::Truncated),
    }
}

fn be16(b: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_be_bytes([*b.get(at)?, *b.get(at + 1)?]))
}

fn be32(b: &[u8], at: usize) -> Option<u32> {
    b.get(at..at + 4)
        .map(|s| u32::from_be_bytes([s[0], s[1], s[2], s[3]]))
}

/// An ICMP port unreachable (ICMPv4 type 3 code 3, RFC 792; ICMPv6 type 1 code 4, RFC
/// 4443 section 3.1) quoting a UDP datagram: the quoted datagram's sender and receiver.
/// Both RFCs make the message carry the offending IP header and at least the first 8
/// bytes after it, which is the whole UDP header.
pub fn udp_unreachable(lt: u32, frame: &[u8]) -> Option<(SocketAddr, SocketAddr)> {
    let (et, b) = link(lt, frame).ok()?;
    let ports = |u: &[u8]| Some((be16(u, 0)?, be16(u, 2)?));
    match et {
        0x0800 => {
            let ihl = usize::from(*b.first()? & 0x0f) * 4;
            let icmp = b.get(ihl..).filter(|_| b.get(9) == Some(&1))?;
            let q = icmp.get(8..).filter(|_| icmp.get(..2) == Some(&[3, 3]))?;
            let qihl = usize::from(*q.first()? & 0x0f) * 4;
            if q.first()? >> 4 != 4 || q.get(9) != Some(&17) || qihl < 20 {
                return None;
            }
            let ip = |at: usize| {
                Some(IpAddr::V4(Ipv4Addr::new(
                    *q.get(at)?,
                    q[at + 1],
                    q[at + 2],
                    q[at + 3],
                )))
            };
            let (sp, dp) = ports(q.get(qihl..)?)?;
            let (src, dst) = (ip(12)?, ip(16)?);
            Some((SocketAddr::new(src, sp), SocketAddr::new(dst, dp)))
        }
        0x86dd => {
            let icmp = b.get(40..).filter(|_| b.get(6) == Some(&58))?;
            let q = icmp.get(8..).filter(|_| icmp.get(..2) == Some(&[1, 4]))?;
            if q.get(6) != Some(&17) || q.len() < 48 {
                return None;
            }
            let ip = |at: usize| {
                IpAddr::V6(Ipv6Addr::from(
                    <[u8; 16]>::try_from(&q[at..at + 16]).unwrap_or([0; 16]),
                ))
            };
            let (sp, dp) = ports(&q[40..])?;
            Some((SocketAddr::new(ip(8), sp), SocketAddr::new(ip(24), dp)))
        }
        _ => None,
    }
}

/// Strips the link layer; returns the ethertype and what follows.
fn link(lt: u32, b: &[u8]) -> Result<(u16, &[u8]), Skip> {
    match lt {
        linktype::ETHERNET => {
            let mut at = 12;
            let mut et = be16(b, at).ok_or(Skip::Truncated)?;
            // 802.1Q (0x8100), 802.1ad (0x88a8) and the old QinQ 0x9100, any depth.
            while matches!(et, 0x8100 | 0x88a8 | 0x9100) {
                at += 4;
                et = be16(b, at).ok_or(Skip::Truncated)?;
            }
            Ok((et, b.get(at + 2..).ok_or(Skip::Truncated)?))
        }
        linktype::LINUX_SLL => {
            // packet type 2, ARPHRD 2, addr len 2, addr 8, protocol 2.
            let et = be16(b, 14).ok_or(Skip::Truncated)?;
            let rest = b.get(16..).ok_or(Skip::Truncated)?;
            sll_protocol(et, rest)
        }
        linktype::LINUX_SLL2 => {
            // protocol 2, reserved 2, ifindex 4, ARPHRD 2, packet type 1, addr len 1, addr 8.
            let et = be16(b, 0).ok_or(Skip::Truncated)?;
            let rest = b.get(20..).ok_or(Skip::Truncated)?;
            sll_protocol(et, rest)
        }
        linktype::NULL | linktype::LOOP => {
            let raw_family = b.get(..4).ok_or(Skip::Truncated)?;
            let arr = [raw_family[0], raw_family[1], raw_family[2], raw_family[3]];
            let family = if lt == linktype::LOOP {
                u32::from_be_bytes(arr)
            } else {
                // Host order of the writer: a family is small, so the order that gives a
                // small number is the right one.
                let le = u32::from_le_bytes(arr);
                if le <= 0xffff {
                    le
                } else {
                    u32::from_be_bytes(arr)
                }
            };
            let rest = &b[4..];
            match family {
                2 => Ok((0x0800, rest)),
                24 | 28 | 30 => Ok((0x86dd, rest)),
                _ => Err(Skip::NotIp),
            }
        }
        linktype::RAW | linktype::RAW_12 | linktype::RAW_14 | linktype::IPV4 | linktype::IPV6 => {
            raw(b)
        }
        _ => Err(Skip::UnsupportedLink),
    }
}

/// The SLL protocol field: an ethertype, or for loopback (ARPHRD 772) also an ethertype;
/// 0x0004 (802.2) and others are not IP. A zero protocol falls back to the IP version.
fn sll_protocol(et: u16, rest: &[u8]) -> Result<(u16, &[u8]), Skip> {
    match et {
        0x0800 | 0x86dd => Ok((et, rest)),
        0 => raw(rest),
        _ => Err(Skip::NotIp),
    }
}

fn ipv4(b: &[u8]) -> Result<Packet<'_>, Skip> {
    let first = *b.first().ok_or(Skip::Truncated)?;
    if first >> 4 != 4 {
        return Err(Skip::Truncated);
    }
    let ihl = usize::from(first & 0x0f) * 4;
    if ihl < 20 || b.len() < ihl {
        return Err(Skip::Truncated);
    }
    let total = usize::from(be16(b, 2).ok_or(Skip::Truncated)?);
    let frag = be16(b, 6).ok_or(Skip::Truncated)?;
    if frag & 0x3fff != 0 {
        return Err(Skip::Fragment);
    }
    let proto = b[9];
    let src = IpAddr::V4(Ipv4Addr::new(b[12], b[13], b[14], b[15]));
    let dst = IpAddr::V4(Ipv4Addr::new(b[16], b[17], b[18], b[19]));
    // Total length 0 is what TSO/GSO leaves in captures of large segments: trust the capture.
    let declared = if total == 0 {
        None
    } else if total < ihl {
        return Err(Skip::Truncated);
    } else {
        Some(total - ihl)
    };
    transport(proto, src, dst, &b[ihl..], declared)
}

fn ipv6(b: &[u8]) -> Result<Packet<'_>, Skip> {
    if b.len() < 40 || b[0] >> 4 != 6 {
        return Err(Skip::Truncated);
    }
    let payload_len = usize::from(be16(b, 4).ok_or(Skip::Truncated)?);
    let mut next = b[6];
    let src = IpAddr::V6(Ipv6Addr::from(
        <[u8; 16]>::try_from(&b[8..24]).map_err(|_| Skip::Truncated)?,
    ));
    let dst = IpAddr::V6(Ipv6Addr::from(
        <[u8; 16]>::try_from(&b[24..40]).map_err(|_| Skip::Truncated)?,
    ));
    let mut at = 40;
    // Jumbograms (payload length 0) are trusted to the capture, like IPv4 TSO.
    let mut declared = if payload_len == 0 {
        None
    } else {
        Some(payload_len)
    };
    for _ in 0..8 {
        match next {
            0 | 43 | 60 => {
                let nh = *b.get(at).ok_or(Skip::Truncated)?;
                let len = (usize::from(*b.get(at + 1).ok_or(Skip::Truncated)?) + 1) * 8;
                next = nh;
                at += len;
                declared = declared.map(|d| d.saturating_sub(len));
            }
            44 => return Err(Skip::Fragment),
            _ => break,
        }
    }
    let rest = b.get(at..).ok_or(Skip::Truncated)?;
    transport(next, src, dst, rest, declared)
}

fn transport<'a>(
    proto: u8,
    src: IpAddr,
    dst: IpAddr,
    b: &'a [u8],
    declared: Option<usize>,
) -> Result<Packet<'a>, Skip> {
    match proto {
        6 => {
            let sport = be16(b, 0).ok_or(Skip::Truncated)?;
            let dport = be16(b, 2).ok_or(Skip::Truncated)?;
            let seq = be32(b, 4).ok_or(Skip::Truncated)?;
            let ack = be32(b, 8).ok_or(Skip::Truncated)?;
            let off = usize::from(*b.get(12).ok_or(Skip::Truncated)? >> 4) * 4;
            let flags = *b.get(13).ok_or(Skip::Truncated)?;
            if off < 20 {
                return Err(Skip::Truncated);
            }
            let captured = b.get(off..).unwrap_or(&[]);
            let wire = match declared {
                Some(d) if d >= off => d - off,
                Some(_) => return Err(Skip::Truncated),
                None => captured.len(),
            };
            // Ethernet padding can make the capture longer than the IP datagram.
            let payload = &captured[..captured.len().min(wire)];
            Ok(Packet {
                src: SocketAddr::new(src, sport),
                dst: SocketAddr::new(dst, dport),
                transport: Transport::Tcp { seq, ack, flags },
                payload,
                wire_len: u32::try_from(wire).unwrap_or(u32::MAX),
            })
        }
        17 => {
            let sport = be16(b, 0).ok_or(Skip::Truncated)?;
            let dport = be16(b, 2).ok_or(Skip::Truncated)?;
            let ulen = usize::from(be16(b, 4).ok_or(Skip::Truncated)?);
            let captured = b.get(8..).unwrap_or(&[]);
            let wire = match declared {
                Some(d) => d.min(ulen).saturating_sub(8),
                None => ulen.saturating_sub(8),
            };
            let payload = &captured[..captured.len().min(wire)];
            Ok(Packet {
                src: SocketAddr::new(src, sport),
                dst: SocketAddr::new(dst, dport),
                transport: Transport::Udp,
                payload,
                wire_len: u32::try_from(wire).unwrap_or(u32::MAX),
            })
        }
        _ => Err(Skip::OtherTransport),
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// An IPv4 packet (20-byte header, DF, TTL 64, no checksum) of protocol `proto`
    /// from `src` to `dst` carrying `body`.
    pub(crate) fn ipv4(src: [u8; 4], dst: [u8; 4], proto: u8, body: &[u8]) -> Vec<u8> {
        let total = 20 + body.len();
        let mut v = vec![
            0x45,
            0,
            (total >> 8) as u8,
            total as u8,
            0,
            0,
            0x40,
            0,
            64,
            proto,
            0,
            0,
        ];
        v.extend_from_slice(&src);
        v.extend_from_slice(&dst);
        v.extend_from_slice(body);
        v
    }

    /// A TCP segment (no options, no checksum) from port `sport` to `dport`.
    pub(crate) fn tcp_segment(
        sport: u16,
        dport: u16,
        seq: u32,
        flags: u8,
        payload: &[u8],
    ) -> Vec<u8> {
        let mut v = Vec::with_capacity(20 + payload.len());
        v.extend_from_slice(&sport.to_be_bytes());
        v.extend_from_slice(&dport.to_be_bytes());
        v.extend_from_slice(&seq.to_be_bytes());
        v.extend_from_slice(&[0, 0, 0, 0, 0x50, flags, 0xff, 0xff, 0, 0, 0, 0]);
        v.extend_from_slice(payload);
        v
    }

    /// IPv4 + TCP (no options), given payload.
    pub(crate) fn ipv4_tcp(payload: &[u8], flags: u8, seq: u32) -> Vec<u8> {
        let segment = tcp_segment(40000, 443, seq, flags, payload);
        ipv4([127, 0, 0, 1], [127, 0, 0, 2], 6, &segment)
    }

    fn check(lt: u32, frame: &[u8]) {
        let p = parse(lt, frame).unwrap_or_else(|e| panic!("link {lt}: {e:?}"));
        assert_eq!(p.src.to_string(), "127.0.0.1:40000");
        assert_eq!(p.dst.to_string(), "127.0.0.2:443");
        assert_eq!(p.payload, b"hello");
        assert_eq!(p.wire_len, 5);
        assert_eq!(
            p.transport,
            Transport::Tcp {
                seq: 7,
                ack: 0,
                flags: 0x18
            }
        );
    }

    #[test]
    fn every_link_type() {
        let ip = ipv4_tcp(b"hello", 0x18, 7);
        check(linktype::RAW, &ip);
        check(linktype::IPV4, &ip);
        let mut eth = vec![0u8; 12];
        eth.extend_from_slice(&[0x08, 0x00]);
        eth.extend_from_slice(&ip);
        check(linktype::ETHERNET, &eth);
        let mut qinq = vec![0u8; 12];
        qinq.extend_from_slice(&[0x88, 0xa8, 0, 10, 0x81, 0x00, 0, 20, 0x08, 0x00]);
        qinq.extend_from_slice(&ip);
        check(linktype::ETHERNET, &qinq);
        // SLL with ARPHRD 772 (loopback), which etherparse rejects.
        let mut sll = vec![0, 0, 0x03, 0x04, 0, 6, 0, 0, 0, 0, 0, 0, 0, 0, 0x08, 0x00];
        sll.extend_from_slice(&ip);
        check(linktype::LINUX_SLL, &sll);
        let mut sll2 = vec![0x08, 0x00, 0, 0, 0, 0, 0, 1, 0x03, 0x04, 0, 6];
        sll2.extend_from_slice(&[0; 8]);
        sll2.extend_from_slice(&ip);
        check(linktype::LINUX_SLL2, &sll2);
        let mut null_le = 2u32.to_le_bytes().to_vec();
        null_le.extend_from_slice(&ip);
        check(linktype::NULL, &null_le);
        let mut null_be = 2u32.to_be_bytes().to_vec();
        null_be.extend_from_slice(&ip);
        check(linktype::NULL, &null_be);
        check(linktype::LOOP, &null_be);
    }

    #[test]
    fn snaplen_cut_keeps_the_declared_length() {
        let ip = ipv4_tcp(b"hello world", 0x18, 7);
        let p = parse(linktype::RAW, &ip[..45]).unwrap();
        assert_eq!(p.payload, b"hello");
        assert_eq!(p.wire_len, 11);
    }

    #[test]
    fn skips_are_classified() {
        assert_eq!(parse(linktype::ETHERNET, &[0; 14]), Err(Skip::NotIp));
        assert_eq!(parse(linktype::RAW, &[0x45]), Err(Skip::Truncated));
        assert_eq!(parse(147, &[0; 40]), Err(Skip::UnsupportedLink));
        let mut frag = ipv4_tcp(b"x", 0, 0);
        frag[6] = 0x20; // more fragments
        assert_eq!(parse(linktype::RAW, &frag), Err(Skip::Fragment));
        let mut icmp = ipv4_tcp(b"x", 0, 0);
        icmp[9] = 1;
        assert_eq!(parse(linktype::RAW, &icmp), Err(Skip::OtherTransport));
    }

    #[test]
    fn ipv6_with_extension_header() {
        let tcp = &ipv4_tcp(b"hello", 0x18, 7)[20..];
        let mut v = vec![0x60, 0, 0, 0];
        v.extend_from_slice(&((8 + tcp.len()) as u16).to_be_bytes());
        v.extend_from_slice(&[0, 64]); // hop-by-hop next
        v.extend_from_slice(&std::net::Ipv6Addr::LOCALHOST.octets());
        v.extend_from_slice(&std::net::Ipv6Addr::LOCALHOST.octets());
        v.extend_from_slice(&[6, 0, 0, 0, 0, 0, 0, 0]);
        v.extend_from_slice(tcp);
        let p = parse(linktype::IPV6, &v).unwrap();
        assert_eq!(p.src.to_string(), "[::1]:40000");
        assert_eq!(p.payload, b"hello");
    }

    /// Our slicing agrees with etherparse on every frame of the recorded Ethernet captures.
    #[test]
    fn agrees_with_etherparse_on_recorded_captures() {
        use etherparse::{NetSlice, SlicedPacket, TransportSlice};
        use pcap_parser::{PcapBlockOwned, PcapError};
        let captures: [&[u8]; 3] = [
            include_bytes!("../../testdata/captures/haproxy-v2-nginx-ssl.pcap"),
            include_bytes!("../../testdata/captures/ipv6.pcap"),
            include_bytes!("../../testdata/captures/udp-proxy-v2.pcap"),
        ];
        let mut frames: Vec<Vec<u8>> = Vec::new();
        for cap in captures {
            let mut r = pcap_parser::create_reader(1 << 16, std::io::Cursor::new(cap)).unwrap();
            loop {
                let n = match r.next() {
                    Ok((n, PcapBlockOwned::Legacy(b))) => {
                        frames.push(b.data.to_vec());
                        n
                    }
                    Ok((n, _)) => n,
                    Err(PcapError::Eof) => break,
                    Err(PcapError::Incomplete(_)) => {
                        r.refill().unwrap();
                        continue;
                    }
                    Err(e) => panic!("{e:?}"),
                };
                r.consume(n);
            }
        }
        let mut compared = 0;
        for data in &frames {
            let ours = parse(linktype::ETHERNET, data).unwrap();
            let theirs = SlicedPacket::from_ethernet(data).unwrap();
            let (src, dst): (IpAddr, IpAddr) = match theirs.net.unwrap() {
                NetSlice::Ipv4(ip) => (
                    ip.header().source_addr().into(),
                    ip.header().destination_addr().into(),
                ),
                NetSlice::Ipv6(ip) => (
                    ip.header().source_addr().into(),
                    ip.header().destination_addr().into(),
                ),
                NetSlice::Arp(_) => unreachable!(),
            };
            let (sport, dport, payload) = match theirs.transport.unwrap() {
                TransportSlice::Tcp(t) => (t.source_port(), t.destination_port(), t.payload()),
                TransportSlice::Udp(u) => (u.source_port(), u.destination_port(), u.payload()),
                _ => unreachable!(),
            };
            assert_eq!(ours.src, SocketAddr::new(src, sport));
            assert_eq!(ours.dst, SocketAddr::new(dst, dport));
            assert_eq!(ours.payload, payload);
            assert_eq!(ours.wire_len as usize, payload.len());
            compared += 1;
        }
        assert!(compared > 60, "{compared}");
    }

    #[test]
    fn icmp_port_unreachable_names_the_quoted_datagram() {
        // ICMPv6 type 1 code 4 from ::2 to ::1, quoting [::1]:40000 → [::2]:53 (UDP).
        let v6 = |last: u8| {
            let mut a = [0u8; 16];
            a[15] = last;
            a
        };
        let mut quoted = vec![0x60, 0, 0, 0, 0, 8, 17, 64];
        quoted.extend_from_slice(&v6(1));
        quoted.extend_from_slice(&v6(2));
        quoted.extend_from_slice(&[0x9c, 0x40, 0, 53, 0, 8, 0, 0]);
        let mut icmp = vec![1, 4, 0, 0, 0, 0, 0, 0];
        icmp.extend_from_slice(&quoted);
        let mut ip = vec![0x60, 0, 0, 0, 0, icmp.len() as u8, 58, 64];
        ip.extend_from_slice(&v6(2));
        ip.extend_from_slice(&v6(1));
        ip.extend_from_slice(&icmp);
        let (c, s) = udp_unreachable(linktype::RAW, &ip).expect("read");
        assert_eq!(
            (c.to_string(), s.to_string()),
            ("[::1]:40000".into(), "[::2]:53".into())
        );
        // Another ICMPv6 message (echo request, type 128) is not one.
        ip[40] = 128;
        assert!(udp_unreachable(linktype::RAW, &ip).is_none());
        // Nor is a TCP segment.
        assert!(udp_unreachable(linktype::RAW, &ipv4_tcp(b"x", 0x18, 1)).is_none());
    }
}
