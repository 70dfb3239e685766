//! `.dl2p` model files: class-ordered prototypes (int8 or f32), σ, optional class names, an
//! optional int8 MLP backbone.
//!
//! The file's types live here; [`parse`] validates a file into a [`ModelRef`] (no copy, no
//! allocation), [`view`] is what a validated model answers, and `builder` writes files (with
//! the `alloc` feature).

#[cfg(feature = "alloc")]
mod builder;
mod parse;
mod view;

#[cfg(feature = "alloc")]
pub use builder::ModelBuilder;
pub use parse::Model;

use serde::{Deserialize, Serialize};

use crate::mlp::MlpI8Ref;
use crate::net::NetI8Ref;
use crate::quant::PrototypesI8Ref;

/// Magic of model files.
pub const MODEL_MAGIC: [u8; 4] = *b"DL2P";
/// The format version this crate reads and writes.
pub const MODEL_VERSION: u16 = 1;
/// Flag bit: the body carries class names.
const FLAG_NAMES: u16 = 1;
/// Flag bit: an int8 MLP backbone follows the body.
const FLAG_BACKBONE: u16 = 2;
/// Flag bit: an int8 layer-list backbone (convolutions, pooling, dense) follows the body.
const FLAG_NET: u16 = 4;
/// Bit 3: 4 bytes after the body identify the input pipeline the model was trained behind.
const FLAG_INPUT_ID: u16 = 8;
const KNOWN_FLAGS: u16 = FLAG_NAMES | FLAG_BACKBONE | FLAG_NET | FLAG_INPUT_ID;

/// How the prototypes are stored.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub enum Quant {
    /// IEEE-754 f32, little-endian.
    F32,
    /// Symmetric int8 in [−127, 127]; a value `q` stands for `q · step`.
    Int8 {
        /// Real value of one integer unit (one for the whole set).
        step: f32,
    },
}

#[derive(Serialize, Deserialize)]
struct Body<'a> {
    classes: u32,
    dim: u32,
    quant: Quant,
    #[serde(borrow)]
    prototypes: &'a [u8],
    num_prototypes: u32,
    #[serde(borrow)]
    sigma: &'a [u8],
    #[serde(borrow)]
    class_names: Option<&'a str>,
}

/// Wire form of one backbone layer (after the body: `input_step: f32`, `layers: u32`, then the
/// layers).
#[derive(Serialize, Deserialize)]
struct LayerBody<'a> {
    inputs: u32,
    outputs: u32,
    #[serde(borrow)]
    weights: &'a [u8],
    #[serde(borrow)]
    bias: &'a [u8],
    #[serde(borrow)]
    multiplier: &'a [u8],
    #[serde(borrow)]
    shift: &'a [u8],
}

/// Wire form of the layer list's head (after the body; then `layers` × [`NetLayerBody`]).
#[derive(Serialize, Deserialize)]
struct NetHead<'a> {
    height: u32,
    width: u32,
    channels: u32,
    #[serde(borrow)]
    input_offset: &'a [u8],
    #[serde(borrow)]
    input_scale: &'a [u8],
    layers: u32,
}

/// Wire form of one layer of a layer list: a varint tag, then the fields.
#[derive(Serialize, Deserialize)]
enum NetLayerBody<'a> {
    Dense(#[serde(borrow)] LayerBody<'a>),
    Conv {
        kernel: u32,
        stride: u32,
        padding: u32,
        #[serde(borrow)]
        channels: LayerBody<'a>,
    },
    MaxPool,
    GlobalAvgPool,
}

/// The int8 backbone of a model: raw input → int8 embedding.
// Both variants are fixed-size views kept from parsing (the layer list: up to 16 layers), so
// classifying never re-decodes or rescans the file; the size is that price.
#[allow(clippy::large_enum_variant)]
#[derive(Clone, Copy, Debug)]
pub enum Backbone<'a> {
    /// Dense layers (flag bit 1).
    Mlp(MlpI8Ref<'a>),
    /// A layer list: convolutions, pooling, dense (flag bit 2).
    Net(NetI8Ref<'a>),
}

/// A validated model borrowing the file's bytes.
#[derive(Clone, Copy, Debug)]
pub struct ModelRef<'a> {
    backbone: Option<Backbone<'a>>,
    /// The int8 prototypes, validated once by the parser (int8 models).
    int8: Option<PrototypesI8Ref<'a>>,
    classes: usize,
    dim: usize,
    quant: Quant,
    prototypes: &'a [u8],
    num_prototypes: usize,
    sigma: &'a [u8],
    names: Option<&'a str>,
    input_id: Option<u32>,
    bytes: usize,
}
