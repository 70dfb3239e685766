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
