//! `/reports`: the yearly figures with their charts (SVG, drawn by the certificate crate's
//! plotters code) and the link to the same numbers as a workbook.

use askama::Template;
use axum::extract::{Query, State};
use axum::response::Response;
use chrono::Datelike;
use serde::Deserialize;
use tdc_certificate::{BarSeries, bar_chart_svg};

use super::i18n::{Lang, today};
use super::page::{Ctx, PageError, render};
use crate::http::AppState;
use crate::http::session::Permission;

#[derive(Debug, Default, Deserialize)]
pub struct PeriodQuery {
    #[serde(default)]
    from: String,
    #[serde(default)]
    to: String,
}

#[derive(Template)]
#[template(path = "reports.html")]
struct ReportsPage<'a> {
    c: &'a Ctx,
    from: i32,
    to: i32,
    instruments: Vec<[String; 5]>,
    samples: Vec<[String; 4]>,
    dossiers: Vec<[String; 6]>,
    instruments_chart: String,
    samples_chart: String,
    dossiers_chart: String,
}

fn years(from: i32, to: i32) -> Vec<String> {
    (from..=to).map(|y| y.to_string()).collect()
}

/// Sums per year of `value` over the rows of that year.
#[allow(clippy::cast_precision_loss)]
fn per_year<T>(
    rows: &[T],
    from: i32,
    to: i32,
    year: impl Fn(&T) -> i32,
    value: impl Fn(&T) -> i64,
) -> Vec<f64> {
    (from..=to)
        .map(|y| {
            rows.iter()
                .filter(|r| year(r) == y)
                .map(&value)
                .sum::<i64>() as f64
        })
        .collect()
}

/// The three charts: instruments, samples and dossiers per year.
fn charts(
    t: &super::i18n::Text,
    en: bool,
    from: i32,
    to: i32,
    instruments: &[crate::store::reports::InstrumentFigure],
    samples: &[crate::store::reports::SampleFigure],
    dossiers: &[crate::store::reports::DossierFigure],
) -> (String, String, String) {
    let cats = years(from, to);
    let instruments_chart = bar_chart_svg(
        &cats,
        &[
            BarSeries {
                name: t.reports_verified.into(),
                values: per_year(instruments, from, to, |r| r.year, |r| r.verified),
            },
            BarSeries {
                name: t.reports_calibrated.into(),
                values: per_year(instruments, from, to, |r| r.year, |r| r.calibrated),
            },
            BarSeries {
                name: t.reports_failed.into(),
                values: per_year(instruments, from, to, |r| r.year, |r| r.failed),
            },
        ],
        t.reports_count,
    );
    let samples_chart = bar_chart_svg(
        &cats,
        &[
            BarSeries {
                name: t.reports_tested.into(),
                values: per_year(samples, from, to, |r| r.year, |r| r.tested),
            },
            BarSeries {
                name: t.reports_nonconforming.into(),
                values: per_year(samples, from, to, |r| r.year, |r| r.nonconforming),
            },
        ],
        t.reports_count,
    );
    let dossiers_chart = bar_chart_svg(
        &cats,
        &[
            "one_stop_counter",
            "provincial_portal",
            "national_single_window",
            "postal",
        ]
        .iter()
        .filter(|c| dossiers.iter().any(|d| d.channel == **c))
        .map(|c| {
            let (vi, en_name) = crate::dossier::channel_names(c);
            BarSeries {
                name: if en { en_name } else { vi }.into(),
                values: per_year(
                    dossiers,
                    from,
                    to,
                    |r| if r.channel == *c { r.year } else { 0 },
                    |r| r.registered,
                ),
            }
        })
        .collect::<Vec<_>>(),
        t.reports_count,
    );
    (instruments_chart, samples_chart, dossiers_chart)
}

/// `GET /reports?from=&to=`.
pub async fn show(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<PeriodQuery>,
) -> Result<Response, PageError> {
    ctx.require(Permission::Read)?;
    let this = today().year();
    let from = q
        .from
        .trim()
        .parse::<i32>()
        .ok()
        .filter(|y| (2000..=2200).contains(y))
        .unwrap_or(this - 4);
    let to =
        q.to.trim()
            .parse::<i32>()
            .ok()
            .filter(|y| (from..=from + 50).contains(y))
            .unwrap_or(this.max(from));
    let (instruments, samples, dossiers) = tokio::try_join!(
        state.store.instrument_figures(from, to),
        state.store.sample_figures(from, to),
        state.store.dossier_figures(from, to),
    )?;
    let en = ctx.lang == Lang::En;
    let (instruments_chart, samples_chart, dossiers_chart) =
        charts(ctx.t, en, from, to, &instruments, &samples, &dossiers);
    let pct = |a: i64, b: i64| {
        if b == 0 {
            "—".to_owned()
        } else {
            #[allow(clippy::cast_precision_loss)]
            let p = a as f64 * 100.0 / b as f64;
            let s = format!("{p:.1} %");
            if en { s } else { s.replace('.', ",") }
        }
    };
    render(&ReportsPage {
        c: &ctx,
        from,
        to,
        instruments: instruments
            .iter()
            .map(|r| {
                let name = calibration_profiles::cycles::cycles()
                    .cycle
                    .iter()
                    .find(|c| c.category == r.category)
                    .map_or_else(
                        || r.category.clone(),
                        |c| {
                            if en {
                                c.name.en.clone()
                            } else {
                                c.name.vi.clone()
                            }
                        },
                    );
                [
                    r.year.to_string(),
                    name,
                    r.verified.to_string(),
                    r.calibrated.to_string(),
                    r.failed.to_string(),
                ]
            })
            .collect(),
        samples: samples
            .iter()
            .map(|r| {
                let (vi, en_name) = crate::sample::sample_type_names(&r.sample_type);
                [
                    r.year.to_string(),
                    if en { en_name } else { vi },
                    r.tested.to_string(),
                    r.nonconforming.to_string(),
                ]
            })
            .collect(),
        dossiers: dossiers
            .iter()
            .map(|r| {
                let (vi, en_name) = crate::dossier::channel_names(&r.channel);
                [
                    r.year.to_string(),
                    if en { en_name } else { vi }.to_owned(),
                    r.registered.to_string(),
                    r.decided.to_string(),
                    r.on_time.to_string(),
                    pct(r.on_time, r.decided),
                ]
            })
            .collect(),
        instruments_chart,
        samples_chart,
        dossiers_chart,
    })
}
