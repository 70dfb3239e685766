//! What the Rust core answers on the golden files, for the C programs to compare against:
//! `cargo run --release --features std --example reference -- OUT_DIR` writes
//!
//! - `reference.txt` — one case per line (models, their info and σ, int8 and f32 embeddings,
//!   raw inputs, assignment problems) with the core's classes, scores and assignments; read by
//!   `c/host_test.c`.
//! - `f32.dl2p` — the golden int8 model's prototypes as an f32 model (the golden files have no
//!   f32 model).
//! - `embeddings.bin` — the golden test embeddings for the C firmware demo: `count u32, dim u32`,
//!   `count × dim` int8, `count × u16` labels, `count × u16` the host's classes (little-endian).
//!
//! Floats are written as the hex of their bits, so the comparison is exact. It calls the core
//! directly, never the C API it checks.
use std::fmt::Write as _;
use std::path::Path;

use dl2pa_core::assign::{Problem, Sense, Solver};
use dl2pa_core::format::{Backbone, Features, Model, ModelBuilder, ModelRef, Quant};
use dl2pa_core::{Classify, PrototypesI8Ref};

type Res<T> = Result<T, Box<dyn std::error::Error>>;

fn main() -> Res<()> {
    let out = std::env::args().nth(1).ok_or("usage: reference OUT_DIR")?;
    let out = Path::new(&out);
    let golden = Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/golden");
    let read = |f: &str| std::fs::read(golden.join(f));
    let mut t = String::new();

    let int8 = read("model.dl2p")?;
    let features = read("test.dl2f")?;
    let f = Features::from_bytes(&features)?;
    let m = Model::from_bytes(&int8)?;
    model_line(&mut t, &golden.join("model.dl2p"), &m)?;
    let p = m.int8().ok_or("model.dl2p is not int8")?;
    for i in 0..f.count() {
        i8_line(&mut t, &p, f.feature(i))?;
        let x: Vec<f32> = f
            .feature(i)
            .iter()
            .map(|&q| f32::from(q) * f.step(i))
            .collect();
        f32_line(&mut t, &m, &x)?;
    }
    embeddings(out, &f)?;

    let f32_model = f32_model(&p)?;
    std::fs::write(out.join("f32.dl2p"), &f32_model)?;
    let m32 = Model::from_bytes(&f32_model)?;
    model_line(&mut t, &out.join("f32.dl2p"), &m32)?;
    for i in 0..f.count() {
        let x: Vec<f32> = f
            .feature(i)
            .iter()
            .map(|&q| f32::from(q) * f.step(i))
            .collect();
        f32_line(&mut t, &m32, &x)?;
    }

    for (model, raw) in [("mlp.dl2p", "raw.bin"), ("cnn.dl2p", "raw-cnn.bin")] {
        let bytes = read(model)?;
        let m = Model::from_bytes(&bytes)?;
        model_line(&mut t, &golden.join(model), &m)?;
        raw_lines(&mut t, &m, &read(raw)?)?;
    }

    assign_lines(&mut t, &read("assign.bin")?)?;
    std::fs::write(out.join("reference.txt"), t)?;
    Ok(())
}

fn hex(x: f32) -> String {
    format!("{:08x}", x.to_bits())
}

fn model_line(t: &mut String, path: &Path, m: &ModelRef<'_>) -> Res<()> {
    writeln!(t, "model {}", path.display())?;
    let (quant, step) = match m.quant() {
        Quant::F32 => (0, 0.0),
        Quant::Int8 { step } => (1, step),
    };
    let (backbone, shape) = match m.backbone() {
        None => (0, [0; 3]),
        Some(b @ Backbone::Mlp(_)) => (1, [1, 1, b.inputs()]),
        Some(Backbone::Net(n)) => (2, {
            let s = n.input_shape();
            [s.height, s.width, s.channels]
        }),
    };
    let b = m.backbone();
    writeln!(
        t,
        "info {} {} {} {quant} {} {backbone} {} {} {} {} {} {} {}",
        m.classes(),
        m.dim(),
        m.num_prototypes(),
        hex(step),
        b.map_or(0, |b| b.inputs()),
        shape[0],
        shape[1],
        shape[2],
        m.arena_bytes(),
        m.flash_bytes(),
        b.map_or(0, |b| b.macs()),
    )?;
    let sigma: Vec<String> = (0..m.classes()).map(|k| m.sigma(k).to_string()).collect();
    writeln!(t, "sigma {} {}", m.classes(), sigma.join(" "))?;
    Ok(())
}

/// `i8 d x… class score K scores…`
fn i8_line(t: &mut String, p: &PrototypesI8Ref<'_>, x: &[i8]) -> Res<()> {
    let best = p.classify(x)?;
    let mut scores = Vec::new();
    p.for_each_score(x, |_, s| scores.push(s.to_string()))?;
    let xs: Vec<String> = x.iter().map(|v| v.to_string()).collect();
    writeln!(
        t,
        "i8 {} {} {} {} {} {}",
        x.len(),
        xs.join(" "),
        best.class,
        best.score,
        scores.len(),
        scores.join(" ")
    )?;
    Ok(())
}

