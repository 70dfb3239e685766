//! An owning solver for hosts (`alloc` feature).

extern crate alloc;
use alloc::vec::Vec;

use super::cost::Cost;
use super::problem::Problem;
use super::workspace::{Solution, Workspace, run};
use crate::error::Result;

/// A [`Workspace`] that owns its buffers and grows them to fit each problem.
///
/// ```
/// use dl2pa_core::assign::{Problem, Solver};
/// let costs = [4.0f64, 1.0, 3.0, 2.0, 0.0, 5.0, 3.0, 2.0, 2.0];
/// let mut solver = Solver::new();
/// let p = Problem::minimize(&costs, 3, 3)?;
/// assert_eq!(solver.solve(&p)?.assignment(), &[1, 0, 2]);
/// // The next problem (slightly changed costs) starts from these duals.
/// assert_eq!(solver.solve_warm(&p)?.assignment(), &[1, 0, 2]);
/// # Ok::<(), dl2pa_core::Error>(())
/// ```
pub struct Solver<T> {
    floats: Vec<T>,
    indices: Vec<u32>,
    duals: Option<super::workspace::Kept>,
}

impl<T: Cost> Default for Solver<T> {
    fn default() -> Self {
        Self::new()
    }
}

impl<T: Cost> Solver<T> {
    /// An empty solver; buffers grow on first use.
    pub fn new() -> Self {
        Solver {
            floats: Vec::new(),
            indices: Vec::new(),
            duals: None,
        }
    }

    /// Solves from scratch. See [`Workspace::solve`].
    ///
    /// # Errors
    /// As [`Workspace::solve`].
    pub fn solve(&mut self, problem: &Problem<'_, T>) -> Result<Solution<'_, T>> {
        self.run(problem, false)
    }

    /// Solves from the previous solve's column duals. See [`Workspace::solve_warm`].
    ///
    /// # Errors
    /// As [`Workspace::solve`].
    pub fn solve_warm(&mut self, problem: &Problem<'_, T>) -> Result<Solution<'_, T>> {
        self.run(problem, true)
    }

    fn run(&mut self, p: &Problem<'_, T>, warm: bool) -> Result<Solution<'_, T>> {
        let need_f = Workspace::<T>::floats_needed(p.rows(), p.cols());
        let need_i = Workspace::<T>::indices_needed(p.rows(), p.cols());
        if self.floats.len() < need_f {
            self.floats.resize(need_f, T::ZERO);
        }
        if self.indices.len() < need_i {
            self.indices.resize(need_i, 0);
        }
        run(
            &mut self.floats,
            &mut self.indices,
            &mut self.duals,
            p,
            warm,
        )
    }
}
