//! `dl2pa-data`: DL2PA's datasets — one in-memory form for every source, the `--data SPEC`
//! parser, and one reader per file format. No burn: the readers are fuzzed on their own
//! (`fuzz/`), and the trainer (`dl2pa`) uses them as its `data` module.
//!
//! | spec | source |
//! |---|---|
//! | `digits` | UCI optical digits 8×8 (1 797 images), shipped in the binary |
//! | `fashion-mnist[:DIR]` | IDX files, gzipped or not (default DIR `/usr/share/datasets/fashion-mnist`) |
//! | `cifar10:DIR`, `cifar100:DIR`, `cifar100-coarse:DIR` | the binary versions |
//! | `csv:FILE` | numeric features, a label column (`--label-column`) |
//! | `folder:DIR` | one sub-folder per class of PNG/JPEG images |
//! | `fonts:DIR[,chars=…][,size=N]` | one class per character, one image per font face under DIR ([`fonts`]) |
//! | `synthetic[:k=v,…]` | generated classes around group centres ([`synthetic`]) — labelled synthetic |
//!
//! One reader per format, shared by training, `eval`, `export` and `predict`: [`gz`] (every
//! gzip member), [`csv`], [`idx`], [`image`]; folders are listed by [`entries`] (hidden entries
//! are never classes or inputs). Pixels are scaled to `[0, 1]`, digit counts by 1/16; a
//! [`Dataset`] is standardised with statistics of its training split only, which the run keeps
//! in its [`InputSchema`]. Sets without a test split get a stratified, seeded one
//! (`--test-fraction`, `--split-seed`).

#![deny(missing_docs)]

pub mod augment;
pub mod cifar;
pub mod csv;
mod digest;
mod digits;
pub mod entries;
pub mod error;
mod folder;
pub mod fonts;
pub mod gz;
pub mod idx;
pub mod image;
pub mod longtail;
pub mod npy;
mod schema;
pub mod split;
pub mod standardise;
pub mod synthetic;

pub use digest::DataDigest;

pub use error::{Error, Result};
pub use schema::{InputSchema, Inputs, MAX_FEATURES};

use std::path::{Path, PathBuf};

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

/// Multiplies raw numbers by `scale` (`1 / 16` for digit counts), in f64 and rounded once.
pub fn scale_raw(x: &mut [f32], scale: f64) {
    if scale != 1.0 {
        x.iter_mut()
            .for_each(|v| *v = (f64::from(*v) * scale) as f32);
    }
}

/// A loaded dataset: its input schema and both splits.
#[derive(Clone, Debug)]
pub struct Dataset {
    /// Short name (`digits`, `fashion-mnist`, `csv:FILE`, …).
    pub name: String,
    /// Classes, shape, standardisation (empty until [`Dataset::standardise`]), raw scale and,
    /// for tables, the row layout.
    pub schema: InputSchema,
    /// Training examples.
    pub train: Split,
    /// Test examples.
    pub test: Split,
    /// For `fonts:` data, the faces used and those left out.
    pub fonts: Option<fonts::Report>,
}

impl Dataset {
    /// A dataset whose values are not standardised yet.
    pub fn new(
        name: &str,
        classes: Vec<String>,
        shape: Shape,
        raw_scale: f64,
        train: Split,
        test: Split,
    ) -> Self {
        Dataset {
            name: name.to_string(),
            schema: InputSchema {
                classes,
                shape,
                standardisation: Vec::new(),
                raw_scale,
                table: None,
            },
            train,
            test,
            fonts: None,
        }
    }

    /// Classes `K`.
    pub fn classes(&self) -> usize {
        self.schema.classes.len()
    }

    /// Shape of one example.
    pub fn shape(&self) -> Shape {
        self.schema.shape
    }

    /// Standardises both splits with `stats` (one `(mean, std)` per channel) and records them.
    pub fn standardise(&mut self, stats: Vec<(f64, f64)>) {
        let s = self.shape();
        standardise::apply(&mut self.train.x, s, &stats);
        standardise::apply(&mut self.test.x, s, &stats);
        self.schema.standardisation = stats;
    }

