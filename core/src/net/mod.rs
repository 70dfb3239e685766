//! The int8 layer-list backbone: convolutions, pooling and dense layers from a raw image to the
//! int8 embedding, integers only after the input is quantised, in caller-supplied working memory.
//!
//! Activations are int8, channel-last (HWC), each tensor with one step; weights have one step per
//! output channel and every weighted layer requantises with the fixed-point scheme of
//! [`crate::requant`] (TFLite's). Every weighted layer but the last is followed by a ReLU (its output
//! is clamped to `[0, 127]`); the last layer is dense and gives the embedding in `[−127, 127]`.
//!
//! **Working memory.** [`NetI8Ref::forward`] runs in an arena of [`NetI8Ref::arena_bytes`]
//! bytes that the caller owns (a `static` buffer on a device, as TensorFlow Lite Micro does):
//! each layer reads its input at one end of the arena and writes its output at the other, and a
//! max-pool works in place, so the arena is the largest `input + output` of any layer — no
//! hidden stack buffer sized for the worst case.

mod conv;
mod dot;
#[cfg(feature = "alloc")]
mod owned;
mod patch;
mod pool;

pub use conv::{Conv2dI8Ref, MAX_KERNEL, MAX_STRIDE};
#[cfg(feature = "alloc")]
pub use owned::{Conv2dI8, LayerI8, NetI8};
#[cfg(feature = "alloc")]
pub(crate) use owned::{le_f32, le_i32};

use crate::dense::DenseI8Ref;
use crate::error::{Error, FormatError, Result, check_len};
use crate::quant::QMAX;

/// Most layers of a layer list.
pub const MAX_NET_LAYERS: usize = 16;
/// Most values of one activation tensor (`H · W · C`); also bounds the input.
pub const MAX_ACTIVATION: usize = 1 << 20;

/// The shape of an HWC activation tensor.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Shape {
    /// Rows.
    pub height: usize,
    /// Columns.
    pub width: usize,
    /// Channels.
    pub channels: usize,
}

impl Shape {
    /// Values in the tensor, `H · W · C` (saturating).
    pub fn len(&self) -> usize {
        self.height
            .saturating_mul(self.width)
            .saturating_mul(self.channels)
    }

    /// Whether the tensor holds no value.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// One layer of the list.
#[derive(Clone, Copy, Debug, Default)]
pub enum LayerRef<'a> {
    /// A dense layer on the flattened (HWC) input; gives a `1 × 1 × outputs` tensor.
    Dense(DenseI8Ref<'a>),
    /// A convolution.
    Conv(Conv2dI8Ref<'a>),
    /// 2×2 max-pool, stride 2.
    #[default]
    MaxPool,
    /// Global average pool to `1 × 1 × C`.
    GlobalAvgPool,
}

impl LayerRef<'_> {
    /// The output shape for `input`, or `None` if the layer does not take that shape.
    pub fn output_shape(&self, input: Shape) -> Option<Shape> {
        let flat = |n: usize| Shape {
            height: 1,
            width: 1,
            channels: n,
        };
        match self {
            LayerRef::Dense(d) => (d.inputs() == input.len()).then(|| flat(d.outputs())),
            LayerRef::Conv(c) => c.output_shape(input),
            LayerRef::MaxPool => (input.height >= 2 && input.width >= 2).then_some(Shape {
                height: input.height / 2,
                width: input.width / 2,
                channels: input.channels,
            }),
            LayerRef::GlobalAvgPool => Some(flat(input.channels)),
        }
    }

    /// Multiply-accumulates for an input of `input` (0 for pooling).
    pub fn macs(&self, input: Shape) -> usize {
        match (self, self.output_shape(input)) {
            (LayerRef::Dense(d), _) => d.inputs() * d.outputs(),
            (LayerRef::Conv(c), Some(out)) => out.len() * c.macs_per_output(),
            _ => 0,
        }
    }
}

/// How the raw input becomes int8: per input channel `c`,
/// `a = clamp(round_half_away((x − offset_c) · scale_c), −127, 127)` in f32 — the only float
/// step. `offset` and `scale` are `C` little-endian f32 each (the host puts the training
/// standardisation and the input step here, so zero padding is the standardised 0).
#[derive(Clone, Copy, Debug)]
pub struct InputQuant<'a> {
    offset: &'a [u8],
    scale: &'a [u8],
}

