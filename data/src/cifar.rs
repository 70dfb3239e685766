//! CIFAR-10 / CIFAR-100, binary version (`cifar-10-batches-bin`, `cifar-100-binary`).
//!
//! CIFAR-10 records are `<label byte><3072 pixel bytes>` (R, G, B planes of 32×32) in
//! `data_batch_1..5.bin` and `test_batch.bin`; CIFAR-100 records are
//! `<coarse byte><fine byte><3072 pixel bytes>` in `train.bin` and `test.bin`. Class names come
//! from `batches.meta.txt` / `fine_label_names.txt` / `coarse_label_names.txt` when present.

use std::path::Path;

use super::image::{PIXEL_SCALE, pixel};
use super::{Dataset, Shape, Split};
use crate::error::{Error, Result};

const PIXELS: usize = 3 * 32 * 32;

/// Which labels.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Variant {
    /// CIFAR-10.
    Ten,
    /// CIFAR-100, 100 fine labels.
    Hundred,
    /// CIFAR-100, 20 coarse labels.
    HundredCoarse,
}

fn read_records(path: &Path, variant: Variant, split: &mut Split) -> Result<()> {
    let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
    decode_records(path, &bytes, variant, split)
}

/// Appends the records of one binary CIFAR file (`bytes`; `path` names it in errors) to
/// `split`: labels as class indices, pixels as `p / 255`, channel-major.
///
/// # Errors
/// [`Error::Format`] if the length is not a positive multiple of the record size or a label is
/// out of range; nothing is appended then.
pub fn decode_records(
    path: &Path,
    bytes: &[u8],
    variant: Variant,
    split: &mut Split,
) -> Result<()> {
    let (label_bytes, classes) = match variant {
        Variant::Ten => (1, 10),
        Variant::Hundred => (2, 100),
        Variant::HundredCoarse => (2, 20),
    };
    let rec = label_bytes + PIXELS;
    if bytes.is_empty() || !bytes.len().is_multiple_of(rec) {
        return Err(Error::format(
            path,
            format!(
                "{} bytes: expected a multiple of {rec} (records of {label_bytes} label byte(s) + 3072 pixels)",
                bytes.len()
            ),
        ));
    }
    let label = |r: &[u8]| match variant {
        Variant::Ten | Variant::HundredCoarse => r[0],
        Variant::Hundred => r[1],
    };
    if let Some((i, r)) = bytes
        .chunks_exact(rec)
        .enumerate()
        .find(|(_, r)| usize::from(label(r)) >= classes)
    {
        return Err(Error::format(
            path,
            format!(
                "record {i}: label {} out of range: expected 0..{classes}",
                label(r)
            ),
        ));
    }
    for r in bytes.chunks_exact(rec) {
        split.y.push(u32::from(label(r)));
        split.x.extend(r[label_bytes..].iter().map(|&p| pixel(p)));
    }
    Ok(())
}

fn names(dir: &Path, file: &str, n: usize) -> Vec<String> {
    let from_file: Vec<String> = std::fs::read_to_string(dir.join(file))
        .map(|t| {
            t.lines()
                .map(str::trim)
                .filter(|l| !l.is_empty())
                .map(String::from)
                .collect()
        })
        .unwrap_or_default();
    if from_file.len() == n {
        from_file
    } else {
        (0..n).map(|i| i.to_string()).collect()
    }
}

/// Loads the train and test files from `dir`.
pub fn load(dir: &Path, variant: Variant) -> Result<Dataset> {
    let (mut train, mut test) = (Split::default(), Split::default());
    let (name, classes) = match variant {
        Variant::Ten => {
            for b in 1..=5 {
                read_records(
                    &dir.join(format!("data_batch_{b}.bin")),
                    variant,
                    &mut train,
                )?;
            }
            read_records(&dir.join("test_batch.bin"), variant, &mut test)?;
            ("cifar10", names(dir, "batches.meta.txt", 10))
        }
        Variant::Hundred | Variant::HundredCoarse => {
            read_records(&dir.join("train.bin"), variant, &mut train)?;
            read_records(&dir.join("test.bin"), variant, &mut test)?;
            if variant == Variant::Hundred {
                ("cifar100", names(dir, "fine_label_names.txt", 100))
            } else {
                ("cifar100-coarse", names(dir, "coarse_label_names.txt", 20))
            }
        }
    };
    let shape = Shape {
        channels: 3,
        height: 32,
        width: 32,
    };
    Ok(Dataset::new(name, classes, shape, PIXEL_SCALE, train, test))
}
