//! The run directory: everything a trained run is, and the one place its files are read and
//! written, each by its own type.
//!
//! | file | type | written |
//! |---|---|---|
//! | `config.toml` | [`TrainConfig`] | at the start (and by `--resume` with new flags) |
//! | `dataset.json` | [`DatasetInfo`]: counts and the [`InputSchema`] | at the start |
//! | `prototypes.npy` | `M × d` f32 (none for `psc`) | at the start |
//! | `ckpt/`, `state.json` | weights, optimiser, [`State`] (the commit point) | each epoch |
//! | `metrics.json` | [`Metrics`] | each epoch and at the end |
//! | `calibration.json` | [`Calibration`] (MLP runs with prototypes) | when training stops |
//!
//! Inference and export need these files only, never the training data. Every file is written
//! atomically, so a killed run leaves the previous version or the new one.

pub mod calibration;
pub mod checkpoint;
mod info;
pub mod metrics;
mod seal;
mod state;

pub use calibration::Calibration;
pub use info::{DatasetInfo, RUN_FORMAT};
pub use metrics::{DatasetCounts, Metrics, Summary};
pub use seal::SelfChecked;
pub use state::{Checksums, EpochRecord, State, Update};

use std::path::{Path, PathBuf};

use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::config::TrainConfig;
use crate::data::InputSchema;
use crate::error::{Error, Result};
use crate::io::write_atomic;

/// A run directory.
#[derive(Clone, Debug)]
pub struct RunDir {
    dir: PathBuf,
}

