//! Tables: CSV files of numeric features and one label column, gzipped or not. Training and
//! `predict` read rows through this one reader.
//!
//! Training ([`read_labelled`]): the label column is given by name or 0-based index, wherever it
//! sits. The first row is a header when the label is given by name, or when any of its feature
//! fields is not a number. Labels may be integers (classes in numeric order) or strings (classes
//! in lexicographic order). The file's [`TableLayout`] is saved with the run.
//!
//! Prediction ([`read_inputs`]): rows laid out as in the training file, with the label column or
//! without it. With a header, columns are matched by name (any order); without one, by position.
//! A row that fits neither is an error naming the file, its line and what was expected.

use std::collections::BTreeMap;
use std::path::Path;

use serde::{Deserialize, Serialize};

use super::Split;
use crate::error::{Error, Result};

/// How the rows of a table map to inputs: what prediction needs to read new rows exactly as
/// training read the training file.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TableLayout {
    /// Column names of the header, label included, in file order; empty without a header.
    pub columns: Vec<String>,
    /// Columns of a row: the features and the label.
    pub width: usize,
    /// 0-based index of the label column.
    pub label: usize,
}

impl TableLayout {
    /// The layout of rows for a run not trained on a table: `features` values, then (optionally)
    /// the label, no names — the format of the shipped `digits.csv.gz`.
    pub fn unnamed(features: usize) -> Self {
        TableLayout {
            columns: Vec::new(),
            width: features + 1,
            label: features,
        }
    }

    /// Feature values per row.
    pub fn features(&self) -> usize {
        self.width - 1
    }

    /// Names of the feature columns, in order (empty without a header).
    fn feature_names(&self) -> impl Iterator<Item = &str> {
        self.columns
            .iter()
            .enumerate()
            .filter(move |&(j, _)| j != self.label)
            .map(|(_, n)| n.as_str())
    }
}

/// A labelled table: the raw feature values, the class names and the layout.
#[derive(Clone, Debug)]
pub struct Table {
    /// Features (as in the file) and class indices.
    pub split: Split,
    /// Class names in class-index order.
    pub classes: Vec<String>,
    /// How rows map to features.
    pub layout: TableLayout,
}

/// One row of the file with its line number.
struct Row {
    line: u64,
    fields: csv::StringRecord,
}

/// Every record of `bytes` (rows may differ in width: checked by the callers, with line numbers).
fn rows(file: &Path, bytes: &[u8]) -> Result<Vec<Row>> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(bytes);
    let mut out = Vec::new();
    // Line numbers from the record's byte offset: the csv crate counts neither the blank lines
    // it skips nor the ones its record offsets start on.
    let (mut at, mut line) = (0usize, 1u64);
    for rec in reader.records() {
        let fields = rec.map_err(|e| csv_err(file, e))?;
        let mut start = fields
            .position()
            .map_or(at, |p| p.byte() as usize)
            .clamp(at, bytes.len());
        while start < bytes.len() && matches!(bytes[start], b'\n' | b'\r') {
            start += 1;
        }
        line += bytes[at..start].iter().filter(|&&b| b == b'\n').count() as u64;
        at = start;
        out.push(Row { line, fields });
    }
    if out.is_empty() {
        return Err(Error::format(file, "empty file"));
    }
    Ok(out)
}

fn is_number(field: &str) -> bool {
    field.trim().parse::<f64>().is_ok()
}

/// A finite number, or an error naming line and column (1-based).
fn number(file: &Path, line: u64, column: usize, field: &str) -> Result<f32> {
    let v: f32 = field.trim().parse().map_err(|_| {
        Error::format(
            file,
            format!(
                "line {line}, column {}: {field:?} is not a number",
                column + 1
            ),
        )
    })?;
    if !v.is_finite() {
        return Err(Error::format(
            file,
            format!("line {line}, column {}: {field} is not finite", column + 1),
        ));
    }
    Ok(v)
}

