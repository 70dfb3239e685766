#!/usr/bin/env bash
# Regenerates capi/include/dl2pa.h from the Rust source with cbindgen; `--check` only compares
# and fails when the committed header is out of date (CI).
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v cbindgen >/dev/null; then
  echo "cbindgen not found: cargo install cbindgen --locked" >&2; exit 1
fi
if [ "${1:-}" = --check ]; then
  new="$(mktemp)"; trap 'rm -f "$new"' EXIT
  cbindgen --quiet --config cbindgen.toml --crate dl2pa-capi --output "$new"
  if ! diff -u include/dl2pa.h "$new"; then
    echo "capi/include/dl2pa.h is out of date: run bash capi/c/header.sh" >&2; exit 1
  fi
  echo "capi/include/dl2pa.h is up to date"
else
  cbindgen --quiet --config cbindgen.toml --crate dl2pa-capi --output include/dl2pa.h
fi
