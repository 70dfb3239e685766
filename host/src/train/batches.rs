//! The batch producer: each epoch's batches are drawn in a seeded order, augmented and mixed on
//! a worker thread while the device trains.

use std::sync::Arc;
use std::sync::mpsc::{Receiver, sync_channel};
use std::thread::JoinHandle;

use rand::SeedableRng;
use rand::seq::SliceRandom;
use rand_chacha::ChaCha8Rng;
use rand_distr::Distribution;

use crate::data::augment::Augment;
use crate::data::{Shape, Split};

/// One training batch, `B` examples.
pub struct Batch {
    /// Inputs `B × features` (mixed under mixup).
    pub x: Vec<f32>,
    /// Labels `B`.
    pub y: Vec<u32>,
    /// Mixup: the un-mixed inputs, the partner labels and λ.
    pub mix: Option<Mix>,
}

/// What mixup did to a batch: `x = λ x_a + (1 − λ) x_b`, `b` a shuffle of the batch.
pub struct Mix {
    /// The un-mixed inputs `x_a` (what the class EMA sees).
    pub clean: Vec<f32>,
    /// The labels of the partners `b`.
    pub y_b: Vec<u32>,
    /// λ ~ Beta(α, α).
    pub lambda: f32,
}

/// How a training split becomes batches, epoch after epoch.
pub struct Batches {
    data: Arc<Split>,
    shape: Shape,
    augment: Augment,
    mixup: f64,
    seed: u64,
    size: usize,
    per_epoch: usize,
}

impl Batches {
    /// Batches of `batch_size` (at most the split) from `train`. A last batch of one example
    /// breaks BatchNorm: it is dropped.
    pub fn new(
        train: Split,
        shape: Shape,
        augment: Augment,
        mixup: f64,
        seed: u64,
        batch_size: usize,
    ) -> Self {
        let n = train.len();
        let size = batch_size.min(n);
        let per_epoch = if n % size == 1 {
            n / size
        } else {
            n.div_ceil(size)
        };
        Batches {
            data: Arc::new(train),
            shape,
            augment,
            mixup,
            seed,
            size,
            per_epoch,
        }
    }

    /// Batches per epoch.
    pub fn per_epoch(&self) -> usize {
        self.per_epoch
    }

    /// Examples trained on per epoch.
    pub fn examples_per_epoch(&self) -> usize {
        (self.per_epoch * self.size).min(self.data.len())
    }

    /// Starts building epoch `epoch`'s batches on a worker thread; iterate the result. Dropping
    /// it early stops the worker.
    pub fn epoch(&self, epoch: usize) -> EpochBatches {
        let (tx, rx) = sync_channel::<Batch>(4);
        let (data, shape, augment, mixup) =
            (Arc::clone(&self.data), self.shape, self.augment, self.mixup);
        let (size, per_epoch, seed) = (self.size, self.per_epoch, self.seed);
        let worker = std::thread::spawn(move || {
            let n = data.len();
            let order = epoch_order(n, seed, epoch);
            let mut rng =
                ChaCha8Rng::seed_from_u64(seed.wrapping_mul(31).wrapping_add(epoch as u64));
            for b in 0..per_epoch {
                let idx = &order[b * size..((b + 1) * size).min(n)];
                let batch = make_batch(&data, idx, shape, augment, mixup, &mut rng);
                if tx.send(batch).is_err() {
                    return; // the trainer stopped early
                }
            }
        });
        EpochBatches {
            rx: Some(rx),
            worker: Some(worker),
        }
    }
}

/// The batches of one epoch, as the worker builds them.
pub struct EpochBatches {
    rx: Option<Receiver<Batch>>,
    worker: Option<JoinHandle<()>>,
}

impl Iterator for EpochBatches {
    type Item = Batch;
    fn next(&mut self) -> Option<Batch> {
        self.rx.as_ref()?.recv().ok()
    }
}

impl Drop for EpochBatches {
    fn drop(&mut self) {
        drop(self.rx.take()); // a worker blocked on a full channel sees the trainer gone
        if let Some(w) = self.worker.take() {
            let _ = w.join();
        }
    }
}

/// The shuffled example order of `epoch`, seeded by `seed`.
fn epoch_order(n: usize, seed: u64, epoch: usize) -> Vec<usize> {
    let mut order: Vec<usize> = (0..n).collect();
    let mut rng =
        ChaCha8Rng::seed_from_u64(seed ^ (0x9E37_79B9_7F4A_7C15u64.wrapping_mul(epoch as u64 + 1)));
    order.shuffle(&mut rng);
    order
}

fn make_batch(
    split: &Split,
    idx: &[usize],
    s: Shape,
    aug: Augment,
    mixup: f64,
    rng: &mut ChaCha8Rng,
) -> Batch {
    let f = s.features();
    let mut x = vec![0.0f32; idx.len() * f];
    for (dst, &i) in x.chunks_exact_mut(f).zip(idx) {
        let src = &split.x[i * f..(i + 1) * f];
        if aug.is_identity() {
            dst.copy_from_slice(src)
        } else {
            aug.apply(src, dst, s, rng)
        }
    }
    let y: Vec<u32> = idx.iter().map(|&i| split.y[i]).collect();
    if mixup <= 0.0 {
        return Batch { x, y, mix: None };
    }
    // Mixup: x = λ x_a + (1 − λ) x_b with λ ~ Beta(α, α) and b a shuffle of the batch.
    let lambda = rand_distr::Beta::new(mixup, mixup).map_or(1.0, |b| b.sample(rng)) as f32;
    let mut partner: Vec<usize> = (0..idx.len()).collect();
    partner.shuffle(rng);
    let mixed: Vec<f32> = (0..idx.len())
        .flat_map(|i| {
            let (a, b) = (
                &x[i * f..(i + 1) * f],
                &x[partner[i] * f..(partner[i] + 1) * f],
            );
            a.iter()
                .zip(b)
                .map(|(&u, &v)| lambda * u + (1.0 - lambda) * v)
                .collect::<Vec<_>>()
        })
        .collect();
    let y_b = partner.iter().map(|&j| y[j]).collect();
    Batch {
        x: mixed,
        y,
        mix: Some(Mix {
            clean: x,
            y_b,
            lambda,
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// λ stays a finite weight in [0, 1] for any α the config accepts (> 0), so mixup never
    /// turns the loss into NaN.
    #[test]
    fn mixup_weights_are_finite_for_any_alpha() {
        let s = Shape {
            channels: 2,
            height: 1,
            width: 1,
        };
        let split = Split {
            x: vec![0.5, -1.0, 2.0, 0.25],
            y: vec![0, 1],
        };
        let mut rng = ChaCha8Rng::seed_from_u64(7);
        for alpha in [1e-30, 1e-9, 1e-3, 0.2, 1.0, 1e3, 1e30] {
            for _ in 0..200 {
                let b = make_batch(
                    &split,
                    &[0, 1],
                    s,
                    Augment {
                        pad: 0,
                        flip: false,
                    },
                    alpha,
                    &mut rng,
                );
                let l = b.mix.as_ref().unwrap().lambda;
                assert!((0.0..=1.0).contains(&l), "alpha {alpha}: lambda {l}");
                assert!(b.x.iter().all(|v| v.is_finite()), "alpha {alpha}");
            }
        }
    }
}
