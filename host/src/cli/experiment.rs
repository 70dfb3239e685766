//! `dl2pa experiment`: one of the paper's experiments, tables and plots in one directory.

use std::path::PathBuf;

use crate::config::TrainConfig;
use crate::device::{self, DeviceChoice};
use crate::error::{Error, Result};
use crate::experiment::{Experiment, ExperimentConfig};

/// `dl2pa experiment`.
#[derive(Debug, clap::Args)]
pub struct ExperimentArgs {
    /// Which experiment
    #[arg(value_enum)]
    pub name: Experiment,
    /// Dataset [default: digits; k100: synthetic:classes=100,groups=20]
    #[arg(long, value_name = "SPEC")]
    pub data: Option<String>,
    /// Output directory [default: experiments/{name}-{data}]
    #[arg(long, short = 'o', value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Seeds per configuration
    #[arg(long, default_value_t = 2)]
    pub seeds: u64,
    /// Epochs per training run [default: the trainer's]
    #[arg(long)]
    pub epochs: Option<usize>,
    /// Embedding dimensions [default: 2,3,5,10,32; protos: 3,...,128; k100: 5,10,25,50]
    #[arg(long, value_delimiter = ',')]
    pub dims: Option<Vec<usize>>,
    /// Settings for every training run (a config file, e.g. --backbone cnn)
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// anchors.json of the shared prototype benchmark, for the published numbers (protos)
    #[arg(long, value_name = "FILE")]
    pub anchors: Option<PathBuf>,
    /// Largest K of the solver sweep
    #[arg(long, default_value_t = 10_000)]
    pub max_k: usize,
    /// Training runs at once (dims, assign, k100; protos and solver train nothing and take only
    /// 1), each on an equal share of the CPU threads (`--device cpu`); the same bits as one
    /// after another
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u16).range(1..))]
    pub jobs: u16,
}

pub(super) fn run(device: DeviceChoice, a: &ExperimentArgs) -> Result<()> {
    if a.jobs > 1 && matches!(a.name, Experiment::Protos | Experiment::Solver) {
        // Refused rather than ignored: the user asked for something that would not happen.
        return Err(Error::arg(
            "--jobs",
            a.jobs,
            "1 for protos and solver, which train nothing",
        ));
    }
    if a.jobs > 1 && device != DeviceChoice::Cpu {
        // Trainings sharing one GPU are untested, and `auto` may pick one.
        return Err(Error::arg(
            "--jobs",
            a.jobs,
            "1 unless --device cpu (several trainings at once share the CPU's threads)",
        ));
    }
    let (dev, dev_name) = device::select(device)?;
    let base = a
        .config
        .as_deref()
        .map(TrainConfig::from_file)
        .transpose()?
        .unwrap_or_default();
    base.precision.apply(&dev)?;
    let tag = a
        .data
        .as_deref()
        .unwrap_or("")
        .split([':', '/', ',', '='])
        .next()
        .unwrap_or("");
    let name = a.name.name();
    let out = a.out.clone().unwrap_or_else(|| {
        PathBuf::from("experiments").join(if tag.is_empty() {
            name.to_string()
        } else {
            format!("{name}-{tag}")
        })
    });
    eprintln!("dl2pa experiment {name} on {dev_name} -> {}", out.display());
    let cfg = ExperimentConfig {
        experiment: a.name,
        data: a.data.clone(),
        out: out.clone(),
        seeds: a.seeds,
        epochs: a.epochs,
        dims: a.dims.clone(),
        base,
        anchors: a.anchors.clone(),
        max_k: a.max_k,
        jobs: usize::from(a.jobs),
    };
    crate::experiment::run(&cfg, &dev, &mut |l| eprintln!("{l}"))?;
    println!("results in {}", out.display());
    Ok(())
}
