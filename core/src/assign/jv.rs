//! The Jonker–Volgenant shortest-augmenting-path algorithm, on caller-provided buffers.
//!
//! Conventions inside this file: the problem is always *minimise* `Σ c[i][σ(i)]`; a maximisation
//! is solved by reading every cost negated (`MAX = true`), which is exact. Column duals `v` and row
//! duals `u` satisfy `c[i][j] − u[i] − v[j] ≥ 0` with equality on the assignment (up to rounding),
//! and for rectangular problems `v[j] ≤ 0` with `v[j] = 0` on unassigned columns.
//!
//! Invariant kept by every phase: an assigned row `i` is assigned to a column that minimises
//! `c[i][j] − v[j]` over `j` ("row-minimal"), so `u[i] = c[i][σ(i)] − v[σ(i)]` and all reduced costs
//! are non-negative — what Dijkstra needs.
//!
//! Determinism: every choice among equal values takes the lowest index, loops run in a fixed order,
//! and only `+`, `−` and comparisons touch the costs, so the result is a function of the input bits.

mod lexicographic;

use super::cost::Cost;
use crate::error::{Error, Result};
use lexicographic::lexicographic_min;

/// Marks "no row" / "no column" in the index buffers.
pub(crate) const NONE: u32 = u32::MAX;

/// Lanes of the hand-unrolled minimum reductions; independent lanes let the compiler vectorise.
const LANES: usize = 8;

/// The buffers of one solve, carved out of the caller's workspace.
pub(crate) struct Buffers<'a, T> {
    /// Column duals (m).
    pub v: &'a mut [T],
    /// Row duals (n).
    pub u: &'a mut [T],
    /// Tentative distances of the current Dijkstra (m); `+∞` once a column is scanned.
    pub d: &'a mut [T],
    /// Distance of each scanned column, in scan order (m).
    pub scan_d: &'a mut [T],
    /// Dual of each scanned column before the scan, in scan order (m).
    pub scan_v: &'a mut [T],
    /// Row → column (n).
    pub col_of_row: &'a mut [u32],
    /// Column → row (m).
    pub row_of_col: &'a mut [u32],
    /// Predecessor row of each column on the shortest-path tree (m).
    pub pred: &'a mut [u32],
    /// Scanned columns in scan order (m); also scratch during initialisation.
    pub scan_col: &'a mut [u32],
    /// Free rows (n).
    pub free: &'a mut [u32],
}

/// How the solve starts.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Init {
    /// Square problem from scratch: column reduction and reduction transfer, then ARR.
    ColumnReduction,
    /// All rows free, from the column duals in `v` (zero for a cold rectangular start), then ARR.
    Reduction,
    /// Warm start from the duals in `v`: each row takes its cheapest column if that column is
    /// still free (one vectorised pass per row), then ARR on the rest. With `true`, `col_of_row`
    /// holds the previous assignment, preferred among equally cheap columns.
    Greedy(bool),
}

#[inline(always)]
fn ld<T: Cost, const MAX: bool>(x: T) -> T {
    if MAX { -x } else { x }
}

#[inline(always)]
fn min<T: Cost>(a: T, b: T) -> T {
    if b < a { b } else { a }
}

/// Row `i` of the row-major `n × m` matrix.
#[inline(always)]
fn row<T>(costs: &[T], i: usize, m: usize) -> &[T] {
    &costs[i * m..i * m + m]
}

