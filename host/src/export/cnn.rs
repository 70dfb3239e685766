//! The int8 layer-list backbone of a CNN run (conv → pool → conv → pool → conv → global average
//! pool → dense): raw image → embedding on the device.
//!
//! From the trained f32 layers (every BatchNorm folded, see
//! [`Network::conv_layers`](crate::model::Network::conv_layers)) this measures one activation
//! range per weighted layer on calibration images (`max |a|`, TFLite's min/max post-training
//! scheme, symmetric), quantises the weights with one step per output channel and expresses each
//! channel's rescale `s_in · s_w,o / s_out` as a fixed-point multiplier. Unlike the MLP, the
//! input standardisation is not folded into the first layer: a convolution's zero padding is the
//! *standardised* 0, so the device standardises and quantises the input in its one float step
//! (`(x − mean_c) · scale_c`, `dl2pa_core::net`). Pooling keeps the activation step.

use dl2pa_core::net::{LayerI8, NetI8, Shape as NetShape};
use dl2pa_core::quant::step_for;

use crate::data::Shape;
use crate::error::{Error, Result};
use crate::model::{ConvF32, PlainLayer};
use crate::run::Calibration;

use super::per_channel::{conv_i8, dense_i8, quantise_rows};

/// A folded f32 CNN evaluated in f64 on channel-last tensors.
#[derive(Clone, Debug)]
pub struct ConvNet {
    /// Input shape.
    pub input: NetShape,
    /// Per input channel `(mean, std)` of the training standardisation.
    pub standardisation: Vec<(f64, f64)>,
    /// Layers in order; every weighted layer but the last has a ReLU.
    pub layers: Vec<PlainLayer>,
}

/// An f64 tensor, channel-last.
struct Hwc {
    shape: NetShape,
    v: Vec<f64>,
}

impl ConvNet {
    /// The network for inputs of `shape` standardised with `stats`.
    ///
    /// # Errors
    /// [`Error::Arg`](crate::data::Error::Arg) if there is not one statistic per channel.
    pub fn new(layers: Vec<PlainLayer>, shape: Shape, stats: &[(f64, f64)]) -> Result<Self> {
        if stats.len() != shape.channels {
            return Err(Error::arg(
                "backbone",
                format!("{} channel statistics", stats.len()),
                format!("{} (one per channel)", shape.channels),
            ));
        }
        Ok(ConvNet {
            input: NetShape {
                height: shape.height,
                width: shape.width,
                channels: shape.channels,
            },
            standardisation: stats.to_vec(),
            layers,
        })
    }

    /// The standardised input, channel-last, from a raw channel-major one.
    fn standardise(&self, x: &[f32]) -> Hwc {
        let s = self.input;
        let plane = s.height * s.width;
        let mut v = vec![0.0; x.len()];
        for (i, &raw) in x.iter().enumerate() {
            let (c, p) = (i / plane, i % plane);
            let (mean, std) = self.standardisation[c];
            v[p * s.channels + c] = (f64::from(raw) - mean) / std;
        }
        Hwc { shape: s, v }
    }

    /// `max |x|` of the standardised input and of each weighted layer's output (after its
    /// ReLU), for one raw input.
    pub fn ranges(&self, x: &[f32]) -> (f64, Vec<f64>) {
        let mut t = self.standardise(x);
        let input = max_abs(&t.v);
        let mut out = Vec::new();
        let last = self.layers.len() - 1;
        for (i, l) in self.layers.iter().enumerate() {
            t = apply(l, t, i < last);
            if matches!(l, PlainLayer::Conv(_) | PlainLayer::Dense(_)) {
                out.push(max_abs(&t.v));
            }
        }
        (input, out)
    }

    /// The embedding of raw input `x`.
    pub fn embed(&self, x: &[f32]) -> Vec<f64> {
        let last = self.layers.len() - 1;
        let t = self
            .layers
            .iter()
            .enumerate()
            .fold(self.standardise(x), |t, (i, l)| apply(l, t, i < last));
        t.v
    }
}

fn max_abs(v: &[f64]) -> f64 {
    v.iter().fold(0.0, |m, a| m.max(a.abs()))
}

/// One layer in f64.
fn apply(layer: &PlainLayer, t: Hwc, relu: bool) -> Hwc {
    let act = |y: f64| if relu { y.max(0.0) } else { y };
    let s = t.shape;
    match layer {
        PlainLayer::Dense(l) => Hwc {
            shape: flat(l.outputs),
            v: (0..l.outputs)
                .map(|o| {
                    let row = &l.weights[o * l.inputs..(o + 1) * l.inputs];
                    act(f64::from(l.bias[o]) + dot(row, &t.v))
                })
                .collect(),
        },
        PlainLayer::Conv(l) => conv(l, &t, act),
        PlainLayer::MaxPool => {
            let out = NetShape {
                height: s.height / 2,
                width: s.width / 2,
                channels: s.channels,
            };
            let at = |y: usize, x: usize, c: usize| t.v[(y * s.width + x) * s.channels + c];
            let mut v = Vec::with_capacity(out.height * out.width * out.channels);
            for y in 0..out.height {
                for x in 0..out.width {
                    for c in 0..s.channels {
                        let (y2, x2) = (2 * y, 2 * x);
                        v.push(
                            at(y2, x2, c)
                                .max(at(y2, x2 + 1, c))
                                .max(at(y2 + 1, x2, c))
                                .max(at(y2 + 1, x2 + 1, c)),
                        );
                    }
                }
            }
            Hwc { shape: out, v }
        }
        PlainLayer::GlobalAvgPool => {
            let n = (s.height * s.width) as f64;
            let mut v = vec![0.0; s.channels];
            for px in t.v.chunks_exact(s.channels) {
                for (a, &b) in v.iter_mut().zip(px) {
                    *a += b;
                }
            }
            v.iter_mut().for_each(|a| *a /= n);
            Hwc {
                shape: flat(s.channels),
                v,
            }
        }
    }
}

