//! Pooling on HWC int8 activations. Neither changes the activation step, so neither needs a
//! requantisation.

use super::Shape;

/// 2×2 max-pool with stride 2 (an odd last row or column is dropped, as PyTorch and burn do),
/// in place: output `j` only reads inputs at `j` or later, so writing in increasing order never
/// overwrites an input still to be read. Returns the output shape.
pub(crate) fn max_pool_2x2(shape: Shape, a: &mut [i8]) -> Shape {
    let out = Shape {
        height: shape.height / 2,
        width: shape.width / 2,
        channels: shape.channels,
    };
    let (w, c) = (shape.width, shape.channels);
    for y in 0..out.height {
        for x in 0..out.width {
            for ch in 0..c {
                let at = |dy: usize, dx: usize| a[((2 * y + dy) * w + 2 * x + dx) * c + ch];
                let m = at(0, 0).max(at(0, 1)).max(at(1, 0)).max(at(1, 1));
                a[(y * out.width + x) * c + ch] = m;
            }
        }
    }
    out
}

/// Global average pool: channel `c` of the output is the mean of the `n = H·W` input values of
/// channel `c`, rounded half up: `⌊(2·Σ + n) / (2n)⌋`. Exact in i32 for `n ≤ 2²⁰`
/// (`2 · 127 · 2²⁰ + 2²⁰ < 2³¹`); the mean of values in `[−127, 127]` stays in that range.
pub(crate) fn global_avg_pool(shape: Shape, a: &[i8], out: &mut [i8]) {
    let n = (shape.height * shape.width) as i32;
    for (ch, o) in out.iter_mut().enumerate().take(shape.channels) {
        let sum: i32 = a
            .iter()
            .skip(ch)
            .step_by(shape.channels)
            .map(|&v| i32::from(v))
            .sum();
        *o = (2 * sum + n).div_euclid(2 * n) as i8;
    }
}
