//! The smallest useful program: the golden int8 model (parsed in place) classifying the golden
//! embeddings, no printing. Its ELF size is the "model + classifier" figure in docs/deployment.md; it exits
//! 0 when every prediction equals the host's.
#![no_std]
#![no_main]

use cortex_m_rt::{ExceptionFrame, entry, exception};
use cortex_m_semihosting::debug;
use dl2pa_core::Classify;
use dl2pa_core::format::{Features, Model};
use panic_semihosting as _;

static MODEL: &[u8] = include_bytes!("../../../tests/golden/model.dl2p");
static FEATURES: &[u8] = include_bytes!("../../../tests/golden/test.dl2f");

fn all_match() -> Option<bool> {
    let protos = Model::from_bytes(MODEL).ok()?.int8()?;
    let f = Features::from_bytes(FEATURES).ok()?;
    for i in 0..f.count() {
        if protos.classify(f.feature(i)).ok()?.class != usize::from(f.expected(i)) {
            return Some(false);
        }
    }
    Some(true)
}

#[entry]
fn main() -> ! {
    let ok = all_match() == Some(true);
    debug::exit(if ok { debug::EXIT_SUCCESS } else { debug::EXIT_FAILURE });
    loop {
        cortex_m::asm::nop();
    }
}

// cortex-m-rt requires the HardFault handler to be declared `unsafe fn`; it only exits.
#[exception]
unsafe fn HardFault(_frame: &ExceptionFrame) -> ! {
    debug::exit(debug::EXIT_FAILURE);
    loop {
        cortex_m::asm::nop();
    }
}
