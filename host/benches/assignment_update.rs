//! One assignment update of DL2PA (paper Algorithm 1) at the size of README's cjk runs, K = M =
//! 3 755 classes and prototypes in d = 8: the class-mean × prototype similarities, the solve
//! cold and warm, and `Assignment::resolve` as the trainer calls it (means read back,
//! similarities, warm solve, `P[σ]` rebuilt).
//!
//! Inputs are synthetic and seeded: random unit prototypes, each class a target among them (a
//! random permutation), features a class's target plus Gaussian noise, normalised. The class
//! means are the EMA's steady state over such features; between two updates one batch of
//! [`BATCH`] features moves them (the trainer feeds `assign_every` = 20 batches of 128). Two
//! noise levels give the two kinds of update seen in a cjk training (`scans` in its
//! metrics.json): [`Regime::LATE`] (a warm start succeeds with a few hundred scans, as from
//! epoch 4 on) and [`Regime::EARLY`] (a warm start needs about a cold solve's work, as in
//! epoch 1; it gives up or not depending on the last cold solve's scans, its budget).
//!
//! `cargo bench -p dl2pa --bench assignment_update` (docs/results/assignment-update.sh records
//! a run with its commit and CPU).

use std::hint::black_box;
use std::time::{Duration, Instant};

use burn::prelude::*;
use criterion::{BenchmarkGroup, Criterion, criterion_group, criterion_main, measurement};
use dl2pa::train::assignment::{Assignment, similarities};
use dl2pa_core::assign::{Problem, Solver};
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rand_distr::StandardNormal;

const K: usize = 3755;
const D: usize = 8;
/// Features fed to the class means between two updates.
const BATCH: usize = 2560;
/// The trainer's default class-mean EMA momentum.
const MOMENTUM: f32 = 0.9;
/// Batches fed before measuring: with momentum 0.9 the means have forgotten their start.
const SETTLE: usize = 60;

/// How far features scatter around their class's target.
#[derive(Clone, Copy)]
struct Regime {
    name: &'static str,
    /// Standard deviation per coordinate, before normalising.
    noise: f32,
    /// Whether a warm start must succeed here (checked before measuring).
    warm: bool,
}

impl Regime {
    const LATE: Regime = Regime {
        name: "late",
        noise: 0.5,
        warm: true,
    };
    const EARLY: Regime = Regime {
        name: "early",
        noise: 1.0,
        warm: false,
    };
}

fn normalise(v: &mut [f32]) {
    let n = v.iter().map(|x| x * x).sum::<f32>().sqrt();
    v.iter_mut().for_each(|x| *x /= n);
}

/// `n × D` rows, each a unit vector in a uniformly random direction.
fn unit_rows(rng: &mut ChaCha8Rng, n: usize) -> Vec<f32> {
    let mut v: Vec<f32> = (0..n * D).map(|_| rng.sample(StandardNormal)).collect();
    v.chunks_exact_mut(D).for_each(normalise);
    v
}

/// The data the benches share: prototypes and each class's target row.
struct Setup {
    rng: ChaCha8Rng,
    noise: f32,
    prototypes: Vec<f32>,
    targets: Vec<f32>,
}

impl Setup {
    fn new(regime: Regime) -> Self {
        let mut rng = ChaCha8Rng::seed_from_u64(0);
        let prototypes = unit_rows(&mut rng, K);
        let mut order: Vec<usize> = (0..K).collect();
        order.shuffle(&mut rng);
        let targets = order
            .iter()
            .flat_map(|&j| prototypes[j * D..][..D].to_vec())
            .collect();
        Setup {
            rng,
            noise: regime.noise,
            prototypes,
            targets,
        }
    }

    /// A feature of class `c`: its target plus noise, normalised.
    fn feature(&mut self, c: usize, out: &mut Vec<f32>) {
        let start = out.len();
        for i in 0..D {
            let noise: f32 = self.rng.sample(StandardNormal);
            out.push(self.targets[c * D + i] + self.noise * noise);
        }
        normalise(&mut out[start..]);
    }

    /// Class means in the EMA's steady state: one feature of each class, then [`SETTLE`]
    /// batches. Each later batch moves them as much as the one before, so every sample of a
    /// bench measures the same kind of update.
    fn settled_means(&mut self) -> Vec<f32> {
        let mut means = Vec::with_capacity(K * D);
        (0..K).for_each(|c| self.feature(c, &mut means));
        (0..SETTLE).for_each(|_| self.drift(&mut means));
        means
    }

    /// One batch: labels uniform over the classes, a feature of each.
    fn batch(&mut self) -> (Vec<f32>, Vec<i64>) {
        let labels: Vec<i64> = (0..BATCH)
            .map(|_| self.rng.random_range(0..K as i64))
            .collect();
        let mut x = Vec::with_capacity(BATCH * D);
        labels
            .iter()
            .for_each(|&c| self.feature(c as usize, &mut x));
        (x, labels)
    }

