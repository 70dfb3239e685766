//! The CNN's 2×2, stride-2 max-pooling. On the CPU it runs a kernel of our own, added through
//! burn's backend extension; elsewhere burn's generic `max_pool2d`.
//!
//! Why: flex pools through a generic 3-D kernel (window bounds, padding and dilation worked out
//! for every output, an `i64` index per output), and its autodiff keeps the whole input alive
//! for the backward pass only to read its shape. The kernel here does the one case the CNN
//! needs and keeps a one-byte window position per output. It gives the same bits as flex's
//! kernel, forward and backward, ties and NaN included (tested below), so no trained figure
//! changes.

use std::sync::Arc;

use burn::backend::autodiff::checkpoint::base::Checkpointer;
use burn::backend::autodiff::checkpoint::strategy::CheckpointStrategy;
use burn::backend::autodiff::grads::Gradients;
use burn::backend::autodiff::ops::{Backward, Ops, OpsKind};
use burn::backend::flex::FlexTensor;
use burn::backend::tensor::FloatTensor;
use burn::backend::{Autodiff, Backend, Dispatch, Flex, backend_extension};
use burn::prelude::*;
use burn::tensor::{DType, TensorData};
use rayon::prelude::*;

/// `[N, C, H, W]` → `[N, C, ⌊H/2⌋, ⌊W/2⌋]`: the maximum of each 2×2 window (the first of equal
/// maxima; a NaN wins, as in PyTorch). Our kernel on the CPU in f32, burn's `max_pool2d`
/// elsewhere.
pub fn max_pool_2x2(x: Tensor<4>) -> Tensor<4> {
    if x.device().inner() == Device::flex() && x.dtype() == DType::F32 {
        Tensor::from_dispatch(<Dispatch as MaxPool2x2>::max_pool_2x2(x.into_dispatch()))
    } else {
        super::burn_ops::max_pool_2x2(x)
    }
}

/// The extension: one operation, routed by the tensor's backend.
#[backend_extension(Flex, Autodiff)]
pub trait MaxPool2x2: Backend {
    /// See [`max_pool_2x2`].
    fn max_pool_2x2(x: FloatTensor<Self>) -> FloatTensor<Self>;
}

impl MaxPool2x2 for Flex {
    fn max_pool_2x2(x: FlexTensor) -> FlexTensor {
        forward(&x).0
    }
}

impl<C: CheckpointStrategy> MaxPool2x2 for Autodiff<Flex, C> {
    fn max_pool_2x2(x: FloatTensor<Self>) -> FloatTensor<Self> {
        match MaxPool2x2Backward
            .prepare::<C>([x.node()])
            .compute_bound()
            .stateful()
        {
            OpsKind::Tracked(prep) => {
                let (out, argmax) = forward(x.primitive());
                let hw = plane(x.primitive());
                prep.finish(State { argmax, hw }, out)
            }
            OpsKind::UnTracked(prep) => prep.finish(forward(x.primitive()).0),
        }
    }
}

/// What the backward pass keeps: each output's window position (0–3, row-major) and the input's
/// `[H, W]`.
#[derive(Clone, Debug)]
struct State {
    argmax: Arc<Vec<u8>>,
    hw: [usize; 2],
}

#[derive(Debug)]
struct MaxPool2x2Backward;

impl Backward<Flex, 1> for MaxPool2x2Backward {
    type State = State;

    fn backward(self, ops: Ops<State, 1>, grads: &mut Gradients, _: &mut Checkpointer) {
        let [parent] = ops.parents;
        let grad = grads.consume::<Flex>(&ops.node);
        if let Some(parent) = parent {
            grads.register::<Flex>(parent.id, backward(&grad, &ops.state));
        }
    }
}

/// `[H, W]` of a `[N, C, H, W]` tensor.
fn plane(x: &FlexTensor) -> [usize; 2] {
    let s = x.layout().shape();
    [s[2], s[3]]
}

/// The pooled tensor and each output's window position.
fn forward(x: &FlexTensor) -> (FlexTensor, Arc<Vec<u8>>) {
    let x = x.to_contiguous();
    let s = x.layout().shape();
    let (n, c, h, w) = (s[0], s[1], s[2], s[3]);
    let (oh, ow) = (h / 2, w / 2);
    let data: &[f32] = x.as_slice().expect("contiguous f32 after to_contiguous");
    let mut out = vec![0f32; n * c * oh * ow];
    let mut argmax = vec![0u8; out.len()];
    if !out.is_empty() {
        out.par_chunks_mut(oh * ow)
            .zip(argmax.par_chunks_mut(oh * ow))
            .zip(data.par_chunks(h * w))
            .for_each(|((out, argmax), x)| pool_plane(x, w, ow, out, argmax));
    }
    let out = FlexTensor::from_data(TensorData::new(out, [n, c, oh, ow]));
    (out, Arc::new(argmax))
}

