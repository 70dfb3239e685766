//! The int8 2-D convolution: square kernel, stride, symmetric zero padding, activations and
//! weights channel-last (HWC; weights `[out][ky][kx][in]`), requantised per output channel.

use super::Shape;
use super::dot::dot2x2;
use super::patch::{Window, gather, patches_bytes};
use crate::dense::MAX_WIDTH;
use crate::error::{Error, FormatError, Result, check_len};
use crate::requant::ChannelsRef;

/// Largest kernel side.
pub const MAX_KERNEL: usize = 7;
/// Largest stride.
pub const MAX_STRIDE: usize = 4;

/// One convolution read in place. Output pixel `(y, x)`, channel `o`:
/// `acc = bias_o + Σ_{ky, kx, i} w[o][ky][kx][i] · a[y·s + ky − p][x·s + kx − p][i]`, taps outside
/// the input reading 0 (the quantised real 0), then the channel's requantisation.
#[derive(Clone, Copy, Debug, Default)]
pub struct Conv2dI8Ref<'a> {
    kernel: usize,
    stride: usize,
    padding: usize,
    inputs: usize,
    outputs: usize,
    weights: &'a [i8],
    channels: ChannelsRef<'a>,
}

impl<'a> Conv2dI8Ref<'a> {
    /// A validated convolution from `inputs` to `outputs` channels; `weights` holds
    /// `outputs · kernel² · inputs` values, `bias`/`multiplier` `4 · outputs` bytes.
    ///
    /// # Errors
    /// [`Error::Size`] for a kernel outside `1..=7`, a stride outside `1..=4`, a padding of a
    /// kernel or more, channel counts of 0 or `kernel² · inputs` (the terms of one output) above
    /// 65 535; [`Error::Length`]; [`Error::Format`] for a weight of −128 or a bad channel (as
    /// [`ChannelsRef::new`]).
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        kernel: usize,
        stride: usize,
        padding: usize,
        inputs: usize,
        outputs: usize,
        weights: &'a [i8],
        channels: (&'a [u8], &'a [u8], &'a [i8]),
    ) -> Result<Self> {
        let size = |what, value, max| {
            if value == 0 || value > max {
                Err(Error::Size { what, value, max })
            } else {
                Ok(())
            }
        };
        size("kernel", kernel, MAX_KERNEL)?;
        size("stride", stride, MAX_STRIDE)?;
        size("padding + 1", padding + 1, kernel)?;
        size("conv outputs", outputs, MAX_WIDTH)?;
        // kernel² · inputs ≤ 65 535 keeps |Σ w·a| ≤ 127² · 65 535 < 2³⁰.
        size("conv inputs", inputs, MAX_WIDTH / (kernel * kernel))?;
        check_len("weights", weights.len(), outputs * kernel * kernel * inputs)?;
        if weights.contains(&i8::MIN) {
            return Err(Error::Format(FormatError::LayerWeight { layer: 0 }));
        }
        let (bias, multiplier, shift) = channels;
        Ok(Conv2dI8Ref {
            kernel,
            stride,
            padding,
            inputs,
            outputs,
            weights,
            channels: ChannelsRef::new(outputs, bias, multiplier, shift)?,
        })
    }

    /// Input channels.
    pub fn inputs(&self) -> usize {
        self.inputs
    }

    /// Output channels.
    pub fn outputs(&self) -> usize {
        self.outputs
    }

    /// Kernel side, stride and padding.
    pub fn geometry(&self) -> (usize, usize, usize) {
        (self.kernel, self.stride, self.padding)
    }

    /// The output shape for an input of `shape`, or `None` if the channels differ or the
    /// padded input is smaller than the kernel.
    pub fn output_shape(&self, shape: Shape) -> Option<Shape> {
        let side = |n: usize| {
            let padded = n + 2 * self.padding;
            (padded >= self.kernel).then(|| (padded - self.kernel) / self.stride + 1)
        };
        (shape.channels == self.inputs).then_some(Shape {
            height: side(shape.height)?,
            width: side(shape.width)?,
            channels: self.outputs,
        })
    }

    /// Multiply-accumulates of one output pixel per channel: `kernel² · inputs`.
    pub fn macs_per_output(&self) -> usize {
        self.kernel * self.kernel * self.inputs
    }

    /// Arena bytes the convolution needs besides its input and output: two pixels' patches
    /// (i16) and one pixel's taps (int8) to build them from, `5 · kernel² · inputs`.
    pub fn patch_bytes(&self) -> usize {
        let taps = self.macs_per_output();
        patches_bytes(taps) + taps
    }

    /// `y = requantize(conv(x))`, clamped below at `lo`. `x` is HWC of `shape` (which
    /// [`Conv2dI8Ref::output_shape`] accepted), `y` HWC of the output shape; `patches` is
    /// [`Conv2dI8Ref::patch_bytes`] of working memory.
    pub(crate) fn apply(
        &self,
        shape: Shape,
        x: &[i8],
        out: Shape,
        y: &mut [i8],
        patches: &mut [i8],
        lo: i32,
    ) {
        let taps = self.macs_per_output();
        let (patches, rest) = patches.split_at_mut(patches_bytes(taps));
        let staging = &mut rest[..taps];
        let pixels = out.height * out.width;
        let last = self.outputs - 1;
        // Pixels and output channels go in pairs (an odd last one pairs with itself).
        for p in (0..pixels).step_by(2) {
            let q = (p + 1).min(pixels - 1);
            gather(x, shape, self.window(out, p), staging, patches, 0);
            gather(x, shape, self.window(out, q), staging, patches, 1);
            let (yp, yq) = (p * self.outputs, q * self.outputs);
            for o in (0..self.outputs).step_by(2) {
                let o1 = (o + 1).min(last);
                let w = |o: usize| &self.weights[o * taps..][..taps];
                let [s00, s10, s01, s11] = dot2x2(w(o), w(o1), patches);
                let (c0, c1) = (self.channels.channel(o), self.channels.channel(o1));
                y[yp + o] = c0.output(s00, lo);
                y[yp + o1] = c1.output(s10, lo);
                y[yq + o] = c0.output(s01, lo);
                y[yq + o1] = c1.output(s11, lo);
            }
        }
    }

    /// Where the kernel of output pixel `p` (row-major in `out`) sits on the input.
    fn window(&self, out: Shape, p: usize) -> Window {
        let corner = |i: usize| (i * self.stride) as isize - self.padding as isize;
        Window {
            top: corner(p / out.width),
            left: corner(p % out.width),
            kernel: self.kernel,
        }
    }
}
