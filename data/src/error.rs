//! The readers' error type: every message is one line that names the file or value at fault.

use std::path::PathBuf;

/// A file, value or argument that does not fit what was expected.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// Reading or writing `path` failed.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// What the OS said.
        source: std::io::Error,
    },
    /// `path` exists but its contents are not what was expected.
    #[error("{}: {msg}", path.display())]
    Format {
        /// The file.
        path: PathBuf,
        /// What is wrong and what was expected.
        msg: String,
    },
    /// An argument or configuration value is out of range.
    #[error("{what} = {value}: expected {expected}")]
    Arg {
        /// The flag or key.
        what: &'static str,
        /// The value given.
        value: String,
        /// What is allowed.
        expected: String,
    },
}

/// Shorthand.
pub type Result<T> = std::result::Result<T, Error>;

impl Error {
    /// An [`Error::Arg`] from anything printable.
    pub fn arg(
        what: &'static str,
        value: impl std::fmt::Display,
        expected: impl Into<String>,
    ) -> Self {
        Error::Arg {
            what,
            value: value.to_string(),
            expected: expected.into(),
        }
    }

    /// An [`Error::Format`] for `path`.
    pub fn format(path: impl Into<PathBuf>, msg: impl Into<String>) -> Self {
        Error::Format {
            path: path.into(),
            msg: msg.into(),
        }
    }

    /// An [`Error::Io`] for `path`.
    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Error::Io {
            path: path.into(),
            source,
        }
    }
}
