//! `experiment --jobs N`: several trainings at once give the tables and runs of one after
//! another, bit for bit; a failing run stops the experiment with its error.
//!
//! The CNN, whose convolutions and pooling flex splits over its threads: each job gets a pool
//! of its own (here one thread each) where one after another they share the global one.

mod common;

use std::path::Path;

use common::{fails, metrics, ok};

/// `dl2pa experiment dims` with the CNN on digits into `out`, `jobs` trainings at once.
fn dims(out: &Path, jobs: &str) -> Vec<String> {
    let config = out.with_extension("toml");
    std::fs::write(&config, "backbone = \"cnn\"\n").unwrap();
    [
        "experiment",
        "dims",
        "--dims",
        "2,3",
        "--seeds",
        "2",
        "--epochs",
        "1",
        "--jobs",
        jobs,
        "--config",
        config.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
    ]
    .map(String::from)
    .to_vec()
}

fn args(v: &[String]) -> Vec<&str> {
    v.iter().map(String::as_str).collect()
}

#[test]
fn two_jobs_give_the_runs_and_tables_of_one() {
    let dir = tempfile::tempdir().unwrap();
    let (one, two) = (dir.path().join("one"), dir.path().join("two"));
    ok(&args(&dims(&one, "1")));
    ok(&args(&dims(&two, "2")));
    let read = |p: &Path| std::fs::read_to_string(p).unwrap();
    assert_eq!(read(&one.join("dims.json")), read(&two.join("dims.json")));
    // The Markdown differs only in its first line, the command that made it.
    let body = |p: &Path| read(p).lines().skip(1).collect::<Vec<_>>().join("\n");
    assert_eq!(body(&one.join("dims.md")), body(&two.join("dims.md")));
    let mut runs = 0;
    for run in std::fs::read_dir(one.join("runs")).unwrap() {
        let name = run.unwrap().file_name();
        let (a, b) = (
            metrics(&one.join("runs").join(&name)),
            metrics(&two.join("runs").join(&name)),
        );
        for key in ["sigma", "test_top1", "per_class_accuracy"] {
            assert_eq!(a["final"][key], b["final"][key], "{name:?} {key}");
        }
        let losses = |m: &serde_json::Value| {
            m["epochs"]
                .as_array()
                .unwrap()
                .iter()
                .map(|e| e["train_loss"].clone())
                .collect::<Vec<_>>()
        };
        assert_eq!(losses(&a), losses(&b), "{name:?}");
        runs += 1;
    }
    assert_eq!(runs, 12, "dl2pa, fixed and psc at two d and two seeds");
}

#[test]
fn a_failing_run_stops_the_experiment_with_its_error() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("exp");
    let broken = out.join("runs/fixed-d2-s0");
    std::fs::create_dir_all(&broken).unwrap();
    std::fs::write(broken.join("metrics.json"), "{ not json").unwrap();
    fails(&args(&dims(&out, "2")), "runs/fixed-d2-s0/metrics.json: ");
    assert!(!out.join("dims.md").exists());
}

#[test]
fn more_than_one_job_needs_the_cpu() {
    let dir = tempfile::tempdir().unwrap();
    let mut a = dims(&dir.path().join("exp"), "2");
    a.extend(["--device".to_string(), "auto".to_string()]);
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_dl2pa"))
        .args(&a)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.trim_end().ends_with("--jobs = 2: expected 1 unless --device cpu (several trainings at once share the CPU's threads)"),
        "{err}"
    );
}

#[test]
fn jobs_are_refused_where_nothing_trains() {
    for name in ["protos", "solver"] {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_dl2pa"))
            .args(["--device", "cpu", "experiment", name, "--jobs", "2"])
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{name}: {err}");
        assert!(
            err.trim_end()
                .ends_with("--jobs = 2: expected 1 for protos and solver, which train nothing"),
            "{name}: {err}"
        );
    }
}
