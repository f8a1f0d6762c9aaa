#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""A minimal reader of TensorFlow Lite model files (FlatBuffers), written
from the FlatBuffers binary format description and the field order of
tensorflow/compiler/mlir/lite/schema/schema.fbs (Model, SubGraph, Tensor,
Operator, OperatorCode, QuantizationParameters, Buffer).  No flatbuffers
package needed.  Run directly, it lists a model's operators and tensors:

    python3 tests/golden/tflite_read.py MODEL.tflite ...
"""
import struct
import sys

TYPES = {0: "FLOAT32", 2: "INT32", 3: "UINT8", 4: "INT64", 6: "BOOL",
         7: "INT16", 9: "INT8", 13: "RESOURCE"}


class Table:
    """a FlatBuffers table at byte offset pos of buf"""

    def __init__(self, buf, pos):
        self.buf, self.pos = buf, pos
        vt = pos - struct.unpack_from("<i", buf, pos)[0]
        self.vt = vt
        self.vlen = struct.unpack_from("<H", buf, vt)[0]

    def _field(self, slot):
        o = 4 + 2 * slot
        if o >= self.vlen:
            return 0
        return struct.unpack_from("<H", self.buf, self.vt + o)[0]

    def scalar(self, slot, fmt, default=0):
        o = self._field(slot)
        return struct.unpack_from("<" + fmt, self.buf, self.pos + o)[0] if o else default

    def _ref(self, slot):
        o = self._field(slot)
        if not o:
            return None
        p = self.pos + o
        return p + struct.unpack_from("<I", self.buf, p)[0]

    def table(self, slot):
        p = self._ref(slot)
        return Table(self.buf, p) if p is not None else None

    def vector(self, slot, fmt):
        p = self._ref(slot)
        if p is None:
            return []
        n = struct.unpack_from("<I", self.buf, p)[0]
        size = struct.calcsize("<" + fmt)
        return [struct.unpack_from("<" + fmt, self.buf, p + 4 + i * size)[0] for i in range(n)]

    def tables(self, slot):
        p = self._ref(slot)
        if p is None:
            return []
        n = struct.unpack_from("<I", self.buf, p)[0]
        out = []
        for i in range(n):
            q = p + 4 + 4 * i
            out.append(Table(self.buf, q + struct.unpack_from("<I", self.buf, q)[0]))
        return out

    def bytes(self, slot):
        p = self._ref(slot)
        if p is None:
            return b""
        n = struct.unpack_from("<I", self.buf, p)[0]
        return self.buf[p + 4:p + 4 + n]


class Model:
    def __init__(self, path, op_names=None):
        with open(path, "rb") as f:
            self.buf = f.read()
        root = Table(self.buf, struct.unpack_from("<I", self.buf, 0)[0])
        self.codes = []
        for oc in root.tables(1):
            self.codes.append(max(oc.scalar(0, "b"), oc.scalar(3, "i")))
        self.buffers = [b.bytes(0) for b in root.tables(4)]
        self.subgraphs = []
        for sg in root.tables(2):
            tensors = []
            for t in sg.tables(0):
                q = t.table(4)
                tensors.append({
                    "shape": t.vector(0, "i"), "type": t.scalar(1, "b"),
                    "buffer": t.scalar(2, "I"), "name": t.bytes(3).decode(),
                    "scale": q.vector(2, "f") if q else [],
                    "zero_point": q.vector(3, "q") if q else [],
                    "qdim": q.scalar(6, "i") if q else 0,
                    "variable": t.scalar(5, "B"),
                })
            ops = []
            for o in sg.tables(3):
                opt = o.table(4)
                ops.append({"code": self.codes[o.scalar(0, "I")],
                            "inputs": o.vector(1, "i"), "outputs": o.vector(2, "i"),
                            "options_type": o.scalar(3, "B"), "options": opt})
            self.subgraphs.append({"tensors": tensors, "inputs": sg.vector(1, "i"),
                                   "outputs": sg.vector(2, "i"), "operators": ops})


def main():
    for path in sys.argv[1:]:
        m = Model(path)
        print(f"{path}: {len(m.subgraphs)} subgraphs, op codes {sorted(set(m.codes))}")
        for i, sg in enumerate(m.subgraphs):
            print(f" subgraph {i}: in {sg['inputs']} out {sg['outputs']}")
            for op in sg["operators"]:
                desc = [f"{sg['tensors'][t]['shape']}{TYPES.get(sg['tensors'][t]['type'], sg['tensors'][t]['type'])}"
                        if t >= 0 else "-" for t in op["inputs"]]
                outd = [f"{sg['tensors'][t]['shape']}{TYPES.get(sg['tensors'][t]['type'])}" for t in op["outputs"]]
                print(f"  op {op['code']:3d} opt{op['options_type']:3d} {' '.join(desc)} -> {' '.join(outd)}")


if __name__ == "__main__":
    main()
