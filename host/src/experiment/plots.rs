//! PNG and SVG plots with plotters (text through the embedded DejaVu Sans, so no system fonts).

use std::path::Path;
use std::sync::Once;

use plotters::coord::Shift;
use plotters::prelude::*;

use crate::error::{Error, Result};

static FONT: Once = Once::new();

fn font() {
    FONT.call_once(|| {
        let bytes: &'static [u8] = include_bytes!("../../data/DejaVuSans.ttf");
        let _ = plotters::style::register_font("sans-serif", FontStyle::Normal, bytes);
    });
}

/// One line of a line plot: points `(x, mean, half-spread)`.
pub struct Series {
    /// Legend label.
    pub label: String,
    /// Points.
    pub points: Vec<(f64, f64, f64)>,
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

fn plot_err<E: std::fmt::Debug>(path: &Path) -> impl Fn(E) -> Error + '_ {
    move |e| Error::format(path, format!("plotting failed: {e:?}"))
}

/// Writes `stem.png` and `stem.svg`.
fn both(
    stem: &Path,
    size: (u32, u32),
    draw_png: impl Fn(&DrawingArea<BitMapBackend<'_>, Shift>) -> Result<()>,
    draw_svg: impl Fn(&DrawingArea<SVGBackend<'_>, Shift>) -> Result<()>,
) -> Result<()> {
    font();
    let png = stem.with_extension("png");
    let svg = stem.with_extension("svg");
    {
        let root = BitMapBackend::new(&png, size).into_drawing_area();
        root.fill(&WHITE).map_err(plot_err(&png))?;
        draw_png(&root)?;
        root.present().map_err(plot_err(&png))?;
    }
    {
        let root = SVGBackend::new(&svg, size).into_drawing_area();
        root.fill(&WHITE).map_err(plot_err(&svg))?;
        draw_svg(&root)?;
        root.present().map_err(plot_err(&svg))?;
    }
    Ok(())
}

/// Lines with error bars; `log_x` / `log_y` for logarithmic axes.
pub fn lines(
    stem: &Path,
    title: &str,
    x_label: &str,
    y_label: &str,
    series: &[Series],
    log_x: bool,
    log_y: bool,
) -> Result<()> {
    let pts = series.iter().flat_map(|s| s.points.iter());
    let (mut x0, mut x1, mut y0, mut y1) = (
        f64::INFINITY,
        f64::NEG_INFINITY,
        f64::INFINITY,
        f64::NEG_INFINITY,
    );
    for &(x, y, e) in pts {
        x0 = x0.min(x);
        x1 = x1.max(x);
        y0 = y0.min(y - e);
        y1 = y1.max(y + e);
    }
    if !x0.is_finite() {
        return Err(Error::format(stem, "nothing to plot"));
    }
    let pad = |a: f64, b: f64| if b > a { (b - a) * 0.05 } else { 1.0 };
    let (py, px) = (pad(y0, y1), pad(x0, x1));
    macro_rules! draw {
        ($root:expr) => {{
            let root = $root;
            let mut b = ChartBuilder::on(root);
            b.caption(title, ("sans-serif", 22))
                .margin(12)
                .x_label_area_size(40)
                .y_label_area_size(56);
            let e = plot_err(stem);
            macro_rules! body {
                ($chart:expr) => {{
                    let mut chart = $chart;
                    chart
                        .configure_mesh()
                        .x_desc(x_label)
                        .y_desc(y_label)
                        .x_labels(8)
                        .x_label_formatter(&|x| format!("{x:.0}"))
                        .label_style(("sans-serif", 14))
                        .draw()
                        .map_err(&e)?;
                    for (i, s) in series.iter().enumerate() {
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
                        chart
                            .draw_series(s.points.iter().filter(|p| p.2 > 0.0).map(
                                |&(x, y, sp)| {
                                    PathElement::new(
                                        vec![(x, y - sp), (x, y + sp)],
                                        c.stroke_width(1),
                                    )
                                },
                            ))
                            .map_err(&e)?;
                    }
                    chart
                        .configure_series_labels()
                        .background_style(WHITE.mix(0.85))
                        .border_style(BLACK)
                        .label_font(("sans-serif", 14))
                        .draw()
                        .map_err(&e)?;
                }};
            }
            match (log_x, log_y) {
                (true, true) => body!(
                    b.build_cartesian_2d(
                        (x0 * 0.9..x1 * 1.1).log_scale(),
                        ((y0 * 0.8).max(1e-9)..y1 * 1.25).log_scale()
                    )
                    .map_err(&e)?
                ),
                (true, false) => body!(
                    b.build_cartesian_2d((x0 * 0.9..x1 * 1.1).log_scale(), y0 - py..y1 + py)
                        .map_err(&e)?
                ),
                (false, true) => body!(
                    b.build_cartesian_2d(
                        x0 - px..x1 + px,
                        ((y0 * 0.8).max(1e-9)..y1 * 1.25).log_scale()
                    )
                    .map_err(&e)?
                ),
                (false, false) => body!(
                    b.build_cartesian_2d(x0 - px..x1 + px, y0 - py..y1 + py)
                        .map_err(&e)?
                ),
            }
            Ok(())
        }};
    }
    both(
        stem,
        (900, 600),
        |r: &DrawingArea<BitMapBackend<'_>, Shift>| draw!(r),
        |r: &DrawingArea<SVGBackend<'_>, Shift>| draw!(r),
    )
}

/// Test embeddings in d = 2 (points coloured by class) and the prototypes on the unit circle,
/// each labelled with the class the assignment gave it.
pub fn circle(
    stem: &Path,
    title: &str,
    z: &[f32],
    labels: &[u32],
    class_protos: &[f32],
    names: &[String],
) -> Result<()> {
    macro_rules! draw {
        ($root:expr) => {{
            let root = $root;
            let e = plot_err(stem);
            let mut chart = ChartBuilder::on(root)
                .caption(title, ("sans-serif", 22))
                .margin(12)
                .build_cartesian_2d(-1.45f64..1.45, -1.45f64..1.45)
                .map_err(&e)?;
            chart
                .draw_series(
                    (0..=360)
                        .step_by(2)
                        .collect::<Vec<_>>()
                        .windows(2)
                        .map(|w| {
                            let (a, b) = ((w[0] as f64).to_radians(), (w[1] as f64).to_radians());
                            PathElement::new(
                                vec![(a.cos(), a.sin()), (b.cos(), b.sin())],
                                BLACK.mix(0.3),
                            )
                        }),
                )
                .map_err(&e)?;
            chart
                .draw_series(z.chunks_exact(2).zip(labels).map(|(p, &c)| {
                    let r = 0.8 + 0.1 * ((c as f64) / names.len().max(1) as f64);
                    Circle::new(
                        (f64::from(p[0]) * r, f64::from(p[1]) * r),
                        2,
                        palette(c as usize).mix(0.35).filled(),
                    )
                }))
                .map_err(&e)?;
            for (c, p) in class_protos.chunks_exact(2).enumerate() {
                let (x, y) = (f64::from(p[0]), f64::from(p[1]));
                chart
                    .draw_series(std::iter::once(Circle::new((x, y), 7, palette(c).filled())))
                    .map_err(&e)?;
                chart
                    .draw_series(std::iter::once(Text::new(
                        names[c].clone(),
                        (x * 1.16 - 0.12, y * 1.16 + 0.03),
                        ("sans-serif", 15).into_font().color(&palette(c)),
                    )))
                    .map_err(&e)?;
            }
            Ok(())
        }};
    }
    both(
        stem,
        (760, 760),
        |r: &DrawingArea<BitMapBackend<'_>, Shift>| draw!(r),
        |r: &DrawingArea<SVGBackend<'_>, Shift>| draw!(r),
    )
}
