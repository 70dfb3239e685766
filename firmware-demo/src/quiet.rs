//! How the two printing-free binaries (`classify_only`, `cnn_only`) end: a semihosting exit
//! status that QEMU passes on (0 when every class equals the host's), and a HardFault handler
//! that turns a fault into a failure. Included by each with `#[path]`: a binary's exception
//! handlers must be compiled into it. (`main.rs` prints, so it has its own.)

use cortex_m_rt::{ExceptionFrame, exception};
use cortex_m_semihosting::debug;

/// Ends the program with exit status 0 if `ok`, 1 otherwise. (Inlined: each call site stays
/// the code it replaced, so the binaries' flash sizes are those of docs/deployment.md.)
#[inline(always)]
pub fn exit(ok: bool) -> ! {
    debug::exit(if ok {
        debug::EXIT_SUCCESS
    } else {
        debug::EXIT_FAILURE
    });
    loop {
        cortex_m::asm::nop();
    }
}

// cortex-m-rt requires the HardFault handler to be declared `unsafe fn`; it only exits.
#[exception]
unsafe fn HardFault(_frame: &ExceptionFrame) -> ! {
    exit(false)
}
