//! The rules of an import inspection dossier (hồ sơ đăng ký kiểm tra nhà nước về chất lượng
//! hàng hóa nhập khẩu): registration checked against the regime in force on its date (steps,
//! channels, checklist, outcomes are data: `calibration_profiles::import_regime`), each step's
//! deadline counted in working days over the maintained calendar, and the documents it ends
//! in (confirmation of registration, notice of the result).
//!
//! Pure functions over values: the HTTP handlers and the import call them, the store keeps the
//! result. A dossier is judged by its registration date's regime for its whole life.

use std::fmt::Write as _;

use calibration_profiles::import_regime::{Channel, Event, GoodsList, Regime, Regimes, StepKind};
use calibration_profiles::problems::Problems;
use calibration_profiles::workdays::Calendar;
use chrono::{NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use tdc_certificate::{
    Field, Language, LocalizedText, RecordConclusion, RecordDocument, RecordKind, RecordSignatory,
    Section, Table, TableRow,
};
use uuid::Uuid;

use crate::config::Lab;
use crate::store::dossiers::{Dossier, DossierStep};

/// One goods line of the registration form.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct GoodsItem {
    pub name: String,
    /// HS code as written on the declaration (4 to 8 digits, dots allowed).
    pub hs_code: String,
    #[serde(default)]
    pub brand: String,
    #[serde(default)]
    pub origin: String,
    /// Quantity as written (decimal text, comma or point).
    pub quantity: String,
    pub unit: String,
    #[serde(default)]
    pub lot: String,
}

/// A document of the checklist received, with its reference (number and date as written).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DocumentReceived {
    /// Code in the regime's checklist (`contract`, `invoice`, `bill-of-lading`…).
    pub code: String,
    #[serde(default)]
    pub reference: String,
}

/// The importer.
#[derive(Debug, Clone, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ImporterInput {
    pub name: String,
    /// Mã số thuế: 10 digits, or 10 digits, `-` and 3 digits.
    pub tax_code: String,
    #[serde(default)]
    pub address: String,
}

/// A registration as received through one of the channels.
#[derive(Debug, Clone, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DossierInput {
    /// The dossier's number; omitted: numbered here from the configured pattern.
    #[serde(default)]
    pub number: Option<String>,
    /// `one_stop_counter`, `provincial_portal`, `national_single_window` or `postal`.
    pub channel: String,
    /// The channel's own reference (NSW or portal id).
    #[serde(default)]
    pub external_ref: Option<String>,
    /// The day the dossier was received (its deadlines count from it).
    pub registered_on: NaiveDate,
    pub importer: ImporterInput,
    #[serde(default)]
    pub entry_gate: String,
    #[serde(default)]
    pub customs_declaration: String,
    pub goods: Vec<GoodsItem>,
    /// The technical regulation; omitted: the one of the goods' HS code.
    #[serde(default)]
    pub regulation: Option<String>,
    #[serde(default)]
    pub documents: Vec<DocumentReceived>,
}

/// The channel named by its stored code.
#[must_use]
pub fn channel(code: &str) -> Option<Channel> {
    match code {
        "one_stop_counter" => Some(Channel::OneStopCounter),
        "provincial_portal" => Some(Channel::ProvincialPortal),
        "national_single_window" => Some(Channel::NationalSingleWindow),
        "postal" => Some(Channel::Postal),
        _ => None,
    }
}

/// The channel's stored code.
#[must_use]
pub fn channel_code(c: Channel) -> &'static str {
    match c {
        Channel::OneStopCounter => "one_stop_counter",
        Channel::ProvincialPortal => "provincial_portal",
        Channel::NationalSingleWindow => "national_single_window",
        Channel::Postal => "postal",
    }
}

/// The channel's name in Vietnamese and English.
#[must_use]
pub fn channel_names(code: &str) -> (&'static str, &'static str) {
    match code {
        "one_stop_counter" => ("Bộ phận một cửa", "One-stop counter"),
        "provincial_portal" => (
            "Cổng dịch vụ công của tỉnh",
            "Provincial public-service portal",
        ),
        "national_single_window" => ("Cơ chế một cửa quốc gia", "National Single Window"),
        "postal" => ("Dịch vụ bưu chính", "Postal service"),
        _ => ("?", "?"),
    }
}

