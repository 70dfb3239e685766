#!/usr/bin/env bash
# K = 3 755 (cjk), d = 8, CNN, seed 0, 8 epochs: which of the two flags that helped the MLP
# (`--head-bn false`, `--ema-momentum 0.5`; docs/results.md, "Closing the gap to psc") the CNN suffers
# from, both together having cost it 17.8 points (fonts-cjk-gap.md). Three dl2pa runs on one set
# of prototypes: the defaults and each flag alone. The defaults run has the settings of
# fonts-cnn.sh's `CHARS=cjk DIMS=8:1` dl2pa run; it repeats that run's bits only on a CPU with the
# same gemm blocking (docs/determinism.md, "Determinism"), so compare the three runs of one machine.
# Self-contained: estimates the prototypes once (`dl2pa prototypes`, the trainer's own request:
# `best` = annealed, 3 000 steps, seed 0), trains the first two side by side (one thread each;
# the same bits as one at a time), then the third on all threads. Resumable. Writes
# docs/results/fonts-cjk-cnn-flags.md. About 105 min on 2 idle cores of an Intel Xeon (a ~20 min
# estimate, ~5 min epochs two at a time and alone); 2 h 40 min beside a cold CI.
# Usage: bash docs/results/fonts-cjk-cnn-flags.sh   (BIN=path uses that dl2pa build)
set -euo pipefail
source "$(dirname "$0")/common.sh"
FONTS="${FONTS:-/usr/share/fonts}"
OUT=experiments/fonts-cjk-cnn-flags
mkdir -p "$OUT"
printf 'backbone = "cnn"\n' > "$OUT/cnn.toml"
PROTOS="$OUT/protos-k3755-d8-s0.npy"
# Written atomically, so a file that is there is whole.
[ -f "$PROTOS" ] || "$BIN" --device cpu prototypes -k 3755 -d 8 --seed 0 -o "$PROTOS" > "$OUT/protos.log"
ARGS=(--config "$OUT/cnn.toml" --data "fonts:$FONTS,chars=cjk" --dim 8 --seed 0 --epochs 8
  --prototypes "$PROTOS")
JOBS=2 in_pool train_run "$OUT/default" "${ARGS[@]}"
JOBS=2 in_pool train_run "$OUT/ema" "${ARGS[@]}" --ema-momentum 0.5
pool_wait
train_run "$OUT/headbn" "${ARGS[@]}" --head-bn false
python3 - "$OUT" "$STAMP" > docs/results/fonts-cjk-cnn-flags.md <<'PY'
import json, sys
out, stamp = sys.argv[1:3]
print(f"Made by `bash docs/results/fonts-cjk-cnn-flags.sh` — {stamp}.")
print()
print("cjk (K = 3 755), CNN, d = 8, seed 0, 8 epochs, dl2pa; test %, labels moved per epoch:")
print()
print("| flags | top-1 | top-5 | labels moved | moved per epoch | train s |")
print("|---|---|---|---|---|---|")
for name, flags in [("default", ""), ("ema", "--ema-momentum 0.5"), ("headbn", "--head-bn false")]:
    m = json.load(open(f"{out}/{name}/metrics.json"))
    f, eps = m["final"], m["epochs"]
    per = ", ".join(str(sum(u["moved"] for u in e["updates"])) for e in eps)
    secs = sum(e["train_seconds"] for e in eps)
    print(f"| `{flags}` | **{f['test_top1']:.2f}** | {f['test_top5']:.2f} | {f['moved']} | {per} | {secs:.0f} |")
PY
cat docs/results/fonts-cjk-cnn-flags.md
