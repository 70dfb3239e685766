//! Prototype estimation: `K` unit vectors in `R^d` spread as evenly as possible.
//!
//! They depend only on `(K, d)`, never on data (paper §3.2.1). [`Estimator::Best`] picks the provably
//! optimal closed form where one exists and the annealed optimiser elsewhere.

pub mod cache;
mod closed;
mod fused;
mod optimise;
mod quality;
mod sum_all;

use std::path::Path;
use std::time::Instant;

use burn::prelude::Device;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use serde::Serialize;

pub use closed::{cross_polytope, simplex_etf};
pub use optimise::{Procedure, optimise, random_init};
pub use quality::{Quality, quality, quality_on};

use crate::error::{Error, Result};

/// Steps of the annealed estimators unless `--steps` says otherwise.
const ANNEALED_STEPS: usize = 3000;

/// Fewest classes / dimensions that make a prototype problem.
pub const MIN_SIZE: usize = 2;

/// How to place the prototypes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, serde::Deserialize, clap::ValueEnum)]
#[serde(rename_all = "kebab-case")]
pub enum Estimator {
    /// The closed form where one is optimal (simplex ETF, cross-polytope), else `annealed`.
    Best,
    /// The paper's Gaussian-potential loss at t = 2, SGD lr 0.1, 1000 steps (reproduction).
    Gaussian,
    /// The same loss with its temperature annealed up to the max-min objective.
    Annealed,
    /// `annealed` as one fused CPU pass per step (no K × K matrices, τ moved every 10 steps):
    /// the same objective, other bits; at K = 3 755, d = 8 26× faster than `annealed` on
    /// 2 cores (docs/performance.md).
    AnnealedFused,
    /// Simplex ETF; requires d ≥ K − 1.
    Etf,
    /// ±basis vectors; requires K ≤ 2d (optimal when K > d + 1).
    CrossPolytope,
}

/// Settings of an estimation.
#[derive(Clone, Copy, Debug)]
pub struct EstimateConfig {
    /// Classes `K`.
    pub classes: usize,
    /// Dimension `d`.
    pub dim: usize,
    /// Estimator requested.
    pub method: Estimator,
    /// Optimiser steps (`None`: 1000 for `gaussian`, 3000 for `annealed`).
    pub steps: Option<usize>,
    /// Prototypes per step for `gaussian` (`None`: all K, as the paper).
    pub batch: Option<usize>,
    /// Seed of the initialisation and of the subsets.
    pub seed: u64,
}

/// Prototypes and how they were made.
#[derive(Clone, Debug, Serialize)]
pub struct Estimate {
    /// Row-major `K × d`, unit rows.
    #[serde(skip)]
    pub data: Vec<f32>,
    /// `K`.
    pub classes: usize,
    /// `d`.
    pub dim: usize,
    /// Estimator requested.
    pub requested: Estimator,
    /// Estimator used (differs from `requested` only for `best`).
    pub used: Estimator,
    /// Why that method (one sentence for the report).
    pub reason: String,
    /// Optimiser steps run (0 for closed forms).
    pub steps: usize,
    /// Final loss of the optimiser, in its own form (`None` for closed forms).
    pub loss: Option<f64>,
    /// Seed used.
    pub seed: u64,
    /// Wall time in seconds.
    pub seconds: f64,
    /// Quality of the result.
    pub quality: Quality,
}

/// Checks `K` and `d`.
pub fn check_sizes(classes: usize, dim: usize) -> Result<()> {
    if !(MIN_SIZE..=dl2pa_core::MAX_CLASSES).contains(&classes) {
        return Err(Error::arg(
            "--classes",
            classes,
            format!("{MIN_SIZE}..={}", dl2pa_core::MAX_CLASSES),
        ));
    }
    if !(MIN_SIZE..=dl2pa_core::MAX_DIM).contains(&dim) {
        return Err(Error::arg(
            "--dim",
            dim,
            format!("{MIN_SIZE}..={}", dl2pa_core::MAX_DIM),
        ));
    }
    Ok(())
}

