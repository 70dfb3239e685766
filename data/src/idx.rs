//! IDX files (MNIST, Fashion-MNIST), gzipped or not (every gzip member is read).

use std::path::{Path, PathBuf};

use super::image::{PIXEL_SCALE, pixel};
use super::{Dataset, Shape, Split, gz};
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

/// The images of an IDX image file (`n × H × W` bytes), as the networks read them: names
/// `FILE:i` and `n × H × W` values. `predict` reads IDX inputs with it.
///
/// # Errors
/// As [`parse`], and [`Error::Format`] if the images are not `height × width`.
pub fn read_images(path: &Path, height: usize, width: usize) -> Result<(Vec<String>, Vec<f32>)> {
    let (dims, pixels) = parse(path, &gz::read(path)?, 3)?;
    if (dims[1], dims[2]) != (height, width) {
        return Err(Error::format(
            path,
            format!(
                "IDX images are {}x{}: expected {height}x{width}",
                dims[1], dims[2]
            ),
        ));
    }
    let name = path.display().to_string();
    Ok((
        (0..dims[0]).map(|i| format!("{name}:{i}")).collect(),
        pixels.iter().map(|&p| pixel(p)).collect(),
    ))
}

fn read_pair(dir: &Path, images: &str, labels: &str) -> Result<(Split, usize, usize)> {
    let ipath = find(dir, images)?;
    let lpath = find(dir, labels)?;
    let (idims, pixels) = parse(&ipath, &gz::read(&ipath)?, 3)?;
    let (ldims, labs) = parse(&lpath, &gz::read(&lpath)?, 1)?;
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
        x: pixels.iter().map(|&p| pixel(p)).collect(),
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
    let shape = Shape {
        channels: 1,
        height: h,
        width: w,
    };
    let classes = CLASSES.iter().map(|s| s.to_string()).collect();
    Ok(Dataset::new(
        "fashion-mnist",
        classes,
        shape,
        PIXEL_SCALE,
        train,
        test,
    ))
}
