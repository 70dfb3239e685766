//! The state of DL2PA's dynamic assignment (paper Algorithm 1): the class means (an EMA of
//! normalised features), σ, the solver's workspace and the prototypes in class order `P[σ]`.
//! The fixed and ETF baselines hold the same state and never re-solve.

use std::time::Instant;

use crate::error::{Error, Result};
use crate::model::{l2_normalize, read_rows};
use crate::prototypes::class_rows;
use crate::run::Update;
use burn::prelude::*;
use dl2pa_core::assign::{Problem, Solver};

/// σ (class `c` is pulled towards prototype `σ(c)`) and what DL2PA needs to move it.
pub struct Assignment {
    /// All prototypes, `M × d`, `M ≥ K`.
    prototypes: Vec<f32>,
    dim: usize,
    sigma: Vec<u32>,
    /// Class means `μ`, `K × d`, unit rows (zero for classes not seen yet), on the training device.
    means: Tensor<2>,
    /// Weight of the old mean in the EMA.
    momentum: f64,
    solver: Solver<f32>,
    similarity: Vec<f32>,
    /// `P[σ]`, `K × d`, on the training device.
    class_prototypes: Tensor<2>,
    /// Every prototype, `M × d`: `P[σ]`, then the unassigned ones in index order (the
    /// cross-entropy loss scores those as wrong answers for every class). Built once per σ.
    class_ordered: Tensor<2>,
}

impl Assignment {
    /// Starts from `sigma` and the class means `means` (`K × d`, as a checkpoint stored them).
    pub fn new(
        prototypes: Vec<f32>,
        dim: usize,
        sigma: Vec<u32>,
        means: Vec<f32>,
        momentum: f64,
        device: &Device,
    ) -> Self {
        let k = sigma.len();
        let class_prototypes = rows(&prototypes, &sigma, dim, device);
        let class_ordered = rows(
            &prototypes,
            &class_order(&sigma, &prototypes, dim),
            dim,
            device,
        );
        Assignment {
            // f32 whatever --precision says: an EMA over thousands of batches, and rows of
            // classes not yet seen are zero, which normalising in f16 turns into NaN.
            means: Tensor::<2>::from_data(TensorData::new(means, [k, dim]), device)
                .cast(burn::tensor::FloatDType::F32),
            prototypes,
            dim,
            sigma,
            momentum,
            solver: Solver::new(),
            similarity: Vec::new(),
            class_prototypes,
            class_ordered,
        }
    }

    /// σ, class → prototype.
    pub fn sigma(&self) -> &[u32] {
        &self.sigma
    }

    /// `P[σ]`, `[K, d]`: the prototype of each class, in class order.
    pub fn class_prototypes(&self) -> &Tensor<2> {
        &self.class_prototypes
    }

    /// Every prototype, `[M, d]`: `P[σ]` in class order, then the unassigned ones in index
    /// order — so row `c < K` is class `c`'s target.
    pub fn class_ordered_prototypes(&self) -> &Tensor<2> {
        &self.class_ordered
    }

    /// `P[σ]` as host values, `K × d`.
    pub fn class_prototype_rows(&self) -> Vec<f32> {
        class_rows(&self.prototypes, &self.sigma, self.dim)
    }

    /// The class means, `K × d`, for a checkpoint.
    ///
    /// # Errors
    /// [`Error::Numerical`] if the tensor cannot be read.
    pub fn means(&self) -> Result<Vec<f32>> {
        read_rows(self.means.clone())
    }

    /// Replaces the class means by `means` (`K × d`, unit rows) and re-solves σ on them,
    /// cold, after `iteration`: where `--assign-init means` starts and `--vector-warmup` ends.
    ///
    /// # Errors
    /// As [`Assignment::resolve`].
    pub fn start_from(&mut self, means: Vec<f32>, iteration: usize) -> Result<Update> {
        let (k, device) = (self.sigma.len(), self.means.device());
        self.means = Tensor::<2>::from_data(TensorData::new(means, [k, self.dim]), &device)
            .cast(burn::tensor::FloatDType::F32);
        self.solver = Solver::new();
        self.resolve(iteration)
    }

