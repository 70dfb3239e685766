//! `fonts:DIR` on real faces: subsets of DejaVu shipped in `tests/fonts/` (their licence and the
//! script that made them are there), so these tests need no system fonts. The tests named
//! `system_*` read the system's font packages instead and run only with `DL2PA_SYSTEM_DATA=1`
//! (CI sets it after installing the packages).

use std::path::{Path, PathBuf};

use dl2pa_data::fonts::{self, Fonts};
use dl2pa_data::{DataSpec, LoadOptions, load};

/// The shipped fixtures.
const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fonts");

/// A folder of the system's, when `DL2PA_SYSTEM_DATA=1` asks for tests of the system's
/// packages; `None` (the test does nothing) otherwise.
fn system(dir: &str) -> Option<PathBuf> {
    if std::env::var_os("DL2PA_SYSTEM_DATA").is_some_and(|v| v == "1") {
        Some(PathBuf::from(dir))
    } else {
        eprintln!("skipped: reads {dir}; set DL2PA_SYSTEM_DATA=1 to run it");
        None
    }
}

/// A folder with the named fixture files (and `extra` copies under other names).
fn folder(files: &[&str], extra: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for f in files {
        std::fs::copy(Path::new(FIXTURES).join(f), dir.path().join(f)).unwrap();
    }
    for (from, to) in extra {
        std::fs::copy(Path::new(FIXTURES).join(from), dir.path().join(to)).unwrap();
    }
    dir
}

/// The families of the faces a load kept, train then test.
fn families(report: &fonts::Report) -> Vec<&str> {
    report
        .train_faces
        .iter()
        .chain(&report.test_faces)
        .map(|f| f.family.as_str())
        .collect()
}

fn spec(dir: &Path, rest: &str) -> Fonts {
    Fonts::parse(&format!("{}{rest}", dir.display())).unwrap()
}

const FOUR: [&str; 4] = [
    "DejaVuSans.ttf",
    "DejaVuSans-Bold.ttf",
    "DejaVuSansMono.ttf",
    "DejaVuSerif.ttf",
];

#[test]
fn every_face_gives_one_image_per_character_split_by_family() {
    let dir = folder(&FOUR, &[("DejaVuSans.ttf", "copy-of-sans.ttf")]);
    let (ds, report) = fonts::load(&spec(dir.path(), ""), 0.3, 0).unwrap();
    assert_eq!(ds.classes(), 62);
    assert_eq!(
        (ds.shape().height, ds.shape().width, ds.shape().channels),
        (32, 32, 1)
    );
    assert_eq!(
        (
            report.files,
            report.faces_found,
            report.duplicates,
            report.not_covering
        ),
        (5, 5, 1, 0)
    );
    let kept = report.train_faces.len() + report.test_faces.len();
    assert_eq!(kept, 4);
    assert_eq!(ds.train.len() + ds.test.len(), 4 * 62);
    assert_eq!(ds.test.len(), 62 * report.test_faces.len());
    // Whole families: no test face has a sibling in training.
    for t in &report.test_faces {
        assert!(
            report.train_faces.iter().all(|f| f.family != t.family),
            "{t:?}"
        );
    }
    // Every class once per face, in character order.
    assert_eq!(ds.train.counts(62), vec![report.train_faces.len(); 62]);
    assert!(
        report
            .train_faces
            .iter()
            .chain(&report.test_faces)
            .all(|f| f.licence.is_some())
    );
}

#[test]
fn rendering_is_deterministic_and_keeps_case() {
    let dir = folder(&FOUR, &[]);
    let s = spec(dir.path(), ",size=24");
    let (a, _) = fonts::load(&s, 0.3, 7).unwrap();
    let (b, _) = fonts::load(&s, 0.3, 7).unwrap();
    assert_eq!(a.train.x, b.train.x);
    let ink = |c: char| -> f32 {
        let k = a
            .schema
            .classes
            .iter()
            .position(|n| n == &c.to_string())
            .unwrap();
        a.train.x[k * 24 * 24..(k + 1) * 24 * 24].iter().sum()
    };
    // The em box, not the ink box: lower case is smaller than upper case.
    assert!(ink('o') < 0.8 * ink('O'), "{} vs {}", ink('o'), ink('O'));
    assert!(a.train.x.iter().all(|v| (0.0..=1.0).contains(v)));
}

