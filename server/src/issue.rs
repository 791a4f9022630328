//! From an approved run to the signed document: the certificate's content (ISO/IEC 17025
//! §7.8, the ĐLVN certificate model), the numbers of its results for the DCC, the digest and
//! the Ed25519 signature over the canonical JSON of the content.
//!
//! Numbers are formatted once, here: to the decimal place of the instrument's resolution or
//! of the expanded uncertainty (two significant digits, GUM 7.2.6), whichever is finer, with a
//! decimal comma in Vietnamese documents.

use calibration_profiles::conformity::Outcome;
use calibration_profiles::profile::ProcedureProfile;
use calibration_profiles::profile::procedure::StepKind;
use calibration_profiles::run::{PointResult, RunEvaluation};
use chrono::NaiveDate;
use sha2::{Digest, Sha256};
use tdc_certificate::dcc::DccMeasurement;
use tdc_certificate::{
    Amendment, CertificateDocument, ChartLabels, ChartPoint, CheckOutcome, Conclusion,
    DocumentKind, EnvironmentalCondition, InstrumentIdentity, IssuingBody, Language, LocalizedText,
    Party, Procedure, ResultGroup, ResultRow, ResultsTable, Signatory, SignatoryRole, StandardUsed,
    UncertaintyStatement, Verdict, VerificationMode,
};

use crate::bench::{Evaluated, RunData};
use crate::config::Lab;
use crate::store::bench::{Receipt, Run};
use crate::store::registry::{Instrument, Organisation};
use crate::store::standards::MeasurementStandard;
use crate::store::users::User;

/// Everything printed on a certificate.
#[derive(Debug)]
pub struct Sources<'a> {
    pub run: &'a Run,
    pub data: &'a RunData,
    pub profile: &'a ProcedureProfile,
    pub evaluated: &'a Evaluated,
    pub instrument: &'a Instrument,
    pub owner: &'a Organisation,
    pub receipt: &'a Receipt,
    /// Standards used, each with the codes of its traceability chain.
    pub standards: &'a [(MeasurementStandard, Vec<String>)],
    pub performer: &'a User,
    pub reviewer: Option<&'a User>,
    pub signer: &'a User,
    pub lab: &'a Lab,
    pub number: &'a str,
    pub issue_date: NaiveDate,
    pub qr_payload: &'a str,
    pub amendment: Option<Amendment>,
}

/// Which document a run produces.
#[must_use]
pub fn kind_of(run: &Run, outcome: Option<Outcome>, stopped: bool) -> DocumentKind {
    if !run.is_verification() {
        DocumentKind::CalibrationCertificate
    } else if stopped
        || matches!(
            outcome,
            Some(Outcome::Fail | Outcome::ConditionalFail) | None
        )
    {
        DocumentKind::NoticeOfFailure
    } else {
        DocumentKind::VerificationCertificate
    }
}

/// The `kind` column of a document kind.
#[must_use]
pub fn kind_str(kind: DocumentKind) -> &'static str {
    match kind {
        DocumentKind::VerificationCertificate => "verification_certificate",
        DocumentKind::CalibrationCertificate => "calibration_certificate",
        DocumentKind::NoticeOfFailure => "notice_of_failure",
        DocumentKind::VerificationRecord => "verification_record",
    }
}

fn language(code: &str) -> Language {
    match code {
        "en" => Language::En,
        "bilingual" => Language::Bilingual,
        _ => Language::Vi,
    }
}

fn text(vi: &str, en: &str) -> LocalizedText {
    LocalizedText::new(vi, en)
}

fn non_empty(s: &str) -> Option<String> {
    let t = s.trim();
    (!t.is_empty()).then(|| t.to_owned())
}

/// Decimal places that show `step` (0.01 → 2, 0.5 → 1, 10 → 0), at most 9.
#[must_use]
pub fn decimals_for(step: f64) -> usize {
    let step = step.abs();
    if !(step > 0.0) || !step.is_finite() {
        return 0;
    }
    (0..=9)
        .find(|&k| {
            let scaled = step * 10f64.powi(i32::try_from(k).unwrap_or(9));
            (scaled - scaled.round()).abs() < 1e-6 * scaled.max(1.0)
        })
        .unwrap_or(9)
}

