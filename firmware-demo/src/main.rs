//! dl2pa-core on an emulated Cortex-M4F: classifies the golden test embeddings with the golden
//! int8 model, classifies raw golden inputs through the golden int8 MLP backbone, classifies raw
//! Fashion-MNIST test images through an int8 CNN, and solves the golden assignment problem, then
//! exits 0 only if every prediction and σ equal the host's. Run: `cargo run --release` in this
//! directory (QEMU mps2-an386).
#![no_std]
#![no_main]

use cortex_m::peripheral::syst::SystClkSource;
use cortex_m::peripheral::{Peripherals, SYST};
use cortex_m_rt::{ExceptionFrame, entry, exception};
use cortex_m_semihosting::{debug, hprintln};
use dl2pa_core::assign::{Problem, Workspace};
use dl2pa_core::format::{Backbone, Features, Model};
use dl2pa_core::net::{LayerRef, MAX_NET_LAYERS};
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
/// A Fashion-MNIST CNN (conv32-pool-conv64-pool-conv128-GAP-dense, d = 10) with int8
/// prototypes, and raw test images in the same layout as `RAW` (`dl2pa export --backbone
/// --test-vectors`; see data/README.md).
static CNN_MODEL: &[u8] = include_bytes!("../data/fm-cnn.dl2p");
static IMAGES: &[u8] = include_bytes!("../data/fm-vectors.bin");
/// The CNN's working memory (its `arena_bytes()` must fit).
const ARENA: usize = 32 * 1024;
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
    hprintln!(
        "model: K={} d={} {:?}, {} bytes in flash",
        model.classes(),
        model.dim(),
        model.quant(),
        model.flash_bytes()
    );
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
    hprintln!(
        "classified {} test embeddings: accuracy {}.{:02} %, {} differ from the host",
        n,
        100 * correct / n,
        (10_000 * correct / n) % 100,
        mismatches
    );
    let per = ticks / n;
    hprintln!(
        "per classification: {} SysTick ticks = {} instructions",
        per,
        per * INSTRUCTIONS_PER_TICK
    );
    mismatches == 0
}

fn half(b: &[u8], at: usize) -> u16 {
    u16::from_le_bytes([b[at], b[at + 1]])
}

/// Classifies every raw input of the test vectors `raw` with `model`'s backbone in `arena`;
/// `x` holds one input. Returns whether every class equals the host's.
fn raw_inputs_match(
    syst: &SYST,
    what: &str,
    model: &[u8],
    raw: &[u8],
    x: &mut [f32],
    arena: &mut [i8],
) -> bool {
    let model = match Model::from_bytes(model) {
        Ok(m) => m,
        Err(e) => {
            hprintln!("{} model rejected: {}", what, e);
            return false;
        }
    };
    let (n, f) = (word(raw, 0) as usize, word(raw, 1) as usize);
    let macs = model.backbone().map_or(0, |b| b.macs());
    if f > x.len() || raw.len() != 8 + 4 * n * f + 4 * n || model.arena_bytes() > arena.len() {
        hprintln!(
            "{}: unexpected sizes (inputs {}, arena {})",
            what,
            f,
            model.arena_bytes()
        );
        return false;
    }
    let (labels, expected) = (8 + 4 * n * f, 8 + 4 * n * f + 2 * n);
    let (mut correct, mut mismatches, mut ticks) = (0u32, 0u32, 0u64);
    for i in 0..n {
        for (j, v) in x[..f].iter_mut().enumerate() {
            *v = f32::from_bits(word(raw, 2 + i * f + j));
        }
        let start = SYST::get_current();
        let got = model
            .classify_raw(&x[..f], arena)
            .map_or(u16::MAX, |p| p.class as u16);
        ticks += u64::from(ticks_since(syst, start));
        correct += u32::from(got == half(raw, labels + 2 * i));
        mismatches += u32::from(got != half(raw, expected + 2 * i));
    }
    let n = n as u32;
    hprintln!(
        "classified {} raw inputs through the int8 {} ({} bytes in flash, {} bytes of arena): accuracy {}.{:02} %, {} differ from the host",
        n,
        what,
        model.flash_bytes(),
        model.arena_bytes(),
        100 * correct / n,
        (10_000 * correct / n) % 100,
        mismatches
    );
    let per = ticks / u64::from(n) * u64::from(INSTRUCTIONS_PER_TICK);
    hprintln!(
        "per raw input: {} instructions, {} multiply-adds: {}.{:02} instructions per multiply-add",
        per,
        macs,
        per / macs as u64,
        per * 100 / macs as u64 % 100
    );
    mismatches == 0
}

