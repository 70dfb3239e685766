//! Shared proptest strategies and reference implementations for the core's tests.
#![allow(dead_code)]

use proptest::prelude::*;

/// Largest side for brute force over all permutations (7! = 5 040 per matrix).
pub const BRUTE_MAX: usize = 7;
/// Largest side for certificate tests.
pub const CERT_MAX: usize = 300;

/// Minimum total over all injective maps rows → cols (n ≤ m), by enumeration in f64, and the
/// lexicographically smallest map attaining it (maps are enumerated in lexicographic order and
/// only a strictly smaller total replaces the best).
pub fn brute_force_min(c: &[f64], n: usize, m: usize) -> (f64, Vec<u32>) {
    struct S<'a> {
        c: &'a [f64],
        n: usize,
        m: usize,
        used: Vec<bool>,
        cur: Vec<u32>,
        best: f64,
        arg: Vec<u32>,
    }
    fn go(s: &mut S, i: usize, acc: f64) {
        if i == s.n {
            if acc < s.best {
                s.best = acc;
                s.arg = s.cur.clone();
            }
            return;
        }
        for j in 0..s.m {
            if !s.used[j] {
                s.used[j] = true;
                s.cur.push(j as u32);
                let x = s.c[i * s.m + j];
                go(s, i + 1, acc + x);
                s.cur.pop();
                s.used[j] = false;
            }
        }
    }
    let mut s = S {
        c,
        n,
        m,
        used: vec![false; m],
        cur: vec![],
        best: f64::INFINITY,
        arg: vec![],
    };
    go(&mut s, 0, 0.0);
    if n == 0 {
        (0.0, vec![])
    } else {
        (s.best, s.arg)
    }
}

/// (n, m) with 1 ≤ n ≤ m ≤ max.
pub fn shape(max: usize) -> impl Strategy<Value = (usize, usize)> {
    (1..=max).prop_flat_map(move |m| (1..=m, Just(m)))
}

/// Small integer costs: ties everywhere.
pub fn tie_matrix(max: usize) -> impl Strategy<Value = (usize, usize, Vec<f64>)> {
    shape(max).prop_flat_map(|(n, m)| {
        (
            Just(n),
            Just(m),
            proptest::collection::vec((0i32..4).prop_map(f64::from), n * m),
        )
    })
}

/// Real-valued costs of one magnitude class (tiny, unit, huge) or constant.
pub fn real_matrix(max: usize) -> impl Strategy<Value = (usize, usize, Vec<f64>)> {
    let scale = prop_oneof![Just(1e-30), Just(1e-3), Just(1.0), Just(1e6), Just(1e25)];
    (shape(max), scale, 0u8..5).prop_flat_map(|((n, m), scale, kind)| {
        let vals = proptest::collection::vec(-1.0f64..1.0, n * m);
        (Just(n), Just(m), vals).prop_map(move |(n, m, v)| {
            let v = match kind {
                0 => vec![0.25 * scale; n * m], // constant
                1 => v.iter().map(|x| (x * 4.0).round() * scale).collect(), // ties
                _ => v.iter().map(|x| x * scale).collect(),
            };
            (n, m, v)
        })
    })
}