fn f32_at(b: &[u8], i: usize) -> f32 {
    f32::from_le_bytes([b[4 * i], b[4 * i + 1], b[4 * i + 2], b[4 * i + 3]])
}

impl<'a> InputQuant<'a> {
    /// Validates `channels` offsets (finite) and scales (finite, positive).
    ///
    /// # Errors
    /// [`Error::Length`]; [`Error::Format`] with [`FormatError::NetInputQuant`].
    pub fn new(channels: usize, offset: &'a [u8], scale: &'a [u8]) -> Result<Self> {
        check_len("input offsets", offset.len(), 4 * channels)?;
        check_len("input scales", scale.len(), 4 * channels)?;
        let ok = (0..channels).all(|c| {
            let (o, s) = (f32_at(offset, c), f32_at(scale, c));
            o.is_finite() && s.is_finite() && s > 0.0
        });
        if !ok {
            return Err(Error::Format(FormatError::NetInputQuant));
        }
        Ok(InputQuant { offset, scale })
    }

    /// Quantises the raw input `x`, channel-major (`C × H × W`, the order the data loader and
    /// `predict` use), into `a`, channel-last (`H × W × C`).
    fn apply(&self, shape: Shape, x: &[f32], a: &mut [i8]) -> Result<()> {
        let plane = shape.height * shape.width;
        for (index, &v) in x.iter().enumerate() {
            if !v.is_finite() {
                return Err(Error::NotFinite {
                    what: "input",
                    index,
                });
            }
            let (c, p) = (index / plane, index % plane);
            let q = libm::roundf((v - f32_at(self.offset, c)) * f32_at(self.scale, c));
            a[p * shape.channels + c] = q.clamp(-f32::from(QMAX), f32::from(QMAX)) as i8;
        }
        Ok(())
    }
}

/// A validated layer list: input shape and quantisation, up to [`MAX_NET_LAYERS`] layers.
/// Borrowed, fixed-size, `Copy`.
#[derive(Clone, Copy, Debug)]
pub struct NetI8Ref<'a> {
    input: Shape,
    quant: InputQuant<'a>,
    layers: [LayerRef<'a>; MAX_NET_LAYERS],
    len: usize,
    output: Shape,
    arena: usize,
}

