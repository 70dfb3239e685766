//! Fixed-point requantisation (TFLite's scheme), shared by every weighted int8 layer — dense
//! ([`crate::dense`]) and convolution ([`crate::net`]).
//!
//! A layer's output channel `o` turns its exact i32 accumulator `acc_o = bias_o + Σ w·x` into
//! int8 with a fixed-point multiplier: `y_o = ⌊(acc_o · m_o + 2^(r−1)) / 2^r⌋` with
//! `r = 31 − shift_o`, i.e. `acc_o` times the real factor `m_o · 2^(shift_o − 31)`, rounded half
//! up, clamped to [0, 127] after a ReLU or [−127, 127] otherwise. The per-channel bias,
//! multiplier and shift are read in place from little-endian bytes (a file need not be aligned).

use crate::error::{Error, FormatError, Result, check_len};

/// Largest bias magnitude (with the bound on the dot product, `|acc| < 2³¹`).
pub const MAX_BIAS: i32 = 1 << 30;

/// `⌊(acc · m + 2^(r−1)) / 2^r⌋`, `r = 31 − shift`, clamped to `[lo, 127]`.
///
/// `|acc| < 2³¹` and `0 ≤ m < 2³¹` keep the product and the rounding term inside i64.
///
/// ```
/// use dl2pa_core::requant::requantize;
/// // m = 2³⁰, shift 0: a factor of 1/2, rounded half up.
/// assert_eq!(requantize(5, 1 << 30, 0, -127), 3);
/// assert_eq!(requantize(-5, 1 << 30, 0, -127), -2);
/// assert_eq!(requantize(-5, 1 << 30, 0, 0), 0);
/// assert_eq!(requantize(1_000, 1 << 30, 0, -127), 127);
/// ```
#[must_use]
#[inline(always)]
pub fn requantize(acc: i32, multiplier: i32, shift: i8, lo: i32) -> i32 {
    let r = 31 - i32::from(shift);
    let prod = i64::from(acc) * i64::from(multiplier);
    if r > 32 {
        // The usual case (factors below 1/2): the rounding term 2^(r−1) only adds to the high
        // word, and the low word cannot change ⌊·/2^r⌋, so the rest is 32-bit — on a Cortex-M4
        // an add and a shift instead of a 64-bit shift by a variable amount. |prod| < 2⁶² keeps
        // the high word and the sum inside i32.
        let hi = (prod >> 32) as i32 + (1 << (r - 33));
        (hi >> (r - 32)).clamp(lo, 127)
    } else {
        ((prod + (1i64 << (r - 1))) >> r).clamp(i64::from(lo), 127) as i32
    }
}

/// The fixed-point form `(m, shift)` of a positive real factor: `m · 2^(shift − 31)` with
/// `m ∈ [2³⁰, 2³¹)`, the closest such value. Factors below `2⁻³²` become `(0, 0)` (every output
/// rounds to 0 anyway); factors of `2³⁰` or more cannot be represented.
///
/// ```
/// use dl2pa_core::requant::multiplier_for;
/// assert_eq!(multiplier_for(0.5)?, (1 << 30, 0));
/// assert_eq!(multiplier_for(3.0)?, (3 << 29, 2));
/// # Ok::<(), dl2pa_core::Error>(())
/// ```
///
/// # Errors
/// [`Error::BadScale`] for a factor that is not finite and positive or is `≥ 2³⁰`.
pub fn multiplier_for(real: f64) -> Result<(i32, i8)> {
    if !(real.is_finite() && real > 0.0) {
        return Err(Error::BadScale);
    }
    let (frac, exp) = libm::frexp(real); // real = frac · 2^exp, frac ∈ [0.5, 1)
    let mut m = libm::round(frac * (1u64 << 31) as f64) as i64;
    let mut shift = exp;
    if m == 1 << 31 {
        m /= 2;
        shift += 1;
    }
    if shift < -31 {
        return Ok((0, 0));
    }
    if shift > 30 {
        return Err(Error::BadScale);
    }
    Ok((m as i32, shift as i8))
}

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
