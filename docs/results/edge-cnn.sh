#!/usr/bin/env bash
# The CNN-on-the-microcontroller table of docs/deployment.md ("On the Cortex-M4F"): trains (or resumes) the
# README's Fashion-MNIST CNN run (`--backbone cnn --train-limit 30000 --epochs 4 --dim D`, seed 0),
# exports it with its int8 layer list, measures f32 vs int8 and core vs host on all 10 000 test
# images, writes the firmware demo's model and test vectors (firmware-demo/data/, d = 10 only),
# runs the demo under QEMU and the classify-only program, and writes docs/results/edge-cnn.md
# with the command, version, date and CPU. About 10 min per d on 2 cores.
# Usage: bash docs/results/edge-cnn.sh [D...]   (default: 10; BIN=path uses that dl2pa build)
set -euo pipefail
source "$(dirname "$0")/common.sh"
DIMS=("$@"); [ "${#DIMS[@]}" -gt 0 ] || DIMS=(10)
OUT=experiments/edge
FW="$HOME/.cache/dl2pa-firmware-target"
mkdir -p "$OUT"
{
  echo "Made by \`bash docs/results/edge-cnn.sh ${DIMS[*]}\` — $STAMP."
  echo
  echo "| d | f32 top-1 (trained) | f32 top-1 (folded, raw input) | int8 top-1 (raw input) | int8 − f32 | core ≠ host | model file | arena | MACs per image |"
  echo "|---|---|---|---|---|---|---|---|---|"
} > "$OUT/table.md"
for d in "${DIMS[@]}"; do
  run="$OUT/fm-cnn-d$d"
  if [ -f "$run/state.json" ] && ! grep -q '"final": {' "$run/metrics.json" 2>/dev/null; then
    "$BIN" --device cpu train --resume "$run" >&2
  elif [ ! -f "$run/metrics.json" ]; then
    "$BIN" --device cpu train --data fashion-mnist --backbone cnn --train-limit 30000 --epochs 4 \
      --dim "$d" -o "$run" >&2
  fi
  vectors=(); [ "$d" = 10 ] && vectors=(--test-vectors firmware-demo/data/fm-vectors.bin --test-vectors-count 100)
  "$BIN" --device cpu export "$run" -o "$OUT/fm-cnn-d$d.dl2p" --backbone "${vectors[@]}" --json > "$OUT/export-d$d.json"
  [ "$d" = 10 ] && cp "$OUT/fm-cnn-d$d.dl2p" firmware-demo/data/fm-cnn.dl2p
  python3 - "$OUT/export-d$d.json" "$d" >> "$OUT/table.md" <<'PY'
import json, sys
r = json.load(open(sys.argv[1])); b = r["backbone"]
print(f"| {sys.argv[2]} | {r['f32_top1']:.2f} | {b['f32_top1']:.2f} | {b['int8_top1']:.2f} | {b['int8_top1'] - b['f32_top1']:+.2f} "
      f"| {b['core_mismatches']} of {r['examples']} | {r['flash_bytes']} B | {b['arena_bytes']} B | {b['macs']} |")
PY
done
{
  echo
  echo "Firmware demo (\`cd firmware-demo && cargo run --release\`, QEMU $(qemu-system-arm --version | head -1 | grep -oE '[0-9]+\.[0-9]+\.[0-9]+'), \`-icount shift=0\`):"
  echo
  echo '```'
  (cd firmware-demo && CARGO_TARGET_DIR="$FW" cargo run --release 2>/dev/null)
  echo '```'
  echo
  echo "With the DSP-extension kernel (\`cargo run --release --features dsp\`):"
  echo
  echo '```'
  (cd firmware-demo && CARGO_TARGET_DIR="$FW" cargo run --release --features dsp 2>/dev/null | grep -E 'CNN|per raw input|layer|PASS|FAIL')
  echo '```'
  echo
  (cd firmware-demo && CARGO_TARGET_DIR="$FW" cargo build --release --bin cnn_only 2>/dev/null)
  (cd firmware-demo && CARGO_TARGET_DIR="$FW" cargo run --release --bin cnn_only >/dev/null 2>&1) \
    && echo "\`--bin cnn_only\` (parse, classify the 100 images, no printing) exits 0: every class equals the host's." \
    || echo "\`--bin cnn_only\` FAILED"
  echo
  echo "Its ELF sections (\`size -A\`, release, opt-level s, LTO; the 100 test images are $(stat -c %s firmware-demo/data/fm-vectors.bin) B of .rodata):"
  echo
  echo '```'
  size -A "$FW/thumbv7em-none-eabihf/release/cnn_only" | grep -E '^\.(vector_table|text|rodata|data|bss) '
  echo '```'
} >> "$OUT/table.md"
cp "$OUT/table.md" docs/results/edge-cnn.md
cat docs/results/edge-cnn.md
