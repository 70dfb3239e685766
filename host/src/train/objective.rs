//! The five methods as one abstraction: what the network is trained towards, how a batch's
//! loss is formed, and whether the assignment moves. `dl2pa`, `fixed` and `etf` train the
//! normalised embedding towards the class's prototype `P[σ(y)]` — by a pull, or by
//! cross-entropy over the cosines to every prototype — and only `dl2pa` re-solves σ; `psc`
//! trains a linear classifier and `cosine-softmax` unit class vectors, both with softmax
//! cross-entropy. With `--vector-warmup E`, `dl2pa` and `fixed` train as the cosine softmax
//! for E epochs and then solve σ on the learned class vectors ([`Objective::end_warmup`]).

use burn::prelude::*;

use super::assignment::Assignment;
use super::cadence::Cadence;
use super::loss::{self, CosineLogits};
use crate::config::{Loss, Method, Reduction, TrainConfig};
use crate::run::Update;

/// What the network is trained towards.
// One per run: the size of its variants does not matter.
#[allow(clippy::large_enum_variant)]
pub enum Objective {
    /// Prototypes under an assignment; `dynamic` re-solves it during training (DL2PA).
    Prototypes {
        /// σ, the class means and `P[σ]`.
        assignment: Assignment,
        /// Whether σ is re-solved.
        dynamic: bool,
        /// In the vector warm-up: the loss is the cosine softmax's over the network's class
        /// vectors, and σ waits for [`Objective::end_warmup`].
        warming: bool,
    },
    /// A learned classifier with softmax cross-entropy: linear (`psc`) or unit class vectors
    /// scored by cosine (`cosine-softmax`).
    Softmax {
        /// Inverse training frequency of each class, mean 1 over classes: `[K, 1]`.
        inverse_frequency: Tensor<2>,
        /// Whether the classifier's scores are cosines (then scaled as [`LossSettings::cosine_logits`]).
        cosine: bool,
    },
}

/// How a batch's loss is formed (from the config).
#[derive(Clone, Copy, Debug)]
pub struct LossSettings {
    /// Loss of the prototype methods.
    pub form: Loss,
    /// Scale, margin and smoothing of cross-entropies over cosines.
    pub cosine_logits: CosineLogits,
    /// Reduction over the batch.
    pub reduction: Reduction,
    /// Whether per-class weights re-balance the loss.
    pub balanced: bool,
    /// Classes `K`.
    pub classes: usize,
}

impl LossSettings {
    /// The settings of `cfg` for `classes` classes.
    pub fn new(cfg: &TrainConfig, classes: usize) -> Self {
        LossSettings {
            form: cfg.loss,
            cosine_logits: CosineLogits {
                scale: cfg.cosine_scale(classes),
                margin: cfg.margin,
                smoothing: cfg.label_smoothing,
            },
            reduction: cfg.reduction,
            balanced: cfg.balanced(),
            classes,
        }
    }
}

impl Objective {
    /// The objective of `method`: prototype methods get `assignment` (in the vector warm-up if
    /// `warming`), `psc` its class weights from the training counts.
    pub fn new(
        method: Method,
        assignment: Option<Assignment>,
        warming: bool,
        train_counts: &[usize],
        device: &Device,
    ) -> Self {
        match assignment {
            Some(assignment) => Objective::Prototypes {
                assignment,
                dynamic: method == Method::Dl2pa,
                warming,
            },
            None => {
                let k = train_counts.len();
                let inv: Vec<f32> = train_counts
                    .iter()
                    .map(|&c| 1.0 / c.max(1) as f32)
                    .collect();
                let mean = inv.iter().sum::<f32>() / k as f32;
                let inv: Vec<f32> = inv.iter().map(|v| v / mean).collect();
                Objective::Softmax {
                    inverse_frequency: Tensor::from_data(TensorData::new(inv, [k, 1]), device),
                    cosine: method == Method::CosineSoftmax,
                }
            }
        }
    }

    /// The loss `[1]` of a batch with labels `y` (`[B]`): per example from the normalised
    /// embeddings `zn` (`[B, d]`) or the classifier's scores `logits` (`[B, K]`), weighted when
    /// balanced, and combined with the loss towards the mixup partners `mix = (y_b, λ)`.
    pub fn loss(
        &self,
        zn: &Tensor<2>,
        logits: Option<&Tensor<2>>,
        y: &Tensor<1, Int>,
        mix: Option<(&Tensor<1, Int>, f32)>,
        s: LossSettings,
    ) -> Tensor<1> {
        let weighted = |y: &Tensor<1, Int>| {
            let per = self.per_example(zn, logits, y, s);
            if s.balanced {
                per * self.weights(y, s.classes)
            } else {
                per
            }
        };
        let per = match mix {
            None => weighted(y),
            Some((y_b, lambda)) => loss::mix(weighted(y), weighted(y_b), lambda),
        };
        // Inverse-frequency cross-entropy is normalised by its weights, as PyTorch's.
        let norm = (s.balanced && matches!(self, Objective::Softmax { .. }))
            .then(|| self.weights(y, s.classes));
        loss::reduce(per, s.reduction, norm)
    }

