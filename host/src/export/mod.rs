//! `dl2pa export`: a trained run → the core's model file, its test features, Rust source.
//!
//! Quantisation is symmetric int8 in [−127, 127] (as the TFLite spec), one step for the whole
//! prototype set and one per embedding. A positive factor common to all classes never changes
//! an argmax, so the integer scores `q_k · q_x` rank the classes as `p_k · x` does up to the
//! rounding error that `PrototypesI8Ref::error_bound` bounds: predictions can only differ where
//! the f32 top two are within twice that bound.
//!
//! The model is built from the run directory alone (the backbone's activation ranges are in
//! `calibration.json`); the test figures of the report need the run's data and are left out,
//! with the reason, when it cannot be read.

pub mod backbone;
pub mod cnn;
pub mod cnn_simulate;
pub mod mlp;
mod per_channel;
mod report;
mod rust;
mod vectors;

pub use report::{BackboneReport, BackboneTest, Report, TestReport};
pub use rust::rust_source;
pub use vectors::test_vectors;

use std::path::{Path, PathBuf};

use burn::prelude::Device;
use dl2pa_core::format::{FeaturesBuilder, Model, ModelBuilder, ModelRef};
use dl2pa_core::quant::{quantize, quantize_with, step_for};
use serde::Serialize;

use crate::data::Dataset;
use crate::error::{Error, Result};
use crate::inference::Classifier;
use crate::run::RunDir;
use backbone::{FloatBackbone, IntBackbone};

/// Storage of the exported prototypes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum QuantKind {
    /// Symmetric int8 (the microcontroller path).
    Int8,
    /// f32.
    F32,
}

/// What to export.
#[derive(Clone, Debug)]
pub struct ExportConfig {
    /// Storage of the prototypes.
    pub quant: QuantKind,
    /// Also write the test set's quantised embeddings, labels and host predictions here.
    pub features: Option<PathBuf>,
    /// Also write the int8 prototypes as Rust source here.
    pub rust: Option<PathBuf>,
    /// Include the int8 backbone (MLP and CNN runs).
    pub backbone: bool,
    /// Also write this many raw test inputs with their labels and the core's classes here
    /// (needs the backbone; layout in [`test_vectors`]).
    pub test_vectors: Option<(PathBuf, usize)>,
}

impl ExportConfig {
    /// Int8 prototypes only.
    pub fn int8() -> Self {
        ExportConfig {
            quant: QuantKind::Int8,
            features: None,
            rust: None,
            backbone: false,
            test_vectors: None,
        }
    }
}

/// The quantised prototypes of a model: class order, one step.
struct Int8Prototypes {
    q: Vec<i8>,
    step: f32,
}

/// The backbone as exported: the folded f32 network, its int8 form, and the number of training
/// inputs its ranges were measured on.
struct Backbone {
    f32_net: FloatBackbone,
    int8: IntBackbone,
    calibrated: usize,
}

/// What goes into the model file.
struct Built {
    /// `P[σ]` in f32, `K × d`.
    cp: Vec<f32>,
    protos: Int8Prototypes,
    backbone: Option<Backbone>,
    bytes: Vec<u8>,
}

