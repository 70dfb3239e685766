//! A small CNN: `conv32 → pool → conv64 → pool → conv128 → global average pool → Linear(d)`,
//! each conv 3×3 with BatchNorm and ReLU (the reference's "early" layout, ~7 MMAC per 28×28 image).

use burn::nn::conv::{Conv2d, Conv2dConfig};
use burn::nn::pool::{AdaptiveAvgPool2d, AdaptiveAvgPool2dConfig};
use burn::nn::{BatchNorm, BatchNormConfig, Linear, LinearConfig, PaddingConfig2d};
use burn::prelude::*;
use burn::tensor::activation::relu;

use crate::kernels::{batch_norm, conv2d, max_pool_2x2};

/// Conv 3×3 (no bias) → BatchNorm → ReLU.
#[derive(Module, Debug)]
pub struct ConvBnRelu {
    pub(crate) conv: Conv2d,
    pub(crate) bn: BatchNorm,
}

impl ConvBnRelu {
    /// A block from `cin` to `cout` channels with the given stride.
    pub fn new(cin: usize, cout: usize, stride: usize, device: &Device) -> Self {
        ConvBnRelu {
            conv: Conv2dConfig::new([cin, cout], [3, 3])
                .with_stride([stride, stride])
                .with_padding(PaddingConfig2d::Explicit(1, 1, 1, 1))
                .with_bias(false)
                .init(device),
            bn: BatchNormConfig::new(cout).init(device),
        }
    }

    /// Conv → BN, without the ReLU (for residual blocks).
    pub fn forward_linear(&self, x: Tensor<4>) -> Tensor<4> {
        batch_norm(&self.bn, conv2d(&self.conv, x))
    }

    /// Conv → BN → ReLU.
    pub fn forward(&self, x: Tensor<4>) -> Tensor<4> {
        relu(self.forward_linear(x))
    }
}

/// The CNN backbone.
#[derive(Module, Debug)]
pub struct Cnn {
    pub(crate) c1: ConvBnRelu,
    pub(crate) c2: ConvBnRelu,
    pub(crate) c3: ConvBnRelu,
    gap: AdaptiveAvgPool2d,
    pub(crate) out: Linear,
}

impl Cnn {
    /// From `channels` input channels to `dim`.
    pub fn new(channels: usize, dim: usize, device: &Device) -> Self {
        Cnn {
            c1: ConvBnRelu::new(channels, 32, 1, device),
            c2: ConvBnRelu::new(32, 64, 1, device),
            c3: ConvBnRelu::new(64, 128, 1, device),
            gap: AdaptiveAvgPool2dConfig::new([1, 1]).init(),
            out: LinearConfig::new(128, dim).init(device),
        }
    }

    /// `[N, C, H, W]` → `[N, d]`.
    pub fn forward(&self, x: Tensor<4>) -> Tensor<2> {
        let h = max_pool_2x2(self.c1.forward(x));
        let h = max_pool_2x2(self.c2.forward(h));
        let h = self.gap.forward(self.c3.forward(h));
        self.out.forward(h.flatten(1, 3))
    }
}
