//! What our convolution kernels must match in flex 0.22.1's: which shapes its tiled im2col
//! (`conv3d_impl`) takes, and the matrix product it runs on each tile, so that ours sum in
//! flex's order.

/// flex's `conv3d_impl` tile: its im2col works on at most this many output positions at once.
pub(super) const TILE: usize = 512;

/// A groups-1 convolution's shapes as flex's `conv3d_typed!` dispatch sees them, on the 3-D form
/// `[N, C_in, 1, H, W]` ⊛ `[C_out, C_in, 1, kh, kw]` with output plane `[Ho, Wo]`.
#[derive(Clone, Copy, Debug)]
pub(super) struct ConvShape {
    pub c_in: usize,
    pub c_out: usize,
    /// `H`.
    pub h: usize,
    /// `[kh, kw]`.
    pub k: [usize; 2],
    pub stride: [usize; 2],
    pub padding: [usize; 2],
    pub dilation: [usize; 2],
    /// `Wo`.
    pub out_w: usize,
}

impl ConvShape {
    /// Whether flex sends it to `conv3d_impl`: none of its fast paths — 1×1, depthwise, few
    /// channels (`C_in` ≤ 4 and `C_out` ≤ 16), 1-D direct — takes it.
    pub(super) fn takes_tiled_im2col(&self) -> bool {
        let ConvShape {
            c_in,
            c_out,
            h,
            k,
            stride,
            padding,
            dilation,
            out_w,
        } = *self;
        let one_by_one = k == [1, 1] && stride == [1, 1] && padding == [0, 0];
        let depthwise = c_in == 1 && c_out == 1;
        let small_channel = c_in <= 4 && c_out <= 16;
        let direct = padding == [0, 0]
            && dilation == [1, 1]
            && k[0] == 1
            && h == 1
            && c_in >= 32
            && k[1] <= 8
            && out_w <= 800;
        !(one_by_one || depthwise || small_channel || direct)
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
