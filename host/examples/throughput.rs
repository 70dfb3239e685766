//! Training-step throughput, the protocol of `../shared/bench/throughput` (forward + backward +
//! SGD step at batch 128 on random data) with this crate's models, to run side by side with the
//! PyTorch anchors:
//!
//! ```text
//! cargo run --release -p dl2pa --example throughput -- mlp        # 784-256-256-16, (1-cos)^2
//! cargo run --release -p dl2pa --example throughput -- cnn        # conv32-pool-conv64-pool-conv128-GAP, d=2
//! ```
//! `--device wgpu` (with `--features wgpu` or `vulkan`) times the GPU; `--steps N` sets the timed
//! steps; `--precision f16|bf16` the float type (as `dl2pa train --precision`).
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

fn main() -> Result<(), Box<dyn std::error::Error>> {
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
    let batch: usize = flag("--batch").map_or(Ok(128), |s| s.parse())?;
    let (spec, shape, squared, default_steps) = match kind {
        "mlp" => (
            NetworkSpec {
                backbone: BackboneKind::Mlp,
                widths: vec![256, 256],
                dim: 16,
                head_bn: false,
                classifier: None,
            },
            Shape {
                channels: 1,
                height: 28,
                width: 28,
            },
            true,
            30,
        ),
        "cnn" => (
            NetworkSpec {
                backbone: BackboneKind::Cnn,
                widths: vec![],
                dim: 2,
                head_bn: false,
                classifier: None,
            },
            Shape {
                channels: 1,
                height: 28,
                width: 28,
            },
            false,
            10,
        ),
        "resnet32" => (
            NetworkSpec {
                backbone: BackboneKind::Resnet32,
                widths: vec![],
                dim: 64,
                head_bn: true,
                classifier: None,
            },
            Shape {
                channels: 3,
                height: 32,
                width: 32,
            },
            false,
            10,
        ),
        other => return Err(format!("unknown model {other}: mlp, cnn or resnet32").into()),
    };
    let steps: usize = flag("--steps").map_or(Ok(default_steps), |s| s.parse())?;
    let warmup = (steps / 6).max(2);
    let precision = match flag("--precision").as_deref() {
        None | Some("f32") => Precision::F32,
        Some("f16") => Precision::F16,
        Some("bf16") => Precision::Bf16,
        Some(other) => return Err(format!("unknown precision {other}: f32, f16 or bf16").into()),
    };
    let (dev, name) = select(device)?;
    precision.apply(&dev)?;
    let ad = dev.autodiff();
    let mut model = Network::seeded(&spec, shape, &ad, 0)?;
    let mut optim = SgdConfig::new().init();
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(0);
    let d = spec.dim;
    let mut t0 = Instant::now();
    for i in 0..warmup + steps {
        if i == warmup {
            // Flush queued GPU work before the clock starts.
            let _ = model
                .embed(Tensor::zeros(
                    [1, shape.channels, shape.height, shape.width],
                    &ad,
                ))
                .try_into_vec_as::<f32>();
            t0 = Instant::now();
        }
        let x: Vec<f32> = (0..batch * shape.features())
            .map(|_| rng.random_range(-1.0f32..1.0))
            .collect();
        let t: Vec<f32> = (0..batch * d)
            .map(|_| rng.random_range(-1.0f32..1.0))
            .collect();
        let x = Tensor::<4>::from_data(
            TensorData::new(x, [batch, shape.channels, shape.height, shape.width]),
            &ad,
        );
        let t = l2_normalize(Tensor::<2>::from_data(TensorData::new(t, [batch, d]), &ad));
        let z = l2_normalize(model.embed(x));
        let gap = (z * t).sum_dim(1).neg() + 1.0;
        let loss = if squared {
            gap.square().mean()
        } else {
            gap.mean()
        };
        let grads = GradientsParams::from_grads(loss.backward(), &model);
        model = optim.step(0.01, model, grads);
    }
    // Wait for the last step's parameters so GPU time is counted.
    let _ = model
        .embed(Tensor::zeros(
            [1, shape.channels, shape.height, shape.width],
            &ad,
        ))
        .try_into_vec_as::<f32>();
    let ms = t0.elapsed().as_secs_f64() * 1000.0 / steps as f64;
    println!(
        "dl2pa {kind} batch={batch} on {name}, {precision:?}: {ms:.2} ms/step, {:.0} img/s",
        batch as f64 * 1000.0 / ms
    );
    Ok(())
}