/// The method `best` resolves to for `(K, d)`, with the reason.
pub fn resolve(classes: usize, dim: usize) -> (Estimator, String) {
    if dim + 1 >= classes {
        (
            Estimator::Etf,
            format!(
                "d >= K - 1: the simplex ETF is optimal (all cosines exactly -1/{})",
                classes - 1
            ),
        )
    } else if classes <= 2 * dim {
        (
            Estimator::CrossPolytope,
            "d + 1 < K <= 2d: the cross-polytope is optimal (max cosine exactly 0)".into(),
        )
    } else if classes < FUSED_FROM {
        (
            Estimator::Annealed,
            "K > 2d: no closed form is known; annealed optimiser".into(),
        )
    } else {
        (
            Estimator::AnnealedFused,
            format!(
                "K > 2d and K >= {FUSED_FROM}: no closed form is known; the annealed optimiser's fused CPU version"
            ),
        )
    }
}

/// From this many classes `best` uses [`Estimator::AnnealedFused`]: the tensor version's K × K
/// matrices cost minutes there (981 s at K = 3 755, d = 8), and no run of the README's tables
/// below it changes its prototypes.
pub const FUSED_FROM: usize = 1000;

/// Estimates prototypes. `progress(done, total)` reports optimiser steps.
pub fn estimate(
    opts: &EstimateConfig,
    device: &Device,
    mut progress: impl FnMut(usize, usize),
) -> Result<Estimate> {
    let (k, d) = (opts.classes, opts.dim);
    check_sizes(k, d)?;
    let start = Instant::now();
    let (used, reason) = choose(opts.method, k, d)?;
    let (data, steps, loss) = match used {
        Estimator::Etf => (simplex_etf(k, d), 0, None),
        Estimator::CrossPolytope => (cross_polytope(k, d), 0, None),
        Estimator::AnnealedFused => {
            let steps = opts.steps.unwrap_or(ANNEALED_STEPS);
            let mut rng = ChaCha8Rng::seed_from_u64(opts.seed);
            let init = random_init(k, d, &mut rng);
            let schedule = optimise::Schedule::annealed(steps);
            let (p, loss) = fused::annealed(&init, k, &schedule, |s| progress(s, steps))?;
            (p, steps, Some(loss))
        }
        Estimator::Gaussian | Estimator::Annealed | Estimator::Best => {
            let (procedure, steps) = procedure(used, opts)?;
            check_memory(&procedure, k, d, crate::memory::available_bytes())?;
            let mut rng = ChaCha8Rng::seed_from_u64(opts.seed);
            let init = random_init(k, d, &mut rng);
            let (p, loss) = optimise(&init, k, procedure, steps, &mut rng, device, |s| {
                progress(s, steps)
            })?;
            (p, steps, Some(loss))
        }
    };
    // The exact f64 measurement costs O(K² d) on one core; large sets are measured on the
    // device, as K × K tensors, where those fit in memory (else on the CPU, slowly but surely).
    let fits = check_memory(
        &Procedure::annealed(),
        k,
        d,
        crate::memory::available_bytes(),
    )
    .is_ok();
    let quality = if k * k * d > 1 << 31 && fits {
        quality_on(&data, k, d, device)?
    } else {
        quality(&data, k, d)
    };
    Ok(Estimate {
        data,
        classes: k,
        dim: d,
        requested: opts.method,
        used,
        reason,
        steps,
        loss,
        seed: opts.seed,
        seconds: start.elapsed().as_secs_f64(),
        quality,
    })
}

/// Peak bytes the optimisers hold per pair of rows they compare: their `B × B` tensors (Gram
/// matrix, softmax weights of the current and the candidate step, the exponentials) in f32
/// and the diagonal mask. Measured (2026-12-06, `/usr/bin/time -f %M dl2pa --device cpu
/// prototypes -k K -d 8 --steps 5 --method annealed`): the peak resident set grew by 18.1 bytes
/// per pair from K = 2 000 (111 MB) to 6 000 (677 MB), 17.5 to 10 000 (1 753 MB).
const BYTES_PER_PAIR: u64 = 18;

/// Refuses, before any allocation, an estimate whose `B × B` tensors (`B` = K, or the paper
/// procedure's batch) would not fit in the `available` memory: the kernel would kill the
/// process after minutes instead.
///
/// # Errors
/// [`Error::Arg`](crate::data::Error::Arg) naming K, d, the memory needed and the memory
/// available.
fn check_memory(procedure: &Procedure, k: usize, d: usize, available: Option<u64>) -> Result<()> {
    let rows = match *procedure {
        Procedure::Paper { batch, .. } => batch,
        Procedure::Annealed { .. } => k,
    } as u64;
    let needed = BYTES_PER_PAIR * rows * rows;
    match available {
        Some(free) if needed > free => Err(Error::arg(
            "K",
            k,
            format!(
                "prototypes whose {rows} x {rows} matrices fit in memory: estimating {k} in d = {d} needs about {:.1} GB, and {:.1} GB are available; use fewer classes, a smaller --batch (gaussian), or prototypes made elsewhere (--prototypes FILE)",
                needed as f64 / 1e9,
                free as f64 / 1e9
            ),
        )),
        _ => Ok(()),
    }
}

