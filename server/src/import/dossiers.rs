//! Import of import-inspection dossiers from CSV or XLSX (years of history exported from the
//! one-stop counter, the provincial portal or the National Single Window): one row per
//! dossier with its first goods line and the dates of its steps.
//!
//! Same rules as the instrument import: the whole file is checked first and every problem is
//! reported as `row N, column`; the rows go in one transaction or not at all. Each row is
//! checked by the same registration rules as the API ([`crate::dossier::register`]: regime by
//! registration date, channel, tax code, HS code in the goods list), then its history is
//! replayed with the regime's deadlines over the calendar, so imported dossiers count in the
//! on-time rate exactly as those handled here.

use std::collections::HashMap;

use calibration_profiles::import_regime::{Event, StepKind};
use calibration_profiles::problems::Problems;
use calibration_profiles::workdays::Calendar;
use chrono::NaiveDate;

use super::{
    Cell, ColumnSet, FieldError, FileFormat, Header, Line, column_letters, date, fold, read_table,
    text,
};
use crate::dossier::{self, DossierInput, GoodsItem, ImporterInput};
use crate::store::dossiers::{Dossier, DossierStep};
use crate::store::{Store, StoreError};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Col {
    Number,
    Channel,
    ExternalRef,
    RegisteredOn,
    ImporterName,
    ImporterTaxCode,
    ImporterAddress,
    GoodsName,
    HsCode,
    Brand,
    Origin,
    Quantity,
    Unit,
    Regulation,
    EntryGate,
    CustomsDeclaration,
    ConfirmedOn,
    CustomsClearedOn,
    CertificateNumber,
    CertificateIssuer,
    CertificateDate,
    CompleteFileOn,
    Outcome,
    OutcomeDetail,
    DecidedOn,
}

const ALL: [Col; 25] = [
    Col::Number,
    Col::Channel,
    Col::ExternalRef,
    Col::RegisteredOn,
    Col::ImporterName,
    Col::ImporterTaxCode,
    Col::ImporterAddress,
    Col::GoodsName,
    Col::HsCode,
    Col::Brand,
    Col::Origin,
    Col::Quantity,
    Col::Unit,
    Col::Regulation,
    Col::EntryGate,
    Col::CustomsDeclaration,
    Col::ConfirmedOn,
    Col::CustomsClearedOn,
    Col::CertificateNumber,
    Col::CertificateIssuer,
    Col::CertificateDate,
    Col::CompleteFileOn,
    Col::Outcome,
    Col::OutcomeDetail,
    Col::DecidedOn,
];

impl ColumnSet for Col {
    fn all() -> &'static [Self] {
        &ALL
    }

    fn headers(self) -> &'static [&'static str] {
        match self {
            Col::Number => &["number", "Số hồ sơ", "số đăng ký"],
            Col::Channel => &["channel", "Hình thức tiếp nhận", "kênh tiếp nhận"],
            Col::ExternalRef => &["external_ref", "Mã hồ sơ", "mã hồ sơ một cửa"],
            Col::RegisteredOn => &["registered_on", "Ngày đăng ký", "ngày tiếp nhận"],
            Col::ImporterName => &["importer_name", "Người nhập khẩu", "doanh nghiệp"],
            Col::ImporterTaxCode => &["importer_tax_code", "Mã số thuế", "mst"],
            Col::ImporterAddress => &["importer_address", "Địa chỉ"],
            Col::GoodsName => &["goods_name", "Tên hàng hóa", "hàng hóa"],
            Col::HsCode => &["hs_code", "Mã HS", "hs"],
            Col::Brand => &["brand", "Nhãn hiệu, kiểu loại", "nhãn hiệu"],
            Col::Origin => &["origin", "Xuất xứ"],
            Col::Quantity => &["quantity", "Số lượng", "khối lượng"],
            Col::Unit => &["unit", "Đơn vị tính", "đơn vị"],
            Col::Regulation => &["regulation", "Quy chuẩn áp dụng", "qcvn"],
            Col::EntryGate => &["entry_gate", "Cửa khẩu nhập", "cửa khẩu"],
            Col::CustomsDeclaration => &["customs_declaration", "Số tờ khai", "tờ khai hải quan"],
            Col::ConfirmedOn => &["confirmed_on", "Ngày xác nhận đăng ký", "ngày xác nhận"],
            Col::CustomsClearedOn => &["customs_cleared_on", "Ngày thông quan"],
            Col::CertificateNumber => {
                &["certificate_number", "Số giấy chứng nhận hợp quy", "số gcn"]
            }
            Col::CertificateIssuer => &["certificate_issuer", "Tổ chức chứng nhận"],
            Col::CertificateDate => &[
                "certificate_date",
                "Ngày cấp giấy chứng nhận",
                "ngày cấp gcn",
            ],
            Col::CompleteFileOn => &[
                "complete_file_on",
                "Ngày nộp giấy chứng nhận",
                "ngày đủ hồ sơ",
            ],
            Col::Outcome => &["outcome", "Kết quả", "kết quả kiểm tra"],
            Col::OutcomeDetail => &["outcome_detail", "Lý do", "ghi chú kết quả"],
            Col::DecidedOn => &["decided_on", "Ngày thông báo kết quả", "ngày thông báo"],
        }
    }

    fn required(self) -> bool {
        matches!(
            self,
            Col::Number
                | Col::Channel
                | Col::RegisteredOn
                | Col::ImporterName
                | Col::ImporterTaxCode
                | Col::GoodsName
                | Col::HsCode
                | Col::Quantity
                | Col::Unit
        )
    }

    fn row_noun() -> &'static str {
        "dossier"
    }
}

