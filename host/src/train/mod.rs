//! The DL2PA training loop and its baselines, all through the same code.
//!
//! One iteration: batch → backbone → (BatchNorm) → L2-normalise → pull loss towards
//! `P[σ(y)]` (or softmax cross-entropy for `psc`) → backward → SGD step; the detached
//! features update the class-mean EMA. At each update point (epoch end by default) the
//! similarity `μ Pᵀ` goes to dl2pa-core's solver, warm-started, and σ changes.

pub mod assignment;
pub mod checkpoint;
pub mod config;
pub mod metrics;
pub mod schedule;

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::mpsc::sync_channel;
use std::time::Instant;

use burn::optim::decay::WeightDecayConfig;
use burn::optim::momentum::MomentumConfig;
use burn::optim::{GradientsParams, SgdConfig};
use burn::prelude::*;
use burn::tensor::activation::log_softmax;
use rand::SeedableRng;
use rand::seq::SliceRandom;
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

use crate::data::augment::Augment;
use crate::data::{self, DataSpec, Dataset, LoadOptions, Shape, Split};
use crate::error::{Error, Result};
use crate::model::{Model, ModelSpec, l2_normalize};
use crate::prototypes;
use assignment::{Assignment, Update};
use checkpoint::{EpochRecord, State};
use config::{Loss, Method, Reduction, Toggle, TrainConfig};
use metrics::{Accumulator, COSINE_SCALE, Eval};

/// Everything a run derives from its config and data: shared by `train`, `eval`, `predict`, `export`.
pub struct Setup {
    /// The settings.
    pub cfg: TrainConfig,
    /// The data, standardised.
    pub data: Dataset,
    /// Prototypes `M × d` (none for `psc`).
    pub protos: Option<Vec<f32>>,
    /// Network to build.
    pub spec: ModelSpec,
    /// Augmentation of training images.
    pub augment: Augment,
    /// Training examples per class (after `--train-limit` and `--imbalance`).
    pub train_counts: Vec<usize>,
}

impl Setup {
    /// Classes `K`.
    pub fn classes(&self) -> usize {
        self.data.classes.len()
    }

    /// Prototypes `M` (0 for `psc`).
    pub fn prototypes(&self) -> usize {
        self.protos.as_ref().map_or(0, |p| p.len() / self.cfg.dim)
    }
}

/// Static facts about a run, written once as `RUN/dataset.json` (prediction needs them).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct RunInfo {
    /// Dataset name.
    pub dataset: String,
    /// Class names.
    pub classes: Vec<String>,
    /// Input shape.
    pub shape: Shape,
    /// Per-channel `(mean, std)` of the training inputs.
    pub standardisation: Vec<(f64, f64)>,
    /// Factor from raw input values (pixel bytes, digit counts, CSV numbers) to the values the
    /// standardisation was computed on.
    pub raw_scale: f64,
    /// Training examples.
    pub train_examples: usize,
    /// Test examples.
    pub test_examples: usize,
}