/// Solves in place. `costs` is row-major `n × m` with `n ≤ m`, all finite and within the magnitude
/// limit (checked by the caller). On success `col_of_row`, `row_of_col`, `u` and `v` hold the
/// assignment and the duals of the minimisation problem.
pub(crate) fn solve<T: Cost, const MAX: bool>(
    costs: &[T],
    n: usize,
    m: usize,
    b: &mut Buffers<'_, T>,
    init: Init,
    scan_budget: usize,
) -> Result<Stats> {
    if let Init::Greedy(true) = init {
        b.pred[..n].copy_from_slice(&b.col_of_row[..n]);
    }
    b.col_of_row.fill(NONE);
    b.row_of_col.fill(NONE);
    let mut stats = Stats::default();
    if n == 0 {
        return Ok(stats);
    }
    let mut numfree = match init {
        Init::ColumnReduction => column_reduction::<T, MAX>(costs, n, m, b),
        Init::Reduction => {
            for (i, f) in b.free.iter_mut().enumerate() {
                *f = i as u32;
            }
            n
        }
        Init::Greedy(prev) => greedy::<T, MAX>(costs, n, m, b, prev),
    };
    stats.free_after_init = numfree;
    // Two passes of augmenting row reduction, as Jonker and Volgenant do.
    for _ in 0..2 {
        if numfree == 0 {
            break;
        }
        numfree = augmenting_row_reduction::<T, MAX>(costs, m, b, numfree);
    }
    stats.augmentations = numfree;
    for k in 0..numfree {
        if stats.scans > scan_budget {
            // Left half-done: the caller starts over cold.
            stats.over_budget = true;
            return Ok(stats);
        }
        let f = b.free[k] as usize;
        stats.scans += augment::<T, MAX>(costs, m, b, f)?;
    }
    lexicographic_min::<T, MAX>(costs, n, m, b);
    for i in 0..n {
        let j = b.col_of_row[i] as usize;
        b.u[i] = ld::<T, MAX>(row(costs, i, m)[j]) - b.v[j];
    }
    Ok(stats)
}

/// What a solve did: how much work the initialisation left to the shortest-path phase.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Stats {
    /// Rows still free after the initial phase (column reduction or the warm greedy pass).
    pub free_after_init: usize,
    /// Shortest augmenting paths run (rows still free after augmenting row reduction).
    pub augmentations: usize,
    /// Columns scanned by all shortest-path searches together.
    pub scans: usize,
    /// The solve stopped at its scan budget (a warm start that turned out slower than cold).
    pub(crate) over_budget: bool,
}

/// Column reduction and reduction transfer (square problems). Returns the number of free rows,
/// listed at the front of `free`.
fn column_reduction<T: Cost, const MAX: bool>(
    costs: &[T],
    n: usize,
    m: usize,
    b: &mut Buffers<'_, T>,
) -> usize {
    column_minima::<T, MAX>(costs, n, m, b);
    take_column_minima(n, m, b);
    reduction_transfer::<T, MAX>(costs, n, m, b)
}

/// `v[j] = min_i c[i][j]`, its argmin (the lowest row among equals) in `pred[j]`: a row-major
/// pass over the matrix.
fn column_minima<T: Cost, const MAX: bool>(
    costs: &[T],
    n: usize,
    m: usize,
    b: &mut Buffers<'_, T>,
) {
    for (j, (v, p)) in b.v.iter_mut().zip(b.pred.iter_mut()).enumerate() {
        *v = ld::<T, MAX>(costs[j]);
        *p = 0;
    }
    for i in 1..n {
        let r = row(costs, i, m);
        for ((v, p), &c) in b.v.iter_mut().zip(b.pred.iter_mut()).zip(r) {
            let c = ld::<T, MAX>(c);
            if c < *v {
                *v = c;
                *p = i as u32;
            }
        }
    }
}

/// Each row takes the cheapest of the columns whose minimum it holds; `scan_col[i]` counts the
/// minima row `i` holds.
fn take_column_minima<T: Cost>(n: usize, m: usize, b: &mut Buffers<'_, T>) {
    let matches = &mut b.scan_col[..n];
    matches.fill(0);
    for j in 0..m {
        let i = b.pred[j] as usize;
        matches[i] += 1;
        let j1 = b.col_of_row[i];
        if j1 == NONE {
            b.col_of_row[i] = j as u32;
            b.row_of_col[j] = i as u32;
        } else if b.v[j] < b.v[j1 as usize] {
            b.row_of_col[j1 as usize] = NONE;
            b.col_of_row[i] = j as u32;
            b.row_of_col[j] = i as u32;
        }
    }
}

/// Reduction transfer: a row that holds a single column minimum lowers that column's dual to
/// its second-best reduced cost, which keeps it row-minimal and makes room for ARR. Rows that
/// hold none are listed at the front of `free`; returns their number.
fn reduction_transfer<T: Cost, const MAX: bool>(
    costs: &[T],
    n: usize,
    m: usize,
    b: &mut Buffers<'_, T>,
) -> usize {
    let mut numfree = 0;
    for i in 0..n {
        match b.scan_col[i] {
            0 => {
                b.free[numfree] = i as u32;
                numfree += 1;
            }
            1 if m > 1 => {
                let j1 = b.col_of_row[i] as usize;
                let r = row(costs, i, m);
                let mut best = T::INFINITY;
                for (j, (&c, &v)) in r.iter().zip(b.v.iter()).enumerate() {
                    let h = ld::<T, MAX>(c) - v;
                    if j != j1 && h < best {
                        best = h;
                    }
                }
                b.v[j1] = b.v[j1] - best;
            }
            _ => {}
        }
    }
    numfree
}

