//! PNG and SVG plots with plotters (text through the embedded DejaVu Sans, so no system fonts).
//!
//! Each figure is drawn once per backend by one generic `Figure::draw` and written atomically
//! as `stem.png` and `stem.svg`: an interrupted experiment leaves the previous picture or the
//! new one, never half of one.

mod circle;
mod lines;

use std::path::Path;
use std::sync::Once;

use plotters::coord::Shift;
use plotters::prelude::*;

use crate::error::{Error, Result};
use crate::io::write_atomic;

pub use circle::circle;
pub use lines::{Series, lines};

static FONT: Once = Once::new();

fn font() {
    FONT.call_once(|| {
        let bytes: &'static [u8] = include_bytes!("../../../data/DejaVuSans.ttf");
        let _ = plotters::style::register_font("sans-serif", FontStyle::Normal, bytes);
    });
}

fn palette(i: usize) -> RGBColor {
    const P: [RGBColor; 10] = [
        RGBColor(31, 119, 180),
        RGBColor(255, 127, 14),
        RGBColor(44, 160, 44),
        RGBColor(214, 39, 40),
        RGBColor(148, 103, 189),
        RGBColor(140, 86, 75),
        RGBColor(227, 119, 194),
        RGBColor(127, 127, 127),
        RGBColor(188, 189, 34),
        RGBColor(23, 190, 207),
    ];
    P[i % P.len()]
}

/// Maps a plotters error to one naming the file being drawn.
fn plot_err<E: std::fmt::Debug>(path: &Path) -> impl Fn(E) -> Error + '_ {
    move |e| Error::format(path, format!("plotting failed: {e:?}"))
}

/// A picture that draws itself on any plotters backend.
trait Figure {
    /// Draws on `root` (already white); errors name `path`.
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>, path: &Path) -> Result<()>;
}

/// Writes `stem.png` and `stem.svg` of `figure`, `size` = (width, height) pixels, atomically.
fn both(stem: &Path, size: (u32, u32), figure: &impl Figure) -> Result<()> {
    font();
    let png = stem.with_extension("png");
    let mut rgb = vec![0u8; size.0 as usize * size.1 as usize * 3];
    {
        let root = BitMapBackend::with_buffer(&mut rgb, size).into_drawing_area();
        root.fill(&WHITE).map_err(plot_err(&png))?;
        figure.draw(&root, &png)?;
        root.present().map_err(plot_err(&png))?;
    }
    let image = image::RgbImage::from_raw(size.0, size.1, rgb)
        .ok_or_else(|| Error::format(&png, "plot buffer of the wrong size"))?;
    let mut bytes = Vec::new();
    image::DynamicImage::ImageRgb8(image)
        .write_to(
            &mut std::io::Cursor::new(&mut bytes),
            image::ImageFormat::Png,
        )
        .map_err(plot_err(&png))?;
    write_atomic(&png, &bytes)?;

    let svg = stem.with_extension("svg");
    let mut text = String::new();
    {
        let root = SVGBackend::with_string(&mut text, size).into_drawing_area();
        root.fill(&WHITE).map_err(plot_err(&svg))?;
        figure.draw(&root, &svg)?;
        root.present().map_err(plot_err(&svg))?;
    }
    write_atomic(&svg, text.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn files(dir: &Path) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }

    #[test]
    fn a_plot_is_one_png_and_one_svg_of_its_size_and_nothing_else() {
        let dir = tempfile::tempdir().unwrap();
        let stem = dir.path().join("accuracy");
        let series = [Series {
            label: "dl2pa".into(),
            points: vec![(2.0, 60.0, 1.5), (3.0, 70.0, 0.0), (10.0, 80.0, 0.5)],
        }];
        lines(&stem, "t", "d", "top-1 (%)", &series, true, false).unwrap();
        circle(
            &dir.path().join("circle"),
            "t",
            &[0.6, 0.8],
            &[1],
            &[1.0, 0.0, 0.0, 1.0],
            &["a".into()],
        )
        .unwrap();
        assert_eq!(
            files(dir.path()),
            ["accuracy.png", "accuracy.svg", "circle.png", "circle.svg"]
        );
        let png = image::open(stem.with_extension("png")).unwrap();
        assert_eq!((png.width(), png.height()), (900, 600));
        let svg = std::fs::read_to_string(stem.with_extension("svg")).unwrap();
        assert!(
            svg.starts_with("<svg") && svg.contains("dl2pa"),
            "{}",
            &svg[..80]
        );
    }

    #[test]
    fn nothing_to_plot_is_an_error_naming_the_file_and_writes_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let stem = dir.path().join("empty");
        let nan = [Series {
            label: "x".into(),
            points: vec![(f64::NAN, 1.0, 0.0)],
        }];
        for series in [&[][..], &nan[..]] {
            let e = lines(&stem, "t", "x", "y", series, false, false).unwrap_err();
            assert!(
                e.to_string().contains("empty") && e.to_string().contains("nothing to plot"),
                "{e}"
            );
        }
        assert!(files(dir.path()).is_empty());
    }
}
