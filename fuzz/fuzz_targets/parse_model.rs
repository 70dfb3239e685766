//! Arbitrary bytes → a validated model (or feature file) or a typed `Err`: never a panic, never
//! an out-of-bounds read. A model that parses must also classify without panicking, embeddings
//! and (with a backbone) raw inputs. Inputs
//! whose header and checksum are right reach the body validation: the first input byte picks
//! whether the rest is used raw or framed with a correct header and CRC; the body's first byte
//! sets the three model flags (names, MLP backbone, layer-list backbone).
#![no_main]

use dl2pa_core::format::{Features, Model, crc32};
use libfuzzer_sys::fuzz_target;

fn framed(magic: &[u8; 4], body: &[u8]) -> Vec<u8> {
    let mut b = magic.to_vec();
    b.extend_from_slice(&1u16.to_le_bytes());
    b.extend_from_slice(&[body.first().copied().unwrap_or(0) & 7, 0]);
    b.extend_from_slice(&(body.len() as u32).to_le_bytes());
    b.extend_from_slice(body);
    let c = crc32(&b);
    b.extend_from_slice(&c.to_le_bytes());
    b
}

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else { return };
    let bytes = match mode % 3 {
        0 => rest.to_vec(),
        1 => framed(b"DL2P", rest),
        _ => framed(b"DL2F", rest),
    };
    if let Ok(m) = Model::from_bytes(&bytes) {
        let x: Vec<f32> = (0..m.dim()).map(|i| (i as f32 * 0.37).sin()).collect();
        let mut scratch = vec![0i8; m.dim()];
        let _ = m.classify(&x, &mut scratch);
        if let Some(b) = m.backbone() {
            let raw: Vec<f32> = (0..b.inputs()).map(|i| (i as f32 * 0.11).cos()).collect();
            let mut arena = vec![0i8; m.arena_bytes()];
            let _ = m.classify_raw(&raw, &mut arena);
        }
        for c in 0..m.classes() {
            assert!((m.sigma(c) as usize) < m.num_prototypes());
            let _ = m.class_name(c);
        }
    }
    if let Ok(f) = Features::from_bytes(&bytes) {
        for i in 0..f.count() {
            assert!((f.label(i) as usize) < f.classes() && (f.expected(i) as usize) < f.classes());
            assert_eq!(f.feature(i).len(), f.dim());
        }
    }
});
