//! The int8 MLP backbone: raw input → int8 embedding on the device, integers only after the
//! input is quantised.
//!
//! Every layer computes `acc_o = bias_o + Σ_i w_oi · x_i` in integers (exact: weights and
//! activations are int8 in [−127, 127], at most [`MAX_WIDTH`] inputs, `|bias| ≤ 2³⁰`, so
//! `|acc| < 2³¹`), then requantises each output channel with a fixed-point multiplier
//! (TFLite's scheme): `y_o = ⌊(acc_o · m_o + 2^(r−1)) / 2^r⌋` with `r = 31 − shift_o`, i.e.
//! `acc_o` times the real factor `m_o · 2^(shift_o − 31)`, rounded half up, clamped to
//! [0, 127] after a hidden layer (ReLU) or [−127, 127] after the last. No float is touched after
//! the input, so a device and the host produce the same bits.
//!
//! The host folds the input standardisation into the first layer and the embedding BatchNorm
//! into the last, picks one weight step per output channel and one activation step per layer;
//! the real factor of channel `o` of a layer is `s_in · s_w,o / s_out`.

use crate::error::{Error, FormatError, Result, check_len};
use crate::net::ChannelsRef;
use crate::quant::quantize_with;
use crate::sphere::dot_i8;

/// Most layers a backbone has.
pub const MAX_LAYERS: usize = 8;
/// Most inputs or outputs of one layer (keeps `127² · MAX_WIDTH < 2³⁰`).
pub const MAX_WIDTH: usize = 65_535;
/// Largest bias magnitude (with the bound on the dot product, `|acc| < 2³¹`).
pub const MAX_BIAS: i32 = 1 << 30;

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

/// `⌊(acc · m + 2^(r−1)) / 2^r⌋`, `r = 31 − shift`, clamped to `[lo, 127]`.
///
/// `|acc| < 2³¹` and `0 ≤ m < 2³¹` keep the product and the rounding term inside i64.
///
/// ```
/// use dl2pa_core::mlp::requantize;
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
/// use dl2pa_core::mlp::multiplier_for;
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

impl<'a> DenseI8Ref<'a> {
    /// A validated layer. `bias` and `multiplier` hold `outputs` little-endian i32 each.
    ///
    /// # Errors
    /// [`Error::Size`] for 0 or more than [`MAX_WIDTH`] inputs or outputs; [`Error::Length`];
    /// [`Error::Format`] for a weight of −128, a bias beyond ±[`MAX_BIAS`], a negative
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

/// A validated int8 MLP: `Dense → ReLU` for every layer but the last, which gives the int8
/// embedding. Borrowed, fixed-size (`MAX_LAYERS` slots), `Copy`.
#[derive(Clone, Copy, Debug)]
pub struct MlpI8Ref<'a> {
    input_step: f32,
    layers: [DenseI8Ref<'a>; MAX_LAYERS],
    len: usize,
    width: usize,
}

impl<'a> MlpI8Ref<'a> {
    /// A backbone of `layers` (in order) reading inputs quantised with `input_step`.
    ///
    /// ```
    /// use dl2pa_core::mlp::{DenseI8Ref, MlpI8Ref};
    /// // One layer, 2 → 2, weights [[1, 0], [0, -1]], bias 0, factor 1 (m = 2³⁰, shift 1).
    /// let m = (1i32 << 30).to_le_bytes();
    /// let mult = [m, m].concat();
    /// let layer = DenseI8Ref::new(2, 2, &[1, 0, 0, -1], &[0; 8], &mult, &[1, 1])?;
    /// let mlp = MlpI8Ref::new(0.5, &[layer])?;
    /// let mut scratch = [0i8; 4];
    /// assert_eq!(mlp.forward(&[1.0, 2.0], &mut scratch)?, &[2, -4]);
    /// # Ok::<(), dl2pa_core::Error>(())
    /// ```
    ///
    /// # Errors
    /// [`Error::Size`] for no layers or more than [`MAX_LAYERS`];
    /// [`FormatError::LayerChain`] if a layer's inputs differ from the previous layer's outputs; [`Error::BadScale`] for a step that is
    /// not finite and positive.
    pub fn new(input_step: f32, layers: &[DenseI8Ref<'a>]) -> Result<Self> {
        if layers.is_empty() || layers.len() > MAX_LAYERS {
            return Err(Error::Size {
                what: "backbone layers",
                value: layers.len(),
                max: MAX_LAYERS,
            });
        }
        if !(input_step.is_finite() && input_step > 0.0) {
            return Err(Error::BadScale);
        }
        if let Some(i) = layers.windows(2).position(|w| w[0].outputs != w[1].inputs) {
            return Err(Error::Format(FormatError::LayerChain { layer: i + 1 }));
        }
        let mut slots = [DenseI8Ref::default(); MAX_LAYERS];
        slots[..layers.len()].copy_from_slice(layers);
        let width = layers
            .iter()
            .map(|l| l.inputs.max(l.outputs))
            .max()
            .unwrap_or(0);
        Ok(MlpI8Ref {
            input_step,
            layers: slots,
            len: layers.len(),
            width,
        })
    }

    /// The layers, in order.
    pub fn layers(&self) -> &[DenseI8Ref<'a>] {
        &self.layers[..self.len]
    }

    /// Input size.
    pub fn inputs(&self) -> usize {
        self.layers[0].inputs
    }

    /// Embedding dimension (the last layer's outputs).
    pub fn outputs(&self) -> usize {
        self.layers[self.len - 1].outputs
    }

    /// Real value of one unit of the quantised input.
    pub fn input_step(&self) -> f32 {
        self.input_step
    }

    /// Working memory [`MlpI8Ref::forward`] needs, in bytes: two activation buffers of the widest layer.
    pub fn arena_bytes(&self) -> usize {
        2 * self.width
    }

    /// Runs the network on a raw input (the values the training data loader produced, before
    /// standardisation: the host folded it into the first layer) and returns the int8 embedding,
    /// which lives in `scratch`. Cost: one multiply-add per weight.
    ///
    /// # Errors
    /// [`Error::Length`] for a wrong `x.len()` or a scratch shorter than
    /// [`MlpI8Ref::arena_bytes`]; [`Error::NotFinite`] for a NaN or infinite input.
    pub fn forward<'s>(&self, x: &[f32], scratch: &'s mut [i8]) -> Result<&'s [i8]> {
        check_len("input", x.len(), self.inputs())?;
        let got = scratch.len();
        let scratch = scratch.get_mut(..self.arena_bytes()).ok_or(Error::Length {
            what: "scratch",
            expected: self.arena_bytes(),
            got,
        })?;
        let (mut a, mut b) = scratch.split_at_mut(self.width);
        quantize_with(x, self.input_step, &mut a[..x.len()])?;
        for (i, layer) in self.layers().iter().enumerate() {
            let lo = if i + 1 == self.len { -127 } else { 0 };
            layer.apply(&a[..layer.inputs], &mut b[..layer.outputs], lo);
            core::mem::swap(&mut a, &mut b);
        }
        Ok(&a[..self.outputs()])
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
    /// Per output: fixed-point multiplier (see [`multiplier_for`]).
    pub multiplier: alloc::vec::Vec<i32>,
    /// Per output: shift (see [`multiplier_for`]).
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
