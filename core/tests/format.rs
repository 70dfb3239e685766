//! The model and feature formats: round trips, every truncation and every single-bit flip
//! rejected, each validation rule with a correct checksum, and the f32 byte path equal to the
//! slice path bit for bit.

use dl2pa_core::format::{Features, FeaturesBuilder, Model, ModelBuilder, Quant, crc32};
use dl2pa_core::quant::{quantize, quantize_with, step_for};
use dl2pa_core::sphere::{dot, dot_le};
use dl2pa_core::{Classify, Error, FormatError, PrototypesI8Ref, PrototypesRef};
use proptest::prelude::*;

fn unit_rows(k: usize, d: usize, seed: u64) -> Vec<f32> {
    let mut s = seed
        .wrapping_mul(6364136223846793005)
        .wrapping_add(1442695040888963407);
    let mut p: Vec<f32> = (0..k * d)
        .map(|_| {
            s = s
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            ((s >> 33) as f32 / (1u64 << 31) as f32) * 2.0 - 1.0
        })
        .collect();
    for r in p.chunks_exact_mut(d) {
        dl2pa_core::sphere::try_normalize(r).unwrap();
    }
    p
}

fn int8_model() -> Vec<u8> {
    let p = unit_rows(5, 7, 1);
    let step = step_for(p.iter().fold(0.0f32, |a, v| a.max(v.abs()))).unwrap();
    let mut q = vec![0i8; p.len()];
    quantize_with(&p, step, &mut q).unwrap();
    ModelBuilder::int8(&q, step, 5, 7)
        .sigma(&[3, 0, 5, 1, 2], 6)
        .names(&["a", "b", "c", "d", "e"])
        .to_bytes()
}

#[test]
fn int8_round_trip_and_classification_match_the_slice_path() {
    let bytes = int8_model();
    let m = Model::from_bytes(&bytes).unwrap();
    assert_eq!((m.classes(), m.dim(), m.num_prototypes()), (5, 7, 6));
    assert_eq!(
        (0..5).map(|c| m.sigma(c)).collect::<Vec<_>>(),
        vec![3, 0, 5, 1, 2]
    );
    assert_eq!(m.class_name(2), Some("c"));
    assert_eq!(m.flash_bytes(), bytes.len());
    assert_eq!(m.ram_bytes(), 7 + 8);
    let Quant::Int8 { step } = m.quant() else {
        panic!("int8 expected")
    };
    let p = m.int8().unwrap();
    let reference = PrototypesI8Ref::new(p.as_slice(), 5, 7, step).unwrap();
    let mut scratch = [0i8; 7];
    for x in unit_rows(50, 7, 9).chunks_exact(7) {
        let mut qx = [0i8; 7];
        quantize(x, &mut qx).unwrap();
        assert_eq!(
            m.classify_i8(&qx).unwrap().unwrap(),
            reference.classify(&qx).unwrap()
        );
        assert_eq!(
            m.classify(x, &mut scratch).unwrap().class,
            reference.classify(&qx).unwrap().class
        );
    }
}

#[test]
fn f32_round_trip_matches_prototypes_ref_bit_for_bit() {
    let p = unit_rows(9, 13, 2);
    let bytes = ModelBuilder::f32(&p, 9, 13).to_bytes();
    let m = Model::from_bytes(&bytes).unwrap();
    assert_eq!(m.quant(), Quant::F32);
    let r = PrototypesRef::new(&p, 9, 13).unwrap();
    for x in unit_rows(40, 13, 3).chunks_exact(13) {
        let a = m.classify(x, &mut []).unwrap();
        let b = r.classify(x).unwrap();
        assert_eq!((a.class, a.score.to_bits()), (b.class, b.score.to_bits()));
    }
}