/// Why an import did not happen.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    /// The file has problems: every one of them, nothing imported.
    #[error("{0}")]
    Invalid(Problems),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// The channel written in a file: its code, or the names people use.
fn channel_code(t: &str) -> Option<&'static str> {
    let f = fold(t);
    let f = f.trim();
    match f {
        "one_stop_counter" | "một cửa" | "bộ phận một cửa" | "trực tiếp" | "counter" => {
            Some("one_stop_counter")
        }
        "provincial_portal" | "dịch vụ công" | "cổng dịch vụ công" | "trực tuyến" | "portal" => {
            Some("provincial_portal")
        }
        "national_single_window" | "một cửa quốc gia" | "nsw" | "vnsw" => {
            Some("national_single_window")
        }
        "postal" | "bưu chính" | "bưu điện" => Some("postal"),
        _ => None,
    }
}

/// The cells of one row by column.
struct Row<'a> {
    line: &'a Line,
    header: &'a Header<Col>,
}

impl Row<'_> {
    fn cell(&self, col: Col) -> &Cell {
        self.header
            .position
            .get(&col)
            .map_or(&Cell::Empty, |i| self.line.cell(*i))
    }
}

/// Problems of one row, by column.
struct Check<'a> {
    row: usize,
    problems: &'a mut Problems,
    ok: bool,
}

impl Check<'_> {
    fn at(&mut self, col: Col, message: impl Into<String>) {
        self.problems
            .at(format!("row {}, {}", self.row, col.name()), message);
        self.ok = false;
    }

    fn take<T: Default>(&mut self, col: Col, r: Result<T, FieldError>) -> T {
        r.unwrap_or_else(|e| {
            self.at(col, e.to_string());
            T::default()
        })
    }
}

/// The registration path of [`dossier::register`]'s problems → the file's column.
fn column_of(path: &str) -> Col {
    match path {
        "number" => Col::Number,
        "channel" => Col::Channel,
        "importer.name" => Col::ImporterName,
        "importer.tax_code" => Col::ImporterTaxCode,
        "goods[0].name" => Col::GoodsName,
        "goods[0].hs_code" => Col::HsCode,
        "goods[0].quantity" => Col::Quantity,
        "goods[0].unit" => Col::Unit,
        _ => Col::RegisteredOn,
    }
}

fn require_date(
    check: &mut Check<'_>,
    col: Col,
    d: Option<NaiveDate>,
    after: Option<(Col, NaiveDate)>,
) {
    if let (Some(d), Some((other, first))) = (d, after)
        && d < first
    {
        check.at(
            col,
            format!(
                "{} is before {} ({})",
                d.format("%d/%m/%Y"),
                other.name(),
                first.format("%d/%m/%Y")
            ),
        );
    }
}

