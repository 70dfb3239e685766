#!/usr/bin/env bash
# The CNN rows of docs/results.md, "Many classes": CHARS (default alnum, K = 62; lgc: K = 127) with the
# project's CNN backbone at d = DIMS (default 3 and 10), dl2pa / fixed / psc, SEEDS seeds
# (default 3), 8 epochs. JOBS runs at a time (default 2, `experiment --jobs`; the same bits as
# one at a time, ~1.3x sooner on 2 cores). Resumable: finished runs are
# read back, so raising SEEDS or adding a d trains only what is new. Writes
# docs/results/fonts-cnn.md (alnum) or fonts-cnn-CHARS.md, with one row per run under each d
# (top-5, labels moved per epoch, solver time: run-details.py). About 12 min per d and seed for
# alnum on 2 cores (three runs of ~4 min), twice that for lgc.
# A d may carry its own seed count: DIMS="3 10:1" runs d = 3 at SEEDS seeds and d = 10 at one.
# Usage: [CHARS=lgc] [DIMS="2 3 5 10"] [SEEDS=3] [JOBS=2] [MD=file.md] bash docs/results/fonts-cnn.sh
# (BIN=path uses that dl2pa build; MD writes the table elsewhere, e.g. for added d only).
set -euo pipefail
source "$(dirname "$0")/common.sh"
FONTS="${FONTS:-/usr/share/fonts}"
CHARS="${CHARS:-alnum}"
OUT="experiments/fonts/$CHARS-cnn"
MD_DEFAULT=docs/results/fonts-cnn.md; [ "$CHARS" = alnum ] || MD_DEFAULT="docs/results/fonts-cnn-$CHARS.md"
MD="${MD:-$MD_DEFAULT}"
mkdir -p "$OUT"
printf 'backbone = "cnn"\n' > "$OUT/cnn.toml"
DIMS="${DIMS:-3 10}"
for spec in $DIMS; do
  d="${spec%%:*}"; seeds="${SEEDS:-3}"; [ "$spec" = "$d" ] || seeds="${spec#*:}"
  "$BIN" --device cpu experiment dims --data "fonts:$FONTS,chars=$CHARS" --dims "$d" \
    --seeds "$seeds" --epochs 8 --jobs "${JOBS:-2}" --config "$OUT/cnn.toml" -o "$OUT/d$d" \
    > "$OUT/d$d.log" 2>&1
done
{
  md_arg=""; [ "$MD" = "$MD_DEFAULT" ] || md_arg="MD=$MD "
  echo "Made by \`CHARS=$CHARS DIMS=\"$DIMS\" SEEDS=${SEEDS:-3} ${md_arg}bash docs/results/fonts-cnn.sh\` — $STAMP."
  for spec in $DIMS; do
    echo; cat "$OUT/d${spec%%:*}/dims.md"
    echo; python3 docs/results/run-details.py "$OUT/d${spec%%:*}/runs"
  done
} > "$MD"
cat "$MD"