    /// Checks that this data can be fed to a run that reads `schema`: same shape and classes.
    ///
    /// # Errors
    /// [`Error::Arg`] naming `--data` otherwise.
    pub fn check_fits(&self, schema: &InputSchema) -> Result<()> {
        if self.shape() == schema.shape && self.schema.classes == schema.classes {
            return Ok(());
        }
        Err(Error::arg(
            "--data",
            &self.name,
            format!(
                "data of the run's shape ({}x{}x{}) and its {} classes",
                schema.shape.channels,
                schema.shape.height,
                schema.shape.width,
                schema.classes.len()
            ),
        ))
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
    /// Glyphs of the fonts under a folder.
    Fonts(fonts::Fonts),
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
            "fonts" => DataSpec::Fonts(fonts::Fonts::parse(arg.unwrap_or(""))?),
            "synthetic" => DataSpec::Synthetic(synthetic::Synthetic::parse(arg.unwrap_or(""))?),
            _ => {
                return Err(Error::arg(
                    "--data",
                    s,
                    "digits, fashion-mnist[:DIR], cifar10:DIR, cifar100:DIR, cifar100-coarse:DIR, csv:FILE, folder:DIR, fonts:DIR[,chars=...,size=N] or synthetic[:key=value,...]",
                ));
            }
        })
    }
}

