//! Helpers shared by the CLI tests: run the binary, expect success or a one-line error.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;

/// Runs `dl2pa ARGS --device cpu`, with the prototype cache off: what a test sees must not
/// depend on what earlier runs on the machine left in `~/.cache/dl2pa`.
pub fn dl2pa(args: &[&str]) -> std::process::Output {
    dl2pa_in(Path::new("."), args)
}

/// Runs and expects success; returns stdout.
pub fn ok(args: &[&str]) -> String {
    let out = dl2pa(args);
    assert!(
        out.status.success(),
        "{args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Runs and expects exit code 1 with a last stderr line `error: …` containing `needle`.
pub fn fails(args: &[&str], needle: &str) {
    let out = dl2pa(args);
    let err = String::from_utf8_lossy(&out.stderr);
    let last = err.lines().last().unwrap_or_default().to_string();
    assert_eq!(out.status.code(), Some(1), "{args:?}: {err}");
    assert!(
        last.starts_with("error: ") && last.contains(needle),
        "{args:?}: expected {needle:?} in {last:?}"
    );
}

/// `metrics.json` of a run, untyped: what a user's script sees.
pub fn metrics(run: &Path) -> serde_json::Value {
    serde_json::from_slice(&std::fs::read(run.join("metrics.json")).unwrap()).unwrap()
}

/// A handed case under `host/tests/cases/2026-11-30/`.
pub fn case(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/cases/2026-11-30")
        .join(path)
}

/// A handed case under `host/tests/cases/2026-12-06/`.
pub fn case_1206(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/cases/2026-12-06")
        .join(path)
}

/// Runs `dl2pa ARGS --device cpu` in the folder `cwd` (prototype cache off, as [`dl2pa`]).
pub fn dl2pa_in(cwd: &Path, args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_dl2pa"))
        .current_dir(cwd)
        .env("DL2PA_CACHE_DIR", "")
        .args(args)
        .arg("--device")
        .arg("cpu")
        .output()
        .expect("run dl2pa")
}

/// The class column of `predict` output (`NAME<TAB>CLASS` lines).
pub fn predicted(out: &str) -> Vec<String> {
    out.lines()
        .map(|l| l.rsplit('\t').next().unwrap_or_default().to_string())
        .collect()
}

/// Trains a run on the CSV file `train` (label column `label`, 30 epochs, defaults otherwise)
/// into `run`.
pub fn train_csv(train: &Path, run: &Path, epochs: &str) {
    let data = format!("csv:{}", train.display());
    ok(&[
        "train",
        "--data",
        &data,
        "--label-column",
        "label",
        "--epochs",
        epochs,
        "-o",
        run.to_str().unwrap(),
    ]);
}

/// `dl2pa prototypes -k K -d D` written to `dir/pK.npy`; returns its path.
pub fn prototypes_npy(dir: &Path, k: usize, d: usize) -> PathBuf {
    let p = dir.join(format!("p{k}.npy"));
    let (k, d) = (k.to_string(), d.to_string());
    ok(&["prototypes", "-k", &k, "-d", &d, "-o", p.to_str().unwrap()]);
    p
}
