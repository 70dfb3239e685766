//! Per-output-channel weight quantisation, shared by the MLP and CNN backbones: one weight step
//! per output channel (`max |w| / 127`), the bias in accumulator units, and the channel's
//! rescale `s_in · s_w / s_out` as a fixed-point multiplier and shift.

use dl2pa_core::dense::DenseI8;
use dl2pa_core::net::Conv2dI8;
use dl2pa_core::quant::{quantize_value, step_for};
use dl2pa_core::requant::{MAX_BIAS, multiplier_for};

use crate::error::{Error, Result};
use crate::model::{ConvF32, DenseF32};

/// A weight step per output channel, the quantised weights, and per channel the bias in
/// accumulator units and the fixed-point rescale from `s_in` to `s_out`.
pub(super) struct Quantised {
    pub weights: Vec<i8>,
    pub bias: Vec<i32>,
    pub multiplier: Vec<i32>,
    pub shift: Vec<i8>,
}

/// Quantises the rows of `weights` (one row per output channel, `bias.len()` of them) for an
/// input step `s_in` and an output step `s_out`.
///
/// # Errors
/// [`Error::Numerical`] for a bias beyond 2³⁰ accumulator units; [`Error::Core`] for a rescale
/// the fixed point cannot hold.
pub(super) fn quantise_rows(
    weights: &[f32],
    bias: &[f32],
    s_in: f64,
    s_out: f32,
) -> Result<Quantised> {
    let per = weights.len() / bias.len().max(1);
    let mut q = Quantised {
        weights: vec![0; weights.len()],
        bias: Vec::with_capacity(bias.len()),
        multiplier: Vec::with_capacity(bias.len()),
        shift: Vec::with_capacity(bias.len()),
    };
    for (o, (row, qrow)) in weights
        .chunks_exact(per)
        .zip(q.weights.chunks_exact_mut(per))
        .enumerate()
    {
        // An all-zero row has no range: any step stores it exactly.
        let s_w = step_for(row.iter().fold(0.0f32, |m, v| m.max(v.abs()))).unwrap_or(1.0);
        for (qw, &w) in qrow.iter_mut().zip(row) {
            *qw = quantize_value(w, s_w);
        }
        let unit = s_in * f64::from(s_w);
        let b = (f64::from(bias[o]) / unit).round();
        if b.abs() > f64::from(MAX_BIAS) {
            return Err(Error::Numerical(format!(
                "bias {} of output channel {o} is {b:.0} units of its accumulator: expected at most 2^30",
                bias[o]
            )));
        }
        let (m, sh) = multiplier_for(unit / f64::from(s_out))?;
        q.bias.push(b as i32);
        q.multiplier.push(m);
        q.shift.push(sh);
    }
    Ok(q)
}

/// A dense layer's quantised form.
pub(super) fn dense_i8(d: &DenseF32, q: Quantised) -> DenseI8 {
    DenseI8 {
        inputs: d.inputs,
        outputs: d.outputs,
        weights: q.weights,
        bias: q.bias,
        multiplier: q.multiplier,
        shift: q.shift,
    }
}

/// A convolution's quantised form.
pub(super) fn conv_i8(c: &ConvF32, q: Quantised) -> Conv2dI8 {
    Conv2dI8 {
        kernel: c.kernel,
        stride: c.stride,
        padding: c.padding,
        inputs: c.inputs,
        outputs: c.outputs,
        weights: q.weights,
        bias: q.bias,
        multiplier: q.multiplier,
        shift: q.shift,
    }
}
