//! Inference from a run directory alone: its config, input schema, prototypes, σ and the
//! weights of its last checkpoint — never its training data.

use std::path::Path;

use burn::prelude::*;

use crate::config::TrainConfig;
use crate::data::{self, DataSpec, Dataset, InputSchema, Inputs, Shape, Split};
use crate::error::{Error, Result};
use crate::eval::{Accumulator, COSINE_SCALE, Eval};
use crate::model::{Network, l2_normalize, read_rows};
use crate::prototypes::class_rows;
use crate::run::{DatasetInfo, RunDir, checkpoint};

/// Inputs per forward pass.
const BATCH: usize = 512;

/// A trained run, loaded for inference.
pub struct Classifier {
    /// The run's settings.
    pub config: TrainConfig,
    /// `dataset.json`: counts and the input schema.
    pub info: DatasetInfo,
    /// The network in inference mode.
    pub network: Network,
    /// `P[σ]`, `K × d`, class order; the learned class vectors for `cosine-softmax` (none for
    /// `psc`).
    pub class_prototypes: Option<Vec<f32>>,
    /// σ of the last checkpoint (the identity for `cosine-softmax`, empty for `psc`).
    pub sigma: Vec<u32>,
    /// Prototypes σ chose from, `M` (`K` for `cosine-softmax`, 0 for `psc`).
    pub num_prototypes: usize,
    /// The run directory it was loaded from.
    pub run: std::path::PathBuf,
}

impl Classifier {
    /// Loads the last committed checkpoint of `run` onto `device`.
    ///
    /// # Errors
    /// [`Error::Io`](crate::data::Error::Io) or [`Error::Format`](crate::data::Error::Format)
    /// naming the run's file that is missing or corrupt,
    /// or the version that wrote a run this build cannot use.
    pub fn load(run: &Path, device: &Device) -> Result<Self> {
        let dir = RunDir::new(run);
        let config = dir.config()?;
        let info = dir.info()?;
        let k = info.schema.classes.len();
        // Seeded like a training, so that the weights it draws before the checkpoint replaces
        // them never interleave with a training's draws elsewhere in the process.
        let network = Network::seeded(&config.network(k), info.schema.shape, device, config.seed)?;
        let (network, state) = checkpoint::load_network(&dir, network)?;
        let prototypes = if config.method.uses_prototypes() {
            let file = dir.file("prototypes.npy");
            let (p, m) = dir
                .prototypes(config.dim)?
                .ok_or_else(|| Error::io(&file, std::io::ErrorKind::NotFound.into()))?;
            check_sigma(&dir, &state.sigma, k, m)?;
            Some((p, m))
        } else {
            None
        };
        // cosine-softmax: the learned unit class vectors, as prototypes under σ = identity.
        let learned = class_vector_rows(&network)?;
        let (class_prototypes, num_prototypes, sigma) = match (prototypes, learned) {
            (Some((p, m)), _) => (
                Some(class_rows(&p, &state.sigma, config.dim)),
                m,
                state.sigma,
            ),
            (None, Some(v)) => (Some(v), k, (0..k as u32).collect()),
            (None, None) => (None, 0, state.sigma),
        };
        Ok(Classifier {
            class_prototypes,
            num_prototypes,
            sigma,
            config,
            info,
            network,
            run: run.to_path_buf(),
        })
    }

    /// What a new input must look like.
    pub fn schema(&self) -> &InputSchema {
        &self.info.schema
    }

    /// Classes `K`.
    pub fn classes(&self) -> usize {
        self.info.schema.classes.len()
    }

    /// The run's data (or `spec`'s, which must have the run's shape and classes), not
    /// standardised: for evaluation and export.
    ///
    /// # Errors
    /// Whatever loading the data reports; [`Error::Arg`](crate::data::Error::Arg) for data that
    /// does not fit the run; [`Error::Format`](crate::data::Error::Format) naming the run when
    /// its own data (`spec` = `None`) is not what it was trained on (the digest differs).
    pub fn data(&self, spec: Option<&str>) -> Result<Dataset> {
        let text = spec.unwrap_or(&self.config.data);
        let ds = data::load(&text.parse::<DataSpec>()?, &self.config.load_options())?;
        if spec.is_none() {
            // The run's own data must still be what it was trained on.
            self.info.check_data(&self.run, text, ds.digest())?;
        }
        ds.check_fits(self.schema())?;
        Ok(ds)
    }

    /// Test metrics and predictions on `split` (standardised as the run's inputs).
    ///
    /// # Errors
    /// [`Error::Numerical`] if the device's results cannot be read.
    pub fn evaluate(&self, split: &Split, device: &Device) -> Result<(Eval, Vec<u32>)> {
        evaluate(
            &self.network,
            split,
            self.schema().shape,
            self.classes(),
            self.class_prototypes.as_deref(),
            device,
        )
    }

