#!/usr/bin/env bash
# The first epoch on a GPU with a cold and a warm kernel cache (docs/gpu.md, "GPU"): `dl2pa train`
# twice with the same DL2PA_CACHE_DIR, starting empty; epoch 1 and 2 training seconds of each.
# Mesa's own shader cache is off, so on lavapipe only CubeCL's store (autotune results; compiled
# SPIR-V in a `vulkan` build) is measured.
#
#   BIN=path/to/dl2pa bash docs/results/gpu-cache.sh [ARGS...]   # a --features wgpu|vulkan build
# ARGS default to the digits CNN for 2 epochs. Writes docs/results/gpu-cache-$(basename BIN).md
# unless OUT_MD names another file.
set -euo pipefail
: "${BIN:?BIN must name a dl2pa built with --features wgpu or vulkan}"
source "$(dirname "$0")/common.sh"
ARGS=("$@"); [ ${#ARGS[@]} -gt 0 ] || ARGS=(--data digits --backbone cnn --epochs 2)
CACHE="$(mktemp -d)"; RUNS="$(mktemp -d)"
export DL2PA_CACHE_DIR="$CACHE" MESA_SHADER_CACHE_DISABLE=true
row() {
  "$BIN" --device wgpu train "${ARGS[@]}" -o "$RUNS/$1" > "$RUNS/$1.log" 2>&1
  python3 - "$RUNS/$1/metrics.json" "$1" <<'PY'
import json, sys
e = json.load(open(sys.argv[1]))["epochs"]
print(f"| {sys.argv[2]} | {e[0]['train_seconds']:.1f} | {e[1]['train_seconds']:.1f} | {e[0]['train_seconds'] - e[1]['train_seconds']:.1f} |")
PY
}
OUT_MD="${OUT_MD:-docs/results/gpu-cache-$(basename "$BIN").md}"
{
  cold=$(row cold); warm=$(row warm)
  echo "Made by \`bash docs/results/gpu-cache.sh ${ARGS[*]}\` with \`$(basename "$BIN")\` — $STAMP."
  echo "Device: $(sed -n 's/^dl2pa train: .* on \(.*\) -> .*/\1/p' "$RUNS/cold.log"); cache $(du -sh "$CACHE" | cut -f1) after both runs."
  echo
  echo "| cache | epoch 1 s | epoch 2 s | epoch 1 − epoch 2 |"
  echo "|---|---|---|---|"
  echo "$cold"; echo "$warm"
} > "$OUT_MD"
rm -rf "$CACHE" "$RUNS"
cat "$OUT_MD"
