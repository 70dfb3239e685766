"""PyTorch anchor for `cargo run --release -p dl2pa --example throughput -- resnet32`:
the same ResNet-32 (CIFAR, 16/32/64 channels, 5 basic blocks per stage, 1x1 conv + BN
projection shortcuts) -> Linear(64) -> BatchNorm1d -> L2-normalise, loss 1 - cos to random unit
targets, plain SGD lr 0.01, batch 128 of random 3x32x32 inputs. Eager mode, fp32; `--bf16` runs
forward and loss under torch.autocast(bfloat16) (AMP: f32 weights, bf16 convolutions/matmuls).

usage: python3 torch_resnet32.py [cuda|cpu] [steps] [--no-tf32] [--bf16]
"""
import sys, time
import torch, torch.nn as nn, torch.nn.functional as F

dev = sys.argv[1] if len(sys.argv) > 1 else "cuda"
steps = int(sys.argv[2]) if len(sys.argv) > 2 else 30
if "--no-tf32" in sys.argv:
    torch.backends.cudnn.allow_tf32 = False
    torch.backends.cuda.matmul.allow_tf32 = False

class Block(nn.Module):
    def __init__(s, i, o, stride):
        super().__init__()
        s.a = nn.Sequential(nn.Conv2d(i, o, 3, stride, 1, bias=False), nn.BatchNorm2d(o), nn.ReLU())
        s.b = nn.Sequential(nn.Conv2d(o, o, 3, 1, 1, bias=False), nn.BatchNorm2d(o))
        s.sc = nn.Sequential(nn.Conv2d(i, o, 1, stride, bias=False), nn.BatchNorm2d(o)) if stride != 1 or i != o else nn.Identity()
    def forward(s, x):
        return F.relu(s.b(s.a(x)) + s.sc(x))

def resnet32(d=64):
    layers = [nn.Conv2d(3, 16, 3, 1, 1, bias=False), nn.BatchNorm2d(16), nn.ReLU()]
    cin = 16
    for stage, cout in enumerate([16, 32, 64]):
        for b in range(5):
            layers.append(Block(cin, cout, 2 if stage > 0 and b == 0 else 1)); cin = cout
    layers += [nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(64, d), nn.BatchNorm1d(d)]
    return nn.Sequential(*layers)

torch.manual_seed(0)
m = resnet32().to(dev)
opt = torch.optim.SGD(m.parameters(), lr=0.01)
warm = max(steps // 6, 2)
for i in range(warm + steps):
    if i == warm:
        if dev == "cuda": torch.cuda.synchronize()
        t0 = time.time()
    x = torch.randn(128, 3, 32, 32, device=dev)
    t = F.normalize(torch.randn(128, 64, device=dev), dim=1)
    with torch.autocast(dev, dtype=torch.bfloat16, enabled="--bf16" in sys.argv):
        z = F.normalize(m(x), dim=1)
        loss = (1 - (z * t).sum(1)).mean()
    opt.zero_grad(); loss.backward(); opt.step()
if dev == "cuda": torch.cuda.synchronize()
ms = (time.time() - t0) * 1000 / steps
name = torch.cuda.get_device_name() if dev == "cuda" else "cpu"
tf32 = "off" if "--no-tf32" in sys.argv else "default"
amp = ", bf16 autocast" if "--bf16" in sys.argv else ""
print(f"torch {torch.__version__} resnet32 batch=128 on {name} (tf32 {tf32}{amp}): {ms:.2f} ms/step, {128000 / ms:.0f} img/s")
