//! The inputs that failed when the product was tried as a new user would (`tests/cases/`,
//! as they were handed to the project, with their README), each doing what its README says.

mod common;

use common::{case, fails, ok, predicted, train_csv};

/// A run trained on `train` (label column `label`, wherever it sits) classifies the test rows
/// identically with the label column first, in the middle, or absent: 0 0 1 1 2 2.
#[test]
fn predict_reads_rows_as_training_did_wherever_the_label_sits() {
    let dir = tempfile::tempdir().unwrap();
    for train in ["train.csv", "train_labelmid.csv"] {
        let run = dir.path().join(train);
        train_csv(&case("predict_label_first").join(train), &run, "30");
        let expected = ["0", "0", "1", "1", "2", "2"];
        for test in [
            "test_labelfirst.csv",
            "test_labelmid.csv",
            "test_nolabel.csv",
        ] {
            let input = case("predict_label_first").join(test);
            let out = ok(&["predict", run.to_str().unwrap(), input.to_str().unwrap()]);
            assert_eq!(predicted(&out), expected, "{train} -> {test}:\n{out}");
        }
    }
}

/// Rows that fit neither the features alone nor the training layout, or a header that does not
/// name the training columns, are errors naming the file, the line and what was expected.
#[test]
fn rows_that_do_not_fit_the_run_name_file_line_and_expectation() {
    let dir = tempfile::tempdir().unwrap();
    let run = dir.path().join("run");
    train_csv(&case("predict_label_first/train.csv"), &run, "1");
    let r = run.to_str().unwrap();
    let write = |name: &str, text: &str| {
        let p = dir.path().join(name);
        std::fs::write(&p, text).unwrap();
        p.to_str().unwrap().to_string()
    };
    let short = write("short.csv", "0.1,0.2,0.3,0.4\n0.1,0.2,0.3\n");
    fails(
        &["predict", r, &short],
        "short.csv: line 2: 3 fields: expected 4 features, or 5 with the label in column 1",
    );
    let renamed = write("renamed.csv", "p0,p1,p2,q3\n1,2,3,4\n");
    fails(
        &["predict", r, &renamed],
        "renamed.csv: line 1: column \"q3\" is not a column of the training file",
    );
    let missing = write("missing.csv", "p0,p1,p2\n1,2,3\n");
    fails(
        &["predict", r, &missing],
        "missing.csv: line 1: no column named \"p3\" in the header",
    );
    let text = write("text.csv", "p0,p1,p2,p3\n1,2,x,4\n");
    fails(
        &["predict", r, &text],
        "text.csv: line 2, column 3: \"x\" is not a number",
    );
    // The header's columns in another order are matched by name.
    let shuffled = write(
        "shuffled.csv",
        "p3,p2,p1,p0\n0.5544,0.2273,1.6521,-0.9498\n",
    );
    let by_name = ok(&["predict", r, &shuffled]);
    let nolabel = case("predict_label_first/test_nolabel.csv");
    let in_order = ok(&["predict", r, nolabel.to_str().unwrap()]);
    assert_eq!(predicted(&by_name)[0], predicted(&in_order)[0]);
}

/// Two concatenated gzip members (what `cat a.gz b.gz`, pigz and bgzip write) are one file.
#[test]
fn every_gzip_member_is_read() {
    let dir = tempfile::tempdir().unwrap();
    let run = dir.path().join("run");
    ok(&[
        "train",
        "--epochs",
        "1",
        "--widths",
        "16",
        "-o",
        run.to_str().unwrap(),
    ]);
    let multi = case("gzip_multi_member/digits_multi.csv.gz");
    let out = ok(&["predict", run.to_str().unwrap(), multi.to_str().unwrap()]);
    assert_eq!(out.lines().count(), 1797);

    let idx = case("gzip_multi_member/idx_multi_member");
    let run = dir.path().join("idx");
    let out = ok(&[
        "train",
        "--data",
        &format!("fashion-mnist:{}", idx.display()),
        "--epochs",
        "1",
        "--widths",
        "16",
        "-o",
        run.to_str().unwrap(),
    ]);
    assert!(out.contains("(300 train / 60 test, 10 classes)"), "{out}");
}

/// Hidden entries (`.ipynb_checkpoints/`, `.DS_Store`) are never classes or inputs.
#[test]
fn hidden_entries_are_not_classes() {
    let dir = tempfile::tempdir().unwrap();
    let run = dir.path().join("run");
    let folder = case("hidden_class_dir/folder");
    let out = ok(&[
        "train",
        "--data",
        &format!("folder:{}", folder.display()),
        "--epochs",
        "3",
        "--widths",
        "8",
        "--dim",
        "2",
        "-o",
        run.to_str().unwrap(),
    ]);
    assert!(out.contains("2 classes)"), "{out}");
    let m = common::metrics(&run);
    assert_eq!(m["dataset"]["classes"], serde_json::json!(["cat", "dog"]));
    // 12 images per class, 2 of each held out for testing.
    assert_eq!(m["dataset"]["train_examples"].as_u64(), Some(20));
    // A folder of inputs: the hidden file is skipped, the 12 images are classified.
    let out = ok(&[
        "predict",
        run.to_str().unwrap(),
        folder.join("cat").to_str().unwrap(),
    ]);
    assert_eq!(out.lines().count(), 12, "{out}");
    // Any other stray entry is named, not skipped.
    let copy = dir.path().join("folder");
    for class in ["cat", "dog"] {
        std::fs::create_dir_all(copy.join(class)).unwrap();
        for e in std::fs::read_dir(folder.join(class)).unwrap() {
            let p = e.unwrap().path();
            std::fs::copy(&p, copy.join(class).join(p.file_name().unwrap())).unwrap();
        }
    }
    std::fs::write(copy.join("dog/notes.txt"), "a stray file").unwrap();
    fails(
        &[
            "train",
            "--data",
            &format!("folder:{}", copy.display()),
            "-o",
            run.to_str().unwrap(),
        ],
        "dog/notes.txt: not a PNG or JPEG image (hidden entries are skipped)",
    );
}

/// `--batch-size 1` with the BatchNorm head cannot train (one example normalises to a constant
/// embedding): refused up front, saying why and what works; without the head it trains.
#[test]
fn batch_size_one_is_refused_with_the_batchnorm_head_and_trains_without_it() {
    let dir = tempfile::tempdir().unwrap();
    let run = dir.path().join("run");
    let r = run.to_str().unwrap();
    for backbone in ["mlp", "cnn"] {
        fails(
            &[
                "train",
                "--batch-size",
                "1",
                "--backbone",
                backbone,
                "-o",
                r,
            ],
            "--batch-size = 1: expected at least 2 with the BatchNorm head (--head-bn true)",
        );
    }
    assert!(
        !run.exists(),
        "nothing is written for a refused configuration"
    );
    let out = ok(&[
        "train",
        "--batch-size",
        "1",
        "--head-bn",
        "false",
        "--train-limit",
        "200",
        "--epochs",
        "1",
        "--widths",
        "16",
        "-o",
        r,
    ]);
    assert!(out.contains("test top-1"), "{out}");
}
