//! Round trip of the model format: a model built from arbitrary sizes and values by the host's
//! `ModelBuilder` is accepted by the core's parser and reads back as the same model — sizes,
//! storage, prototypes, σ, names and backbone layers (an MLP or a layer list with convolution
//! and pooling, which must also run in the arena it states). (Differential: the writer and the parser
//! agree on every field.)
#![no_main]

use dl2pa_core::format::{Backbone, Model, ModelBuilder, Quant};
use dl2pa_core::dense::DenseI8;
use dl2pa_core::net::{Conv2dI8, LayerI8, NetI8, Shape};
use libfuzzer_sys::fuzz_target;

/// Consumes bytes from the input, 0 once it runs out.
struct Bytes<'a>(&'a [u8]);

impl Bytes<'_> {
    fn u8(&mut self) -> u8 {
        let (b, rest) = self.0.split_first().map_or((0, &[][..]), |(b, r)| (*b, r));
        self.0 = rest;
        b
    }
    fn i8(&mut self) -> i8 {
        (self.u8() as i8).max(-127)
    }
    fn below(&mut self, n: usize) -> usize {
        usize::from(self.u8()) % n
    }
}

/// Bias, multiplier and shift of `n` channels.
fn channels(b: &mut Bytes<'_>, n: usize) -> (Vec<i32>, Vec<i32>, Vec<i8>) {
    (
        (0..n).map(|_| i32::from(b.i8()) * 1000).collect(),
        (0..n).map(|_| i32::from(b.u8()) << 22).collect(),
        (0..n).map(|_| (b.below(40) as i8) - 20).collect(),
    )
}

/// A layer list from the bytes: an optional convolution, an optional pool, then dense to `d`.
fn random_net(b: &mut Bytes<'_>, d: usize) -> NetI8 {
    let input = Shape { height: 1 + b.below(6), width: 1 + b.below(6), channels: 1 + b.below(2) };
    let (mut shape, mut layers) = (input, vec![]);
    let kernel = 1 + b.below(3);
    let (stride, padding) = (1 + b.below(2), b.below(kernel));
    let fits = shape.height + 2 * padding >= kernel && shape.width + 2 * padding >= kernel;
    if b.u8() % 2 == 0 && fits {
        let outputs = 1 + b.below(4);
        let terms = kernel * kernel * shape.channels;
        let (bias, multiplier, shift) = channels(b, outputs);
        layers.push(LayerI8::Conv(Conv2dI8 {
            kernel,
            stride,
            padding,
            inputs: shape.channels,
            outputs,
            weights: (0..outputs * terms).map(|_| b.i8()).collect(),
            bias,
            multiplier,
            shift,
        }));
        let side = |n: usize| (n + 2 * padding - kernel) / stride + 1;
        shape = Shape { height: side(shape.height), width: side(shape.width), channels: outputs };
    }
    match b.u8() % 3 {
        0 if shape.height >= 2 && shape.width >= 2 => {
            layers.push(LayerI8::MaxPool);
            shape = Shape { height: shape.height / 2, width: shape.width / 2, ..shape };
        }
        1 => {
            layers.push(LayerI8::GlobalAvgPool);
            shape = Shape { height: 1, width: 1, ..shape };
        }
        _ => {}
    }
    let inputs = shape.height * shape.width * shape.channels;
    let (bias, multiplier, shift) = channels(b, d);
    layers.push(LayerI8::Dense(DenseI8 {
        inputs,
        outputs: d,
        weights: (0..inputs * d).map(|_| b.i8()).collect(),
        bias,
        multiplier,
        shift,
    }));
    NetI8 {
        input,
        input_offset: (0..input.channels).map(|_| f32::from(b.i8()) / 64.0).collect(),
        input_scale: (0..input.channels).map(|_| 1.0 + f32::from(b.u8())).collect(),
        layers,
    }
}