    /// The predicted class of each input, standardised here as training did.
    ///
    /// # Errors
    /// As [`Classifier::evaluate`].
    pub fn predict(&self, inputs: &Inputs, device: &Device) -> Result<Vec<u32>> {
        let mut x = inputs.x.clone();
        self.schema().standardise(&mut x);
        let split = Split {
            y: vec![0; inputs.names.len()],
            x,
        };
        Ok(self.evaluate(&split, device)?.1)
    }

    /// L2-normalised embeddings (`len × d`) of `split` (standardised).
    ///
    /// # Errors
    /// As [`Classifier::evaluate`].
    pub fn embeddings(&self, split: &Split, device: &Device) -> Result<Vec<f32>> {
        embeddings(&self.network, split, self.schema().shape, device)
    }
}

/// σ must map the `k` classes to distinct prototypes below `m`.
fn check_sigma(dir: &RunDir, sigma: &[u32], k: usize, m: usize) -> Result<()> {
    let mut seen = vec![false; m];
    let ok = sigma.len() == k
        && sigma
            .iter()
            .all(|&j| (j as usize) < m && !std::mem::replace(&mut seen[j as usize], true));
    if ok {
        Ok(())
    } else {
        Err(Error::format(
            dir.file("state.json"),
            format!("sigma is not {k} distinct prototype indices below {m}"),
        ))
    }
}

/// Runs `f` on `split` in batches of up to 512 inputs (as device tensors) with their labels.
fn batched(
    split: &Split,
    s: Shape,
    device: &Device,
    mut f: impl FnMut(Tensor<4>, &[u32]) -> Result<()>,
) -> Result<()> {
    let feats = s.features();
    for start in (0..split.len()).step_by(BATCH) {
        let end = (start + BATCH).min(split.len());
        let x = inputs(
            split.x[start * feats..end * feats].to_vec(),
            end - start,
            s,
            device,
        );
        f(x, &split.y[start..end])?;
    }
    Ok(())
}

/// `n` inputs of shape `s` as a `[n, C, H, W]` tensor on `device`.
pub fn inputs(x: Vec<f32>, n: usize, s: Shape, device: &Device) -> Tensor<4> {
    Tensor::from_data(
        TensorData::new(x, [n, s.channels, s.height, s.width]),
        device,
    )
}

/// Class logits of a batch: `16 · cos` to the class prototypes `P[σ]` (`[K, d]`), or the
/// `psc` classifier's.
fn logits(network: &Network, x: Tensor<4>, class_prototypes: Option<&Tensor<2>>) -> Tensor<2> {
    let z = network.embed(x);
    match class_prototypes {
        Some(p) => l2_normalize(z).matmul(p.clone().transpose()) * COSINE_SCALE,
        None => network
            .logits(z)
            .expect("a network without prototypes has a classifier"),
    }
}

/// Evaluates `network` (inference mode) on `split` (`K` classes); `class_prototypes` is `P[σ]`
/// (`K × d`) or `None` for `psc`. Returns the metrics and each example's predicted class.
///
/// # Errors
/// [`Error::Numerical`] if the device's results cannot be read.
pub fn evaluate(
    network: &Network,
    split: &Split,
    s: Shape,
    k: usize,
    class_prototypes: Option<&[f32]>,
    device: &Device,
) -> Result<(Eval, Vec<u32>)> {
    let p = class_prototypes
        .map(|p| Tensor::<2>::from_data(TensorData::new(p.to_vec(), [k, p.len() / k]), device));
    let mut acc = Accumulator::new(k);
    batched(split, s, device, |x, y| {
        acc.add(&read_rows(logits(network, x, p.as_ref()))?, y);
        Ok(())
    })?;
    let preds = acc.predictions.clone();
    Ok((acc.finish(), preds))
}

/// The unit class vectors of a `cosine-softmax` network as host values, `K × d`, in class
/// order; `None` for other networks.
///
/// # Errors
/// [`Error::Numerical`] if they cannot be read.
pub fn class_vector_rows(network: &Network) -> Result<Option<Vec<f32>>> {
    network.class_vectors().map(read_rows).transpose()
}

/// L2-normalised embeddings (`len × d`) of `split` under `network` (inference mode).
///
/// # Errors
/// [`Error::Numerical`] if the device's results cannot be read.
pub fn embeddings(network: &Network, split: &Split, s: Shape, device: &Device) -> Result<Vec<f32>> {
    let mut out = Vec::new();
    batched(split, s, device, |x, _| {
        out.extend(read_rows(l2_normalize(network.embed(x)))?);
        Ok(())
    })?;
    Ok(out)
}
