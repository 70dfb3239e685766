//! A whole-tensor sum whose bits do not depend on the thread pool.

use burn::prelude::*;

/// From this many values on, burn's CPU backend (flex with `rayon`) sums a whole tensor on every
/// thread, split as rayon's work stealing goes: the order of the additions, and so the last
/// bits, would follow the timing. `K × K` matrices reach it at K = 2 048.
const PARALLEL_SUM: usize = 4 * 1024 * 1024;

/// Sum of every entry of `t` (`[rows, cols]`), the same bits on every run: in one pass below
/// [`PARALLEL_SUM`] values (as `Tensor::sum`), else the rows' sums (each in order) summed.
pub(crate) fn sum_all(t: Tensor<2>) -> Tensor<1> {
    if t.shape().num_elements() < PARALLEL_SUM {
        t.sum()
    } else {
        t.sum_dim(1).sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The order of the additions is fixed: rows in order, then the row sums in order — what a
    /// single thread computes, whatever the pool does.
    #[test]
    fn large_sums_add_rows_in_order() {
        let (rows, cols) = (2_100, 2_000);
        assert!(rows * cols >= PARALLEL_SUM);
        // Values of very different sizes, so that another order gives other bits.
        let v: Vec<f32> = (0..rows * cols)
            .map(|i| ((i * 2_654_435_761) % 1_000_003) as f32 * 10f32.powi((i % 7) as i32 - 3))
            .collect();
        let expected = v
            .chunks(cols)
            .map(|r| r.iter().fold(0f32, |a, &b| a + b))
            .fold(0f32, |a, b| a + b);
        let dev = Device::flex();
        let t = Tensor::<1>::from_floats(v.as_slice(), &dev).reshape([rows, cols]);
        for _ in 0..3 {
            let got: f32 = sum_all(t.clone()).into_scalar();
            assert_eq!(got.to_bits(), expected.to_bits());
        }
        let whole: f32 = v.iter().fold(0f32, |a, &b| a + b);
        assert_ne!(
            whole.to_bits(),
            expected.to_bits(),
            "the test data must tell the orders apart"
        );
    }
}
