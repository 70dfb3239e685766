//! The C face of [dl2pa-core](../core): `extern "C"` functions over the core's model parser,
//! nearest-prototype classification (f32, int8, raw input through the int8 backbone) and
//! assignment solver, built as a static library (`libdl2pa.a`) for the host and for
//! `thumbv7em-none-eabihf`. No allocation, no std: every buffer is the caller's.
//!
//! The header `include/dl2pa.h` is generated from this source by cbindgen
//! (`bash capi/c/header.sh`); `capi/c/run.sh` builds the library and runs the C programs that
//! check it against the Rust core.
//!
//! Every function checks its pointer arguments (NULL, alignment, a length the address space can
//! hold, outputs that overlap inputs) and returns a [`Status`]; nothing reachable from a C
//! argument panics. A panic would be a bug: the library then aborts (hosted targets) or executes
//! an undefined instruction (Cortex-M: a HardFault), never unwinds into C.
#![cfg_attr(not(any(feature = "std", test)), no_std)]
#![deny(unsafe_op_in_unsafe_fn, missing_docs)]

mod args;
mod assign;
mod classify;
mod model;
mod status;

use core::ffi::c_char;

pub use assign::{dl2pa_assign_solve, dl2pa_assign_workspace};
pub use classify::{
    PredictionF32, PredictionI32, dl2pa_classify_f32, dl2pa_classify_i8, dl2pa_classify_raw,
    dl2pa_embed_raw, dl2pa_scores_i8, dl2pa_top_k_i8,
};
pub use model::{
    DL2PA_BACKBONE_MLP, DL2PA_BACKBONE_NET, DL2PA_BACKBONE_NONE, DL2PA_MODEL_WORDS,
    DL2PA_QUANT_F32, DL2PA_QUANT_INT8, Model, ModelInfo, dl2pa_model_get_info,
    dl2pa_model_get_sigma, dl2pa_model_parse,
};
pub use status::Status;

/// This library's version as `major << 16 | minor << 8 | patch` (the workspace's version).
pub const DL2PA_VERSION: u32 = 0x00_02_00;

/// The library's version, `DL2PA_VERSION` of the library actually linked: compare it with the
/// header's to catch a stale library.
#[unsafe(no_mangle)]
pub extern "C" fn dl2pa_version() -> u32 {
    DL2PA_VERSION
}

/// A static, NUL-terminated, one-line description of `status` (any value: an unknown code gets
/// "unknown status code"). Never NULL; do not free it.
#[unsafe(no_mangle)]
pub extern "C" fn dl2pa_status_message(status: i32) -> *const c_char {
    Status::from_code(status)
        .map_or(c"unknown status code", Status::message)
        .as_ptr()
}

#[cfg(all(not(feature = "std"), not(test)))]
#[panic_handler]
fn panic(_: &core::panic::PanicInfo) -> ! {
    #[cfg(target_arch = "arm")]
    {
        // SAFETY: a permanently undefined instruction; the HardFault it raises does not return.
        unsafe { core::arch::asm!("udf #0", options(noreturn)) }
    }
    #[cfg(not(target_arch = "arm"))]
    {
        unsafe extern "C" {
            fn abort() -> !;
        }
        // SAFETY: the C library's abort takes nothing and does not return.
        unsafe { abort() }
    }
}

/// The precompiled `core` of hosted targets is built to unwind, and its unwind tables name this
/// personality routine. Nothing here unwinds (a panic aborts), so it is never called; without
/// it, the static library would not link into a C program on the host.
#[cfg(all(not(feature = "std"), not(test), not(target_os = "none")))]
#[unsafe(no_mangle)]
pub extern "C" fn rust_eh_personality() {}

#[cfg(test)]
mod tests {
    #[test]
    fn version_matches_the_package() {
        let v = super::DL2PA_VERSION;
        let s = format!("{}.{}.{}", v >> 16, (v >> 8) & 0xff, v & 0xff);
        assert_eq!(s, env!("CARGO_PKG_VERSION"));
    }

    #[test]
    fn every_code_has_a_message_and_unknown_codes_too() {
        for s in super::Status::ALL {
            let m = unsafe { core::ffi::CStr::from_ptr(super::dl2pa_status_message(s as i32)) };
            assert!(!m.is_empty());
        }
        let m = unsafe { core::ffi::CStr::from_ptr(super::dl2pa_status_message(-7)) };
        assert_eq!(m.to_str().unwrap(), "unknown status code");
    }
}
