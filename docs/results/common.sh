# Sourced by the docs/results scripts: makes the repository root the working directory and sets
# BIN, the dl2pa build that makes the tables (a release build of this tree unless BIN names one),
# and STAMP, what every results file starts with: BIN's version and commit, the date and CPU.
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/dl2pa-target}"
if [ -z "${BIN:-}" ]; then
  cargo build --release -p dl2pa >/dev/null 2>&1
  BIN="$CARGO_TARGET_DIR/release/dl2pa"
  # Two checkouts sharing a target dir can leave a build with the other's commit (host/build.rs).
  HEAD_COMMIT="$(git rev-parse --short=7 HEAD 2>/dev/null || echo unknown)"
  case "$("$BIN" --version)" in
    *"(commit $HEAD_COMMIT)") ;;
    *) echo "$BIN says \"$("$BIN" --version)\", not commit $HEAD_COMMIT (HEAD); rebuild it:" \
         "cargo clean --release -p dl2pa" >&2; exit 1 ;;
  esac
fi
# The build names its own version and commit (host/build.rs), so a table made by an older BIN
# names the code that made it, not the checkout the script ran in.
BUILD="$("$BIN" --version)"
case "$BUILD" in *"(commit "*) ;; *) BUILD="$BUILD (a build that does not name its commit)" ;; esac
CPU="$(lscpu | sed -n 's/^Model name: *//p' | head -1)"
STAMP="$BUILD, $(date -u +%Y-%m-%d) (UTC), $CPU"

# train_run RUN ARGS...: `dl2pa --device cpu train ARGS... -o RUN`, unless RUN has finished (then
# its results are read back) or was interrupted (then it resumes from its checkpoint).
train_run() {
  local run="$1"; shift
  if [ -f "$run/metrics.json" ] && grep -q '"final": {' "$run/metrics.json"; then return; fi
  if [ -f "$run/state.json" ]; then "$BIN" --device cpu train --resume "$run" > /dev/null
  else "$BIN" --device cpu train "$@" -o "$run" > /dev/null; fi
}

# in_pool CMD ARGS...: runs CMD in the background once fewer than JOBS (default 1) of the pool's
# commands run; with JOBS > 1 each gets one rayon thread (the same bits: docs/determinism.md, "Determinism").
# pool_wait: waits for all of them. A failed command fails the script (set -e) at either call.
in_pool() {
  while [ "$(jobs -rp | wc -l)" -ge "${JOBS:-1}" ]; do wait -n; done
  if [ "${JOBS:-1}" -gt 1 ]; then (export RAYON_NUM_THREADS=1; "$@") & else "$@"; fi
}
pool_wait() { while [ -n "$(jobs -p)" ]; do wait -n; done; }
