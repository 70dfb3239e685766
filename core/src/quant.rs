//! Symmetric int8 quantisation and int8 prototype stores.
//!
//! A real value `x` is stored as `q = clamp(round(x / step), −127, 127)` and read back as
//! `step · q` (the TFLite symmetric scheme; −128 is never used, so `−q` always exists). One
//! `step` serves a whole prototype set and one serves each input vector, so every class score
//! `q_k · q_x` is the true `p_k · x` times the same positive factor plus a bounded error: the
//! argmax over classes is the f32 argmax whenever the f32 winner leads by more than twice
//! [`PrototypesI8Ref::error_bound`].

use crate::classify::Classify;
use crate::error::{Error, FormatError, Result, check_len};
use crate::prototypes::check_sizes;
use crate::sphere::dot_i8;
use crate::{MAX_CLASSES, MAX_DIM};

/// Largest magnitude of a quantised value.
pub const QMAX: i8 = 127;

/// The step that maps `max_abs` to [`QMAX`].
///
/// # Errors
/// [`Error::BadScale`] unless `max_abs` is finite and positive.
pub fn step_for(max_abs: f32) -> Result<f32> {
    let step = max_abs / f32::from(QMAX);
    if step.is_finite() && step > 0.0 {
        Ok(step)
    } else {
        Err(Error::BadScale)
    }
}

/// Quantises one value (round half away from zero, clamp to ±127).
#[must_use]
pub fn quantize_value(x: f32, step: f32) -> i8 {
    let q = libm::roundf(x / step);
    q.clamp(-f32::from(QMAX), f32::from(QMAX)) as i8
}

/// Quantises `x` into `out` with the given step.
///
/// # Errors
/// [`Error::Length`], [`Error::BadScale`], [`Error::NotFinite`].
pub fn quantize_with(x: &[f32], step: f32, out: &mut [i8]) -> Result<()> {
    check_len("output", out.len(), x.len())?;
    if !(step.is_finite() && step > 0.0) {
        return Err(Error::BadScale);
    }
    for (index, (o, &v)) in out.iter_mut().zip(x).enumerate() {
        if !v.is_finite() {
            return Err(Error::NotFinite {
                what: "input",
                index,
            });
        }
        *o = quantize_value(v, step);
    }
    Ok(())
}

/// Quantises `x` into `out` with its own step (`max|x| / 127`) and returns that step.
///
/// ```
/// let mut q = [0i8; 3];
/// let step = dl2pa_core::quant::quantize(&[0.5, -1.0, 0.25], &mut q)?;
/// assert_eq!(q, [64, -127, 32]);
/// assert_eq!(step, 1.0 / 127.0);
/// # Ok::<(), dl2pa_core::Error>(())
/// ```
///
/// # Errors
/// [`Error::Length`], [`Error::NotFinite`], [`Error::ZeroVector`] when `x` is all zeros.
pub fn quantize(x: &[f32], out: &mut [i8]) -> Result<f32> {
    if let Some(index) = x.iter().position(|v| !v.is_finite()) {
        return Err(Error::NotFinite {
            what: "input",
            index,
        });
    }
    let max = x.iter().fold(0.0f32, |a, v| a.max(v.abs()));
    if max == 0.0 {
        return Err(Error::ZeroVector);
    }
    let step = step_for(max)?;
    quantize_with(x, step, out)?;
    Ok(step)
}

/// `K` int8 prototypes of dimension `D` sharing one `step`; fits in a `static` (flash).
///
/// ```
/// use dl2pa_core::{Classify, PrototypesI8};
/// static P: PrototypesI8<2, 3> = match PrototypesI8::new([[127, 0], [-64, 110], [-64, -110]], 1.0 / 127.0) {
///     Ok(p) => p,
///     Err(_) => panic!(),
/// };
/// assert_eq!(P.classify(&[-10, -90])?.class, 2);
/// # Ok::<(), dl2pa_core::Error>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct PrototypesI8<const D: usize, const K: usize> {
    data: [[i8; D]; K],
    step: f32,
}

