//! The d = 2 picture: test embeddings and prototypes on the unit circle.

use std::path::Path;

use plotters::coord::Shift;
use plotters::prelude::*;

use super::{Figure, both, palette, plot_err};
use crate::error::Result;

/// Test embeddings in d = 2 (points coloured by class) and the prototypes on the unit circle,
/// each labelled with the class the assignment gave it. Writes `stem.png` and `stem.svg`.
///
/// `z`: `[n, 2]` embeddings, row-major; `labels`: their `n` classes; `class_protos`: `[K, 2]`,
/// row c the prototype of class c; `names`: the K class names.
///
/// # Errors
/// [`Error::Format`](crate::data::Error::Format) naming the file if drawing fails;
/// [`Error::Io`](crate::data::Error::Io) if a file cannot be written.
pub fn circle(
    stem: &Path,
    title: &str,
    z: &[f32],
    labels: &[u32],
    class_protos: &[f32],
    names: &[String],
) -> Result<()> {
    let plot = CirclePlot {
        title,
        z,
        labels,
        class_protos,
        names,
    };
    both(stem, (760, 760), &plot)
}

struct CirclePlot<'a> {
    title: &'a str,
    z: &'a [f32],
    labels: &'a [u32],
    class_protos: &'a [f32],
    names: &'a [String],
}

impl Figure for CirclePlot<'_> {
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>, path: &Path) -> Result<()> {
        let e = plot_err(path);
        let mut chart = ChartBuilder::on(root)
            .caption(self.title, ("sans-serif", 22))
            .margin(12)
            .build_cartesian_2d(-1.45f64..1.45, -1.45f64..1.45)
            .map_err(&e)?;
        let unit_circle = (0..180).map(|i| {
            let (a, b) = (
                f64::from(2 * i).to_radians(),
                f64::from(2 * i + 2).to_radians(),
            );
            PathElement::new(vec![(a.cos(), a.sin()), (b.cos(), b.sin())], BLACK.mix(0.3))
        });
        chart.draw_series(unit_circle).map_err(&e)?;
        // Points just inside the circle, each class at its own radius so classes stay apart.
        let k = self.names.len().max(1) as f64;
        let points = self.z.chunks_exact(2).zip(self.labels).map(|(p, &c)| {
            let r = 0.8 + 0.1 * (f64::from(c) / k);
            let colour = palette(c as usize).mix(0.35).filled();
            Circle::new((f64::from(p[0]) * r, f64::from(p[1]) * r), 2, colour)
        });
        chart.draw_series(points).map_err(&e)?;
        for (c, p) in self.class_protos.chunks_exact(2).enumerate() {
            let (x, y) = (f64::from(p[0]), f64::from(p[1]));
            let dot = Circle::new((x, y), 7, palette(c).filled());
            chart.draw_series(std::iter::once(dot)).map_err(&e)?;
            let name = self.names.get(c).cloned().unwrap_or_default();
            let font = ("sans-serif", 15).into_font().color(&palette(c));
            let label = Text::new(name, (x * 1.16 - 0.12, y * 1.16 + 0.03), font);
            chart.draw_series(std::iter::once(label)).map_err(&e)?;
        }
        Ok(())
    }
}
