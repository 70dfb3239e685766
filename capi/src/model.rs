//! The model handle: `dl2pa_model_parse` validates a model file held in the caller's memory
//! (no copy) and keeps the core's validated view of it in caller-provided space; the other
//! functions read that view back, after checking the handle was filled at its address.

use core::mem::{align_of, size_of};

use dl2pa_core::format::{Backbone, ModelRef, Quant};

use crate::args::{self, Region};
use crate::status::{Status, status};

/// Pointer-sized words of a `dl2pa_model` handle: the core's validated view of a model (its slices
/// and up to 16 layer descriptions) fits in this many on 32- and 64-bit targets (checked when
/// this crate compiles), so the handle's size in bytes follows the pointer size: 1 152 bytes on
/// a Cortex-M, 2 304 on x86-64.
pub const DL2PA_MODEL_WORDS: usize = 288;

/// Storage for a parsed model: opaque, filled by `dl2pa_model_parse`.
///
/// Declare one (static, on the stack or in a struct) and pass its address; it holds pointers
/// into the model bytes, so those bytes must stay where they are, unchanged, as long as the
/// handle is used. Do not copy a handle with `memcpy` or by assignment: every function checks
/// that the handle was filled at the address it is given and answers `DL2PA_STATUS_BAD_HANDLE`
/// otherwise — parse again instead (it is cheap and allocates nothing).
#[repr(C)]
pub struct Model {
    opaque: [usize; DL2PA_MODEL_WORDS],
}

/// What the handle holds: the tag that marks it filled, the model bytes it borrows (for the
/// overlap checks) and the core's view.
#[repr(C)]
struct Inner {
    tag: usize,
    bytes: Region,
    model: ModelRef<'static>,
}

const _: () = assert!(size_of::<Inner>() <= size_of::<Model>());
const _: () = assert!(align_of::<Inner>() <= align_of::<Model>());

/// Marks a filled handle; mixed with the handle's address so a stale or copied one is refused.
const TAG: usize = 0x6D6F_6465; // "mode"

fn tag_for(handle: *const Model) -> usize {
    TAG ^ (handle as usize).rotate_left(7)
}

/// A handle that passed its checks: the view and the memory a call must not write.
pub(crate) struct Handle<'h> {
    pub model: &'h ModelRef<'static>,
    /// The handle itself and the model bytes.
    pub regions: [Region; 2],
}

/// Checks `handle` (not NULL, aligned, tagged for its address) and returns its view.
///
/// # Safety
/// `handle` must point to a [`Model`] that is readable and not written during the call.
pub(crate) unsafe fn handle<'h>(handle: *const Model) -> Result<Handle<'h>, Status> {
    let at = args::region(handle, 1)?;
    let inner = handle.cast::<Inner>();
    // SAFETY: aligned and readable (the caller's promise); the tag is a plain word.
    let tag = unsafe { core::ptr::addr_of!((*inner).tag).read() };
    if tag != tag_for(handle) {
        return Err(Status::BadHandle);
    }
    // SAFETY: the tag is only written after a valid `Inner` at this address.
    let inner = unsafe { &*inner };
    Ok(Handle {
        model: &inner.model,
        regions: [at, inner.bytes],
    })
}

/// Parses and validates the `len` model bytes at `bytes` into `*model`, borrowing them (no copy,
/// no allocation). On failure the handle is marked invalid, whatever it held.
///
/// # Safety
/// `len` bytes must be readable at `bytes` and stay unchanged while the handle is used; `model`
/// must point to writable space for a [`Model`].
#[unsafe(no_mangle)]
pub unsafe extern "C" fn dl2pa_model_parse(
    bytes: *const u8,
    len: usize,
    model: *mut Model,
) -> Status {
    status(unsafe { parse(bytes, len, model) })
}

unsafe fn parse(bytes: *const u8, len: usize, model: *mut Model) -> Result<(), Status> {
    let at = args::region(bytes, len)?;
    let h = unsafe { args::out(model, &[at])? };
    h.opaque[0] = 0;
    let data: &'static [u8] = unsafe { args::slice(bytes, len)? };
    let parsed = dl2pa_core::format::Model::from_bytes(data)?;
    let inner = Inner {
        tag: tag_for(model),
        bytes: at,
        model: parsed,
    };
    // SAFETY: `h` is a valid, aligned `Model` big enough for an `Inner` (the asserts above).
    unsafe { (h as *mut Model).cast::<Inner>().write(inner) };
    Ok(())
}

/// Prototype storage: f32.
pub const DL2PA_QUANT_F32: u32 = 0;
/// Prototype storage: symmetric int8 with one step.
pub const DL2PA_QUANT_INT8: u32 = 1;
/// No backbone: the model classifies embeddings.
pub const DL2PA_BACKBONE_NONE: u32 = 0;
/// An int8 MLP backbone (dense layers).
pub const DL2PA_BACKBONE_MLP: u32 = 1;
/// An int8 layer list (convolutions, pooling, dense).
pub const DL2PA_BACKBONE_NET: u32 = 2;