/// Assigns each row to its cheapest column when that column is still free, preferring the
/// column the row had before (`prev`, if given) among equally cheap ones, else the lowest index.
/// Returns the number of rows left free, listed at the front of `free`.
fn greedy<T: Cost, const MAX: bool>(
    costs: &[T],
    n: usize,
    m: usize,
    b: &mut Buffers<'_, T>,
    prev: bool,
) -> usize {
    // The previous assignment is read from `pred` (copied there by the caller).
    let mut numfree = 0;
    for i in 0..n {
        let r = row(costs, i, m);
        let umin = reduced_min::<T, MAX>(r, b.v);
        let p = if prev { b.pred[i] } else { NONE };
        let keep =
            p != NONE && (p as usize) < m && ld::<T, MAX>(r[p as usize]) - b.v[p as usize] == umin;
        let j = if keep {
            Some(p as usize)
        } else {
            first_reduced_equal::<T, MAX>(r, b.v, umin, 0)
        };
        match j {
            Some(j) if b.row_of_col[j] == NONE => {
                b.col_of_row[i] = j as u32;
                b.row_of_col[j] = i as u32;
            }
            _ => {
                b.free[numfree] = i as u32;
                numfree += 1;
            }
        }
    }
    numfree
}

/// `min_j (c[j] − v[j])` over a row, in lanes.
#[inline]
fn reduced_min<T: Cost, const MAX: bool>(r: &[T], v: &[T]) -> T {
    let mut lanes = [T::INFINITY; LANES];
    let (r8, rt) = r.as_chunks::<LANES>();
    let (v8, vt) = v[..r.len()].as_chunks::<LANES>();
    for (rc, vc) in r8.iter().zip(v8) {
        for l in 0..LANES {
            lanes[l] = min(lanes[l], ld::<T, MAX>(rc[l]) - vc[l]);
        }
    }
    for (&c, &vj) in rt.iter().zip(vt) {
        lanes[0] = min(lanes[0], ld::<T, MAX>(c) - vj);
    }
    lanes.iter().fold(T::INFINITY, |a, &x| min(a, x))
}

/// The first `j ≥ start` with `c[j] − v[j] == target` (bit-exact, as computed everywhere else).
#[inline]
fn first_reduced_equal<T: Cost, const MAX: bool>(
    r: &[T],
    v: &[T],
    target: T,
    start: usize,
) -> Option<usize> {
    let r = r.get(start..)?;
    let v = &v[start..start + r.len()];
    let (r8, rt) = r.as_chunks::<LANES>();
    let (v8, vt) = v.as_chunks::<LANES>();
    for (c, (rc, vc)) in r8.iter().zip(v8).enumerate() {
        let mut hit = [false; LANES];
        for l in 0..LANES {
            hit[l] = ld::<T, MAX>(rc[l]) - vc[l] == target;
        }
        if hit.iter().any(|&h| h) {
            let l = (0..LANES).position(|l| ld::<T, MAX>(rc[l]) - vc[l] == target)?;
            return Some(start + c * LANES + l);
        }
    }
    let l = rt
        .iter()
        .zip(vt)
        .position(|(&c, &vj)| ld::<T, MAX>(c) - vj == target)?;
    Some(start + r8.len() * LANES + l)
}

/// The lowest and second-lowest `c[i][j] − v[j]` of a row, with their columns (lowest index wins
/// ties; `j2 = NONE` when `m = 1`).
#[inline]
fn two_smallest<T: Cost, const MAX: bool>(r: &[T], v: &[T]) -> (T, usize, T, u32) {
    let mut umin = ld::<T, MAX>(r[0]) - v[0];
    let mut j1 = 0usize;
    let mut usub = T::INFINITY;
    let mut j2 = NONE;
    for (j, (&c, &vj)) in r.iter().zip(v.iter()).enumerate().skip(1) {
        let h = ld::<T, MAX>(c) - vj;
        if h < usub {
            if h >= umin {
                usub = h;
                j2 = j as u32;
            } else {
                usub = umin;
                j2 = j1 as u32;
                umin = h;
                j1 = j;
            }
        }
    }
    (umin, j1, usub, j2)
}

