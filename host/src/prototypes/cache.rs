//! Estimated prototypes kept between runs. They depend only on `(K, d)`, the estimator, its
//! steps and batch, the seed, the device's arithmetic and this version's code — never on the
//! data — so an experiment that trains dl2pa and fixed at many seeds, or a second experiment on
//! the same K, estimates each set once. At K ≈ 2 000 the annealed estimator takes minutes.
//!
//! Location: `prototypes/` under [`crate::cache::dir`]; `DL2PA_CACHE_DIR=` (set and empty)
//! turns the cache off. Files are written atomically and read back bit for bit (a hit gives the
//! same training as a miss); one that does not read as a `K × d` matrix of finite values is
//! estimated again and replaced. Trainings in one process that ask for the same file at once
//! (`experiment --jobs`) estimate it once: the others wait for it and read it.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError};

use burn::prelude::Device;

use super::{EstimateConfig, estimate};
use crate::error::Result;

/// Part of every file name: bump it when the estimators' results change (`optimise.rs`,
/// `closed.rs`, `estimate`), so no build reads another's prototypes.
const ESTIMATOR_REVISION: u32 = 3;

/// The file of `request` on `device` under `dir`.
fn file(dir: &Path, request: &EstimateConfig, device: &Device) -> PathBuf {
    let device: String = format!("{device:?}")
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '-'
            }
        })
        .collect();
    let opt = |v: Option<usize>| v.map_or_else(|| "default".to_string(), |n| n.to_string());
    dir.join("prototypes").join(format!(
        "v{}r{ESTIMATOR_REVISION}-{device}-k{}-d{}-{:?}-steps{}-batch{}-seed{}.npy",
        env!("CARGO_PKG_VERSION"),
        request.classes,
        request.dim,
        request.method,
        opt(request.steps),
        opt(request.batch),
        request.seed
    ))
}

/// The prototypes of `request`: from the cache ([`crate::cache::dir`]) when a valid file is there,
/// else estimated (`progress(step, steps)` after each optimiser step) and stored. A cache that
/// cannot be written is reported on stderr and training
/// goes on.
///
/// # Errors
/// As [`estimate`].
pub fn estimate_cached(
    request: &EstimateConfig,
    device: &Device,
    progress: impl FnMut(usize, usize),
) -> Result<Vec<f32>> {
    estimate_in(crate::cache::dir().as_deref(), request, device, progress)
}

/// [`estimate_cached`] with the cache in `dir` (`None`: no cache).
fn estimate_in(
    dir: Option<&Path>,
    request: &EstimateConfig,
    device: &Device,
    progress: impl FnMut(usize, usize),
) -> Result<Vec<f32>> {
    estimate_in_with(dir, request, device, || {
        Ok(estimate(request, device, progress)?.data)
    })
}

/// The lock of the cache file `path` in this process, held while it is read or estimated.
fn lock_of(path: &Path) -> Arc<Mutex<()>> {
    static LOCKS: Mutex<BTreeMap<PathBuf, Arc<Mutex<()>>>> = Mutex::new(BTreeMap::new());
    let mut locks = LOCKS.lock().unwrap_or_else(PoisonError::into_inner);
    Arc::clone(locks.entry(path.to_path_buf()).or_default())
}