/// U rounded up to two significant digits (GUM 7.2.6) and the decimals that shows.
#[must_use]
pub fn round_uncertainty(u: f64) -> (f64, usize) {
    if !(u > 0.0) || !u.is_finite() {
        return (0.0, 0);
    }
    // |log10 u| of a finite positive f64 is below 330: the cast cannot truncate.
    #[allow(clippy::cast_possible_truncation)]
    let exponent = u.log10().floor() as i32;
    let scale = 10f64.powi(1 - exponent);
    let rounded = (u * scale - 1e-9).ceil() / scale;
    (rounded, usize::try_from((1 - exponent).max(0)).unwrap_or(0))
}

/// Formats with `decimals` places; a decimal comma when `comma`.
#[must_use]
pub fn format_number(v: f64, decimals: usize, comma: bool) -> String {
    let v = if v == 0.0 { 0.0 } else { v }; // no "-0"
    let s = format!("{v:.decimals$}");
    let s = if s.starts_with('-') && s[1..].chars().all(|c| c == '0' || c == '.') {
        s[1..].to_owned()
    } else {
        s
    };
    if comma { s.replace('.', ",") } else { s }
}

fn verdict(o: Option<Outcome>) -> Option<Verdict> {
    o.map(|o| match o {
        Outcome::Pass | Outcome::ConditionalPass => Verdict::Pass,
        Outcome::Fail | Outcome::ConditionalFail => Verdict::Fail,
    })
}

/// The decimals of an instrument's resolution: its parameter `d` (or `e`) expressed in `unit`.
#[must_use]
pub fn resolution_decimals(
    unit: calibration_profiles::units::Unit,
    params: &std::collections::BTreeMap<String, String>,
) -> Option<usize> {
    ["d", "e"]
        .iter()
        .filter_map(|k| params.get(*k))
        .find_map(|t| {
            calibration_profiles::units::Quantity::parse(t)
                .ok()
                .and_then(|q| q.to(unit).ok())
        })
        .map(|q| decimals_for(q.value))
}

/// The decimals of the results of a run: those of the resolution parameter `d` (or `e`) in the
/// procedure's unit, or finer when U needs it.
fn result_decimals(s: &Sources<'_>, points: &[&PointResult]) -> usize {
    let resolution = resolution_decimals(s.profile.unit, &s.data.params).unwrap_or(0);
    let u = points
        .iter()
        .map(|p| round_uncertainty(p.expanded_uncertainty).1)
        .max()
        .unwrap_or(0);
    resolution.max(u)
}

