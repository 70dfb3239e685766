//! Datasets: one in-memory form for every source, and the `--data SPEC` parser.
//!
//! | spec | source |
//! |---|---|
//! | `digits` | UCI optical digits 8×8 (1 797 images), shipped in the binary |
//! | `fashion-mnist[:DIR]` | IDX files, gzipped or not (default DIR `/usr/share/datasets/fashion-mnist`) |
//! | `cifar10:DIR`, `cifar100:DIR`, `cifar100-coarse:DIR` | the binary versions |
//! | `csv:FILE` | numeric features, a label column (`--label-column`) |
//! | `folder:DIR` | one sub-folder per class of PNG/JPEG images |
//! | `synthetic[:k=v,…]` | generated classes around group centres ([`synthetic`]) — labelled synthetic |
//!
//! Inputs are scaled to `[0, 1]` (images) and standardised with statistics of the training split
//! only. Sets without a test split get a stratified, seeded one (`--test-fraction`, `--split-seed`).

pub mod augment;
mod cifar;
mod csv;
mod digits;
mod folder;
mod idx;
pub mod longtail;
pub mod synthetic;

pub use idx::{parse as parse_idx, read_maybe_gz};

use std::path::{Path, PathBuf};

use rand::SeedableRng;
use rand::seq::SliceRandom;
use rand_chacha::ChaCha8Rng;

use crate::error::{Error, Result};

/// Default location of Fashion-MNIST (`apt-get install dataset-fashion-mnist`).
pub const FASHION_MNIST_DIR: &str = "/usr/share/datasets/fashion-mnist";

/// Examples and their labels; `x` is row-major `len × features`.
#[derive(Clone, Debug, Default)]
pub struct Split {
    /// Inputs, `len × features`.
    pub x: Vec<f32>,
    /// Class index of each example.
    pub y: Vec<u32>,
}

impl Split {
    /// Number of examples.
    pub fn len(&self) -> usize {
        self.y.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.y.is_empty()
    }

    /// Examples per class.
    pub fn counts(&self, classes: usize) -> Vec<usize> {
        let mut c = vec![0; classes];
        for &y in &self.y {
            c[y as usize] += 1;
        }
        c
    }

    /// The examples at `idx`, in that order.
    pub fn subset(&self, idx: &[usize], features: usize) -> Split {
        let mut x = Vec::with_capacity(idx.len() * features);
        for &i in idx {
            x.extend_from_slice(&self.x[i * features..(i + 1) * features]);
        }
        Split {
            x,
            y: idx.iter().map(|&i| self.y[i]).collect(),
        }
    }
}

/// Shape of one example: `channels × height × width` (tabular data: `features × 1 × 1`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Shape {
    /// Channels (or features).
    pub channels: usize,
    /// Height in pixels (1 for tabular data).
    pub height: usize,
    /// Width in pixels (1 for tabular data).
    pub width: usize,
}

impl Shape {
    /// Values per example.
    pub fn features(&self) -> usize {
        self.channels * self.height * self.width
    }

    /// Whether examples are images (augmentation and convolutions apply).
    pub fn is_image(&self) -> bool {
        self.height > 1 && self.width > 1
    }
}

/// A loaded dataset.
#[derive(Clone, Debug)]
pub struct Dataset {
    /// Short name (`digits`, `fashion-mnist`, …).
    pub name: String,
    /// Class names, one per class index.
    pub classes: Vec<String>,
    /// Shape of one example.
    pub shape: Shape,
    /// Training examples.
    pub train: Split,
    /// Test examples.
    pub test: Split,
    /// Per-channel `(mean, std)` of the raw training inputs, used to standardise both splits
    /// (and new inputs at prediction time).
    pub standardisation: Vec<(f64, f64)>,
    /// Factor from raw values (pixel bytes 1/255, digit counts 1/16, CSV numbers 1) to the
    /// values standardised.
    pub raw_scale: f64,
}

impl Dataset {
    /// The raw (unstandardised) inputs of every `stride`-th example of `split`: what a device
    /// feeds a model whose backbone has the standardisation folded in.
    pub fn raw(&self, split: &Split, stride: usize) -> Vec<f32> {
        let per = self.shape.height * self.shape.width;
        split
            .x
            .chunks_exact(self.shape.features())
            .step_by(stride.max(1))
            .flat_map(|ex| {
                ex.iter().enumerate().map(move |(i, &v)| {
                    let (mean, std) = self.standardisation[i / per];
                    (f64::from(v) * std + mean) as f32
                })
            })
            .collect()
    }
}

