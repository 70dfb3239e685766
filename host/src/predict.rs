//! `dl2pa predict`: new inputs in the run's data format → class names, by the run's f32 network
//! or (`--model`) by an exported int8 model through dl2pa-core, as on a device.
//!
//! Accepted inputs: a PNG/JPEG image or a folder of them, an IDX image file (gzipped or not)
//! for image runs; a CSV file of feature rows (the label column, if present, is ignored) for
//! any run whose examples have that many values (the shipped `digits.csv.gz` format included).

use std::path::{Path, PathBuf};

use crate::data::{Shape, apply_standardisation};
use crate::error::{Error, Result};
use crate::train::RunInfo;

/// Inputs read from a file: their names and raw values (`n × features`, before standardisation).
pub struct Inputs {
    /// One name per input (file name, or `FILE:row`).
    pub names: Vec<String>,
    /// Standardised values, `n × features`.
    pub x: Vec<f32>,
}

/// Reads `path` for a run described by `info`, standardised as the run's network expects.
pub fn read_inputs(path: &Path, info: &RunInfo) -> Result<Inputs> {
    let mut inputs = read_raw_inputs(path, info)?;
    for (c, &st) in info.standardisation.iter().enumerate() {
        apply_standardisation(&mut inputs.x, info.shape, c, st);
    }
    Ok(inputs)
}

/// Reads `path` as the data loader's values (pixel/255, digit counts/16, CSV numbers as they
/// are), before standardisation: what a model with an int8 backbone takes.
pub fn read_raw_inputs(path: &Path, info: &RunInfo) -> Result<Inputs> {
    let s = info.shape;
    let (names, mut x) = if path.is_dir() {
        let mut files: Vec<PathBuf> = std::fs::read_dir(path)
            .map_err(|e| Error::io(path, e))?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| {
                p.extension().and_then(|e| e.to_str()).is_some_and(|e| {
                    matches!(e.to_ascii_lowercase().as_str(), "png" | "jpg" | "jpeg")
                })
            })
            .collect();
        files.sort();
        if files.is_empty() {
            return Err(Error::format(path, "no PNG or JPEG images in this folder"));
        }
        let mut x = Vec::new();
        for f in &files {
            x.extend(read_image(f, s)?);
        }
        (files.iter().map(|f| f.display().to_string()).collect(), x)
    } else {
        let lower = path.to_string_lossy().to_ascii_lowercase();
        if lower.ends_with(".png") || lower.ends_with(".jpg") || lower.ends_with(".jpeg") {
            (vec![path.display().to_string()], read_image(path, s)?)
        } else if lower.ends_with(".csv") || lower.ends_with(".csv.gz") {
            read_csv(path, s)?
        } else {
            read_idx(path, s)?
        }
    };
    let scale = info.raw_scale as f32;
    x.iter_mut().for_each(|v| *v *= scale);
    Ok(Inputs { names, x })
}

/// Classifies raw `inputs` with the exported model at `model` through the core
/// (`ModelRef::classify_raw`), returning class names (the file's, else the run's); an input
/// whose int8 embedding is all zero has no class and gets `-`.
///
/// # Errors
/// [`Error::Io`]; [`Error::Format`] if the file is not a model with a backbone or its input
/// size differs from the run's.
pub fn predict_with_model(model: &Path, inputs: &Inputs, info: &RunInfo) -> Result<Vec<String>> {
    let bytes = std::fs::read(model).map_err(|e| Error::io(model, e))?;
    let m = dl2pa_core::format::Model::from_bytes(&bytes)
        .map_err(|e| Error::format(model, e.to_string()))?;
    let f = info.shape.features();
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
    let mut scratch = vec![0i8; m.raw_scratch_len()];
    inputs
        .x
        .chunks_exact(f)
        .map(|x| match m.classify_raw(x, &mut scratch) {
            Ok(p) => Ok(m
                .class_name(p.class)
                .map(str::to_string)
                .or_else(|| info.classes.get(p.class).cloned())
                .unwrap_or_else(|| p.class.to_string())),
            Err(dl2pa_core::Error::ZeroVector) => Ok("-".to_string()),
            Err(e) => Err(Error::format(model, e.to_string())),
        })
        .collect()
}

/// Raw pixel bytes of an image of exactly the run's size, channel-major.
fn read_image(path: &Path, s: Shape) -> Result<Vec<f32>> {
    if !s.is_image() {
        return Err(Error::format(
            path,
            "this run was trained on tabular data: give a CSV file",
        ));
    }
    let img =
        image::open(path).map_err(|e| Error::format(path, format!("cannot decode image: {e}")))?;
    if (img.width() as usize, img.height() as usize) != (s.width, s.height) {
        return Err(Error::format(
            path,
            format!(
                "image is {}x{}: expected {}x{}",
                img.width(),
                img.height(),
                s.width,
                s.height
            ),
        ));
    }
    Ok(if s.channels == 1 {
        img.to_luma8()
            .as_raw()
            .iter()
            .map(|&p| f32::from(p))
            .collect()
    } else {
        let rgb = img.to_rgb8();
        (0..3)
            .flat_map(|c| {
                rgb.pixels()
                    .map(move |p| f32::from(p.0[c]))
                    .collect::<Vec<_>>()
            })
            .collect()
    })
}

fn read_idx(path: &Path, s: Shape) -> Result<(Vec<String>, Vec<f32>)> {
    let bytes = crate::data::read_maybe_gz(path)?;
    let (dims, pixels) = crate::data::parse_idx(path, &bytes, 3)?;
    if s.channels != 1 || (dims[1], dims[2]) != (s.height, s.width) {
        return Err(Error::format(
            path,
            format!(
                "IDX images are {}x{}: expected {}x{}x{}",
                dims[1], dims[2], s.channels, s.height, s.width
            ),
        ));
    }
    let name = path.display().to_string();
    Ok((
        (0..dims[0]).map(|i| format!("{name}:{i}")).collect(),
        pixels.iter().map(|&p| f32::from(p)).collect(),
    ))
}

fn read_csv(path: &Path, s: Shape) -> Result<(Vec<String>, Vec<f32>)> {
    let bytes = crate::data::read_maybe_gz(path)?;
    let text = String::from_utf8(bytes).map_err(|_| Error::format(path, "not UTF-8 text"))?;
    let f = s.features();
    let (mut names, mut x) = (Vec::new(), Vec::new());
    for (i, line) in text
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
    {
        let vals: Vec<&str> = line.split(',').collect();
        if vals.len() != f && vals.len() != f + 1 {
            return Err(Error::format(
                path,
                format!(
                    "line {}: {} values: expected {f} features (optionally + a label last)",
                    i + 1,
                    vals.len()
                ),
            ));
        }
        for v in &vals[..f] {
            match v.trim().parse::<f32>() {
                Ok(n) if n.is_finite() => x.push(n),
                _ if i == 0 => {
                    // A header line.
                    x.truncate(names.len() * f);
                    break;
                }
                _ => {
                    return Err(Error::format(
                        path,
                        format!("line {}: {v:?} is not a number", i + 1),
                    ));
                }
            }
        }
        if x.len() == (names.len() + 1) * f {
            names.push(format!("{}:{}", path.display(), i + 1));
        }
    }
    if names.is_empty() {
        return Err(Error::format(path, "no data rows"));
    }
    Ok((names, x))
}
