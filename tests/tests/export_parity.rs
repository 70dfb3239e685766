//! Train → export → dl2pa-core: the core's predictions on the written int8 model equal the
//! host's own int8 simulation on every test example, and int8 stays within 0.3 points of f32;
//! with the int8 MLP or CNN backbone, raw inputs too.

use dl2pa::export::{ExportConfig, QuantKind, export, simulate_int8};
use dl2pa::inference::Classifier;
use dl2pa_core::format::{Backbone, Features, Model, Quant};

/// A digits run (MLP 64 → 64 → 8, 6 epochs) in `dir/run`.
fn digits_run(dir: &std::path::Path, dev: &burn::prelude::Device) -> std::path::PathBuf {
    let run = dir.join("run");
    let cfg = dl2pa::config::TrainConfig {
        dim: 8,
        epochs: 6,
        widths: vec![64],
        ..Default::default()
    };
    dl2pa::train::train(&cfg, dev, &run, false, None, &mut |_| {}).unwrap();
    run
}

/// `dl2pa predict --model` on the 1 797 shipped digits: how many of the exported model's classes
/// (the core's path) equal the run's f32 network's, and of how many.
fn agreement(
    run: &std::path::Path,
    model: &std::path::Path,
    dev: &burn::prelude::Device,
) -> (usize, usize) {
    let c = Classifier::load(run, dev).unwrap();
    let info = c.schema().clone();
    let csv = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../host/data/digits.csv.gz");
    let raw = info.read(&csv).unwrap();
    let int8 = dl2pa::int8::predict_with_model(model, &raw, &info).unwrap();
    let f32_preds = c.predict(&raw, dev).unwrap();
    let same = int8
        .iter()
        .zip(&f32_preds)
        .filter(|(a, b)| **a == info.classes[**b as usize])
        .count();
    (same, int8.len())
}

#[test]
fn core_matches_host_on_every_example() {
    dl2pa::cache::fix_dir(None);
    let dev = burn::prelude::Device::flex();
    let dir = tempfile::tempdir().unwrap();
    let run = digits_run(dir.path(), &dev);
    let (mp, fp, rp) = (
        dir.path().join("m.dl2p"),
        dir.path().join("t.dl2f"),
        dir.path().join("m.rs"),
    );
    let cfg = ExportConfig {
        features: Some(fp.clone()),
        rust: Some(rp.clone()),
        backbone: true,
        ..ExportConfig::int8()
    };
    let report = export(&run, &mp, &cfg, &dev).unwrap();
    let t = report.test.as_ref().expect("the run's data is readable");
    assert_eq!(t.core_mismatches, 0);
    let b = report.backbone.as_ref().expect("a backbone report");
    assert_eq!(
        (b.kind.as_str(), b.layers.clone()),
        ("mlp", vec!["64->64".into(), "64->8".into()])
    );
    let bt = b.test.as_ref().expect("backbone test figures");
    assert_eq!(bt.core_mismatches, 0, "{b:?}");
    // Folding standardisation and BatchNorm changes nothing but rounding.
    assert!(bt.fold_disagreements <= 1, "{b:?}");
    assert!((bt.f32_top1 - t.f32_top1).abs() <= 0.3, "{b:?}");
    // 359 test digits: one example is 0.28 points.
    assert!((bt.int8_top1 - bt.f32_top1).abs() <= 0.6, "{b:?}");
    assert!((t.f32_top1 - t.int8_top1).abs() <= 0.3, "{report:?}");

    let mb = std::fs::read(&mp).unwrap();
    let fb = std::fs::read(&fp).unwrap();
    let m = Model::from_bytes(&mb).unwrap();
    let f = Features::from_bytes(&fb).unwrap();
    assert_eq!(f.count(), t.examples);
    let Quant::Int8 { .. } = m.quant() else {
        panic!("int8 model expected")
    };
    assert_eq!(m.backbone().map(|n| n.inputs()), Some(64));
    let q = m.int8().unwrap();
    for i in 0..f.count() {
        let core = m.classify_i8(f.feature(i)).unwrap().unwrap().class;
        let host = simulate_int8(q.as_slice(), m.classes(), f.feature(i));
        assert_eq!(core, host, "example {i}");
        assert_eq!(core, usize::from(f.expected(i)), "example {i}");
    }
    // The Rust export names the core's fixed-size type and every class.
    let src = std::fs::read_to_string(&rp).unwrap();
    assert!(src.contains("PrototypesI8<DIM, CLASSES>") && src.contains("CLASS_NAMES"));
    assert_eq!(src.matches("\n    [").count(), m.classes());

    // The outputs are one set: when one cannot be written, none is.
    std::fs::remove_file(&mp).unwrap();
    let unwritable = ExportConfig {
        rust: Some(dir.path().join("no-such-dir").join("m.rs")),
        ..cfg
    };
    let err = export(&run, &mp, &unwritable, &dev)
        .unwrap_err()
        .to_string();
    assert!(err.contains("m.rs"), "{err}");
    assert!(
        !mp.exists(),
        "the model file was written without its --rust file"
    );
}

