//! The smallest useful program: the golden int8 model (parsed in place) classifying the golden
//! embeddings, no printing. Its ELF size is the "model + classifier" figure in docs/deployment.md; it exits
//! 0 when every prediction equals the host's.
#![no_std]
#![no_main]

use cortex_m_rt::entry;
use dl2pa_core::Classify;
use dl2pa_core::format::{Features, Model};
use panic_semihosting as _;

#[path = "../quiet.rs"]
mod quiet;

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
    quiet::exit(all_match() == Some(true))
}
