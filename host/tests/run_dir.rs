//! The run directory is the model: prediction and export need it and the inputs only, its files
//! are typed and versioned, and the restructured trainer gives the results README shows.

mod common;

use common::{case, fails, metrics, ok, predicted, train_csv};

/// A CSV run predicts and exports (with its int8 backbone) after its training file is deleted;
/// only the export's test figures, which need the data, are left out — and it says so.
#[test]
fn a_csv_run_needs_no_training_data_to_predict_or_export() {
    let dir = tempfile::tempdir().unwrap();
    let train = dir.path().join("train.csv");
    std::fs::copy(case("predict_label_first/train.csv"), &train).unwrap();
    let run = dir.path().join("run");
    let r = run.to_str().unwrap();
    train_csv(&train, &run, "30");
    let test = case("predict_label_first/test_labelfirst.csv");
    let before = ok(&["predict", r, test.to_str().unwrap()]);
    std::fs::remove_file(&train).unwrap();

    assert_eq!(ok(&["predict", r, test.to_str().unwrap()]), before);
    let model = dir.path().join("m.dl2p");
    let m = model.to_str().unwrap();
    let out = ok(&["export", r, "-o", m, "--backbone"]);
    assert!(
        out.contains("test        not evaluated: the run's data cannot be read"),
        "{out}"
    );
    assert!(out.contains("ranges from 96 training inputs"), "{out}");
    let int8 = ok(&["predict", r, test.to_str().unwrap(), "--model", m]);
    assert_eq!(predicted(&int8), predicted(&before));
    // The test features do need the data: asked for, their absence is an error.
    fails(
        &["export", r, "-o", m, "--features", "f.dl2f"],
        "train.csv: No such file or directory",
    );
}

/// `dataset.json` and `metrics.json` count the training set and say which version wrote them.
#[test]
fn the_run_files_count_the_training_set_and_name_their_writer() {
    let dir = tempfile::tempdir().unwrap();
    let run = dir.path().join("run");
    ok(&[
        "train",
        "--epochs",
        "1",
        "--widths",
        "8",
        "-o",
        run.to_str().unwrap(),
    ]);
    let m = metrics(&run);
    assert_eq!(m["dataset"]["train_examples"].as_u64(), Some(1438));
    assert_eq!(m["dataset"]["test_examples"].as_u64(), Some(359));
    assert_eq!(m["dl2pa_version"], env!("CARGO_PKG_VERSION"));
    // The commit of the build, which `--version` names too.
    let head = std::process::Command::new("git")
        .args(["rev-parse", "--short=7", "HEAD"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map_or("unknown".to_string(), |o| {
            String::from_utf8_lossy(&o.stdout).trim().to_string()
        });
    assert_eq!(m["dl2pa_commit"], head.as_str());
    assert_eq!(
        ok(&["--version"]).trim(),
        format!("dl2pa {} (commit {head})", env!("CARGO_PKG_VERSION"))
    );
    let info: serde_json::Value =
        serde_json::from_slice(&std::fs::read(run.join("dataset.json")).unwrap()).unwrap();
    assert_eq!(info["run_format"].as_u64(), Some(3));
    assert_eq!(info["train_examples"].as_u64(), Some(1438));
}

/// A run written before the format was versioned still predicts; a CSV run of that format,
/// which lacks the column layout, and a run from a newer format fail naming the writer.
#[test]
fn runs_of_other_formats_load_or_name_the_version_that_wrote_them() {
    let dir = tempfile::tempdir().unwrap();
    let run = dir.path().join("run");
    let r = run.to_str().unwrap();
    ok(&["train", "--epochs", "1", "--widths", "8", "-o", r]);
    let digits = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("data/digits.csv.gz");
    let digits = digits.to_str().unwrap();
    let current = ok(&["predict", r, digits]);
    let info_path = run.join("dataset.json");
    let info: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&info_path).unwrap()).unwrap();
    let rewrite = |f: &dyn Fn(&mut serde_json::Map<String, serde_json::Value>)| {
        let mut v = info.as_object().unwrap().clone();
        f(&mut v);
        std::fs::write(&info_path, serde_json::to_vec(&v).unwrap()).unwrap();
    };
    // Format 1 (dl2pa 0.1): no version fields, no table layout, no checksums in state.json.
    let state_path = run.join("state.json");
    let mut state: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&state_path).unwrap()).unwrap();
    let fields = state.as_object_mut().unwrap();
    fields.remove("checkpoint");
    fields.remove("crc32");
    std::fs::write(&state_path, serde_json::to_vec(&state).unwrap()).unwrap();
    rewrite(&|v| {
        v.remove("run_format");
        v.remove("dl2pa_version");
        v.remove("table");
    });
    assert_eq!(ok(&["predict", r, digits]), current);
    rewrite(&|v| {
        v.remove("run_format");
        v.remove("dl2pa_version");
        v.insert("dataset".into(), "csv:old.csv".into());
    });
    fails(
        &["predict", r, digits],
        "dataset.json: written by dl2pa 0.1 (run format 1), which did not record the CSV column layout",
    );
    rewrite(&|v| {
        v.insert("run_format".into(), 99.into());
        v.insert("dl2pa_version".into(), "9.9.9".into());
    });
    fails(
        &["predict", r, digits],
        "dataset.json: written by dl2pa 9.9.9 (run format 99): this build",
    );
}

