//! Vector arithmetic on the unit sphere, in a fixed evaluation order.
//!
//! Every floating-point sum here runs over 8 (`LANES`) interleaved accumulators that are
//! combined in a fixed order: fast (the lanes are independent, so the compiler can vectorise) and
//! the same bits on every target, because the order never depends on the target's SIMD width.
//! Integer sums are exact in any order and need no such structure.

use crate::error::{Error, Result};

/// Accumulators per sum.
pub(crate) const LANES: usize = 8;

/// Dot product of two equally long `f32` slices, in the crate's fixed order.
///
/// ```
/// assert_eq!(dl2pa_core::sphere::dot(&[1.0, 2.0, 3.0], &[4.0, 5.0, 6.0]), 32.0);
/// ```
///
/// # Panics
/// If the lengths differ.
#[must_use]
pub fn dot(a: &[f32], b: &[f32]) -> f32 {
    assert_eq!(a.len(), b.len(), "dot: lengths differ");
    let mut acc = [0.0f32; LANES];
    let (a8, at) = a.as_chunks::<LANES>();
    let (b8, bt) = b.as_chunks::<LANES>();
    for (x, y) in a8.iter().zip(b8) {
        for l in 0..LANES {
            acc[l] += x[l] * y[l];
        }
    }
    for (l, (x, y)) in at.iter().zip(bt).enumerate() {
        acc[l] += x * y;
    }
    combine(acc)
}

/// [`dot`] with the first operand stored as little-endian `f32` bytes (for unaligned model
/// files): the same lanes and order, so the same bits as `dot` on the decoded values.
///
/// # Panics
/// If `a.len() != 4 * b.len()`.
#[must_use]
pub fn dot_le(a: &[u8], b: &[f32]) -> f32 {
    assert_eq!(a.len(), 4 * b.len(), "dot_le: lengths differ");
    let mut acc = [0.0f32; LANES];
    let decode = |c: &[u8]| f32::from_le_bytes([c[0], c[1], c[2], c[3]]);
    let (b8, bt) = b.as_chunks::<LANES>();
    let split = b8.len() * LANES * 4;
    for (x, y) in a[..split].chunks_exact(4 * LANES).zip(b8) {
        for l in 0..LANES {
            acc[l] += decode(&x[4 * l..4 * l + 4]) * y[l];
        }
    }
    for (l, (x, y)) in a[split..].chunks_exact(4).zip(bt).enumerate() {
        acc[l] += decode(x) * y;
    }
    combine(acc)
}

/// Integer dot product of two equally long `i8` slices with `i32` accumulation.
///
/// Exact (no overflow) for lengths up to 133 000: `127² · 133 000 < 2³¹`.
///
/// ```
/// assert_eq!(dl2pa_core::sphere::dot_i8(&[127, -127], &[127, 127]), 0);
/// ```
///
/// # Panics
/// If the lengths differ.
#[must_use]
#[inline]
pub fn dot_i8(a: &[i8], b: &[i8]) -> i32 {
    assert_eq!(a.len(), b.len(), "dot_i8: lengths differ");
    // Integer sums are exact in any order, so unlike the f32 kernels this one needs no fixed lane
    // structure: the plain sum lets LLVM pick per target (vector lanes on x86-64; `ldrsb` +
    // `smlabb` on Cortex-M4, 2.2x fewer instructions there than eight i32 lanes).
    a.iter()
        .zip(b)
        .map(|(&x, &y)| i32::from(x) * i32::from(y))
        .sum()
}

/// Sums the lanes pairwise in a fixed tree: ((0+1)+(2+3))+((4+5)+(6+7)).
#[inline]
fn combine(a: [f32; LANES]) -> f32 {
    ((a[0] + a[1]) + (a[2] + a[3])) + ((a[4] + a[5]) + (a[6] + a[7]))
}

/// Euclidean norm.
///
/// ```
/// assert_eq!(dl2pa_core::sphere::norm(&[3.0, 4.0]), 5.0);
/// ```
#[must_use]
pub fn norm(x: &[f32]) -> f32 {
    libm::sqrtf(dot(x, x))
}

/// The norm of `x` if it is finite and positive: the check before dividing by it.
///
/// # Errors
/// [`Error::NotFinite`] for a NaN or infinite element (or an overflowing norm),
/// [`Error::ZeroVector`] when the norm is zero.
pub fn try_norm(x: &[f32]) -> Result<f32> {
    if let Some(index) = x.iter().position(|v| !v.is_finite()) {
        return Err(Error::NotFinite {
            what: "input",
            index,
        });
    }
    let n = norm(x);
    if !n.is_finite() {
        return Err(Error::NotFinite {
            what: "input norm",
            index: 0,
        });
    }
    if n == 0.0 {
        return Err(Error::ZeroVector);
    }
    Ok(n)
}

/// Scales `x` to unit length in place.
///
/// ```
/// let mut x = [3.0f32, 4.0];
/// dl2pa_core::sphere::try_normalize(&mut x)?;
/// assert_eq!(x, [0.6, 0.8]);
/// assert!(dl2pa_core::sphere::try_normalize(&mut [0.0f32; 3]).is_err());
/// # Ok::<(), dl2pa_core::Error>(())
/// ```
///
/// # Errors
/// As [`try_norm`]; `x` is unchanged on error.
pub fn try_normalize(x: &mut [f32]) -> Result<()> {
    let n = try_norm(x)?;
    x.iter_mut().for_each(|v| *v /= n);
    Ok(())
}
