//! How the allocator treats freed memory while training.
//!
//! burn's CPU backend allocates and frees every intermediate tensor of every step. mimalloc, the
//! binary's allocator (main.rs), hands pages that stay free for longer than its purge delay
//! (1 s in its v3) back to the kernel, which must clear them when they are touched again: the CNN
//! of docs/performance.md, "CPU throughput" took ~78 000 page faults in 150 training steps (20 s) with the
//! default and ~330 without purging. A training step needs its peak again every step, so
//! returning that memory between steps only costs time; the program keeps it until it exits.
//! The peak resident set stays the same (161–166 MB on that CNN either way).
//!
//! [`available_bytes`] tells a step whose memory grows with K² whether it can fit before it
//! starts, so that it is refused with a message instead of killed by the kernel.

use libmimalloc_sys::{mi_option_set, mi_option_t, mi_option_use_numa_nodes};

/// `mi_option_purge_delay`, which `libmimalloc-sys` does not name: the option before
/// `use_numa_nodes` in mimalloc.h's `mi_option_e` (v2 and v3); a test checks its default.
const PURGE_DELAY: mi_option_t = mi_option_use_numa_nodes - 1;

/// Tells mimalloc never to return freed pages to the kernel (purge delay −1, as
/// `MIMALLOC_PURGE_DELAY=-1` would). Only affects mimalloc: a program with another global
/// allocator loses nothing.
///
/// # Safety
/// mimalloc's options are plain globals: call this before starting other threads, as the
/// binary does first thing in `main`.
pub unsafe fn keep_freed_pages() {
    // SAFETY: a valid option index (see PURGE_DELAY); the caller rules out concurrent access.
    unsafe { mi_option_set(PURGE_DELAY, -1) }
}

/// Memory the kernel can give this process without swapping (`MemAvailable` of
/// `/proc/meminfo`), in bytes; `None` where that is not known (not Linux).
pub fn available_bytes() -> Option<u64> {
    let info = std::fs::read_to_string("/proc/meminfo").ok()?;
    let line = info.lines().find(|l| l.starts_with("MemAvailable:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib * 1024)
}

#[cfg(test)]
mod tests {
    use super::*;
    use libmimalloc_sys::mi_option_get;

    /// The index is the purge delay's: v3's default of 1000 ms (no other option next to it has
    /// that default) unless MIMALLOC_PURGE_DELAY says otherwise, and −1 once set.
    #[test]
    fn keep_freed_pages_sets_mimallocs_purge_delay() {
        let from_env = std::env::var("MIMALLOC_PURGE_DELAY").ok();
        // SAFETY: no other test touches mimalloc's options.
        let before = unsafe { mi_option_get(PURGE_DELAY) };
        match from_env {
            Some(v) => assert_eq!(before.to_string(), v),
            None => assert_eq!(before, 1000),
        }
        unsafe { keep_freed_pages() };
        assert_eq!(unsafe { mi_option_get(PURGE_DELAY) }, -1);
    }
}
