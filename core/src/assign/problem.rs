//! A validated assignment problem: a borrowed cost matrix and an objective sense.

use super::cost::Cost;
use crate::error::{Error, Result, check_len};

/// Whether the total of the assigned cells is minimised (a cost) or maximised (a similarity).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Sense {
    /// Minimise `Σ c[i][σ(i)]`.
    Minimize,
    /// Maximise `Σ s[i][σ(i)]` (DL2PA: similarity of class means to prototypes).
    Maximize,
}

/// A row-major `rows × cols` matrix that passed validation: `rows ≤ cols`, right length, every
/// entry finite and small enough that the duals cannot overflow (`|c| ≤ T::MAX / (16 (rows + cols + 1))`,
/// about `10³³` for `f32` at `n = 10 000`).
///
/// Validation is one `O(rows · cols)` pass; the solver relies on it and never re-checks.
#[derive(Clone, Copy, Debug)]
pub struct Problem<'a, T> {
    costs: &'a [T],
    rows: usize,
    cols: usize,
    sense: Sense,
}

impl<'a, T: Cost> Problem<'a, T> {
    /// Validates `costs` as a row-major `rows × cols` matrix with the given objective.
    ///
    /// # Errors
    /// [`Error::RowsExceedCols`], [`Error::Length`] (also when `rows · cols` overflows or a size
    /// does not fit the solver's `u32` indices), [`Error::NotFinite`], [`Error::CostTooLarge`].
    ///
    /// ```
    /// use dl2pa_core::{assign::{Problem, Sense}, Error};
    /// assert!(Problem::new(&[1.0f64, f64::NAN], 1, 2, Sense::Minimize).is_err());
    /// assert_eq!(
    ///     Problem::new(&[1.0f64; 6], 3, 2, Sense::Minimize).unwrap_err(),
    ///     Error::RowsExceedCols { rows: 3, cols: 2 }
    /// );
    /// ```
    pub fn new(costs: &'a [T], rows: usize, cols: usize, sense: Sense) -> Result<Self> {
        if rows > cols {
            return Err(Error::RowsExceedCols { rows, cols });
        }
        // u32 indices with u32::MAX reserved as "unassigned".
        if cols >= u32::MAX as usize {
            return Err(Error::Size {
                what: "cols",
                value: cols,
                max: u32::MAX as usize - 1,
            });
        }
        let len = rows.checked_mul(cols).ok_or(Error::Length {
            what: "costs",
            expected: usize::MAX,
            got: costs.len(),
        })?;
        check_len("costs", costs.len(), len)?;
        let limit = T::MAX / T::from_usize(16usize.saturating_mul(rows + cols + 1));
        // Fast path: `|c| <= limit` is false for NaN and ±∞ too; lanes let it vectorise.
        let mut ok = [true; 8];
        let (c8, ct) = costs.as_chunks::<8>();
        for c in c8 {
            for l in 0..8 {
                ok[l] &= c[l].abs() <= limit;
            }
        }
        if ok.iter().all(|&x| x) && ct.iter().all(|c| c.abs() <= limit) {
            return Ok(Problem {
                costs,
                rows,
                cols,
                sense,
            });
        }
        for (index, &c) in costs.iter().enumerate() {
            if !c.is_finite() {
                return Err(Error::NotFinite {
                    what: "costs",
                    index,
                });
            }
            if c.abs() > limit {
                return Err(Error::CostTooLarge { index });
            }
        }
        Ok(Problem {
            costs,
            rows,
            cols,
            sense,
        })
    }

    /// [`Problem::new`] with [`Sense::Minimize`].
    pub fn minimize(costs: &'a [T], rows: usize, cols: usize) -> Result<Self> {
        Self::new(costs, rows, cols, Sense::Minimize)
    }

    /// [`Problem::new`] with [`Sense::Maximize`].
    pub fn maximize(costs: &'a [T], rows: usize, cols: usize) -> Result<Self> {
        Self::new(costs, rows, cols, Sense::Maximize)
    }

    /// The row-major matrix.
    pub fn costs(&self) -> &'a [T] {
        self.costs
    }

    /// Rows (classes).
    pub fn rows(&self) -> usize {
        self.rows
    }

    /// Columns (prototypes).
    pub fn cols(&self) -> usize {
        self.cols
    }

    /// The objective.
    pub fn sense(&self) -> Sense {
        self.sense
    }

    /// Entry `(i, j)`.
    ///
    /// # Panics
    /// If `i ≥ rows` or `j ≥ cols`.
    pub fn at(&self, i: usize, j: usize) -> T {
        assert!(i < self.rows && j < self.cols, "index out of the matrix");
        self.costs[i * self.cols + j]
    }

    /// `Σᵢ c[i][assignment[i]]`, summed in row order (so the same bits everywhere).
    ///
    /// # Errors
    /// [`Error::Length`] if `assignment` is not `rows` long, [`Error::Size`] if an entry is not a
    /// column index.
    pub fn total(&self, assignment: &[u32]) -> Result<T> {
        check_len("assignment", assignment.len(), self.rows)?;
        let mut total = T::ZERO;
        for (i, &j) in assignment.iter().enumerate() {
            let j = j as usize;
            if j >= self.cols {
                return Err(Error::Size {
                    what: "assignment column",
                    value: j,
                    max: self.cols - 1,
                });
            }
            total = total + self.costs[i * self.cols + j];
        }
        Ok(total)
    }
}
