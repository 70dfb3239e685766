//! The convolution's inner kernel: two output channels' dot products over one run of
//! activations, `(w₀ · a, w₁ · a)` — the activations are read once for both.
//!
//! The default build is safe Rust (LLVM gives `ldrsb` + `smlabb` on a Cortex-M4). With the
//! `dsp` feature on an Arm target, four int8 products per operand pair go through the DSP
//! extension instead: `SXTB16` splits a word of four int8 into two pairs of int16 and `SMLAD`
//! multiplies and accumulates a pair in one instruction (the instructions CMSIS-NN is built on).
//! Integer sums are exact in any order and stay far inside i32 (`|Σ| ≤ 127² · 65 535`), so both
//! kernels give the same bits; the firmware demo runs the model with each and compares.

/// `(w0 · a, w1 · a)`; the three slices have one length.
#[inline]
pub(crate) fn dot2(w0: &[i8], w1: &[i8], a: &[i8]) -> (i32, i32) {
    #[cfg(all(feature = "dsp", target_arch = "arm"))]
    {
        dsp::dot2(w0, w1, a)
    }
    #[cfg(not(all(feature = "dsp", target_arch = "arm")))]
    {
        (crate::sphere::dot_i8(w0, a), crate::sphere::dot_i8(w1, a))
    }
}

#[cfg(all(feature = "dsp", target_arch = "arm"))]
#[allow(unsafe_code)]
mod dsp {
    use core::arch::asm;

    /// Bytes 0 and 2 of `x`, sign-extended into the low and high halfwords.
    #[inline(always)]
    fn sxtb16(x: u32) -> u32 {
        let y;
        // SAFETY: a register-only instruction of the DSP extension (Armv7E-M); no memory, no flags.
        unsafe {
            asm!("sxtb16 {y}, {x}", x = in(reg) x, y = lateout(reg) y, options(pure, nomem, nostack))
        };
        y
    }

    /// Bytes 1 and 3 of `x`, sign-extended into the low and high halfwords.
    #[inline(always)]
    fn sxtb16_ror8(x: u32) -> u32 {
        let y;
        // SAFETY: as `sxtb16`.
        unsafe {
            asm!("sxtb16 {y}, {x}, ror #8", x = in(reg) x, y = lateout(reg) y, options(pure, nomem, nostack))
        };
        y
    }

    /// `acc + lo(a)·lo(b) + hi(a)·hi(b)` on signed halfwords.
    #[inline(always)]
    fn smlad(a: u32, b: u32, acc: i32) -> i32 {
        let r;
        // SAFETY: register-only; it may set the Q (saturation) flag on overflow, which cannot
        // happen here (|sum| < 2³¹) and which nothing reads.
        unsafe {
            asm!("smlad {r}, {a}, {b}, {c}", a = in(reg) a, b = in(reg) b, c = in(reg) acc, r = lateout(reg) r, options(pure, nomem, nostack))
        };
        r
    }

    #[inline(always)]
    fn word(b: &[i8]) -> u32 {
        u32::from_le_bytes([b[0] as u8, b[1] as u8, b[2] as u8, b[3] as u8])
    }

    /// Four products of each of `u` and `v` with `x` (words of four int8) added to `s`.
    #[inline(always)]
    fn quad(u: u32, v: u32, x: u32, (s0, s1): (i32, i32)) -> (i32, i32) {
        let (xe, xo) = (sxtb16(x), sxtb16_ror8(x));
        (
            smlad(sxtb16(u), xe, smlad(sxtb16_ror8(u), xo, s0)),
            smlad(sxtb16(v), xe, smlad(sxtb16_ror8(v), xo, s1)),
        )
    }

    pub(super) fn dot2(w0: &[i8], w1: &[i8], a: &[i8]) -> (i32, i32) {
        let (mut s0, mut s1) = (0i32, 0i32);
        // Eight bytes per iteration: two words of each operand, the loop overhead halved.
        let m = a.len() / 8;
        let (u, v, x) = (&w0[..8 * m], &w1[..8 * m], &a[..8 * m]);
        for i in 0..m {
            let j = 8 * i;
            (s0, s1) = quad(
                word(&u[j..j + 4]),
                word(&v[j..j + 4]),
                word(&x[j..j + 4]),
                (s0, s1),
            );
            (s0, s1) = quad(
                word(&u[j + 4..j + 8]),
                word(&v[j + 4..j + 8]),
                word(&x[j + 4..j + 8]),
                (s0, s1),
            );
        }
        let n = 8 * m;
        let tail = |w: &[i8]| crate::sphere::dot_i8(&w[n..], &a[n..]);
        (s0 + tail(w0), s1 + tail(w1))
    }
}