    /// Feeds one batch to the class means: per class present, `μ_c ← normalise(m μ_c + (1 − m)
    /// mean of its features)` (a true EMA of the per-class batch mean).
    ///
    /// `features`: detached, L2-normalised `[B, d]`; `y`: `[B]`.
    pub fn observe(&mut self, features: Tensor<2>, y: &Tensor<1, Int>) {
        let [k, d] = self.means.dims();
        let f32 = burn::tensor::FloatDType::F32;
        let onehot: Tensor<2> = y.clone().one_hot::<2>(k).float().cast(f32);
        let sums = onehot.clone().transpose().matmul(features.cast(f32));
        let counts = onehot.sum_dim(0).reshape([k, 1]);
        let mean = sums / counts.clone().clamp_min(1.0);
        let present = counts.greater_elem(0.0).expand([k, d]);
        let next = self.means.clone() * self.momentum + mean * (1.0 - self.momentum);
        self.means = l2_normalize(self.means.clone().mask_where(present, next));
    }

    /// Re-solves `σ = argmax Σ_c μ_c · p_σ(c)` with dl2pa-core's solver, warm-started from the
    /// previous solve, and moves `P[σ]`. Returns the record of the update.
    ///
    /// # Errors
    /// [`Error::Numerical`] if the means are not finite.
    pub fn resolve(&mut self, iteration: usize) -> Result<Update> {
        let start = Instant::now();
        let means = self.means()?;
        let (k, m) = (self.sigma.len(), self.prototypes.len() / self.dim);
        similarities(&means, &self.prototypes, self.dim, &mut self.similarity);
        let problem = Problem::maximize(&self.similarity, k, m)
            .map_err(|e| Error::Numerical(format!("class means: {e}")))?;
        let sol = self
            .solver
            .solve_warm(&problem)
            .map_err(|e| Error::Numerical(format!("assignment: {e}")))?;
        let new = sol.assignment();
        let moved = new.iter().zip(&self.sigma).filter(|(a, b)| a != b).count();
        let (warm, stats) = (sol.warm_started(), sol.stats());
        self.sigma.copy_from_slice(new);
        let device = self.means.device();
        self.class_prototypes = rows(&self.prototypes, &self.sigma, self.dim, &device);
        let order = class_order(&self.sigma, &self.prototypes, self.dim);
        self.class_ordered = rows(&self.prototypes, &order, self.dim, &device);
        Ok(Update {
            iteration,
            moved,
            micros: start.elapsed().as_secs_f64() * 1e6,
            warm,
            free_after_init: stats.free_after_init,
            augmentations: stats.augmentations,
            scans: stats.scans,
        })
    }
}

/// `out[c · M + j] = μ_c · p_j` for the K class means and M prototypes (`K × d`, `M × d`), with
/// the core's fixed-order dot: each entry has the same bits whatever the thread count. Rows run
/// in parallel — at K = 3 755 the K² dot products are a third of an update.
pub fn similarities(means: &[f32], prototypes: &[f32], dim: usize, out: &mut Vec<f32>) {
    use rayon::prelude::*;
    let m = prototypes.len() / dim;
    out.clear();
    out.resize(means.len() / dim * m, 0.0);
    out.par_chunks_mut(m.max(1))
        .zip(means.par_chunks_exact(dim))
        .for_each(|(row, mu)| {
            for (s, p) in row.iter_mut().zip(prototypes.chunks_exact(dim)) {
                *s = dl2pa_core::sphere::dot(mu, p);
            }
        });
}

/// The class means `K × d` (unit rows; zero for a class without examples) of unit
/// embeddings `features` (`N × d`) with labels `y`: normalised class sums.
pub fn class_means(features: &[f32], y: &[u32], k: usize, dim: usize) -> Vec<f32> {
    let mut sums = vec![0.0f64; k * dim];
    for (f, &c) in features.chunks_exact(dim).zip(y) {
        for (s, v) in sums[c as usize * dim..][..dim].iter_mut().zip(f) {
            *s += f64::from(*v);
        }
    }
    sums.chunks_exact(dim)
        .flat_map(|row| {
            let n = row.iter().map(|v| v * v).sum::<f64>().sqrt();
            row.iter()
                .map(move |v| if n > 0.0 { (v / n) as f32 } else { 0.0 })
        })
        .collect()
}

