//! `.dl2p` model files: class-ordered prototypes (int8 or f32), σ, optional class names, an
//! optional int8 MLP backbone.

use serde::{Deserialize, Serialize};

use super::container;
use crate::MAX_CLASSES;
use crate::classify::{Classify, Prediction};
use crate::error::{Error, FormatError, Result};
use crate::mlp::{DenseI8Ref, MAX_LAYERS, MlpI8Ref};
use crate::net::{Conv2dI8Ref, InputQuant, LayerRef, MAX_NET_LAYERS, NetI8Ref, Shape};
use crate::prototypes::{UNIT_TOLERANCE, check_sizes};
use crate::quant::{PrototypesI8Ref, quantize};
use crate::sphere::{dot_le, try_norm};

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

/// The parser's own result type: every failure is one [`FormatError`].
type Parsed<T> = core::result::Result<T, FormatError>;

/// Gives a layer error found by [`DenseI8Ref::new`] (which does not know its place) the index
/// of the layer; any other error of a layer is a shape error.
fn at_layer(e: Error, layer: usize) -> FormatError {
    use FormatError as E;
    match e {
        Error::Format(E::LayerWeight { .. }) => E::LayerWeight { layer },
        Error::Format(E::LayerBias { .. }) => E::LayerBias { layer },
        Error::Format(E::LayerMultiplier { .. }) => E::LayerMultiplier { layer },
        Error::Format(E::LayerShift { .. }) => E::LayerShift { layer },
        _ => E::LayerShape { layer },
    }
}

/// Decodes and validates the backbone that follows the body; it must use all of `rest`.
fn decode_backbone(rest: &[u8]) -> Parsed<MlpI8Ref<'_>> {
    let (input_step, rest): (f32, _) =
        postcard::take_from_bytes(rest).map_err(|_| FormatError::BackboneInputStep)?;
    let (count, mut rest): (u32, _) =
        postcard::take_from_bytes(rest).map_err(|_| FormatError::LayerCount)?;
    if count == 0 || count as usize > MAX_LAYERS {
        return Err(FormatError::LayerCount);
    }
    let mut layers = [DenseI8Ref::default(); MAX_LAYERS];
    for (i, slot) in layers[..count as usize].iter_mut().enumerate() {
        let (l, r): (LayerBody<'_>, _) = postcard::take_from_bytes(rest)
            .map_err(|_| FormatError::LayerDoesNotDecode { layer: i })?;
        rest = r;
        *slot = dense(&l).map_err(|e| at_layer(e, i))?;
    }
    if !rest.is_empty() {
        return Err(FormatError::BackboneTrailingBytes);
    }
    MlpI8Ref::new(input_step, &layers[..count as usize]).map_err(|e| match e {
        Error::Format(f) => f,
        _ => FormatError::BackboneInputStep,
    })
}

