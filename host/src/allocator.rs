//! The binaries' allocator: mimalloc (each binary declares it `#[global_allocator]`; this
//! module only tunes it).
//!
//! burn's CPU backend allocates and frees every intermediate tensor of every training step, so a
//! page handed back to the kernel is faulted in and zeroed again one step later. glibc hands
//! them back at once; mimalloc ("purging") those that stay unused for its purge delay (1 s by
//! default), and with tensors of changing sizes enough do: 0.35 s of kernel time and 10 000 page
//! faults in ten CNN steps on one thread, against 0.05 s and 340 with purging off. Keeping freed
//! pages caps the process at its peak use, which a training run reaches in every step anyway.
// Linked for its C symbols: the lib declares them itself (the `extended` bindings need a crate
// that is not in the tree).
use mimalloc as _;

use std::ffi::{c_int, c_long};

/// `mi_option_purge_delay` in `mimalloc.h` (mimalloc 3.x as bundled by `libmimalloc-sys`
/// 0.1.49, and 2.x): milliseconds before unused memory goes back to the OS, `-1` never.
/// mimalloc keeps retired options in the enum as `deprecated_*`, so the number is stable.
const MI_OPTION_PURGE_DELAY: c_int = 15;

unsafe extern "C" {
    /// `void mi_option_set(mi_option_t option, long value)` from `mimalloc.h`.
    fn mi_option_set(option: c_int, value: c_long);
    /// `long mi_option_get(mi_option_t option)` from `mimalloc.h`.
    #[cfg(test)]
    fn mi_option_get(option: c_int) -> c_long;
}

/// Tells mimalloc to keep the pages freed tensors leave, for the next step's tensors, instead
/// of returning them to the OS. Call it first thing in `main`; harmless where mimalloc is not
/// the global allocator (it then tunes an allocator nothing uses).
pub fn keep_freed_pages() {
    // SAFETY: `mi_option_set` takes an option number and a value, has no preconditions, and is
    // safe to call at any time from any thread (mimalloc stores options atomically).
    unsafe { mi_option_set(MI_OPTION_PURGE_DELAY, -1) }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The number names the purge delay: its default in mimalloc 3's `options.c` (1 000 ms)
    /// before, never after.
    #[test]
    fn purge_delay_is_switched_off() {
        if std::env::var_os("MIMALLOC_PURGE_DELAY").is_some() {
            return; // the user's setting replaces the default this test checks
        }
        // SAFETY: as in `keep_freed_pages`; `mi_option_get` has no preconditions either.
        assert_eq!(unsafe { mi_option_get(MI_OPTION_PURGE_DELAY) }, 1000);
        keep_freed_pages();
        assert_eq!(unsafe { mi_option_get(MI_OPTION_PURGE_DELAY) }, -1);
    }
}
