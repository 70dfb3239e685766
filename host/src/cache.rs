//! Where this program keeps what it can recompute but would rather not: estimated prototypes
//! ([`crate::prototypes::cache`]) and, in GPU builds, CubeCL's compiled kernels and autotune
//! results ([`crate::device`]).
//!
//! `$DL2PA_CACHE_DIR`, else `$XDG_CACHE_HOME/dl2pa`, else `$HOME/.cache/dl2pa` (the XDG base
//! directory convention); `DL2PA_CACHE_DIR=` (set and empty) turns caching off.

use std::path::PathBuf;

/// The cache directory for this user, or `None` when caching is off or no home is known.
pub fn dir() -> Option<PathBuf> {
    let var = |k: &str| std::env::var_os(k);
    match var("DL2PA_CACHE_DIR") {
        Some(v) if v.is_empty() => None,
        Some(v) => Some(PathBuf::from(v)),
        None => var("XDG_CACHE_HOME")
            .filter(|v| !v.is_empty())
            .map(|v| PathBuf::from(v).join("dl2pa"))
            .or_else(|| var("HOME").map(|h| PathBuf::from(h).join(".cache/dl2pa"))),
    }
}
