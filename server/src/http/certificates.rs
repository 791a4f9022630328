//! Signing runs into certificates; certificates (PDF, verification record, DCC XML, the signed
//! JSON), amendments and revocations; nonconformities; due-date lists; and the public
//! verification page `/v/{token}` the QR code points to.

use std::sync::Arc;

use askama::Template;
use axum::Json;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use calibration_profiles::conformity::Outcome;
use calibration_profiles::problems::Problems;
use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};
use tdc_certificate::{
    Amendment, CertificateDocument, DocumentKind, LocalizedText, SignatureFingerprint,
};
use uuid::Uuid;

use super::bench::FrozenEvaluation;
use super::registry::{page_request, parse_id};
use super::session::{Caller, Permission, reauthenticate};
use super::{AppError, AppState, J, Q};
use crate::bench::{Evaluated, RunData, procedure_of, standards_in_use};
use crate::issue::{
    self, SignedCertificate, Sources, digest, kind_of, kind_str, new_token, signed_content,
};
use crate::signing::Signature;
use crate::store::certificates::{
    Affected, Certificate, CertificateQuery, CertificateStanding, InstrumentOutcome,
    NewCertificate, Nonconformity,
};
use crate::store::registry::{Instrument, InstrumentQuery, Page};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/runs/{id}/sign", post(sign))
        .route("/api/v1/certificates", get(list_certificates))
        .route("/api/v1/certificates/{id}", get(get_certificate))
        .route("/api/v1/certificates/{id}/pdf", get(get_pdf))
        .route("/api/v1/certificates/{id}/record.pdf", get(get_record_pdf))
        .route("/api/v1/certificates/{id}/dcc.xml", get(get_dcc))
        .route("/api/v1/certificates/{id}/signed.json", get(get_signed))
        .route("/api/v1/certificates/{id}/amend", post(amend))
        .route("/api/v1/certificates/{id}/revoke", post(revoke))
        .route("/api/v1/nonconformities", get(list_nonconformities))
        .route(
            "/api/v1/nonconformities/{id}",
            get(get_nonconformity).put(put_nonconformity),
        )
        .route("/api/v1/due", get(due))
}

fn today() -> NaiveDate {
    crate::web::i18n::today()
}

fn internal(e: impl Into<anyhow::Error>) -> AppError {
    AppError::Internal(e.into())
}

/// The password again, for decisions that carry the signer's name.
#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SignInput {
    pub password: String,
    #[serde(default)]
    pub comment: String,
}

fn series_of(kind: DocumentKind) -> &'static str {
    match kind {
        DocumentKind::CalibrationCertificate => "calibration_certificate",
        DocumentKind::NoticeOfFailure => "notice_of_failure",
        _ => "verification_certificate",
    }
}

fn pattern_of(state: &AppState, kind: DocumentKind) -> &str {
    let c = &state.settings.certificates;
    match kind {
        DocumentKind::CalibrationCertificate => &c.calibration_number,
        DocumentKind::NoticeOfFailure => &c.notice_number,
        _ => &c.verification_number,
    }
}

fn signer(state: &AppState) -> Result<&crate::signing::KeyRing, AppError> {
    state.signer.as_deref().ok_or_else(|| {
        AppError::Conflict("this server has no signing key: it cannot issue certificates".into())
    })
}

async fn user(state: &AppState, username: &str) -> Result<crate::store::users::User, AppError> {
    state
        .store
        .user_by_username(username)
        .await
        .map_err(AppError::store)?
        .ok_or_else(|| AppError::Internal(anyhow::anyhow!("user {username} is missing")))
}

/// The QR payload of a token.
fn verify_url(state: &AppState, token: &str) -> String {
    format!(
        "{}/v/{token}",
        state.settings.public_url.trim_end_matches('/')
    )
}