/// Loads the data and the prototypes and checks that they fit the config. With `run`, the
/// prototypes are read from `RUN/prototypes.npy` (written by the first `train`).
pub fn prepare(cfg: &TrainConfig, device: &Device, run: Option<&Path>) -> Result<Setup> {
    cfg.validate()?;
    let spec: DataSpec = cfg.data.parse()?;
    let opts = LoadOptions {
        label_column: (!cfg.label_column.is_empty()).then(|| cfg.label_column.clone()),
        test_fraction: cfg.test_fraction,
        split_seed: cfg.split_seed,
    };
    let mut data = data::load(&spec, &opts)?;
    if cfg.train_limit > 0 && cfg.train_limit < data.train.len() {
        let keep: Vec<usize> = (0..cfg.train_limit).collect();
        data.train = data.train.subset(&keep, data.shape.features());
        if let Some(c) = data
            .train
            .counts(data.classes.len())
            .iter()
            .position(|&n| n == 0)
        {
            return Err(Error::arg(
                "--train-limit",
                cfg.train_limit,
                format!(
                    "a limit that keeps every class (class {c} has no example in the first {})",
                    cfg.train_limit
                ),
            ));
        }
    }
    let k = data.classes.len();
    if cfg.imbalance < 1.0 {
        let order = data::longtail::class_order(&cfg.class_order, k, cfg.seed)?;
        let keep = data::longtail::profile(&data.train.counts(k), cfg.imbalance, &order)?;
        data.train =
            data::longtail::subsample(&data.train, data.shape.features(), &keep, cfg.split_seed);
    }
    let train_counts = data.train.counts(k);
    if k > dl2pa_core::MAX_CLASSES {
        return Err(Error::arg(
            "classes",
            k,
            format!("at most {}", dl2pa_core::MAX_CLASSES),
        ));
    }
    let d = cfg.dim;
    let saved = run.map(|r| r.join("prototypes.npy")).filter(|p| p.exists());
    let protos = match cfg.method {
        Method::Psc => None,
        Method::Etf => {
            if d + 1 < k {
                return Err(Error::arg(
                    "--dim",
                    d,
                    format!(
                        ">= K - 1 = {} for --method etf (the simplex needs K - 1 dimensions)",
                        k - 1
                    ),
                ));
            }
            Some(prototypes::simplex_etf(k, d))
        }
        Method::Dl2pa | Method::Fixed => Some(match (&saved, cfg.prototypes.as_str()) {
            (Some(p), _) => prototypes::load(p, None)?.0,
            (None, "") => {
                let o = prototypes::Options {
                    classes: k,
                    dim: d,
                    method: cfg.proto_method,
                    steps: None,
                    batch: None,
                    seed: cfg.seed,
                };
                prototypes::estimate(&o, device, |_, _| {})?.data
            }
            (None, file) => {
                let (p, m, pd) = prototypes::load(Path::new(file), None)?;
                if pd != d || m < k {
                    return Err(Error::format(
                        file,
                        format!(
                            "prototypes have shape ({m}, {pd}): expected ({k}, {d}) or (M >= {k}, {d}) for {k} classes and --dim {d}"
                        ),
                    ));
                }
                p
            }
        }),
    };
    let colour = data.shape.is_image() && data.shape.channels >= 3;
    let on = |t: Toggle| match t {
        Toggle::Auto => colour,
        Toggle::On => data.shape.is_image(),
        Toggle::Off => false,
    };
    let augment = Augment {
        pad: if on(cfg.crop) { 4 } else { 0 },
        flip: on(cfg.flip),
    };
    let spec = ModelSpec {
        backbone: cfg.backbone,
        widths: cfg.widths.clone(),
        dim: d,
        head_bn: cfg.head_bn,
        classifier: (cfg.method == Method::Psc).then_some(k),
    };
    Ok(Setup {
        train_counts,
        cfg: cfg.clone(),
        data,
        protos,
        spec,
        augment,
    })
}

/// Accuracy by training-set frequency: head (many-shot, more than `--many-threshold` training
/// examples), tail (few-shot, fewer than `--few-threshold`), medium otherwise. Each is the mean
/// of its classes' test accuracies (`None` when no class falls in the group).
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct Groups {
    /// Head accuracy, percent.
    pub head: Option<f64>,
    /// Medium accuracy, percent.
    pub medium: Option<f64>,
    /// Tail accuracy, percent.
    pub tail: Option<f64>,
    /// Classes in each group.
    pub classes: [usize; 3],
}

/// Splits per-class accuracies into [`Groups`] by training counts.
pub fn groups(per_class: &[f64], counts: &[usize], many: usize, few: usize) -> Groups {
    let mut acc = [(0.0, 0usize); 3];
    for (&a, &n) in per_class.iter().zip(counts) {
        let g = if n > many {
            0
        } else if n < few {
            2
        } else {
            1
        };
        acc[g].0 += a;
        acc[g].1 += 1;
    }
    let mean = |(s, n): (f64, usize)| (n > 0).then(|| s / n as f64);
    Groups {
        head: mean(acc[0]),
        medium: mean(acc[1]),
        tail: mean(acc[2]),
        classes: [acc[0].1, acc[1].1, acc[2].1],
    }
}

