//! The CNN's and ResNet's 2-D convolutions in training. On the CPU the forward pass
//! ([`conv_forward`]) and the weight gradient run as kernels of our own, added through burn's
//! backend extension; the input gradient stays flex's, and everywhere else burn's
//! `Conv2d::forward` runs.
//!
//! Why: burn computes a convolution's weight gradient as another convolution, of the input with
//! the output gradient, their batch and channel axes swapped (`conv2d_weight_backward`). flex runs
//! it through its tiled im2col: it copies both swapped views to contiguous memory, rearranges the
//! input to channels-last and flattens the output gradient (the "kernel", `N·Ho·Wo` long per
//! channel) — all on one thread — and then works on the input channels in parallel, of which the
//! first layer has one. Here the same two matrices are built in parallel, straight from the NCHW
//! tensors, and handed to the same `gemm` call with the same arguments. So the bits are flex's
//! (tested below), and no trained figure changes. Shapes for which flex would take one of its
//! other paths (1×1, depthwise, few channels, 1-D direct, more than one tile) keep burn's code.

use burn::backend::autodiff::checkpoint::base::Checkpointer;
use burn::backend::autodiff::checkpoint::strategy::CheckpointStrategy;
use burn::backend::autodiff::grads::Gradients;
use burn::backend::autodiff::ops::{Backward, Ops, OpsKind};
use burn::backend::flex::FlexTensor;
use burn::backend::ops::{ConvOptions, FloatTensorOps, ModuleOps};
use burn::backend::tensor::FloatTensor;
use burn::backend::{Autodiff, Backend, Dispatch, Flex, backend_extension};
use burn::nn::PaddingConfig2d;
use burn::nn::conv::Conv2d;
use burn::prelude::*;
use burn::tensor::{DType, Slice, TensorData};
use rayon::prelude::*;
use std::ops::Deref;

use super::conv_forward;
use super::flex_conv::{Im2colConv, TILE, gemm_like_flex};

/// `conv.forward(x)`: `x` `[N, C_in, H, W]` → `[N, C_out, Ho, Wo]`. With our weight gradient when
/// `x` is f32 on the CPU's autodiff device and `conv` has no bias, one group and symmetric
/// explicit padding (the CNN's and ResNet's convolutions); burn's `Conv2d::forward` otherwise.
pub fn conv2d(conv: &Conv2d, x: Tensor<4>) -> Tensor<4> {
    let device = x.device();
    let padding = match conv.padding {
        PaddingConfig2d::Explicit(top, left, bottom, right) if top == bottom && left == right => {
            Some([top, left])
        }
        PaddingConfig2d::Valid => Some([0, 0]),
        _ => None,
    };
    let ours = device.is_autodiff()
        && device.clone().inner() == Device::flex()
        && x.dtype() == DType::F32
        && conv.bias.is_none()
        && conv.groups == 1;
    match padding {
        Some(padding) if ours => {
            let options = ConvOptions::new(conv.stride, padding, conv.dilation, 1);
            Tensor::from_dispatch(<Dispatch as Conv2dTrain>::conv2d_train(
                x.into_dispatch(),
                conv.weight.val().into_dispatch(),
                options,
            ))
        }
        _ => super::burn_ops::conv2d(conv, x),
    }
}

/// The extension: a convolution without bias whose backward pass uses [`weight_grad`], routed by
/// the tensor's backend.
#[backend_extension(Flex, Autodiff)]
pub trait Conv2dTrain: Backend {
    /// `x` `[N, C_in, H, W]`, `weight` `[C_out, C_in, kh, kw]` → `[N, C_out, Ho, Wo]`.
    fn conv2d_train(
        x: FloatTensor<Self>,
        weight: FloatTensor<Self>,
        options: ConvOptions<2>,
    ) -> FloatTensor<Self>;
}

impl Conv2dTrain for Flex {
    fn conv2d_train(x: FlexTensor, weight: FlexTensor, options: ConvOptions<2>) -> FlexTensor {
        forward_like_flex(x, weight, options)
    }
}

