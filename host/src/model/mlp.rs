//! Multi-layer perceptron: `Linear → ReLU` per hidden width, then `Linear(d)`.

use burn::nn::{Linear, LinearConfig};
use burn::prelude::*;
use burn::tensor::activation::relu;

/// The MLP backbone.
#[derive(Module, Debug)]
pub struct Mlp {
    hidden: Vec<Linear>,
    out: Linear,
}

impl Mlp {
    /// `inputs → widths… → dim`.
    pub fn new(inputs: usize, widths: &[usize], dim: usize, device: &Device) -> Self {
        let mut hidden = Vec::new();
        let mut prev = inputs;
        for &w in widths {
            hidden.push(LinearConfig::new(prev, w).init(device));
            prev = w;
        }
        Mlp {
            hidden,
            out: LinearConfig::new(prev, dim).init(device),
        }
    }

    /// The linear layers in order (hidden…, output).
    pub fn layers(&self) -> impl Iterator<Item = &Linear> {
        self.hidden.iter().chain(std::iter::once(&self.out))
    }

    /// `[N, C, H, W]` (flattened) → `[N, d]`.
    pub fn forward(&self, x: Tensor<4>) -> Tensor<2> {
        let mut h: Tensor<2> = x.flatten(1, 3);
        for l in &self.hidden {
            h = relu(l.forward(h));
        }
        self.out.forward(h)
    }
}
