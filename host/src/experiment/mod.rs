//! `dl2pa experiment NAME`: the paper's evidence rebuilt on the data these machines have, with
//! tables (Markdown + JSON) and plots (PNG + SVG) in one directory, one file per experiment.
//! Every training run keeps its own run directory under `OUT/runs/`; a run that already
//! finished is read back (its typed `metrics.json`), not redone, so a killed experiment
//! continues where it stopped.

mod dims;
mod jobs;
mod k100;
pub mod plots;
mod protos;
mod provenance;
mod solver;

use std::path::{Path, PathBuf};
use std::time::Instant;

use burn::prelude::Device;

use crate::config::{Method, TrainConfig};
use crate::error::{Error, Result};
use crate::run::{EpochRecord, RunDir, Summary};
use crate::train;

/// Which experiment.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Experiment {
    /// Table 1 analogue: accuracy of dl2pa / fixed / psc / etf across embedding dimensions.
    Dims,
    /// Fig. 4 analogue: how much the assignment matters as d grows (labels moved, dl2pa − fixed).
    Assign,
    /// Table 7 analogue: prototype quality for K = 100 against ETF and published numbers.
    Protos,
    /// Fig. 3c analogue: solver time against K, cold and warm.
    Solver,
    /// The paper's K = 100, d ≪ K regime on labelled synthetic data with 20 groups of related
    /// classes.
    K100,
}

impl Experiment {
    /// The name on the command line and of its output.
    pub fn name(self) -> &'static str {
        match self {
            Experiment::Dims => "dims",
            Experiment::Assign => "assign",
            Experiment::Protos => "protos",
            Experiment::Solver => "solver",
            Experiment::K100 => "k100",
        }
    }
}

/// Settings of an experiment.
#[derive(Clone, Debug)]
pub struct ExperimentConfig {
    /// Which one.
    pub experiment: Experiment,
    /// Dataset spec (default: digits; k100: synthetic).
    pub data: Option<String>,
    /// Output directory.
    pub out: PathBuf,
    /// Seeds per configuration.
    pub seeds: u64,
    /// Epochs per run (default: the trainer's).
    pub epochs: Option<usize>,
    /// Embedding dimensions (default per experiment).
    pub dims: Option<Vec<usize>>,
    /// Extra training settings (a config file) applied to every run.
    pub base: TrainConfig,
    /// `anchors.json` of the shared prototype benchmark, for the published numbers.
    pub anchors: Option<PathBuf>,
    /// Largest K of the solver sweep.
    pub max_k: usize,
    /// Training runs at once (CPU), each on an equal share of the threads; 1: one after another.
    pub jobs: usize,
}

/// Runs `cfg.experiment`; `log` gets one line per step.
///
/// # Errors
/// Whatever a training run or writing a result reports.
pub fn run(cfg: &ExperimentConfig, device: &Device, log: &mut dyn FnMut(&str)) -> Result<()> {
    std::fs::create_dir_all(&cfg.out).map_err(|e| Error::io(&cfg.out, e))?;
    let all = [Method::Dl2pa, Method::Fixed, Method::Psc, Method::Etf];
    match cfg.experiment {
        Experiment::Dims => dims::run(cfg, device, log, &all, "dims"),
        Experiment::Assign => dims::run(cfg, device, log, &all[..2], "assign"),
        Experiment::Protos => protos::run(cfg, device, log),
        Experiment::Solver => solver::run(cfg, log),
        Experiment::K100 => k100::run(cfg, device, log),
    }
}

/// Writes a text result atomically.
fn write(path: &Path, text: &str) -> Result<()> {
    crate::io::write_atomic(path, text.as_bytes())
}

/// Writes a Markdown table atomically, after the line that says what made it.
fn write_table(path: &Path, md: &str) -> Result<()> {
    write(path, &format!("{}{md}", provenance::line()))
}

/// One finished training run of an experiment.
struct Trained {
    /// Its run directory.
    dir: RunDir,
    /// `metrics.json` → `final`.
    summary: Summary,
    /// `metrics.json` → `epochs`.
    epochs: Vec<EpochRecord>,
}

impl Trained {
    /// The finished run in `dir`, or `None` if it has not finished.
    ///
    /// # Errors
    /// [`Error::Format`](crate::data::Error::Format) for a corrupt `metrics.json`.
    fn read(dir: RunDir) -> Result<Option<Self>> {
        if !dir.file("metrics.json").exists() {
            return Ok(None);
        }
        let m = dir.metrics()?;
        Ok(m.summary.map(|summary| Trained {
            dir,
            summary,
            epochs: m.epochs,
        }))
    }

    /// Final test top-1, percent.
    fn top1(&self) -> f64 {
        self.summary.test_top1
    }

    /// Every assignment update as `(iteration, labels moved)`.
    fn moves(&self) -> impl Iterator<Item = (usize, usize)> + '_ {
        self.epochs
            .iter()
            .flat_map(|e| &e.updates)
            .map(|u| (u.iteration, u.moved))
    }
}

/// Trains `data` at dimension `d` with `method` and `seed` (plus the experiment's base settings)
/// in `OUT/runs/<method>-d<d>-s<seed>`, or reads it back if it already finished.
fn run_one(
    cfg: &ExperimentConfig,
    data: &str,
    d: usize,
    method: Method,
    seed: u64,
    device: &Device,
    log: &mut dyn FnMut(&str),
) -> Result<Trained> {
    let mut tc = TrainConfig {
        data: data.to_string(),
        dim: d,
        method,
        seed,
        ..cfg.base.clone()
    };
    if let Some(e) = cfg.epochs {
        tc.epochs = e;
    }
    let dir = RunDir::new(
        cfg.out
            .join("runs")
            .join(format!("{}-d{d}-s{seed}", method.name())),
    );
    if let Some(done) = Trained::read(dir.clone())? {
        return Ok(done);
    }
    let t = Instant::now();
    let s = train::train(&tc, device, dir.path(), dir.has_state(), None, &mut |_| {})?;
    log(&format!(
        "{}: top-1 {:.2} % ({:.0} s)",
        dir.path().display(),
        s.test_top1,
        t.elapsed().as_secs_f64()
    ));
    Ok(Trained {
        summary: s,
        epochs: dir.metrics()?.epochs,
        dir,
    })
}

/// Mean and half-range of `v` (half-range 0 for one value).
fn mean_spread(v: &[f64]) -> (f64, f64) {
    let mean = v.iter().sum::<f64>() / v.len().max(1) as f64;
    let (lo, hi) = v
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), &x| {
            (a.min(x), b.max(x))
        });
    (mean, if v.len() > 1 { (hi - lo) / 2.0 } else { 0.0 })
}
