//! `experiment protos` (Table 7 analogue): prototype quality for K = 100 — this project's
//! default, the paper's procedure, and the authors' published files from the shared benchmark's
//! `anchors.json`.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;

use burn::prelude::Device;
use serde::Deserialize;

use super::plots::{self, Series};
use super::{ExperimentConfig, write_table};
use crate::error::{Error, Result};
use crate::prototypes::{self, EstimateConfig, Estimator};

/// One `K x d` entry of the shared benchmark's `anchors.json` (the fields used here).
#[derive(Deserialize)]
struct Anchor {
    /// The authors' released prototype file, measured.
    official: Option<Measured>,
    /// Proven lower bounds on the largest cosine.
    lower_bounds: Option<Bounds>,
}

#[derive(Deserialize)]
struct Measured {
    max_cos: f64,
}

#[derive(Deserialize)]
struct Bounds {
    best: f64,
}

/// Reads `anchors.json`: entries by `"{K}x{d}"`.
fn read_anchors(path: &Path) -> Result<BTreeMap<String, Anchor>> {
    let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
    serde_json::from_slice(&bytes).map_err(|e| Error::format(path, e.to_string()))
}

/// K of the experiment (Table 7's).
const K: usize = 100;

/// One `d` of the table.
struct Row {
    d: usize,
    /// This project's default.
    best: prototypes::Estimate,
    /// The paper's procedure: its largest cosine.
    gaussian: f64,
    /// The authors' file's largest cosine, if `anchors.json` has it.
    published: Option<f64>,
    /// The proven lower bound on the largest cosine, if known.
    bound: Option<f64>,
}

pub(super) fn run(
    cfg: &ExperimentConfig,
    device: &Device,
    log: &mut dyn FnMut(&str),
) -> Result<()> {
    let ds = cfg
        .dims
        .clone()
        .unwrap_or_else(|| vec![3, 5, 10, 16, 32, 64, 128]);
    let anchors = cfg.anchors.as_deref().map(read_anchors).transpose()?;
    let mut rows = Vec::with_capacity(ds.len());
    for d in ds {
        let row = measure(d, anchors.as_ref(), device)?;
        log(&format!(
            "K = {K}, d = {d}: best {:.4} ({:?}), gaussian {:.4}",
            row.best.quality.max_cos, row.best.used, row.gaussian
        ));
        rows.push(row);
    }
    write_table(&cfg.out.join("protos.md"), &table(&rows))?;
    plot(&cfg.out.join("protos"), &rows)
}

/// Estimates both ways at `d` and looks up the published file and the bound.
fn measure(d: usize, anchors: Option<&BTreeMap<String, Anchor>>, device: &Device) -> Result<Row> {
    let est = |method: Estimator| {
        let cfg = EstimateConfig {
            classes: K,
            dim: d,
            method,
            steps: None,
            batch: None,
            seed: 0,
        };
        prototypes::estimate(&cfg, device, |_, _| {})
    };
    let best = est(Estimator::Best)?;
    let gaussian = est(Estimator::Gaussian)?.quality.max_cos;
    let a = anchors.and_then(|a| a.get(&format!("{K}x{d}")));
    Ok(Row {
        d,
        best,
        gaussian,
        published: a.and_then(|a| a.official.as_ref()).map(|o| o.max_cos),
        bound: a.and_then(|a| a.lower_bounds.as_ref()).map(|b| b.best),
    })
}

/// protos.md.
fn table(rows: &[Row]) -> String {
    let mut md = String::from(
        "Prototype quality for K = 100 (cosines; lower max is better). `best` = this project's default, `gaussian` = the paper's procedure (t = 2, 1 000 SGD steps), `published` = the authors' released file, `bound` = the proven lower bound on the max cosine.\n\n| d | best: max | best: min | best: mean-max | method | gaussian: max | published: max | bound | -1/(K-1) |\n|---|---|---|---|---|---|---|---|---|\n",
    );
    let f = |v: Option<f64>| v.map_or("—".to_string(), |v| format!("{v:.4}"));
    for r in rows {
        let q = &r.best.quality;
        let _ = writeln!(
            md,
            "| {} | {:.4} | {:.4} | {:.4} | {:?} | {:.4} | {} | {} | {:.4} |",
            r.d,
            q.max_cos,
            q.min_cos,
            q.mean_max_cos,
            r.best.used,
            r.gaussian,
            f(r.published),
            f(r.bound),
            q.simplex_bound
        );
    }
    md
}

/// protos.png / .svg: the largest cosine against d, per method.
fn plot(stem: &Path, rows: &[Row]) -> Result<()> {
    let line = |label: &str, y: &dyn Fn(&Row) -> Option<f64>| Series {
        label: label.into(),
        points: rows
            .iter()
            .filter_map(|r| y(r).map(|v| (r.d as f64, v, 0.0)))
            .collect(),
    };
    let mut series = vec![
        line("best (this project)", &|r| Some(r.best.quality.max_cos)),
        line("gaussian (paper procedure)", &|r| Some(r.gaussian)),
    ];
    let published = line("published files", &|r| r.published);
    if !published.points.is_empty() {
        series.push(published);
    }
    plots::lines(
        stem,
        "Largest pairwise cosine, K = 100",
        "d",
        "max cosine",
        &series,
        true,
        false,
    )
}
