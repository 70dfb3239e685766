//! dl2pa-core on an emulated Cortex-M4F: classifies the golden test embeddings with the golden
//! int8 model, classifies raw golden inputs through the golden int8 MLP backbone, and solves the
//! golden assignment problem, then exits 0 only if every prediction and σ equal the host's. Run: `cargo run --release` in this directory (QEMU mps2-an386).
#![no_std]
#![no_main]

use cortex_m::peripheral::syst::SystClkSource;
use cortex_m::peripheral::{Peripherals, SYST};
use cortex_m_rt::{ExceptionFrame, entry, exception};
use cortex_m_semihosting::{debug, hprintln};
use dl2pa_core::assign::{Problem, Workspace};
use dl2pa_core::format::{Features, Model};
use panic_semihosting as _;

/// Written by `dl2pa export` (see tests/golden/README.md); flash-resident, parsed in place.
static MODEL: &[u8] = include_bytes!("../../tests/golden/model.dl2p");
static FEATURES: &[u8] = include_bytes!("../../tests/golden/test.dl2f");
/// A digits MLP (64 → 32 → 16) with int8 prototypes, and raw test inputs: `count: u32,
/// inputs: u32, x: f32 × count·inputs, labels: u16 × count, host predictions: u16 × count`.
static MLP_MODEL: &[u8] = include_bytes!("../../tests/golden/mlp.dl2p");
static RAW: &[u8] = include_bytes!("../../tests/golden/raw.bin");
/// Widest backbone layer the static scratch holds.
const MAX_WIDTH: usize = 64;
/// `rows: u32, cols: u32, similarity: f32 × rows·cols, host σ: u32 × rows`, all little-endian.
static ASSIGN: &[u8] = include_bytes!("../../tests/golden/assign.bin");

/// Largest assignment problem the static workspace holds.
const MAX_SIDE: usize = 32;
/// Under `-icount shift=0` the SysTick (25 MHz core clock) advances once per 40 instructions.
const INSTRUCTIONS_PER_TICK: u32 = 40;
const RELOAD: u32 = 0x00FF_FFFF;

fn word(b: &[u8], i: usize) -> u32 {
    u32::from_le_bytes([b[4 * i], b[4 * i + 1], b[4 * i + 2], b[4 * i + 3]])
}

/// SysTick ticks since `start` (the counter runs down and wraps at 2²⁴).
fn ticks_since(syst: &SYST, start: u32) -> u32 {
    let _ = syst;
    start.wrapping_sub(SYST::get_current()) & RELOAD
}

fn classify_all(syst: &SYST) -> bool {
    let model = match Model::from_bytes(MODEL) {
        Ok(m) => m,
        Err(e) => {
            hprintln!("model rejected: {}", e);
            return false;
        }
    };
    let features = match Features::from_bytes(FEATURES) {
        Ok(f) => f,
        Err(e) => {
            hprintln!("features rejected: {}", e);
            return false;
        }
    };
    hprintln!("model: K={} d={} {:?}, {} bytes in flash", model.classes(), model.dim(), model.quant(), model.flash_bytes());
    let Some(protos) = model.int8() else {
        hprintln!("the demo needs an int8 model");
        return false;
    };
    let (mut correct, mut mismatches, mut ticks) = (0u32, 0u32, 0u32);
    for i in 0..features.count() {
        let x = features.feature(i);
        let start = SYST::get_current();
        let best = dl2pa_core::Classify::classify(&protos, x);
        ticks += ticks_since(syst, start);
        let Ok(best) = best else {
            hprintln!("example {}: classify failed", i);
            return false;
        };
        correct += u32::from(best.class == usize::from(features.label(i)));
        mismatches += u32::from(best.class != usize::from(features.expected(i)));
    }
    let n = features.count() as u32;
    hprintln!("classified {} test embeddings: accuracy {}.{:02} %, {} differ from the host", n, 100 * correct / n, (10_000 * correct / n) % 100, mismatches);
    let per = ticks / n;
    hprintln!("per classification: {} SysTick ticks = {} instructions", per, per * INSTRUCTIONS_PER_TICK);
    mismatches == 0
}

fn half(b: &[u8], at: usize) -> u16 {
    u16::from_le_bytes([b[at], b[at + 1]])
}

