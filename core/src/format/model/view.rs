//! What a validated model answers: sizes, σ, names, classification (f32, int8, raw input
//! through the backbone) and its memory footprint.

use super::{Backbone, ModelRef, Quant};
use crate::classify::{Classify, Prediction};
use crate::error::{Error, Result};
use crate::quant::{PrototypesI8Ref, quantize};
use crate::sphere::{dot_le, try_norm};

impl Backbone<'_> {
    /// Raw input values.
    pub fn inputs(&self) -> usize {
        match self {
            Backbone::Mlp(m) => m.inputs(),
            Backbone::Net(n) => n.inputs(),
        }
    }

    /// Embedding dimension.
    pub fn outputs(&self) -> usize {
        match self {
            Backbone::Mlp(m) => m.outputs(),
            Backbone::Net(n) => n.outputs(),
        }
    }

    /// Bytes of working memory [`Backbone::forward`] needs.
    pub fn arena_bytes(&self) -> usize {
        match self {
            Backbone::Mlp(m) => m.arena_bytes(),
            Backbone::Net(n) => n.arena_bytes(),
        }
    }

    /// Multiply-accumulates per input.
    pub fn macs(&self) -> usize {
        match self {
            Backbone::Mlp(m) => m.layers().iter().map(|l| l.inputs() * l.outputs()).sum(),
            Backbone::Net(n) => n.macs(),
        }
    }

    /// The int8 embedding of a raw input, in `arena`.
    ///
    /// # Errors
    /// As [`MlpI8Ref::forward`](crate::mlp::MlpI8Ref::forward) / [`NetI8Ref::forward`](crate::net::NetI8Ref::forward).
    pub fn forward<'s>(&self, x: &[f32], arena: &'s mut [i8]) -> Result<&'s [i8]> {
        match self {
            Backbone::Mlp(m) => m.forward(x, arena),
            Backbone::Net(n) => n.forward(x, arena),
        }
    }
}

impl<'a> ModelRef<'a> {
    /// The identity of the input pipeline the model was trained behind (flag bit 3): an opaque
    /// number the writer chose (`dl2pa export` writes the CRC-32 of the run's input schema), so
    /// that a host can refuse to feed the model inputs prepared for another one. `None` in files
    /// without it (all written before dl2pa 0.3).
    pub fn input_id(&self) -> Option<u32> {
        self.input_id
    }

    /// Classes `K`.
    pub fn classes(&self) -> usize {
        self.classes
    }

    /// Embedding dimension `d`.
    pub fn dim(&self) -> usize {
        self.dim
    }

    /// Storage of the prototypes.
    pub fn quant(&self) -> Quant {
        self.quant
    }

    /// Prototypes the assignment chose from (`M ≥ K`).
    pub fn num_prototypes(&self) -> usize {
        self.num_prototypes
    }

    /// σ(`class`): the index of the class's prototype in the original set (provenance).
    ///
    /// # Panics
    /// If `class >= classes()`.
    pub fn sigma(&self, class: usize) -> u32 {
        let s = &self.sigma[4 * class..4 * class + 4];
        u32::from_le_bytes([s[0], s[1], s[2], s[3]])
    }

