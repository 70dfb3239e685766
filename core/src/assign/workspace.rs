//! Caller-provided memory for the solver, and the solution that borrows it.

use super::certificate::Certificate;
use super::cost::Cost;
use super::jv::{self, Buffers, Init, NONE, Stats};
use super::problem::{Problem, Sense};
use crate::error::{Error, Result};

/// The solver's working memory, borrowed from the caller: no allocation, so it runs from a
/// `static` buffer on a microcontroller as well as from a `Vec` on the host.
///
/// A workspace remembers the column duals of its last solve, which [`Workspace::solve_warm`]
/// starts from. Sizes: [`Workspace::floats_needed`] and [`Workspace::indices_needed`].
pub struct Workspace<'a, T> {
    floats: &'a mut [T],
    indices: &'a mut [u32],
    /// What the buffers hold from the last solve, for a warm start.
    duals: Option<Kept>,
}

/// What a workspace holds from its last solve: column duals for `cols` columns in the
/// convention of `sense`, and the assignment of `rows` rows (`None` after seeding duals only).
#[derive(Clone, Copy, Debug)]
pub(crate) struct Kept {
    rows: Option<usize>,
    cols: usize,
    sense: Sense,
    /// Columns scanned by the latest cold solve behind these duals (0: none yet, as after
    /// seeding): what a warm start may spend before it gives up.
    cold_scans: usize,
}

/// Splits the two flat buffers into the solver's arrays. Layout: `floats = [v | u | d | scan_d |
/// scan_v]`, `indices = [col_of_row | row_of_col | pred | scan_col | free]`; `v` comes first so the
/// duals kept for a warm start stay put whatever the number of rows.
fn split<'b, T>(floats: &'b mut [T], indices: &'b mut [u32], n: usize, m: usize) -> Buffers<'b, T> {
    let (v, rest) = floats.split_at_mut(m);
    let (u, rest) = rest.split_at_mut(n);
    let (d, rest) = rest.split_at_mut(m);
    let (scan_d, rest) = rest.split_at_mut(m);
    let scan_v = &mut rest[..m];
    let (col_of_row, rest) = indices.split_at_mut(n);
    let (row_of_col, rest) = rest.split_at_mut(m);
    let (pred, rest) = rest.split_at_mut(m);
    let (scan_col, rest) = rest.split_at_mut(m);
    let free = &mut rest[..n];
    Buffers {
        v,
        u,
        d,
        scan_d,
        scan_v,
        col_of_row,
        row_of_col,
        pred,
        scan_col,
        free,
    }
}

impl<'a, T: Cost> Workspace<'a, T> {
    /// `T` elements a `rows × cols` problem needs: `rows + 4·cols`.
    pub const fn floats_needed(rows: usize, cols: usize) -> usize {
        rows + 4 * cols
    }

    /// `u32` elements a `rows × cols` problem needs: `2·rows + 3·cols`.
    pub const fn indices_needed(rows: usize, cols: usize) -> usize {
        2 * rows + 3 * cols
    }

    /// Wraps two buffers. Their sizes are checked against each problem at solve time, so one
    /// workspace serves every problem up to its capacity.
    pub fn new(floats: &'a mut [T], indices: &'a mut [u32]) -> Self {
        Workspace {
            floats,
            indices,
            duals: None,
        }
    }