/// The estimator `method` resolves to for `k` prototypes in R^d, and why; an error if a closed
/// form was asked for where it does not exist.
fn choose(method: Estimator, k: usize, d: usize) -> Result<(Estimator, String)> {
    match method {
        Estimator::Best => Ok(resolve(k, d)),
        Estimator::Etf if d + 1 < k => Err(Error::arg(
            "--dim",
            d,
            format!(
                ">= K - 1 = {} for the simplex ETF (use --method best)",
                k - 1
            ),
        )),
        Estimator::CrossPolytope if k > 2 * d => Err(Error::arg(
            "--classes",
            k,
            format!("<= 2d = {} for the cross-polytope", 2 * d),
        )),
        m => Ok((m, "requested".into())),
    }
}

/// The optimiser's procedure and step count for `used` (an optimised estimator): the paper's
/// (t = 2, lr 0.1, 1 000 steps, `--batch` of K) or the annealed one (3 000 steps).
fn procedure(used: Estimator, opts: &EstimateConfig) -> Result<(Procedure, usize)> {
    let k = opts.classes;
    let (procedure, default_steps) = if used == Estimator::Gaussian {
        let batch = opts.batch.unwrap_or(k);
        if !(2..=k).contains(&batch) {
            return Err(Error::arg("--batch", batch, format!("2..={k}")));
        }
        let paper = Procedure::Paper {
            t: 2.0,
            lr: 0.1,
            batch,
        };
        (paper, 1000)
    } else {
        (Procedure::annealed(), ANNEALED_STEPS)
    };
    Ok((procedure, opts.steps.unwrap_or(default_steps)))
}

/// Reads prototypes from a `.npy` file (float32 or float64, shape `(K, d)`), checks them and
/// returns unit rows. `expect` = `(K, d)` the caller needs, if known.
pub fn load(path: &Path, expect: Option<(usize, usize)>) -> Result<(Vec<f32>, usize, usize)> {
    let (mut data, k, d) = crate::io::read_npy(path)?;
    if let Some((ek, ed)) = expect
        && (k, d) != (ek, ed)
    {
        return Err(Error::format(
            path,
            format!("prototypes have shape ({k}, {d}): expected ({ek}, {ed}) = (classes, --dim)"),
        ));
    }
    check_sizes(k, d).map_err(|e| Error::format(path, e.to_string()))?;
    for (r, row) in data.chunks_exact_mut(d).enumerate() {
        if let Some(j) = row.iter().position(|x| !x.is_finite()) {
            return Err(Error::format(
                path,
                format!("prototype {r} has a NaN or infinite value at column {j}"),
            ));
        }
        dl2pa_core::sphere::try_normalize(row)
            .map_err(|_| Error::format(path, format!("prototype {r} is the zero vector")))?;
    }
    Ok((data, k, d))
}

/// Prototype rows in class order: row `c` is `prototypes[σ(c)]` (`K × d`).
pub fn class_rows(prototypes: &[f32], sigma: &[u32], dim: usize) -> Vec<f32> {
    sigma
        .iter()
        .flat_map(|&j| {
            prototypes[j as usize * dim..(j as usize + 1) * dim]
                .iter()
                .copied()
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_estimate_that_cannot_fit_in_memory_is_refused_with_what_it_needs() {
        let annealed = Procedure::annealed();
        let gb = 1_000_000_000;
        let e = check_memory(&annealed, 65_535, 2, Some(24 * gb)).unwrap_err();
        assert_eq!(
            e.to_string(),
            "K = 65535: expected prototypes whose 65535 x 65535 matrices fit in memory: estimating 65535 in d = 2 needs about 77.3 GB, and 24.0 GB are available; use fewer classes, a smaller --batch (gaussian), or prototypes made elsewhere (--prototypes FILE)"
        );
        assert!(check_memory(&annealed, 3_755, 8, Some(24 * gb)).is_ok());
        assert!(check_memory(&annealed, 65_535, 2, None).is_ok());
        let batched = Procedure::Paper {
            t: 2.0,
            lr: 0.1,
            batch: 1_000,
        };
        assert!(check_memory(&batched, 65_535, 2, Some(gb)).is_ok());
    }
}