/// What a finished run reports.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Summary {
    /// Final test metrics.
    pub eval: Eval,
    /// Final accuracy by head / medium / tail classes.
    pub groups: Groups,
    /// Final σ (empty for `psc`).
    pub sigma: Vec<u32>,
    /// Labels moved over all assignment updates.
    pub churn: usize,
    /// Mean training throughput, examples per second.
    pub img_per_s: f64,
    /// Training seconds.
    pub train_seconds: f64,
    /// Wall seconds of this invocation.
    pub wall_seconds: f64,
}

/// A batch, built on a worker thread.
struct Batch {
    /// Inputs (mixed when `mix` is set).
    x: Vec<f32>,
    /// Labels.
    y: Vec<u32>,
    /// Mixup: the un-mixed inputs, the partner labels and λ.
    mix: Option<Mix>,
}

struct Mix {
    clean: Vec<f32>,
    y_b: Vec<u32>,
    lambda: f32,
}

fn epoch_order(n: usize, seed: u64, epoch: usize) -> Vec<usize> {
    let mut order: Vec<usize> = (0..n).collect();
    let mut rng =
        ChaCha8Rng::seed_from_u64(seed ^ (0x9E37_79B9_7F4A_7C15u64.wrapping_mul(epoch as u64 + 1)));
    order.shuffle(&mut rng);
    order
}

fn make_batch(
    split: &Split,
    idx: &[usize],
    s: Shape,
    aug: Augment,
    mixup: f64,
    rng: &mut ChaCha8Rng,
) -> Batch {
    let f = s.features();
    let mut x = vec![0.0f32; idx.len() * f];
    for (dst, &i) in x.chunks_exact_mut(f).zip(idx) {
        let src = &split.x[i * f..(i + 1) * f];
        if aug.is_identity() {
            dst.copy_from_slice(src)
        } else {
            aug.apply(src, dst, s, rng)
        }
    }
    let y: Vec<u32> = idx.iter().map(|&i| split.y[i]).collect();
    if mixup <= 0.0 {
        return Batch { x, y, mix: None };
    }
    // Mixup: x = λ x_a + (1 − λ) x_b with λ ~ Beta(α, α) and b a shuffle of the batch.
    use rand_distr::Distribution;
    let lambda = rand_distr::Beta::new(mixup, mixup).map_or(1.0, |b| b.sample(rng)) as f32;
    let mut partner: Vec<usize> = (0..idx.len()).collect();
    partner.shuffle(rng);
    let mixed: Vec<f32> = (0..idx.len())
        .flat_map(|i| {
            let (a, b) = (
                &x[i * f..(i + 1) * f],
                &x[partner[i] * f..(partner[i] + 1) * f],
            );
            a.iter()
                .zip(b)
                .map(|(&u, &v)| lambda * u + (1.0 - lambda) * v)
                .collect::<Vec<_>>()
        })
        .collect();
    let y_b = partner.iter().map(|&j| y[j]).collect();
    Batch {
        x: mixed,
        y,
        mix: Some(Mix {
            clean: x,
            y_b,
            lambda,
        }),
    }
}

/// Per-example loss `[B, 1]`: the pull towards `P[σ(y)]` for prototype methods (from the
/// normalised embedding `zn`), softmax cross-entropy for `psc` (from the classifier's `logits`).
fn per_example(
    zn: &Tensor<2>,
    logits: Option<&Tensor<2>>,
    y: &Tensor<1, Int>,
    class_protos: Option<&Tensor<2>>,
    loss: Loss,
) -> Tensor<2> {
    match (class_protos, logits) {
        (Some(p), _) => {
            let target = p.clone().select(0, y.clone());
            let gap = (zn.clone() * target).sum_dim(1).neg() + 1.0;
            match loss {
                Loss::Cos => gap,
                Loss::Cos2 => gap.square(),
            }
        }
        (None, Some(l)) => {
            let b = y.dims()[0];
            log_softmax(l.clone(), 1)
                .gather(1, y.clone().reshape([b, 1]))
                .neg()
        }
        (None, None) => unreachable!("psc models have a classifier"),
    }
}