    /// Solves `problem` from scratch.
    ///
    /// # Errors
    /// [`Error::Length`] if the buffers are too small for this problem; [`Error::Numerical`] is
    /// reserved for a broken invariant and does not occur for validated problems.
    pub fn solve(&mut self, problem: &Problem<'_, T>) -> Result<Solution<'_, T>> {
        self.run(problem, false)
    }

    /// Solves `problem` starting from the column duals of the previous solve in this workspace
    /// (or those given to [`Workspace::seed_col_duals`]), preferring each row's previous column
    /// among equally good ones: much faster when the costs changed little, the same optimum either
    /// way. Falls back to a cold solve ([`Solution::warm_started`] is then `false`) when there are
    /// no duals for this number of columns; when the shortest-path phase needs more column scans
    /// than the latest cold solve in this workspace did, or `4 (rows + cols)` if that is more or
    /// there was none (the costs moved too far for the old duals to help: the warm start gave up
    /// after doing a cold solve's work, so a fallback costs at most about twice a cold solve);
    /// and — rectangular problems only —
    /// when the old duals would leave a column unassigned that the certificate needs at the top
    /// dual value.
    ///
    /// # Errors
    /// As [`Workspace::solve`].
    pub fn solve_warm(&mut self, problem: &Problem<'_, T>) -> Result<Solution<'_, T>> {
        self.run(problem, true)
    }

    /// Sets the column duals a following [`Workspace::solve_warm`] starts from, in the
    /// convention [`Solution::col_duals`] returns them for `sense`.
    ///
    /// # Errors
    /// [`Error::Length`] if the workspace cannot hold `v.len()` columns, [`Error::NotFinite`].
    pub fn seed_col_duals(&mut self, v: &[T], sense: Sense) -> Result<()> {
        if v.len() > self.floats.len() {
            return Err(Error::Length {
                what: "workspace floats",
                expected: v.len(),
                got: self.floats.len(),
            });
        }
        if let Some(index) = v.iter().position(|x| !x.is_finite()) {
            return Err(Error::NotFinite {
                what: "col_duals",
                index,
            });
        }
        self.floats[..v.len()].copy_from_slice(v);
        self.duals = Some(Kept {
            rows: None,
            cols: v.len(),
            sense,
            cold_scans: 0,
        });
        Ok(())
    }

    fn run(&mut self, p: &Problem<'_, T>, warm: bool) -> Result<Solution<'_, T>> {
        run(
            &mut *self.floats,
            &mut *self.indices,
            &mut self.duals,
            p,
            warm,
        )
    }
}

/// The solve behind [`Workspace`] and the owning `Solver`: checks the buffers, picks the start,
/// converts the duals to the caller's convention. `duals` records what the front of `floats` holds.
pub(crate) fn run<'b, T: Cost>(
    floats: &'b mut [T],
    indices: &'b mut [u32],
    duals: &mut Option<Kept>,
    p: &Problem<'_, T>,
    warm: bool,
) -> Result<Solution<'b, T>> {
    let (n, m, sense) = (p.rows(), p.cols(), p.sense());
    at_least(
        "workspace floats",
        Workspace::<T>::floats_needed(n, m),
        floats.len(),
    )?;
    at_least(
        "workspace indices",
        Workspace::<T>::indices_needed(n, m),
        indices.len(),
    )?;
    let kept = duals.filter(|k| k.cols == m);
    let warm = warm && kept.is_some();
    // The previous assignment (left in `col_of_row`) is reused when the shape and sense match.
    let prev = kept.is_some_and(|k| k.rows == Some(n) && k.sense == sense);
    let mut b = split(floats, indices, n, m);
    let cold_scans = kept.map_or(0, |k| k.cold_scans);
    let warm_stats = if warm {
        solve_warm(p, &mut b, prev, cold_scans)?
    } else {
        None
    };
    let used_warm = warm_stats.is_some();
    let (stats, cold_scans) = match warm_stats {
        Some(stats) => (stats, cold_scans),
        None => {
            let stats = solve_cold(p, &mut b)?;
            (stats, stats.scans)
        }
    };
    if sense == Sense::Maximize {
        b.v.iter_mut().for_each(|x| *x = -*x);
        b.u.iter_mut().for_each(|x| *x = -*x);
    }
    *duals = Some(Kept {
        rows: Some(n),
        cols: m,
        sense,
        cold_scans,
    });
    let Buffers {
        v,
        u,
        col_of_row,
        row_of_col,
        ..
    } = b;
    Ok(Solution {
        col_of_row,
        row_of_col,
        u,
        v,
        sense,
        warm: used_warm,
        stats,
    })
}

/// `Error::Length` unless `got ≥ expected`.
fn at_least(what: &'static str, expected: usize, got: usize) -> Result<()> {
    if got < expected {
        return Err(Error::Length {
            what,
            expected,
            got,
        });
    }
    Ok(())
}

/// Solves from the column duals in `b.v` (the caller's convention); `prev`: the assignment left
/// in `b.col_of_row` fits; `cold_scans`: the latest cold solve's work. `None` — solve cold
/// instead — if this went over budget or left a free column off the top dual (the certificate
/// would not hold).
fn solve_warm<T: Cost>(
    p: &Problem<'_, T>,
    b: &mut Buffers<'_, T>,
    prev: bool,
    cold_scans: usize,
) -> Result<Option<Stats>> {
    let (n, m) = (p.rows(), p.cols());
    // Stored duals are in the caller's convention; the solver works on minimisation.
    if p.sense() == Sense::Maximize {
        b.v.iter_mut().for_each(|x| *x = -*x);
    }
    if n < m {
        // Rectangular certificate: unassigned columns sit at the top dual value, 0.
        let top =
            b.v.iter()
                .fold(-T::INFINITY, |a, &x| if x > a { x } else { a });
        b.v.iter_mut().for_each(|x| *x = *x - top);
    }
    // A warm start that has done a cold solve's work is not paying off, so it gives up for
    // cold. A fixed budget (four scans per row and column: a cold solve of a random matrix
    // scans 15–25 per row) sent early training's updates cold, though their warm starts needed
    // in the median a tenth of a cold solve's scans (docs/results/warm-budget.md); it stays as
    // the floor.
    let budget = cold_scans.max(4 * (n + m));
    let stats = solve_sense(p, b, Init::Greedy(prev), budget)?;
    let off_top = n < m && (0..m).any(|j| b.row_of_col[j] == NONE && b.v[j] != T::ZERO);
    Ok((!stats.over_budget && !off_top).then_some(stats))
}

/// Solves from scratch: column reduction when square, zero duals and row reduction otherwise.
fn solve_cold<T: Cost>(p: &Problem<'_, T>, b: &mut Buffers<'_, T>) -> Result<Stats> {
    let init = if p.rows() == p.cols() {
        Init::ColumnReduction
    } else {
        b.v.fill(T::ZERO);
        Init::Reduction
    };
    solve_sense(p, b, init, usize::MAX)
}

fn solve_sense<T: Cost>(
    p: &Problem<'_, T>,
    b: &mut Buffers<'_, T>,
    init: Init,
    budget: usize,
) -> Result<Stats> {
    match p.sense() {
        Sense::Minimize => jv::solve::<T, false>(p.costs(), p.rows(), p.cols(), b, init, budget),
        Sense::Maximize => jv::solve::<T, true>(p.costs(), p.rows(), p.cols(), b, init, budget),
    }
}

/// An optimal assignment and its dual certificate, borrowed from the [`Workspace`].
#[derive(Debug)]
pub struct Solution<'w, T> {
    col_of_row: &'w [u32],
    row_of_col: &'w [u32],
    u: &'w [T],
    v: &'w [T],
    sense: Sense,
    warm: bool,
    stats: Stats,
}

impl<'w, T: Cost> Solution<'w, T> {
    /// `σ`: row `i` (class) is assigned column `assignment()[i]` (prototype).
    pub fn assignment(&self) -> &'w [u32] {
        self.col_of_row
    }

    /// `σ⁻¹`: the row assigned to each column, [`UNASSIGNED`](super::UNASSIGNED) for columns no
    /// row took (rectangular problems).
    pub fn col_assignment(&self) -> &'w [u32] {
        self.row_of_col
    }

    /// Row duals `u`.
    pub fn row_duals(&self) -> &'w [T] {
        self.u
    }

    /// Column duals `v` (what a warm start reuses).
    pub fn col_duals(&self) -> &'w [T] {
        self.v
    }

    /// Whether the warm start was used (`false` for cold solves and for fallbacks).
    pub fn warm_started(&self) -> bool {
        self.warm
    }

    /// How much work the solve did (for logs and benchmarks).
    pub fn stats(&self) -> Stats {
        self.stats
    }

    /// The assignment with its duals, to check against the problem.
    pub fn certificate(&self) -> Certificate<'w, T> {
        Certificate {
            assignment: self.col_of_row,
            row_duals: self.u,
            col_duals: self.v,
            sense: self.sense,
        }
    }
}
