//! A corrupted run directory gives an error, never a panic or a silently different model: every
//! single-bit flip of `state.json`, `dataset.json`, `prototypes.npy` and `calibration.json`, and
//! of 400 places in the weights, either fails with a message naming the file or gives the very
//! same model.

use std::path::Path;

use burn::prelude::Device;
use dl2pa::data::Split;
use dl2pa::inference::Classifier;

/// What a loaded run computes: σ, `P[σ]`, the schema, and its predictions and embeddings on a
/// probe of inputs.
fn fingerprint(
    c: &Classifier,
    probe: &Split,
    dev: &Device,
) -> (Vec<u32>, Vec<u32>, String, Vec<u32>) {
    let preds = c.evaluate(probe, dev).unwrap().1;
    let emb: Vec<u32> = c
        .embeddings(probe, dev)
        .unwrap()
        .iter()
        .map(|v| v.to_bits())
        .collect();
    let protos: Vec<u32> = c
        .class_prototypes
        .as_ref()
        .unwrap()
        .iter()
        .map(|v| v.to_bits())
        .collect();
    let schema = format!("{:?}", c.schema());
    (c.sigma.clone(), [protos, preds].concat(), schema, emb)
}

/// Flips bit `i % 8` of byte `i` of `file` for each `i` in `at`; each time, loading must fail
/// naming a file of the run, or give the original fingerprint.
fn flips(
    run: &Path,
    file: &str,
    at: impl Iterator<Item = usize>,
    probe: &Split,
    dev: &Device,
) -> (usize, usize) {
    let path = run.join(file);
    let good = std::fs::read(&path).unwrap();
    let reference = fingerprint(&Classifier::load(run, dev).unwrap(), probe, dev);
    let (mut refused, mut same) = (0, 0);
    for i in at {
        let mut bad = good.clone();
        bad[i] ^= 1 << (i % 8);
        std::fs::write(&path, &bad).unwrap();
        match Classifier::load(run, dev) {
            Err(e) => {
                let msg = e.to_string();
                assert!(
                    msg.starts_with(run.to_str().unwrap()),
                    "byte {i} of {file}: {msg}"
                );
                refused += 1;
            }
            Ok(c) => {
                assert_eq!(
                    fingerprint(&c, probe, dev),
                    reference,
                    "byte {i} of {file}: a different model"
                );
                same += 1;
            }
        }
    }
    std::fs::write(&path, &good).unwrap();
    (refused, same)
}

#[test]
fn every_corruption_is_an_error_or_the_same_model() {
    dl2pa::cache::fix_dir(None);
    let dev = Device::flex();
    let dir = tempfile::tempdir().unwrap();
    let run = dir.path().join("run");
    let cfg = dl2pa::config::TrainConfig {
        epochs: 2,
        widths: vec![8],
        ..Default::default()
    };
    dl2pa::train::train(&cfg, &dev, &run, false, None, &mut |_| {}).unwrap();
    let c = Classifier::load(&run, &dev).unwrap();
    let mut probe = c.data(None).unwrap().test;
    probe.x.truncate(64 * 32);
    probe.y.truncate(32);
    c.schema().standardise(&mut probe.x);
    for file in ["state.json", "dataset.json", "prototypes.npy"] {
        let len = std::fs::metadata(run.join(file)).unwrap().len() as usize;
        let (refused, same) = flips(&run, file, 0..len, &probe, &dev);
        eprintln!("{file}: {len} flips, {refused} refused, {same} the same model");
        assert!(
            refused > 0 && refused + same == len,
            "{file}: {refused} refused, {same} same"
        );
        // Its checksum covers every byte but whitespace, and its crc32 key cannot be lost.
        if file == "state.json" {
            assert_eq!(same, 0, "{file}: a flip that changed bytes was taken");
        }
    }
    // calibration.json decides the int8 backbone: every flip is refused or exports the same bytes.
    let out = dir.path().join("m.dl2p");
    let cfg = dl2pa::export::ExportConfig {
        backbone: true,
        ..dl2pa::export::ExportConfig::int8()
    };
    dl2pa::export::export(&run, &out, &cfg, &dev).unwrap();
    let exported = std::fs::read(&out).unwrap();
    let path = run.join("calibration.json");
    let good = std::fs::read(&path).unwrap();
    let mut refused = 0;
    for i in 0..good.len() {
        let mut bad = good.clone();
        bad[i] ^= 1 << (i % 8);
        std::fs::write(&path, &bad).unwrap();
        let _ = std::fs::remove_file(&out);
        match dl2pa::export::export(&run, &out, &cfg, &dev) {
            Err(e) => {
                assert!(e.to_string().contains("calibration.json"), "byte {i}: {e}");
                refused += 1;
            }
            Ok(_) => assert_eq!(
                std::fs::read(&out).unwrap(),
                exported,
                "byte {i}: another model"
            ),
        }
    }
    std::fs::write(&path, &good).unwrap();
    eprintln!("calibration.json: {} flips, {refused} refused", good.len());
    assert!(refused > 0);

    let model = "ckpt/epoch-0002.model.bpk";
    let len = std::fs::metadata(run.join(model)).unwrap().len() as usize;
    let (refused, _) = flips(&run, model, (0..400).map(|i| i * len / 400), &probe, &dev);
    assert_eq!(
        refused, 400,
        "every flip of the weights file is caught by its checksum"
    );
}
