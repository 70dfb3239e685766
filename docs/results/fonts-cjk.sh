#!/usr/bin/env bash
# K = 3 755 (GB 2312 level 1 from the installed CJK fonts, README's packages), d = 8, MLP, seed 0:
# the prototype estimator's time (annealed, the trainer's default here, against the paper's
# Gaussian procedure), then dl2pa (re-solving every 20 iterations, and with --assign-backoff),
# fixed and psc on the same prototypes, with the solver's time per update and its share of the
# training time. Writes docs/results/fonts-cjk.md. Resumable. About 45 min on 2 cores.
# Usage: bash docs/results/fonts-cjk.sh   (BIN=path uses that dl2pa build)
set -euo pipefail
cd "$(dirname "$0")/../.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/dl2pa-target}"
if [ -z "${BIN:-}" ]; then
  cargo build --release -p dl2pa >/dev/null 2>&1
  BIN="$CARGO_TARGET_DIR/release/dl2pa"
fi
FONTS="${FONTS:-/usr/share/fonts}"
OUT=experiments/fonts-cjk
DATA="fonts:$FONTS,chars=cjk"
K=$("$BIN" data --data "$DATA" | sed -n 's/^ *\([0-9]*\) classes.*/\1/p')
mkdir -p "$OUT"
for m in annealed gaussian; do
  [ -f "$OUT/protos-$m.json" ] || "$BIN" --device cpu prototypes -k "$K" -d 8 --method "$m" \
    -o "$OUT/protos-$m.npy" --json > "$OUT/protos-$m.json"
done
train() { # NAME FLAGS...
  local run="$OUT/$1"; shift
  if [ -f "$run/metrics.json" ] && grep -q '"final": {' "$run/metrics.json"; then return; fi
  if [ -f "$run/state.json" ]; then "$BIN" --device cpu train --resume "$run" > /dev/null
  else "$BIN" --device cpu train --data "$DATA" --dim 8 "$@" -o "$run" > /dev/null; fi
}
train dl2pa --prototypes "$OUT/protos-annealed.npy"
train dl2pa-backoff --prototypes "$OUT/protos-annealed.npy" --assign-backoff true
train fixed --method fixed --prototypes "$OUT/protos-annealed.npy"
train psc --method psc
python3 - "$OUT" "$K" "$(grep -m1 '^version' Cargo.toml | cut -d'"' -f2)" "$(git rev-parse --short HEAD)" "$(lscpu | sed -n 's/^Model name: *//p' | head -1)" > docs/results/fonts-cjk.md <<'PY'
import json, sys, datetime
out, k, version, commit, cpu = sys.argv[1:6]
print(f"Made by `bash docs/results/fonts-cjk.sh` — dl2pa {version}, commit {commit}, {datetime.date.today()} (UTC), {cpu}.")
print()
print(f"Prototypes, K = {k}, d = 8 (`dl2pa prototypes -k {k} -d 8 --method M`):")
print()
print("| estimator | steps | seconds | max cos | mean nearest cos |")
print("|---|---|---|---|---|")
for m in ["annealed", "gaussian"]:
    p = json.load(open(f"{out}/protos-{m}.json"))
    q = p["quality"]
    print(f"| {m} | {p['steps']} | {p['seconds']:.0f} | {q['max_cos']:.4f} | {q['mean_max_cos']:.4f} |")
print()
print(f"Training, `--data fonts:…,chars=cjk --dim 8`, MLP, seed 0, the trainer's defaults (30 epochs):")
print()
print("| run | top-1 | top-5 | labels moved (total / after epoch 2) | solves | mean solve (warm) | solver s / training s |")
print("|---|---|---|---|---|---|---|")
for name in ["dl2pa", "dl2pa-backoff", "fixed", "psc"]:
    m = json.load(open(f"{out}/{name}/metrics.json"))
    f = m["final"]; ups = [u for e in m["epochs"] for u in e["updates"]]
    late = sum(u["moved"] for e in m["epochs"][2:] for u in e["updates"])
    warm = [u["micros"] for u in ups if u["warm"]]
    solve_s = sum(u["micros"] for u in ups) / 1e6
    train_s = sum(e["train_seconds"] for e in m["epochs"])
    mean = f"{sum(warm) / len(warm) / 1000:.1f} ms" if warm else "—"
    moved = f"{f['moved']} / {late}" if ups else "—"
    share = f"{solve_s:.1f} / {train_s:.0f} ({100 * solve_s / train_s:.1f} %)" if ups else "—"
    print(f"| {name} | {f['test_top1']:.2f} | {f['test_top5']:.2f} | {moved} | {len(ups)} | {mean} | {share} |")
PY
cat docs/results/fonts-cjk.md
