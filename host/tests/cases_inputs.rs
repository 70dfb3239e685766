//! The field cases of 2026-12-06 about inputs people really have (`tests/cases/2026-12-06/`):
//! labels written by pandas, a grayscale image among colour ones, and images stored as RGB,
//! palette, RGBA and CMYK. Each gives the right answer or a one-line refusal.

mod common;

use common::{case_1206, fails, ok, predicted};

fn train_table(file: &str, run: &std::path::Path) -> String {
    let data = format!(
        "csv:{}",
        case_1206(&format!("cs1-csv-labels/{file}")).display()
    );
    ok(&[
        "train",
        "--data",
        &data,
        "--label-column",
        "label",
        "--epochs",
        "20",
        "--dim",
        "4",
        "-o",
        run.to_str().unwrap(),
    ])
}

/// `3` and `3.0` are one class (12, not 24), in numeric order, and the run predicts them.
#[test]
fn labels_written_as_integers_and_as_floats_are_the_same_classes() {
    let dir = tempfile::tempdir().unwrap();
    for file in ["labels_int.csv", "labels_float.csv", "labels_mixed.csv"] {
        let run = dir.path().join(file);
        let out = train_table(file, &run);
        assert!(out.contains(", 12 classes)"), "{file}: {out}");
        let m = common::metrics(&run);
        let names: Vec<String> = (0..12).map(|c| c.to_string()).collect();
        assert_eq!(m["dataset"]["classes"], serde_json::json!(names), "{file}");
        let rows = case_1206("cs1-csv-labels/predict_24.csv");
        let got = predicted(&ok(&[
            "predict",
            run.to_str().unwrap(),
            rows.to_str().unwrap(),
        ]));
        let truth =
            std::fs::read_to_string(case_1206("cs1-csv-labels/predict_24_truth.txt")).unwrap();
        let truth: Vec<&str> = truth.lines().collect();
        let right = got.iter().zip(&truth).filter(|(g, t)| g == t).count();
        assert!(right >= 20, "{file}: {right}/24 right: {got:?}");
    }
}

/// An empty or `NaN` label is an error naming the file and the line, never a class.
#[test]
fn a_missing_label_is_an_error_naming_file_and_line() {
    let dir = tempfile::tempdir().unwrap();
    for (file, shown) in [
        ("labels_nan.csv", "\"NaN\""),
        ("labels_one_missing.csv", "\"\""),
    ] {
        let data = format!(
            "csv:{}",
            case_1206(&format!("cs1-csv-labels/{file}")).display()
        );
        let run = dir.path().join(file);
        fails(
            &[
                "train",
                "--data",
                &data,
                "--label-column",
                "label",
                "-o",
                run.to_str().unwrap(),
            ],
            &format!("{file}: line 19: label {shown} is a missing value, not a class"),
        );
        assert!(!run.exists());
    }
}

/// One grayscale image sorting first no longer makes a colour folder grayscale: both orders
/// read 3 channels and separate red from green (of equal luma).
#[test]
fn a_grayscale_image_among_colour_ones_does_not_make_the_folder_grayscale() {
    let dir = tempfile::tempdir().unwrap();
    for order in ["gray_first", "rgb_first"] {
        let run = dir.path().join(order);
        let data = format!(
            "folder:{}",
            case_1206(&format!("im1-colour-modes/{order}")).display()
        );
        ok(&[
            "train",
            "--data",
            &data,
            "--epochs",
            "30",
            "--widths",
            "32",
            "--dim",
            "2",
            "-o",
            run.to_str().unwrap(),
        ]);
        let info: serde_json::Value =
            serde_json::from_slice(&std::fs::read(run.join("dataset.json")).unwrap()).unwrap();
        assert_eq!(info["shape"]["channels"], 3, "{order}");
        let pics = case_1206("im1-colour-modes/predict");
        let got = predicted(&ok(&[
            "predict",
            run.to_str().unwrap(),
            pics.to_str().unwrap(),
        ]));
        assert_eq!(
            got,
            ["b_green"; 5]
                .iter()
                .chain(&["a_red"; 5])
                .copied()
                .collect::<Vec<_>>(),
            "{order}"
        );
    }
}

/// One picture stored as RGB, palette and RGBA PNG reads as the same values; as CMYK and RGB
/// JPEG, as the same colours within JPEG's loss.
#[test]
fn one_picture_in_every_colour_mode_reads_as_the_same_colours() {
    let dir = case_1206("im1-colour-modes/modes/x");
    let read = |f: &str| {
        dl2pa_data::image::decode(&dir.join(f), Some(3))
            .unwrap()
            .values
    };
    let rgb = read("a_rgb.png");
    assert_eq!(read("c_rgba.png"), rgb);
    // A 16-colour palette and JPEG's loss move values a little; a channel read wrongly (CMYK
    // as inverted, red for blue, gray) would move them by tenths.
    for lossy in ["b_palette.png", "d_cmyk.jpg", "e_rgb.jpg"] {
        let v = read(lossy);
        assert_eq!(v.len(), rgb.len());
        let mean: f32 =
            v.iter().zip(&rgb).map(|(a, b)| (a - b).abs()).sum::<f32>() / v.len() as f32;
        assert!(mean < 0.03, "{lossy}: mean difference {mean}");
    }
    // As a folder (classes x, y): every image 3 channels.
    let ds = dl2pa_data::load(
        &format!("folder:{}", case_1206("im1-colour-modes/modes").display())
            .parse()
            .unwrap(),
        &dl2pa_data::LoadOptions {
            test_fraction: 0.3,
            ..Default::default()
        },
    )
    .unwrap();
    assert_eq!(ds.shape().channels, 3);
}
