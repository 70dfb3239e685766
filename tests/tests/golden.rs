//! Golden files (tests/golden): a model, its test embeddings, an assignment problem, and a model
//! with an int8 backbone and raw test inputs, written
//! once by the host and checked in. If a change to the format or the kernels breaks them, these
//! tests fail: bump the format version instead of silently changing old files' meaning.
//! The firmware demo embeds the same files and must reach the same answers on a Cortex-M4F.
//!
//! Regenerate (after a deliberate format change):
//! `cargo test -p dl2pa-tests --test golden -- --ignored regenerate --nocapture`

use std::path::{Path, PathBuf};

use dl2pa_core::assign::{Problem, Solver};
use dl2pa_core::format::{Features, Model};

fn golden(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("golden")
        .join(name)
}

fn word(b: &[u8], i: usize) -> u32 {
    u32::from_le_bytes([b[4 * i], b[4 * i + 1], b[4 * i + 2], b[4 * i + 3]])
}

#[test]
fn golden_model_predicts_what_was_recorded() {
    let mb = std::fs::read(golden("model.dl2p")).unwrap();
    let fb = std::fs::read(golden("test.dl2f")).unwrap();
    let m = Model::from_bytes(&mb).expect("the golden model still parses");
    let f = Features::from_bytes(&fb).expect("the golden features still parse");
    assert_eq!((m.classes(), m.dim()), (f.classes(), f.dim()));
    let mut correct = 0;
    for i in 0..f.count() {
        let got = m.classify_i8(f.feature(i)).unwrap().unwrap().class;
        assert_eq!(got, usize::from(f.expected(i)), "example {i}");
        correct += usize::from(got == usize::from(f.label(i)));
    }
    assert!(
        correct * 100 > 90 * f.count(),
        "golden model accuracy fell: {correct}/{}",
        f.count()
    );
}

#[test]
fn golden_assignment_is_solved_the_same_way() {
    let b = std::fs::read(golden("assign.bin")).unwrap();
    let (n, m) = (word(&b, 0) as usize, word(&b, 1) as usize);
    let sim: Vec<f32> = (0..n * m)
        .map(|k| f32::from_bits(word(&b, 2 + k)))
        .collect();
    let expected: Vec<u32> = (0..n).map(|i| word(&b, 2 + n * m + i)).collect();
    let mut s = Solver::new();
    assert_eq!(
        s.solve(&Problem::maximize(&sim, n, m).unwrap())
            .unwrap()
            .assignment(),
        &expected[..]
    );
}

/// `raw.bin`: `count u32, inputs u32`, `count × inputs` f32 raw inputs, `count` u16 labels,
/// `count` u16 expected classes (`u16::MAX`: no class), all little-endian.
struct Raw {
    x: Vec<f32>,
    inputs: usize,
    labels: Vec<u16>,
    expected: Vec<u16>,
}

fn read_raw(b: &[u8]) -> Raw {
    let (n, f) = (word(b, 0) as usize, word(b, 1) as usize);
    assert_eq!(b.len(), 8 + 4 * n * f + 4 * n, "raw.bin size");
    let x = (0..n * f).map(|k| f32::from_bits(word(b, 2 + k))).collect();
    let u16s = |at: usize| -> Vec<u16> {
        (0..n)
            .map(|i| u16::from_le_bytes([b[at + 2 * i], b[at + 2 * i + 1]]))
            .collect()
    };
    let at = 8 + 4 * n * f;
    Raw {
        x,
        inputs: f,
        labels: u16s(at),
        expected: u16s(at + 2 * n),
    }
}

/// The golden model `model` classifies the raw inputs of `raw` as recorded, through its backbone.
fn classifies_raw_inputs_as_recorded(model: &str, raw: &str) -> usize {
    let mb = std::fs::read(golden(model)).unwrap();
    let raw = read_raw(&std::fs::read(golden(raw)).unwrap());
    let m = Model::from_bytes(&mb).expect("the golden backbone model still parses");
    assert_eq!(
        m.backbone().expect("it has a backbone").inputs(),
        raw.inputs
    );
    let mut arena = vec![0i8; m.arena_bytes()];
    let mut correct = 0;
    for (i, x) in raw.x.chunks_exact(raw.inputs).enumerate() {
        let got = m
            .classify_raw(x, &mut arena)
            .map_or(u16::MAX, |p| p.class as u16);
        assert_eq!(got, raw.expected[i], "example {i}");
        correct += usize::from(got == raw.labels[i]);
    }
    let n = raw.labels.len();
    assert!(
        correct * 100 > 90 * n,
        "golden backbone accuracy fell: {correct}/{n}"
    );
    m.arena_bytes()
}