/// Class-balancing weights `[B, 1]`: per-batch `sqrt(γ / n_y)` with `γ = B / #classes present`
/// for prototype methods (supp. §7.2), the inverse training frequency (mean 1 over classes) for `psc`.
fn balance_weights(
    y: &Tensor<1, Int>,
    k: usize,
    inverse_frequency: Option<&Tensor<2>>,
) -> Tensor<2> {
    let b = y.dims()[0];
    match inverse_frequency {
        Some(inv) => inv.clone().select(0, y.clone()),
        None => {
            let onehot: Tensor<2> = y.clone().one_hot::<2>(k).float();
            let counts = onehot.clone().sum_dim(0); // [1, K]
            let present = counts
                .clone()
                .greater_elem(0.0)
                .float()
                .sum()
                .reshape([1, 1]);
            let n_y = onehot.matmul(counts.transpose()); // [B, 1]
            (present.recip() * b as f64 / n_y).sqrt()
        }
    }
}

fn tensor_x(x: Vec<f32>, n: usize, s: Shape, device: &Device) -> Tensor<4> {
    Tensor::from_data(
        TensorData::new(x, [n, s.channels, s.height, s.width]),
        device,
    )
}

fn tensor_y(y: &[u32], device: &Device) -> Tensor<1, Int> {
    Tensor::from_data(
        TensorData::new(
            y.iter().map(|&v| i64::from(v)).collect::<Vec<_>>(),
            [y.len()],
        ),
        device,
    )
}

fn read_vec(t: Tensor<2>) -> Result<Vec<f32>> {
    t.try_into_vec_as::<f32>()
        .map_err(|e| Error::Numerical(format!("reading a tensor: {e:?}")))
}

/// Class logits of a batch: `16 · cos` to the class prototypes, or the `psc` classifier's.
fn logits(model: &Model, x: Tensor<4>, class_protos: Option<&Tensor<2>>) -> Tensor<2> {
    let z = model.embed(x);
    match class_protos {
        Some(p) => l2_normalize(z).matmul(p.clone().transpose()) * COSINE_SCALE,
        None => model.logits(z).expect("psc models have a classifier"),
    }
}

/// Runs `f` on `split` in batches of 512 inputs (as device tensors) with their labels.
fn batched(
    split: &Split,
    s: Shape,
    device: &Device,
    mut f: impl FnMut(Tensor<4>, &[u32]) -> Result<()>,
) -> Result<()> {
    let feats = s.features();
    for start in (0..split.len()).step_by(512) {
        let end = (start + 512).min(split.len());
        let x = tensor_x(
            split.x[start * feats..end * feats].to_vec(),
            end - start,
            s,
            device,
        );
        f(x, &split.y[start..end])?;
    }
    Ok(())
}

/// Evaluates `model` (inference mode) on `split`; `class_protos` is `P[σ]` (`K × d`) or `None` for `psc`.
pub fn evaluate(
    model: &Model,
    split: &Split,
    s: Shape,
    k: usize,
    class_protos: Option<&[f32]>,
    device: &Device,
) -> Result<(Eval, Vec<u32>)> {
    let p = class_protos
        .map(|p| Tensor::<2>::from_data(TensorData::new(p.to_vec(), [k, p.len() / k]), device));
    let mut acc = Accumulator::new(k);
    batched(split, s, device, |x, y| {
        acc.add(&read_vec(logits(model, x, p.as_ref()))?, y);
        Ok(())
    })?;
    let preds = acc.predictions.clone();
    Ok((acc.finish(), preds))
}

/// L2-normalised embeddings (`len × d`) of `split` under `model` (inference mode).
pub fn embeddings(model: &Model, split: &Split, s: Shape, device: &Device) -> Result<Vec<f32>> {
    let mut out = Vec::new();
    batched(split, s, device, |x, _| {
        out.extend(read_vec(l2_normalize(model.embed(x)))?);
        Ok(())
    })?;
    Ok(out)
}

/// A trained run, loaded: its setup, model (last checkpoint), class-ordered prototypes
/// `P[σ]` (`K × d`, none for `psc`), σ and static facts.
pub struct LoadedRun {
    /// Config and data.
    pub setup: Setup,
    /// The network in inference mode.
    pub model: Model,
    /// `P[σ]`, class order.
    pub class_protos: Option<Vec<f32>>,
    /// σ of the last checkpoint.
    pub sigma: Vec<u32>,
    /// `dataset.json`.
    pub info: RunInfo,
}

