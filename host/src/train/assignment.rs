//! The label-to-prototype assignment σ and its updates through dl2pa-core's solver.

use std::time::Instant;

use dl2pa_core::assign::{Problem, Solver};
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// One re-solve of the assignment.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct Update {
    /// Training iteration after which it ran.
    pub iteration: usize,
    /// Labels whose prototype changed.
    pub moved: usize,
    /// Solver time in microseconds (similarity matrix included).
    pub micros: f64,
    /// Whether the warm start was used.
    pub warm: bool,
}

/// σ: class `c` is pulled towards prototype `sigma[c]`.
pub struct Assignment {
    /// Class → prototype.
    pub sigma: Vec<u32>,
    solver: Solver<f32>,
    sim: Vec<f32>,
}

impl Assignment {
    /// Starts from `sigma`.
    pub fn new(sigma: Vec<u32>) -> Self {
        Assignment {
            sigma,
            solver: Solver::new(),
            sim: Vec::new(),
        }
    }

    /// Re-solves `σ = argmax Σ_c μ_c · p_σ(c)` for class means `means` (`K × d`, rows unit or
    /// zero for unseen classes) and prototypes `protos` (`M × d`, `M ≥ K`), warm-started from the
    /// previous solve. Returns the update record.
    pub fn update(
        &mut self,
        means: &[f32],
        protos: &[f32],
        dim: usize,
        iteration: usize,
    ) -> Result<Update> {
        let start = Instant::now();
        let (k, m) = (means.len() / dim, protos.len() / dim);
        self.sim.clear();
        for mu in means.chunks_exact(dim) {
            for p in protos.chunks_exact(dim) {
                self.sim.push(dl2pa_core::sphere::dot(mu, p));
            }
        }
        let problem = Problem::maximize(&self.sim, k, m)
            .map_err(|e| Error::Numerical(format!("class means: {e}")))?;
        let sol = self
            .solver
            .solve_warm(&problem)
            .map_err(|e| Error::Numerical(format!("assignment: {e}")))?;
        let new = sol.assignment();
        let moved = new.iter().zip(&self.sigma).filter(|(a, b)| a != b).count();
        let warm = sol.warm_started();
        self.sigma.copy_from_slice(new);
        Ok(Update {
            iteration,
            moved,
            micros: start.elapsed().as_secs_f64() * 1e6,
            warm,
        })
    }

    /// Prototype rows in class order: row `c` is `protos[σ(c)]` (`K × d`).
    pub fn class_prototypes(&self, protos: &[f32], dim: usize) -> Vec<f32> {
        self.sigma
            .iter()
            .flat_map(|&j| {
                protos[j as usize * dim..(j as usize + 1) * dim]
                    .iter()
                    .copied()
            })
            .collect()
    }
}
