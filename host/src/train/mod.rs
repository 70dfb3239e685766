//! The DL2PA training loop and its baselines, all through the same code (paper Algorithm 1):
//!
//! 1. for each batch: backbone → (BatchNorm) → L2-normalise → loss towards `P[σ(y)]` (or
//!    softmax cross-entropy for `psc`, [`objective`]) → backward → SGD step;
//! 2. the detached features update the class means ([`assignment::Assignment::observe`]);
//! 3. at each update point (every `--assign-every` iterations, or at epoch ends) the similarity
//!    `μ Pᵀ` goes to dl2pa-core's solver, warm-started, and σ moves
//!    ([`assignment::Assignment::resolve`]).
//!
//! Each epoch ends with a checkpoint, so a killed run resumes where it stopped.

pub mod assignment;
pub mod batches;
pub mod cadence;
pub mod loss;
pub mod objective;
pub mod schedule;
pub mod setup;
mod trainer;

use std::path::{Path, PathBuf};
use std::time::Instant;

use burn::prelude::Device;

use crate::config::TrainConfig;
use crate::error::Result;
use crate::run::RunDir;
pub use crate::run::Summary;
use batches::Batches;
use setup::Setup;
use trainer::Trainer;

/// What a training reports as it goes, to a progress bar or a log.
#[derive(Clone, Copy, Debug)]
pub enum Progress<'a> {
    /// `done` of `total` steps of the prototype estimation, before the first epoch (only when
    /// the prototypes are neither given nor cached: at K in the thousands it takes minutes).
    Prototypes {
        /// Steps done.
        done: usize,
        /// Steps in all.
        total: usize,
    },
    /// An epoch ended; its one-line summary.
    Epoch(&'a str),
}

impl std::fmt::Display for Progress<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Progress::Prototypes { done, total } => write!(f, "prototypes: step {done}/{total}"),
            Progress::Epoch(line) => f.write_str(line),
        }
    }
}

/// Trains into `run`, or continues it (`resume`; a run without a checkpoint yet starts over).
/// With `until`, stops (checkpoint written) after that many epochs of the schedule, as a killed
/// run would. `log` receives the prototype estimation's steps and one line per epoch
/// ([`Progress`]). One process at a time trains a run: it holds
/// `RUN/.lock` throughout.
///
/// # Errors
/// Bad settings or data ([`Error::Arg`](crate::data::Error::Arg),
/// [`Error::Format`](crate::data::Error::Format)), a file that cannot be
/// written ([`Error::Io`](crate::data::Error::Io)), a loss that is not finite
/// ([`crate::Error::Numerical`]).
pub fn train(
    cfg: &TrainConfig,
    device: &Device,
    run: &Path,
    resume: bool,
    until: Option<usize>,
    log: &mut dyn FnMut(Progress<'_>),
) -> Result<Summary> {
    let wall = Instant::now();
    let run = RunDir::new(run);
    let absolute;
    let cfg = if resume {
        // Refused before anything is read or written: a setting that makes the run another run.
        run.config()?.check_resume(cfg, &run.file("config.toml"))?;
        cfg
    } else {
        absolute = cfg.with_absolute_data()?;
        &absolute
    };
    let mut setup = Setup::new(cfg, device, resume.then_some(&run), &mut |done, total| {
        log(Progress::Prototypes { done, total });
    })?;
    run.create()?;
    let _lock = run.lock()?;
    // A run killed before its first checkpoint starts again from the beginning.
    let resume = resume && run.has_state();
    if !resume {
        start(&run, cfg, &setup)?;
    }
    let mut trainer = Trainer::new(cfg, &setup, &run, resume, device)?;
    if resume {
        // Only once its checkpoint has loaded: what the resumed run now trains to.
        run.write_config(cfg)?;
    }
    let train = std::mem::take(&mut setup.data.train);
    let shape = setup.data.shape();
    let batches = Batches::new(
        train,
        shape,
        setup.augment,
        cfg.mixup,
        cfg.seed,
        cfg.batch_size,
    );
    let done = trainer.state.epochs_done;
    if done >= cfg.epochs {
        log(Progress::Epoch(&format!(
            "{} already has {done} of {} epochs",
            run.path().display(),
            cfg.epochs
        )));
    }
    for epoch in done..until.map_or(cfg.epochs, |u| u.min(cfg.epochs)) {
        let record = trainer.epoch(epoch, &batches, &setup.data.test)?;
        log(Progress::Epoch(&record.line(cfg.epochs, cfg.method)));
        trainer.commit(record, &setup)?;
    }
    trainer.finish(&setup, wall.elapsed().as_secs_f64())
}

/// Writes what a new run starts with: its config, prototypes and input schema.
fn start(run: &RunDir, cfg: &TrainConfig, setup: &Setup) -> Result<()> {
    run.write_config(cfg)?;
    if let Some(p) = &setup.prototypes {
        run.write_prototypes(p, setup.num_prototypes(), cfg.dim)?;
    }
    run.write_info(&setup.info())
}

/// `runs/<data>-<method>-d<dim>-s<seed>`: a default run directory name.
pub fn default_run_dir(cfg: &TrainConfig) -> PathBuf {
    let data: String = cfg
        .data
        .split(['/', ':'])
        .next()
        .unwrap_or("data")
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '-')
        .collect();
    let name = format!("{data}-{}-d{}-s{}", cfg.method.name(), cfg.dim, cfg.seed);
    PathBuf::from("runs").join(name.to_lowercase())
}
