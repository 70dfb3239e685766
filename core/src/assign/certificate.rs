//! Checking an assignment's optimality from its dual variables, without trusting the solver.

use core::fmt;

use super::cost::Cost;
use super::problem::{Problem, Sense};

/// An assignment together with the dual variables that prove it optimal.
///
/// For [`Sense::Minimize`] the conditions are
/// * feasibility: `u[i] + v[j] ≤ c[i][j]` for every cell,
/// * tightness: `u[i] + v[σ(i)] = c[i][σ(i)]` on the assignment,
/// * rectangular problems (`rows < cols`): `v[j] ≤ 0`, and `v[j] = 0` where no row is assigned.
///
/// They imply `Σ c[i][σ(i)] = Σ u + Σ v ≤` the cost of any other assignment (weak LP duality).
/// For [`Sense::Maximize`] every inequality is reversed. In floating point each condition holds
/// within a tolerance; a violation `ε` per cell bounds the sub-optimality by `rows · 2ε`.
#[derive(Clone, Copy, Debug)]
pub struct Certificate<'a, T> {
    /// `σ`, row → column.
    pub assignment: &'a [u32],
    /// `u`, one per row.
    pub row_duals: &'a [T],
    /// `v`, one per column.
    pub col_duals: &'a [T],
    /// The objective the duals are for.
    pub sense: Sense,
}

/// What a successful check measured.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct CertificateReport<T> {
    /// Largest violation of dual feasibility over all cells (≤ 0 when strictly feasible).
    pub max_violation: T,
    /// Largest `|c[i][σ(i)] − u[i] − v[σ(i)]|` over the assignment.
    pub max_slack: T,
    /// `Σ c[i][σ(i)]`, in row order.
    pub primal: T,
    /// `Σ u + Σ v`, the dual objective.
    pub dual: T,
}

/// Why a certificate does not hold.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum CertificateError {
    /// A vector has the wrong length for the problem.
    Length {
        /// `"assignment"`, `"row_duals"` or `"col_duals"`.
        what: &'static str,
    },
    /// Row `row` is assigned a column outside the matrix.
    ColumnOutOfRange {
        /// The row.
        row: usize,
    },
    /// Row `row` is assigned a column an earlier row already has.
    NotInjective {
        /// The row.
        row: usize,
    },
    /// A dual is NaN or infinite.
    NotFinite,
    /// Dual feasibility fails at cell `(row, col)` by more than the tolerance.
    Infeasible {
        /// Row of the cell.
        row: usize,
        /// Column of the cell.
        col: usize,
    },
    /// The assigned cell of `row` is not tight.
    NotTight {
        /// The row.
        row: usize,
    },
    /// Column `col` violates the rectangular condition on `v`.
    ColumnDual {
        /// The column.
        col: usize,
    },
}

impl fmt::Display for CertificateError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            CertificateError::Length { what } => {
                write!(f, "certificate: {what} has the wrong length")
            }
            CertificateError::ColumnOutOfRange { row } => {
                write!(
                    f,
                    "certificate: row {row} is assigned a column outside the matrix"
                )
            }
            CertificateError::NotInjective { row } => {
                write!(
                    f,
                    "certificate: row {row} shares its column with an earlier row"
                )
            }
            CertificateError::NotFinite => write!(f, "certificate: a dual variable is not finite"),
            CertificateError::Infeasible { row, col } => {
                write!(
                    f,
                    "certificate: dual constraint violated at cell ({row}, {col})"
                )
            }
            CertificateError::NotTight { row } => {
                write!(f, "certificate: assigned cell of row {row} is not tight")
            }
            CertificateError::ColumnDual { col } => {
                write!(
                    f,
                    "certificate: column {col} breaks the rectangular dual condition"
                )
            }
        }
    }
}

impl core::error::Error for CertificateError {}