/// Exports `run` to `out` (and the optional files of `cfg`); returns the measurements.
/// The files are written as one set ([`write_atomic_set`](crate::io::write_atomic_set)): nothing
/// is written when an error is returned.
///
/// # Errors
/// [`Error::Format`](crate::data::Error::Format) for a `psc` run (no prototypes) or a run that
/// cannot be loaded;
/// [`Error::Arg`](crate::data::Error::Arg) for `--backbone` on a ResNet run or with
/// `--quant f32`, `--test-vectors` without `--backbone`, or two outputs named by one path;
/// [`Error::Io`](crate::data::Error::Io); whatever loading the data reports when `--features` needs
/// it.
pub fn export(run: &Path, out: &Path, cfg: &ExportConfig, device: &Device) -> Result<Report> {
    check_outputs(out, cfg)?;
    let c = Classifier::load(run, device)?;
    let built = build(run, &c, cfg)?;
    // What ships is what the core accepts: parse it back.
    let parsed = Model::from_bytes(&built.bytes)
        .map_err(|e| Error::format(out, format!("the core rejects the written model: {e}")))?;
    let eval = evaluate(&c, &built, &parsed, cfg, device)?;
    write_outputs(out, cfg, &c, &built, &parsed, &eval)?;
    let backbone = built
        .backbone
        .as_ref()
        .map(|b| b.report(&parsed, c.classes() * c.config.dim, eval.backbone));
    Ok(Report {
        classes: c.classes(),
        dim: c.config.dim,
        flash_bytes: parsed.flash_bytes(),
        ram_bytes: parsed.ram_bytes(),
        test: eval.prototypes.map(|(t, _)| t),
        not_evaluated: eval.not_evaluated,
        backbone,
    })
}

/// The exported model measured on the run's test split.
struct Evaluation {
    /// The run's data; `None` when it cannot be read and no output needs it.
    data: Option<Dataset>,
    /// The prototypes' figures and the test set's quantised features.
    prototypes: Option<(TestReport, FeaturesBuilder)>,
    /// The backbone's figures (with `--backbone` and data).
    backbone: Option<BackboneTest>,
    /// Why there are no figures, when the data cannot be read.
    not_evaluated: Option<String>,
}

/// Measures `parsed` on the run's data. The model does not need the data, so a run whose data
/// is gone is still exported, without figures — unless an output (`--features`,
/// `--test-vectors`) is made from it.
fn evaluate(
    c: &Classifier,
    built: &Built,
    parsed: &ModelRef<'_>,
    cfg: &ExportConfig,
    device: &Device,
) -> Result<Evaluation> {
    let (data, not_evaluated) = match c.data(None) {
        Ok(d) => (Some(d), None),
        Err(e) if cfg.features.is_none() && cfg.test_vectors.is_none() => {
            (None, Some(format!("the run's data cannot be read ({e})")))
        }
        Err(e) => return Err(e),
    };
    let Some(d) = &data else {
        return Ok(Evaluation {
            data,
            prototypes: None,
            backbone: None,
            not_evaluated,
        });
    };
    let (report, features, p32) = test_prototypes(c, d, built, cfg.quant, parsed, device)?;
    let backbone = built
        .backbone
        .as_ref()
        .map(|b| test_backbone(c, d, built, b, parsed, &p32));
    Ok(Evaluation {
        data,
        prototypes: Some((report, features)),
        backbone,
        not_evaluated,
    })
}

/// Writes the model file and the optional outputs of `cfg` as one set: all or none.
fn write_outputs(
    out: &Path,
    cfg: &ExportConfig,
    c: &Classifier,
    built: &Built,
    parsed: &ModelRef<'_>,
    eval: &Evaluation,
) -> Result<()> {
    let mut extra: Vec<(&Path, Vec<u8>)> = Vec::new();
    if let (Some(f), Some((_, features))) = (&cfg.features, &eval.prototypes) {
        extra.push((f, features.to_bytes()));
    }
    if let (Some((path, count)), Some(data)) = (&cfg.test_vectors, &eval.data) {
        let f = c.schema().features();
        extra.push((path, test_vectors(&data.test, f, *count, parsed)));
    }
    if let Some(r) = &cfg.rust {
        let (q, step) = (&built.protos.q, built.protos.step);
        let names = &c.schema().classes;
        let src = rust_source(q, step, c.classes(), c.config.dim, &c.sigma, names);
        extra.push((r, src.into_bytes()));
    }
    let mut set: Vec<(&Path, &[u8])> = vec![(out, &built.bytes)];
    set.extend(extra.iter().map(|(p, b)| (*p, b.as_slice())));
    crate::io::write_atomic_set(&set)
}