#[test]
fn the_data_spec_reads_fonts_and_records_the_faces() {
    let dir = folder(&FOUR, &[]);
    let spec: DataSpec = format!("fonts:{},chars=lgc,size=16", dir.path().display())
        .parse()
        .unwrap();
    let ds = load(&spec, &LoadOptions::default()).unwrap();
    assert_eq!(ds.classes(), 127);
    let r = ds.fonts.expect("the faces used");
    assert_eq!(r.chars, "lgc");
    assert!(
        ds.name.starts_with("fonts:") && ds.name.ends_with("chars=lgc,size=16"),
        "{}",
        ds.name
    );
}

#[test]
fn bad_font_folders_are_refused_naming_what_is_wrong() {
    let err = |dir: &Path, rest: &str| {
        fonts::load(&spec(dir, rest), 0.3, 0)
            .unwrap_err()
            .to_string()
    };
    let empty = tempfile::tempdir().unwrap();
    assert!(err(empty.path(), "").contains("no font files"));
    let broken = folder(&FOUR, &[]);
    std::fs::write(broken.path().join("Broken.ttf"), b"\0\x01\0\0garbage").unwrap();
    let e = err(broken.path(), "");
    assert!(
        e.contains("Broken.ttf") && e.contains("not a readable font"),
        "{e}"
    );
    let one = folder(&["DejaVuSans.ttf", "DejaVuSans-Bold.ttf"], &[]);
    let e = err(one.path(), "");
    assert!(e.contains("one family") && e.contains("DejaVu Sans"), "{e}");
    let set = one.path().join("set.txt");
    std::fs::write(&set, "字母").unwrap();
    let e = err(one.path(), &format!(",chars=@{}", set.display()));
    assert!(e.contains("none of 2 faces covers"), "{e}");
    for bad in ["", ",size=4", ",chars=latin", ",colour=red"] {
        let s = format!("{}{bad}", if bad.is_empty() { "" } else { "/x" });
        assert!(Fonts::parse(&s).is_err(), "{s:?}");
    }
}

#[test]
fn symbol_fonts_that_put_other_shapes_on_letters_are_left_out() {
    // FixtureSymbol.ttf maps every letter and digit to a Greek glyph (`Lambda` on `A`).
    let dir = folder(&FOUR, &[("FixtureSymbol.ttf", "FixtureSymbol.ttf")]);
    let (_, report) = fonts::load(&spec(dir.path(), ""), 0.3, 0).unwrap();
    assert_eq!((report.faces_found, report.symbol), (5, 1));
    let used = families(&report);
    assert!(used.iter().all(|f| f.starts_with("DejaVu")), "{used:?}");
}

/// URW's base 35 (`apt-get install fonts-urw-base35`): a real dingbat and a real symbol font.
#[test]
fn system_urw_dingbats_and_symbols_are_left_out() {
    let Some(urw) = system("/usr/share/fonts/opentype/urw-base35") else {
        return;
    };
    let dir = folder(&FOUR, &[]);
    for f in ["D050000L.otf", "StandardSymbolsPS.otf"] {
        std::fs::copy(urw.join(f), dir.path().join(f)).unwrap();
    }
    let (_, report) = fonts::load(&spec(dir.path(), ""), 0.3, 0).unwrap();
    assert_eq!((report.faces_found, report.symbol), (6, 2));
    let used = families(&report);
    assert!(used.iter().all(|f| f.starts_with("DejaVu")), "{used:?}");
}

/// The offset of table `tag` in the font file `bytes`.
fn table(bytes: &[u8], tag: &[u8; 4]) -> usize {
    let be32 = |at: usize| u32::from_be_bytes(bytes[at..at + 4].try_into().unwrap()) as usize;
    let tables = usize::from(u16::from_be_bytes([bytes[4], bytes[5]]));
    let entry = (0..tables)
        .map(|i| 12 + 16 * i)
        .find(|&e| &bytes[e..e + 4] == tag)
        .unwrap();
    be32(entry + 8)
}

