//! One int8 dense layer, read in place: `y = requantize(bias + W x)` per output channel
//! ([`crate::requant`]). The MLP backbone ([`crate::mlp`]) is a list of them, and the layer list
//! ([`crate::net`]) ends with one.
//!
//! The sum is exact in i32: weights and activations are int8 in [−127, 127], at most
//! [`MAX_WIDTH`] inputs and `|bias| ≤ 2³⁰`, so `|acc| < 2³¹`.

use crate::error::{Error, FormatError, Result, check_len};
use crate::requant::ChannelsRef;
use crate::sphere::dot_i8;

/// Most inputs or outputs of one layer (keeps `127² · MAX_WIDTH < 2³⁰`).
pub const MAX_WIDTH: usize = 65_535;

/// One dense layer read in place: weights row-major by output (`outputs × inputs` int8), and per
/// output channel an i32 bias, an i32 multiplier in `[0, 2³¹)` and an i8 shift in `−31 ..= 30`,
/// the i32s little-endian (the bytes need not be aligned).
#[derive(Clone, Copy, Debug, Default)]
pub struct DenseI8Ref<'a> {
    inputs: usize,
    outputs: usize,
    weights: &'a [i8],
    channels: ChannelsRef<'a>,
}

impl<'a> DenseI8Ref<'a> {
    /// A validated layer. `bias` and `multiplier` hold `outputs` little-endian i32 each.
    ///
    /// # Errors
    /// [`Error::Size`] for 0 or more than [`MAX_WIDTH`] inputs or outputs; [`Error::Length`];
    /// [`Error::Format`] for a weight of −128, a bias beyond ±[`MAX_BIAS`](crate::requant::MAX_BIAS), a negative
    /// multiplier or a shift outside `−31 ..= 30` ([`FormatError::LayerWeight`] … with layer
    /// index 0: a layer checked alone does not know its place; the parser sets it).
    pub fn new(
        inputs: usize,
        outputs: usize,
        weights: &'a [i8],
        bias: &'a [u8],
        multiplier: &'a [u8],
        shift: &'a [i8],
    ) -> Result<Self> {
        for (what, value) in [("layer inputs", inputs), ("layer outputs", outputs)] {
            if value == 0 || value > MAX_WIDTH {
                return Err(Error::Size {
                    what,
                    value,
                    max: MAX_WIDTH,
                });
            }
        }
        check_len("weights", weights.len(), inputs * outputs)?;
        if weights.contains(&i8::MIN) {
            return Err(Error::Format(FormatError::LayerWeight { layer: 0 }));
        }
        let channels = ChannelsRef::new(outputs, bias, multiplier, shift)?;
        Ok(DenseI8Ref {
            inputs,
            outputs,
            weights,
            channels,
        })
    }

    /// Inputs of the layer.
    pub fn inputs(&self) -> usize {
        self.inputs
    }

    /// Outputs of the layer.
    pub fn outputs(&self) -> usize {
        self.outputs
    }

    /// `y = requantize(bias + W x)`, clamped below at `lo` (0 for ReLU, −127 otherwise).
    /// `x` and `y` have the layer's sizes (checked by the caller).
    pub(crate) fn apply(&self, x: &[i8], y: &mut [i8], lo: i32) {
        for (o, (yo, row)) in y
            .iter_mut()
            .zip(self.weights.chunks_exact(self.inputs))
            .enumerate()
        {
            // |bias| ≤ 2³⁰ and |dot| ≤ 127² · 65 535 < 2³⁰: the sum cannot overflow.
            *yo = self.channels.output(o, dot_i8(row, x), lo);
        }
    }
}

/// An owned layer, for writing model files (host side).
#[cfg(feature = "alloc")]
#[derive(Clone, Debug, PartialEq)]
pub struct DenseI8 {
    /// Inputs.
    pub inputs: usize,
    /// Outputs.
    pub outputs: usize,
    /// `outputs × inputs`, row-major by output, in [−127, 127].
    pub weights: alloc::vec::Vec<i8>,
    /// Per output: bias in units of `s_in · s_w,o`.
    pub bias: alloc::vec::Vec<i32>,
    /// Per output: fixed-point multiplier (see [`multiplier_for`](crate::requant::multiplier_for)).
    pub multiplier: alloc::vec::Vec<i32>,
    /// Per output: shift (see [`multiplier_for`](crate::requant::multiplier_for)).
    pub shift: alloc::vec::Vec<i8>,
}

#[cfg(feature = "alloc")]
impl DenseI8 {
    /// The little-endian byte forms of bias and multiplier, as stored in files.
    pub fn le_bytes(&self) -> (alloc::vec::Vec<u8>, alloc::vec::Vec<u8>) {
        let le = |v: &[i32]| v.iter().flat_map(|x| x.to_le_bytes()).collect();
        (le(&self.bias), le(&self.multiplier))
    }
}
