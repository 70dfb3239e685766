//! A convolution's patches: the `taps = kernel² · inputs` input values each of two output
//! pixels reads (im2col, as CMSIS-NN and TFLite Micro do), gathered into the arena with the zero
//! padding written out, so each pixel's dot product is one run of `taps` terms in the weights'
//! order.
//!
//! Layout, chosen for the inner kernel: values are little-endian i16; taps go in groups of four,
//! and group `g` takes bytes `16g .. 16g + 16`: pixel 0's four values, then pixel 1's. Within a
//! group the middle two taps swap places — `(t₀, t₁, t₂, t₃)` is stored `(t₀, t₂, t₁, t₃)` — so a
//! 32-bit word holds the pair that the DSP instruction `SXTB16` (and `SXTB16 ROR 8`) extracts
//! from four int8 weights. The last `taps mod 4` values follow in order, pixel 0's then pixel 1's.

use super::Shape;

/// Bytes of the two pixels' patches of `taps` values each.
pub(crate) const fn patches_bytes(taps: usize) -> usize {
    4 * taps
}

/// Where a pixel's kernel sits on the input: its top-left corner (possibly outside, in the
/// padding) and its side.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Window {
    pub top: isize,
    pub left: isize,
    pub kernel: usize,
}

/// Writes pixel `slot`'s (0 or 1) patch of `window` on the HWC input `x` of `shape` into
/// `patches` ([`patches_bytes`]`(kernel² · C)` bytes), with `staging` (`kernel² · C` bytes) as
/// working memory; taps outside the input are 0.
pub(crate) fn gather(
    x: &[i8],
    shape: Shape,
    window: Window,
    staging: &mut [i8],
    patches: &mut [i8],
    slot: usize,
) {
    let (k, c) = (window.kernel, shape.channels);
    // First the int8 taps in order: each kernel row is one run of the input between zeros.
    let (kx0, kx1) = inside(window.left, k, shape.width);
    let (ky0, ky1) = inside(window.top, k, shape.height);
    for (ky, row) in staging.chunks_exact_mut(k * c).enumerate() {
        if !(ky0..ky1).contains(&ky) {
            row.fill(0);
            continue;
        }
        let iy = (window.top + ky as isize) as usize;
        let ix = (window.left + kx0 as isize) as usize;
        let (pad, rest) = row.split_at_mut(kx0 * c);
        let (run, after) = rest.split_at_mut((kx1 - kx0) * c);
        pad.fill(0);
        run.copy_from_slice(&x[(iy * shape.width + ix) * c..][..run.len()]);
        after.fill(0);
    }
    // Then widened to i16 into the slot's half of each group, the middle taps swapped.
    let (groups, tail) = staging.as_chunks::<4>();
    let (wide, wide_tail) = patches.as_chunks_mut::<16>();
    for (t, w) in groups.iter().zip(wide) {
        let half: &mut [i8; 8] = &mut w.as_chunks_mut::<8>().0[slot];
        *half = widen([t[0], t[2], t[1], t[3]]);
    }
    let n = tail.len();
    let (pairs, _) = wide_tail[2 * n * slot..][..2 * n].as_chunks_mut::<2>();
    for (&t, w) in tail.iter().zip(pairs) {
        *w = i16::from(t).to_le_bytes().map(|v| v as i8);
    }
}

/// Four int8 values as little-endian i16.
#[inline(always)]
fn widen(t: [i8; 4]) -> [i8; 8] {
    let [a, b] = i16::from(t[0]).to_le_bytes();
    let [c, d] = i16::from(t[1]).to_le_bytes();
    let [e, f] = i16::from(t[2]).to_le_bytes();
    let [g, h] = i16::from(t[3]).to_le_bytes();
    [a, b, c, d, e, f, g, h].map(|v| v as i8)
}

/// The kernel offsets `k0..k1` whose input coordinate `start + k` lies in `0..n`.
fn inside(start: isize, kernel: usize, n: usize) -> (usize, usize) {
    let k0 = (-start).clamp(0, kernel as isize) as usize;
    let k1 = (n as isize - start).clamp(k0 as isize, kernel as isize) as usize;
    (k0, k1)
}