fn rows(
    s: &Sources<'_>,
    evaluation: &RunEvaluation,
    decimals: usize,
    comma: bool,
    title: Option<LocalizedText>,
) -> Vec<ResultGroup> {
    let verification = s.run.is_verification();
    let mut groups: Vec<ResultGroup> = Vec::new();
    for step in &s.profile.steps {
        if step.kind != StepKind::MetrologicalCheck {
            continue;
        }
        let points: Vec<&PointResult> = evaluation
            .points
            .iter()
            .filter(|p| p.step.as_deref() == Some(step.id.as_str()))
            .collect();
        if points.is_empty() {
            continue;
        }
        let shared_nominal = points.len() > 1
            && points
                .iter()
                .all(|p| (p.nominal - points[0].nominal).abs() < 1e-12);
        let rows = points
            .iter()
            .map(|p| {
                let nominal = format_number(p.nominal, decimals, comma);
                let point = match (&p.title, shared_nominal) {
                    (Some(t), true) => format!("{nominal} ({})", t.vi),
                    _ => nominal,
                };
                ResultRow {
                    point,
                    measured: Some(format_number(p.indication, decimals, comma)),
                    error: Some(format_number(p.error, decimals, comma)),
                    correction: (!verification)
                        .then(|| format_number(p.correction, decimals, comma)),
                    mpe: p
                        .mpe
                        .as_ref()
                        .map(|m| format_number(m.mpe, decimals, comma)),
                    expanded_uncertainty: Some(format_number(
                        round_uncertainty(p.expanded_uncertainty).0,
                        decimals,
                        comma,
                    )),
                    decision: verdict(p.outcome),
                }
            })
            .collect();
        groups.push(ResultGroup {
            title: Some(match &title {
                Some(t) => LocalizedText {
                    vi: format!("{} – {}", t.vi, step.title.vi),
                    en: Some(format!(
                        "{} – {}",
                        t.en.clone().unwrap_or_default(),
                        step.title.en
                    )),
                },
                None => text(&step.title.vi, &step.title.en),
            }),
            rows,
        });
    }
    // Points of steps that are not metrological (or with no step) still print.
    let orphans: Vec<ResultRow> = evaluation
        .points
        .iter()
        .filter(|p| {
            p.step.as_deref().is_none_or(|sid| {
                !s.profile
                    .steps
                    .iter()
                    .any(|st| st.id == sid && st.kind == StepKind::MetrologicalCheck)
            })
        })
        .map(|p| ResultRow {
            point: format_number(p.nominal, decimals, comma),
            measured: Some(format_number(p.indication, decimals, comma)),
            error: Some(format_number(p.error, decimals, comma)),
            correction: (!verification).then(|| format_number(p.correction, decimals, comma)),
            mpe: p
                .mpe
                .as_ref()
                .map(|m| format_number(m.mpe, decimals, comma)),
            expanded_uncertainty: Some(format_number(
                round_uncertainty(p.expanded_uncertainty).0,
                decimals,
                comma,
            )),
            decision: verdict(p.outcome),
        })
        .collect();
    if !orphans.is_empty() {
        groups.push(ResultGroup {
            title,
            rows: orphans,
        });
    }
    groups
}

