//! The rules of a sample's life in the laboratory (thử nghiệm mẫu): receipt with its code and
//! label, split into sub-samples and retained portions, every hand-over recorded so that its
//! location is always known, tests assigned to analysts (and equipment from the standards
//! register), disposal at the end of retention. Pure functions over values; the handlers call
//! them and the store keeps the result.

use std::fmt::Write as _;

use calibration_profiles::problems::Problems;
use chrono::{Days, NaiveDate, Utc};
use serde::Deserialize;
use uuid::Uuid;

use crate::store::samples::{Custody, Sample, SampleTest};

/// Days a sample is retained after receipt when the receipt says nothing (ISO/IEC 17025
/// §7.4.4 leaves it to the laboratory; 90 days is the Centre's usual practice for market
/// samples, configurable per receipt).
pub const DEFAULT_RETENTION_DAYS: u32 = 90;

/// A test asked for at receipt or later.
#[derive(Debug, Clone, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TestRequest {
    /// Characteristic code (`sulfur`, `ron`, `benzene`…).
    pub characteristic: String,
    /// Method designation (`TCVN 6701:2011`, `ASTM D2699`…).
    pub method_id: String,
    /// Username of the analyst; empty: assigned later.
    #[serde(default)]
    pub analyst: String,
    /// Equipment from the standards register.
    #[serde(default)]
    pub measurement_standard_id: Option<Uuid>,
    /// The limit as printed, when the specification gives one.
    #[serde(default)]
    pub limit_text: Option<String>,
    #[serde(default)]
    pub unit: String,
}

/// A sample as received (phiếu nhận mẫu).
#[derive(Debug, Clone, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ReceiveInput {
    /// `food`, `ocop`, `petrol`, `diesel`, `engine_oil`, `helmet`, `electrical`,
    /// `construction_material`, `water`, …
    pub sample_type: String,
    #[serde(default)]
    pub product_type: Option<String>,
    pub name: String,
    #[serde(default)]
    pub description: String,
    pub quantity: String,
    /// Condition on receipt (intact seal, temperature…).
    pub condition: String,
    #[serde(default)]
    pub storage: String,
    #[serde(default)]
    pub seal_number: Option<String>,
    #[serde(default)]
    pub specification: Option<String>,
    /// The customer from the registry, or…
    #[serde(default)]
    pub requester_organisation_id: Option<Uuid>,
    /// …the requester's name (an authority, a person).
    #[serde(default)]
    pub requester_name: String,
    #[serde(default)]
    pub survey_id: Option<Uuid>,
    #[serde(default)]
    pub import_dossier_id: Option<Uuid>,
    /// Day of receipt; defaults to today.
    #[serde(default)]
    pub received_on: Option<NaiveDate>,
    /// Results promised by this day.
    #[serde(default)]
    pub due_on: Option<NaiveDate>,
    /// Days kept after receipt; default [`DEFAULT_RETENTION_DAYS`].
    #[serde(default)]
    pub retention_days: Option<u32>,
    /// Where it is put on receipt (storeroom, shelf).
    pub location: String,
    #[serde(default)]
    pub tests: Vec<TestRequest>,
}

/// One portion split off a sample.
#[derive(Debug, Clone, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PortionInput {
    /// `sub` (to be tested, e.g. by another laboratory) or `retained` (lưu mẫu).
    pub portion: String,
    pub quantity: String,
    pub location: String,
    #[serde(default)]
    pub holder: String,
    #[serde(default)]
    pub seal_number: Option<String>,
}

/// A hand-over.
#[derive(Debug, Clone, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct HandOver {
    /// Who holds it now (username or name).
    pub to_holder: String,
    pub location: String,
    #[serde(default)]
    pub condition: String,
    #[serde(default)]
    pub note: String,
}

/// Disposal at the end of retention.
#[derive(Debug, Clone, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DisposalInput {
    /// How (returned to the customer, destroyed, …).
    pub method: String,
    #[serde(default)]
    pub on: Option<NaiveDate>,
    /// Disposing before the retention ends needs a reason.
    #[serde(default)]
    pub reason: Option<String>,
}

