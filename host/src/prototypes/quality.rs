//! How well spread a prototype set is, measured in `f64`.

use serde::Serialize;

/// Pairwise-cosine statistics of `K` unit vectors (lower `max_cos` is better).
#[derive(Clone, Copy, Debug, Serialize, PartialEq)]
pub struct Quality {
    /// Largest cosine between two different prototypes: the worst-separated pair.
    pub max_cos: f64,
    /// Smallest pairwise cosine.
    pub min_cos: f64,
    /// Mean over prototypes of the cosine to their nearest neighbour.
    pub mean_max_cos: f64,
    /// The simplex bound `−1/(K−1)` (no set of K unit vectors has a lower `max_cos`).
    pub simplex_bound: f64,
    /// `max_cos − simplex_bound`: 0 exactly for the simplex ETF.
    pub gap_to_simplex: f64,
    /// The paper's uniformity loss at t = 2: `log mean_{i≠j} exp(−2 |p_i − p_j|²)`.
    pub paper_loss: f64,
    /// Largest `| |p| − 1 |` over rows.
    pub max_norm_error: f64,
}

/// Measures the row-major `K × d` set `p`.
pub fn quality(p: &[f32], k: usize, d: usize) -> Quality {
    let rows: Vec<&[f32]> = p.chunks_exact(d).collect();
    let dot = |a: &[f32], b: &[f32]| {
        a.iter()
            .zip(b)
            .map(|(x, y)| f64::from(*x) * f64::from(*y))
            .sum::<f64>()
    };
    let norms: Vec<f64> = rows.iter().map(|r| dot(r, r).sqrt()).collect();
    let (mut max_cos, mut min_cos, mut sum_max) = (f64::NEG_INFINITY, f64::INFINITY, 0.0);
    let mut terms = Vec::with_capacity(k * k.saturating_sub(1));
    for i in 0..k {
        let mut row_max = f64::NEG_INFINITY;
        for j in 0..k {
            if i == j {
                continue;
            }
            let c = dot(rows[i], rows[j]) / (norms[i] * norms[j]);
            row_max = row_max.max(c);
            min_cos = min_cos.min(c);
            // |p_i − p_j|² of the normalised rows.
            terms.push(-2.0 * (2.0 - 2.0 * c));
        }
        max_cos = max_cos.max(row_max);
        sum_max += row_max;
    }
    let m = terms.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let paper_loss =
        m + (terms.iter().map(|t| (t - m).exp()).sum::<f64>() / terms.len() as f64).ln();
    let simplex_bound = -1.0 / (k as f64 - 1.0);
    Quality {
        max_cos,
        min_cos,
        mean_max_cos: sum_max / k as f64,
        simplex_bound,
        gap_to_simplex: max_cos - simplex_bound,
        paper_loss,
        max_norm_error: norms.iter().map(|n| (n - 1.0).abs()).fold(0.0, f64::max),
    }
}
