"""One row of docs/results/vector-spacing.md: the nearest-neighbour cosines of the unit rows of
FILE, a prototypes .npy or an f32 model file exported by `dl2pa export --quant f32` (its
prototypes in class order, core/FORMAT.md). Usage: python3 vector-spacing.py FILE LABEL"""
import sys

import numpy as np


def varint(b, i):
    x = s = 0
    while True:
        c = b[i]
        i += 1
        x |= (c & 0x7F) << s
        s += 7
        if c < 0x80:
            return x, i


def rows(path):
    if path.endswith(".npy"):
        return np.load(path).astype(np.float64)
    body = open(path, "rb").read()[12:]
    k, i = varint(body, 0)
    d, i = varint(body, i)
    quant, i = varint(body, i)
    assert quant == 0, "export the run with --quant f32"
    n, i = varint(body, i)
    return np.frombuffer(body[i:i + n], "<f4").reshape(k, d).astype(np.float64)


v = rows(sys.argv[1])
g = v @ v.T
np.fill_diagonal(g, -2.0)
nn = g.max(axis=1)
print(f"| {sys.argv[2]} | {nn.mean():.3f} | {np.median(nn):.3f} | {nn.min():.3f} | {nn.max():.3f} |")
