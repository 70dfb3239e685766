//! The losses of the five methods, per example, with their weights and reductions.
//!
//! Shapes: `B` examples, `d` embedding dimensions, `K` classes. Per-example losses are
//! `[B, 1]` so that weights and mixup combine them element-wise before one reduction.

use burn::prelude::*;
use burn::tensor::activation::log_softmax;

use crate::config::Reduction;

/// The pull towards the assigned prototype (paper eq. 6), per example: `1 − cos(z, p_σ(y))`
/// ([`Loss::Cos`](crate::config::Loss::Cos)) or, `squared`, its square
/// ([`Loss::Cos2`](crate::config::Loss::Cos2), the authors' code).
///
/// * `zn`: L2-normalised embeddings `[B, d]`;
/// * `class_prototypes`: `P[σ]` in class order, unit rows `[K, d]`;
/// * `y`: class indices `[B]`.
///
/// Returns `[B, 1]`, in `[0, 2]` (`[0, 4]` squared).
pub fn pull(
    zn: &Tensor<2>,
    class_prototypes: &Tensor<2>,
    y: &Tensor<1, Int>,
    squared: bool,
) -> Tensor<2> {
    let target = class_prototypes.clone().select(0, y.clone());
    let gap = (zn.clone() * target).sum_dim(1).neg() + 1.0;
    if squared { gap.square() } else { gap }
}

/// Softmax cross-entropy per example (the `psc` baseline): `−log softmax(logits)_y`.
///
/// `logits`: `[B, K]`; `y`: `[B]`. Returns `[B, 1]`.
pub fn cross_entropy(logits: &Tensor<2>, y: &Tensor<1, Int>) -> Tensor<2> {
    let b = y.dims()[0];
    log_softmax(logits.clone(), 1)
        .gather(1, y.clone().reshape([b, 1]))
        .neg()
}

/// The settings of a cross-entropy over cosine logits.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct CosineLogits {
    /// Scale `s` of the cosines.
    pub scale: f64,
    /// Additive margin `m` on the target's cosine (CosFace, Wang et al. 2018).
    pub margin: f64,
    /// Label smoothing `ε`: the target distribution is `(1 − ε)` on the target plus `ε / M`
    /// on each of the `M` logits.
    pub smoothing: f64,
}

/// Cross-entropy over scaled cosines, per example: logits `s·(cos_j − m·[j = t])` over the
/// `M` cosines of each example, target `t`; with label smoothing `ε`,
/// `(1 − ε)·(−log p_t) + ε·mean_j(−log p_j)`.
///
/// * `cos`: cosines `[B, M]` of the normalised embeddings to unit vectors — `P[σ]` in class
///   order then the unassigned prototypes (`--loss ce`), or the learned class vectors
///   (`cosine-softmax`);
/// * `target`: column indices `[B]` below `M` (the class: columns are in class order).
///
/// Returns `[B, 1]`.
pub fn cosine_cross_entropy(
    cos: &Tensor<2>,
    target: &Tensor<1, Int>,
    c: CosineLogits,
) -> Tensor<2> {
    let m = cos.dims()[1];
    let mut logits = cos.clone();
    if c.margin > 0.0 {
        logits = logits - target.clone().one_hot::<2>(m).float() * c.margin;
    }
    let log_p = log_softmax(logits * c.scale, 1);
    let b = target.dims()[0];
    let nll = log_p
        .clone()
        .gather(1, target.clone().reshape([b, 1]))
        .neg();
    if c.smoothing > 0.0 {
        nll * (1.0 - c.smoothing) + log_p.mean_dim(1).neg() * c.smoothing
    } else {
        nll
    }
}

