//! Networks: a backbone ending in a `d`-dimensional linear layer, then the DL2PA head
//! (optional BatchNorm1d; the caller L2-normalises) and, for the softmax baselines, a learned
//! classifier: linear (`psc`) or unit class vectors scored by cosine (`cosine-softmax`).

/// A `[R, C]` tensor as host values.
///
/// # Errors
/// [`Error::Numerical`] if it cannot be read.
pub fn read_rows(t: Tensor<2>) -> Result<Vec<f32>> {
    t.try_into_vec_as::<f32>()
        .map_err(|e| Error::Numerical(format!("reading a tensor: {e:?}")))
}

mod cnn;
mod mlp;
mod plain;
mod resnet;
mod seeded;

use burn::nn::{BatchNorm, BatchNormConfig, Linear, LinearConfig};
use burn::prelude::*;
use serde::{Deserialize, Serialize};

pub use cnn::Cnn;
pub use mlp::Mlp;
pub use plain::{ConvF32, DenseF32, PlainLayer};
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

/// The trained network: backbone, head and (for the softmax baselines) classifier. (The
/// deployed model is the core's `dl2pa_core::format::Model`, written by `export`.)
#[derive(Module, Debug)]
pub struct Network {
    backbone: Backbone,
    bn: Option<BatchNorm>,
    classifier: Option<Linear>,
    /// Whether the classifier's columns are class vectors scored by cosine (no bias). Not a
    /// parameter: it comes from the run's config, so checkpoints are the same as before it.
    #[module(skip)]
    cosine: bool,
}

/// What to build.
#[derive(Clone, Debug)]
pub struct NetworkSpec {
    /// Backbone.
    pub backbone: BackboneKind,
    /// Hidden widths of the MLP.
    pub widths: Vec<usize>,
    /// Embedding dimension.
    pub dim: usize,
    /// BatchNorm1d on the embedding.
    pub head_bn: bool,
    /// Classes, when a learned classifier follows (`psc`, `cosine-softmax`).
    pub classifier: Option<usize>,
    /// The classifier scores by cosine to unit class vectors, without bias (`cosine-softmax`).
    pub cosine: bool,
}

impl Network {
    /// Builds a freshly initialised model for inputs of `shape`.
    pub fn new(spec: &NetworkSpec, shape: Shape, device: &Device) -> Result<Self> {
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
        Ok(Network {
            backbone,
            bn: spec
                .head_bn
                .then(|| BatchNormConfig::new(spec.dim).init(device)),
            classifier: spec.classifier.map(|k| {
                LinearConfig::new(spec.dim, k)
                    .with_bias(!spec.cosine)
                    .init(device)
            }),
            cosine: spec.cosine,
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

    /// Class scores `[N, K]` of the learned classifier from embeddings `z` `[N, d]`: the linear
    /// layer's logits (`psc`), or the cosines to the unit class vectors (`cosine-softmax`,
    /// unscaled). `None` for prototype methods.
    pub fn logits(&self, z: Tensor<2>) -> Option<Tensor<2>> {
        match (&self.classifier, self.cosine) {
            (Some(c), false) => Some(c.forward(z)),
            (Some(_), true) => self
                .class_vectors()
                .map(|v| l2_normalize(z).matmul(v.transpose())),
            (None, _) => None,
        }
    }

    /// The unit class vectors `[K, d]` of a `cosine-softmax` classifier (the normalised
    /// columns of its weight); `None` for other networks.
    pub fn class_vectors(&self) -> Option<Tensor<2>> {
        let c = self.classifier.as_ref().filter(|_| self.cosine)?;
        Some(l2_normalize(c.weight.val().transpose()))
    }

    /// Whether the embedding is classified by the nearest unit vector — prototypes or learned
    /// class vectors — rather than by a linear layer (`psc`).
    pub fn classifies_by_vectors(&self) -> bool {
        self.classifier.is_none() || self.cosine
    }
}

/// L2-normalises rows `[N, d]`: `z / max(|z|, 10⁻⁸)`. The floor is applied to `|z|²` before the
/// square root, so a zero row stays zero with a zero gradient (the root's derivative at 0 would
/// make it NaN); rows with `|z| ≥ 10⁻⁸` get exactly `z / |z|`.
pub fn l2_normalize(z: Tensor<2>) -> Tensor<2> {
    let n = z.clone().square().sum_dim(1).clamp_min(1e-16).sqrt();
    z / n
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A zero embedding (a dead ReLU layer, a constant BatchNorm output) normalises to zero with
    /// a zero gradient instead of NaN; other rows get `z / |z|`.
    #[test]
    fn a_zero_row_has_a_finite_gradient() {
        let device = Device::flex().autodiff();
        let z = Tensor::<2>::from_data(
            TensorData::new(vec![0.0f32, 0.0, 3.0, 4.0], [2, 2]),
            &device,
        )
        .require_grad();
        let n = l2_normalize(z.clone());
        let values = n.clone().try_into_vec_as::<f32>().unwrap();
        assert_eq!(values, [0.0, 0.0, 0.6, 0.8]);
        let grads = n.sum().backward();
        let g = z.grad(&grads).unwrap().try_into_vec_as::<f32>().unwrap();
        assert!(g.iter().all(|v| v.is_finite()), "{g:?}");
    }
}
