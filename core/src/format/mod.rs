//! The model format (`.dl2p`) and the feature format (`.dl2f`): written by the host, parsed here
//! with validation of every field, zero-copy and without allocation. Layout: `core/FORMAT.md`.

mod container;
mod features;
mod model;

pub use container::crc32;
pub use features::{FEATURES_MAGIC, FEATURES_VERSION, Features, FeaturesRef};
pub use model::{Backbone, MODEL_MAGIC, MODEL_VERSION, Model, ModelRef, Quant};

#[cfg(feature = "alloc")]
pub use features::FeaturesBuilder;
#[cfg(feature = "alloc")]
pub use model::ModelBuilder;
