#!/usr/bin/env bash
# The long-tailed Fashion-MNIST table of docs/training.md ("Long-tailed classification"): the paper's
# long-tail schedule (200 epochs, SGD lr 0.1, 5 warm-up epochs, x0.1 at 160 and 180, mixup 1),
# MLP, seed 0, DL2PA and psc at rho = 0.01 / 0.02 and d = 10 / 3, and the DL2PA variants at
# d = 10, rho = 0.01. Writes docs/results/fm-longtail.md. Resumable (finished runs are kept,
# interrupted ones resumed). About 3 min per run on 2 cores, 12 runs.
# Usage: bash docs/results/longtail.sh   (BIN=path uses that dl2pa build)
set -euo pipefail
source "$(dirname "$0")/common.sh"
OUT=experiments/longtail
# The paper's long-tail schedule; mixup 1 unless a variant sets its own.
SCHEDULE=(--data fashion-mnist --epochs 200 --schedule step --milestones 160,180 --warmup-epochs 5 --lr 0.1)
train() { # NAME FLAGS...: trains (or resumes) OUT/NAME; its output goes to OUT/NAME.log
  local name=$1; shift
  local run="$OUT/$name" mixup=(--mixup 1)
  if [[ " $* " == *" --mixup "* ]]; then mixup=(); fi
  if [ -f "$run/metrics.json" ] && grep -q '"final": {' "$run/metrics.json"; then return; fi
  mkdir -p "$OUT"
  local args=(train "${SCHEDULE[@]}" "${mixup[@]}" "$@" -o "$run")
  if [ -f "$run/state.json" ]; then args=(train --resume "$run"); fi
  "$BIN" --device cpu "${args[@]}" >"$run.log" 2>&1 || { echo "failed: $name (see $run.log)" >&2; exit 1; }
  echo "trained $name ($SECONDS s since the start)" >&2
}
for rho in 0.01 0.02; do for d in 10 3; do for m in dl2pa psc; do
  train "$m-r$rho-d$d" --imbalance "$rho" --dim "$d" --method "$m"
done; done; done
train dl2pa-r0.01-d10-s1 --imbalance 0.01 --dim 10 --seed 1
train dl2pa-r0.01-d10-nobalance --imbalance 0.01 --dim 10 --balance off
train dl2pa-r0.01-d10-nomixup --imbalance 0.01 --dim 10 --mixup 0
train psc-r0.01-d10-nomixup --imbalance 0.01 --dim 10 --mixup 0 --method psc
python3 - "$OUT" "$STAMP" > docs/results/fm-longtail.md <<'PY'
import json, sys
out, stamp = sys.argv[1:3]
def m(name): return json.load(open(f"{out}/{name}/metrics.json"))["final"]
def rarest(f):  # mean accuracy of the three classes with the fewest training examples
    order = sorted(range(len(f["train_counts"])), key=lambda c: f["train_counts"][c])[:3]
    return sum(f["per_class_accuracy"][c] for c in order) / 3
print(f"Made by `bash docs/results/longtail.sh` — {stamp}.")
print()
print("| ρ | d | DL2PA overall | psc overall | DL2PA − psc | DL2PA 3 rarest | psc 3 rarest | DL2PA head (class 0) | psc head (class 0) |")
print("|---|---|---|---|---|---|---|---|---|")
for rho, d in [("0.01", 10), ("0.02", 10), ("0.01", 3), ("0.02", 3)]:
    a, b = m(f"dl2pa-r{rho}-d{d}"), m(f"psc-r{rho}-d{d}")
    print(f"| {rho} | {d} | {a['test_top1']:.2f} | {b['test_top1']:.2f} | {a['test_top1'] - b['test_top1']:+.2f} | "
          f"{rarest(a):.1f} | {rarest(b):.1f} | {a['per_class_accuracy'][0]:.1f} | {b['per_class_accuracy'][0]:.1f} |")
print()
print("Variants at d = 10, ρ = 0.01 (top-1 %): "
      f"DL2PA seed 1 {m('dl2pa-r0.01-d10-s1')['test_top1']:.2f}; "
      f"DL2PA --balance off {m('dl2pa-r0.01-d10-nobalance')['test_top1']:.2f}; "
      f"--mixup 0: DL2PA {m('dl2pa-r0.01-d10-nomixup')['test_top1']:.2f}, psc {m('psc-r0.01-d10-nomixup')['test_top1']:.2f}.")
PY
cat docs/results/fm-longtail.md
