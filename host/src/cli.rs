//! The command line: `dl2pa <subcommand>`.

use std::io::IsTerminal;
use std::path::PathBuf;

use clap::{Parser, Subcommand};
use indicatif::{ProgressBar, ProgressStyle};

use crate::device::{self, DeviceChoice};
use crate::error::{Error, Result};
use crate::export::QuantKind;
use crate::prototypes::{self, Method};
use crate::train::config::{TrainConfig, TrainFlags};
use crate::train::{self, RunInfo, Summary};
use std::path::Path;

/// DL2PA: hyperspherical classification with dynamic label-to-prototype assignment.
#[derive(Debug, Parser)]
#[command(name = "dl2pa", version, about, long_about = None)]
pub struct Cli {
    /// Compute device.
    #[arg(long, global = true, value_enum, default_value_t = DeviceChoice::Auto)]
    pub device: DeviceChoice,
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// Subcommands.
#[derive(Debug, Subcommand)]
#[allow(clippy::large_enum_variant)]
pub enum Command {
    /// Train a classifier (DL2PA or a baseline) and write a run directory.
    Train(TrainArgs),
    /// Evaluate a run's last checkpoint on a test split.
    Eval(EvalArgs),
    /// Classify new inputs with a run's last checkpoint.
    Predict(PredictArgs),
    /// Estimate K equidistributed prototypes in R^d and write them as .npy.
    Prototypes(PrototypesArgs),
    /// Export a run for dl2pa-core: int8 model file, quantised test features, Rust source.
    Export(ExportArgs),
    /// Reproduce one of the paper's experiments: tables and plots in one directory.
    Experiment(ExperimentArgs),
}

/// `dl2pa experiment`.
#[derive(Debug, clap::Args)]
pub struct ExperimentArgs {
    /// Which experiment
    #[arg(value_enum)]
    pub name: crate::experiment::Experiment,
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
}

/// `dl2pa export`.
#[derive(Debug, clap::Args)]
pub struct ExportArgs {
    /// Run directory
    pub run: PathBuf,
    /// Model file to write (.dl2p; layout in core/FORMAT.md)
    #[arg(long, short = 'o', value_name = "FILE")]
    pub out: PathBuf,
    /// Storage of the prototypes
    #[arg(long, value_enum, default_value_t = QuantKind::Int8)]
    pub quant: QuantKind,
    /// Also write the test set's quantised embeddings, labels and the host's predictions (.dl2f)
    #[arg(long, value_name = "FILE")]
    pub features: Option<PathBuf>,
    /// Also write the int8 prototypes as Rust `static` items on dl2pa_core::PrototypesI8 (the
    /// backbone is in the .dl2p only)
    #[arg(long, value_name = "FILE")]
    pub rust: Option<PathBuf>,
    /// Include the MLP backbone in int8 (MLP runs), so the device classifies raw inputs
    #[arg(long)]
    pub backbone: bool,
    /// Print the report as JSON
    #[arg(long)]
    pub json: bool,
}

/// `dl2pa train`.
#[derive(Debug, clap::Args)]
pub struct TrainArgs {
    /// Every training setting; the config file uses the same names.
    #[command(flatten)]
    pub flags: TrainFlags,
    /// Run directory [default: runs/{data}-{method}-d{dim}-s{seed}]
    #[arg(long, short = 'o', value_name = "RUN")]
    pub out: Option<PathBuf>,
    /// Settings from a TOML file (a run's config.toml re-runs it); flags override it
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Continue RUN from its last checkpoint with its config.toml (flags override, e.g. --epochs)
    #[arg(long, value_name = "RUN", conflicts_with_all = ["out", "config"])]
    pub resume: Option<PathBuf>,
    /// Stop after epoch N of the schedule (checkpoint written); continue later with --resume
    #[arg(long, value_name = "N")]
    pub stop_after: Option<usize>,
}

/// `dl2pa eval`.
#[derive(Debug, clap::Args)]
pub struct EvalArgs {
    /// Run directory
    pub run: PathBuf,
    /// Evaluate on this data's test split instead of the run's
    #[arg(long, value_name = "SPEC")]
    pub data: Option<String>,
    /// Print JSON
    #[arg(long)]
    pub json: bool,
}

/// `dl2pa predict`.
#[derive(Debug, clap::Args)]
pub struct PredictArgs {
    /// Run directory
    pub run: PathBuf,
    /// Inputs: a PNG/JPEG image or folder of them, an IDX image file, or a CSV of feature rows
    pub input: PathBuf,
    /// Classify with this exported model (`export --backbone`) through dl2pa-core's int8 path,
    /// exactly as a device would, instead of the run's f32 network
    #[arg(long, value_name = "FILE.dl2p")]
    pub model: Option<PathBuf>,
}

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
    #[arg(long, value_enum, default_value_t = Method::Best)]
    pub method: Method,
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

/// Runs a parsed command line.
pub fn run(cli: Cli) -> Result<()> {
    match cli.command {
        Command::Train(args) => train_cmd(cli.device, args),
        Command::Eval(args) => eval_cmd(cli.device, &args),
        Command::Predict(args) => predict_cmd(cli.device, &args),
        Command::Prototypes(args) => prototypes_cmd(cli.device, &args),
        Command::Export(args) => export_cmd(cli.device, &args),
        Command::Experiment(args) => experiment_cmd(cli.device, &args),
    }
}

fn experiment_cmd(device: DeviceChoice, a: &ExperimentArgs) -> Result<()> {
    let (dev, dev_name) = device::select(device)?;
    let base = a
        .config
        .as_deref()
        .map(TrainConfig::from_file)
        .transpose()?
        .unwrap_or_default();
    let tag: String = a
        .data
        .as_deref()
        .unwrap_or("")
        .split([':', '/', ',', '='])
        .next()
        .unwrap_or("")
        .to_string();
    let name = format!("{:?}", a.name).to_lowercase();
    let out = a.out.clone().unwrap_or_else(|| {
        PathBuf::from("experiments").join(if tag.is_empty() {
            name.clone()
        } else {
            format!("{name}-{tag}")
        })
    });
    eprintln!("dl2pa experiment {name} on {dev_name} -> {}", out.display());
    let opts = crate::experiment::Options {
        experiment: a.name,
        data: a.data.clone(),
        out: out.clone(),
        seeds: a.seeds,
        epochs: a.epochs,
        dims: a.dims.clone(),
        base,
        anchors: a.anchors.clone(),
        max_k: a.max_k,
    };
    crate::experiment::run(&opts, &dev, &mut |l| eprintln!("{l}"))?;
    println!("results in {}", out.display());
    Ok(())
}

fn export_cmd(device: DeviceChoice, a: &ExportArgs) -> Result<()> {
    let (dev, _) = device::select(device)?;
    let r = crate::export::export(
        &a.run,
        &a.out,
        a.quant,
        a.features.as_deref(),
        a.rust.as_deref(),
        a.backbone,
        &dev,
    )?;
    if a.json {
        println!("{}", serde_json::to_string(&r).unwrap_or_default());
        return Ok(());
    }
    println!(
        "exported {} -> {} ({:?}, K={} d={})",
        a.run.display(),
        a.out.display(),
        a.quant,
        r.classes,
        r.dim
    );
    println!(
        "  flash       {} bytes (the model file; the prototypes are read in place)",
        r.flash_bytes
    );
    println!(
        "  RAM         {} bytes to classify one embedding (int8 copy of it + best class/score)",
        r.ram_bytes
    );
    println!(
        "  test top-1  f32 {:.2} %  int8 {:.2} %  (one int8 step per prototype: {:.2} %)",
        r.f32_top1, r.int8_top1, r.int8_per_prototype_top1
    );
    println!(
        "  int8 vs f32 {} of {} predictions differ; core vs host int8 simulation: {} mismatches",
        r.int8_vs_f32_disagreements, r.examples, r.core_mismatches
    );
    if let Some(b) = &r.backbone {
        let widths: Vec<String> = b.layers.iter().map(|(i, o)| format!("{i}->{o}")).collect();
        println!(
            "  backbone    int8 MLP {} ({} MACs per input with the prototypes), ranges from {} training inputs",
            widths.join(", "),
            b.macs,
            b.calibration_examples
        );
        println!(
            "              {} bytes RAM to classify one raw input; test top-1 from raw inputs: f32 {:.2} %  int8 {:.2} %",
            b.ram_bytes, b.f32_top1, b.int8_top1
        );
        println!(
            "              folded f32 vs trained model: {} differ; core vs host int8 simulation: {} mismatches",
            b.fold_disagreements, b.core_mismatches
        );
    }
    if let Some(f) = &a.features {
        println!("  features    {}", f.display());
    }
    if let Some(f) = &a.rust {
        println!("  rust        {}", f.display());
    }
    let backbone_mismatches = r.backbone.as_ref().map_or(0, |b| b.core_mismatches);
    if r.core_mismatches + backbone_mismatches > 0 {
        return Err(Error::Numerical(format!(
            "the core disagrees with the host on {} predictions",
            r.core_mismatches + backbone_mismatches
        )));
    }
    Ok(())
}

fn train_cmd(device: DeviceChoice, a: TrainArgs) -> Result<()> {
    let (mut cfg, run, resume) = match &a.resume {
        Some(run) => (
            TrainConfig::from_file(&run.join("config.toml"))?,
            run.clone(),
            true,
        ),
        None => (
            a.config
                .as_deref()
                .map(TrainConfig::from_file)
                .transpose()?
                .unwrap_or_default(),
            PathBuf::new(),
            false,
        ),
    };
    a.flags.apply(&mut cfg);
    cfg.validate()?;
    let run = if resume {
        run
    } else {
        a.out
            .clone()
            .unwrap_or_else(|| train::default_run_dir(&cfg))
    };
    if resume {
        // The resumed run's config.toml records what it now trains to.
        crate::io::write_atomic(&run.join("config.toml"), cfg.to_toml().as_bytes())?;
    }
    let (dev, dev_name) = device::select(device)?;
    eprintln!(
        "dl2pa train: {} on {dev_name} -> {}",
        cfg.data,
        run.display()
    );
    let pb = bar(cfg.epochs as u64, "epochs");
    let summary = train::train(&cfg, &dev, &run, resume, a.stop_after, &mut |line| {
        pb.inc(1);
        pb.suspend(|| eprintln!("{line}"));
    })?;
    pb.finish_and_clear();
    let info = train::read_info(&run)?;
    print_summary(&cfg, &info, &summary, &run);
    Ok(())
}

fn print_summary(cfg: &TrainConfig, info: &RunInfo, s: &Summary, run: &Path) {
    let e = &s.eval;
    println!();
    println!(
        "  data        {} ({} train / {} test, {} classes)",
        info.dataset,
        info.train_examples,
        info.test_examples,
        info.classes.len()
    );
    println!(
        "  model       {:?} d={} head-bn={} method={:?} loss={:?}/{:?}",
        cfg.backbone, cfg.dim, cfg.head_bn, cfg.method, cfg.loss, cfg.reduction
    );
    println!("  test top-1  {:>6.2} %", e.top1);
    println!("  test top-5  {:>6.2} %", e.top5);
    println!("  ECE         {:>6.2} %", e.ece);
    let g = &s.groups;
    if g.classes[0] != info.classes.len() {
        let f = |v: Option<f64>| v.map_or("-".to_string(), |v| format!("{v:.2} %"));
        println!(
            "  head/medium/tail  {} / {} / {}  ({} / {} / {} classes)",
            f(g.head),
            f(g.medium),
            f(g.tail),
            g.classes[0],
            g.classes[1],
            g.classes[2]
        );
    }
    if !s.sigma.is_empty() {
        println!(
            "  assignment  {} label moves in total; final σ (class -> prototype) {:?}",
            s.churn, s.sigma
        );
    }
    println!(
        "  throughput  {:.0} img/s ({:.1} s training, {:.1} s wall)",
        s.img_per_s, s.train_seconds, s.wall_seconds
    );
    let per: Vec<String> = info
        .classes
        .iter()
        .zip(&e.per_class)
        .map(|(c, a)| format!("{c} {a:.1}"))
        .collect();
    println!("  per class   {}", per.join(" | "));
    println!(
        "  run         {} (config.toml, metrics.json, state.json, ckpt/)",
        run.display()
    );
}

fn eval_cmd(device: DeviceChoice, a: &EvalArgs) -> Result<()> {
    let (dev, _) = device::select(device)?;
    let r = train::load_run(&a.run, &dev, a.data.as_deref())?;
    let k = r.setup.classes();
    let (e, _) = train::evaluate(
        &r.model,
        &r.setup.data.test,
        r.info.shape,
        k,
        r.class_protos.as_deref(),
        &dev,
    )?;
    if a.json {
        println!("{}", serde_json::to_string(&e).unwrap_or_default());
    } else {
        println!(
            "{}: {} test examples of {}",
            a.run.display(),
            e.examples,
            r.setup.data.name
        );
        println!(
            "  test top-1 {:.2} %  top-5 {:.2} %  ECE {:.2} %",
            e.top1, e.top5, e.ece
        );
    }
    Ok(())
}

fn predict_cmd(device: DeviceChoice, a: &PredictArgs) -> Result<()> {
    let (dev, _) = device::select(device)?;
    let info = train::read_info(&a.run)?;
    if let Some(model) = &a.model {
        let inputs = crate::predict::read_raw_inputs(&a.input, &info)?;
        let preds = crate::predict::predict_with_model(model, &inputs, &info)?;
        return print_lines(
            inputs
                .names
                .iter()
                .zip(&preds)
                .map(|(n, p)| format!("{n}\t{p}")),
        );
    }
    let inputs = crate::predict::read_inputs(&a.input, &info)?;
    let r = train::load_run(&a.run, &dev, None)?;
    let split = crate::data::Split {
        y: vec![0; inputs.names.len()],
        x: inputs.x,
    };
    let k = r.setup.classes();
    let (_, preds) = train::evaluate(
        &r.model,
        &split,
        info.shape,
        k,
        r.class_protos.as_deref(),
        &dev,
    )?;
    print_lines(
        inputs
            .names
            .iter()
            .zip(preds)
            .map(|(n, p)| format!("{n}\t{}", info.classes[p as usize])),
    )
}

/// Writes lines to stdout; a reader that goes away (`dl2pa predict … | head`) ends the output
/// quietly instead of panicking on the broken pipe.
fn print_lines(mut lines: impl Iterator<Item = String>) -> Result<()> {
    use std::io::Write as _;
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    let result = lines
        .try_for_each(|l| writeln!(out, "{l}"))
        .and_then(|()| out.flush());
    match result {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => Err(Error::io("<stdout>", e)),
        _ => Ok(()),
    }
}

/// A progress bar on stderr when it is a terminal, hidden otherwise.
fn bar(len: u64, what: &str) -> ProgressBar {
    if !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let pb = ProgressBar::new(len);
    pb.set_style(
        ProgressStyle::with_template("{msg} [{bar:30}] {pos}/{len} {per_sec} eta {eta}")
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> "),
    );
    pb.set_message(what.to_string());
    pb
}

fn prototypes_cmd(device: DeviceChoice, a: &PrototypesArgs) -> Result<()> {
    prototypes::check_sizes(a.classes, a.dim)?;
    if let Some(out) = &a.out {
        check_writable(out)?;
    }
    let (dev, dev_name) = device::select(device)?;
    let opts = prototypes::Options {
        classes: a.classes,
        dim: a.dim,
        method: a.method,
        steps: a.steps,
        batch: a.batch,
        seed: a.seed,
    };
    let pb = bar(0, "optimising");
    let est = prototypes::estimate(&opts, &dev, |done, total| {
        pb.set_length(total as u64);
        pb.set_position(done as u64);
    })?;
    pb.finish_and_clear();
    if let Some(out) = &a.out {
        crate::io::write_npy(out, &est.data, est.classes, est.dim)?;
    }
    if a.json {
        let mut v = serde_json::to_value(&est).map_err(|e| Error::Numerical(e.to_string()))?;
        v["device"] = dev_name.into();
        v["out"] = a.out.as_ref().map(|p| p.display().to_string()).into();
        println!("{v}");
    } else {
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
    }
    Ok(())
}

/// Fails early (before minutes of work) when `path`'s directory does not exist or is not writable.
fn check_writable(path: &std::path::Path) -> Result<()> {
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let probe = dir.join(format!(".dl2pa-write-test{}", std::process::id()));
    std::fs::write(&probe, b"").map_err(|e| Error::io(path, e))?;
    let _ = std::fs::remove_file(probe);
    Ok(())
}
