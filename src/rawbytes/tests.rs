//! Tests of the pasted-bytes reader, on real tool output captured on this machine.

use super::*;
use proptest::prelude::*;

/// The PROXY v1 line every dump fixture below encodes.
const V1: &[u8] = b"PROXY TCP4 127.0.0.1 127.0.0.1 5000 443\r\n";

/// `printf 'PROXY TCP4 127.0.0.1 127.0.0.1 5000 443\r\n' | xxd` (xxd 2022-01-14)
const XXD: &str = r#"00000000: 5052 4f58 5920 5443 5034 2031 3237 2e30  PROXY TCP4 127.0
00000010: 2e30 2e31 2031 3237 2e30 2e30 2e31 2035  .0.1 127.0.0.1 5
00000020: 3030 3020 3434 330d 0a                   000 443..
"#;
/// `printf 'PROXY TCP4 127.0.0.1 127.0.0.1 5000 443\r\n' | xxd -g1`
const XXD_G1: &str = r#"00000000: 50 52 4f 58 59 20 54 43 50 34 20 31 32 37 2e 30  PROXY TCP4 127.0
00000010: 2e 30 2e 31 20 31 32 37 2e 30 2e 30 2e 31 20 35  .0.1 127.0.0.1 5
00000020: 30 30 30 20 34 34 33 0d 0a                       000 443..
"#;
/// `printf 'PROXY TCP4 127.0.0.1 127.0.0.1 5000 443\r\n' | hexdump -C`
const HEXDUMP: &str = r#"00000000  50 52 4f 58 59 20 54 43  50 34 20 31 32 37 2e 30  |PROXY TCP4 127.0|
00000010  2e 30 2e 31 20 31 32 37  2e 30 2e 30 2e 31 20 35  |.0.1 127.0.0.1 5|
00000020  30 30 30 20 34 34 33 0d  0a                       |000 443..|
00000029
"#;
/// `printf 'PROXY TCP4 127.0.0.1 127.0.0.1 5000 443\r\n' | od -A x -t x1z`
const OD: &str = r#"000000 50 52 4f 58 59 20 54 43 50 34 20 31 32 37 2e 30  >PROXY TCP4 127.0<
000010 2e 30 2e 31 20 31 32 37 2e 30 2e 30 2e 31 20 35  >.0.1 127.0.0.1 5<
000020 30 30 30 20 34 34 33 0d 0a                       >000 443..<
000029
"#;
/// `printf 'cafe babe 0123 4567 cafe\n' | xxd`: the ASCII column is itself hex-looking.
const XXD_CAFE: &str = r#"00000000: 6361 6665 2062 6162 6520 3031 3233 2034  cafe babe 0123 4
00000010: 3536 3720 6361 6665 0a                   567 cafe.
"#;
/// `printf 'cafe babe 0123 4567 cafe\n' | hexdump -C`
const HEXDUMP_CAFE: &str = r#"00000000  63 61 66 65 20 62 61 62  65 20 30 31 32 33 20 34  |cafe babe 0123 4|
00000010  35 36 37 20 63 61 66 65  0a                       |567 cafe.|
00000019
"#;
/// `tcpdump -i lo -nn -X -c 12 'tcp port 18777'` while
/// `curl --haproxy-protocol http://127.0.0.1:18777/` talked to
/// `python3 -m http.server --bind 127.0.0.1 18777` (tcpdump 4.99.3, curl 7.88.1); the
/// first six packets: handshake, the PROXY line, an ACK, the GET request.
const TCPDUMP_X: &str = r#"15:29:12.967022 IP 127.0.0.1.45620 > 127.0.0.1.18777: Flags [S], seq 258729992, win 65495, options [mss 65495,sackOK,TS val 457072860 ecr 0,nop,wscale 10], length 0
	0x0000:  4500 003c fdd2 4000 4006 3ee7 7f00 0001  E..<..@.@.>.....
	0x0010:  7f00 0001 b234 4959 0f6b e808 0000 0000  .....4IY.k......
	0x0020:  a002 ffd7 fe30 0000 0204 ffd7 0402 080a  .....0..........
	0x0030:  1b3e 60dc 0000 0000 0103 030a            .>`.........
15:29:12.967099 IP 127.0.0.1.18777 > 127.0.0.1.45620: Flags [S.], seq 2913237742, ack 258729993, win 65483, options [mss 65495,sackOK,TS val 1892251519 ecr 457072860,nop,wscale 10], length 0
	0x0000:  4500 003c 0000 4000 4006 3cba 7f00 0001  E..<..@.@.<.....
	0x0010:  7f00 0001 4959 b234 ada4 7aee 0f6b e809  ....IY.4..z..k..
	0x0020:  a012 ffcb fe30 0000 0204 ffd7 0402 080a  .....0..........
	0x0030:  70c9 777f 1b3e 60dc 0103 030a            p.w..>`.....
