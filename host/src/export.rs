//! `dl2pa export`: a trained run → the core's model file, its test features, Rust source.
//!
//! Quantisation is symmetric int8 in [−127, 127] (as the TFLite spec), one step for the whole
//! prototype set and one per embedding. A positive factor common to all classes never changes
//! an argmax, so the integer scores `q_k · q_x` rank the classes as `p_k · x` does up to the
//! rounding error that `PrototypesI8Ref::error_bound` bounds: predictions can only differ where
//! the f32 top two are within twice that bound.

use std::fmt::Write as _;
use std::path::Path;

use burn::prelude::Device;
use dl2pa_core::format::{FeaturesBuilder, Model as CoreModel, ModelBuilder};
use dl2pa_core::quant::{quantize, quantize_with, step_for};
use serde::Serialize;

use crate::backbone::{self, DenseNet};
use crate::error::{Error, Result};
use crate::train::{self, LoadedRun};

/// Storage of the exported prototypes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum QuantKind {
    /// Symmetric int8 (the microcontroller path).
    Int8,
    /// f32.
    F32,
}

/// What `export` measured.
#[derive(Clone, Debug, Serialize)]
pub struct Report {
    /// Classes and dimension.
    pub classes: usize,
    /// Embedding dimension.
    pub dim: usize,
    /// Model file size: flash bytes when embedded.
    pub flash_bytes: usize,
    /// RAM the core needs to classify one embedding (besides the input).
    pub ram_bytes: usize,
    /// Test examples.
    pub examples: usize,
    /// Test accuracy of the f32 model (cosine to `P[σ]`), percent.
    pub f32_top1: f64,
    /// Test accuracy of the int8 model (per-set step), percent.
    pub int8_top1: f64,
    /// Test accuracy with one int8 step per prototype (not in the format; measured for comparison).
    pub int8_per_prototype_top1: f64,
    /// Examples where int8 and f32 predictions differ.
    pub int8_vs_f32_disagreements: usize,
    /// Examples where the core's prediction on the written file differs from the host's
    /// int8 simulation (must be 0).
    pub core_mismatches: usize,
    /// The int8 MLP backbone, when exported.
    pub backbone: Option<BackboneReport>,
}

/// What `export --backbone` measured: raw input → class on the device.
#[derive(Clone, Debug, Serialize)]
pub struct BackboneReport {
    /// `(inputs, outputs)` of each dense layer.
    pub layers: Vec<(usize, usize)>,
    /// Training examples the activation ranges were calibrated on.
    pub calibration_examples: usize,
    /// Test accuracy of the folded f32 network from raw inputs (cosine to `P[σ]`), percent.
    pub f32_top1: f64,
    /// Test accuracy of the int8 network and int8 prototypes from raw inputs, percent.
    pub int8_top1: f64,
    /// Examples where the folded f32 network and the trained model predict differently
    /// (the folds are exact up to rounding, so this is ~0).
    pub fold_disagreements: usize,
    /// Examples where the core's `classify_raw` differs from the host's integer simulation
    /// (must be 0).
    pub core_mismatches: usize,
    /// RAM for one raw classification besides the input (two activation buffers + best).
    pub ram_bytes: usize,
    /// Multiply-accumulates per raw classification (layers and prototypes).
    pub macs: usize,
}

/// Calibration examples for the activation ranges: evenly spaced over the training split.
const CALIBRATION: usize = 2_000;

fn argmax_f64(class_protos: &[f32], z: &[f64]) -> usize {
    argmax(
        class_protos
            .chunks_exact(z.len())
            .map(|p| p.iter().zip(z).map(|(&a, &b)| f64::from(a) * b).sum()),
    )
}

/// Int8 argmax by the host's own arithmetic (i64, lowest index on ties), independent of the
/// core's lane-ordered i32 kernel that it checks.
pub fn simulate_int8(q: &[i8], k: usize, qx: &[i8]) -> usize {
    let d = qx.len();
    let mut best = (0usize, i64::MIN);
    for c in 0..k {
        let s: i64 = q[c * d..(c + 1) * d]
            .iter()
            .zip(qx)
            .map(|(&a, &b)| i64::from(a) * i64::from(b))
            .sum();
        if s > best.1 {
            best = (c, s);
        }
    }
    best.0
}

fn argmax(scores: impl Iterator<Item = f64>) -> usize {
    let mut best = (0usize, f64::NEG_INFINITY);
    for (c, s) in scores.enumerate() {
        if s > best.1 {
            best = (c, s);
        }
    }
    best.0
}