/// One pass of augmenting row reduction over the `numfree` rows at the front of `free`.
/// Returns the number of rows still free (again at the front of `free`).
///
/// Each free row takes its cheapest column, evicting the holder; when the cheapest column is
/// strictly cheapest its dual drops by the gap to the second best. In floating point that gap can
/// be absorbed by rounding and two rows can evict each other forever, so the pass has a budget;
/// rows left over go to the shortest-path phase, which is always exact.
fn augmenting_row_reduction<T: Cost, const MAX: bool>(
    costs: &[T],
    m: usize,
    b: &mut Buffers<'_, T>,
    numfree: usize,
) -> usize {
    let budget = 4 * numfree + 64;
    let mut steps = 0usize;
    let mut k = 0usize;
    let mut newfree = 0usize;
    while k < numfree {
        if steps == budget {
            // Keep the unprocessed rows: move free[k..numfree] behind the rows already kept.
            for t in k..numfree {
                b.free[newfree] = b.free[t];
                newfree += 1;
            }
            return newfree;
        }
        steps += 1;
        let i = b.free[k] as usize;
        k += 1;
        let (umin, mut j1, usub, j2) = two_smallest::<T, MAX>(row(costs, i, m), b.v);
        let mut i0 = b.row_of_col[j1];
        let strict = umin < usub;
        if strict {
            if j2 != NONE {
                b.v[j1] = b.v[j1] - (usub - umin);
            }
        } else if i0 != NONE {
            // A tie with the best column, which is taken: use the second best, which is as good.
            j1 = j2 as usize;
            i0 = b.row_of_col[j1];
        }
        b.col_of_row[i] = j1 as u32;
        b.row_of_col[j1] = i as u32;
        if i0 != NONE {
            b.col_of_row[i0 as usize] = NONE;
            if strict {
                // The evicted row is processed next (its column just got cheaper for it to lose).
                k -= 1;
                b.free[k] = i0;
            } else {
                b.free[newfree] = i0;
                newfree += 1;
            }
        }
    }
    newfree
}

/// Finds the shortest augmenting path from free row `f` (Dijkstra on reduced costs) and flips it.
/// Returns the number of columns scanned.
fn augment<T: Cost, const MAX: bool>(
    costs: &[T],
    m: usize,
    b: &mut Buffers<'_, T>,
    f: usize,
) -> Result<usize> {
    let v = &mut b.v[..m];
    let d = &mut b.d[..m];
    let pred = &mut b.pred[..m];
    let mut mu = init_distances::<T, MAX>(row(costs, f, m), v, d, pred, f as u32);
    let mut nscan = 0usize;
    let sink = loop {
        // Pop the unscanned column with the smallest distance (lowest index among equals).
        let j = first_equal(d, mu).ok_or(Error::Numerical)?;
        b.scan_col[nscan] = j as u32;
        b.scan_d[nscan] = mu;
        b.scan_v[nscan] = v[j];
        nscan += 1;
        let i = b.row_of_col[j];
        if i == NONE {
            break j;
        }
        let i = i as usize;
        // u[i] = c[i][j] − v[j] because row i is row-minimal at j.
        let off = mu - (ld::<T, MAX>(row(costs, i, m)[j]) - v[j]);
        // A scanned column never improves again: d = +∞ keeps it out of the minimum and
        // v = −∞ makes every later candidate distance +∞.
        d[j] = T::INFINITY;
        v[j] = -T::INFINITY;
        mu = relax::<T, MAX>(row(costs, i, m), v, d, pred, off, i as u32);
    };
    // Dual update: scanned columns move by (their distance − the sink's distance) ≤ 0.
    for s in 0..nscan {
        let j = b.scan_col[s] as usize;
        v[j] = b.scan_v[s] + (b.scan_d[s] - mu);
    }
    // Flip the path sink ← … ← f. It has at most `nscan` edges; the bound makes a corrupted
    // predecessor chain an error instead of a hang.
    let mut j = sink;
    for _ in 0..nscan {
        let i = pred[j] as usize;
        b.row_of_col[j] = i as u32;
        let prev = b.col_of_row[i];
        b.col_of_row[i] = j as u32;
        if i == f {
            return Ok(nscan);
        }
        j = prev as usize;
    }
    Err(Error::Numerical)
}

