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
        cfg: cfg.clone(),
        data,
        protos,
        spec,
        augment,
    })
}

/// What a finished run reports.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Summary {
    /// Final test metrics.
    pub eval: Eval,
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

/// Batches of one epoch, built on a worker thread: (inputs, labels).
type Batch = (Vec<f32>, Vec<u32>);

fn epoch_order(n: usize, seed: u64, epoch: usize) -> Vec<usize> {
    let mut order: Vec<usize> = (0..n).collect();
    let mut rng =
        ChaCha8Rng::seed_from_u64(seed ^ (0x9E37_79B9_7F4A_7C15u64.wrapping_mul(epoch as u64 + 1)));
    order.shuffle(&mut rng);
    order
}

fn make_batch(split: &Split, idx: &[usize], s: Shape, aug: Augment, rng: &mut ChaCha8Rng) -> Batch {
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
    (x, idx.iter().map(|&i| split.y[i]).collect())
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

/// Evaluates `model` (inference mode) on `split`; `class_protos` is `P[σ]` (`K × d`) or `None` for `psc`.
pub fn evaluate(
    model: &Model,
    split: &Split,
    s: Shape,
    k: usize,
    class_protos: Option<&[f32]>,
    device: &Device,
) -> Result<(Eval, Vec<u32>)> {
    let dim = class_protos.map(|p| p.len() / k);
    let p = class_protos.map(|p| {
        Tensor::<2>::from_data(TensorData::new(p.to_vec(), [k, dim.unwrap_or(1)]), device)
    });
    let mut acc = Accumulator::new(k);
    let f = s.features();
    let idx: Vec<usize> = (0..split.len()).collect();
    for chunk in idx.chunks(512) {
        let x = tensor_x(
            split.x[chunk[0] * f..(chunk[chunk.len() - 1] + 1) * f].to_vec(),
            chunk.len(),
            s,
            device,
        );
        let l = read_vec(logits(model, x, p.as_ref()))?;
        acc.add(&l, &split.y[chunk[0]..chunk[0] + chunk.len()]);
    }
    let preds = acc.predictions.clone();
    Ok((acc.finish(), preds))
}

/// L2-normalised embeddings (`len × d`) of `split` under `model` (inference mode).
pub fn embeddings(model: &Model, split: &Split, s: Shape, device: &Device) -> Result<Vec<f32>> {
    let f = s.features();
    let mut out = Vec::new();
    let idx: Vec<usize> = (0..split.len()).collect();
    for chunk in idx.chunks(512) {
        let x = tensor_x(
            split.x[chunk[0] * f..(chunk[chunk.len() - 1] + 1) * f].to_vec(),
            chunk.len(),
            s,
            device,
        );
        out.extend(read_vec(l2_normalize(model.embed(x)))?);
    }
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
            let (data, aug, seed) = (Arc::clone(&train_data), setup.augment, cfg.seed);
            std::thread::spawn(move || {
                let mut rng =
                    ChaCha8Rng::seed_from_u64(seed.wrapping_mul(31).wrapping_add(epoch as u64));
                for b in 0..batches_per_epoch {
                    let idx = &order[b * bs..((b + 1) * bs).min(n)];
                    if tx.send(make_batch(&data, idx, s, aug, &mut rng)).is_err() {
                        return; // the trainer stopped early
                    }
                }
            })
        };
        {
            for (x, y) in rx.iter() {
                lr = schedule::lr_at(cfg, state.iteration, batches_per_epoch);
                let b = y.len();
                let xt = tensor_x(x, b, s, &ad);
                let yt = tensor_y(&y, &ad);
                let z = model.embed(xt);
                let loss = match &class_protos {
                    Some(p) => {
                        let zn = l2_normalize(z);
                        let target = p.clone().select(0, yt.clone());
                        let cos = (zn.clone() * target).sum_dim(1);
                        let gap = cos.neg() + 1.0;
                        let per = match cfg.loss {
                            Loss::Cos => gap,
                            Loss::Cos2 => gap.square(),
                        };
                        if cfg.method == Method::Dl2pa {
                            // Class EMA of the per-class batch mean of normalised features.
                            let zd = zn.detach();
                            let onehot: Tensor<2> = yt.clone().one_hot::<2>(k).float();
                            let sums = onehot.clone().transpose().matmul(zd);
                            let counts = onehot.sum_dim(0).reshape([k, 1]);
                            let mean = sums / counts.clone().clamp_min(1.0);
                            let present = counts.greater_elem(0.0).expand([k, d]);
                            let next = ema.clone() * mem + mean * (1.0 - mem);
                            ema = l2_normalize(ema.clone().mask_where(present, next));
                        }
                        match cfg.reduction {
                            Reduction::Mean => per.mean(),
                            Reduction::Sum => per.sum(),
                        }
                    }
                    None => {
                        let lp = log_softmax(model.logits(z).expect("psc has a classifier"), 1);
                        let picked = lp.gather(1, yt.clone().reshape([b, 1]));
                        match cfg.reduction {
                            Reduction::Mean => picked.mean().neg(),
                            Reduction::Sum => picked.sum().neg(),
                        }
                    }
                };
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