// One pass over a row's columns in the file's order; splitting it would scatter the checks.
#[allow(clippy::too_many_lines)]
/// Checks a whole file and makes its dossiers, or returns every problem.
pub fn parse(
    format: FileFormat,
    bytes: &[u8],
    calendar: &Calendar,
    today: NaiveDate,
    actor: &str,
) -> Result<Vec<(usize, Dossier, Vec<DossierStep>)>, Problems> {
    let (header, data, mut problems) = read_table::<Col>(format, bytes)?;
    let mut out = Vec::with_capacity(data.len());
    let mut seen: HashMap<String, usize> = HashMap::new();
    for line in &data {
        let raw = Row {
            line,
            header: &header,
        };
        let mut check = Check {
            row: line.row,
            problems: &mut problems,
            ok: true,
        };
        if let Some(i) = (header.width..line.cells.len())
            .find(|i| !line.cell(*i).is_empty())
            .or(line.beyond)
        {
            check.problems.at(
                format!("row {}, column {}", line.row, column_letters(i)),
                "a value in a column without a heading",
            );
            check.ok = false;
        }
        let txt = |check: &mut Check<'_>, col: Col| -> String {
            check.take(col, text(raw.cell(col)).map(Option::unwrap_or_default))
        };
        let day = |check: &mut Check<'_>, col: Col| -> Option<NaiveDate> {
            check.take(col, date(raw.cell(col)))
        };
        let number = txt(&mut check, Col::Number);
        if let Some(first) = seen.get(&fold(&number)).copied() {
            check.at(Col::Number, format!("`{number}` is also in row {first}"));
        } else if !number.is_empty() {
            seen.insert(fold(&number), line.row);
        }
        let channel_text = txt(&mut check, Col::Channel);
        let channel = channel_code(&channel_text);
        if channel.is_none() && !channel_text.is_empty() {
            check.at(Col::Channel, format!("`{channel_text}` is not a channel: one_stop_counter (Một cửa), provincial_portal (Dịch vụ công), national_single_window (Một cửa quốc gia) or postal (Bưu chính)"));
        }
        let registered_on = day(&mut check, Col::RegisteredOn);
        let quantity = match raw.cell(Col::Quantity) {
            Cell::Number(n) => super::number_text(*n),
            _ => txt(&mut check, Col::Quantity),
        };
        let input = DossierInput {
            number: Some(number.clone()),
            channel: channel.unwrap_or("?").to_owned(),
            external_ref: Some(txt(&mut check, Col::ExternalRef)),
            registered_on: registered_on.unwrap_or(today),
            importer: ImporterInput {
                name: txt(&mut check, Col::ImporterName),
                tax_code: txt(&mut check, Col::ImporterTaxCode),
                address: txt(&mut check, Col::ImporterAddress),
            },
            entry_gate: txt(&mut check, Col::EntryGate),
            customs_declaration: txt(&mut check, Col::CustomsDeclaration),
            goods: vec![GoodsItem {
                name: txt(&mut check, Col::GoodsName),
                hs_code: txt(&mut check, Col::HsCode),
                brand: txt(&mut check, Col::Brand),
                origin: txt(&mut check, Col::Origin),
                quantity,
                unit: txt(&mut check, Col::Unit),
                lot: String::new(),
            }],
            regulation: Some(txt(&mut check, Col::Regulation)),
            documents: vec![],
        };
        let confirmed_on = day(&mut check, Col::ConfirmedOn);
        let cleared_on = day(&mut check, Col::CustomsClearedOn);
        let certificate_number = txt(&mut check, Col::CertificateNumber);
        let certificate_issuer = txt(&mut check, Col::CertificateIssuer);
        let certificate_date = day(&mut check, Col::CertificateDate);
        let complete_on = day(&mut check, Col::CompleteFileOn);
        let outcome = txt(&mut check, Col::Outcome);
        let outcome_detail = txt(&mut check, Col::OutcomeDetail);
        let decided_on = day(&mut check, Col::DecidedOn);
        let reg = registered_on.map(|d| (Col::RegisteredOn, d));
        require_date(&mut check, Col::ConfirmedOn, confirmed_on, reg);
        require_date(&mut check, Col::CustomsClearedOn, cleared_on, reg);
        require_date(&mut check, Col::CompleteFileOn, complete_on, reg);
        require_date(
            &mut check,
            Col::DecidedOn,
            decided_on,
            complete_on.map(|d| (Col::CompleteFileOn, d)).or(reg),
        );
        for (col, d) in [
            (Col::ConfirmedOn, confirmed_on),
            (Col::CustomsClearedOn, cleared_on),
            (Col::CompleteFileOn, complete_on),
            (Col::DecidedOn, decided_on),
            (Col::RegisteredOn, registered_on),
        ] {
            if d.is_some_and(|d| d > today) {
                check.at(col, "is in the future");
            }
        }
        if complete_on.is_some() && certificate_number.is_empty() {
            check.at(
                Col::CertificateNumber,
                "is required when complete_file_on is given",
            );
        }
        if !outcome.is_empty() && decided_on.is_none() {
            check.at(Col::DecidedOn, "is required when an outcome is given");
        }
        if registered_on.is_none() || channel.is_none() {
            continue;
        }
        let registered = match dossier::register(&input, None, calendar, today, actor) {
            Ok(r) => Some(r),
            Err(p) => {
                for problem in p.iter() {
                    if problem.path == "registered_on"
                        && problem.message.ends_with("is in the future")
                    {
                        continue;
                    }
                    check.at(column_of(&problem.path), problem.message.clone());
                }
                None
            }
        };
        let Some((mut d, mut steps)) = registered else {
            continue;
        };
        let Ok(regime) = dossier::regime_of(&d) else {
            continue;
        };
        if !outcome.is_empty() && !regime.outcome.iter().any(|o| o.code == outcome) {
            check.at(
                Col::Outcome,
                format!(
                    "`{outcome}` is not an outcome of regime {}: {}",
                    regime.code,
                    regime
                        .outcome
                        .iter()
                        .map(|o| o.code.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            );
        }
        if let Some(on) = confirmed_on {
            dossier::mark_done(&mut steps, StepKind::ConfirmRegistration, on, actor);
            d.status = "confirmed".into();
        }
        if let Some(on) = cleared_on {
            d.customs_cleared_on = Some(on);
            if let Err(e) =
                dossier::start_clock(regime, &mut steps, Event::CustomsClearance, on, calendar)
            {
                check.at(Col::CustomsClearedOn, e);
            }
        }
        if let Some(on) = complete_on {
            d.certificate_number = Some(certificate_number.clone());
            d.certificate_issuer = Some(certificate_issuer.clone()).filter(|s| !s.is_empty());
            d.certificate_date = certificate_date;
            d.complete_file_on = Some(on);
            d.status = "complete".into();
            dossier::mark_done(&mut steps, StepKind::SubmitCertificate, on, actor);
            if let Err(e) = dossier::start_clock(
                regime,
                &mut steps,
                Event::CompleteFileReceived,
                on,
                calendar,
            ) {
                check.at(Col::CompleteFileOn, e);
            }
        }
        if let (false, Some(on)) = (outcome.is_empty(), decided_on) {
            d.outcome = Some(outcome.clone());
            d.outcome_detail = Some(outcome_detail.clone()).filter(|s| !s.is_empty());
            if outcome == "awaiting-testing" {
                d.status = "awaiting_testing".into();
            } else {
                dossier::mark_done(&mut steps, StepKind::NotifyResult, on, actor);
                d.status = "decided".into();
                d.decided_on = Some(on);
                d.on_time = Some(dossier::all_on_time(&steps));
            }
        }
        if check.ok {
            out.push((line.row, d, steps));
        }
    }
    problems.into_result(out)
}

/// Checks a file, refuses numbers already registered, and stores every dossier in one
/// transaction. `progress(done, total)` follows the storing.
pub async fn import(
    store: &Store,
    actor: &str,
    format: FileFormat,
    bytes: &[u8],
    source: &str,
    today: NaiveDate,
    progress: &mut (dyn FnMut(usize, usize) + Send),
) -> Result<usize, ImportError> {
    let calendar = store.calendar().await?;
    let rows = parse(format, bytes, &calendar, today, actor).map_err(ImportError::Invalid)?;
    let numbers: Vec<String> = rows.iter().map(|(_, d, _)| d.number.clone()).collect();
    let taken = store.dossier_numbers_taken(&numbers).await?;
    if !taken.is_empty() {
        let mut p = Problems::default();
        for (row, d, _) in &rows {
            if taken.contains(&d.number) {
                p.at(
                    format!("row {row}, number"),
                    format!("`{}` is already registered", d.number),
                );
            }
        }
        return Err(ImportError::Invalid(p));
    }
    let rows: Vec<(Dossier, Vec<DossierStep>)> = rows.into_iter().map(|(_, d, s)| (d, s)).collect();
    Ok(store
        .import_dossiers(actor, &rows, source, progress)
        .await?)
}
