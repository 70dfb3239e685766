//! The int8 layer-list backbone: every layer equals a plain evaluation (channel-major tensors,
//! explicit padding, i64 sums, i128 rescale — none of the core's layout, arena or in-place
//! tricks), the arena is exactly what `arena_bytes` says, and the model file carries the list
//! (round trip, corruptions and each shape rule refused with its own error).

use dl2pa_core::dense::DenseI8;
use dl2pa_core::format::{Backbone, Model, ModelBuilder};
use dl2pa_core::net::{Conv2dI8, LayerI8, NetI8, Shape};
use dl2pa_core::requant::multiplier_for;
use dl2pa_core::{Error, FormatError};
use proptest::prelude::*;

/// xorshift: architectures and weights from one seed.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn weights(&mut self, n: usize) -> Vec<i8> {
        (0..n)
            .map(|_| (self.below(255) as i32 - 127) as i8)
            .collect()
    }
    /// Bias, multiplier, shift of `n` channels whose real factor suits `terms` products.
    fn channels(&mut self, n: usize, terms: usize) -> (Vec<i32>, Vec<i32>, Vec<i8>) {
        let (mut bias, mut multiplier, mut shift) = (vec![], vec![], vec![]);
        for _ in 0..n {
            bias.push(self.below(4001) as i32 - 2000);
            let real = (0.5 + self.below(1000) as f64 / 1000.0) / (64.0 * (terms as f64).sqrt());
            let (m, s) = multiplier_for(real).unwrap();
            multiplier.push(m);
            shift.push(s);
        }
        (bias, multiplier, shift)
    }
}

/// A random layer list from `seed`: convolutions, pools and a final dense layer.
fn random_net(seed: u64) -> NetI8 {
    let mut r = Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1);
    let input = Shape {
        height: 1 + r.below(9),
        width: 1 + r.below(9),
        channels: 1 + r.below(3),
    };
    let (mut shape, mut layers) = (input, vec![]);
    for _ in 0..r.below(5) {
        match r.below(4) {
            0 | 1 => {
                let kernel = 1 + r.below(3);
                let (stride, padding) = (1 + r.below(2), r.below(kernel));
                let (h, w) = (shape.height + 2 * padding, shape.width + 2 * padding);
                if h < kernel || w < kernel {
                    continue;
                }
                let outputs = 1 + r.below(5);
                let terms = kernel * kernel * shape.channels;
                let (bias, multiplier, shift) = r.channels(outputs, terms);
                layers.push(LayerI8::Conv(Conv2dI8 {
                    kernel,
                    stride,
                    padding,
                    inputs: shape.channels,
                    outputs,
                    weights: r.weights(outputs * terms),
                    bias,
                    multiplier,
                    shift,
                }));
                shape = Shape {
                    height: (h - kernel) / stride + 1,
                    width: (w - kernel) / stride + 1,
                    channels: outputs,
                };
            }
            2 if shape.height >= 2 && shape.width >= 2 => {
                layers.push(LayerI8::MaxPool);
                shape.height /= 2;
                shape.width /= 2;
            }
            _ => {
                layers.push(LayerI8::GlobalAvgPool);
                shape.height = 1;
                shape.width = 1;
            }
        }
    }
    let (inputs, outputs) = (shape.height * shape.width * shape.channels, 1 + r.below(6));
    let (bias, multiplier, shift) = r.channels(outputs, inputs);
    layers.push(LayerI8::Dense(DenseI8 {
        inputs,
        outputs,
        weights: r.weights(inputs * outputs),
        bias,
        multiplier,
        shift,
    }));
    NetI8 {
        input,
        input_offset: (0..input.channels).map(|c| 0.1 * c as f32).collect(),
        input_scale: (0..input.channels).map(|c| 60.0 + c as f32).collect(),
        layers,
    }
}

/// A channel-major tensor: `[c][y][x]`.
#[derive(Clone, Debug)]
struct Chw {
    c: usize,
    h: usize,
    w: usize,
    v: Vec<i64>,
}

impl Chw {
    fn at(&self, c: usize, y: isize, x: isize) -> i64 {
        if y < 0 || x < 0 || y >= self.h as isize || x >= self.w as isize {
            return 0; // zero padding
        }
        self.v[(c * self.h + y as usize) * self.w + x as usize]
    }
}

