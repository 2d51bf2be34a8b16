#!/usr/bin/env python3
"""A tiny DNS server for tests (standard library only), on 127.0.0.1 UDP.

    dns_fixture.py PORT NAME=IPV4[,NAME=IPV4...] DROP_FILE

While DROP_FILE exists every query is read and dropped (a resolver that
never answers). Otherwise: an A query for a mapped name gets that address,
an AAAA query for it gets an empty answer (NOERROR), any other name gets
NXDOMAIN. Prints one line per query on stdout: "q NAME TYPE drop|answer|nx".
"""
import os
import socket
import struct
import sys


def parse_name(msg, off):
    labels = []
    while True:
        n = msg[off]
        if n == 0:
            return ".".join(labels), off + 1
        if n & 0xC0:
            raise ValueError("compressed name in a question")
        labels.append(msg[off + 1:off + 1 + n].decode("ascii", "replace"))
        off += 1 + n


def main():
    port = int(sys.argv[1])
    table = {}
    for item in sys.argv[2].split(","):
        if item:
            name, ip = item.split("=", 1)
            table[name.lower().rstrip(".")] = ip
    drop_file = sys.argv[3]
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind(("127.0.0.1", port))
    print("listening", port, flush=True)
    while True:
        msg, peer = sock.recvfrom(2048)
        if len(msg) < 12:
            continue
        try:
            qid, flags, qd = struct.unpack(">HHH", msg[:6])
            name, off = parse_name(msg, 12)
            qtype, qclass = struct.unpack(">HH", msg[off:off + 4])
        except (ValueError, IndexError, struct.error):
            continue
        question = msg[12:off + 4]
        key = name.lower().rstrip(".")
        if os.path.exists(drop_file):
            print("q", key, qtype, "drop", flush=True)
            continue
        rd = flags & 0x0100
        if key in table:
            answers = b""
            count = 0
            if qtype == 1:
                answers = (b"\xc0\x0c" + struct.pack(">HHIH", 1, 1, 5, 4) +
                           socket.inet_aton(table[key]))
                count = 1
            hdr = struct.pack(">HHHHHH", qid, 0x8480 | rd, 1, count, 0, 0)
            sock.sendto(hdr + question + answers, peer)
            print("q", key, qtype, "answer", flush=True)
        else:
            hdr = struct.pack(">HHHHHH", qid, 0x8483 | rd, 1, 0, 0, 0)
            sock.sendto(hdr + question, peer)
            print("q", key, qtype, "nx", flush=True)


if __name__ == "__main__":
    main()
