//! A seeded, stratified train/test split for sources without a test split.

use rand::SeedableRng;
use rand::seq::SliceRandom;
use rand_chacha::ChaCha8Rng;

use super::Split;

/// Splits `all` into train and test: `test_fraction` of every class (rounded; at least one
/// example of each class stays in train), shuffled by `seed`; both keep the file's order.
pub fn stratified(
    all: &Split,
    features: usize,
    classes: usize,
    test_fraction: f64,
    seed: u64,
) -> (Split, Split) {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut by_class: Vec<Vec<usize>> = vec![Vec::new(); classes];
    for (i, &y) in all.y.iter().enumerate() {
        by_class[y as usize].push(i);
    }
    let (mut tr, mut te) = (Vec::new(), Vec::new());
    for idx in &mut by_class {
        idx.shuffle(&mut rng);
        let n_test =
            ((idx.len() as f64 * test_fraction).round() as usize).min(idx.len().saturating_sub(1));
        te.extend_from_slice(&idx[..n_test]);
        tr.extend_from_slice(&idx[n_test..]);
    }
    tr.sort_unstable();
    te.sort_unstable();
    (all.subset(&tr, features), all.subset(&te, features))
}
