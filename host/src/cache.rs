//! Where this program keeps what it can recompute but would rather not: estimated prototypes
//! ([`crate::prototypes::cache`]) and, in GPU builds, CubeCL's compiled kernels and autotune
//! results ([`crate::device`]).
//!
//! `$DL2PA_CACHE_DIR`, else `$XDG_CACHE_HOME/dl2pa`, else `$HOME/.cache/dl2pa` (the XDG base
//! directory convention); `DL2PA_CACHE_DIR=` (set and empty) turns caching off. A program
//! that embeds the library can fix the place for its whole process with [`fix_dir`] instead;
//! the crate's own unit tests use no cache unless they name one.

use std::path::PathBuf;
use std::sync::OnceLock;

static FIXED: OnceLock<Option<PathBuf>> = OnceLock::new();

/// Fixes [`dir`] for the rest of this process, whatever the environment says; `None` turns
/// caching off. For programs and tests that train through the library and must not write into
/// the user's cache (the environment is per process and not safe to change once threads run).
///
/// The first call wins: returns `false`, changing nothing, if the place was already fixed to
/// another value.
///
/// ```
/// assert!(dl2pa::cache::fix_dir(None));
/// assert_eq!(dl2pa::cache::dir(), None);
/// assert!(!dl2pa::cache::fix_dir(Some("/tmp/elsewhere".into())));
/// ```
pub fn fix_dir(dir: Option<PathBuf>) -> bool {
    *FIXED.get_or_init(|| dir.clone()) == dir
}

/// The cache directory for this user, or `None` when caching is off or no home is known.
pub fn dir() -> Option<PathBuf> {
    if let Some(fixed) = FIXED.get() {
        return fixed.clone();
    }
    if cfg!(test) {
        return None;
    }
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
