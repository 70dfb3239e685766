//! The embedded UCI optical-recognition digits (8×8, values 0..16, 1 797 images), as shipped by
//! scikit-learn (`host/data/digits.csv.gz`): a gzipped CSV (64 pixel counts, then the label) read by the table reader like
//! any `csv:FILE`. Source and licence (CC BY 4.0): `host/data/README.md`.

use std::path::Path;

use super::csv::{TableLayout, read_labelled};
use super::{Shape, Split, gz};
use crate::error::Result;

const DIGITS_CSV_GZ: &[u8] = include_bytes!("../../host/data/digits.csv.gz");

/// Factor from a digit count (0..16) to the value the networks read.
pub const SCALE: f64 = 1.0 / 16.0;

/// All 1 797 examples as counts (`0..=16`), class names `0`…`9` and the shape. Its rows are
/// laid out as [`TableLayout::unnamed`]`(64)`: what `predict` expects of a digits run's CSV.
///
/// # Errors
/// Only if the embedded file were corrupt.
pub fn load() -> Result<(Split, Vec<String>, Shape)> {
    let name = Path::new("digits (embedded)");
    let bytes = gz::decompress(name, DIGITS_CSV_GZ.to_vec())?;
    let table = read_labelled(name, &bytes, "64")?;
    let shape = Shape {
        channels: 1,
        height: 8,
        width: 8,
    };
    debug_assert_eq!(table.layout, TableLayout::unnamed(shape.features()));
    Ok((table.split, table.classes, shape))
}
