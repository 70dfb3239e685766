#!/usr/bin/env bash
# docs/results.md, "Results": `experiment --jobs 2` against one run after another on this machine's cores,
# the same experiment (alnum fonts, CNN, d = 3, dl2pa / fixed / psc, 2 seeds, 1 epoch: 6 runs),
# wall-clock seconds, and whether dims.json is the same file. A first pass warms the render and
# prototype caches so that neither timed pass pays them. Writes docs/results/experiment-jobs.md.
# About 10 min on 2 cores.
# Usage: bash docs/results/experiment-jobs.sh   (BIN=path uses that dl2pa build)
set -euo pipefail
source "$(dirname "$0")/common.sh"
FONTS="${FONTS:-/usr/share/fonts}"
OUT="$(mktemp -d)"
trap 'rm -rf "$OUT"' EXIT
printf 'backbone = "cnn"\n' > "$OUT/cnn.toml"
run() { # NAME JOBS: prints the wall-clock seconds
  local start end
  start=$(date +%s.%N)
  "$BIN" --device cpu experiment dims --data "fonts:$FONTS,chars=alnum" --dims 3 --seeds 2 \
    --epochs 1 --jobs "$2" --config "$OUT/cnn.toml" -o "$OUT/$1" > "$OUT/$1.log" 2>&1
  end=$(date +%s.%N)
  echo "$end - $start" | bc
}
run warm 1 > /dev/null
one=$(run one 1)
two=$(run two 2)
same=no; cmp -s "$OUT/one/dims.json" "$OUT/two/dims.json" && same=yes
{
  echo "Made by \`bash docs/results/experiment-jobs.sh\` — $STAMP, $(nproc) threads."
  echo
  echo "\`dl2pa --device cpu experiment dims --data fonts:…,chars=alnum --dims 3 --seeds 2 --epochs 1\`"
  echo "with the CNN (6 runs), caches warm:"
  echo
  echo "| --jobs | wall-clock s | speed-up | dims.json identical to --jobs 1 |"
  echo "|---|---|---|---|"
  printf '| 1 | %.1f | 1.00 | — |\n' "$one"
  printf '| 2 | %.1f | %.2f | %s |\n' "$two" "$(echo "$one / $two" | bc -l)" "$same"
} > docs/results/experiment-jobs.md
cat docs/results/experiment-jobs.md
