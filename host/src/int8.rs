//! Classifying inputs with an exported model file through dl2pa-core, exactly as a device
//! would (`dl2pa predict RUN INPUT --model m.dl2p`). The f32 path is
//! [`Classifier::predict`](crate::inference::Classifier::predict); both read inputs through
//! [`InputSchema::read`](crate::data::InputSchema::read).

use std::path::Path;

use crate::data::{InputSchema, Inputs};
use crate::error::{Error, Result};

/// Classifies raw `inputs` (as [`InputSchema::read`] gives them) with the exported model at
/// `model` through the core (`ModelRef::classify_raw`), returning class names (the file's, else
/// the run's); an input whose int8 embedding is all zero has no class and gets `-`.
///
/// # Errors
/// [`Error::Io`](crate::data::Error::Io); [`Error::Format`](crate::data::Error::Format) if the file
/// is not a model with a backbone, was exported from a run with another input schema (its
/// input identity differs), or its input size differs from the run's.
pub fn predict_with_model(
    model: &Path,
    inputs: &Inputs,
    schema: &InputSchema,
) -> Result<Vec<String>> {
    let bytes = std::fs::read(model).map_err(|e| Error::io(model, e))?;
    let m = dl2pa_core::format::Model::from_bytes(&bytes)
        .map_err(|e| Error::format(model, e.to_string()))?;
    if let Some(id) = m.input_id().filter(|&id| id != schema.id()) {
        return Err(Error::format(
            model,
            format!(
                "exported from another run: its inputs are prepared by input schema {id:08x} ({} classes: {}), this run's is {:08x} ({} classes: {}); predict with the run it was exported from",
                m.classes(),
                names(|c| m.class_name(c), m.classes()),
                schema.id(),
                schema.classes.len(),
                names(
                    |c| schema.classes.get(c).map(String::as_str),
                    schema.classes.len()
                ),
            ),
        ));
    }
    let f = schema.features();
    match m.backbone() {
        None => {
            return Err(Error::format(
                model,
                "no backbone in this model: export it with --backbone to classify raw inputs",
            ));
        }
        Some(b) if b.inputs() != f => {
            return Err(Error::format(
                model,
                format!(
                    "the backbone takes {} inputs: expected {f} for this run's data",
                    b.inputs()
                ),
            ));
        }
        Some(_) => {}
    }
    let mut scratch = vec![0i8; m.arena_bytes()];
    inputs
        .x
        .chunks_exact(f)
        .map(|x| match m.classify_raw(x, &mut scratch) {
            Ok(p) => Ok(m
                .class_name(p.class)
                .map(str::to_string)
                .or_else(|| schema.classes.get(p.class).cloned())
                .unwrap_or_else(|| p.class.to_string())),
            Err(dl2pa_core::Error::ZeroVector) => Ok("-".to_string()),
            Err(e) => Err(Error::format(model, e.to_string())),
        })
        .collect()
}

/// The first few of `k` class names, for a message (`cat, dog, eel` or `0, 1, 2, …`).
fn names<'a>(name: impl Fn(usize) -> Option<&'a str>, k: usize) -> String {
    let shown: Vec<&str> = (0..k.min(3)).map(|c| name(c).unwrap_or("?")).collect();
    let more = if k > 3 { ", …" } else { "" };
    format!("{}{more}", shown.join(", "))
}
