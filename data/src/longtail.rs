//! Long-tailed training sets: the exponential profile of CIFAR-LT, `n_c = n_max · ρ^(c/(K−1))`,
//! cut from a balanced training split (the test split stays balanced).

use rand::SeedableRng;
use rand::seq::SliceRandom;
use rand_chacha::ChaCha8Rng;

use super::Split;
use crate::error::{Error, Result};

/// Which classes become the tail.
pub fn class_order(spec: &str, k: usize, seed: u64) -> Result<Vec<usize>> {
    let order: Vec<usize> = match spec {
        "index" => (0..k).collect(),
        "reverse" => (0..k).rev().collect(),
        "random" => {
            let mut o: Vec<usize> = (0..k).collect();
            o.shuffle(&mut ChaCha8Rng::seed_from_u64(seed ^ 0x100F_7A11));
            o
        }
        list => list
            .split(',')
            .map(|s| {
                s.trim().parse::<usize>().map_err(|_| {
                    Error::arg(
                        "--class-order",
                        list,
                        "index, reverse, random or a comma-separated permutation of 0..K",
                    )
                })
            })
            .collect::<Result<_>>()?,
    };
    let mut seen = vec![false; k];
    if order.len() != k
        || order
            .iter()
            .any(|&c| c >= k || std::mem::replace(&mut seen[c], true))
    {
        return Err(Error::arg(
            "--class-order",
            spec,
            format!("a permutation of the {k} classes"),
        ));
    }
    Ok(order)
}

/// Examples kept per class: the `r`-th class of `order` keeps `n_max · ρ^(r/(K−1))` (rounded,
/// at least 1 is required), where `n_max` is the smallest class count of the balanced split.
pub fn profile(counts: &[usize], rho: f64, order: &[usize]) -> Result<Vec<usize>> {
    if !(rho > 0.0 && rho <= 1.0) {
        return Err(Error::arg("--imbalance", rho, "a ratio in (0, 1]"));
    }
    let k = counts.len();
    let n_max = counts.iter().copied().min().unwrap_or(0);
    let mut keep = vec![0; k];
    for (r, &c) in order.iter().enumerate() {
        let frac = if k > 1 {
            r as f64 / (k - 1) as f64
        } else {
            0.0
        };
        keep[c] = (n_max as f64 * rho.powf(frac)).round() as usize;
        if keep[c] == 0 {
            return Err(Error::arg(
                "--imbalance",
                rho,
                format!("a ratio that leaves class {c} at least one example (n_max = {n_max})"),
            ));
        }
    }
    Ok(keep)
}

/// The first `keep[c]` examples of each class in a seeded shuffle, in their original order.
pub fn subsample(split: &Split, features: usize, keep: &[usize], seed: u64) -> Split {
    let mut idx: Vec<usize> = (0..split.len()).collect();
    idx.shuffle(&mut ChaCha8Rng::seed_from_u64(seed ^ 0x5EED_1A11));
    let mut taken = vec![0usize; keep.len()];
    let mut chosen: Vec<usize> = idx
        .into_iter()
        .filter(|&i| {
            let c = split.y[i] as usize;
            let ok = taken[c] < keep[c];
            taken[c] += usize::from(ok);
            ok
        })
        .collect();
    chosen.sort_unstable();
    split.subset(&chosen, features)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn profile_is_exponential_from_head_to_tail() {
        let keep = profile(&[5000; 10], 0.01, &class_order("index", 10, 0).unwrap()).unwrap();
        assert_eq!(keep[0], 5000);
        assert_eq!(keep[9], 50);
        assert!(keep.windows(2).all(|w| w[0] > w[1]));
        let rev = profile(&[5000; 10], 0.01, &class_order("reverse", 10, 0).unwrap()).unwrap();
        assert_eq!((rev[0], rev[9]), (50, 5000));
    }

    #[test]
    fn bad_ratios_and_orders_are_errors() {
        let o = class_order("index", 3, 0).unwrap();
        assert!(profile(&[10; 3], 0.0, &o).is_err());
        assert!(profile(&[10; 3], 1.5, &o).is_err());
        assert!(
            profile(&[10; 3], 0.001, &o)
                .unwrap_err()
                .to_string()
                .contains("class 1")
        );
        assert!(class_order("0,1,1", 3, 0).is_err());
        assert!(class_order("2,0,1", 3, 0).is_ok());
    }
}