/// Reads a labelled table for training; `label` is a column name or a 0-based index.
///
/// # Errors
/// [`Error::Format`] naming the file (and line, column) for an empty file, a missing label
/// column, no feature column, rows of another width or a field that is not a finite number.
pub fn read_labelled(file: &Path, bytes: &[u8], label: &str) -> Result<Table> {
    let rows = rows(file, bytes)?;
    let first = &rows[0].fields;
    let by_index = label.parse::<usize>().ok();
    let col = label_column(file, first, label, by_index)?;
    let header = by_index.is_none()
        || first
            .iter()
            .enumerate()
            .any(|(j, f)| j != col && !is_number(f));
    let body = if header { &rows[1..] } else { &rows[..] };
    if body.is_empty() {
        return Err(Error::format(file, "no data rows"));
    }
    let width = first.len();
    if width < 2 {
        return Err(Error::format(file, "no feature columns besides the label"));
    }
    let (x, labels) = split_label(file, body, width, col)?;
    let (classes, y) = class_indices(&labels);
    let columns = if header {
        first.iter().map(|h| h.trim().to_string()).collect()
    } else {
        Vec::new()
    };
    Ok(Table {
        split: Split { x, y },
        classes,
        layout: TableLayout {
            columns,
            width,
            label: col,
        },
    })
}

/// The 0-based label column: `by_index` (`label` parsed as a number) if in range, else the
/// column whose header is `label`.
fn label_column(
    file: &Path,
    first: &csv::StringRecord,
    label: &str,
    by_index: Option<usize>,
) -> Result<usize> {
    match by_index {
        Some(i) if i < first.len() => Ok(i),
        Some(i) => Err(Error::format(
            file,
            format!(
                "label column {i} out of range: the file has {} columns",
                first.len()
            ),
        )),
        None => first
            .iter()
            .position(|h| h.trim() == label)
            .ok_or_else(|| Error::format(file, format!("no column named {label:?} in the header"))),
    }
}

/// The features (row-major, `width − 1` per row) and the label text of every row of `body`.
fn split_label(
    file: &Path,
    body: &[Row],
    width: usize,
    col: usize,
) -> Result<(Vec<f32>, Vec<String>)> {
    let mut x = Vec::with_capacity(body.len() * (width - 1));
    let mut labels = Vec::with_capacity(body.len());
    for row in body {
        if row.fields.len() != width {
            return Err(Error::format(
                file,
                format!(
                    "line {}: {} fields: expected {width} like the first row",
                    row.line,
                    row.fields.len()
                ),
            ));
        }
        for (j, f) in row.fields.iter().enumerate() {
            if j == col {
                labels.push(label(file, row.line, f)?);
            } else {
                x.push(number(file, row.line, j, f)?);
            }
        }
    }
    Ok((x, labels))
}

/// Spellings of a missing value that pandas, R and spreadsheets write into a label column
/// (compared case-insensitively, as is the empty field). `NA` is not one of them: it can be a
/// class (a country code).
const MISSING: [&str; 7] = ["nan", "-nan", "<na>", "#n/a", "n/a", "null", "none"];

/// The label of one row, trimmed; an empty or missing-value label is an error naming the line:
/// a missing label is not a class.
fn label(file: &Path, line: u64, field: &str) -> Result<String> {
    let l = field.trim();
    if l.is_empty() || MISSING.iter().any(|m| l.eq_ignore_ascii_case(m)) {
        return Err(Error::format(
            file,
            format!(
                "line {line}: label {l:?} is a missing value, not a class: drop the row or give it its class"
            ),
        ));
    }
    Ok(l.to_string())
}

/// A label as an integer class: `3`, or a number with no fractional part as pandas writes an
/// integer column that once held a missing value (`3.0`, `3.00`, `3e0`).
fn integer_label(l: &str) -> Option<i64> {
    if let Ok(n) = l.parse::<i64>() {
        return Some(n);
    }
    let v: f64 = l.parse().ok()?;
    // Exactly representable and integral: 2^53 bounds the integers an f64 holds exactly.
    (v.is_finite() && v.fract() == 0.0 && v.abs() <= 9_007_199_254_740_992.0).then_some(v as i64)
}

/// Class names and indices: labels that are all integers (`3` and `3.0` being one class, named
/// `3`) in numeric order, others lexicographically.
fn class_indices(labels: &[String]) -> (Vec<String>, Vec<u32>) {
    let numeric: Option<Vec<i64>> = labels.iter().map(|l| integer_label(l)).collect();
    match numeric {
        Some(nums) => {
            let index: BTreeMap<i64, u32> = nums.iter().map(|&n| (n, 0)).collect();
            let index: BTreeMap<i64, u32> = index
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
            let index: BTreeMap<&str, u32> = labels.iter().map(|l| (l.as_str(), 0)).collect();
            let index: BTreeMap<&str, u32> = index
                .keys()
                .enumerate()
                .map(|(i, &k)| (k, i as u32))
                .collect();
            (
                index.keys().map(|k| k.to_string()).collect(),
                labels.iter().map(|l| index[l.as_str()]).collect(),
            )
        }
    }
}