/// Where the data comes from.
#[derive(Clone, Debug, PartialEq)]
pub enum DataSpec {
    /// The embedded digits.
    Digits,
    /// Fashion-MNIST from a directory.
    FashionMnist(PathBuf),
    /// CIFAR-10 binary version.
    Cifar10(PathBuf),
    /// CIFAR-100 binary version; `true` for the 20 coarse labels.
    Cifar100(PathBuf, bool),
    /// A CSV file.
    Csv(PathBuf),
    /// A folder of class folders.
    Folder(PathBuf),
    /// Generated data, clearly synthetic (see [`synthetic`]).
    Synthetic(synthetic::Synthetic),
}

impl std::str::FromStr for DataSpec {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        let (kind, arg) = match s.split_once(':') {
            Some((k, a)) => (k, Some(a)),
            None => (s, None),
        };
        let need = |a: Option<&str>| -> Result<PathBuf> {
            a.filter(|a| !a.is_empty())
                .map(PathBuf::from)
                .ok_or_else(|| Error::arg("--data", s, format!("{kind}:PATH")))
        };
        Ok(match kind {
            "digits" => DataSpec::Digits,
            "fashion-mnist" => DataSpec::FashionMnist(
                arg.map_or_else(|| PathBuf::from(FASHION_MNIST_DIR), PathBuf::from),
            ),
            "cifar10" => DataSpec::Cifar10(need(arg)?),
            "cifar100" => DataSpec::Cifar100(need(arg)?, false),
            "cifar100-coarse" => DataSpec::Cifar100(need(arg)?, true),
            "csv" => DataSpec::Csv(need(arg)?),
            "folder" => DataSpec::Folder(need(arg)?),
            "synthetic" => DataSpec::Synthetic(synthetic::Synthetic::parse(arg.unwrap_or(""))?),
            _ => {
                return Err(Error::arg(
                    "--data",
                    s,
                    "digits, fashion-mnist[:DIR], cifar10:DIR, cifar100:DIR, cifar100-coarse:DIR, csv:FILE, folder:DIR or synthetic[:key=value,...]",
                ));
            }
        })
    }
}

/// How to load a spec.
#[derive(Clone, Debug)]
pub struct LoadOptions {
    /// Label column of a CSV file (name or 0-based index).
    pub label_column: Option<String>,
    /// Fraction held out for testing where the source has no test split.
    pub test_fraction: f64,
    /// Seed of that split.
    pub split_seed: u64,
}

impl Default for LoadOptions {
    fn default() -> Self {
        LoadOptions {
            label_column: None,
            test_fraction: 0.2,
            split_seed: 0,
        }
    }
}

/// Loads and standardises a dataset.
pub fn load(spec: &DataSpec, opts: &LoadOptions) -> Result<Dataset> {
    if !(0.0 < opts.test_fraction && opts.test_fraction < 1.0) {
        return Err(Error::arg(
            "--test-fraction",
            opts.test_fraction,
            "a fraction in (0, 1)",
        ));
    }
    let mut ds = match spec {
        DataSpec::Digits => {
            let (all, classes, shape) = digits::load()?;
            let (train, test) = stratified_split(&all, shape.features(), classes.len(), opts)?;
            Dataset {
                name: "digits".into(),
                classes,
                shape,
                train,
                test,
                standardisation: Vec::new(),
                raw_scale: 1.0 / 16.0,
            }
        }
        DataSpec::FashionMnist(dir) => idx::load_fashion_mnist(dir)?,
        DataSpec::Cifar10(dir) => cifar::load(dir, cifar::Variant::Ten)?,
        DataSpec::Cifar100(dir, coarse) => cifar::load(
            dir,
            if *coarse {
                cifar::Variant::HundredCoarse
            } else {
                cifar::Variant::Hundred
            },
        )?,
        DataSpec::Csv(file) => {
            let col = opts.label_column.as_deref().ok_or_else(|| {
                Error::arg(
                    "--label-column",
                    "(missing)",
                    "the name or 0-based index of the label column for csv:FILE",
                )
            })?;
            let (all, classes, shape) = csv::load(file, col)?;
            let (train, test) = stratified_split(&all, shape.features(), classes.len(), opts)?;
            Dataset {
                name: format!("csv:{}", file.display()),
                classes,
                shape,
                train,
                test,
                standardisation: Vec::new(),
                raw_scale: 1.0,
            }
        }
        DataSpec::Synthetic(g) => g.generate(opts.split_seed),
        DataSpec::Folder(dir) => {
            let (all, classes, shape) = folder::load(dir)?;
            let (train, test) = stratified_split(&all, shape.features(), classes.len(), opts)?;
            Dataset {
                name: format!("folder:{}", dir.display()),
                classes,
                shape,
                train,
                test,
                standardisation: Vec::new(),
                raw_scale: 1.0 / 255.0,
            }
        }
    };
    let where_ = spec_path(spec);
    check(&ds, &where_)?;
    ds.standardisation = standardise(&mut ds);
    Ok(ds)
}