#[test]
fn golden_backbone_classifies_raw_inputs_as_recorded() {
    classifies_raw_inputs_as_recorded("mlp.dl2p", "raw.bin");
}

#[test]
fn golden_cnn_classifies_raw_inputs_as_recorded() {
    // 8×8 digits: the third convolution's input and output side by side, with two pixels'
    // 3·3·64-tap patches as i16 and one as int8 between them.
    assert_eq!(
        classifies_raw_inputs_as_recorded("cnn.dl2p", "raw-cnn.bin"),
        2 * 2 * 64 + 5 * 576 + 2 * 2 * 128
    );
}

/// The CNN trained as `regenerate_cnn` trains it gives the same model through the CPU kernels of
/// `host/src/kernels/` as through burn's own ops (one process, so one cache geometry: any
/// machine), and — where `gemm` sees the L1 cache the golden file was trained under, which CI
/// arranges ([`GOLDEN_L1`]) — the golden file byte for byte. CI's second run
/// (`--no-default-features`) checks the build without the kernels against the file as well.
#[test]
fn the_cnn_trains_to_the_same_bits_through_the_kernels_burns_ops_and_the_golden_file() {
    // The tests crate's `kernels` feature reaches the host: this test runs the path it names.
    assert_eq!(dl2pa::kernels::ENABLED, cfg!(feature = "kernels"));
    let ours = train_golden_cnn();
    if dl2pa::kernels::ENABLED {
        dl2pa::kernels::use_burn_ops(true);
        let burns = train_golden_cnn();
        dl2pa::kernels::use_burn_ops(false);
        assert!(
            ours == burns,
            "the CNN trained through the kernels differs from the one trained through burn's ops"
        );
    }
    let l1 = gemm_common::cache::CACHE_INFO[0];
    let seen = (l1.cache_bytes, l1.associativity, l1.cache_line_bytes);
    if seen != GOLDEN_L1 {
        assert!(
            std::env::var_os("DL2PA_GOLDEN_L1").is_none(),
            "DL2PA_GOLDEN_L1 is set but gemm sees an L1 of {seen:?} (bytes, ways, line), \
             not the golden file's {GOLDEN_L1:?}"
        );
        eprintln!(
            "not compared with tests/golden/cnn.dl2p: gemm sees an L1 of {seen:?} (bytes, ways, \
             line), the file was trained under {GOLDEN_L1:?}; f32 sums follow gemm's blocking"
        );
        return;
    }
    assert!(
        without_input_id(&ours) == golden_body("cnn.dl2p"),
        "the trained CNN differs from tests/golden/cnn.dl2p"
    );
}

/// The L1 data cache (bytes, ways, line bytes) that `gemm` saw when `cnn.dl2p` was trained. It
/// sets gemm's depth blocking and with it the order of every f32 sum of a matrix product longer
/// than 512 (docs/determinism.md); CI reports this L1 to the test on any machine (a mount
/// namespace over the level-1 data caches of `/sys/devices/system/cpu`, `.ci/with-golden-l1`)
/// and sets `DL2PA_GOLDEN_L1` so that the comparison cannot be skipped there.
const GOLDEN_L1: (usize, usize, usize) = (48 * 1024, 12, 64);

/// `golden_cnn()` trained on digits and exported with its int8 backbone: the model file's bytes.
fn train_golden_cnn() -> Vec<u8> {
    dl2pa::cache::fix_dir(None);
    let dev = burn::prelude::Device::flex();
    let dir = tempfile::tempdir().unwrap();
    let run = dir.path().join("run");
    dl2pa::train::train(&golden_cnn(), &dev, &run, false, None, &mut |_| {}).unwrap();
    let export = dl2pa::export::ExportConfig {
        backbone: true,
        ..dl2pa::export::ExportConfig::int8()
    };
    let model = dir.path().join("cnn.dl2p");
    dl2pa::export::export(&run, &model, &export, &dev).unwrap();
    std::fs::read(model).unwrap()
}

/// The body of a model file (after the 12-byte header, before the CRC) without the input
/// identity of flag bit 3, which files written before dl2pa 0.3 (the golden ones) do not have:
/// its 4 bytes follow the postcard body and precede the backbone (found by their value; a copy
/// earlier in the body would make the comparison fail, not pass).
fn without_input_id(file: &[u8]) -> Vec<u8> {
    let id = Model::from_bytes(file)
        .unwrap()
        .input_id()
        .expect("an input identity");
    let body = &file[12..file.len() - 4];
    let at = body
        .windows(4)
        .position(|w| w == id.to_le_bytes())
        .expect("the identity's bytes");
    [&body[..at], &body[at + 4..]].concat()
}

