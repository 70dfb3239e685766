//! Listing a folder for data: sorted, and hidden entries (`.*`: `.DS_Store`,
//! `.ipynb_checkpoints/`, editor files) left out, so they are never classes or inputs.

use std::path::{Path, PathBuf};

use crate::error::{Error, Result};

/// Whether `path`'s file name starts with a dot.
pub fn is_hidden(path: &Path) -> bool {
    path.file_name()
        .is_some_and(|n| n.to_string_lossy().starts_with('.'))
}

/// The visible entries of `dir`, sorted by path.
///
/// # Errors
/// [`Error::Io`] naming `dir` if it cannot be listed.
pub fn visible(dir: &Path) -> Result<Vec<PathBuf>> {
    let mut entries = Vec::new();
    for e in std::fs::read_dir(dir).map_err(|e| Error::io(dir, e))? {
        let path = e.map_err(|e| Error::io(dir, e))?.path();
        if !is_hidden(&path) {
            entries.push(path);
        }
    }
    entries.sort();
    Ok(entries)
}
