//! `experiment solver` (Fig. 3c analogue): assignment solve time against K, cold and warm.

use std::fmt::Write as _;
use std::time::Instant;

use dl2pa_core::assign::{Problem, Solver};

use super::plots::{self, Series};
use super::{ExperimentConfig, write_table};
use crate::error::Result;

/// One K of the table: mean seconds per solve.
struct Timing {
    k: usize,
    cold: f64,
    warm: f64,
    /// Every warm solve kept its warm start (none fell back to cold).
    warm_used: bool,
}

pub(super) fn run(cfg: &ExperimentConfig, log: &mut dyn FnMut(&str)) -> Result<()> {
    let sizes = [100, 200, 500, 1000, 2000, 5000, 10_000];
    let mut rows = Vec::new();
    for k in sizes.into_iter().filter(|&k| k <= cfg.max_k) {
        let t = time(k)?;
        log(&format!(
            "K = {k}: cold {:.3} ms, warm {:.3} ms",
            t.cold * 1e3,
            t.warm * 1e3
        ));
        rows.push(t);
    }
    write_table(&cfg.out.join("solver.md"), &table(&rows))?;
    let line = |label: &str, y: fn(&Timing) -> f64| Series {
        label: label.into(),
        points: rows.iter().map(|t| (t.k as f64, y(t) * 1e3, 0.0)).collect(),
    };
    plots::lines(
        &cfg.out.join("solver"),
        "Assignment solve time vs K (dl2pa-core, f32, one core)",
        "K",
        "milliseconds",
        &[
            line("cold", |t| t.cold),
            line("warm (after a 1e-4 perturbation)", |t| t.warm),
        ],
        true,
        true,
    )
}

/// solver.md.
fn table(rows: &[Timing]) -> String {
    let mut md = String::from(
        "Assignment solve time (f32, one core) on K × K similarity matrices of random unit vectors in R^16; warm = the same solves started from the previous solve's duals, alternating between the matrix and a copy with every entry moved by up to 1e-4 (as successive DL2PA updates).\n\n| K | cold (ms) | warm (ms) | cold / warm | warm start used |\n|---|---|---|---|---|\n",
    );
    for t in rows {
        let _ = writeln!(
            md,
            "| {} | {:.3} | {:.3} | {:.1} | {} |",
            t.k,
            t.cold * 1e3,
            t.warm * 1e3,
            t.cold / t.warm,
            t.warm_used
        );
    }
    md
}

/// Times cold and warm solves of a `k × k` similarity matrix and its perturbed copy.
fn time(k: usize) -> Result<Timing> {
    let (sim, moved) = matrices(k);
    let p1 = Problem::maximize(&sim, k, k)?;
    let p2 = Problem::maximize(&moved, k, k)?;
    // As in training: every solve starts from the previous one's duals, alternating between
    // the two matrices; cold solves alternate the same way.
    let reps = if k <= 1000 { 10 } else { 4 };
    let alternate = |r: usize| if r.is_multiple_of(2) { &p2 } else { &p1 };
    let mut s = Solver::new();
    let mut cold = 0.0;
    for r in 0..reps {
        let t = Instant::now();
        s.solve(alternate(r))?;
        cold += t.elapsed().as_secs_f64() / reps as f64;
    }
    s.solve(&p1)?;
    let (mut warm, mut warm_used) = (0.0, true);
    for r in 0..reps {
        let t = Instant::now();
        warm_used &= s.solve_warm(alternate(r))?.warm_started();
        warm += t.elapsed().as_secs_f64() / reps as f64;
    }
    Ok(Timing {
        k,
        cold,
        warm,
        warm_used,
    })
}

/// The cosines between two sets of `k` random unit vectors in R^16, and the same with every
/// entry moved by up to 1e-4.
fn matrices(k: usize) -> (Vec<f32>, Vec<f32>) {
    let (a, b) = (unit_rows(k, 16, 1), unit_rows(k, 16, 2));
    let sim: Vec<f32> = a
        .chunks_exact(16)
        .flat_map(|x| {
            b.chunks_exact(16)
                .map(move |y| dl2pa_core::sphere::dot(x, y))
        })
        .collect();
    let mut jitter = 0x1234_5678u64;
    let moved = sim
        .iter()
        .map(|&s| {
            jitter = jitter.wrapping_mul(6364136223846793005).wrapping_add(1);
            s + 1e-4 * (((jitter >> 40) as f32 / (1u64 << 24) as f32) * 2.0 - 1.0)
        })
        .collect();
    (sim, moved)
}

fn unit_rows(n: usize, d: usize, seed: u64) -> Vec<f32> {
    let mut s = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    let mut v: Vec<f32> = (0..n * d)
        .map(|_| {
            s ^= s << 13;
            s ^= s >> 7;
            s ^= s << 17;
            ((s >> 40) as f32 / (1u64 << 24) as f32) * 2.0 - 1.0
        })
        .collect();
    for r in v.chunks_exact_mut(d) {
        let _ = dl2pa_core::sphere::try_normalize(r);
    }
    v
}
