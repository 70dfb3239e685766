//! Per-channel (images) or per-feature (tables) standardisation `(x − mean) / std` with
//! statistics of the training split only.

use super::{Shape, Split};

/// `(mean, std)` of each channel of `split` (`n × shape.features()`). A constant channel gets
/// `std = 1`, so it stays 0 after centring.
pub fn statistics(split: &Split, s: Shape) -> Vec<(f64, f64)> {
    let per = s.height * s.width; // values per channel
    (0..s.channels)
        .map(|c| {
            let (mut sum, mut sq, mut n) = (0.0f64, 0.0f64, 0usize);
            for ex in split.x.chunks_exact(s.features()) {
                for &v in &ex[c * per..(c + 1) * per] {
                    sum += f64::from(v);
                    sq += f64::from(v) * f64::from(v);
                    n += 1;
                }
            }
            let mean = sum / n as f64;
            let std = (sq / n as f64 - mean * mean).max(0.0).sqrt();
            (mean, if std > 1e-8 { std } else { 1.0 })
        })
        .collect()
}

/// Standardises every example of `x` (`n × shape.features()`) in place with `stats`, one
/// `(mean, std)` per channel.
pub fn apply(x: &mut [f32], s: Shape, stats: &[(f64, f64)]) {
    let per = s.height * s.width;
    for ex in x.chunks_exact_mut(s.features()) {
        for (c, &(mean, std)) in stats.iter().enumerate() {
            for v in &mut ex[c * per..(c + 1) * per] {
                *v = ((f64::from(*v) - mean) / std) as f32;
            }
        }
    }
}