/// `d[j] = c[f][j] − v[j]`, `pred[j] = f`; returns `min_j d[j]`.
#[inline]
fn init_distances<T: Cost, const MAX: bool>(
    r: &[T],
    v: &[T],
    d: &mut [T],
    pred: &mut [u32],
    f: u32,
) -> T {
    let mut lanes = [T::INFINITY; LANES];
    let (r8, rt) = r.as_chunks::<LANES>();
    let (v8, vt) = v.as_chunks::<LANES>();
    let (d8, dt) = d.as_chunks_mut::<LANES>();
    for ((rc, vc), dc) in r8.iter().zip(v8).zip(d8.iter_mut()) {
        for l in 0..LANES {
            dc[l] = ld::<T, MAX>(rc[l]) - vc[l];
        }
        for l in 0..LANES {
            lanes[l] = min(lanes[l], dc[l]);
        }
    }
    for ((&c, &vj), dj) in rt.iter().zip(vt).zip(dt.iter_mut()) {
        *dj = ld::<T, MAX>(c) - vj;
        lanes[0] = min(lanes[0], *dj);
    }
    pred.fill(f);
    lanes.iter().fold(T::INFINITY, |a, &x| min(a, x))
}

/// Relaxes all columns through row `i`: `d[j] = min(d[j], c[i][j] − v[j] + off)`, recording
/// `pred[j] = i` where it improved; returns the new `min_j d[j]`.
///
/// The hot loop of the solver. Each step is written as its own pass over a chunk of `LANES`
/// independent elements, and `pred` is blended with an integer mask, the shape the compiler turns
/// into packed compare/min/blend instructions; the results are the same bits as the scalar tail.
#[inline]
fn relax<T: Cost, const MAX: bool>(
    r: &[T],
    v: &[T],
    d: &mut [T],
    pred: &mut [u32],
    off: T,
    i: u32,
) -> T {
    let mut lanes = [T::INFINITY; LANES];
    let (r8, rt) = r.as_chunks::<LANES>();
    let (v8, vt) = v.as_chunks::<LANES>();
    let (d8, dt) = d.as_chunks_mut::<LANES>();
    let (p8, pt) = pred.as_chunks_mut::<LANES>();
    for (((rc, vc), dc), pc) in r8.iter().zip(v8).zip(d8.iter_mut()).zip(p8.iter_mut()) {
        let mut h = [T::ZERO; LANES];
        let mut mask = [0u32; LANES];
        for l in 0..LANES {
            h[l] = (ld::<T, MAX>(rc[l]) - vc[l]) + off;
        }
        for l in 0..LANES {
            mask[l] = u32::from(h[l] < dc[l]).wrapping_neg();
        }
        for l in 0..LANES {
            dc[l] = if h[l] < dc[l] { h[l] } else { dc[l] };
        }
        for l in 0..LANES {
            pc[l] = (i & mask[l]) | (pc[l] & !mask[l]);
        }
        for l in 0..LANES {
            lanes[l] = min(lanes[l], dc[l]);
        }
    }
    for (((&c, &vj), dj), pj) in rt.iter().zip(vt).zip(dt.iter_mut()).zip(pt.iter_mut()) {
        let h = (ld::<T, MAX>(c) - vj) + off;
        if h < *dj {
            *dj = h;
            *pj = i;
        }
        lanes[0] = min(lanes[0], *dj);
    }
    lanes.iter().fold(T::INFINITY, |a, &x| min(a, x))
}

/// Index of the first `d[j] == mu`, or `None` when `mu` is not finite (nothing reachable).
#[inline]
fn first_equal<T: Cost>(d: &[T], mu: T) -> Option<usize> {
    if !mu.is_finite() {
        return None;
    }
    let (d8, dt) = d.as_chunks::<LANES>();
    for (c, dc) in d8.iter().enumerate() {
        let mut hit = [false; LANES];
        for l in 0..LANES {
            hit[l] = dc[l] == mu;
        }
        if hit.iter().any(|&h| h) {
            return dc.iter().position(|&x| x == mu).map(|l| c * LANES + l);
        }
    }
    dt.iter()
        .position(|&x| x == mu)
        .map(|l| d8.len() * LANES + l)
}
