#!/usr/bin/env bash
# Why the README's Fashion-MNIST figures differ on another x86-64 machine (issue: "figures that
# reproduce"): the same build, data and seeds, trained once with this machine's L1 data cache as
# the kernel reports it and once with the L1 reported as 32 KiB 8-way (a Zen 4 EPYC's; this
# machine's is 48 KiB 12-way). burn's CPU backend multiplies matrices with the `gemm` crate,
# which sizes its blocks from /sys/devices/system/cpu/*/cache, so the order of each f32 sum — and
# from there the training run — follows the cache geometry. Needs root (a mount namespace hides
# the real /sys files). Writes docs/results/cache-geometry.md.
# Usage: bash docs/results/cache-geometry.sh [EPOCHS]
set -euo pipefail
cd "$(dirname "$0")/../.."
EPOCHS="${1:-8}"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/dl2pa-target}"
cargo build --release -p dl2pa >/dev/null 2>&1
BIN="$CARGO_TARGET_DIR/release/dl2pa"
FAKE="$(mktemp -d)"; echo 32K > "$FAKE/size"; echo 8 > "$FAKE/ways"
WORK="$(mktemp -d)"
runs() { # $1 = label; prints "| label | method | s0 | s1 | s2 | mean |"
  for m in dl2pa fixed; do
    accs=()
    for s in 0 1 2; do
      accs+=("$("$BIN" train --device cpu --data fashion-mnist --dim 2 --epochs "$EPOCHS" --method "$m" --seed "$s" -o "$WORK/$1-$m-$s" 2>/dev/null | sed -n 's/^  test top-1 *\([0-9.]*\) %/\1/p')")
    done
    mean=$(python3 -c "import sys; v=list(map(float,sys.argv[1:])); print(f'{sum(v)/len(v):.2f}')" "${accs[@]}")
    echo "| $1 | $m | ${accs[0]} | ${accs[1]} | ${accs[2]} | $mean |"
  done
}
l1="$(cat /sys/devices/system/cpu/cpu0/cache/index0/size) $(cat /sys/devices/system/cpu/cpu0/cache/index0/ways_of_associativity)-way"
native="$(runs "this machine's L1 ($l1)")"
export -f runs; export BIN EPOCHS WORK
faked="$(unshare -m bash -c "for c in /sys/devices/system/cpu/cpu*/cache/index0; do mount --bind $FAKE/size \$c/size; mount --bind $FAKE/ways \$c/ways_of_associativity; done; runs 'L1 reported as 32K 8-way'")"
{
  echo "# Fashion-MNIST, d = 2, $EPOCHS epochs: the same build on two cache geometries"
  echo
  echo "- command: \`bash docs/results/cache-geometry.sh $EPOCHS\`"
  echo "- dl2pa $(grep -m1 '^version' Cargo.toml | cut -d'"' -f2), commit $(git rev-parse --short HEAD), $(date -u +%Y-%m-%d), $(lscpu | sed -n 's/^Model name: *//p' | head -1), $(nproc) cores"
  echo
  echo "| L1 data cache seen by gemm | method | seed 0 | seed 1 | seed 2 | mean |"
  echo "|---|---|---|---|---|---|"
  echo "$native"
  echo "$faked"
} > docs/results/cache-geometry.md
rm -rf "$WORK" "$FAKE"
cat docs/results/cache-geometry.md
