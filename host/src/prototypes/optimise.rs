//! Spreading prototypes by gradient descent on the sphere, on burn tensors (CPU or GPU).
//!
//! One objective covers both methods. For unit vectors `|p_i − p_j|² = 2 − 2 cos_ij`, so the
//! paper's Gaussian-potential loss `log mean_{i≠j} exp(−t |p_i − p_j|²)` equals
//! `−2t + log mean_{i≠j} exp(τ cos_ij)` with `τ = 2t`: a log-sum-exp of the cosines at inverse
//! temperature `τ`. At the paper's `t = 2` it barely sees the worst pair; as `τ → ∞` it becomes
//! the largest cosine itself (the Tammes / max-min problem). Its gradient is
//! `∂/∂P log Σ_{i≠j} exp(τ G_ij) = 2τ W P`, with `G = P Pᵀ` and `W` the softmax of `τ G` over the
//! off-diagonal entries.
//!
//! * [`Procedure::Paper`] reproduces §3.2.1: SGD on that loss at fixed `t`, learning rate 0.1, a
//!   random subset of `batch` prototypes per step, rows re-normalised after every step.
//! * [`Procedure::Annealed`] raises `τ` geometrically and takes normalised Riemannian steps on
//!   `(1/τ) log Σ exp(τ G)` (the largest row moves by `η`), adapting `η` by backtracking, then
//!   polishes at a higher `τ` — the same loss, sharpened until it is the max-min objective.

use burn::prelude::*;
use burn::tensor::IndexingUpdateOp;
use rand::Rng;
use rand::seq::index::sample;
use rand_chacha::ChaCha8Rng;

use crate::error::{Error, Result};

/// How the optimiser moves: the paper's procedure or the annealed one.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Procedure {
    /// The paper's procedure: `steps` SGD steps at kernel width `t` and learning rate `lr` on
    /// random subsets of `batch` prototypes (`batch = K` uses all of them every step).
    Paper {
        /// Kernel width (2 in the paper).
        t: f64,
        /// Learning rate (0.1 in the paper).
        lr: f64,
        /// Prototypes per step.
        batch: usize,
    },
    /// Annealed log-sum-exp: `τ` from `tau_start` to `tau_end` over 80 % of the steps, then a
    /// polish from `tau_end` to `tau_polish` over the rest.
    Annealed {
        /// First inverse temperature.
        tau_start: f64,
        /// Inverse temperature at the end of the anneal.
        tau_end: f64,
        /// Inverse temperature at the end of the polish.
        tau_polish: f64,
    },
}

impl Procedure {
    /// The paper's settings (t = 2, lr = 0.1) with all `k` prototypes in each step.
    pub fn paper(k: usize) -> Self {
        Procedure::Paper {
            t: 2.0,
            lr: 0.1,
            batch: k,
        }
    }

    /// The annealed default: τ 10 → 10⁴, polish to 10⁵.
    pub fn annealed() -> Self {
        Procedure::Annealed {
            tau_start: 10.0,
            tau_end: 1e4,
            tau_polish: 1e5,
        }
    }
}

/// Uniform random rows in `[−1, 1]^d`, normalised: the authors' initialisation.
pub fn random_init(k: usize, d: usize, rng: &mut ChaCha8Rng) -> Vec<f32> {
    let mut p: Vec<f32> = (0..k * d).map(|_| rng.random_range(-1.0f32..1.0)).collect();
    for row in p.chunks_exact_mut(d) {
        let n = row.iter().map(|x| x * x).sum::<f32>().sqrt();
        if n > 0.0 {
            row.iter_mut().for_each(|x| *x /= n);
        } else {
            row[0] = 1.0;
        }
    }
    p
}

/// Rows scaled to unit length (a zero row stays zero; the optimiser never produces one).
fn normalise_rows(p: Tensor<2>) -> Tensor<2> {
    let n = p.clone().square().sum_dim(1).sqrt().clamp_min(1e-12);
    p / n
}

/// `log Σ_{i≠j} exp(τ G_ij)` and the softmax weights `W`, for rows `p`.
fn lse(p: &Tensor<2>, tau: f64, offdiag: &Tensor<2, Bool>) -> (Tensor<1>, Tensor<2>) {
    let g = p.clone().matmul(p.clone().transpose());
    let logits = (g * tau).mask_fill(offdiag.clone().bool_not(), f32::NEG_INFINITY);
    let m = logits.clone().max();
    let e = (logits - m.clone().unsqueeze::<2>()).exp();
    let s = super::sum_all::sum_all(e.clone());
    let w = e / s.clone().unsqueeze::<2>();
    (m + s.log(), w)
}