/// Refuses an export that could not write what it was asked: test vectors without the backbone,
/// or two outputs named by one path (the later would silently replace the earlier).
fn check_outputs(out: &Path, cfg: &ExportConfig) -> Result<()> {
    if cfg.test_vectors.is_some() && !cfg.backbone {
        return Err(Error::arg(
            "--test-vectors",
            "without --backbone",
            "--backbone (the vectors are raw inputs)",
        ));
    }
    let named = [
        ("--out", Some(out)),
        ("--features", cfg.features.as_deref()),
        (
            "--test-vectors",
            cfg.test_vectors.as_ref().map(|(p, _)| p.as_path()),
        ),
        ("--rust", cfg.rust.as_deref()),
    ];
    let named: Vec<(&str, &Path)> = named.iter().filter_map(|&(f, p)| Some((f, p?))).collect();
    for (i, (flag, path)) in named.iter().enumerate() {
        if let Some((first, _)) = named[..i].iter().find(|(_, p)| p == path) {
            return Err(Error::arg(
                flag,
                path.display(),
                format!("a file other than {first}'s"),
            ));
        }
    }
    Ok(())
}

/// Quantises the run's prototypes (and backbone) and writes the model's bytes.
fn build(run: &Path, c: &Classifier, cfg: &ExportConfig) -> Result<Built> {
    let cp = c.class_prototypes.clone().ok_or_else(|| {
        Error::format(
            run,
            "a psc run has a linear classifier, not prototypes: nothing to export",
        )
    })?;
    let (k, d) = (c.classes(), c.config.dim);
    let step = step_for(cp.iter().fold(0.0f32, |a, v| a.max(v.abs())))?;
    let mut q = vec![0i8; k * d];
    quantize_with(&cp, step, &mut q)?;
    let builder = match cfg.quant {
        QuantKind::Int8 => ModelBuilder::int8(&q, step, k, d),
        QuantKind::F32 => ModelBuilder::f32(&cp, k, d),
    };
    let mut builder = builder
        .sigma(&c.sigma, c.num_prototypes)
        .names(&c.schema().classes)
        .input_id(c.schema().id());
    let backbone = if cfg.backbone {
        let b = build_backbone(run, c, cfg.quant)?;
        builder = b.int8.add_to(builder);
        Some(b)
    } else {
        None
    };
    Ok(Built {
        bytes: builder.to_bytes(),
        cp,
        protos: Int8Prototypes { q, step },
        backbone,
    })
}

impl Backbone {
    /// The report of the exported backbone; `prototype_macs` = `K × d`.
    fn report(
        &self,
        parsed: &ModelRef<'_>,
        prototype_macs: usize,
        test: Option<BackboneTest>,
    ) -> BackboneReport {
        let (kind, layers) = self.int8.describe();
        BackboneReport {
            kind: kind.to_string(),
            layers,
            calibration_examples: self.calibrated,
            arena_bytes: parsed.arena_bytes(),
            ram_bytes: parsed.raw_ram_bytes(),
            macs: parsed.backbone().map_or(0, |b| b.macs()) + prototype_macs,
            test,
        }
    }
}

/// The int8 backbone of an MLP or CNN run: folded f32 network, its quantisation with the run's
/// calibration, and how many inputs that was measured on.
fn build_backbone(run: &Path, c: &Classifier, quant: QuantKind) -> Result<Backbone> {
    if quant != QuantKind::Int8 {
        return Err(Error::arg("--backbone", "with --quant f32", "--quant int8"));
    }
    let schema = c.schema();
    let f32_net = FloatBackbone::of(&c.network, schema.shape, &schema.standardisation)?
        .ok_or_else(|| {
            Error::arg(
                "--backbone",
                format!("{:?} backbone", c.config.backbone).to_lowercase(),
                "an MLP or CNN run (the ResNet's residual adds are not in the model format)",
            )
        })?;
    let dir = RunDir::new(run);
    let file = dir.file("calibration.json");
    let epoch = dir.state()?.epochs_done;
    let ranges = match dir.calibration()? {
        Some(r) if r.epoch == epoch => r,
        found => {
            let why = match found {
                Some(r) => format!(
                    "is from epoch {} but the checkpoint is epoch {epoch}",
                    r.epoch
                ),
                None => format!("is missing (runs written before {})", c.info.writer()),
            };
            return Err(Error::format(
                &file,
                format!(
                    "{why}: `dl2pa train --resume {}` measures the ranges again",
                    run.display()
                ),
            ));
        }
    };
    Ok(Backbone {
        int8: f32_net.quantize(&ranges)?,
        f32_net,
        calibrated: ranges.examples,
    })
}