impl RunDir {
    /// The run directory at `dir` (nothing is read or created).
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        RunDir { dir: dir.into() }
    }

    /// Its path.
    pub fn path(&self) -> &Path {
        &self.dir
    }

    /// A file of the run.
    pub fn file(&self, name: &str) -> PathBuf {
        self.dir.join(name)
    }

    /// Creates the directory (and its parents).
    ///
    /// # Errors
    /// [`Error::Io`](crate::data::Error::Io) naming it.
    pub fn create(&self) -> Result<()> {
        std::fs::create_dir_all(&self.dir).map_err(|e| Error::io(&self.dir, e))
    }

    /// Takes the run's lock (`RUN/.lock`) for one trainer, and removes what a killed writer may
    /// have left (`.NAME.tmpPID.N` files of unfinished atomic writes). The lock is released when
    /// the returned guard is dropped or the process ends, however it ends.
    ///
    /// # Errors
    /// [`Error::Format`](crate::data::Error::Format) naming the run if another process holds the
    /// lock; [`Error::Io`](crate::data::Error::Io) if
    /// the lock file cannot be opened.
    pub fn lock(&self) -> Result<RunLock> {
        use std::io::{Read, Seek, Write};
        let path = self.file(".lock");
        let mut file = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&path)
            .map_err(|e| Error::io(&path, e))?;
        match file.try_lock() {
            Ok(()) => {}
            Err(std::fs::TryLockError::WouldBlock) => {
                let mut holder = String::new();
                let _ = file.read_to_string(&mut holder);
                return Err(Error::format(
                    &self.dir,
                    format!(
                        "another dl2pa process{} is training this run: wait for it to finish, or train into another directory with -o",
                        holder
                            .trim()
                            .parse::<u32>()
                            .map_or(String::new(), |p| format!(" (pid {p})"))
                    ),
                ));
            }
            Err(std::fs::TryLockError::Error(e)) => return Err(Error::io(&path, e)),
        }
        let pid = std::process::id().to_string();
        let written = file
            .set_len(0)
            .and_then(|()| file.rewind())
            .and_then(|()| file.write_all(pid.as_bytes()));
        written.map_err(|e| Error::io(&path, e))?;
        self.remove_unfinished_writes()?;
        Ok(RunLock { _file: file })
    }

    /// Removes `.NAME.tmpPID.N` files in the run and its `ckpt/` (only under the lock).
    fn remove_unfinished_writes(&self) -> Result<()> {
        for dir in [self.dir.clone(), self.file("ckpt")] {
            let Ok(entries) = std::fs::read_dir(&dir) else {
                continue;
            };
            for e in entries.flatten() {
                let name = e.file_name().to_string_lossy().into_owned();
                if name.starts_with('.') && name.contains(".tmp") {
                    let p = e.path();
                    std::fs::remove_file(&p).map_err(|err| Error::io(&p, err))?;
                }
            }
        }
        Ok(())
    }

    /// Whether a checkpoint has been committed (`state.json` exists).
    pub fn has_state(&self) -> bool {
        self.file("state.json").exists()
    }

    /// `config.toml`.
    ///
    /// # Errors
    /// [`Error::Io`](crate::data::Error::Io); [`Error::Format`](crate::data::Error::Format) naming
    /// the file and the bad key.
    pub fn config(&self) -> Result<TrainConfig> {
        TrainConfig::from_file(&self.file("config.toml"))
    }

    /// Writes `config.toml`.
    ///
    /// # Errors
    /// [`Error::Io`](crate::data::Error::Io) naming it.
    pub fn write_config(&self, cfg: &TrainConfig) -> Result<()> {
        write_atomic(&self.file("config.toml"), cfg.to_toml().as_bytes())
    }

    /// `dataset.json`, checked against the checksum the last checkpoint recorded and to be a
    /// run format this build reads.
    ///
    /// # Errors
    /// [`Error::Io`](crate::data::Error::Io); [`Error::Format`](crate::data::Error::Format) for a
    /// corrupt file or one written by a version whose
    /// runs this build cannot use (the message names that version).
    pub fn info(&self) -> Result<DatasetInfo> {
        let path = self.file("dataset.json");
        let bytes = std::fs::read(&path).map_err(|e| Error::io(&path, e))?;
        let info: DatasetInfo =
            serde_json::from_slice(&bytes).map_err(|e| Error::format(&path, e.to_string()))?;
        // A newer format is named first: its checksums need not follow this build's rules.
        info.check_version(&path)?;
        checkpoint::verify(&path, &bytes, self.recorded(|c| c.dataset)?)?;
        info.check_format(&path)?;
        Ok(info)
    }

    /// A checksum the last checkpoint recorded, if there is a checkpoint and it recorded one.
    fn recorded(&self, which: impl Fn(&Checksums) -> Option<u32>) -> Result<Option<u32>> {
        if !self.has_state() {
            return Ok(None);
        }
        Ok(self.state()?.checkpoint.as_ref().and_then(which))
    }

    /// The input schema from `dataset.json`.
    ///
    /// # Errors
    /// As [`RunDir::info`].
    pub fn schema(&self) -> Result<InputSchema> {
        Ok(self.info()?.schema)
    }

    /// Writes `dataset.json`.
    ///
    /// # Errors
    /// [`Error::Io`](crate::data::Error::Io) naming it.
    pub fn write_info(&self, info: &DatasetInfo) -> Result<()> {
        write_json(&self.file("dataset.json"), info)
    }

    /// `prototypes.npy` as `(M × d values, M)`, or `None` when the run has none (`psc`). The
    /// values are the ones the run trained with, bit for bit (not normalised again: a resumed
    /// run continues exactly).
    ///
    /// # Errors
    /// [`Error::Format`](crate::data::Error::Format) naming the file if it is not `M × dim` finite
    /// rows of unit length.
    pub fn prototypes(&self, dim: usize) -> Result<Option<(Vec<f32>, usize)>> {
        let path = self.file("prototypes.npy");
        if !path.exists() {
            return Ok(None);
        }
        let bytes = std::fs::read(&path).map_err(|e| Error::io(&path, e))?;
        checkpoint::verify(&path, &bytes, self.recorded(|c| c.prototypes)?)?;
        let (p, m, d) = crate::data::npy::decode(&path, &bytes)?;
        if d != dim || m < 2 {
            return Err(Error::format(
                &path,
                format!("prototypes have shape ({m}, {d}): expected (M >= 2, {dim})"),
            ));
        }
        for (r, row) in p.chunks_exact(d).enumerate() {
            let unit = dl2pa_core::sphere::try_norm(row)
                .is_ok_and(|n| (n * n - 1.0).abs() <= dl2pa_core::UNIT_TOLERANCE);
            if !unit {
                return Err(Error::format(
                    &path,
                    format!("prototype {r} is not a finite unit vector"),
                ));
            }
        }
        Ok(Some((p, m)))
    }

    /// Writes `prototypes.npy` (`m × d`).
    ///
    /// # Errors
    /// [`Error::Io`](crate::data::Error::Io) naming it.
    pub fn write_prototypes(&self, p: &[f32], m: usize, d: usize) -> Result<()> {
        crate::io::write_npy(&self.file("prototypes.npy"), p, m, d)
    }

    /// `state.json`: the last committed checkpoint's state, its checksum verified.
    ///
    /// # Errors
    /// [`Error::Io`](crate::data::Error::Io) (no checkpoint yet);
    /// [`Error::Format`](crate::data::Error::Format) for a file that is not a state or whose
    /// checksum does not match.
    pub fn state(&self) -> Result<State> {
        read_checked(&self.file("state.json"))
    }

    /// `metrics.json`.
    ///
    /// # Errors
    /// [`Error::Io`](crate::data::Error::Io); [`Error::Format`](crate::data::Error::Format) for a
    /// corrupt file or a missing key.
    pub fn metrics(&self) -> Result<Metrics> {
        read_json(&self.file("metrics.json"))
    }

    /// Writes `metrics.json`.
    ///
    /// # Errors
    /// [`Error::Io`](crate::data::Error::Io) naming it.
    pub fn write_metrics(&self, m: &Metrics) -> Result<()> {
        write_json(&self.file("metrics.json"), m)
    }

    /// `calibration.json`, or `None` if the run has none.
    ///
    /// # Errors
    /// [`Error::Format`](crate::data::Error::Format) for a corrupt file.
    pub fn calibration(&self) -> Result<Option<Calibration>> {
        let path = self.file("calibration.json");
        if path.exists() {
            read_checked(&path).map(Some)
        } else {
            Ok(None)
        }
    }

    /// Writes `calibration.json`.
    ///
    /// # Errors
    /// [`Error::Io`](crate::data::Error::Io) naming it.
    pub fn write_calibration(&self, c: &Calibration) -> Result<()> {
        write_json(&self.file("calibration.json"), &c.clone().sealed())
    }
}