15:29:12.967113 IP 127.0.0.1.45620 > 127.0.0.1.18777: Flags [.], ack 1, win 64, options [nop,nop,TS val 457072860 ecr 1892251519], length 0
	0x0000:  4500 0034 fdd3 4000 4006 3eee 7f00 0001  E..4..@.@.>.....
	0x0010:  7f00 0001 b234 4959 0f6b e809 ada4 7aef  .....4IY.k....z.
	0x0020:  8010 0040 fe28 0000 0101 080a 1b3e 60dc  ...@.(.......>`.
	0x0030:  70c9 777f                                p.w.
15:29:12.967656 IP 127.0.0.1.45620 > 127.0.0.1.18777: Flags [P.], seq 1:45, ack 1, win 64, options [nop,nop,TS val 457072860 ecr 1892251519], length 44
	0x0000:  4500 0060 fdd4 4000 4006 3ec1 7f00 0001  E..`..@.@.>.....
	0x0010:  7f00 0001 b234 4959 0f6b e809 ada4 7aef  .....4IY.k....z.
	0x0020:  8018 0040 fe54 0000 0101 080a 1b3e 60dc  ...@.T.......>`.
	0x0030:  70c9 777f 5052 4f58 5920 5443 5034 2031  p.w.PROXY.TCP4.1
	0x0040:  3237 2e30 2e30 2e31 2031 3237 2e30 2e30  27.0.0.1.127.0.0
	0x0050:  2e31 2034 3536 3230 2031 3837 3737 0d0a  .1.45620.18777..
15:29:12.967662 IP 127.0.0.1.18777 > 127.0.0.1.45620: Flags [.], ack 45, win 64, options [nop,nop,TS val 1892251519 ecr 457072860], length 0
	0x0000:  4500 0034 160f 4000 4006 26b3 7f00 0001  E..4..@.@.&.....
	0x0010:  7f00 0001 4959 b234 ada4 7aef 0f6b e835  ....IY.4..z..k.5
	0x0020:  8010 0040 fe28 0000 0101 080a 70c9 777f  ...@.(......p.w.
	0x0030:  1b3e 60dc                                .>`.
15:29:12.967710 IP 127.0.0.1.45620 > 127.0.0.1.18777: Flags [P.], seq 45:124, ack 1, win 64, options [nop,nop,TS val 457072860 ecr 1892251519], length 79
	0x0000:  4500 0083 fdd5 4000 4006 3e9d 7f00 0001  E.....@.@.>.....
	0x0010:  7f00 0001 b234 4959 0f6b e835 ada4 7aef  .....4IY.k.5..z.
	0x0020:  8018 0040 fe77 0000 0101 080a 1b3e 60dc  ...@.w.......>`.
	0x0030:  70c9 777f 4745 5420 2f20 4854 5450 2f31  p.w.GET./.HTTP/1
	0x0040:  2e31 0d0a 486f 7374 3a20 3132 372e 302e  .1..Host:.127.0.
	0x0050:  302e 313a 3138 3737 370d 0a55 7365 722d  0.1:18777..User-
	0x0060:  4167 656e 743a 2063 7572 6c2f 372e 3838  Agent:.curl/7.88
	0x0070:  2e31 0d0a 4163 6365 7074 3a20 2a2f 2a0d  .1..Accept:.*/*.
	0x0080:  0a0d 0a                                  ...
"#;
/// The whole `tcpdump -X` output of that connection (12 packets, both directions).
const TCPDUMP_X_FULL: &str = r#"15:29:12.967022 IP 127.0.0.1.45620 > 127.0.0.1.18777: Flags [S], seq 258729992, win 65495, options [mss 65495,sackOK,TS val 457072860 ecr 0,nop,wscale 10], length 0
	0x0000:  4500 003c fdd2 4000 4006 3ee7 7f00 0001  E..<..@.@.>.....
	0x0010:  7f00 0001 b234 4959 0f6b e808 0000 0000  .....4IY.k......
	0x0020:  a002 ffd7 fe30 0000 0204 ffd7 0402 080a  .....0..........
	0x0030:  1b3e 60dc 0000 0000 0103 030a            .>`.........
15:29:12.967099 IP 127.0.0.1.18777 > 127.0.0.1.45620: Flags [S.], seq 2913237742, ack 258729993, win 65483, options [mss 65495,sackOK,TS val 1892251519 ecr 457072860,nop,wscale 10], length 0
	0x0000:  4500 003c 0000 4000 4006 3cba 7f00 0001  E..<..@.@.<.....
	0x0010:  7f00 0001 4959 b234 ada4 7aee 0f6b e809  ....IY.4..z..k..
	0x0020:  a012 ffcb fe30 0000 0204 ffd7 0402 080a  .....0..........
	0x0030:  70c9 777f 1b3e 60dc 0103 030a            p.w..>`.....
15:29:12.967113 IP 127.0.0.1.45620 > 127.0.0.1.18777: Flags [.], ack 1, win 64, options [nop,nop,TS val 457072860 ecr 1892251519], length 0
	0x0000:  4500 0034 fdd3 4000 4006 3eee 7f00 0001  E..4..@.@.>.....
	0x0010:  7f00 0001 b234 4959 0f6b e809 ada4 7aef  .....4IY.k....z.
	0x0020:  8010 0040 fe28 0000 0101 080a 1b3e 60dc  ...@.(.......>`.
	0x0030:  70c9 777f                                p.w.
15:29:12.967656 IP 127.0.0.1.45620 > 127.0.0.1.18777: Flags [P.], seq 1:45, ack 1, win 64, options [nop,nop,TS val 457072860 ecr 1892251519], length 44
	0x0000:  4500 0060 fdd4 4000 4006 3ec1 7f00 0001  E..`..@.@.>.....
	0x0010:  7f00 0001 b234 4959 0f6b e809 ada4 7aef  .....4IY.k....z.
	0x0020:  8018 0040 fe54 0000 0101 080a 1b3e 60dc  ...@.T.......>`.
	0x0030:  70c9 777f 5052 4f58 5920 5443 5034 2031  p.w.PROXY.TCP4.1
	0x0040:  3237 2e30 2e30 2e31 2031 3237 2e30 2e30  27.0.0.1.127.0.0
	0x0050:  2e31 2034 3536 3230 2031 3837 3737 0d0a  .1.45620.18777..
15:29:12.967662 IP 127.0.0.1.18777 > 127.0.0.1.45620: Flags [.], ack 45, win 64, options [nop,nop,TS val 1892251519 ecr 457072860], length 0
	0x0000:  4500 0034 160f 4000 4006 26b3 7f00 0001  E..4..@.@.&.....
	0x0010:  7f00 0001 4959 b234 ada4 7aef 0f6b e835  ....IY.4..z..k.5
	0x0020:  8010 0040 fe28 0000 0101 080a 70c9 777f  ...@.(......p.w.
	0x0030:  1b3e 60dc                                .>`.
15:29:12.967710 IP 127.0.0.1.45620 > 127.0.0.1.18777: Flags [P.], seq 45:124, ack 1, win 64, options [nop,nop,TS val 457072860 ecr 1892251519], length 79
	0x0000:  4500 0083 fdd5 4000 4006 3e9d 7f00 0001  E.....@.@.>.....
	0x0010:  7f00 0001 b234 4959 0f6b e835 ada4 7aef  .....4IY.k.5..z.
	0x0020:  8018 0040 fe77 0000 0101 080a 1b3e 60dc  ...@.w.......>`.
	0x0030:  70c9 777f 4745 5420 2f20 4854 5450 2f31  p.w.GET./.HTTP/1
	0x0040:  2e31 0d0a 486f 7374 3a20 3132 372e 302e  .1..Host:.127.0.
	0x0050:  302e 313a 3138 3737 370d 0a55 7365 722d  0.1:18777..User-
	0x0060:  4167 656e 743a 2063 7572 6c2f 372e 3838  Agent:.curl/7.88
	0x0070:  2e31 0d0a 4163 6365 7074 3a20 2a2f 2a0d  .1..Accept:.*/*.
	0x0080:  0a0d 0a                                  ...
15:29:12.967714 IP 127.0.0.1.18777 > 127.0.0.1.45620: Flags [.], ack 124, win 64, options [nop,nop,TS val 1892251519 ecr 457072860], length 0
	0x0000:  4500 0034 1610 4000 4006 26b2 7f00 0001  E..4..@.@.&.....
	0x0010:  7f00 0001 4959 b234 ada4 7aef 0f6b e884  ....IY.4..z..k..
	0x0020:  8010 0040 fe28 0000 0101 080a 70c9 777f  ...@.(......p.w.
	0x0030:  1b3e 60dc                                .>`.
15:29:12.968100 IP 127.0.0.1.18777 > 127.0.0.1.45620: Flags [P.], seq 1:362, ack 124, win 64, options [nop,nop,TS val 1892251520 ecr 457072860], length 361
	0x0000:  4500 019d 1611 4000 4006 2548 7f00 0001  E.....@.@.%H....
	0x0010:  7f00 0001 4959 b234 ada4 7aef 0f6b e884  ....IY.4..z..k..
	0x0020:  8018 0040 ff91 0000 0101 080a 70c9 7780  ...@........p.w.
	0x0030:  1b3e 60dc 3c21 444f 4354 5950 4520 4854  .>`.<!DOCTYPE.HT
	0x0040:  4d4c 3e0a 3c68 746d 6c20 6c61 6e67 3d22  ML>.<html.lang="
	0x0050:  656e 223e 0a20 2020 203c 6865 6164 3e0a  en">.....<head>.
	0x0060:  2020 2020 2020 2020 3c6d 6574 6120 6368  ........<meta.ch
	0x0070:  6172 7365 743d 2275 7466 2d38 223e 0a20  arset="utf-8">..
	0x0080:  2020 2020 2020 203c 7469 746c 653e 4572  .......<title>Er
	0x0090:  726f 7220 7265 7370 6f6e 7365 3c2f 7469  ror.response</ti
	0x00a0:  746c 653e 0a20 2020 203c 2f68 6561 643e  tle>.....</head>
	0x00b0:  0a20 2020 203c 626f 6479 3e0a 2020 2020  .....<body>.....
	0x00c0:  2020 2020 3c68 313e 4572 726f 7220 7265  ....<h1>Error.re
	0x00d0:  7370 6f6e 7365 3c2f 6831 3e0a 2020 2020  sponse</h1>.....
	0x00e0:  2020 2020 3c70 3e45 7272 6f72 2063 6f64  ....<p>Error.cod
	0x00f0:  653a 2034 3030 3c2f 703e 0a20 2020 2020  e:.400</p>......
	0x0100:  2020 203c 703e 4d65 7373 6167 653a 2042  ...<p>Message:.B
	0x0110:  6164 2072 6571 7565 7374 2076 6572 7369  ad.request.versi
	0x0120:  6f6e 2028 2731 3837 3737 2729 2e3c 2f70  on.('18777').</p
	0x0130:  3e0a 2020 2020 2020 2020 3c70 3e45 7272  >.........<p>Err
	0x0140:  6f72 2063 6f64 6520 6578 706c 616e 6174  or.code.explanat
	0x0150:  696f 6e3a 2034 3030 202d 2042 6164 2072  ion:.400.-.Bad.r
	0x0160:  6571 7565 7374 2073 796e 7461 7820 6f72  equest.syntax.or
	0x0170:  2075 6e73 7570 706f 7274 6564 206d 6574  .unsupported.met
	0x0180:  686f 642e 3c2f 703e 0a20 2020 203c 2f62  hod.</p>.....</b
	0x0190:  6f64 793e 0a3c 2f68 746d 6c3e 0a         ody>.</html>.
15:29:12.968129 IP 127.0.0.1.45620 > 127.0.0.1.18777: Flags [.], ack 362, win 64, options [nop,nop,TS val 457072861 ecr 1892251520], length 0
	0x0000:  4500 0034 fdd6 4000 4006 3eeb 7f00 0001  E..4..@.@.>.....
	0x0010:  7f00 0001 b234 4959 0f6b e884 ada4 7c58  .....4IY.k....|X
	0x0020:  8010 0040 fe28 0000 0101 080a 1b3e 60dd  ...@.(.......>`.
	0x0030:  70c9 7780                                p.w.
15:29:12.968172 IP 127.0.0.1.18777 > 127.0.0.1.45620: Flags [F.], seq 362, ack 124, win 64, options [nop,nop,TS val 1892251520 ecr 457072861], length 0
	0x0000:  4500 0034 1612 4000 4006 26b0 7f00 0001  E..4..@.@.&.....
	0x0010:  7f00 0001 4959 b234 ada4 7c58 0f6b e884  ....IY.4..|X.k..
	0x0020:  8011 0040 fe28 0000 0101 080a 70c9 7780  ...@.(......p.w.
	0x0030:  1b3e 60dd                                .>`.
15:29:12.968179 IP 127.0.0.1.45620 > 127.0.0.1.18777: Flags [F.], seq 124, ack 363, win 64, options [nop,nop,TS val 457072861 ecr 1892251520], length 0
	0x0000:  4500 0034 fdd7 4000 4006 3eea 7f00 0001  E..4..@.@.>.....
	0x0010:  7f00 0001 b234 4959 0f6b e884 ada4 7c59  .....4IY.k....|Y
	0x0020:  8011 0040 fe28 0000 0101 080a 1b3e 60dd  ...@.(.......>`.
	0x0030:  70c9 7780                                p.w.
15:29:12.968186 IP 127.0.0.1.18777 > 127.0.0.1.45620: Flags [.], ack 125, win 64, options [nop,nop,TS val 1892251520 ecr 457072861], length 0
	0x0000:  4500 0034 1613 4000 4006 26af 7f00 0001  E..4..@.@.&.....
	0x0010:  7f00 0001 4959 b234 ada4 7c59 0f6b e885  ....IY.4..|Y.k..
	0x0020:  8010 0040 fe28 0000 0101 080a 70c9 7780  ...@.(......p.w.
	0x0030:  1b3e 60dd                                .>`.
"#;
/// `tcpdump -i lo -nn -X -c 1 'udp port 18778'` while Python sent a PROXY v2 signature
/// and a 4-byte header start over UDP to `[::1]:18778`.
const TCPDUMP_UDP6: &str = r#"15:34:46.141468 IP6 ::1.44777 > ::1.18778: UDP, length 16
	0x0000:  6007 554c 0018 1140 0000 0000 0000 0000  `.UL...@........
	0x0010:  0000 0000 0000 0001 0000 0000 0000 0000  ................
	0x0020:  0000 0000 0000 0001 aee9 495a 0018 002b  ..........IZ...+
	0x0030:  0d0a 0d0a 000d 0a51 5549 540a 2112 0000  .......QUIT.!...
"#;
/// Same setup with `tcpdump -XX`: the packet carrying the PROXY line, Ethernet included.
const TCPDUMP_XX: &str = r#"15:29:15.483944 IP 127.0.0.1.45630 > 127.0.0.1.18777: Flags [P.], seq 1:45, ack 1, win 64, options [nop,nop,TS val 1970421575 ecr 2522401312], length 44
	0x0000:  0000 0000 0000 0000 0000 0000 0800 4500  ..............E.
	0x0010:  0060 c769 4000 4006 752c 7f00 0001 7f00  .`.i@.@.u,......
	0x0020:  0001 b23e 4959 e243 d247 c407 87c4 8018  ...>IY.C.G......
	0x0030:  0040 fe54 0000 0101 080a 7572 3f47 9658  .@.T......ur?G.X
	0x0040:  ca20 5052 4f58 5920 5443 5034 2031 3237  ..PROXY.TCP4.127
	0x0050:  2e30 2e30 2e31 2031 3237 2e30 2e30 2e31  .0.0.1.127.0.0.1
	0x0060:  2034 3536 3330 2031 3837 3737 0d0a       .45630.18777..
"#;

fn ok(input: &str) -> Parsed {
    match parse(input) {
        Ok(p) => p,
        Err(e) => panic!("{input:?}: {e}"),
    }
}

fn err(input: &str) -> RawError {
    match parse(input) {
        Ok(p) => panic!("{input:?} parsed as {p:?}"),
        Err(e) => e,
    }
}

fn get_request() -> Vec<u8> {
    b"GET / HTTP/1.1\r\nHost: 127.0.0.1:18777\r\nUser-Agent: curl/7.88.1\r\nAccept: */*\r\n\r\n"
        .to_vec()
}

#[test]
fn plain_hex_forms() {
    for input in [
        "160301",
        "16 03 01",
        "16:03:01",
        "0x16, 0x03, 0x01",
        "0X16 0x3 0x1",
        "16\n03\r\n01\n",
        "16-03-01",
    ] {
        let p = ok(input);
        assert_eq!(p.bytes, [0x16, 3, 1], "{input}");
        assert_eq!(p.format, Format::Hex, "{input}");
    }
    assert_eq!(ok("DEADbeef").bytes, [0xde, 0xad, 0xbe, 0xef]);
}

#[test]
fn plain_hex_odd_digits_is_an_error_with_position() {
    let e = err("16 03 0");
    assert_eq!((e.line, e.column), (1, 7));
    assert!(e.message.contains("odd number of hex digits (1)"), "{e}");
    let e = err("1603\n16030");
    assert_eq!((e.line, e.column), (2, 1));
    assert_eq!(
        e.to_string(),
        "line 2, column 1: odd number of hex digits (5) in `16030`: every byte needs two digits"
    );
}

#[test]
fn xxd_default_and_g1() {
    let p = ok(XXD);
    assert_eq!(p.bytes, V1);
    assert_eq!(p.format, Format::Xxd);
    let p = ok(XXD_G1);
    assert_eq!(p.bytes, V1);
    assert_eq!(p.format, Format::Xxd);
}

#[test]
fn hexdump_c_and_od() {
    let p = ok(HEXDUMP);
    assert_eq!((p.bytes.as_slice(), p.format), (V1, Format::Hexdump));
    let p = ok(OD);
    assert_eq!((p.bytes.as_slice(), p.format), (V1, Format::Od));
}

#[test]
fn ascii_column_that_looks_like_hex_is_not_read() {
    let want = b"cafe babe 0123 4567 cafe\n";
    assert_eq!(ok(XXD_CAFE).bytes, want);
    assert_eq!(ok(HEXDUMP_CAFE).bytes, want);
    // A one-line dump whose ASCII column is hex digits only.
    let p = ok("00000000: 6361 6665                                cafe\n");
    assert_eq!(p.bytes, b"cafe");
}

#[test]
fn wireshark_hex_dump() {
    let input = "0000   16 03 01 00 f1 01 00 00 ed 03 03 5f 9b 2b 31 d7   ..........._.+1.\n\
                 0010   00 01 02                                          ...\n";
    let p = ok(input);
    assert_eq!(p.format, Format::Wireshark);
    assert_eq!(
        p.bytes,
        [
            0x16, 3, 1, 0, 0xf1, 1, 0, 0, 0xed, 3, 3, 0x5f, 0x9b, 0x2b, 0x31, 0xd7, 0, 1, 2
        ]
    );
}

#[test]
fn od_with_octal_offsets() {
    // `printf 'PROXY TCP4 127.0.0.1 127.0.0.1 5000 443\r\n' | od -t x1` (default -A o).
    let input = "0000000 50 52 4f 58 59 20 54 43 50 34 20 31 32 37 2e 30\n\
                 0000020 2e 30 2e 31 20 31 32 37 2e 30 2e 30 2e 31 20 35\n\
                 0000040 30 30 30 20 34 34 33 0d 0a\n\
                 0000051\n";
    let p = ok(input);
    assert_eq!((p.bytes.as_slice(), p.format), (V1, Format::Od));
}

#[test]
fn dump_offset_gap_names_the_line() {
    // The second line of the xxd fixture removed.
    let input: String = XXD
        .lines()
        .enumerate()
        .filter(|(i, _)| *i != 1)
        .map(|(_, l)| format!("{l}\n"))
        .collect();
    let e = err(&input);
    assert_eq!((e.line, e.column), (2, 1));
    assert!(
        e.message.contains("offset 0x20 does not follow line 1"),
        "{e}"
    );
}

#[test]
fn dump_bad_digit_inside_a_full_line() {
    let input = XXD.replacen("4f58", "4fz8", 1);
    let e = err(&input);
    assert_eq!((e.line, e.column), (1, 16));
    assert!(e.message.contains("`4fz8` is not hex"), "{e}");
}

#[test]
fn hexdump_squeezed_lines_are_expanded() {
    // `hexdump -C` writes `*` for lines equal to the one before; the next offset says how many.
    let input = "00000000  00 00 00 00 00 00 00 00  00 00 00 00 00 00 00 00  |................|\n\
                 *\n\
                 00000040  41 42                                             |AB|\n\
                 00000042\n";
    let p = ok(input);
    assert_eq!(p.bytes.len(), 0x42);
    assert!(p.bytes[..0x40].iter().all(|&b| b == 0));
    assert_eq!(&p.bytes[0x40..], b"AB");
}

#[test]
fn hexdump_squeeze_errors() {
    // The repetition must fill whole lines.
    let input = "00000000  00 00 00 00 00 00 00 00  00 00 00 00 00 00 00 00  |................|\n\
                 *\n\
                 00000041\n";
    let e = err(input);
    assert_eq!(e.line, 3);
    assert!(e.message.contains("whole number"), "{e}");
    // A `*` that would stand for gigabytes.
    let input = "00000000  00 00 00 00 00 00 00 00  00 00 00 00 00 00 00 00  |................|\n\
                 *\n\
                 f0000000\n";
    assert!(err(input).message.contains("more than"));
}

#[test]
fn hexdump_16_bit_words_are_refused() {
    // `printf 'PROXY TCP4 1' | hexdump` (no -C): little-endian words.
    let input = "0000000 5250 584f 2059 4354 3450 3120\n000000c\n";
    let e = err(input);
    assert_eq!((e.line, e.column), (1, 9));
    assert!(e.message.contains("host byte order"), "{e}");
}

#[test]
fn mixed_dump_lines_are_an_error() {
    let input = format!("{}hello there\n", XXD);
    let e = err(&input);
    assert_eq!((e.line, e.column), (4, 1));
    assert!(e.message.contains("not a line of xxd output"), "{e}");
}

#[test]
fn tcpdump_x_strips_headers_and_joins_one_direction() {
    let p = ok(TCPDUMP_X);
    assert_eq!(p.format, Format::Tcpdump);
    let mut want = b"PROXY TCP4 127.0.0.1 127.0.0.1 45620 18777\r\n".to_vec();
    want.extend(get_request());
    assert_eq!(p.bytes, want);
    assert_eq!(
        p.notes[0],
        "skipped 6 line(s) that are not hex (packet summaries)"
    );
    assert_eq!(
        p.notes[1],
        "joined the payloads of 2 packets 127.0.0.1:45620 → 127.0.0.1:18777 in order \
         (stripped 104 bytes of IPv4 + TCP headers)"
    );
    assert!(
        p.notes
            .iter()
            .any(|n| n.contains("skipped 4 packet(s) without payload"))
    );
}

#[test]
fn tcpdump_both_directions_keeps_the_first_sender() {
    let p = ok(TCPDUMP_X_FULL);
    let mut want = b"PROXY TCP4 127.0.0.1 127.0.0.1 45620 18777\r\n".to_vec();
    want.extend(get_request());
    assert_eq!(p.bytes, want);
    assert_eq!(
        p.notes[0],
        "skipped 12 line(s) that are not hex (packet summaries)"
    );
    assert!(
        p.notes.contains(
            &"left out 361 bytes in 1 packet(s) going another way \
              (not 127.0.0.1:45620 → 127.0.0.1:18777)"
                .to_string()
        ),
        "{:?}",
        p.notes
    );
    assert!(
        p.notes
            .contains(&"skipped 9 packet(s) without payload (handshake, ACKs, FIN)".to_string())
    );
}

#[test]
fn tcpdump_ipv6_udp() {
    let p = ok(TCPDUMP_UDP6);
    assert_eq!(p.bytes, b"\r\n\r\n\x00\r\nQUIT\n\x21\x12\x00\x00");
    assert_eq!(
        p.notes[1],
        "stripped 48 bytes of IPv6 + UDP headers ([::1]:44777 → [::1]:18778)"
    );
}

#[test]
fn tcpdump_retransmission_is_dropped() {
    // The PROXY packet of TCPDUMP_X pasted twice, as a retransmission shows.
    let block: String = TCPDUMP_X
        .lines()
        .skip_while(|l| !l.contains("length 44"))
        .take(7)
        .map(|l| format!("{l}\n"))
        .collect();
    let p = ok(&format!("{block}{block}"));
    assert_eq!(p.bytes, b"PROXY TCP4 127.0.0.1 127.0.0.1 45620 18777\r\n");
    assert!(
        p.notes
            .contains(&"packet 2: dropped 44 bytes sent again (TCP retransmission)".to_string()),
        "{:?}",
        p.notes
    );
}

#[test]
fn work_is_linear_on_big_inputs() {
    let big = "ab".repeat(1 << 20);
    assert_eq!(ok(&big).bytes.len(), 1 << 20);
    let dump = xxd_like(&vec![0x41; 1 << 16]);
    assert_eq!(ok(&dump).bytes.len(), 1 << 16);
    let text = "PROXY ".repeat(1 << 18);
    assert_eq!(ok(&text).format, Format::Text);
}

#[test]
fn tcpdump_xx_single_packet_with_ethernet() {
    let p = ok(TCPDUMP_XX);
    assert_eq!(p.bytes, b"PROXY TCP4 127.0.0.1 127.0.0.1 45630 18777\r\n");
    assert_eq!(
        p.notes[1],
        "stripped 66 bytes of Ethernet + IPv4 + TCP headers (127.0.0.1:45630 → 127.0.0.1:18777)"
    );
}

#[test]
fn tcpdump_without_summary_lines_and_without_tab() {
    // The PROXY packet of TCPDUMP_X alone, leading tabs lost in the paste.
    let block: String = TCPDUMP_X
        .lines()
        .skip_while(|l| !l.contains("length 44"))
        .skip(1)
        .take_while(|l| l.starts_with('\t'))
        .map(|l| format!("{}\n", l.trim_start()))
        .collect();
    let p = ok(&block);
    assert_eq!(p.bytes, b"PROXY TCP4 127.0.0.1 127.0.0.1 45620 18777\r\n");
    assert_eq!(
        p.notes,
        ["stripped 52 bytes of IPv4 + TCP headers (127.0.0.1:45620 → 127.0.0.1:18777)"]
    );
}

#[test]
fn tcpdump_of_non_ip_bytes_keeps_them() {
    let p = ok("\t0x0000:  5052 4f58 590d 0a   PROXY..\n");
    assert_eq!(p.bytes, b"PROXY\r\n");
    assert!(
        p.notes[0].contains("kept all bytes as dumped"),
        "{:?}",
        p.notes
    );
}

#[test]
fn nginx_broken_header_line() {
    let line = r#"2024/05/01 12:00:00 [error] 1234#1234: *1 broken header: "\x16\x03\x01\x02\x00\x01\x00\x01\xFC\x03\x03" while reading PROXY protocol, client: 127.0.0.1, server: 0.0.0.0:443"#;
    let p = ok(line);
    assert_eq!(p.format, Format::Escaped);
    assert_eq!(p.bytes, [0x16, 3, 1, 2, 0, 1, 0, 1, 0xfc, 3, 3]);
    assert!(p.notes[0].contains("nginx"));
}

#[test]
fn nginx_truncated_with_ellipsis_and_empty() {
    let p = ok(r#"broken header: "\x16\x03\x01..." while reading PROXY protocol"#);
    assert_eq!(p.bytes, [0x16, 3, 1]);
    assert!(
        p.notes.iter().any(|n| n.contains("truncated")),
        "{:?}",
        p.notes
    );
    let p = ok(r#"*3 broken header: "" while reading PROXY protocol, client: 127.0.0.1"#);
    assert!(p.bytes.is_empty());
    assert!(p.notes.iter().any(|n| n.contains("health checks")));
    // Cut log line: no closing quote.
    let p = ok(r#"*3 broken header: "GET / HTTP/1.1\x0"#.trim_end_matches("\\x0"));
    assert_eq!(p.bytes, b"GET / HTTP/1.1");
    assert!(p.notes.iter().any(|n| n.contains("never closes")));
}

#[test]
fn nginx_line_at_the_107_byte_cap() {
    let body = "A".repeat(107);
    let p = ok(&format!(
        r#"broken header: "{body}" while reading PROXY protocol"#
    ));
    assert_eq!(p.bytes.len(), 107);
    assert!(p.notes.iter().any(|n| n.contains("107")));
}

#[test]
fn nginx_access_log_request_field() {
    let line = r#"127.0.0.1 - - [01/May/2024:12:00:00 +0000] "\x0D\x0A\x0D\x0A\x00\x0D\x0AQUIT\x0A" 400 157 "-" "-""#;
    let p = ok(line);
    assert_eq!(p.bytes, b"\r\n\r\n\x00\r\nQUIT\n");
    assert!(p.notes[0].contains("access-log"));
    let line = r#"127.0.0.1 - - [01/May/2024:12:00:00 +0000] "PROXY TCP4 127.0.0.1 127.0.0.1 5000 443" 400 157 "-" "-""#;
    assert_eq!(ok(line).bytes, b"PROXY TCP4 127.0.0.1 127.0.0.1 5000 443");
}

#[test]
fn quoted_string_with_escapes() {
    let p = ok("\"PROXY TCP4 1.2.3.4 5.6.7.8 1 2\\r\\n\" 400\n");
    assert_eq!(p.bytes, b"PROXY TCP4 1.2.3.4 5.6.7.8 1 2\r\n");
    assert_eq!(p.format, Format::Escaped);
    assert!(
        p.notes
            .iter()
            .any(|n| n.contains("after the closing quote"))
    );
    let p = ok(r#""say \"hi\"\\\t\0""#);
    assert_eq!(p.bytes, b"say \"hi\"\\\t\0");
}

#[test]
fn unclosed_quote_is_an_error() {
    let e = err("  \"PROXY TCP4");
    assert_eq!((e.line, e.column), (1, 3));
}

#[test]
fn bare_escapes() {
    let p = ok("\\x16\\x03\\x01\\x00\\xa5\n");
    assert_eq!(
        (p.bytes.as_slice(), p.format),
        (&[0x16, 3, 1, 0, 0xa5][..], Format::Escaped)
    );
    let p = ok("PROXY TCP4 1.2.3.4 5.6.7.8 1 2\\r\\n");
    assert_eq!(p.bytes, b"PROXY TCP4 1.2.3.4 5.6.7.8 1 2\r\n");
}

#[test]
fn bad_escapes_name_the_column() {
    let e = err(r"\x16\xZ1");
    assert_eq!((e.line, e.column), (1, 5));
    assert!(e.message.contains("two hex digits"), "{e}");
    let e = unescape_c("ab\\").unwrap_err();
    assert_eq!((e.line, e.column), (1, 3));
    assert!(e.message.contains("trailing backslash"));
    let e = unescape_c("ok\n\\x1").unwrap_err();
    assert_eq!((e.line, e.column), (2, 1));
    let e = err(r#"broken header: "\x16\q" while reading PROXY protocol"#);
    assert_eq!((e.line, e.column), (1, 21));
    assert!(e.message.contains("unknown escape"));
}

#[test]
fn unescape_c_keeps_text_and_utf8() {
    assert_eq!(unescape_c("é\\x00").unwrap(), [0xc3, 0xa9, 0]);
    assert_eq!(unescape_c("").unwrap(), b"");
}

#[test]
fn plain_text_is_read_literally() {
    let p = ok("PROXY TCP4 1.2.3.4 5.6.7.8 1 2\n");
    assert_eq!(p.bytes, b"PROXY TCP4 1.2.3.4 5.6.7.8 1 2");
    assert_eq!(p.format, Format::Text);
    assert!(p.notes[0].starts_with("read as literal text"));
    let p = ok("GET / HTTP/1.1");
    assert_eq!(
        (p.bytes.as_slice(), p.format),
        (&b"GET / HTTP/1.1"[..], Format::Text)
    );
}

#[test]
fn blank_input_is_an_error() {
    for input in ["", "  \n\t\n"] {
        let e = err(input);
        assert_eq!((e.line, e.column), (1, 1));
    }
}

#[test]
fn format_serializes_kebab_case() {
    assert_eq!(
        serde_json::to_string(&Format::Hexdump).unwrap(),
        "\"hexdump\""
    );
    assert_eq!(
        serde_json::to_string(&Format::Wireshark).unwrap(),
        "\"wireshark\""
    );
}

/// The xxd layout of `bytes`, as `xxd` prints it.
fn xxd_like(bytes: &[u8]) -> String {
    let mut s = String::new();
    for (i, chunk) in bytes.chunks(16).enumerate() {
        let hex: Vec<String> = chunk
            .chunks(2)
            .map(|g| g.iter().map(|b| format!("{b:02x}")).collect())
            .collect();
        let ascii = crate::escape::ascii_column(chunk);
        s.push_str(&format!(
            "{:08x}: {:<40} {}\n",
            i * 16,
            hex.join(" "),
            ascii
        ));
    }
    s
}

#[test]
fn xxd_like_helper_matches_real_xxd() {
    assert_eq!(xxd_like(V1), XXD);
}

proptest! {
    #[test]
    fn never_panics(s in "\\PC*") {
        let _ = parse(&s);
        let _ = unescape_c(&s);
    }

    #[test]
    fn never_panics_on_dump_like_text(s in "[0-9a-fx: |>\\\\\"\t\n.]{0,200}") {
        let _ = parse(&s);
    }

    #[test]
    fn never_panics_on_dump_lines(
        offsets in proptest::collection::vec(any::<u64>(), 1..5),
        body in "[0-9a-f ]{0,60}",
    ) {
        for shape in ["{o:016x}: ", "\t0x{o:x}:  ", "{o:08x}  ", "{o:06x} ", "{o:04x}   "] {
            let s: String = offsets
                .iter()
                .map(|o| format!("{}{body}\n", shape.replace("{o:016x}", &format!("{o:016x}"))
                    .replace("{o:x}", &format!("{o:x}"))
                    .replace("{o:08x}", &format!("{o:08x}"))
                    .replace("{o:06x}", &format!("{o:06x}"))
                    .replace("{o:04x}", &format!("{o:04x}"))))
                .collect();
            let _ = parse(&s);
        }
    }

    #[test]
    fn xxd_round_trips(bytes in proptest::collection::vec(any::<u8>(), 1..100)) {
        prop_assert_eq!(parse(&xxd_like(&bytes)).unwrap().bytes, bytes);
    }

    #[test]
    fn escapes_round_trip(bytes in proptest::collection::vec(any::<u8>(), 0..100)) {
        let escaped: String = bytes.iter().map(|b| format!("\\x{b:02x}")).collect();
        prop_assert_eq!(unescape_c(&escaped).unwrap(), bytes);
    }
}

mod raw_input {
    use super::super::*;

    #[test]
    fn utf8_input_goes_to_the_text_reader() {
        let p = parse_bytes(b"16 03 01").unwrap();
        assert_eq!((p.bytes, p.format), (vec![0x16, 0x03, 0x01], Format::Hex));
    }

    #[test]
    fn nginx_record_with_raw_bytes() {
        let mut line = b"2026/11/22 15:36:58 [error] 1#1: *1 broken header: \"".to_vec();
        line.extend_from_slice(b"\x16\x03\x01\x01\x38\x01\x00\x01\x34\x03\x03\xff\n\"x");
        line.extend_from_slice(
            b"\" while reading PROXY protocol, client: 127.0.0.1, server: 127.0.0.1:80\n",
        );
        let p = parse_bytes(&line).unwrap();
        assert_eq!(p.format, Format::Raw);
        assert_eq!(
            p.bytes,
            b"\x16\x03\x01\x01\x38\x01\x00\x01\x34\x03\x03\xff\n\"x"
        );
        assert_eq!(p.notes.len(), 1);
    }

    #[test]
    fn nginx_record_cut_short() {
        let p = parse_bytes(b"broken header: \"\x16\x03\x01\xff").unwrap();
        assert_eq!(p.bytes, b"\x16\x03\x01\xff");
        assert_eq!(p.notes.len(), 2);
    }

    #[test]
    fn binary_is_raw() {
        let p = parse_bytes(b"\x16\x03\x01\x00\x05\xff\xfe").unwrap();
        assert_eq!(p.format, Format::Raw);
        assert_eq!(p.bytes.len(), 7);
    }
}
