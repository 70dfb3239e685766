#!/usr/bin/env bash
# docs/objective.md, "cjk, the CNN": how close together the class vectors a cosine softmax learned
# lie, against the prototypes dl2pa trains towards — the cosine of each to its nearest neighbour.
# Reads finished seed-0 runs of docs/results/objective.sh cjk-mlp and cjk-cnn (their
# cosine-softmax runs, and the prototypes of a cjk-cnn run); writes docs/results/vector-spacing.md.
#   bash docs/results/vector-spacing.sh
set -euo pipefail
source "$(dirname "$0")/common.sh"
TMP="$(mktemp -d)"
{
  echo "Made by \`bash docs/results/vector-spacing.sh\` — $STAMP."
  echo
  echo "| run | nearest-neighbour cosine: mean | median | min | max |"
  echo "|---|---|---|---|---|"
  for part in cjk-mlp cjk-cnn; do
    run="experiments/objective/$part/cosine-softmax/d8-s0"
    "$BIN" --device cpu export "$run" --quant f32 -o "$TMP/$part.dl2p" > /dev/null
    python3 docs/results/vector-spacing.py "$TMP/$part.dl2p" "$part cosine-softmax class vectors"
  done
  python3 docs/results/vector-spacing.py experiments/objective/cjk-cnn/dl2pa-cos-vw4/d8-s0/prototypes.npy "the prototypes (K = 3 755, d = 8, seed 0)"
} > docs/results/vector-spacing.md
rm -rf "$TMP"
