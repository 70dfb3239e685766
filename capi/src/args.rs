//! Turning a C caller's pointers and lengths into slices: each is checked for NULL, alignment
//! and a byte length the address space can hold, and every buffer the function writes is
//! checked not to overlap anything else it was given — the checks that keep a call inside the
//! buffers it was given. What no function can check (that `len` elements really live at `ptr`)
//! is the caller's promise, as in every C API.

use core::mem::{align_of, size_of};

use crate::status::Status;

/// The bytes an argument occupies, for the overlap check.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Region {
    start: usize,
    end: usize,
}

impl Region {
    /// No bytes: overlaps nothing.
    pub(crate) const EMPTY: Region = Region { start: 0, end: 0 };

    /// Whether the two share a byte (an empty region shares none).
    fn overlaps(self, other: Region) -> bool {
        self.start < self.end
            && other.start < other.end
            && self.start < other.end
            && other.start < self.end
    }
}

/// Checks `ptr` for `len` elements of `T`: not NULL, aligned, and `len · size_of::<T>()`
/// bytes that fit below the top of the address space and within `isize::MAX` (what a Rust
/// slice may span).
pub(crate) fn region<T>(ptr: *const T, len: usize) -> Result<Region, Status> {
    if ptr.is_null() {
        return Err(Status::NullPointer);
    }
    let start = ptr as usize;
    if !start.is_multiple_of(align_of::<T>()) {
        return Err(Status::Alignment);
    }
    let bytes = len
        .checked_mul(size_of::<T>())
        .filter(|&b| b <= isize::MAX as usize)
        .ok_or(Status::Length)?;
    let end = start.checked_add(bytes).ok_or(Status::Length)?;
    Ok(Region { start, end })
}

/// Fails with [`Status::Overlap`] if the buffer written, `out`, shares a byte with any of
/// `others` (a Rust `&mut` may not alias anything else that is live).
pub(crate) fn disjoint(out: Region, others: &[Region]) -> Result<(), Status> {
    if others.iter().any(|o| out.overlaps(*o)) {
        Err(Status::Overlap)
    } else {
        Ok(())
    }
}

/// A slice read from `ptr` after [`region`]'s checks.
///
/// # Safety
/// If the checks pass, `len` initialised elements of `T` must be readable at `ptr` and not
/// written for `'a`.
pub(crate) unsafe fn slice<'a, T>(ptr: *const T, len: usize) -> Result<&'a [T], Status> {
    region(ptr, len)?;
    // SAFETY: not null, aligned, the byte length fits isize; the rest is the caller's promise.
    Ok(unsafe { core::slice::from_raw_parts(ptr, len) })
}

/// A slice written at `ptr` after [`region`]'s checks and [`disjoint`] from `others`.
///
/// # Safety
/// If the checks pass, `len` elements of `T` must be writable at `ptr` and not accessed by
/// anyone else for `'a`.
pub(crate) unsafe fn slice_mut<'a, T>(
    ptr: *mut T,
    len: usize,
    others: &[Region],
) -> Result<&'a mut [T], Status> {
    disjoint(region(ptr, len)?, others)?;
    // SAFETY: as `slice`, and disjoint from every other argument of the call.
    Ok(unsafe { core::slice::from_raw_parts_mut(ptr, len) })
}

/// One output value at `ptr`, [`disjoint`] from `others`.
///
/// # Safety
/// As [`slice_mut`] for one element.
pub(crate) unsafe fn out<'a, T>(ptr: *mut T, others: &[Region]) -> Result<&'a mut T, Status> {
    Ok(unsafe { &mut slice_mut(ptr, 1, others)?[0] })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn null_misaligned_and_huge_arguments_are_refused() {
        assert_eq!(
            region::<f32>(core::ptr::null(), 1).unwrap_err(),
            Status::NullPointer
        );
        let x = [0u32; 2];
        let odd = (x.as_ptr() as *const u8).wrapping_add(1) as *const u32;
        assert_eq!(region(odd, 1).unwrap_err(), Status::Alignment);
        assert_eq!(
            region(x.as_ptr(), usize::MAX / 2).unwrap_err(),
            Status::Length
        );
        assert!(region(x.as_ptr(), 0).is_ok());
    }

    #[test]
    fn overlap_is_byte_exact() {
        let x = [0u8; 8];
        let a = region(x.as_ptr(), 4).unwrap();
        let b = region(x[4..].as_ptr(), 4).unwrap();
        let c = region(x[3..].as_ptr(), 2).unwrap();
        assert!(disjoint(a, &[b]).is_ok());
        assert_eq!(disjoint(a, &[b, c]).unwrap_err(), Status::Overlap);
        // An empty buffer overlaps nothing.
        assert!(disjoint(region(x[2..].as_ptr(), 0).unwrap(), &[a]).is_ok());
    }
}
