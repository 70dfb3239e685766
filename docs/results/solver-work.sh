#!/usr/bin/env bash
# What each assignment update costs through a K = 3 755 training (cjk, d = 8, MLP, 4 epochs,
# seed 0, the prototypes of fonts-cjk.sh): per epoch, the updates whose warm start succeeded and
# those where it gave up and solved cold, with the solver's work (metrics.json: rows free after
# the initial pass, shortest paths, columns scanned) and time. The scans are counts — the same on
# any machine; the milliseconds depend on what else ran. Needs `bash docs/results/fonts-cjk.sh`'s
# prototypes. Resumable. Writes docs/results/solver-work.md. About 10 min on 2 cores.
# Usage: bash docs/results/solver-work.sh   (BIN=path uses that dl2pa build)
set -euo pipefail
source "$(dirname "$0")/common.sh"
FONTS="${FONTS:-/usr/share/fonts}"
RUN=experiments/solver-work/cjk-d8-e4
ARGS=(--data "fonts:$FONTS,chars=cjk" --dim 8 --epochs 4 --seed 0
  --prototypes experiments/fonts-cjk/protos-annealed.npy)
train_run "$RUN" "${ARGS[@]}"
python3 - "$RUN" "$STAMP" "dl2pa --device cpu train ${ARGS[*]} -o $RUN" > docs/results/solver-work.md <<'PY'
import json, sys
run, stamp, cmd = sys.argv[1:4]
m = json.load(open(f"{run}/metrics.json"))
med = lambda xs: sorted(xs)[len(xs) // 2]
print(f"Made by `bash docs/results/solver-work.sh` — {stamp}.")
print()
print(f"`{cmd}`; top-1 {m['final']['test_top1']:.2f} %. Per epoch and kind of update (warm: the warm")
print("start succeeded; cold: it gave up once past its budget and solved cold, whose work is shown —")
print("the budget is 4 (n + m) = 30 040 scans in builds before 0fb4b11, the latest cold solve's scans")
print("from it); medians over the updates:")
print()
print("| epoch | epoch s | kind | updates | labels moved | ms per update | rows free after init | shortest paths | columns scanned (median / max) |")
print("|---|---|---|---|---|---|---|---|---|")
for i, e in enumerate(m["epochs"]):
    for kind, us in (("warm", [u for u in e["updates"] if u["warm"]]),
                     ("cold", [u for u in e["updates"] if not u["warm"]])):
        if not us:
            continue
        ms = sum(u["micros"] for u in us) / len(us) / 1e3
        scans = [u["scans"] for u in us]
        print(f"| {i + 1} | {e['train_seconds']:.1f} | {kind} | {len(us)} | {sum(u['moved'] for u in us)} "
              f"| {ms:.0f} | {med([u['free_after_init'] for u in us])} "
              f"| {med([u['augmentations'] for u in us])} | {med(scans)} / {max(scans)} |")
PY
cat docs/results/solver-work.md
