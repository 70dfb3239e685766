//! burn's own ops for what the kernels of this room replace: what runs on other backends, in
//! inference, for shapes a kernel does not take, and everywhere in a build without the
//! `kernels` feature.

use burn::nn::BatchNorm;
use burn::nn::conv::Conv2d;
use burn::nn::pool::MaxPool2dConfig;
use burn::prelude::*;

/// `conv.forward(x)`.
pub fn conv2d(conv: &Conv2d, x: Tensor<4>) -> Tensor<4> {
    conv.forward(x)
}

/// `bn.forward(x)`.
pub fn batch_norm(bn: &BatchNorm, x: Tensor<4>) -> Tensor<4> {
    bn.forward(x)
}

/// burn's `MaxPool2d` with a 2×2 window and stride 2.
pub fn max_pool_2x2(x: Tensor<4>) -> Tensor<4> {
    MaxPool2dConfig::new([2, 2]).init().forward(x)
}