/// Mã số thuế: `dddddddddd` or `dddddddddd-ddd`.
#[must_use]
pub fn valid_tax_code(t: &str) -> bool {
    let digits = |s: &str, n: usize| s.len() == n && s.bytes().all(|b| b.is_ascii_digit());
    match t.split_once('-') {
        None => digits(t, 10),
        Some((main, branch)) => digits(main, 10) && digits(branch, 3),
    }
}

fn positive_decimal(text: &str) -> bool {
    text.trim()
        .replace(',', ".")
        .parse::<f64>()
        .is_ok_and(|v| v.is_finite() && v > 0.0)
}

// One list of checks in the order of the form; splitting it would scatter the problems' order.
#[allow(clippy::too_many_lines)]
/// Checks a registration and makes the dossier and its steps, or returns every problem with
/// its field path. `number` is used when the input has none; `today` bounds the dates.
pub fn register(
    input: &DossierInput,
    number: Option<String>,
    calendar: &Calendar,
    today: NaiveDate,
    actor: &str,
) -> Result<(Dossier, Vec<DossierStep>), Problems> {
    let mut p = Problems::default();
    let regime = match Regimes::shipped().regime_on(input.registered_on) {
        Ok(r) => Some(r),
        Err(e) => {
            p.at("registered_on", e.to_string());
            None
        }
    };
    if input.registered_on > today {
        p.at(
            "registered_on",
            format!("{} is in the future", input.registered_on),
        );
    }
    let number = input
        .number
        .as_deref()
        .map(str::trim)
        .filter(|n| !n.is_empty())
        .map(str::to_owned)
        .or(number);
    if number.as_deref().is_some_and(|n| n.chars().count() > 60) {
        p.at("number", "at most 60 characters");
    }
    match (channel(&input.channel), regime) {
        (None, _) => p.at(
            "channel",
            format!(
                "`{}` is not a channel: one_stop_counter, provincial_portal, national_single_window or postal",
                input.channel
            ),
        ),
        (Some(c), Some(r)) if !r.channels.contains(&c) => p.at(
            "channel",
            format!(
                "regime {} (in force on {}) receives dossiers only through {}",
                r.code,
                input.registered_on,
                r.channels.iter().map(|c| channel_code(*c)).collect::<Vec<_>>().join(", ")
            ),
        ),
        _ => {}
    }
    if input.importer.name.trim().is_empty() {
        p.at("importer.name", "is required");
    }
    if !valid_tax_code(input.importer.tax_code.trim()) {
        p.at(
            "importer.tax_code",
            format!(
                "`{}` is not a tax code: 10 digits, or 10 digits, `-` and 3 digits for a branch",
                input.importer.tax_code
            ),
        );
    }
    if input.goods.is_empty() {
        p.at("goods", "at least one goods line is required");
    }
    let mut regulation = input.regulation.clone().filter(|r| !r.trim().is_empty());
    for (i, g) in input.goods.iter().enumerate() {
        if g.name.trim().is_empty() {
            p.at(format!("goods[{i}].name"), "is required");
        }
        match GoodsList::shipped().lookup(&g.hs_code) {
            Ok(line) => {
                if regulation.is_none() {
                    regulation = Some(line.regulation.clone());
                }
            }
            Err(e) => p.at(format!("goods[{i}].hs_code"), e.to_string()),
        }
        if !positive_decimal(&g.quantity) {
            p.at(
                format!("goods[{i}].quantity"),
                format!("`{}` is not a quantity above zero", g.quantity),
            );
        }
        if g.unit.trim().is_empty() {
            p.at(
                format!("goods[{i}].unit"),
                "is required (chiếc, kg, tấn, lít…)",
            );
        }
    }
    if let Some(r) = regime {
        for (i, d) in input.documents.iter().enumerate() {
            if !r.document.iter().any(|item| item.code == d.code) {
                p.at(
                    format!("documents[{i}].code"),
                    format!(
                        "`{}` is not in the checklist of regime {}: {}",
                        d.code,
                        r.code,
                        r.document
                            .iter()
                            .map(|d| d.code.as_str())
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                );
            } else if input.documents[..i].iter().any(|o| o.code == d.code) {
                p.at(
                    format!("documents[{i}].code"),
                    format!("`{}` is listed twice", d.code),
                );
            }
        }
    }
    let confirm_due = regime.and_then(|r| {
        match r.deadline(StepKind::ConfirmRegistration, input.registered_on, calendar) {
            Ok(d) => Some(d),
            Err(calibration_profiles::import_regime::DeadlineError::Calendar(e)) => {
                p.at("registered_on", e.to_string());
                None
            }
            Err(_) => None,
        }
    });
    let Some(number) = number else {
        p.at("number", "is required");
        return Err(p);
    };
    let (Some(regime), true) = (regime, p.is_empty()) else {
        return Err(p);
    };
    let now = Utc::now();
    let id = Uuid::now_v7();
    let dossier = Dossier {
        import_dossier_id: id,
        number,
        channel: input.channel.clone(),
        external_ref: input.external_ref.clone().filter(|r| !r.trim().is_empty()),
        regime: regime.code.clone(),
        registered_on: input.registered_on,
        importer_name: input.importer.name.trim().to_owned(),
        importer_tax_code: input.importer.tax_code.trim().to_owned(),
        importer_address: input.importer.address.trim().to_owned(),
        importer_organisation_id: None,
        entry_gate: input.entry_gate.trim().to_owned(),
        customs_declaration: input.customs_declaration.trim().to_owned(),
        goods: serde_json::to_string(&input.goods).unwrap_or_default(),
        hs_code: input.goods[0].hs_code.trim().to_owned(),
        regulation: regulation.unwrap_or_default(),
        documents: serde_json::to_string(&input.documents).unwrap_or_default(),
        certificate_number: None,
        certificate_issuer: None,
        certificate_date: None,
        customs_cleared_on: None,
        complete_file_on: None,
        status: "registered".into(),
        outcome: None,
        outcome_detail: None,
        decided_on: None,
        on_time: None,
        created_by: actor.to_owned(),
        created_at: now,
        updated_at: now,
    };
    let steps = regime
        .step
        .iter()
        .filter(|s| s.step != StepKind::Register)
        .map(|s| DossierStep {
            import_dossier_id: id,
            step: s.step.as_str().to_owned(),
            due_on: (s.step == StepKind::ConfirmRegistration)
                .then_some(confirm_due)
                .flatten(),
            done_on: None,
            done_by: None,
        })
        .chain(std::iter::once(DossierStep {
            import_dossier_id: id,
            step: StepKind::Register.as_str().to_owned(),
            due_on: None,
            done_on: Some(input.registered_on),
            done_by: Some(actor.to_owned()),
        }))
        .collect();
    Ok((dossier, steps))
}

/// The regime a stored dossier is judged by.
pub fn regime_of(d: &Dossier) -> Result<&'static Regime, String> {
    Regimes::shipped().get(&d.regime).ok_or_else(|| {
        format!(
            "dossier {} names regime {} which is not shipped",
            d.number, d.regime
        )
    })
}

