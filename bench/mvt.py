#!/usr/bin/python3
"""A small Mapbox Vector Tile 2.1 reader for the benchmarks (standard library only).

decode(data) -> {layer name: {"extent": int, "features": [feature, ...]}} where a feature
is {"id": int or None, "type": 1 point | 2 line | 3 polygon, "props": {key: value},
"rings": [[(x, y), ...], ...]} in tile units (polygon rings closed, as drawn: a ring
starts at MoveTo and ends at ClosePath). gzip input is accepted.
"""
import gzip
import struct


def _varint(buf, i):
    shift = result = 0
    while True:
        b = buf[i]
        i += 1
        result |= (b & 0x7F) << shift
        if not b & 0x80:
            return result, i
        shift += 7


def _fields(buf):
    """(field number, wire type, value) for every field of a message."""
    i, n = 0, len(buf)
    while i < n:
        key, i = _varint(buf, i)
        num, wt = key >> 3, key & 7
        if wt == 0:
            v, i = _varint(buf, i)
        elif wt == 2:
            ln, i = _varint(buf, i)
            v = buf[i:i + ln]
            i += ln
        elif wt == 1:
            v = buf[i:i + 8]
            i += 8
        elif wt == 5:
            v = buf[i:i + 4]
            i += 4
        else:
            raise ValueError(f"wire type {wt} at byte {i}")
        yield num, wt, v


def _packed(buf):
    out, i = [], 0
    while i < len(buf):
        v, i = _varint(buf, i)
        out.append(v)
    return out


def _zigzag(v):
    return (v >> 1) ^ -(v & 1)


def _value(buf):
    for num, _, v in _fields(buf):
        if num == 1:
            return bytes(v).decode("utf-8")
        if num == 2:
            return struct.unpack("<f", v)[0]
        if num == 3:
            return struct.unpack("<d", v)[0]
        if num == 4:
            return v - (1 << 64) if v >= 1 << 63 else v
        if num == 5:
            return v
        if num == 6:
            return _zigzag(v)
        if num == 7:
            return bool(v)
    return None


def _geometry(cmds, gtype):
    rings, cur, x, y, i = [], None, 0, 0, 0
    while i < len(cmds):
        cmd, count = cmds[i] & 7, cmds[i] >> 3
        i += 1
        if cmd == 7:  # ClosePath
            if cur:
                cur.append(cur[0])
            continue
        for _ in range(count):
            x += _zigzag(cmds[i])
            y += _zigzag(cmds[i + 1])
            i += 2
            if cmd == 1:  # MoveTo starts a ring, a line or (type 1) another point
                cur = [(x, y)]
                rings.append(cur)
            else:
                cur.append((x, y))
    return rings


def _layer(buf):
    name, extent, keys, values, raw = None, 4096, [], [], []
    for num, _, v in _fields(buf):
        if num == 1:
            name = bytes(v).decode("utf-8")
        elif num == 2:
            raw.append(v)
        elif num == 3:
            keys.append(bytes(v).decode("utf-8"))
        elif num == 4:
            values.append(_value(v))
        elif num == 5:
            extent = v
    feats = []
    for fb in raw:
        f = {"id": None, "type": 0, "props": {}, "rings": []}
        tags, cmds = [], []
        for num, _, v in _fields(fb):
            if num == 1:
                f["id"] = v
            elif num == 2:
                tags = _packed(v)
            elif num == 3:
                f["type"] = v
            elif num == 4:
                cmds = _packed(v)
        f["props"] = {keys[tags[k]]: values[tags[k + 1]] for k in range(0, len(tags), 2)}
        f["rings"] = _geometry(cmds, f["type"])
        feats.append(f)
    return name, {"extent": extent, "features": feats}


def decode(data):
    if data[:2] == b"\x1f\x8b":
        data = gzip.decompress(data)
    out = {}
    for num, _, v in _fields(memoryview(data)):
        if num == 3:
            name, layer = _layer(v)
            out[name] = layer
    return out