impl<const D: usize, const K: usize> PrototypesI8<D, K> {
    /// Stores quantised prototypes and their step.
    ///
    /// # Errors
    /// [`Error::BadScale`] unless `step` is finite and positive; [`Error::Format`] if a value is
    /// −128 (outside the symmetric range). Sizes out of range fail to compile.
    pub const fn new(data: [[i8; D]; K], step: f32) -> Result<Self> {
        const {
            assert!(
                D >= 1 && D <= MAX_DIM && K >= 1 && K <= MAX_CLASSES,
                "unsupported size"
            )
        };
        if !(step.is_finite() && step > 0.0) {
            return Err(Error::BadScale);
        }
        let mut k = 0;
        while k < K {
            let mut j = 0;
            while j < D {
                if data[k][j] == i8::MIN {
                    return Err(Error::Format(FormatError::Int8Minimum));
                }
                j += 1;
            }
            k += 1;
        }
        Ok(PrototypesI8 { data, step })
    }

    /// A borrowed view answering the same API.
    pub fn view(&self) -> PrototypesI8Ref<'_> {
        PrototypesI8Ref {
            data: self.data.as_flattened(),
            dim: D,
            classes: K,
            step: self.step,
        }
    }
}

impl<const D: usize, const K: usize> Classify for PrototypesI8<D, K> {
    type Input = i8;
    type Score = i32;
    fn classes(&self) -> usize {
        K
    }
    fn dim(&self) -> usize {
        D
    }
    fn for_each_score(&self, x: &[i8], f: impl FnMut(usize, i32)) -> Result<()> {
        self.view().for_each_score(x, f)
    }
}

/// Int8 prototypes borrowed from a flat row-major slice, with their step.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct PrototypesI8Ref<'a> {
    data: &'a [i8],
    dim: usize,
    classes: usize,
    step: f32,
}

impl<'a> PrototypesI8Ref<'a> {
    /// Checks sizes, length, step and the symmetric range.
    ///
    /// # Errors
    /// [`Error::Size`], [`Error::Length`], [`Error::BadScale`], [`Error::Format`] for −128.
    pub fn new(data: &'a [i8], classes: usize, dim: usize, step: f32) -> Result<Self> {
        check_sizes(classes, dim)?;
        check_len("prototypes", data.len(), classes * dim)?;
        if !(step.is_finite() && step > 0.0) {
            return Err(Error::BadScale);
        }
        if data.contains(&i8::MIN) {
            return Err(Error::Format(FormatError::Int8Minimum));
        }
        Ok(PrototypesI8Ref {
            data,
            dim,
            classes,
            step,
        })
    }

    /// The flat data.
    pub fn as_slice(&self) -> &'a [i8] {
        self.data
    }

    /// The real value of one integer unit.
    pub fn step(&self) -> f32 {
        self.step
    }

    /// An upper bound on `|p_k · x − step · x_step · (q_k · q_x)|` over all classes `k`, where
    /// `p_k` is any real prototype that rounds to `q_k` and `q_x` is `x` quantised with `x_step`:
    ///
    /// `(step/2)·|x|₁ + (x_step/2)·max_k |p_k|₁ + d·step·x_step/4`, with
    /// `|p_k|₁ ≤ step·(|q_k|₁ + d/2)`.
    ///
    /// If the best f32 score leads the second by more than twice this bound, the int8 argmax
    /// picks the same class.
    #[must_use]
    pub fn error_bound(&self, x: &[f32], x_step: f32) -> f32 {
        let d = self.dim as f32;
        let x_l1: f32 = x.iter().map(|v| v.abs()).sum();
        let q_l1 = self
            .data
            .chunks_exact(self.dim)
            .map(|q| q.iter().map(|&v| i32::from(v).abs()).sum::<i32>())
            .max()
            .unwrap_or(0) as f32;
        let p_l1 = self.step * (q_l1 + d / 2.0);
        self.step / 2.0 * x_l1 + x_step / 2.0 * p_l1 + d * self.step * x_step / 4.0
    }
}

impl Classify for PrototypesI8Ref<'_> {
    type Input = i8;
    type Score = i32;
    fn classes(&self) -> usize {
        self.classes
    }
    fn dim(&self) -> usize {
        self.dim
    }
    /// Scores are exact integer dot products `q_k · q_x` (i32 accumulation cannot overflow for
    /// `d ≤ MAX_DIM`).
    fn for_each_score(&self, x: &[i8], mut f: impl FnMut(usize, i32)) -> Result<()> {
        check_len("input", x.len(), self.dim)?;
        if x.iter().all(|&v| v == 0) {
            return Err(Error::ZeroVector);
        }
        for (k, q) in self.data.chunks_exact(self.dim).enumerate() {
            f(k, dot_i8(q, x));
        }
        Ok(())
    }
}
