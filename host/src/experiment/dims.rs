//! `experiment dims` (Table 1 analogue: accuracy of each method across embedding dimensions)
//! and `experiment assign` (Fig. 4 analogue: what the dynamic assignment is worth as d grows).

use std::collections::BTreeMap;
use std::fmt::Write as _;

use burn::prelude::Device;
use serde::Serialize;

use super::jobs::{self, Job};
use super::plots::{self, Series};
use super::{ExperimentConfig, Trained, mean_spread, write, write_table};
use crate::config::Method;
use crate::data::{self, DataSpec};
use crate::error::{Error, Result};
use crate::inference::Classifier;

/// The trained runs of a grid, by (method, d), one per seed.
type Grid = BTreeMap<(Method, usize), Vec<Trained>>;

/// One row of `dims.json`.
#[derive(Serialize)]
struct Row {
    method: &'static str,
    dim: usize,
    top1: Vec<f64>,
}

/// Trains every method at every d (etf only where d ≥ K − 1) for each seed, then writes the
/// tables (`STEM.md`, `STEM.json`) and the plots.
pub(super) fn run(
    cfg: &ExperimentConfig,
    device: &Device,
    log: &mut dyn FnMut(&str),
    methods: &[Method],
    stem: &str,
) -> Result<()> {
    let data = cfg.data.clone().unwrap_or_else(|| "digits".into());
    let ds: Vec<usize> = cfg.dims.clone().unwrap_or_else(|| vec![2, 3, 5, 10, 32]);
    let spec: DataSpec = data.parse()?;
    let k = data::load(&spec, &cfg.base.load_options())?.classes();
    let mut list = Vec::new();
    for &d in &ds {
        for &method in methods {
            if method == Method::Etf && d + 1 < k {
                continue;
            }
            list.extend((0..cfg.seeds).map(|seed| Job { d, method, seed }));
        }
    }
    // Runs without estimated prototypes first: with --jobs they train beside the first estimate,
    // where fixed would wait for the estimate of its seed's dl2pa (prototypes::cache).
    list.sort_by_key(|j| matches!(j.method, Method::Dl2pa | Method::Fixed));
    let mut grid = Grid::new();
    for (j, t) in list
        .iter()
        .zip(jobs::run_all(cfg, &data, &list, device, log)?)
    {
        grid.entry((j.method, j.d)).or_default().push(t);
    }
    let mut md = accuracy_table(&grid, methods, &ds, &data, k, cfg.seeds);
    if methods.contains(&Method::Fixed) {
        md.push_str(&assignment_table(&grid, &ds));
    }
    let path = cfg.out.join(stem);
    write_table(&path.with_extension("md"), &md)?;
    let rows: Vec<Row> = grid
        .iter()
        .map(|((m, d), runs)| Row {
            method: m.name(),
            dim: *d,
            top1: runs.iter().map(Trained::top1).collect(),
        })
        .collect();
    let json = serde_json::to_string_pretty(&rows).map_err(|e| Error::Numerical(e.to_string()))?;
    write(&path.with_extension("json"), &json)?;
    plot(cfg, &grid, methods, &ds, &data, device)?;
    log(&format!("wrote {}", path.with_extension("md").display()));
    Ok(())
}

/// Test top-1 per method (rows) and d (columns), mean ± half-range over seeds.
fn accuracy_table(
    grid: &Grid,
    methods: &[Method],
    ds: &[usize],
    data: &str,
    k: usize,
    seeds: u64,
) -> String {
    let mut md = format!(
        "Test top-1 (%), mean ± half-range over {seeds} seed(s); data `{data}`, K = {k}.\n\n| method |"
    );
    for d in ds {
        let _ = write!(md, " d = {d} |");
    }
    md.push_str("\n|---|");
    md.push_str(&"---|".repeat(ds.len()));
    md.push('\n');
    for &m in methods {
        let _ = write!(md, "| {} |", m.name());
        for &d in ds {
            match grid.get(&(m, d)) {
                Some(runs) => {
                    let (mu, sp) = mean_spread(&runs.iter().map(Trained::top1).collect::<Vec<_>>());
                    let _ = write!(md, " {mu:.2} ± {sp:.2} |");
                }
                None => md.push_str(" — |"),
            }
        }
        md.push('\n');
    }
    md
}