fn requant(acc: i64, m: i32, shift: i8, lo: i128) -> i64 {
    let r = 31 - i32::from(shift);
    let y = (i128::from(acc) * i128::from(m) + (1i128 << (r - 1))).div_euclid(1i128 << r);
    y.clamp(lo, 127) as i64
}

/// The plain evaluation of `net` on the raw channel-major input `x`. Deliberately its own code,
/// not shared with the host's `export/cnn_simulate.rs`: two oracles written apart check the
/// core's kernels (here in property tests, there in export parity), and a shared one could carry
/// one mistake into both.
fn reference(net: &NetI8, x: &[f32]) -> Vec<i8> {
    let s = net.input;
    let plane = s.height * s.width;
    let v = x
        .iter()
        .enumerate()
        .map(|(i, &v)| {
            let c = i / plane;
            let q = ((v - net.input_offset[c]) * net.input_scale[c]).round();
            q.clamp(-127.0, 127.0) as i64
        })
        .collect();
    let mut t = Chw {
        c: s.channels,
        h: s.height,
        w: s.width,
        v,
    };
    for (i, layer) in net.layers.iter().enumerate() {
        let lo = if i + 1 == net.layers.len() { -127 } else { 0 };
        t = match layer {
            LayerI8::Conv(l) => {
                let k = l.kernel;
                let oh = (t.h + 2 * l.padding - k) / l.stride + 1;
                let ow = (t.w + 2 * l.padding - k) / l.stride + 1;
                let mut v = vec![0; l.outputs * oh * ow];
                for o in 0..l.outputs {
                    for y in 0..oh {
                        for x in 0..ow {
                            let mut acc = i64::from(l.bias[o]);
                            for ky in 0..k {
                                for kx in 0..k {
                                    for c in 0..l.inputs {
                                        let w = l.weights[((o * k + ky) * k + kx) * l.inputs + c];
                                        let iy = (y * l.stride + ky) as isize - l.padding as isize;
                                        let ix = (x * l.stride + kx) as isize - l.padding as isize;
                                        acc += i64::from(w) * t.at(c, iy, ix);
                                    }
                                }
                            }
                            v[(o * oh + y) * ow + x] =
                                requant(acc, l.multiplier[o], l.shift[o], lo);
                        }
                    }
                }
                Chw {
                    c: l.outputs,
                    h: oh,
                    w: ow,
                    v,
                }
            }
            LayerI8::MaxPool => {
                let (oh, ow) = (t.h / 2, t.w / 2);
                let mut v = vec![0; t.c * oh * ow];
                for c in 0..t.c {
                    for y in 0..oh {
                        for x in 0..ow {
                            let (y2, x2) = (2 * y as isize, 2 * x as isize);
                            v[(c * oh + y) * ow + x] = [(0, 0), (0, 1), (1, 0), (1, 1)]
                                .iter()
                                .map(|&(dy, dx)| t.at(c, y2 + dy, x2 + dx))
                                .max()
                                .unwrap();
                        }
                    }
                }
                Chw {
                    c: t.c,
                    h: oh,
                    w: ow,
                    v,
                }
            }
            LayerI8::GlobalAvgPool => {
                let n = (t.h * t.w) as f64;
                let v = (0..t.c)
                    .map(|c| {
                        let sum: i64 = t.v[c * t.h * t.w..(c + 1) * t.h * t.w].iter().sum();
                        // The mean rounded half up.
                        (sum as f64 / n + 0.5).floor() as i64
                    })
                    .collect();
                Chw {
                    c: t.c,
                    h: 1,
                    w: 1,
                    v,
                }
            }
            LayerI8::Dense(l) => {
                // Flattened channel-last: index (y·W + x)·C + c.
                let mut flat = vec![0; t.v.len()];
                for c in 0..t.c {
                    for p in 0..t.h * t.w {
                        flat[p * t.c + c] = t.v[c * t.h * t.w + p];
                    }
                }
                let v = (0..l.outputs)
                    .map(|o| {
                        let row = &l.weights[o * l.inputs..(o + 1) * l.inputs];
                        let acc = i64::from(l.bias[o])
                            + row
                                .iter()
                                .zip(&flat)
                                .map(|(&w, &a)| i64::from(w) * a)
                                .sum::<i64>();
                        requant(acc, l.multiplier[o], l.shift[o], lo)
                    })
                    .collect();
                Chw {
                    c: l.outputs,
                    h: 1,
                    w: 1,
                    v,
                }
            }
        };
    }
    t.v.into_iter().map(|v| v as i8).collect()
}

