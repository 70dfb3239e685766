//! `fonts:DIR` through the CLI: `dl2pa data` shows what a font folder holds, a run trained on
//! it records its faces in `dataset.json`, and the run classifies a glyph saved as a PNG after
//! the fonts are gone. Uses the DejaVu subsets shipped in `data/tests/fonts/` (no system fonts).

mod common;

use std::path::Path;

use common::{fails, ok, predicted};
use dl2pa_data::fonts::render;

/// The font fixtures of the data crate.
const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../data/tests/fonts");
const FACES: [&str; 4] = [
    "DejaVuSans.ttf",
    "DejaVuSans-Bold.ttf",
    "DejaVuSansMono.ttf",
    "DejaVuSerif.ttf",
];

fn fonts_folder() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for f in FACES {
        std::fs::copy(Path::new(FIXTURES).join(f), dir.path().join(f)).unwrap();
    }
    dir
}

#[test]
fn data_prints_the_faces_and_draws_one_column_per_class() {
    let fonts = fonts_folder();
    let png = fonts.path().join("preview.png");
    let spec = format!("fonts:{},size=16", fonts.path().display());
    let out = ok(&[
        "data",
        "--data",
        &spec,
        "--preview",
        png.to_str().unwrap(),
        "--rows",
        "3",
    ]);
    assert!(out.contains("62 classes, 1x16x16 inputs"), "{out}");
    assert!(
        out.contains("4 font files, 4 faces: 0 miss a character"),
        "{out}"
    );
    let img = image::open(&png).unwrap();
    // 62 columns and 3 rows of 16-pixel cells, 1 pixel apart.
    assert_eq!((img.width(), img.height()), (62 * 17 + 1, 3 * 17 + 1));
    let table = "synthetic:classes=3,groups=1,train=5,test=2";
    fails(
        &["data", "--data", table, "--preview", png.to_str().unwrap()],
        "--preview",
    );
}

#[test]
fn a_fonts_run_records_its_faces_and_predicts_without_them() {
    let fonts = fonts_folder();
    let work = tempfile::tempdir().unwrap();
    let run = work.path().join("run");
    let spec = format!("fonts:{},size=16", fonts.path().display());
    ok(&[
        "train",
        "--data",
        &spec,
        "--epochs",
        "2",
        "--dim",
        "8",
        "-o",
        run.to_str().unwrap(),
    ]);
    let info: serde_json::Value =
        serde_json::from_slice(&std::fs::read(run.join("dataset.json")).unwrap()).unwrap();
    let f = &info["fonts"];
    let faces =
        f["train_faces"].as_array().unwrap().len() + f["test_faces"].as_array().unwrap().len();
    assert_eq!(
        (faces, f["chars"].as_str(), f["files"].as_u64()),
        (4, Some("alnum"), Some(4))
    );
    assert!(
        f["test_faces"][0]["family"]
            .as_str()
            .unwrap()
            .starts_with("DejaVu")
    );
    // The 'A' of a face, as a user would save it; then the fonts go away.
    let bytes = std::fs::read(fonts.path().join("DejaVuSerif.ttf")).unwrap();
    let a = render::render(&bytes, 0, &['A'], 16).unwrap();
    let glyph = work.path().join("A.png");
    image::GrayImage::from_raw(16, 16, a)
        .unwrap()
        .save(&glyph)
        .unwrap();
    drop(fonts);
    let out = ok(&["predict", run.to_str().unwrap(), glyph.to_str().unwrap()]);
    let classes = predicted(&out);
    assert_eq!(classes.len(), 1, "{out}");
    let names: Vec<String> = ('0'..='9')
        .chain('A'..='Z')
        .chain('a'..='z')
        .map(String::from)
        .collect();
    assert!(names.contains(&classes[0]), "{out}");
}
