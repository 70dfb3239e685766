//! The state of a training run between steps — network, optimiser, objective, progress — and
//! its three phases: one step, one epoch, the end of training.

use std::time::Instant;

use burn::optim::decay::WeightDecayConfig;
use burn::optim::momentum::MomentumConfig;
use burn::optim::{GradientsParams, ModuleOptimizer, SgdConfig};
use burn::prelude::*;

use super::assignment::{Assignment, class_means};
use super::batches::{Batch, Batches};
use super::cadence::Cadence;
use super::objective::{LossSettings, Objective};
use super::schedule;
use super::setup::{Setup, initial_sigma};
use crate::config::{AssignInit, Method, TrainConfig};
use crate::data::{Shape, Split};
use crate::error::{Error, Result};
use crate::eval::{Eval, Groups};
use crate::export::backbone::FloatBackbone;
use crate::inference::{self, inputs};
use crate::model::{Network, l2_normalize};
use crate::prototypes::{self, Quality};
use crate::run::{EpochRecord, Metrics, RunDir, State, Summary, Update, checkpoint};

/// A run in progress.
pub struct Trainer {
    cfg: TrainConfig,
    run: RunDir,
    /// Progress, σ and class means as of the last committed epoch (then updated by the next).
    pub state: State,
    /// The network on the autodiff device; `None` only while a step owns it.
    network: Option<Network>,
    optim: ModuleOptimizer,
    objective: Objective,
    /// When σ is re-solved within epochs (continued from the run's updates when resuming).
    cadence: Cadence,
    losses: LossSettings,
    shape: Shape,
    /// The training (autodiff) device and the device evaluation runs on.
    autodiff: Device,
    device: Device,
    quality: Option<Quality>,
}

impl Trainer {
    /// A fresh run, or the last checkpoint of `run` when resuming.
    ///
    /// # Errors
    /// [`Error::Io`](crate::data::Error::Io) or [`Error::Format`](crate::data::Error::Format) for a
    /// checkpoint that cannot be loaded.
    pub fn new(
        cfg: &TrainConfig,
        setup: &Setup,
        run: &RunDir,
        resume: bool,
        device: &Device,
    ) -> Result<Self> {
        let (k, d, shape) = (setup.classes(), cfg.dim, setup.data.shape());
        let autodiff = device.clone().autodiff();
        let network = Network::seeded(&setup.network, shape, &autodiff, cfg.seed)?;
        let optim = SgdConfig::new()
            .with_momentum(Some(
                MomentumConfig::new()
                    .with_momentum(cfg.momentum)
                    .with_dampening(0.0),
            ))
            .with_weight_decay(Some(WeightDecayConfig::new(cfg.weight_decay as f32)))
            .init();
        let m = setup.num_prototypes();
        let (network, optim, state) = if resume {
            checkpoint::load(run, network, optim)?
        } else {
            let sigma = if m > 0 {
                initial_sigma(cfg, k, m)
            } else {
                Vec::new()
            };
            (network, optim, State::new(sigma, k, d))
        };
        let mut assignment = setup.prototypes.as_ref().map(|p| {
            let (sigma, means) = (state.sigma.clone(), state.ema.clone());
            Assignment::new(p.clone(), d, sigma, means, cfg.ema_momentum, &autodiff)
        });
        let mut state = state;
        if let Some(a) = assignment
            .as_mut()
            .filter(|_| starts_from_means(cfg, resume))
        {
            let net = network.valid();
            let z = inference::embeddings(&net, &setup.data.train, shape, device)?;
            a.start_from(class_means(&z, &setup.data.train.y, k, d), 0)?;
            state.sigma = a.sigma().to_vec();
            state.ema = a.means()?;
        }
        // The warm-up ends as epoch `vector_warmup` starts: a checkpoint of that many epochs
        // was written before σ was solved on the vectors.
        let warming = cfg.vector_warmup > 0 && state.epochs_done <= cfg.vector_warmup;
        let objective = Objective::new(
            cfg.method,
            assignment,
            warming,
            &setup.train_counts,
            &autodiff,
        );
        let history = state.history.iter().flat_map(|e| &e.updates);
        let cadence = Cadence::new(cfg.assign_every, cfg.assign_backoff, history);
        Ok(Trainer {
            cfg: cfg.clone(),
            run: run.clone(),
            state,
            network: Some(network),
            optim,
            objective,
            cadence,
            losses: LossSettings::new(cfg, k),
            shape,
            autodiff,
            device: device.clone(),
            quality: setup
                .prototypes
                .as_ref()
                .map(|p| prototypes::quality(p, m, d)),
        })
    }

