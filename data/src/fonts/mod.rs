//! `fonts:DIR[,chars=alnum|lgc|cjk|@FILE][,size=32]`: real many-class images from the fonts on
//! the machine — one class per character, one image per (face, character).
//!
//! Every face of every font file under `DIR` ([`faces::font_files`]) that covers the whole set
//! (each character mapped to a glyph with ink) and is not a symbol font
//! ([`faces::names_agree`]) is rendered ([`render`]); a face whose images are
//! near-identical to a face kept before it (mean absolute difference below
//! [`DUPLICATE_MEAN_DIFF`] of full scale — the same design shipped twice, or a "Book" and a
//! "Regular" that differ in name only) is dropped. The split is **by family**: families are
//! shuffled with `--split-seed` and held out whole until `--test-fraction` of the faces are in
//! the test split, so a test glyph's design was never seen in a sibling weight. Rendering is
//! deterministic (no random choice but the split). The faces used, their split and the counts
//! of faces left out and why are in the dataset's [`Report`], which the run keeps in
//! `dataset.json`.

pub mod charset;
pub mod faces;
pub mod render;

use std::path::{Path, PathBuf};

use rand::SeedableRng;
use rand::seq::SliceRandom;
use rand_chacha::ChaCha8Rng;

pub use charset::Charset;
pub use faces::FaceRecord;

use crate::error::{Error, Result};
use crate::{Dataset, Shape, Split, image};

/// Default image side in pixels.
pub const DEFAULT_SIZE: usize = 32;
/// Largest image side.
pub const MAX_SIZE: usize = 256;
/// Faces whose images differ by less than this mean absolute difference (fraction of full
/// scale) from a kept face are duplicates.
pub const DUPLICATE_MEAN_DIFF: f64 = 0.01;

/// What `fonts:` reads.
#[derive(Clone, Debug, PartialEq)]
pub struct Fonts {
    /// Folder searched for font files.
    pub dir: PathBuf,
    /// The classes.
    pub chars: Charset,
    /// Image side in pixels.
    pub size: usize,
}

impl Fonts {
    /// Parses `DIR[,chars=…][,size=N]` (after `fonts:`).
    ///
    /// # Errors
    /// [`Error::Arg`] for an empty folder name, an unknown key or a bad value.
    pub fn parse(s: &str) -> Result<Self> {
        let mut parts = s.split(',');
        let dir = parts.next().filter(|d| !d.is_empty()).ok_or_else(|| {
            Error::arg(
                "--data",
                s,
                "fonts:DIR[,chars=alnum|lgc|cjk|@FILE][,size=N]",
            )
        })?;
        let mut f = Fonts {
            dir: PathBuf::from(dir),
            chars: Charset::Alnum,
            size: DEFAULT_SIZE,
        };
        for kv in parts {
            match kv.split_once('=') {
                Some(("chars", v)) => f.chars = Charset::parse(v)?,
                Some(("size", v)) => {
                    f.size = v
                        .parse()
                        .ok()
                        .filter(|n| (8..=MAX_SIZE).contains(n))
                        .ok_or_else(|| Error::arg("--data", kv, "size=N with N in 8..=256"))?;
                }
                _ => {
                    return Err(Error::arg(
                        "--data",
                        kv,
                        "chars=alnum|lgc|cjk|@FILE or size=N",
                    ));
                }
            }
        }
        Ok(f)
    }
}

/// The faces a `fonts:` dataset used and those it left out.
#[derive(Clone, Debug, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Report {
    /// The character set (`alnum`, `lgc`, `cjk`, `@FILE`).
    pub chars: String,
    /// Font files found.
    pub files: usize,
    /// Faces in them.
    pub faces_found: usize,
    /// Faces missing a character of the set (or its ink), or that the rasteriser refuses.
    pub not_covering: usize,
    /// Symbol and dingbat faces: a glyph on a Latin letter or digit named as another character
    /// ([`faces::names_agree`]).
    #[serde(default)]
    pub symbol: usize,
    /// Faces near-identical to a kept one.
    pub duplicates: usize,
    /// The faces used, training ones first.
    pub train_faces: Vec<FaceRecord>,
    /// The held-out faces (whole families).
    pub test_faces: Vec<FaceRecord>,
}

/// One rendered face.
struct Rendered {
    record: FaceRecord,
    /// `K · size²` pixels.
    pixels: Vec<u8>,
}