/// Where each feature of a row comes from in the input file.
enum Columns {
    /// By position: the row holds exactly the features, or the training layout (label dropped).
    Positional,
    /// A header named the columns: rows have `width` fields and feature `i` is field `at[i]`.
    Named {
        /// Fields per row.
        width: usize,
        /// Field of each feature, in training order.
        at: Vec<usize>,
    },
}

/// Reads the rows of `bytes` (the file `file`) as inputs laid out by `layout`: names `FILE:line`
/// and `layout.features()` values per row, as in the file.
///
/// # Errors
/// [`Error::Format`] naming the file, the line and what was expected for a row that fits
/// neither the features alone nor the training layout, a header that lacks a feature column or
/// names one the run does not know, or a field that is not a finite number.
pub fn read_inputs(
    file: &Path,
    bytes: &[u8],
    layout: &TableLayout,
) -> Result<(Vec<String>, Vec<f32>)> {
    let rows = rows(file, bytes)?;
    let columns = header_columns(file, &rows[0], layout)?;
    let first: Vec<&str> = rows[0].fields.iter().map(str::trim).collect();
    let header = matches!(columns, Columns::Named { .. })
        || (!layout.columns.is_empty() && first == layout.columns)
        || looks_like_header(&rows[0].fields, layout);
    let body = if header { &rows[1..] } else { &rows[..] };
    let (mut names, mut x) = (Vec::with_capacity(body.len()), Vec::new());
    for row in body {
        push_row(file, row, &columns, layout, &mut x)?;
        names.push(format!("{}:{}", file.display(), row.line));
    }
    if names.is_empty() {
        return Err(Error::format(file, "no data rows"));
    }
    Ok((names, x))
}

/// Appends the features of `row` to `x`.
fn push_row(
    file: &Path,
    row: &Row,
    columns: &Columns,
    layout: &TableLayout,
    x: &mut Vec<f32>,
) -> Result<()> {
    let n = row.fields.len();
    let at: Vec<usize> = match columns {
        Columns::Named { width, at } if n == *width => at.clone(),
        Columns::Named { width, .. } => {
            return Err(Error::format(
                file,
                format!(
                    "line {}: {n} fields: expected {width} like the header",
                    row.line
                ),
            ));
        }
        Columns::Positional if n == layout.features() => (0..n).collect(),
        Columns::Positional if n == layout.width => (0..n).filter(|&j| j != layout.label).collect(),
        Columns::Positional => {
            return Err(Error::format(
                file,
                format!(
                    "line {}: {n} fields: expected {} features, or {} with the label in column {} as in the training file",
                    row.line,
                    layout.features(),
                    layout.width,
                    layout.label + 1
                ),
            ));
        }
    };
    for j in at {
        x.push(number(file, row.line, j, &row.fields[j])?);
    }
    Ok(())
}

/// Whether a first row is a header: a field where a feature belongs is not a number (the
/// label's field may hold a class name).
fn looks_like_header(first: &csv::StringRecord, layout: &TableLayout) -> bool {
    let label = (first.len() == layout.width).then_some(layout.label);
    first
        .iter()
        .enumerate()
        .any(|(j, f)| Some(j) != label && !is_number(f))
}

/// How the columns of an input file map to features: by the names of its header when both it
/// and the training file have one, else by position. Every column of a named header must be a
/// feature or the label of the training file, and every feature must be there.
fn header_columns(file: &Path, first: &Row, layout: &TableLayout) -> Result<Columns> {
    let fields: Vec<&str> = first.fields.iter().map(str::trim).collect();
    if layout.columns.is_empty() || fields == layout.columns {
        // No names to match, or the training file's own header: by position.
        return Ok(Columns::Positional);
    }
    if !looks_like_header(&first.fields, layout) {
        return Ok(Columns::Positional);
    }
    let label = layout.columns[layout.label].as_str();
    if let Some(unknown) = fields
        .iter()
        .find(|&&n| n != label && !layout.feature_names().any(|c| c == n))
    {
        return Err(Error::format(
            file,
            format!(
                "line {}: column {unknown:?} is not a column of the training file ({})",
                first.line,
                layout.columns.join(", ")
            ),
        ));
    }
    let at = layout
        .feature_names()
        .map(|name| {
            fields.iter().position(|&n| n == name).ok_or_else(|| {
                Error::format(
                    file,
                    format!(
                        "line {}: no column named {name:?} in the header",
                        first.line
                    ),
                )
            })
        })
        .collect::<Result<Vec<usize>>>()?;
    Ok(Columns::Named {
        width: fields.len(),
        at,
    })
}