fuzz_target!(|data: &[u8]| {
    let mut b = Bytes(data);
    let (k, d) = (1 + b.below(12), 1 + b.below(9));
    let m = k + b.below(4);
    // σ: a seeded choice of k distinct prototypes out of m.
    let mut pool: Vec<u32> = (0..m as u32).collect();
    let sigma: Vec<u32> = (0..k).map(|_| pool.remove(b.below(pool.len()))).collect();
    let names: Vec<String> = (0..k).map(|c| format!("c{c}-{}", b.u8())).collect();
    let int8 = b.u8() % 2 == 0;
    let q: Vec<i8> = (0..k * d).map(|_| b.i8()).collect();
    let step = 1.0 / (1.0 + f32::from(b.u8()));
    let mut builder = if int8 {
        ModelBuilder::int8(&q, step, k, d)
    } else {
        // Unit rows: normalise each row of the values (a zero row becomes e_0).
        let mut p: Vec<f32> = q.iter().map(|&v| f32::from(v)).collect();
        for row in p.chunks_exact_mut(d) {
            if dl2pa_core::sphere::try_normalize(row).is_err() {
                row.iter_mut().enumerate().for_each(|(i, v)| *v = if i == 0 { 1.0 } else { 0.0 });
            }
        }
        ModelBuilder::f32(&p, k, d)
    };
    builder = builder.sigma(&sigma, m);
    let named = b.u8() % 2 == 0;
    if named {
        builder = builder.names(&names);
    }
    let kind = if int8 { b.u8() % 3 } else { 0 };
    let net = (kind == 2).then(|| random_net(&mut b, d));
    if let Some(n) = &net {
        builder = builder.net(n.clone());
    }
    let layers = if kind == 1 {
        let widths = [1 + b.below(6), 1 + b.below(6), d];
        let layers: Vec<DenseI8> = widths
            .windows(2)
            .map(|w| DenseI8 {
                inputs: w[0],
                outputs: w[1],
                weights: (0..w[0] * w[1]).map(|_| b.i8()).collect(),
                bias: (0..w[1]).map(|_| i32::from(b.i8()) * 1000).collect(),
                multiplier: (0..w[1]).map(|_| i32::from(b.u8()) << 22).collect(),
                shift: (0..w[1]).map(|_| (b.below(40) as i8) - 20).collect(),
            })
            .collect();
        builder = builder.backbone(step, layers.clone());
        Some(layers)
    } else {
        None
    };
    let bytes = builder.to_bytes();
    let model = Model::from_bytes(&bytes).expect("the parser accepts what the builder writes");
    assert_eq!((model.classes(), model.dim(), model.num_prototypes()), (k, d, m));
    for (c, &s) in sigma.iter().enumerate() {
        assert_eq!(model.sigma(c), s);
        assert_eq!(model.class_name(c), named.then(|| names[c].as_str()));
    }
    match model.quant() {
        Quant::Int8 { step: s } => {
            assert!(int8);
            assert_eq!(s.to_bits(), step.to_bits());
            assert_eq!(model.int8().expect("int8 view").as_slice(), &q[..]);
        }
        Quant::F32 => assert!(!int8),
    }
    match (model.backbone(), layers, net) {
        (None, None, None) => {}
        (Some(Backbone::Mlp(got)), Some(layers), None) => {
            assert_eq!(got.inputs(), layers[0].inputs);
            assert_eq!(got.outputs(), d);
        }
        (Some(Backbone::Net(got)), None, Some(want)) => {
            assert_eq!(got.input_shape(), want.input);
            assert_eq!((got.layers().len(), got.outputs()), (want.layers.len(), d));
            // It runs in exactly the arena it states.
            let raw: Vec<f32> = (0..got.inputs()).map(|i| (i as f32 * 0.3).sin()).collect();
            let mut arena = vec![0i8; got.arena_bytes()];
            assert_eq!(got.forward(&raw, &mut arena).map(|z| z.len()), Ok(d));
        }
        (got, want, net) => panic!("backbone {:?} vs {:?} {:?}", got.is_some(), want.is_some(), net.is_some()),
    }
    assert_eq!(model.flash_bytes(), bytes.len());
});
