#!/usr/bin/env bash
# The CNN rows of README's "Many classes": alnum (K = 62) with the project's CNN backbone at
# d = 3 and d = 10, dl2pa / fixed / psc, seed 0, 8 epochs (a CNN epoch on these 18 104 32×32
# images takes ~40 s on one core here). The two d run side by side. Resumable.
# Writes docs/results/fonts-cnn.md. About 20 min on 2 cores.
# Usage: bash docs/results/fonts-cnn.sh   (BIN=path uses that dl2pa build)
set -euo pipefail
source "$(dirname "$0")/common.sh"
FONTS="${FONTS:-/usr/share/fonts}"
OUT=experiments/fonts/alnum-cnn
mkdir -p "$OUT"
printf 'backbone = "cnn"\n' > "$OUT/cnn.toml"
for d in 3 10; do
  "$BIN" --device cpu experiment dims --data "fonts:$FONTS,chars=alnum" --dims "$d" --seeds 1 \
    --epochs 8 --config "$OUT/cnn.toml" -o "$OUT/d$d" > "$OUT/d$d.log" 2>&1 &
done
wait
{
  echo "Made by \`bash docs/results/fonts-cnn.sh\` — $STAMP."
  for d in 3 10; do echo; cat "$OUT/d$d/dims.md"; done
} > docs/results/fonts-cnn.md
cat docs/results/fonts-cnn.md