fn raw_inputs_match(syst: &SYST) -> bool {
    let model = match Model::from_bytes(MLP_MODEL) {
        Ok(m) => m,
        Err(e) => {
            hprintln!("backbone model rejected: {}", e);
            return false;
        }
    };
    let (n, f) = (word(RAW, 0) as usize, word(RAW, 1) as usize);
    if f > MAX_WIDTH || RAW.len() != 8 + 4 * n * f + 4 * n || model.raw_scratch_len() > 2 * MAX_WIDTH {
        hprintln!("raw.bin or the backbone: unexpected size");
        return false;
    }
    let mut scratch = [0i8; 2 * MAX_WIDTH];
    let mut x = [0.0f32; MAX_WIDTH];
    let (labels, expected) = (8 + 4 * n * f, 8 + 4 * n * f + 2 * n);
    let (mut correct, mut mismatches, mut ticks) = (0u32, 0u32, 0u32);
    for i in 0..n {
        for (j, v) in x[..f].iter_mut().enumerate() {
            *v = f32::from_bits(word(RAW, 2 + i * f + j));
        }
        let start = SYST::get_current();
        let got = model.classify_raw(&x[..f], &mut scratch).map_or(u16::MAX, |p| p.class as u16);
        ticks += ticks_since(syst, start);
        correct += u32::from(got == half(RAW, labels + 2 * i));
        mismatches += u32::from(got != half(RAW, expected + 2 * i));
    }
    let n = n as u32;
    hprintln!("classified {} raw inputs through the int8 backbone ({} bytes in flash): accuracy {}.{:02} %, {} differ from the host", n, model.flash_bytes(), 100 * correct / n, (10_000 * correct / n) % 100, mismatches);
    hprintln!("per raw input: {} instructions", ticks / n * INSTRUCTIONS_PER_TICK);
    mismatches == 0
}

fn assignment_matches(syst: &SYST) -> bool {
    let (n, m) = (word(ASSIGN, 0) as usize, word(ASSIGN, 1) as usize);
    if n > MAX_SIDE || m > MAX_SIDE || ASSIGN.len() != 4 * (2 + n * m + n) {
        hprintln!("assign.bin: unexpected size");
        return false;
    }
    let mut sim = [0.0f32; MAX_SIDE * MAX_SIDE];
    for k in 0..n * m {
        sim[k] = f32::from_bits(word(ASSIGN, 2 + k));
    }
    let mut floats = [0.0f32; Workspace::<f32>::floats_needed(MAX_SIDE, MAX_SIDE)];
    let mut indices = [0u32; Workspace::<f32>::indices_needed(MAX_SIDE, MAX_SIDE)];
    let mut ws = Workspace::new(&mut floats, &mut indices);
    let start = SYST::get_current();
    let solved = Problem::maximize(&sim[..n * m], n, m).and_then(|p| ws.solve(&p).map(|s| {
        let mut sigma = [0u32; MAX_SIDE];
        sigma[..n].copy_from_slice(s.assignment());
        sigma
    }));
    let t = ticks_since(syst, start);
    let Ok(sigma) = solved else {
        hprintln!("solver failed");
        return false;
    };
    let same = (0..n).all(|i| sigma[i] == word(ASSIGN, 2 + n * m + i));
    hprintln!("assignment {}x{}: sigma = {:?}, {} instructions; same as the host: {}", n, m, &sigma[..n], t * INSTRUCTIONS_PER_TICK, same);
    same
}

#[entry]
fn main() -> ! {
    let mut p = Peripherals::take().expect("peripherals are taken once");
    p.SYST.set_clock_source(SystClkSource::Core);
    p.SYST.set_reload(RELOAD);
    p.SYST.clear_current();
    p.SYST.enable_counter();
    hprintln!("dl2pa-core on a Cortex-M4F (QEMU mps2-an386)");
    let a = classify_all(&p.SYST);
    let r = raw_inputs_match(&p.SYST);
    let b = assignment_matches(&p.SYST);
    let pass = a && r && b;
    hprintln!("{}", if pass { "PASS: bit-exact with the host" } else { "FAIL" });
    debug::exit(if pass { debug::EXIT_SUCCESS } else { debug::EXIT_FAILURE });
    loop {
        cortex_m::asm::nop();
    }
}

// cortex-m-rt requires the HardFault handler to be declared `unsafe fn`; it only reports and exits.
#[exception]
unsafe fn HardFault(frame: &ExceptionFrame) -> ! {
    hprintln!("HardFault at pc={:#010x}", frame.pc());
    debug::exit(debug::EXIT_FAILURE);
    loop {
        cortex_m::asm::nop();
    }
}
