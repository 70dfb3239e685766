//! The assignment solver on a caller's cost matrix and workspace: the core's Jonker–Volgenant
//! solver, no allocation.

use dl2pa_core::assign::{Problem, Sense, Workspace};

use crate::args;
use crate::status::{Status, status};

/// The workspace a `rows x cols` problem needs: `*floats` floats (`rows + 4 cols`) and
/// `*indices` `uint32_t` (`2 rows + 3 cols`).
///
/// Errors: `DL2PA_STATUS_LENGTH` if the counts overflow `size_t`, and the argument checks.
///
/// # Safety
/// `floats` and `indices` writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn dl2pa_assign_workspace(
    rows: usize,
    cols: usize,
    floats: *mut usize,
    indices: *mut usize,
) -> Status {
    status(unsafe { workspace(rows, cols, floats, indices) })
}

unsafe fn workspace(
    rows: usize,
    cols: usize,
    floats: *mut usize,
    indices: *mut usize,
) -> Result<(), Status> {
    let at = args::region(floats, 1)?;
    let f = unsafe { args::out(floats, &[])? };
    let i = unsafe { args::out(indices, &[at])? };
    (*f, *i) = needed(rows, cols).ok_or(Status::Length)?;
    Ok(())
}

/// The core's `Workspace::floats_needed` and `indices_needed`, without overflow.
fn needed(rows: usize, cols: usize) -> Option<(usize, usize)> {
    let need = |a: usize, b: usize| rows.checked_mul(a)?.checked_add(cols.checked_mul(b)?);
    Some((need(1, 4)?, need(2, 3)?))
}

/// Solves the assignment problem on the row-major `rows x cols` matrix `costs` (rows <= cols):
/// each row gets its own column, minimising the total cost (`maximize` = 0) or maximising the
/// total (any other value; DL2PA maximises the similarity of class means to prototypes). Writes
/// the column of each row to `assignment[0..rows]`. Among equally good assignments it returns
/// the lexicographically smallest, on every target.
///
/// Errors: `DL2PA_STATUS_ROWS_EXCEED_COLS`, `_LENGTH` (costs_len != rows x cols), `_NOT_FINITE`,
/// `_COST_TOO_LARGE`, `_BUFFER_TOO_SMALL` (workspace or assignment; sizes from
/// `dl2pa_assign_workspace`), and the argument checks.
///
/// # Safety
/// `costs_len` readable floats at `costs`; `floats_len` writable floats at `floats`,
/// `indices_len` writable `uint32_t` at `indices`, `assignment_len` at `assignment`.
#[unsafe(no_mangle)]
#[allow(clippy::too_many_arguments)] // a C signature: pointer and length pairs
pub unsafe extern "C" fn dl2pa_assign_solve(
    costs: *const f32,
    costs_len: usize,
    rows: usize,
    cols: usize,
    maximize: i32,
    floats: *mut f32,
    floats_len: usize,
    indices: *mut u32,
    indices_len: usize,
    assignment: *mut u32,
    assignment_len: usize,
) -> Status {
    let sense = if maximize != 0 {
        Sense::Maximize
    } else {
        Sense::Minimize
    };
    let bufs = Buffers {
        floats,
        floats_len,
        indices,
        indices_len,
        assignment,
        assignment_len,
    };
    status(unsafe { solve(costs, costs_len, rows, cols, sense, bufs) })
}

/// The caller's output buffers of [`dl2pa_assign_solve`].
struct Buffers {
    floats: *mut f32,
    floats_len: usize,
    indices: *mut u32,
    indices_len: usize,
    assignment: *mut u32,
    assignment_len: usize,
}

unsafe fn solve(
    costs: *const f32,
    costs_len: usize,
    rows: usize,
    cols: usize,
    sense: Sense,
    b: Buffers,
) -> Result<(), Status> {
    let c = unsafe { args::slice(costs, costs_len)? };
    let c_at = args::region(costs, costs_len)?;
    let f_at = args::region(b.floats, b.floats_len)?;
    let i_at = args::region(b.indices, b.indices_len)?;
    let floats = unsafe { args::slice_mut(b.floats, b.floats_len, &[c_at])? };
    let indices = unsafe { args::slice_mut(b.indices, b.indices_len, &[c_at, f_at])? };
    let out = unsafe { args::slice_mut(b.assignment, b.assignment_len, &[c_at, f_at, i_at])? };
    let problem = Problem::new(c, rows, cols, sense)?;
    let (nf, ni) = needed(rows, cols).ok_or(Status::Length)?;
    if floats.len() < nf || indices.len() < ni {
        return Err(Status::BufferTooSmall);
    }
    let out = out.get_mut(..rows).ok_or(Status::BufferTooSmall)?;
    let mut ws = Workspace::new(floats, indices);
    out.copy_from_slice(ws.solve(&problem)?.assignment());
    Ok(())
}
