//! Classification through a model handle: an f32 or int8 embedding, or a raw input through the
//! model's int8 backbone in a caller arena; the scores of every class and the top k for int8
//! embeddings. Results are the core's, bit for bit: ties go to the lower class.

use dl2pa_core::format::ModelRef;
use dl2pa_core::{Classify, PrototypesI8Ref};

use crate::args::{self, Region};
use crate::model::{Model, handle};
use crate::status::{Status, status};

/// A class and its integer score: the exact dot product of the int8 prototype with the int8
/// embedding.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PredictionI32 {
    /// Class index, 0-based, in the model's class order.
    pub class_index: u32,
    /// The class's score.
    pub score: i32,
}

/// A class and its cosine estimate.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct PredictionF32 {
    /// Class index, 0-based, in the model's class order.
    pub class_index: u32,
    /// The cosine of the embedding with the class's prototype (int8 models: its estimate from
    /// the integer score).
    pub score: f32,
}

fn int8<'m>(m: &ModelRef<'m>) -> Result<PrototypesI8Ref<'m>, Status> {
    m.int8().ok_or(Status::NotInt8)
}

/// What every classification reads, checked: the model and the input `x[0..len]`, and the
/// memory both occupy (the handle, the model bytes, the input), which no output may overlap.
struct Input<'a, T> {
    model: &'a ModelRef<'static>,
    x: &'a [T],
    read: [Region; 3],
}

/// # Safety
/// As [`handle`] and [`args::slice`].
unsafe fn input<'a, T>(
    model: *const Model,
    x: *const T,
    len: usize,
) -> Result<Input<'a, T>, Status> {
    let h = unsafe { handle(model)? };
    let at = args::region(x, len)?;
    Ok(Input {
        model: h.model,
        x: unsafe { args::slice(x, len)? },
        read: [h.regions[0], h.regions[1], at],
    })
}

/// A raw-input call's [`Input`] and its arena (checked not to overlap the input), with the
/// memory all of them occupy.
struct Raw<'a> {
    input: Input<'a, f32>,
    arena: &'a mut [i8],
    all: [Region; 4],
}

/// # Safety
/// As [`input`] and [`args::slice_mut`].
unsafe fn raw<'a>(
    model: *const Model,
    x: *const f32,
    len: usize,
    arena: *mut i8,
    arena_len: usize,
) -> Result<Raw<'a>, Status> {
    let input = unsafe { input(model, x, len)? };
    let at = args::region(arena, arena_len)?;
    let arena = unsafe { args::slice_mut(arena, arena_len, &input.read)? };
    let all = [input.read[0], input.read[1], input.read[2], at];
    Ok(Raw { input, arena, all })
}

/// Classifies the f32 embedding `x[0..len]` (`len` = d): int8 models quantise it into
/// `scratch` (at least d bytes; may be NULL with `scratch_len` 0 for f32 models) and take the
/// integer argmax, f32 models the cosine argmax.
///
/// Errors: `DL2PA_STATUS_LENGTH` (len != d), `_BUFFER_TOO_SMALL` (scratch), `_ZERO_VECTOR`,
/// `_NOT_FINITE`, and the argument checks.
///
/// # Safety
/// `model` a handle; `len` readable floats at `x`; `scratch_len` writable bytes at `scratch`;
/// `out` writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn dl2pa_classify_f32(
    model: *const Model,
    x: *const f32,
    len: usize,
    scratch: *mut i8,
    scratch_len: usize,
    out: *mut PredictionF32,
) -> Status {
    status(unsafe { classify_f32(model, x, len, scratch, scratch_len, out) })
}

unsafe fn classify_f32(
    model: *const Model,
    x: *const f32,
    len: usize,
    scratch: *mut i8,
    scratch_len: usize,
    out: *mut PredictionF32,
) -> Result<(), Status> {
    let Input { model, x, read } = unsafe { input(model, x, len)? };
    // f32 models need no scratch: NULL with length 0 is allowed for them.
    let mut none = [0i8; 0];
    let (scratch, scratch_at) = if model.int8().is_none() && scratch.is_null() && scratch_len == 0 {
        (&mut none[..], Region::EMPTY)
    } else {
        let at = args::region(scratch, scratch_len)?;
        (unsafe { args::slice_mut(scratch, scratch_len, &read)? }, at)
    };
    if model.int8().is_some() && scratch.len() < model.dim() {
        return Err(Status::BufferTooSmall);
    }
    let out = unsafe { args::out(out, &[read[0], read[1], read[2], scratch_at])? };
    let p = model.classify(x, scratch)?;
    *out = PredictionF32 {
        class_index: p.class as u32,
        score: p.score,
    };
    Ok(())
}