/// The lock of a run being trained (see [`RunDir::lock`]).
#[derive(Debug)]
pub struct RunLock {
    _file: std::fs::File,
}

/// Reads a JSON file into `T`.
fn read_json<T: DeserializeOwned>(path: &Path) -> Result<T> {
    let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
    serde_json::from_slice(&bytes).map_err(|e| Error::format(path, e.to_string()))
}

/// Reads a file that carries its own checksum, and checks it.
fn read_checked<T: DeserializeOwned + SelfChecked>(path: &Path) -> Result<T> {
    let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
    let value: T =
        serde_json::from_slice(&bytes).map_err(|e| Error::format(path, e.to_string()))?;
    let problem = match seal::verify(&bytes) {
        Some(false) => "checksum does not match the contents",
        None if value.must_be_sealed() => "no checksum (crc32), which this file always carries",
        _ => return Ok(value),
    };
    Err(Error::format(
        path,
        format!(
            "{problem}: the file was changed or corrupted (train the run again, or restore the file)"
        ),
    ))
}

/// Writes `value` as pretty JSON, atomically.
fn write_json<T: Serialize>(path: &Path, value: &T) -> Result<()> {
    let bytes = serde_json::to_vec_pretty(value).map_err(|e| Error::format(path, e.to_string()))?;
    write_atomic(path, &bytes)
}
