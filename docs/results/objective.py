"""Tables of docs/results/objective.sh: test top-1 per setting and d over seeds, the gap to psc
split into sphere / fixed vectors / assignment, and the labels dl2pa moved.

Usage: python3 docs/results/objective.py OUT SETTING...   (runs in OUT/SETTING/dD-sSEED)
"""
import json
import pathlib
import re
import sys

out, settings = pathlib.Path(sys.argv[1]), sys.argv[2:]
runs = {}  # (setting, d) -> {seed: final}
for s in settings:
    for m in sorted((out / s).glob("d*-s*/metrics.json")):
        final = json.loads(m.read_text()).get("final")
        if final is None:
            continue  # unfinished: not a result
        d, seed = map(int, re.fullmatch(r"d(\d+)-s(\d+)", m.parent.name).groups())
        runs.setdefault((s, d), {})[seed] = final
dims = sorted({d for _, d in runs})


def top1(s, d):
    return {seed: f["test_top1"] for seed, f in runs.get((s, d), {}).items()}


def cell(values):
    if not values:
        return "—"
    v = list(values)
    mean = sum(v) / len(v)
    half = (max(v) - min(v)) / 2
    return f"{mean:.2f} ± {half:.2f}" + (f" ({len(v)})" if len(v) < 3 else "")


def table(title, first, rows):
    """A table with one column per d: `rows` is (name, [cell per d])."""
    print(title)
    print()
    print(f"| {first} | " + " | ".join(f"d = {d}" for d in dims) + " |")
    print("|---|" + "---|" * len(dims))
    for name, cells in rows:
        print(f"| {name} | " + " | ".join(cells) + " |")


table(
    "Test top-1 (%), mean ± half-range over seeds (a count in brackets where fewer than 3 finished):",
    "setting",
    [(s, [cell(top1(s, d).values()) for d in dims]) for s in settings],
)


def paired(a, b, d):
    """a − b over the seeds both finished: mean, min."""
    x, y = top1(a, d), top1(b, d)
    diffs = [x[k] - y[k] for k in sorted(x) if k in y]
    if not diffs:
        return "—"
    return f"{sum(diffs) / len(diffs):+.2f} (min {min(diffs):+.2f}, {len(diffs)} seeds)"


pairs = [("psc", "cosine-softmax", "sphere: psc − cosine-softmax")]
for loss in ("cos", "ce"):
    pairs.append(("cosine-softmax", f"fixed-{loss}", f"fixing the vectors: cosine-softmax − fixed-{loss}"))
    pairs.append((f"dl2pa-{loss}", f"fixed-{loss}", f"assignment: dl2pa-{loss} − fixed-{loss}"))
    pairs.append((f"dl2pa-{loss}", "cosine-softmax", f"claim (b): dl2pa-{loss} − cosine-softmax"))
for s in settings:
    if s.endswith("-means"):
        base = s[: -len("-means")]
        pairs.append((s, base, f"first σ from the class means: {s} − {base}"))
# Without the BatchNorm head (and dl2pa with a faster class-mean EMA): the same splits.
pairs.append(("psc", "cosine-softmax-nobn", "sphere, no BN head: psc − cosine-softmax-nobn"))
pairs.append(("cosine-softmax-nobn", "fixed-cos-nobn", "fixing the vectors, no BN head"))
pairs.append(("dl2pa-cos-nobn-ema5", "fixed-cos-nobn", "assignment, no BN head: dl2pa-cos-nobn-ema5 − fixed-cos-nobn"))
pairs.append(("dl2pa-cos-nobn-ema5", "cosine-softmax-nobn", "claim (b), no BN head: dl2pa-cos-nobn-ema5 − cosine-softmax-nobn"))
pairs = [p for p in pairs if p[0] in settings and p[1] in settings]
if pairs:
    print()
    table(
        "Differences in points, paired by seed (mean, smallest):",
        "difference",
        [(name, [paired(a, b, d) for d in dims]) for a, b, name in pairs],
    )


def moved(s, d):
    m = [f["moved"] for f in runs.get((s, d), {}).values()]
    return f"{sum(m) / len(m):.0f}" if m else "—"


moving = [s for s in settings if s.startswith("dl2pa")]
if moving:
    print()
    table(
        "Labels moved by the assignment over the run (mean over seeds):",
        "setting",
        [(s, [moved(s, d) for d in dims]) for s in moving],
    )

# Short runs (the CNN's 8 epochs): how test top-1 moved epoch by epoch, with the learning rate.
curves = {}
for s in settings:
    for m in sorted((out / s).glob("d*-s*/metrics.json")):
        metrics = json.loads(m.read_text())
        if metrics.get("final") is None or len(metrics["epochs"]) > 10:
            continue
        curves[f"{s}/{m.parent.name}"] = metrics["epochs"]
if curves:
    n = max(len(e) for e in curves.values())
    print()
    print("Test top-1 (%) after each epoch (the learning rate at the epoch's end in brackets):")
    print()
    print("| run | " + " | ".join(str(i + 1) for i in range(n)) + " |")
    print("|---|" + "---|" * n)
    for name, epochs in curves.items():
        cells = [
            f"{e['eval']['top1']:.1f} ({e['lr']:.3f})" if e.get("eval") else "—" for e in epochs
        ]
        print(f"| {name} | " + " | ".join(cells) + " |")