#[test]
fn psc_runs_cannot_be_exported() {
    dl2pa::cache::fix_dir(None);
    let dev = burn::prelude::Device::flex();
    let dir = tempfile::tempdir().unwrap();
    let cfg = dl2pa::config::TrainConfig {
        method: dl2pa::config::Method::Psc,
        epochs: 1,
        widths: vec![16],
        ..Default::default()
    };
    dl2pa::train::train(&cfg, &dev, dir.path(), false, None, &mut |_| {}).unwrap();
    let err = export(
        dir.path(),
        &dir.path().join("m.dl2p"),
        &ExportConfig::int8(),
        &dev,
    )
    .unwrap_err()
    .to_string();
    assert!(err.contains("psc run"), "{err}");
}

/// A cosine-softmax network classifies by its nearest unit class vector, as prototypes do: it
/// exports with its MLP backbone (the class vectors as prototypes, σ the identity), and the core
/// agrees with the run's f32 network on the shipped digits.
#[test]
fn cosine_softmax_runs_export_their_class_vectors() {
    dl2pa::cache::fix_dir(None);
    let dev = burn::prelude::Device::flex();
    let dir = tempfile::tempdir().unwrap();
    let cfg = dl2pa::config::TrainConfig {
        method: dl2pa::config::Method::CosineSoftmax,
        dim: 8,
        epochs: 6,
        widths: vec![64],
        ..Default::default()
    };
    let s = dl2pa::train::train(&cfg, &dev, dir.path(), false, None, &mut |_| {}).unwrap();
    assert!(s.test_top1 > 80.0, "top-1 {}", s.test_top1);
    let c = Classifier::load(dir.path(), &dev).unwrap();
    assert_eq!(c.sigma, (0..10).collect::<Vec<u32>>());
    let out = dir.path().join("m.dl2p");
    let cfg = ExportConfig {
        backbone: true,
        ..ExportConfig::int8()
    };
    export(dir.path(), &out, &cfg, &dev).unwrap();
    let (same, n) = agreement(dir.path(), &out, &dev);
    assert_eq!(n, 1797);
    assert!(same * 100 >= 99 * n, "{same} of {n} agree");
}

/// A CNN run exports as a layer list: the core's `classify_raw` on the written file equals the
/// host's independent integer simulation on every raw test image, the folded f32 network equals
/// the trained one, and the arena is the largest layer input + output + patches.
#[test]
fn a_cnn_run_exports_a_layer_list_the_core_runs_like_the_host() {
    dl2pa::cache::fix_dir(None);
    let dev = burn::prelude::Device::flex();
    let dir = tempfile::tempdir().unwrap();
    let cfg = dl2pa::config::TrainConfig {
        backbone: dl2pa::model::BackboneKind::Cnn,
        epochs: 3,
        ..Default::default()
    };
    dl2pa::train::train(&cfg, &dev, dir.path(), false, None, &mut |_| {}).unwrap();
    let out = dir.path().join("m.dl2p");
    let backbone = ExportConfig {
        backbone: true,
        ..ExportConfig::int8()
    };
    let report = export(dir.path(), &out, &backbone, &dev).unwrap();
    let b = report.backbone.as_ref().expect("a backbone report");
    let bt = b.test.as_ref().expect("backbone test figures");
    assert_eq!(b.kind, "cnn");
    assert_eq!(
        b.layers[..2],
        ["conv3x3/1 1->32".to_string(), "maxpool2x2".into()]
    );
    // 8×8 digits: conv3 needs the most — its 2·2·64 input, 2·2·128 output and, between them,
    // two pixels' 3·3·64-tap patches as i16 and one as int8 (conv1: 64 + 5·9 + 8·8·32 = 2157).
    assert_eq!(b.arena_bytes, 2 * 2 * 64 + 5 * 576 + 2 * 2 * 128);
    assert_eq!((bt.core_mismatches, bt.fold_disagreements), (0, 0), "{b:?}");
    // 359 test digits: two examples are 0.56 points.
    assert!((bt.int8_top1 - bt.f32_top1).abs() <= 1.2, "{b:?}");
    let bytes = std::fs::read(&out).unwrap();
    let m = Model::from_bytes(&bytes).unwrap();
    assert!(matches!(m.backbone(), Some(Backbone::Net(n)) if n.inputs() == 64));

    // `dl2pa predict --model` on new inputs: the core's int8 CNN agrees with the run's f32 one.
    let (same, n) = agreement(dir.path(), &out, &dev);
    assert!(same * 100 >= 98 * n, "{same} of {n} agree");
}

