//! Arbitrary prototypes and inputs (f32 and int8) → a prediction or a typed `Err`, never a panic.
#![no_main]

use dl2pa_core::quant::{quantize, quantize_with};
use dl2pa_core::{Classify, PrototypesI8Ref, PrototypesRef};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if data.len() < 3 {
        return;
    }
    let classes = data[0] as usize % 40;
    let dim = data[1] as usize % 40;
    let normalise = data[2] & 1 == 1;
    let floats: Vec<f32> =
        data[3..].chunks_exact(4).map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]])).collect();
    let split = (classes * dim).min(floats.len());
    let (mut protos, input) = (floats[..split].to_vec(), &floats[split..]);
    if normalise && dim > 0 {
        for row in protos.chunks_exact_mut(dim) {
            let _ = dl2pa_core::sphere::try_normalize(row);
        }
    }
    if let Ok(p) = PrototypesRef::new(&protos, classes, dim) {
        if let Ok(best) = p.classify(input) {
            assert!(best.class < classes);
            let top = p.top_k::<3>(input).expect("same input classifies");
            assert_eq!(top[0].class, best.class);
        }
    }
    let mut q = vec![0i8; protos.len()];
    let step = quantize(&protos, &mut q).unwrap_or(1.0);
    let mut qx = vec![0i8; input.len()];
    let _ = quantize_with(input, step, &mut qx);
    if let Ok(p) = PrototypesI8Ref::new(&q, classes, dim, step) {
        if let Ok(best) = p.classify(&qx) {
            assert!(best.class < classes);
        }
        let _ = p.error_bound(input, step);
    }
    let raw: Vec<i8> = data.iter().map(|&b| b as i8).collect();
    if let Ok(p) = PrototypesI8Ref::new(&raw[..(classes * dim).min(raw.len())], classes, dim, 0.5) {
        let _ = p.top_k::<4>(&raw[..dim.min(raw.len())]);
    }
});