/// Decodes and validates the layer list that follows the body; it must use all of `rest`.
fn decode_net(rest: &[u8]) -> Parsed<NetI8Ref<'_>> {
    let (h, mut rest): (NetHead<'_>, _) =
        postcard::take_from_bytes(rest).map_err(|_| FormatError::NetInputShape)?;
    let shape = Shape {
        height: h.height as usize,
        width: h.width as usize,
        channels: h.channels as usize,
    };
    if shape.is_empty() || shape.len() > crate::net::MAX_ACTIVATION {
        return Err(FormatError::NetInputShape);
    }
    let quant = InputQuant::new(shape.channels, h.input_offset, h.input_scale)
        .map_err(|_| FormatError::NetInputQuant)?;
    if h.layers == 0 || h.layers as usize > MAX_NET_LAYERS {
        return Err(FormatError::LayerCount);
    }
    let mut layers = [LayerRef::default(); MAX_NET_LAYERS];
    for (i, slot) in layers[..h.layers as usize].iter_mut().enumerate() {
        let (l, r): (NetLayerBody<'_>, _) = postcard::take_from_bytes(rest)
            .map_err(|_| FormatError::LayerDoesNotDecode { layer: i })?;
        rest = r;
        *slot = match l {
            NetLayerBody::Dense(l) => LayerRef::Dense(dense(&l).map_err(|e| at_layer(e, i))?),
            NetLayerBody::Conv {
                kernel,
                stride,
                padding,
                channels: l,
            } => LayerRef::Conv(
                Conv2dI8Ref::new(
                    kernel as usize,
                    stride as usize,
                    padding as usize,
                    l.inputs as usize,
                    l.outputs as usize,
                    bytemuck::cast_slice(l.weights),
                    (l.bias, l.multiplier, bytemuck::cast_slice(l.shift)),
                )
                .map_err(|e| at_layer(e, i))?,
            ),
            NetLayerBody::MaxPool => LayerRef::MaxPool,
            NetLayerBody::GlobalAvgPool => LayerRef::GlobalAvgPool,
        };
    }
    if !rest.is_empty() {
        return Err(FormatError::BackboneTrailingBytes);
    }
    NetI8Ref::new(shape, quant, &layers[..h.layers as usize]).map_err(|e| match e {
        Error::Format(f) => f,
        _ => FormatError::NetInputShape,
    })
}

/// A dense layer from its wire form.
fn dense<'a>(l: &LayerBody<'a>) -> Result<DenseI8Ref<'a>> {
    DenseI8Ref::new(
        l.inputs as usize,
        l.outputs as usize,
        bytemuck::cast_slice(l.weights),
        l.bias,
        l.multiplier,
        bytemuck::cast_slice(l.shift),
    )
}

/// Checks the prototype bytes of a `k × d` model and returns the int8 view (int8 models).
fn check_prototypes<'a>(
    quant: Quant,
    bytes: &'a [u8],
    k: usize,
    d: usize,
) -> Parsed<Option<PrototypesI8Ref<'a>>> {
    match quant {
        Quant::Int8 { step } => {
            if bytes.len() != k * d {
                return Err(FormatError::FieldLength);
            }
            PrototypesI8Ref::new(bytemuck::cast_slice(bytes), k, d, step)
                .map(Some)
                .map_err(|e| match e {
                    Error::Format(f) => f,
                    _ => FormatError::BadStep,
                })
        }
        Quant::F32 => {
            if bytes.len() != 4 * k * d {
                return Err(FormatError::FieldLength);
            }
            for row in bytes.chunks_exact(4 * d) {
                let mut sq = 0.0f32;
                for v in row.chunks_exact(4) {
                    let v = f32::from_le_bytes([v[0], v[1], v[2], v[3]]);
                    if !v.is_finite() {
                        return Err(FormatError::PrototypeNotFinite);
                    }
                    sq += v * v;
                }
                if (sq - 1.0).abs() > UNIT_TOLERANCE {
                    return Err(FormatError::PrototypeNotUnit);
                }
            }
            Ok(None)
        }
    }
}

/// Prototype indices covered by one pass of the σ injectivity check: a 512-byte bitmap on the
/// stack. `M ≤ 4 096` takes one pass; the format's limit, `M = 65 535`, sixteen.
const SIGMA_WINDOW: usize = 4096;

/// σ(`c`) from its little-endian bytes.
fn sigma_at(sigma: &[u8], c: usize) -> usize {
    u32::from_le_bytes([
        sigma[4 * c],
        sigma[4 * c + 1],
        sigma[4 * c + 2],
        sigma[4 * c + 3],
    ]) as usize
}

/// Checks that σ holds `k` distinct prototype indices below `m`, in `K · ⌈M / 4 096⌉` steps
/// without allocating: each pass marks the entries that fall in one window of indices.
fn check_sigma(sigma: &[u8], k: usize, m: usize) -> Parsed<()> {
    if sigma.len() != 4 * k {
        return Err(FormatError::SigmaLength);
    }
    if (0..k).any(|c| sigma_at(sigma, c) >= m) {
        return Err(FormatError::SigmaOutOfRange);
    }
    let mut seen = [0u32; SIGMA_WINDOW / 32];
    for base in (0..m).step_by(SIGMA_WINDOW) {
        seen.fill(0);
        for c in 0..k {
            let Some(at) = sigma_at(sigma, c)
                .checked_sub(base)
                .filter(|&at| at < SIGMA_WINDOW)
            else {
                continue;
            };
            let (word, bit) = (at / 32, 1u32 << (at % 32));
            if seen[word] & bit != 0 {
                return Err(FormatError::SigmaNotInjective);
            }
            seen[word] |= bit;
        }
    }
    Ok(())
}

