//! CPU kernels of our own that replace burn ops in training, added through burn's backend
//! extension. Each gives the bits of the op it replaces on flex exactly — NaN, infinities and
//! −0.0 included (the property tests in each file), and the CNN still trains to the golden model
//! (`tests/tests/golden.rs`, run by CI with and without this room) — so no trained figure
//! depends on them; they only make the CNN and the ResNets faster on the CPU.
//!
//! | kernel | replaces | mirrors in flex 0.22.1 | gain when it landed |
//! |---|---|---|---|
//! | `pool.rs`: 2×2 max-pool, forward and gradient | `MaxPool2d::forward` | the generic 3-D pooling kernel's results (first of equal maxima, NaN wins) | with `batch_norm`: CNN +20 % on one thread, +36 % on two (commit e4d7775); branch-free rows +3.5 to +9 % on two |
//! | `batch_norm.rs`: batch statistics, backward | `BatchNorm::forward` in training | burn's formulas op for op; each channel summed in the order flex sums a transposed row | see `pool`; four channels side by side +2 to +3 % on two threads |
//! | `conv.rs`: the weight gradient | `conv2d_weight_backward` | the tiled im2col and `gemm` call of `conv3d_impl` (`flex_conv.rs`) | CNN +11 % on two threads, +2 % on one (923 → 1 028 img/s); 16-position transposes +2 to +6 % |
//! | `conv_forward.rs`: the forward convolution | flex's `conv2d` | the same tiles (512 positions) and `gemm` calls (`flex_conv.rs`) | +1 to +9 % on two threads, +3 to +6 % on one |
//!
//! The gains are the CNN example's img/s on an Intel Xeon, in interleaved pairs against the
//! build before each (CHANGELOG.md, "CPU throughput"). `COMPARE_KERNELS=1 bash
//! docs/results/cpu-throughput.sh` measures this build against one without the room, side by
//! side; after a burn upgrade it says whether they still pay, and the golden test whether
//! they still match.
//!
//! **Switching them off.** The room is the default feature `kernels`; built without it
//! (`cargo build --no-default-features`), [`conv2d`], [`batch_norm`] and [`max_pool_2x2`] are
//! burn's own ops ([`burn_ops`]) everywhere.

pub mod burn_ops;

/// Whether this build has the kernels (the `kernels` feature).
pub const ENABLED: bool = cfg!(feature = "kernels");

#[cfg(feature = "kernels")]
mod batch_norm;
#[cfg(all(test, feature = "kernels"))]
mod bits;
#[cfg(feature = "kernels")]
mod conv;
#[cfg(feature = "kernels")]
mod conv_forward;
#[cfg(feature = "kernels")]
mod flex_conv;
#[cfg(feature = "kernels")]
mod pool;

#[cfg(feature = "kernels")]
pub use {batch_norm::batch_norm, conv::conv2d, pool::max_pool_2x2};

#[cfg(not(feature = "kernels"))]
pub use burn_ops::{batch_norm, conv2d, max_pool_2x2};
