//! What `dl2pa export` measured.

use serde::Serialize;

/// The export's report. Test figures are present when the run's data could be read.
#[derive(Clone, Debug, Serialize)]
pub struct Report {
    /// Classes.
    pub classes: usize,
    /// Embedding dimension.
    pub dim: usize,
    /// Model file size: flash bytes when embedded.
    pub flash_bytes: usize,
    /// RAM the core needs to classify one embedding (besides the input).
    pub ram_bytes: usize,
    /// On the run's test split.
    #[serde(flatten)]
    pub test: Option<TestReport>,
    /// Why there are no test figures (the run's data could not be read).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub not_evaluated: Option<String>,
    /// The int8 MLP backbone, when exported.
    pub backbone: Option<BackboneReport>,
}

/// Prototype classification of the test embeddings: f32, int8, core against host.
#[derive(Clone, Debug, Serialize)]
pub struct TestReport {
    /// Test examples.
    pub examples: usize,
    /// Test accuracy of the f32 model (cosine to `P[σ]`), percent.
    pub f32_top1: f64,
    /// Test accuracy of the int8 model (per-set step), percent.
    pub int8_top1: f64,
    /// Test accuracy with one int8 step per prototype (not in the format; measured for comparison).
    pub int8_per_prototype_top1: f64,
    /// Examples where int8 and f32 predictions differ.
    pub int8_vs_f32_disagreements: usize,
    /// Examples where the core's prediction on the written file differs from the host's
    /// int8 simulation (must be 0).
    pub core_mismatches: usize,
}

/// What `export --backbone` built: raw input → class on the device.
#[derive(Clone, Debug, Serialize)]
pub struct BackboneReport {
    /// `"mlp"` (dense layers) or `"cnn"` (a layer list).
    pub kind: String,
    /// One line per layer: `"784->128"`, `"conv3x3/1 1->32"`, `"maxpool2x2"`, `"gap"`.
    pub layers: Vec<String>,
    /// Training examples the activation ranges were calibrated on.
    pub calibration_examples: usize,
    /// The working memory (arena) of one raw classification, bytes.
    pub arena_bytes: usize,
    /// RAM for one raw classification besides the input: the arena and the best class/score.
    pub ram_bytes: usize,
    /// Multiply-accumulates per raw classification (layers and prototypes).
    pub macs: usize,
    /// On the run's raw test inputs.
    #[serde(flatten)]
    pub test: Option<BackboneTest>,
}

/// The backbone on the raw test inputs.
#[derive(Clone, Debug, Serialize)]
pub struct BackboneTest {
    /// Test accuracy of the folded f32 network from raw inputs (cosine to `P[σ]`), percent.
    pub f32_top1: f64,
    /// Test accuracy of the int8 network and int8 prototypes from raw inputs, percent.
    pub int8_top1: f64,
    /// Examples where the folded f32 network and the trained model predict differently
    /// (the folds are exact up to rounding, so this is ~0).
    pub fold_disagreements: usize,
    /// Examples where the core's `classify_raw` differs from the host's integer simulation
    /// (must be 0).
    pub core_mismatches: usize,
}

impl Report {
    /// Core-versus-host disagreements of the prototypes and the backbone (must be 0).
    pub fn core_mismatches(&self) -> usize {
        let protos = self.test.as_ref().map_or(0, |t| t.core_mismatches);
        let backbone = self
            .backbone
            .as_ref()
            .and_then(|b| b.test.as_ref())
            .map_or(0, |t| t.core_mismatches);
        protos + backbone
    }
}