fn rows(prototypes: &[f32], sigma: &[u32], dim: usize, device: &Device) -> Tensor<2> {
    let data = class_rows(prototypes, sigma, dim);
    Tensor::from_data(TensorData::new(data, [sigma.len(), dim]), device)
}

/// σ followed by the prototypes outside its image in index order: `M` distinct indices.
fn class_order(sigma: &[u32], prototypes: &[f32], dim: usize) -> Vec<u32> {
    let m = prototypes.len() / dim;
    let mut assigned = vec![false; m];
    for &j in sigma {
        assigned[j as usize] = true;
    }
    let rest = (0..m as u32).filter(|&j| !assigned[j as usize]);
    sigma.iter().copied().chain(rest).collect()
}

#[cfg(test)]
mod tests {
    use super::{Assignment, Update, similarities};
    use burn::prelude::Device;

    /// Row `c < K` of the cross-entropy's prototypes is class `c`'s `P[σ(c)]`; the unassigned
    /// ones follow in index order, and follow σ when it moves.
    #[test]
    fn class_ordered_prototypes_put_each_class_target_first_then_the_unassigned() {
        let p: Vec<f32> = (0..5).flat_map(|j| [j as f32, 1.0]).collect();
        let dev = Device::flex();
        let a = Assignment::new(p, 2, vec![3, 0], vec![0.0; 4], 0.9, &dev);
        let rows = a
            .class_ordered_prototypes()
            .clone()
            .try_into_vec_as::<f32>()
            .unwrap();
        let first: Vec<f32> = rows.chunks(2).map(|r| r[0]).collect();
        assert_eq!(first, [3.0, 0.0, 1.0, 2.0, 4.0]);
        let square = Assignment::new(
            vec![1.0, 0.0, 0.0, 1.0],
            2,
            vec![1, 0],
            vec![0.0; 4],
            0.9,
            &dev,
        );
        let rows = square
            .class_ordered_prototypes()
            .clone()
            .try_into_vec_as::<f32>()
            .unwrap();
        assert_eq!(rows, [0.0, 1.0, 1.0, 0.0]);
    }

    /// Finished runs are read back (experiments, `--resume`): a record from before the solver's
    /// work was kept still reads, with zero work.
    #[test]
    fn an_update_without_solver_work_reads_as_zero_work() {
        let old = r#"{"iteration": 40, "moved": 3, "micros": 812.5, "warm": true}"#;
        let u: Update = serde_json::from_str(old).unwrap();
        assert_eq!(
            (u.moved, u.scans, u.augmentations, u.free_after_init),
            (3, 0, 0, 0)
        );
    }

    /// The solver must see the same matrix on one thread or many: every entry is the core's dot.
    #[test]
    fn similarities_are_the_core_dot_of_each_pair_whatever_the_threads() {
        let (k, m, d) = (37, 53, 5);
        let unit = |i: usize| ((i * 2_654_435_761) % 1_000) as f32 / 500.0 - 1.0;
        let means: Vec<f32> = (0..k * d).map(unit).collect();
        let protos: Vec<f32> = (0..m * d).map(|i| unit(i + 7)).collect();
        let mut out = vec![9.0; 3];
        let pool = |n| {
            rayon::ThreadPoolBuilder::new()
                .num_threads(n)
                .build()
                .unwrap()
        };
        pool(3).install(|| similarities(&means, &protos, d, &mut out));
        let mut one = Vec::new();
        pool(1).install(|| similarities(&means, &protos, d, &mut one));
        assert_eq!(out.len(), k * m);
        for (i, (a, b)) in out.iter().zip(&one).enumerate() {
            let (c, j) = (i / m, i % m);
            let dot = dl2pa_core::sphere::dot(&means[c * d..][..d], &protos[j * d..][..d]);
            assert_eq!(
                (a.to_bits(), b.to_bits()),
                (dot.to_bits(), dot.to_bits()),
                "entry ({c}, {j})"
            );
        }
    }
}
