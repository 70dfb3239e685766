//! What our convolution kernels must match in flex 0.22.1's: which shapes its tiled im2col
//! (`conv3d_impl`) takes, and the matrix product it runs on each tile, so that ours sum in
//! flex's order.

use burn::backend::ops::conv::calculate_conv_output_size;

/// flex's `conv3d_impl` tile: its im2col works on at most this many output positions at once.
pub(super) const TILE: usize = 512;

/// A groups-1 convolution `[batch, C_in, H, W]` ⊛ `[C_out, C_in, kh, kw]` →
/// `[batch, C_out, Ho, Wo]` that flex runs through `conv3d_impl`, in that code's terms (depth 1).
/// The forward pass ([`super::conv_forward`]) and the weight gradient (`super::conv`, batch and
/// channel axes swapped) are both such convolutions.
#[derive(Clone, Copy, Debug)]
pub(super) struct Im2colConv {
    pub batch: usize,
    pub c_in: usize,
    pub c_out: usize,
    /// The input plane `[H, W]`.
    pub hw: [usize; 2],
    /// The kernel `[kh, kw]`.
    pub k: [usize; 2],
    pub stride: [usize; 2],
    pub padding: [usize; 2],
    pub dilation: [usize; 2],
    /// The output plane `[Ho, Wo]`.
    pub out: [usize; 2],
}

impl Im2colConv {
    /// The convolution of `x` `[batch, C_in, H, W]` with `C_out` kernels `[C_in, kh, kw]`, or
    /// `None` unless every size, the output's too, is positive and flex 0.22.1's `conv3d_typed!`
    /// dispatch sends it to `conv3d_impl`: none of its fast paths — 1×1, depthwise, few channels
    /// (`C_in` ≤ 4 and `C_out` ≤ 16), 1-D direct — takes it.
    pub(super) fn new(
        x: [usize; 4],
        c_out: usize,
        k: [usize; 2],
        stride: [usize; 2],
        padding: [usize; 2],
        dilation: [usize; 2],
    ) -> Option<Self> {
        let [batch, c_in, h, w] = x;
        let size = |i: usize, len: usize| {
            calculate_conv_output_size(k[i], stride[i], padding[i], dilation[i], len)
        };
        let out = [size(0, h), size(1, w)];
        let nonempty = [batch, c_in, c_out, h, w, k[0], k[1], out[0], out[1]]
            .iter()
            .all(|&v| v > 0);
        let one_by_one = k == [1, 1] && stride == [1, 1] && padding == [0, 0];
        let depthwise = c_in == 1 && c_out == 1;
        let small_channel = c_in <= 4 && c_out <= 16;
        let direct = padding == [0, 0]
            && dilation == [1, 1]
            && k[0] == 1
            && h == 1
            && c_in >= 32
            && k[1] <= 8
            && out[1] <= 800;
        let tiled = !(one_by_one || depthwise || small_channel || direct);
        (nonempty && tiled).then_some(Im2colConv {
            batch,
            c_in,
            c_out,
            hw: [h, w],
            k,
            stride,
            padding,
            dilation,
            out,
        })
    }

    /// `C_in · kh · kw`: the length of one im2col row.
    pub(super) fn col_len(&self) -> usize {
        self.c_in * self.k[0] * self.k[1]
    }

    /// The input row (`axis` 0) or column (1) under output position `o` and kernel position `k`,
    /// or `None` in the padding.
    pub(super) fn input_at(&self, axis: usize, o: usize, k: usize) -> Option<usize> {
        (o * self.stride[axis] + k * self.dilation[axis])
            .checked_sub(self.padding[axis])
            .filter(|&i| i < self.hw[axis])
    }
}

/// `dst` `[m, n]` = `lhs` `[m, k]` · `rhsᵀ`, `rhs` `[n, k]`, all row-major: flex 0.22.1's
/// `gemm_f32` for its conv, argument for argument (the same strides, `alpha` 0, `beta` 1, its
/// threshold for letting `gemm` use the thread pool), so `gemm` sums in the same order.
pub(super) fn gemm_like_flex(dst: &mut [f32], lhs: &[f32], rhs: &[f32], m: usize, n: usize) {
    let k = lhs.len() / m.max(1);
    assert!(dst.len() == m * n && lhs.len() == m * k && rhs.len() == n * k);
    let parallelism = if m * n * k >= 192 * 192 * 192 {
        gemm::Parallelism::Rayon(0)
    } else {
        gemm::Parallelism::None
    };
    // SAFETY: with the lengths asserted above every index `gemm` forms is in bounds: dst (i, j)
    // at i·n + j, lhs (i, p) at i·k + p, rhs (p, j) at j·k + p, for i < m, j < n, p < k; `dst`
    // is exclusively borrowed and overlaps neither input.
    unsafe {
        gemm::gemm(
            m,
            n,
            k,
            dst.as_mut_ptr(),
            1,
            n as isize,
            false,
            lhs.as_ptr(),
            1,
            k as isize,
            rhs.as_ptr(),
            k as isize,
            1,
            0.0,
            1.0,
            false,
            false,
            false,
            parallelism,
        );
    }
}
