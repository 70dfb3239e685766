//! The tie rule: among the assignments the duals prove optimal, the lexicographically smallest
//! (row 0 takes the lowest column it can, then row 1, …), independent of the order in which the
//! phases of [`super::solve`] happened to meet the ties.
//!
//! A cell is tight when its reduced cost `c[i][j] − v[j]` equals that of the row's assigned cell
//! exactly. Row `i` can move from its column `s` to a lower tight column `j` when an alternating
//! cycle of tight cells runs `i → j → holder of j → … → s` through rows not yet fixed; a
//! breadth-first search finds it and the cycle is flipped, which keeps the total and the duals.
//! A rectangular problem behaves as the square one padded with zero-cost rows, each holding one
//! free column: such a "dummy" row is tight on every column whose dual is at the top (0), so
//! the cycle may leave through a free column and come back through any column with `v = 0`.
//!
//! Columns reached in a failed search are stamped and not searched again for the same row, so
//! each row costs at most one scan of every later row — `O(n m)` when ties are rare, `O(n² m)`
//! at worst. With exact arithmetic (e.g. integer costs) the result is the lexicographically
//! smallest optimal assignment; otherwise the ties honoured are those exact in floating point.

use super::{Buffers, NONE, first_reduced_equal, ld, row};
use crate::assign::cost::Cost;

/// Stands for the padding rows in `pred` and in the queue.
const DUMMY: u32 = NONE - 1;

/// Moves the assignment in `b` to the lexicographically smallest one its duals prove optimal.
/// Uses `b.scan_col` as the stamps of searched columns and `b.free` as the search queue.
pub(super) fn lexicographic_min<T: Cost, const MAX: bool>(
    costs: &[T],
    n: usize,
    m: usize,
    b: &mut Buffers<'_, T>,
) {
    b.scan_col[..m].fill(NONE);
    for i in 0..n {
        if let Some(cycle) = find_cycle::<T, MAX>(costs, n, m, i, b) {
            flip(b, i, n, cycle);
        }
    }
}

/// A cycle found for one row: its links are in `b.pred`, from the row's old column back to it.
struct Cycle {
    /// The free column through which the search first reached the padding rows.
    dummy_entry: Option<usize>,
}

/// The search for row `i` (the rows before it are fixed).
struct Search {
    i: usize,
    /// The row's assigned column, the cycle's end.
    s: usize,
    /// Stamp of the columns reached for this row.
    mark: u32,
    dummy_entry: Option<usize>,
}

/// `c[q][c] − v[c]`, the reduced cost of a cell as the minimisation sees it.
fn reduced<T: Cost, const MAX: bool>(costs: &[T], m: usize, q: usize, c: usize, v: &[T]) -> T {
    ld::<T, MAX>(row(costs, q, m)[c]) - v[c]
}

/// Tries each tight column of row `i` below its own, lowest first, as the start of a cycle.
fn find_cycle<T: Cost, const MAX: bool>(
    costs: &[T],
    n: usize,
    m: usize,
    i: usize,
    b: &mut Buffers<'_, T>,
) -> Option<Cycle> {
    let s = b.col_of_row[i] as usize;
    let base = reduced::<T, MAX>(costs, m, i, s, b.v);
    let mut search = Search {
        i,
        s,
        mark: i as u32,
        dummy_entry: None,
    };
    let mut next = 0;
    while let Some(j) = first_reduced_equal::<T, MAX>(&row(costs, i, m)[..s], b.v, base, next) {
        next = j + 1;
        if b.scan_col[j] == search.mark {
            continue;
        }
        b.scan_col[j] = search.mark;
        b.pred[j] = i as u32;
        let tail = search.enqueue(b.row_of_col[j], j, &mut b.free[..n], 0);
        if search.bfs::<T, MAX>(costs, n, m, b, tail) {
            return Some(Cycle {
                dummy_entry: search.dummy_entry,
            });
        }
    }
    None
}

impl Search {
    /// Queues the holder of column `c` at `tail` if the search may pass through it — a later
    /// row, or the padding (once, remembering `c` as its entry); returns the new tail.
    fn enqueue(&mut self, holder: u32, c: usize, queue: &mut [u32], tail: usize) -> usize {
        match holder {
            NONE if self.dummy_entry.is_none() => {
                self.dummy_entry = Some(c);
                queue[tail] = DUMMY;
                tail + 1
            }
            r if r != NONE && r as usize > self.i => {
                queue[tail] = r;
                tail + 1
            }
            _ => tail,
        }
    }

    /// Breadth-first over tight cells from the rows queued in `b.free[..tail]`; true when the
    /// search reaches the row's own column `s` (the cycle closes).
    // `c` indexes the stamps, `pred` and `v` too, and `qrow` is empty for the padding.
    #[allow(clippy::needless_range_loop)]
    fn bfs<T: Cost, const MAX: bool>(
        &mut self,
        costs: &[T],
        n: usize,
        m: usize,
        b: &mut Buffers<'_, T>,
        mut tail: usize,
    ) -> bool {
        // Slices of length m, so the column loop runs without bounds checks.
        let (stamp, pred, v) = (&mut b.scan_col[..m], &mut b.pred[..m], &b.v[..m]);
        let (holders, queue) = (&b.row_of_col[..m], &mut b.free[..n]);
        let mut head = 0;
        while head < tail {
            let q = queue[head];
            head += 1;
            let (qrow, qbase) = if q == DUMMY {
                (&costs[..0], T::ZERO)
            } else {
                let qi = q as usize;
                let qbase = reduced::<T, MAX>(costs, m, qi, b.col_of_row[qi] as usize, v);
                (row(costs, qi, m), qbase)
            };
            for c in 0..m {
                if stamp[c] == self.mark {
                    continue;
                }
                let tight = if q == DUMMY {
                    v[c] == T::ZERO
                } else {
                    ld::<T, MAX>(qrow[c]) - v[c] == qbase
                };
                if !tight {
                    continue;
                }
                stamp[c] = self.mark;
                pred[c] = q;
                if c == self.s {
                    return true;
                }
                tail = self.enqueue(holders[c], c, queue, tail);
            }
        }
        false
    }
}

/// Flips `cycle` backwards from row `i`'s column: each row takes the column it reached; a
/// column reached from the padding becomes free, and the padding gives up its entry column.
/// The cycle visits each unfixed row at most once, plus the padding: `n + 1` steps bound it.
fn flip<T>(b: &mut Buffers<'_, T>, i: usize, n: usize, cycle: Cycle) {
    let mut c = b.col_of_row[i] as usize;
    for _ in 0..=n + 1 {
        let q = b.pred[c];
        if q == DUMMY {
            b.row_of_col[c] = NONE;
            c = cycle.dummy_entry.unwrap_or(c);
            continue;
        }
        let q = q as usize;
        let prev = b.col_of_row[q] as usize;
        b.col_of_row[q] = c as u32;
        b.row_of_col[c] = q as u32;
        if q == i {
            break;
        }
        c = prev;
    }
}
