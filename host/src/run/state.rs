//! `state.json`: everything besides the weights needed to continue a run exactly. Written
//! after the checkpoint files of its epoch, it is the commit point.

use serde::{Deserialize, Serialize};

use crate::train::assignment::Update;
use crate::train::eval::Eval;

/// One epoch's record (also in `metrics.json`).
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
    pub eval: Option<Eval>,
    /// Assignment updates during or at the end of this epoch.
    pub updates: Vec<Update>,
}

impl EpochRecord {
    /// Labels moved by this epoch's updates.
    pub fn moved(&self) -> usize {
        self.updates.iter().map(|u| u.moved).sum()
    }
}

/// `state.json`.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct State {
    /// Epochs completed.
    pub epochs_done: usize,
    /// Iterations completed.
    pub iteration: usize,
    /// σ, class → prototype (empty for `psc`).
    pub sigma: Vec<u32>,
    /// Class means (the EMA of normalised features), `K × d`.
    pub ema: Vec<f32>,
    /// Per-epoch records so far.
    pub history: Vec<EpochRecord>,
    /// Training seconds so far (all epochs).
    pub train_seconds: f64,
}

impl State {
    /// The state before the first epoch.
    pub fn new(sigma: Vec<u32>, classes: usize, dim: usize) -> Self {
        State {
            epochs_done: 0,
            iteration: 0,
            sigma,
            ema: vec![0.0; classes * dim],
            history: Vec::new(),
            train_seconds: 0.0,
        }
    }

    /// Labels moved over all assignment updates so far.
    pub fn moved(&self) -> usize {
        self.history.iter().map(EpochRecord::moved).sum()
    }
}