/// The body of golden file `name` (after the header, before the CRC).
fn golden_body(name: &str) -> Vec<u8> {
    let file = std::fs::read(golden(name)).unwrap();
    file[12..file.len() - 4].to_vec()
}

/// The CNN of `cnn.dl2p`: the project's CNN on digits, d = 16, 15 epochs.
fn golden_cnn() -> dl2pa::config::TrainConfig {
    dl2pa::config::TrainConfig {
        dim: 16,
        backbone: dl2pa::model::BackboneKind::Cnn,
        epochs: 15,
        ..Default::default()
    }
}

/// Trains `cfg` on digits, exports it with its backbone to `model` and writes the raw test
/// inputs with the core's predictions to `raw`.
fn write_backbone_golden(cfg: &dl2pa::config::TrainConfig, model: &str, raw: &str) {
    let dev = burn::prelude::Device::flex();
    let dir = tempfile::tempdir().unwrap();
    let run = dir.path().join("run");
    dl2pa::train::train(cfg, &dev, &run, false, None, &mut |l| eprintln!("{l}")).unwrap();
    let export = dl2pa::export::ExportConfig {
        backbone: true,
        ..dl2pa::export::ExportConfig::int8()
    };
    let r = dl2pa::export::export(&run, &golden(model), &export, &dev).unwrap();
    eprintln!("{r:?}");
    assert_eq!(r.core_mismatches(), 0);
    let bytes = std::fs::read(golden(model)).unwrap();
    let m = Model::from_bytes(&bytes).unwrap();
    let data = dl2pa::inference::Classifier::load(&run, &dev)
        .unwrap()
        .data(None)
        .unwrap();
    let f = data.shape().features();
    let out = dl2pa::export::test_vectors(&data.test, f, data.test.len(), &m);
    std::fs::write(golden(raw), out).unwrap();
}

/// Writes `mlp.dl2p` and `raw.bin`: a small digits MLP (64 → 32 → 16) exported with its
/// backbone, and the raw test inputs with the host's predictions.
#[test]
#[ignore = "rewrites tests/golden; run deliberately"]
fn regenerate_backbone() {
    dl2pa::cache::fix_dir(None);
    let cfg = dl2pa::config::TrainConfig {
        dim: 16,
        widths: vec![32],
        epochs: 15,
        ..Default::default()
    };
    write_backbone_golden(&cfg, "mlp.dl2p", "raw.bin");
}

/// Writes `cnn.dl2p` and `raw-cnn.bin`: the project's CNN on digits (d = 16, 15 epochs)
/// exported with its layer list, and the raw test inputs with the core's predictions.
#[test]
#[ignore = "rewrites tests/golden; run deliberately"]
fn regenerate_cnn() {
    dl2pa::cache::fix_dir(None);
    write_backbone_golden(&golden_cnn(), "cnn.dl2p", "raw-cnn.bin");
}

#[test]
#[ignore = "rewrites tests/golden; run deliberately"]
fn regenerate() {
    dl2pa::cache::fix_dir(None);
    let dev = burn::prelude::Device::flex();
    let dir = tempfile::tempdir().unwrap();
    let run = dir.path().join("run");
    let cfg = dl2pa::config::TrainConfig {
        dim: 16,
        epochs: 15,
        ..Default::default()
    };
    dl2pa::train::train(&cfg, &dev, &run, false, None, &mut |l| eprintln!("{l}")).unwrap();
    let cfg = dl2pa::export::ExportConfig {
        features: Some(golden("test.dl2f")),
        ..dl2pa::export::ExportConfig::int8()
    };
    let r = dl2pa::export::export(&run, &golden("model.dl2p"), &cfg, &dev).unwrap();
    eprintln!("{r:?}");
    // The assignment problem the run last solved: its class means against its prototypes.
    let dir = dl2pa::run::RunDir::new(&run);
    let ema = dir.state().unwrap().ema;
    let d = 16;
    let (protos, m) = dir.prototypes(d).unwrap().unwrap();
    let n = ema.len() / d;
    let sim: Vec<f32> = ema
        .chunks_exact(d)
        .flat_map(|mu| {
            protos
                .chunks_exact(d)
                .map(move |p| dl2pa_core::sphere::dot(mu, p))
        })
        .collect();
    let sigma = Solver::new()
        .solve(&Problem::maximize(&sim, n, m).unwrap())
        .unwrap()
        .assignment()
        .to_vec();
    let mut out = Vec::new();
    for v in [n as u32, m as u32]
        .into_iter()
        .chain(sim.iter().map(|x| x.to_bits()))
        .chain(sigma)
    {
        out.extend_from_slice(&v.to_le_bytes());
    }
    std::fs::write(golden("assign.bin"), out).unwrap();
}