fn model(net: NetI8) -> Vec<u8> {
    let dim = match net.layers.last() {
        Some(LayerI8::Dense(d)) => d.outputs,
        _ => 4, // a malformed list (the parser refuses it before the dimension)
    };
    // Class c's prototype is axis c.
    let k = dim.min(2);
    let q: Vec<i8> = (0..k * dim)
        .map(|i| if i % (dim + 1) == 0 { 127 } else { 0 })
        .collect();
    ModelBuilder::int8(&q, 1.0 / 127.0, k, dim)
        .net(net)
        .to_bytes()
}

fn raw_input(n: usize, seed: u64) -> Vec<f32> {
    let mut r = Rng(seed | 1);
    (0..n)
        .map(|_| r.below(2001) as f32 / 1000.0 - 0.9)
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    /// Every layer kind, stacked at random: the core's HWC kernels in the arena give the plain
    /// channel-major evaluation's bits, with exactly `arena_bytes` of working memory.
    #[test]
    fn the_layer_list_equals_the_plain_evaluation(seed in any::<u64>(), x_seed in any::<u64>()) {
        let net = random_net(seed);
        let bytes = model(net.clone());
        let m = Model::from_bytes(&bytes).unwrap();
        let Some(Backbone::Net(n)) = m.backbone() else { panic!("a layer list") };
        let x = raw_input(n.inputs(), x_seed);
        let mut arena = vec![0x55i8; m.arena_bytes()];
        let z = n.forward(&x, &mut arena).unwrap().to_vec();
        prop_assert_eq!(&z, &reference(&net, &x));
        let mut short = vec![0i8; m.arena_bytes() - 1];
        let short_err = n.forward(&x, &mut short).map(|_| ());
        prop_assert!(matches!(short_err, Err(Error::Length { what: "arena", .. })), "{short_err:?}");
    }
}

/// The project's CNN on a 28×28 image: conv32-pool-conv64-pool-conv128-GAP-dense.
fn project_cnn(dim: usize) -> NetI8 {
    let mut r = Rng(7);
    let mut conv = |inputs: usize, outputs: usize| {
        let (bias, multiplier, shift) = r.channels(outputs, 9 * inputs);
        LayerI8::Conv(Conv2dI8 {
            kernel: 3,
            stride: 1,
            padding: 1,
            inputs,
            outputs,
            weights: r.weights(9 * inputs * outputs),
            bias,
            multiplier,
            shift,
        })
    };
    let (c1, c2, c3) = (conv(1, 32), conv(32, 64), conv(64, 128));
    let (bias, multiplier, shift) = r.channels(dim, 128);
    let dense = LayerI8::Dense(DenseI8 {
        inputs: 128,
        outputs: dim,
        weights: r.weights(128 * dim),
        bias,
        multiplier,
        shift,
    });
    NetI8 {
        input: Shape {
            height: 28,
            width: 28,
            channels: 1,
        },
        input_offset: vec![0.286],
        input_scale: vec![40.0],
        layers: vec![
            c1,
            LayerI8::MaxPool,
            c2,
            LayerI8::MaxPool,
            c3,
            LayerI8::GlobalAvgPool,
            dense,
        ],
    }
}

#[test]
fn the_project_cnn_needs_under_32_kib_of_arena_and_matches_the_plain_evaluation() {
    let net = project_cnn(10);
    let bytes = model(net.clone());
    let m = Model::from_bytes(&bytes).unwrap();
    let b = m.backbone().unwrap();
    // The largest layer is conv1: the 784-value image, its 28·28·32 output, two pixels'
    // patches of 3·3·1 taps as i16 and one as int8.
    assert_eq!(m.arena_bytes(), 784 + 2 * 2 * 9 + 9 + 28 * 28 * 32);
    assert_eq!(
        b.macs(),
        28 * 28 * 32 * 9 + 14 * 14 * 64 * 288 + 7 * 7 * 128 * 576 + 1280
    );
    let x = raw_input(784, 3);
    let mut arena = vec![0i8; m.arena_bytes()];
    assert_eq!(b.forward(&x, &mut arena).unwrap(), &reference(&net, &x)[..]);
}