/// flex's `conv2d` without bias, through [`conv_forward::forward`] where flex would take its
/// tiled im2col path.
fn forward_like_flex(x: FlexTensor, weight: FlexTensor, options: ConvOptions<2>) -> FlexTensor {
    conv_forward::forward(&x, &weight, &options)
        .unwrap_or_else(|| Flex::conv2d(x, weight, None, options))
}

impl<C: CheckpointStrategy> Conv2dTrain for Autodiff<Flex, C> {
    fn conv2d_train(
        x: FloatTensor<Self>,
        weight: FloatTensor<Self>,
        options: ConvOptions<2>,
    ) -> FloatTensor<Self> {
        let out = forward_like_flex(
            x.primitive().clone(),
            weight.primitive().clone(),
            options.clone(),
        );
        match Conv2dBackward
            .prepare::<C>([x.node(), weight.node()])
            .compute_bound()
            .stateful()
        {
            OpsKind::Tracked(prep) => {
                let state = State {
                    x: x.primitive().clone(),
                    weight: weight.primitive().clone(),
                    options,
                };
                prep.finish(state, out)
            }
            OpsKind::UnTracked(prep) => prep.finish(out),
        }
    }
}

/// What the backward pass keeps: what burn's own conv2d keeps.
#[derive(Clone, Debug)]
struct State {
    x: FlexTensor,
    weight: FlexTensor,
    options: ConvOptions<2>,
}

#[derive(Debug)]
struct Conv2dBackward;

impl Backward<Flex, 2> for Conv2dBackward {
    type State = State;

    /// burn's order: the input's gradient (flex's transposed convolution), then the weight's.
    fn backward(self, ops: Ops<State, 2>, grads: &mut Gradients, _: &mut Checkpointer) {
        let [node_x, node_weight] = ops.parents;
        let grad = grads.consume::<Flex>(&ops.node);
        let State { x, weight, options } = ops.state;
        if let Some(node) = node_x {
            let dx =
                Flex::conv2d_x_backward(x.clone(), weight.clone(), grad.clone(), options.clone());
            grads.register::<Flex>(node.id, dx);
        }
        if let Some(node) = node_weight {
            let shape = weight.layout().shape().to_vec();
            let dw = weight_grad(&x, &grad, &shape, &options)
                .unwrap_or_else(|| Flex::conv2d_weight_backward(x, weight, grad, options));
            grads.register::<Flex>(node.id, dw);
        }
    }
}

/// flex's weight gradient `[C_out, C_in, kh, kw]` of a convolution with input `x`
/// `[N, C_in, H, W]` and output gradient `grad` `[N, C_out, Ho, Wo]` (burn's
/// `conv2d_weight_backward` on flex, bit for bit), or `None` where flex would not take its
/// single-tile im2col path: then the caller runs burn's.
///
/// burn's formula: the convolution of `x` as `[C_in, N, H, W]` with `grad` as `[C_out, N, Ho, Wo]`,
/// stride and dilation exchanged, giving `[C_in, C_out, kh', kw']`; then axes 0 and 1 swapped
/// and, where `kh' × kw'` exceeds the kernel, its top-left `kh × kw` kept.
fn weight_grad(
    x: &FlexTensor,
    grad: &FlexTensor,
    weight_shape: &[usize],
    options: &ConvOptions<2>,
) -> Option<FlexTensor> {
    let swapped = Swapped::new(x.layout().shape(), grad.layout().shape(), options)?;
    let (x, grad) = (x.to_contiguous(), grad.to_contiguous());
    let (x, grad): (&[f32], &[f32]) = (x.as_slice()?, grad.as_slice()?);
    let lhs = swapped.flat_kernel(grad);
    let (c_in, c_out, [kh, kw]) = (swapped.batch, swapped.c_out, swapped.out);
    let mut out = vec![0f32; c_in * c_out * kh * kw];
    out.par_chunks_mut(c_out * kh * kw)
        .enumerate()
        .for_each(|(ci, dst)| gemm_like_flex(dst, &lhs, &swapped.im2col(x, ci), c_out, kh * kw));
    let out = FlexTensor::from_data(TensorData::new(out, [c_in, c_out, kh, kw]));
    let dw = Flex::float_swap_dims(out, 0, 1);
    if dw.layout().shape().to_vec() == weight_shape {
        return Some(dw);
    }
    let keep: Vec<Slice> = weight_shape.iter().map(|&k| Slice::from(0..k)).collect();
    Some(Flex::float_slice(dw, &keep))
}

