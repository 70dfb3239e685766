#!/usr/bin/env bash
# docs/results.md, "One assignment update at K = 3 755": the criterion bench host/benches/assignment_update.rs
# (similarities, cold and warm solves late and early in training, the trainer's
# Assignment::resolve), medians with criterion's 95 % interval. Run it on an otherwise idle
# machine. Writes docs/results/assignment-update.md. About 3 min on 2 cores.
# Usage: bash docs/results/assignment-update.sh
set -euo pipefail
source "$(dirname "$0")/common.sh"
CRIT="$CARGO_TARGET_DIR/criterion"
rm -rf "$CRIT"/assignment*
WARM="$(mktemp)"
cargo bench -q -p dl2pa --bench assignment_update 2>/dev/null | grep '^warm starts' > "$WARM"
THREADS=$(nproc)
python3 - "$CRIT" "$STAMP" "$THREADS" "$WARM" > docs/results/assignment-update.md <<'PY'
import glob, json, sys
crit, stamp, threads, warm = sys.argv[1:5]
print(f"Made by `bash docs/results/assignment-update.sh` — {stamp}, {threads} threads.")
print()
print("`cargo bench -p dl2pa --bench assignment_update`: K = M = 3 755, d = 8, synthetic seeded")
print("inputs (the bench's doc says which); late: the warm start succeeds; early: the means moved")
print("far, and a warm start needs about a cold solve's work (it gives up past the last cold solve's")
print("scans, from 0fb4b11; past 4 (n + m) before); median ms per call, criterion's 95 % interval:")
print()
print("| step | median ms | 95 % interval |")
print("|---|---|---|")
order = ["similarities",
         "solve, cold (late)", "solve, warm after one batch (late)",
         "solve, cold (early)", "solve, warm after one batch (early)",
         "Assignment::resolve (late)"]
found = {}
for path in glob.glob(f"{crit}/*/*/new/benchmark.json"):
    b = json.load(open(path))
    if b["group_id"].startswith("assignment update"):
        e = json.load(open(path.replace("benchmark.json", "estimates.json")))["median"]
        found[b["function_id"]] = e
for name in order:
    e = found[name]
    lo, hi = (e["confidence_interval"][k] / 1e6 for k in ("lower_bound", "upper_bound"))
    print(f"| {name} | {e['point_estimate'] / 1e6:.1f} | {lo:.1f} – {hi:.1f} |")
print()
print("Of the warm solves the bench ran, criterion's warm-up included (the rest gave up and solved cold):")
print()
for line in open(warm):
    print(f"- {line.strip()}")
PY
rm -f "$WARM"
cat docs/results/assignment-update.md
