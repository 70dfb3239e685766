//! The int8 2-D convolution: square kernel, stride, symmetric zero padding, activations and
//! weights channel-last (HWC; weights `[out][ky][kx][in]`), requantised per output channel.

use super::Shape;
use super::channels::ChannelsRef;
use super::dot::dot2;
use crate::error::{Error, FormatError, Result, check_len};
use crate::mlp::MAX_WIDTH;
use crate::sphere::dot_i8;

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

    /// `y = requantize(conv(x))`, clamped below at `lo`. `x` is HWC of `shape` (which
    /// [`Conv2dI8Ref::output_shape`] accepted), `y` HWC of the output shape.
    pub(crate) fn apply(&self, shape: Shape, x: &[i8], out: Shape, y: &mut [i8], lo: i32) {
        let (k, c) = (self.kernel, self.inputs);
        let taps = k * k * c;
        let mut pixels = y.chunks_exact_mut(self.outputs);
        for oy in 0..out.height {
            // The kernel rows inside the input: ky in ky0..ky1 reads input row top + ky.
            let top = (oy * self.stride) as isize - self.padding as isize;
            let (ky0, ky1) = inside(top, k, shape.height);
            for ox in 0..out.width {
                let left = (ox * self.stride) as isize - self.padding as isize;
                let (kx0, kx1) = inside(left, k, shape.width);
                let Some(pixel) = pixels.next() else { return };
                // Along a kernel row the taps kx0..kx1 are contiguous in both the input and the
                // weights (channel-last), so each row is one dot product of (kx1 − kx0)·c terms;
                // output channels go in pairs that read the activations once.
                let run = (kx1 - kx0) * c;
                let x0 = (left + kx0 as isize) as usize;
                let row = |ky: usize| {
                    let iy = (top + ky as isize) as usize;
                    (&x[(iy * shape.width + x0) * c..][..run], (ky * k + kx0) * c)
                };
                let mut o = 0;
                for w in self.weights.chunks_exact(2 * taps) {
                    let (w0, w1) = w.split_at(taps);
                    let (mut d0, mut d1) = (0i32, 0i32);
                    for ky in ky0..ky1 {
                        let (a, at) = row(ky);
                        let (p0, p1) = dot2(&w0[at..][..run], &w1[at..][..run], a);
                        d0 += p0;
                        d1 += p1;
                    }
                    pixel[o] = self.channels.output(o, d0, lo);
                    pixel[o + 1] = self.channels.output(o + 1, d1, lo);
                    o += 2;
                }
                if let Some(w) = self.weights.chunks_exact(taps).nth(o) {
                    let dot = (ky0..ky1)
                        .map(|ky| {
                            let (a, at) = row(ky);
                            dot_i8(&w[at..][..run], a)
                        })
                        .sum();
                    pixel[o] = self.channels.output(o, dot, lo);
                }
            }
        }
    }
}

/// The kernel offsets `k0..k1` whose input coordinate `start + k` lies in `0..n`.
fn inside(start: isize, kernel: usize, n: usize) -> (usize, usize) {
    let k0 = (-start).clamp(0, kernel as isize) as usize;
    let k1 = (n as isize - start).clamp(k0 as isize, kernel as isize) as usize;
    (k0, k1)
}
