//! The int8 MLP backbone of a model file: raw input → embedding on the device.
//!
//! Calibration ([`calibrate`]) runs when training stops and is kept in the run directory
//! (`calibration.json`); quantisation ([`quantize_net`]) runs at export.
//!
//! From the trained f32 layers (BatchNorm already folded into the last, see
//! [`Network::dense_layers`](crate::model::Network::dense_layers)) this folds the input
//! standardisation into the first layer, so the device feeds the values the data loader
//! produced; calibrates one activation step per layer (`max |a| / 127` over calibration inputs,
//! as TFLite's post-training quantisation does with min/max); quantises the weights with one step
//! per output channel; and expresses each channel's rescale `s_in · s_w,o / s_out` as a
//! fixed-point multiplier. The device then runs on integers only
//! ([`dl2pa_core::mlp`]).

use dl2pa_core::dense::DenseI8;
use dl2pa_core::quant::{QMAX, quantize_value, step_for};

use crate::data::Shape;
use crate::error::{Error, Result};
use crate::model::DenseF32;
use crate::run::Calibration;

use super::per_channel::{dense_i8, quantise_rows};

/// An f32 network of dense layers with ReLU between them, evaluated in f64.
#[derive(Clone, Debug)]
pub struct DenseNet {
    /// The layers in order.
    pub layers: Vec<DenseF32>,
}

impl DenseNet {
    /// Folds per-channel standardisation `(x − mean_c) / std_c` of inputs shaped `shape` into
    /// the first layer, so the network reads the raw (unstandardised) values.
    ///
    /// # Errors
    /// [`Error::Arg`](crate::data::Error::Arg) if the first layer's inputs are not
    /// `shape.features()` or a statistic is
    /// missing.
    pub fn with_raw_input(
        mut layers: Vec<DenseF32>,
        shape: Shape,
        stats: &[(f64, f64)],
    ) -> Result<Self> {
        let per = shape.height * shape.width;
        let first = layers
            .first_mut()
            .ok_or_else(|| Error::arg("backbone", "no layers", "at least one dense layer"))?;
        if first.inputs != shape.features() || stats.len() != shape.channels {
            return Err(Error::arg(
                "backbone",
                format!(
                    "{} inputs, {} channel statistics",
                    first.inputs,
                    stats.len()
                ),
                format!(
                    "{} inputs and {} statistics",
                    shape.features(),
                    shape.channels
                ),
            ));
        }
        for o in 0..first.outputs {
            let row = &mut first.weights[o * first.inputs..(o + 1) * first.inputs];
            let mut shift = 0.0f64;
            for (i, w) in row.iter_mut().enumerate() {
                let (mean, std) = stats[i / per];
                let folded = f64::from(*w) / std;
                shift += folded * mean;
                *w = folded as f32;
            }
            first.bias[o] = (f64::from(first.bias[o]) - shift) as f32;
        }
        Ok(DenseNet { layers })
    }

    /// Every layer's output for input `x` (ReLU after all but the last).
    pub fn activations(&self, x: &[f32]) -> Vec<Vec<f64>> {
        let mut out: Vec<Vec<f64>> = Vec::with_capacity(self.layers.len());
        let mut a: Vec<f64> = x.iter().map(|&v| f64::from(v)).collect();
        for (i, l) in self.layers.iter().enumerate() {
            let relu = i + 1 < self.layers.len();
            a = l
                .weights
                .chunks_exact(l.inputs)
                .zip(&l.bias)
                .map(|(row, &b)| {
                    let y = f64::from(b)
                        + row
                            .iter()
                            .zip(&a)
                            .map(|(&w, &v)| f64::from(w) * v)
                            .sum::<f64>();
                    if relu { y.max(0.0) } else { y }
                })
                .collect();
            out.push(a.clone());
        }
        out
    }

    /// The embedding of `x`.
    pub fn embed(&self, x: &[f32]) -> Vec<f64> {
        self.activations(x).pop().unwrap_or_default()
    }
}

/// The int8 backbone and the steps it was built with.
#[derive(Clone, Debug)]
pub struct QuantizedNet {
    /// Step of the quantised input.
    pub input_step: f32,
    /// Layers as stored in the model file.
    pub layers: Vec<DenseI8>,
    /// Activation step after each layer.
    pub steps: Vec<f32>,
}

/// Measures `net`'s ranges on the raw inputs `calib` (`n × inputs`): `max |x|` and each layer's
/// `max |a|`, as TFLite's post-training quantisation does with min/max. `epoch` is the
/// checkpoint the network comes from.
pub fn calibrate(net: &DenseNet, calib: &[f32], epoch: usize) -> Calibration {
    let inputs = net.layers.first().map_or(0, |l| l.inputs);
    let mut input_max = 0.0f32;
    let mut layer_max = vec![0.0f64; net.layers.len()];
    for x in calib.chunks_exact(inputs.max(1)) {
        input_max = x.iter().fold(input_max, |m, v| m.max(v.abs()));
        for (m, a) in layer_max.iter_mut().zip(net.activations(x)) {
            *m = a.iter().fold(*m, |m, v| m.max(v.abs()));
        }
    }
    Calibration {
        epoch,
        examples: calib.len() / inputs.max(1),
        input_max,
        layer_max,
        crc32: None,
    }
}

