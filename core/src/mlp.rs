//! The int8 MLP backbone: raw input → int8 embedding on the device, integers only after the
//! input is quantised.
//!
//! Every layer is a [`DenseI8Ref`]: an exact integer dot product, then the fixed-point
//! requantisation of [`crate::requant`], clamped to [0, 127] after a hidden layer (ReLU) or
//! [−127, 127] after the last. No float is touched after the input, so a device and the host
//! produce the same bits.
//!
//! The host folds the input standardisation into the first layer and the embedding BatchNorm
//! into the last, picks one weight step per output channel and one activation step per layer;
//! the real factor of channel `o` of a layer is `s_in · s_w,o / s_out`.

use crate::dense::DenseI8Ref;
use crate::error::{Error, FormatError, Result, check_len};
use crate::quant::quantize_with;

/// Most layers a backbone has.
pub const MAX_LAYERS: usize = 8;

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
    /// use dl2pa_core::dense::DenseI8Ref;
    /// use dl2pa_core::mlp::MlpI8Ref;
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
        if let Some(i) = layers
            .windows(2)
            .position(|w| w[0].outputs() != w[1].inputs())
        {
            return Err(Error::Format(FormatError::LayerChain { layer: i + 1 }));
        }
        let mut slots = [DenseI8Ref::default(); MAX_LAYERS];
        slots[..layers.len()].copy_from_slice(layers);
        let width = layers
            .iter()
            .map(|l| l.inputs().max(l.outputs()))
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
        self.layers[0].inputs()
    }

    /// Embedding dimension (the last layer's outputs).
    pub fn outputs(&self) -> usize {
        self.layers[self.len - 1].outputs()
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
            layer.apply(&a[..layer.inputs()], &mut b[..layer.outputs()], lo);
            core::mem::swap(&mut a, &mut b);
        }
        Ok(&a[..self.outputs()])
    }
}
