//! Line plots with error bars (accuracy against d, solver time against K, …).

use std::path::Path;

use plotters::coord::Shift;
use plotters::coord::ranged1d::ValueFormatter;
use plotters::prelude::*;

use super::{Figure, both, palette, plot_err};
use crate::error::{Error, Result};

/// One line of a line plot: points `(x, mean, half-spread)`.
pub struct Series {
    /// Legend label.
    pub label: String,
    /// Points.
    pub points: Vec<(f64, f64, f64)>,
}

/// Lines with error bars; `log_x` / `log_y` for logarithmic axes. Writes `stem.png` and
/// `stem.svg`.
///
/// # Errors
/// [`Error::Format`](crate::data::Error::Format) naming the file if there is no point to plot
/// or drawing fails;
/// [`Error::Io`](crate::data::Error::Io) if a file cannot be written.
pub fn lines(
    stem: &Path,
    title: &str,
    x_label: &str,
    y_label: &str,
    series: &[Series],
    log_x: bool,
    log_y: bool,
) -> Result<()> {
    let bounds = Bounds::of(series).ok_or_else(|| Error::format(stem, "nothing to plot"))?;
    let plot = LinePlot {
        title,
        x_label,
        y_label,
        series,
        log_x,
        log_y,
        bounds,
    };
    both(stem, (900, 600), &plot)
}

/// The data's extent, error bars included.
struct Bounds {
    x: (f64, f64),
    y: (f64, f64),
}

impl Bounds {
    /// `None` without a finite point.
    fn of(series: &[Series]) -> Option<Self> {
        let (mut x, mut y) = (
            (f64::INFINITY, f64::NEG_INFINITY),
            (f64::INFINITY, f64::NEG_INFINITY),
        );
        for &(px, py, e) in series.iter().flat_map(|s| s.points.iter()) {
            x = (x.0.min(px), x.1.max(px));
            y = (y.0.min(py - e), y.1.max(py + e));
        }
        x.0.is_finite().then_some(Self { x, y })
    }
}

/// 5 % of a linear axis' span on each side (1 if the span is empty).
fn pad((a, b): (f64, f64)) -> std::ops::Range<f64> {
    let p = if b > a { (b - a) * 0.05 } else { 1.0 };
    a - p..b + p
}

/// A logarithmic x axis around `(a, b)`, 10 % wider on each side.
fn log_x_axis((a, b): (f64, f64)) -> LogCoord<f64> {
    (a * 0.9..b * 1.1).log_scale().into()
}

/// A logarithmic y axis around `(a, b)`: 20 % below (kept above zero), 25 % above.
fn log_y_axis((a, b): (f64, f64)) -> LogCoord<f64> {
    ((a * 0.8).max(1e-9)..b * 1.25).log_scale().into()
}

struct LinePlot<'a> {
    title: &'a str,
    x_label: &'a str,
    y_label: &'a str,
    series: &'a [Series],
    log_x: bool,
    log_y: bool,
    bounds: Bounds,
}

impl Figure for LinePlot<'_> {
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>, path: &Path) -> Result<()> {
        let e = plot_err(path);
        let mut b = ChartBuilder::on(root);
        b.caption(self.title, ("sans-serif", 22))
            .margin(12)
            .x_label_area_size(40)
            .y_label_area_size(56);
        let (x, y) = (self.bounds.x, self.bounds.y);
        match (self.log_x, self.log_y) {
            (true, true) => self.chart(
                b.build_cartesian_2d(log_x_axis(x), log_y_axis(y))
                    .map_err(&e)?,
                path,
            ),
            (true, false) => self.chart(
                b.build_cartesian_2d(log_x_axis(x), pad(y)).map_err(&e)?,
                path,
            ),
            (false, true) => self.chart(
                b.build_cartesian_2d(pad(x), log_y_axis(y)).map_err(&e)?,
                path,
            ),
            (false, false) => self.chart(b.build_cartesian_2d(pad(x), pad(y)).map_err(&e)?, path),
        }
    }
}

impl LinePlot<'_> {
    /// Mesh, every series (line, points, error bars) and the legend on `chart`.
    fn chart<'a, DB, X, Y>(
        &self,
        mut chart: ChartContext<'a, DB, Cartesian2d<X, Y>>,
        path: &Path,
    ) -> Result<()>
    where
        DB: DrawingBackend + 'a,
        X: Ranged<ValueType = f64> + ValueFormatter<f64>,
        Y: Ranged<ValueType = f64> + ValueFormatter<f64>,
    {
        let e = plot_err(path);
        chart
            .configure_mesh()
            .x_desc(self.x_label)
            .y_desc(self.y_label)
            .x_labels(8)
            .x_label_formatter(&|x| format!("{x:.0}"))
            .label_style(("sans-serif", 14))
            .draw()
            .map_err(&e)?;
        for (i, s) in self.series.iter().enumerate() {
            let c = palette(i);
            chart
                .draw_series(LineSeries::new(
                    s.points.iter().map(|&(x, y, _)| (x, y)),
                    c.stroke_width(2),
                ))
                .map_err(&e)?
                .label(s.label.clone())
                .legend(move |(x, y)| {
                    PathElement::new(vec![(x, y), (x + 18, y)], c.stroke_width(2))
                });
            chart
                .draw_series(
                    s.points
                        .iter()
                        .map(|&(x, y, _)| Circle::new((x, y), 3, c.filled())),
                )
                .map_err(&e)?;
            let bars = s.points.iter().filter(|p| p.2 > 0.0);
            chart
                .draw_series(bars.map(|&(x, y, sp)| {
                    PathElement::new(vec![(x, y - sp), (x, y + sp)], c.stroke_width(1))
                }))
                .map_err(&e)?;
        }
        chart
            .configure_series_labels()
            .background_style(WHITE.mix(0.85))
            .border_style(BLACK)
            .label_font(("sans-serif", 14))
            .draw()
            .map_err(&e)?;
        Ok(())
    }
}