    /// One SGD step on `batch` at learning rate `lr`; returns the (detached) loss.
    fn step(&mut self, batch: Batch, lr: f64) -> Result<Tensor<1>> {
        let ad = &self.autodiff;
        let network = self.network.take().ok_or_else(|| {
            Error::Numerical("internal: the network was lost by a failed step".into())
        })?;
        let b = batch.y.len();
        let y = labels(&batch.y, ad);
        let z = network.embed(inputs(batch.x, b, self.shape, ad));
        let zn = l2_normalize(z.clone());
        // After a vector warm-up the class vectors stay in the network but score nothing.
        let logits = self
            .objective
            .scores_classes()
            .then(|| network.logits(z))
            .flatten();
        let y_b = batch.mix.as_ref().map(|m| (labels(&m.y_b, ad), m.lambda));
        let mix = y_b.as_ref().map(|(y, l)| (y, *l));
        let loss = self
            .objective
            .loss(&zn, logits.as_ref(), &y, mix, self.losses);
        if let Some(a) = self.objective.dynamic() {
            // The class means see the un-mixed inputs under mixup (they also pass BatchNorm in
            // training mode, as the reference's second forward pass does).
            let features = match &batch.mix {
                None => zn.detach(),
                Some(m) => {
                    l2_normalize(network.embed(inputs(m.clean.clone(), b, self.shape, ad))).detach()
                }
            };
            a.observe(features, &y);
        }
        let detached = loss.clone().detach();
        let grads = GradientsParams::from_grads(loss.backward(), &network);
        self.network = Some(self.optim.step(lr, network, grads));
        Ok(detached)
    }

    /// Trains epoch `epoch` (0-based) and evaluates on `test` when due; returns its record.
    ///
    /// # Errors
    /// [`Error::Numerical`] for a loss that is not finite or a failed assignment.
    pub fn epoch(&mut self, epoch: usize, batches: &Batches, test: &Split) -> Result<EpochRecord> {
        let t0 = Instant::now();
        let mut loss_sum = Tensor::<1>::zeros([1], &self.autodiff);
        let (mut updates, mut lr): (Vec<Update>, f64) = (Vec::new(), 0.0);
        if epoch == self.cfg.vector_warmup {
            updates.extend(self.end_warmup()?);
        }
        for batch in batches.epoch(epoch) {
            lr = schedule::lr_at(&self.cfg, self.state.iteration, batches.per_epoch());
            loss_sum = loss_sum + self.step(batch, lr)?;
            self.state.iteration += 1;
            if self.state.iteration.is_multiple_of(50) {
                self.check_finite(&loss_sum, epoch)?;
            }
            let due = self
                .objective
                .resolve_if_due(self.state.iteration, &mut self.cadence)?;
            updates.extend(due);
        }
        let train_loss = self.check_finite(&loss_sum, epoch)? / batches.per_epoch() as f64;
        let train_seconds = t0.elapsed().as_secs_f64();
        let last = epoch + 1 == self.cfg.epochs;
        let eval = if last || (epoch + 1).is_multiple_of(self.cfg.eval_every) {
            Some(self.evaluate(test)?)
        } else {
            None
        };
        // As the reference: evaluate with the σ the epoch trained with, then re-solve for the next.
        if self.cfg.assign_every == 0 && !last {
            let iteration = self.state.iteration;
            if let Some(a) = self.objective.dynamic() {
                updates.push(a.resolve(iteration)?);
            }
        }
        Ok(EpochRecord {
            epoch: epoch + 1,
            train_loss,
            lr,
            img_per_s: batches.examples_per_epoch() as f64 / train_seconds,
            train_seconds,
            eval,
            updates,
        })
    }

    /// Commits an epoch: state, checkpoint, `metrics.json`.
    ///
    /// # Errors
    /// [`Error::Io`](crate::data::Error::Io) naming a file that cannot be written.
    pub fn commit(&mut self, record: EpochRecord, setup: &Setup) -> Result<()> {
        self.state.epochs_done = record.epoch;
        self.state.train_seconds += record.train_seconds;
        self.state.history.push(record);
        if let Some(a) = self.objective.assignment() {
            self.state.sigma = a.sigma().to_vec();
            self.state.ema = a.means()?;
        }
        checkpoint::save(&self.run, self.network()?, &self.optim, &self.state)?;
        self.run.write_metrics(&self.metrics(setup, None))
    }

    /// Ends the run: the final evaluation, the backbone's calibration, `metrics.json`.
    ///
    /// # Errors
    /// As [`Trainer::epoch`] and [`Trainer::commit`].
    pub fn finish(mut self, setup: &Setup, wall_seconds: f64) -> Result<Summary> {
        let eval = match self.state.history.last().and_then(|r| r.eval.clone()) {
            Some(e) => e,
            None => self.evaluate(&setup.data.test)?,
        };
        self.calibrate(setup)?;
        let seen: f64 = self
            .state
            .history
            .iter()
            .map(|r| r.img_per_s * r.train_seconds)
            .sum();
        let c = &self.cfg;
        let summary = Summary {
            test_top1: eval.top1,
            groups: Groups::new(
                &eval.per_class,
                &setup.train_counts,
                c.many_threshold,
                c.few_threshold,
            ),
            train_counts: setup.train_counts.clone(),
            test_top5: eval.top5,
            ece: eval.ece,
            per_class_accuracy: eval.per_class,
            sigma: self.state.sigma.clone(),
            moved: self.state.moved(),
            img_per_s: seen / self.state.train_seconds.max(1e-9),
            train_seconds: self.state.train_seconds,
            wall_seconds,
        };
        self.run
            .write_metrics(&self.metrics(setup, Some(summary.clone())))?;
        Ok(summary)
    }

