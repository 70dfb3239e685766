//! ResNet-32 for 32×32 inputs (He et al. 2016, §4.2): a 3×3 conv with 16 channels, three stages
//! of five basic blocks with 16, 32 and 64 channels (stride 2 at the start of stages 2 and 3),
//! global average pooling, then `Linear(d)`. Shortcuts that change shape are 1×1 conv + BN
//! (option B), a common variant of the original zero-padding shortcut.

use burn::nn::conv::{Conv2d, Conv2dConfig};
use burn::nn::pool::{AdaptiveAvgPool2d, AdaptiveAvgPool2dConfig};
use burn::nn::{BatchNorm, BatchNormConfig, Linear, LinearConfig};
use burn::prelude::*;
use burn::tensor::activation::relu;

use super::cnn::ConvBnRelu;
use crate::kernels::{batch_norm, conv2d};

/// 1×1 conv + BN projection for shortcuts that change shape.
#[derive(Module, Debug)]
pub struct Projection {
    conv: Conv2d,
    bn: BatchNorm,
}

/// Two 3×3 convs with a shortcut.
#[derive(Module, Debug)]
pub struct BasicBlock {
    a: ConvBnRelu,
    b: ConvBnRelu,
    shortcut: Option<Projection>,
}

impl BasicBlock {
    fn new(cin: usize, cout: usize, stride: usize, device: &Device) -> Self {
        let shortcut = (stride != 1 || cin != cout).then(|| Projection {
            conv: Conv2dConfig::new([cin, cout], [1, 1])
                .with_stride([stride, stride])
                .with_bias(false)
                .init(device),
            bn: BatchNormConfig::new(cout).init(device),
        });
        BasicBlock {
            a: ConvBnRelu::new(cin, cout, stride, device),
            b: ConvBnRelu::new(cout, cout, 1, device),
            shortcut,
        }
    }

    fn forward(&self, x: Tensor<4>) -> Tensor<4> {
        let h = self.b.forward_linear(self.a.forward(x.clone()));
        let s = match &self.shortcut {
            Some(p) => batch_norm(&p.bn, conv2d(&p.conv, x)),
            None => x,
        };
        relu(h + s)
    }
}

/// The ResNet-32 backbone.
#[derive(Module, Debug)]
pub struct ResNet {
    stem: ConvBnRelu,
    blocks: Vec<BasicBlock>,
    gap: AdaptiveAvgPool2d,
    out: Linear,
}

impl ResNet {
    /// ResNet-(6n+2) with `n` blocks per stage: `n = 5` is ResNet-32.
    pub fn new(channels: usize, n: usize, dim: usize, device: &Device) -> Self {
        let mut blocks = Vec::new();
        let mut cin = 16;
        for (stage, cout) in [16, 32, 64].into_iter().enumerate() {
            for b in 0..n {
                let stride = if stage > 0 && b == 0 { 2 } else { 1 };
                blocks.push(BasicBlock::new(cin, cout, stride, device));
                cin = cout;
            }
        }
        ResNet {
            stem: ConvBnRelu::new(channels, 16, 1, device),
            blocks,
            gap: AdaptiveAvgPool2dConfig::new([1, 1]).init(),
            out: LinearConfig::new(64, dim).init(device),
        }
    }

    /// `[N, C, H, W]` → `[N, d]`.
    pub fn forward(&self, x: Tensor<4>) -> Tensor<2> {
        let mut h = self.stem.forward(x);
        for b in &self.blocks {
            h = b.forward(h);
        }
        self.out.forward(self.gap.forward(h).flatten(1, 3))
    }
}
