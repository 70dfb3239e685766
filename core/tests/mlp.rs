//! The int8 MLP backbone: requantisation rounds to the nearest integer of the real product, the
//! fixed-point multiplier is exact to 2⁻³¹, the network equals a plain layer-by-layer i64
//! evaluation, and the model file carries it (round trip, every corruption rejected, each rule).

use dl2pa_core::dense::{DenseI8, DenseI8Ref};
use dl2pa_core::format::{Backbone, Model, ModelBuilder};
use dl2pa_core::mlp::MlpI8Ref;
use dl2pa_core::quant::quantize_value;
use dl2pa_core::requant::{multiplier_for, requantize};
use dl2pa_core::{Classify, Error, FormatError};
use proptest::prelude::*;

/// A deterministic pseudo-random layer with real factors around `scale`.
fn layer(inputs: usize, outputs: usize, seed: u64, scale: f64) -> DenseI8 {
    let mut s = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    let mut next = move || {
        s ^= s << 13;
        s ^= s >> 7;
        s ^= s << 17;
        s
    };
    let weights = (0..inputs * outputs)
        .map(|_| (next() % 255) as i32 - 127)
        .map(|v| v as i8)
        .collect();
    let bias = (0..outputs)
        .map(|_| (next() % 4_001) as i32 - 2_000)
        .collect();
    let (mut multiplier, mut shift) = (Vec::new(), Vec::new());
    for _ in 0..outputs {
        let real = scale * (0.5 + (next() % 1000) as f64 / 1000.0);
        let (m, sh) = multiplier_for(real).unwrap();
        multiplier.push(m);
        shift.push(sh);
    }
    DenseI8 {
        inputs,
        outputs,
        weights,
        bias,
        multiplier,
        shift,
    }
}

/// Layer by layer with i64 sums in input order: independent of the core's lane-ordered kernel
/// and its buffer swapping.
fn reference(step: f32, layers: &[DenseI8], x: &[f32]) -> Vec<i8> {
    let mut a: Vec<i8> = x.iter().map(|&v| quantize_value(v, step)).collect();
    for (i, l) in layers.iter().enumerate() {
        let lo = if i + 1 == layers.len() { -127 } else { 0 };
        a = (0..l.outputs)
            .map(|o| {
                let dot: i64 = (0..l.inputs)
                    .map(|j| i64::from(l.weights[o * l.inputs + j]) * i64::from(a[j]))
                    .sum();
                let acc = i64::from(l.bias[o]) + dot;
                let r = 31 - i32::from(l.shift[o]);
                let y = (i128::from(acc) * i128::from(l.multiplier[o]) + (1i128 << (r - 1)))
                    .div_euclid(1i128 << r);
                y.clamp(i128::from(lo), 127) as i8
            })
            .collect();
    }
    a
}

fn refs(layers: &[DenseI8], bytes: &[(Vec<u8>, Vec<u8>)]) -> Vec<DenseI8Ref<'static>> {
    // Leaked for the test's lifetime only: the views borrow the byte forms.
    let leaked: &'static [(Vec<u8>, Vec<u8>)] = Box::leak(bytes.to_vec().into_boxed_slice());
    let layers: &'static [DenseI8] = Box::leak(layers.to_vec().into_boxed_slice());
    layers
        .iter()
        .zip(leaked)
        .map(|(l, (b, m))| {
            DenseI8Ref::new(l.inputs, l.outputs, &l.weights, b, m, &l.shift).unwrap()
        })
        .collect()
}

/// `n` values in [−1, 1) (splitmix64).
fn inputs(n: usize, seed: u64) -> Vec<f32> {
    (0..n as u64)
        .map(|i| {
            let mut z = seed.wrapping_add((i + 1).wrapping_mul(0x9E37_79B9_7F4A_7C15));
            z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
            ((z ^ (z >> 31)) >> 40) as f32 / (1u64 << 23) as f32 - 1.0
        })
        .collect()
}