/// Loads the dataset: renders, drops duplicates, splits by family.
///
/// # Errors
/// [`Error::Io`]/[`Error::Format`] naming an unreadable folder or font file; [`Error::Format`]
/// naming `DIR` when no font file is found, no face covers the set, or the covering faces
/// come from fewer than two families (the split holds families out whole).
pub fn load(spec: &Fonts, test_fraction: f64, seed: u64) -> Result<(Dataset, Report)> {
    let chars = spec.chars.chars()?;
    let (kept, mut report) = render_all(spec, &chars)?;
    let test = held_out(&spec.dir, &kept, test_fraction, seed)?;
    let (mut train, mut test_split) = (Split::default(), Split::default());
    for (r, &is_test) in kept.iter().zip(&test) {
        let (split, faces) = if is_test {
            (&mut test_split, &mut report.test_faces)
        } else {
            (&mut train, &mut report.train_faces)
        };
        append(split, &r.pixels, spec.size * spec.size);
        faces.push(r.record.clone());
    }
    let shape = Shape {
        channels: 1,
        height: spec.size,
        width: spec.size,
    };
    let classes = chars.iter().map(|c| c.to_string()).collect();
    let name = format!(
        "fonts:{},chars={},size={}",
        spec.dir.display(),
        spec.chars,
        spec.size
    );
    let ds = Dataset::new(&name, classes, shape, image::PIXEL_SCALE, train, test_split);
    Ok((ds, report))
}

/// Every usable face under `spec.dir` rendered, in file order, and the counts of those left out.
fn render_all(spec: &Fonts, chars: &[char]) -> Result<(Vec<Rendered>, Report)> {
    let files = faces::font_files(&spec.dir)?;
    if files.is_empty() {
        return Err(Error::format(
            &spec.dir,
            "no font files (.ttf, .otf, .ttc, .otc) found",
        ));
    }
    let mut report = Report {
        chars: spec.chars.to_string(),
        files: files.len(),
        ..Report::default()
    };
    let mut kept: Vec<Rendered> = Vec::new();
    for file in &files {
        let bytes = std::fs::read(file).map_err(|e| Error::io(file, e))?;
        for (index, record) in faces::faces(file, &bytes)? {
            report.faces_found += 1;
            if !faces::covers(&bytes, index, chars) {
                report.not_covering += 1;
            } else if !faces::names_agree(&bytes, index, chars) {
                report.symbol += 1;
            } else {
                match render::render(&bytes, index, chars, spec.size) {
                    None => report.not_covering += 1,
                    Some(p) if kept.iter().any(|k| near_identical(&k.pixels, &p)) => {
                        report.duplicates += 1;
                    }
                    Some(pixels) => kept.push(Rendered { record, pixels }),
                }
            }
        }
    }
    if kept.is_empty() {
        return Err(Error::format(
            &spec.dir,
            format!(
                "none of {} faces covers chars={} ({} characters)",
                report.faces_found,
                report.chars,
                chars.len()
            ),
        ));
    }
    Ok((kept, report))
}

/// Whether two faces' images differ by less than [`DUPLICATE_MEAN_DIFF`] on average (stops as
/// soon as the sum exceeds the bound: most pairs differ in their first glyph).
fn near_identical(a: &[u8], b: &[u8]) -> bool {
    let bound = (DUPLICATE_MEAN_DIFF * 255.0 * a.len() as f64) as u64;
    let mut sum = 0u64;
    for (x, y) in a.chunks(1024).zip(b.chunks(1024)) {
        sum += x
            .iter()
            .zip(y)
            .map(|(&p, &q)| u64::from(p.abs_diff(q)))
            .sum::<u64>();
        if sum >= bound {
            return false;
        }
    }
    true
}

/// Which faces are in the test split: whole families, shuffled by `seed`, until
/// `test_fraction` of the faces (at least one family, never all).
fn held_out(dir: &Path, kept: &[Rendered], test_fraction: f64, seed: u64) -> Result<Vec<bool>> {
    let mut families: Vec<&str> = kept.iter().map(|r| r.record.family.as_str()).collect();
    families.sort_unstable();
    families.dedup();
    if families.len() < 2 {
        return Err(Error::format(
            dir,
            format!(
                "the {} covering face(s) are all of one family ({}): the split holds families out whole, so it needs two",
                kept.len(),
                families.first().copied().unwrap_or_default()
            ),
        ));
    }
    families.shuffle(&mut ChaCha8Rng::seed_from_u64(seed));
    let target = (test_fraction * kept.len() as f64).round().max(1.0) as usize;
    let mut test = vec![false; kept.len()];
    let mut n = 0;
    for fam in &families[..families.len() - 1] {
        if n >= target {
            break;
        }
        for (t, r) in test.iter_mut().zip(kept) {
            if r.record.family == *fam {
                *t = true;
                n += 1;
            }
        }
    }
    Ok(test)
}

/// Appends a face's images (pixels scaled to `[0, 1]`) and their classes `0..K`.
fn append(split: &mut Split, pixels: &[u8], features: usize) {
    split.x.extend(
        pixels
            .iter()
            .map(|&p| (f64::from(p) * image::PIXEL_SCALE) as f32),
    );
    split
        .y
        .extend((0..pixels.len() / features).map(|c| c as u32));
}
