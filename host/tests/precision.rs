//! `--precision f16|bf16`: training runs in that float type, and the run's weights are read back
//! by eval, predict and export on an f32 device.

mod common;
use common::{metrics, ok};

fn losses(run: &std::path::Path) -> Vec<f64> {
    metrics(run)["epochs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["train_loss"].as_f64().unwrap())
        .collect()
}

#[test]
fn half_precision_trains_and_its_run_is_read_back_in_f32() {
    let dir = tempfile::tempdir().unwrap();
    let run = |p: &str| {
        let r = dir.path().join(p);
        let rs = r.to_str().unwrap();
        ok(&[
            "train",
            "--epochs",
            "3",
            "--widths",
            "32",
            "--precision",
            p,
            "-o",
            rs,
        ]);
        r
    };
    let (f32_run, f16_run, bf16_run) = (run("f32"), run("f16"), run("bf16"));
    let f32_loss = losses(&f32_run);
    for r in [&f16_run, &bf16_run] {
        let l = losses(r);
        // The flag reaches the arithmetic: same seed, other numbers; and training still works.
        assert_ne!(l, f32_loss, "{}", r.display());
        assert!(l[2] < l[0], "{}: {l:?}", r.display());
        let top1 = metrics(r)["final"]["test_top1"].as_f64().unwrap();
        assert!(top1 > 30.0, "{}: {top1} (chance: 10)", r.display());
    }
    let rs = f16_run.to_str().unwrap();
    assert!(
        std::fs::read_to_string(f16_run.join("config.toml"))
            .unwrap()
            .contains("precision = \"f16\"")
    );
    // eval (a new process, f32 device) reads the f16 weights; the same 359 images within one.
    let eval: serde_json::Value = serde_json::from_str(&ok(&["eval", rs, "--json"])).unwrap();
    let trained = metrics(&f16_run)["final"]["test_top1"].as_f64().unwrap();
    assert!((eval["top1"].as_f64().unwrap() - trained).abs() <= 100.0 / 359.0 + 1e-9);
    let model = dir.path().join("m.dl2p");
    let csv = concat!(env!("CARGO_MANIFEST_DIR"), "/data/digits.csv.gz");
    ok(&["export", rs, "--backbone", "-o", model.to_str().unwrap()]);
    let by_run = ok(&["predict", rs, csv]);
    let by_model = ok(&["predict", rs, csv, "--model", model.to_str().unwrap()]);
    assert_eq!(by_run.lines().count(), 1797);
    let differ = by_run
        .lines()
        .zip(by_model.lines())
        .filter(|(a, b)| a != b)
        .count();
    assert!(
        differ <= 18,
        "{differ} of 1797 int8 predictions differ from f32"
    );
}
