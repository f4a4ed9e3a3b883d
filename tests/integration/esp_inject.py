#!/usr/bin/env python3
"""Sends forged ESP-in-UDP datagrams to HOST:PORT, made from the last
ESP packet captured in PCAP that went to HOST: the same packet again
(replay), a fresh sequence number with a flipped ICV bit (auth), another
SPI (unknown-spi), the first 12 bytes (truncated), and a NAT keepalive.
Usage: esp_inject.py PCAP HOST PORT"""
import socket
import struct
import sys


def last_esp(path, host):
    data = open(path, "rb").read()
    if len(data) < 24 or struct.unpack("<I", data[:4])[0] != 0xA1B2C3D4:
        sys.exit("esp_inject: not a little-endian pcap file")
    off, last = 24, None
    while off + 16 <= len(data):
        incl = struct.unpack("<I", data[off + 8:off + 12])[0]
        frame = data[off + 16:off + 16 + incl]
        off += 16 + incl
        if len(frame) < 14 + 20 + 8 or frame[12:14] != b"\x08\x00":
            continue
        ip = frame[14:]
        ihl = (ip[0] & 15) * 4
        if ip[9] != 17 or socket.inet_ntoa(ip[16:20]) != host:
            continue
        udp = ip[ihl:]
        if struct.unpack("!H", udp[2:4])[0] != 4500:
            continue
        payload = udp[8:]
        if len(payload) > 8 and payload[:4] != b"\0\0\0\0":
            last = payload
    if last is None:
        sys.exit("esp_inject: no ESP packet to %s in %s" % (host, path))
    return last


def main():
    pcap, host, port = sys.argv[1], sys.argv[2], int(sys.argv[3])
    esp = last_esp(pcap, host)
    seq = struct.unpack("!I", esp[4:8])[0]
    forged = bytearray(esp)
    forged[4:8] = struct.pack("!I", seq + 1000)
    forged[-1] ^= 0x01
    other_spi = bytearray(esp)
    other_spi[0:4] = struct.pack("!I", struct.unpack("!I", esp[0:4])[0] ^ 0x5A5A5A5A)
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    for p in (esp, bytes(forged), bytes(other_spi), esp[:12], b"\xff"):
        s.sendto(p, (host, port))
    print("sent 5 forged datagrams (seq %d)" % seq)


main()