/// Marks `step` done on `on` by `actor`.
pub fn mark_done(steps: &mut [DossierStep], step: StepKind, on: NaiveDate, actor: &str) {
    if let Some(s) = steps.iter_mut().find(|s| s.step == step.as_str()) {
        s.done_on = Some(on);
        s.done_by = Some(actor.to_owned());
    }
}

/// Sets the deadline of every step counted from `event` (which happened on `on`).
pub fn start_clock(
    regime: &Regime,
    steps: &mut [DossierStep],
    event: Event,
    on: NaiveDate,
    calendar: &Calendar,
) -> Result<(), String> {
    for rule in &regime.step {
        let Some(deadline) = rule.deadline.filter(|d| d.from == event) else {
            continue;
        };
        let due = calendar
            .add_working_days(on, deadline.working_days)
            .map_err(|e| e.to_string())?;
        if let Some(s) = steps.iter_mut().find(|s| s.step == rule.step.as_str()) {
            s.due_on = Some(due);
        }
    }
    Ok(())
}

/// Every step that has a deadline and was done, was done by it.
#[must_use]
pub fn all_on_time(steps: &[DossierStep]) -> bool {
    steps.iter().all(|s| match (s.due_on, s.done_on) {
        (Some(due), Some(done)) => done <= due,
        _ => true,
    })
}