    /// Ends `--vector-warmup`: σ solved on the class vectors the network learned.
    fn end_warmup(&mut self) -> Result<Option<Update>> {
        if !self.objective.warming() {
            return Ok(None);
        }
        let vectors = inference::class_vector_rows(&self.network()?.valid())?.ok_or_else(|| {
            Error::Numerical("internal: a vector warm-up without class vectors".into())
        })?;
        self.objective.end_warmup(vectors, self.state.iteration)
    }

    /// Test metrics of the current network under the current σ (in the vector warm-up, its
    /// class vectors).
    fn evaluate(&mut self, test: &Split) -> Result<Eval> {
        let net = self.network()?.valid();
        let cp = match self.objective.assignment() {
            Some(a) if !self.objective.warming() => Some(a.class_prototype_rows()),
            _ => inference::class_vector_rows(&net)?,
        };
        let k = self.losses.classes;
        Ok(inference::evaluate(&net, test, self.shape, k, cp.as_deref(), &self.device)?.0)
    }

    /// Measures the int8 backbone's activation ranges on the calibration inputs (MLP and CNN
    /// runs with prototypes) and writes `calibration.json` for the committed epoch.
    fn calibrate(&mut self, setup: &Setup) -> Result<()> {
        if setup.calibration.is_empty() {
            return Ok(());
        }
        let stats = &setup.data.schema.standardisation;
        let Some(net) = FloatBackbone::of(&self.network()?.valid(), self.shape, stats)? else {
            return Ok(());
        };
        let c = net.calibrate(&setup.calibration, self.state.epochs_done);
        self.run.write_calibration(&c)
    }

    fn network(&self) -> Result<&Network> {
        self.network.as_ref().ok_or_else(|| {
            Error::Numerical("internal: the network was lost by a failed step".into())
        })
    }

    fn metrics(&self, setup: &Setup, summary: Option<Summary>) -> Metrics {
        Metrics {
            dl2pa_version: env!("CARGO_PKG_VERSION").to_string(),
            dl2pa_commit: env!("DL2PA_COMMIT").to_string(),
            config: self.cfg.clone(),
            dataset: setup.counts(),
            prototypes: self.quality,
            epochs: self.state.history.clone(),
            summary,
        }
    }

    /// Reads the running loss sum; a NaN or ∞ stops training with the last good checkpoint named.
    fn check_finite(&self, loss_sum: &Tensor<1>, epoch: usize) -> Result<f64> {
        let v: f32 = loss_sum
            .clone()
            .try_into_scalar()
            .map_err(|e| Error::Numerical(format!("reading the loss: {e:?}")))?;
        if v.is_finite() {
            return Ok(f64::from(v));
        }
        let kept = if epoch == 0 {
            "no checkpoint was written yet".to_string()
        } else {
            format!(
                "the last good checkpoint (epoch {epoch}) is kept in {}",
                self.run.path().display()
            )
        };
        // Inputs are finite (every reader checks) and one-example BatchNorm is refused up front,
        // so what is left is divergence.
        let c = &self.cfg;
        Err(Error::Numerical(format!(
            "training loss became {v} in epoch {}: stopped; {kept}; the weights diverged: lower --lr (now {:?}), --momentum (now {:?}) or --weight-decay (now {:?}), or add --warmup-epochs",
            epoch + 1,
            c.lr,
            c.momentum,
            c.weight_decay
        )))
    }
}

/// Whether a new dl2pa run solves its first σ on the untrained network's class means.
fn starts_from_means(cfg: &TrainConfig, resume: bool) -> bool {
    !resume && cfg.method == Method::Dl2pa && cfg.assign_init == AssignInit::Means
}

/// Labels as an index tensor on `device`.
fn labels(y: &[u32], device: &Device) -> Tensor<1, Int> {
    let v: Vec<i64> = y.iter().map(|&v| i64::from(v)).collect();
    Tensor::from_data(TensorData::new(v, [y.len()]), device)
}

impl EpochRecord {
    /// The line the CLI prints for this epoch.
    pub fn line(&self, epochs: usize, method: Method) -> String {
        let top1 = self
            .eval
            .as_ref()
            .map_or(String::new(), |e| format!("top1 {:.2}% ", e.top1));
        let moved = if method == Method::Dl2pa {
            format!("moved {}", self.moved())
        } else {
            String::new()
        };
        format!(
            "epoch {:>3}/{epochs} loss {:.4} {top1}{moved} {:.0} img/s {:.1}s",
            self.epoch, self.train_loss, self.img_per_s, self.train_seconds
        )
    }
}
