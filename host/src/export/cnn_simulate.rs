//! The int8 CNN by the host's own arithmetic — channel-major tensors, explicit padding, i64
//! sums, i128 rescale — independent of the core's channel-last kernels and arena, which it
//! checks (export parity, test vectors). Deliberately not shared with the reference in
//! `core/tests/net.rs`: the two oracles are written apart so that one mistake cannot hide in both.

use dl2pa_core::dense::DenseI8;
use dl2pa_core::net::{Conv2dI8, LayerI8, NetI8};
use dl2pa_core::quant::QMAX;

use super::mlp::rescale;

/// A channel-major tensor `[c][y][x]` of integer activations.
struct Chw {
    c: usize,
    h: usize,
    w: usize,
    v: Vec<i64>,
}

impl Chw {
    /// The value at `(ch, y, x)`; 0 outside the plane (zero padding).
    fn at(&self, ch: usize, y: isize, x: isize) -> i64 {
        if y < 0 || x < 0 || y >= self.h as isize || x >= self.w as isize {
            0
        } else {
            self.v[(ch * self.h + y as usize) * self.w + x as usize]
        }
    }
}

/// The int8 embedding of raw `x` (`[c][y][x]`, the network's input shape): standardised and
/// quantised per channel, then each layer; the last weighted layer keeps negative values.
pub fn simulate(net: &NetI8, x: &[f32]) -> Vec<i8> {
    let s = net.input;
    let plane = s.height * s.width;
    let quantised = x.iter().enumerate().map(|(i, &v)| {
        let c = i / plane;
        let q = ((v - net.input_offset[c]) * net.input_scale[c]).round();
        q.clamp(-f32::from(QMAX), f32::from(QMAX)) as i64
    });
    let mut t = Chw {
        c: s.channels,
        h: s.height,
        w: s.width,
        v: quantised.collect(),
    };
    let last = net.layers.len() - 1;
    for (i, layer) in net.layers.iter().enumerate() {
        // ReLU is the rescale's floor of 0, except after the last layer (the embedding).
        let lo = if i == last { -i128::from(QMAX) } else { 0 };
        t = match layer {
            LayerI8::Conv(l) => conv(l, &t, lo),
            LayerI8::MaxPool => max_pool(&t),
            LayerI8::GlobalAvgPool => global_avg_pool(&t),
            LayerI8::Dense(l) => dense(l, &t, lo),
        };
    }
    t.v.into_iter().map(|v| v as i8).collect()
}

fn conv(l: &Conv2dI8, t: &Chw, lo: i128) -> Chw {
    let k = l.kernel;
    let oh = (t.h + 2 * l.padding - k) / l.stride + 1;
    let ow = (t.w + 2 * l.padding - k) / l.stride + 1;
    let mut out = vec![0; l.outputs * oh * ow];
    for o in 0..l.outputs {
        for y in 0..oh {
            for x in 0..ow {
                let mut acc = i64::from(l.bias[o]);
                for ky in 0..k {
                    for kx in 0..k {
                        let iy = (y * l.stride + ky) as isize - l.padding as isize;
                        let ix = (x * l.stride + kx) as isize - l.padding as isize;
                        for i in 0..l.inputs {
                            let wt = l.weights[((o * k + ky) * k + kx) * l.inputs + i];
                            acc += i64::from(wt) * t.at(i, iy, ix);
                        }
                    }
                }
                out[(o * oh + y) * ow + x] = rescale(acc, l.multiplier[o], l.shift[o], lo);
            }
        }
    }
    Chw {
        c: l.outputs,
        h: oh,
        w: ow,
        v: out,
    }
}

/// 2 × 2, stride 2 (an odd last row or column is dropped).
fn max_pool(t: &Chw) -> Chw {
    let (oh, ow) = (t.h / 2, t.w / 2);
    let mut out = vec![0; t.c * oh * ow];
    for ch in 0..t.c {
        for y in 0..oh {
            for x in 0..ow {
                let (y2, x2) = (2 * y as isize, 2 * x as isize);
                out[(ch * oh + y) * ow + x] = t
                    .at(ch, y2, x2)
                    .max(t.at(ch, y2, x2 + 1))
                    .max(t.at(ch, y2 + 1, x2))
                    .max(t.at(ch, y2 + 1, x2 + 1));
            }
        }
    }
    Chw {
        c: t.c,
        h: oh,
        w: ow,
        v: out,
    }
}

/// The mean of each plane, rounded half up.
fn global_avg_pool(t: &Chw) -> Chw {
    let n = (t.h * t.w) as i64;
    let v =
        t.v.chunks_exact(t.h * t.w)
            .map(|plane| (2 * plane.iter().sum::<i64>() + n).div_euclid(2 * n))
            .collect();
    Chw {
        c: t.c,
        h: 1,
        w: 1,
        v,
    }
}

fn dense(l: &DenseI8, t: &Chw, lo: i128) -> Chw {
    // The core flattens channel-last: (y·W + x)·C + c.
    let plane = t.h * t.w;
    let mut flat = vec![0; t.v.len()];
    for ch in 0..t.c {
        for p in 0..plane {
            flat[p * t.c + ch] = t.v[ch * plane + p];
        }
    }
    let v = (0..l.outputs)
        .map(|o| {
            let row = &l.weights[o * l.inputs..(o + 1) * l.inputs];
            let dot: i64 = row.iter().zip(&flat).map(|(&a, &b)| i64::from(a) * b).sum();
            rescale(i64::from(l.bias[o]) + dot, l.multiplier[o], l.shift[o], lo)
        })
        .collect();
    Chw {
        c: l.outputs,
        h: 1,
        w: 1,
        v,
    }
}
