#!/usr/bin/env bash
# Builds what bench/gpu/run.sh needs into gpu-bundle/ (ignored; carried to the GPU machine):
# dl2pa and the throughput example for each GPU feature set (wgpu = WGSL, vulkan = SPIR-V),
# gzipped to fit the transfer limit, and Debian's Vulkan loader for machines without one.
#   bash bench/gpu/bundle.sh        (release builds: ~20 min per feature set from cold)
set -euo pipefail
cd "$(dirname "$0")/../.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/dl2pa-target-wgpu}"
rm -rf gpu-bundle && mkdir -p gpu-bundle/lib
for f in wgpu vulkan; do
  cargo build --release -p dl2pa --features "$f" --bin dl2pa --example throughput
  gzip -9 -c "$CARGO_TARGET_DIR/release/dl2pa" > "gpu-bundle/dl2pa-$f.gz"
  gzip -9 -c "$CARGO_TARGET_DIR/release/examples/throughput" > "gpu-bundle/throughput-$f.gz"
done
cp -L "$(ldconfig -p | grep -o '/[^ ]*libvulkan.so.1$' | head -n 1)" gpu-bundle/lib/
du -sh gpu-bundle/*