/// Reads `RUN/dataset.json`.
pub fn read_info(run: &Path) -> Result<RunInfo> {
    let p = run.join("dataset.json");
    let text = std::fs::read(&p).map_err(|e| Error::io(&p, e))?;
    serde_json::from_slice(&text).map_err(|e| Error::format(&p, e.to_string()))
}

/// Loads a run's last checkpoint; `data` replaces the run's dataset spec (same classes needed).
pub fn load_run(run: &Path, device: &Device, data: Option<&str>) -> Result<LoadedRun> {
    let mut cfg = TrainConfig::from_file(&run.join("config.toml"))?;
    if let Some(d) = data {
        cfg.data = d.to_string();
    }
    let setup = prepare(&cfg, device, Some(run))?;
    let info = read_info(run)?;
    if setup.classes() != info.classes.len() {
        return Err(Error::arg(
            "--data",
            &cfg.data,
            format!("a dataset with the run's {} classes", info.classes.len()),
        ));
    }
    let model = Model::new(&setup.spec, info.shape, device)?;
    let (model, state) = checkpoint::load_model(run, model)?;
    let class_protos = setup.protos.as_ref().map(|p| {
        state
            .sigma
            .iter()
            .flat_map(|&j| {
                p[j as usize * cfg.dim..(j as usize + 1) * cfg.dim]
                    .iter()
                    .copied()
            })
            .collect()
    });
    Ok(LoadedRun {
        setup,
        model,
        class_protos,
        sigma: state.sigma,
        info,
    })
}

/// The initial σ: a seeded random choice of K of the M prototypes (shared by `dl2pa` and `fixed`
/// at the same seed, so the two are paired); the identity for `etf`.
fn initial_sigma(cfg: &TrainConfig, k: usize, m: usize) -> Vec<u32> {
    if cfg.method == Method::Etf {
        return (0..k as u32).collect();
    }
    let mut p: Vec<u32> = (0..m as u32).collect();
    p.shuffle(&mut ChaCha8Rng::seed_from_u64(cfg.seed.wrapping_add(1000)));
    p.truncate(k);
    p
}

