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

/// Runs `steps` steps from `init` (row-major `K × d`, unit rows; `d = init.len() / K`) and
/// returns the rows and the final loss in the procedure's own form. `progress` is called after
/// each step.
///
/// # Errors
/// [`Error::Numerical`] if the loss or a prototype stops being finite.
pub fn optimise(
    init: &[f32],
    k: usize,
    procedure: Procedure,
    steps: usize,
    rng: &mut ChaCha8Rng,
    device: &Device,
    progress: impl FnMut(usize),
) -> Result<(Vec<f32>, f64)> {
    let d = init.len() / k;
    let p = Tensor::<2>::from_data(TensorData::new(init.to_vec(), [k, d]), device);
    let (p, loss) = match procedure {
        Procedure::Paper { t, lr, batch } => paper(p, t, lr, batch, steps, rng, progress)?,
        Procedure::Annealed {
            tau_start,
            tau_end,
            tau_polish,
        } => {
            let schedule = Schedule {
                tau_start,
                tau_end,
                tau_polish,
                steps,
            };
            annealed(p, &schedule, progress)?
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

/// [`Procedure::Paper`]: SGD at kernel width `t` on random subsets of `batch` rows of `p`;
/// returns the rows and the last step's `log mean_{i≠j} exp(−t |p_i − p_j|²)`.
fn paper(
    mut p: Tensor<2>,
    t: f64,
    lr: f64,
    batch: usize,
    steps: usize,
    rng: &mut ChaCha8Rng,
    mut progress: impl FnMut(usize),
) -> Result<(Tensor<2>, f64)> {
    let (k, device) = (p.dims()[0], p.device());
    let batch = batch.clamp(2, k);
    let offdiag = Tensor::<2, Bool>::diag_mask([batch, batch], 0, &device);
    let mut last = f64::NAN;
    for step in 0..steps {
        // log mean exp(−t|p_i − p_j|²) = −2t + log Σ exp(2t G) − log(b(b−1)).
        let ids = (batch < k).then(|| {
            let ids: Vec<i64> = sample(rng, k, batch)
                .into_iter()
                .map(|i| i as i64)
                .collect();
            Tensor::<1, Int>::from_data(TensorData::new(ids, [batch]), &device)
        });
        let sub = match &ids {
            None => p.clone(),
            Some(ids) => p.clone().select(0, ids.clone()),
        };
        let (l, w) = lse(&sub, 2.0 * t, &offdiag);
        let grad = w.matmul(sub.clone()) * (4.0 * t);
        let moved = normalise_rows(sub - grad * lr);
        p = match ids {
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
    Ok((p, last))
}

/// [`Procedure::Annealed`]'s temperatures over `steps` steps.
pub(super) struct Schedule {
    pub(super) tau_start: f64,
    pub(super) tau_end: f64,
    pub(super) tau_polish: f64,
    pub(super) steps: usize,
}

impl Schedule {
    /// The default annealed procedure's temperatures over `steps` steps.
    pub(super) fn annealed(steps: usize) -> Self {
        let Procedure::Annealed {
            tau_start,
            tau_end,
            tau_polish,
        } = Procedure::annealed()
        else {
            unreachable!("Procedure::annealed is annealed")
        };
        Schedule {
            tau_start,
            tau_end,
            tau_polish,
            steps,
        }
    }

    /// τ at step `s`: geometric from `tau_start` to `tau_end` over 80 % of the steps, then from
    /// `tau_end` to `tau_polish`.
    pub(super) fn tau(&self, s: usize) -> f64 {
        let anneal = (self.steps * 4 / 5).max(1);
        if s < anneal {
            self.tau_start * (self.tau_end / self.tau_start).powf(s as f64 / anneal as f64)
        } else {
            let span = (self.steps - anneal).max(1);
            let f = (s - anneal) as f64 / span as f64;
            self.tau_end * (self.tau_polish / self.tau_end).powf(f)
        }
    }
}

/// The annealed procedure's state: rows, temperature, loss `(1/τ) log Σ exp(τG)`, its softmax
/// weights `W`, and the step length `η`.
struct Annealing {
    p: Tensor<2>,
    tau: f64,
    loss: f64,
    w: Tensor<2>,
    eta: f64,
    offdiag: Tensor<2, Bool>,
}

impl Annealing {
    /// Evaluates `p` at `tau`.
    fn at(p: Tensor<2>, tau: f64, offdiag: Tensor<2, Bool>) -> Result<Self> {
        let (l, w) = lse(&p, tau, &offdiag);
        let loss = scalar(l)? / tau;
        Ok(Self {
            p,
            tau,
            loss,
            w,
            eta: 0.05,
            offdiag,
        })
    }

    /// Moves to temperature `tau`, re-evaluating the objective if it changed.
    fn set_tau(&mut self, tau: f64) -> Result<()> {
        if tau != self.tau {
            self.tau = tau;
            let (l, w) = lse(&self.p, tau, &self.offdiag);
            (self.loss, self.w) = (scalar(l)? / tau, w);
        }
        Ok(())
    }

    /// One normalised Riemannian step (the largest row moves by `η`), backtracking on `η`
    /// until the loss does not rise.
    fn step(&mut self) -> Result<()> {
        // Riemannian gradient of (1/τ) log Σ exp(τG): 2 W P, minus its radial part.
        let g = self.w.clone().matmul(self.p.clone()) * 2.0;
        let radial = (g.clone() * self.p.clone()).sum_dim(1);
        let g = g - self.p.clone() * radial;
        let gmax = scalar(g.clone().square().sum_dim(1).max().sqrt())?;
        if gmax < 1e-12 {
            return Ok(());
        }
        loop {
            let cand = normalise_rows(self.p.clone() - g.clone() * (self.eta / gmax));
            let (cl, cw) = lse(&cand, self.tau, &self.offdiag);
            let closs = scalar(cl)? / self.tau;
            if closs <= self.loss || self.eta < 1e-9 {
                (self.p, self.w, self.loss) = (cand, cw, closs);
                self.eta = (self.eta * 1.25).min(0.5);
                return Ok(());
            }
            self.eta *= 0.5;
        }
    }
}

/// [`Procedure::Annealed`]: returns the rows and the final `(1/τ) log Σ_{i≠j} exp(τ G_ij)`.
fn annealed(
    p: Tensor<2>,
    schedule: &Schedule,
    mut progress: impl FnMut(usize),
) -> Result<(Tensor<2>, f64)> {
    let k = p.dims()[0];
    let offdiag = Tensor::<2, Bool>::diag_mask([k, k], 0, &p.device());
    let mut state = Annealing::at(p, schedule.tau(0), offdiag)?;
    for step in 0..schedule.steps {
        state.set_tau(schedule.tau(step))?;
        state.step()?;
        progress(step + 1);
    }
    Ok((state.p, state.loss))
}
