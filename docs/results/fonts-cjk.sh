#!/usr/bin/env bash
# K = 3 755 (GB 2312 level 1 from the installed CJK fonts, README's packages), d = DIM (8), MLP:
# the prototype estimator's time (annealed, the trainer's default here, against the paper's
# Gaussian procedure), then dl2pa (re-solving every 20 iterations, and with --assign-backoff),
# fixed and psc on the same prototypes, seeds 0-2, with the solver's time per update and its
# share of the training time. Writes docs/results/fonts-cjk.md (d = 8) or fonts-cjk-dDIM.md.
# Resumable. About 90 min on 2 cores per d (the annealed estimate alone ~20 min); JOBS=2 runs
# two commands at a time, one thread each (the same bits; the solver is single-threaded, so the
# second core is otherwise idle through most of a dl2pa epoch).
# TUNED=1 adds dl2pa-backoff with README's setting for d << K (--head-bn false --ema-momentum
# 0.5; at d = 8 fonts-cjk-gap.sh has those runs).
# Usage: [DIM=4] [JOBS=2] [TUNED=1] bash docs/results/fonts-cjk.sh   (BIN=path uses that build)
set -euo pipefail
source "$(dirname "$0")/common.sh"
FONTS="${FONTS:-/usr/share/fonts}"
DIM="${DIM:-8}"
# d = 8 keeps the names of the first runs.
SFX=""; [ "$DIM" = 8 ] || SFX="-d$DIM"
OUT="experiments/fonts-cjk$SFX"
MD="docs/results/fonts-cjk$SFX.md"
DATA="fonts:$FONTS,chars=cjk"
K=$("$BIN" data --data "$DATA" | sed -n 's/^ *\([0-9]*\) classes.*/\1/p')
mkdir -p "$OUT"
protos() { # METHOD: estimates and times the prototypes (written through a temporary name)
  [ -f "$OUT/protos-$1.json" ] && return
  "$BIN" --device cpu prototypes -k "$K" -d "$DIM" --method "$1" -o "$OUT/protos-$1.npy" --json \
    > "$OUT/protos-$1.json.tmp"
  mv "$OUT/protos-$1.json.tmp" "$OUT/protos-$1.json"
}
train() { # NAME FLAGS...
  local run="$OUT/$1"; shift
  train_run "$run" --data "$DATA" --dim "$DIM" "$@"
}
sfx() { [ "$1" = 0 ] || echo "-s$1"; }
# Seeds 0-2 (seed 0's runs keep their first names); every seed uses the same prototypes, as
# the cache would give a seed that shares them. psc needs no prototypes, so it runs beside
# the estimates.
in_pool protos annealed
in_pool protos gaussian
for seed in 0 1 2; do in_pool train "psc$(sfx $seed)" --method psc --seed "$seed"; done
pool_wait
for seed in 0 1 2; do
  in_pool train "dl2pa$(sfx $seed)" --prototypes "$OUT/protos-annealed.npy" --seed "$seed"
  in_pool train "dl2pa-backoff$(sfx $seed)" --prototypes "$OUT/protos-annealed.npy" \
    --assign-backoff true --seed "$seed"
  in_pool train "fixed$(sfx $seed)" --method fixed --prototypes "$OUT/protos-annealed.npy" --seed "$seed"
done
if [ "${TUNED:-0}" = 1 ]; then
  for seed in 0 1 2; do
    in_pool train "dl2pa-backoff-tuned$(sfx $seed)" --prototypes "$OUT/protos-annealed.npy" \
      --assign-backoff true --head-bn false --ema-momentum 0.5 --seed "$seed"
  done
fi
pool_wait
python3 - "$OUT" "$K" "$STAMP" "$DIM" "${JOBS:-1}" "${TUNED:-0}" > "$MD" <<'PY'
import json, sys
out, k, stamp, d, jobs, tuned = sys.argv[1:7]
jobs = ("" if jobs == "1" else f"JOBS={jobs} ") + ("TUNED=1 " if tuned == "1" else "")
prefix = "" if d == "8" else f"DIM={d} "
print(f"Made by `{prefix}{jobs}bash docs/results/fonts-cjk.sh` — {stamp}.")
print()
print(f"Prototypes, K = {k}, d = {d} (`dl2pa prototypes -k {k} -d {d} --method M`):")
print()
print("| estimator | steps | seconds | max cos | mean nearest cos |")
print("|---|---|---|---|---|")
for m in ["annealed", "gaussian"]:
    p = json.load(open(f"{out}/protos-{m}.json"))
    q = p["quality"]
    print(f"| {m} | {p['steps']} | {p['seconds']:.0f} | {q['max_cos']:.4f} | {q['mean_max_cos']:.4f} |")
print()
print(f"Training, `--data fonts:…,chars=cjk --dim {d}`, MLP, the trainer's defaults (30 epochs), seeds 0–2"
      + (", two runs at a time on one thread each (seconds measured beside another run):" if jobs else ":"))
print()
print("| run | top-1 (seeds 0, 1, 2) | mean | top-5 (mean) | labels moved (total / after epoch 2) | solves | mean solve (warm) | solver s / training s |")
print("|---|---|---|---|---|---|---|---|")
names = ["dl2pa", "dl2pa-backoff"] + (["dl2pa-backoff-tuned"] if tuned == "1" else []) + ["fixed", "psc"]
for name in names:
    ms = [json.load(open(f"{out}/{name}{'' if s == 0 else f'-s{s}'}/metrics.json")) for s in range(3)]
    t = [m["final"]["test_top1"] for m in ms]
    t5 = sum(m["final"]["test_top5"] for m in ms) / 3
    ups = [[u for e in m["epochs"] for u in e["updates"]] for m in ms]
    n = sum(len(u) for u in ups) / 3
    late = sum(u["moved"] for m in ms for e in m["epochs"][2:] for u in e["updates"]) / 3
    warm = [u["micros"] for us in ups for u in us if u["warm"]]
    solve_s = sum(u["micros"] for us in ups for u in us) / 1e6 / 3
    train_s = sum(e["train_seconds"] for m in ms for e in m["epochs"]) / 3
    moved = sum(m["final"]["moved"] for m in ms) / 3
    mean = f"{sum(warm) / len(warm) / 1000:.1f} ms" if warm else "—"
    mv = f"{moved:.0f} / {late:.0f}" if n else "—"
    share = f"{solve_s:.0f} / {train_s:.0f} ({100 * solve_s / train_s:.1f} %)" if n else "—"
    print(f"| {name} | {t[0]:.2f}, {t[1]:.2f}, {t[2]:.2f} | **{sum(t) / 3:.2f}** | {t5:.2f} | {mv} | {n:.0f} | {mean} | {share} |")
PY
cat "$MD"