fn is_code(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 40
        && s.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '_' | '-' | '.'))
}

fn blank(p: &mut Problems, field: &str, value: &str) {
    if value.trim().is_empty() {
        p.at(field, "is required");
    }
}

/// Checks the tests asked for; paths under `prefix` (`tests[0].method_id`).
pub fn check_tests(p: &mut Problems, prefix: &str, tests: &[TestRequest]) {
    for (i, t) in tests.iter().enumerate() {
        if !is_code(&t.characteristic) {
            p.at(
                format!("{prefix}[{i}].characteristic"),
                format!(
                    "`{}` is not a characteristic code (lower case, digits, _)",
                    t.characteristic
                ),
            );
        }
        blank(p, &format!("{prefix}[{i}].method_id"), &t.method_id);
        if tests[..i]
            .iter()
            .any(|o| o.characteristic == t.characteristic && o.method_id == t.method_id)
        {
            p.at(
                format!("{prefix}[{i}].characteristic"),
                format!("`{}` by {} is asked twice", t.characteristic, t.method_id),
            );
        }
    }
}

/// A new test row.
#[must_use]
pub fn new_test(sample_id: Uuid, t: &TestRequest, specification: Option<&str>) -> SampleTest {
    SampleTest {
        sample_test_id: Uuid::now_v7(),
        sample_id,
        characteristic: t.characteristic.clone(),
        method_id: t.method_id.trim().to_owned(),
        specification: specification.map(str::to_owned),
        limit_text: t.limit_text.clone().filter(|l| !l.trim().is_empty()),
        analyst: t.analyst.trim().to_owned(),
        measurement_standard_id: t.measurement_standard_id,
        status: "assigned".into(),
        replicates: None,
        reading_ids: None,
        reported: None,
        unit: t.unit.trim().to_owned(),
        expanded_uncertainty: None,
        conformity: None,
        evaluation: None,
        engine_version: None,
        resulted_by: None,
        resulted_at: None,
        created_at: Utc::now(),
    }
}

/// One movement of a sample: what happened, from whom to whom, where to, in what state.
#[derive(Debug, Clone, Copy)]
pub struct Move<'a> {
    pub action: &'a str,
    pub from: &'a str,
    pub to: &'a str,
    pub location: &'a str,
    pub condition: &'a str,
    pub note: &'a str,
}

/// The custody row of a movement, recorded now by `actor`.
#[must_use]
pub fn custody(sample_id: Uuid, m: Move<'_>, actor: &str) -> Custody {
    Custody {
        sample_custody_id: Uuid::now_v7(),
        sample_id,
        at: Utc::now(),
        action: m.action.into(),
        from_holder: m.from.into(),
        to_holder: m.to.into(),
        location: m.location.into(),
        condition: m.condition.into(),
        note: m.note.into(),
        recorded_by: actor.into(),
    }
}

