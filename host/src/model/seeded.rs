//! Seeded initialisation that does not depend on what else runs in the process.
//!
//! burn draws initial weights from one generator per backend (flex: one for the whole process),
//! and a parameter draws only when it is first used. Two trainings on threads of one process
//! (the tests, a library user) would interleave their draws, and a training's weights would
//! depend on the other's timing. Seeding and every draw of a network therefore happen at once,
//! under one process-wide lock.

use std::sync::{Mutex, PoisonError};

use burn::module::{Module, ModuleVisitor, Param};
use burn::prelude::*;

use super::{Network, NetworkSpec};
use crate::data::Shape;
use crate::error::Result;

/// Held from seeding the backend's generator until the last parameter has drawn.
static DRAWS: Mutex<()> = Mutex::new(());

impl Network {
    /// A freshly initialised network whose weights depend on `seed` only: seeds `device`'s
    /// generator and initialises every parameter before returning (see the module docs).
    ///
    /// # Errors
    /// As [`Network::new`].
    pub fn seeded(spec: &NetworkSpec, shape: Shape, device: &Device, seed: u64) -> Result<Self> {
        let _draws = DRAWS.lock().unwrap_or_else(PoisonError::into_inner);
        device.seed(seed);
        let network = Network::new(spec, shape, device)?;
        network.visit(&mut Materialise);
        Ok(network)
    }
}

/// Initialises each lazy parameter by reading it, in the module's field order.
struct Materialise;

impl ModuleVisitor for Materialise {
    fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<D>>) {
        let _ = param.val();
    }
}
