//! Test metrics: top-1, top-5, expected calibration error, per-class accuracy, and accuracy by
//! head / medium / tail classes.

use serde::{Deserialize, Serialize};

/// Scale turning cosines into logits for calibration: `softmax(16 · cos)` (the scale of
/// normalised-softmax classifiers); `psc` uses its own logits.
pub const COSINE_SCALE: f32 = 16.0;
/// Bins of the calibration error.
pub const ECE_BINS: usize = 15;

/// What an evaluation measured.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
pub struct Eval {
    /// Top-1 accuracy in percent.
    pub top1: f64,
    /// Top-5 accuracy in percent (100 when K ≤ 5).
    pub top5: f64,
    /// Expected calibration error (15 equal-width bins), in percent.
    pub ece: f64,
    /// Accuracy per class, in percent; `None` (JSON `null`) for a class without test examples.
    pub per_class: Vec<Option<f64>>,
    /// Examples evaluated.
    pub examples: usize,
}

/// Accumulates scores batch by batch.
#[derive(Default)]
pub struct Accumulator {
    classes: usize,
    n: usize,
    top1: usize,
    top5: usize,
    per_class_hit: Vec<usize>,
    per_class_n: Vec<usize>,
    bin_conf: Vec<f64>,
    bin_hit: Vec<usize>,
    bin_n: Vec<usize>,
    /// Predicted class of every example, in order.
    pub predictions: Vec<u32>,
}

impl Accumulator {
    /// For `classes` classes.
    pub fn new(classes: usize) -> Self {
        Accumulator {
            classes,
            per_class_hit: vec![0; classes],
            per_class_n: vec![0; classes],
            bin_conf: vec![0.0; ECE_BINS],
            bin_hit: vec![0; ECE_BINS],
            bin_n: vec![0; ECE_BINS],
            ..Default::default()
        }
    }

    /// Adds a batch: `logits` row-major `B × K`, labels `y`.
    pub fn add(&mut self, logits: &[f32], y: &[u32]) {
        let k = self.classes;
        for (row, &label) in logits.chunks_exact(k).zip(y) {
            // Best class: the first maximum (ties → lowest index), like dl2pa-core.
            let mut best = 0;
            for c in 1..k {
                if row[c] > row[best] {
                    best = c;
                }
            }
            let target = row[label as usize];
            let above = row
                .iter()
                .enumerate()
                .filter(|&(c, &v)| v > target || (v == target && c < label as usize))
                .count();
            let hit = best == label as usize;
            self.n += 1;
            self.top1 += usize::from(hit);
            self.top5 += usize::from(above < 5);
            self.per_class_n[label as usize] += 1;
            self.per_class_hit[label as usize] += usize::from(hit);
            let m = row[best];
            let z: f64 = row.iter().map(|&v| f64::from(v - m).exp()).sum();
            let conf = 1.0 / z;
            let bin = ((conf * ECE_BINS as f64) as usize).min(ECE_BINS - 1);
            self.bin_conf[bin] += conf;
            self.bin_hit[bin] += usize::from(hit);
            self.bin_n[bin] += 1;
            self.predictions.push(best as u32);
        }
    }

    /// The summary.
    pub fn finish(&self) -> Eval {
        let pct = |a: usize, b: usize| {
            if b == 0 {
                0.0
            } else {
                100.0 * a as f64 / b as f64
            }
        };
        let ece = (0..ECE_BINS)
            .filter(|&b| self.bin_n[b] > 0)
            .map(|b| {
                let n = self.bin_n[b] as f64;
                (n / self.n as f64) * (self.bin_hit[b] as f64 / n - self.bin_conf[b] / n).abs()
            })
            .sum::<f64>()
            * 100.0;
        Eval {
            top1: pct(self.top1, self.n),
            top5: pct(self.top5, self.n),
            ece,
            per_class: (0..self.classes)
                .map(|c| {
                    (self.per_class_n[c] > 0)
                        .then(|| pct(self.per_class_hit[c], self.per_class_n[c]))
                })
                .collect(),
            examples: self.n,
        }
    }
}

/// Accuracy by training-set frequency: head (many-shot, more than `--many-threshold` training
/// examples), tail (few-shot, fewer than `--few-threshold`), medium otherwise. Each is the mean
/// of its classes' test accuracies over the classes with test examples (`None` when no such
/// class falls in the group); a class without test examples still counts in `classes`.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct Groups {
    /// Head accuracy, percent.
    pub head: Option<f64>,
    /// Medium accuracy, percent.
    pub medium: Option<f64>,
    /// Tail accuracy, percent.
    pub tail: Option<f64>,
    /// Classes in each group.
    #[serde(rename = "group_classes")]
    pub classes: [usize; 3],
}

impl Groups {
    /// Splits per-class accuracies into groups by training counts.
    pub fn new(per_class: &[Option<f64>], counts: &[usize], many: usize, few: usize) -> Self {
        let mut acc = [(0.0, 0usize); 3];
        let mut classes = [0usize; 3];
        for (&a, &n) in per_class.iter().zip(counts) {
            let g = if n > many {
                0
            } else if n < few {
                2
            } else {
                1
            };
            classes[g] += 1;
            if let Some(a) = a {
                acc[g].0 += a;
                acc[g].1 += 1;
            }
        }
        let mean = |(s, n): (f64, usize)| (n > 0).then(|| s / n as f64);
        Groups {
            head: mean(acc[0]),
            medium: mean(acc[1]),
            tail: mean(acc[2]),
            classes,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_top1_top5_and_ties() {
        let mut a = Accumulator::new(6);
        // Class 2 best; label 2 → hit. Label 5 ranks 6th → top-5 miss.
        let logits = [0.0, 0.1, 0.9, 0.2, 0.3, -1.0];
        a.add(&logits, &[2]);
        a.add(&logits, &[5]);
        // Tie between 0 and 1: class 0 wins.
        a.add(&[1.0, 1.0, 0.0, 0.0, 0.0, 0.0], &[1]);
        let e = a.finish();
        assert!((e.top1 - 100.0 / 3.0).abs() < 1e-9);
        assert!((e.top5 - 200.0 / 3.0).abs() < 1e-9);
        assert_eq!(a.predictions, vec![2, 2, 0]);
        assert_eq!(e.per_class[2], Some(100.0));
        // Classes 3 and 4 have no test example: no accuracy, not 0 %.
        assert_eq!((e.per_class[3], e.per_class[5]), (None, Some(0.0)));
    }

    #[test]
    fn a_class_without_test_examples_is_left_out_of_its_group_mean() {
        let g = Groups::new(&[Some(80.0), None, Some(40.0)], &[200, 10, 10], 100, 20);
        assert_eq!((g.head, g.tail), (Some(80.0), Some(40.0)));
        assert_eq!(g.classes, [1, 0, 2]);
        let g = Groups::new(&[Some(80.0), None], &[200, 10], 100, 20);
        assert_eq!((g.tail, g.classes), (None, [1, 0, 1]));
    }

    #[test]
    fn perfectly_confident_and_right_is_calibrated() {
        let mut a = Accumulator::new(2);
        for _ in 0..10 {
            a.add(&[100.0, 0.0], &[0]);
        }
        assert!(a.finish().ece < 1e-9);
    }
}