/// Checks a receipt and makes the sample (coded `code`), its tests and its first custody row.
/// `requester` is the organisation's name when the receipt names one from the registry.
pub fn receive(
    input: &ReceiveInput,
    code: String,
    requester: Option<String>,
    today: NaiveDate,
    actor: &str,
    holder: &str,
) -> Result<(Sample, Vec<SampleTest>, Custody), Problems> {
    let mut p = Problems::default();
    if !is_code(&input.sample_type) {
        p.at(
            "sample_type",
            format!(
                "`{}` is not a sample type code (food, petrol, helmet, …)",
                input.sample_type
            ),
        );
    }
    blank(&mut p, "name", &input.name);
    blank(&mut p, "quantity", &input.quantity);
    blank(&mut p, "condition", &input.condition);
    blank(&mut p, "location", &input.location);
    let requester_name = requester.unwrap_or_else(|| input.requester_name.trim().to_owned());
    if requester_name.is_empty() {
        p.at(
            "requester_name",
            "is required: the customer or the requesting authority",
        );
    }
    let received_on = input.received_on.unwrap_or(today);
    if received_on > today {
        p.at("received_on", format!("{received_on} is in the future"));
    }
    if input.due_on.is_some_and(|d| d < received_on) {
        p.at("due_on", "is before the day of receipt");
    }
    let retention = input.retention_days.unwrap_or(DEFAULT_RETENTION_DAYS);
    if retention > 3650 {
        p.at("retention_days", "at most 3650 days");
    }
    check_tests(&mut p, "tests", &input.tests);
    check_methods(&mut p, "tests", &input.tests);
    if !p.is_empty() {
        return Err(p);
    }
    let id = Uuid::now_v7();
    let now = Utc::now();
    let sample = Sample {
        sample_id: id,
        code,
        parent_id: None,
        portion: "main".into(),
        sample_type: input.sample_type.clone(),
        product_type: input.product_type.clone().filter(|t| !t.trim().is_empty()),
        name: input.name.trim().to_owned(),
        description: input.description.trim().to_owned(),
        quantity: input.quantity.trim().to_owned(),
        condition: input.condition.trim().to_owned(),
        storage: input.storage.trim().to_owned(),
        seal_number: input.seal_number.clone().filter(|s| !s.trim().is_empty()),
        specification: input.specification.clone().filter(|s| !s.trim().is_empty()),
        requester_organisation_id: input.requester_organisation_id,
        requester_name,
        survey_id: input.survey_id,
        import_dossier_id: input.import_dossier_id,
        received_on,
        received_by: actor.to_owned(),
        due_on: input.due_on,
        retain_until: received_on.checked_add_days(Days::new(u64::from(retention))),
        location: input.location.trim().to_owned(),
        holder: holder.to_owned(),
        status: "received".into(),
        conformity: None,
        reported_on: None,
        disposed_on: None,
        disposed_by: None,
        disposal: None,
        review_comment: None,
        created_at: now,
        updated_at: now,
    };
    let tests = input
        .tests
        .iter()
        .map(|t| new_test(id, t, sample.specification.as_deref()))
        .collect();
    let first = custody(
        id,
        Move {
            action: "received",
            from: &sample.requester_name,
            to: holder,
            location: &sample.location,
            condition: &sample.condition,
            note: "",
        },
        actor,
    );
    Ok((sample, tests, first))
}

/// The portions split off `parent`: codes `CODE-1`, `CODE-2`… for sub-samples and `CODE-R`,
/// `CODE-R2`… for retained portions, numbered after the `existing` portions.
pub fn split(
    parent: &Sample,
    portions: &[PortionInput],
    existing: &[Sample],
    actor: &str,
    holder: &str,
) -> Result<(Vec<Sample>, Vec<Custody>), Problems> {
    let mut p = Problems::default();
    if portions.is_empty() {
        p.at("portions", "at least one portion");
    }
    if parent.portion != "main" {
        p.at(
            "",
            format!("{} is itself a portion: split the main sample", parent.code),
        );
    }
    if parent.status == "disposed" {
        p.at("", format!("{} was disposed of", parent.code));
    }
    for (i, q) in portions.iter().enumerate() {
        if !matches!(q.portion.as_str(), "sub" | "retained") {
            p.at(
                format!("portions[{i}].portion"),
                "must be `sub` or `retained`",
            );
        }
        blank(&mut p, &format!("portions[{i}].quantity"), &q.quantity);
        blank(&mut p, &format!("portions[{i}].location"), &q.location);
    }
    if !p.is_empty() {
        return Err(p);
    }
    let mut subs = existing.iter().filter(|s| s.portion == "sub").count();
    let mut kept = existing.iter().filter(|s| s.portion == "retained").count();
    let now = Utc::now();
    let mut samples = Vec::new();
    let mut custody_rows = Vec::new();
    for q in portions {
        let mut code = parent.code.clone();
        if q.portion == "sub" {
            subs += 1;
            let _ = write!(code, "-{subs}");
        } else {
            kept += 1;
            code.push_str("-R");
            if kept > 1 {
                let _ = write!(code, "{kept}");
            }
        }
        let to = if q.holder.trim().is_empty() {
            holder
        } else {
            q.holder.trim()
        };
        let s = Sample {
            sample_id: Uuid::now_v7(),
            code,
            parent_id: Some(parent.sample_id),
            portion: q.portion.clone(),
            quantity: q.quantity.trim().to_owned(),
            seal_number: q.seal_number.clone().filter(|s| !s.trim().is_empty()),
            location: q.location.trim().to_owned(),
            holder: to.to_owned(),
            status: "received".into(),
            conformity: None,
            reported_on: None,
            created_at: now,
            updated_at: now,
            ..parent.clone()
        };
        custody_rows.push(custody(
            s.sample_id,
            Move {
                action: "split",
                from: &parent.holder,
                to,
                location: &s.location,
                condition: &parent.condition,
                note: &format!("from {}", parent.code),
            },
            actor,
        ));
        samples.push(s);
    }
    Ok((samples, custody_rows))
}