/// Trains into `run`, or continues it (`resume`). With `until`, stops (checkpoint written) after
/// that many epochs of the schedule, as a killed run would. `log` receives one line per epoch.
pub fn train(
    cfg: &TrainConfig,
    device: &Device,
    run: &Path,
    resume: bool,
    until: Option<usize>,
    log: &mut dyn FnMut(&str),
) -> Result<Summary> {
    let wall = Instant::now();
    std::fs::create_dir_all(run).map_err(|e| Error::io(run, e))?;
    let mut setup = prepare(cfg, device, resume.then_some(run))?;
    let (k, d, s) = (setup.classes(), cfg.dim, setup.data.shape);
    let m = setup.prototypes();
    if !resume {
        crate::io::write_atomic(&run.join("config.toml"), cfg.to_toml().as_bytes())?;
        if let Some(p) = &setup.protos {
            crate::io::write_npy(&run.join("prototypes.npy"), p, m, d)?;
        }
        let info = RunInfo {
            dataset: setup.data.name.clone(),
            classes: setup.data.classes.clone(),
            shape: s,
            standardisation: setup.data.standardisation.clone(),
            raw_scale: setup.data.raw_scale,
            train_examples: setup.data.train.len(),
            test_examples: setup.data.test.len(),
        };
        crate::io::write_atomic(
            &run.join("dataset.json"),
            &serde_json::to_vec_pretty(&info).unwrap_or_default(),
        )?;
    }

    let ad = device.clone().autodiff();
    ad.seed(cfg.seed);
    let model = Model::new(&setup.spec, s, &ad)?;
    let optim = SgdConfig::new()
        .with_momentum(Some(
            MomentumConfig::new()
                .with_momentum(cfg.momentum)
                .with_dampening(0.0),
        ))
        .with_weight_decay(Some(WeightDecayConfig::new(cfg.weight_decay as f32)))
        .init();
    let (mut model, mut optim, mut state) = if resume {
        checkpoint::load(run, model, optim)?
    } else {
        let state = State {
            epochs_done: 0,
            iteration: 0,
            sigma: if m > 0 {
                initial_sigma(cfg, k, m)
            } else {
                Vec::new()
            },
            ema: vec![0.0; k * d],
            history: Vec::new(),
            train_seconds: 0.0,
        };
        (model, optim, state)
    };
    if state.epochs_done >= cfg.epochs {
        log(&format!(
            "{} already has {} of {} epochs",
            run.display(),
            state.epochs_done,
            cfg.epochs
        ));
    }

    let protos = setup.protos.clone().unwrap_or_default();
    let mut assignment = Assignment::new(state.sigma.clone());
    let mut ema = Tensor::<2>::from_data(TensorData::new(state.ema.clone(), [k, d]), &ad);
    let n = setup.data.train.len();
    // Shared with the batch-building thread of each epoch.
    let train_data = Arc::new(std::mem::take(&mut setup.data.train));
    let bs = cfg.batch_size.min(n);
    // A last batch of one example breaks BatchNorm; it is dropped.
    let batches_per_epoch = if n % bs == 1 { n / bs } else { n.div_ceil(bs) };
    let mem = cfg.ema_momentum;
    let balanced = match cfg.balance {
        Toggle::Auto => cfg.imbalance < 1.0,
        Toggle::On => true,
        Toggle::Off => false,
    };
    // psc's inverse class frequency, scaled to mean 1 over classes: [K, 1].
    let inverse_frequency = (cfg.method == Method::Psc).then(|| {
        let inv: Vec<f32> = setup
            .train_counts
            .iter()
            .map(|&c| 1.0 / c.max(1) as f32)
            .collect();
        let mean = inv.iter().sum::<f32>() / k as f32;
        Tensor::<2>::from_data(
            TensorData::new(inv.iter().map(|v| v / mean).collect::<Vec<_>>(), [k, 1]),
            &ad,
        )
    });

    let stop = until.map_or(cfg.epochs, |u| u.min(cfg.epochs));
    for epoch in state.epochs_done..stop {
        let t0 = Instant::now();
        let order = epoch_order(n, cfg.seed, epoch);
        let mut class_protos = (m > 0).then(|| {
            Tensor::<2>::from_data(
                TensorData::new(assignment.class_prototypes(&protos, d), [k, d]),
                &ad,
            )
        });
        let mut updates: Vec<Update> = Vec::new();
        let mut loss_sum = Tensor::<1>::zeros([1], &ad);
        let mut lr = 0.0;
        // Batches are built (and augmented) on a worker thread while the model trains.
        let (tx, rx) = sync_channel::<Batch>(4);
        let producer = {
            let (data, aug, seed, mixup) =
                (Arc::clone(&train_data), setup.augment, cfg.seed, cfg.mixup);
            std::thread::spawn(move || {
                let mut rng =
                    ChaCha8Rng::seed_from_u64(seed.wrapping_mul(31).wrapping_add(epoch as u64));
                for b in 0..batches_per_epoch {
                    let idx = &order[b * bs..((b + 1) * bs).min(n)];
                    if tx
                        .send(make_batch(&data, idx, s, aug, mixup, &mut rng))
                        .is_err()
                    {
                        return; // the trainer stopped early
                    }
                }
            })
        };
        {
            for Batch { x, y, mix } in rx.iter() {
                lr = schedule::lr_at(cfg, state.iteration, batches_per_epoch);
                let b = y.len();
                let yt = tensor_y(&y, &ad);
                let z = model.embed(tensor_x(x, b, s, &ad));
                let zn = l2_normalize(z.clone());
                let logits = model.logits(z);
                let cp = class_protos.as_ref();
                let weigh = |per: Tensor<2>, yy: &Tensor<1, Int>| match balanced {
                    true => per * balance_weights(yy, k, inverse_frequency.as_ref()),
                    false => per,
                };
                let per = weigh(per_example(&zn, logits.as_ref(), &yt, cp, cfg.loss), &yt);
                let per = match &mix {
                    None => per,
                    Some(m) => {
                        let yb = tensor_y(&m.y_b, &ad);
                        let per_b =
                            weigh(per_example(&zn, logits.as_ref(), &yb, cp, cfg.loss), &yb);
                        per * f64::from(m.lambda) + per_b * f64::from(1.0 - m.lambda)
                    }
                };
                let loss = match cfg.reduction {
                    Reduction::Sum => per.sum(),
                    // Inverse-frequency cross-entropy is normalised by the weights, as PyTorch's.
                    Reduction::Mean if balanced && cfg.method == Method::Psc => {
                        let w = balance_weights(&yt, k, inverse_frequency.as_ref());
                        per.sum() / w.sum()
                    }
                    Reduction::Mean => per.mean(),
                };
                if cfg.method == Method::Dl2pa {
                    // Class EMA of the per-class batch mean of normalised features — of the
                    // un-mixed inputs under mixup (they also pass BatchNorm in training mode).
                    let zd = match &mix {
                        None => zn.detach(),
                        Some(m) => {
                            l2_normalize(model.embed(tensor_x(m.clean.clone(), b, s, &ad))).detach()
                        }
                    };
                    let onehot: Tensor<2> = yt.clone().one_hot::<2>(k).float();
                    let sums = onehot.clone().transpose().matmul(zd);
                    let counts = onehot.sum_dim(0).reshape([k, 1]);
                    let mean = sums / counts.clone().clamp_min(1.0);
                    let present = counts.greater_elem(0.0).expand([k, d]);
                    let next = ema.clone() * mem + mean * (1.0 - mem);
                    ema = l2_normalize(ema.clone().mask_where(present, next));
                }
                loss_sum = loss_sum + loss.clone().detach();
                let grads = GradientsParams::from_grads(loss.backward(), &model);
                model = optim.step(lr, model, grads);
                state.iteration += 1;
                if state.iteration % 50 == 0 {
                    check_finite(&loss_sum, epoch, run)?;
                }
                if cfg.method == Method::Dl2pa
                    && cfg.assign_every > 0
                    && state.iteration % cfg.assign_every == 0
                {
                    let means = read_vec(ema.clone())?;
                    updates.push(assignment.update(&means, &protos, d, state.iteration)?);
                    class_protos = Some(Tensor::from_data(
                        TensorData::new(assignment.class_prototypes(&protos, d), [k, d]),
                        &ad,
                    ));
                }
            }
        }
        let _ = producer.join();
        let train_loss = check_finite(&loss_sum, epoch, run)? / batches_per_epoch as f64;
        let train_seconds = t0.elapsed().as_secs_f64();
        state.train_seconds += train_seconds;
        let last = epoch + 1 == cfg.epochs;
        let eval = if last || (epoch + 1) % cfg.eval_every == 0 {
            let cp = (m > 0).then(|| assignment.class_prototypes(&protos, d));
            Some(
                evaluate(
                    &model.valid(),
                    &setup.data.test,
                    s,
                    k,
                    cp.as_deref(),
                    device,
                )?
                .0,
            )
        } else {
            None
        };
        // As the reference: evaluate with the σ the epoch trained with, then re-solve for the next.
        if cfg.method == Method::Dl2pa && cfg.assign_every == 0 && !last {
            let means = read_vec(ema.clone())?;
            updates.push(assignment.update(&means, &protos, d, state.iteration)?);
        }
        let moved: usize = updates.iter().map(|u| u.moved).sum();
        let rec = EpochRecord {
            epoch: epoch + 1,
            train_loss,
            lr,
            img_per_s: (batches_per_epoch * bs).min(n) as f64 / train_seconds,
            train_seconds,
            eval: eval.clone(),
            updates,
        };
        log(&format!(
            "epoch {:>3}/{} loss {:.4} {}{} {:.0} img/s {:.1}s",
            epoch + 1,
            cfg.epochs,
            train_loss,
            eval.as_ref()
                .map_or(String::new(), |e| format!("top1 {:.2}% ", e.top1)),
            if cfg.method == Method::Dl2pa {
                format!("moved {moved}")
            } else {
                String::new()
            },
            rec.img_per_s,
            train_seconds
        ));
        state.history.push(rec);
        state.epochs_done = epoch + 1;
        state.sigma = assignment.sigma.clone();
        state.ema = read_vec(ema.clone())?;
        checkpoint::save(run, &model, &optim, &state)?;
        write_metrics(run, &setup, &state, None)?;
    }

    let cp = (m > 0).then(|| assignment.class_prototypes(&protos, d));
    let final_eval = match state.history.last().and_then(|r| r.eval.clone()) {
        Some(e) => e,
        None => {
            evaluate(
                &model.valid(),
                &setup.data.test,
                s,
                k,
                cp.as_deref(),
                device,
            )?
            .0
        }
    };
    let seen: f64 = state
        .history
        .iter()
        .map(|r| r.img_per_s * r.train_seconds)
        .sum();
    let summary = Summary {
        groups: groups(
            &final_eval.per_class,
            &setup.train_counts,
            cfg.many_threshold,
            cfg.few_threshold,
        ),
        eval: final_eval,
        sigma: state.sigma.clone(),
        churn: state
            .history
            .iter()
            .flat_map(|r| &r.updates)
            .map(|u| u.moved)
            .sum(),
        img_per_s: seen / state.train_seconds.max(1e-9),
        train_seconds: state.train_seconds,
        wall_seconds: wall.elapsed().as_secs_f64(),
    };
    write_metrics(run, &setup, &state, Some(&summary))?;
    Ok(summary)
}

