//! Everything a run derives from its config before the first step: the data (standardised),
//! the prototypes, the network to build, the augmentation, and the raw training inputs the int8
//! backbone is later calibrated on.

use std::path::Path;

use burn::prelude::Device;
use rand::SeedableRng;
use rand::seq::SliceRandom;
use rand_chacha::ChaCha8Rng;

use crate::config::{Method, Toggle, TrainConfig};
use crate::data::augment::Augment;
use crate::data::{self, DataDigest, DataSpec, Dataset, standardise};
use crate::error::{Error, Result};
use crate::model::{BackboneKind, NetworkSpec};
use crate::prototypes;
use crate::run::{DatasetCounts, DatasetInfo, RunDir};

/// Training inputs the int8 backbone's activation ranges are measured on: evenly spaced over
/// the training split.
pub const CALIBRATION_EXAMPLES: usize = 2_000;

/// What a run trains with.
pub struct Setup {
    /// The data, standardised with its training statistics.
    pub data: Dataset,
    /// Prototypes `M × d` (none for `psc`).
    pub prototypes: Option<Vec<f32>>,
    /// Network to build.
    pub network: NetworkSpec,
    /// Augmentation of training images.
    pub augment: Augment,
    /// Training examples per class (after `--train-limit` and `--imbalance`).
    pub train_counts: Vec<usize>,
    /// The data as loaded, before any limit or standardisation (`dataset.json` records it).
    pub digest: DataDigest,
    /// Raw (unstandardised) training inputs for the int8 backbone's calibration: every
    /// `⌈n / 2000⌉`-th training example of MLP and CNN runs with prototypes, else empty.
    pub calibration: Vec<f32>,
}

impl Setup {
    /// Loads the data and the prototypes and checks that they fit `cfg`. For a resumed `run`,
    /// the prototypes are the run's `prototypes.npy` and the data must be the run's (its digest);
    /// `progress(step, steps)` follows a prototype estimation.
    ///
    /// # Errors
    /// [`Error::Arg`](crate::data::Error::Arg) for settings the data cannot meet; whatever reading
    /// the data or the
    /// prototypes reports.
    pub fn new(
        cfg: &TrainConfig,
        device: &Device,
        run: Option<&RunDir>,
        progress: &mut dyn FnMut(usize, usize),
    ) -> Result<Self> {
        cfg.validate()?;
        let spec: DataSpec = cfg.data.parse()?;
        let mut data = data::load(&spec, &cfg.load_options())?;
        let digest = data.digest();
        if let Some(run) = run.filter(|r| r.file("dataset.json").exists()) {
            run.info()?.check_data(run.path(), &cfg.data, digest)?;
        }
        let stats = standardise::statistics(&data.train, data.shape());
        limit(&mut data, cfg)?;
        let k = data.classes();
        if k > dl2pa_core::MAX_CLASSES {
            return Err(Error::arg(
                "classes",
                k,
                format!("at most {}", dl2pa_core::MAX_CLASSES),
            ));
        }
        let exportable = matches!(cfg.backbone, BackboneKind::Mlp | BackboneKind::Cnn);
        let calibration = if exportable && cfg.method.classifies_by_vectors() {
            let f = data.shape().features();
            let stride = data.train.len().div_ceil(CALIBRATION_EXAMPLES);
            data.train
                .x
                .chunks_exact(f)
                .step_by(stride)
                .flatten()
                .copied()
                .collect()
        } else {
            Vec::new()
        };
        data.standardise(stats);
        let prototypes = prototypes_for(cfg, k, device, run, progress)?;
        Ok(Setup {
            train_counts: data.train.counts(k),
            augment: augment(cfg.crop, cfg.flip, &data),
            network: cfg.network(k),
            prototypes,
            calibration,
            digest,
            data,
        })
    }

    /// Classes `K`.
    pub fn classes(&self) -> usize {
        self.data.classes()
    }

    /// Prototypes `M` (0 for `psc`).
    pub fn num_prototypes(&self) -> usize {
        self.prototypes
            .as_ref()
            .map_or(0, |p| p.len() / self.network.dim)
    }

    /// `dataset.json` of the run.
    pub fn info(&self) -> DatasetInfo {
        DatasetInfo {
            fonts: self.data.fonts.clone(),
            data_digest: Some(self.digest),
            ..DatasetInfo::new(
                &self.data.name,
                self.train_counts.iter().sum(),
                self.data.test.len(),
                self.data.schema.clone(),
            )
        }
    }

    /// The data part of `metrics.json`.
    pub fn counts(&self) -> DatasetCounts {
        DatasetCounts {
            name: self.data.name.clone(),
            classes: self.data.schema.classes.clone(),
            train_examples: self.train_counts.iter().sum(),
            test_examples: self.data.test.len(),
        }
    }
}

