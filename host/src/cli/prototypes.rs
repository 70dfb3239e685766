//! `dl2pa prototypes`: estimate K prototypes in R^d and report their quality.

use std::path::{Path, PathBuf};

use crate::device::{self, DeviceChoice};
use crate::error::{Error, Result};
use crate::prototypes::{self, EstimateConfig, Estimator};

/// `dl2pa prototypes`.
#[derive(Debug, clap::Args)]
pub struct PrototypesArgs {
    /// Number of classes K (2..=65535).
    #[arg(long, short = 'k')]
    pub classes: usize,
    /// Embedding dimension d (2..=4096).
    #[arg(long, short = 'd')]
    pub dim: usize,
    /// How to place them: `best` uses the optimal closed form where one exists (simplex ETF for
    /// d >= K-1, cross-polytope for K <= 2d), else `annealed`.
    #[arg(long, value_enum, default_value_t = Estimator::Best)]
    pub method: Estimator,
    /// Optimiser steps [default: 1000 for gaussian (the paper), 3000 for annealed].
    #[arg(long)]
    pub steps: Option<usize>,
    /// Prototypes per step for `gaussian` [default: K, as the paper].
    #[arg(long)]
    pub batch: Option<usize>,
    /// Seed of the random initialisation.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// Write the prototypes here (.npy, float32, shape (K, d)).
    #[arg(long, short = 'o')]
    pub out: Option<PathBuf>,
    /// Print the report as JSON on stdout.
    #[arg(long)]
    pub json: bool,
}

pub(super) fn run(device: DeviceChoice, a: &PrototypesArgs) -> Result<()> {
    prototypes::check_sizes(a.classes, a.dim)?;
    if let Some(out) = &a.out {
        check_writable(out)?;
    }
    let (dev, dev_name) = device::select(device)?;
    let request = EstimateConfig {
        classes: a.classes,
        dim: a.dim,
        method: a.method,
        steps: a.steps,
        batch: a.batch,
        seed: a.seed,
    };
    let mut steps = super::StepLog::new("optimising");
    let est = prototypes::estimate(&request, &dev, |done, total| steps.at(done, total))?;
    steps.finish();
    if let Some(out) = &a.out {
        crate::io::write_npy(out, &est.data, est.classes, est.dim)?;
    }
    if a.json {
        let mut v = serde_json::to_value(&est).map_err(|e| Error::Numerical(e.to_string()))?;
        v["device"] = dev_name.into();
        v["out"] = a.out.as_ref().map(|p| p.display().to_string()).into();
        println!("{v}");
        return Ok(());
    }
    let q = &est.quality;
    println!(
        "prototypes K={} d={}: {:?} ({})",
        est.classes, est.dim, est.used, est.reason
    );
    println!(
        "  max cos      {:>9.5}   (lower is better; no K vectors go below -1/(K-1) = {:.5})",
        q.max_cos, q.simplex_bound
    );
    println!("  min cos      {:>9.5}", q.min_cos);
    println!("  mean max cos {:>9.5}", q.mean_max_cos);
    println!("  gap to -1/(K-1) {:>6.2e}", q.gap_to_simplex);
    println!("  paper loss   {:>9.5}   (t = 2)", q.paper_loss);
    if let Some(l) = est.loss {
        println!("  optimiser loss {l:.6} after {} steps", est.steps);
    }
    println!("  {:.2} s on {dev_name}, seed {}", est.seconds, est.seed);
    if let Some(out) = &a.out {
        println!("  wrote {}", out.display());
    }
    Ok(())
}

/// Fails early (before minutes of work) when `path`'s directory does not exist or is not writable.
fn check_writable(path: &Path) -> Result<()> {
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let probe = dir.join(format!(".dl2pa-write-test{}", std::process::id()));
    std::fs::write(&probe, b"").map_err(|e| Error::io(path, e))?;
    let _ = std::fs::remove_file(probe);
    Ok(())
}
