//! The training runs of an experiment, `--jobs` at a time.
//!
//! On the CPU two trainings on one thread each do more work than one training on two threads
//! (flex's small kernels do not scale; docs/performance.md, "CPU throughput"), and a training's bits depend
//! neither on its thread count nor on trainings beside it (docs/determinism.md, "Determinism"), so running
//! several at once changes how long an experiment takes and nothing it reports.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::mpsc;

use burn::prelude::Device;

use super::{ExperimentConfig, Trained, run_one};
use crate::config::Method;
use crate::error::{Error, Result};

/// One training run of an experiment's grid.
#[derive(Clone, Copy, Debug)]
pub(super) struct Job {
    /// Embedding dimension.
    pub d: usize,
    /// Method.
    pub method: Method,
    /// Seed.
    pub seed: u64,
}

/// What a worker reports to the thread that logs.
enum Report {
    Line(String),
    Done(usize, Box<Result<Trained>>),
}

/// Trains (or reads back) every job of `list` on `data`, `cfg.jobs` at a time, each on its
/// own pool of `threads / jobs` threads (at least one), and returns them in `list`'s order.
/// Log lines come as runs finish. After a failure no new job starts; the first failure in
/// `list`'s order is returned once the running ones end.
///
/// # Errors
/// A training run's error; [`Error::Device`] if the thread pools cannot be started.
pub(super) fn run_all(
    cfg: &ExperimentConfig,
    data: &str,
    list: &[Job],
    device: &Device,
    log: &mut dyn FnMut(&str),
) -> Result<Vec<Trained>> {
    if cfg.jobs <= 1 {
        return list
            .iter()
            .map(|j| run_one(cfg, data, j.d, j.method, j.seed, device, log))
            .collect();
    }
    let threads = (rayon::current_num_threads() / cfg.jobs).max(1);
    let pools = (0..cfg.jobs.min(list.len()))
        .map(|_| rayon::ThreadPoolBuilder::new().num_threads(threads).build())
        .collect::<std::result::Result<Vec<_>, _>>()
        .map_err(|e| Error::Device(format!("cannot start {threads}-thread pools: {e}")))?;
    let (next, failed) = (AtomicUsize::new(0), AtomicBool::new(false));
    let mut results: Vec<Option<Result<Trained>>> = list.iter().map(|_| None).collect();
    let (tx, rx) = mpsc::channel();
    std::thread::scope(|s| {
        for pool in &pools {
            let tx = tx.clone();
            let (next, failed) = (&next, &failed);
            s.spawn(move || {
                while !failed.load(Ordering::SeqCst) {
                    let i = next.fetch_add(1, Ordering::SeqCst);
                    let Some(j) = list.get(i) else { break };
                    let mut say = |l: &str| drop(tx.send(Report::Line(l.to_string())));
                    let r = pool
                        .install(|| run_one(cfg, data, j.d, j.method, j.seed, device, &mut say));
                    failed.fetch_or(r.is_err(), Ordering::SeqCst);
                    let _ = tx.send(Report::Done(i, Box::new(r)));
                }
            });
        }
        drop(tx);
        for report in rx {
            match report {
                Report::Line(l) => log(&l),
                Report::Done(i, r) => results[i] = Some(*r),
            }
        }
    });
    // Jobs start in `list`'s order, so any never started come after the failure that stopped
    // them, and the first error found here is the first failure in that order.
    results
        .into_iter()
        .map(|r| r.ok_or_else(|| Error::Numerical("internal: a run was never started".into()))?)
        .collect()
}
