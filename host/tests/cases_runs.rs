//! The field cases of 2026-12-06 about a run's identity (`tests/cases/2026-12-06/`, copied from
//! the cases handed to the project, with their README): a resume that changes what the run is,
//! a run's data read from another folder or changed on disk, and a model file from another run.
//! Each is refused in one line, before anything is written, and the run stays usable.

mod common;

use std::path::Path;

use common::{case_1206, dl2pa_in, fails, ok, predicted};

fn text(p: &Path) -> String {
    std::fs::read_to_string(p).unwrap()
}

/// A run of 2 epochs on the shipped digits, MLP 32.
fn digits_run(run: &Path) {
    let r = run.to_str().unwrap();
    ok(&["train", "--epochs", "2", "--widths", "32", "-o", r]);
}

#[test]
fn a_resume_that_changes_what_the_run_is_is_refused_before_anything_is_written() {
    let dir = tempfile::tempdir().unwrap();
    let run = dir.path().join("run");
    digits_run(&run);
    let r = run.to_str().unwrap();
    let config = text(&run.join("config.toml"));
    let other = case_1206("r2-resume-other-data/other64.csv");
    let other = format!("csv:{}", other.display());
    for (flag, value, says) in [
        (
            "--widths",
            "64,64",
            "--widths cannot change when resuming: the run has [32], the command gives [64, 64]",
        ),
        (
            "--method",
            "psc",
            "--method cannot change when resuming: the run has \"dl2pa\", the command gives \"psc\"",
        ),
        (
            "--backbone",
            "cnn",
            "--backbone cannot change when resuming",
        ),
        (
            "--head-bn",
            "false",
            "--head-bn cannot change when resuming: the run has true, the command gives false",
        ),
        (
            "--data",
            "synthetic",
            "--data cannot change when resuming: the run has \"digits\", the command gives \"synthetic\"",
        ),
        ("--data", &other, "--data cannot change when resuming"),
    ] {
        fails(
            &["train", "--resume", r, flag, value, "--epochs", "4"],
            says,
        );
        assert_eq!(text(&run.join("config.toml")), config, "{flag} {value}");
    }
    // The run is intact: it predicts, and a resume that changes how training goes on runs.
    let digits = Path::new(env!("CARGO_MANIFEST_DIR")).join("data/digits.csv.gz");
    assert_eq!(
        ok(&["predict", r, digits.to_str().unwrap()])
            .lines()
            .count(),
        1797
    );
    let out = ok(&["train", "--resume", r, "--epochs", "3", "--lr", "0.01"]);
    assert!(out.contains("test top-1"), "{out}");
    assert!(text(&run.join("config.toml")).contains("epochs = 3"));
}

#[test]
fn the_settings_a_resume_may_change_are_the_ones_its_help_lists() {
    let help = ok(&["train", "--help"]);
    let resume = help
        .split("--resume <RUN>")
        .nth(1)
        .and_then(|h| h.split("--stop-after").next())
        .unwrap()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    for key in dl2pa::config::RESUMABLE {
        assert!(
            resume.contains(&format!("--{key},")) || resume.contains(&format!("--{key};")),
            "--{key} not in: {resume}"
        );
    }
}

