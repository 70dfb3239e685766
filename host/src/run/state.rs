//! `state.json`: everything besides the weights needed to continue a run exactly. Written
//! after the checkpoint files of its epoch, it is the commit point. It carries the CRC-32 of
//! those files and of its own contents, so a corrupted checkpoint or state is an error, never a
//! silently different model.

use serde::{Deserialize, Serialize};

use super::seal::SelfChecked;

use crate::eval::Eval;

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
    // The solve's work, as `dl2pa_core::assign::Stats` counts it (after a warm start that gave
    // up, the cold solve's); 0 in metrics files written before it was recorded.
    /// Rows left free by the initial pass (column reduction, or the warm start's greedy pass).
    #[serde(default)]
    pub free_after_init: usize,
    /// Shortest augmenting paths run.
    #[serde(default)]
    pub augmentations: usize,
    /// Columns scanned by those paths: the solve's cost, the same on any machine.
    #[serde(default)]
    pub scans: usize,
}

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
    /// Class means (the EMA of normalised features), `K × d`; written as f64 so that every
    /// value reads back bit for bit.
    #[serde(with = "f32_as_f64")]
    pub ema: Vec<f32>,
    /// Per-epoch records so far.
    pub history: Vec<EpochRecord>,
    /// Training seconds so far (all epochs).
    pub train_seconds: f64,
    /// CRC-32 of the checkpoint files of `epochs_done` (absent before run format 2).
    #[serde(default)]
    pub checkpoint: Option<Checksums>,
    /// CRC-32 of this file's contents (compact JSON without this field); absent before run
    /// format 2.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub crc32: Option<u32>,
}

impl SelfChecked for State {
    fn checksum(&mut self) -> &mut Option<u32> {
        &mut self.crc32
    }

    /// `checkpoint` and `crc32` came in together (run format 2): one without the other is a
    /// damaged file, e.g. one whose `crc32` key lost a bit.
    fn must_be_sealed(&self) -> bool {
        self.checkpoint.is_some()
    }
}

/// CRC-32 (ISO-HDLC) of the files that make up the model at a checkpoint.
#[derive(Clone, Copy, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct Checksums {
    /// `ckpt/epoch-NNNN.model.bpk`.
    pub model: u32,
    /// `ckpt/epoch-NNNN.optim.bpk`.
    pub optim: u32,
    /// `prototypes.npy` (none for `psc`).
    #[serde(default)]
    pub prototypes: Option<u32>,
    /// `dataset.json` (the input schema).
    #[serde(default)]
    pub dataset: Option<u32>,
}

/// Serialises `f32`s as `f64`s: every f32 is an f64, printed and parsed exactly (a direct f32
/// round trip through decimal text could in principle round twice).
mod f32_as_f64 {
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    pub fn serialize<S: Serializer>(v: &[f32], s: S) -> Result<S::Ok, S::Error> {
        let wide: Vec<f64> = v.iter().map(|&x| f64::from(x)).collect();
        wide.serialize(s)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<f32>, D::Error> {
        let wide = Vec::<f64>::deserialize(d)?;
        Ok(wide.into_iter().map(|x| x as f32).collect())
    }
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
            checkpoint: None,
            crc32: None,
        }
    }

    /// This state with the checksums of its checkpoint files and of itself, ready to write.
    pub fn sealed_with(&self, checkpoint: Checksums) -> Self {
        let mut s = self.clone();
        s.checkpoint = Some(checkpoint);
        s.sealed()
    }

    /// Labels moved over all assignment updates so far.
    pub fn moved(&self) -> usize {
        self.history.iter().map(EpochRecord::moved).sum()
    }
}
