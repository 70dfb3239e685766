//! `dl2pa train`.

use std::path::{Path, PathBuf};

use crate::config::{TrainConfig, TrainFlags};
use crate::device::{self, DeviceChoice};
use crate::error::Result;
use crate::run::{RunDir, Summary};
use crate::train::Progress;

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
    /// Continue RUN from its last checkpoint with its config.toml. Flags may change only how
    /// training goes on: --epochs, --lr, --momentum, --weight-decay, --schedule,
    /// --warmup-epochs, --milestones, --gamma, --batch-size, --loss, --scale, --margin,
    /// --label-smoothing, --reduction, --ema-momentum, --assign-every, --assign-backoff, --crop, --flip, --balance, --mixup,
    /// --many-threshold, --few-threshold, --eval-every; any other is refused
    #[arg(long, value_name = "RUN", conflicts_with_all = ["out", "config"])]
    pub resume: Option<PathBuf>,
    /// Stop after epoch N of the schedule (checkpoint written); continue later with --resume
    #[arg(long, value_name = "N")]
    pub stop_after: Option<usize>,
}

pub(super) fn run(device: DeviceChoice, a: TrainArgs) -> Result<()> {
    let mut cfg = match (&a.resume, &a.config) {
        (Some(run), _) => RunDir::new(run).config()?,
        (None, Some(file)) => TrainConfig::from_file(file)?,
        (None, None) => TrainConfig::default(),
    };
    a.flags.apply(&mut cfg);
    cfg.validate()?;
    let run = match (&a.resume, &a.out) {
        (Some(run), _) | (None, Some(run)) => run.clone(),
        (None, None) => crate::train::default_run_dir(&cfg),
    };
    let (dev, dev_name) = device::select(device)?;
    cfg.precision.apply(&dev)?;
    eprintln!(
        "dl2pa train: {} on {dev_name} -> {}",
        cfg.data,
        run.display()
    );
    let pb = super::bar(cfg.epochs as u64, "epochs");
    let mut prototypes = super::StepLog::new("prototypes");
    let resume = a.resume.is_some();
    let summary = crate::train::train(&cfg, &dev, &run, resume, a.stop_after, &mut |p| match p {
        Progress::Prototypes { done, total } => prototypes.at(done, total),
        Progress::Epoch(line) => {
            prototypes.finish();
            pb.inc(1);
            pb.suspend(|| eprintln!("{line}"));
        }
    })?;
    pb.finish_and_clear();
    print_summary(&cfg, &summary, &run)
}

fn print_summary(cfg: &TrainConfig, s: &Summary, run: &Path) -> Result<()> {
    let info = RunDir::new(run).info()?;
    let classes = &info.schema.classes;
    println!();
    println!(
        "  data        {} ({} train / {} test, {} classes)",
        info.dataset,
        info.train_examples,
        info.test_examples,
        classes.len()
    );
    println!(
        "  model       {:?} d={} head-bn={} method={:?} loss={:?}/{:?}",
        cfg.backbone, cfg.dim, cfg.head_bn, cfg.method, cfg.loss, cfg.reduction
    );
    println!("  test top-1  {:>6.2} %", s.test_top1);
    println!("  test top-5  {:>6.2} %", s.test_top5);
    println!("  ECE         {:>6.2} %", s.ece);
    let g = &s.groups;
    if g.classes[0] != classes.len() {
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
            "  assignment  {} labels moved in total; final σ (class -> prototype) {:?}",
            s.moved, s.sigma
        );
    }
    println!(
        "  throughput  {:.0} img/s ({:.1} s training, {:.1} s wall)",
        s.img_per_s, s.train_seconds, s.wall_seconds
    );
    let per: Vec<String> = classes
        .iter()
        .zip(&s.per_class_accuracy)
        .map(|(c, a)| a.map_or(format!("{c} –"), |a| format!("{c} {a:.1}")))
        .collect();
    println!("  per class   {}", per.join(" | "));
    let untested = s.per_class_accuracy.iter().filter(|a| a.is_none()).count();
    if untested > 0 {
        println!(
            "  note        {untested} of {} classes have no test example (– above; left out of the group means)",
            classes.len()
        );
    }
    println!(
        "  run         {} (config.toml, metrics.json, state.json, ckpt/)",
        run.display()
    );
    Ok(())
}