fn scalar(t: Tensor<1>) -> Result<f64> {
    let v: f32 = t
        .try_into_scalar()
        .map_err(|e| Error::Numerical(format!("reading a tensor: {e:?}")))?;
    if v.is_finite() {
        Ok(f64::from(v))
    } else {
        Err(Error::Numerical("prototype loss is not finite".into()))
    }
}

/// Runs `steps` steps from `init` (row-major `K × d`, unit rows; `d = init.len() / K`) and returns the rows and the
/// final loss in the procedure's own form. `progress` is called after each step.
pub fn optimise(
    init: &[f32],
    k: usize,
    procedure: Procedure,
    steps: usize,
    rng: &mut ChaCha8Rng,
    device: &Device,
    mut progress: impl FnMut(usize),
) -> Result<(Vec<f32>, f64)> {
    let d = init.len() / k;
    let mut p = Tensor::<2>::from_data(TensorData::new(init.to_vec(), [k, d]), device);
    let loss = match procedure {
        Procedure::Paper { t, lr, batch } => {
            let batch = batch.clamp(2, k);
            let offdiag = Tensor::<2, Bool>::diag_mask([batch, batch], 0, device);
            let mut last = f64::NAN;
            for step in 0..steps {
                // log mean exp(−t|p_i − p_j|²) = −2t + log Σ exp(2t G) − log(b(b−1)).
                let (idx, sub) = if batch == k {
                    (None, p.clone())
                } else {
                    let ids: Vec<i64> = sample(rng, k, batch)
                        .into_iter()
                        .map(|i| i as i64)
                        .collect();
                    let ids = Tensor::<1, Int>::from_data(TensorData::new(ids, [batch]), device);
                    (Some(ids.clone()), p.clone().select(0, ids))
                };
                let (l, w) = lse(&sub, 2.0 * t, &offdiag);
                let grad = w.matmul(sub.clone()) * (4.0 * t);
                let moved = normalise_rows(sub - grad * lr);
                p = match idx {
                    None => moved,
                    Some(ids) => {
                        let delta = moved - p.clone().select(0, ids.clone());
                        p.select_assign(0, ids, delta, IndexingUpdateOp::Add)
                    }
                };
                if step + 1 == steps {
                    last = scalar(l)? - 2.0 * t - ((batch * (batch - 1)) as f64).ln();
                }
                progress(step + 1);
            }
            last
        }
        Procedure::Annealed {
            tau_start,
            tau_end,
            tau_polish,
        } => {
            let offdiag = Tensor::<2, Bool>::diag_mask([k, k], 0, device);
            let anneal = (steps * 4 / 5).max(1);
            let tau_at = |s: usize| {
                if s < anneal {
                    tau_start * (tau_end / tau_start).powf(s as f64 / anneal as f64)
                } else {
                    let span = (steps - anneal).max(1);
                    tau_end * (tau_polish / tau_end).powf((s - anneal) as f64 / span as f64)
                }
            };
            let mut eta = 0.05f64;
            let mut tau = tau_at(0);
            let (mut l, mut w) = lse(&p, tau, &offdiag);
            let mut loss = scalar(l.clone())? / tau;
            for step in 0..steps {
                let new_tau = tau_at(step);
                if new_tau != tau {
                    // The objective changed: re-evaluate at the new temperature.
                    tau = new_tau;
                    (l, w) = lse(&p, tau, &offdiag);
                    loss = scalar(l.clone())? / tau;
                }
                // Riemannian gradient of (1/τ) log Σ exp(τG): 2 W P, minus its radial part.
                let g = w.clone().matmul(p.clone()) * 2.0;
                let radial = (g.clone() * p.clone()).sum_dim(1);
                let g = g - p.clone() * radial;
                let gmax = scalar(g.clone().square().sum_dim(1).max().sqrt())?;
                if gmax < 1e-12 {
                    progress(step + 1);
                    continue;
                }
                // Backtracking on the step length η (the largest row move).
                loop {
                    let cand = normalise_rows(p.clone() - g.clone() * (eta / gmax));
                    let (cl, cw) = lse(&cand, tau, &offdiag);
                    let closs = scalar(cl.clone())? / tau;
                    if closs <= loss || eta < 1e-9 {
                        p = cand;
                        (l, w, loss) = (cl, cw, closs);
                        eta = (eta * 1.25).min(0.5);
                        break;
                    }
                    eta *= 0.5;
                }
                progress(step + 1);
            }
            let _ = l;
            loss
        }
    };
    let data = p
        .try_into_vec_as::<f32>()
        .map_err(|e| Error::Numerical(format!("reading prototypes: {e:?}")))?;
    if data.iter().any(|x| !x.is_finite()) {
        return Err(Error::Numerical(
            "prototype optimisation produced NaN".into(),
        ));
    }
    Ok((data, loss))
}