/// Per-batch class-balancing weights for prototype methods (supp. §7.2): `sqrt(γ / n_y)` with
/// `n_y` the examples of class `y` in the batch and `γ = B / (classes present in the batch)`.
///
/// `y`: `[B]` indices below `k`. Returns `[B, 1]`; a balanced batch gets all ones.
pub fn batch_balance(y: &Tensor<1, Int>, k: usize) -> Tensor<2> {
    let b = y.dims()[0];
    let onehot: Tensor<2> = y.clone().one_hot::<2>(k).float();
    let counts = onehot.clone().sum_dim(0); // [1, K]
    let present = counts
        .clone()
        .greater_elem(0.0)
        .float()
        .sum()
        .reshape([1, 1]);
    let n_y = onehot.matmul(counts.transpose()); // [B, 1]
    (present.recip() * b as f64 / n_y).sqrt()
}

/// Mixup's combination of the losses towards both labels of mixed inputs:
/// `λ · per_a + (1 − λ) · per_b`, all `[B, 1]`.
pub fn mix(per_a: Tensor<2>, per_b: Tensor<2>, lambda: f32) -> Tensor<2> {
    per_a * f64::from(lambda) + per_b * f64::from(1.0 - lambda)
}

/// Reduces per-example losses `[B, 1]` to a scalar `[1]`: their sum, their mean, or — given
/// the weights they were multiplied by — their sum over the sum of the weights (PyTorch's mean
/// of a weighted cross-entropy).
pub fn reduce(per: Tensor<2>, reduction: Reduction, weights: Option<Tensor<2>>) -> Tensor<1> {
    match (reduction, weights) {
        (Reduction::Sum, _) => per.sum(),
        (Reduction::Mean, Some(w)) => per.sum() / w.sum(),
        (Reduction::Mean, None) => per.mean(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tensor<const D: usize>(v: Vec<f32>, shape: [usize; D]) -> Tensor<D> {
        Tensor::from_data(TensorData::new(v, shape), &Device::flex())
    }

    /// Against the formula worked by hand in f64: logits `s·(cos − m·onehot)`, then
    /// `(1 − ε)·nll + ε·mean(−log p)`.
    #[test]
    fn cosine_cross_entropy_is_the_smoothed_cross_entropy_of_the_margin_logits() {
        let cos = [[0.9f64, 0.2, -0.5], [0.1, 0.7, 0.3]];
        let target = [0usize, 2];
        let c = CosineLogits {
            scale: 4.0,
            margin: 0.25,
            smoothing: 0.1,
        };
        let got = cosine_cross_entropy(
            &tensor(cos.iter().flatten().map(|&v| v as f32).collect(), [2, 3]),
            &Tensor::from_data(TensorData::new(vec![0i64, 2], [2]), &Device::flex()),
            c,
        )
        .try_into_vec_as::<f32>()
        .unwrap();
        for (row, (&t, g)) in cos.iter().zip(target.iter().zip(&got)) {
            let logits: Vec<f64> = (0..3)
                .map(|j| c.scale * (row[j] - if j == t { c.margin } else { 0.0 }))
                .collect();
            let lse = logits.iter().map(|l| l.exp()).sum::<f64>().ln();
            let nll = lse - logits[t];
            let mean = logits.iter().map(|l| lse - l).sum::<f64>() / 3.0;
            let want = (1.0 - c.smoothing) * nll + c.smoothing * mean;
            assert!((f64::from(*g) - want).abs() < 1e-5, "{g} vs {want}");
        }
    }

    /// Without margin and smoothing it is the softmax cross-entropy of the scaled cosines.
    #[test]
    fn plain_cosine_cross_entropy_is_cross_entropy_of_scaled_cosines() {
        let cos = tensor(vec![0.3, -0.2, 0.8, 0.5], [2, 2]);
        let y = Tensor::from_data(TensorData::new(vec![1i64, 0], [2]), &Device::flex());
        let c = CosineLogits {
            scale: 16.0,
            margin: 0.0,
            smoothing: 0.0,
        };
        let a = cosine_cross_entropy(&cos, &y, c)
            .try_into_vec_as::<f32>()
            .unwrap();
        let b = cross_entropy(&(cos * 16.0), &y)
            .try_into_vec_as::<f32>()
            .unwrap();
        assert_eq!(a, b);
    }
}