/// Prototype classification of the run's test embeddings: f32, int8 (host simulation, core on
/// the written file, one step per prototype), the feature file's contents and the f32
/// predictions.
fn test_prototypes(
    c: &Classifier,
    data: &Dataset,
    built: &Built,
    quant: QuantKind,
    parsed: &ModelRef<'_>,
    device: &Device,
) -> Result<(TestReport, FeaturesBuilder, Vec<usize>)> {
    let (k, d) = (c.classes(), c.config.dim);
    let (cp, protos) = (&built.cp, &built.protos);
    let mut test = data.test.clone();
    c.schema().standardise(&mut test.x);
    let z = c.embeddings(&test, device)?;
    let per_prototype = PerPrototype::new(cp, d)?;
    let (mut hit32, mut hit8, mut hit_pp, mut disagree, mut mismatches) = (0, 0, 0, 0, 0);
    let mut fb = FeaturesBuilder::new(d, k);
    let mut qx = vec![0i8; d];
    let mut f32_preds = Vec::with_capacity(test.len());
    for (zi, &label) in z.chunks_exact(d).zip(&test.y) {
        let p32 = argmax_f64(cp, zi.iter().map(|&v| f64::from(v)));
        let xstep = quantize(zi, &mut qx)?;
        let p8 = simulate_int8(&protos.q, k, &qx);
        if quant == QuantKind::Int8 {
            let core = parsed
                .classify_i8(&qx)
                .ok_or_else(|| Error::format("model", "int8 model without int8 prototypes"))??;
            mismatches += usize::from(core.class != p8);
        }
        hit32 += usize::from(p32 == label as usize);
        hit8 += usize::from(p8 == label as usize);
        hit_pp += usize::from(per_prototype.classify(&qx) == label as usize);
        disagree += usize::from(p8 != p32);
        fb.push(&qx, xstep, label as u16, p8 as u16);
        f32_preds.push(p32);
    }
    let pct = |hits: usize| 100.0 * hits as f64 / test.len().max(1) as f64;
    let report = TestReport {
        examples: test.len(),
        f32_top1: pct(hit32),
        int8_top1: pct(hit8),
        int8_per_prototype_top1: pct(hit_pp),
        int8_vs_f32_disagreements: disagree,
        core_mismatches: mismatches,
    };
    Ok((report, fb, f32_preds))
}

/// The backbone on the raw test inputs: folded f32 against the trained network's predictions
/// `trained`, int8 by the host's simulation against the core's `classify_raw` on the written
/// file.
fn test_backbone(
    c: &Classifier,
    data: &Dataset,
    built: &Built,
    b: &Backbone,
    parsed: &ModelRef<'_>,
    trained: &[usize],
) -> BackboneTest {
    let k = c.classes();
    let (cp, protos) = (&built.cp, &built.protos);
    let raw = &data.test;
    let f = c.schema().features();
    let mut scratch = vec![0i8; parsed.arena_bytes()];
    let (mut hit32, mut hit8, mut fold, mut mismatch) = (0, 0, 0, 0);
    for ((x, &label), &trained) in raw.x.chunks_exact(f).zip(&raw.y).zip(trained) {
        let p32 = argmax_f64(cp, b.f32_net.embed(x).into_iter());
        let qz = b.int8.simulate(x);
        // An all-zero embedding has no direction: no class, on the device as here.
        let host = (!qz.iter().all(|&v| v == 0)).then(|| simulate_int8(&protos.q, k, &qz));
        let core = parsed.classify_raw(x, &mut scratch).ok().map(|p| p.class);
        hit32 += usize::from(p32 == label as usize);
        hit8 += usize::from(host == Some(label as usize));
        fold += usize::from(p32 != trained);
        mismatch += usize::from(core != host);
    }
    let pct = |hits: usize| 100.0 * hits as f64 / raw.len().max(1) as f64;
    BackboneTest {
        f32_top1: pct(hit32),
        int8_top1: pct(hit8),
        fold_disagreements: fold,
        core_mismatches: mismatch,
    }
}

