//! Networks: a backbone ending in a `d`-dimensional linear layer, then the DL2PA head
//! (optional BatchNorm1d; the caller L2-normalises) or, for the `psc` baseline, a linear
//! softmax classifier.

mod cnn;
mod mlp;
mod resnet;

use burn::nn::{BatchNorm, BatchNormConfig, Linear, LinearConfig};
use burn::prelude::*;
use serde::{Deserialize, Serialize};

pub use cnn::Cnn;
pub use mlp::Mlp;
pub use resnet::ResNet;

use crate::data::Shape;
use crate::error::{Error, Result};

/// Which backbone.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum BackboneKind {
    /// Multi-layer perceptron (`--widths`).
    Mlp,
    /// conv32-pool-conv64-pool-conv128-GAP (BN, ReLU).
    Cnn,
    /// The paper's CIFAR ResNet-32.
    Resnet32,
}

/// A backbone.
#[derive(Module, Debug)]
#[allow(clippy::large_enum_variant)]
pub enum Backbone {
    /// See [`Mlp`].
    Mlp(Mlp),
    /// See [`Cnn`].
    Cnn(Cnn),
    /// See [`ResNet`].
    ResNet(ResNet),
}

/// Backbone, head and (for `psc`) classifier.
#[derive(Module, Debug)]
pub struct Model {
    backbone: Backbone,
    bn: Option<BatchNorm>,
    classifier: Option<Linear>,
}

/// What to build.
#[derive(Clone, Debug)]
pub struct ModelSpec {
    /// Backbone.
    pub backbone: BackboneKind,
    /// Hidden widths of the MLP.
    pub widths: Vec<usize>,
    /// Embedding dimension.
    pub dim: usize,
    /// BatchNorm1d on the embedding.
    pub head_bn: bool,
    /// Classes, when a linear classifier follows (`psc`).
    pub classifier: Option<usize>,
}

impl Model {
    /// Builds a freshly initialised model for inputs of `shape`.
    pub fn new(spec: &ModelSpec, shape: Shape, device: &Device) -> Result<Self> {
        let backbone = match spec.backbone {
            BackboneKind::Mlp => {
                Backbone::Mlp(Mlp::new(shape.features(), &spec.widths, spec.dim, device))
            }
            BackboneKind::Cnn | BackboneKind::Resnet32 if !shape.is_image() => {
                return Err(Error::arg(
                    "--backbone",
                    format!("{:?}", spec.backbone).to_lowercase(),
                    "mlp for tabular data (convolutions need images)",
                ));
            }
            BackboneKind::Cnn => Backbone::Cnn(Cnn::new(shape.channels, spec.dim, device)),
            BackboneKind::Resnet32 => {
                Backbone::ResNet(ResNet::new(shape.channels, 5, spec.dim, device))
            }
        };
        Ok(Model {
            backbone,
            bn: spec
                .head_bn
                .then(|| BatchNormConfig::new(spec.dim).init(device)),
            classifier: spec
                .classifier
                .map(|k| LinearConfig::new(spec.dim, k).init(device)),
        })
    }

    /// The embedding `[N, d]` before normalisation.
    pub fn embed(&self, x: Tensor<4>) -> Tensor<2> {
        let z = match &self.backbone {
            Backbone::Mlp(m) => m.forward(x),
            Backbone::Cnn(m) => m.forward(x),
            Backbone::ResNet(m) => m.forward(x),
        };
        match &self.bn {
            Some(bn) => bn.forward(z),
            None => z,
        }
    }

    /// Class logits of the linear classifier (`psc` only).
    pub fn logits(&self, z: Tensor<2>) -> Option<Tensor<2>> {
        self.classifier.as_ref().map(|c| c.forward(z))
    }
}

/// L2-normalises rows (`eps` keeps a zero row finite).
pub fn l2_normalize(z: Tensor<2>) -> Tensor<2> {
    let n = z.clone().square().sum_dim(1).sqrt().clamp_min(1e-8);
    z / n
}
