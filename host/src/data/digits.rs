//! The embedded UCI optical-recognition digits (8×8, values 0..16, 1 797 images), as shipped by
//! scikit-learn. Source and licence (CC BY 4.0): `host/data/README.md`.

use super::{Shape, Split};
use crate::error::{Error, Result};

const DIGITS_CSV_GZ: &[u8] = include_bytes!("../../data/digits.csv.gz");

/// All 1 797 examples, scaled to `[0, 1]`, with class names `0`…`9`.
pub fn load() -> Result<(Split, Vec<String>, Shape)> {
    use std::io::Read;
    let mut text = String::new();
    flate2::read::GzDecoder::new(DIGITS_CSV_GZ)
        .read_to_string(&mut text)
        .map_err(|e| Error::format("digits (embedded)", e.to_string()))?;
    let mut split = Split::default();
    for (line_no, line) in text.lines().enumerate() {
        let vals: Vec<&str> = line.split(',').collect();
        if vals.len() != 65 {
            return Err(Error::format(
                "digits (embedded)",
                format!("line {}: expected 65 values", line_no + 1),
            ));
        }
        for v in &vals[..64] {
            let p: f32 = v.trim().parse().map_err(|_| {
                Error::format(
                    "digits (embedded)",
                    format!("line {}: bad pixel {v}", line_no + 1),
                )
            })?;
            split.x.push(p / 16.0);
        }
        let y: u32 = vals[64].trim().parse().map_err(|_| {
            Error::format(
                "digits (embedded)",
                format!("line {}: bad label", line_no + 1),
            )
        })?;
        split.y.push(y);
    }
    let classes = (0..10).map(|d| d.to_string()).collect();
    Ok((
        split,
        classes,
        Shape {
            channels: 1,
            height: 8,
            width: 8,
        },
    ))
}
