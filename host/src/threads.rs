//! Which thread runs the program: one of rayon's global pool, the pool flex runs its parallel
//! loops on.
//!
//! Why: a thread outside the pool hands each parallel loop to the pool's threads and sleeps until
//! they are done, so every operation of a training step pays a wake-up and a move of its data to
//! another core's cache, and on `n` cores `n + 1` threads share them. On a pool thread the step
//! takes part in its own loops instead. On the Intel Xeon of docs/performance.md, "CPU throughput" this made
//! the CNN's training steps 5–11 % faster on 1 and on 2 threads. The bits do not change: flex
//! and `gemm` split work by the pool's size, which stays the same (tests/train.rs checks a
//! training on the pool against one outside it; docs/determinism.md, "Determinism").

/// The stack of the pool's threads: what a main thread gets on Linux (`ulimit -s`, 8 MiB), since
/// the whole program runs on one of them; rayon's default would be Rust's 2 MiB.
const STACK_BYTES: usize = 8 << 20;

/// Runs `f` on a thread of rayon's global pool and returns its result; the caller blocks until
/// then, and a panic in `f` resumes on the caller.
///
/// The first call starts the pool (`RAYON_NUM_THREADS` threads, else one per core) with
/// main-thread-sized stacks; if something started it before, `f` runs on it as it is.
///
/// ```
/// let answer = dl2pa::threads::on_global_pool(|| rayon::current_thread_index().is_some());
/// assert!(answer);
/// ```
pub fn on_global_pool<R: Send>(f: impl FnOnce() -> R + Send) -> R {
    // `build_global` fails only when the pool already exists, and then it is the one used.
    let _ = rayon::ThreadPoolBuilder::new()
        .stack_size(STACK_BYTES)
        .build_global();
    rayon::scope(|_| f())
}