/// Reads the running loss sum; a NaN or ∞ stops training with the last good checkpoint named.
fn check_finite(loss_sum: &Tensor<1>, epoch: usize, run: &Path) -> Result<f64> {
    let v: f32 = loss_sum
        .clone()
        .try_into_scalar()
        .map_err(|e| Error::Numerical(format!("reading the loss: {e:?}")))?;
    if v.is_finite() {
        return Ok(f64::from(v));
    }
    let kept = if epoch == 0 {
        "no checkpoint was written yet".to_string()
    } else {
        format!(
            "the last good checkpoint (epoch {epoch}) is kept in {}",
            run.display()
        )
    };
    Err(Error::Numerical(format!(
        "training loss became {v} in epoch {}: stopped; {kept} (lower --lr?)",
        epoch + 1
    )))
}

/// Writes `RUN/metrics.json` atomically.
fn write_metrics(
    run: &Path,
    setup: &Setup,
    state: &State,
    summary: Option<&Summary>,
) -> Result<()> {
    let quality = setup
        .protos
        .as_ref()
        .map(|p| prototypes::quality(p, p.len() / setup.cfg.dim, setup.cfg.dim));
    let v = serde_json::json!({
        "config": &setup.cfg,
        "dataset": {
            "name": setup.data.name,
            "classes": setup.data.classes,
            "train_examples": setup.data.train.len(),
            "test_examples": setup.data.test.len(),
        },
        "prototypes": quality,
        "epochs": state.history,
        "final": summary.map(|s| serde_json::json!({
            "test_top1": s.eval.top1,
            "head": s.groups.head,
            "medium": s.groups.medium,
            "tail": s.groups.tail,
            "group_classes": s.groups.classes,
            "train_counts": setup.train_counts,
            "test_top5": s.eval.top5,
            "ece": s.eval.ece,
            "per_class_accuracy": s.eval.per_class,
            "sigma": s.sigma,
            "churn": s.churn,
            "img_per_s": s.img_per_s,
            "train_seconds": s.train_seconds,
            "wall_seconds": s.wall_seconds,
        })),
    });
    crate::io::write_atomic(
        &run.join("metrics.json"),
        &serde_json::to_vec_pretty(&v).unwrap_or_default(),
    )
}

/// `runs/<data>-<method>-d<dim>-s<seed>`: a default run directory name.
pub fn default_run_dir(cfg: &TrainConfig) -> PathBuf {
    let data: String = cfg
        .data
        .split(['/', ':'])
        .next()
        .unwrap_or("data")
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '-')
        .collect();
    PathBuf::from("runs")
        .join(format!("{data}-{:?}-d{}-s{}", cfg.method, cfg.dim, cfg.seed).to_lowercase())
}