#[test]
fn each_shape_rule_is_its_own_error() {
    let parse = |net: NetI8| Model::from_bytes(&model(net)).map(|_| ()).unwrap_err();
    let base = project_cnn(4);
    let mut n = base.clone();
    n.layers.swap(5, 6); // dense (128 inputs) on a 7×7×128 tensor, GAP last
    assert_eq!(
        parse(n),
        Error::Format(FormatError::LayerChain { layer: 5 })
    );
    let mut n = base.clone();
    n.layers.remove(6);
    n.layers.push(LayerI8::MaxPool);
    // A 1×1 tensor cannot be max-pooled: the chain breaks before the last-layer rule.
    assert_eq!(
        parse(n),
        Error::Format(FormatError::LayerChain { layer: 6 })
    );
    let mut n = base.clone();
    n.input.channels = 2;
    n.input_offset.push(0.0);
    n.input_scale.push(1.0);
    assert_eq!(
        parse(n),
        Error::Format(FormatError::LayerChain { layer: 0 })
    );
    let mut n = base.clone();
    n.input_scale[0] = 0.0;
    assert_eq!(parse(n), Error::Format(FormatError::NetInputQuant));
    let mut n = base.clone();
    n.input.height = 0;
    assert_eq!(parse(n), Error::Format(FormatError::NetInputShape));
    let mut n = base.clone();
    n.input.height = 1 << 20; // 2²⁰ · 28 values
    assert_eq!(parse(n), Error::Format(FormatError::NetInputShape));
    let mut n = base.clone();
    if let LayerI8::Conv(c) = &mut n.layers[2] {
        c.weights[5] = i8::MIN;
    }
    assert_eq!(
        parse(n),
        Error::Format(FormatError::LayerWeight { layer: 2 })
    );
    let mut n = base.clone();
    if let LayerI8::Conv(c) = &mut n.layers[4] {
        c.padding = 3;
    }
    assert_eq!(
        parse(n),
        Error::Format(FormatError::LayerShape { layer: 4 })
    );
    let mut n = base.clone();
    n.layers = vec![LayerI8::GlobalAvgPool; 17];
    assert_eq!(parse(n), Error::Format(FormatError::LayerCount));
}

#[test]
fn a_model_cannot_carry_both_backbones_and_every_corruption_is_refused() {
    let dense = DenseI8 {
        inputs: 784,
        outputs: 4,
        weights: vec![1; 784 * 4],
        bias: vec![0; 4],
        multiplier: vec![1 << 30; 4],
        shift: vec![0; 4],
    };
    let both = ModelBuilder::int8(&[127, 0, 0, 0, 0, 127, 0, 0], 1.0 / 127.0, 2, 4)
        .backbone(0.01, vec![dense])
        .net(project_cnn(4))
        .to_bytes();
    assert_eq!(
        Model::from_bytes(&both).map(|_| ()).unwrap_err(),
        Error::Format(FormatError::BackboneConflict)
    );
    let mut r = Rng(11);
    let net = random_net(5);
    let bytes = model(net);
    assert!(Model::from_bytes(&bytes).is_ok());
    for _ in 0..2_000 {
        let mut b = bytes.clone();
        let at = r.below(b.len());
        b[at] ^= 1 << r.below(8);
        assert!(
            Model::from_bytes(&b).is_err(),
            "a flipped bit at {at} was accepted"
        );
    }
    for len in 0..bytes.len() {
        assert!(Model::from_bytes(&bytes[..len]).is_err());
    }
}

/// Writes `fuzz/seeds/parse_model/net-small.dl2p`: a small layer-list model (every layer kind)
/// behind the fuzz target's mode byte 0 (bytes used as they are).
#[test]
#[ignore = "rewrites a fuzz seed; run deliberately"]
fn write_fuzz_seed() {
    let net = (0..)
        .map(random_net)
        .find(|n| {
            n.layers.len() >= 4
                && n.layers.iter().any(|l| matches!(l, LayerI8::Conv(_)))
                && n.layers.iter().any(|l| matches!(l, LayerI8::MaxPool))
        })
        .unwrap();
    let mut bytes = vec![0u8];
    bytes.extend(model(net));
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../fuzz/seeds/parse_model/net-small.dl2p"
    );
    std::fs::write(path, bytes).unwrap();
}
