//! The scalar types the solver accepts (`f32`, `f64`).

use core::ops::{Add, Div, Neg, Sub};

mod sealed {
    pub trait Sealed {}
    impl Sealed for f32 {}
    impl Sealed for f64 {}
}

/// A floating-point cost type: implemented for `f32` and `f64` only.
///
/// The solver uses nothing but `+`, `-`, negation and comparisons on it, each correctly rounded
/// by IEEE 754 on every target, which is why its results are bit-identical on x86-64 and
/// Cortex-M (Rust never contracts `a * b + c` into a fused multiply-add on its own).
pub trait Cost:
    sealed::Sealed
    + Copy
    + PartialOrd
    + Default
    + core::fmt::Debug
    + Add<Output = Self>
    + Sub<Output = Self>
    + Div<Output = Self>
    + Neg<Output = Self>
{
    /// Additive identity.
    const ZERO: Self;
    /// Positive infinity (the solver's "unreached" distance).
    const INFINITY: Self;
    /// Largest finite value.
    const MAX: Self;
    /// Machine epsilon.
    const EPSILON: Self;
    /// `true` unless NaN or infinite.
    fn is_finite(self) -> bool;
    /// Absolute value.
    fn abs(self) -> Self;
    /// `n` as this type (rounded).
    fn from_usize(n: usize) -> Self;
    /// This value as `f64` (exact).
    fn to_f64(self) -> f64;
    /// Multiplication, used only by certificate tolerances, never by the solver.
    fn mul(self, other: Self) -> Self;
}

macro_rules! impl_cost {
    ($t:ty) => {
        impl Cost for $t {
            const ZERO: Self = 0.0;
            const INFINITY: Self = <$t>::INFINITY;
            const MAX: Self = <$t>::MAX;
            const EPSILON: Self = <$t>::EPSILON;
            #[inline(always)]
            fn is_finite(self) -> bool {
                <$t>::is_finite(self)
            }
            #[inline(always)]
            fn abs(self) -> Self {
                <$t>::abs(self)
            }
            #[inline(always)]
            fn from_usize(n: usize) -> Self {
                n as $t
            }
            #[inline(always)]
            fn to_f64(self) -> f64 {
                self as f64
            }
            #[inline(always)]
            fn mul(self, other: Self) -> Self {
                self * other
            }
        }
    };
}
impl_cost!(f32);
impl_cost!(f64);
