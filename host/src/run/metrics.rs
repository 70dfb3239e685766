//! `metrics.json`: the run's report, rewritten after every epoch; `final` once it finishes.

use serde::{Deserialize, Serialize};

use super::state::EpochRecord;
use crate::config::TrainConfig;
use crate::eval::Groups;
use crate::prototypes::Quality;

/// `metrics.json`.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct Metrics {
    /// Version of dl2pa that wrote it (absent before run format 2).
    #[serde(default)]
    pub dl2pa_version: String,
    /// Commit of the build that wrote it (`build.rs`; `unknown` outside a git checkout; empty
    /// before dl2pa 0.2.0 recorded it).
    #[serde(default)]
    pub dl2pa_commit: String,
    /// The settings.
    pub config: TrainConfig,
    /// The data.
    pub dataset: DatasetCounts,
    /// Quality of the prototypes (none for `psc`).
    pub prototypes: Option<Quality>,
    /// One record per epoch so far.
    pub epochs: Vec<EpochRecord>,
    /// The final report, once the run has finished.
    #[serde(rename = "final")]
    pub summary: Option<Summary>,
}

/// The data a run was trained on.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct DatasetCounts {
    /// Dataset name.
    pub name: String,
    /// Class names.
    pub classes: Vec<String>,
    /// Training examples (after `--train-limit` and `--imbalance`).
    pub train_examples: usize,
    /// Test examples.
    pub test_examples: usize,
}

/// What a finished run reports (`metrics.json` → `final`).
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct Summary {
    /// Test top-1 accuracy, percent.
    pub test_top1: f64,
    /// Accuracy by head / medium / tail classes.
    #[serde(flatten)]
    pub groups: Groups,
    /// Training examples per class.
    pub train_counts: Vec<usize>,
    /// Test top-5 accuracy, percent (100 when K ≤ 5).
    pub test_top5: f64,
    /// Expected calibration error, percent.
    pub ece: f64,
    /// Test accuracy per class, percent; `null` for a class without test examples.
    pub per_class_accuracy: Vec<Option<f64>>,
    /// Final σ, class → prototype (empty for `psc`).
    pub sigma: Vec<u32>,
    /// Labels moved over all assignment updates (called `churn` before run format 2).
    #[serde(alias = "churn")]
    pub moved: usize,
    /// Mean training throughput, examples per second.
    pub img_per_s: f64,
    /// Training seconds.
    pub train_seconds: f64,
    /// Wall seconds of the invocation that finished the run.
    pub wall_seconds: f64,
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `final` of a `metrics.json` written before run format 2, which called the labels moved
    /// `churn`, reads into the same type.
    #[test]
    fn a_summary_written_as_churn_reads_as_moved() {
        let old = r#"{"test_top1": 98.3, "head": null, "medium": 98.3, "tail": null,
            "group_classes": [0, 10, 0], "train_counts": [1], "test_top5": 100.0, "ece": 1.1,
            "per_class_accuracy": [98.3], "sigma": [5, 2], "churn": 4, "img_per_s": 1.0,
            "train_seconds": 0.4, "wall_seconds": 0.6}"#;
        let s: Summary = serde_json::from_str(old).unwrap();
        assert_eq!((s.moved, s.groups.classes), (4, [0, 10, 0]));
        let again: Summary = serde_json::from_str(&serde_json::to_string(&s).unwrap()).unwrap();
        assert_eq!(again, s);
    }
}
