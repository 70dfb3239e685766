//! `dl2pa`: the host side of DL2PA — prototype estimation, the trainer, export to the core.
//!
//! The binary `dl2pa` is a thin CLI over this library ([`cli::run`]). The device (CPU or GPU) is
//! chosen once in [`device::select`] and passed down; nothing below names a concrete backend.
#![deny(missing_docs)]

pub mod cache;
pub mod cli;
pub mod config;
/// The datasets and their readers: the [`dl2pa_data`] crate, which needs no burn.
pub use dl2pa_data as data;
pub mod device;
pub mod error;
pub mod eval;
pub mod experiment;
pub mod export;
pub mod inference;
pub mod int8;
pub mod io;
pub mod kernels;
pub mod memory;
pub mod model;
pub mod prototypes;
pub mod run;
pub mod threads;
pub mod train;

pub use error::{Error, Result};

/// `VERSION (commit HASH)`: the crate version and the commit this build comes from (see
/// `build.rs`; `unknown` outside a git checkout). `dl2pa --version`, `metrics.json` and the
/// line every results table starts with name it.
pub const VERSION: &str = concat!(
    env!("CARGO_PKG_VERSION"),
    " (commit ",
    env!("DL2PA_COMMIT"),
    ")"
);