/// What a parsed model is: sizes, storage, backbone and memory.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct ModelInfo {
    /// Classes K.
    pub classes: u32,
    /// Embedding dimension d.
    pub dim: u32,
    /// Prototypes the assignment chose from (M >= K).
    pub num_prototypes: u32,
    /// `DL2PA_QUANT_F32` or `DL2PA_QUANT_INT8`.
    pub quant: u32,
    /// Real value of one int8 unit of the prototypes (0 for f32 prototypes).
    pub step: f32,
    /// `DL2PA_BACKBONE_NONE`, `_MLP` or `_NET`.
    pub backbone: u32,
    /// Raw input values the backbone takes (0 without one).
    pub inputs: u32,
    /// The raw input's shape, height x width x channels; the values go channel-major
    /// (C x H x W, the training data loader's order). An MLP: 1 x 1 x inputs; none: 0 x 0 x 0.
    pub input_height: u32,
    /// See `input_height`.
    pub input_width: u32,
    /// See `input_height`.
    pub input_channels: u32,
    /// Whether `input_id` is set (1) or the file has none (0).
    pub has_input_id: u32,
    /// The identity of the input pipeline the model was trained behind (the CRC-32 of the run's
    /// input schema for `dl2pa export`).
    pub input_id: u32,
    /// Bytes of arena `dl2pa_classify_raw` and `dl2pa_embed_raw` need (0 without a backbone).
    pub arena_bytes: usize,
    /// Bytes of the model file.
    pub flash_bytes: usize,
    /// Multiply-accumulates per raw input (0 without a backbone).
    pub macs: usize,
}

fn info(m: &ModelRef<'_>) -> ModelInfo {
    let (backbone, shape) = match m.backbone() {
        None => (DL2PA_BACKBONE_NONE, [0; 3]),
        Some(b @ Backbone::Mlp(_)) => (DL2PA_BACKBONE_MLP, [1, 1, b.inputs()]),
        Some(Backbone::Net(n)) => {
            let s = n.input_shape();
            (DL2PA_BACKBONE_NET, [s.height, s.width, s.channels])
        }
    };
    let (quant, step) = match m.quant() {
        Quant::F32 => (DL2PA_QUANT_F32, 0.0),
        Quant::Int8 { step } => (DL2PA_QUANT_INT8, step),
    };
    // Every size below was validated to fit in u32 (at most 2^20 inputs, 65 535 classes).
    ModelInfo {
        classes: m.classes() as u32,
        dim: m.dim() as u32,
        num_prototypes: m.num_prototypes() as u32,
        quant,
        step,
        backbone,
        inputs: m.backbone().map_or(0, |b| b.inputs() as u32),
        input_height: shape[0] as u32,
        input_width: shape[1] as u32,
        input_channels: shape[2] as u32,
        has_input_id: u32::from(m.input_id().is_some()),
        input_id: m.input_id().unwrap_or(0),
        arena_bytes: m.arena_bytes(),
        flash_bytes: m.flash_bytes(),
        macs: m.backbone().map_or(0, |b| b.macs()),
    }
}

/// Fills `*out` with what `model` is.
///
/// # Safety
/// `model` as for every function; `out` must point to writable space for a [`ModelInfo`].
#[unsafe(no_mangle)]
pub unsafe extern "C" fn dl2pa_model_get_info(model: *const Model, out: *mut ModelInfo) -> Status {
    status(unsafe { write_info(model, out) })
}

unsafe fn write_info(model: *const Model, out: *mut ModelInfo) -> Result<(), Status> {
    let h = unsafe { handle(model)? };
    *unsafe { args::out(out, &h.regions)? } = info(h.model);
    Ok(())
}

/// Writes σ — for each class, the index of its prototype in the original set of M — to
/// `sigma[0..K]`.
///
/// # Safety
/// `model` as for every function; `len` writable `uint32_t` at `sigma`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn dl2pa_model_get_sigma(
    model: *const Model,
    sigma: *mut u32,
    len: usize,
) -> Status {
    status(unsafe { write_sigma(model, sigma, len) })
}

unsafe fn write_sigma(model: *const Model, sigma: *mut u32, len: usize) -> Result<(), Status> {
    let h = unsafe { handle(model)? };
    let out = unsafe { args::slice_mut(sigma, len, &h.regions)? };
    let k = h.model.classes();
    let out = out.get_mut(..k).ok_or(Status::BufferTooSmall)?;
    for (class, s) in out.iter_mut().enumerate() {
        *s = h.model.sigma(class);
    }
    Ok(())
}