/// Classifies the int8 embedding `x[0..len]` (`len` = d) against the int8 prototypes.
///
/// Errors: `DL2PA_STATUS_NOT_INT8`, `_LENGTH`, `_ZERO_VECTOR`, and the argument checks.
///
/// # Safety
/// `model` a handle; `len` readable bytes at `x`; `out` writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn dl2pa_classify_i8(
    model: *const Model,
    x: *const i8,
    len: usize,
    out: *mut PredictionI32,
) -> Status {
    status(unsafe { classify_i8(model, x, len, out) })
}

unsafe fn classify_i8(
    model: *const Model,
    x: *const i8,
    len: usize,
    out: *mut PredictionI32,
) -> Result<(), Status> {
    let Input { model, x, read } = unsafe { input(model, x, len)? };
    let out = unsafe { args::out(out, &read)? };
    let p = int8(model)?.classify(x)?;
    *out = PredictionI32 {
        class_index: p.class as u32,
        score: p.score,
    };
    Ok(())
}

/// Writes the score of every class for the int8 embedding `x[0..len]` to `scores[0..K]`.
///
/// Errors: `DL2PA_STATUS_NOT_INT8`, `_LENGTH`, `_BUFFER_TOO_SMALL` (scores_len < K),
/// `_ZERO_VECTOR`, and the argument checks.
///
/// # Safety
/// `model` a handle; `len` readable bytes at `x`; `scores_len` writable `int32_t` at `scores`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn dl2pa_scores_i8(
    model: *const Model,
    x: *const i8,
    len: usize,
    scores: *mut i32,
    scores_len: usize,
) -> Status {
    status(unsafe { scores_i8(model, x, len, scores, scores_len) })
}

unsafe fn scores_i8(
    model: *const Model,
    x: *const i8,
    len: usize,
    scores: *mut i32,
    scores_len: usize,
) -> Result<(), Status> {
    let Input { model, x, read } = unsafe { input(model, x, len)? };
    let scores = unsafe { args::slice_mut(scores, scores_len, &read)? };
    let p = int8(model)?;
    let scores = scores
        .get_mut(..p.classes())
        .ok_or(Status::BufferTooSmall)?;
    p.for_each_score(x, |k, s| scores[k] = s)?;
    Ok(())
}

/// Writes the `k` best classes for the int8 embedding `x[0..len]` to `top[0..min(k, K)]`,
/// best first (equal scores: lower class first), and their number to `*written`.
///
/// Errors: `DL2PA_STATUS_NOT_INT8`, `_LENGTH`, `_ZERO_VECTOR`, and the argument checks.
///
/// # Safety
/// `model` a handle; `len` readable bytes at `x`; `k` writable predictions at `top`; `written`
/// writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn dl2pa_top_k_i8(
    model: *const Model,
    x: *const i8,
    len: usize,
    top: *mut PredictionI32,
    k: usize,
    written: *mut usize,
) -> Status {
    status(unsafe { top_k_i8(model, x, len, top, k, written) })
}

unsafe fn top_k_i8(
    model: *const Model,
    x: *const i8,
    len: usize,
    top: *mut PredictionI32,
    k: usize,
    written: *mut usize,
) -> Result<(), Status> {
    let Input { model, x, read } = unsafe { input(model, x, len)? };
    let at = args::region(top, k)?;
    let top = unsafe { args::slice_mut(top, k, &read)? };
    let written = unsafe { args::out(written, &[read[0], read[1], read[2], at])? };
    let mut n = 0;
    int8(model)?.for_each_score(x, |class, score| {
        let p = PredictionI32 {
            class_index: class as u32,
            score,
        };
        insert(top, &mut n, p);
    })?;
    *written = n;
    Ok(())
}

