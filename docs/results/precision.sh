#!/usr/bin/env bash
# docs/gpu.md, "Reduced precision": --precision f16 against f32, the same seeds, on a synthetic
# 100-class task (5 000 test examples; MLP, d = 10, 10 epochs) on the GPU device.
#   BIN=path/to/dl2pa bash docs/results/precision.sh     # a --features wgpu|vulkan build
# Writes docs/results/precision-$(basename BIN).md. On lavapipe ~2 min per run.
set -euo pipefail
: "${BIN:?BIN must name a dl2pa built with --features wgpu or vulkan}"
source "$(dirname "$0")/common.sh"
SEEDS="${SEEDS:-0 1 2}"
RUNS="$(mktemp -d)"
export DL2PA_CACHE_DIR="${DL2PA_CACHE_DIR:-$RUNS/cache}"
DATA=synthetic:classes=100,train=100,test=50
top1() { python3 -c "import json,sys; print(f\"{json.load(open(sys.argv[1]))['final']['test_top1']:.2f}\")" "$1/metrics.json"; }
OUT_MD="docs/results/precision-$(basename "$BIN").md"
rows=()
for s in $SEEDS; do
  for p in f32 f16; do
    "$BIN" --device wgpu train --data "$DATA" --dim 10 --epochs 10 --precision "$p" --seed "$s" \
      -o "$RUNS/$p-s$s" > "$RUNS/$p-s$s.log" 2>&1
  done
  rows+=("| $s | $(top1 "$RUNS/f32-s$s") | $(top1 "$RUNS/f16-s$s") |")
done
device=$(sed -n 's/^dl2pa train: .* on \(.*\) -> .*/\1/p' "$RUNS/f32-s0.log" | head -n 1)
{
  echo "Made by \`BIN=$(basename "$BIN") bash docs/results/precision.sh\` — $STAMP."
  echo "Device: $device. \`dl2pa train --data $DATA --dim 10 --epochs 10 --precision P --seed S\`."
  echo
  echo "| seed | f32 top-1 | f16 top-1 |"
  echo "|---|---|---|"
  printf '%s\n' "${rows[@]}"
  python3 - "$RUNS" $SEEDS <<'PY'
import json, sys
runs, seeds = sys.argv[1], sys.argv[2:]
t = lambda p, s: json.load(open(f"{runs}/{p}-s{s}/metrics.json"))["final"]["test_top1"]
f32 = sum(t("f32", s) for s in seeds) / len(seeds); f16 = sum(t("f16", s) for s in seeds) / len(seeds)
print(f"| mean | {f32:.2f} | {f16:.2f} (f16 − f32 = {f16 - f32:+.2f}) |")
PY
} > "$OUT_MD"
rm -rf "$RUNS"
cat "$OUT_MD"
