//! `dataset.json`: what the run was trained on and what a new input must look like.

use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::data::{DataDigest, InputSchema};
use crate::error::{Error, Result};

/// The run-directory format this build writes. 3 added the data's digest (and records `--data`
/// with absolute paths); 2 added the version fields, the CSV layout and `calibration.json`;
/// format 1 (dl2pa 0.1) had neither. Runs of formats 1 and 2 still load; their data is not
/// checked, having no digest.
pub const RUN_FORMAT: u32 = 3;

fn format_1() -> u32 {
    1
}

/// `dataset.json`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DatasetInfo {
    /// Run-directory format (absent in format 1 files).
    #[serde(default = "format_1")]
    pub run_format: u32,
    /// Version of dl2pa that created the run (absent in format 1 files).
    #[serde(default)]
    pub dl2pa_version: String,
    /// Dataset name.
    pub dataset: String,
    /// Training examples (after `--train-limit` and `--imbalance`).
    pub train_examples: usize,
    /// Test examples.
    pub test_examples: usize,
    /// Classes, shape, standardisation, raw scale, CSV layout.
    #[serde(flatten)]
    pub schema: InputSchema,
    /// The data as the reader loaded it (sizes and checksum; absent before run format 3).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data_digest: Option<DataDigest>,
    /// For `fonts:` data: the faces used (file, face index, family, style, licence), by split,
    /// and how many were left out and why.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fonts: Option<crate::data::fonts::Report>,
}

impl DatasetInfo {
    /// Info for a run created by this build.
    pub fn new(
        dataset: &str,
        train_examples: usize,
        test_examples: usize,
        schema: InputSchema,
    ) -> Self {
        DatasetInfo {
            run_format: RUN_FORMAT,
            dl2pa_version: env!("CARGO_PKG_VERSION").to_string(),
            dataset: dataset.to_string(),
            train_examples,
            test_examples,
            schema,
            data_digest: None,
            fonts: None,
        }
    }

    /// Whether `now`, the digest of the data `spec` names today, is the data the run at `run`
    /// was trained on. A run without a digest (format 1 or 2) is not checked.
    ///
    /// # Errors
    /// [`Error::Format`](crate::data::Error::Format) naming the run and the data, with both
    /// digests.
    pub fn check_data(&self, run: &Path, spec: &str, now: DataDigest) -> Result<()> {
        match self.data_digest {
            Some(then) if then != now => Err(Error::format(
                run,
                format!(
                    "{spec} is not the data this run was trained on ({then}; it now reads as {now}): the data changed since training, or its path names other data; train a new run on it (or evaluate on it with --data)"
                ),
            )),
            _ => Ok(()),
        }
    }

    /// Which version wrote the run, for messages.
    pub fn writer(&self) -> String {
        if self.dl2pa_version.is_empty() {
            format!("dl2pa 0.1 (run format {})", self.run_format)
        } else {
            format!(
                "dl2pa {} (run format {})",
                self.dl2pa_version, self.run_format
            )
        }
    }

    /// Whether this build can use the run described by the file at `path`: a schema that holds
    /// together (see [`InputSchema::check`](crate::data::InputSchema::check)) and a run format
    /// it reads.
    ///
    /// # Errors
    /// [`Error::Format`](crate::data::Error::Format) naming the file: what is wrong with the
    /// schema, or the version that wrote a newer format or a format-1 CSV run (its file did not
    /// record the column layout prediction needs).
    pub fn check_format(&self, path: &Path) -> Result<()> {
        self.check_version(path)?;
        self.schema
            .check()
            .map_err(|msg| Error::format(path, msg))?;
        if self.run_format < 2 && self.dataset.starts_with("csv:") {
            return Err(Error::format(
                path,
                format!(
                    "written by {}, which did not record the CSV column layout: train the run again with this version",
                    self.writer()
                ),
            ));
        }
        Ok(())
    }

    /// Whether this build reads the run format.
    ///
    /// # Errors
    /// [`Error::Format`](crate::data::Error::Format) naming the file and the version that wrote
    /// a newer format.
    pub fn check_version(&self, path: &Path) -> Result<()> {
        if self.run_format > RUN_FORMAT {
            return Err(Error::format(
                path,
                format!(
                    "written by {}: this build ({}) reads run formats 1..={RUN_FORMAT}; use a newer dl2pa",
                    self.writer(),
                    env!("CARGO_PKG_VERSION")
                ),
            ));
        }
        Ok(())
    }
}
