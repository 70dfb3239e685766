//! For the tests of the kernels of our own: a tensor's values as bit patterns, to compare with
//! burn's kernels exactly.

use burn::prelude::*;

/// Bit patterns, so that NaN payloads, `-0.0` and ties compare exactly.
pub(crate) fn exact<const D: usize>(t: Tensor<D>) -> Vec<u32> {
    values(t).map(f32::to_bits).collect()
}

/// Bit patterns with every NaN as one: where both kernels give NaN but its payload is not
/// something a user can rely on.
pub(crate) fn nan_as_one<const D: usize>(t: Tensor<D>) -> Vec<u32> {
    values(t)
        .map(|v| if v.is_nan() { u32::MAX } else { v.to_bits() })
        .collect()
}

fn values<const D: usize>(t: Tensor<D>) -> impl Iterator<Item = f32> {
    t.try_into_vec_as::<f32>()
        .expect("an f32 tensor")
        .into_iter()
}
