//! CPU kernels of our own that replace burn ops in training, added through burn's backend
//! extension. Each gives the bits of the op it replaces on flex exactly — NaN, infinities and
//! −0.0 included (the property tests in each file), and the CNN trains to the same model through
//! them as through burn's ops, and to the golden model (`tests/tests/golden.rs`, run by CI with
//! and without this room) — so no trained figure
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
//! burn's own ops ([`burn_ops`]) everywhere. A build with it can also turn them off at run time
//! ([`use_burn_ops`]), so that one process trains both ways on the same machine: burn's CPU
//! matmul (`gemm`) sizes its blocks from the machine's L1 cache, so f32 bits are comparable
//! only between runs on the same cache geometry (docs/determinism.md).

pub mod burn_ops;

use std::sync::atomic::{AtomicBool, Ordering};

#[cfg(feature = "kernels")]
use burn::nn::{BatchNorm, conv::Conv2d};
#[cfg(feature = "kernels")]
use burn::prelude::*;

/// Whether this build has the kernels (the `kernels` feature).
pub const ENABLED: bool = cfg!(feature = "kernels");

/// Set by [`use_burn_ops`].
static BURN_OPS: AtomicBool = AtomicBool::new(false);

/// From now on, train through burn's own ops (`true`) or through the kernels again (`false`),
/// in the whole process: for comparing the two paths bit for bit in one process
/// (`tests/tests/golden.rs`). Without the `kernels` feature burn's ops run either way.
pub fn use_burn_ops(on: bool) {
    BURN_OPS.store(on, Ordering::Relaxed);
}

/// Whether the kernels run: the build has them and [`use_burn_ops`] has not turned them off.
pub fn active() -> bool {
    ENABLED && !BURN_OPS.load(Ordering::Relaxed)
}

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

/// `conv.forward(x)`, by `conv.rs`'s kernel while [`active`], else burn's.
#[cfg(feature = "kernels")]
pub fn conv2d(conv: &Conv2d, x: Tensor<4>) -> Tensor<4> {
    if active() {
        conv::conv2d(conv, x)
    } else {
        burn_ops::conv2d(conv, x)
    }
}

/// `bn.forward(x)`, by `batch_norm.rs`'s kernel while [`active`], else burn's.
#[cfg(feature = "kernels")]
pub fn batch_norm(bn: &BatchNorm, x: Tensor<4>) -> Tensor<4> {
    if active() {
        batch_norm::batch_norm(bn, x)
    } else {
        burn_ops::batch_norm(bn, x)
    }
}

/// 2×2 max-pooling with stride 2, by `pool.rs`'s kernel while [`active`], else burn's.
#[cfg(feature = "kernels")]
pub fn max_pool_2x2(x: Tensor<4>) -> Tensor<4> {
    if active() {
        pool::max_pool_2x2(x)
    } else {
        burn_ops::max_pool_2x2(x)
    }
}

#[cfg(not(feature = "kernels"))]
pub use burn_ops::{batch_norm, conv2d, max_pool_2x2};
