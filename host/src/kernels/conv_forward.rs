//! The forward pass of the CNN's and ResNet's convolutions in training on the CPU: flex 0.22.1's
//! tiled im2col (`conv3d_impl`), bit for bit, with its serial parts made parallel.
//!
//! Why: before its parallel loop, flex flattens the weights and rearranges the whole batch to
//! channels-last on the calling thread — the training step's — while the pool's other threads
//! wait. Here each batch item is rearranged by the thread that convolves it, into a
//! buffer that stays in its cache. The im2col tiles (at most [`TILE`] output positions) and the
//! `gemm` calls on them are flex's, so the sums run in flex's order (tested below).

use burn::backend::flex::FlexTensor;
use burn::backend::ops::ConvOptions;
use burn::tensor::TensorData;
use rayon::prelude::*;
use std::ops::Deref;

use super::flex_conv::{Im2colConv, TILE, gemm_like_flex};

/// flex's `conv2d` of `x` `[N, C_in, H, W]` with `weight` `[C_out, C_in, kh, kw]`, no bias →
/// `[N, C_out, Ho, Wo]`, or `None` where flex would not take its tiled im2col path: then the
/// caller runs flex's.
pub(super) fn forward(
    x: &FlexTensor,
    weight: &FlexTensor,
    options: &ConvOptions<2>,
) -> Option<FlexTensor> {
    let plan = Plan::new(x.layout().shape(), weight.layout().shape(), options)?;
    let (x, weight) = (x.to_contiguous(), weight.to_contiguous());
    let (x, weight): (&[f32], &[f32]) = (x.as_slice()?, weight.as_slice()?);
    let w_flat = plan.flat_weight(weight);
    let (item_in, item_out) = (plan.c_in * plan.hw[0] * plan.hw[1], plan.item_len());
    let mut out = vec![0f32; plan.batch * item_out];
    out.par_chunks_mut(item_out)
        .zip(x.par_chunks(item_in))
        .for_each_init(Scratch::default, |scratch, (dst, x)| {
            plan.convolve_item(x, &w_flat, scratch, dst)
        });
    let shape = [plan.batch, plan.c_out, plan.out[0], plan.out[1]];
    Some(FlexTensor::from_data(TensorData::new(out, shape)))
}

/// A convolution flex runs through its tiled im2col, with the forward pass's steps.
#[derive(Clone, Copy, Debug)]
struct Plan(Im2colConv);

impl Deref for Plan {
    type Target = Im2colConv;

    fn deref(&self) -> &Im2colConv {
        &self.0
    }
}

/// One thread's buffers, reused from one batch item to the next.
#[derive(Default)]
struct Scratch {
    /// The item channels-last, `[H, W, C_in]`.
    nhwc: Vec<f32>,
    /// The im2col tile, `[positions, (kh, kw, C_in)]`.
    col: Vec<f32>,
    /// `gemm`'s result, `[C_out, positions]`.
    product: Vec<f32>,
}

impl Plan {
    /// The plan, or `None` unless flex 0.22.1 would run this convolution through `conv3d_impl`
    /// ([`Im2colConv::new`]).
    fn new(x: &[usize], weight: &[usize], options: &ConvOptions<2>) -> Option<Self> {
        let (&[n, c_in, h, w], &[c_out, wc_in, kh, kw]) = (x, weight) else {
            return None;
        };
        if options.groups != 1 || options.is_asymmetric() || c_in != wc_in {
            return None;
        }
        let (stride, padding, dilation) =
            (options.stride, options.padding_begin(), options.dilation);
        Im2colConv::new([n, c_in, h, w], c_out, [kh, kw], stride, padding, dilation).map(Plan)
    }

    /// `C_out · Ho · Wo`: one batch item's output.
    fn item_len(&self) -> usize {
        self.c_out * self.out[0] * self.out[1]
    }

    /// flex's flattened weights `[C_out, (kh, kw, C_in)]` from `[C_out, C_in, kh, kw]`.
    fn flat_weight(&self, weight: &[f32]) -> Vec<f32> {
        let (c_in, taps) = (self.c_in, self.k[0] * self.k[1]);
        let mut flat = vec![0f32; self.c_out * self.col_len()];
        flat.par_chunks_mut(self.col_len())
            .zip(weight.par_chunks(self.col_len()))
            .for_each(|(dst, src)| {
                for (ci, kernel) in src.chunks_exact(taps).enumerate() {
                    for (t, &v) in kernel.iter().enumerate() {
                        dst[t * c_in + ci] = v;
                    }
                }
            });
        flat
    }

