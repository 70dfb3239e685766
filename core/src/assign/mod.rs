//! Linear assignment: the Hungarian step of DL2PA, with an optimality certificate.
//!
//! Given an `n × m` matrix (`n ≤ m`, row-major) find the injective map `σ` from rows to columns
//! that minimises `Σᵢ c[i][σ(i)]` — or maximises it, as DL2PA does with the similarity `μ Pᵀ`
//! between class means and prototypes. Rows are classes, columns are prototypes.
//!
//! # Algorithm
//! Jonker–Volgenant (1987): column reduction, reduction transfer and two passes of augmenting row
//! reduction, then one shortest augmenting path (Dijkstra on reduced costs) per row still free.
//! `O(n² m)` in the worst case, far less in practice. Rectangular problems skip the column
//! reduction (whose duals are not valid there) and start from zero duals.
//!
//! # Certificate
//! Besides `σ` the solver returns dual variables `(u, v)`: for minimisation
//! `u[i] + v[j] ≤ c[i][j]` for every cell and `= c[i][σ(i)]` on the assignment; for a rectangular
//! problem also `v[j] ≤ 0`, with `v[j] = 0` on the columns left unassigned. By LP duality these
//! prove `σ` optimal; [`Certificate::check`] verifies them in `O(n m)` without trusting the
//! solver. For maximisation every inequality flips (`u[i] + v[j] ≥ s[i][j]`, `v[j] ≥ 0`).
//!
//! # Determinism
//! Every choice among equal values takes the lowest index (the shortest-path search pops columns
//! in order of (distance, index)); the loops run in a fixed order and touch the costs only with
//! `+`, `−` and comparisons, so the same input gives the same bits on x86-64 and Cortex-M.
//!
//! # Warm start
//! [`Workspace::solve_warm`] starts from the column duals of the previous solve. When the costs
//! moved little (class means drift slowly between DL2PA updates) nearly every row finds its column
//! at once and the solve costs `O(n m)` instead of a full cold solve. When they moved far it
//! gives up once it has scanned as many columns as the workspace's latest cold solve did (at
//! least `4 (n + m)`) and solves cold; either way the answer is the same optimum.
//!
//! # Example
//! ```
//! use dl2pa_core::assign::{Problem, Workspace};
//!
//! // Similarity of 3 class means (rows) to 3 prototypes (columns).
//! let sim = [0.9f32, 0.1, 0.3, //
//!            0.8, 0.2, 0.1, //
//!            0.1, 0.7, 0.6];
//! let problem = Problem::maximize(&sim, 3, 3)?;
//! let mut floats = [0.0f32; Workspace::<f32>::floats_needed(3, 3)];
//! let mut indices = [0u32; Workspace::<f32>::indices_needed(3, 3)];
//! let mut ws = Workspace::new(&mut floats, &mut indices);
//! let solution = ws.solve(&problem)?;
//! assert_eq!(solution.assignment(), &[2, 0, 1]); // 0.3 + 0.8 + 0.7 = 1.8 is the best total
//! assert!(solution.certificate().check(&problem, 1e-6).is_ok());
//! # Ok::<(), dl2pa_core::Error>(())
//! ```
//!
//! See also: SciPy's `linear_sum_assignment` (same objective; its tie rule differs).

mod certificate;
mod cost;
mod jv;
#[cfg(feature = "alloc")]
mod owned;
mod problem;
mod workspace;

pub use certificate::{Certificate, CertificateError, CertificateReport};
pub use cost::Cost;
pub use jv::Stats;
/// Marks a column no row is assigned to in [`Solution::col_assignment`].
pub const UNASSIGNED: u32 = jv::NONE;
#[cfg(feature = "alloc")]
pub use owned::Solver;
pub use problem::{Problem, Sense};
pub use workspace::{Solution, Workspace};
