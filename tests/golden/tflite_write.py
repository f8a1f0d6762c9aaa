#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Writes small TensorFlow Lite model files (FlatBuffers, schema version 3,
field order of tensorflow/compiler/mlir/lite/schema/schema.fbs) for tests:
a model anyone can rebuild, where the shipped wake word models are not at
hand, and the fuzzer's seed.

    python3 tests/golden/tflite_write.py OUT.tflite

tiny(): input int8 [1, 3, 40] -> RESHAPE [1, 3, 1, 40] -> CONCATENATION
with a stream variable [1, 2, 1, 40] (READ_VARIABLE; ASSIGN_VARIABLE of
its STRIDED_SLICE keeps the last 2 frames; CALL_ONCE zeroes it) ->
CONV_2D 4 channels (5 x 1, VALID, stride 3, RELU) -> DEPTHWISE_CONV_2D
(1 x 1) -> RESHAPE [1, 4] -> FULLY_CONNECTED 1 -> LOGISTIC -> QUANTIZE
uint8.  Weights are fixed pseudo-random numbers.
"""
import struct
import sys


class Builder:
    """Lays out objects front to back; a reference is patched once its
    target is written (references point forward, as FlatBuffers wants)."""

    def __init__(self):
        self.buf = bytearray(b"\0" * 8)

    def align(self, n, extra=0):
        while (len(self.buf) + extra) % n:
            self.buf.append(0)

    def patch(self, at, target):
        struct.pack_into("<I", self.buf, at, target - at)

    def vector(self, fmt, values):
        size = struct.calcsize("<" + fmt)
        self.align(max(4, size), 4)
        at = len(self.buf)
        self.buf += struct.pack("<I", len(values))
        for v in values:
            self.buf += struct.pack("<" + fmt, v)
        return at

    def bytes_(self, data):
        self.align(16, 4)
        at = len(self.buf)
        self.buf += struct.pack("<I", len(data)) + bytes(data)
        return at

    def string(self, s):
        at = self.bytes_(s.encode())
        self.buf.append(0)
        return at

    def tables(self, children):
        self.align(4)
        at = len(self.buf)
        self.buf += struct.pack("<I", len(children)) + b"\0" * (4 * len(children))
        for i, c in enumerate(children):
            self.patch(at + 4 + 4 * i, c())
        return at

    def table(self, fields):
        """fields: [(slot, fmt, value)]; fmt 'ref' takes a function that
        writes the child and returns its position"""
        nslots = max([s for s, _, _ in fields] + [-1]) + 1
        layout, off = [], 4
        for slot, fmt, value in fields:
            size = 4 if fmt == "ref" else struct.calcsize("<" + fmt)
            while off % size:
                off += 1
            layout.append((slot, fmt, value, off))
            off += size
        tsize = off
        self.align(2)
        vt = len(self.buf)
        slots = [0] * nslots
        for slot, _, _, o in layout:
            slots[slot] = o
        self.buf += struct.pack(f"<HH{nslots}H", 4 + 2 * nslots, tsize, *slots)
        self.align(8)
        at = len(self.buf)
        self.buf += struct.pack("<i", at - vt) + b"\0" * (tsize - 4)
        refs = []
        for slot, fmt, value, o in layout:
            if fmt == "ref":
                refs.append((at + o, value))
            else:
                struct.pack_into("<" + fmt, self.buf, at + o, value)
        for pos, fn in refs:
            self.patch(pos, fn())
        return at


def tensor(b, shape, ttype, buf, name, scale=None, zp=0):
    fields = [(0, "ref", lambda: b.vector("i", shape)), (1, "b", ttype), (2, "I", buf),
              (3, "ref", lambda: b.string(name))]
    if scale is not None:
        fields.append((4, "ref", lambda: b.table([
            (2, "ref", lambda: b.vector("f", [scale] if not isinstance(scale, list) else scale)),
            (3, "ref", lambda: b.vector("q", [zp] * (len(scale) if isinstance(scale, list) else 1)))])))
    return lambda: b.table(fields)


def op(b, code_index, ins, outs, opt_type=0, opts=None):
    fields = [(0, "I", code_index), (1, "ref", lambda: b.vector("i", ins)),
              (2, "ref", lambda: b.vector("i", outs))]
    if opts is not None:
        fields += [(3, "B", opt_type), (4, "ref", lambda: b.table(opts))]
    return lambda: b.table(fields)


def lcg_bytes(n, seed, lo, hi):
    out, x = [], seed
    for _ in range(n):
        x = (x * 1103515245 + 12345) & 0x7FFFFFFF
        out.append(lo + x % (hi - lo + 1))
    return out


def tiny():
    b = Builder()
    INT8, INT32, UINT8, RES = 9, 2, 3, 13
    codes = [22, 2, 45, 3, 4, 9, 14, 114, 129, 142, 143, 144]
    ci = {c: i for i, c in enumerate(codes)}
    conv_w = lcg_bytes(4 * 5 * 40, 7, -40, 40)
    dw_w = lcg_bytes(4, 11, -100, 100)
    fc_w = lcg_bytes(4, 13, -90, 90)
    buffers = [
        b"",  # 0: none
        struct.pack("<4i", 1, 3, 1, 40),  # 1: reshape shape
        struct.pack("<4i", 0, -2, 0, 0),  # 2: slice begin
        struct.pack("<4i", 0, 0, 0, 40),  # 3: slice end
        struct.pack("<4i", 1, 1, 1, 1),  # 4: slice strides
        struct.pack("<800b", *conv_w),  # 5: conv weights [4,5,1,40]
        struct.pack("<4i", 100, -200, 300, 0),  # 6: conv bias
        struct.pack("<4b", *dw_w),  # 7: depthwise weights [1,1,1,4]
        struct.pack("<4i", 10, 20, -30, 40),  # 8: depthwise bias
        struct.pack("<2i", 1, 4),  # 9: reshape to [1, 4]
        struct.pack("<4b", *fc_w),  # 10: fc weights [1, 4]
        struct.pack("<i", -50),  # 11: fc bias
        bytes(80),  # 12: the variable's zeros [1,2,1,40]
    ]
    s_in = 0.10196078568696976
    t0 = [
        tensor(b, [1, 3, 40], INT8, 0, "input", s_in, -128),  # 0
        tensor(b, [4], INT32, 1, "shape4"),  # 1
        tensor(b, [1, 3, 1, 40], INT8, 0, "frames", s_in, -128),  # 2
        tensor(b, [], RES, 0, "handle"),  # 3
        tensor(b, [1, 2, 1, 40], INT8, 0, "state", s_in, -128),  # 4
        tensor(b, [1, 5, 1, 40], INT8, 0, "window", s_in, -128),  # 5
        tensor(b, [4], INT32, 2, "begin"),  # 6
        tensor(b, [4], INT32, 3, "end"),  # 7
        tensor(b, [4], INT32, 4, "strides"),  # 8
        tensor(b, [1, 2, 1, 40], INT8, 0, "next_state", s_in, -128),  # 9
        tensor(b, [4, 5, 1, 40], INT8, 5, "conv_w", [0.004, 0.003, 0.005, 0.002]),  # 10
        tensor(b, [4], INT32, 6, "conv_b", [0.0004, 0.0003, 0.0005, 0.0002]),  # 11
        tensor(b, [1, 1, 1, 4], INT8, 0, "conv_out", 0.05, -128),  # 12
        tensor(b, [1, 1, 1, 4], INT8, 7, "dw_w", [0.01, 0.02, 0.015, 0.03]),  # 13
        tensor(b, [4], INT32, 8, "dw_b", [0.0005, 0.001, 0.00075, 0.0015]),  # 14
        tensor(b, [1, 1, 1, 4], INT8, 0, "dw_out", 0.04, 3),  # 15
        tensor(b, [2], INT32, 9, "shape2"),  # 16
        tensor(b, [1, 4], INT8, 0, "flat", 0.04, 3),  # 17
        tensor(b, [1, 4], INT8, 10, "fc_w", 0.02),  # 18
        tensor(b, [1], INT32, 11, "fc_b", 0.0008),  # 19
        tensor(b, [1, 1], INT8, 0, "logit", 0.09, 5),  # 20
        tensor(b, [1, 1], INT8, 0, "sigmoid", 1 / 256, -128),  # 21
        tensor(b, [1, 1], UINT8, 0, "output", 1 / 256, 0),  # 22
    ]
    name = lambda: b.table([(1, "ref", lambda: b.string("stream/state"))])  # noqa: E731
    ops0 = [
        op(b, ci[129], [], [], 103, [(0, "i", 1)]),
        op(b, ci[142], [], [3], 111, [(1, "ref", lambda: b.string("stream/state"))]),
        op(b, ci[22], [0, 1], [2]),
        op(b, ci[143], [3], [4]),
        op(b, ci[2], [4, 2], [5], 10, [(0, "i", 1), (1, "b", 0)]),
        op(b, ci[45], [5, 6, 7, 8], [9], 32, [(0, "i", 13), (1, "i", 15)]),
        op(b, ci[144], [3, 9], []),
        op(b, ci[3], [5, 10, 11], [12], 1, [(0, "b", 1), (1, "i", 1), (2, "i", 3), (3, "b", 1)]),
        op(b, ci[4], [12, 13, 14], [15], 2, [(0, "b", 0), (1, "i", 1), (2, "i", 1), (3, "i", 1),
                                              (4, "b", 0)]),
        op(b, ci[22], [15, 16], [17]),
        op(b, ci[9], [17, 18, 19], [20], 8, [(0, "b", 0)]),
        op(b, ci[14], [20], [21]),
        op(b, ci[114], [21], [22]),
    ]
    t1 = [tensor(b, [], RES, 0, "handle"), tensor(b, [1, 2, 1, 40], INT8, 12, "zeros", s_in, -128)]
    ops1 = [op(b, ci[142], [], [0], 111, [(1, "ref", lambda: b.string("stream/state"))]),
            op(b, ci[144], [0, 1], [])]
    del name
    sg0 = lambda: b.table([(0, "ref", lambda: b.tables(t0)), (1, "ref", lambda: b.vector("i", [0])),  # noqa: E731
                           (2, "ref", lambda: b.vector("i", [22])), (3, "ref", lambda: b.tables(ops0))])
    sg1 = lambda: b.table([(0, "ref", lambda: b.tables(t1)), (1, "ref", lambda: b.vector("i", [])),  # noqa: E731
                           (2, "ref", lambda: b.vector("i", [])), (3, "ref", lambda: b.tables(ops1))])
    root = b.table([
        (0, "I", 3),
        (1, "ref", lambda: b.tables([
            (lambda c=c: b.table([(0, "b", min(c, 127)), (2, "i", 1), (3, "i", c)])) for c in codes])),
        (2, "ref", lambda: b.tables([sg0, sg1])),
        (4, "ref", lambda: b.tables([(lambda d=d: b.table([(0, "ref", lambda: b.bytes_(d))] if d else []))
                                     for d in buffers])),
    ])
    struct.pack_into("<I", b.buf, 0, root)
    b.buf[4:8] = b"TFL3"
    return bytes(b.buf)


def main():
    with open(sys.argv[1], "wb") as f:
        f.write(tiny())


if __name__ == "__main__":
    main()
