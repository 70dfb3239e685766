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

/// The header's declared length must fit in the file before npyz allocates it (a 45-byte file
/// declaring a 3 GB header made it allocate 3 GB; found by the `npy` fuzz target), and the header
/// must be a plain dict (see [`plain_dict`]).
fn check_header_length(path: &Path, bytes: &[u8]) -> Result<()> {
    // `\x93NUMPY`, major, minor, then the header length: u16 (version 1) or u32 (2, 3), LE.
    let declared = match (bytes.get(..6), bytes.get(6)) {
        (Some(b"\x93NUMPY"), Some(1)) => bytes
            .get(8..10)
            .map(|l| (10, usize::from(u16::from_le_bytes([l[0], l[1]])))),
        (Some(b"\x93NUMPY"), Some(2 | 3)) => bytes
            .get(8..12)
            .map(|l| (12, u32::from_le_bytes([l[0], l[1], l[2], l[3]]) as usize)),
        _ => return Ok(()), // not a .npy header at all: npyz says so
    };
    let Some((start, len)) = declared.filter(|&(s, l)| s + l <= bytes.len()) else {
        return Err(Error::format(
            path,
            format!(
                "the .npy header does not fit in the {}-byte file (truncated?)",
                bytes.len()
            ),
        ));
    };
    if !plain_dict(&bytes[start..start + len]) {
        return Err(Error::format(
            path,
            "the .npy header is not a plain dict of descr, fortran_order and shape (of fewer than 2^64 values)",
        ));
    }
    Ok(())
}

/// Whether a header is shaped like what numpy writes — `{'descr': '<f4', 'fortran_order':
/// False, 'shape': (3, 4), }`: a flat dict of quoted keys whose values are a short quoted type
/// string, `True`/`False`, or a tuple of integers whose product fits in a u64. npyz parses
/// headers as Python literals with a parser that backtracks exponentially on nested brackets and
/// long digit runs (a 164-byte header took over 5 s), and multiplies the shape without checking
/// for overflow (a shape of (10, 3, 3·10¹⁸) panicked it) — both found by the `npy` fuzz target —
/// so anything else is refused before it gets there; whether the shape fits the file is checked
/// after (see [`decode`]). One pass over the header.
fn plain_dict(header: &[u8]) -> bool {
    let Ok(text) = std::str::from_utf8(header) else {
        return false;
    };
    let Some(mut rest) = text
        .trim()
        .strip_prefix('{')
        .and_then(|r| r.strip_suffix('}'))
    else {
        return false;
    };
    rest = rest.trim_start();
    while !rest.is_empty() {
        let Some((key, after)) = quoted(rest) else {
            return false;
        };
        if !key.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_') {
            return false;
        }
        let Some(value) = after.trim_start().strip_prefix(':') else {
            return false;
        };
        let Some(after) = plain_value(value.trim_start()) else {
            return false;
        };
        rest = match after.trim_start().strip_prefix(',') {
            Some(r) => r.trim_start(),
            None if after.trim().is_empty() => "",
            None => return false,
        };
    }
    true
}

/// `'text'` at the start of `s`: the text and what follows.
fn quoted(s: &str) -> Option<(&str, &str)> {
    let r = s.strip_prefix('\'')?;
    let end = r.find('\'')?;
    Some((&r[..end], &r[end + 1..]))
}

/// A type string, `True`/`False` or a tuple of integers (product below 2⁶⁴) at the start of `s`:
/// what follows it.
fn plain_value(s: &str) -> Option<&str> {
    if let Some((descr, after)) = quoted(s) {
        let ok = descr.len() <= 16
            && descr
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"<>|=".contains(&b));
        return ok.then_some(after);
    }
    if let Some(after) = s.strip_prefix("True").or_else(|| s.strip_prefix("False")) {
        return Some(after);
    }
    let r = s.strip_prefix('(')?;
    let end = r.find(')')?;
    // npyz multiplies the dimensions for the size and for the strides (partial products, so a
    // zero among them does not make the others safe): every non-zero dimension's product must fit.
    let mut product = 1u64;
    for t in r[..end].split(',').map(str::trim).filter(|t| !t.is_empty()) {
        if t.len() > 20 || !t.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        product = product.checked_mul(t.parse::<u64>().ok()?.max(1))?;
    }
    Some(&r[end + 1..])
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
    check_header_length(path, bytes)?;
    let file = npyz::NpyFile::new(bytes)
        .map_err(|e| Error::format(path, format!("not a .npy file: {e}")))?;
    let (rows, cols) = shape_fitting(path, &file, bytes.len())?;
    let order = file.order();
    let data = values(path, file)?;
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

/// The header's 2-D shape `(rows, cols)`, checked to fit in a file of `len` bytes before
/// anything is allocated for it.
fn shape_fitting(path: &Path, file: &npyz::NpyFile<&[u8]>, len: usize) -> Result<(usize, usize)> {
    let shape = file.shape().to_vec();
    let [rows, cols] = shape[..] else {
        return Err(Error::format(
            path,
            format!("array has shape {shape:?}: expected 2 dimensions (K, d)"),
        ));
    };
    let (rows, cols) = (rows as usize, cols as usize);
    let itemsize = if file.dtype().descr().contains("f8") {
        8
    } else {
        4
    };
    if rows
        .checked_mul(cols)
        .and_then(|n| n.checked_mul(itemsize))
        .is_none_or(|n| n > len)
    {
        return Err(Error::format(
            path,
            format!("shape ({rows}, {cols}) does not fit in a {len}-byte file (truncated?)"),
        ));
    }
    Ok((rows, cols))
}