impl<T: Cost> Certificate<'_, T> {
    /// A tolerance that covers the rounding of a correct solve:
    /// `8 · ε_T · (rows + cols) · max|c|` (and at least the smallest normal number's worth).
    pub fn tolerance(problem: &Problem<'_, T>) -> T {
        let max = problem
            .costs()
            .iter()
            .fold(T::ZERO, |a, &c| if c.abs() > a { c.abs() } else { a });
        let k = T::from_usize(8 * (problem.rows() + problem.cols() + 1));
        T::EPSILON.mul(k).mul(max)
    }

    /// Checks every condition within `tol` (absolute), in `O(rows · cols)`.
    ///
    /// # Errors
    /// The first condition that fails, naming the row, column or cell.
    pub fn check(
        &self,
        problem: &Problem<'_, T>,
        tol: T,
    ) -> Result<CertificateReport<T>, CertificateError> {
        let (n, m) = (problem.rows(), problem.cols());
        self.check_shape(n, m)?;
        let mut report = CertificateReport {
            max_violation: -T::INFINITY,
            max_slack: T::ZERO,
            primal: T::ZERO,
            dual: T::ZERO,
        };
        for i in 0..n {
            self.check_row(problem, tol, i, &mut report)?;
        }
        for (j, &vj) in self.col_duals.iter().enumerate() {
            report.dual = report.dual + vj;
            // Rectangular: every column dual at most 0 (the padding rows' duals), and exactly 0
            // on a free column.
            if n < m {
                let assigned = self.assignment.iter().any(|&k| k as usize == j);
                let vj = self.min_form(vj);
                if vj > tol || (!assigned && vj < -tol) {
                    return Err(CertificateError::ColumnDual { col: j });
                }
            }
        }
        if n == 0 {
            report.max_violation = T::ZERO;
        }
        Ok(report)
    }

    /// One assignment entry per row, one dual per row and column, all duals finite.
    fn check_shape(&self, n: usize, m: usize) -> Result<(), CertificateError> {
        if self.assignment.len() != n {
            return Err(CertificateError::Length { what: "assignment" });
        }
        if self.row_duals.len() != n {
            return Err(CertificateError::Length { what: "row_duals" });
        }
        if self.col_duals.len() != m {
            return Err(CertificateError::Length { what: "col_duals" });
        }
        let all_finite = self
            .row_duals
            .iter()
            .chain(self.col_duals)
            .all(|x| x.is_finite());
        if !all_finite {
            return Err(CertificateError::NotFinite);
        }
        Ok(())
    }

    /// `x` in the minimisation convention (negated for a maximisation).
    fn min_form(&self, x: T) -> T {
        if self.sense == Sense::Maximize { -x } else { x }
    }

    /// Row `i`: its column is in range and not taken by an earlier row, every cell is dual
    /// feasible within `tol`, its own cell is tight within `tol`; adds it to `report`.
    fn check_row(
        &self,
        problem: &Problem<'_, T>,
        tol: T,
        i: usize,
        report: &mut CertificateReport<T>,
    ) -> Result<(), CertificateError> {
        let m = problem.cols();
        let j = self.assignment[i] as usize;
        if j >= m {
            return Err(CertificateError::ColumnOutOfRange { row: i });
        }
        if self.assignment[..i].iter().any(|&k| k as usize == j) {
            return Err(CertificateError::NotInjective { row: i });
        }
        let s = |x: T| self.min_form(x);
        let ui = s(self.row_duals[i]);
        let row = &problem.costs()[i * m..(i + 1) * m];
        for (jj, &c) in row.iter().enumerate() {
            let viol = ui + s(self.col_duals[jj]) - s(c);
            if viol > tol {
                return Err(CertificateError::Infeasible { row: i, col: jj });
            }
            if viol > report.max_violation {
                report.max_violation = viol;
            }
        }
        let c = row[j];
        let slack = (s(c) - ui - s(self.col_duals[j])).abs();
        if slack > tol {
            return Err(CertificateError::NotTight { row: i });
        }
        if slack > report.max_slack {
            report.max_slack = slack;
        }
        report.primal = report.primal + c;
        report.dual = report.dual + self.row_duals[i];
        Ok(())
    }
}
