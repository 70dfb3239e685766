#!/usr/bin/env bash
# The C API table of docs/deployment.md ("From C"): runs capi/c/run.sh (the C host test, the C
# firmware demo under QEMU, and the flash/RAM of the C `cnn_only` beside firmware-demo's) and
# writes docs/results/capi-size.md with the command, commit, date, CPU and compilers.
# About 1 min with warm caches. Usage: bash docs/results/capi-size.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
log="$(mktemp)"
trap 'rm -f "$log"' EXIT
bash capi/c/run.sh | tee "$log"
{
  echo "Made by \`bash docs/results/capi-size.sh\` — dl2pa-capi $(sed -n 's/^version = "\(.*\)"/\1/p' capi/Cargo.toml | head -1)" \
    "(commit $(git rev-parse --short=7 HEAD)), $(date -u +%Y-%m-%d) (UTC)," \
    "$(lscpu | sed -n 's/^Model name: *//p' | head -1); $(rustc --version | cut -d' ' -f1-2)," \
    "$(arm-none-eabi-gcc --version | head -1), $(cc --version | head -1)."
  echo
  echo '```'
  grep -E "differ|misuses|^program|cnn_only \(|flash: C" "$log"
  echo '```'
} > docs/results/capi-size.md
cat docs/results/capi-size.md
