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

pub(super) fn run(
    cfg: &ExperimentConfig,
    device: &Device,
    log: &mut dyn FnMut(&str),
) -> Result<()> {
    let k = 100;
    let ds = cfg
        .dims
        .clone()
        .unwrap_or_else(|| vec![3, 5, 10, 16, 32, 64, 128]);
    let anchors = cfg.anchors.as_deref().map(read_anchors).transpose()?;
    let mut md = String::from(
        "Prototype quality for K = 100 (cosines; lower max is better). `best` = this project's default, `gaussian` = the paper's procedure (t = 2, 1 000 SGD steps), `published` = the authors' released file, `bound` = the proven lower bound on the max cosine.\n\n| d | best: max | best: min | best: mean-max | method | gaussian: max | published: max | bound | -1/(K-1) |\n|---|---|---|---|---|---|---|---|---|\n",
    );
    let (mut s_best, mut s_gauss, mut s_pub) = (Vec::new(), Vec::new(), Vec::new());
    for &d in &ds {
        let est = |m: Estimator| {
            prototypes::estimate(
                &EstimateConfig {
                    classes: k,
                    dim: d,
                    method: m,
                    steps: None,
                    batch: None,
                    seed: 0,
                },
                device,
                |_, _| {},
            )
        };
        let b = est(Estimator::Best)?;
        let g = est(Estimator::Gaussian)?;
        let a = anchors.as_ref().and_then(|a| a.get(&format!("{k}x{d}")));
        let published = a.and_then(|a| a.official.as_ref()).map(|o| o.max_cos);
        let bound = a.and_then(|a| a.lower_bounds.as_ref()).map(|b| b.best);
        let f = |v: Option<f64>| v.map_or("—".to_string(), |v| format!("{v:.4}"));
        let q = &b.quality;
        let _ = writeln!(
            md,
            "| {d} | {:.4} | {:.4} | {:.4} | {:?} | {:.4} | {} | {} | {:.4} |",
            q.max_cos,
            q.min_cos,
            q.mean_max_cos,
            b.used,
            g.quality.max_cos,
            f(published),
            f(bound),
            q.simplex_bound
        );
        s_best.push((d as f64, q.max_cos, 0.0));
        s_gauss.push((d as f64, g.quality.max_cos, 0.0));
        if let Some(p) = published {
            s_pub.push((d as f64, p, 0.0));
        }
        log(&format!(
            "K = {k}, d = {d}: best {:.4} ({:?}), gaussian {:.4}",
            q.max_cos, b.used, g.quality.max_cos
        ));
    }
    write_table(&cfg.out.join("protos.md"), &md)?;
    let mut series = vec![
        Series {
            label: "best (this project)".into(),
            points: s_best,
        },
        Series {
            label: "gaussian (paper procedure)".into(),
            points: s_gauss,
        },
    ];
    if !s_pub.is_empty() {
        series.push(Series {
            label: "published files".into(),
            points: s_pub,
        });
    }
    plots::lines(
        &cfg.out.join("protos"),
        "Largest pairwise cosine, K = 100",
        "d",
        "max cosine",
        &series,
        true,
        false,
    )
}
