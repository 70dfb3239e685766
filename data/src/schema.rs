//! What a new input must look like for a trained run, and the one way to read such inputs.
//!
//! Saved in the run directory (`dataset.json`), so `predict` and `export` need the run and the
//! input file only — never the training data.

use std::path::Path;

use serde::{Deserialize, Serialize};

use super::csv::{TableLayout, read_inputs};
use super::{Shape, entries, gz, idx, image};
use crate::error::{Error, Result};

/// The input side of a run: shape, classes, standardisation, raw scale and, for table runs,
/// the layout of the training file's rows.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct InputSchema {
    /// Class names, one per class index.
    pub classes: Vec<String>,
    /// Shape of one example.
    pub shape: Shape,
    /// Per-channel `(mean, std)` of the training inputs: inputs are standardised as
    /// `(x − mean) / std` before the network.
    pub standardisation: Vec<(f64, f64)>,
    /// Factor from the numbers in a file (pixel bytes 1/255, digit counts 1/16, CSV numbers 1)
    /// to the values before standardisation: what a device with the int8 backbone is fed.
    pub raw_scale: f64,
    /// For runs trained on a CSV file: how its rows map to features. `None` for every other
    /// source, whose CSV inputs are `features` values, optionally followed by the label.
    #[serde(default)]
    pub table: Option<TableLayout>,
}

/// Inputs read from a file: names and values, `names.len() × shape.features()`.
#[derive(Clone, Debug, PartialEq)]
pub struct Inputs {
    /// One name per input (file name, or `FILE:line` / `FILE:index`).
    pub names: Vec<String>,
    /// Values before standardisation (pixel bytes / 255, digit counts / 16, CSV numbers).
    pub x: Vec<f32>,
}

/// Most values one input may have (a 4096 × 4096 RGB image is 50 M).
pub const MAX_FEATURES: usize = 1 << 26;

impl InputSchema {
    /// The identity of this input pipeline: a CRC-32 (ISO-HDLC) over the class names, the
    /// shape, the standardisation, the raw scale and the table layout, each field length-
    /// prefixed and little-endian. An exported model carries it (model flag bit 3, FORMAT.md),
    /// so inputs prepared by another run's schema are refused instead of misclassified.
    pub fn id(&self) -> u32 {
        const CRC: crc::Crc<u32> = crc::Crc::<u32>::new(&crc::CRC_32_ISO_HDLC);
        let mut d = CRC.digest();
        let mut text = |t: &str| {
            d.update(&(t.len() as u64).to_le_bytes());
            d.update(t.as_bytes());
        };
        self.classes.iter().for_each(|c| text(c));
        if let Some(t) = &self.table {
            t.columns.iter().for_each(|c| text(c));
        }
        let mut numbers: Vec<u64> = vec![self.classes.len() as u64];
        let s = self.shape;
        numbers.extend([s.channels, s.height, s.width].map(|v| v as u64));
        numbers.extend(
            self.standardisation
                .iter()
                .flat_map(|&(m, sd)| [m.to_bits(), sd.to_bits()]),
        );
        numbers.push(self.raw_scale.to_bits());
        if let Some(t) = &self.table {
            numbers.extend([t.columns.len(), t.width, t.label].map(|v| v as u64));
        }
        for n in numbers {
            d.update(&n.to_le_bytes());
        }
        d.finalize()
    }

