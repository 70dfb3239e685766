//! Training settings: one list of fields gives both the config file keys and the CLI flags, so
//! they share names (`--batch-size` ⇔ `batch-size = …`). Precedence: flags > `--config FILE` >
//! defaults. Defaults are the settings that measured best (docs/training.md, "Training").

use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::device::Precision;
use crate::error::{Error, Result};
use crate::model::{BackboneKind, NetworkSpec};
use crate::prototypes::Estimator;

/// Which classifier to train.
#[derive(
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    Deserialize,
    clap::ValueEnum,
)]
#[serde(rename_all = "lowercase")]
pub enum Method {
    /// DL2PA: fixed prototypes, label-to-prototype assignment re-solved during training.
    Dl2pa,
    /// The same prototypes under a seeded random assignment that never changes.
    Fixed,
    /// Learnable linear layer + softmax cross-entropy.
    Psc,
    /// Simplex-ETF prototypes, fixed assignment (needs d >= K - 1).
    Etf,
    /// Learnable unit class vectors, softmax cross-entropy over `s·cos` (NormFace): the
    /// paper's PSC row with a scale that can converge.
    #[serde(rename = "cosine-softmax")]
    CosineSoftmax,
}

impl Method {
    /// The name on the command line and in run and experiment directories.
    pub fn name(self) -> &'static str {
        match self {
            Method::Dl2pa => "dl2pa",
            Method::Fixed => "fixed",
            Method::Psc => "psc",
            Method::Etf => "etf",
            Method::CosineSoftmax => "cosine-softmax",
        }
    }

    /// Whether the method trains towards fixed prototypes under an assignment σ (`dl2pa`,
    /// `fixed`, `etf`): the run stores the prototypes and σ.
    pub fn uses_prototypes(self) -> bool {
        matches!(self, Method::Dl2pa | Method::Fixed | Method::Etf)
    }

    /// Whether the method classifies by the nearest unit class vector — prototypes, or the
    /// learned vectors of `cosine-softmax` — and so exports to dl2pa-core (all but `psc`).
    pub fn classifies_by_vectors(self) -> bool {
        self != Method::Psc
    }
}

/// The loss of the prototype methods (`dl2pa`, `fixed`, `etf`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum Loss {
    /// Pull `1 − cos` towards the assigned prototype (paper eq. 6).
    Cos,
    /// Pull `(1 − cos)²` (the authors' code).
    Cos2,
    /// Cross-entropy over `s·cos` to every prototype, the assigned one the target (with
    /// `--scale`, `--margin`, `--label-smoothing`).
    Ce,
}

/// How per-sample losses combine.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum Reduction {
    /// Mean over the batch.
    Mean,
    /// Sum over the batch (the authors' code).
    Sum,
}

/// Learning-rate schedule after warm-up.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum Schedule {
    /// Cosine decay to 0 over the run, per iteration.
    Cosine,
    /// ×`gamma` at each epoch in `milestones`.
    Step,
    /// Constant.
    Constant,
}

/// Where dl2pa's assignment starts.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum AssignInit {
    /// A seeded random choice of K prototypes (the one `fixed` keeps at the same seed).
    Random,
    /// Solved on the class means of the untrained network's embeddings of the training set.
    Means,
}

/// On, off, or chosen from the data.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum Toggle {
    /// Colour images (CIFAR-like) on, grayscale (digit-like) and tabular data off.
    Auto,
    /// Always.
    On,
    /// Never.
    Off,
}