async fn sign(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    J(input): J<SignInput>,
) -> Result<(StatusCode, Json<CertificateView>), AppError> {
    caller.require(Permission::Sign)?;
    reauthenticate(&state, &caller, &input.password)?;
    let ring = signer(&state)?;
    let id = parse_id("run", &id)?;
    let run = state
        .store
        .run(id)
        .await
        .map_err(AppError::store)?
        .ok_or_else(|| AppError::NotFound(format!("run {id}")))?;
    if run.status != crate::store::bench::status::APPROVED {
        return Err(AppError::Conflict(format!(
            "the run is {}: only an approved run can be signed",
            run.status
        )));
    }
    let profile = procedure_of(&run)?;
    let data = RunData::of(&run)?;
    let frozen: FrozenEvaluation =
        serde_json::from_str(run.evaluation.as_deref().unwrap_or("null"))
            .map_err(|e| internal(anyhow::anyhow!("run {id}: frozen evaluation: {e}")))?;
    let evaluated = Evaluated {
        as_found: frozen.as_found,
        as_left: frozen.as_left,
        params: None,
    };
    let instrument = state
        .store
        .instrument(run.instrument_id)
        .await
        .map_err(AppError::store)?
        .ok_or_else(|| AppError::NotFound(format!("instrument {}", run.instrument_id)))?;
    let owner = state
        .store
        .organisation(run.organisation_id)
        .await
        .map_err(AppError::store)?
        .ok_or_else(|| AppError::NotFound(format!("organisation {}", run.organisation_id)))?;
    let receipt = state
        .store
        .receipt(run.receipt_id)
        .await
        .map_err(AppError::store)?
        .ok_or_else(|| AppError::NotFound(format!("receipt {}", run.receipt_id)))?;
    let in_use = standards_in_use(&state.store, &data.setup).await?;
    let mut standards = Vec::with_capacity(in_use.len());
    for s in in_use {
        let chain = state
            .store
            .traceability_chain(s.standard.measurement_standard_id)
            .await
            .map_err(AppError::store)?
            .into_iter()
            .map(|c| c.code)
            .collect();
        standards.push((s.standard, chain));
    }
    let performer = user(&state, run.performed_by.as_deref().unwrap_or_default()).await?;
    let reviewer = match &run.reviewed_by {
        Some(r) => Some(user(&state, r).await?),
        None => None,
    };
    let outcome = run.outcome.as_deref().and_then(|o| {
        serde_json::from_value::<Outcome>(serde_json::Value::String(o.to_owned())).ok()
    });
    let kind = kind_of(&run, outcome, run.stopped_step.is_some());
    let issue_date = today();
    let token = new_token();
    let qr = verify_url(&state, &token);
    let pattern = pattern_of(&state, kind).to_owned();
    let standard_ids: Vec<Uuid> = data
        .setup
        .standards
        .iter()
        .map(|s| s.measurement_standard_id)
        .collect();
    let signer_user = caller.user.clone();
    let lab = state.settings.lab.clone();
    let build = |seq: i64| -> Result<(NewCertificate, InstrumentOutcome), String> {
        let number = crate::config::format_number(&pattern, issue_date.year(), seq)?;
        let sources = Sources {
            run: &run,
            data: &data,
            profile,
            evaluated: &evaluated,
            instrument: &instrument,
            owner: &owner,
            receipt: &receipt,
            standards: &standards,
            performer: &performer,
            reviewer: reviewer.as_ref(),
            signer: &signer_user,
            lab: &lab,
            number: &number,
            issue_date,
            qr_payload: &qr,
            amendment: None,
        };
        let (doc, measurements) = issue::document(&sources);
        let outcome = InstrumentOutcome {
            last_result: match kind {
                DocumentKind::VerificationCertificate => "pass".into(),
                DocumentKind::NoticeOfFailure => "fail".into(),
                _ => "calibrated".into(),
            },
            last_verified_on: doc.performed_on,
            next_due_on: (kind == DocumentKind::VerificationCertificate).then_some(doc.valid_until),
        };
        Ok((
            seal(
                ring,
                &doc,
                &measurements,
                &run,
                kind,
                &token,
                &signer_user.username,
                standard_ids.clone(),
                None,
                0,
            )?,
            outcome,
        ))
    };
    let cert = state
        .store
        .issue_certificate(
            &caller.actor(),
            series_of(kind),
            issue_date.year(),
            build,
            input.comment.trim(),
        )
        .await
        .map_err(AppError::store)?;
    Ok((
        StatusCode::CREATED,
        Json(certificate_view(&state, cert).await?),
    ))
}

/// Signs a document and packs it for the store.
#[allow(clippy::too_many_arguments)]
fn seal(
    ring: &crate::signing::KeyRing,
    doc: &CertificateDocument,
    measurements: &[tdc_certificate::dcc::DccMeasurement],
    run: &crate::store::bench::Run,
    kind: DocumentKind,
    token: &str,
    signed_by: &str,
    standards: Vec<Uuid>,
    supersedes: Option<(Uuid, String)>,
    revision: i32,
) -> Result<NewCertificate, String> {
    let content = signed_content(doc);
    let Signature { key_id, signature } = ring.sign(&content);
    Ok(NewCertificate {
        number: doc.number.clone(),
        revision,
        run_id: run.run_id,
        instrument_id: run.instrument_id,
        kind: kind_str(kind).to_owned(),
        performed_on: doc.performed_on,
        issued_on: doc.issue_date,
        valid_until: doc.valid_until,
        stamp_number: doc.stamp_number.clone(),
        token: token.to_owned(),
        content: serde_json::to_string(&content).map_err(|e| e.to_string())?,
        measurements: serde_json::to_string(measurements).map_err(|e| e.to_string())?,
        unit: doc.results.unit.clone(),
        digest: digest(&content),
        key_id,
        signature,
        signed_by: signed_by.to_owned(),
        supersedes_id: supersedes.as_ref().map(|(id, _)| *id),
        amendment_reason: supersedes.map(|(_, r)| r),
        standards,
    })
}

/// A certificate with its state today and whether its signature verifies.
#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct CertificateView {
    #[serde(flatten)]
    pub certificate: Certificate,
    /// `valid`, `expired`, `superseded` or `revoked` (a notice of failure is `issued`).
    pub state: String,
    pub signature_valid: bool,
    /// The public verification URL (the QR code's content).
    pub verify_url: String,
    /// Numbers of the certificates that supersede or are superseded by this one.
    pub superseded_by: Option<String>,
    pub supersedes: Option<String>,
}