/// Images [`layer_profile`] runs (each layer's cost is their mean).
const PROFILED: usize = 10;

/// Each layer's instructions per image (and per multiply-add) over the first [`PROFILED`]
/// images of `raw`, read at the core's per-layer hook; the conv layers' total last.
fn layer_profile(syst: &SYST, model: &[u8], raw: &[u8], x: &mut [f32], arena: &mut [i8]) {
    let Some(Backbone::Net(net)) = Model::from_bytes(model).ok().and_then(|m| m.backbone()) else {
        return;
    };
    let (n, f) = (word(raw, 0) as usize, word(raw, 1) as usize);
    let mut ticks = [0u64; MAX_NET_LAYERS];
    for i in 0..n.min(PROFILED) {
        for (j, v) in x[..f].iter_mut().enumerate() {
            *v = f32::from_bits(word(raw, 2 + i * f + j));
        }
        let mut start = SYST::get_current();
        let _ = net.forward_observed(&x[..f], arena, |l| {
            ticks[l] += u64::from(ticks_since(syst, start));
            start = SYST::get_current();
        });
    }
    let (mut shape, mut conv) = (net.input_shape(), (0u64, 0u64));
    for (l, layer) in net.layers().iter().enumerate() {
        let macs = layer.macs(shape) as u64;
        let per = ticks[l] * u64::from(INSTRUCTIONS_PER_TICK) / n.min(PROFILED) as u64;
        let name = match layer {
            LayerRef::Conv(_) => "conv",
            LayerRef::Dense(_) => "dense",
            LayerRef::MaxPool => "max-pool",
            LayerRef::GlobalAvgPool => "global avg pool",
        };
        shape = layer.output_shape(shape).unwrap_or_default();
        if macs == 0 {
            hprintln!("  layer {} {}: {} instructions", l, name, per);
            continue;
        }
        hprintln!(
            "  layer {} {} -> {}x{}x{}: {} instructions, {} multiply-adds: {}.{:02} per multiply-add",
            l,
            name,
            shape.height,
            shape.width,
            shape.channels,
            per,
            macs,
            per / macs,
            per * 100 / macs % 100
        );
        if let LayerRef::Conv(_) = layer {
            conv = (conv.0 + per, conv.1 + macs);
        }
    }
    let (per, macs) = conv;
    if macs > 0 {
        hprintln!(
            "conv layers: {} instructions, {} multiply-adds: {}.{:02} instructions per multiply-add",
            per,
            macs,
            per / macs,
            per * 100 / macs % 100
        );
    }
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
    let solved = Problem::maximize(&sim[..n * m], n, m).and_then(|p| {
        ws.solve(&p).map(|s| {
            let mut sigma = [0u32; MAX_SIDE];
            sigma[..n].copy_from_slice(s.assignment());
            sigma
        })
    });
    let t = ticks_since(syst, start);
    let Ok(sigma) = solved else {
        hprintln!("solver failed");
        return false;
    };
    let same = (0..n).all(|i| sigma[i] == word(ASSIGN, 2 + n * m + i));
    hprintln!(
        "assignment {}x{}: sigma = {:?}, {} instructions; same as the host: {}",
        n,
        m,
        &sigma[..n],
        t * INSTRUCTIONS_PER_TICK,
        same
    );
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
    let mut x = [0.0f32; 28 * 28];
    let mut scratch = [0i8; 2 * MAX_WIDTH];
    let r = raw_inputs_match(&p.SYST, "MLP", MLP_MODEL, RAW, &mut x, &mut scratch);
    // The CNN's arena is a static buffer, handed out once (no stack array sized for it).
    let Some(arena) = cortex_m::singleton!(: [i8; ARENA] = [0; ARENA]) else {
        hprintln!("the arena is taken once");
        debug::exit(debug::EXIT_FAILURE);
        loop {
            cortex_m::asm::nop();
        }
    };
    let c = raw_inputs_match(&p.SYST, "CNN", CNN_MODEL, IMAGES, &mut x, arena);
    layer_profile(&p.SYST, CNN_MODEL, IMAGES, &mut x, arena);
    let b = assignment_matches(&p.SYST);
    let pass = a && r && c && b;
    hprintln!(
        "{}",
        if pass {
            "PASS: bit-exact with the host"
        } else {
            "FAIL"
        }
    );
    debug::exit(if pass {
        debug::EXIT_SUCCESS
    } else {
        debug::EXIT_FAILURE
    });
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