fn spec_path(spec: &DataSpec) -> PathBuf {
    match spec {
        DataSpec::Digits => PathBuf::from("digits"),
        DataSpec::Synthetic(_) => PathBuf::from("synthetic"),
        DataSpec::FashionMnist(p)
        | DataSpec::Cifar10(p)
        | DataSpec::Cifar100(p, _)
        | DataSpec::Csv(p)
        | DataSpec::Folder(p) => p.clone(),
    }
}

/// Every class needs a training example; labels must be in range.
fn check(ds: &Dataset, path: &Path) -> Result<()> {
    let k = ds.classes.len();
    if k < 2 {
        return Err(Error::format(
            path,
            format!("{k} class(es): expected at least 2"),
        ));
    }
    for (name, split) in [("train", &ds.train), ("test", &ds.test)] {
        if let Some(bad) = split.y.iter().find(|&&y| y as usize >= k) {
            return Err(Error::format(
                path,
                format!("{name} label {bad} out of range: expected 0..{k}"),
            ));
        }
        if split.x.len() != split.len() * ds.shape.features() {
            return Err(Error::format(
                path,
                format!(
                    "{name} split has {} values for {} examples",
                    split.x.len(),
                    split.len()
                ),
            ));
        }
    }
    let counts = ds.train.counts(k);
    if let Some(c) = counts.iter().position(|&n| n == 0) {
        return Err(Error::format(
            path,
            format!("class {c} ({}) has no training example", ds.classes[c]),
        ));
    }
    if ds.test.is_empty() {
        return Err(Error::format(path, "empty test split"));
    }
    Ok(())
}

/// Per-channel (images) or per-feature (tables) standardisation with training statistics.
fn standardise(ds: &mut Dataset) -> Vec<(f64, f64)> {
    let s = ds.shape;
    let per = s.height * s.width; // values per channel
    let mut stats = Vec::with_capacity(s.channels);
    for c in 0..s.channels {
        let (mut sum, mut sq, mut n) = (0.0f64, 0.0f64, 0usize);
        for ex in ds.train.x.chunks_exact(s.features()) {
            for &v in &ex[c * per..(c + 1) * per] {
                sum += f64::from(v);
                sq += f64::from(v) * f64::from(v);
                n += 1;
            }
        }
        let mean = sum / n as f64;
        let std = (sq / n as f64 - mean * mean).max(0.0).sqrt();
        let std = if std > 1e-8 { std } else { 1.0 }; // a constant feature stays 0 after centring
        for split in [&mut ds.train, &mut ds.test] {
            apply_standardisation(&mut split.x, s, c, (mean, std));
        }
        stats.push((mean, std));
    }
    stats
}

/// Standardises channel `c` of every example in `x` with `(mean, std)`.
pub fn apply_standardisation(x: &mut [f32], s: Shape, c: usize, (mean, std): (f64, f64)) {
    let per = s.height * s.width;
    for ex in x.chunks_exact_mut(s.features()) {
        for v in &mut ex[c * per..(c + 1) * per] {
            *v = ((f64::from(*v) - mean) / std) as f32;
        }
    }
}

/// Splits `all` into train and test, `test_fraction` of every class (at least one example of each
/// class stays in train), seeded.
pub fn stratified_split(
    all: &Split,
    features: usize,
    classes: usize,
    opts: &LoadOptions,
) -> Result<(Split, Split)> {
    let mut rng = ChaCha8Rng::seed_from_u64(opts.split_seed);
    let mut by_class: Vec<Vec<usize>> = vec![Vec::new(); classes];
    for (i, &y) in all.y.iter().enumerate() {
        by_class[y as usize].push(i);
    }
    let (mut tr, mut te) = (Vec::new(), Vec::new());
    for idx in &mut by_class {
        idx.shuffle(&mut rng);
        let n_test = ((idx.len() as f64 * opts.test_fraction).round() as usize)
            .min(idx.len().saturating_sub(1));
        te.extend_from_slice(&idx[..n_test]);
        tr.extend_from_slice(&idx[n_test..]);
    }
    tr.sort_unstable();
    te.sort_unstable();
    Ok((all.subset(&tr, features), all.subset(&te, features)))
}
