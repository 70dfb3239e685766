//! IDX files (MNIST, Fashion-MNIST), gzipped or not.

use std::io::Read;
use std::path::{Path, PathBuf};

use super::{Dataset, Shape, Split};
use crate::error::{Error, Result};

const CLASSES: [&str; 10] = [
    "T-shirt/top",
    "Trouser",
    "Pullover",
    "Dress",
    "Coat",
    "Sandal",
    "Shirt",
    "Sneaker",
    "Bag",
    "Ankle boot",
];

/// Reads a file, gunzipping it when it starts with the gzip magic.
pub fn read_maybe_gz(path: &Path) -> Result<Vec<u8>> {
    let raw = std::fs::read(path).map_err(|e| Error::io(path, e))?;
    if raw.starts_with(&[0x1f, 0x8b]) {
        let mut out = Vec::new();
        flate2::read::GzDecoder::new(&raw[..])
            .read_to_end(&mut out)
            .map_err(|e| Error::format(path, format!("corrupt or truncated gzip: {e}")))?;
        Ok(out)
    } else {
        Ok(raw)
    }
}

/// `DIR/name` or `DIR/name.gz`, whichever exists.
fn find(dir: &Path, name: &str) -> Result<PathBuf> {
    for candidate in [dir.join(name), dir.join(format!("{name}.gz"))] {
        if candidate.exists() {
            return Ok(candidate);
        }
    }
    Err(Error::io(
        dir.join(format!("{name}[.gz]")),
        std::io::Error::from(std::io::ErrorKind::NotFound),
    ))
}

/// Parses an unsigned-byte IDX array: `(dims, values)`.
pub fn parse(path: &Path, bytes: &[u8], ndim: usize) -> Result<(Vec<usize>, Vec<u8>)> {
    if bytes.len() < 4 || bytes[0] != 0 || bytes[1] != 0 {
        return Err(Error::format(path, "wrong IDX magic: expected 0x0000"));
    }
    if bytes[2] != 0x08 {
        return Err(Error::format(
            path,
            format!("IDX type 0x{:02x}: expected 0x08 (unsigned byte)", bytes[2]),
        ));
    }
    if usize::from(bytes[3]) != ndim {
        return Err(Error::format(
            path,
            format!("IDX has {} dimensions: expected {ndim}", bytes[3]),
        ));
    }
    let header = 4 + 4 * ndim;
    if bytes.len() < header {
        return Err(Error::format(path, "truncated IDX header"));
    }
    let dims: Vec<usize> = (0..ndim)
        .map(|i| {
            u32::from_be_bytes([
                bytes[4 + 4 * i],
                bytes[5 + 4 * i],
                bytes[6 + 4 * i],
                bytes[7 + 4 * i],
            ]) as usize
        })
        .collect();
    let n = dims
        .iter()
        .try_fold(1usize, |a, &d| a.checked_mul(d))
        .ok_or_else(|| Error::format(path, "IDX dimensions overflow"))?;
    if bytes.len() != header + n {
        return Err(Error::format(
            path,
            format!(
                "{} data bytes for dimensions {dims:?}: expected {n} (truncated?)",
                bytes.len() - header
            ),
        ));
    }
    Ok((dims, bytes[header..].to_vec()))
}

fn read_pair(dir: &Path, images: &str, labels: &str) -> Result<(Split, usize, usize)> {
    let ipath = find(dir, images)?;
    let lpath = find(dir, labels)?;
    let (idims, pixels) = parse(&ipath, &read_maybe_gz(&ipath)?, 3)?;
    let (ldims, labs) = parse(&lpath, &read_maybe_gz(&lpath)?, 1)?;
    if idims[0] != ldims[0] {
        return Err(Error::format(
            &lpath,
            format!(
                "{} labels for {} images in {}",
                ldims[0],
                idims[0],
                ipath.display()
            ),
        ));
    }
    if let Some(bad) = labs.iter().find(|&&l| l >= 10) {
        return Err(Error::format(
            &lpath,
            format!("label {bad} out of range: expected 0..10"),
        ));
    }
    let split = Split {
        x: pixels.iter().map(|&p| f32::from(p) / 255.0).collect(),
        y: labs.iter().map(|&l| u32::from(l)).collect(),
    };
    Ok((split, idims[1], idims[2]))
}

/// Fashion-MNIST (60 000 train, 10 000 test, 28×28).
pub fn load_fashion_mnist(dir: &Path) -> Result<Dataset> {
    let (train, h, w) = read_pair(dir, "train-images-idx3-ubyte", "train-labels-idx1-ubyte")?;
    let (test, h2, w2) = read_pair(dir, "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte")?;
    if (h, w) != (h2, w2) {
        return Err(Error::format(
            dir,
            format!("train images are {h}x{w} but test images {h2}x{w2}"),
        ));
    }
    Ok(Dataset {
        name: "fashion-mnist".into(),
        classes: CLASSES.iter().map(|s| s.to_string()).collect(),
        shape: Shape {
            channels: 1,
            height: h,
            width: w,
        },
        train,
        test,
        standardisation: Vec::new(),
        raw_scale: 1.0 / 255.0,
    })
}
