//! Arbitrary matrix → `Ok` with a valid assignment whose certificate holds (also after a warm
//! start on a perturbed copy), or a typed `Err`. Never a panic, never a hang.
#![no_main]

use dl2pa_core::assign::{Certificate, Cost, Problem, Sense, Solver};
use libfuzzer_sys::fuzz_target;

/// Sides stay small so each input is bounded work.
const MAX_SIDE: usize = 48;

fn check<T: Cost>(values: Vec<T>, rows: usize, cols: usize, sense: Sense, shift: T) {
    let Ok(p) = Problem::new(&values, rows, cols, sense) else { return };
    let mut s = Solver::new();
    let assignment = {
        let sol = s.solve(&p).expect("validated problems solve");
        sol.certificate().check(&p, Certificate::tolerance(&p)).expect("certificate holds");
        sol.assignment().to_vec()
    };
    let mut seen = vec![false; cols];
    for &j in &assignment {
        assert!(!seen[j as usize], "not injective");
        seen[j as usize] = true;
    }
    // Warm start on a copy with one row shifted: still a certified optimum.
    let mut moved = values.clone();
    if rows > 0 {
        moved[..cols].iter_mut().for_each(|c| *c = *c + shift);
    }
    if let Ok(p2) = Problem::new(&moved, rows, cols, sense) {
        let sol = s.solve_warm(&p2).expect("validated problems solve");
        sol.certificate().check(&p2, Certificate::tolerance(&p2)).expect("warm certificate holds");
    }
}

fuzz_target!(|data: &[u8]| {
    if data.len() < 4 {
        return;
    }
    let rows = data[0] as usize % (MAX_SIDE + 1);
    let cols = data[1] as usize % (MAX_SIDE + 1);
    let flags = data[2];
    let sense = if flags & 1 == 0 { Sense::Minimize } else { Sense::Maximize };
    let body = &data[4..];
    let n = rows * cols;
    if flags & 2 == 0 {
        // f32 from raw bits: NaN, ±∞, subnormals and huge values all occur.
        let mut v: Vec<f32> = body.chunks_exact(4).map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]])).collect();
        if flags & 4 != 0 {
            // Small integers: ties everywhere.
            v = body.iter().map(|&b| f32::from(b % 4)).collect();
        }
        v.resize(n, 0.0);
        if flags & 8 != 0 {
            v.pop(); // wrong length: must be a typed error
        }
        check(v, rows, cols, sense, f32::from(data[3]) / 64.0);
    } else {
        let mut v: Vec<f64> = body
            .chunks_exact(8)
            .map(|c| f64::from_le_bytes([c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7]]))
            .collect();
        if flags & 4 != 0 {
            v = body.iter().map(|&b| f64::from(b % 4)).collect();
        }
        v.resize(n, 0.0);
        check(v, rows, cols, sense, f64::from(data[3]) / 64.0);
    }
});