/// `dst` `[P, N]` = the transpose of the `N` rows `row(b)`, each `P` long. A block of
/// [`TRANSPOSE_BLOCK`] positions at a time, blocks in parallel: the block being written stays
/// in L1, where writing whole `[P, N]` rows one strided value at a time went to L2 and beyond.
fn transpose_rows<'a>(dst: &mut [f32], n: usize, row: impl Fn(usize) -> &'a [f32] + Sync) {
    dst.par_chunks_mut(TRANSPOSE_BLOCK * n)
        .enumerate()
        .for_each(|(block, dst)| {
            let start = block * TRANSPOSE_BLOCK;
            for b in 0..n {
                let src = &row(b)[start..start + dst.len() / n];
                for (k, &v) in src.iter().enumerate() {
                    dst[k * n + b] = v;
                }
            }
        });
}

/// Positions per block of [`transpose_rows`]: 16 `f32`, one cache line of each row.
const TRANSPOSE_BLOCK: usize = 16;

/// The swapped convolution of [`weight_grad`]: `C_in` images of `N` channels, `H × W` (the
/// input, `[C_in, N, H, W]`), convolved with `C_out` kernels of `N` channels, `Ho × Wo` (the
/// output gradient's plane), stride and dilation exchanged, to `[kh', kw']`.
#[derive(Clone, Copy, Debug)]
struct Swapped(Im2colConv);

impl Deref for Swapped {
    type Target = Im2colConv;

    fn deref(&self) -> &Im2colConv {
        &self.0
    }
}

impl Swapped {
    /// The swapped convolution of `x` `[N, C_in, H, W]` and the output gradient
    /// `[N, C_out, Ho, Wo]`, or `None` unless flex would run it through `conv3d_impl`
    /// ([`Im2colConv::new`]) in one tile.
    fn new(x: &[usize], grad: &[usize], options: &ConvOptions<2>) -> Option<Self> {
        let (&[n, c_in, h, w], &[gn, c_out, ho, wo]) = (x, grad) else {
            return None;
        };
        if options.groups != 1 || options.is_asymmetric() || n != gn {
            return None;
        }
        let (stride, padding, dilation) =
            (options.dilation, options.padding_begin(), options.stride);
        let conv = Im2colConv::new([c_in, n, h, w], c_out, [ho, wo], stride, padding, dilation)?;
        (conv.out[0] * conv.out[1] <= TILE).then_some(Swapped(conv))
    }

    /// flex's flattened kernel `[C_out, (Ho, Wo, N)]` from the output gradient `[N, C_out, Ho, Wo]`,
    /// output channels in parallel.
    fn flat_kernel(&self, grad: &[f32]) -> Vec<f32> {
        let (n, plane) = (self.c_in, self.k[0] * self.k[1]);
        let mut lhs = vec![0f32; self.c_out * self.col_len()];
        lhs.par_chunks_mut(self.col_len())
            .enumerate()
            .for_each(|(co, row)| {
                transpose_rows(row, n, |b| &grad[(b * self.c_out + co) * plane..][..plane])
            });
        lhs
    }