fn lt(vi: &str, en: &str) -> LocalizedText {
    LocalizedText::new(vi, en)
}

fn dmy(d: NaiveDate) -> String {
    d.format("%d/%m/%Y").to_string()
}

/// The goods table of a dossier's documents.
fn goods_table(d: &Dossier) -> Table {
    let goods: Vec<GoodsItem> = serde_json::from_str(&d.goods).unwrap_or_default();
    Table {
        columns: vec![
            lt("TT", "No."),
            lt("Tên hàng hóa", "Goods"),
            lt("Nhãn hiệu, kiểu loại", "Brand, model"),
            lt("Xuất xứ", "Origin"),
            lt("Mã HS", "HS code"),
            lt("Số lượng", "Quantity"),
        ],
        widths: vec![1, 5, 3, 2, 2, 2],
        rows: goods
            .iter()
            .enumerate()
            .map(|(i, g)| TableRow {
                cells: vec![
                    (i + 1).to_string(),
                    g.name.clone(),
                    if g.brand.is_empty() {
                        "–".into()
                    } else {
                        g.brand.clone()
                    },
                    if g.origin.is_empty() {
                        "–".into()
                    } else {
                        g.origin.clone()
                    },
                    g.hs_code.clone(),
                    format!("{} {}", g.quantity.replace('.', ","), g.unit),
                ],
                flagged: false,
            })
            .collect(),
        flag_legend: None,
    }
}

fn registration_fields(d: &Dossier) -> Vec<Field> {
    let (ch_vi, _) = channel_names(&d.channel);
    let mut f = vec![
        Field::new("Người nhập khẩu", "Importer", d.importer_name.clone()),
        Field::new("Mã số thuế", "Tax code", d.importer_tax_code.clone()),
    ];
    if !d.importer_address.is_empty() {
        f.push(Field::new("Địa chỉ", "Address", d.importer_address.clone()));
    }
    f.push(Field::new(
        "Số, ngày đăng ký",
        "Registration No., date",
        format!("{} – {}", d.number, dmy(d.registered_on)),
    ));
    f.push(Field::new("Hình thức tiếp nhận", "Received through", ch_vi));
    if let Some(r) = &d.external_ref {
        f.push(Field::new(
            "Mã hồ sơ trên hệ thống",
            "Reference in the channel",
            r.clone(),
        ));
    }
    if !d.entry_gate.is_empty() {
        f.push(Field::new(
            "Cửa khẩu nhập",
            "Entry gate",
            d.entry_gate.clone(),
        ));
    }
    if !d.customs_declaration.is_empty() {
        f.push(Field::new(
            "Tờ khai hải quan",
            "Customs declaration",
            d.customs_declaration.clone(),
        ));
    }
    f.push(Field::new(
        "Căn cứ kiểm tra",
        "Basis of inspection",
        d.regulation.clone(),
    ));
    f
}

/// Who signs for the inspection body.
fn head(lab: &Lab, signer: &str) -> RecordSignatory {
    RecordSignatory {
        role: lt("Cơ quan kiểm tra", "Inspection body"),
        name: signer.to_owned(),
        title: Some(lt(&lab.approver_title_vi, &lab.approver_title_en)),
    }
}