/// Checks that the class names are present iff flagged and one per class.
fn check_names(flagged: bool, names: Option<&str>, k: usize) -> Parsed<()> {
    match (flagged, names) {
        (true, Some(n)) if n.split('\n').count() == k => Ok(()),
        (true, Some(_)) => Err(FormatError::ClassNameCount),
        (false, None) => Ok(()),
        _ => Err(FormatError::ClassNameFlag),
    }
}

/// Entry point of the format: `Model::from_bytes`.
pub struct Model;

impl Model {
    /// Parses and validates a model, borrowing from `bytes` (no copy, no allocation).
    ///
    /// Checks, in order: magic, version, flags, length, CRC-32, the postcard body (nothing
    /// left over), sizes (`1..=65 535` classes, `1..=4 096` dims), prototype bytes (length; int8:
    /// no −128 and a finite positive step; f32: finite unit rows), σ (one entry per class, each
    /// below the number of prototypes `M`, no two equal) and the class names (exactly `K`,
    /// present iff flagged), then the backbone if flagged (layer sizes chain, the last gives `d`
    /// outputs, weights in ±127, biases within ±2³⁰, multipliers non-negative, shifts in
    /// −31..=30; int8 models only). Work is bounded by `O(len + K · ⌈M / 4 096⌉)` — at most
    /// `len + 16 K` steps — with under 1 KiB of stack.
    ///
    /// ```
    /// # #[cfg(feature = "alloc")] {
    /// use dl2pa_core::format::{Model, ModelBuilder};
    /// let bytes = ModelBuilder::int8(&[127, 0, 0, 127, -127, 0], 1.0 / 127.0, 3, 2).sigma(&[2, 0, 1], 3).to_bytes();
    /// let model = Model::from_bytes(&bytes)?;
    /// assert_eq!((model.classes(), model.dim()), (3, 2));
    /// let mut scratch = [0i8; 2];
    /// assert_eq!(model.classify(&[-1.0, 0.1], &mut scratch)?.class, 2);
    /// # }
    /// # Ok::<(), dl2pa_core::Error>(())
    /// ```
    ///
    /// # Errors
    /// [`Error::Format`] with the [`FormatError`] of the first failed check.
    pub fn from_bytes(bytes: &[u8]) -> Result<ModelRef<'_>> {
        Ok(Self::parse(bytes)?)
    }

    fn parse(bytes: &[u8]) -> Parsed<ModelRef<'_>> {
        let (flags, body) = container::open(bytes, &MODEL_MAGIC, MODEL_VERSION, KNOWN_FLAGS)?;
        if flags & FLAG_BACKBONE != 0 && flags & FLAG_NET != 0 {
            return Err(FormatError::BackboneConflict);
        }
        let (b, rest): (Body<'_>, _) =
            postcard::take_from_bytes(body).map_err(|_| FormatError::BodyDoesNotDecode)?;
        let (input_id, rest) = match rest.split_first_chunk::<4>() {
            _ if flags & FLAG_INPUT_ID == 0 => (None, rest),
            Some((id, rest)) => (Some(u32::from_le_bytes(*id)), rest),
            None => return Err(FormatError::InputIdTruncated),
        };
        let backbone = if flags & FLAG_BACKBONE != 0 {
            Some(Backbone::Mlp(decode_backbone(rest)?))
        } else if flags & FLAG_NET != 0 {
            Some(Backbone::Net(decode_net(rest)?))
        } else if !rest.is_empty() {
            return Err(FormatError::TrailingBytes);
        } else {
            None
        };
        let (k, d) = (b.classes as usize, b.dim as usize);
        check_sizes(k, d).map_err(|_| FormatError::SizeOutOfRange)?;
        let int8 = check_prototypes(b.quant, b.prototypes, k, d)?;
        let m = b.num_prototypes as usize;
        if m < k || m > MAX_CLASSES {
            return Err(FormatError::PrototypeCount);
        }
        check_sigma(b.sigma, k, m)?;
        check_names(flags & FLAG_NAMES != 0, b.class_names, k)?;
        if let Some(net) = &backbone {
            if net.outputs() != d {
                return Err(FormatError::BackboneOutputs);
            }
            if int8.is_none() {
                return Err(FormatError::BackboneNeedsInt8);
            }
        }
        Ok(ModelRef {
            backbone,
            int8,
            classes: k,
            dim: d,
            quant: b.quant,
            prototypes: b.prototypes,
            num_prototypes: m,
            sigma: b.sigma,
            names: b.class_names,
            input_id,
            bytes: bytes.len(),
        })
    }
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
    /// As [`MlpI8Ref::forward`] / [`NetI8Ref::forward`].
    pub fn forward<'s>(&self, x: &[f32], arena: &'s mut [i8]) -> Result<&'s [i8]> {
        match self {
            Backbone::Mlp(m) => m.forward(x, arena),
            Backbone::Net(n) => n.forward(x, arena),
        }
    }
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

