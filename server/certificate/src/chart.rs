//! The error chart: error versus nominal value with the ±MPE envelope and the expanded
//! uncertainty U as error bars, as an SVG document for the certificate (and the bench page).
//!
//! Drawn with plotters' SVG backend and its default features off: no font-kit, no freetype,
//! no fontconfig. Text is written as SVG `<text>` elements naming the family "Noto Serif";
//! typst lays that text out with its bundled fonts when it embeds the SVG, so the chart needs
//! no font file either. plotters only *estimates* text widths without fonts, which is why the
//! margins below are generous.
//!
//! The MPE is known only at the test points, so the envelope is a step function that changes
//! half-way between neighbouring points; it shows which limit each point was judged against,
//! not where a statutory MPE band begins.

use plotters::coord::Shift;
use plotters::prelude::*;

/// One point of the chart, in the units of the axes.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ChartPoint {
    /// Nominal value (x).
    pub nominal: f64,
    /// Error E = indication − reference (y).
    pub error: f64,
    /// The maximum permissible error at this point (a magnitude, drawn as ±).
    pub mpe: f64,
    /// Expanded uncertainty U of the error, drawn as an error bar when given.
    pub expanded_uncertainty: Option<f64>,
}

/// Axis titles and legend texts (the caller chooses the language).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChartLabels {
    /// e.g. "Giá trị danh định (g)".
    pub x_axis: String,
    /// e.g. "Sai số (g)".
    pub y_axis: String,
    /// Legend of the points, e.g. "Sai số E".
    pub error: String,
    /// Legend of the envelope, e.g. "± MPE".
    pub mpe: String,
    /// Legend of the bars, e.g. "U (k = 2)".
    pub uncertainty: String,
    /// Tick labels with a decimal comma (Vietnamese) instead of a point.
    pub decimal_comma: bool,
}

impl ChartLabels {
    /// Vietnamese and English labels, with the units of the nominal value and of the error
    /// (e.g. "kg" and "g").
    #[must_use]
    pub fn bilingual(nominal_unit: &str, error_unit: &str) -> Self {
        Self {
            x_axis: format!("Giá trị danh định / Nominal value ({nominal_unit})"),
            y_axis: format!("Sai số / Error ({error_unit})"),
            error: "Sai số / Error".to_owned(),
            mpe: "± MPE".to_owned(),
            uncertainty: "U".to_owned(),
            decimal_comma: true,
        }
    }
}

const WIDTH: u32 = 900;
const HEIGHT: u32 = 340;
const FAMILY: &str = "Noto Serif";
const ENVELOPE: RGBColor = RGBColor(0x9a, 0x1f, 0x1f);
const POINTS: RGBColor = RGBColor(0x12, 0x3c, 0x73);

/// The chart of `points` as an SVG document (900 × 340 user units, scaled by the page).
///
/// ```
/// use tdc_certificate::{chart_svg, ChartLabels, ChartPoint};
/// let points = [ChartPoint { nominal: 10.0, error: 0.5, mpe: 1.0, expanded_uncertainty: Some(0.2) }];
/// let svg = chart_svg(&points, &ChartLabels::bilingual("g", "g"));
/// assert!(svg.starts_with("<svg") && svg.contains("Sai số"));
/// ```
#[must_use]
pub fn chart_svg(points: &[ChartPoint], labels: &ChartLabels) -> String {
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (WIDTH, HEIGHT)).into_drawing_area();
        // Drawing into a String cannot fail for I/O; a failure here would be a plotters
        // defect, and a chart is an illustration: the certificate still prints the table.
        let _ = draw(&root, points, labels);
        let _ = root.present();
    }
    svg
}