#[test]
fn backbones_need_int8_and_a_layer_list_has_no_residual_adds() {
    dl2pa::cache::fix_dir(None);
    let dev = burn::prelude::Device::flex();
    let dir = tempfile::tempdir().unwrap();
    let cfg = dl2pa::config::TrainConfig {
        backbone: dl2pa::model::BackboneKind::Resnet32,
        epochs: 1,
        train_limit: 64,
        ..Default::default()
    };
    dl2pa::train::train(&cfg, &dev, dir.path(), false, None, &mut |_| {}).unwrap();
    assert!(!dir.path().join("calibration.json").exists());
    let out = dir.path().join("m.dl2p");
    let err = |quant| {
        let cfg = ExportConfig {
            quant,
            backbone: true,
            ..ExportConfig::int8()
        };
        export(dir.path(), &out, &cfg, &dev)
            .unwrap_err()
            .to_string()
    };
    assert_eq!(
        err(QuantKind::F32),
        "--backbone = with --quant f32: expected --quant int8"
    );
    assert_eq!(
        err(QuantKind::Int8),
        "--backbone = resnet32 backbone: expected an MLP or CNN run (the ResNet's residual adds are not in the model format)"
    );
    assert!(!out.exists(), "nothing is written on error");
}

/// `dl2pa predict --model`: a file of new inputs through the exported int8 model (the core's
/// path, as on a device) agrees with the run's f32 network, and wrong models are named.
#[test]
fn predict_with_the_exported_model_agrees_with_the_run() {
    dl2pa::cache::fix_dir(None);
    let dev = burn::prelude::Device::flex();
    let dir = tempfile::tempdir().unwrap();
    let run = digits_run(dir.path(), &dev);
    let (with, without) = (dir.path().join("b.dl2p"), dir.path().join("p.dl2p"));
    let with_backbone = ExportConfig {
        backbone: true,
        ..ExportConfig::int8()
    };
    export(&run, &with, &with_backbone, &dev).unwrap();
    export(&run, &without, &ExportConfig::int8(), &dev).unwrap();

    let (same, n) = agreement(&run, &with, &dev);
    assert_eq!(n, 1797);
    assert!(same * 100 >= 99 * n, "{same} of {n} agree");

    let c = Classifier::load(&run, &dev).unwrap();
    let info = c.schema().clone();
    let csv = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../host/data/digits.csv.gz");
    let raw = info.read(&csv).unwrap();

    let err = dl2pa::int8::predict_with_model(&without, &raw, &info)
        .unwrap_err()
        .to_string();
    assert!(
        err.ends_with(
            "no backbone in this model: export it with --backbone to classify raw inputs"
        ),
        "{err}"
    );
    let golden = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("golden/mlp.dl2p");
    let mut other = info.clone();
    other.shape.width = 4;
    let few = dl2pa::data::Inputs {
        names: vec!["x".into()],
        x: vec![0.0; 32],
    };
    let err = dl2pa::int8::predict_with_model(&golden, &few, &other)
        .unwrap_err()
        .to_string();
    assert!(
        err.ends_with("the backbone takes 64 inputs: expected 32 for this run's data"),
        "{err}"
    );
}