/// Writes model files (host side).
#[cfg(feature = "alloc")]
pub struct ModelBuilder {
    classes: usize,
    dim: usize,
    quant: Quant,
    prototypes: alloc::vec::Vec<u8>,
    num_prototypes: usize,
    sigma: alloc::vec::Vec<u8>,
    names: Option<alloc::string::String>,
    input_id: Option<u32>,
    backbone: Option<(f32, alloc::vec::Vec<crate::mlp::DenseI8>)>,
    net: Option<crate::net::NetI8>,
}

#[cfg(feature = "alloc")]
impl ModelBuilder {
    /// An int8 model: `q` holds `classes × dim` values in class order, `step` their unit.
    /// σ defaults to the identity.
    pub fn int8(q: &[i8], step: f32, classes: usize, dim: usize) -> Self {
        Self::new(
            bytemuck::cast_slice(q).to_vec(),
            Quant::Int8 { step },
            classes,
            dim,
        )
    }

    /// An f32 model: `p` holds `classes × dim` unit rows in class order.
    pub fn f32(p: &[f32], classes: usize, dim: usize) -> Self {
        Self::new(
            p.iter().flat_map(|v| v.to_le_bytes()).collect(),
            Quant::F32,
            classes,
            dim,
        )
    }

    fn new(prototypes: alloc::vec::Vec<u8>, quant: Quant, classes: usize, dim: usize) -> Self {
        let sigma = (0..classes as u32).flat_map(|c| c.to_le_bytes()).collect();
        ModelBuilder {
            classes,
            dim,
            quant,
            prototypes,
            num_prototypes: classes,
            sigma,
            names: None,
            input_id: None,
            backbone: None,
            net: None,
        }
    }

    /// The identity of the input pipeline (see [`ModelRef::input_id`]; sets flag bit 3).
    pub fn input_id(mut self, id: u32) -> Self {
        self.input_id = Some(id);
        self
    }

    /// σ (class → prototype index) out of `num_prototypes` prototypes.
    pub fn sigma(mut self, sigma: &[u32], num_prototypes: usize) -> Self {
        self.sigma = sigma.iter().flat_map(|c| c.to_le_bytes()).collect();
        self.num_prototypes = num_prototypes;
        self
    }

    /// Class names (must not contain a newline).
    pub fn names<S: AsRef<str>>(mut self, names: &[S]) -> Self {
        let mut s = alloc::string::String::new();
        for (i, n) in names.iter().enumerate() {
            if i > 0 {
                s.push('\n');
            }
            s.push_str(n.as_ref());
        }
        self.names = Some(s);
        self
    }

    /// An int8 MLP backbone (int8 models only): `layers` in order, inputs quantised with
    /// `input_step`.
    pub fn backbone(
        mut self,
        input_step: f32,
        layers: alloc::vec::Vec<crate::mlp::DenseI8>,
    ) -> Self {
        self.backbone = Some((input_step, layers));
        self
    }