    /// Checks a schema read from a file before anything uses it: at least two classes, a
    /// shape of at most [`MAX_FEATURES`] values, one finite `(mean, std > 0)` per channel, a
    /// finite positive raw scale, and a table layout that fits the shape.
    ///
    /// # Errors
    /// What is wrong, as a message for the file's error.
    pub fn check(&self) -> std::result::Result<(), String> {
        let s = self.shape;
        let features = s
            .channels
            .checked_mul(s.height)
            .and_then(|v| v.checked_mul(s.width))
            .filter(|&f| (1..=MAX_FEATURES).contains(&f))
            .ok_or_else(|| {
                format!(
                    "shape {}x{}x{}: expected 1..={MAX_FEATURES} values per input",
                    s.channels, s.height, s.width
                )
            })?;
        if self.classes.len() < 2 {
            return Err(format!(
                "{} class(es): expected at least 2",
                self.classes.len()
            ));
        }
        let stats_ok = self.standardisation.len() == s.channels
            && self
                .standardisation
                .iter()
                .all(|&(m, d)| m.is_finite() && d.is_finite() && d > 0.0);
        if !stats_ok {
            return Err(format!(
                "standardisation: expected {} finite (mean, std > 0) pairs, one per channel",
                s.channels
            ));
        }
        if !(self.raw_scale.is_finite() && self.raw_scale > 0.0) {
            return Err(format!(
                "raw scale {}: expected a finite positive number",
                self.raw_scale
            ));
        }
        if let Some(t) = &self.table {
            let fits = t.width == features + 1
                && t.label < t.width
                && (t.columns.is_empty() || t.columns.len() == t.width);
            if !fits {
                return Err(format!(
                    "table layout of {} columns (label {}, {} names): expected {} columns, the label among them, and a name for each or none",
                    t.width,
                    t.label,
                    t.columns.len(),
                    features + 1
                ));
            }
        }
        Ok(())
    }

    /// Values per input.
    pub fn features(&self) -> usize {
        self.shape.features()
    }

    /// How CSV rows map to features for this run.
    pub fn table_layout(&self) -> TableLayout {
        self.table
            .clone()
            .unwrap_or_else(|| TableLayout::unnamed(self.features()))
    }

    /// Reads `path` as this run's inputs: a PNG/JPEG image or a folder of them (image runs), an
    /// IDX image file (grayscale image runs), or a CSV file of rows (`.csv`, `.csv.gz`; any
    /// run). Gzip is recognised by content. Values are as the training loader gives them,
    /// before standardisation.
    ///
    /// # Errors
    /// [`Error::Io`]; [`Error::Format`] naming the file (and line) for anything that does not
    /// fit this run's inputs.
    pub fn read(&self, path: &Path) -> Result<Inputs> {
        let lower = path.to_string_lossy().to_ascii_lowercase();
        let (names, x) = if path.is_dir() {
            self.read_image_folder(path)?
        } else if image::is_image_file(path) {
            self.require_images(path)?;
            (
                vec![path.display().to_string()],
                image::decode_as(path, self.shape)?,
            )
        } else if lower.ends_with(".csv") || lower.ends_with(".csv.gz") {
            self.read_csv(path)?
        } else {
            self.require_images(path)?;
            if self.shape.channels != 1 {
                return Err(Error::format(
                    path,
                    format!(
                        "IDX images are grayscale: this run reads {} channels",
                        self.shape.channels
                    ),
                ));
            }
            idx::read_images(path, self.shape.height, self.shape.width)?
        };
        Ok(Inputs { names, x })
    }

    /// Standardises inputs (`n × features`) in place as training did.
    pub fn standardise(&self, x: &mut [f32]) {
        super::standardise::apply(x, self.shape, &self.standardisation);
    }

    fn require_images(&self, path: &Path) -> Result<()> {
        if self.shape.is_image() {
            Ok(())
        } else {
            Err(Error::format(
                path,
                "this run was trained on tabular data: give a CSV file",
            ))
        }
    }

    fn read_image_folder(&self, dir: &Path) -> Result<(Vec<String>, Vec<f32>)> {
        self.require_images(dir)?;
        let files = entries::visible(dir)?;
        if files.is_empty() {
            return Err(Error::format(dir, "no PNG or JPEG images in this folder"));
        }
        let mut x = Vec::with_capacity(files.len() * self.features());
        for f in &files {
            if !image::is_image_file(f) {
                return Err(Error::format(
                    f,
                    "not a PNG or JPEG image (hidden entries are skipped)",
                ));
            }
            x.extend(image::decode_as(f, self.shape)?);
        }
        Ok((files.iter().map(|f| f.display().to_string()).collect(), x))
    }

    fn read_csv(&self, path: &Path) -> Result<(Vec<String>, Vec<f32>)> {
        let bytes = gz::read(path)?;
        let (names, mut x) = read_inputs(path, &bytes, &self.table_layout())?;
        // A table run reads its numbers as they are; other runs' CSV rows hold the raw numbers
        // of their source (pixel bytes, digit counts), scaled as the loader scales them.
        if self.table.is_none() {
            super::scale_raw(&mut x, self.raw_scale);
        }
        Ok((names, x))
    }
}