fn draw(
    root: &DrawingArea<SVGBackend<'_>, Shift>,
    points: &[ChartPoint],
    labels: &ChartLabels,
) -> Result<(), DrawingAreaErrorKind<std::io::Error>> {
    root.fill(&WHITE)?;
    let mut sorted: Vec<ChartPoint> = points
        .iter()
        .copied()
        .filter(|p| p.nominal.is_finite() && p.error.is_finite() && p.mpe.is_finite())
        .collect();
    sorted.sort_by(|a, b| a.nominal.total_cmp(&b.nominal));

    let (x_min, x_max) = x_range(&sorted);
    let y_max = y_extent(&sorted);
    let comma = labels.decimal_comma;

    let mut chart = ChartBuilder::on(root)
        .margin(14)
        .x_label_area_size(58)
        .y_label_area_size(84)
        .build_cartesian_2d(x_min..x_max, -y_max..y_max)?;
    chart
        .configure_mesh()
        .light_line_style(TRANSPARENT)
        .bold_line_style(RGBColor(0xdd, 0xdd, 0xdd))
        .axis_style(BLACK)
        .x_desc(labels.x_axis.as_str())
        .y_desc(labels.y_axis.as_str())
        .label_style((FAMILY, 17))
        .axis_desc_style((FAMILY, 18))
        .x_label_formatter(&|v| tick(*v, comma))
        .y_label_formatter(&|v| tick(*v, comma))
        .x_labels(8)
        .y_labels(7)
        .draw()?;

    chart.draw_series(std::iter::once(PathElement::new(
        vec![(x_min, 0.0), (x_max, 0.0)],
        BLACK.stroke_width(1),
    )))?;

    if !sorted.is_empty() {
        let (upper, lower) = envelope(&sorted, x_min, x_max);
        let mut band = upper.clone();
        band.extend(lower.iter().rev());
        chart.draw_series(std::iter::once(Polygon::new(band, ENVELOPE.mix(0.07))))?;
        chart
            .draw_series(std::iter::once(PathElement::new(
                upper,
                ENVELOPE.stroke_width(2),
            )))?
            .label(labels.mpe.as_str())
            .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 22, y)], ENVELOPE.stroke_width(2)));
        chart.draw_series(std::iter::once(PathElement::new(
            lower,
            ENVELOPE.stroke_width(2),
        )))?;
    }

    let cap = (x_max - x_min) * 0.006;
    let bars = sorted.iter().filter_map(|p| {
        p.expanded_uncertainty.map(|u| {
            let (lo, hi) = (p.error - u, p.error + u);
            PathElement::new(
                vec![
                    (p.nominal - cap, hi),
                    (p.nominal + cap, hi),
                    (p.nominal, hi),
                    (p.nominal, lo),
                    (p.nominal - cap, lo),
                    (p.nominal + cap, lo),
                ],
                POINTS.stroke_width(1),
            )
        })
    });
    let has_bars = sorted.iter().any(|p| p.expanded_uncertainty.is_some());
    let bar_series = chart.draw_series(bars)?;
    if has_bars {
        bar_series
            .label(labels.uncertainty.as_str())
            .legend(|(x, y)| {
                PathElement::new(
                    vec![(x + 11, y - 7), (x + 11, y + 7)],
                    POINTS.stroke_width(1),
                )
            });
    }

    chart
        .draw_series(
            sorted
                .iter()
                .map(|p| Circle::new((p.nominal, p.error), 4, POINTS.filled())),
        )?
        .label(labels.error.as_str())
        .legend(|(x, y)| Circle::new((x + 11, y), 4, POINTS.filled()));

    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::UpperLeft)
        .label_font((FAMILY, 17))
        .background_style(WHITE.mix(0.85))
        .border_style(RGBColor(0xbb, 0xbb, 0xbb))
        .draw()?;
    Ok(())
}

/// x from 0 (or the smallest nominal below 0) to a little past the largest nominal.
fn x_range(points: &[ChartPoint]) -> (f64, f64) {
    let lo = points.iter().map(|p| p.nominal).fold(0.0_f64, f64::min);
    let hi = points.iter().map(|p| p.nominal).fold(lo, f64::max);
    let span = if hi > lo { hi - lo } else { 1.0 };
    (lo, hi + span * 0.04)
}

/// Symmetric y half-range covering every MPE and every error with its bar, plus room for
/// the legend.
fn y_extent(points: &[ChartPoint]) -> f64 {
    let extent = points
        .iter()
        .map(|p| {
            p.mpe
                .abs()
                .max(p.error.abs() + p.expanded_uncertainty.unwrap_or(0.0).abs())
        })
        .fold(0.0_f64, f64::max);
    if extent > 0.0 { extent * 1.35 } else { 1.0 }
}

/// A polyline in chart coordinates.
type Line = Vec<(f64, f64)>;

/// The ±MPE step envelope (upper, lower), changing half-way between points.
fn envelope(points: &[ChartPoint], x_min: f64, x_max: f64) -> (Line, Line) {
    let mut upper = Vec::with_capacity(points.len() * 2);
    for (i, p) in points.iter().enumerate() {
        let left = if i == 0 {
            x_min
        } else {
            f64::midpoint(points[i - 1].nominal, p.nominal)
        };
        let right = points
            .get(i + 1)
            .map_or(x_max, |next| f64::midpoint(p.nominal, next.nominal));
        let mpe = p.mpe.abs();
        upper.push((left, mpe));
        upper.push((right, mpe));
    }
    let lower = upper.iter().map(|&(x, y)| (x, -y)).collect();
    (upper, lower)
}