/// The state of a certificate on `day`: `valid`, `expired`, `superseded`, `revoked`, or
/// `issued` for a notice of failure (API, pages and the public page alike).
pub(crate) fn state_of(c: &Certificate, day: NaiveDate) -> &'static str {
    state_from(&c.status, &c.kind, c.valid_until, day)
}

fn state_from(
    status: &str,
    kind: &str,
    valid_until: Option<NaiveDate>,
    day: NaiveDate,
) -> &'static str {
    match status {
        "revoked" => "revoked",
        "superseded" => "superseded",
        // Only certificates have a validity; notices and records are simply issued.
        _ if !matches!(kind, "verification_certificate" | "calibration_certificate") => "issued",
        _ if valid_until.is_some_and(|v| v < day) => "expired",
        _ => "valid",
    }
}

/// Checks the stored signature against the published key.
async fn signature_valid(state: &AppState, c: &Certificate) -> Result<bool, AppError> {
    let content: serde_json::Value = serde_json::from_str(&c.content).map_err(internal)?;
    if digest(&content) != c.digest {
        return Ok(false);
    }
    match crate::signing::verify(
        &state.store,
        &content,
        &Signature {
            key_id: c.key_id.clone(),
            signature: c.signature.clone(),
        },
    )
    .await
    {
        Ok(ok) => Ok(ok),
        Err(crate::signing::SigningError::UnknownKey(_)) => Ok(false),
        Err(e) => Err(internal(e)),
    }
}

pub(crate) async fn certificate_view(
    state: &AppState,
    c: Certificate,
) -> Result<CertificateView, AppError> {
    let signature_valid = signature_valid(state, &c).await?;
    let number_of = |id: Option<Uuid>| async move {
        match id {
            Some(id) => state
                .store
                .certificate(id)
                .await
                .map(|c| c.map(|c| c.number)),
            None => Ok(None),
        }
    };
    let superseded_by = number_of(c.superseded_by_id)
        .await
        .map_err(AppError::store)?;
    let supersedes = number_of(c.supersedes_id).await.map_err(AppError::store)?;
    Ok(CertificateView {
        state: state_of(&c, today()).to_owned(),
        signature_valid,
        verify_url: verify_url(state, &c.token),
        superseded_by,
        supersedes,
        certificate: c,
    })
}

async fn load(state: &AppState, id: &str) -> Result<Certificate, AppError> {
    let id = parse_id("certificate", id)?;
    state
        .store
        .certificate(id)
        .await
        .map_err(AppError::store)?
        .ok_or_else(|| AppError::NotFound(format!("certificate {id}")))
}

#[derive(Debug, Default, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CertificateListParams {
    pub instrument_id: Option<Uuid>,
    pub status: Option<String>,
    pub number: Option<String>,
    pub page: Option<i64>,
    pub per_page: Option<i64>,
}

async fn list_certificates(
    State(state): State<AppState>,
    caller: Caller,
    Q(p): Q<CertificateListParams>,
) -> Result<Json<Page<Certificate>>, AppError> {
    caller.require(Permission::Read)?;
    Ok(Json(
        state
            .store
            .list_certificates(&CertificateQuery {
                instrument_id: p.instrument_id,
                status: p.status,
                number: p.number,
                page: page_request(p.page, p.per_page),
            })
            .await
            .map_err(AppError::store)?,
    ))
}

async fn get_certificate(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<CertificateView>, AppError> {
    caller.require(Permission::Read)?;
    let c = load(&state, &id).await?;
    Ok(Json(certificate_view(&state, c).await?))
}

/// The stored document with the printed fingerprint of its signature.
fn printable(c: &Certificate) -> Result<CertificateDocument, AppError> {
    let mut doc: CertificateDocument = serde_json::from_str(&c.content).map_err(internal)?;
    doc.signature_fingerprint = Some(SignatureFingerprint {
        key_id: c.key_id.clone(),
        digest: c.digest.chars().take(16).collect(),
    });
    Ok(doc)
}

async fn render(
    state: &AppState,
    doc: CertificateDocument,
    name: String,
) -> Result<Response, AppError> {
    let renderer = state.renderer.clone();
    let pdf = tokio::task::spawn_blocking(move || renderer.render_pdf(&doc))
        .await
        .map_err(internal)?
        .map_err(internal)?;
    Ok(pdf_response(pdf, &name))
}

/// A PDF shown inline under `name`.
pub(crate) fn pdf_response(pdf: Vec<u8>, name: &str) -> Response {
    let mut res = pdf.into_response();
    let h = res.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/pdf"),
    );
    if let Ok(v) = HeaderValue::from_str(&format!("inline; filename=\"{name}\"")) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    res
}

pub(crate) fn file_name(number: &str, suffix: &str) -> String {
    let safe: String = number
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect();
    format!("{safe}{suffix}")
}

async fn get_pdf(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    caller.require(Permission::Read)?;
    let c = load(&state, &id).await?;
    let doc = printable(&c)?;
    render(&state, doc, file_name(&c.number, ".pdf")).await
}