proptest! {
    #[test]
    fn requantize_rounds_the_real_product_to_nearest(
        acc in -(1i32 << 30)..(1 << 30),
        m in (1i32 << 30)..i32::MAX,
        shift in -31i8..=0,
    ) {
        let real = f64::from(acc) * f64::from(m) * 2f64.powi(i32::from(shift) - 31);
        let y = requantize(acc, m, shift, -127);
        let expected = real.clamp(-127.0, 127.0);
        prop_assert!((f64::from(y) - expected).abs() <= 0.5 + 1e-9, "{acc} {m} {shift}: {y} vs {real}");
        prop_assert_eq!(requantize(acc, m, shift, 0), y.max(0));
    }

    /// The 32-bit shortcut for factors below 1/2 gives the formula's bits, at every shift.
    #[test]
    fn requantize_is_the_formula_at_every_shift(
        acc in i32::MIN + 1..=i32::MAX,
        m in 0..i32::MAX,
        shift in -31i8..=30,
        lo in prop::sample::select(vec![-127, 0]),
    ) {
        let r = 31 - i32::from(shift);
        let exact = (i128::from(acc) * i128::from(m) + (1i128 << (r - 1))) >> r;
        prop_assert_eq!(i128::from(requantize(acc, m, shift, lo)), exact.clamp(i128::from(lo), 127));
    }

    #[test]
    fn multiplier_is_exact_to_2_pow_minus_31(e in -30i32..29, f in 1.0f64..2.0) {
        let real = f * 2f64.powi(e);
        let (m, shift) = multiplier_for(real).unwrap();
        prop_assert!((1 << 30..=i32::MAX).contains(&m));
        let back = f64::from(m) * 2f64.powi(i32::from(shift) - 31);
        prop_assert!(((back - real) / real).abs() <= 2f64.powi(-31));
    }

    #[test]
    fn forward_equals_the_plain_layer_by_layer_evaluation(
        widths in proptest::collection::vec(1usize..40, 2..5),
        seed in any::<u64>(),
        scale_exp in -12i32..-6,
    ) {
        let layers: Vec<DenseI8> = widths
            .windows(2)
            .enumerate()
            .map(|(i, w)| layer(w[0], w[1], seed.wrapping_add(i as u64), 2f64.powi(scale_exp)))
            .collect();
        let bytes: Vec<_> = layers.iter().map(DenseI8::le_bytes).collect();
        let mlp = MlpI8Ref::new(1.0 / 127.0, &refs(&layers, &bytes)).unwrap();
        let mut scratch = vec![0i8; mlp.arena_bytes()];
        for s in 0..5 {
            let x = inputs(widths[0], seed.wrapping_add(s));
            let got = mlp.forward(&x, &mut scratch).unwrap().to_vec();
            prop_assert_eq!(got, reference(1.0 / 127.0, &layers, &x));
        }
    }
}

#[test]
fn forward_reports_bad_input() {
    let l = layer(3, 2, 1, 1e-3);
    let (b, m) = l.le_bytes();
    let r = DenseI8Ref::new(3, 2, &l.weights, &b, &m, &l.shift).unwrap();
    let mlp = MlpI8Ref::new(0.01, &[r]).unwrap();
    let mut scratch = [0i8; 6];
    assert_eq!(
        mlp.forward(&[0.0; 2], &mut scratch),
        Err(Error::Length {
            what: "input",
            expected: 3,
            got: 2
        })
    );
    assert!(matches!(
        mlp.forward(&[0.0, f32::NAN, 0.0], &mut scratch),
        Err(Error::NotFinite { index: 1, .. })
    ));
    assert!(matches!(
        mlp.forward(&[0.0; 3], &mut scratch[..5]),
        Err(Error::Length {
            what: "scratch",
            ..
        })
    ));
    assert_eq!(
        MlpI8Ref::new(0.01, &[])
            .err()
            .map(|e| e.to_string())
            .as_deref(),
        Some("backbone layers = 0 is out of range: expected 1..=8")
    );
    assert_eq!(MlpI8Ref::new(f32::NAN, &[r]).err(), Some(Error::BadScale));
    assert_eq!(multiplier_for(0.0), Err(Error::BadScale));
    assert_eq!(multiplier_for(2f64.powi(31)), Err(Error::BadScale));
    assert_eq!(multiplier_for(1e-12), Ok((0, 0)));
}

/// A 3-class, d = 4 int8 model with a 6 → 5 → 4 backbone.
fn backbone_model(layers: Vec<DenseI8>) -> Vec<u8> {
    let q = [
        127i8, 0, 0, 0, //
        -64, 110, 0, 0, //
        -64, -110, 0, 0,
    ];
    ModelBuilder::int8(&q, 1.0 / 127.0, 3, 4)
        .sigma(&[2, 0, 1], 3)
        .backbone(1.0 / 127.0, layers)
        .to_bytes()
}

fn two_layers() -> Vec<DenseI8> {
    vec![layer(6, 5, 3, 2e-3), layer(5, 4, 4, 2e-3)]
}

