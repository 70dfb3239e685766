//! Test vectors for a device: the first raw test inputs, their labels and the class the core
//! gives each on the written model, so firmware can check itself against the host (the firmware
//! demo embeds one). Layout, all little-endian: `count: u32, inputs: u32`, `count × inputs` f32
//! raw values (as the data loader produced them), `count × u16` labels, `count × u16` the core's
//! classes (`0xFFFF`: an all-zero embedding, no class).

use dl2pa_core::format::ModelRef;

use crate::data::Split;

/// The test-vector file of the first `count` examples of `test` (raw inputs) on `model`.
pub fn test_vectors(test: &Split, inputs: usize, count: usize, model: &ModelRef<'_>) -> Vec<u8> {
    let n = count.min(test.len());
    let x = &test.x[..n * inputs];
    let mut arena = vec![0i8; model.arena_bytes()];
    let mut out = Vec::with_capacity(8 + 4 * x.len() + 4 * n);
    out.extend_from_slice(&(n as u32).to_le_bytes());
    out.extend_from_slice(&(inputs as u32).to_le_bytes());
    for v in x {
        out.extend_from_slice(&v.to_bits().to_le_bytes());
    }
    for &y in &test.y[..n] {
        out.extend_from_slice(&(y as u16).to_le_bytes());
    }
    for xi in x.chunks_exact(inputs) {
        let c = model
            .classify_raw(xi, &mut arena)
            .map_or(u16::MAX, |p| p.class as u16);
        out.extend_from_slice(&c.to_le_bytes());
    }
    out
}
