#!/usr/bin/env bash
# One prepared run on a GPU machine (docs/gpu.md, "GPU"), ≤ 8 minutes. The machine has no network:
# it gets gpu-bundle/ (bench/gpu/bundle.sh: dl2pa and the throughput example built with
# --features wgpu and with --features vulkan, gzipped, and Debian's libvulkan.so.1); PyTorch is
# installed there. Measures ResNet-32, batch 128, d = 64 (K = 100 for the training runs):
#   0. whether the vulkan (SPIR-V) build runs at all (else 1 and 3 use the wgpu build);
#   1. the first epoch of `dl2pa train` (vulkan build) with a cold and then a warm kernel cache;
#   2. training-step img/s: vulkan (SPIR-V) f32, f16, bf16; wgpu (WGSL) f32;
#   3. f16 against f32 top-1 on a synthetic 100-class task (the same seed);
#   4. PyTorch eager on the same model: TF32 default, TF32 off, bf16 autocast.
#
#   bash bench/gpu/run.sh BUNDLE_DIR OUT_DIR
set -u
B=$(cd "${1:-gpu-bundle}" && pwd)
OUT=${2:-${OUT:-/tmp/gpu-out}}
STEPS=${STEPS:-30}
mkdir -p "$OUT"
exec > >(tee "$OUT/log.txt") 2>&1
BIN=/tmp/dl2pa-bundle; mkdir -p "$BIN"
for f in "$B"/*.gz; do gunzip -c "$f" > "$BIN/$(basename "$f" .gz)"; chmod +x "$BIN/$(basename "$f" .gz)"; done
HERE=$(cd "$(dirname "$0")" && pwd)

echo "== machine"
nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader 2>/dev/null || echo "no nvidia-smi"
echo "cpus: $(nproc)"
python3 -c "import torch; print('torch', torch.__version__, 'cuda', torch.cuda.is_available())"

echo "== vulkan"
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

echo "== CIFAR-100-format data (random pixels, 10 000 + 2 000 images)"
python3 - "$OUT/c100" <<'PY'
import os, sys, random
d = sys.argv[1]; os.makedirs(d, exist_ok=True); rng = random.Random(0)
for name, n in (("train.bin", 10000), ("test.bin", 2000)):
    with open(os.path.join(d, name), "wb") as f:
        for _ in range(n):
            fine = rng.randrange(100)
            f.write(bytes([fine // 5, fine]) + rng.randbytes(3072))
PY

echo "== 0. does the SPIR-V build run here?"
# CubeCL 0.11.3's SPIR-V matmul kernel fails Khronos validation (OpInBoundsAccessChain into a
# scalar Workgroup float) and crashes lavapipe; a driver may reject it too. If it does, sections
# 1 and 3 use the WGSL build instead, and section 2's SPIR-V lines fail on their own.
MAIN=dl2pa-vulkan
if ! DL2PA_CACHE_DIR="$OUT/cache-probe" timeout 45 "$BIN/throughput-vulkan" mlp --device wgpu --steps 3; then
  MAIN=dl2pa-wgpu; echo "the SPIR-V build failed: sections 1 and 3 use $MAIN"
fi

echo "== 1. first epoch, cold and warm kernel cache ($MAIN; epoch seconds from metrics.json)"
export DL2PA_CACHE_DIR="$OUT/cache-$MAIN"
for c in cold warm; do
  timeout 150 "$BIN/$MAIN" --device wgpu train --data "cifar100:$OUT/c100" --backbone resnet32 \
    --dim 64 --epochs 2 --eval-every 2 -o "$OUT/run-$c" > "$OUT/train-$c.log" 2>&1
  tail -n 3 "$OUT/train-$c.log"
  python3 -c "import json,sys; e=json.load(open(sys.argv[1]))['epochs']; print('$c cache: epoch 1', round(e[0]['train_seconds'],1), 's, epoch 2', round(e[1]['train_seconds'],1), 's,', round(e[1]['img_per_s']), 'img/s')" "$OUT/run-$c/metrics.json"
done
du -sh "$DL2PA_CACHE_DIR"

echo "== 2. dl2pa training step, ResNet-32, batch 128, d = 64"
timeout 60 "$BIN/throughput-vulkan" resnet32 --device wgpu --steps "$STEPS"
timeout 90 "$BIN/throughput-vulkan" resnet32 --device wgpu --steps "$STEPS" --precision f16
timeout 90 "$BIN/throughput-vulkan" resnet32 --device wgpu --steps "$STEPS" --precision bf16
DL2PA_CACHE_DIR="$OUT/cache-wgpu" timeout 120 "$BIN/throughput-wgpu" resnet32 --device wgpu --steps "$STEPS"

echo "== 3. f16 against f32 accuracy: MLP, synthetic K = 100 (5 000 test images), d = 10, 10 epochs"
for p in f32 f16; do
  timeout 60 "$BIN/$MAIN" --device wgpu train --data synthetic:classes=100,train=100,test=50 \
    --dim 10 --epochs 10 --precision "$p" -o "$OUT/synth-$p" 2>&1 | grep -E "on wgpu|top-1|throughput"
done

echo "== 4. PyTorch eager, the same model and step"
timeout 45 python3 "$HERE/torch_resnet32.py" cuda "$STEPS"
timeout 45 python3 "$HERE/torch_resnet32.py" cuda "$STEPS" --no-tf32
timeout 45 python3 "$HERE/torch_resnet32.py" cuda "$STEPS" --bf16
echo "== done"