/// The certificate's content and the numbers of its results.
#[must_use]
#[allow(clippy::too_many_lines)] // one field of the certificate after another
pub fn document(s: &Sources<'_>) -> (CertificateDocument, Vec<DccMeasurement>) {
    let run = s.run;
    let lang = language(&s.receipt.language);
    let comma = lang != Language::En;
    let stopped = run.stopped_step.is_some();
    let outcome = s.evaluated.outcome();
    let kind = kind_of(run, outcome, stopped);
    let final_eval = s
        .evaluated
        .as_left
        .as_ref()
        .unwrap_or(&s.evaluated.as_found);
    let all_points: Vec<&PointResult> = s
        .evaluated
        .as_found
        .points
        .iter()
        .chain(s.evaluated.as_left.iter().flat_map(|e| e.points.iter()))
        .collect();
    let decimals = result_decimals(s, &all_points);
    let unit = s.profile.unit.symbol().to_owned();

    let mut groups = Vec::new();
    if let Some(left) = &s.evaluated.as_left {
        groups.extend(rows(
            s,
            &s.evaluated.as_found,
            decimals,
            comma,
            Some(text("Trước hiệu chỉnh", "As found")),
        ));
        groups.extend(rows(
            s,
            left,
            decimals,
            comma,
            Some(text("Sau hiệu chỉnh", "As left")),
        ));
    } else {
        groups.extend(rows(s, &s.evaluated.as_found, decimals, comma, None));
    }

    let chart_points: Vec<ChartPoint> = final_eval
        .points
        .iter()
        .filter_map(|p| {
            p.mpe.as_ref().map(|m| ChartPoint {
                nominal: p.nominal,
                error: p.error,
                mpe: m.mpe,
                expanded_uncertainty: Some(p.expanded_uncertainty),
            })
        })
        .collect();
    let chart_svg = (!chart_points.is_empty()).then(|| {
        let mut labels = ChartLabels::bilingual(&unit, &unit);
        labels.decimal_comma = comma;
        tdc_certificate::chart_svg(&chart_points, &labels)
    });

    let checks = s
        .profile
        .steps
        .iter()
        .filter(|st| st.kind != StepKind::MetrologicalCheck)
        .filter_map(|st| {
            s.data.checks.get(&st.id).map(|rec| CheckOutcome {
                name: text(&st.title.vi, &st.title.en),
                verdict: if rec.passed {
                    Verdict::Pass
                } else {
                    Verdict::Fail
                },
                note: non_empty(&rec.note).map(LocalizedText::vi),
            })
        })
        .collect();

    let failure_reason = if let (Some(step), Some(reason)) = (&run.stopped_step, &run.stop_reason) {
        let title = s
            .profile
            .steps
            .iter()
            .find(|st| &st.id == step)
            .map_or_else(|| step.clone(), |st| st.title.vi.clone());
        Some(LocalizedText::vi(format!("{title}: {reason}")))
    } else if kind == DocumentKind::NoticeOfFailure {
        let failed: Vec<String> = final_eval
            .points
            .iter()
            .filter(|p| verdict(p.outcome) == Some(Verdict::Fail))
            .map(|p| {
                let title = p
                    .title
                    .as_ref()
                    .map_or(p.point_id.as_str(), |t| t.vi.as_str());
                format!(
                    "{title}: sai số {} {unit} vượt quá MPE ± {} {unit}",
                    format_number(p.error, decimals, comma),
                    p.mpe
                        .as_ref()
                        .map_or_else(String::new, |m| format_number(m.mpe, decimals, comma))
                )
            })
            .collect();
        Some(LocalizedText::vi(if failed.is_empty() {
            "Kết quả kiểm tra đo lường không đạt yêu cầu".to_owned()
        } else {
            failed.join("; ")
        }))
    } else {
        None
    };

    let conclusion = match kind {
        DocumentKind::CalibrationCertificate => None,
        DocumentKind::NoticeOfFailure => Some(Conclusion {
            verdict: Verdict::Fail,
            statement: None,
            failure_reason,
        }),
        _ => Some(Conclusion {
            verdict: Verdict::Pass,
            statement: None,
            failure_reason: None,
        }),
    };

    let ks: Vec<f64> = all_points.iter().map(|p| p.coverage_factor).collect();
    let k_text = if ks
        .iter()
        .all(|k| (k - ks.first().copied().unwrap_or(2.0)).abs() < 0.005)
    {
        format_number(ks.first().copied().unwrap_or(2.0), 2, comma)
            .trim_end_matches('0')
            .trim_end_matches([',', '.'])
            .to_owned()
    } else {
        "2 ÷ 3".to_owned()
    };
    let p = all_points
        .first()
        .map_or(0.9545, |p| p.coverage_probability);
    let uncertainty = (!all_points.is_empty()).then(|| UncertaintyStatement {
        expanded_uncertainty: None,
        coverage_factor: k_text,
        coverage_probability: format!("{} %", format_number(p * 100.0, 0, comma)),
        text: None,
    });

    let environment = s
        .data
        .environment
        .iter()
        .map(|e| EnvironmentalCondition {
            quantity: match e.quantity.as_str() {
                "temperature" => text("Nhiệt độ", "Temperature"),
                "humidity" => text("Độ ẩm tương đối", "Relative humidity"),
                "pressure" => text("Áp suất khí quyển", "Atmospheric pressure"),
                other => LocalizedText::vi(other),
            },
            value: format_number(e.value, decimals_for_env(e.value), comma),
            unit: e.unit.clone(),
        })
        .collect();

    let standards = s
        .standards
        .iter()
        .map(|(st, chain)| StandardUsed {
            code: st.code.clone(),
            name: LocalizedText::vi(st.name.clone()),
            certificate_number: st.certificate_no.clone().unwrap_or_default(),
            traceability: LocalizedText::vi(
                st.traceability
                    .clone()
                    .filter(|t| !t.trim().is_empty())
                    .unwrap_or_else(|| chain.join(" → ")),
            ),
            valid_until: st.due_on,
        })
        .collect();

    let param = |k: &str| s.data.params.get(k).cloned();
    let range = s
        .instrument
        .measuring_range
        .clone()
        .or_else(|| param("max").map(|m| format!("Max = {m}")))
        .unwrap_or_default();
    let resolution = s.instrument.resolution.clone().or_else(|| {
        let e = param("e");
        let d = param("d");
        match (e, d) {
            (Some(e), Some(d)) if e == d => Some(format!("e = d = {e}")),
            (Some(e), Some(d)) => Some(format!("e = {e}; d = {d}")),
            (None, Some(d)) => Some(format!("d = {d}")),
            (Some(e), None) => Some(format!("e = {e}")),
            (None, None) => None,
        }
    });
    let category_name =
        crate::web::views::category_name(crate::web::i18n::Lang::Vi, &s.instrument.category);
    let category_en =
        crate::web::views::category_name(crate::web::i18n::Lang::En, &s.instrument.category);

    let verification_mode = match run.service.as_str() {
        "initial" => Some(VerificationMode::Initial),
        "periodic" => Some(VerificationMode::Periodic),
        "after_repair" => Some(VerificationMode::AfterRepair),
        _ => None,
    };
    let valid_until = (kind == DocumentKind::VerificationCertificate)
        .then(|| {
            calibration_profiles::cycles::cycles()
                .in_force(
                    &s.instrument.category,
                    run.performed_on.unwrap_or(s.issue_date),
                )
                .and_then(|c| c.valid_until(run.performed_on.unwrap_or(s.issue_date)))
        })
        .flatten();

    let mut signatories = vec![Signatory {
        role: SignatoryRole::Technician,
        name: s.performer.full_name.clone(),
        title: Some(if run.is_verification() {
            text("Kiểm định viên", "Verifier")
        } else {
            text("Người thực hiện", "Performed by")
        }),
        signed_on: run.performed_on,
    }];
    if let Some(r) = s.reviewer {
        signatories.push(Signatory {
            role: SignatoryRole::Reviewer,
            name: r.full_name.clone(),
            title: Some(text("Người soát lại", "Reviewed by")),
            signed_on: None,
        });
    }
    signatories.push(Signatory {
        role: SignatoryRole::Approver,
        name: s.signer.full_name.clone(),
        title: Some(text(&s.lab.approver_title_vi, &s.lab.approver_title_en)),
        signed_on: Some(s.issue_date),
    });

    let rule = s
        .profile
        .decision_rule
        .unwrap_or(calibration_profiles::conformity::Rule::SimpleAcceptance);
    let decision_rule = (kind != DocumentKind::CalibrationCertificate || final_eval.points.iter().any(|p| p.decision.is_some()))
        .then(|| match rule {
            calibration_profiles::conformity::Rule::SimpleAcceptance => text(
                "Chấp nhận đơn giản (ILAC-G8:09/2019 mục 4.2.1): đạt khi |E| ≤ MPE, không tính đến độ không đảm bảo đo",
                "Simple acceptance (ILAC-G8:09/2019 4.2.1): conforming when |E| ≤ MPE, without taking the measurement uncertainty into account",
            ),
            calibration_profiles::conformity::Rule::GuardBand { w } => text(
                &format!("Dải bảo vệ w = {} {unit} (ILAC-G8:09/2019): đạt khi |E| ≤ MPE − w", format_number(w, decimals, comma)),
                &format!("Guard band w = {w} {unit} (ILAC-G8:09/2019): conforming when |E| ≤ MPE − w"),
            ),
            calibration_profiles::conformity::Rule::GuardBandRelative { r } => text(
                &format!("Dải bảo vệ w = {r}·U (ILAC-G8:09/2019): đạt khi |E| + {r}·U ≤ MPE"),
                &format!("Guard band w = {r}·U (ILAC-G8:09/2019): conforming when |E| + {r}·U ≤ MPE"),
            ),
        });

    let mut remarks = Vec::new();
    if let Some(c) = non_empty(&run.condition_on_arrival) {
        remarks.push(LocalizedText::vi(format!("Tình trạng khi tiếp nhận: {c}")));
    }
    if kind == DocumentKind::NoticeOfFailure {
        remarks.push(text(
            "Phương tiện đo không đạt yêu cầu, không được sử dụng trong các lĩnh vực thuộc diện kiểm định bắt buộc cho đến khi được sửa chữa và kiểm định lại.",
            "The instrument failed verification and must not be used where verification is mandatory until it has been repaired and verified again.",
        ));
    }

    let doc = CertificateDocument {
        kind,
        language: lang,
        issuing_body: issuing_body(s.lab),
        number: s.number.to_owned(),
        amendment: s.amendment.clone(),
        issue_date: s.issue_date,
        received_on: Some(s.receipt.received_on),
        performed_on: run.performed_on.unwrap_or(s.issue_date),
        qr_payload: s.qr_payload.to_owned(),
        instrument: InstrumentIdentity {
            name: text(&category_name, &category_en),
            category: None,
            manufacturer: s.instrument.maker.clone().unwrap_or_else(|| "–".into()),
            model: s.instrument.model.clone().unwrap_or_else(|| "–".into()),
            serial: s.instrument.serial.clone(),
            year_of_manufacture: None,
            measuring_range: if range.is_empty() {
                "–".into()
            } else {
                range
            },
            resolution,
            accuracy_class: s
                .instrument
                .accuracy_class
                .clone()
                .or_else(|| param("class")),
            other: Vec::new(),
        },
        owner: Party {
            name: s.owner.name.clone(),
            address: s.owner.address.clone().unwrap_or_default(),
        },
        procedure: Procedure {
            id: s.profile.id.clone(),
            document: s.profile.document.clone(),
            title: Some(text(&s.profile.title.vi, &s.profile.title.en)),
            method_summary: None,
        },
        verification_mode,
        place: s
            .data
            .setup
            .place
            .clone()
            .filter(|p| !p.trim().is_empty())
            .unwrap_or_else(|| s.lab.name_vi.clone()),
        environment,
        standards,
        checks,
        results: ResultsTable {
            point_label: None,
            unit: unit.clone(),
            error_unit: None,
            groups,
        },
        uncertainty,
        decision_rule,
        conclusion,
        stamp_number: (kind == DocumentKind::VerificationCertificate)
            .then(|| run.stamp_number.clone())
            .flatten(),
        valid_until,
        signatories,
        chart_svg,
        remarks,
        signature_fingerprint: None,
    };

    let measurements = final_eval
        .points
        .iter()
        .map(|p| DccMeasurement {
            point: p
                .title
                .as_ref()
                .map_or_else(|| p.point_id.clone(), |t| t.en.clone()),
            nominal: p.nominal,
            measured: Some(p.indication),
            error: Some(p.error),
            expanded_uncertainty: Some(p.expanded_uncertainty),
            coverage_factor: Some(p.coverage_factor),
            coverage_probability: Some(p.coverage_probability),
            mpe: p.mpe.as_ref().map(|m| m.mpe),
            conformity: verdict(p.outcome),
        })
        .collect();
    (doc, measurements)
}