fn flat(n: usize) -> NetShape {
    NetShape {
        height: 1,
        width: 1,
        channels: n,
    }
}

fn dot(w: &[f32], a: &[f64]) -> f64 {
    w.iter().zip(a).map(|(&w, &a)| f64::from(w) * a).sum()
}

/// A convolution in f64 on a channel-last tensor (weights `[o][ky][kx][i]`).
fn conv(l: &ConvF32, t: &Hwc, act: impl Fn(f64) -> f64) -> Hwc {
    let (s, k, c) = (t.shape, l.kernel, l.inputs);
    let side = |n: usize| (n + 2 * l.padding - k) / l.stride + 1;
    let out = NetShape {
        height: side(s.height),
        width: side(s.width),
        channels: l.outputs,
    };
    let mut v = Vec::with_capacity(out.height * out.width * out.channels);
    for oy in 0..out.height {
        for ox in 0..out.width {
            for o in 0..l.outputs {
                let mut acc = f64::from(l.bias[o]);
                for ky in 0..k {
                    let Some(iy) = (oy * l.stride + ky).checked_sub(l.padding) else {
                        continue;
                    };
                    if iy >= s.height {
                        continue;
                    }
                    for kx in 0..k {
                        let Some(ix) = (ox * l.stride + kx).checked_sub(l.padding) else {
                            continue;
                        };
                        if ix >= s.width {
                            continue;
                        }
                        let w = &l.weights[((o * k + ky) * k + kx) * c..][..c];
                        acc += dot(w, &t.v[(iy * s.width + ix) * c..][..c]);
                    }
                }
                v.push(act(acc));
            }
        }
    }
    Hwc { shape: out, v }
}

/// Measures `net`'s ranges on the raw inputs `calib` (`n × inputs`, channel-major): the
/// standardised input's and each weighted layer's `max |a|`. `epoch` is the checkpoint the
/// network comes from.
pub fn calibrate(net: &ConvNet, calib: &[f32], epoch: usize) -> Calibration {
    let f = net.input.len().max(1);
    let mut input_max = 0.0f64;
    let mut layer_max: Vec<f64> = Vec::new();
    for x in calib.chunks_exact(f) {
        let (i, layers) = net.ranges(x);
        input_max = input_max.max(i);
        layer_max.resize(layers.len(), 0.0);
        for (m, a) in layer_max.iter_mut().zip(layers) {
            *m = m.max(a);
        }
    }
    Calibration {
        epoch,
        examples: calib.len() / f,
        input_max: input_max as f32,
        layer_max,
        crc32: None,
    }
}

/// Quantises `net` with the ranges `ranges` (from [`calibrate`]).
///
/// # Errors
/// [`Error::Numerical`] for a range that is zero or not finite (a layer whose outputs are always
/// 0 on the calibration set) or a bias beyond 2³⁰ units; [`Error::Core`] for a rescale fixed
/// point cannot hold; [`Error::Arg`](crate::data::Error::Arg) if the ranges are not one per
/// weighted layer.
pub fn quantize(net: &ConvNet, ranges: &Calibration) -> Result<NetI8> {
    let weighted = net
        .layers
        .iter()
        .filter(|l| matches!(l, PlainLayer::Conv(_) | PlainLayer::Dense(_)))
        .count();
    if ranges.layer_max.len() != weighted {
        return Err(Error::arg(
            "calibration",
            format!("{} layer ranges", ranges.layer_max.len()),
            format!("one per weighted layer ({weighted})"),
        ));
    }
    let input_step = step_for(ranges.input_max).map_err(|_| {
        Error::Numerical("the calibration inputs are all zero: no input range to quantise".into())
    })?;
    let mut s_in = f64::from(input_step);
    let mut ranges_left = ranges.layer_max.iter().enumerate();
    let mut layers = Vec::with_capacity(net.layers.len());
    for l in &net.layers {
        let mut s_out = || -> Result<f32> {
            let (i, &m) = ranges_left.next().unwrap_or((0, &0.0));
            step_for(m as f32).map_err(|_| {
                Error::Numerical(format!(
                    "weighted layer {} outputs {m} on every calibration input: expected a finite, non-zero range",
                    i + 1
                ))
            })
        };
        layers.push(match l {
            PlainLayer::Conv(c) => {
                let s = s_out()?;
                let q = quantise_rows(&c.weights, &c.bias, s_in, s)?;
                s_in = f64::from(s);
                LayerI8::Conv(conv_i8(c, q))
            }
            PlainLayer::Dense(d) => {
                let s = s_out()?;
                let q = quantise_rows(&d.weights, &d.bias, s_in, s)?;
                s_in = f64::from(s);
                LayerI8::Dense(dense_i8(d, q))
            }
            PlainLayer::MaxPool => LayerI8::MaxPool,
            PlainLayer::GlobalAvgPool => LayerI8::GlobalAvgPool,
        });
    }
    let stats = &net.standardisation;
    Ok(NetI8 {
        input: net.input,
        input_offset: stats.iter().map(|&(m, _)| m as f32).collect(),
        input_scale: stats
            .iter()
            .map(|&(_, sd)| (1.0 / (sd * f64::from(input_step))) as f32)
            .collect(),
        layers,
    })
}