/// The confirmation of registration (used by customs to clear the goods).
#[must_use]
pub fn confirmation(
    d: &Dossier,
    regime: &Regime,
    lab: &Lab,
    number: String,
    issue_date: NaiveDate,
    qr_payload: String,
    signer: &str,
) -> RecordDocument {
    let (vi, en) = RecordKind::ImportRegistrationConfirmation.titles();
    RecordDocument {
        kind: RecordKind::ImportRegistrationConfirmation,
        language: Language::Vi,
        title: lt(vi, en),
        form_number: None,
        number,
        issue_date,
        issuing_body: crate::issue::issuing_body(lab),
        addressee: Some(d.importer_name.clone()),
        preamble: regime
            .legal_basis
            .iter()
            .map(|b| LocalizedText::vi(format!("Căn cứ {b};")))
            .collect(),
        sections: vec![
            Section {
                heading: lt("Thông tin đăng ký", "Registration"),
                fields: registration_fields(d),
                table: None,
                text: None,
            },
            Section {
                heading: lt("Hàng hóa đăng ký kiểm tra", "Goods registered"),
                fields: vec![],
                table: Some(goods_table(d)),
                text: None,
            },
        ],
        conclusion: Some(RecordConclusion {
            verdict: None,
            text: lt(
                "Đã tiếp nhận hồ sơ đăng ký kiểm tra nhà nước về chất lượng hàng hóa nhập khẩu",
                "The registration for state quality inspection of the imported goods has been received",
            ),
            details: vec![lt(
                "Người nhập khẩu nộp bản sao y bản chính giấy chứng nhận hợp quy trong thời hạn quy định kể từ ngày thông quan hàng hóa.",
                "The importer submits a certified copy of the certificate of conformity within the prescribed period from customs clearance.",
            )],
        }),
        remarks: vec![],
        signatories: vec![head(lab, signer)],
        qr_payload,
        amendment: None,
        signature_fingerprint: None,
    }
}

/// The notice of the inspection result with the regime's outcome text, verbatim.
#[allow(clippy::too_many_arguments)]
#[must_use]
pub fn notice(
    d: &Dossier,
    regime: &Regime,
    outcome: &calibration_profiles::import_regime::Outcome,
    detail: Option<&str>,
    lab: &Lab,
    number: String,
    issue_date: NaiveDate,
    qr_payload: String,
    signer: &str,
) -> RecordDocument {
    let form = regime
        .form
        .iter()
        .find(|f| f.purpose == calibration_profiles::import_regime::FormPurpose::ResultNotice);
    let (vi, en) = RecordKind::ImportInspectionNotice.titles();
    let title = form.map_or_else(|| lt(vi, en), |f| lt(&f.title.vi, &f.title.en));
    let mut fields = registration_fields(d);
    if let Some(n) = &d.certificate_number {
        let mut cert = n.clone();
        if let Some(i) = &d.certificate_issuer {
            let _ = write!(cert, ", {i}");
        }
        if let Some(day) = d.certificate_date {
            let _ = write!(cert, ", {}", dmy(day));
        }
        fields.push(Field::new(
            "Giấy chứng nhận hợp quy",
            "Certificate of conformity",
            cert,
        ));
    }
    let meets = outcome.code == "meets";
    let fails = outcome.code == "does-not-meet";
    let mut details = Vec::new();
    if let (Some(label), Some(text)) = (&outcome.detail, detail.filter(|t| !t.trim().is_empty())) {
        details.push(LocalizedText::new(
            format!("{}: {text}", label.vi),
            format!("{}: {text}", label.en),
        ));
    }
    RecordDocument {
        kind: RecordKind::ImportInspectionNotice,
        language: Language::Vi,
        title,
        form_number: form.and_then(|f| f.number.clone()),
        number,
        issue_date,
        issuing_body: crate::issue::issuing_body(lab),
        addressee: Some(d.importer_name.clone()),
        preamble: regime
            .legal_basis
            .iter()
            .map(|b| LocalizedText::vi(format!("Căn cứ {b};")))
            .collect(),
        sections: vec![
            Section {
                heading: lt("Thông tin lô hàng", "Consignment"),
                fields,
                table: None,
                text: None,
            },
            Section {
                heading: lt("Hàng hóa", "Goods"),
                fields: vec![],
                table: Some(goods_table(d)),
                text: None,
            },
        ],
        conclusion: Some(RecordConclusion {
            verdict: if meets {
                Some(tdc_certificate::Verdict::Pass)
            } else if fails {
                Some(tdc_certificate::Verdict::Fail)
            } else {
                None
            },
            text: lt(&outcome.text.vi, &outcome.text.en),
            details,
        }),
        remarks: vec![lt(
            "Nơi nhận: Người nhập khẩu; Hải quan cửa khẩu; Lưu.",
            "Copies: the importer; customs at the entry gate; file.",
        )],
        signatories: vec![head(lab, signer)],
        qr_payload,
        amendment: None,
        signature_fingerprint: None,
    }
}

