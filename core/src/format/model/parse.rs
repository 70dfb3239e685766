//! Parsing and validation: bytes → [`ModelRef`], every failure one [`FormatError`].

use super::{
    Backbone, Body, FLAG_BACKBONE, FLAG_INPUT_ID, FLAG_NAMES, FLAG_NET, KNOWN_FLAGS, LayerBody,
    MODEL_MAGIC, MODEL_VERSION, ModelRef, NetHead, NetLayerBody, Quant,
};
use crate::MAX_CLASSES;
use crate::dense::DenseI8Ref;
use crate::error::{Error, FormatError, Result};
use crate::format::container;
use crate::mlp::{MAX_LAYERS, MlpI8Ref};
use crate::net::{Conv2dI8Ref, InputQuant, LayerRef, MAX_NET_LAYERS, NetI8Ref, Shape};
use crate::prototypes::{UNIT_TOLERANCE, check_sizes};
use crate::quant::PrototypesI8Ref;

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