impl<'a> NetI8Ref<'a> {
    /// Chains `layers` from `input`, checking every shape.
    ///
    /// # Errors
    /// [`FormatError::NetInputShape`] for an input dimension of 0 or a tensor above
    /// [`MAX_ACTIVATION`]; [`FormatError::LayerCount`] for no layers or more than
    /// [`MAX_NET_LAYERS`]; [`FormatError::LayerChain`] for a layer that does not take its input's
    /// shape or an output above [`MAX_ACTIVATION`]; [`FormatError::NetLastLayer`] unless the last
    /// layer is dense.
    pub fn new(input: Shape, quant: InputQuant<'a>, layers: &[LayerRef<'a>]) -> Result<Self> {
        let fits = |s: Shape| !s.is_empty() && s.len() <= MAX_ACTIVATION;
        if !fits(input) {
            return Err(Error::Format(FormatError::NetInputShape));
        }
        if layers.is_empty() || layers.len() > MAX_NET_LAYERS {
            return Err(Error::Format(FormatError::LayerCount));
        }
        let (mut shape, mut arena) = (input, input.len());
        for (i, l) in layers.iter().enumerate() {
            let out = l
                .output_shape(shape)
                .filter(|&s| fits(s))
                .ok_or(Error::Format(FormatError::LayerChain { layer: i }))?;
            let need = match l {
                LayerRef::MaxPool => shape.len(),
                LayerRef::Conv(c) => shape.len() + c.patch_bytes() + out.len(),
                _ => shape.len() + out.len(),
            };
            arena = arena.max(need);
            shape = out;
        }
        if !matches!(layers.last(), Some(LayerRef::Dense(_))) {
            return Err(Error::Format(FormatError::NetLastLayer));
        }
        let mut slots = [LayerRef::default(); MAX_NET_LAYERS];
        slots[..layers.len()].copy_from_slice(layers);
        Ok(NetI8Ref {
            input,
            quant,
            layers: slots,
            len: layers.len(),
            output: shape,
            arena,
        })
    }

    /// The layers, in order.
    pub fn layers(&self) -> &[LayerRef<'a>] {
        &self.layers[..self.len]
    }

    /// Shape of the raw input (given channel-major, `C × H × W`).
    pub fn input_shape(&self) -> Shape {
        self.input
    }

    /// Raw input values, `H · W · C`.
    pub fn inputs(&self) -> usize {
        self.input.len()
    }

    /// Embedding dimension (the last layer's outputs).
    pub fn outputs(&self) -> usize {
        self.output.channels
    }

    /// Bytes of working memory [`NetI8Ref::forward`] needs: the largest `input + output` of a
    /// layer, plus two pixels' patches for a convolution (a max-pool: its input), at least the
    /// quantised input.
    pub fn arena_bytes(&self) -> usize {
        self.arena
    }

    /// Multiply-accumulates per input (pooling not counted).
    pub fn macs(&self) -> usize {
        let mut shape = self.input;
        let mut macs = 0;
        for l in self.layers() {
            macs += l.macs(shape);
            shape = l.output_shape(shape).unwrap_or_default();
        }
        macs
    }

    /// Runs the network on a raw input and returns the int8 embedding, which lives in `arena`.
    ///
    /// # Errors
    /// [`Error::Length`] for a wrong `x.len()` or an arena shorter than
    /// [`NetI8Ref::arena_bytes`]; [`Error::NotFinite`] for a NaN or infinite input.
    pub fn forward<'s>(&self, x: &[f32], arena: &'s mut [i8]) -> Result<&'s [i8]> {
        self.forward_observed(x, arena, |_| ())
    }

    /// [`NetI8Ref::forward`], calling `after(i)` when layer `i` is done — a profiling hook (the
    /// firmware demo reads a cycle counter there to give each layer's cost).
    ///
    /// # Errors
    /// As [`NetI8Ref::forward`].
    pub fn forward_observed<'s>(
        &self,
        x: &[f32],
        arena: &'s mut [i8],
        mut after: impl FnMut(usize),
    ) -> Result<&'s [i8]> {
        check_len("input", x.len(), self.inputs())?;
        let got = arena.len();
        let arena = arena.get_mut(..self.arena).ok_or(Error::Length {
            what: "arena",
            expected: self.arena,
            got,
        })?;
        self.quant.apply(self.input, x, &mut arena[..x.len()])?;
        // The current tensor sits at the start of the arena (`at_start`) or ends at its end.
        let (mut shape, mut at_start) = (self.input, true);
        for (i, layer) in self.layers().iter().enumerate() {
            let out = layer.output_shape(shape).unwrap_or_default();
            if let LayerRef::MaxPool = layer {
                pool::max_pool_2x2(shape, tensor(arena, at_start, shape.len()));
                if !at_start {
                    // The pooled values are at the front of the old tensor: move them to the end.
                    let (n, old) = (arena.len(), arena.len() - shape.len());
                    arena.copy_within(old..old + out.len(), n - out.len());
                }
            } else {
                // Input at one end, output at the other, a convolution's patches between them
                // (arena_bytes).
                let (xs, mid, ys) = ends(arena, at_start, shape.len(), out.len());
                let lo = if i + 1 == self.len {
                    -i32::from(QMAX)
                } else {
                    0
                };
                match layer {
                    LayerRef::Dense(d) => d.apply(xs, ys, lo),
                    LayerRef::Conv(c) => c.apply(shape, xs, out, ys, mid, lo),
                    _ => pool::global_avg_pool(shape, xs, ys),
                }
                at_start = !at_start;
            }
            shape = out;
            after(i);
        }
        Ok(tensor(arena, at_start, shape.len()))
    }
}

/// The current tensor's `len` values: at the start of the arena, or ending at its end.
fn tensor(arena: &mut [i8], at_start: bool, len: usize) -> &mut [i8] {
    let n = arena.len();
    if at_start {
        &mut arena[..len]
    } else {
        &mut arena[n - len..]
    }
}

/// The current tensor (`len` values, as [`tensor`]), the free middle of the arena and room for
/// `out` values at the other end.
fn ends(arena: &mut [i8], at_start: bool, len: usize, out: usize) -> (&[i8], &mut [i8], &mut [i8]) {
    let n = arena.len();
    if at_start {
        let (x, y) = arena.split_at_mut(n - out);
        let (x, mid) = x.split_at_mut(len);
        (x, mid, y)
    } else {
        let (y, x) = arena.split_at_mut(n - len);
        let (y, mid) = y.split_at_mut(out);
        (x, mid, y)
    }
}
