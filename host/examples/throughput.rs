//! Training-step throughput, the protocol of `bench/throughput` (forward + backward +
//! SGD step at batch 128 on random data) with this crate's models, to run side by side with the
//! PyTorch anchors:
//!
//! ```text
//! cargo run --release -p dl2pa --example throughput -- mlp        # 784-256-256-16, (1-cos)^2
//! cargo run --release -p dl2pa --example throughput -- cnn        # conv32-pool-conv64-pool-conv128-GAP, d=2
//! cargo run --release -p dl2pa --example throughput -- resnet32   # 3x32x32, d=64, BN head
//! ```
//! `--device wgpu` (with `--features wgpu` or `vulkan`) times the GPU; `--steps N` sets the timed
//! steps; `--batch N` the batch; `--precision f16|bf16` the float type (as `dl2pa train
//! --precision`). flex runs on `RAYON_NUM_THREADS` threads (default: every core), the timing on one
//! of them, as in the `dl2pa` binary.
use std::time::Instant;
// The allocator the `dl2pa` binary uses (see its main.rs): the comparison is with what users run.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use burn::optim::{GradientsParams, SgdConfig};
use burn::prelude::*;
use dl2pa::data::Shape;
use dl2pa::device::{DeviceChoice, Precision, select};
use dl2pa::model::{BackboneKind, Network, NetworkSpec, l2_normalize};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

type Error = Box<dyn std::error::Error>;

/// A model of the protocol: what to build, its input, its loss and the default timed steps.
struct Bench {
    spec: NetworkSpec,
    shape: Shape,
    /// `(1 − cos)²` (the MLP anchor) rather than `1 − cos`.
    squared: bool,
    steps: usize,
}

impl Bench {
    fn new(kind: &str) -> Result<Self, Error> {
        let spec = |backbone, widths, dim, head_bn| NetworkSpec {
            backbone,
            widths,
            dim,
            head_bn,
            classifier: None,
            cosine: false,
        };
        let gray = Shape {
            channels: 1,
            height: 28,
            width: 28,
        };
        let (spec, shape, squared, steps) = match kind {
            "mlp" => (
                spec(BackboneKind::Mlp, vec![256, 256], 16, false),
                gray,
                true,
                30,
            ),
            "cnn" => (spec(BackboneKind::Cnn, vec![], 2, false), gray, false, 10),
            "resnet32" => {
                let colour = Shape {
                    channels: 3,
                    height: 32,
                    width: 32,
                };
                (
                    spec(BackboneKind::Resnet32, vec![], 64, true),
                    colour,
                    false,
                    10,
                )
            }
            other => return Err(format!("unknown model {other}: mlp, cnn or resnet32").into()),
        };
        Ok(Bench {
            spec,
            shape,
            squared,
            steps,
        })
    }

    /// The loss of one random batch (inputs and unit targets drawn from `rng`).
    fn loss(&self, model: &Network, batch: usize, rng: &mut ChaCha8Rng, dev: &Device) -> Tensor<1> {
        let (s, d) = (self.shape, self.spec.dim);
        let mut uniform =
            |n: usize| -> Vec<f32> { (0..n).map(|_| rng.random_range(-1.0f32..1.0)).collect() };
        let x = TensorData::new(
            uniform(batch * s.features()),
            [batch, s.channels, s.height, s.width],
        );
        let t = TensorData::new(uniform(batch * d), [batch, d]);
        let t = l2_normalize(Tensor::<2>::from_data(t, dev));
        let z = l2_normalize(model.embed(Tensor::<4>::from_data(x, dev)));
        let gap = (z * t).sum_dim(1).neg() + 1.0;
        if self.squared {
            gap.square().mean()
        } else {
            gap.mean()
        }
    }

    /// Waits for the GPU's queued work (a no-op on the CPU): reads back a forward pass.
    fn sync(&self, model: &Network, dev: &Device) {
        let s = self.shape;
        let x = Tensor::zeros([1, s.channels, s.height, s.width], dev);
        let _ = model.embed(x).try_into_vec_as::<f32>();
    }
}

fn main() -> Result<(), Error> {
    // As the `dl2pa` binary does (dl2pa::memory). SAFETY: no other thread has started yet.
    unsafe { dl2pa::memory::keep_freed_pages() };
    let args: Vec<String> = std::env::args().skip(1).collect();
    let kind = args.first().map(String::as_str).unwrap_or("mlp");
    let flag = |name: &str| {
        args.iter()
            .position(|a| a == name)
            .and_then(|i| args.get(i + 1))
            .cloned()
    };
    let device = match flag("--device").as_deref() {
        Some("wgpu") => DeviceChoice::Wgpu,
        Some("auto") => DeviceChoice::Auto,
        _ => DeviceChoice::Cpu,
    };
    let precision = match flag("--precision").as_deref() {
        None | Some("f32") => Precision::F32,
        Some("f16") => Precision::F16,
        Some("bf16") => Precision::Bf16,
        Some(other) => return Err(format!("unknown precision {other}: f32, f16 or bf16").into()),
    };
    let bench = Bench::new(kind)?;
    let batch: usize = flag("--batch").map_or(Ok(128), |s| s.parse())?;
    let steps: usize = flag("--steps").map_or(Ok(bench.steps), |s| s.parse())?;
    // On a thread of flex's pool, as the `dl2pa` binary runs (dl2pa::threads).
    dl2pa::threads::on_global_pool(|| {
        time(kind, &bench, batch, steps, device, precision).map_err(|e| e.to_string())
    })?;
    Ok(())
}

/// Builds the model and times `steps` training steps after a warm-up; prints the rate.
fn time(
    kind: &str,
    bench: &Bench,
    batch: usize,
    steps: usize,
    device: DeviceChoice,
    precision: Precision,
) -> Result<(), Error> {
    let warmup = (steps / 6).max(2);
    let (dev, name) = select(device)?;
    precision.apply(&dev)?;
    let ad = dev.autodiff();
    let mut model = Network::seeded(&bench.spec, bench.shape, &ad, 0)?;
    let mut optim = SgdConfig::new().init();
    let mut rng = ChaCha8Rng::seed_from_u64(0);
    let mut t0 = Instant::now();
    for i in 0..warmup + steps {
        if i == warmup {
            bench.sync(&model, &ad);
            t0 = Instant::now();
        }
        let loss = bench.loss(&model, batch, &mut rng, &ad);
        let grads = GradientsParams::from_grads(loss.backward(), &model);
        model = optim.step(0.01, model, grads);
    }
    bench.sync(&model, &ad);
    let ms = t0.elapsed().as_secs_f64() * 1000.0 / steps as f64;
    let kernels = if dl2pa::kernels::ENABLED {
        "our CPU kernels"
    } else {
        "burn's own ops"
    };
    println!(
        "dl2pa {kind} batch={batch} on {name}, {precision:?}, {kernels}: {ms:.2} ms/step, {:.0} img/s",
        batch as f64 * 1000.0 / ms
    );
    Ok(())
}