    /// flex's im2col tile `[kh'·kw', (Ho, Wo, N)]` of input channel `ci` of `x` `[N, C_in, H, W]`:
    /// row `(i, j)` holds, for each kernel position `(a, b)`, the `N` values at
    /// `(i·s + a·d − padding, j·s + b·d − padding)`, zeros outside, where the swapped stride `s`
    /// is the convolution's dilation and the swapped dilation `d` its stride.
    fn im2col(&self, x: &[f32], ci: usize) -> Vec<f32> {
        let ([h, w], n) = (self.hw, self.c_in);
        // Channel `ci` channels-last, `[H, W, N]`, so each copy below is one contiguous run.
        let mut nhwc = vec![0f32; h * w * n];
        transpose_rows(&mut nhwc, n, |b| {
            &x[(b * self.batch + ci) * h * w..][..h * w]
        });
        let col_len = self.col_len();
        let mut col = vec![0f32; self.out[0] * self.out[1] * col_len];
        col.par_chunks_mut(col_len)
            .enumerate()
            .for_each(|(row, dst)| {
                let (i, j) = (row / self.out[1], row % self.out[1]);
                for a in 0..self.k[0] {
                    let Some(ih) = self.input_at(0, i, a) else {
                        continue;
                    };
                    for b in 0..self.k[1] {
                        if let Some(iw) = self.input_at(1, j, b) {
                            let at = (a * self.k[1] + b) * n;
                            dst[at..at + n].copy_from_slice(&nhwc[(ih * w + iw) * n..][..n]);
                        }
                    }
                }
            });
        col
    }
}

#[cfg(test)]
mod tests {
    use super::super::bits::exact as bits;
    use super::*;
    use burn::module::Param;
    use burn::nn::conv::Conv2dConfig;
    use proptest::prelude::*;

    /// A convolution as the CNN builds them, with the given weights.
    #[derive(Debug)]
    struct Case {
        x: Vec<f32>,
        x_shape: [usize; 4],
        weight: Vec<f32>,
        weight_shape: [usize; 4],
        stride: usize,
        padding: usize,
        dilation: usize,
    }

    impl Case {
        fn conv(&self, device: &Device) -> Conv2d {
            let [c_out, c_in, kh, kw] = self.weight_shape;
            let mut conv = Conv2dConfig::new([c_in, c_out], [kh, kw])
                .with_stride([self.stride; 2])
                .with_padding(PaddingConfig2d::Explicit(
                    self.padding,
                    self.padding,
                    self.padding,
                    self.padding,
                ))
                .with_dilation([self.dilation; 2])
                .with_bias(false)
                .init(device);
            let w = TensorData::new(self.weight.clone(), self.weight_shape);
            conv.weight = Param::from_tensor(Tensor::from_data(w, device));
            conv
        }

        /// The output, the input's gradient and the weight's of `Σ out ⊙ out_weights` (a fixed
        /// pattern), through `forward`.
        fn run(&self, forward: &dyn Fn(&Conv2d, Tensor<4>) -> Tensor<4>) -> [Vec<u32>; 3] {
            let device = Device::flex().autodiff();
            let conv = self.conv(&device);
            let x = Tensor::<4>::from_data(TensorData::new(self.x.clone(), self.x_shape), &device)
                .require_grad();
            let out = forward(&conv, x.clone());
            let n = out.shape().num_elements();
            let pattern: Vec<f32> = (0..n)
                .map(|i| ((i * 37) % 11) as f32 / 4.0 - 1.25)
                .collect();
            let pattern = Tensor::<4>::from_data(TensorData::new(pattern, out.shape()), &device);
            let grads = (out.clone() * pattern).sum().backward();
            let dx = Tensor::<4>::from_inner(x.grad(&grads).unwrap());
            let dw = Tensor::<4>::from_inner(conv.weight.grad(&grads).unwrap());
            [bits(out), bits(dx), bits(dw)]
        }
    }

    /// Mostly smooth values, sometimes zeros of both signs, a NaN or an infinity.
    fn value() -> impl Strategy<Value = f32> {
        prop_oneof![
            20 => -3.0f32..3.0,
            2 => Just(0.0f32),
            2 => Just(-0.0f32),
            1 => Just(f32::NAN),
            1 => Just(f32::INFINITY),
        ]
    }