fn decimals_for_env(v: f64) -> usize {
    usize::from((v - v.round()).abs() >= 1e-9)
}

/// The letterhead of every document from the lab's configuration.
#[must_use]
pub fn issuing_body(lab: &Lab) -> IssuingBody {
    IssuingBody {
        parent: non_empty(&lab.parent_vi).map(|p| text(&p, &lab.parent_en)),
        name: text(&lab.name_vi, &lab.name_en),
        address: lab.address.clone(),
        phone: non_empty(&lab.phone),
        email: non_empty(&lab.email),
        accreditation: non_empty(&lab.accreditation),
        designation: non_empty(&lab.designation),
        locality: lab.locality.clone(),
    }
}

/// The JSON that is signed: the document without its printed fingerprint.
#[must_use]
pub fn signed_content(doc: &CertificateDocument) -> serde_json::Value {
    let mut d = doc.clone();
    d.signature_fingerprint = None;
    serde_json::to_value(&d).unwrap_or_default()
}

/// SHA-256 of the canonical encoding, hex.
#[must_use]
pub fn digest(content: &serde_json::Value) -> String {
    hex::encode(Sha256::digest(crate::signing::canonical_bytes(content)))
}

/// A fresh secret for the public verification URL (128 random bits, hex).
#[must_use]
pub fn new_token() -> String {
    use rand::RngExt as _;
    let mut bytes = [0u8; 16];
    rand::rng().fill(&mut bytes);
    hex::encode(bytes)
}

