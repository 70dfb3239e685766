//! BatchNorm over `[N, C, H, W]` in training. On the CPU the batch statistics and the backward
//! pass run as kernels of our own, added through burn's backend extension; elsewhere, and in
//! inference, burn's `BatchNorm::forward`.
//!
//! Why: burn computes each channel's statistics by transposing the activation to `[C, N·H·W]`
//! (a copy of the whole tensor) and summing its rows on one thread — twice in the forward pass
//! and twice in the backward pass, with a full-size temporary for every elementwise step between.
//! Here each channel is summed where it lies, in the transposed row's order (flex, built without
//! its `simd` feature, sums a row left to right), four channels side by side and groups of them
//! in parallel, and every
//! elementwise formula is burn's, operation for operation. So the bits are burn's, forward and
//! backward (tested below), and no trained figure changes.

use burn::backend::autodiff::checkpoint::base::Checkpointer;
use burn::backend::autodiff::checkpoint::strategy::CheckpointStrategy;
use burn::backend::autodiff::grads::Gradients;
use burn::backend::autodiff::ops::{Backward, Ops, OpsKind};
use burn::backend::flex::FlexTensor;
use burn::backend::tensor::FloatTensor;
use burn::backend::{Autodiff, Backend, Dispatch, Flex, backend_extension};
use burn::nn::BatchNorm;
use burn::prelude::*;
use burn::tensor::{DType, TensorData};
use rayon::prelude::*;

/// `bn` applied to `x` (`[N, C, H, W]`, `C` = `bn`'s features): normalised with the batch's
/// statistics, which also update the running ones, when `x` is on an autodiff device and `bn`
/// trains; with the running statistics otherwise — exactly `bn.forward(x)`.
pub fn batch_norm(bn: &BatchNorm, x: Tensor<4>) -> Tensor<4> {
    let device = x.device();
    let ours = device.is_autodiff()
        && bn.training.is_enabled()
        && device.clone().inner() == Device::flex()
        && x.dtype() == DType::F32;
    if !ours {
        return super::burn_ops::batch_norm(bn, x);
    }
    let (out, mean, var) = <Dispatch as BatchNormTrain>::batch_norm_train(
        x.into_dispatch(),
        bn.gamma.val().into_dispatch(),
        bn.beta.val().into_dispatch(),
        bn.epsilon,
    );
    let (mean, var) = (
        Tensor::<1>::from_dispatch(mean),
        Tensor::<1>::from_dispatch(var),
    );
    // The running statistics as burn's `BatchNorm::forward` updates them.
    let m = bn.momentum;
    let running_mean = bn.running_mean.value_sync().to_device(&device);
    let running_var = bn.running_var.value_sync().to_device(&device);
    let running_mean = running_mean
        .mul_scalar(1.0 - m)
        .add(mean.detach().mul_scalar(m));
    let running_var = running_var
        .mul_scalar(1.0 - m)
        .add(var.detach().mul_scalar(m));
    bn.running_mean.update(running_mean.detach());
    bn.running_var.update(running_var.detach());
    Tensor::from_dispatch(out)
}

/// The extension: burn's `batch_norm_train` (output, batch mean, biased batch variance), routed
/// by the tensor's backend.
#[backend_extension(Flex, Autodiff)]
pub trait BatchNormTrain: Backend {
    /// `x` `[N, C, …]`, `gamma` and `beta` `[C]` → the output `[N, C, …]`, the mean and the
    /// biased variance `[C]`.
    fn batch_norm_train(
        x: FloatTensor<Self>,
        gamma: FloatTensor<Self>,
        beta: FloatTensor<Self>,
        epsilon: f64,
    ) -> (FloatTensor<Self>, FloatTensor<Self>, FloatTensor<Self>);
}

impl BatchNormTrain for Flex {
    fn batch_norm_train(
        x: FlexTensor,
        gamma: FlexTensor,
        beta: FlexTensor,
        epsilon: f64,
    ) -> (FlexTensor, FlexTensor, FlexTensor) {
        forward(&x, &gamma, &beta, epsilon)
    }
}