/// Exports `run`. Writes the model to `out`, and optionally the quantised test features and
/// Rust source; returns the measurements.
pub fn export(
    run: &Path,
    out: &Path,
    quant: QuantKind,
    features: Option<&Path>,
    rust: Option<&Path>,
    with_backbone: bool,
    device: &Device,
) -> Result<Report> {
    let LoadedRun {
        setup,
        model,
        class_protos,
        sigma,
        info,
    } = train::load_run(run, device, None)?;
    let cp = class_protos.ok_or_else(|| {
        Error::format(
            run,
            "a psc run has a linear classifier, not prototypes: nothing to export",
        )
    })?;
    let (k, d) = (setup.classes(), setup.cfg.dim);
    let m = setup.prototypes();
    let max = cp.iter().fold(0.0f32, |a, v| a.max(v.abs()));
    let step = step_for(max)?;
    let mut q = vec![0i8; k * d];
    quantize_with(&cp, step, &mut q)?;
    let builder = match quant {
        QuantKind::Int8 => ModelBuilder::int8(&q, step, k, d),
        QuantKind::F32 => ModelBuilder::f32(&cp, k, d),
    };
    let mut builder = builder.sigma(&sigma, m).names(&info.classes);
    let mut net = None;
    if with_backbone {
        if quant != QuantKind::Int8 {
            return Err(Error::arg("--backbone", "with --quant f32", "--quant int8"));
        }
        let layers = model.dense_layers()?.ok_or_else(|| {
            Error::arg(
                "--backbone",
                format!("{:?} backbone", setup.cfg.backbone).to_lowercase(),
                "an MLP run (convolutions are not in the model format)",
            )
        })?;
        let data = &setup.data;
        let f32_net = DenseNet::with_raw_input(layers, data.shape, &data.standardisation)?;
        let stride = data.train.len().div_ceil(CALIBRATION);
        let calib = data.raw(&data.train, stride);
        let q = backbone::quantize_net(&f32_net, &calib)?;
        builder = builder.backbone(q.input_step, q.layers.clone());
        net = Some((f32_net, q, calib.len() / data.shape.features()));
    }
    let bytes = builder.to_bytes();
    // What ships is what the core accepts: parse it back.
    let parsed = CoreModel::from_bytes(&bytes)
        .map_err(|e| Error::format(out, format!("the core rejects the written model: {e}")))?;

    // Per-prototype steps, for the comparison in the report only.
    let steps_pp: Vec<f32> = cp
        .chunks_exact(d)
        .map(|r| step_for(r.iter().fold(0.0f32, |a, v| a.max(v.abs()))).unwrap_or(1.0))
        .collect();
    let mut q_pp = vec![0i8; k * d];
    for ((row, qrow), &s) in cp
        .chunks_exact(d)
        .zip(q_pp.chunks_exact_mut(d))
        .zip(&steps_pp)
    {
        quantize_with(row, s, qrow)?;
    }

    let test = &setup.data.test;
    let z = train::embeddings(&model, test, info.shape, device)?;
    let (mut hit32, mut hit8, mut hit_pp, mut disagree, mut mismatches) = (0, 0, 0, 0, 0);
    let mut fb = FeaturesBuilder::new(d, k);
    let mut qx = vec![0i8; d];
    let mut f32_preds = Vec::with_capacity(test.len());
    for (zi, &label) in z.chunks_exact(d).zip(&test.y) {
        let p32 = argmax(cp.chunks_exact(d).map(|p| {
            p.iter()
                .zip(zi)
                .map(|(a, b)| f64::from(*a) * f64::from(*b))
                .sum()
        }));
        let xstep = quantize(zi, &mut qx)?;
        let p8 = simulate_int8(&q, k, &qx);
        let ppp = argmax(q_pp.chunks_exact(d).zip(&steps_pp).map(|(r, &s)| {
            f64::from(s)
                * r.iter()
                    .zip(&qx)
                    .map(|(&a, &b)| i64::from(a) * i64::from(b))
                    .sum::<i64>() as f64
        }));
        if quant == QuantKind::Int8 {
            let core = parsed
                .classify_i8(&qx)
                .ok_or_else(|| Error::format(out, "int8 model without int8 prototypes"))??;
            mismatches += usize::from(core.class != p8);
        }
        hit32 += usize::from(p32 == label as usize);
        hit8 += usize::from(p8 == label as usize);
        hit_pp += usize::from(ppp == label as usize);
        disagree += usize::from(p8 != p32);
        fb.push(&qx, xstep, label as u16, p8 as u16);
        f32_preds.push(p32);
    }
    let n = test.len().max(1) as f64;
    let backbone = match &net {
        Some((f32_net, qnet, calibrated)) => {
            let raw = setup.data.raw(test, 1);
            let f = setup.data.shape.features();
            let mut scratch = vec![0i8; parsed.raw_scratch_len()];
            let (mut hit32, mut hit8, mut fold, mut mismatch) = (0, 0, 0, 0);
            for ((x, &label), &trained) in raw.chunks_exact(f).zip(&test.y).zip(&f32_preds) {
                let p32 = argmax_f64(&cp, &f32_net.embed(x));
                let qz = backbone::simulate(qnet, x);
                // An all-zero embedding has no direction: no class, on the device as here.
                let host = (!qz.iter().all(|&v| v == 0)).then(|| simulate_int8(&q, k, &qz));
                let core = parsed.classify_raw(x, &mut scratch).ok().map(|p| p.class);
                hit32 += usize::from(p32 == label as usize);
                hit8 += usize::from(host == Some(label as usize));
                fold += usize::from(p32 != trained);
                mismatch += usize::from(core != host);
            }
            let macs = qnet
                .layers
                .iter()
                .map(|l| l.inputs * l.outputs)
                .sum::<usize>()
                + k * d;
            Some(BackboneReport {
                layers: qnet.layers.iter().map(|l| (l.inputs, l.outputs)).collect(),
                calibration_examples: *calibrated,
                f32_top1: 100.0 * hit32 as f64 / n,
                int8_top1: 100.0 * hit8 as f64 / n,
                fold_disagreements: fold,
                core_mismatches: mismatch,
                ram_bytes: parsed.raw_ram_bytes(),
                macs,
            })
        }
        None => None,
    };
    crate::io::write_atomic(out, &bytes)?;
    if let Some(f) = features {
        crate::io::write_atomic(f, &fb.to_bytes())?;
    }
    if let Some(r) = rust {
        crate::io::write_atomic(
            r,
            rust_source(&q, step, k, d, &sigma, &info.classes).as_bytes(),
        )?;
    }
    Ok(Report {
        classes: k,
        dim: d,
        flash_bytes: parsed.flash_bytes(),
        ram_bytes: parsed.ram_bytes(),
        examples: test.len(),
        f32_top1: 100.0 * hit32 as f64 / n,
        int8_top1: 100.0 * hit8 as f64 / n,
        int8_per_prototype_top1: 100.0 * hit_pp as f64 / n,
        int8_vs_f32_disagreements: disagree,
        core_mismatches: mismatches,
        backbone,
    })
}