/// Every value of `file` as f32, in file order (float32 as is, float64 rounded).
fn values(path: &Path, file: npyz::NpyFile<&[u8]>) -> Result<Vec<f32>> {
    let descr = file.dtype().descr();
    match descr.trim_matches('\'') {
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
    .map_err(|e| Error::format(path, format!("truncated or corrupt data: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_header_longer_than_the_file_is_refused_before_allocating() {
        let mut b = b"\x93NUMPY\x02\x00".to_vec();
        b.extend_from_slice(&0xc100_0000u32.to_le_bytes());
        b.extend_from_slice(b"{'descr'");
        let err = decode(Path::new("p.npy"), &b).unwrap_err().to_string();
        assert_eq!(
            err,
            "p.npy: the .npy header does not fit in the 20-byte file (truncated?)"
        );
        let (v, r, c) = decode(Path::new("ok.npy"), &to_bytes(&[1.0, 2.0], 1, 2)).unwrap();
        assert_eq!((v, r, c), (vec![1.0, 2.0], 1, 2));
    }

    /// The header that made npyz's parser run for seconds is refused before it is parsed.
    #[test]
    fn a_nested_header_is_refused_before_parsing() {
        let dict = format!(
            "{{'deU\0\0\0\0\0\0order': False, {}{}1jr': False,{}'",
            "{".repeat(20),
            "0".repeat(50),
            "0".repeat(34)
        );
        let mut b = b"\x93NUMPY\x01\x00".to_vec();
        b.extend_from_slice(&(dict.len() as u16).to_le_bytes());
        b.extend_from_slice(dict.as_bytes());
        let err = decode(Path::new("slow.npy"), &b).unwrap_err().to_string();
        assert!(err.contains("not a plain dict"), "{err}");
    }

    /// Found by the fuzz campaign after 4.7 million runs: npyz multiplied this shape in u64
    /// without a check and panicked; a shape of 2⁶⁴ values or more is refused before npyz sees
    /// it.
    #[test]
    fn a_shape_whose_product_overflows_is_refused_before_parsing() {
        let dict = "{'descr': '<f4', 'fortran_order': False, 'shape': (010, 3 ,3333333333333333333\x0c)   }";
        let mut b = b"\x93NUMPY\x01\x00".to_vec();
        b.extend_from_slice(&(dict.len() as u16).to_le_bytes());
        b.extend_from_slice(dict.as_bytes());
        b.extend_from_slice(&[0; 40]);
        let err = decode(Path::new("huge.npy"), &b).unwrap_err().to_string();
        assert!(err.contains("not a plain dict"), "{err}");
        // A zero dimension does not hide the others' product from npyz's strides.
        let zero =
            "{'descr': '<f4', 'fortran_order': False, 'shape': (0, 4294967296, 4294967296), }";
        let mut b = b"\x93NUMPY\x01\x00".to_vec();
        b.extend_from_slice(&(zero.len() as u16).to_le_bytes());
        b.extend_from_slice(zero.as_bytes());
        let err = decode(Path::new("zero.npy"), &b).unwrap_err().to_string();
        assert!(err.contains("not a plain dict"), "{err}");
        // A shape that fits passes the check (and is then judged against the data).
        let ok = "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }";
        let mut b = b"\x93NUMPY\x01\x00".to_vec();
        b.extend_from_slice(&(ok.len() as u16).to_le_bytes());
        b.extend_from_slice(ok.as_bytes());
        b.extend_from_slice(&[0; 24]);
        assert_eq!(decode(Path::new("ok.npy"), &b).unwrap().1, 2);
    }

    /// A version-1 `.npy` file with this header dict and payload.
    fn npy(dict: &str, payload: &[u8]) -> Vec<u8> {
        let mut b = b"\x93NUMPY\x01\x00".to_vec();
        b.extend_from_slice(&(dict.len() as u16).to_le_bytes());
        b.extend_from_slice(dict.as_bytes());
        b.extend_from_slice(payload);
        b
    }

    /// numpy writes float64 by default and Fortran order for transposed arrays: both read
    /// back as the row-major f32 matrix they hold; other dtypes are refused by name.
    #[test]
    fn float64_big_endian_and_fortran_order_read_as_row_major_f32() {
        let m = [[1.5f64, -2.0, 3.25], [0.5, 8.0, -0.125]];
        let column_major: Vec<u8> = (0..3)
            .flat_map(|c| (0..2).map(move |r| m[r][c]))
            .flat_map(f64::to_le_bytes)
            .collect();
        let f8 = npy(
            "{'descr': '<f8', 'fortran_order': True, 'shape': (2, 3), }",
            &column_major,
        );
        let (v, r, c) = decode(Path::new("f8.npy"), &f8).unwrap();
        assert_eq!((r, c), (2, 3));
        assert_eq!(v, [1.5, -2.0, 3.25, 0.5, 8.0, -0.125]);
        let be: Vec<u8> = [1.0f32, -4.0]
            .iter()
            .flat_map(|x| x.to_be_bytes())
            .collect();
        let f4 = npy(
            "{'descr': '>f4', 'fortran_order': False, 'shape': (1, 2), }",
            &be,
        );
        assert_eq!(decode(Path::new("be.npy"), &f4).unwrap().0, [1.0, -4.0]);
        let i4 = npy(
            "{'descr': '<i4', 'fortran_order': False, 'shape': (1, 2), }",
            &[0; 8],
        );
        let err = decode(Path::new("i4.npy"), &i4).unwrap_err().to_string();
        assert_eq!(err, "i4.npy: dtype <i4: expected float32 or float64");
    }
}