impl<C: CheckpointStrategy> BatchNormTrain for Autodiff<Flex, C> {
    fn batch_norm_train(
        x: FloatTensor<Self>,
        gamma: FloatTensor<Self>,
        beta: FloatTensor<Self>,
        epsilon: f64,
    ) -> (FloatTensor<Self>, FloatTensor<Self>, FloatTensor<Self>) {
        let (out, mean, var) = forward(x.primitive(), gamma.primitive(), beta.primitive(), epsilon);
        let stats = (
            FloatTensor::<Self>::new(mean.clone()),
            FloatTensor::<Self>::new(var.clone()),
        );
        let out = match BatchNormBackward
            .prepare::<C>([x.node(), gamma.node(), beta.node()])
            .compute_bound()
            .stateful()
        {
            OpsKind::Tracked(prep) => {
                let state = State {
                    x: x.primitive().clone(),
                    gamma: gamma.primitive().clone(),
                    mean,
                    var,
                    epsilon,
                };
                prep.finish(state, out)
            }
            OpsKind::UnTracked(prep) => prep.finish(out),
        };
        (out, stats.0, stats.1)
    }
}

/// What the backward pass keeps: the input, γ and the batch statistics.
#[derive(Clone, Debug)]
struct State {
    x: FlexTensor,
    gamma: FlexTensor,
    mean: FlexTensor,
    var: FlexTensor,
    epsilon: f64,
}

#[derive(Debug)]
struct BatchNormBackward;

impl Backward<Flex, 3> for BatchNormBackward {
    type State = State;

    fn backward(self, ops: Ops<State, 3>, grads: &mut Gradients, _: &mut Checkpointer) {
        let [x, gamma, beta] = ops.parents;
        let grad = grads.consume::<Flex>(&ops.node);
        let [dx, dgamma, dbeta] = backward(&ops.state, &grad);
        for (parent, g) in [(x, dx), (gamma, dgamma), (beta, dbeta)] {
            if let Some(parent) = parent {
                grads.register::<Flex>(parent.id, g);
            }
        }
    }
}

/// A contiguous f32 tensor's values and shape.
fn values(t: &FlexTensor) -> (FlexTensor, Vec<usize>) {
    let t = t.to_contiguous();
    let shape = t.layout().shape().to_vec();
    (t, shape)
}

fn slice(t: &FlexTensor) -> &[f32] {
    t.as_slice().expect("contiguous f32 after to_contiguous")
}

/// `[N, C, …]` as (N, C, the size of one channel's plane).
fn dims(shape: &[usize]) -> (usize, usize, usize) {
    (shape[0], shape[1], shape[2..].iter().product())
}

/// Each channel's sum of `f(channel, index of a value)` over its values, in the order of burn's
/// transposed row `[C, N·H·W]` and from std's starting value, as flex sums a row (`Iterator::sum`).
///
/// [`LANES`] channels are summed side by side in one task: a channel's sum is one chain of
/// dependent additions, whose latency, not the arithmetic, bounds it; several chains overlap.
/// Each channel's own chain is unchanged, so are its bits.
fn channel_sums(
    (n, c, plane): (usize, usize, usize),
    f: impl Fn(usize, usize) -> f32 + Sync,
) -> Vec<f32> {
    let zero = std::iter::empty::<f32>().sum::<f32>();
    (0..c.div_ceil(LANES))
        .into_par_iter()
        .flat_map_iter(|group| {
            // A last, partial group repeats its last channel in the unused lanes.
            let channels: [usize; LANES] = std::array::from_fn(|j| (group * LANES + j).min(c - 1));
            let mut sums = [zero; LANES];
            for i in 0..n {
                for k in 0..plane {
                    for (sum, &ch) in sums.iter_mut().zip(&channels) {
                        *sum += f(ch, (i * c + ch) * plane + k);
                    }
                }
            }
            sums.into_iter().take(LANES.min(c - group * LANES))
        })
        .collect()
}

/// How many channels [`channel_sums`] sums side by side.
const LANES: usize = 4;