/// Checks the tests asked for against the methods table: a known method that measures the
/// characteristic named.
pub fn check_methods(p: &mut Problems, prefix: &str, tests: &[TestRequest]) {
    let methods = calibration_profiles::lims::Methods::shipped();
    for (i, t) in tests.iter().enumerate() {
        match methods.get(t.method_id.trim()) {
            None => p.at(
                format!("{prefix}[{i}].method_id"),
                format!("`{}` is not in the methods table (calibration-profiles/tables/test-methods.toml)", t.method_id),
            ),
            Some(m) if m.characteristic != t.characteristic => p.at(
                format!("{prefix}[{i}].characteristic"),
                format!("{} measures `{}`, not `{}`", m.id, m.characteristic, t.characteristic),
            ),
            Some(_) => {}
        }
    }
}

/// A sample type of the shipped list.
#[must_use]
pub fn known_sample_type(code: &str) -> bool {
    calibration_profiles::lims::Specifications::shipped()
        .sample_type(code)
        .is_some()
}

/// The Vietnamese and English names of a sample type (its code when unknown).
#[must_use]
pub fn sample_type_names(code: &str) -> (String, String) {
    calibration_profiles::lims::Specifications::shipped()
        .sample_type(code)
        .map_or_else(
            || (code.to_owned(), code.to_owned()),
            |t| (t.name.vi.clone(), t.name.en.clone()),
        )
}

/// Evaluates a test's replicates with its method and the sample's limit (specification and
/// product type, in force on `day`), and writes the result into the test row.
pub fn record_result(
    sample: &Sample,
    test: &mut SampleTest,
    replicates: &[String],
    reading_ids: &[Uuid],
    day: NaiveDate,
    actor: &str,
) -> Result<(), Problems> {
    use calibration_profiles::conformity::Rule;
    use calibration_profiles::lims::{Methods, Specifications, evaluate};
    let mut p = Problems::default();
    let Some(method) = Methods::shipped().get(&test.method_id) else {
        p.at(
            "method_id",
            format!("`{}` is not in the methods table", test.method_id),
        );
        return Err(p);
    };
    let limit = match (&sample.specification, &sample.product_type) {
        (Some(spec), Some(product)) => {
            Specifications::shipped().limit(spec, day, product, &test.characteristic)
        }
        _ => None,
    };
    let e = match evaluate(method, limit, replicates, Rule::SimpleAcceptance) {
        Ok(e) => e,
        Err(err) => {
            p.at("replicates", err.to_string());
            return Err(p);
        }
    };
    test.replicates = serde_json::to_string(replicates).ok();
    test.reading_ids = (!reading_ids.is_empty())
        .then(|| serde_json::to_string(reading_ids).ok())
        .flatten();
    test.reported = Some(e.text(true));
    test.unit = if method.unit == "1" {
        String::new()
    } else {
        method.unit.clone()
    };
    test.expanded_uncertainty = e.expanded_uncertainty.map(|u| {
        let (u, d) = crate::issue::round_uncertainty(u);
        crate::issue::format_number(u, d, true)
    });
    test.conformity = Some(e.conformity.as_str().to_owned());
    test.limit_text = limit.map(|l| l.text(true));
    test.specification.clone_from(&sample.specification);
    test.evaluation = serde_json::to_string(&e).ok();
    test.engine_version = Some(calibration_profiles::ENGINE_VERSION.to_owned());
    test.status = "resulted".into();
    test.resulted_by = Some(actor.to_owned());
    test.resulted_at = Some(Utc::now());
    Ok(())
}

