//! `experiment solver` (Fig. 3c analogue): assignment solve time against K, cold and warm.

use std::fmt::Write as _;
use std::time::Instant;

use dl2pa_core::assign::{Problem, Solver};

use super::plots::{self, Series};
use super::{ExperimentConfig, write_table};
use crate::error::Result;

pub(super) fn run(cfg: &ExperimentConfig, log: &mut dyn FnMut(&str)) -> Result<()> {
    let sizes: Vec<usize> = [100, 200, 500, 1000, 2000, 5000, 10_000]
        .into_iter()
        .filter(|&n| n <= cfg.max_k)
        .collect();
    let mut md = String::from(
        "Assignment solve time (f32, one core) on K × K similarity matrices of random unit vectors in R^16; warm = the same solves started from the previous solve's duals, alternating between the matrix and a copy with every entry moved by up to 1e-4 (as successive DL2PA updates).\n\n| K | cold (ms) | warm (ms) | cold / warm | warm start used |\n|---|---|---|---|---|\n",
    );
    let (mut cold_s, mut warm_s) = (Vec::new(), Vec::new());
    for &n in &sizes {
        let (a, b) = (unit_rows(n, 16, 1), unit_rows(n, 16, 2));
        let sim: Vec<f32> = a
            .chunks_exact(16)
            .flat_map(|x| {
                b.chunks_exact(16)
                    .map(move |y| dl2pa_core::sphere::dot(x, y))
            })
            .collect();
        let mut jitter = 0x1234_5678u64;
        let moved: Vec<f32> = sim
            .iter()
            .map(|&s| {
                jitter = jitter.wrapping_mul(6364136223846793005).wrapping_add(1);
                s + 1e-4 * (((jitter >> 40) as f32 / (1u64 << 24) as f32) * 2.0 - 1.0)
            })
            .collect();
        let p1 = Problem::maximize(&sim, n, n)?;
        let p2 = Problem::maximize(&moved, n, n)?;
        // As in training: every solve starts from the previous one's duals, alternating between
        // the two matrices; cold solves alternate the same way.
        let reps = if n <= 1000 { 10 } else { 4 };
        let mut s = Solver::new();
        let mut cold = 0.0;
        for r in 0..reps {
            let p = if r % 2 == 0 { &p2 } else { &p1 };
            let t = Instant::now();
            s.solve(p)?;
            cold += t.elapsed().as_secs_f64() / reps as f64;
        }
        s.solve(&p1)?;
        let (mut warm, mut used) = (0.0, true);
        for r in 0..reps {
            let p = if r % 2 == 0 { &p2 } else { &p1 };
            let t = Instant::now();
            used &= s.solve_warm(p)?.warm_started();
            warm += t.elapsed().as_secs_f64() / reps as f64;
        }
        let _ = writeln!(
            md,
            "| {n} | {:.3} | {:.3} | {:.1} | {used} |",
            cold * 1e3,
            warm * 1e3,
            cold / warm
        );
        cold_s.push((n as f64, cold * 1e3, 0.0));
        warm_s.push((n as f64, warm * 1e3, 0.0));
        log(&format!(
            "K = {n}: cold {:.3} ms, warm {:.3} ms",
            cold * 1e3,
            warm * 1e3
        ));
    }
    write_table(&cfg.out.join("solver.md"), &md)?;
    plots::lines(
        &cfg.out.join("solver"),
        "Assignment solve time vs K (dl2pa-core, f32, one core)",
        "K",
        "milliseconds",
        &[
            Series {
                label: "cold".into(),
                points: cold_s,
            },
            Series {
                label: "warm (after a 1e-4 perturbation)".into(),
                points: warm_s,
            },
        ],
        true,
        true,
    )
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