/// The signed content with its signature: what `GET /api/v1/certificates/{id}/signed.json`
/// gives and `tdc-server certificate verify FILE` checks.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize, schemars::JsonSchema)]
pub struct SignedCertificate {
    pub number: String,
    pub content: serde_json::Value,
    pub digest: String,
    pub key_id: String,
    pub signature: String,
}

/// What `certificate verify` found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifyReport {
    pub valid: bool,
    pub message: String,
}

/// Checks a signed certificate against the published keys (current or retired) and, when
/// the store holds it, against the stored record.
pub async fn verify_signed(
    store: &crate::store::Store,
    signed: &SignedCertificate,
) -> Result<VerifyReport, crate::signing::SigningError> {
    let number = &signed.number;
    if digest(&signed.content) != signed.digest {
        return Ok(VerifyReport {
            valid: false,
            message: format!(
                "certificate {number}: NOT VALID – the content does not match its digest (altered)"
            ),
        });
    }
    let sig = crate::signing::Signature {
        key_id: signed.key_id.clone(),
        signature: signed.signature.clone(),
    };
    let ok = match crate::signing::verify(store, &signed.content, &sig).await {
        Ok(ok) => ok,
        Err(crate::signing::SigningError::UnknownKey(k)) => {
            return Ok(VerifyReport {
                valid: false,
                message: format!(
                    "certificate {number}: NOT VALID – signed with a key this server never published ({k})"
                ),
            });
        }
        Err(e) => return Err(e),
    };
    if !ok {
        return Ok(VerifyReport {
            valid: false,
            message: format!(
                "certificate {number}: NOT VALID – the signature does not match (key {})",
                signed.key_id
            ),
        });
    }
    let state = match store.certificate_by_number(number).await? {
        Some(c) if c.digest == signed.digest => match c.status.as_str() {
            "revoked" => format!("revoked: {}", c.revoke_reason.unwrap_or_default()),
            other => other.to_owned(),
        },
        Some(_) => "a different document is registered under this number".to_owned(),
        None => "not registered on this server".to_owned(),
    };
    Ok(VerifyReport {
        valid: true,
        message: format!(
            "certificate {number}: signature valid (key {}); record: {state}",
            signed.key_id
        ),
    })
}

/// `tdc-server certificate verify TARGET`: a file with the signed JSON, or a number.
pub async fn verify_target(
    store: &crate::store::Store,
    target: &str,
) -> Result<VerifyReport, anyhow::Error> {
    let path = std::path::Path::new(target);
    let signed: SignedCertificate = if path.is_file() {
        let text = std::fs::read_to_string(path)
            .map_err(|e| anyhow::anyhow!("cannot read {target}: {e}"))?;
        serde_json::from_str(&text).map_err(|e| {
            anyhow::anyhow!("{target} is not a signed certificate (signed.json): {e}")
        })?
    } else {
        let c = store.certificate_by_number(target).await?.ok_or_else(|| {
            anyhow::anyhow!("no certificate numbered `{target}` and no such file")
        })?;
        SignedCertificate {
            content: serde_json::from_str(&c.content)?,
            number: c.number,
            digest: c.digest,
            key_id: c.key_id,
            signature: c.signature,
        }
    };
    Ok(verify_signed(store, &signed).await?)
}
