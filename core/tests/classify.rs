//! Nearest-prototype classification against a naive f64 reference, int8 against f32 within its
//! proven error bound, top-k, and bad input.

use dl2pa_core::quant::{quantize, quantize_with, step_for};
use dl2pa_core::{Classify, Error, FormatError, Prototypes, PrototypesI8Ref, PrototypesRef};
use proptest::prelude::*;

/// Random unit prototypes (K × d) and an input vector.
fn case() -> impl Strategy<Value = (usize, usize, Vec<f32>, Vec<f32>)> {
    (2usize..=40, 1usize..=64).prop_flat_map(|(k, d)| {
        (
            Just(k),
            Just(d),
            proptest::collection::vec(-1.0f32..1.0, k * d),
            proptest::collection::vec(-10.0f32..10.0, d),
        )
            .prop_filter_map("zero rows", |(k, d, mut p, x)| {
                for row in p.chunks_exact_mut(d) {
                    let n = row
                        .iter()
                        .map(|v| f64::from(*v).powi(2))
                        .sum::<f64>()
                        .sqrt();
                    if n < 1e-3 {
                        return None;
                    }
                    row.iter_mut().for_each(|v| *v = (f64::from(*v) / n) as f32);
                }
                if x.iter().all(|v| *v == 0.0) {
                    return None;
                }
                Some((k, d, p, x))
            })
    })
}

fn f64_scores(p: &[f32], x: &[f32], d: usize) -> Vec<f64> {
    p.chunks_exact(d)
        .map(|r| {
            r.iter()
                .zip(x)
                .map(|(a, b)| f64::from(*a) * f64::from(*b))
                .sum()
        })
        .collect()
}

/// Index of the largest value (lowest index on ties) and the gap to the runner-up.
fn argmax_gap(s: &[f64]) -> (usize, f64) {
    let mut best = 0;
    for (k, &v) in s.iter().enumerate() {
        if v > s[best] {
            best = k;
        }
    }
    let second = s
        .iter()
        .enumerate()
        .filter(|&(k, _)| k != best)
        .map(|(_, &v)| v)
        .fold(f64::NEG_INFINITY, f64::max);
    (best, s[best] - second)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(500))]

    #[test]
    fn f32_matches_f64_reference_outside_near_ties((k, d, p, x) in case()) {
        let view = PrototypesRef::new(&p, k, d).unwrap();
        let got = view.classify(&x).unwrap();
        let s = f64_scores(&p, &x, d);
        let (best, gap) = argmax_gap(&s);
        let xn = x.iter().map(|v| f64::from(*v).powi(2)).sum::<f64>().sqrt();
        prop_assert!((f64::from(got.score) - s[got.class] / xn).abs() < 1e-5);
        // f32 rounding of a d-term dot product stays far below 1e-5 · |x|.
        if gap > 1e-5 * xn {
            prop_assert_eq!(got.class, best);
        }
    }

    #[test]
    fn int8_error_bound_holds_and_implies_the_same_class((k, d, p, x) in case()) {
        let max = p.iter().fold(0.0f32, |a, v| a.max(v.abs()));
        let step = step_for(max).unwrap();
        let mut q = vec![0i8; k * d];
        quantize_with(&p, step, &mut q).unwrap();
        let view = PrototypesI8Ref::new(&q, k, d, step).unwrap();
        let mut qx = vec![0i8; d];
        let x_step = quantize(&x, &mut qx).unwrap();
        let bound = f64::from(view.error_bound(&x, x_step));
        let s = f64_scores(&p, &x, d);
        let scale = f64::from(step) * f64::from(x_step);
        for (c, qk) in q.chunks_exact(d).enumerate() {
            let int: i64 = qk.iter().zip(&qx).map(|(a, b)| i64::from(*a) * i64::from(*b)).sum();
            prop_assert!((s[c] - scale * int as f64).abs() <= bound * (1.0 + 1e-5), "class {c}");
        }
        let (best, gap) = argmax_gap(&s);
        if gap > 2.0 * bound * (1.0 + 1e-5) {
            prop_assert_eq!(view.classify(&qx).unwrap().class, best);
        }
    }

    #[test]
    fn top_k_is_the_sorted_prefix((k, d, p, x) in case()) {
        let view = PrototypesRef::new(&p, k, d).unwrap();
        let top = view.top_k::<5>(&x).unwrap();
        let mut all: Vec<(usize, f32)> = Vec::new();
        view.for_each_score(&x, |c, s| all.push((c, s))).unwrap();
        // Stable sort by descending score keeps lower classes first among equal scores.
        all.sort_by(|a, b| b.1.partial_cmp(&a.1).unwrap());
        prop_assert_eq!(top.len(), k.min(5));
        for (t, a) in top.iter().zip(&all) {
            prop_assert_eq!((t.class, t.score), *a);
        }
        prop_assert_eq!(top[0].class, view.classify(&x).unwrap().class);
    }
}