#[test]
fn every_truncation_and_every_bit_flip_is_rejected() {
    for bytes in [
        int8_model(),
        ModelBuilder::f32(&unit_rows(4, 3, 5), 4, 3).to_bytes(),
    ] {
        assert!(Model::from_bytes(&bytes).is_ok());
        for len in 0..bytes.len() {
            assert!(
                Model::from_bytes(&bytes[..len]).is_err(),
                "truncated to {len} bytes"
            );
        }
        let mut longer = bytes.clone();
        longer.push(0);
        assert!(Model::from_bytes(&longer).is_err());
        for byte in 0..bytes.len() {
            for bit in 0..8 {
                let mut b = bytes.clone();
                b[byte] ^= 1 << bit;
                assert!(
                    Model::from_bytes(&b).is_err(),
                    "flip of bit {bit} in byte {byte}"
                );
            }
        }
    }
}

/// Rewrites the header field at `at` and re-seals the checksum, so only that check can fail.
fn patched(bytes: &[u8], at: usize, value: &[u8]) -> Vec<u8> {
    let mut b = bytes.to_vec();
    b[at..at + value.len()].copy_from_slice(value);
    let end = b.len() - 4;
    let crc = crc32(&b[..end]);
    b[end..].copy_from_slice(&crc.to_le_bytes());
    b
}

#[test]
fn each_rule_is_checked_even_with_a_valid_checksum() {
    use FormatError as E;
    let good = int8_model();
    let kind = |b: &[u8]| match Model::from_bytes(b) {
        Err(Error::Format(kind)) => kind,
        other => panic!("expected a format error, got {other:?}"),
    };
    assert_eq!(kind(&patched(&good, 0, b"XXXX")), E::WrongMagic);
    assert_eq!(
        kind(&patched(&good, 4, &2u16.to_le_bytes())),
        E::UnsupportedVersion { found: 2 }
    );
    assert_eq!(
        kind(&patched(&good, 6, &0x8001u16.to_le_bytes())),
        E::UnknownFlag { bits: 0x8000 }
    );
    assert_eq!(
        kind(&patched(&good, 6, &0u16.to_le_bytes())),
        E::ClassNameFlag
    );
    let q = [127i8, 0, 0, 127];
    let sig = |s: &[u32], m: usize| {
        ModelBuilder::int8(&q, 1.0 / 127.0, 2, 2)
            .sigma(s, m)
            .to_bytes()
    };
    assert_eq!(kind(&sig(&[1, 1], 2)), E::SigmaNotInjective);
    assert_eq!(kind(&sig(&[0, 2], 2)), E::SigmaOutOfRange);
    assert_eq!(kind(&sig(&[0, 1], 1)), E::PrototypeCount);
    assert_eq!(
        kind(&ModelBuilder::int8(&[-128, 0, 0, 127], 0.01, 2, 2).to_bytes()),
        E::Int8Minimum
    );
    assert_eq!(
        kind(&ModelBuilder::int8(&q, 0.0, 2, 2).to_bytes()),
        E::BadStep
    );
    assert_eq!(
        kind(&ModelBuilder::int8(&q, 1.0, 3, 2).to_bytes()),
        E::FieldLength
    );
    assert_eq!(
        kind(&ModelBuilder::int8(&q, 1.0, 2, 2).names(&["one"]).to_bytes()),
        E::ClassNameCount
    );
    assert_eq!(
        kind(&ModelBuilder::f32(&[1.0, 1.0], 1, 2).to_bytes()),
        E::PrototypeNotUnit
    );
    assert_eq!(
        kind(&ModelBuilder::f32(&[f32::NAN, 1.0], 1, 2).to_bytes()),
        E::PrototypeNotFinite
    );
    assert_eq!(
        kind(&ModelBuilder::int8(&[], 1.0, 0, 2).to_bytes()),
        E::SizeOutOfRange
    );
    // The kinds print as one line naming the check.
    assert_eq!(
        Error::Format(E::SigmaNotInjective).to_string(),
        "malformed model: sigma maps two classes to one prototype"
    );
}