    /// An int8 layer-list backbone (int8 models only; not together with
    /// [`ModelBuilder::backbone`]).
    pub fn net(mut self, net: crate::net::NetI8) -> Self {
        self.net = Some(net);
        self
    }

    /// The file's bytes. Run [`Model::from_bytes`] on them to validate.
    pub fn to_bytes(&self) -> alloc::vec::Vec<u8> {
        let body = Body {
            classes: self.classes as u32,
            dim: self.dim as u32,
            quant: self.quant,
            prototypes: &self.prototypes,
            num_prototypes: self.num_prototypes as u32,
            sigma: &self.sigma,
            class_names: self.names.as_deref(),
        };
        let mut encoded = postcard::to_allocvec(&body).unwrap_or_default();
        let mut flags = if self.names.is_some() { FLAG_NAMES } else { 0 };
        if let Some(id) = self.input_id {
            flags |= FLAG_INPUT_ID;
            encoded.extend_from_slice(&id.to_le_bytes());
        }
        if let Some((step, layers)) = &self.backbone {
            flags |= FLAG_BACKBONE;
            let mut push = |bytes: alloc::vec::Vec<u8>| encoded.extend_from_slice(&bytes);
            push(postcard::to_allocvec(step).unwrap_or_default());
            push(postcard::to_allocvec(&(layers.len() as u32)).unwrap_or_default());
            for l in layers {
                let (bias, multiplier) = l.le_bytes();
                push(postcard::to_allocvec(&dense_body(l, &bias, &multiplier)).unwrap_or_default());
            }
        }
        if let Some(net) = &self.net {
            flags |= FLAG_NET;
            encoded.extend_from_slice(&net_bytes(net));
        }
        container::seal(&MODEL_MAGIC, MODEL_VERSION, flags, &encoded)
    }
}

/// The wire form of an owned dense layer whose bias and multiplier bytes are given.
#[cfg(feature = "alloc")]
fn dense_body<'a>(
    l: &'a crate::mlp::DenseI8,
    bias: &'a [u8],
    multiplier: &'a [u8],
) -> LayerBody<'a> {
    LayerBody {
        inputs: l.inputs as u32,
        outputs: l.outputs as u32,
        weights: bytemuck::cast_slice(&l.weights),
        bias,
        multiplier,
        shift: bytemuck::cast_slice(&l.shift),
    }
}

/// The bytes of a layer list: its head, then each layer.
#[cfg(feature = "alloc")]
fn net_bytes(net: &crate::net::NetI8) -> alloc::vec::Vec<u8> {
    use crate::net::{LayerI8, le_f32, le_i32};
    let (offset, scale) = (le_f32(&net.input_offset), le_f32(&net.input_scale));
    let head = NetHead {
        height: net.input.height as u32,
        width: net.input.width as u32,
        channels: net.input.channels as u32,
        input_offset: &offset,
        input_scale: &scale,
        layers: net.layers.len() as u32,
    };
    let mut out = postcard::to_allocvec(&head).unwrap_or_default();
    for l in &net.layers {
        let bytes = match l {
            LayerI8::Dense(d) => {
                let (bias, multiplier) = d.le_bytes();
                postcard::to_allocvec(&NetLayerBody::Dense(dense_body(d, &bias, &multiplier)))
            }
            LayerI8::Conv(c) => {
                let (bias, multiplier) = (le_i32(&c.bias), le_i32(&c.multiplier));
                postcard::to_allocvec(&NetLayerBody::Conv {
                    kernel: c.kernel as u32,
                    stride: c.stride as u32,
                    padding: c.padding as u32,
                    channels: LayerBody {
                        inputs: c.inputs as u32,
                        outputs: c.outputs as u32,
                        weights: bytemuck::cast_slice(&c.weights),
                        bias: &bias,
                        multiplier: &multiplier,
                        shift: bytemuck::cast_slice(&c.shift),
                    },
                })
            }
            LayerI8::MaxPool => postcard::to_allocvec(&NetLayerBody::MaxPool),
            LayerI8::GlobalAvgPool => postcard::to_allocvec(&NetLayerBody::GlobalAvgPool),
        };
        out.extend_from_slice(&bytes.unwrap_or_default());
    }
    out
}
