#![no_std]
#![doc = include_str!("../README.md")]
#![deny(missing_docs)]
// Safe Rust throughout; the opt-in `dsp` kernel (inline assembly, Arm only) is the one exception.
#![cfg_attr(not(all(feature = "dsp", target_arch = "arm")), forbid(unsafe_code))]
#![cfg_attr(all(feature = "dsp", target_arch = "arm"), deny(unsafe_code))]

#[cfg(feature = "alloc")]
extern crate alloc;

pub mod assign;
mod classify;
pub mod dense;
mod error;
pub mod format;
pub mod mlp;
pub mod net;
mod prototypes;
pub mod quant;
pub mod requant;
pub mod sphere;

pub use classify::{Classify, Prediction};
pub use error::{Error, FormatError, Result};
pub use prototypes::{Prototypes, PrototypesRef, UNIT_TOLERANCE};
pub use quant::{PrototypesI8, PrototypesI8Ref};

/// Most classes a prototype store holds (class indices fit in `u16`).
pub const MAX_CLASSES: usize = 65_535;
/// Largest embedding dimension (`127² · 4096` keeps int8 dot products far inside `i32`).
pub const MAX_DIM: usize = 4_096;
