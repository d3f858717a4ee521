#!/usr/bin/env python3
"""Writes the seed corpus of fuzz/fuzz_proto_messages.c into
fuzz/corpus/proto_messages/: one valid serialised message per Flight protobuf
type the server or client parses, prefixed by the selector byte the target
dispatches on. Protobuf is encoded by hand (no dependencies). The schema
bytes come from the first message of fuzz/corpus/ipc_stream/dictionary.
Run from the repository root: python3 fuzz/gen_proto_seeds.py"""
import os
import struct

OUT = "fuzz/corpus/proto_messages"


def varint(v):
    v &= (1 << 64) - 1
    out = b""
    while True:
        b = v & 0x7F
        v >>= 7
        if v:
            out += bytes([b | 0x80])
        else:
            return out + bytes([b])


def f_varint(n, v):
    return varint(n << 3) + varint(v)


def f_bytes(n, b):
    if isinstance(b, str):
        b = b.encode()
    return varint((n << 3) | 2) + varint(len(b)) + b


def f_double(n, d):
    return varint((n << 3) | 1) + struct.pack("<d", d)


def schema_bytes():
    with open("fuzz/corpus/ipc_stream/dictionary", "rb") as f:
        data = f.read()
    (mlen,) = struct.unpack_from("<i", data, 4)
    return data[: 8 + mlen]


def main():
    os.makedirs(OUT, exist_ok=True)
    ts = f_varint(1, 1700000000) + f_varint(2, 5)
    desc_path = f_varint(1, 1) + f_bytes(3, "a") + f_bytes(3, "b")
    desc_cmd = f_varint(1, 2) + f_bytes(2, b"SELECT 1")
    loc = f_bytes(1, "grpc+tcp://127.0.0.1:17001")
    ep = f_bytes(1, f_bytes(1, b"ticket-1")) + f_bytes(2, loc) + f_bytes(3, ts) + f_bytes(4, b"md")
    info = (f_bytes(1, schema_bytes()) + f_bytes(2, desc_path) + f_bytes(3, ep) + f_bytes(3, ep)
            + f_varint(4, 10) + f_varint(5, (1 << 64) - 1) + f_varint(6, 1) + f_bytes(7, b"app"))
    seeds = {
        "criteria": (0, f_bytes(1, b"filter")),
        "descriptor_path": (1, desc_path),
        "descriptor_cmd": (1, desc_cmd),
        "ticket": (2, f_bytes(1, b"big:1")),
        "action": (3, f_bytes(1, "counts") + f_bytes(2, b"{}")),
        "handshake_request": (4, f_varint(1, 1) + f_bytes(2, b"payload")),
        "empty": (5, b""),
        "flight_info": (6, info),
        "poll_info": (7, f_bytes(1, info) + f_bytes(2, desc_cmd) + f_double(3, 0.5) + f_bytes(4, ts)),
        "location": (8, loc),
        "result": (9, f_bytes(1, b"result body")),
        "put_result": (10, f_bytes(1, b"ack")),
        "action_type": (11, f_bytes(1, "counts") + f_bytes(2, "JSON counts")),
        "schema_result": (12, f_bytes(1, schema_bytes())),
        "handshake_response": (13, f_varint(1, 1) + f_bytes(2, b"token")),
        "flight_endpoint": (14, ep),
        "cancel_request": (15, f_bytes(1, info)),
        "renew_request": (16, f_bytes(1, ep)),
    }
    for name, (sel, body) in seeds.items():
        with open(os.path.join(OUT, name), "wb") as f:
            f.write(bytes([sel]) + body)


if __name__ == "__main__":
    main()
