//! `dl2pa eval`: a run's last checkpoint on its test split, or on another dataset's.

use std::path::PathBuf;

use crate::device::{self, DeviceChoice};
use crate::error::Result;
use crate::inference::Classifier;

/// `dl2pa eval`.
#[derive(Debug, clap::Args)]
pub struct EvalArgs {
    /// Run directory
    pub run: PathBuf,
    /// Evaluate on this data's test split instead of the run's (same shape and classes)
    #[arg(long, value_name = "SPEC")]
    pub data: Option<String>,
    /// Print JSON
    #[arg(long)]
    pub json: bool,
}

pub(super) fn run(device: DeviceChoice, a: &EvalArgs) -> Result<()> {
    let (dev, _) = device::select(device)?;
    let c = Classifier::load(&a.run, &dev)?;
    let mut data = c.data(a.data.as_deref())?;
    c.schema().standardise(&mut data.test.x);
    let (e, _) = c.evaluate(&data.test, &dev)?;
    if a.json {
        println!("{}", serde_json::to_string(&e).unwrap_or_default());
    } else {
        println!(
            "{}: {} test examples of {}",
            a.run.display(),
            e.examples,
            data.name
        );
        println!(
            "  test top-1 {:.2} %  top-5 {:.2} %  ECE {:.2} %",
            e.top1, e.top5, e.ece
        );
    }
    Ok(())
}
