//! The assignment solver against brute force, its certificate, warm starts and bad input.

mod common;

use common::*;
use dl2pa_core::Error;
use dl2pa_core::assign::{Certificate, Problem, Sense, Solver, UNASSIGNED};
use proptest::prelude::*;

fn solve_f64(c: &[f64], n: usize, m: usize, sense: Sense) -> (Vec<u32>, f64) {
    let p = Problem::new(c, n, m, sense).unwrap();
    let mut s = Solver::new();
    let sol = s.solve(&p).unwrap();
    let tol = Certificate::tolerance(&p);
    sol.certificate().check(&p, tol).unwrap();
    (
        sol.assignment().to_vec(),
        p.total(sol.assignment()).unwrap(),
    )
}

fn assert_permutation(a: &[u32], m: usize) {
    let mut seen = vec![false; m];
    for &j in a {
        assert!(
            (j as usize) < m && !seen[j as usize],
            "not injective: {a:?}"
        );
        seen[j as usize] = true;
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    #[test]
    fn minimum_equals_brute_force_with_ties((n, m, c) in tie_matrix(BRUTE_MAX)) {
        let (a, total) = solve_f64(&c, n, m, Sense::Minimize);
        assert_permutation(&a, m);
        let (best, lexmin) = brute_force_min(&c, n, m);
        prop_assert_eq!(total, best);
        // The tie rule: the lexicographically smallest of the optimal assignments.
        prop_assert_eq!(a, lexmin);
    }

    #[test]
    fn maximum_equals_brute_force_with_ties((n, m, c) in tie_matrix(BRUTE_MAX)) {
        let (a, total) = solve_f64(&c, n, m, Sense::Maximize);
        assert_permutation(&a, m);
        let neg: Vec<f64> = c.iter().map(|x| -x).collect();
        let (best, lexmin) = brute_force_min(&neg, n, m);
        prop_assert_eq!(total, -best);
        prop_assert_eq!(a, lexmin);
    }

    #[test]
    fn f32_minimum_equals_brute_force((n, m, c) in real_matrix(BRUTE_MAX)) {
        let c32: Vec<f32> = c.iter().map(|&x| x as f32).collect();
        let p = Problem::minimize(&c32, n, m).unwrap();
        let mut s = Solver::new();
        let sol = s.solve(&p).unwrap();
        sol.certificate().check(&p, Certificate::tolerance(&p)).unwrap();
        let exact: Vec<f64> = c32.iter().map(|&x| f64::from(x)).collect();
        let got: f64 = sol.assignment().iter().enumerate().map(|(i, &j)| exact[i * m + j as usize]).sum();
        let (best, _) = brute_force_min(&exact, n, m);
        let scale = exact.iter().fold(0.0f64, |a, x| a.max(x.abs())) * n as f64;
        prop_assert!((got - best).abs() <= 1e-5 * scale, "got {got}, best {best}");
    }

    #[test]
    fn certificate_holds_on_real_matrices((n, m, c) in real_matrix(CERT_MAX), max in any::<bool>()) {
        let sense = if max { Sense::Maximize } else { Sense::Minimize };
        let p = Problem::new(&c, n, m, sense).unwrap();
        let mut s = Solver::new();
        let sol = s.solve(&p).unwrap();
        assert_permutation(sol.assignment(), m);
        let rep = sol.certificate().check(&p, Certificate::tolerance(&p)).unwrap();
        let gap = (rep.primal - rep.dual).abs();
        prop_assert!(gap <= Certificate::tolerance(&p) * (n as f64 + 1.0), "duality gap {gap}");
    }

    #[test]
    fn warm_start_reaches_the_cold_optimum(
        (n, m, c) in real_matrix(60),
        noise in proptest::collection::vec(-1.0f64..1.0, 60 * 60),
        eps in prop_oneof![Just(0.0), Just(1e-3), Just(0.3)],
        max in any::<bool>(),
    ) {
        let sense = if max { Sense::Maximize } else { Sense::Minimize };
        let scale = c.iter().fold(0.0f64, |a, x| a.max(x.abs())).max(1e-300);
        let c2: Vec<f64> = c.iter().zip(&noise).map(|(x, e)| x + eps * scale * e).collect();
        let p1 = Problem::new(&c, n, m, sense).unwrap();
        let p2 = Problem::new(&c2, n, m, sense).unwrap();
        let mut warm = Solver::new();
        warm.solve(&p1).unwrap();
        let sol = warm.solve_warm(&p2).unwrap();
        let tol = Certificate::tolerance(&p2);
        sol.certificate().check(&p2, tol).unwrap();
        let warm_total = p2.total(sol.assignment()).unwrap();
        let (_, cold_total) = solve_f64(&c2, n, m, sense);
        prop_assert!((warm_total - cold_total).abs() <= tol * (n as f64 + 1.0),
            "warm {warm_total} vs cold {cold_total}");
    }

    #[test]
    fn warm_and_cold_agree_exactly_on_integer_costs(
        (n, m, c) in tie_matrix(BRUTE_MAX),
        (_, _, c0) in tie_matrix(BRUTE_MAX),
    ) {
        // Warm start from the duals of an unrelated problem of the same width: same tie rule.
        let c0: Vec<f64> = (0..n * m).map(|k| c0.get(k).copied().unwrap_or(1.0)).collect();
        let mut s = Solver::new();
        s.solve(&Problem::minimize(&c0, n, m).unwrap()).unwrap();
        let p = Problem::minimize(&c, n, m).unwrap();
        let warm = s.solve_warm(&p).unwrap().assignment().to_vec();
        prop_assert_eq!(warm, brute_force_min(&c, n, m).1);
    }
}

#[test]
fn tie_rule_constant_matrix_gives_identity() {
    for n in [1, 2, 5, 17, 64] {
        let c = vec![1.0f32; n * n];
        let p = Problem::minimize(&c, n, n).unwrap();
        let mut s = Solver::new();
        let a = s.solve(&p).unwrap().assignment().to_vec();
        assert_eq!(a, (0..n as u32).collect::<Vec<_>>(), "n = {n}");
    }
}

#[test]
fn tie_rule_rectangular_constant_takes_lowest_columns() {
    let c = vec![0.5f64; 3 * 7];
    let p = Problem::maximize(&c, 3, 7).unwrap();
    let mut s = Solver::new();
    let sol = s.solve(&p).unwrap();
    assert_eq!(sol.assignment(), &[0, 1, 2]);
    assert_eq!(&sol.col_assignment()[3..], &[UNASSIGNED; 4]);
}

#[test]
fn known_instance() {
    // Classic 4×4 example (e.g. Wikipedia's Hungarian algorithm page): optimum 140.
    let c = [
        82.0f64, 83., 69., 92., 77., 37., 49., 92., 11., 69., 5., 86., 8., 9., 98., 23.,
    ];
    let (a, total) = solve_f64(&c, 4, 4, Sense::Minimize);
    assert_eq!(total, 140.0);
    assert_eq!(a, vec![2, 1, 0, 3]);
}

#[test]
fn bad_input_is_a_typed_error() {
    assert_eq!(
        Problem::minimize(&[1.0f32, f32::NAN, 0.0, 0.0], 2, 2).unwrap_err(),
        Error::NotFinite {
            what: "costs",
            index: 1
        }
    );
    assert_eq!(
        Problem::minimize(&[1.0f64, 2.0, f64::INFINITY], 1, 3).unwrap_err(),
        Error::NotFinite {
            what: "costs",
            index: 2
        }
    );
    assert_eq!(
        Problem::minimize(&[0.0f32; 6], 3, 2).unwrap_err(),
        Error::RowsExceedCols { rows: 3, cols: 2 }
    );
    assert_eq!(
        Problem::minimize(&[0.0f32; 5], 2, 3).unwrap_err(),
        Error::Length {
            what: "costs",
            expected: 6,
            got: 5
        }
    );
    assert_eq!(
        Problem::minimize(&[0.0, f32::MAX / 2.0], 1, 2).unwrap_err(),
        Error::CostTooLarge { index: 1 }
    );
    let c = [0.0f32; 4];
    let p = Problem::minimize(&c, 2, 2).unwrap();
    let (mut f, mut i) = ([0.0f32; 9], [0u32; 10]);
    let mut ws = dl2pa_core::assign::Workspace::new(&mut f, &mut i);
    assert_eq!(
        ws.solve(&p).unwrap_err(),
        Error::Length {
            what: "workspace floats",
            expected: 10,
            got: 9
        }
    );
}

#[test]
fn empty_problem() {
    let p = Problem::<f64>::minimize(&[], 0, 3).unwrap();
    let mut s = Solver::new();
    let sol = s.solve(&p).unwrap();
    assert!(sol.assignment().is_empty());
    sol.certificate().check(&p, 0.0).unwrap();
}

#[test]
fn certificate_rejects_a_wrong_assignment() {
    let c = [1.0f64, 0.0, 0.0, 1.0];
    let p = Problem::minimize(&c, 2, 2).unwrap();
    let mut s = Solver::new();
    let sol = s.solve(&p).unwrap();
    let mut cert = sol.certificate();
    let swapped = [0u32, 1];
    cert.assignment = &swapped;
    assert!(cert.check(&p, 1e-12).is_err());
}

#[test]
fn certificate_names_each_broken_condition() {
    use dl2pa_core::assign::{Certificate, CertificateError as E, Sense};
    // min over [[1, 2, 3], [2, 4, 6]] (2 × 3): σ = [1, 0] costs 4; u = [2, 3], v = [−1, 0, 0]
    // is feasible (u_i + v_j ≤ c_ij), tight on σ, and v ≤ 0 with v = 0 on the free column 2.
    let c = [1.0f64, 2.0, 3.0, 2.0, 4.0, 6.0];
    let p = Problem::minimize(&c, 2, 3).unwrap();
    let (sigma, u, v) = ([1u32, 0], [2.0f64, 3.0], [-1.0f64, 0.0, 0.0]);
    let ok = Certificate {
        assignment: &sigma,
        row_duals: &u,
        col_duals: &v,
        sense: Sense::Minimize,
    };
    let report = ok.check(&p, 0.0).unwrap();
    assert_eq!((report.primal, report.dual), (4.0, 4.0));
    let broken = |assignment: &[u32], row_duals: &[f64], col_duals: &[f64]| {
        let cert = Certificate {
            assignment,
            row_duals,
            col_duals,
            sense: Sense::Minimize,
        };
        cert.check(&p, 0.0).unwrap_err()
    };
    assert_eq!(broken(&[1], &u, &v), E::Length { what: "assignment" });
    assert_eq!(
        broken(&sigma, &u, &[0.0; 2]),
        E::Length { what: "col_duals" }
    );
    assert_eq!(broken(&sigma, &[2.0, f64::NAN], &v), E::NotFinite);
    assert_eq!(broken(&[1, 3], &u, &v), E::ColumnOutOfRange { row: 1 });
    assert_eq!(broken(&[1, 1], &u, &v), E::NotInjective { row: 1 });
    // u_0 = 2.5 breaks u_0 + v_0 ≤ c_00 = 1 first (and its tightness); 1.5 is feasible, not tight.
    assert_eq!(
        broken(&sigma, &[2.5, 3.0], &v),
        E::Infeasible { row: 0, col: 0 }
    );
    assert_eq!(broken(&sigma, &[1.5, 3.0], &v), E::NotTight { row: 0 });
    // Column 2 is free, so its dual must be 0: lowering it keeps every cell feasible.
    assert_eq!(
        broken(&sigma, &u, &[-1.0, 0.0, -1.0]),
        E::ColumnDual { col: 2 }
    );
}

/// `n` class means bunched around one direction (`spread`: how far apart, as early in
/// training) and `n` unit prototypes in 3-d; then the means after a step of `drift`. Returns
/// both similarity matrices, row-major `n × n`. Seeded xorshift, so the scan counts are fixed.
fn bunched_similarities(n: usize, spread: f64, drift: f64, seed: u64) -> (Vec<f64>, Vec<f64>) {
    const D: usize = 3;
    let mut state = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15);
    let mut uniform = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        (state >> 11) as f64 / (1u64 << 53) as f64 * 2.0 - 1.0
    };
    let normalise = |v: &mut [f64]| {
        let s = v.iter().map(|x| x * x).sum::<f64>().sqrt();
        v.iter_mut().for_each(|x| *x /= s);
    };
    let mut prototypes: Vec<f64> = (0..n * D).map(|_| uniform()).collect();
    prototypes.chunks_mut(D).for_each(normalise);
    let mut means: Vec<f64> = (0..n * D).map(|_| uniform()).collect();
    for m in means.chunks_mut(D) {
        m[0] = 1.0;
        m[1] *= spread;
        m[2] *= spread;
        normalise(m);
    }
    let sims = |means: &[f64]| -> Vec<f64> {
        let rows = means.chunks(D);
        rows.flat_map(|m| {
            prototypes
                .chunks(D)
                .map(|p| m.iter().zip(p).map(|(a, b)| a * b).sum())
        })
        .collect()
    };
    let before = sims(&means);
    means.iter_mut().for_each(|x| *x += drift * uniform());
    means.chunks_mut(D).for_each(normalise);
    (before, sims(&means))
}