/// A tick label with at most 4 significant decimals, trailing zeros removed.
fn tick(value: f64, decimal_comma: bool) -> String {
    let mut text = format!("{value:.4}");
    if text.contains('.') {
        let trimmed = text.trim_end_matches('0').trim_end_matches('.').len();
        text.truncate(trimmed);
    }
    if text == "-0" {
        text.remove(0);
    }
    if decimal_comma {
        text = text.replace('.', ",");
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tick_labels_drop_trailing_zeros_and_use_the_decimal_comma() {
        assert_eq!(tick(2.50, true), "2,5");
        assert_eq!(tick(10.0, false), "10");
        assert_eq!(tick(-0.0, false), "0");
    }

    #[test]
    fn the_envelope_steps_half_way_between_points() {
        let p = |nominal, mpe| ChartPoint {
            nominal,
            error: 0.0,
            mpe,
            expanded_uncertainty: None,
        };
        let (upper, lower) = envelope(&[p(0.0, 5.0), p(10.0, 10.0)], 0.0, 12.0);
        assert_eq!(
            upper,
            vec![(0.0, 5.0), (5.0, 5.0), (5.0, 10.0), (12.0, 10.0)]
        );
        assert_eq!(lower[3], (12.0, -10.0));
    }
}

/// One series of a bar chart: its name and one value per category.
#[derive(Debug, Clone, PartialEq)]
pub struct BarSeries {
    pub name: String,
    pub values: Vec<f64>,
}

const BAR_COLOURS: [RGBColor; 4] = [
    RGBColor(0x12, 0x3c, 0x73),
    RGBColor(0x9a, 0x1f, 0x1f),
    RGBColor(0x2e, 0x7d, 0x32),
    RGBColor(0x8d, 0x6e, 0x00),
];

/// A grouped bar chart (one group per category, one bar per series; up to four series) as an
/// SVG document of 900 × 300 user units, for the statistics page. Values are counts.
///
/// ```
/// use tdc_certificate::chart::{bar_chart_svg, BarSeries};
/// let svg = bar_chart_svg(&["2024".into(), "2025".into()],
///     &[BarSeries { name: "Hồ sơ".into(), values: vec![3.0, 5.0] }], "Số lượng");
/// assert!(svg.starts_with("<svg") && svg.contains("Hồ sơ"));
/// ```
#[must_use]
pub fn bar_chart_svg(categories: &[String], series: &[BarSeries], y_label: &str) -> String {
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (WIDTH, 300)).into_drawing_area();
        // As for the error chart: drawing into a String cannot fail for I/O.
        let _ = draw_bars(&root, categories, series, y_label);
        let _ = root.present();
    }
    svg
}

fn draw_bars(
    root: &DrawingArea<SVGBackend<'_>, Shift>,
    categories: &[String],
    series: &[BarSeries],
    y_label: &str,
) -> Result<(), DrawingAreaErrorKind<std::io::Error>> {
    root.fill(&WHITE)?;
    let n = categories.len().max(1);
    let top = series
        .iter()
        .flat_map(|s| s.values.iter().copied())
        .filter(|v| v.is_finite())
        .fold(0.0_f64, f64::max)
        .max(1.0)
        * 1.15;
    // Groups are centred on whole numbers, so the axis ticks fall under them.
    #[allow(clippy::cast_precision_loss)]
    let x_max = n as f64 - 0.5;
    let mut chart = ChartBuilder::on(root)
        .margin(14)
        .x_label_area_size(40)
        .y_label_area_size(70)
        .build_cartesian_2d(-0.5..x_max, 0.0..top)?;
    chart
        .configure_mesh()
        .light_line_style(TRANSPARENT)
        .bold_line_style(RGBColor(0xdd, 0xdd, 0xdd))
        .axis_style(BLACK)
        .y_desc(y_label)
        .label_style((FAMILY, 16))
        .axis_desc_style((FAMILY, 17))
        .x_labels(n)
        .x_label_formatter(&|v| {
            #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
            let i = v.round() as usize;
            if (v - v.round()).abs() < 1e-6 && *v >= 0.0 {
                categories.get(i).cloned().unwrap_or_default()
            } else {
                String::new()
            }
        })
        .y_label_formatter(&|v| format!("{v:.0}"))
        .draw()?;
    let k = series.len().clamp(1, BAR_COLOURS.len());
    #[allow(clippy::cast_precision_loss)]
    let width = 0.8 / k as f64;
    for (j, s) in series.iter().take(BAR_COLOURS.len()).enumerate() {
        let colour = BAR_COLOURS[j];
        #[allow(clippy::cast_precision_loss)]
        let offset = -0.4 + width * j as f64;
        chart
            .draw_series(s.values.iter().enumerate().map(|(i, v)| {
                #[allow(clippy::cast_precision_loss)]
                let x0 = i as f64 + offset;
                Rectangle::new(
                    [(x0, 0.0), (x0 + width * 0.92, v.max(0.0))],
                    colour.filled(),
                )
            }))?
            .label(s.name.as_str())
            .legend(move |(x, y)| Rectangle::new([(x, y - 6), (x + 14, y + 6)], colour.filled()));
    }
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::UpperLeft)
        .label_font((FAMILY, 16))
        .background_style(WHITE.mix(0.85))
        .border_style(RGBColor(0xbb, 0xbb, 0xbb))
        .draw()?;
    Ok(())
}