    /// One batch item: `x` `[C_in, H, W]` → `dst` `[C_out, Ho, Wo]`, tile by tile as flex does.
    fn convolve_item(&self, x: &[f32], w_flat: &[f32], scratch: &mut Scratch, dst: &mut [f32]) {
        let spatial = self.out[0] * self.out[1];
        self.channels_last(x, &mut scratch.nhwc);
        for start in (0..spatial).step_by(TILE) {
            let len = TILE.min(spatial - start);
            scratch.col.resize(len * self.col_len(), 0.0);
            self.im2col(&scratch.nhwc, start, &mut scratch.col);
            // flex's result buffer is fresh zeros; `gemm` does not read it (`alpha` 0), but
            // zeros keep it so should that change.
            scratch.product.clear();
            scratch.product.resize(self.c_out * len, 0.0);
            gemm_like_flex(&mut scratch.product, w_flat, &scratch.col, self.c_out, len);
            for (row, product) in dst
                .chunks_exact_mut(spatial)
                .zip(scratch.product.chunks(len))
            {
                row[start..start + len].copy_from_slice(product);
            }
        }
    }

    /// `x` `[C_in, H, W]` into `nhwc` as `[H, W, C_in]`.
    fn channels_last(&self, x: &[f32], nhwc: &mut Vec<f32>) {
        let plane = self.hw[0] * self.hw[1];
        nhwc.resize(plane * self.c_in, 0.0);
        for (ci, src) in x.chunks_exact(plane).enumerate() {
            for (p, &v) in src.iter().enumerate() {
                nhwc[p * self.c_in + ci] = v;
            }
        }
    }