/// Inserts `p` into the `n` best of `top` (descending scores; classes arrive in increasing
/// order, so an equal score goes after: lower class first).
fn insert(top: &mut [PredictionI32], n: &mut usize, p: PredictionI32) {
    let pos = top[..*n]
        .iter()
        .position(|q| p.score > q.score)
        .unwrap_or(*n);
    if pos == top.len() {
        return;
    }
    let end = (*n + 1).min(top.len());
    top.copy_within(pos..end - 1, pos + 1);
    top[pos] = p;
    *n = end;
}

/// Runs the model's int8 backbone on the raw input `x[0..len]` in `arena` and copies the int8
/// embedding to `embedding[0..d]` (for `dl2pa_scores_i8` or `dl2pa_top_k_i8`).
///
/// Errors: `DL2PA_STATUS_NO_BACKBONE`, `_LENGTH` (len != inputs), `_ARENA_TOO_SMALL`,
/// `_BUFFER_TOO_SMALL` (embedding_len < d), `_NOT_FINITE`, and the argument checks.
///
/// # Safety
/// `model` a handle; `len` readable floats at `x`; `arena_len` writable bytes at `arena`;
/// `embedding_len` writable bytes at `embedding`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn dl2pa_embed_raw(
    model: *const Model,
    x: *const f32,
    len: usize,
    arena: *mut i8,
    arena_len: usize,
    embedding: *mut i8,
    embedding_len: usize,
) -> Status {
    status(unsafe { embed_raw(model, x, len, arena, arena_len, embedding, embedding_len) })
}

unsafe fn embed_raw(
    model: *const Model,
    x: *const f32,
    len: usize,
    arena: *mut i8,
    arena_len: usize,
    embedding: *mut i8,
    embedding_len: usize,
) -> Result<(), Status> {
    let Raw {
        input: i,
        arena,
        all,
    } = unsafe { raw(model, x, len, arena, arena_len)? };
    let out = unsafe { args::slice_mut(embedding, embedding_len, &all)? };
    let net = i.model.backbone().ok_or(Status::NoBackbone)?;
    if arena.len() < net.arena_bytes() {
        return Err(Status::ArenaTooSmall);
    }
    let out = out.get_mut(..i.model.dim()).ok_or(Status::BufferTooSmall)?;
    out.copy_from_slice(net.forward(i.x, arena)?);
    Ok(())
}

/// Classifies the raw input `x[0..len]` (the values the training data loader produced: for
/// images, pixel/255, channel-major C x H x W) through the model's int8 backbone and int8
/// prototypes, in `arena` (at least `arena_bytes` of `dl2pa_model_info`).
///
/// Errors: `DL2PA_STATUS_NO_BACKBONE`, `_LENGTH` (len != inputs), `_ARENA_TOO_SMALL`,
/// `_NOT_FINITE`, `_ZERO_VECTOR` (an all-zero embedding), and the argument checks.
///
/// # Safety
/// `model` a handle; `len` readable floats at `x`; `arena_len` writable bytes at `arena`; `out`
/// writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn dl2pa_classify_raw(
    model: *const Model,
    x: *const f32,
    len: usize,
    arena: *mut i8,
    arena_len: usize,
    out: *mut PredictionI32,
) -> Status {
    status(unsafe { classify_raw(model, x, len, arena, arena_len, out) })
}

unsafe fn classify_raw(
    model: *const Model,
    x: *const f32,
    len: usize,
    arena: *mut i8,
    arena_len: usize,
    out: *mut PredictionI32,
) -> Result<(), Status> {
    let Raw {
        input: i,
        arena,
        all,
    } = unsafe { raw(model, x, len, arena, arena_len)? };
    let out = unsafe { args::out(out, &all)? };
    if i.model
        .backbone()
        .is_some_and(|b| arena.len() < b.arena_bytes())
    {
        return Err(Status::ArenaTooSmall);
    }
    let p = i.model.classify_raw(i.x, arena)?;
    *out = PredictionI32 {
        class_index: p.class as u32,
        score: p.score,
    };
    Ok(())
}