    /// `means` after one batch, as `Assignment::observe` updates them: per class present,
    /// `μ ← normalise(m μ + (1 − m) mean of its features)`.
    fn drift(&mut self, means: &mut [f32]) {
        let (x, labels) = self.batch();
        let mut sums = vec![0.0f32; K * D];
        let mut counts = vec![0u32; K];
        for (f, &c) in x.chunks_exact(D).zip(&labels) {
            let c = c as usize;
            counts[c] += 1;
            sums[c * D..][..D]
                .iter_mut()
                .zip(f)
                .for_each(|(s, v)| *s += v);
        }
        for c in (0..K).filter(|&c| counts[c] > 0) {
            let mu = &mut means[c * D..][..D];
            let n = counts[c] as f32;
            for (m, s) in mu.iter_mut().zip(&sums[c * D..][..D]) {
                *m = MOMENTUM * *m + (1.0 - MOMENTUM) * s / n;
            }
            normalise(mu);
        }
    }
}

fn group(c: &mut Criterion) -> BenchmarkGroup<'_, measurement::WallTime> {
    let mut g = c.benchmark_group("assignment update, K = 3755, d = 8");
    g.sample_size(10);
    g
}

fn similarity_matrix(c: &mut Criterion) {
    let mut s = Setup::new(Regime::LATE);
    let means = s.settled_means();
    let mut sim = Vec::new();
    group(c).bench_function("similarities", |b| {
        b.iter(|| similarities(black_box(&means), &s.prototypes, D, &mut sim))
    });
}

/// The solve alone, cold on one matrix and warm after each batch, in `regime`.
fn solve(c: &mut Criterion, regime: Regime) {
    let mut s = Setup::new(regime);
    let mut means = s.settled_means();
    let mut sim = Vec::new();
    similarities(&means, &s.prototypes, D, &mut sim);
    let mut solver = Solver::<f32>::new();
    solver
        .solve(&Problem::maximize(&sim, K, K).expect("finite similarities"))
        .expect("solvable");
    s.drift(&mut means);
    similarities(&means, &s.prototypes, D, &mut sim);
    let p = Problem::maximize(&sim, K, K).expect("finite similarities");
    let warm = solver.solve_warm(&p).expect("solvable").warm_started();
    assert!(
        warm || !regime.warm,
        "the {} regime's warm start",
        regime.name
    );
    let mut g = group(c);
    g.bench_function(format!("solve, cold ({})", regime.name), |b| {
        let p = Problem::maximize(&sim, K, K).expect("finite similarities");
        b.iter(|| solver.solve(black_box(&p)).expect("solvable").assignment()[0])
    });
    // How many of the warm solves this bench ran (criterion's warm-up included) finished warm;
    // the rest gave up and solved cold. docs/results/assignment-update.sh reads this line.
    let (mut solves, mut finished) = (0usize, 0usize);
    g.bench_function(
        format!("solve, warm after one batch ({})", regime.name),
        |b| {
            b.iter_custom(|iters| {
                let mut spent = Duration::ZERO;
                for _ in 0..iters {
                    s.drift(&mut means);
                    similarities(&means, &s.prototypes, D, &mut sim);
                    let p = Problem::maximize(&sim, K, K).expect("finite similarities");
                    let start = Instant::now();
                    let sol = solver.solve_warm(&p).expect("solvable");
                    black_box(sol.assignment()[0]);
                    spent += start.elapsed();
                    solves += 1;
                    finished += usize::from(sol.warm_started());
                }
                spent
            })
        },
    );
    println!(
        "warm starts ({}): {finished} of {solves} run finished warm",
        regime.name
    );
}

fn solves(c: &mut Criterion) {
    solve(c, Regime::LATE);
    solve(c, Regime::EARLY);
}

/// `Assignment::resolve` after `Assignment::observe` of one batch, on burn's CPU backend, late.
fn trainer_side(c: &mut Criterion) {
    let mut s = Setup::new(Regime::LATE);
    let device = Device::flex();
    let sigma: Vec<u32> = (0..K as u32).collect();
    let means = s.settled_means();
    let mut a = Assignment::new(
        s.prototypes.clone(),
        D,
        sigma,
        means,
        f64::from(MOMENTUM),
        &device,
    );
    a.resolve(0).expect("finite means");
    group(c).bench_function("Assignment::resolve (late)", |b| {
        b.iter_custom(|iters| {
            let mut spent = Duration::ZERO;
            for i in 0..iters {
                let (x, y) = s.batch();
                let x = Tensor::<2>::from_data(TensorData::new(x, [BATCH, D]), &device);
                let y = Tensor::<1, Int>::from_data(TensorData::new(y, [BATCH]), &device);
                a.observe(x, &y);
                let start = Instant::now();
                black_box(a.resolve(i as usize).expect("finite means").moved);
                spent += start.elapsed();
            }
            spent
        })
    });
}

criterion_group!(benches, similarity_matrix, solves, trainer_side);
criterion_main!(benches);
