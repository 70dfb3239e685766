//! Checkpoints: written so that a killed run always finds a complete one.
//!
//! Each epoch writes `ckpt/epoch-NNNN.model.bpk` and `ckpt/epoch-NNNN.optim.bpk` (burnpack), then
//! `state.json` atomically (the commit point, naming that epoch), then deletes older epochs.

use std::path::{Path, PathBuf};

use burn::module::Module;
use burn::optim::ModuleOptimizer;
use burn::tensor::Bytes;
use serde::{Deserialize, Serialize};

use super::assignment::Update;
use crate::error::{Error, Result};
use crate::io::write_atomic;
use crate::model::Model;

/// One epoch's record in `metrics.json`.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct EpochRecord {
    /// 1-based epoch.
    pub epoch: usize,
    /// Mean training loss.
    pub train_loss: f64,
    /// Learning rate at the end of the epoch.
    pub lr: f64,
    /// Training throughput (examples per second, evaluation excluded).
    pub img_per_s: f64,
    /// Training seconds of the epoch.
    pub train_seconds: f64,
    /// Test metrics, if evaluated this epoch.
    pub eval: Option<super::metrics::Eval>,
    /// Assignment updates during or at the end of this epoch.
    pub updates: Vec<Update>,
}

/// Everything besides the weights needed to continue a run exactly.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct State {
    /// Epochs completed.
    pub epochs_done: usize,
    /// Iterations completed.
    pub iteration: usize,
    /// σ, class → prototype.
    pub sigma: Vec<u32>,
    /// Class-mean EMA, `K × d`.
    pub ema: Vec<f32>,
    /// Per-epoch records so far.
    pub history: Vec<EpochRecord>,
    /// Training seconds so far (all epochs).
    pub train_seconds: f64,
}

fn ckpt_dir(run: &Path) -> PathBuf {
    run.join("ckpt")
}

fn files(run: &Path, epoch: usize) -> (PathBuf, PathBuf) {
    let d = ckpt_dir(run);
    (
        d.join(format!("epoch-{epoch:04}.model.bpk")),
        d.join(format!("epoch-{epoch:04}.optim.bpk")),
    )
}

/// Saves weights, optimiser state and `state`; then removes older epochs.
pub fn save(run: &Path, model: &Model, optim: &ModuleOptimizer, state: &State) -> Result<()> {
    let dir = ckpt_dir(run);
    std::fs::create_dir_all(&dir).map_err(|e| Error::io(&dir, e))?;
    let (mp, op) = files(run, state.epochs_done);
    let mbytes = model
        .clone()
        .into_record()
        .into_bytes()
        .map_err(|e| Error::format(&mp, e.to_string()))?;
    write_atomic(&mp, &mbytes)?;
    let obytes = optim
        .into_bytes()
        .map_err(|e| Error::format(&op, e.to_string()))?;
    write_atomic(&op, &obytes)?;
    let json = serde_json::to_vec_pretty(state).map_err(|e| Error::format(run, e.to_string()))?;
    write_atomic(&run.join("state.json"), &json)?;
    // The commit point has passed: older epochs are no longer needed.
    if let Ok(entries) = std::fs::read_dir(&dir) {
        for e in entries.flatten() {
            let p = e.path();
            if p != mp && p != op {
                let _ = std::fs::remove_file(p);
            }
        }
    }
    Ok(())
}

/// Loads the weights of the last committed checkpoint of `run` into `model` (for `eval`,
/// `predict`, `export`, and as the first half of [`load`]).
pub fn load_model(run: &Path, model: Model) -> Result<(Model, State)> {
    let sp = run.join("state.json");
    let text = std::fs::read(&sp).map_err(|e| Error::io(&sp, e))?;
    let state: State =
        serde_json::from_slice(&text).map_err(|e| Error::format(&sp, e.to_string()))?;
    let (mp, _) = files(run, state.epochs_done);
    let mbytes = std::fs::read(&mp).map_err(|e| Error::io(&mp, e))?;
    let record = burn::store::ModuleRecord::from_bytes(Bytes::from_bytes_vec(mbytes))
        .map_err(|e| Error::format(&mp, e.to_string()))?;
    let model = model
        .try_load_record(record)
        .map_err(|e| Error::format(&mp, e.to_string()))?;
    Ok((model, state))
}

/// Loads the last committed checkpoint of `run` into `model` and `optim`.
pub fn load(
    run: &Path,
    model: Model,
    optim: ModuleOptimizer,
) -> Result<(Model, ModuleOptimizer, State)> {
    let (model, state) = load_model(run, model)?;
    let (_, op) = files(run, state.epochs_done);
    let obytes = std::fs::read(&op).map_err(|e| Error::io(&op, e))?;
    let optim = optim
        .from_bytes(Bytes::from_bytes_vec(obytes))
        .map_err(|e| Error::format(&op, e.to_string()))?;
    Ok((model, optim, state))
}