/// The verification record (biên bản kiểm định) of a verification, pass or fail.
async fn get_record_pdf(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    caller.require(Permission::Read)?;
    let c = load(&state, &id).await?;
    if c.kind == "calibration_certificate" {
        return Err(AppError::NotFound(
            "a calibration has no verification record".into(),
        ));
    }
    let mut doc = printable(&c)?;
    doc.kind = DocumentKind::VerificationRecord;
    render(&state, doc, file_name(&c.number, "-bien-ban.pdf")).await
}

async fn get_dcc(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    caller.require(Permission::Read)?;
    let c = load(&state, &id).await?;
    let doc = printable(&c)?;
    let measurements: Vec<tdc_certificate::dcc::DccMeasurement> =
        serde_json::from_str(&c.measurements).map_err(internal)?;
    let id_text = c.certificate_id.to_string();
    let xml = tdc_certificate::dcc::dcc_xml(&tdc_certificate::dcc::DccInput {
        document: &doc,
        unit: &c.unit,
        measurements: &measurements,
        unique_identifier: &id_text,
        signature: Some((&c.key_id, &c.signature)),
    })
    .map_err(internal)?;
    Ok((
        [(header::CONTENT_TYPE, "application/xml; charset=utf-8")],
        xml,
    )
        .into_response())
}

async fn get_signed(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<SignedCertificate>, AppError> {
    caller.require(Permission::Read)?;
    let c = load(&state, &id).await?;
    Ok(Json(SignedCertificate {
        content: serde_json::from_str(&c.content).map_err(internal)?,
        number: c.number,
        digest: c.digest,
        key_id: c.key_id,
        signature: c.signature,
    }))
}

/// Corrections an amendment may make to the printed identity data. Results cannot be
/// amended: a wrong result is revoked and the work done again.
#[derive(Debug, Default, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AmendChanges {
    pub owner_name: Option<String>,
    pub owner_address: Option<String>,
    pub manufacturer: Option<String>,
    pub model: Option<String>,
    pub serial: Option<String>,
    pub measuring_range: Option<String>,
    /// A remark to add.
    pub remark: Option<String>,
}

#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AmendInput {
    pub password: String,
    /// Why the certificate is amended (printed on the new revision).
    pub reason: String,
    pub changes: AmendChanges,
}

async fn amend(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    J(input): J<AmendInput>,
) -> Result<(StatusCode, Json<CertificateView>), AppError> {
    caller.require(Permission::Sign)?;
    let old = load(&state, &id).await?;
    crate::store::bench::check_reason("reason", &input.reason).map_err(AppError::Invalid)?;
    reauthenticate(&state, &caller, &input.password)?;
    let ring = signer(&state)?;
    if old.status != "issued" {
        return Err(AppError::Conflict(format!(
            "certificate {} is {}: only an issued certificate can be amended",
            old.number, old.status
        )));
    }
    let mut doc: CertificateDocument = serde_json::from_str(&old.content).map_err(internal)?;
    let mut changed: Vec<String> = Vec::new();
    let mut problems = Problems::default();
    {
        let c = &input.changes;
        let mut set = |field: &str, label: &str, target: &mut String, value: &Option<String>| {
            if let Some(v) = value {
                let v = v.trim();
                if v.is_empty() {
                    problems.at(format!("changes.{field}"), "must not be empty");
                } else if v.chars().count() > 300 {
                    problems.at(format!("changes.{field}"), "at most 300 characters");
                } else if v != target {
                    changed.push(format!("{label}: «{target}» → «{v}»"));
                    v.clone_into(target);
                }
            }
        };
        set(
            "owner_name",
            "Tên cơ sở sử dụng",
            &mut doc.owner.name,
            &c.owner_name,
        );
        set(
            "owner_address",
            "Địa chỉ",
            &mut doc.owner.address,
            &c.owner_address,
        );
        set(
            "manufacturer",
            "Cơ sở sản xuất",
            &mut doc.instrument.manufacturer,
            &c.manufacturer,
        );
        set("model", "Kiểu", &mut doc.instrument.model, &c.model);
        set("serial", "Số", &mut doc.instrument.serial, &c.serial);
        set(
            "measuring_range",
            "Phạm vi đo",
            &mut doc.instrument.measuring_range,
            &c.measuring_range,
        );
        if let Some(r) = c
            .remark
            .as_ref()
            .map(|r| r.trim())
            .filter(|r| !r.is_empty())
        {
            changed.push(format!("Ghi chú thêm: {r}"));
            doc.remarks.push(LocalizedText::vi(r));
        }
    }
    if !problems.is_empty() {
        return Err(AppError::Invalid(problems));
    }
    if changed.is_empty() {
        let mut p = Problems::default();
        p.at(
            "changes",
            "nothing would change: an amendment corrects something",
        );
        return Err(AppError::Invalid(p));
    }
    let run = state
        .store
        .run(old.run_id)
        .await
        .map_err(AppError::store)?
        .ok_or_else(|| AppError::NotFound(format!("run {}", old.run_id)))?;
    let revision = old.revision + 1;
    let base = doc.amendment.as_ref().map_or_else(
        || old.number.clone(),
        |_| {
            old.number
                .rsplit_once("-SĐ")
                .map_or(old.number.clone(), |(b, _)| b.to_owned())
        },
    );
    doc.number = format!("{base}-SĐ{revision}");
    let reason_text = format!("{} ({})", input.reason.trim(), changed.join("; "));
    doc.amendment = Some(Amendment {
        revision: u32::try_from(revision).unwrap_or(1),
        supersedes: old.number.clone(),
        reason: LocalizedText::vi(reason_text.clone()),
    });
    doc.issue_date = today();
    let token = new_token();
    doc.qr_payload = verify_url(&state, &token);
    doc.signature_fingerprint = None;
    // The approver's block names who signed this revision.
    for s in &mut doc.signatories {
        if s.role == tdc_certificate::SignatoryRole::Approver {
            s.name.clone_from(&caller.user.full_name);
            s.signed_on = Some(doc.issue_date);
        }
    }
    let measurements: Vec<tdc_certificate::dcc::DccMeasurement> =
        serde_json::from_str(&old.measurements).map_err(internal)?;
    let standards = state
        .store
        .certificate_standards(old.certificate_id)
        .await
        .map_err(AppError::store)?;
    let kind = doc.kind;
    let new = seal(
        ring,
        &doc,
        &measurements,
        &run,
        kind,
        &token,
        &caller.user.username,
        standards,
        Some((old.certificate_id, reason_text)),
        revision,
    )
    .map_err(|e| internal(anyhow::anyhow!(e)))?;
    let cert = state
        .store
        .amend_certificate(&caller.actor(), &new, None)
        .await
        .map_err(AppError::store)?;
    state.public_cache.forget(&old.token);
    Ok((
        StatusCode::CREATED,
        Json(certificate_view(&state, cert).await?),
    ))
}