/// The assignment's own effect: dl2pa − fixed at the same seeds (paired) and the labels moved.
fn assignment_table(grid: &Grid, ds: &[usize]) -> String {
    let mut md = String::from(
        "\n| d | dl2pa − fixed (paired by seed) | labels moved, all updates (mean over seeds) | updates per run |\n|---|---|---|---|\n",
    );
    for &d in ds {
        let (Some(a), Some(b)) = (grid.get(&(Method::Dl2pa, d)), grid.get(&(Method::Fixed, d)))
        else {
            continue;
        };
        let gaps: Vec<f64> = a.iter().zip(b).map(|(x, y)| x.top1() - y.top1()).collect();
        let (g, gs) = mean_spread(&gaps);
        let moved: Vec<f64> = a.iter().map(|t| t.summary.moved as f64).collect();
        let updates = a[0].moves().count();
        let _ = writeln!(
            md,
            "| {d} | {g:+.2} ± {gs:.2} | {:.1} | {updates} |",
            mean_spread(&moved).0
        );
    }
    md
}

/// Accuracy against d, labels moved per update, training curves at the smallest d, and the
/// d = 2 circle of each assignment.
fn plot(
    cfg: &ExperimentConfig,
    grid: &Grid,
    methods: &[Method],
    ds: &[usize],
    data: &str,
    device: &Device,
) -> Result<()> {
    let accuracy: Vec<Series> = methods
        .iter()
        .map(|&m| Series {
            label: m.name().into(),
            points: ds
                .iter()
                .filter_map(|&d| grid.get(&(m, d)).map(|r| (d, r)))
                .map(|(d, runs)| {
                    let (mu, sp) = mean_spread(&runs.iter().map(Trained::top1).collect::<Vec<_>>());
                    (d as f64, mu, sp)
                })
                .collect(),
        })
        .collect();
    plots::lines(
        &cfg.out.join("accuracy_vs_d"),
        &format!("Test top-1 vs d ({data})"),
        "embedding dimension d",
        "test top-1 (%)",
        &accuracy,
        false,
        false,
    )?;
    plot_moved(cfg, grid, ds)?;
    plot_curves(cfg, grid, methods, ds[0])?;
    // The d = 2 picture: where the assignment put each class on the circle.
    for m in [Method::Dl2pa, Method::Fixed] {
        if let Some(t) = grid.get(&(m, 2)).and_then(|r| r.first()) {
            let title = format!(
                "d = 2, {}: test embeddings and the prototype of each class",
                m.name()
            );
            let stem = cfg.out.join(format!("circle_d2_{}", m.name()));
            circle_plot(t, &stem, &title, device)?;
        }
    }
    Ok(())
}

/// Labels moved per update (dl2pa, seed 0) for each d.
fn plot_moved(cfg: &ExperimentConfig, grid: &Grid, ds: &[usize]) -> Result<()> {
    let moved: Vec<Series> = ds
        .iter()
        .filter_map(|&d| grid.get(&(Method::Dl2pa, d)).map(|r| (d, &r[0])))
        .map(|(d, t)| Series {
            label: format!("d = {d}"),
            points: t.moves().map(|(i, n)| (i as f64, n as f64, 0.0)).collect(),
        })
        .filter(|s| !s.points.is_empty())
        .collect();
    if moved.is_empty() {
        return Ok(());
    }
    plots::lines(
        &cfg.out.join("moved"),
        "Labels moved per assignment update (dl2pa, seed 0; log iteration axis)",
        "iteration",
        "labels moved",
        &moved,
        true,
        false,
    )
}

/// Test top-1 per epoch of each method at `d0`, seed 0.
fn plot_curves(cfg: &ExperimentConfig, grid: &Grid, methods: &[Method], d0: usize) -> Result<()> {
    let curves: Vec<Series> = methods
        .iter()
        .filter_map(|&m| grid.get(&(m, d0)).map(|r| (m, &r[0])))
        .map(|(m, t)| Series {
            label: m.name().into(),
            points: t
                .epochs
                .iter()
                .filter_map(|e| e.eval.as_ref().map(|v| (e.epoch as f64, v.top1, 0.0)))
                .collect(),
        })
        .collect();
    plots::lines(
        &cfg.out.join(format!("curves_d{d0}")),
        &format!("Test top-1 per epoch at d = {d0}"),
        "epoch",
        "test top-1 (%)",
        &curves,
        false,
        false,
    )
}

/// Plots a d = 2 run's test embeddings (up to 3 000) and its class prototypes.
fn circle_plot(t: &Trained, stem: &std::path::Path, title: &str, device: &Device) -> Result<()> {
    let c = Classifier::load(t.dir.path(), device)?;
    let mut data = c.data(None)?;
    c.schema().standardise(&mut data.test.x);
    let z = c.embeddings(&data.test, device)?;
    let cp = c
        .class_prototypes
        .as_ref()
        .ok_or_else(|| Error::format(t.dir.path(), "no prototypes"))?;
    let n = data.test.len().min(3000);
    plots::circle(
        stem,
        title,
        &z[..2 * n],
        &data.test.y[..n],
        cp,
        &c.schema().classes,
    )
}