/// The sample's overall conformity: nonconforming when one result is, `no_limit` when no
/// result was judged, else conforming.
#[must_use]
pub fn overall(tests: &[SampleTest]) -> &'static str {
    let c = |w: &str| tests.iter().any(|t| t.conformity.as_deref() == Some(w));
    if c("does_not_conform") {
        "does_not_conform"
    } else if c("conforms") {
        "conforms"
    } else {
        "no_limit"
    }
}

/// The test report (phiếu kết quả thử nghiệm) of a sample.
// One document laid out top to bottom; splitting it would scatter the form.
#[allow(clippy::too_many_arguments, clippy::too_many_lines)]
#[must_use]
pub fn report(
    s: &Sample,
    tests: &[SampleTest],
    lab: &crate::config::Lab,
    number: String,
    issue_date: NaiveDate,
    qr_payload: String,
    analysts: &[String],
    signer: &str,
    amendment: Option<tdc_certificate::Amendment>,
) -> tdc_certificate::RecordDocument {
    use tdc_certificate::{
        Field, Language, LocalizedText as T, RecordConclusion, RecordDocument, RecordKind,
        RecordSignatory, Section, Table, TableRow, Verdict,
    };
    let (type_vi, _) = sample_type_names(&s.sample_type);
    let mut fields = vec![
        Field::new("Tên mẫu", "Sample", s.name.clone()),
        Field::new("Mã mẫu", "Sample code", s.code.clone()),
        Field::new("Loại mẫu", "Sample type", type_vi),
        Field::new(
            "Khách hàng / đơn vị yêu cầu",
            "Customer",
            s.requester_name.clone(),
        ),
        Field::new("Số lượng", "Quantity", s.quantity.clone()),
        Field::new(
            "Tình trạng mẫu khi nhận",
            "Condition on receipt",
            s.condition.clone(),
        ),
        Field::new(
            "Ngày nhận mẫu",
            "Received on",
            s.received_on.format("%d/%m/%Y").to_string(),
        ),
    ];
    if let Some(seal) = &s.seal_number {
        fields.push(Field::new("Số niêm phong", "Seal number", seal.clone()));
    }
    if let Some(spec) = &s.specification {
        fields.push(Field::new(
            "Căn cứ đánh giá",
            "Assessed against",
            spec.clone(),
        ));
    }
    let rule = tests
        .iter()
        .find_map(|t| {
            t.evaluation
                .as_deref()
                .and_then(|e| serde_json::from_str::<calibration_profiles::lims::Evaluated>(e).ok())
        })
        .map(|e| T::new(e.decision_rule.vi, e.decision_rule.en));
    let rows = tests
        .iter()
        .enumerate()
        .map(|(i, t)| {
            let conformity = match t.conformity.as_deref() {
                Some("conforms") => "Đạt",
                Some("does_not_conform") => "Không đạt",
                Some("indeterminate") => "Không kết luận được",
                _ => "–",
            };
            let unit = if t.unit.is_empty() {
                "–".to_owned()
            } else {
                t.unit.clone()
            };
            let value = t.reported.clone().unwrap_or_else(|| "–".into());
            let u = t
                .expanded_uncertainty
                .clone()
                .map_or_else(|| "–".into(), |u| format!("± {u}"));
            TableRow {
                cells: vec![
                    (i + 1).to_string(),
                    characteristic_name(&t.characteristic),
                    t.method_id.clone(),
                    unit,
                    value,
                    u,
                    t.limit_text.clone().unwrap_or_else(|| "–".into()),
                    conformity.to_owned(),
                ],
                flagged: t.conformity.as_deref() == Some("does_not_conform"),
            }
        })
        .collect();
    let nonconforming = tests
        .iter()
        .filter(|t| t.conformity.as_deref() == Some("does_not_conform"))
        .count();
    let judged = tests.iter().any(|t| {
        matches!(
            t.conformity.as_deref(),
            Some("conforms" | "does_not_conform")
        )
    });
    let conclusion = s.specification.as_ref().filter(|_| judged).map(|spec| {
        if nonconforming > 0 {
            RecordConclusion {
                verdict: Some(Verdict::Fail),
                text: T::new(
                    format!("Mẫu không phù hợp {spec}: {nonconforming} chỉ tiêu không đạt"),
                    format!("The sample does not conform to {spec}: {nonconforming} characteristic(s) fail"),
                ),
                details: vec![],
            }
        } else {
            RecordConclusion {
                verdict: Some(Verdict::Pass),
                text: T::new(
                    format!("Các chỉ tiêu thử nghiệm phù hợp {spec}"),
                    format!("The characteristics tested conform to {spec}"),
                ),
                details: vec![],
            }
        }
    });
    let mut remarks = vec![T::new(
        "Kết quả chỉ có giá trị đối với mẫu thử. Độ không đảm bảo đo mở rộng U với hệ số phủ k = 2, mức tin cậy xấp xỉ 95 %.",
        "The results relate only to the sample tested. Expanded uncertainty U with coverage factor k = 2, approximately 95 % coverage.",
    )];
    if let Some(rule) = rule {
        remarks.push(rule);
    }
    let mut signatories: Vec<RecordSignatory> = analysts
        .iter()
        .map(|a| RecordSignatory {
            role: T::new("Người thử nghiệm", "Analyst"),
            name: a.clone(),
            title: None,
        })
        .take(2)
        .collect();
    signatories.push(RecordSignatory {
        role: T::new("Thủ trưởng đơn vị", "Head of organisation"),
        name: signer.to_owned(),
        title: Some(T::new(&lab.approver_title_vi, &lab.approver_title_en)),
    });
    let (vi, en) = RecordKind::TestReport.titles();
    RecordDocument {
        kind: RecordKind::TestReport,
        language: Language::Vi,
        title: T::new(vi, en),
        form_number: None,
        number,
        issue_date,
        issuing_body: crate::issue::issuing_body(lab),
        addressee: Some(s.requester_name.clone()),
        preamble: vec![],
        sections: vec![
            Section {
                heading: T::new("Thông tin mẫu", "Sample"),
                fields,
                table: None,
                text: None,
            },
            Section {
                heading: T::new("Kết quả thử nghiệm", "Results"),
                fields: vec![],
                table: Some(Table {
                    columns: vec![
                        T::new("TT", "No."),
                        T::new("Chỉ tiêu", "Characteristic"),
                        T::new("Phương pháp thử", "Method"),
                        T::new("Đơn vị", "Unit"),
                        T::new("Kết quả", "Result"),
                        T::new("U (k = 2)", "U (k = 2)"),
                        T::new("Giới hạn", "Limit"),
                        T::new("Đánh giá", "Assessment"),
                    ],
                    widths: vec![1, 4, 3, 2, 2, 2, 2, 2],
                    rows,
                    flag_legend: Some(T::new(
                        "Chỉ tiêu không phù hợp",
                        "Nonconforming characteristic",
                    )),
                }),
                text: None,
            },
        ],
        conclusion,
        remarks,
        signatories,
        qr_payload,
        amendment,
        signature_fingerprint: None,
    }
}

/// The printed name of a characteristic (Vietnamese), from the methods table.
fn characteristic_name(code: &str) -> String {
    const NAMES: [(&str, &str); 8] = [
        ("ron", "Trị số octan (RON)"),
        ("benzene", "Hàm lượng benzen"),
        ("sulfur", "Hàm lượng lưu huỳnh"),
        ("lead", "Hàm lượng chì"),
        ("density_15", "Khối lượng riêng ở 15 °C"),
        ("flash_point", "Nhiệt độ chớp cháy cốc kín"),
        (
            "helmet_peak_acceleration",
            "Gia tốc cực đại (hấp thụ xung động)",
        ),
        ("mon", "Trị số octan động cơ (MON)"),
    ];
    NAMES
        .iter()
        .find(|(c, _)| *c == code)
        .map_or_else(|| code.to_owned(), |(_, n)| (*n).to_owned())
}