#[test]
fn a_face_whose_outlines_dwarf_its_metrics_is_refused_not_rasterised() {
    // DejaVu Sans with an ascent − descent of one font unit (hhea, OS/2 typo and win metrics)
    // and every advance zero: each glyph's ink then spans thousands of boxes, and drawing it
    // whole would take gigabytes (found by the font_face fuzz target).
    let mut bytes = std::fs::read(Path::new(FIXTURES).join("DejaVuSans.ttf")).unwrap();
    let hhea = table(&bytes, b"hhea");
    bytes[hhea + 4..hhea + 8].copy_from_slice(&[0, 1, 0, 0]);
    let os2 = table(&bytes, b"OS/2");
    bytes[os2 + 68..os2 + 72].copy_from_slice(&[0, 1, 0, 0]);
    bytes[os2 + 74..os2 + 78].copy_from_slice(&[0, 1, 0, 0]);
    let metrics = usize::from(u16::from_be_bytes([bytes[hhea + 34], bytes[hhea + 35]]));
    let hmtx = table(&bytes, b"hmtx");
    for m in 0..metrics {
        bytes[hmtx + 4 * m..hmtx + 4 * m + 2].fill(0);
    }
    let chars: Vec<char> = "0Aa".chars().collect();
    assert!(fonts::faces::covers(&bytes, 0, &chars));
    assert_eq!(fonts::render::render(&bytes, 0, &chars, 32), None);

    let dir = folder(&FOUR, &[]);
    std::fs::write(dir.path().join("broken.ttf"), &bytes).unwrap();
    let (_, report) = fonts::load(&spec(dir.path(), ""), 0.3, 0).unwrap();
    assert_eq!((report.faces_found, report.not_covering), (5, 1));
}

/// Field case 2026-12-06 `ft2-empty-glyph`: a face whose `b` is a contour of zero area has a
/// glyph box but no ink; it does not cover `b` and is left out, not trained on as a blank `b`.
#[test]
fn a_face_with_an_inkless_glyph_does_not_cover_that_character() {
    let dir = folder(&["DejaVuSansMono.ttf", "DejaVuSerif.ttf"], &[]);
    let degenerate = Path::new(FIXTURES).join("empty-glyph/DejaVuSans-EmptyB.ttf");
    std::fs::copy(&degenerate, dir.path().join("DejaVuSans-EmptyB.ttf")).unwrap();
    let set = dir.path().join("chars.txt");
    std::fs::write(&set, "ABCabc012").unwrap();
    let bytes = std::fs::read(&degenerate).unwrap();
    let abc: Vec<char> = "ABCabc012".chars().collect();
    assert_eq!(fonts::render::render(&bytes, 0, &abc, 32), None);
    let without_b: Vec<char> = "ABCac012".chars().collect();
    assert!(fonts::render::render(&bytes, 0, &without_b, 32).is_some());

    let (ds, report) = fonts::load(
        &spec(dir.path(), &format!(",chars=@{}", set.display())),
        0.3,
        0,
    )
    .unwrap();
    assert_eq!((report.faces_found, report.not_covering), (3, 1));
    let used = families(&report);
    assert!(!used.contains(&"DejaVu Sans"), "{used:?}");
    assert_eq!(ds.train.len() + ds.test.len(), 2 * 9);
}

/// Every DejaVu face of the system (`apt-get install fonts-dejavu-core`) gives the 62 classes.
#[test]
fn system_dejavu_faces_give_every_alnum_class() {
    let Some(dejavu) = system("/usr/share/fonts/truetype/dejavu") else {
        return;
    };
    let (ds, report) = fonts::load(&spec(&dejavu, ""), 0.3, 0).unwrap();
    assert_eq!(ds.classes(), 62);
    assert!(
        report.train_faces.len() + report.test_faces.len() >= 4,
        "{report:?}"
    );
}