/// One `H × W` plane (row length `w`) into `out` (row length `ow`, `ow` > 0). flex's order: the
/// window's four values row-major, a later one taken if greater or NaN. Row by row and without
/// branches on the values: a maximum's position is as unpredictable as the data, and a
/// mispredicted branch per comparison cost more than the rest of the pass.
fn pool_plane(x: &[f32], w: usize, ow: usize, out: &mut [f32], argmax: &mut [u8]) {
    let rows = out.chunks_exact_mut(ow).zip(argmax.chunks_exact_mut(ow));
    for (r, (out, argmax)) in rows.enumerate() {
        let (top, bottom) = (&x[2 * r * w..][..2 * ow], &x[(2 * r + 1) * w..][..2 * ow]);
        let windows = top.chunks_exact(2).zip(bottom.chunks_exact(2));
        for ((out, argmax), (top, bottom)) in out.iter_mut().zip(argmax).zip(windows) {
            let (mut best, mut at) = (top[0], 0u8);
            for (k, v) in [(1, top[1]), (2, bottom[0]), (3, bottom[1])] {
                let take = v > best || v.is_nan();
                best = if take { v } else { best };
                at = if take { k } else { at };
            }
            *out = best;
            *argmax = at;
        }
    }
}

/// The input's gradient: each output's gradient at its maximum, zero elsewhere. Written as
/// `0 + g` because flex accumulates into zeros, which turns a `-0.0` into `+0.0`.
fn backward(grad: &FlexTensor, state: &State) -> FlexTensor {
    let grad = grad.to_contiguous();
    let s = grad.layout().shape();
    let (planes, ow) = (s[0] * s[1], s[3]);
    let o_plane = s[2] * ow;
    let [h, w] = state.hw;
    let g: &[f32] = grad.as_slice().expect("contiguous f32 after to_contiguous");
    let mut dx = vec![0f32; planes * h * w];
    if o_plane > 0 {
        dx.par_chunks_mut(h * w)
            .zip(g.par_chunks(o_plane))
            .zip(state.argmax.par_chunks(o_plane))
            .for_each(|((dx, g), argmax)| {
                let rows = g.chunks_exact(ow).zip(argmax.chunks_exact(ow));
                for (r, (g, argmax)) in rows.enumerate() {
                    for (c, (&g, &k)) in g.iter().zip(argmax).enumerate() {
                        let k = usize::from(k);
                        dx[(2 * r + k / 2) * w + 2 * c + k % 2] = 0.0 + g;
                    }
                }
            });
    }
    FlexTensor::from_data(TensorData::new(dx, [s[0], s[1], h, w]))
}

#[cfg(test)]
mod tests {
    use super::super::bits::exact as bits;
    use super::*;
    use proptest::prelude::*;

    /// Ours and burn's generic pooling: the outputs, and the inputs' gradients of
    /// `Σ out ⊙ weights`.
    fn both(x: &[f32], shape: [usize; 4], weights: &[f32]) -> [(Vec<u32>, Vec<u32>); 2] {
        let generic = super::super::burn_ops::max_pool_2x2;
        let ours = |x: Tensor<4>| max_pool_2x2(x);
        let run = |pool: &dyn Fn(Tensor<4>) -> Tensor<4>| {
            let device = Device::flex().autodiff();
            let input =
                Tensor::<4>::from_data(TensorData::new(x.to_vec(), shape), &device).require_grad();
            let out = pool(input.clone());
            let w = Tensor::<4>::from_data(TensorData::new(weights.to_vec(), out.shape()), &device);
            let grads = (out.clone() * w).sum().backward();
            let dx = input.grad(&grads).unwrap();
            let plain = pool(Tensor::<4>::from_data(
                TensorData::new(x.to_vec(), shape),
                &Device::flex(),
            ));
            assert_eq!(
                bits(plain),
                bits(out.clone()),
                "inference and training outputs differ"
            );
            (bits(out), bits(Tensor::from_inner(dx)))
        };
        [run(&ours), run(&generic)]
    }

    /// Values with many ties, both zeros and NaN.
    fn value() -> impl Strategy<Value = f32> {
        prop_oneof![
            Just(0.0f32),
            Just(-0.0f32),
            Just(1.0f32),
            Just(f32::NAN),
            Just(f32::NEG_INFINITY),
            -3.0f32..3.0,
        ]
    }

    proptest! {
        /// The same bits as flex's kernel, forward and backward, odd sizes included.
        #[test]
        fn matches_burns_kernel(
            (shape, x, w) in (1usize..3, 1usize..4, 1usize..8, 1usize..8).prop_flat_map(|(n, c, h, w)| {
                let len = n * c * h * w;
                let out = n * c * (h / 2) * (w / 2);
                (Just([n, c, h, w]), proptest::collection::vec(value(), len), proptest::collection::vec(value(), out))
            })
        ) {
            let [ours, generic] = both(&x, shape, &w);
            prop_assert_eq!(ours, generic);
        }
    }

    /// The CNN's first pooling at batch 4, on smooth random data.
    #[test]
    fn matches_burns_kernel_at_the_cnns_size() {
        let shape = [4, 32, 28, 28];
        let x: Vec<f32> = (0..shape.iter().product::<usize>())
            .map(|i| ((i * 7919) % 1013) as f32 / 97.0 - 5.0)
            .collect();
        let w: Vec<f32> = (0..4 * 32 * 14 * 14)
            .map(|i| ((i * 31) % 17) as f32 - 8.0)
            .collect();
        let [ours, generic] = both(&x, shape, &w);
        assert!(ours == generic);
    }
}
