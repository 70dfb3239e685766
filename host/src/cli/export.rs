//! `dl2pa export`: a run → the core's model file (and test features, Rust source), with the
//! report of what the int8 model gives up.

use std::path::PathBuf;

use crate::device::{self, DeviceChoice};
use crate::error::{Error, Result};
use crate::export::{BackboneReport, ExportConfig, QuantKind, Report};

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
    /// Include the backbone in int8 (MLP and CNN runs), so the device classifies raw inputs
    #[arg(long)]
    pub backbone: bool,
    /// Also write the first --test-vectors-count raw test inputs, their labels and the core's
    /// classes, for checking a device against the host (needs --backbone)
    #[arg(long, value_name = "FILE")]
    pub test_vectors: Option<PathBuf>,
    /// Raw test inputs in --test-vectors
    #[arg(long, value_name = "N", default_value_t = 100)]
    pub test_vectors_count: usize,
    /// Print the report as JSON
    #[arg(long)]
    pub json: bool,
}

pub(super) fn run(device: DeviceChoice, a: &ExportArgs) -> Result<()> {
    let (dev, _) = device::select(device)?;
    let cfg = ExportConfig {
        quant: a.quant,
        features: a.features.clone(),
        rust: a.rust.clone(),
        backbone: a.backbone,
        test_vectors: a.test_vectors.clone().map(|p| (p, a.test_vectors_count)),
    };
    let r = crate::export::export(&a.run, &a.out, &cfg, &dev)?;
    if a.json {
        println!("{}", serde_json::to_string(&r).unwrap_or_default());
    } else {
        print_report(a, &r);
    }
    let mismatches = r.core_mismatches();
    if mismatches > 0 {
        return Err(Error::Numerical(format!(
            "the core disagrees with the host on {mismatches} predictions"
        )));
    }
    Ok(())
}

fn print_report(a: &ExportArgs, r: &Report) {
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
    match &r.test {
        Some(t) => {
            println!(
                "  test top-1  f32 {:.2} %  int8 {:.2} %  (one int8 step per prototype: {:.2} %)",
                t.f32_top1, t.int8_top1, t.int8_per_prototype_top1
            );
            println!(
                "  int8 vs f32 {} of {} predictions differ; core vs host int8 simulation: {} mismatches",
                t.int8_vs_f32_disagreements, t.examples, t.core_mismatches
            );
        }
        None => println!(
            "  test        not evaluated: {}",
            r.not_evaluated.as_deref().unwrap_or("no data")
        ),
    }
    if let Some(b) = &r.backbone {
        print_backbone(b);
    }
    if let Some(f) = &a.features {
        println!("  features    {}", f.display());
    }
    if let Some(f) = &a.rust {
        println!("  rust        {}", f.display());
    }
    if let Some(f) = &a.test_vectors {
        println!(
            "  vectors     {} ({} raw test inputs)",
            f.display(),
            a.test_vectors_count
        );
    }
}

/// The int8 backbone's lines of the report.
fn print_backbone(b: &BackboneReport) {
    println!(
        "  backbone    int8 {} {} ({} MACs per input with the prototypes), ranges from {} training inputs",
        b.kind.to_uppercase(),
        b.layers.join(", "),
        b.macs,
        b.calibration_examples
    );
    println!(
        "              {} bytes RAM to classify one raw input ({} of them the arena)",
        b.ram_bytes, b.arena_bytes
    );
    if let Some(t) = &b.test {
        println!(
            "              test top-1 from raw inputs: f32 {:.2} %  int8 {:.2} %",
            t.f32_top1, t.int8_top1
        );
        println!(
            "              folded f32 vs trained model: {} differ; core vs host int8 simulation: {} mismatches",
            t.fold_disagreements, t.core_mismatches
        );
    }
}
