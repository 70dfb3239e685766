//! The MLP on burn-wgpu (lavapipe in CI, a GPU elsewhere): one training step agrees with the CPU
//! backend, and a few more steps make the loss fall. Built only with `--features wgpu`:
//! `cargo test --release -p dl2pa --features wgpu --test wgpu_smoke`.
#![cfg(feature = "wgpu")]

use burn::module::Module;
use burn::optim::{GradientsParams, SgdConfig};
use burn::prelude::*;
use burn::store::ModuleRecord;
use dl2pa::data::Shape;
use dl2pa::device::{DeviceChoice, select};
use dl2pa::model::{BackboneKind, Network, NetworkSpec, l2_normalize};

const B: usize = 32;

fn batch(device: &Device) -> (Tensor<4>, Tensor<2>) {
    // Deterministic inputs and unit targets, the same on both devices.
    let x: Vec<f32> = (0..B * 64)
        .map(|i| ((i * 7919 % 1000) as f32 / 500.0) - 1.0)
        .collect();
    let t: Vec<f32> = (0..B * 8)
        .map(|i| ((i * 104_729 % 997) as f32 / 498.0) - 1.0)
        .collect();
    let x = Tensor::<4>::from_data(TensorData::new(x, [B, 1, 8, 8]), device);
    let t = l2_normalize(Tensor::<2>::from_data(TensorData::new(t, [B, 8]), device));
    (x, t)
}

fn loss(model: &Network, x: Tensor<4>, t: Tensor<2>) -> Tensor<1> {
    let z = l2_normalize(model.embed(x));
    ((z * t).sum_dim(1).neg() + 1.0).mean()
}

fn value(t: Tensor<1>) -> f32 {
    t.try_into_scalar::<f32>().expect("read loss")
}

#[test]
fn one_step_matches_the_cpu_and_the_loss_falls() {
    let (gpu, name) = select(DeviceChoice::Wgpu)
        .expect("a Vulkan device (lavapipe: apt-get install mesa-vulkan-drivers)");
    eprintln!("device: {name}");
    let (cpu, gpu) = (Device::flex().autodiff(), gpu.autodiff());
    cpu.seed(0);
    let spec = NetworkSpec {
        backbone: BackboneKind::Mlp,
        widths: vec![32],
        dim: 8,
        head_bn: false,
        classifier: None,
        cosine: false,
    };
    let shape = Shape {
        channels: 1,
        height: 8,
        width: 8,
    };
    let m_cpu = Network::new(&spec, shape, &cpu).unwrap();
    let bytes = m_cpu.clone().into_record().into_bytes().unwrap();
    let m_gpu = Network::new(&spec, shape, &gpu)
        .unwrap()
        .load_record(ModuleRecord::from_bytes(bytes).unwrap());

    let mut optim = SgdConfig::new().init();
    let step = |m: Network, dev: &Device, optim: &mut burn::optim::ModuleOptimizer| {
        let (x, t) = batch(dev);
        let l = loss(&m, x, t);
        let before = value(l.clone());
        let grads = GradientsParams::from_grads(l.backward(), &m);
        (before, optim.step(0.5, m, grads))
    };
    let (l_cpu, m_cpu) = step(m_cpu, &cpu, &mut optim);
    let mut optim_gpu = SgdConfig::new().init();
    let (l_gpu, m_gpu) = step(m_gpu, &gpu, &mut optim_gpu);
    assert!(
        (l_cpu - l_gpu).abs() <= 1e-4 * l_cpu.abs().max(1.0),
        "initial loss: cpu {l_cpu}, gpu {l_gpu}"
    );
    // After one step the two models still agree to float rounding.
    let (x, t) = batch(&cpu);
    let a = value(loss(&m_cpu, x, t));
    let (x, t) = batch(&gpu);
    let b = value(loss(&m_gpu, x, t));
    assert!(
        (a - b).abs() <= 1e-3 * a.abs().max(1.0),
        "after one step: cpu {a}, gpu {b}"
    );

    let mut m = m_gpu;
    let mut last = b;
    for _ in 0..15 {
        let (l, next) = step(m, &gpu, &mut optim_gpu);
        last = l;
        m = next;
    }
    assert!(
        last < 0.5 * l_gpu,
        "the loss should fall on the GPU: {l_gpu} -> {last}"
    );
}

/// `dl2pa --device wgpu train ARGS` with `DL2PA_CACHE_DIR=cache`; panics with stderr on failure.
fn train_on_gpu(cache: &std::path::Path, args: &[&str]) {
    train_on_gpu_with(&[("DL2PA_CACHE_DIR", cache)], args);
}