    /// The name of `class`, if the file has names.
    pub fn class_name(&self, class: usize) -> Option<&'a str> {
        self.names.and_then(|n| n.split('\n').nth(class))
    }

    /// The int8 prototypes in class order (int8 models only).
    pub fn int8(&self) -> Option<PrototypesI8Ref<'a>> {
        self.int8
    }

    /// Classifies an already quantised embedding (int8 models; `None` for f32 models).
    ///
    /// # Errors
    /// As [`Classify::classify`].
    pub fn classify_i8(&self, qx: &[i8]) -> Option<Result<Prediction<i32>>> {
        self.int8().map(|p| p.classify(qx))
    }

    /// Classifies an f32 embedding: int8 models quantise it into `scratch` (at least `dim()`
    /// long; unused by f32 models) with its own step (`max|x|/127`) and take the integer
    /// argmax; f32 models take the cosine argmax. The score is the class's cosine estimate.
    ///
    /// # Errors
    /// [`Error::Length`] for a wrong `x.len()` or a short `scratch`, [`Error::ZeroVector`],
    /// [`Error::NotFinite`].
    pub fn classify(&self, x: &[f32], scratch: &mut [i8]) -> Result<Prediction<f32>> {
        if x.len() != self.dim {
            return Err(Error::Length {
                what: "input",
                expected: self.dim,
                got: x.len(),
            });
        }
        match self.int8 {
            Some(p) => {
                let got = scratch.len();
                let qx = scratch.get_mut(..self.dim).ok_or(Error::Length {
                    what: "scratch",
                    expected: self.dim,
                    got,
                })?;
                let xstep = quantize(x, qx)?;
                let best = p.classify(qx)?;
                let n = try_norm(x)?;
                Ok(Prediction {
                    class: best.class,
                    score: best.score as f32 * p.step() * xstep / n,
                })
            }
            None => F32Le {
                bytes: self.prototypes,
                dim: self.dim,
                classes: self.classes,
            }
            .classify(x),
        }
    }

    /// The int8 backbone, if the file has one.
    pub fn backbone(&self) -> Option<Backbone<'a>> {
        self.backbone
    }

    /// Classifies a raw input with the model's backbone: the input (the values the training
    /// data loader produced, before standardisation) is quantised with the backbone's input
    /// step, run through the int8 layers, and the int8 embedding is classified against the int8
    /// prototypes. Integers only after the first quantisation: the same bits on every target.
    /// `arena` is the working memory, [`ModelRef::arena_bytes`] long (or longer).
    ///
    /// # Errors
    /// [`Error::NoBackbone`] if the model has none; as [`Backbone::forward`] and
    /// [`Classify::classify`] (an all-zero embedding is [`Error::ZeroVector`]: no direction).
    pub fn classify_raw(&self, x: &[f32], arena: &mut [i8]) -> Result<Prediction<i32>> {
        // A backbone is only accepted with int8 prototypes.
        let (Some(net), Some(p)) = (&self.backbone, self.int8) else {
            return Err(Error::NoBackbone);
        };
        let z = net.forward(x, arena)?;
        if z.iter().all(|&v| v == 0) {
            return Err(Error::ZeroVector);
        }
        p.classify(z)
    }

    /// Working memory [`ModelRef::classify_raw`] needs, in bytes (0 without a backbone).
    pub fn arena_bytes(&self) -> usize {
        self.backbone.as_ref().map_or(0, |m| m.arena_bytes())
    }

    /// Size of the model file in bytes (what it occupies in flash when embedded).
    pub fn flash_bytes(&self) -> usize {
        self.bytes
    }

    /// RAM to classify one f32 embedding besides the input itself: the `scratch` of
    /// [`ModelRef::classify`] (`d` bytes, int8 models) and the running best (class, score),
    /// 8 bytes. The prototypes stay where the file is (flash).
    pub fn ram_bytes(&self) -> usize {
        match self.quant {
            Quant::Int8 { .. } => self.dim + 8,
            Quant::F32 => 8,
        }
    }

    /// RAM to classify one raw input with the backbone besides the input itself: the arena
    /// of [`ModelRef::classify_raw`] and the running best (8 bytes); 0 without a backbone.
    pub fn raw_ram_bytes(&self) -> usize {
        self.backbone.as_ref().map_or(0, |m| m.arena_bytes() + 8)
    }
}

/// f32 prototypes read in place from little-endian bytes (the file need not be aligned).
struct F32Le<'a> {
    bytes: &'a [u8],
    dim: usize,
    classes: usize,
}

impl Classify for F32Le<'_> {
    type Input = f32;
    type Score = f32;
    fn classes(&self) -> usize {
        self.classes
    }
    fn dim(&self) -> usize {
        self.dim
    }
    fn for_each_score(&self, x: &[f32], mut f: impl FnMut(usize, f32)) -> Result<()> {
        let n = try_norm(x)?;
        for (k, row) in self.bytes.chunks_exact(4 * self.dim).enumerate() {
            f(k, dot_le(row, x) / n);
        }
        Ok(())
    }
}