/// σ is checked window by window (4 096 prototype indices per pass): a repeat is found whether
/// it sits in the first window, a later one or the last, partial one, and K = M = 65 535 (the
/// format's limit, 16 passes) parses.
#[test]
fn sigma_is_checked_across_windows_at_the_format_limit() {
    let model = |sigma: &[u32], m: usize| {
        let k = sigma.len();
        let q: Vec<i8> = (0..k)
            .map(|c| if c % 2 == 0 { 127 } else { -127 })
            .collect();
        ModelBuilder::int8(&q, 1.0 / 127.0, k, 1)
            .sigma(sigma, m)
            .to_bytes()
    };
    let kind = |b: &[u8]| Model::from_bytes(b).err();
    assert_eq!(kind(&model(&[0, 4096, 8192, 65_534], 65_535)), None);
    for dup in [[3, 3], [4097, 4097], [65_534, 65_534]] {
        assert_eq!(
            kind(&model(&[dup[0], 7, dup[1]], 65_535)),
            Some(Error::Format(FormatError::SigmaNotInjective)),
            "{dup:?}"
        );
    }
    let n = dl2pa_core::MAX_CLASSES;
    let mut sigma: Vec<u32> = (0..n as u32).rev().collect();
    let bytes = model(&sigma, n);
    assert_eq!(Model::from_bytes(&bytes).unwrap().sigma(0), n as u32 - 1);
    sigma[n - 1] = sigma[0];
    assert_eq!(
        kind(&model(&sigma, n)),
        Some(Error::Format(FormatError::SigmaNotInjective))
    );
}

#[test]
fn features_round_trip_and_reject_corruption() {
    let mut fb = FeaturesBuilder::new(3, 4);
    fb.push(&[1, -2, 127], 0.5, 3, 2);
    fb.push(&[0, 5, -127], 0.25, 0, 0);
    let bytes = fb.to_bytes();
    let f = Features::from_bytes(&bytes).unwrap();
    assert_eq!((f.count(), f.dim(), f.classes()), (2, 3, 4));
    assert_eq!(f.feature(0), &[1, -2, 127]);
    assert_eq!((f.step(1), f.label(0), f.expected(0)), (0.25, 3, 2));
    for len in 0..bytes.len() {
        assert!(Features::from_bytes(&bytes[..len]).is_err());
    }
    let mut bad = FeaturesBuilder::new(3, 2);
    bad.push(&[1, 2, 3], 1.0, 5, 0);
    assert!(
        Features::from_bytes(&bad.to_bytes()).is_err(),
        "label out of range"
    );
}

proptest! {
    #[test]
    fn dot_le_is_dot_bit_for_bit(v in proptest::collection::vec(-1e3f32..1e3, 0..70), w in proptest::collection::vec(-1e3f32..1e3, 70)) {
        let w = &w[..v.len()];
        let bytes: Vec<u8> = v.iter().flat_map(|x| x.to_le_bytes()).collect();
        prop_assert_eq!(dot_le(&bytes, w).to_bits(), dot(&v, w).to_bits());
    }
}

/// Flag bit 3: the input identity round-trips, is absent from files written without it (the
/// golden files), and a flagged file too short to hold it is refused with its own error.
#[test]
fn the_input_identity_round_trips_and_a_short_one_is_refused() {
    let p = unit_rows(3, 4, 2);
    let build = || ModelBuilder::f32(&p, 3, 4).names(&["x", "y", "z"]);
    let plain = build().to_bytes();
    assert_eq!(Model::from_bytes(&plain).unwrap().input_id(), None);
    let with = build().input_id(0xdead_beef).to_bytes();
    let m = Model::from_bytes(&with).unwrap();
    assert_eq!(
        (m.input_id(), m.class_name(2)),
        (Some(0xdead_beef), Some("z"))
    );
    assert_eq!(with.len(), plain.len() + 4);
    // The same body with bit 3 set and the identity cut to 3 bytes, sealed again.
    let body = &plain[12..plain.len() - 4];
    let mut short = body.to_vec();
    short.extend_from_slice(&[1, 2, 3]);
    let mut bytes = b"DL2P".to_vec();
    bytes.extend_from_slice(&1u16.to_le_bytes());
    bytes.extend_from_slice(&(8u16 | 1).to_le_bytes());
    bytes.extend_from_slice(&(short.len() as u32).to_le_bytes());
    bytes.extend_from_slice(&short);
    let crc = crc32(&bytes);
    bytes.extend_from_slice(&crc.to_le_bytes());
    assert_eq!(
        Model::from_bytes(&bytes).unwrap_err(),
        Error::Format(FormatError::InputIdTruncated)
    );
}