/// [`train_on_gpu`] with these environment variables.
fn train_on_gpu_with(envs: &[(&str, &std::path::Path)], args: &[&str]) {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_dl2pa"))
        .args([
            "--device", "wgpu", "train", "--epochs", "2", "--widths", "32",
        ])
        .args(args)
        .envs(envs.iter().copied())
        .output()
        .expect("run dl2pa");
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn the_kernel_cache_is_kept_in_the_cache_dir() {
    let dir = tempfile::tempdir().unwrap();
    let (cache, run) = (dir.path().join("cache"), dir.path().join("run"));
    train_on_gpu(&cache, &["-o", run.to_str().unwrap()]);
    // CubeCL's store (autotune results; SPIR-V in a vulkan build) lands under gpu/, nowhere else.
    let files: Vec<_> = std::fs::read_dir(cache.join("gpu"))
        .expect("DL2PA_CACHE_DIR/gpu exists after a GPU run")
        .flatten()
        .map(|e| e.file_name())
        .collect();
    assert!(!files.is_empty(), "DL2PA_CACHE_DIR/gpu is empty");
}

#[test]
fn with_caching_off_no_kernel_cache_is_left_behind() {
    let dir = tempfile::tempdir().unwrap();
    let (tmp, run) = (dir.path().join("tmp"), dir.path().join("run"));
    std::fs::create_dir(&tmp).unwrap();
    let off = std::path::Path::new("");
    train_on_gpu_with(
        &[("DL2PA_CACHE_DIR", off), ("TMPDIR", &tmp)],
        &["-o", run.to_str().unwrap()],
    );
    let left: Vec<_> = std::fs::read_dir(&tmp)
        .unwrap()
        .flatten()
        .map(|e| e.file_name())
        .filter(|n| n.to_string_lossy().starts_with("dl2pa-gpu-"))
        .collect();
    assert!(left.is_empty(), "left in TMPDIR: {left:?}");
}

#[test]
fn half_precision_trains_on_the_gpu_and_reads_back_on_the_cpu() {
    let dir = tempfile::tempdir().unwrap();
    let run = dir.path().join("run");
    let rs = run.to_str().unwrap();
    // 40 classes in batches of 16: most classes are unseen when σ is first solved, the case
    // whose all-zero class means turned into NaN when they were kept in f16.
    let data = "synthetic:classes=40,train=20,test=10";
    let args = [
        "--precision",
        "f16",
        "--data",
        data,
        "--batch-size",
        "16",
        "--dim",
        "8",
    ];
    train_on_gpu(
        &dir.path().join("cache"),
        &[&args[..], &["-o", rs]].concat(),
    );
    let m: serde_json::Value =
        serde_json::from_slice(&std::fs::read(run.join("metrics.json")).unwrap()).unwrap();
    let top1 = m["final"]["test_top1"].as_f64().unwrap();
    assert!(top1 > 10.0, "f16 on the GPU: top-1 {top1} (chance: 2.5)");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_dl2pa"))
        .args(["--device", "cpu", "eval", rs, "--json"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let eval: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    // The same 400 test examples in f32 on the CPU: within two of the GPU's f16 count.
    assert!((eval["top1"].as_f64().unwrap() - top1).abs() <= 200.0 / 400.0 + 1e-9);
}

/// The objective study's losses in half precision: cross-entropy over the cosines to every
/// prototype (with a margin and label smoothing) and cosine-softmax learn on the GPU in f16.
#[test]
fn cross_entropy_over_cosines_trains_in_half_precision() {
    let dir = tempfile::tempdir().unwrap();
    for (i, method) in [
        &[
            "--loss",
            "ce",
            "--margin",
            "0.1",
            "--label-smoothing",
            "0.1",
        ][..],
        &["--method", "cosine-softmax"][..],
    ]
    .into_iter()
    .enumerate()
    {
        let run = dir.path().join(i.to_string());
        let args = [
            "--precision",
            "f16",
            "--data",
            "synthetic:classes=40,train=20,test=10",
            "--batch-size",
            "16",
            "--dim",
            "8",
            "-o",
            run.to_str().unwrap(),
        ];
        train_on_gpu(&dir.path().join("cache"), &[method, &args[..]].concat());
        let m: serde_json::Value =
            serde_json::from_slice(&std::fs::read(run.join("metrics.json")).unwrap()).unwrap();
        let top1 = m["final"]["test_top1"].as_f64().unwrap();
        assert!(top1 > 10.0, "{method:?} in f16: top-1 {top1} (chance: 2.5)");
    }
}