fn csv_err(file: &Path, e: csv::Error) -> Error {
    let line = e.position().map(csv::Position::line);
    match (e.into_kind(), line) {
        (csv::ErrorKind::Io(io), _) => Error::io(file, io),
        (csv::ErrorKind::Utf8 { .. }, Some(l)) => {
            Error::format(file, format!("line {l}: not UTF-8 text"))
        }
        (other, _) => Error::format(file, format!("not a CSV file: {other:?}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn layout() -> TableLayout {
        let t = read_labelled(
            Path::new("t.csv"),
            b"a,species,b\n1,x,2\n3,y,4\n",
            "species",
        )
        .unwrap();
        assert_eq!(t.classes, ["x", "y"]);
        assert_eq!(t.split.x, [1.0, 2.0, 3.0, 4.0]);
        t.layout
    }

    #[test]
    fn inputs_with_or_without_the_label_give_the_same_features() {
        let l = layout();
        let read = |text: &str| {
            read_inputs(Path::new("i.csv"), text.as_bytes(), &l)
                .unwrap()
                .1
        };
        let expected = [5.0, 6.0, 7.0, 8.0];
        assert_eq!(read("a,species,b\n5,x,6\n7,y,8\n"), expected);
        assert_eq!(read("b,a\n6,5\n8,7\n"), expected);
        // No header: by position, a class name in the label's column is not mistaken for one.
        assert_eq!(read("5,x,6\n7,y,8\n"), expected);
        assert_eq!(read("5,6\n7,8\n"), expected);
    }

    #[test]
    fn quoted_fields_and_line_numbers_follow_the_csv_rules() {
        let l = layout();
        let (names, x) =
            read_inputs(Path::new("q.csv"), b"\"a\",\"b\"\n\"1\",\"2\"\n\n3,4\n", &l).unwrap();
        assert_eq!(x, [1.0, 2.0, 3.0, 4.0]);
        assert_eq!(names, ["q.csv:2", "q.csv:4"]);
        let err = read_inputs(Path::new("q.csv"), b"1,2\n3,inf\n", &l).unwrap_err();
        assert_eq!(
            err.to_string(),
            "q.csv: line 2, column 2: inf is not finite"
        );
    }

    #[test]
    fn a_label_column_out_of_range_or_a_ragged_file_is_named() {
        let p = Path::new("t.csv");
        let err = read_labelled(p, b"1,2\n3,4\n", "5").unwrap_err();
        assert_eq!(
            err.to_string(),
            "t.csv: label column 5 out of range: the file has 2 columns"
        );
        let err = read_labelled(p, b"1,2,0\n3,4\n", "2").unwrap_err();
        assert_eq!(
            err.to_string(),
            "t.csv: line 2: 2 fields: expected 3 like the first row"
        );
    }

    #[test]
    fn integer_labels_written_as_floats_are_one_class_in_numeric_order() {
        let t = read_labelled(
            Path::new("t.csv"),
            b"x,label\n1,3\n2,3.0\n3,10\n4,2.00\n5,1e1\n",
            "label",
        )
        .unwrap();
        assert_eq!(t.classes, ["2", "3", "10"]);
        assert_eq!(t.split.y, [1, 1, 2, 0, 2]);
        // A fractional label makes the column names, compared as text.
        let t = read_labelled(Path::new("t.csv"), b"x,label\n1,3\n2,3.5\n", "label").unwrap();
        assert_eq!(t.classes, ["3", "3.5"]);
    }

    #[test]
    fn an_empty_or_missing_value_label_is_an_error_naming_the_line() {
        for missing in ["", " ", "NaN", "nan", "<NA>", "NULL", "None", "#N/A"] {
            let text = format!("x,label\n1,a\n2,{missing}\n");
            let err = read_labelled(Path::new("t.csv"), text.as_bytes(), "label").unwrap_err();
            assert_eq!(
                err.to_string(),
                format!(
                    "t.csv: line 3: label {:?} is a missing value, not a class: drop the row or give it its class",
                    missing.trim()
                )
            );
        }
        // `NA` can be a class.
        let t = read_labelled(Path::new("t.csv"), b"x,label\n1,NA\n2,EU\n", "label").unwrap();
        assert_eq!(t.classes, ["EU", "NA"]);
    }
}