/// Applies `--train-limit` and `--imbalance` to the training split.
fn limit(data: &mut Dataset, cfg: &TrainConfig) -> Result<()> {
    let (k, f) = (data.classes(), data.shape().features());
    if cfg.train_limit > 0 && cfg.train_limit < data.train.len() {
        let keep: Vec<usize> = (0..cfg.train_limit).collect();
        data.train = data.train.subset(&keep, f);
        if let Some(c) = data.train.counts(k).iter().position(|&n| n == 0) {
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
    if cfg.imbalance < 1.0 {
        let order = data::longtail::class_order(&cfg.class_order, k, cfg.seed)?;
        let keep = data::longtail::profile(&data.train.counts(k), cfg.imbalance, &order)?;
        data.train = data::longtail::subsample(&data.train, f, &keep, cfg.split_seed);
    }
    Ok(())
}

/// Random crop (4 pixels of padding) and flip: on for colour images by default.
fn augment(crop: Toggle, flip: Toggle, data: &Dataset) -> Augment {
    let s = data.shape();
    let colour = s.is_image() && s.channels >= 3;
    let on = |t: Toggle| match t {
        Toggle::Auto => colour,
        Toggle::On => s.is_image(),
        Toggle::Off => false,
    };
    Augment {
        pad: if on(crop) { 4 } else { 0 },
        flip: on(flip),
    }
}

/// The prototypes of a run: the run's own when resuming, else from `--prototypes FILE` or
/// estimated (they depend on `(K, d)` and the seed only, so the estimate is cached:
/// [`prototypes::cache`]); the simplex for `etf`; none for `psc`.
fn prototypes_for(
    cfg: &TrainConfig,
    k: usize,
    device: &Device,
    run: Option<&RunDir>,
    progress: &mut dyn FnMut(usize, usize),
) -> Result<Option<Vec<f32>>> {
    let d = cfg.dim;
    let saved = match run {
        Some(run) if cfg.method == Method::Dl2pa || cfg.method == Method::Fixed => {
            run.prototypes(d)?.map(|(p, _)| p)
        }
        _ => None,
    };
    if saved.is_some() {
        return Ok(saved);
    }
    Ok(match cfg.method {
        Method::Psc | Method::CosineSoftmax => None,
        Method::Etf => Some(etf(k, d)?),
        Method::Dl2pa | Method::Fixed if cfg.prototypes.is_empty() => {
            Some(estimated(cfg, k, device, progress)?)
        }
        Method::Dl2pa | Method::Fixed => Some(from_file(Path::new(&cfg.prototypes), k, d)?),
    })
}

/// The simplex ETF's K vertices in `d` dimensions.
///
/// # Errors
/// [`Error::Arg`](crate::data::Error::Arg) when `d < K − 1`.
fn etf(k: usize, d: usize) -> Result<Vec<f32>> {
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
    Ok(prototypes::simplex_etf(k, d))
}

/// K estimated prototypes in `cfg.dim` dimensions, from the cache when they were estimated
/// before.
fn estimated(
    cfg: &TrainConfig,
    k: usize,
    device: &Device,
    progress: &mut dyn FnMut(usize, usize),
) -> Result<Vec<f32>> {
    let request = prototypes::EstimateConfig {
        classes: k,
        dim: cfg.dim,
        method: cfg.proto_method,
        steps: None,
        batch: None,
        seed: cfg.seed,
    };
    // Estimated in f32 whatever --precision says (on the CPU when the GPU computes in
    // f16/bf16): the estimator's exp(cos / τ) overflows f16.
    let f32_device = match device.settings().float_dtype {
        burn::tensor::FloatDType::F32 => device.clone(),
        _ => Device::flex(),
    };
    prototypes::cache::estimate_cached(&request, &f32_device, progress)
}

/// `--prototypes FILE`: M ≥ K prototypes of dimension `d`.
///
/// # Errors
/// [`Error::Format`](crate::data::Error::Format) naming `file` when its shape does not fit;
/// whatever reading it reports.
fn from_file(file: &Path, k: usize, d: usize) -> Result<Vec<f32>> {
    let (p, m, pd) = prototypes::load(file, None)?;
    if pd != d || m < k {
        return Err(Error::format(
            file,
            format!(
                "prototypes have shape ({m}, {pd}): expected ({k}, {d}) or (M >= {k}, {d}) for {k} classes and --dim {d}"
            ),
        ));
    }
    Ok(p)
}

/// The initial σ: a seeded random choice of K of the M prototypes (shared by `dl2pa` and
/// `fixed` at the same seed, so the two are paired); the identity for `etf`.
pub fn initial_sigma(cfg: &TrainConfig, k: usize, m: usize) -> Vec<u32> {
    if cfg.method == Method::Etf {
        return (0..k as u32).collect();
    }
    let mut p: Vec<u32> = (0..m as u32).collect();
    p.shuffle(&mut ChaCha8Rng::seed_from_u64(cfg.seed.wrapping_add(1000)));
    p.truncate(k);
    p
}