/// `f32 d x… class score`
fn f32_line(t: &mut String, m: &ModelRef<'_>, x: &[f32]) -> Res<()> {
    let mut scratch = vec![0i8; m.dim()];
    let best = m.classify(x, &mut scratch)?;
    let xs: Vec<String> = x.iter().map(|&v| hex(v)).collect();
    writeln!(
        t,
        "f32 {} {} {} {}",
        x.len(),
        xs.join(" "),
        best.class,
        hex(best.score)
    )?;
    Ok(())
}

/// `raw n x… class score d embedding…` for each input of a test-vector file (laid out as
/// tests/golden/raw.bin), checking the core against the host's recorded class on the way.
fn raw_lines(t: &mut String, m: &ModelRef<'_>, raw: &[u8]) -> Res<()> {
    let word = |i: usize| u32::from_le_bytes(raw[4 * i..4 * i + 4].try_into().unwrap());
    let (n, f) = (word(0) as usize, word(1) as usize);
    let expected = 8 + 4 * n * f + 2 * n;
    let net = m.backbone().ok_or("no backbone")?;
    let mut arena = vec![0i8; m.arena_bytes()];
    for i in 0..n {
        let x: Vec<f32> = (0..f)
            .map(|j| f32::from_bits(word(2 + i * f + j)))
            .collect();
        let best = m.classify_raw(&x, &mut arena)?;
        let host = u16::from_le_bytes([raw[expected + 2 * i], raw[expected + 2 * i + 1]]);
        if best.class != usize::from(host) {
            return Err(format!(
                "input {i}: the core gives {} where the host recorded {host}",
                best.class
            )
            .into());
        }
        let z: Vec<String> = net
            .forward(&x, &mut arena)?
            .iter()
            .map(|v| v.to_string())
            .collect();
        let xs: Vec<String> = x.iter().map(|&v| hex(v)).collect();
        writeln!(
            t,
            "raw {f} {} {} {} {} {}",
            xs.join(" "),
            best.class,
            best.score,
            z.len(),
            z.join(" ")
        )?;
    }
    Ok(())
}

/// `assign rows cols maximize c… σ…`: the golden problem, then rectangular problems with many
/// ties (costs in eighths) from a fixed-seed generator, minimised and maximised.
fn assign_lines(t: &mut String, golden: &[u8]) -> Res<()> {
    let word = |i: usize| u32::from_le_bytes(golden[4 * i..4 * i + 4].try_into().unwrap());
    let (n, m) = (word(0) as usize, word(1) as usize);
    let c: Vec<f32> = (0..n * m).map(|k| f32::from_bits(word(2 + k))).collect();
    assign_line(t, &c, n, m, Sense::Maximize)?;
    let mut state = 0x2545_f491_4f6c_dd1du64;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    for case in 0..40 {
        let rows = 1 + (next() % 12) as usize;
        let cols = rows + (next() % 6) as usize;
        let c: Vec<f32> = (0..rows * cols)
            .map(|_| (next() % 9) as f32 / 8.0)
            .collect();
        let sense = if case % 2 == 0 {
            Sense::Minimize
        } else {
            Sense::Maximize
        };
        assign_line(t, &c, rows, cols, sense)?;
    }
    Ok(())
}

fn assign_line(t: &mut String, c: &[f32], rows: usize, cols: usize, sense: Sense) -> Res<()> {
    let mut solver = Solver::new();
    let sigma = solver
        .solve(&Problem::new(c, rows, cols, sense)?)?
        .assignment()
        .to_vec();
    let cs: Vec<String> = c.iter().map(|&v| hex(v)).collect();
    let ss: Vec<String> = sigma.iter().map(|v| v.to_string()).collect();
    let max = u8::from(sense == Sense::Maximize);
    writeln!(
        t,
        "assign {rows} {cols} {max} {} {}",
        cs.join(" "),
        ss.join(" ")
    )?;
    Ok(())
}

/// The int8 prototypes, dequantised and normalised, as an f32 model with the same σ.
fn f32_model(p: &PrototypesI8Ref<'_>) -> Res<Vec<u8>> {
    let (k, d) = (p.classes(), p.dim());
    let mut rows: Vec<f32> = p.as_slice().iter().map(|&q| f32::from(q)).collect();
    for row in rows.chunks_exact_mut(d) {
        let n = row.iter().map(|v| v * v).sum::<f32>().sqrt();
        row.iter_mut().for_each(|v| *v /= n);
    }
    Ok(ModelBuilder::f32(&rows, k, d).to_bytes())
}

/// The firmware demo's copy of the golden test embeddings, in a layout C reads directly.
fn embeddings(out: &Path, f: &dl2pa_core::format::FeaturesRef<'_>) -> Res<()> {
    let mut b = Vec::new();
    b.extend_from_slice(&(f.count() as u32).to_le_bytes());
    b.extend_from_slice(&(f.dim() as u32).to_le_bytes());
    for i in 0..f.count() {
        b.extend(f.feature(i).iter().map(|&v| v as u8));
    }
    for i in 0..f.count() {
        b.extend_from_slice(&f.label(i).to_le_bytes());
    }
    for i in 0..f.count() {
        b.extend_from_slice(&f.expected(i).to_le_bytes());
    }
    std::fs::write(out.join("embeddings.bin"), b)?;
    Ok(())
}
