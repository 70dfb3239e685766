//! The losses of the four methods, per example, with their weights and reductions.
//!
//! Shapes: `B` examples, `d` embedding dimensions, `K` classes. Per-example losses are
//! `[B, 1]` so that weights and mixup combine them element-wise before one reduction.

use burn::prelude::*;
use burn::tensor::activation::log_softmax;

use super::config::{Loss, Reduction};

/// The pull towards the assigned prototype (paper eq. 6), per example: `1 − cos(z, p_σ(y))`
/// ([`Loss::Cos`]) or its square ([`Loss::Cos2`], the authors' code).
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
    form: Loss,
) -> Tensor<2> {
    let target = class_prototypes.clone().select(0, y.clone());
    let gap = (zn.clone() * target).sum_dim(1).neg() + 1.0;
    match form {
        Loss::Cos => gap,
        Loss::Cos2 => gap.square(),
    }
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
