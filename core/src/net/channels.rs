//! Per-output-channel requantisation of a weighted layer (dense or convolution): an i32 bias,
//! an i32 fixed-point multiplier and an i8 shift per channel, read in place from little-endian
//! bytes (a file need not be aligned).

use crate::error::{Error, FormatError, Result, check_len};
use crate::mlp::{MAX_BIAS, requantize};

/// `count` channels' bias, multiplier and shift, validated: `|bias| ≤ 2³⁰`, multiplier in
/// `[0, 2³¹)`, shift in `−31 ..= 30`.
#[derive(Clone, Copy, Debug, Default)]
pub struct ChannelsRef<'a> {
    bias: &'a [u8],
    multiplier: &'a [u8],
    shift: &'a [i8],
}

/// The `i`-th little-endian i32 of `b` (one unaligned word load on a Cortex-M4).
#[inline(always)]
fn i32_at(b: &[u8], i: usize) -> i32 {
    i32::from_le_bytes(b.as_chunks::<4>().0[i])
}

impl<'a> ChannelsRef<'a> {
    /// Validates `count` channels (`bias` and `multiplier`: `4 · count` bytes each).
    ///
    /// # Errors
    /// [`Error::Length`]; [`Error::Format`] with [`FormatError::LayerBias`],
    /// [`FormatError::LayerMultiplier`] or [`FormatError::LayerShift`] (layer index 0: the
    /// parser sets the real one).
    pub fn new(
        count: usize,
        bias: &'a [u8],
        multiplier: &'a [u8],
        shift: &'a [i8],
    ) -> Result<Self> {
        check_len("bias bytes", bias.len(), 4 * count)?;
        check_len("multiplier bytes", multiplier.len(), 4 * count)?;
        check_len("shifts", shift.len(), count)?;
        for o in 0..count {
            if !(-MAX_BIAS..=MAX_BIAS).contains(&i32_at(bias, o)) {
                return Err(Error::Format(FormatError::LayerBias { layer: 0 }));
            }
            if i32_at(multiplier, o) < 0 {
                return Err(Error::Format(FormatError::LayerMultiplier { layer: 0 }));
            }
        }
        if shift.iter().any(|s| !(-31..=30).contains(s)) {
            return Err(Error::Format(FormatError::LayerShift { layer: 0 }));
        }
        Ok(ChannelsRef {
            bias,
            multiplier,
            shift,
        })
    }

    /// The bias of channel `o`, in units of the accumulator.
    #[inline]
    pub fn bias(&self, o: usize) -> i32 {
        i32_at(self.bias, o)
    }

    /// Channel `o`'s output for the dot product `dot`: `requantize(bias_o + dot)`, clamped below
    /// at `lo` (0 after a ReLU, −127 otherwise). The caller keeps `|dot| ≤ 127² · 65 535`, so the
    /// sum with `|bias| ≤ 2³⁰` stays inside i32.
    #[inline]
    pub fn output(&self, o: usize, dot: i32, lo: i32) -> i8 {
        self.channel(o).output(dot, lo)
    }

    /// Channel `o`'s constants, read once for several outputs.
    #[inline(always)]
    pub(crate) fn channel(&self, o: usize) -> Channel {
        Channel {
            bias: self.bias(o),
            multiplier: i32_at(self.multiplier, o),
            shift: self.shift[o],
        }
    }
}

/// One channel's requantisation constants.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Channel {
    bias: i32,
    multiplier: i32,
    shift: i8,
}

impl Channel {
    /// As [`ChannelsRef::output`].
    #[inline(always)]
    pub(crate) fn output(&self, dot: i32, lo: i32) -> i8 {
        requantize(self.bias + dot, self.multiplier, self.shift, lo) as i8
    }
}
