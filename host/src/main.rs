//! `dl2pa`: see `dl2pa --help`.

use clap::Parser;

/// burn's CPU backend allocates and frees every intermediate tensor of every step; glibc's
/// allocator hands those pages back to the kernel and faults them in again (a third of a CNN
/// step was page zeroing). mimalloc reuses them: +55 % MLP, +8 % CNN training throughput here
/// (docs/performance.md, "CPU throughput"), and `keep_freed_pages` stops it returning the rest.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    // SAFETY: no other thread has started yet.
    unsafe { dl2pa::memory::keep_freed_pages() };
    let cli = dl2pa::cli::Cli::parse();
    let result = dl2pa::threads::on_global_pool(|| dl2pa::cli::run(cli));
    dl2pa::device::release();
    if let Err(e) = result {
        eprintln!("error: {e}");
        std::process::exit(1);
    }
}
