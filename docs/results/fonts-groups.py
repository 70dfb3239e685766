#!/usr/bin/env python3
"""Where dl2pa and fixed put look-alike characters: from the finished runs of
`experiment dims --data fonts:…,chars=alnum` (docs/results/fonts.sh), for each d the mean cosine
between the prototypes of two classes of one look-alike group (O 0 o, I l 1, …) minus the mean
over all pairs of classes, mean over seeds; and for d = 3, seed 0, an SVG of each method's
class prototypes on the sphere (two hemispheres, Lambert equal-area projection).

Usage: python3 docs/results/fonts-groups.py RUNS_DIR FIGURE_STEM  (standard library only)
"""
import json, math, os, struct, sys

GROUPS = ["O0o", "Il1", "Cc", "Ss5", "Uu", "Vv", "Ww", "Xx", "Zz2", "Kk", "Pp", "B8", "g9", "b6"]


def npy(path):
    """A float32/float64 (K, d) .npy file as a list of rows."""
    b = open(path, "rb").read()
    n = struct.unpack("<H", b[8:10])[0]
    head = b[10:10 + n].decode("latin1")
    k, d = (int(v) for v in head.split("'shape': (")[1].split(")")[0].split(",")[:2])
    code = "d" if "f8" in head else "f"
    vals = struct.unpack(f"<{k * d}{code}", b[10 + n:10 + n + k * d * struct.calcsize(code)])
    return [list(vals[i * d:(i + 1) * d]) for i in range(k)]


def class_prototypes(run):
    p = npy(os.path.join(run, "prototypes.npy"))
    sigma = json.load(open(os.path.join(run, "state.json")))["sigma"]
    return [p[s] for s in sigma]


def cos(a, b):
    return sum(x * y for x, y in zip(a, b)) / math.sqrt(sum(x * x for x in a) * sum(y * y for y in b))


def group_cos(cp, names):
    idx = {n: i for i, n in enumerate(names)}
    pairs = [(idx[a], idx[b]) for g in GROUPS for i, a in enumerate(g) for b in g[i + 1:]]
    within = sum(cos(cp[i], cp[j]) for i, j in pairs) / len(pairs)
    k = len(cp)
    every = sum(cos(cp[i], cp[j]) for i in range(k) for j in range(i + 1, k)) / (k * (k - 1) / 2)
    return within - every


def sphere_svg(cp, names, title, path):
    """Two disks: the hemisphere z >= 0 (left) and z < 0 (right), equal-area projection."""
    size, r = 360, 160
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{2 * size}" height="{size + 30}" font-family="DejaVu Sans, sans-serif">',
           f'<text x="{size}" y="20" text-anchor="middle" font-size="15">{title}</text>']
    for h, cx in ((1, size / 2), (-1, 1.5 * size)):
        out.append(f'<circle cx="{cx}" cy="{size / 2 + 30}" r="{r}" fill="none" stroke="#999"/>')
        out.append(f'<text x="{cx}" y="{size + 25}" text-anchor="middle" font-size="12">{"z ≥ 0" if h > 0 else "z &lt; 0"}</text>')
        for p, name in zip(cp, names):
            x, y, z = (v / math.sqrt(sum(w * w for w in p)) for v in p)
            if (z >= 0) != (h > 0):
                continue
            s = math.sqrt(1 / (1 + abs(z)))  # Lambert: |(x, y)| · √(2 / (1 + |z|)) / √2
            group = next((i for i, g in enumerate(GROUPS) if name in g), None)
            colour = "#000" if group is None else f"hsl({(group * 47) % 360},70%,40%)"
            weight = "normal" if group is None else "bold"
            out.append(f'<text x="{cx + r * x * s:.1f}" y="{size / 2 + 30 - r * y * s:.1f}" text-anchor="middle" '
                       f'dominant-baseline="middle" font-size="15" font-weight="{weight}" fill="{colour}">{name}</text>')
    out.append("</svg>")
    open(path, "w").write("\n".join(out) + "\n")


def main():
    runs, stem = sys.argv[1:3]
    names = json.load(open(os.path.join(runs, "dl2pa-d3-s0", "dataset.json")))["classes"]
    dims = sorted({int(n.split("-d")[1].split("-")[0]) for n in os.listdir(runs) if n.startswith("dl2pa-")})
    print("| d | dl2pa group cos | fixed group cos |")
    print("|---|---|---|")
    for d in dims:
        row = []
        for m in ("dl2pa", "fixed"):
            vals = [group_cos(class_prototypes(os.path.join(runs, n)), names)
                    for n in sorted(os.listdir(runs)) if n.startswith(f"{m}-d{d}-s")
                    and os.path.exists(os.path.join(runs, n, "metrics.json"))]
            row.append(f"{sum(vals) / len(vals):+.3f} ({len(vals)} seeds)" if vals else "—")
        print(f"| {d} | {row[0]} | {row[1]} |")
    for m in ("dl2pa", "fixed"):
        run = os.path.join(runs, f"{m}-d3-s0")
        sphere_svg(class_prototypes(run), names, f"alnum, d = 3, {m}: the prototype of each class", f"{stem}_{m}.svg")


main()
