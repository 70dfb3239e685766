//! Closed-form prototypes: optimal where they apply, no optimiser needed.
//!
//! * Simplex ETF (`d ≥ K − 1`): every pairwise cosine is exactly `−1/(K−1)`, the smallest the
//!   largest cosine of any `K` unit vectors can be (their sum has non-negative squared norm).
//! * Cross-polytope `{±e_i}` (`K ≤ 2d`): largest cosine 0, optimal when `K > d + 1` because at
//!   most `d + 1` vectors in `R^d` can be pairwise obtuse (Rankin).

/// The simplex ETF: `K` unit vectors in `R^d` (`d ≥ K − 1`), row-major, computed in `f64`.
///
/// The centred basis vectors `e_k − 1/K` span the `K − 1` dimensions orthogonal to `(1, …, 1)`.
/// For `d ≥ K` they are used as they are; for `d = K − 1` a Householder reflection that sends
/// `(1, …, 1)/√K` to `e_K` moves them into the first `K − 1` coordinates.
///
/// # Panics
/// If `d + 1 < K` or `K < 2`.
pub fn simplex_etf(k: usize, d: usize) -> Vec<f32> {
    assert!(
        k >= 2 && d + 1 >= k,
        "simplex ETF needs K >= 2 and d >= K - 1"
    );
    let kf = k as f64;
    // Rows of the centred identity, normalised: e_k − 1/K has norm sqrt((K−1)/K).
    let mut rows: Vec<Vec<f64>> = (0..k)
        .map(|r| {
            (0..k)
                .map(|c| if r == c { 1.0 - 1.0 / kf } else { -1.0 / kf })
                .collect()
        })
        .collect();
    if d < k {
        // Householder H = I − 2 w wᵀ with w ∝ (1/√K)·1 − e_K maps 1/√K to e_K.
        let s = 1.0 / kf.sqrt();
        let mut w: Vec<f64> = vec![s; k];
        w[k - 1] -= 1.0;
        let wn = w.iter().map(|x| x * x).sum::<f64>().sqrt();
        w.iter_mut().for_each(|x| *x /= wn);
        for row in &mut rows {
            let proj: f64 = row.iter().zip(&w).map(|(a, b)| a * b).sum();
            row.iter_mut()
                .zip(&w)
                .for_each(|(a, b)| *a -= 2.0 * proj * b);
            row.truncate(k - 1); // the last coordinate is 0: the rows are orthogonal to 1
        }
    }
    let mut out = Vec::with_capacity(k * d);
    for row in &rows {
        let n = row.iter().map(|x| x * x).sum::<f64>().sqrt();
        out.extend(row.iter().map(|x| (x / n) as f32));
        out.extend(std::iter::repeat_n(0.0f32, d - row.len()));
    }
    out
}

/// `K ≤ 2d` vectors from the cross-polytope, in the order `e_1, −e_1, e_2, −e_2, …`.
///
/// # Panics
/// If `K > 2d`.
pub fn cross_polytope(k: usize, d: usize) -> Vec<f32> {
    assert!(k <= 2 * d, "cross-polytope needs K <= 2d");
    let mut out = vec![0.0f32; k * d];
    for r in 0..k {
        out[r * d + r / 2] = if r % 2 == 0 { 1.0 } else { -1.0 };
    }
    out
}
