#!/usr/bin/env bash
# One prepared run on a GPU machine (README, "GPU"). The machine has no network: it gets a bundle
# built here — `dl2pa` and the `throughput` example built with `--features wgpu`, the core's
# `lap_bench` example, and Debian's libvulkan.so.1 in lib/ — and PyTorch is installed there.
#
#   bash bench/gpu/run.sh BUNDLE_DIR OUT_DIR
set -u
B=$(cd "${1:-gpu-bundle}" && pwd)
OUT=${2:-${OUT:-/tmp/gpu-out}}
mkdir -p "$OUT"
exec > >(tee "$OUT/log.txt") 2>&1
# The bundle may carry gzipped binaries (to fit a transfer limit).
for f in "$B"/*.gz; do
  [ -e "$f" ] || continue
  bin="/tmp/dl2pa-bundle/$(basename "$f" .gz)"; mkdir -p /tmp/dl2pa-bundle
  gunzip -c "$f" > "$bin" && chmod +x "$bin"
done
[ -d /tmp/dl2pa-bundle ] && cp "$B/lap_bench" /tmp/dl2pa-bundle/ && mkdir -p /tmp/dl2pa-bundle/lib && cp "$B"/lib/* /tmp/dl2pa-bundle/lib/ && B=/tmp/dl2pa-bundle
HERE=$(cd "$(dirname "$0")" && pwd)

echo "== machine"
nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader
echo "cpus: $(nproc)"
python3 -c "import torch; print('torch', torch.__version__, 'cuda', torch.cuda.is_available())"

echo "== vulkan"
ls /usr/share/vulkan/icd.d /etc/vulkan/icd.d 2>&1 | head
if ! ldconfig -p | grep -q 'libvulkan.so.1'; then
  echo "no libvulkan.so.1 on the machine: using the bundled Debian loader"
  export LD_LIBRARY_PATH="$B/lib:${LD_LIBRARY_PATH:-}"
fi
# Headless NVIDIA containers: the registered ICD (libGLX_nvidia.so.0) returns no vkCreateInstance
# without a display; the same driver's libEGL_nvidia.so.0 does. Register that one.
egl=$(ldconfig -p | grep -o '/[^ ]*libEGL_nvidia.so.0' | head -n 1)
if [ -n "$egl" ]; then
  echo "registering the headless Vulkan ICD $egl"
  printf '{"file_format_version":"1.0.1","ICD":{"library_path":"%s","api_version":"1.3"}}\n' "$egl" > "$OUT/nvidia_egl_icd.json"
  export VK_ICD_FILENAMES="$OUT/nvidia_egl_icd.json"
fi

echo "== burn-wgpu: ResNet-32 training step, batch 128, d = 64"
timeout 170 "$B/throughput" resnet32 --device wgpu --steps 30
echo "== PyTorch eager: the same model and step"
timeout 70 python3 "$HERE/torch_resnet32.py" cuda 30
timeout 70 python3 "$HERE/torch_resnet32.py" cuda 30 --no-tf32

echo "== prototypes K = 10 000, d = 512 (annealed, 1 000 steps) on burn-wgpu"
timeout 120 "$B/dl2pa" prototypes -k 10000 -d 512 --method annealed --steps 1000 --device wgpu --json

echo "== assignment solver n = 10 000 (f32, one core of this machine)"
timeout 60 "$B/lap_bench" --random 10000 cos16 > /dev/null
timeout 60 "$B/lap_bench" --random 10000 uniform > /dev/null

echo "== dl2pa train on CIFAR-100-format data (random pixels, 10 000 + 2 000 images), ResNet-32, 2 epochs"
python3 - "$OUT/c100" <<'PY'
import os, sys, numpy as np
d = sys.argv[1]; os.makedirs(d, exist_ok=True); rng = np.random.default_rng(0)
for name, n in (("train.bin", 10000), ("test.bin", 2000)):
    rec = np.empty((n, 3074), np.uint8)
    fine = rng.integers(0, 100, n); rec[:, 0] = fine // 5; rec[:, 1] = fine
    rec[:, 2:] = rng.integers(0, 256, (n, 3072))
    rec.tofile(os.path.join(d, name))
PY
timeout 150 "$B/dl2pa" train --data "cifar100:$OUT/c100" --backbone resnet32 --dim 64 --epochs 2 --device wgpu -o "$OUT/run" --eval-every 2
echo "== done"
