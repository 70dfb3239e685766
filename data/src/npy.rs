//! `.npy` arrays: 2-D `f32` matrices (prototypes), written by [`to_bytes`] and read back, from any
//! numpy writer, by [`read`] / [`decode`].

use std::path::Path;

use crate::error::{Error, Result};

/// Encodes a row-major `f32` matrix as `.npy` (`<f4`, C order, shape `(rows, cols)`).
pub fn to_bytes(data: &[f32], rows: usize, cols: usize) -> Vec<u8> {
    use npyz::WriterBuilder;
    assert_eq!(
        data.len(),
        rows * cols,
        "npy_bytes: data does not match the shape"
    );
    let mut buf = Vec::new();
    let mut w = npyz::WriteOptions::<f32>::new()
        .default_dtype()
        .shape(&[rows as u64, cols as u64])
        .writer(&mut buf)
        .begin_nd()
        .expect("writing to a Vec cannot fail");
    w.extend(data.iter().copied())
        .expect("writing to a Vec cannot fail");
    w.finish().expect("writing to a Vec cannot fail");
    buf
}

/// Reads a 2-D `.npy` array of `f32` or `f64` (either byte order, C or Fortran order) as a
/// row-major `f32` matrix: `(data, rows, cols)`.
///
/// # Errors
/// [`Error::Io`]; as [`decode`].
pub fn read(path: &Path) -> Result<(Vec<f32>, usize, usize)> {
    let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
    decode(path, &bytes)
}

/// Decodes the bytes of a `.npy` file (`path` names it in errors) as [`read`] does. Nothing is
/// allocated for a shape that does not fit in `bytes`.
///
/// # Errors
/// [`Error::Format`] for a bad header, a shape that is not 2-D or does not fit the file, a
/// dtype other than float32/float64, or truncated data.
pub fn decode(path: &Path, bytes: &[u8]) -> Result<(Vec<f32>, usize, usize)> {
    let file = npyz::NpyFile::new(bytes)
        .map_err(|e| Error::format(path, format!("not a .npy file: {e}")))?;
    let shape = file.shape().to_vec();
    let [rows, cols] = shape[..] else {
        return Err(Error::format(
            path,
            format!("array has shape {shape:?}: expected 2 dimensions (K, d)"),
        ));
    };
    let (rows, cols) = (rows as usize, cols as usize);
    // The header's shape must fit in the file before anything is allocated for it.
    let itemsize = if file.dtype().descr().contains("f8") {
        8
    } else {
        4
    };
    if rows
        .checked_mul(cols)
        .and_then(|n| n.checked_mul(itemsize))
        .is_none_or(|n| n > bytes.len())
    {
        return Err(Error::format(
            path,
            format!(
                "shape ({rows}, {cols}) does not fit in a {}-byte file (truncated?)",
                bytes.len()
            ),
        ));
    }
    let order = file.order();
    let descr = file.dtype().descr();
    let data: Vec<f32> = match descr.trim_matches('\'') {
        "<f4" | ">f4" => file.into_vec::<f32>(),
        "<f8" | ">f8" => file
            .into_vec::<f64>()
            .map(|v| v.into_iter().map(|x| x as f32).collect()),
        other => {
            return Err(Error::format(
                path,
                format!("dtype {other}: expected float32 or float64"),
            ));
        }
    }
    .map_err(|e| Error::format(path, format!("truncated or corrupt data: {e}")))?;
    if data.len() != rows * cols {
        return Err(Error::format(
            path,
            format!("{} values for shape ({rows}, {cols})", data.len()),
        ));
    }
    let data = match order {
        npyz::Order::C => data,
        npyz::Order::Fortran => (0..rows * cols)
            .map(|k| data[(k % cols) * rows + k / cols])
            .collect(),
    };
    Ok((data, rows, cols))
}
