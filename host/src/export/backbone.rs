//! The trained backbone as plain f32 layers and its int8 form, for either kind the model format
//! carries: the one place that dispatches between the MLP ([`super::mlp`], flag bit 1) and
//! the layer list of a CNN ([`super::cnn`], flag bit 2).

use dl2pa_core::format::ModelBuilder;
use dl2pa_core::net::{LayerI8, NetI8};

use super::cnn::{self, ConvNet};
use super::cnn_simulate;
use super::mlp::{self, DenseNet, QuantizedNet};
use crate::data::Shape;
use crate::error::Result;
use crate::model::Network;
use crate::run::Calibration;

/// A folded f32 backbone that reads raw inputs.
#[derive(Clone, Debug)]
pub enum FloatBackbone {
    /// Dense layers, the standardisation folded into the first.
    Mlp(DenseNet),
    /// Convolutions, pooling, dense; the standardisation applied first.
    Cnn(ConvNet),
}

/// The int8 form of a [`FloatBackbone`].
#[derive(Clone, Debug)]
pub enum IntBackbone {
    /// See [`QuantizedNet`].
    Mlp(QuantizedNet),
    /// See [`NetI8`].
    Cnn(NetI8),
}

impl FloatBackbone {
    /// The backbone of `network` for inputs of `shape` standardised with `stats`; `None` for a
    /// ResNet (residual adds are not in the layer list) and for `psc` models.
    ///
    /// # Errors
    /// As [`Network::dense_layers`], [`Network::conv_layers`], [`DenseNet::with_raw_input`].
    pub fn of(network: &Network, shape: Shape, stats: &[(f64, f64)]) -> Result<Option<Self>> {
        if let Some(layers) = network.dense_layers()? {
            return Ok(Some(Self::Mlp(DenseNet::with_raw_input(
                layers, shape, stats,
            )?)));
        }
        Ok(match network.conv_layers()? {
            Some(layers) => Some(Self::Cnn(ConvNet::new(layers, shape, stats)?)),
            None => None,
        })
    }

    /// The activation ranges on raw inputs `calib` (see [`mlp::calibrate`],
    /// [`cnn::calibrate`]).
    pub fn calibrate(&self, calib: &[f32], epoch: usize) -> Calibration {
        match self {
            Self::Mlp(n) => mlp::calibrate(n, calib, epoch),
            Self::Cnn(n) => cnn::calibrate(n, calib, epoch),
        }
    }

    /// The embedding of raw input `x`, in f64.
    pub fn embed(&self, x: &[f32]) -> Vec<f64> {
        match self {
            Self::Mlp(n) => n.embed(x),
            Self::Cnn(n) => n.embed(x),
        }
    }

    /// The int8 backbone with the ranges of [`FloatBackbone::calibrate`].
    ///
    /// # Errors
    /// As [`mlp::quantize_net`], [`cnn::quantize`].
    pub fn quantize(&self, ranges: &Calibration) -> Result<IntBackbone> {
        Ok(match self {
            Self::Mlp(n) => IntBackbone::Mlp(mlp::quantize_net(n, ranges)?),
            Self::Cnn(n) => IntBackbone::Cnn(cnn::quantize(n, ranges)?),
        })
    }
}

impl IntBackbone {
    /// The int8 embedding of raw `x` by the host's own integer arithmetic.
    pub fn simulate(&self, x: &[f32]) -> Vec<i8> {
        match self {
            Self::Mlp(n) => mlp::simulate(n, x),
            Self::Cnn(n) => cnn_simulate::simulate(n, x),
        }
    }

    /// Adds the backbone to a model.
    pub fn add_to(&self, builder: ModelBuilder) -> ModelBuilder {
        match self {
            Self::Mlp(n) => builder.backbone(n.input_step, n.layers.clone()),
            Self::Cnn(n) => builder.net(n.clone()),
        }
    }

    /// `"mlp"` or `"cnn"`, and one line per layer (`"784->128"`, `"conv3x3/1 1->32"`,
    /// `"maxpool2x2"`, `"gap"`).
    pub fn describe(&self) -> (&'static str, Vec<String>) {
        match self {
            Self::Mlp(n) => (
                "mlp",
                n.layers
                    .iter()
                    .map(|l| format!("{}->{}", l.inputs, l.outputs))
                    .collect(),
            ),
            Self::Cnn(n) => (
                "cnn",
                n.layers
                    .iter()
                    .map(|l| match l {
                        LayerI8::Dense(d) => format!("{}->{}", d.inputs, d.outputs),
                        LayerI8::Conv(c) => format!(
                            "conv{k}x{k}/{} {}->{}",
                            c.stride,
                            c.inputs,
                            c.outputs,
                            k = c.kernel
                        ),
                        LayerI8::MaxPool => "maxpool2x2".into(),
                        LayerI8::GlobalAvgPool => "gap".into(),
                    })
                    .collect(),
            ),
        }
    }
}
