#!/usr/bin/env python3
"""Crafted peers for regenerate.sh, for what no installed software sends by itself:
`nlb-check HOST PORT` sends the AWS NLB health check header (v2 LOCAL, family byte 0x11,
length 84: a CRC32C TLV and a 74-byte NOOP TLV, as reported in kubernetes#57250) and
closes; `udp HOST PORT` sends two UDP datagrams that begin with a PROXY v2 DGRAM header
(as LoxiLB forwards UDP). Loopback only."""
import socket
import struct
import sys
import time


def crc32c(data: bytes) -> int:
    crc = 0xFFFFFFFF
    for b in data:
        crc ^= b
        for _ in range(8):
            crc = (crc >> 1) ^ 0x82F63B78 if crc & 1 else crc >> 1
    return crc ^ 0xFFFFFFFF


SIG = b"\r\n\r\n\x00\r\nQUIT\n"


def with_crc(head: bytes, tlvs_before: bytes, tlvs_after: bytes) -> bytes:
    crc_tlv = b"\x03\x00\x04\x00\x00\x00\x00"
    body = tlvs_before + crc_tlv + tlvs_after
    hdr = head + struct.pack(">H", len(body)) + body
    crc = crc32c(hdr)
    at = len(head) + 2 + len(tlvs_before) + 3
    return hdr[:at] + struct.pack(">I", crc) + hdr[at + 4:]


def nlb_check(host: str, port: int) -> None:
    hdr = with_crc(SIG + b"\x20\x11", b"", b"\x04\x00\x4a" + bytes(74))
    assert len(hdr) == 100
    s = socket.create_connection((host, port), timeout=2)
    s.sendall(hdr)
    time.sleep(0.2)
    s.close()


def udp(host: str, port: int) -> None:
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    for i, payload in enumerate([b"\x12\x34\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00\x07example\x03com\x00\x00\x01\x00\x01", b"ping"]):
        addrs = socket.inet_aton("127.0.0.9") + socket.inet_aton("127.0.0.1") + struct.pack(">HH", 53000 + i, port)
        hdr = SIG + b"\x21\x12" + struct.pack(">H", len(addrs)) + addrs
        s.sendto(hdr + payload, (host, port))
        time.sleep(0.05)
    s.close()


if __name__ == "__main__":
    {"nlb-check": nlb_check, "udp": udp}[sys.argv[1]](sys.argv[2], int(sys.argv[3]))
