//! `.dl2f` feature files: quantised test-set embeddings, their labels and the host's expected
//! predictions — the golden data of the firmware demo and the parity tests.

use serde::{Deserialize, Serialize};

use super::container;
use crate::error::{Error, FormatError, Result};
use crate::{MAX_CLASSES, MAX_DIM};

/// Magic of feature files.
pub const FEATURES_MAGIC: [u8; 4] = *b"DL2F";
/// The format version this crate reads and writes.
pub const FEATURES_VERSION: u16 = 1;

#[derive(Serialize, Deserialize)]
struct Body<'a> {
    count: u32,
    dim: u32,
    classes: u32,
    #[serde(borrow)]
    steps: &'a [u8],
    #[serde(borrow)]
    features: &'a [u8],
    #[serde(borrow)]
    labels: &'a [u8],
    #[serde(borrow)]
    expected: &'a [u8],
}

/// Entry point: `Features::from_bytes`.
pub struct Features;

impl Features {
    /// Parses and validates a feature file, borrowing from `bytes`.
    ///
    /// # Errors
    /// [`Error::Format`] naming the first failed check (framing, checksum, sizes, lengths,
    /// −128 values, labels or predictions not below `classes`).
    pub fn from_bytes(bytes: &[u8]) -> Result<FeaturesRef<'_>> {
        let (_, body) = container::open(bytes, &FEATURES_MAGIC, FEATURES_VERSION, 0)?;
        let b: Body<'_> = container::decode(body)?;
        let (n, d, k) = (b.count as usize, b.dim as usize, b.classes as usize);
        if d == 0 || d > MAX_DIM || k == 0 || k > MAX_CLASSES {
            return Err(Error::Format(FormatError::SizeOutOfRange));
        }
        let nd = n
            .checked_mul(d)
            .ok_or(Error::Format(FormatError::CountOverflow))?;
        if b.features.len() != nd
            || b.steps.len() != 4 * n
            || b.labels.len() != 2 * n
            || b.expected.len() != 2 * n
        {
            return Err(Error::Format(FormatError::FieldLength));
        }
        if b.features.contains(&0x80) {
            return Err(Error::Format(FormatError::Int8Minimum));
        }
        let below = |v: &[u8]| {
            v.chunks_exact(2)
                .all(|c| (u16::from_le_bytes([c[0], c[1]]) as usize) < k)
        };
        if !below(b.labels) || !below(b.expected) {
            return Err(Error::Format(FormatError::LabelOutOfRange));
        }
        Ok(FeaturesRef {
            count: n,
            dim: d,
            classes: k,
            steps: b.steps,
            features: bytemuck::cast_slice(b.features),
            labels: b.labels,
            expected: b.expected,
        })
    }
}

/// A validated feature file.
#[derive(Clone, Copy, Debug)]
pub struct FeaturesRef<'a> {
    count: usize,
    dim: usize,
    classes: usize,
    steps: &'a [u8],
    features: &'a [i8],
    labels: &'a [u8],
    expected: &'a [u8],
}

impl<'a> FeaturesRef<'a> {
    /// Number of examples.
    pub fn count(&self) -> usize {
        self.count
    }

    /// Dimension of each embedding.
    pub fn dim(&self) -> usize {
        self.dim
    }

    /// Classes of the model they were made for.
    pub fn classes(&self) -> usize {
        self.classes
    }

    /// The quantised embedding of example `i`.
    ///
    /// # Panics
    /// If `i >= count()`.
    pub fn feature(&self, i: usize) -> &'a [i8] {
        &self.features[i * self.dim..(i + 1) * self.dim]
    }

    /// The real value of one unit of example `i`'s embedding.
    pub fn step(&self, i: usize) -> f32 {
        let s = &self.steps[4 * i..4 * i + 4];
        f32::from_le_bytes([s[0], s[1], s[2], s[3]])
    }

    /// The true class of example `i`.
    pub fn label(&self, i: usize) -> u16 {
        u16::from_le_bytes([self.labels[2 * i], self.labels[2 * i + 1]])
    }

    /// The class the host's int8 simulation predicted for example `i`.
    pub fn expected(&self, i: usize) -> u16 {
        u16::from_le_bytes([self.expected[2 * i], self.expected[2 * i + 1]])
    }
}

/// Writes feature files (host side).
#[cfg(feature = "alloc")]
#[derive(Default)]
pub struct FeaturesBuilder {
    dim: usize,
    classes: usize,
    steps: alloc::vec::Vec<u8>,
    features: alloc::vec::Vec<u8>,
    labels: alloc::vec::Vec<u8>,
    expected: alloc::vec::Vec<u8>,
}

#[cfg(feature = "alloc")]
impl FeaturesBuilder {
    /// For embeddings of `dim` values and a model of `classes` classes.
    pub fn new(dim: usize, classes: usize) -> Self {
        FeaturesBuilder {
            dim,
            classes,
            ..Default::default()
        }
    }

    /// Appends one example.
    pub fn push(&mut self, feature: &[i8], step: f32, label: u16, expected: u16) {
        self.features.extend(feature.iter().map(|&v| v as u8));
        self.steps.extend_from_slice(&step.to_le_bytes());
        self.labels.extend_from_slice(&label.to_le_bytes());
        self.expected.extend_from_slice(&expected.to_le_bytes());
    }

    /// The file's bytes.
    pub fn to_bytes(&self) -> alloc::vec::Vec<u8> {
        let body = Body {
            count: (self.labels.len() / 2) as u32,
            dim: self.dim as u32,
            classes: self.classes as u32,
            steps: &self.steps,
            features: &self.features,
            labels: &self.labels,
            expected: &self.expected,
        };
        container::seal(
            &FEATURES_MAGIC,
            FEATURES_VERSION,
            0,
            &postcard::to_allocvec(&body).unwrap_or_default(),
        )
    }
}