/// Quantises `net` with the activation ranges `ranges` (from [`calibrate`]).
///
/// # Errors
/// [`Error::Numerical`] for a range that is zero or not finite (a layer whose outputs are always
/// 0 on the calibration set) or a bias beyond 2³⁰ units; [`Error::Core`] for a rescale that
/// fixed point cannot hold; [`Error::Arg`](crate::data::Error::Arg) if the ranges are not one per
/// layer.
pub fn quantize_net(net: &DenseNet, ranges: &Calibration) -> Result<QuantizedNet> {
    if ranges.layer_max.len() != net.layers.len() {
        return Err(Error::arg(
            "calibration",
            format!("{} layer ranges", ranges.layer_max.len()),
            format!("one per layer ({})", net.layers.len()),
        ));
    }
    let input_step = step_for(ranges.input_max).map_err(|_| {
        Error::Numerical("the calibration inputs are all zero: no input range to quantise".into())
    })?;
    let steps = ranges
        .layer_max
        .iter()
        .enumerate()
        .map(|(l, &m)| {
            step_for(m as f32).map_err(|_| {
                Error::Numerical(format!(
                    "layer {} outputs {m} on every calibration input: expected a finite, non-zero range",
                    l + 1
                ))
            })
        })
        .collect::<Result<Vec<f32>>>()?;
    let mut layers = Vec::with_capacity(net.layers.len());
    let mut s_in = f64::from(input_step);
    for (l, &s_out) in net.layers.iter().zip(&steps) {
        layers.push(dense_i8(
            l,
            quantise_rows(&l.weights, &l.bias, s_in, s_out)?,
        ));
        s_in = f64::from(s_out);
    }
    Ok(QuantizedNet {
        input_step,
        layers,
        steps,
    })
}

/// `⌊(acc · m + 2^(r−1)) / 2^r⌋` with `r = 31 − shift`, in i128 (no overflow to reason about),
/// clamped to `[lo, 127]`: the host's form of the core's requantisation.
pub(crate) fn rescale(acc: i64, m: i32, shift: i8, lo: i128) -> i64 {
    let r = 31 - i32::from(shift);
    let y = (i128::from(acc) * i128::from(m) + (1i128 << (r - 1))).div_euclid(1i128 << r);
    y.clamp(lo, i128::from(QMAX)) as i64
}

/// The int8 embedding of `x` by the host's own arithmetic (i64 sums in input order, i128
/// rescale), independent of the core's lane-ordered kernel that it checks.
pub fn simulate(net: &QuantizedNet, x: &[f32]) -> Vec<i8> {
    let mut a: Vec<i64> = x
        .iter()
        .map(|&v| i64::from(quantize_value(v, net.input_step)))
        .collect();
    for (i, l) in net.layers.iter().enumerate() {
        let lo = if i + 1 == net.layers.len() {
            -i128::from(QMAX)
        } else {
            0
        };
        a = (0..l.outputs)
            .map(|o| {
                let row = &l.weights[o * l.inputs..(o + 1) * l.inputs];
                let acc = i64::from(l.bias[o])
                    + row
                        .iter()
                        .zip(&a)
                        .map(|(&w, &v)| i64::from(w) * v)
                        .sum::<i64>();
                rescale(acc, l.multiplier[o], l.shift[o], lo)
            })
            .collect();
    }
    a.into_iter().map(|v| v as i8).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn layer(inputs: usize, outputs: usize, f: impl Fn(usize) -> f32) -> DenseF32 {
        DenseF32 {
            inputs,
            outputs,
            weights: (0..inputs * outputs).map(&f).collect(),
            bias: (0..outputs).map(|o| f(o + 7) * 0.1).collect(),
        }
    }

    fn wave(i: usize) -> f32 {
        ((i as f32) * 0.731).sin()
    }

    #[test]
    fn folding_the_standardisation_gives_the_same_embedding_from_raw_input() {
        let shape = Shape {
            channels: 2,
            height: 2,
            width: 1,
        };
        let stats = [(0.3, 0.2), (-1.0, 4.0)];
        let layers = vec![layer(4, 3, wave), layer(3, 2, |i| wave(i + 11))];
        let plain = DenseNet {
            layers: layers.clone(),
        };
        let folded = DenseNet::with_raw_input(layers, shape, &stats).unwrap();
        let raw = [0.9f32, 0.1, 3.0, -2.0];
        let standardised: Vec<f32> = raw
            .iter()
            .enumerate()
            .map(|(i, &v)| {
                let (m, s) = stats[i / 2];
                ((f64::from(v) - m) / s) as f32
            })
            .collect();
        let (a, b) = (plain.embed(&standardised), folded.embed(&raw));
        for (x, y) in a.iter().zip(&b) {
            assert!((x - y).abs() < 1e-5, "{a:?} vs {b:?}");
        }
    }

    #[test]
    fn the_int8_network_tracks_the_f32_one_and_dead_layers_are_named() {
        let net = DenseNet {
            layers: vec![layer(6, 8, wave), layer(8, 3, |i| wave(i + 5))],
        };
        let calib: Vec<f32> = (0..600).map(|i| wave(i * 3)).collect();
        let q = quantize_net(&net, &calibrate(&net, &calib, 1)).unwrap();
        let step = f64::from(*q.steps.last().unwrap());
        for x in calib.chunks_exact(6) {
            let z = net.embed(x);
            let qz = simulate(&q, x);
            for (a, b) in z.iter().zip(&qz) {
                // A few steps of rounding through two layers.
                assert!(
                    (a - f64::from(*b) * step).abs() < 4.0 * step,
                    "{z:?} vs {qz:?}"
                );
            }
        }
        let dead = DenseNet {
            layers: vec![layer(6, 2, |_| -1.0), layer(2, 3, wave)],
        };
        let positive: Vec<f32> = calib.iter().map(|v| v.abs()).collect();
        let err = quantize_net(&dead, &calibrate(&dead, &positive, 1))
            .unwrap_err()
            .to_string();
        assert!(
            err.starts_with("layer 1 outputs 0 on every calibration input"),
            "{err}"
        );
    }
}
