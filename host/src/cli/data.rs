//! `dl2pa data`: load a `--data` spec as training would, print what it holds, and optionally
//! draw a preview grid — one column per class, one row per example (for `fonts:`, per face).

use std::path::PathBuf;

use crate::data::{self, DataSpec, Dataset, LoadOptions};
use crate::error::{Error, Result};

/// `dl2pa data`.
#[derive(Debug, clap::Args)]
pub struct DataArgs {
    /// Dataset, as `dl2pa train --data` takes it.
    #[arg(long, value_name = "SPEC")]
    pub data: String,
    /// Label column of csv:FILE (name or 0-based index).
    #[arg(long, value_name = "COL")]
    pub label_column: Option<String>,
    /// Fraction held out for testing where the data has no test split.
    #[arg(long, default_value_t = 0.2)]
    pub test_fraction: f64,
    /// Seed of that split.
    #[arg(long, default_value_t = 0)]
    pub split_seed: u64,
    /// Write a PNG grid of training images here (image data only).
    #[arg(long, value_name = "FILE")]
    pub preview: Option<PathBuf>,
    /// Rows of the preview: the first N training examples of each class.
    #[arg(long, default_value_t = 8)]
    pub rows: usize,
    /// Columns of the preview: the first N classes.
    #[arg(long, default_value_t = 62)]
    pub columns: usize,
}

pub(super) fn run(a: &DataArgs) -> Result<()> {
    let spec: DataSpec = a.data.parse()?;
    let opts = LoadOptions {
        label_column: a.label_column.clone(),
        test_fraction: a.test_fraction,
        split_seed: a.split_seed,
    };
    let ds = data::load(&spec, &opts)?;
    let s = ds.shape();
    println!("{}", ds.name);
    println!(
        "  {} classes, {}x{}x{} inputs, {} train / {} test examples",
        ds.classes(),
        s.channels,
        s.height,
        s.width,
        ds.train.len(),
        ds.test.len()
    );
    if let Some(f) = &ds.fonts {
        println!(
            "  {} font files, {} faces: {} miss a character of chars={}, {} symbol fonts, {} near-duplicates, {} train / {} test faces",
            f.files,
            f.faces_found,
            f.not_covering,
            f.chars,
            f.symbol,
            f.duplicates,
            f.train_faces.len(),
            f.test_faces.len()
        );
    }
    if let Some(out) = &a.preview {
        crate::io::write_atomic(out, &preview(&ds, a.rows, a.columns)?)?;
        println!("  preview: {}", out.display());
    }
    Ok(())
}

/// A PNG of `rows × columns` training images (grayscale or RGB as the data), 1 pixel apart.
fn preview(ds: &Dataset, rows: usize, columns: usize) -> Result<Vec<u8>> {
    let s = ds.shape();
    if !s.is_image() || !matches!(s.channels, 1 | 3) {
        return Err(Error::arg(
            "--preview",
            format!(
                "{} ({}x{}x{} inputs)",
                ds.name, s.channels, s.height, s.width
            ),
            "image data (grayscale or RGB)",
        ));
    }
    let columns = columns.min(ds.classes()).max(1);
    let (cell_w, cell_h) = (s.width + 1, s.height + 1);
    let (w, h) = (columns * cell_w + 1, rows.max(1) * cell_h + 1);
    let mut img = image::RgbImage::from_pixel(w as u32, h as u32, image::Rgb([128, 128, 128]));
    let mut seen = vec![0usize; columns];
    for (i, &y) in ds.train.y.iter().enumerate() {
        let c = y as usize;
        if c >= columns || seen[c] >= rows {
            continue;
        }
        let x = &ds.train.x[i * s.features()..(i + 1) * s.features()];
        let (x0, y0) = (1 + c * cell_w, 1 + seen[c] * cell_h);
        for py in 0..s.height {
            for px in 0..s.width {
                let v = |ch: usize| {
                    (x[(ch * s.height + py) * s.width + px].clamp(0.0, 1.0) * 255.0).round() as u8
                };
                let rgb = if s.channels == 1 {
                    [v(0); 3]
                } else {
                    [v(0), v(1), v(2)]
                };
                img.put_pixel((x0 + px) as u32, (y0 + py) as u32, image::Rgb(rgb));
            }
        }
        seen[c] += 1;
    }
    let mut png = Vec::new();
    image::DynamicImage::ImageRgb8(img)
        .write_to(&mut std::io::Cursor::new(&mut png), image::ImageFormat::Png)
        .map_err(|e| Error::arg("--preview", e, "a PNG the image crate can encode"))?;
    Ok(png)
}