/// A run records `--data` with absolute paths and the data's digest: `eval` from another
/// folder reads the same file, and a file changed since training is refused naming both.
#[test]
fn a_run_means_the_same_data_from_any_folder_and_refuses_changed_data() {
    let dir = tempfile::tempdir().unwrap();
    for sub in ["a", "b"] {
        std::fs::create_dir(dir.path().join(sub)).unwrap();
        let src = case_1206(&format!("r3-run-dir-moved/{sub}/train.csv"));
        std::fs::copy(src, dir.path().join(sub).join("train.csv")).unwrap();
    }
    let (a, b) = (dir.path().join("a"), dir.path().join("b"));
    let run = dir.path().join("run");
    let r = run.to_str().unwrap();
    let trained = dl2pa_in(
        &a,
        &[
            "train",
            "--data",
            "csv:train.csv",
            "--label-column",
            "label",
            "--epochs",
            "5",
            "-o",
            r,
        ],
    );
    assert!(
        trained.status.success(),
        "{}",
        String::from_utf8_lossy(&trained.stderr)
    );
    let eval = |cwd: &Path| {
        let out = dl2pa_in(cwd, &["eval", r, "--json"]);
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    let (code_a, json_a, _) = eval(&a);
    let (code_b, json_b, _) = eval(&b);
    assert_eq!((code_a, code_b), (Some(0), Some(0)));
    assert_eq!(json_a, json_b, "the run read another file from b/");
    assert!(
        text(&run.join("config.toml")).contains(&format!("csv:{}", a.join("train.csv").display()))
    );
    // The file changes under the run: eval and resume refuse it, naming the run and the data.
    std::fs::copy(b.join("train.csv"), a.join("train.csv")).unwrap();
    let (code, _, err) = eval(&a);
    assert_eq!(code, Some(1), "{err}");
    let last = err.lines().last().unwrap();
    assert!(
        last.contains(r)
            && last.contains("train.csv is not the data this run was trained on")
            && last.contains("checksum"),
        "{last}"
    );
    fails(
        &["train", "--resume", r, "--epochs", "6"],
        "is not the data this run was trained on",
    );
}

/// A model exported from one run is refused by `predict --model` with another run's inputs
/// (here a digits run, whose scaling would be applied to the cats model's raw inputs).
#[test]
fn a_model_file_from_another_run_is_refused_naming_both() {
    let dir = tempfile::tempdir().unwrap();
    let cats = dir.path().join("cats");
    let c = cats.to_str().unwrap();
    let data = format!(
        "csv:{}",
        case_1206("mf3-model-other-run/cats64.csv").display()
    );
    ok(&[
        "train",
        "--data",
        &data,
        "--label-column",
        "64",
        "--epochs",
        "5",
        "-o",
        c,
    ]);
    let model = dir.path().join("cats.dl2p");
    let m = model.to_str().unwrap();
    ok(&["export", c, "--backbone", "-o", m]);
    let rows = case_1206("mf3-model-other-run/cats64_rows.csv");
    let rows = rows.to_str().unwrap();
    let own = predicted(&ok(&["predict", c, rows, "--model", m]));
    assert_eq!(own.len(), 6);
    let digits = dir.path().join("digits");
    digits_run(&digits);
    fails(
        &["predict", digits.to_str().unwrap(), rows, "--model", m],
        "cats.dl2p: exported from another run: its inputs are prepared by input schema",
    );
    let out = common::dl2pa(&["predict", digits.to_str().unwrap(), rows, "--model", m]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("(3 classes: cat, dog, eel)") && err.contains("(10 classes: 0, 1, 2, …)"),
        "{err}"
    );
}

/// The split of a table with classes of one example: the summary says which classes have no
/// test example, `metrics.json` has `null` for them, not 0 %.
#[test]
fn classes_without_test_examples_are_named_not_scored_zero() {
    let dir = tempfile::tempdir().unwrap();
    let run = dir.path().join("run");
    let data = case_1206("k1-many-classes/k300_singletons.csv");
    let out = ok(&[
        "train",
        "--data",
        &format!("csv:{}", data.display()),
        "--label-column",
        "label",
        "--epochs",
        "1",
        "--widths",
        "16",
        "--dim",
        "8",
        "-o",
        run.to_str().unwrap(),
    ]);
    let m = common::metrics(&run);
    let per = m["final"]["per_class_accuracy"].as_array().unwrap().clone();
    let untested = per.iter().filter(|v| v.is_null()).count();
    assert!(untested >= 100, "{untested} of {}", per.len());
    assert!(
        out.contains(&format!(
            "note        {untested} of {} classes have no test example",
            per.len()
        )),
        "{out}"
    );
    assert!(out.contains(" –"), "{out}");
}
