#!/usr/bin/env bash
# K = 3 755 (cjk), d = 8, where psc leads dl2pa most: the setting that narrowed the gap on alnum
# (docs/results.md, "Closing the gap to psc": no BatchNorm on the embedding head, class-mean EMA momentum
# 0.5), each against its own baseline run of the same seed, prototypes and schedule:
# - MLP, seeds 0-2, with --assign-backoff (the solver is most of an MLP epoch at this K), against
#   fonts-cjk.sh's dl2pa-backoff runs;
# - CNN, seed 0 (~26 min a run), from the config of fonts-cnn.sh's cjk run. Which of the two
#   flags the CNN suffers from: fonts-cjk-cnn-flags.sh (self-contained).
# Needs those runs (`bash docs/results/fonts-cjk.sh`, `CHARS=cjk DIMS=8:1 bash
# docs/results/fonts-cnn.sh`): it reads their results, prototypes and config. Resumable.
# Writes docs/results/fonts-cjk-gap.md. About 50 min on 2 cores (three MLP runs, one CNN run).
# Usage: bash docs/results/fonts-cjk-gap.sh   (BIN=path uses that dl2pa build)
set -euo pipefail
source "$(dirname "$0")/common.sh"
FONTS="${FONTS:-/usr/share/fonts}"
MLP=experiments/fonts-cjk
CNN=experiments/fonts/cjk-cnn/d8/runs
OUT=experiments/fonts-cjk-gap
TUNED=(--head-bn false --ema-momentum 0.5)
mkdir -p "$OUT"
for seed in 0 1 2; do
  train_run "$OUT/mlp-s$seed" --data "fonts:$FONTS,chars=cjk" --dim 8 --seed "$seed" \
    --prototypes "$MLP/protos-annealed.npy" --assign-backoff true "${TUNED[@]}"
done
train_run "$OUT/cnn-s0" --config "$CNN/dl2pa-d8-s0/config.toml" "${TUNED[@]}"
python3 - "$MLP" "$CNN" "$OUT" "$STAMP" > docs/results/fonts-cjk-gap.md <<'PY'
import json, sys
mlp, cnn, out, stamp = sys.argv[1:5]
print(f"Made by `bash docs/results/fonts-cjk-gap.sh` — {stamp}.")
print()
print("cjk (K = 3 755), d = 8; tuned = `--head-bn false --ema-momentum 0.5`; test top-1 %:")
print()
print("| backbone | run | seeds | top-1 per seed | mean | top-5 (mean) | labels moved (mean) |")
print("|---|---|---|---|---|---|---|")
def row(backbone, name, paths):
    ms = [json.load(open(f"{p}/metrics.json"))["final"] for p in paths]
    t = [m["test_top1"] for m in ms]
    t5 = sum(m["test_top5"] for m in ms) / len(ms)
    moved = sum(m["moved"] for m in ms) / len(ms)
    seeds = ", ".join(f"{x:.2f}" for x in t)
    print(f"| {backbone} | {name} | {len(ms)} | {seeds} | **{sum(t) / len(t):.2f}** | {t5:.2f} | {moved:.0f} |")
sfx = lambda s: "" if s == 0 else f"-s{s}"
row("MLP", "dl2pa, backoff", [f"{mlp}/dl2pa-backoff{sfx(s)}" for s in range(3)])
row("MLP", "dl2pa, backoff, tuned", [f"{out}/mlp-s{s}" for s in range(3)])
row("MLP", "psc", [f"{mlp}/psc{sfx(s)}" for s in range(3)])
row("CNN", "dl2pa", [f"{cnn}/dl2pa-d8-s0"])
row("CNN", "dl2pa, tuned", [f"{out}/cnn-s0"])
row("CNN", "psc", [f"{cnn}/psc-d8-s0"])
PY
cat docs/results/fonts-cjk-gap.md