/// `spec` with every path in it made absolute against the current folder (`csv:train.csv` →
/// `csv:/home/me/a/train.csv`; for `fonts:` the folder and a `chars=@FILE`), so that a run's
/// recorded `--data` names the same files from wherever the run is used. Specs without paths,
/// and paths that are not UTF-8, are returned as given.
///
/// # Errors
/// [`Error::Io`] if the current folder cannot be read.
pub fn absolute_spec(spec: &str) -> Result<String> {
    let Some((kind, arg)) = spec.split_once(':') else {
        return Ok(spec.to_string());
    };
    let abs = |p: &str| -> Result<String> {
        let a = std::path::absolute(p).map_err(|e| Error::io(p, e))?;
        Ok(a.to_str().map_or_else(|| p.to_string(), str::to_string))
    };
    Ok(match kind {
        "fashion-mnist" | "cifar10" | "cifar100" | "cifar100-coarse" | "csv" | "folder"
            if !arg.is_empty() =>
        {
            format!("{kind}:{}", abs(arg)?)
        }
        "fonts" if !arg.is_empty() => {
            let mut parts = Vec::new();
            for (i, part) in arg.split(',').enumerate() {
                parts.push(match part.strip_prefix("chars=@") {
                    _ if i == 0 => abs(part)?,
                    Some(file) if !file.is_empty() => format!("chars=@{}", abs(file)?),
                    _ => part.to_string(),
                });
            }
            format!("fonts:{}", parts.join(","))
        }
        _ => spec.to_string(),
    })
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

/// Loads a dataset, not yet standardised (see [`Dataset::standardise`]).
///
/// # Errors
/// [`Error::Arg`] for a bad `--test-fraction` or a missing `--label-column`; whatever the
/// reader of the source reports, naming the file; [`Error::Format`] if a class has no training
/// example, a label is out of range or the test split is empty.
pub fn load(spec: &DataSpec, opts: &LoadOptions) -> Result<Dataset> {
    if !(0.0 < opts.test_fraction && opts.test_fraction < 1.0) {
        return Err(Error::arg(
            "--test-fraction",
            opts.test_fraction,
            "a fraction in (0, 1)",
        ));
    }
    let split_all = |all: &Split, shape: Shape, k: usize| {
        split::stratified(
            all,
            shape.features(),
            k,
            opts.test_fraction,
            opts.split_seed,
        )
    };
    let ds = match spec {
        DataSpec::Digits => {
            let (mut all, classes, shape) = digits::load()?;
            scale_raw(&mut all.x, digits::SCALE);
            let (train, test) = split_all(&all, shape, classes.len());
            Dataset::new("digits", classes, shape, digits::SCALE, train, test)
        }
        DataSpec::FashionMnist(dir) => idx::load_fashion_mnist(dir)?,
        DataSpec::Cifar10(dir) => cifar::load(dir, cifar::Variant::Ten)?,
        DataSpec::Cifar100(dir, false) => cifar::load(dir, cifar::Variant::Hundred)?,
        DataSpec::Cifar100(dir, true) => cifar::load(dir, cifar::Variant::HundredCoarse)?,
        DataSpec::Csv(file) => {
            let table = read_csv(file, opts.label_column.as_deref())?;
            let shape = Shape {
                channels: table.layout.features(),
                height: 1,
                width: 1,
            };
            let (train, test) = split_all(&table.split, shape, table.classes.len());
            let name = format!("csv:{}", file.display());
            let mut ds = Dataset::new(&name, table.classes, shape, 1.0, train, test);
            ds.schema.table = Some(table.layout);
            ds
        }
        DataSpec::Synthetic(g) => g.generate(opts.split_seed),
        DataSpec::Fonts(f) => {
            let (mut ds, report) = fonts::load(f, opts.test_fraction, opts.split_seed)?;
            ds.fonts = Some(report);
            ds
        }
        DataSpec::Folder(dir) => {
            let (all, classes, shape) = folder::load(dir)?;
            let (train, test) = split_all(&all, shape, classes.len());
            let name = format!("folder:{}", dir.display());
            Dataset::new(&name, classes, shape, image::PIXEL_SCALE, train, test)
        }
    };
    check(&ds, &spec_path(spec))?;
    Ok(ds)
}

/// `csv:FILE` with its label column (`--label-column`, required).
fn read_csv(file: &Path, label_column: Option<&str>) -> Result<csv::Table> {
    let col = label_column.ok_or_else(|| {
        Error::arg(
            "--label-column",
            "(missing)",
            "the name or 0-based index of the label column for csv:FILE",
        )
    })?;
    csv::read_labelled(file, &gz::read(file)?, col)
}

fn spec_path(spec: &DataSpec) -> PathBuf {
    match spec {
        DataSpec::Digits => PathBuf::from("digits"),
        DataSpec::Synthetic(_) => PathBuf::from("synthetic"),
        DataSpec::Fonts(f) => f.dir.clone(),
        DataSpec::FashionMnist(p)
        | DataSpec::Cifar10(p)
        | DataSpec::Cifar100(p, _)
        | DataSpec::Csv(p)
        | DataSpec::Folder(p) => p.clone(),
    }
}

/// Every class needs a training example; labels must be in range.
fn check(ds: &Dataset, path: &Path) -> Result<()> {
    let k = ds.classes();
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
        if split.x.len() != split.len() * ds.shape().features() {
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
            format!(
                "class {c} ({}) has no training example",
                ds.schema.classes[c]
            ),
        ));
    }
    if ds.test.is_empty() {
        return Err(Error::format(path, "empty test split"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relative_paths_of_a_spec_become_absolute_and_the_rest_stays() {
        let here = std::env::current_dir().unwrap();
        let at = |p: &str| here.join(p).display().to_string();
        assert_eq!(
            absolute_spec("csv:a/train.csv").unwrap(),
            format!("csv:{}", at("a/train.csv"))
        );
        assert_eq!(
            absolute_spec("fonts:f,chars=@set.txt,size=16").unwrap(),
            format!("fonts:{},chars=@{},size=16", at("f"), at("set.txt"))
        );
        for unchanged in [
            "digits",
            "fashion-mnist",
            "csv:/abs/t.csv",
            "fonts:/usr/share/fonts,chars=cjk",
            "synthetic:classes=3",
        ] {
            assert_eq!(absolute_spec(unchanged).unwrap(), unchanged);
        }
    }
}