/// Int8 prototypes with one step per prototype: not in the format, measured for comparison.
struct PerPrototype {
    q: Vec<i8>,
    steps: Vec<f32>,
    dim: usize,
}

impl PerPrototype {
    fn new(cp: &[f32], dim: usize) -> Result<Self> {
        let steps: Vec<f32> = cp
            .chunks_exact(dim)
            .map(|r| step_for(r.iter().fold(0.0f32, |a, v| a.max(v.abs()))).unwrap_or(1.0))
            .collect();
        let mut q = vec![0i8; cp.len()];
        for ((row, qrow), &s) in cp
            .chunks_exact(dim)
            .zip(q.chunks_exact_mut(dim))
            .zip(&steps)
        {
            quantize_with(row, s, qrow)?;
        }
        Ok(PerPrototype { q, steps, dim })
    }

    fn classify(&self, qx: &[i8]) -> usize {
        argmax(
            self.q
                .chunks_exact(self.dim)
                .zip(&self.steps)
                .map(|(r, &s)| {
                    f64::from(s)
                        * r.iter()
                            .zip(qx)
                            .map(|(&a, &b)| i64::from(a) * i64::from(b))
                            .sum::<i64>() as f64
                }),
        )
    }
}

/// The f64 cosine argmax of embedding `z` over the class prototypes (`K × d`).
fn argmax_f64(class_protos: &[f32], z: impl Iterator<Item = f64> + Clone) -> usize {
    let z: Vec<f64> = z.collect();
    argmax(
        class_protos
            .chunks_exact(z.len())
            .map(|p| p.iter().zip(&z).map(|(&a, &b)| f64::from(a) * b).sum()),
    )
}

/// Int8 argmax by the host's own arithmetic (i64, lowest index on ties), independent of the
/// core's kernel that it checks.
pub fn simulate_int8(q: &[i8], k: usize, qx: &[i8]) -> usize {
    let d = qx.len();
    argmax((0..k).map(|c| {
        q[c * d..(c + 1) * d]
            .iter()
            .zip(qx)
            .map(|(&a, &b)| i64::from(a) * i64::from(b))
            .sum::<i64>() as f64
    }))
}

/// The first maximum (ties → lowest index).
fn argmax(scores: impl Iterator<Item = f64>) -> usize {
    let mut best = (0usize, f64::NEG_INFINITY);
    for (c, s) in scores.enumerate() {
        if s > best.1 {
            best = (c, s);
        }
    }
    best.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn two_outputs_on_one_path_are_refused_before_anything_runs() {
        let cfg = ExportConfig {
            features: Some("m.dl2p".into()),
            ..ExportConfig::int8()
        };
        let err = check_outputs(Path::new("m.dl2p"), &cfg)
            .unwrap_err()
            .to_string();
        assert!(err.contains("--features") && err.contains("--out"), "{err}");
        let cfg = ExportConfig {
            features: Some("t.dl2f".into()),
            rust: Some("m.rs".into()),
            ..ExportConfig::int8()
        };
        assert!(check_outputs(Path::new("m.dl2p"), &cfg).is_ok());
    }

    #[test]
    fn test_vectors_need_the_backbone() {
        let cfg = ExportConfig {
            test_vectors: Some(("v.bin".into(), 8)),
            ..ExportConfig::int8()
        };
        let err = check_outputs(Path::new("m.dl2p"), &cfg)
            .unwrap_err()
            .to_string();
        assert!(err.contains("--backbone"), "{err}");
    }
}
