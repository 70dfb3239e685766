//! Prototype storage: `K` unit vectors in `R^d`, fixed-size or borrowed.

use nalgebra::{ArrayStorage, SMatrix};

use crate::classify::Classify;
use crate::error::{Error, Result, check_len};
use crate::sphere::{dot, try_norm};
use crate::{MAX_CLASSES, MAX_DIM};

/// How far `|p|²` may be from 1 for a prototype to count as a unit vector.
///
/// `10⁻³` accepts every row normalised in `f32` (worst-case rounding `d · 2⁻²⁴ ≤ 2.5 · 10⁻⁴` at
/// [`MAX_DIM`]) and rejects vectors that were never normalised.
pub const UNIT_TOLERANCE: f32 = 1e-3;

/// `K` prototypes in `R^D`, stored as the columns of a nalgebra `SMatrix<f32, D, K>`, so that each
/// prototype is contiguous. Fits in a `static` and is checked at compile time when built in a
/// `const` context:
///
/// ```
/// use dl2pa_core::{Classify, Prototypes};
///
/// // Four prototypes on the circle (the optimum for K = 4, d = 2).
/// static P: Prototypes<2, 4> = match Prototypes::new([[1.0, 0.0], [0.0, 1.0], [-1.0, 0.0], [0.0, -1.0]]) {
///     Ok(p) => p,
///     Err(_) => panic!("not unit vectors"),
/// };
/// let best = P.classify(&[0.1, -2.0])?;
/// assert_eq!(best.class, 3);
/// # Ok::<(), dl2pa_core::Error>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Prototypes<const D: usize, const K: usize> {
    matrix: SMatrix<f32, D, K>,
}

impl<const D: usize, const K: usize> Prototypes<D, K> {
    /// Checks and stores `rows` (one prototype per row).
    ///
    /// # Errors
    /// [`Error::NotFinite`] for NaN/inf, [`Error::NotUnit`] when `| |p|² − 1 | > UNIT_TOLERANCE`.
    /// Sizes outside `1..=MAX_DIM` × `1..=MAX_CLASSES` fail to compile.
    pub const fn new(rows: [[f32; D]; K]) -> Result<Self> {
        const {
            assert!(
                D >= 1 && D <= MAX_DIM && K >= 1 && K <= MAX_CLASSES,
                "unsupported size"
            )
        };
        let mut k = 0;
        while k < K {
            let mut sq = 0.0f32;
            let mut j = 0;
            while j < D {
                let v = rows[k][j];
                if !v.is_finite() {
                    return Err(Error::NotFinite {
                        what: "prototypes",
                        index: k * D + j,
                    });
                }
                sq += v * v;
                j += 1;
            }
            if (sq - 1.0).abs() > UNIT_TOLERANCE {
                return Err(Error::NotUnit { row: k });
            }
            k += 1;
        }
        Ok(Prototypes {
            matrix: SMatrix::from_array_storage(ArrayStorage(rows)),
        })
    }

    /// The prototypes as columns of a matrix.
    pub const fn matrix(&self) -> &SMatrix<f32, D, K> {
        &self.matrix
    }

    /// Prototype `k`.
    ///
    /// # Panics
    /// If `k >= K`.
    pub fn get(&self, k: usize) -> &[f32; D] {
        &self.matrix.data.0[k]
    }

    /// A borrowed view answering the same API.
    pub fn view(&self) -> PrototypesRef<'_> {
        PrototypesRef {
            data: self.matrix.as_slice(),
            dim: D,
            classes: K,
        }
    }
}

impl<const D: usize, const K: usize> Classify for Prototypes<D, K> {
    type Input = f32;
    type Score = f32;
    fn classes(&self) -> usize {
        K
    }
    fn dim(&self) -> usize {
        D
    }
    fn for_each_score(&self, x: &[f32], f: impl FnMut(usize, f32)) -> Result<()> {
        self.view().for_each_score(x, f)
    }
}

/// Prototypes borrowed from a flat slice (`classes × dim`, row-major: prototype `k` is
/// `data[k·dim..(k+1)·dim]`), for models whose sizes are known only at run time.
///
/// ```
/// use dl2pa_core::{Classify, PrototypesRef};
/// let data = [1.0f32, 0.0, 0.0, 1.0];
/// let p = PrototypesRef::new(&data, 2, 2)?;
/// assert_eq!(p.classify(&[0.2, 0.9])?.class, 1);
/// # Ok::<(), dl2pa_core::Error>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct PrototypesRef<'a> {
    data: &'a [f32],
    dim: usize,
    classes: usize,
}

impl<'a> PrototypesRef<'a> {
    /// Checks sizes (`1..=MAX_CLASSES`, `1..=MAX_DIM`), length, finiteness and unit norm.
    ///
    /// # Errors
    /// [`Error::Size`], [`Error::Length`], [`Error::NotFinite`], [`Error::NotUnit`].
    pub fn new(data: &'a [f32], classes: usize, dim: usize) -> Result<Self> {
        check_sizes(classes, dim)?;
        check_len("prototypes", data.len(), classes * dim)?;
        for (k, p) in data.chunks_exact(dim).enumerate() {
            if let Some(j) = p.iter().position(|v| !v.is_finite()) {
                return Err(Error::NotFinite {
                    what: "prototypes",
                    index: k * dim + j,
                });
            }
            if (dot(p, p) - 1.0).abs() > UNIT_TOLERANCE {
                return Err(Error::NotUnit { row: k });
            }
        }
        Ok(PrototypesRef { data, dim, classes })
    }

    /// The flat data.
    pub fn as_slice(&self) -> &'a [f32] {
        self.data
    }

    /// Prototype `k`.
    ///
    /// # Panics
    /// If `k >= classes`.
    pub fn get(&self, k: usize) -> &'a [f32] {
        &self.data[k * self.dim..(k + 1) * self.dim]
    }
}

impl Classify for PrototypesRef<'_> {
    type Input = f32;
    type Score = f32;
    fn classes(&self) -> usize {
        self.classes
    }
    fn dim(&self) -> usize {
        self.dim
    }
    /// Scores are cosines `p_k · x / |x|` (the prototypes are unit vectors).
    fn for_each_score(&self, x: &[f32], mut f: impl FnMut(usize, f32)) -> Result<()> {
        check_len("input", x.len(), self.dim)?;
        let n = try_norm(x)?;
        for (k, p) in self.data.chunks_exact(self.dim).enumerate() {
            f(k, dot(p, x) / n);
        }
        Ok(())
    }
}

/// Checks `1 <= classes <= MAX_CLASSES` and `1 <= dim <= MAX_DIM`.
pub(crate) fn check_sizes(classes: usize, dim: usize) -> Result<()> {
    if classes == 0 || classes > MAX_CLASSES {
        return Err(Error::Size {
            what: "classes",
            value: classes,
            max: MAX_CLASSES,
        });
    }
    if dim == 0 || dim > MAX_DIM {
        return Err(Error::Size {
            what: "dim",
            value: dim,
            max: MAX_DIM,
        });
    }
    Ok(())
}