#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RevokeInput {
    pub password: String,
    pub reason: String,
}

async fn revoke(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    J(input): J<RevokeInput>,
) -> Result<Json<CertificateView>, AppError> {
    caller.require(Permission::Sign)?;
    let c = load(&state, &id).await?;
    crate::store::bench::check_reason("reason", &input.reason).map_err(AppError::Invalid)?;
    reauthenticate(&state, &caller, &input.password)?;
    let c = state
        .store
        .revoke_certificate(&caller.actor(), c.certificate_id, input.reason.trim())
        .await
        .map_err(AppError::store)?;
    state.public_cache.forget(&c.token);
    Ok(Json(certificate_view(&state, c).await?))
}

/// A nonconformity with the certificates it may affect.
#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct NonconformityView {
    #[serde(flatten)]
    pub nonconformity: Nonconformity,
    pub affected: Vec<Affected>,
    pub standard_code: String,
}

async fn nc_view(state: &AppState, n: Nonconformity) -> Result<NonconformityView, AppError> {
    let affected = serde_json::from_str(&n.affected).map_err(internal)?;
    let standard_code = state
        .store
        .standard(n.measurement_standard_id)
        .await
        .map_err(AppError::store)?
        .map(|s| s.code)
        .unwrap_or_default();
    Ok(NonconformityView {
        nonconformity: n,
        affected,
        standard_code,
    })
}

#[derive(Debug, Default, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct NonconformityListParams {
    pub standard_id: Option<Uuid>,
    pub page: Option<i64>,
    pub per_page: Option<i64>,
}

async fn list_nonconformities(
    State(state): State<AppState>,
    caller: Caller,
    Q(p): Q<NonconformityListParams>,
) -> Result<Json<Page<NonconformityView>>, AppError> {
    caller.require(Permission::Read)?;
    let page = state
        .store
        .list_nonconformities(p.standard_id, page_request(p.page, p.per_page))
        .await
        .map_err(AppError::store)?;
    let mut items = Vec::with_capacity(page.items.len());
    for n in page.items {
        items.push(nc_view(&state, n).await?);
    }
    Ok(Json(Page {
        items,
        page: page.page,
        per_page: page.per_page,
        has_more: page.has_more,
    }))
}

async fn get_nonconformity(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<NonconformityView>, AppError> {
    caller.require(Permission::Read)?;
    let id = parse_id("nonconformity", &id)?;
    let n = state
        .store
        .nonconformity(id)
        .await
        .map_err(AppError::store)?
        .ok_or_else(|| AppError::NotFound(format!("nonconformity {id}")))?;
    Ok(Json(nc_view(&state, n).await?))
}

#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AssessmentInput {
    /// The impact assessment: what was checked, which certificates are recalled or confirmed.
    pub assessment: String,
    /// Close the record (the assessment is then required).
    #[serde(default)]
    pub close: bool,
}

async fn put_nonconformity(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    J(input): J<AssessmentInput>,
) -> Result<Json<NonconformityView>, AppError> {
    caller.require(Permission::Sign)?;
    let id = parse_id("nonconformity", &id)?;
    if input.assessment.chars().count() > 20_000 {
        let mut p = Problems::default();
        p.at("assessment", "at most 20000 characters");
        return Err(AppError::Invalid(p));
    }
    let n = state
        .store
        .assess_nonconformity(&caller.actor(), id, &input.assessment, input.close)
        .await
        .map_err(AppError::store)?;
    Ok(Json(nc_view(&state, n).await?))
}