/// `f(channel, plane in, plane out)` over every `[N, C]` plane, in parallel.
fn per_plane(
    out: &mut [f32],
    plane: usize,
    c: usize,
    f: impl Fn(usize, usize, &mut [f32]) + Sync + Send,
) {
    if plane > 0 {
        out.par_chunks_mut(plane)
            .enumerate()
            .for_each(|(p, out)| f(p % c, p * plane, out));
    }
}

/// burn's `batch_norm_train`: mean and variance as `mean_dim` of the transposed input and of the
/// squared centred input; the output `((x − μ) / √(σ² + ε)) · γ + β`.
fn forward(
    x: &FlexTensor,
    gamma: &FlexTensor,
    beta: &FlexTensor,
    epsilon: f64,
) -> (FlexTensor, FlexTensor, FlexTensor) {
    let (x, shape) = values(x);
    let (gamma, beta) = (values(gamma).0, values(beta).0);
    let (data, gamma, beta) = (slice(&x), slice(&gamma), slice(&beta));
    let (n, c, plane) = dims(&shape);
    let count = (n * plane) as f32;
    let dims = (n, c, plane);
    let mean: Vec<f32> = channel_sums(dims, |_, k| data[k])
        .into_iter()
        .map(|sum| sum / count)
        .collect();
    let squared = |ch: usize, k: usize| (data[k] - mean[ch]) * (data[k] - mean[ch]);
    let var: Vec<f32> = channel_sums(dims, squared)
        .into_iter()
        .map(|sum| sum / count)
        .collect();
    let std: Vec<f32> = var.iter().map(|v| (v + epsilon as f32).sqrt()).collect();
    let mut out = vec![0f32; data.len()];
    per_plane(&mut out, plane, c, |ch, at, out| {
        for (o, &v) in out.iter_mut().zip(&data[at..]) {
            *o = (v - mean[ch]) / std[ch] * gamma[ch] + beta[ch];
        }
    });
    (
        FlexTensor::from_data(TensorData::new(out, shape)),
        FlexTensor::from_data(TensorData::new(mean, [c])),
        FlexTensor::from_data(TensorData::new(var, [c])),
    )
}

/// burn's `batch_norm_train_backward`: with `x̂ = (x − μ) · (1 / √(σ² + ε))` and `g` the
/// output's gradient, `∂β = Σ g`, `∂γ = Σ g x̂`, and
/// `∂x = γ / √(σ² + ε) · ((g − mean g) − x̂ · mean(g x̂))`, sums and means per channel.
fn backward(state: &State, grad: &FlexTensor) -> [FlexTensor; 3] {
    let (x, shape) = values(&state.x);
    let (g, _) = values(grad);
    let (gamma, mean, var) = (
        values(&state.gamma).0,
        values(&state.mean).0,
        values(&state.var).0,
    );
    let (data, g, gamma, mean) = (slice(&x), slice(&g), slice(&gamma), slice(&mean));
    let (n, c, plane) = dims(&shape);
    let count = (n * plane) as f32;
    let inv_std: Vec<f32> = slice(&var)
        .iter()
        .map(|v| 1.0 / (v + state.epsilon as f32).sqrt())
        .collect();
    let normalized = |ch: usize, v: f32| (v - mean[ch]) * inv_std[ch];
    let dims = (n, c, plane);
    let dbeta = channel_sums(dims, |_, k| g[k]);
    let dgamma = channel_sums(dims, |ch, k| g[k] * normalized(ch, data[k]));
    let mut dx = vec![0f32; data.len()];
    per_plane(&mut dx, plane, c, |ch, at, dx| {
        let (mean_g, mean_gx) = (dbeta[ch] / count, dgamma[ch] / count);
        let scale = gamma[ch] * inv_std[ch];
        for ((d, &x), &g) in dx.iter_mut().zip(&data[at..]).zip(&g[at..]) {
            *d = scale * ((g - mean_g) - normalized(ch, x) * mean_gx);
        }
    });
    [
        FlexTensor::from_data(TensorData::new(dx, shape)),
        FlexTensor::from_data(TensorData::new(dgamma, [c])),
        FlexTensor::from_data(TensorData::new(dbeta, [c])),
    ]
}

