//! `calibration.json`: the activation ranges the int8 backbone is quantised with, measured on
//! training inputs when training stops — model statistics like BatchNorm's, so `export` needs
//! no training data. It carries the CRC-32 of its contents.

use serde::{Deserialize, Serialize};

/// Largest absolute values seen on the calibration inputs by the folded f32 network (MLP: input
/// standardisation folded into the first layer; every BatchNorm folded into the layer before it).
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct Calibration {
    /// The epoch of the checkpoint these ranges belong to.
    pub epoch: usize,
    /// Training inputs measured (evenly spaced over the training split).
    pub examples: usize,
    /// `max |x|` over the inputs the first layer reads: raw (MLP) or standardised (CNN, whose
    /// zero padding must stay the standardised 0).
    pub input_max: f32,
    /// `max |a|` of each weighted (dense or convolution) layer's output, after the ReLU that
    /// follows every such layer but the last.
    pub layer_max: Vec<f64>,
    /// CRC-32 of this file's contents (compact JSON without this field).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub crc32: Option<u32>,
}

impl super::seal::SelfChecked for Calibration {
    fn checksum(&mut self) -> &mut Option<u32> {
        &mut self.crc32
    }

    /// The first builds that wrote `calibration.json` (run format 2 already) did not seal it.
    fn must_be_sealed(&self) -> bool {
        false
    }
}