/// [`estimate_in`] with the estimator passed in (tests count its calls).
fn estimate_in_with(
    dir: Option<&Path>,
    request: &EstimateConfig,
    device: &Device,
    estimate: impl FnOnce() -> Result<Vec<f32>>,
) -> Result<Vec<f32>> {
    let Some(dir) = dir else {
        return estimate();
    };
    let path = file(dir, request, device);
    // A second training of the same K, d and seed (dl2pa beside fixed) waits here for the
    // first's estimate, minutes at K ≈ 2 000, rather than repeating it on the other core.
    let lock = lock_of(&path);
    let _held = lock.lock().unwrap_or_else(PoisonError::into_inner);
    let (k, d) = (request.classes, request.dim);
    if let Ok((p, pk, pd)) = crate::io::read_npy(&path)
        && (pk, pd) == (k, d)
        && p.iter().all(|x| x.is_finite())
    {
        return Ok(p);
    }
    let p = estimate()?;
    let stored = std::fs::create_dir_all(dir.join("prototypes"))
        .map_err(|e| crate::error::Error::io(dir, e))
        .and_then(|()| crate::io::write_npy(&path, &p, k, d));
    if let Err(e) = stored {
        eprintln!("warning: prototypes not cached ({e}); set DL2PA_CACHE_DIR to a writable folder");
    }
    Ok(p)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::prototypes::Estimator;

    #[test]
    fn a_hit_reads_the_file_bit_for_bit_and_a_bad_file_is_replaced() {
        let dev = Device::flex();
        let dir = tempfile::tempdir().unwrap();
        let request = EstimateConfig {
            classes: 12,
            dim: 3,
            method: Estimator::Annealed,
            steps: Some(50),
            batch: None,
            seed: 4,
        };
        let fresh = estimate(&request, &dev, |_, _| {}).unwrap().data;
        let first = estimate_in(Some(dir.path()), &request, &dev, |_, _| {}).unwrap();
        assert_eq!(first, fresh);
        let files: Vec<_> = std::fs::read_dir(dir.path().join("prototypes"))
            .unwrap()
            .collect();
        assert_eq!(files.len(), 1);
        let path = file(dir.path(), &request, &dev);
        // A hit is read from the file: replace it with other unit rows and they come back.
        let other: Vec<f32> = (0..36)
            .map(|i| if i % 3 == 0 { 1.0 } else { 0.0 })
            .collect();
        crate::io::write_npy(&path, &other, 12, 3).unwrap();
        assert_eq!(
            estimate_in(Some(dir.path()), &request, &dev, |_, _| {}).unwrap(),
            other
        );
        // A file that does not read as 12 × 3 finite values is estimated again and replaced.
        for bad in [
            b"garbage".to_vec(),
            crate::io::npy_bytes(&[f32::NAN; 36], 12, 3),
        ] {
            std::fs::write(&path, bad).unwrap();
            assert_eq!(
                estimate_in(Some(dir.path()), &request, &dev, |_, _| {}).unwrap(),
                fresh
            );
            assert_eq!(crate::io::read_npy(&path).unwrap().0, fresh);
        }
        // Another seed is another file.
        let seed5 = EstimateConfig { seed: 5, ..request };
        assert_ne!(file(dir.path(), &seed5, &dev), path);
    }

    #[test]
    fn trainings_that_ask_at_once_estimate_once() {
        let dev = Device::flex();
        let dir = tempfile::tempdir().unwrap();
        let request = EstimateConfig {
            classes: 5,
            dim: 2,
            method: Estimator::Annealed,
            steps: Some(10),
            batch: None,
            seed: 0,
        };
        let calls = std::sync::atomic::AtomicUsize::new(0);
        let start = std::sync::Barrier::new(4);
        let slow_estimate = || {
            calls.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            // Long enough for the other threads to ask while this one estimates.
            std::thread::sleep(std::time::Duration::from_millis(300));
            Ok((0..10).map(|i| (i % 2) as f32).collect())
        };
        let results: Vec<Vec<f32>> = std::thread::scope(|s| {
            let handles: Vec<_> = (0..4)
                .map(|_| {
                    s.spawn(|| {
                        start.wait();
                        estimate_in_with(Some(dir.path()), &request, &dev, slow_estimate).unwrap()
                    })
                })
                .collect();
            handles.into_iter().map(|h| h.join().unwrap()).collect()
        });
        assert_eq!(calls.into_inner(), 1, "one estimate for four trainings");
        assert!(results.iter().all(|p| *p == results[0]));
    }
}
