//! The smallest program that classifies raw images with the int8 CNN: the Fashion-MNIST model
//! (parsed in place from flash), the core's layer-list kernels in a static arena, the 100 test
//! images, no printing. Its ELF size minus the images is the "model + parser + kernels +
//! runtime" flash figure in docs/deployment.md; it exits 0 when every class equals the host's.
#![no_std]
#![no_main]

use cortex_m_rt::entry;
use dl2pa_core::format::Model;
use panic_semihosting as _;

#[path = "../quiet.rs"]
mod quiet;

static MODEL: &[u8] = include_bytes!("../../data/fm-cnn.dl2p");
/// `count: u32, inputs: u32, x: f32 × count·inputs, labels: u16 × count, host classes: u16 ×
/// count`, little-endian.
static IMAGES: &[u8] = include_bytes!("../../data/fm-vectors.bin");
const PIXELS: usize = 28 * 28;
const ARENA: usize = 32 * 1024;

fn word(b: &[u8], i: usize) -> u32 {
    u32::from_le_bytes([b[4 * i], b[4 * i + 1], b[4 * i + 2], b[4 * i + 3]])
}

fn all_match(arena: &mut [i8]) -> Option<bool> {
    let model = Model::from_bytes(MODEL).ok()?;
    let (n, f) = (word(IMAGES, 0) as usize, word(IMAGES, 1) as usize);
    if f != PIXELS || IMAGES.len() != 8 + 4 * n * f + 4 * n {
        return None;
    }
    let expected = 8 + 4 * n * f + 2 * n;
    let mut x = [0.0f32; PIXELS];
    for i in 0..n {
        for (j, v) in x.iter_mut().enumerate() {
            *v = f32::from_bits(word(IMAGES, 2 + i * f + j));
        }
        let class = model.classify_raw(&x, arena).ok()?.class;
        let at = expected + 2 * i;
        if class != usize::from(u16::from_le_bytes([IMAGES[at], IMAGES[at + 1]])) {
            return Some(false);
        }
    }
    Some(true)
}

#[entry]
fn main() -> ! {
    quiet::exit(match cortex_m::singleton!(: [i8; ARENA] = [0; ARENA]) {
        Some(arena) => all_match(arena) == Some(true),
        None => false,
    })
}
