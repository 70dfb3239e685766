//! `dl2pa predict`: new inputs in the run's input format → class names, by the run's f32
//! network or (`--model`) by an exported int8 model through dl2pa-core, as on a device.

use std::path::PathBuf;

use crate::device::{self, DeviceChoice};
use crate::error::Result;
use crate::inference::Classifier;
use crate::run::RunDir;

/// `dl2pa predict`.
#[derive(Debug, clap::Args)]
pub struct PredictArgs {
    /// Run directory (all that prediction needs besides the inputs)
    pub run: PathBuf,
    /// Inputs: a PNG/JPEG image or folder of them, an IDX image file, or a CSV file of rows
    /// laid out as the training file, with or without the label column (gzipped or not)
    pub input: PathBuf,
    /// Classify with this exported model (`export --backbone`) through dl2pa-core's int8 path,
    /// exactly as a device would, instead of the run's f32 network
    #[arg(long, value_name = "FILE.dl2p")]
    pub model: Option<PathBuf>,
}

pub(super) fn run(device: DeviceChoice, a: &PredictArgs) -> Result<()> {
    let schema = RunDir::new(&a.run).schema()?;
    let inputs = schema.read(&a.input)?;
    let classes: Vec<String> = match &a.model {
        Some(model) => crate::int8::predict_with_model(model, &inputs, &schema)?,
        None => {
            let (dev, _) = device::select(device)?;
            let c = Classifier::load(&a.run, &dev)?;
            let preds = c.predict(&inputs, &dev)?;
            preds
                .into_iter()
                .map(|p| schema.classes[p as usize].clone())
                .collect()
        }
    };
    super::print_lines(
        inputs
            .names
            .iter()
            .zip(&classes)
            .map(|(n, c)| format!("{n}\t{c}")),
    )
}