macro_rules! train_config {
    ($( $(#[doc = $doc:expr])* [$($arg:tt)*] $field:ident : $ty:ty = $default:expr; )*) => {
        /// Every setting of a training run (also the keys of `config.toml`).
        #[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
        #[serde(default, rename_all = "kebab-case", deny_unknown_fields)]
        pub struct TrainConfig {
            $( $(#[doc = $doc])* pub $field: $ty, )*
        }

        impl Default for TrainConfig {
            fn default() -> Self {
                TrainConfig { $( $field: $default, )* }
            }
        }

        /// The same settings as command-line flags; unset flags keep the config file's value.
        #[derive(Clone, Debug, Default, clap::Args)]
        pub struct TrainFlags {
            $( $(#[doc = $doc])* #[arg(long, $($arg)*)] pub $field: Option<$ty>, )*
        }

        impl TrainFlags {
            /// Overrides `c` with the flags given.
            pub fn apply(self, c: &mut TrainConfig) {
                $( if let Some(v) = self.$field { c.$field = v; } )*
            }
        }
    };
}

train_config! {
    /// Dataset: digits, fashion-mnist (or fashion-mnist:DIR), cifar10:DIR, cifar100:DIR,
    /// cifar100-coarse:DIR, csv:FILE, folder:DIR, fonts:DIR (one class per character, one
    /// image per font face, split by family; options ,chars=alnum|lgc|cjk|@FILE and ,size=N),
    /// synthetic (or synthetic:key=value,...) [default: digits]
    [value_name = "SPEC"] data: String = "digits".into();
    /// Label column of csv:FILE (name or 0-based index)
    [value_name = "COL"] label_column: String = String::new();
    /// Fraction held out for testing where the data has no test split [default: 0.2]
    [] test_fraction: f64 = 0.2;
    /// Seed of that split, independent of --seed so seeds share a test set [default: 0]
    [] split_seed: u64 = 0;
    /// Train on the first N training examples only (0: all) [default: 0]
    [value_name = "N"] train_limit: usize = 0;
    /// Backbone [default: mlp]
    [value_enum] backbone: BackboneKind = BackboneKind::Mlp;
    /// Hidden widths of the MLP [default: 256,256]
    [value_delimiter = ','] widths: Vec<usize> = vec![256, 256];
    /// Embedding dimension d [default: 3]
    [short = 'd'] dim: usize = 3;
    /// Classifier [default: dl2pa]
    [value_enum] method: Method = Method::Dl2pa;
    /// Prototypes from a .npy file (K x d, or M x d with M >= K) instead of estimating them
    [value_name = "FILE"] prototypes: String = String::new();
    /// How to estimate prototypes when no file is given [default: best]
    [value_enum] proto_method: Estimator = Estimator::Best;
    /// Loss of the prototype methods: the pull 1 - cos (cos), its square (cos2), or
    /// cross-entropy over s*cos to every prototype (ce) [default: cos]
    [value_enum] loss: Loss = Loss::Cos;
    /// Scale s of the cosine logits of --loss ce and cosine-softmax (0: auto, sqrt(2) ln(K - 1),
    /// at least 2) [default: 0]
    [value_name = "S"] scale: f64 = 0.0;
    /// Additive cosine margin m of --loss ce and cosine-softmax: the target's logit is
    /// s*(cos - m) (CosFace) [default: 0]
    [value_name = "M"] margin: f64 = 0.0;
    /// Label smoothing of --loss ce and cosine-softmax: weight spread evenly over all logits [default: 0]
    [value_name = "EPS"] label_smoothing: f64 = 0.0;
    /// Loss reduction over the batch [default: mean]
    [value_enum] reduction: Reduction = Reduction::Mean;
    /// BatchNorm1d on the embedding before normalisation [default: true]
    [action = clap::ArgAction::Set, value_name = "BOOL"] head_bn: bool = true;
    /// Momentum of the class-mean EMA [default: 0.9]
    [] ema_momentum: f64 = 0.9;
    /// Re-solve the assignment every N iterations (0: at each epoch end) [default: 20]
    [value_name = "N"] assign_every: usize = 20;
    /// Double the re-solve interval after each solve that moved no label (up to 32 x
    /// --assign-every), back to --assign-every after one that moved some [default: false]
    [action = clap::ArgAction::Set, value_name = "BOOL"] assign_backoff: bool = false;
    /// dl2pa's first σ: a seeded random choice (random, as the paper), or solved on the class
    /// means of the untrained network's embeddings of the training set (means) [default: random]
    [value_enum] assign_init: AssignInit = AssignInit::Random;
    /// dl2pa and fixed: train the first E epochs as the cosine softmax (learned unit class
    /// vectors), then solve σ on those vectors and train towards the prototypes from there
    /// (fixed keeps that σ) (0: off) [default: 0]
    [value_name = "E"] vector_warmup: usize = 0;
    /// Float type on the training device: f32, or f16/bf16 for storage and arithmetic of every
    /// tensor, parameters included [default: f32]
    [value_enum] precision: Precision = Precision::F32;
    /// Epochs [default: 30]
    [] epochs: usize = 30;
    /// Batch size [default: 128]
    [] batch_size: usize = 128;
    /// Peak learning rate [default: 0.05]
    [] lr: f64 = 0.05;
    /// SGD momentum (dampening 0, as PyTorch) [default: 0.9]
    [] momentum: f64 = 0.9;
    /// Weight decay [default: 5e-4]
    [] weight_decay: f64 = 5e-4;
    /// Learning-rate schedule [default: cosine]
    [value_enum] schedule: Schedule = Schedule::Cosine;
    /// Linear warm-up epochs [default: 0]
    [] warmup_epochs: usize = 0;
    /// Epochs at which the step schedule multiplies the rate by --gamma [default: 50%,75% of epochs]
    [value_delimiter = ','] milestones: Vec<usize> = Vec::new();
    /// Factor of the step schedule [default: 0.1]
    [] gamma: f64 = 0.1;
    /// Random crop padding in pixels [default: auto = 4 for colour images, else 0]
    [value_enum] crop: Toggle = Toggle::Auto;
    /// Random horizontal flip [default: auto = on for colour images, else off]
    [value_enum] flip: Toggle = Toggle::Auto;
    /// Long-tailed training set: keep n_max * RHO^(r/(K-1)) examples of the r-th class (1: balanced) [default: 1]
    [value_name = "RHO"] imbalance: f64 = 1.0;
    /// Which classes form the tail: index, reverse, random or a permutation like 3,1,0,2 [default: index]
    [value_name = "ORDER"] class_order: String = "index".into();
    /// Re-balance the loss: per-batch weights sqrt(gamma / n_c) for prototype methods, inverse class
    /// frequency for psc [default: auto = on when --imbalance < 1]
    [value_enum] balance: Toggle = Toggle::Auto;
    /// Mixup with Beta(ALPHA, ALPHA) mixing weights (0: off); the class EMA sees the un-mixed inputs [default: 0]
    [value_name = "ALPHA"] mixup: f64 = 0.0;
    /// Classes with more training examples than this are "head" (many-shot) [default: 100]
    [value_name = "N"] many_threshold: usize = 100;
    /// Classes with fewer training examples than this are "tail" (few-shot) [default: 20]
    [value_name = "N"] few_threshold: usize = 20;
    /// Seed of every random choice: initialisation, prototypes, batches, augmentation [default: 0]
    [] seed: u64 = 0;
    /// Evaluate every N epochs (the last epoch always) [default: 1]
    [value_name = "N"] eval_every: usize = 1;
}

/// `--scale 0` (auto): AdaCos's fixed scale `√2 · ln(K − 1)` (Zhang et al., CVPR 2019), at
/// least 2 — 5.8 at K = 62, 11.6 at K = 3 755. On alnum (K = 62) scales 4 and 8 measured best
/// and 16 and 32 worse at every d (docs/objective.md, "The scale").
pub fn auto_scale(classes: usize) -> f64 {
    (std::f64::consts::SQRT_2 * (classes.saturating_sub(1).max(1) as f64).ln()).max(2.0)
}

/// The settings `train --resume` may change: how training goes on, not what the run is (its
/// data, network, prototypes, method, seed and precision). Keep in step with the `--resume`
/// help of `dl2pa train`, which lists them.
pub const RESUMABLE: [&str; 24] = [
    "epochs",
    "lr",
    "momentum",
    "weight-decay",
    "schedule",
    "warmup-epochs",
    "milestones",
    "gamma",
    "batch-size",
    "loss",
    "scale",
    "margin",
    "label-smoothing",
    "reduction",
    "ema-momentum",
    "assign-every",
    "assign-backoff",
    "crop",
    "flip",
    "balance",
    "mixup",
    "many-threshold",
    "few-threshold",
    "eval-every",
];

impl TrainConfig {
    /// Checks that `resumed`, the settings a `--resume` would continue this run with, changes
    /// only [`RESUMABLE`] settings.
    ///
    /// # Errors
    /// [`Error::Format`](crate::data::Error::Format) naming `file` (the run's `config.toml`), the
    /// first other setting that differs, the run's value and the new one.
    pub fn check_resume(&self, resumed: &TrainConfig, file: &Path) -> Result<()> {
        let table = |c: &TrainConfig| match toml::Value::try_from(c) {
            Ok(toml::Value::Table(t)) => t,
            _ => toml::Table::new(),
        };
        let (was, now) = (table(self), table(resumed));
        for (key, old) in &was {
            let new = now.get(key);
            if RESUMABLE.contains(&key.as_str()) || new == Some(old) {
                continue;
            }
            let shown =
                |v: Option<&toml::Value>| v.map_or_else(|| "(none)".into(), |v| v.to_string());
            return Err(Error::format(
                file,
                format!(
                    "--{key} cannot change when resuming: the run has {}, the command gives {}; train a new run with -o (resume may change --{})",
                    shown(Some(old)),
                    shown(new),
                    RESUMABLE.join(", --")
                ),
            ));
        }
        Ok(())
    }

    /// Reads a `config.toml` written by a run (or by hand).
    pub fn from_file(path: &Path) -> Result<Self> {
        let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
        toml::from_str(&text).map_err(|e| Error::format(path, e.message().to_string()))
    }

    /// As TOML, re-runnable with `dl2pa train --config`.
    pub fn to_toml(&self) -> String {
        toml::to_string_pretty(self).unwrap_or_default()
    }

    /// This config with the paths of `--data` made absolute
    /// ([`absolute_spec`](crate::data::absolute_spec)): what a new run records, so that it
    /// names the same files from any folder.
    ///
    /// # Errors
    /// [`Error::Io`](crate::data::Error::Io) if the current folder cannot be read.
    pub fn with_absolute_data(&self) -> Result<Self> {
        Ok(TrainConfig {
            data: crate::data::absolute_spec(&self.data)?,
            ..self.clone()
        })
    }

    /// The network this config trains for `classes` classes.
    pub fn network(&self, classes: usize) -> NetworkSpec {
        NetworkSpec {
            backbone: self.backbone,
            widths: self.widths.clone(),
            dim: self.dim,
            head_bn: self.head_bn,
            classifier: (matches!(self.method, Method::Psc | Method::CosineSoftmax)
                || self.vector_warmup > 0)
                .then_some(classes),
            cosine: self.method == Method::CosineSoftmax || self.vector_warmup > 0,
        }
    }

    /// The scale `s` of the cosine logits for `classes` classes: `--scale`, or when it is 0
    /// (auto) [`auto_scale`].
    pub fn cosine_scale(&self, classes: usize) -> f64 {
        if self.scale > 0.0 {
            self.scale
        } else {
            auto_scale(classes)
        }
    }

    /// How to load its data (`data::load`).
    pub fn load_options(&self) -> crate::data::LoadOptions {
        crate::data::LoadOptions {
            label_column: (!self.label_column.is_empty()).then(|| self.label_column.clone()),
            test_fraction: self.test_fraction,
            split_seed: self.split_seed,
        }
    }

    /// Whether the loss is re-balanced by class (`--balance`; auto: under `--imbalance`).
    pub fn balanced(&self) -> bool {
        match self.balance {
            Toggle::Auto => self.imbalance < 1.0,
            Toggle::On => true,
            Toggle::Off => false,
        }
    }

    /// Range checks that do not need the data.
    pub fn validate(&self) -> Result<()> {
        let pos = |what: &'static str, v: usize| {
            if v == 0 {
                Err(Error::arg(what, v, ">= 1"))
            } else {
                Ok(())
            }
        };
        pos("--epochs", self.epochs)?;
        pos("--batch-size", self.batch_size)?;
        if self.batch_size == 1 && self.head_bn {
            // BatchNorm1d over one example outputs its bias whatever the input: a constant
            // embedding, whose L2 normalisation has no gradient direction (NaN). No --lr helps.
            return Err(Error::arg(
                "--batch-size",
                1,
                "at least 2 with the BatchNorm head (--head-bn true): over one example it gives every input the same embedding and a NaN gradient; use --batch-size 2 or more, or --head-bn false",
            ));
        }
        pos("--eval-every", self.eval_every)?;
        if self.dim < 2 || self.dim > dl2pa_core::MAX_DIM {
            return Err(Error::arg(
                "--dim",
                self.dim,
                format!("2..={}", dl2pa_core::MAX_DIM),
            ));
        }
        if !(self.lr.is_finite() && self.lr > 0.0) {
            return Err(Error::arg("--lr", self.lr, "a positive number"));
        }
        if !(0.0..1.0).contains(&self.momentum) {
            return Err(Error::arg("--momentum", self.momentum, "[0, 1)"));
        }
        if !(0.0..1.0).contains(&self.ema_momentum) {
            return Err(Error::arg("--ema-momentum", self.ema_momentum, "[0, 1)"));
        }
        if !(self.weight_decay.is_finite() && self.weight_decay >= 0.0) {
            return Err(Error::arg("--weight-decay", self.weight_decay, ">= 0"));
        }
        if !(self.imbalance > 0.0 && self.imbalance <= 1.0) {
            return Err(Error::arg(
                "--imbalance",
                self.imbalance,
                "a ratio in (0, 1]",
            ));
        }
        if !(self.mixup.is_finite() && self.mixup >= 0.0) {
            return Err(Error::arg(
                "--mixup",
                self.mixup,
                "alpha >= 0 (0 turns mixup off)",
            ));
        }
        if !(self.scale.is_finite() && self.scale >= 0.0) {
            return Err(Error::arg("--scale", self.scale, ">= 0 (0: auto)"));
        }
        if !(0.0..1.0).contains(&self.margin) {
            return Err(Error::arg("--margin", self.margin, "[0, 1)"));
        }
        if !(0.0..1.0).contains(&self.label_smoothing) {
            return Err(Error::arg(
                "--label-smoothing",
                self.label_smoothing,
                "[0, 1)",
            ));
        }
        if self.vector_warmup > 0 && !matches!(self.method, Method::Dl2pa | Method::Fixed) {
            return Err(Error::arg(
                "--vector-warmup",
                self.vector_warmup,
                format!(
                    "0 with --method {}: the warm-up starts the σ of dl2pa and fixed",
                    self.method.name()
                ),
            ));
        }
        if self.vector_warmup > 0 && self.vector_warmup >= self.epochs {
            return Err(Error::arg(
                "--vector-warmup",
                self.vector_warmup,
                format!(
                    "fewer than --epochs ({}): the prototypes must train at least one epoch",
                    self.epochs
                ),
            ));
        }
        if self.widths.contains(&0) {
            return Err(Error::arg(
                "--widths",
                format!("{:?}", self.widths),
                "positive widths",
            ));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_auto_scale_is_adacos_fixed_scale_at_least_2() {
        let s = super::auto_scale;
        assert!((s(62) - 5.813).abs() < 1e-3, "{}", s(62));
        assert!((s(3755) - 11.640).abs() < 1e-3, "{}", s(3755));
        assert_eq!((s(2), s(1), s(0)), (2.0, 2.0, 2.0));
    }
}
