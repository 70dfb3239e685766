#!/usr/bin/env bash
# The CNN rows of README's "Many classes": alnum (K = 62) with the project's CNN backbone at
# d = DIMS (default 3 and 10), dl2pa / fixed / psc, SEEDS seeds (default 3), 8 epochs. One run at
# a time (each uses every core). Resumable: finished runs are read back, so raising SEEDS adds
# only the new seeds. Writes docs/results/fonts-cnn.md. About 15 min per d and seed on 2 cores
# (three runs of ~5 min; measured with other jobs beside it).
# Usage: bash docs/results/fonts-cnn.sh   (BIN=path uses that dl2pa build)
set -euo pipefail
source "$(dirname "$0")/common.sh"
FONTS="${FONTS:-/usr/share/fonts}"
OUT=experiments/fonts/alnum-cnn
mkdir -p "$OUT"
printf 'backbone = "cnn"\n' > "$OUT/cnn.toml"
DIMS="${DIMS:-3 10}"
for d in $DIMS; do
  "$BIN" --device cpu experiment dims --data "fonts:$FONTS,chars=alnum" --dims "$d" \
    --seeds "${SEEDS:-3}" --epochs 8 --config "$OUT/cnn.toml" -o "$OUT/d$d" > "$OUT/d$d.log" 2>&1
done
{
  echo "Made by \`DIMS=\"$DIMS\" SEEDS=${SEEDS:-3} bash docs/results/fonts-cnn.sh\` — $STAMP."
  for d in $DIMS; do echo; cat "$OUT/d$d/dims.md"; done
} > docs/results/fonts-cnn.md
cat docs/results/fonts-cnn.md