/// The restructured trainer gives the main job's README figures: digits, defaults, 30 epochs.
#[test]
fn the_main_job_gives_the_readme_sigma_and_accuracy() {
    let dir = tempfile::tempdir().unwrap();
    let run = dir.path().join("run");
    let out = ok(&["train", "-o", run.to_str().unwrap()]);
    assert!(out.contains("  test top-1   98.33 %"), "{out}");
    assert!(
        out.contains(
            "4 labels moved in total; final σ (class -> prototype) [5, 2, 8, 4, 7, 9, 3, 6, 0, 1]"
        ),
        "{out}"
    );
}

/// `experiment` reads its finished runs back through the typed `metrics.json`: a second
/// invocation trains nothing and writes the same tables.
#[test]
fn experiments_read_finished_runs_back_typed() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("exp");
    let o = out.to_str().unwrap();
    let args = [
        "experiment",
        "assign",
        "--dims",
        "2,3",
        "--seeds",
        "1",
        "--epochs",
        "2",
        "-o",
        o,
    ];
    ok(&args);
    let table = std::fs::read_to_string(out.join("assign.md")).unwrap();
    assert!(!table.contains("NaN"), "{table}");
    assert_eq!(table.matches("\n| 2 |").count(), 1, "{table}");
    let first = std::fs::metadata(out.join("runs/dl2pa-d2-s0/metrics.json"))
        .unwrap()
        .modified()
        .unwrap();
    ok(&args);
    assert_eq!(
        std::fs::read_to_string(out.join("assign.md")).unwrap(),
        table
    );
    let again = std::fs::metadata(out.join("runs/dl2pa-d2-s0/metrics.json"))
        .unwrap()
        .modified()
        .unwrap();
    assert_eq!(
        first, again,
        "a finished run is read back, not trained again"
    );
}

/// A run checkpointed by an older build, whose `state.json` lacks fields added since (here the
/// solver-work counts of each assignment update, in no particular key order), resumes under
/// this one to the result of an uninterrupted run.
#[test]
fn a_run_checkpointed_by_an_older_build_resumes() {
    let dir = tempfile::tempdir().unwrap();
    let args = ["--epochs", "4", "--widths", "16", "--assign-every", "7"];
    let whole = dir.path().join("whole");
    ok(&[&["train", "-o", whole.to_str().unwrap()], &args[..]].concat());
    let run = dir.path().join("run");
    let r = run.to_str().unwrap();
    ok(&[&["train", "-o", r, "--stop-after", "2"], &args[..]].concat());

    let path = run.join("state.json");
    let mut state: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    let fields = state.as_object_mut().unwrap();
    fields.remove("crc32");
    let mut removed = 0;
    for epoch in fields["history"].as_array_mut().unwrap() {
        for update in epoch["updates"].as_array_mut().unwrap() {
            let update = update.as_object_mut().unwrap();
            for added in ["free_after_init", "augmentations", "scans"] {
                removed += usize::from(update.remove(added).is_some());
            }
        }
    }
    assert!(removed > 0, "the state has no assignment updates to age");
    // Sealed as the writer seals: CRC-32 of the compact JSON, then `crc32` as the last member.
    let crc = dl2pa_core::format::crc32(&serde_json::to_vec(&state).unwrap());
    let pretty = String::from_utf8(serde_json::to_vec_pretty(&state).unwrap()).unwrap();
    let sealed = format!(
        "{},\n  \"crc32\": {crc}\n}}",
        pretty.trim_end_matches('}').trim_end()
    );
    std::fs::write(&path, sealed).unwrap();

    ok(&["train", "--resume", r]);
    let result = |run: &std::path::Path| {
        let m = metrics(run);
        (m["final"]["sigma"].clone(), m["final"]["test_top1"].clone())
    };
    assert_eq!(result(&run), result(&whole));
}
