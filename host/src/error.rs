//! The host crate's error type: every message is one line that names the file or value at fault.

use std::path::PathBuf;

/// Everything that can go wrong in `dl2pa` outside of a bug.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A file, value or argument that does not fit (shared with the readers of
    /// [`dl2pa_data`]): reading or writing a file failed, a file's contents are not what was
    /// expected, or an argument is out of range.
    #[error(transparent)]
    Input(#[from] dl2pa_data::Error),
    /// The core rejected a value.
    #[error("{0}")]
    Core(#[from] dl2pa_core::Error),
    /// No usable compute device.
    #[error("device: {0}")]
    Device(String),
    /// Training diverged or produced a non-finite value.
    #[error("{0}")]
    Numerical(String),
}

/// Shorthand.
pub type Result<T> = std::result::Result<T, Error>;

impl Error {
    /// An out-of-range argument: `WHAT = VALUE: expected EXPECTED`.
    pub fn arg(
        what: &'static str,
        value: impl std::fmt::Display,
        expected: impl Into<String>,
    ) -> Self {
        Error::Input(dl2pa_data::Error::arg(what, value, expected))
    }

    /// A file whose contents are not what was expected: `PATH: MSG`.
    pub fn format(path: impl Into<PathBuf>, msg: impl Into<String>) -> Self {
        Error::Input(dl2pa_data::Error::format(path, msg))
    }

    /// A file that cannot be read or written: `PATH: what the OS said`.
    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Error::Input(dl2pa_data::Error::io(path, source))
    }
}