    fn per_example(
        &self,
        zn: &Tensor<2>,
        logits: Option<&Tensor<2>>,
        y: &Tensor<1, Int>,
        s: LossSettings,
    ) -> Tensor<2> {
        match (self, logits) {
            (Objective::Prototypes { warming: true, .. }, Some(c)) => {
                loss::cosine_cross_entropy(c, y, s.cosine_logits)
            }
            (Objective::Prototypes { assignment, .. }, _) => match s.form {
                Loss::Cos | Loss::Cos2 => {
                    let squared = s.form == Loss::Cos2;
                    loss::pull(zn, assignment.class_prototypes(), y, squared)
                }
                Loss::Ce => {
                    let p = assignment.class_ordered_prototypes();
                    loss::cosine_cross_entropy(
                        &zn.clone().matmul(p.clone().transpose()),
                        y,
                        s.cosine_logits,
                    )
                }
            },
            (Objective::Softmax { cosine: false, .. }, Some(l)) => loss::cross_entropy(l, y),
            (Objective::Softmax { cosine: true, .. }, Some(c)) => {
                loss::cosine_cross_entropy(c, y, s.cosine_logits)
            }
            (Objective::Softmax { .. }, None) => {
                unreachable!("softmax networks have a classifier")
            }
        }
    }

    /// Class-balancing weights `[B, 1]` of labels `y`.
    fn weights(&self, y: &Tensor<1, Int>, k: usize) -> Tensor<2> {
        match self {
            Objective::Prototypes { .. } => loss::batch_balance(y, k),
            Objective::Softmax {
                inverse_frequency, ..
            } => inverse_frequency.clone().select(0, y.clone()),
        }
    }

    /// The assignment, if σ is re-solved during training (DL2PA): it wants to observe features.
    pub fn dynamic(&mut self) -> Option<&mut Assignment> {
        match self {
            Objective::Prototypes {
                assignment,
                dynamic: true,
                warming: false,
            } => Some(assignment),
            _ => None,
        }
    }

    /// The assignment of a prototype method (`None` for `psc`).
    pub fn assignment(&self) -> Option<&Assignment> {
        match self {
            Objective::Prototypes { assignment, .. } => Some(assignment),
            Objective::Softmax { .. } => None,
        }
    }

    /// Whether the loss reads the network's class scores (the softmax methods, and the vector
    /// warm-up).
    pub fn scores_classes(&self) -> bool {
        matches!(self, Objective::Softmax { .. }) || self.warming()
    }

    /// Whether the vector warm-up is on: the network's class vectors, not `P[σ]`, classify.
    pub fn warming(&self) -> bool {
        matches!(self, Objective::Prototypes { warming: true, .. })
    }

    /// Ends the vector warm-up after `iteration`: σ is solved cold on the learned unit class
    /// `vectors` (`K × d`, class order), which also become the class means, and the prototype
    /// loss takes over. `None` when there is no warm-up to end.
    ///
    /// # Errors
    /// As [`Assignment::resolve`].
    pub fn end_warmup(
        &mut self,
        vectors: Vec<f32>,
        iteration: usize,
    ) -> crate::Result<Option<Update>> {
        match self {
            Objective::Prototypes {
                assignment,
                warming: warming @ true,
                ..
            } => {
                *warming = false;
                assignment.start_from(vectors, iteration).map(Some)
            }
            _ => Ok(None),
        }
    }

    /// Re-solves σ after `iteration` if `cadence` says it is due, and tells `cadence`.
    ///
    /// # Errors
    /// As [`Assignment::resolve`].
    pub fn resolve_if_due(
        &mut self,
        iteration: usize,
        cadence: &mut Cadence,
    ) -> crate::Result<Option<Update>> {
        match self.dynamic() {
            Some(a) if cadence.due(iteration) => {
                let u = a.resolve(iteration)?;
                cadence.after(iteration, u.moved);
                Ok(Some(u))
            }
            _ => Ok(None),
        }
    }
}
