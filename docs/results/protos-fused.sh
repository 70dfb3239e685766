#!/usr/bin/env bash
# Prototype estimation at many classes: the fused CPU estimator (`annealed-fused`, what `best`
# uses from K = 1 000) side by side with the tensor one (`annealed`, what it used before) in one
# run, one after the other: K = 3 755, d = 8 (the cjk runs), K = 1 500, d = 3, and K = 5 000,
# d = 3 (the field case of 5 000 classes, fused only: the tensor one takes over half an hour
# there). Seconds and the largest pairwise cosine (lower is better). About 25 min on 2 cores,
# nearly all of it the tensor estimator. Resumable: a case whose JSON exists is not run again.
# Writes docs/results/protos-fused.md.
set -euo pipefail
source "$(dirname "$0")/common.sh"
CASES="${CASES:-3755:8:annealed-fused 3755:8:annealed 1500:3:annealed-fused 1500:3:annealed 5000:3:annealed-fused}"
OUT=experiments/protos-fused
mkdir -p "$OUT"
for c in $CASES; do
  IFS=: read -r k d m <<<"$c"
  f="$OUT/k$k-d$d-$m.json"
  if [ ! -s "$f" ]; then
    "$BIN" --device cpu prototypes -k "$k" -d "$d" --method "$m" --json > "$f"
    "$BIN" --version > "$f.build"
  fi
done
python3 - "$OUT" "$STAMP" $CASES > docs/results/protos-fused.md <<'PY'
import json, sys
out, stamp, cases = sys.argv[1], sys.argv[2], sys.argv[3:]
print(f"Made by `bash docs/results/protos-fused.sh` — {stamp}.")
print()
print("`dl2pa --device cpu prototypes -k K -d D --method M --json`, seed 0, 3 000 steps, one after another;")
print("a row kept from an earlier run of the script names the build that made it.")
print()
print("| K | d | estimator | seconds | max cos | mean max cos | build |")
print("|---|---|---|---|---|---|---|")
for c in cases:
    k, d, m = c.split(":")
    r = json.load(open(f"{out}/k{k}-d{d}-{m}.json"))
    q = r["quality"]
    build = open(f"{out}/k{k}-d{d}-{m}.json.build").read().strip().removeprefix("dl2pa ")
    print(f"| {k} | {d} | {m} | {r['seconds']:.1f} | {q['max_cos']:.6f} | {q['mean_max_cos']:.6f} | {build} |")
PY
cat docs/results/protos-fused.md
