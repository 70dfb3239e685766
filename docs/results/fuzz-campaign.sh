#!/usr/bin/env bash
# The fuzz campaign of docs/hardening.md ("Hardening"): every cargo-fuzz target for RUNS executions (default
# 10 million) from its corpus and seeds, JOBS targets at a time (default: the number of cores).
# Writes docs/results/fuzz-campaign.md with the command, the version, the date and the CPU and,
# per target, executions, seconds, coverage (edges, features), corpus size, crashes and the
# commit the target was built from. Needs
# nightly and cargo-fuzz (.ci/run installs both). A killed campaign resumes: each finished
# target's row is kept in ROWS_DIR (default ~/.cache/dl2pa-fuzz-campaign/RUNS) and not run again;
# FRESH=1 starts over.
# With TARGETs, runs only those; the table lists every target with a row.
# Usage: bash docs/results/fuzz-campaign.sh [RUNS] [TARGET...]
set -euo pipefail
cd "$(dirname "$0")/../../fuzz"
RUNS="${1:-10000000}"; shift || true
ARGS=("$@")
TARGETS=("$@"); [ "${#TARGETS[@]}" -gt 0 ] || mapfile -t TARGETS < <(cargo +nightly fuzz list)
JOBS="${JOBS:-$(nproc)}"
OUT=../docs/results/fuzz-campaign.md
export RUNS TD="${FUZZ_TARGET_DIR:-$HOME/.cache/dl2pa-fuzz-target}"
export ROWS="${ROWS_DIR:-$HOME/.cache/dl2pa-fuzz-campaign/$RUNS}"
[ "${FRESH:-0}" = 1 ] && rm -rf "$ROWS"
mkdir -p "$ROWS"
cargo +nightly fuzz build --target-dir "$TD" >/dev/null 2>&1

one() { # one target: its row into $ROWS/<target>
  local t=$1 log start secs runs cov ft corp crashes=0
  if [ -s "$ROWS/$t" ]; then echo "$t: done before, kept" >&2; return; fi
  # What the target is built from (cargo fuzz run builds it now): the commit, and whether the
  # fuzzed crates differ from it.
  local built
  built="$(git rev-parse --short HEAD)$(git diff --quiet HEAD -- ../core ../data ../capi ../fuzz || echo +changes)"
  mkdir -p "corpus/$t"
  local dirs=("corpus/$t"); [ -d "seeds/$t" ] && dirs+=("seeds/$t")
  # font_face without debug assertions, as CI runs it (.ci/run says why).
  local opt=() td="$TD"; if [ "$t" = font_face ]; then opt=(-O); td="$TD-O"; fi
  log="$(mktemp)"; start=$(date +%s)
  cargo +nightly fuzz run "${opt[@]}" "$t" "${dirs[@]}" --target-dir "$td" -- -runs="$RUNS" -timeout=10 \
    -print_final_stats=1 >"$log" 2>&1 || crashes=1
  secs=$(( $(date +%s) - start ))
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  cov=$(grep -oE 'cov: [0-9]+' "$log" | tail -1 | cut -d' ' -f2)
  ft=$(grep -oE 'ft: [0-9]+' "$log" | tail -1 | cut -d' ' -f2)
  corp=$(grep -oE 'corp: [0-9]+' "$log" | tail -1 | cut -d' ' -f2)
  echo "| $t | ${runs:-?} | $secs | $(( ${runs:-0} / (secs > 0 ? secs : 1) )) | ${cov:-?} | ${ft:-?} | ${corp:-?} | $crashes | $built |" > "$ROWS/$t.tmp"
  mv "$ROWS/$t.tmp" "$ROWS/$t"
  echo "$t: ${runs:-?} runs in $secs s, crashes $crashes" >&2
  if [ "$crashes" != 0 ]; then tail -n 40 "$log" >&2; fi
  rm -f "$log"
}
export -f one
printf '%s\n' "${TARGETS[@]}" | xargs -P "$JOBS" -I{} bash -c 'one "$@"' _ {}
{
  echo "# Fuzz campaign"
  echo
  echo "- command: \`JOBS=$JOBS bash docs/results/fuzz-campaign.sh $RUNS${ARGS:+ ${ARGS[*]}}\` ($JOBS targets at a time)"
  echo "- dl2pa $(grep -m1 '^version' ../Cargo.toml | cut -d'"' -f2), table written at commit $(git rev-parse --short HEAD), $(date -u +%Y-%m-%d), $(lscpu | sed -n 's/^Model name: *//p' | head -1) (family $(sed -n 's/^cpu family\s*: *//p' /proc/cpuinfo | head -1)), $(nproc) cores, $(cargo +nightly --version)"
  echo
  echo "| target | executions | seconds | exec/s | coverage (edges) | features | corpus | crashes | built from |"
  echo "|---|---|---|---|---|---|---|---|---|"
  # Every target with a row, also those run by an earlier invocation ("built from" tells).
  for t in $(cargo +nightly fuzz list); do if [ -s "$ROWS/$t" ]; then cat "$ROWS/$t"; fi; done
} > "$OUT"
cat "$OUT"
