//! How well spread a prototype set is, measured in `f64`.

use serde::{Deserialize, Serialize};

/// Pairwise-cosine statistics of `K` unit vectors (lower `max_cos` is better).
#[derive(Clone, Copy, Debug, Serialize, Deserialize, PartialEq)]
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
    let cos = |i: usize, j: usize| dot(rows[i], rows[j]) / (norms[i] * norms[j]);
    for i in 0..k {
        let mut row_max = f64::NEG_INFINITY;
        for j in (0..k).filter(|&j| j != i) {
            let c = cos(i, j);
            row_max = row_max.max(c);
            min_cos = min_cos.min(c);
        }
        max_cos = max_cos.max(row_max);
        sum_max += row_max;
    }
    // The paper's loss over |p_i − p_j|² of the normalised rows, -2 (2 − 2 cos), shifted by its
    // largest term (the closest pair's) and summed in the first pass's order: a second pass
    // instead of K² stored terms (8 bytes a pair: 34 GB at K = 65 535).
    let term = |c: f64| -2.0 * (2.0 - 2.0 * c);
    let m = term(max_cos);
    let mut sum = 0.0;
    for i in 0..k {
        for j in (0..k).filter(|&j| j != i) {
            sum += (term(cos(i, j)) - m).exp();
        }
    }
    let paper_loss = m + (sum / (k * (k - 1)) as f64).ln();
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

/// [`quality`] computed on `device` in f32 (for large K, where the `O(K² d)` host loop is slow):
/// the Gram matrix and its reductions stay on the device; only scalars come back.
pub fn quality_on(
    p: &[f32],
    k: usize,
    d: usize,
    device: &burn::prelude::Device,
) -> crate::Result<Quality> {
    use burn::prelude::*;
    let t = Tensor::<2>::from_data(TensorData::new(p.to_vec(), [k, d]), device);
    let norms = t.clone().square().sum_dim(1).sqrt();
    let unit = t / norms.clone().clamp_min(1e-12);
    let g = unit.clone().matmul(unit.transpose());
    let off = Tensor::<2, Bool>::diag_mask([k, k], 0, device);
    let for_max = g
        .clone()
        .mask_fill(off.clone().bool_not(), f32::NEG_INFINITY);
    let for_min = g.clone().mask_fill(off.clone().bool_not(), f32::INFINITY);
    let scalar = |x: Tensor<1>| -> crate::Result<f64> {
        x.try_into_scalar::<f32>()
            .map(f64::from)
            .map_err(|e| crate::Error::Numerical(format!("reading a tensor: {e:?}")))
    };
    let max_cos = scalar(for_max.clone().max())?;
    let min_cos = scalar(for_min.min())?;
    let mean_max_cos = scalar(for_max.clone().max_dim(1).mean())?;
    // log mean_{i≠j} exp(−2 |p_i − p_j|²) = log mean exp(4 cos − 4).
    let logits = for_max * 4.0 - 4.0;
    let m = logits.clone().max();
    let lse = scalar(m.clone())?
        + scalar(super::sum_all::sum_all((logits - m.unsqueeze::<2>()).exp()))?.ln();
    let paper_loss = lse - ((k * (k - 1)) as f64).ln();
    let max_norm_error = scalar((norms - 1.0).abs().max())?;
    let simplex_bound = -1.0 / (k as f64 - 1.0);
    Ok(Quality {
        max_cos,
        min_cos,
        mean_max_cos,
        simplex_bound,
        gap_to_simplex: max_cos - simplex_bound,
        paper_loss,
        max_norm_error,
    })
}
