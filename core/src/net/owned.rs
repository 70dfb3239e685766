//! Owned layer lists, for writing model files (host side).

use alloc::vec::Vec;

use super::Shape;
use crate::dense::DenseI8;

/// An owned convolution (see [`Conv2dI8Ref`](super::Conv2dI8Ref)).
#[derive(Clone, Debug, PartialEq)]
pub struct Conv2dI8 {
    /// Kernel side.
    pub kernel: usize,
    /// Stride.
    pub stride: usize,
    /// Zero padding on every side.
    pub padding: usize,
    /// Input channels.
    pub inputs: usize,
    /// Output channels.
    pub outputs: usize,
    /// `outputs × kernel × kernel × inputs`, in [−127, 127].
    pub weights: Vec<i8>,
    /// Per output channel: bias in units of `s_in · s_w,o`.
    pub bias: Vec<i32>,
    /// Per output channel: fixed-point multiplier (see [`crate::requant::multiplier_for`]).
    pub multiplier: Vec<i32>,
    /// Per output channel: shift.
    pub shift: Vec<i8>,
}

/// An owned layer (see [`LayerRef`](super::LayerRef)).
#[derive(Clone, Debug, PartialEq)]
pub enum LayerI8 {
    /// Dense on the flattened HWC input.
    Dense(DenseI8),
    /// Convolution.
    Conv(Conv2dI8),
    /// 2×2 max-pool, stride 2.
    MaxPool,
    /// Global average pool.
    GlobalAvgPool,
}

/// An owned layer list with its input (see [`NetI8Ref`](super::NetI8Ref)).
#[derive(Clone, Debug, PartialEq)]
pub struct NetI8 {
    /// Shape of the raw input.
    pub input: Shape,
    /// Per input channel: subtracted before scaling.
    pub input_offset: Vec<f32>,
    /// Per input channel: `1 / (std · step)`, quantised units per raw unit.
    pub input_scale: Vec<f32>,
    /// The layers in order.
    pub layers: Vec<LayerI8>,
}

/// Little-endian bytes of i32 values, as stored in files.
pub(crate) fn le_i32(v: &[i32]) -> Vec<u8> {
    v.iter().flat_map(|x| x.to_le_bytes()).collect()
}

/// Little-endian bytes of f32 values.
pub(crate) fn le_f32(v: &[f32]) -> Vec<u8> {
    v.iter().flat_map(|x| x.to_le_bytes()).collect()
}