#[cfg(test)]
mod tests {
    // Flex and we both give NaN where a NaN comes in; its payload is not something to rely on.
    use super::super::bits::nan_as_one as bits;
    use super::*;
    use burn::module::Param;
    use burn::nn::BatchNormConfig;
    use proptest::prelude::*;

    /// The outputs, the running statistics after the step and the gradients of `x`, γ and β for
    /// the loss `Σ out ⊙ w`.
    type Run = [Vec<u32>; 6];

    /// Ours and burn's `BatchNorm::forward`, on the same input, γ, β and loss weights.
    fn both(x: &[f32], shape: [usize; 4], affine: &[f32], w: &[f32]) -> [Run; 2] {
        let device = Device::flex().autodiff();
        let c = shape[1];
        let tensor = |v: &[f32], s: Vec<usize>| {
            Tensor::<1>::from_data(TensorData::new(v.to_vec(), s), &device)
        };
        let run = |ours: bool| {
            let mut bn = BatchNormConfig::new(c).init(&device);
            bn.gamma = Param::from_tensor(tensor(&affine[..c], vec![c]));
            bn.beta = Param::from_tensor(tensor(&affine[c..], vec![c]));
            let input =
                Tensor::<4>::from_data(TensorData::new(x.to_vec(), shape), &device).require_grad();
            let out = match ours {
                true => batch_norm(&bn, input.clone()),
                false => bn.forward(input.clone()),
            };
            let weights = Tensor::<4>::from_data(TensorData::new(w.to_vec(), shape), &device);
            let grads = (out.clone() * weights).sum().backward();
            let grad = |t: Tensor<1>| bits(Tensor::<1>::from_inner(t.grad(&grads).unwrap()));
            [
                bits(out),
                bits(bn.running_mean.value()),
                bits(bn.running_var.value()),
                bits(Tensor::<4>::from_inner(input.grad(&grads).unwrap())),
                grad(bn.gamma.val()),
                grad(bn.beta.val()),
            ]
        };
        [run(true), run(false)]
    }

    /// Mostly smooth values, with a constant channel's ties and the odd NaN.
    fn value() -> impl Strategy<Value = f32> {
        prop_oneof![
            20 => -3.0f32..3.0,
            2 => Just(1.0f32),
            1 => Just(-0.0f32),
            1 => Just(f32::NAN),
        ]
    }

    proptest! {
        /// The same bits as burn's BatchNorm in training: output, running statistics, and the
        /// gradients of the input, γ and β.
        #[test]
        fn matches_burns_batch_norm(
            (shape, x, affine, w) in (1usize..4, 1usize..4, 1usize..7, 1usize..7)
                .prop_flat_map(|(n, c, h, w)| {
                    let len = n * c * h * w;
                    (
                        Just([n, c, h, w]),
                        proptest::collection::vec(value(), len),
                        proptest::collection::vec(-2.0f32..2.0, 2 * c),
                        proptest::collection::vec(-2.0f32..2.0, len),
                    )
                })
        ) {
            let [ours, burns] = both(&x, shape, &affine, &w);
            prop_assert_eq!(ours, burns);
        }
    }

    /// The CNN's first BatchNorm at batch 8: rows of 8 · 28 · 28 values, long enough for every
    /// SIMD lane and unrolled accumulator of the sum.
    #[test]
    fn matches_burns_batch_norm_at_the_cnns_size() {
        let shape = [8, 32, 28, 28];
        let len = shape.iter().product::<usize>();
        let x: Vec<f32> = (0..len)
            .map(|i| ((i * 7919) % 1013) as f32 / 97.0 - 5.0)
            .collect();
        let w: Vec<f32> = (0..len).map(|i| ((i * 31) % 17) as f32 - 8.0).collect();
        let affine: Vec<f32> = (0..64).map(|i| (i % 7) as f32 / 3.0 - 1.0).collect();
        let [ours, burns] = both(&x, shape, &affine, &w);
        assert!(ours == burns);
    }
}
