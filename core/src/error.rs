//! The one error type of the core: small, `Copy`, no allocation.

use core::fmt;

/// Everything that can go wrong in `dl2pa-core`.
///
/// Each variant names the value at fault and what was expected, so a caller can print it as a
/// one-line message. Nothing in the core panics on bad input; it returns one of these instead.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Error {
    /// A slice had the wrong length: `what` has `got` elements, `expected` were needed.
    Length {
        /// Which argument.
        what: &'static str,
        /// Elements required.
        expected: usize,
        /// Elements given.
        got: usize,
    },
    /// A size is outside what the core supports (`0 < value <= max` is required).
    Size {
        /// Which size (for example `"classes"` or `"dim"`).
        what: &'static str,
        /// The value given.
        value: usize,
        /// The largest value supported.
        max: usize,
    },
    /// An assignment problem has more rows than columns, so no row-complete assignment exists.
    RowsExceedCols {
        /// Rows (classes).
        rows: usize,
        /// Columns (prototypes).
        cols: usize,
    },
    /// A value is NaN or infinite at flat index `index` of `what`.
    NotFinite {
        /// Which argument.
        what: &'static str,
        /// Flat (row-major) index of the first offending value.
        index: usize,
    },
    /// A cost is so large in magnitude that the solver's dual variables could overflow.
    CostTooLarge {
        /// Flat (row-major) index of the first offending cost.
        index: usize,
    },
    /// A prototype row is not of unit length within the stated tolerance.
    NotUnit {
        /// Prototype (row) index.
        row: usize,
    },
    /// The input vector is all zeros (or its norm underflows), so it has no direction.
    ZeroVector,
    /// A quantisation scale is not finite and positive.
    BadScale,
    /// The solver's numerical safety net tripped (no reachable free column). Cannot happen for
    /// inputs that passed validation; reported rather than looping or panicking.
    Numerical,
    /// The model bytes are malformed; `what` says which field or check failed.
    Format {
        /// Which field or check failed.
        what: &'static str,
    },
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Error::Length {
                what,
                expected,
                got,
            } => {
                write!(f, "{what}: expected {expected} elements, got {got}")
            }
            Error::Size { what, value, max } => {
                write!(f, "{what} = {value} is out of range: expected 1..={max}")
            }
            Error::RowsExceedCols { rows, cols } => write!(
                f,
                "assignment problem has {rows} rows but only {cols} columns: expected rows <= columns"
            ),
            Error::NotFinite { what, index } => {
                write!(
                    f,
                    "{what}[{index}] is NaN or infinite: expected a finite number"
                )
            }
            Error::CostTooLarge { index } => write!(
                f,
                "cost[{index}] is too large in magnitude for the solver's dual variables"
            ),
            Error::NotUnit { row } => {
                write!(f, "prototype {row} is not a unit vector: expected |p| = 1")
            }
            Error::ZeroVector => write!(f, "input vector has zero norm: expected a direction"),
            Error::BadScale => write!(f, "quantisation scale must be finite and positive"),
            Error::Numerical => write!(f, "assignment solver lost numerical precision"),
            Error::Format { what } => write!(f, "malformed model: {what}"),
        }
    }
}

impl core::error::Error for Error {}

/// Shorthand for results of this crate.
pub type Result<T> = core::result::Result<T, Error>;

/// Checks a slice length, naming the argument on failure.
pub(crate) fn check_len(what: &'static str, got: usize, expected: usize) -> Result<()> {
    if got == expected {
        Ok(())
    } else {
        Err(Error::Length {
            what,
            expected,
            got,
        })
    }
}