    /// flex's im2col tile for output positions `start..`: row `p` holds, for each kernel position
    /// `(a, b)`, the `C_in` values at `(i·stride + a·dilation − padding, j·stride + b·dilation −
    /// padding)` of output position `(i, j)`, and zeros in the padding. Writes every element.
    fn im2col(&self, nhwc: &[f32], start: usize, col: &mut [f32]) {
        let (c_in, w) = (self.c_in, self.hw[1]);
        for (p, row) in col.chunks_exact_mut(self.col_len()).enumerate() {
            let (i, j) = ((start + p) / self.out[1], (start + p) % self.out[1]);
            for (a, taps) in row.chunks_exact_mut(self.k[1] * c_in).enumerate() {
                let ih = self.input_at(0, i, a);
                for (b, dst) in taps.chunks_exact_mut(c_in).enumerate() {
                    match (ih, self.input_at(1, j, b)) {
                        (Some(ih), Some(iw)) => {
                            dst.copy_from_slice(&nhwc[(ih * w + iw) * c_in..][..c_in])
                        }
                        _ => dst.fill(0.0),
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use burn::backend::Flex;
    use burn::backend::ops::ModuleOps;
    use proptest::prelude::*;

    /// `[N, C_in, H, W]`, `[C_out, C_in, kh, kw]`, stride, padding, dilation.
    type Shapes = ([usize; 4], [usize; 4], usize, usize, usize);

    /// Values from `seed`: mostly smooth, with zeros of both signs, NaN and infinities among them.
    fn values(len: usize, seed: u64) -> Vec<f32> {
        (0..len as u64)
            .map(|i| {
                let h = (i ^ seed).wrapping_mul(0x9e37_79b9_7f4a_7c15) >> 40;
                match h % 64 {
                    0 => 0.0,
                    1 => -0.0,
                    2 => f32::NAN,
                    3 => f32::NEG_INFINITY,
                    _ => (h % 4099) as f32 / 683.0 - 3.0,
                }
            })
            .collect()
    }

    fn tensor(len: usize, seed: u64, shape: [usize; 4]) -> FlexTensor {
        FlexTensor::from_data(TensorData::new(values(len, seed), shape))
    }

    fn bits(t: FlexTensor) -> (Vec<usize>, Vec<u32>) {
        let t = t.to_contiguous();
        let v: &[f32] = t.as_slice().expect("f32");
        let bits = v.iter().map(|v| v.to_bits()).collect();
        (t.layout().shape().to_vec(), bits)
    }

    /// Ours and flex's `conv2d` on the same tensors, as bit patterns; `None` where flex's
    /// dispatch would not take the tiled im2col path.
    fn both(shapes: Shapes, seed: u64) -> Option<[(Vec<usize>, Vec<u32>); 2]> {
        let (x, w, stride, padding, dilation) = shapes;
        let options = ConvOptions::new([stride; 2], [padding; 2], [dilation; 2], 1);
        let x = tensor(x.iter().product(), seed, x);
        let weight = tensor(w.iter().product(), seed ^ 0x5555, w);
        let ours = forward(&x, &weight, &options)?;
        let flex = Flex::conv2d(x, weight, None, options);
        Some([bits(ours), bits(flex)])
    }

    /// The CNN's layers at batch 3 (the first on 28×28: two tiles, the second of 272 positions),
    /// a plane whose last tile is one position (27×19 = 513), ResNet's stride-2 3×3, a 5×5 with
    /// dilation 2, and a 1×1 with stride 2 (which flex does not take as 1×1).
    #[test]
    fn tiles_and_edges_match_flex() {
        let cases: [Shapes; 7] = [
            ([3, 1, 28, 28], [32, 1, 3, 3], 1, 1, 1),
            ([3, 32, 14, 14], [64, 32, 3, 3], 1, 1, 1),
            ([3, 64, 7, 7], [128, 64, 3, 3], 1, 1, 1),
            ([2, 5, 27, 19], [17, 5, 3, 3], 1, 1, 1),
            ([2, 16, 32, 32], [32, 16, 3, 3], 2, 1, 1),
            ([2, 6, 30, 30], [20, 6, 5, 5], 1, 2, 2),
            ([2, 16, 9, 9], [32, 16, 1, 1], 2, 0, 1),
        ];
        for (i, shapes) in cases.into_iter().enumerate() {
            let [ours, flex] = both(shapes, i as u64).expect("our kernel for this shape");
            assert_eq!(ours, flex, "{shapes:?}");
        }
    }

    /// The shapes flex sends elsewhere are declined, so that its own path runs.
    #[test]
    fn other_paths_are_declined() {
        let options = |s, p| ConvOptions::new([s; 2], [p; 2], [1, 1], 1);
        let declined = [
            ([2, 8, 5, 5], [32, 8, 1, 1], options(1, 0)),  // 1×1
            ([2, 1, 5, 5], [1, 1, 3, 3], options(1, 1)),   // depthwise
            ([2, 4, 5, 5], [16, 4, 3, 3], options(1, 1)),  // few channels
            ([2, 32, 1, 9], [8, 32, 1, 3], options(1, 0)), // 1-D direct
        ];
        for (x, w, options) in declined {
            assert!(Plan::new(&x, &w, &options).is_none(), "{x:?} {w:?}");
        }
        let grouped = ConvOptions::new([1, 1], [1, 1], [1, 1], 2);
        assert!(Plan::new(&[2, 8, 5, 5], &[32, 4, 3, 3], &grouped).is_none());
    }

    fn shapes() -> impl Strategy<Value = Shapes> {
        (
            (1usize..4, 1usize..9, 1usize..40),
            (1usize..5, 1usize..4, 0usize..3, 1usize..3),
            (0usize..30, 0usize..30),
        )
            .prop_map(
                |((n, c_in, c_out), (k, stride, padding, dilation), (eh, ew))| {
                    // The smallest input the kernel fits in, plus up to 29.
                    let min = (dilation * (k - 1) + 1).saturating_sub(2 * padding).max(1);
                    let x = [n, c_in, min + eh, min + ew];
                    (x, [c_out, c_in, k, k], stride, padding, dilation)
                },
            )
    }

    proptest! {
        /// The same bits as flex's `conv2d` wherever flex takes its tiled im2col path: one tile
        /// or several, every stride, padding and dilation, NaN, infinities and −0.0.
        #[test]
        fn matches_flex(shapes in shapes(), seed in any::<u64>()) {
            if let Some([ours, flex]) = both(shapes, seed) {
                prop_assert_eq!(ours, flex);
            }
        }
    }
}