#[test]
fn a_backbone_round_trips_and_classify_raw_is_forward_then_classify() {
    let layers = two_layers();
    let bytes = backbone_model(layers.clone());
    let m = Model::from_bytes(&bytes).unwrap();
    let Some(Backbone::Mlp(mlp)) = m.backbone() else {
        panic!("an MLP backbone")
    };
    assert_eq!((mlp.inputs(), mlp.outputs(), mlp.layers().len()), (6, 4, 2));
    assert_eq!(m.arena_bytes(), 12);
    assert_eq!(m.raw_ram_bytes(), 20);
    let protos = m.int8().unwrap();
    let mut scratch = vec![0i8; m.arena_bytes()];
    let mut classes = [0usize; 3];
    for s in 0..200 {
        let x = inputs(6, s * 7919);
        let z = reference(1.0 / 127.0, &layers, &x);
        match m.classify_raw(&x, &mut scratch) {
            Ok(p) => {
                assert_eq!(p, protos.classify(&z).unwrap());
                classes[p.class] += 1;
            }
            Err(e) => assert_eq!((e, z.iter().all(|&v| v == 0)), (Error::ZeroVector, true)),
        }
    }
    assert!(
        classes.iter().all(|&c| c > 20),
        "every class is predicted: {classes:?}"
    );
    // A model without a backbone says so.
    let plain = ModelBuilder::int8(&[127, 0], 1.0 / 127.0, 1, 2).to_bytes();
    assert!(matches!(
        Model::from_bytes(&plain)
            .unwrap()
            .classify_raw(&[0.0; 6], &mut scratch),
        Err(Error::NoBackbone)
    ));
}

#[test]
fn every_truncation_and_bit_flip_of_a_backbone_model_is_rejected() {
    let bytes = backbone_model(two_layers());
    for len in 0..bytes.len() {
        assert!(
            Model::from_bytes(&bytes[..len]).is_err(),
            "truncated to {len}"
        );
    }
    for byte in 0..bytes.len() {
        for bit in 0..8 {
            let mut b = bytes.clone();
            b[byte] ^= 1 << bit;
            assert!(Model::from_bytes(&b).is_err(), "bit {bit} of byte {byte}");
        }
    }
}

#[test]
fn each_backbone_rule_is_checked() {
    use FormatError as E;
    let kind = |b: &[u8]| match Model::from_bytes(b) {
        Err(Error::Format(kind)) => kind,
        other => panic!("expected a format error, got {other:?}"),
    };
    let mut l = two_layers();
    l[1] = layer(5, 3, 4, 4e-3);
    assert_eq!(kind(&backbone_model(l)), E::BackboneOutputs);
    let mut l = two_layers();
    l[1] = layer(4, 4, 4, 4e-3);
    assert_eq!(kind(&backbone_model(l)), E::LayerChain { layer: 1 });
    let mut l = two_layers();
    l[0].weights[3] = -128;
    assert_eq!(kind(&backbone_model(l)), E::LayerWeight { layer: 0 });
    let mut l = two_layers();
    l[0].shift[1] = 31;
    assert_eq!(kind(&backbone_model(l)), E::LayerShift { layer: 0 });
    let mut l = two_layers();
    l[1].multiplier[0] = -1;
    assert_eq!(kind(&backbone_model(l)), E::LayerMultiplier { layer: 1 });
    let mut l = two_layers();
    l[0].bias[0] = (1 << 30) + 1;
    assert_eq!(kind(&backbone_model(l)), E::LayerBias { layer: 0 });
    let mut l = two_layers();
    l[1].bias.pop();
    assert_eq!(kind(&backbone_model(l)), E::LayerShape { layer: 1 });
    assert_eq!(kind(&backbone_model(vec![])), E::LayerCount);
    let nine: Vec<DenseI8> = (0..9).map(|i| layer(4, 4, i, 1e-2)).collect();
    assert_eq!(kind(&backbone_model(nine)), E::LayerCount);
    let f32_model = ModelBuilder::f32(&[1.0, 0.0, 0.0, 0.0], 1, 4)
        .backbone(0.01, vec![layer(6, 4, 1, 1e-3)])
        .to_bytes();
    assert_eq!(kind(&f32_model), E::BackboneNeedsInt8);
    let zero_step = ModelBuilder::int8(&[127, 0, 0, 0], 1.0 / 127.0, 1, 4)
        .backbone(0.0, vec![layer(6, 4, 1, 1e-3)])
        .to_bytes();
    assert_eq!(kind(&zero_step), E::BackboneInputStep);
}
