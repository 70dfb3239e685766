//! The command line: `dl2pa <subcommand>`, one file per subcommand.

mod data;
mod eval;
mod experiment;
mod export;
mod predict;
mod prototypes;
mod train;

use std::io::IsTerminal;

use clap::{Parser, Subcommand};
use indicatif::{ProgressBar, ProgressStyle};

pub use data::DataArgs;
pub use eval::EvalArgs;
pub use experiment::ExperimentArgs;
pub use export::ExportArgs;
pub use predict::PredictArgs;
pub use prototypes::PrototypesArgs;
pub use train::TrainArgs;

use crate::device::DeviceChoice;
use crate::error::{Error, Result};

/// DL2PA: hyperspherical classification with dynamic label-to-prototype assignment.
#[derive(Debug, Parser)]
#[command(name = "dl2pa", version = crate::VERSION, about, long_about = None)]
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
    /// Classify new inputs with a run's last checkpoint (the run directory is all it needs).
    Predict(PredictArgs),
    /// Estimate K equidistributed prototypes in R^d and write them as .npy.
    Prototypes(PrototypesArgs),
    /// Export a run for dl2pa-core: int8 model file, quantised test features, Rust source.
    Export(ExportArgs),
    /// Reproduce one of the paper's experiments: tables and plots in one directory.
    Experiment(ExperimentArgs),
    /// Load a --data spec as training would: print its classes and counts, draw a preview.
    Data(DataArgs),
}

/// Runs a parsed command line.
///
/// # Errors
/// Whatever the subcommand reports; `main` prints it as one line.
pub fn run(cli: Cli) -> Result<()> {
    match cli.command {
        Command::Train(args) => train::run(cli.device, args),
        Command::Eval(args) => eval::run(cli.device, &args),
        Command::Predict(args) => predict::run(cli.device, &args),
        Command::Prototypes(args) => prototypes::run(cli.device, &args),
        Command::Export(args) => export::run(cli.device, &args),
        Command::Experiment(args) => experiment::run(cli.device, &args),
        Command::Data(args) => data::run(&args),
    }
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

/// Progress of a long step (prototype estimation): a bar with an ETA on a terminal; otherwise
/// (a log, a pipe) one line at the start and one per tenth done, with the ETA, so that a long
/// estimate is never silent.
struct StepLog {
    what: &'static str,
    bar: ProgressBar,
    terminal: bool,
    start: std::time::Instant,
    next_tenth: usize,
}

impl StepLog {
    fn new(what: &'static str) -> Self {
        StepLog {
            what,
            bar: bar(0, what),
            terminal: std::io::stderr().is_terminal(),
            start: std::time::Instant::now(),
            next_tenth: 0,
        }
    }

    /// `done` of `total` steps.
    fn at(&mut self, done: usize, total: usize) {
        if done <= 1 {
            self.start = std::time::Instant::now();
        }
        self.bar.set_length(total as u64);
        self.bar.set_position(done as u64);
        if self.terminal || total == 0 || done * 10 < self.next_tenth * total {
            return;
        }
        let elapsed = self.start.elapsed().as_secs_f64();
        let eta = if done == 0 {
            String::new()
        } else {
            let left = elapsed * (total - done) as f64 / done as f64;
            format!(
                ", eta {}",
                indicatif::HumanDuration(std::time::Duration::from_secs_f64(left))
            )
        };
        eprintln!("{}: step {done}/{total}{eta}", self.what);
        self.next_tenth = done * 10 / total + 1;
    }

    /// Clears the bar (the steps are over).
    fn finish(&self) {
        self.bar.finish_and_clear();
    }
}