#[derive(Debug, Default, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DueParams {
    /// Due within this many days from today (default 30; overdue ones included).
    pub days: Option<i64>,
    pub organisation_id: Option<Uuid>,
    pub category: Option<String>,
    /// `json` (default) or `csv`.
    pub format: Option<String>,
    pub page: Option<i64>,
    pub per_page: Option<i64>,
}

/// Instruments due for verification within N days (overdue first), per owner; CSV for export.
async fn due(
    State(state): State<AppState>,
    caller: Caller,
    Q(p): Q<DueParams>,
) -> Result<Response, AppError> {
    caller.require(Permission::Read)?;
    let days = p.days.unwrap_or(30);
    if !(0..=3660).contains(&days) {
        let mut pr = Problems::default();
        pr.at("days", "between 0 and 3660");
        return Err(AppError::Invalid(pr));
    }
    let csv = match p.format.as_deref() {
        None | Some("json") => false,
        Some("csv") => true,
        Some(other) => {
            let mut pr = Problems::default();
            pr.at("format", format!("`{other}` is not json or csv"));
            return Err(AppError::Invalid(pr));
        }
    };
    let until = today() + chrono::Duration::days(days);
    let mut query = InstrumentQuery {
        owner_id: p.organisation_id,
        category: p.category.clone(),
        due_before: Some(until),
        page: page_request(p.page, p.per_page),
        ..InstrumentQuery::default()
    };
    if !csv {
        let page = state
            .store
            .search_instruments(&query)
            .await
            .map_err(AppError::store)?;
        return Ok(Json(page).into_response());
    }
    // The export walks every page.
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record([
        "serial",
        "category",
        "maker",
        "model",
        "owner",
        "location",
        "last_result",
        "last_verified_on",
        "next_due_on",
    ])
    .map_err(internal)?;
    query.page = page_request(Some(1), Some(200));
    loop {
        let page = state
            .store
            .search_instruments(&query)
            .await
            .map_err(AppError::store)?;
        for i in &page.items {
            write_due_row(&mut w, i).map_err(internal)?;
        }
        if !page.has_more || query.page.page > 5000 {
            break;
        }
        query.page.page += 1;
    }
    let mut bytes = vec![0xEF, 0xBB, 0xBF]; // BOM: spreadsheet programs then read UTF-8
    bytes.extend(
        w.into_inner()
            .map_err(|e| internal(anyhow::anyhow!(e.to_string())))?,
    );
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"den-han-kiem-dinh.csv\"",
            ),
        ],
        bytes,
    )
        .into_response())
}

fn write_due_row(w: &mut csv::Writer<Vec<u8>>, i: &Instrument) -> csv::Result<()> {
    let d = |d: Option<NaiveDate>| d.map(|d| d.to_string()).unwrap_or_default();
    w.write_record([
        i.serial.as_str(),
        i.category.as_str(),
        i.maker.as_deref().unwrap_or_default(),
        i.model.as_deref().unwrap_or_default(),
        i.owner_name.as_deref().unwrap_or_default(),
        i.location.as_deref().unwrap_or_default(),
        i.last_result.as_deref().unwrap_or_default(),
        &d(i.last_verified_on),
        &d(i.next_due_on),
    ])
}

/// The public verification page.
// The flags are the template's switches (language, found, signature, record or certificate).
#[allow(clippy::struct_excessive_bools)]
#[derive(Clone, Template)]
#[template(path = "verify.html")]
struct VerifyPage {
    en: bool,
    found: bool,
    number: String,
    kind_vi: &'static str,
    kind_en: &'static str,
    instrument: String,
    model: String,
    serial: String,
    owner: String,
    issued_on: String,
    valid_until: String,
    stamp: String,
    verdict_vi: &'static str,
    verdict_en: &'static str,
    state: &'static str,
    signature_valid: bool,
    key_id: String,
    superseded_by: String,
    revoke_reason: String,
    css: String,
    /// A record (test report, import notice…) rather than a certificate: its facts are
    /// listed as (label, value) in the page's language instead of the instrument's.
    is_record: bool,
    facts: Vec<(String, String)>,
    conclusion: String,
}

fn date_vi(d: NaiveDate) -> String {
    d.format("%d/%m/%Y").to_string()
}

/// How long the public page trusts what it last read of a certificate's standing (revoked,
/// superseded) when another server process could have changed it. Changes made through this
/// process show at once.
const STANDING_TTL: std::time::Duration = std::time::Duration::from_secs(10);

/// Most certificates whose public page is kept ready; beyond, the cache starts afresh.
const PUBLIC_CACHE_ENTRIES: usize = 50_000;

/// The public pages' memory. What an issued certificate says and whether its signature holds
/// never change (the database refuses any change of its content, keys are never altered), so
/// both are worked out once per certificate; only its standing is read again, at most every
/// [`STANDING_TTL`]; validity against today's date is judged on every request.
#[derive(Default)]
pub struct PublicCache {
    entries: std::sync::Mutex<std::collections::HashMap<String, Arc<CachedPage>>>,
}

