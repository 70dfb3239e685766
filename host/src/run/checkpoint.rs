//! Checkpoints: written so that a killed run always finds a complete one.
//!
//! Each epoch writes `ckpt/epoch-NNNN.model.bpk` and `ckpt/epoch-NNNN.optim.bpk` (burnpack), then
//! `state.json` atomically (the commit point, naming that epoch and the CRC-32 of both files),
//! then deletes older epochs. Loading checks the CRCs: a corrupted file is an error.

use std::path::PathBuf;

use burn::module::{Module, ModuleMapper, Param};
use burn::optim::ModuleOptimizer;
use burn::prelude::Tensor;
use burn::tensor::Bytes;

use dl2pa_core::format::crc32;

use super::{Checksums, RunDir, State};
use crate::error::{Error, Result};
use crate::io::write_atomic;
use crate::model::Network;

fn files(run: &RunDir, epoch: usize) -> (PathBuf, PathBuf) {
    let d = run.file("ckpt");
    (
        d.join(format!("epoch-{epoch:04}.model.bpk")),
        d.join(format!("epoch-{epoch:04}.optim.bpk")),
    )
}

/// Saves weights, optimiser state and `state`; then removes older epochs.
pub fn save(run: &RunDir, network: &Network, optim: &ModuleOptimizer, state: &State) -> Result<()> {
    let dir = run.file("ckpt");
    std::fs::create_dir_all(&dir).map_err(|e| Error::io(&dir, e))?;
    let (mp, op) = files(run, state.epochs_done);
    let mbytes = network
        .clone()
        .into_record()
        .into_bytes()
        .map_err(|e| Error::format(&mp, e.to_string()))?;
    write_atomic(&mp, &mbytes)?;
    let obytes = optim
        .into_bytes()
        .map_err(|e| Error::format(&op, e.to_string()))?;
    write_atomic(&op, &obytes)?;
    let sp = run.file("state.json");
    let file_crc = |name: &str| std::fs::read(run.file(name)).ok().map(|b| crc32(&b));
    let sealed = state.sealed_with(Checksums {
        model: crc32(&mbytes),
        optim: crc32(&obytes),
        prototypes: file_crc("prototypes.npy"),
        dataset: file_crc("dataset.json"),
    });
    let json = serde_json::to_vec_pretty(&sealed).map_err(|e| Error::format(&sp, e.to_string()))?;
    write_atomic(&sp, &json)?;
    // The commit point has passed: older epochs are no longer needed.
    if let Ok(entries) = std::fs::read_dir(&dir) {
        for e in entries.flatten() {
            let p = e.path();
            if p != mp && p != op {
                let _ = std::fs::remove_file(p);
            }
        }
    }
    Ok(())
}

/// Loads the weights of the last committed checkpoint of `run` into `network` (for `eval`,
/// `predict`, `export`, and as the first half of [`load`]).
///
/// # Errors
/// [`Error::Io`](crate::data::Error::Io) or [`Error::Format`](crate::data::Error::Format) naming
/// the file that is missing or does not fit.
pub fn load_network(run: &RunDir, network: Network) -> Result<(Network, State)> {
    let state = run.state()?;
    let (mp, _) = files(run, state.epochs_done);
    let mbytes = std::fs::read(&mp).map_err(|e| Error::io(&mp, e))?;
    verify(&mp, &mbytes, state.checkpoint.map(|c| c.model))?;
    let network = from_bytes(network, mbytes).map_err(|e| Error::format(&mp, e))?;
    Ok((network, state))
}

/// `network` with the weights of a model file's bytes, in its device's float type.
fn from_bytes(network: Network, bytes: Vec<u8>) -> std::result::Result<Network, String> {
    let record = burn::store::ModuleRecord::from_bytes(Bytes::from_bytes_vec(bytes))
        .map_err(|e| e.to_string())?;
    let network = network.try_load_record(record).map_err(|e| e.to_string())?;
    Ok(network.map(&mut ToDeviceFloat))
}

/// Casts every float parameter to its device's float type: a run trained with `--precision f16`
/// stores f16 weights, which eval, predict and export then use on an f32 device (and the other
/// way round) instead of mixing types in one matmul. A parameter already in that type is
/// passed through untouched.
struct ToDeviceFloat;

impl ModuleMapper for ToDeviceFloat {
    fn map_float<const D: usize>(&mut self, param: Param<Tensor<D>>) -> Param<Tensor<D>> {
        param.map(|t| {
            let want = t.device().settings().float_dtype;
            if t.dtype() == want.into() {
                t
            } else {
                t.cast(want)
            }
        })
    }
}

/// Loads the last committed checkpoint of `run` into `network` and `optim`.
///
/// # Errors
/// As [`load_network`], and for the optimiser's file.
pub fn load(
    run: &RunDir,
    network: Network,
    optim: ModuleOptimizer,
) -> Result<(Network, ModuleOptimizer, State)> {
    let (network, state) = load_network(run, network)?;
    let (_, op) = files(run, state.epochs_done);
    let obytes = std::fs::read(&op).map_err(|e| Error::io(&op, e))?;
    verify(&op, &obytes, state.checkpoint.map(|c| c.optim))?;
    let optim = optim
        .from_bytes(Bytes::from_bytes_vec(obytes))
        .map_err(|e| Error::format(&op, e.to_string()))?;
    Ok((network, optim, state))
}

/// A file of the run must have the CRC-32 `state.json` recorded for it (none recorded: run
/// format 1, or no checkpoint yet).
pub fn verify(path: &std::path::Path, bytes: &[u8], expected: Option<u32>) -> Result<()> {
    match expected {
        Some(c) if crc32(bytes) != c => Err(Error::format(
            path,
            "checksum does not match state.json: the file is corrupted (train the run again, or restore it)",
        )),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use burn::prelude::*;
    use burn::tensor::{DType, FloatDType};

    use super::*;
    use crate::data::Shape;
    use crate::model::{BackboneKind, NetworkSpec};

    /// Casts every float parameter to f16, as a `--precision f16` run stores them.
    struct ToF16;
    impl ModuleMapper for ToF16 {
        fn map_float<const D: usize>(&mut self, p: Param<Tensor<D>>) -> Param<Tensor<D>> {
            p.map(|t| t.cast(FloatDType::F16))
        }
    }

    #[test]
    fn f16_weights_are_read_back_as_the_device_float_type() {
        let dev = Device::flex();
        let spec = NetworkSpec {
            backbone: BackboneKind::Mlp,
            widths: vec![8],
            dim: 3,
            head_bn: true,
            classifier: None,
            cosine: false,
        };
        let shape = Shape {
            channels: 1,
            height: 4,
            width: 4,
        };
        let trained = Network::new(&spec, shape, &dev).unwrap().map(&mut ToF16);
        let bytes = trained.clone().into_record().into_bytes().unwrap().to_vec();
        let read = from_bytes(Network::new(&spec, shape, &dev).unwrap(), bytes).unwrap();
        let x = Tensor::<4>::ones([2, 1, 4, 4], &dev);
        // Without the cast the f16 weights meet f32 inputs in a matmul, which panics.
        let z = read.embed(x.clone());
        assert_eq!(z.dtype(), DType::F32);
        let expected = trained.map(&mut ToDeviceFloat).embed(x);
        assert_eq!(z.into_data(), expected.into_data());
    }
}