    /// Shapes around flex's dispatch thresholds (batch 4, 16 output channels), every stride,
    /// padding and dilation the CNN and ResNet use and some they do not.
    fn case() -> impl Strategy<Value = Case> {
        (
            1usize..7,
            1usize..4,
            1usize..20,
            1usize..4,
            1usize..3,
            0usize..2,
            1usize..3,
            0usize..4,
            0usize..4,
        )
            .prop_flat_map(|(n, c_in, c_out, k, stride, padding, dilation, eh, ew)| {
                // The smallest input the kernel fits in, plus a little.
                let min = (dilation * (k - 1) + 1).saturating_sub(2 * padding).max(1);
                let (h, w) = (min + eh, min + ew);
                let x = proptest::collection::vec(value(), n * c_in * h * w);
                let weight = proptest::collection::vec(value(), c_out * c_in * k * k);
                (x, weight).prop_map(move |(x, weight)| Case {
                    x,
                    x_shape: [n, c_in, h, w],
                    weight,
                    weight_shape: [c_out, c_in, k, k],
                    stride,
                    padding,
                    dilation,
                })
            })
    }

    proptest! {
        /// The same bits as burn's `Conv2d` on flex: output, input gradient, weight gradient.
        #[test]
        fn matches_burns_conv(case in case()) {
            let ours = case.run(&|conv, x| conv2d(conv, x));
            let burns = case.run(&|conv, x| conv.forward(x));
            prop_assert_eq!(ours, burns);
        }
    }

    /// The weight gradient of smooth data through our kernel — which these shapes must take —
    /// against flex's, bit for bit: the CNN's three layers at batch 8 on smaller planes, a
    /// ResNet stride-2 3×3 and its 1×1 stride-2 shortcut (whose result is cut to the kernel).
    #[test]
    fn weight_grad_takes_our_kernel_and_matches_flex() {
        // (x [N, C_in, H, W], C_out, kernel, stride, padding)
        let shapes = [
            ([8, 1, 12, 12], 32, 3, 1, 1),
            ([8, 32, 6, 6], 64, 3, 1, 1),
            ([8, 64, 3, 3], 128, 3, 1, 1),
            ([8, 16, 8, 8], 32, 3, 2, 1),
            ([8, 16, 8, 8], 32, 1, 2, 0),
        ];
        for ([n, c_in, h, w], c_out, k, stride, padding) in shapes {
            let options = ConvOptions::new([stride; 2], [padding; 2], [1, 1], 1);
            let smooth = |len: usize, seed: usize| -> FlexTensor {
                let v = (0..len)
                    .map(|i| ((i * 7919 + seed) % 1013) as f32 / 97.0 - 5.0)
                    .collect::<Vec<_>>();
                FlexTensor::from_data(TensorData::new(v, [len]))
            };
            let x = smooth(n * c_in * h * w, 1).reshape([n, c_in, h, w].into());
            let weight = smooth(c_out * c_in * k * k, 2).reshape([c_out, c_in, k, k].into());
            let out = Flex::conv2d(x.clone(), weight.clone(), None, options.clone());
            let grad = smooth(out.layout().shape().num_elements(), 3)
                .reshape(out.layout().shape().clone());
            let shape = [c_out, c_in, k, k];
            let ours = weight_grad(&x, &grad, &shape, &options).expect("our kernel for this shape");
            let flex = Flex::conv2d_weight_backward(x, weight, grad, options);
            let as_bits = |t: FlexTensor| {
                let t = t.to_contiguous();
                let v: &[f32] = t.as_slice().unwrap();
                (
                    t.layout().shape().to_vec(),
                    v.iter().map(|v| v.to_bits()).collect::<Vec<_>>(),
                )
            };
            let at = format!(
                "x {:?}, C_out {c_out}, k {k}, stride {stride}",
                [n, c_in, h, w]
            );
            assert_eq!(as_bits(ours), as_bits(flex), "{at}");
        }
    }
}