impl std::fmt::Debug for PublicCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let n = self.entries.lock().map_or(0, |e| e.len());
        write!(f, "PublicCache({n} certificates)")
    }
}

struct CachedPage {
    /// The page in Vietnamese and in English, standing as last read.
    vi: VerifyPage,
    en: VerifyPage,
    kind: String,
    valid_until: Option<NaiveDate>,
    standing: CertificateStanding,
    read_at: std::time::Instant,
}

impl PublicCache {
    fn get(&self, token: &str) -> Option<Arc<CachedPage>> {
        self.entries.lock().ok()?.get(token).cloned()
    }

    fn put(&self, token: &str, page: CachedPage) {
        if let Ok(mut e) = self.entries.lock() {
            if e.len() >= PUBLIC_CACHE_ENTRIES {
                e.clear();
            }
            e.insert(token.to_owned(), Arc::new(page));
        }
    }

    /// Drops what is known of a certificate (it was just revoked or amended).
    pub fn forget(&self, token: &str) {
        if let Ok(mut e) = self.entries.lock() {
            e.remove(token);
        }
    }
}

/// `GET /v/{token}`: what the certificate prints, its state, and whether its signature
/// verifies. No sign-in; rate-limited per address; nothing beyond the certificate's own text.
pub async fn public_page(
    State(state): State<AppState>,
    Path(token): Path<String>,
    Q(q): Q<LangParam>,
    req: axum::extract::Request,
) -> Response {
    let headers: &HeaderMap = req.headers();
    // Without connection info (in-process calls) every caller counts as one address.
    let ip = super::session::peer(req.extensions())
        .unwrap_or(std::net::IpAddr::V4(std::net::Ipv4Addr::UNSPECIFIED));
    if let Err(wait) = state.public_limiter.check(ip) {
        let mut res = (
            StatusCode::TOO_MANY_REQUESTS,
            Html("<!DOCTYPE html><html lang=\"vi\"><meta charset=\"utf-8\"><title>429</title><p>Quá nhiều yêu cầu, vui lòng thử lại sau. / Too many requests, please try again later.</p></html>"),
        )
            .into_response();
        if let Ok(v) = HeaderValue::from_str(&wait.to_string()) {
            res.headers_mut().insert(header::RETRY_AFTER, v);
        }
        return res;
    }
    let en = q.lang.as_deref() == Some("en")
        || (q.lang.is_none()
            && crate::web::i18n::Lang::from_headers(headers) == crate::web::i18n::Lang::En);
    match public_view(&state, &token, en).await {
        Ok(page) => {
            let status = if page.found {
                StatusCode::OK
            } else {
                StatusCode::NOT_FOUND
            };
            match page.render() {
                Ok(html) => {
                    let mut res = (status, Html(html)).into_response();
                    res.headers_mut()
                        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
                    res
                }
                Err(e) => internal(e).into_response(),
            }
        }
        Err(e) => e.into_response(),
    }
}

#[derive(Debug, Default, Deserialize, schemars::JsonSchema)]
pub struct LangParam {
    pub lang: Option<String>,
}

impl VerifyPage {
    fn not_found(en: bool) -> Self {
        Self {
            en,
            found: false,
            number: String::new(),
            kind_vi: "",
            kind_en: "",
            instrument: String::new(),
            model: String::new(),
            serial: String::new(),
            owner: String::new(),
            issued_on: String::new(),
            valid_until: String::new(),
            stamp: String::new(),
            verdict_vi: "",
            verdict_en: "",
            state: "unknown",
            signature_valid: false,
            key_id: String::new(),
            superseded_by: String::new(),
            revoke_reason: String::new(),
            css: crate::web::assets::url("app.css"),
            is_record: false,
            facts: Vec::new(),
            conclusion: String::new(),
        }
    }

    /// The page of a found record, in one language.
    fn of_record(
        doc: &tdc_certificate::RecordDocument,
        key_id: &str,
        valid: bool,
        en: bool,
    ) -> Self {
        let (kind_vi, kind_en) = doc.kind.titles();
        let pick = |t: &tdc_certificate::LocalizedText| {
            if en {
                t.en.clone().unwrap_or_else(|| t.vi.clone())
            } else {
                t.vi.clone()
            }
        };
        let facts = doc
            .sections
            .first()
            .map(|s| {
                s.fields
                    .iter()
                    .map(|f| (pick(&f.label), f.value.clone()))
                    .collect()
            })
            .unwrap_or_default();
        Self {
            found: true,
            number: doc.number.clone(),
            kind_vi,
            kind_en,
            issued_on: date_vi(doc.issue_date),
            signature_valid: valid,
            key_id: key_id.to_owned(),
            is_record: true,
            facts,
            conclusion: doc
                .conclusion
                .as_ref()
                .map(|c| pick(&c.text))
                .unwrap_or_default(),
            ..Self::not_found(en)
        }
    }