#[test]
fn fixed_and_borrowed_agree() {
    let rows = [[0.6f32, 0.8], [-0.8, 0.6], [0.0, -1.0]];
    let fixed = Prototypes::<2, 3>::new(rows).unwrap();
    let flat: Vec<f32> = rows.iter().flatten().copied().collect();
    let view = PrototypesRef::new(&flat, 3, 2).unwrap();
    for x in [[1.0f32, 0.0], [-1.0, 0.1], [0.2, -3.0], [0.6, 0.8]] {
        assert_eq!(fixed.classify(&x).unwrap(), view.classify(&x).unwrap());
        assert_eq!(
            fixed.view().classify(&x).unwrap(),
            view.classify(&x).unwrap()
        );
    }
}

#[test]
fn ties_go_to_the_lowest_class() {
    let p = [1.0f32, 0.0, 1.0, 0.0, 0.0, 1.0];
    let view = PrototypesRef::new(&p, 3, 2).unwrap();
    assert_eq!(view.classify(&[2.0, 0.0]).unwrap().class, 0);
    let top = view.top_k::<3>(&[2.0, 0.0]).unwrap();
    assert_eq!(
        top.iter().map(|t| t.class).collect::<Vec<_>>(),
        vec![0, 1, 2]
    );
}

#[test]
fn bad_input_is_a_typed_error() {
    assert_eq!(
        Prototypes::<2, 1>::new([[1.0, 1.0]]).unwrap_err(),
        Error::NotUnit { row: 0 }
    );
    assert_eq!(
        Prototypes::<2, 2>::new([[1.0, 0.0], [f32::NAN, 0.0]]).unwrap_err(),
        Error::NotFinite {
            what: "prototypes",
            index: 2
        }
    );
    assert_eq!(
        PrototypesRef::new(&[1.0, 0.0, 1.0], 2, 2).unwrap_err(),
        Error::Length {
            what: "prototypes",
            expected: 4,
            got: 3
        }
    );
    assert_eq!(
        PrototypesRef::new(&[], 0, 2).unwrap_err(),
        Error::Size {
            what: "classes",
            value: 0,
            max: 65_535
        }
    );
    assert_eq!(
        PrototypesRef::new(&[1.0; 4097], 1, 4097).unwrap_err(),
        Error::Size {
            what: "dim",
            value: 4097,
            max: 4096
        }
    );
    let view = PrototypesRef::new(&[1.0, 0.0], 1, 2).unwrap();
    assert_eq!(view.classify(&[0.0, 0.0]).unwrap_err(), Error::ZeroVector);
    assert_eq!(
        view.classify(&[0.0, f32::INFINITY]).unwrap_err(),
        Error::NotFinite {
            what: "input",
            index: 1
        }
    );
    assert_eq!(
        view.classify(&[1.0]).unwrap_err(),
        Error::Length {
            what: "input",
            expected: 2,
            got: 1
        }
    );
    let q = PrototypesI8Ref::new(&[127, 0], 1, 2, 1.0 / 127.0).unwrap();
    assert_eq!(q.classify(&[0, 0]).unwrap_err(), Error::ZeroVector);
    assert_eq!(
        PrototypesI8Ref::new(&[-128, 0], 1, 2, 1.0).unwrap_err(),
        Error::Format(FormatError::Int8Minimum)
    );
    assert_eq!(
        PrototypesI8Ref::new(&[1, 0], 1, 2, 0.0).unwrap_err(),
        Error::BadScale
    );
    assert_eq!(
        quantize(&[0.0, 0.0], &mut [0; 2]).unwrap_err(),
        Error::ZeroVector
    );
}

#[test]
fn largest_sizes_work() {
    // K = 65 535 classes at d = 2 and d = 4096 with one class: within i32 and the index range.
    let k = 65_535usize;
    let p: Vec<f32> = (0..k)
        .flat_map(|c| if c == 65_000 { [0.0, 1.0] } else { [1.0, 0.0] })
        .collect();
    let view = PrototypesRef::new(&p, k, 2).unwrap();
    assert_eq!(view.classify(&[0.1, 1.0]).unwrap().class, 65_000);
    assert_eq!(view.top_k::<2>(&[0.1, 1.0]).unwrap()[1].class, 0);
    let q = vec![127i8; 4096];
    let v = PrototypesI8Ref::new(&q, 1, 4096, 1.0).unwrap();
    assert_eq!(
        v.classify(&vec![127i8; 4096]).unwrap().score,
        127 * 127 * 4096
    );
}
