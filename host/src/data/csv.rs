//! Tabular data: a CSV file with numeric features and one label column.
//!
//! The first row is a header when the label column is given by name, or when any of its feature
//! fields is not a number. Labels may be integers (classes in numeric order) or strings (classes
//! in lexicographic order).

use std::collections::BTreeMap;
use std::path::Path;

use super::{Shape, Split};
use crate::error::{Error, Result};

/// Reads `file`; `label` is a column name or a 0-based index.
pub fn load(file: &Path, label: &str) -> Result<(Split, Vec<String>, Shape)> {
    let mut reader = ::csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(false)
        .from_path(file)
        .map_err(|e| csv_err(file, e))?;
    let mut rows: Vec<::csv::StringRecord> = Vec::new();
    for rec in reader.records() {
        rows.push(rec.map_err(|e| csv_err(file, e))?);
    }
    let first = rows
        .first()
        .ok_or_else(|| Error::format(file, "empty file"))?
        .clone();
    let by_index = label.parse::<usize>().ok();
    let col = match by_index {
        Some(i) if i < first.len() => i,
        Some(i) => {
            return Err(Error::format(
                file,
                format!(
                    "label column {i} out of range: the file has {} columns",
                    first.len()
                ),
            ));
        }
        None => first
            .iter()
            .position(|h| h.trim() == label)
            .ok_or_else(|| {
                Error::format(file, format!("no column named {label:?} in the header"))
            })?,
    };
    let has_header = by_index.is_none()
        || first
            .iter()
            .enumerate()
            .any(|(j, f)| j != col && f.trim().parse::<f64>().is_err());
    let body = if has_header { &rows[1..] } else { &rows[..] };
    if body.is_empty() {
        return Err(Error::format(file, "no data rows"));
    }
    let features = first.len() - 1;
    if features == 0 {
        return Err(Error::format(file, "no feature columns besides the label"));
    }
    let line0 = if has_header { 2 } else { 1 };
    let mut x = Vec::with_capacity(body.len() * features);
    let mut raw_labels = Vec::with_capacity(body.len());
    for (r, rec) in body.iter().enumerate() {
        for (j, f) in rec.iter().enumerate() {
            if j == col {
                raw_labels.push(f.trim().to_string());
                continue;
            }
            let v: f32 = f.trim().parse().map_err(|_| {
                Error::format(
                    file,
                    format!(
                        "line {}, column {}: {f:?} is not a number",
                        r + line0,
                        j + 1
                    ),
                )
            })?;
            if !v.is_finite() {
                return Err(Error::format(
                    file,
                    format!("line {}, column {}: {f} is not finite", r + line0, j + 1),
                ));
            }
            x.push(v);
        }
    }
    // Integer labels sort numerically, others as strings.
    let numeric: Option<Vec<i64>> = raw_labels.iter().map(|l| l.parse::<i64>().ok()).collect();
    let (classes, y): (Vec<String>, Vec<u32>) = match numeric {
        Some(nums) => {
            let set: BTreeMap<i64, u32> = nums.iter().map(|&n| (n, 0)).collect();
            let index: BTreeMap<i64, u32> = set
                .keys()
                .enumerate()
                .map(|(i, &k)| (k, i as u32))
                .collect();
            (
                index.keys().map(|k| k.to_string()).collect(),
                nums.iter().map(|n| index[n]).collect(),
            )
        }
        None => {
            let index: BTreeMap<&str, u32> = {
                let set: BTreeMap<&str, ()> = raw_labels.iter().map(|l| (l.as_str(), ())).collect();
                set.keys()
                    .enumerate()
                    .map(|(i, &k)| (k, i as u32))
                    .collect()
            };
            (
                index.keys().map(|k| k.to_string()).collect(),
                raw_labels.iter().map(|l| index[l.as_str()]).collect(),
            )
        }
    };
    Ok((
        Split { x, y },
        classes,
        Shape {
            channels: features,
            height: 1,
            width: 1,
        },
    ))
}

fn csv_err(file: &Path, e: ::csv::Error) -> Error {
    match e.into_kind() {
        ::csv::ErrorKind::Io(io) => Error::io(file, io),
        other => Error::format(file, format!("{other:?}")),
    }
}