    /// The page of a found certificate, in one language; its standing is filled in per request.
    fn of(doc: &CertificateDocument, view: &CertificateView, en: bool) -> Self {
        let (kind_vi, kind_en) = doc.kind.titles();
        let (verdict_vi, verdict_en) = match doc.conclusion.as_ref().map(|c| c.verdict) {
            Some(tdc_certificate::Verdict::Pass) => ("Đạt yêu cầu", "Passed"),
            Some(tdc_certificate::Verdict::Fail) => ("Không đạt yêu cầu", "Failed"),
            None => ("", ""),
        };
        Self {
            found: true,
            number: doc.number.clone(),
            kind_vi,
            kind_en,
            instrument: if en {
                doc.instrument
                    .name
                    .en
                    .clone()
                    .unwrap_or_else(|| doc.instrument.name.vi.clone())
            } else {
                doc.instrument.name.vi.clone()
            },
            model: doc.instrument.model.clone(),
            serial: doc.instrument.serial.clone(),
            owner: doc.owner.name.clone(),
            issued_on: date_vi(doc.issue_date),
            valid_until: doc.valid_until.map(date_vi).unwrap_or_default(),
            stamp: doc.stamp_number.clone().unwrap_or_default(),
            verdict_vi,
            verdict_en,
            signature_valid: view.signature_valid,
            key_id: view.certificate.key_id.clone(),
            ..Self::not_found(en)
        }
    }
}

/// Reads a record (not a certificate) in full, checks its signature once, keeps the result.
async fn load_public_record(
    state: &AppState,
    token: &str,
) -> Result<Option<Arc<CachedPage>>, AppError> {
    let Some(r) = state
        .store
        .record_by_token(token)
        .await
        .map_err(AppError::store)?
    else {
        return Ok(None);
    };
    let valid = crate::records::signature_valid(&state.store, &r)
        .await
        .map_err(AppError::Internal)?;
    let doc = crate::records::printable(&r).map_err(internal)?;
    let standing = state
        .store
        .record_standing(token)
        .await
        .map_err(AppError::store)?
        .unwrap_or(CertificateStanding {
            status: r.status.clone(),
            revoke_reason: r.revoke_reason.clone(),
            superseded_by: None,
        });
    let page = CachedPage {
        vi: VerifyPage::of_record(&doc, &r.key_id, valid, false),
        en: VerifyPage::of_record(&doc, &r.key_id, valid, true),
        kind: r.kind.clone(),
        valid_until: None,
        standing,
        read_at: std::time::Instant::now(),
    };
    state.public_cache.put(token, page);
    Ok(state.public_cache.get(token))
}

/// Reads a certificate in full, checks its signature once, and keeps the result.
async fn load_public(state: &AppState, token: &str) -> Result<Option<Arc<CachedPage>>, AppError> {
    let Some(c) = state
        .store
        .certificate_by_token(token)
        .await
        .map_err(AppError::store)?
    else {
        return load_public_record(state, token).await;
    };
    let view = certificate_view(state, c).await?;
    let doc: CertificateDocument =
        serde_json::from_str(&view.certificate.content).map_err(internal)?;
    let c = &view.certificate;
    let page = CachedPage {
        vi: VerifyPage::of(&doc, &view, false),
        en: VerifyPage::of(&doc, &view, true),
        kind: c.kind.clone(),
        valid_until: c.valid_until,
        standing: CertificateStanding {
            status: c.status.clone(),
            revoke_reason: c.revoke_reason.clone(),
            superseded_by: view.superseded_by.clone(),
        },
        read_at: std::time::Instant::now(),
    };
    state.public_cache.put(token, page);
    Ok(state.public_cache.get(token))
}

async fn public_view(state: &AppState, token: &str, en: bool) -> Result<VerifyPage, AppError> {
    if token.len() != 32 || !token.chars().all(|c| c.is_ascii_hexdigit()) {
        return Ok(VerifyPage::not_found(en));
    }
    let cached = match state.public_cache.get(token) {
        Some(c) if c.read_at.elapsed() < STANDING_TTL => Some(c),
        Some(c) => {
            let standing = match state
                .store
                .certificate_standing(token)
                .await
                .map_err(AppError::store)?
            {
                Some(s) => Some(s),
                None => state
                    .store
                    .record_standing(token)
                    .await
                    .map_err(AppError::store)?,
            };
            if let Some(standing) = standing {
                state.public_cache.put(
                    token,
                    CachedPage {
                        vi: c.vi.clone(),
                        en: c.en.clone(),
                        kind: c.kind.clone(),
                        valid_until: c.valid_until,
                        standing,
                        read_at: std::time::Instant::now(),
                    },
                );
            } else {
                state.public_cache.forget(token);
            }
            state.public_cache.get(token)
        }
        None => load_public(state, token).await?,
    };
    let Some(cached) = cached else {
        return Ok(VerifyPage::not_found(en));
    };
    let mut page = if en {
        cached.en.clone()
    } else {
        cached.vi.clone()
    };
    let standing = &cached.standing;
    page.state = state_from(&standing.status, &cached.kind, cached.valid_until, today());
    page.superseded_by = standing.superseded_by.clone().unwrap_or_default();
    page.revoke_reason = standing.revoke_reason.clone().unwrap_or_default();
    Ok(page)
}