/// The sampling record (biên bản lấy mẫu) of samples taken from a consignment: where, when,
/// who was present, and each sample with its code, quantity and seal number.
#[allow(clippy::too_many_arguments)]
#[must_use]
pub fn sampling_record(
    d: &Dossier,
    samples: &[(
        crate::store::samples::Sample,
        Vec<crate::store::samples::SampleTest>,
        crate::store::samples::Custody,
    )],
    place: &str,
    witness: &str,
    lab: &Lab,
    number: String,
    issue_date: NaiveDate,
    qr_payload: String,
    signer: &str,
) -> RecordDocument {
    let (vi, en) = RecordKind::SamplingRecord.titles();
    let mut fields = vec![
        Field::new(
            "Hồ sơ đăng ký",
            "Dossier",
            format!("{} – {}", d.number, dmy(d.registered_on)),
        ),
        Field::new("Người nhập khẩu", "Importer", d.importer_name.clone()),
        Field::new("Địa điểm lấy mẫu", "Place of sampling", place.to_owned()),
        Field::new("Ngày lấy mẫu", "Date of sampling", dmy(issue_date)),
    ];
    if !witness.is_empty() {
        fields.push(Field::new(
            "Đại diện người nhập khẩu",
            "Importer's representative",
            witness.to_owned(),
        ));
    }
    let rows = samples
        .iter()
        .enumerate()
        .map(|(i, (s, tests, _))| TableRow {
            cells: vec![
                (i + 1).to_string(),
                s.code.clone(),
                s.name.clone(),
                s.quantity.clone(),
                s.seal_number.clone().unwrap_or_default(),
                tests
                    .iter()
                    .map(|t| t.characteristic.clone())
                    .collect::<Vec<_>>()
                    .join(", "),
            ],
            flagged: false,
        })
        .collect();
    let mut signatories = vec![RecordSignatory {
        role: lt("Người lấy mẫu", "Sampled by"),
        name: signer.to_owned(),
        title: None,
    }];
    signatories.insert(
        0,
        RecordSignatory {
            role: lt("Đại diện người nhập khẩu", "For the importer"),
            name: witness.to_owned(),
            title: None,
        },
    );
    RecordDocument {
        kind: RecordKind::SamplingRecord,
        language: Language::Vi,
        title: lt(vi, en),
        form_number: None,
        number,
        issue_date,
        issuing_body: crate::issue::issuing_body(lab),
        addressee: None,
        preamble: vec![],
        sections: vec![
            Section {
                heading: lt("Thông tin lấy mẫu", "Sampling"),
                fields,
                table: None,
                text: None,
            },
            Section {
                heading: lt("Mẫu đã lấy", "Samples taken"),
                fields: vec![],
                table: Some(Table {
                    columns: vec![
                        lt("TT", "No."),
                        lt("Mã mẫu", "Sample code"),
                        lt("Tên mẫu", "Sample"),
                        lt("Số lượng", "Quantity"),
                        lt("Số niêm phong", "Seal No."),
                        lt("Chỉ tiêu thử nghiệm", "Tests"),
                    ],
                    widths: vec![1, 2, 4, 2, 2, 3],
                    rows,
                    flag_legend: None,
                }),
                text: None,
            },
        ],
        conclusion: None,
        remarks: vec![lt(
            "Mẫu được niêm phong trước sự chứng kiến của đại diện người nhập khẩu và chuyển đến phòng thử nghiệm.",
            "The samples were sealed in the presence of the importer's representative and sent to the laboratory.",
        )],
        signatories,
        qr_payload,
        amendment: None,
        signature_fingerprint: None,
    }
}