/// The int8 model as `static` items on the core's fixed-size `PrototypesI8<D, K>`: flash-resident,
/// checked at compile time, zero parsing.
pub fn rust_source(
    q: &[i8],
    step: f32,
    k: usize,
    d: usize,
    sigma: &[u32],
    names: &[String],
) -> String {
    let mut s = String::new();
    let _ = writeln!(
        s,
        "// Generated by `dl2pa export`: the int8 prototypes of a trained DL2PA model, in class order."
    );
    let _ = writeln!(s, "use dl2pa_core::PrototypesI8;\n");
    let _ = writeln!(
        s,
        "/// Classes.\npub const CLASSES: usize = {k};\n/// Embedding dimension.\npub const DIM: usize = {d};"
    );
    let _ = writeln!(
        s,
        "/// Real value of one integer unit of the prototypes.\npub const STEP: f32 = {step:?};"
    );
    let _ = writeln!(
        s,
        "/// Prototypes, one row per class; checked when compiled."
    );
    let _ = writeln!(
        s,
        "pub static PROTOTYPES: PrototypesI8<DIM, CLASSES> = match PrototypesI8::new(["
    );
    for row in q.chunks_exact(d) {
        let vals: Vec<String> = row.iter().map(|v| v.to_string()).collect();
        let _ = writeln!(s, "    [{}],", vals.join(", "));
    }
    let _ = writeln!(
        s,
        "], STEP) {{\n    Ok(p) => p,\n    Err(_) => panic!(\"invalid int8 prototypes\"),\n}};"
    );
    let sig: Vec<String> = sigma.iter().map(|v| v.to_string()).collect();
    let _ = writeln!(
        s,
        "/// σ: class → index of its prototype in the training set (provenance).\npub static SIGMA: [u32; CLASSES] = [{}];",
        sig.join(", ")
    );
    let nm: Vec<String> = names.iter().map(|n| format!("{n:?}")).collect();
    let _ = writeln!(
        s,
        "/// Class names.\npub static CLASS_NAMES: [&str; CLASSES] = [{}];",
        nm.join(", ")
    );
    s
}
