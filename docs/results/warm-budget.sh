#!/usr/bin/env bash
# The warm start's scan budget in a K = 3 755 training: the same short training (cjk, MLP, d = 4,
# 2 epochs, seed 0) with BEFORE, a dl2pa build whose warm start gave up past 4 (n + m) scans
# (e774286 or older), and with BIN (the last cold solve's scans, 0fb4b11 on). Per epoch: updates
# that warm-started, columns scanned, solver seconds, and whether σ and top-1 came out the same.
# Scans are counts; seconds depend on what else ran. About 6 min on 2 cores (plus the d = 4
# prototype estimate, ~20 min, unless cached). Resumable. Writes docs/results/warm-budget.md.
# Usage: BEFORE=path/to/old/dl2pa bash docs/results/warm-budget.sh   (BIN=path for the new one)
set -euo pipefail
source "$(dirname "$0")/common.sh"
: "${BEFORE:?BEFORE=path to a dl2pa build with the fixed budget}"
FONTS="${FONTS:-/usr/share/fonts}"
ROOT=experiments/warm-budget
ARGS=(--data "fonts:$FONTS,chars=cjk" --dim 4 --epochs 2 --seed 0)
NEW="$BIN"
BIN="$BEFORE" train_run "$ROOT/before" "${ARGS[@]}"
BIN="$NEW" train_run "$ROOT/after" "${ARGS[@]}"
python3 - "$ROOT" "$STAMP" "$("$BEFORE" --version)" "dl2pa --device cpu train ${ARGS[*]}" \
  > docs/results/warm-budget.md <<'PY'
import json, sys
root, stamp, before, cmd = sys.argv[1:5]
med = lambda xs: sorted(xs)[len(xs) // 2] if xs else "—"
runs = {k: json.load(open(f"{root}/{k}/metrics.json")) for k in ("before", "after")}
print(f"Made by `BEFORE=… bash docs/results/warm-budget.sh` — {stamp}; before: {before}.")
print()
print(f"`{cmd}` with each build. Budget before: 4 (n + m) = 30 040 scans; after: the latest")
print("cold solve's scans (at least 30 040).")
print()
print("| build | epoch | epoch s | solver s | warm / cold updates | scans, warm (median / max) | scans, cold (median) | labels moved |")
print("|---|---|---|---|---|---|---|---|")
for k, m in runs.items():
    for e in m["epochs"]:
        us = e["updates"]
        w = [u["scans"] for u in us if u["warm"]]
        c = [u["scans"] for u in us if not u["warm"]]
        print(f"| {k} | {e['epoch']} | {e['train_seconds']:.1f} | {sum(u['micros'] for u in us) / 1e6:.1f} "
              f"| {len(w)} / {len(c)} | {med(w)} / {max(w, default='—')} | {med(c)} | {sum(u['moved'] for u in us)} |")
sigma = {k: [u["moved"] for e in m["epochs"] for u in e["updates"]] for k, m in runs.items()}
top1 = {k: m["final"]["test_top1"] for k, m in runs.items()}
print()
final = {k: json.load(open(f"{root}/{k}/state.json"))["sigma"] for k in runs}
print(f"Labels moved per update identical: {sigma['before'] == sigma['after']}; final σ identical: "
      f"{final['before'] == final['after']}; test top-1 {top1['before']:.2f} % before, "
      f"{top1['after']:.2f} % after.")
PY
cat docs/results/warm-budget.md
