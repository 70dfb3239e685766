//! The trained network as plain f32 layers, for export: BatchNorm folded into the layer before
//! it (`γ (y − μ) / √(σ² + ε) + β` is a per-channel affine map), weights row-major by output.

use burn::nn::BatchNorm;
use burn::prelude::*;

use super::{Backbone, Network};
use crate::error::{Error, Result};

/// A dense layer in f32, `y = W x + b`, `W` row-major by output.
#[derive(Clone, Debug, PartialEq)]
pub struct DenseF32 {
    /// Inputs.
    pub inputs: usize,
    /// Outputs.
    pub outputs: usize,
    /// `outputs × inputs`.
    pub weights: Vec<f32>,
    /// `outputs`.
    pub bias: Vec<f32>,
}

/// A 2-D convolution in f32 with square kernel and symmetric zero padding; weights
/// `[out][ky][kx][in]` (channel-last, the core's order).
#[derive(Clone, Debug, PartialEq)]
pub struct ConvF32 {
    /// Kernel side.
    pub kernel: usize,
    /// Stride.
    pub stride: usize,
    /// Zero padding on each side.
    pub padding: usize,
    /// Input channels.
    pub inputs: usize,
    /// Output channels.
    pub outputs: usize,
    /// `outputs × kernel × kernel × inputs`.
    pub weights: Vec<f32>,
    /// `outputs`.
    pub bias: Vec<f32>,
}

/// One layer of a convolutional backbone. Every weighted layer but the last is followed by a
/// ReLU.
#[derive(Clone, Debug, PartialEq)]
pub enum PlainLayer {
    /// Dense on the flattened channel-last input.
    Dense(DenseF32),
    /// Convolution.
    Conv(ConvF32),
    /// 2×2 max-pool, stride 2.
    MaxPool,
    /// Global average pool.
    GlobalAvgPool,
}

fn values<const D: usize>(t: Tensor<D>) -> Result<Vec<f32>> {
    t.try_into_vec_as::<f32>()
        .map_err(|e| Error::Numerical(format!("reading a layer's parameters: {e:?}")))
}

/// BatchNorm in inference per channel as `(g, μ, β)`: `y ↦ (y − μ) · g + β`, `g = γ / √(σ² + ε)`.
fn bn_affine(bn: &BatchNorm) -> Result<Vec<(f64, f64, f64)>> {
    let gamma = values(bn.gamma.val())?;
    let beta = values(bn.beta.val())?;
    let mean = values(bn.running_mean.value())?;
    let var = values(bn.running_var.value())?;
    Ok((0..gamma.len())
        .map(|o| {
            let g = f64::from(gamma[o]) / (f64::from(var[o]) + bn.epsilon).sqrt();
            (g, f64::from(mean[o]), f64::from(beta[o]))
        })
        .collect())
}

/// Folds a BatchNorm ([`bn_affine`]) into the layer before it: rows of `weights` (each `per`
/// long) times `g`, `bias ↦ (bias − μ) · g + β`.
fn fold(weights: &mut [f32], bias: &mut [f32], per: usize, bn: &[(f64, f64, f64)]) {
    for (o, &(g, mean, beta)) in bn.iter().enumerate() {
        for w in &mut weights[o * per..(o + 1) * per] {
            *w = (f64::from(*w) * g) as f32;
        }
        bias[o] = ((f64::from(bias[o]) - mean) * g + beta) as f32;
    }
}

fn dense(l: &burn::nn::Linear) -> Result<DenseF32> {
    let [inputs, outputs] = l.weight.val().dims();
    // burn stores `[inputs, outputs]` (y = x W): transpose to rows by output.
    let weights = values(l.weight.val().transpose())?;
    let bias = match &l.bias {
        Some(b) => values(b.val())?,
        None => vec![0.0; outputs],
    };
    Ok(DenseF32 {
        inputs,
        outputs,
        weights,
        bias,
    })
}

fn conv_bn(block: &super::cnn::ConvBnRelu) -> Result<ConvF32> {
    let c = &block.conv;
    let [outputs, inputs, kernel, kw] = c.weight.val().dims();
    let (stride, padding) = (c.stride[0], c.padding.clone());
    let pad = match padding {
        burn::nn::PaddingConfig2d::Explicit(t, l, b, r) if t == l && l == b && b == r => t,
        p => return Err(Error::Numerical(format!("unsupported conv padding {p:?}"))),
    };
    if kw != kernel || c.stride[1] != stride || c.dilation != [1, 1] || c.groups != 1 {
        return Err(Error::Numerical(
            "only square, undilated, ungrouped convolutions".into(),
        ));
    }
    // burn: [out][in][ky][kx] → the core's [out][ky][kx][in].
    let w = values(c.weight.val().permute([0, 2, 3, 1]))?;
    let mut bias = match &c.bias {
        Some(b) => values(b.val())?,
        None => vec![0.0; outputs],
    };
    let mut weights = w;
    fold(
        &mut weights,
        &mut bias,
        kernel * kernel * inputs,
        &bn_affine(&block.bn)?,
    );
    Ok(ConvF32 {
        kernel,
        stride,
        padding: pad,
        inputs,
        outputs,
        weights,
        bias,
    })
}

impl Network {
    /// The MLP backbone as plain dense layers (ReLU between them), the embedding BatchNorm
    /// folded into the last one. `None` for convolutional backbones and `psc` models (whose
    /// output is not an embedding for unit class vectors).
    ///
    /// # Errors
    /// [`Error::Numerical`] if a tensor cannot be read back.
    pub fn dense_layers(&self) -> Result<Option<Vec<DenseF32>>> {
        let Backbone::Mlp(mlp) = &self.backbone else {
            return Ok(None);
        };
        if !self.classifies_by_vectors() {
            return Ok(None);
        }
        let mut out = mlp.layers().map(dense).collect::<Result<Vec<_>>>()?;
        if let (Some(bn), Some(last)) = (&self.bn, out.last_mut()) {
            fold(
                &mut last.weights,
                &mut last.bias,
                last.inputs,
                &bn_affine(bn)?,
            );
        }
        Ok(Some(out))
    }

    /// The CNN backbone as plain layers — conv (BatchNorm folded), max-pool, conv, max-pool,
    /// conv, global average pool, dense (the embedding BatchNorm folded) — reading standardised
    /// inputs. `None` for other backbones and `psc` models.
    ///
    /// # Errors
    /// [`Error::Numerical`] if a tensor cannot be read back or a layer has a geometry the
    /// core's layer list does not have.
    pub fn conv_layers(&self) -> Result<Option<Vec<PlainLayer>>> {
        let Backbone::Cnn(cnn) = &self.backbone else {
            return Ok(None);
        };
        if !self.classifies_by_vectors() {
            return Ok(None);
        }
        let mut out = dense(&cnn.out)?;
        if let Some(bn) = &self.bn {
            fold(&mut out.weights, &mut out.bias, out.inputs, &bn_affine(bn)?);
        }
        Ok(Some(vec![
            PlainLayer::Conv(conv_bn(&cnn.c1)?),
            PlainLayer::MaxPool,
            PlainLayer::Conv(conv_bn(&cnn.c2)?),
            PlainLayer::MaxPool,
            PlainLayer::Conv(conv_bn(&cnn.c3)?),
            PlainLayer::GlobalAvgPool,
            PlainLayer::Dense(out),
        ]))
    }
}
