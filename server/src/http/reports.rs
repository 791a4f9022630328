//! `/api/v1/reports/yearly`: the figures the Centre reports each year, as JSON and as an XLSX
//! workbook with the same numbers (one sheet per figure, Vietnamese headings).

use axum::Json;
use axum::Router;
use axum::extract::State;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use calibration_profiles::problems::Problems;
use rust_xlsxwriter::{Format, Workbook, XlsxError};
use serde::{Deserialize, Serialize};

use super::session::{Caller, Permission};
use super::{AppError, AppState, Q};
use crate::store::reports::{DossierFigure, InstrumentFigure, SampleFigure};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/reports/yearly", get(yearly))
        .route("/api/v1/reports/yearly.xlsx", get(yearly_xlsx))
}

#[derive(Debug, Default, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PeriodParams {
    /// First year (default: this year).
    pub from: Option<i32>,
    /// Last year (default: `from`).
    pub to: Option<i32>,
}

/// The yearly figures over a period.
#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct YearlyReport {
    pub from: i32,
    pub to: i32,
    pub instruments: Vec<InstrumentFigure>,
    pub samples: Vec<SampleFigure>,
    pub dossiers: Vec<DossierFigure>,
}

fn period(q: &PeriodParams) -> Result<(i32, i32), AppError> {
    use chrono::Datelike;
    let this = crate::web::i18n::today().year();
    let from = q.from.unwrap_or(this);
    let to = q.to.unwrap_or(from);
    let mut p = Problems::default();
    if !(2000..=2200).contains(&from) {
        p.at("from", format!("{from} is not a year from 2000 to 2200"));
    }
    if !(2000..=2200).contains(&to) {
        p.at("to", format!("{to} is not a year from 2000 to 2200"));
    } else if to < from {
        p.at("to", format!("{to} is before from ({from})"));
    } else if to - from > 50 {
        p.at("to", "at most 50 years in one report");
    }
    p.into_result((from, to)).map_err(AppError::Invalid)
}

/// The figures of a period (shared by the JSON, the workbook and the page).
pub(crate) async fn report(state: &AppState, from: i32, to: i32) -> Result<YearlyReport, AppError> {
    let (instruments, samples, dossiers) = tokio::try_join!(
        state.store.instrument_figures(from, to),
        state.store.sample_figures(from, to),
        state.store.dossier_figures(from, to),
    )
    .map_err(AppError::store)?;
    Ok(YearlyReport {
        from,
        to,
        instruments,
        samples,
        dossiers,
    })
}

async fn yearly(
    State(state): State<AppState>,
    caller: Caller,
    Q(q): Q<PeriodParams>,
) -> Result<Json<YearlyReport>, AppError> {
    caller.require(Permission::Read)?;
    let (from, to) = period(&q)?;
    Ok(Json(report(&state, from, to).await?))
}

/// Writes the report as a workbook: sheets "Phương tiện đo", "Thử nghiệm mẫu", "Hồ sơ nhập
/// khẩu", each a header row and one row per figure; numbers are numbers.
pub fn workbook(r: &YearlyReport) -> Result<Vec<u8>, XlsxError> {
    let mut book = Workbook::new();
    let bold = Format::new().set_bold();
    let percent = Format::new().set_num_format("0.0%");

    let sheet = book.add_worksheet().set_name("Phương tiện đo")?;
    for (c, h) in [
        "Năm",
        "Loại phương tiện đo",
        "Kiểm định đạt",
        "Hiệu chuẩn",
        "Không đạt",
    ]
    .iter()
    .enumerate()
    {
        sheet.write_string_with_format(0, col(c), *h, &bold)?;
    }
    for (i, f) in r.instruments.iter().enumerate() {
        let row = row(i);
        sheet.write_number(row, 0, f64::from(f.year))?;
        sheet.write_string(row, 1, category_name(&f.category))?;
        sheet.write_number(row, 2, count(f.verified))?;
        sheet.write_number(row, 3, count(f.calibrated))?;
        sheet.write_number(row, 4, count(f.failed))?;
    }

    let sheet = book.add_worksheet().set_name("Thử nghiệm mẫu")?;
    for (c, h) in [
        "Năm",
        "Loại mẫu",
        "Số mẫu đã thử nghiệm",
        "Số mẫu không phù hợp",
    ]
    .iter()
    .enumerate()
    {
        sheet.write_string_with_format(0, col(c), *h, &bold)?;
    }
    for (i, f) in r.samples.iter().enumerate() {
        let row = row(i);
        sheet.write_number(row, 0, f64::from(f.year))?;
        sheet.write_string(row, 1, &f.sample_type)?;
        sheet.write_number(row, 2, count(f.tested))?;
        sheet.write_number(row, 3, count(f.nonconforming))?;
    }

    let sheet = book.add_worksheet().set_name("Hồ sơ nhập khẩu")?;
    for (c, h) in [
        "Năm",
        "Hình thức tiếp nhận",
        "Số hồ sơ",
        "Đã có kết quả",
        "Đúng hạn",
        "Tỷ lệ đúng hạn",
    ]
    .iter()
    .enumerate()
    {
        sheet.write_string_with_format(0, col(c), *h, &bold)?;
    }
    for (i, f) in r.dossiers.iter().enumerate() {
        let row = row(i);
        sheet.write_number(row, 0, f64::from(f.year))?;
        sheet.write_string(row, 1, crate::dossier::channel_names(&f.channel).0)?;
        sheet.write_number(row, 2, count(f.registered))?;
        sheet.write_number(row, 3, count(f.decided))?;
        sheet.write_number(row, 4, count(f.on_time))?;
        if f.decided > 0 {
            sheet.write_number_with_format(
                row,
                5,
                count(f.on_time) / count(f.decided),
                &percent,
            )?;
        }
    }
    book.save_to_buffer()
}

fn col(c: usize) -> u16 {
    u16::try_from(c).unwrap_or(u16::MAX)
}

fn row(i: usize) -> u32 {
    u32::try_from(i + 1).unwrap_or(u32::MAX)
}

/// A count as a spreadsheet number (counts stay far below 2^53).
#[allow(clippy::cast_precision_loss)]
fn count(n: i64) -> f64 {
    n as f64
}

/// The Vietnamese name of a statutory category, or its code.
fn category_name(code: &str) -> String {
    calibration_profiles::cycles::cycles()
        .cycle
        .iter()
        .find(|c| c.category == code)
        .map_or_else(|| code.to_owned(), |c| c.name.vi.clone())
}

async fn yearly_xlsx(
    State(state): State<AppState>,
    caller: Caller,
    Q(q): Q<PeriodParams>,
) -> Result<Response, AppError> {
    caller.require(Permission::Read)?;
    let (from, to) = period(&q)?;
    let r = report(&state, from, to).await?;
    let bytes = tokio::task::spawn_blocking(move || workbook(&r))
        .await
        .map_err(|e| AppError::Internal(e.into()))?
        .map_err(|e| AppError::Internal(e.into()))?;
    let mut res = bytes.into_response();
    let h = res.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        ),
    );
    if let Ok(v) = HeaderValue::from_str(&format!(
        "attachment; filename=\"bao-cao-{from}-{to}.xlsx\""
    )) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    Ok(res)
}
