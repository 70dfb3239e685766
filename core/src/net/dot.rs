//! The convolution's inner kernel: two output channels' weights against two pixels' patches,
//! four dot products that share every load — each weight is read once for both pixels and each
//! patch value once for both channels (the 2 × 2 block of CMSIS-NN's int8 kernels).
//!
//! The default build is safe Rust (LLVM gives `ldrsb`/`ldrsh` + `smlabb` on a Cortex-M4). With
//! the `dsp` feature on an Arm target, the DSP extension does four taps per instruction pair:
//! `SXTB16` splits a word of four int8 weights into two pairs of int16, which meet the patch's
//! words (stored in that pair order, see [`super::patch`]) in `SMLAD` — two multiply-accumulates
//! in one instruction. Integer sums are exact in any order and stay far inside i32
//! (`|Σ| ≤ 127² · 65 535`), so both kernels give the same bits; the firmware demo runs the model
//! with each and compares.

/// `[w0 · p0, w1 · p0, w0 · p1, w1 · p1]` for two output channels' weights (`taps` int8 values
/// each) and two pixels' patches `p0`, `p1` stored in `patches` as [`super::patch`] lays them out.
#[inline]
pub(crate) fn dot2x2(w0: &[i8], w1: &[i8], patches: &[i8]) -> [i32; 4] {
    // Full groups of four taps (four weights of a channel, sixteen bytes of the patches), then
    // the tail.
    let full = w0.len() / 4;
    #[cfg(all(feature = "dsp", target_arch = "arm"))]
    let s = dsp::groups(w0, w1, patches);
    #[cfg(not(all(feature = "dsp", target_arch = "arm")))]
    let s = plain_groups(w0, w1, patches);
    let (ut, vt) = (&w0[4 * full..], &w1[4 * full..]);
    let (a, b) = patches[16 * full..][..4 * ut.len()].split_at(2 * ut.len());
    let t = tail(ut, vt, a, b);
    [s[0] + t[0], s[1] + t[1], s[2] + t[2], s[3] + t[3]]
}

/// The i16 stored at position `i` of `p`.
#[inline(always)]
fn half(p: &[i8], i: usize) -> i32 {
    i32::from(i16::from_le_bytes([p[2 * i] as u8, p[2 * i + 1] as u8]))
}

/// Full groups in safe Rust: position `i` of a pixel's half holds tap `[0, 2, 1, 3][i]`.
#[cfg_attr(all(feature = "dsp", target_arch = "arm"), allow(dead_code))]
fn plain_groups(w0: &[i8], w1: &[i8], patches: &[i8]) -> [i32; 4] {
    let (u, v, p) = (
        w0.as_chunks::<4>().0,
        w1.as_chunks::<4>().0,
        patches.as_chunks::<16>().0,
    );
    let (mut s0, mut s1, mut s2, mut s3) = (0i32, 0i32, 0i32, 0i32);
    for ((u, v), p) in u.iter().zip(v).zip(p) {
        for (i, t) in [0, 2, 1, 3].into_iter().enumerate() {
            let (x, y) = (i32::from(u[t]), i32::from(v[t]));
            let (a, b) = (half(p, i), half(p, 4 + i));
            s0 += x * a;
            s1 += y * a;
            s2 += x * b;
            s3 += y * b;
        }
    }
    [s0, s1, s2, s3]
}

/// The last `taps mod 4` taps, stored in order: pixel 0's `a`, pixel 1's `b`.
fn tail(u: &[i8], v: &[i8], a: &[i8], b: &[i8]) -> [i32; 4] {
    let mut s = [0i32; 4];
    for (t, (&x, &y)) in u.iter().zip(v).enumerate() {
        let (x, y, pa, pb) = (i32::from(x), i32::from(y), half(a, t), half(b, t));
        s = [s[0] + x * pa, s[1] + y * pa, s[2] + x * pb, s[3] + y * pb];
    }
    s
}

#[cfg(all(feature = "dsp", target_arch = "arm"))]
#[allow(unsafe_code)]
mod dsp {
    use core::arch::asm;

    /// Full groups with the DSP extension, one assembly block per group: LLVM's schedule of
    /// the same instructions spilled sums to the stack (13 usable registers with the frame
    /// pointer), this order needs 12 — each patch word meets both channels as soon as it is
    /// loaded, so five values are live besides the four sums and three pointers.
    pub(super) fn groups(w0: &[i8], w1: &[i8], patches: &[i8]) -> [i32; 4] {
        let n = (w0.len() / 4).min(w1.len() / 4).min(patches.len() / 16);
        let (mut u, mut v, mut p) = (w0.as_ptr(), w1.as_ptr(), patches.as_ptr());
        let (mut s0, mut s1, mut s2, mut s3) = (0i32, 0i32, 0i32, 0i32);
        for _ in 0..n {
            // SAFETY: group g reads bytes 4g..4g + 4 of `w0` and `w1` and 16g..16g + 16 of
            // `patches`, inside the slices for g < n; `ldr` allows unaligned addresses on
            // Armv7E-M. Registers only otherwise; `smlad` may set the Q flag, which nothing reads
            // (and |sum| < 2³¹ cannot saturate).
            unsafe {
                asm!(
                    "ldr {t0}, [{u}], #4",
                    "ldr {t2}, [{v}], #4",
                    "sxtb16 {t1}, {t0}",
                    "sxtb16 {t0}, {t0}, ror #8",
                    "sxtb16 {t3}, {t2}",
                    "sxtb16 {t2}, {t2}, ror #8",
                    "ldr {t4}, [{p}, #4]",
                    "smlad {s0}, {t0}, {t4}, {s0}",
                    "smlad {s1}, {t2}, {t4}, {s1}",
                    "ldr {t4}, [{p}, #8]",
                    "smlad {s2}, {t1}, {t4}, {s2}",
                    "smlad {s3}, {t3}, {t4}, {s3}",
                    "ldr {t4}, [{p}, #12]",
                    "smlad {s2}, {t0}, {t4}, {s2}",
                    "smlad {s3}, {t2}, {t4}, {s3}",
                    "ldr {t4}, [{p}], #16",
                    "smlad {s0}, {t1}, {t4}, {s0}",
                    "smlad {s1}, {t3}, {t4}, {s1}",
                    u = inout(reg) u,
                    v = inout(reg) v,
                    p = inout(reg) p,
                    s0 = inout(reg) s0,
                    s1 = inout(reg) s1,
                    s2 = inout(reg) s2,
                    s3 = inout(reg) s3,
                    t0 = out(reg) _,
                    t1 = out(reg) _,
                    t2 = out(reg) _,
                    t3 = out(reg) _,
                    t4 = out(reg) _,
                    options(pure, readonly, nostack),
                );
            }
        }
        [s0, s1, s2, s3]
    }
}