#[test]
fn a_warm_start_may_spend_what_the_last_cold_solve_did() {
    // Early in training the means move far between updates: a warm start needs more than
    // 4 (n + m) scans, which used to send it cold, yet far fewer than a cold solve.
    let n = 200;
    let (before, after) = bunched_similarities(n, 0.1, 0.1, 1);
    let (p1, p2) = (
        Problem::maximize(&before, n, n).unwrap(),
        Problem::maximize(&after, n, n).unwrap(),
    );
    let mut s = Solver::new();
    let cold_before = s.solve(&p1).unwrap().stats().scans;
    let mut fresh = Solver::new();
    let cold = fresh.solve(&p2).unwrap();
    let (cold_scans, cold_sigma) = (cold.stats().scans, cold.assignment().to_vec());
    let warm = s.solve_warm(&p2).unwrap();
    let scans = warm.stats().scans;
    assert!(warm.warm_started(), "gave up after {scans} scans");
    assert!(
        scans > 4 * (n + n),
        "{scans} scans: the old budget would have done"
    );
    assert!(scans <= cold_before, "{scans} scans, budget {cold_before}");
    assert!(
        scans < cold_scans / 2,
        "warm {scans} vs cold {cold_scans} scans"
    );
    warm.certificate()
        .check(&p2, Certificate::tolerance(&p2))
        .unwrap();
    assert_eq!(warm.assignment(), &cold_sigma[..]);
}

#[test]
fn seeded_duals_keep_the_fixed_budget() {
    // With duals seeded from outside there is no cold solve to measure against: the warm start
    // gives up past 4 (n + m) scans and the answer is the cold one.
    let n = 200;
    let (before, after) = bunched_similarities(n, 0.1, 0.1, 1);
    let p1 = Problem::maximize(&before, n, n).unwrap();
    let p2 = Problem::maximize(&after, n, n).unwrap();
    let duals = Solver::new().solve(&p1).unwrap().col_duals().to_vec();
    let cold_sigma = Solver::new().solve(&p2).unwrap().assignment().to_vec();
    type Ws<'a> = dl2pa_core::assign::Workspace<'a, f64>;
    let mut f = vec![0.0f64; Ws::floats_needed(n, n)];
    let mut i = vec![0u32; Ws::indices_needed(n, n)];
    let mut ws = Ws::new(&mut f, &mut i);
    ws.seed_col_duals(&duals, Sense::Maximize).unwrap();
    let sol = ws.solve_warm(&p2).unwrap();
    assert!(!sol.warm_started(), "{} scans", sol.stats().scans);
    assert_eq!(sol.assignment(), &cold_sigma[..]);
}
