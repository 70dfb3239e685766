#!/usr/bin/env bash
# Builds the C API's static library and runs both C programs against the Rust core; each prints
# its count of differences ("... 0 differ") and the script fails on any.
#
#  1. Host: libdl2pa.a for this machine; the Rust core's answers on the golden files
#     (examples/reference.rs); c/host_test.c built with cc: classes, scores, embeddings, sigma,
#     assignments, and the documented status of every misuse in c/host_errors.c.
#  2. Cortex-M4F: libdl2pa.a for thumbv7em-none-eabihf; c/firmware/{demo,cnn_only}.c built with
#     arm-none-eabi-gcc and newlib, run under QEMU (mps2-an386) on the Rust firmware demo's
#     inputs; flash and RAM of cnn_only beside firmware-demo's `cnn_only` (goal: within 1 KiB).
#
# Needs: cc; Debian's gcc-arm-none-eabi, libnewlib-arm-none-eabi, qemu-system-arm; the Rust
# target thumbv7em-none-eabihf. Usage: bash capi/c/run.sh
set -euo pipefail
capi="$(cd "$(dirname "$0")/.." && pwd)"
root="$(cd "$capi/.." && pwd)"
target_dir="${CAPI_TARGET_DIR:-$HOME/.cache/dl2pa-capi-target}"
firmware_target_dir="${FIRMWARE_TARGET_DIR:-$HOME/.cache/dl2pa-firmware-target}"
out="${CAPI_OUT:-$(mktemp -d)}"
[ -n "${CAPI_OUT:-}" ] || trap 'rm -rf "$out"' EXIT
cargo_capi() { cargo "$1" --manifest-path "$capi/Cargo.toml" --target-dir "$target_dir" "${@:2}"; }

echo "== host: libdl2pa.a and the C test"
cargo_capi rustc --release --quiet --lib --crate-type staticlib
cargo_capi run --release --quiet --features std --example reference -- "$out"
cc -std=c99 -O2 -Wall -Wextra -Werror -I"$capi/include" "$capi/c/host_test.c" \
  "$target_dir/release/libdl2pa.a" -lm -o "$out/host_test"
"$out/host_test" "$out/reference.txt"
# The README's "Use it from C" example must still compile against the header.
awk '/^```c$/ {f = 1; next} /^```$/ {f = 0} f' "$root/README.md" > "$out/readme.c"
cc -std=c99 -Wall -Wextra -Werror -I"$capi/include" -c "$out/readme.c" -o "$out/readme.o"
echo "README's C example: compiles"

echo "== Cortex-M4F: libdl2pa.a, the C demo under QEMU"
cargo_capi rustc --release --quiet --lib --crate-type staticlib --target thumbv7em-none-eabihf
lib="$target_dir/thumbv7em-none-eabihf/release/libdl2pa.a"
mkdir -p "$out/data"
cp "$root"/tests/golden/{model.dl2p,mlp.dl2p,raw.bin,cnn.dl2p,raw-cnn.bin,assign.bin} \
  "$root"/firmware-demo/data/{fm-cnn.dl2p,fm-vectors.bin} "$out/embeddings.bin" "$out/data/"
fw="$capi/c/firmware"
cflags=(-mcpu=cortex-m4 -mthumb -mfloat-abi=hard -mfpu=fpv4-sp-d16 -Os -std=c99 -Wall -Wextra
  -Werror -ffunction-sections -fdata-sections -I"$capi/include" -I"$fw")
# -z noexecstack: a bare-metal program has no stack permissions to mark (silences ld 2.40).
ldflags=(-nostartfiles --specs=nano.specs -T"$fw/link.ld" -Wl,--gc-sections -Wl,-z,noexecstack)
common=("$fw/startup.c" "$fw/vectors.c" "$fw/data.S" -Wa,-I"$out/data")
arm-none-eabi-gcc "${cflags[@]}" "${common[@]}" "$fw/demo.c" "$lib" "${ldflags[@]}" -o "$out/demo.elf"
arm-none-eabi-gcc "${cflags[@]}" "${common[@]}" "$fw/cnn_only.c" "$lib" "${ldflags[@]}" -o "$out/cnn_only.elf"
qemu() {
  timeout 120 qemu-system-arm -cpu cortex-m4 -machine mps2-an386 -nographic \
    -semihosting-config enable=on,target=native -icount shift=0 -kernel "$1" 2>&1
}
qemu "$out/demo.elf"
if qemu "$out/cnn_only.elf"; then
  echo "C cnn_only: 0 differ from the host"
else
  echo "C cnn_only: classes differ from the host (or it faulted)"; exit 1
fi

echo "== flash and RAM: C cnn_only beside firmware-demo's cnn_only"
(cd "$root/firmware-demo" && cargo build --release --quiet --bin cnn_only --target-dir "$firmware_target_dir")
rust_elf="$firmware_target_dir/thumbv7em-none-eabihf/release/cnn_only"
images=$(stat -c %s "$root/firmware-demo/data/fm-vectors.bin")
# Flash: what is loaded at 0 (vectors, code, constants, the initial .data) less the test images;
# RAM: .data, .bss and .uninit (the stack comes on top).
sizes() {
  arm-none-eabi-size -A "$1" | awk -v images="$images" '
    $1 ~ /^\.(vector_table|vectors|text|rodata|ARM\.exidx|gnu\.sgstubs|data)$/ { flash += $2 }
    $1 ~ /^\.(data|bss|uninit)$/ { ram += $2 }
    $1 == ".text" { text = $2 }
    END { printf "%d %d %d\n", flash - images, ram, text }'
}
read -r c_flash c_ram c_text < <(sizes "$out/cnn_only.elf")
read -r r_flash r_ram r_text < <(sizes "$rust_elf")
printf '%-32s %10s %10s %10s\n' program "flash (B)" "RAM (B)" ".text (B)"
printf '%-32s %10d %10d %10d\n' "C cnn_only (libdl2pa.a)" "$c_flash" "$c_ram" "$c_text"
printf '%-32s %10d %10d %10d\n' "Rust cnn_only (firmware-demo)" "$r_flash" "$r_ram" "$r_text"
echo "flash: C - Rust = $((c_flash - r_flash)) B (goal: at most 1024)"
if [ $((c_flash - r_flash)) -gt 1024 ]; then echo "the C demo's flash is over the goal"; exit 1; fi
