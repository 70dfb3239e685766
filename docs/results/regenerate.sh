#!/usr/bin/env bash
# Regenerates the README's results tables that `dl2pa experiment` and `dl2pa export` make, into
# docs/results/ (each .md starts with the command, dl2pa version, date and CPU that made it) and
# the figures into docs/figures/. CPU only; about 45 min on 2 cores. The README tables this script
# does not make yet are listed in docs/results/README.md with their commands.
# Usage: bash docs/results/regenerate.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/dl2pa-target}"
cargo build --release -p dl2pa
BIN="$CARGO_TARGET_DIR/release/dl2pa"
OUT=experiments
run() { echo "+ dl2pa $*" >&2; "$BIN" --device cpu "$@"; }

# Table 1 analogue and the assignment's effect (Fashion-MNIST; they share their runs).
# (assign first: both write the plots, and dims' show all four methods)
run experiment assign --data fashion-mnist --epochs 8 --seeds 3 -o "$OUT/fm"
run experiment dims --data fashion-mnist --epochs 8 --seeds 3 -o "$OUT/fm"
run experiment dims --seeds 2 -o "$OUT/digits"
run experiment protos --anchors bench/protos/anchors.json -o "$OUT/protos"
run experiment solver -o "$OUT/solver"
run experiment k100 --seeds 2 -o "$OUT/k100"
cp "$OUT/fm/dims.md" docs/results/fm-dims.md
cp "$OUT/fm/assign.md" docs/results/fm-assign.md
cp "$OUT/digits/dims.md" docs/results/digits-dims.md
cp "$OUT/protos/protos.md" docs/results/protos-protos.md
cp "$OUT/solver/solver.md" docs/results/solver-solver.md
cp "$OUT/k100/k100.md" docs/results/k100-k100.md
cp "$OUT/fm/accuracy_vs_d.png" docs/figures/fmnist_accuracy_vs_d.png
cp "$OUT/fm/moved.png" docs/figures/fmnist_moved.png
cp "$OUT/fm/curves_d2.png" docs/figures/fmnist_curves_d2.png
cp "$OUT/fm/circle_d2_dl2pa.png" docs/figures/fmnist_circle_d2_dl2pa.png
cp "$OUT/fm/circle_d2_fixed.png" docs/figures/fmnist_circle_d2_fixed.png
cp "$OUT/digits/accuracy_vs_d.png" docs/figures/digits_accuracy_vs_d.png
cp "$OUT/protos/protos.png" docs/figures/protos_k100.png
cp "$OUT/solver/solver.png" docs/figures/solver.png

# Deployment: the export tables, on the seed-0 Fashion-MNIST runs of the dims experiment.
{
  echo "Made by \`bash docs/results/regenerate.sh\` (dl2pa export RUN -o m.dl2p [--backbone] --json on $OUT/fm/runs/dl2pa-d{2,3,10}-s0) — dl2pa $(grep -m1 '^version' Cargo.toml | cut -d'"' -f2), $(date -u +%Y-%m-%d) (UTC), $(lscpu | sed -n 's/^Model name: *//p' | head -1), $(nproc) threads."
  echo
  echo "| run | d | model file (flash) | RAM to classify | f32 top-1 | int8 top-1 | int8, one step per prototype | int8 ≠ f32 | core ≠ host | backbone file | backbone RAM | MACs | backbone f32 top-1 | backbone int8 top-1 | backbone core ≠ host |"
  echo "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"
  for d in 2 3 10; do
    r="$OUT/fm/runs/dl2pa-d$d-s0"
    a=$(run export "$r" -o "$OUT/m.dl2p" --json)
    b=$(run export "$r" -o "$OUT/mb.dl2p" --backbone --json)
    python3 - "$d" "$a" "$b" <<'PY'
import json, sys
d, a, b = sys.argv[1], json.loads(sys.argv[2]), json.loads(sys.argv[3])
bb = b["backbone"]
print(f"| Fashion-MNIST MLP | {d} | {a['flash_bytes']} B | {a['ram_bytes']} B | {a['f32_top1']:.2f} % | {a['int8_top1']:.2f} % | {a['int8_per_prototype_top1']:.2f} % | {a['int8_vs_f32_disagreements']} | {a['core_mismatches']} | {b['flash_bytes']} B | {bb['ram_bytes']} B | {bb['macs']} | {bb['f32_top1']:.2f} % | {bb['int8_top1']:.2f} % | {bb['core_mismatches']} |")
PY
  done
} > docs/results/fm-export.md
cat docs/results/fm-export.md
