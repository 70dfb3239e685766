#!/usr/bin/env bash
# docs/performance.md, "CPU throughput": training steps per second of the MLP and the CNN on burn's CPU
# backend (flex) against PyTorch eager on the same CPU, 1 and 2 threads, in one run — the
# protocol of bench/throughput (batch 128, random data, forward + backward + SGD step).
# Rounds are interleaved (the machines are noisy) and the median of ROUNDS is reported.
#
#   bash docs/results/cpu-throughput.sh        # needs `pip install torch` (TORCH_PY=python to use)
#   BEFORE=/path/to/old/throughput BEFORE_NAME="what it is" bash ...   # a column for an older build
#   COMPARE_KERNELS=1 bash ...    # the "before" column: this build without host/src/kernels/
# Writes docs/results/cpu-throughput.md. About 5 min on 2 cores.
set -euo pipefail
source "$(dirname "$0")/common.sh"
TORCH_PY="${TORCH_PY:-python3}"
ANCHORS="${ANCHORS:-bench/throughput}"
ROUNDS="${ROUNDS:-3}"
if [ "${COMPARE_KERNELS:-0}" = 1 ]; then
  cargo build --release -p dl2pa --example throughput --no-default-features >/dev/null 2>&1
  BEFORE="$(mktemp)"; cp "$CARGO_TARGET_DIR/release/examples/throughput" "$BEFORE"
  BEFORE_NAME="the same code built without its CPU kernels (--no-default-features: burn's own ops)"
fi
cargo build --release -p dl2pa --example throughput >/dev/null 2>&1
OURS="$CARGO_TARGET_DIR/release/examples/throughput"
LOG="$(mktemp)"
imgs() { grep -o '[0-9]* img/s' | cut -d' ' -f1; }
for r in $(seq "$ROUNDS"); do
  for t in 1 2; do
    echo "torch cnn $t $("$TORCH_PY" "$ANCHORS/torch_cnn.py" "$t" | imgs)" >> "$LOG"
    echo "torch mlp $t $("$TORCH_PY" "$ANCHORS/torch_mlp.py" "$t" | imgs)" >> "$LOG"
    for m in cnn mlp; do
      echo "dl2pa $m $t $(RAYON_NUM_THREADS=$t "$OURS" "$m" | imgs)" >> "$LOG"
      if [ -n "${BEFORE:-}" ]; then
        echo "before $m $t $(RAYON_NUM_THREADS=$t "$BEFORE" "$m" | imgs)" >> "$LOG"
      fi
    done
  done
done
median() { grep "^$1 $2 $3 " "$LOG" | cut -d' ' -f4 | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
{
  echo "Made by \`bash docs/results/cpu-throughput.sh\` — $STAMP; median of $ROUNDS interleaved rounds,"
  echo "img/s at batch 128 (forward + backward + SGD step); PyTorch $("$TORCH_PY" -c 'import torch; print(torch.__version__)')."
  echo
  if [ -n "${BEFORE:-}" ]; then
    echo "before: ${BEFORE_NAME:-$BEFORE}."
    echo
    echo "| model | threads | dl2pa | before | PyTorch | dl2pa / PyTorch |"
    echo "|---|---|---|---|---|---|"
  else
    echo "| model | threads | dl2pa | PyTorch | dl2pa / PyTorch |"
    echo "|---|---|---|---|---|"
  fi
  for m in mlp cnn; do
    for t in 1 2; do
      ours=$(median dl2pa "$m" "$t"); torch=$(median torch "$m" "$t")
      ratio=$(awk -v a="$ours" -v b="$torch" 'BEGIN {printf "%.2f", a / b}')
      if [ -n "${BEFORE:-}" ]; then
        echo "| $m | $t | $ours | $(median before "$m" "$t") | $torch | $ratio |"
      else
        echo "| $m | $t | $ours | $torch | $ratio |"
      fi
    done
  done
  echo
  echo "Every round (name, model, threads, img/s), in the order run:"
  echo
  echo '```text'
  cat "$LOG"
  echo '```'
} > docs/results/cpu-throughput.md
rm -f "$LOG"
cat docs/results/cpu-throughput.md
