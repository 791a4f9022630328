//! `/api/v1/calendar`, `/api/v1/dossiers` and `/api/v1/records`: the working-day calendar,
//! import inspection dossiers from registration to notice, and the signed records they
//! produce.

use axum::Json;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post, put};
use calibration_profiles::import_regime::{Event, Regimes, StepKind};
use calibration_profiles::problems::Problems;
use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};

use super::certificates::{file_name, pdf_response};
use super::registry::{Reason, parse_id};
use super::session::{Caller, Permission, reauthenticate};
use super::{AppError, AppState, J, Q};
use crate::dossier::{self, DocumentReceived, DossierInput};
use crate::store::StoreError;
use crate::store::calendar::{CalendarDayInput, CalendarRow, CalendarYear};
use crate::store::dossiers::{Dossier, DossierQuery, DossierStep, Effects};
use crate::store::records::Record;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/calendar", get(get_calendar))
        .route("/api/v1/calendar/add-working-days", get(add_working_days))
        .route("/api/v1/calendar/years/{year}", put(put_year))
        .route(
            "/api/v1/calendar/days/{day}",
            put(put_day).delete(delete_day),
        )
        .route("/api/v1/import-regimes", get(get_regimes))
        .route("/api/v1/dossiers", get(list_dossiers).post(create_dossier))
        .route("/api/v1/dossiers/import", post(import_dossiers))
        .route("/api/v1/dossiers/{id}", get(get_dossier))
        .route("/api/v1/dossiers/{id}/confirm", post(confirm))
        .route("/api/v1/dossiers/{id}/documents", post(add_document))
        .route("/api/v1/dossiers/{id}/clearance", post(clearance))
        .route("/api/v1/dossiers/{id}/certificate", post(certificate))
        .route("/api/v1/dossiers/{id}/notice", post(issue_notice))
        .route("/api/v1/dossiers/{id}/sampling", post(take_samples))
        .route("/api/v1/records/{id}", get(get_record))
        .route("/api/v1/records/{id}/pdf", get(get_record_pdf))
        .route("/api/v1/records/{id}/revoke", post(revoke_record))
        .route("/api/v1/records/{id}/amend", post(amend_record))
}

fn today() -> NaiveDate {
    crate::web::i18n::today()
}

fn internal(e: impl Into<anyhow::Error>) -> AppError {
    AppError::Internal(e.into())
}

fn one(field: &str, message: impl Into<String>) -> AppError {
    let mut p = Problems::default();
    p.at(field, message);
    AppError::Invalid(p)
}

// ---------------------------------------------------------------------------------------------
// Calendar

/// The calendar: the years it covers and its exceptional days.
#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct CalendarView {
    pub years: Vec<CalendarYear>,
    pub days: Vec<CalendarRow>,
}

#[derive(Debug, Default, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct YearParam {
    pub year: Option<i32>,
}

async fn get_calendar(
    State(state): State<AppState>,
    caller: Caller,
    Q(q): Q<YearParam>,
) -> Result<Json<CalendarView>, AppError> {
    caller.require(Permission::Read)?;
    let years = state
        .store
        .calendar_years()
        .await
        .map_err(AppError::store)?;
    let days = state
        .store
        .calendar_days(q.year)
        .await
        .map_err(AppError::store)?;
    Ok(Json(CalendarView { years, days }))
}

#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AddWorkingDays {
    /// The starting day (`YYYY-MM-DD`); it is not counted.
    pub from: String,
    /// Working days to add (0: the day itself if it is a working day, else the next one).
    pub days: String,
}

/// The day `days` working days after `from`.
#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct DateAnswer {
    pub date: NaiveDate,
}

async fn add_working_days(
    State(state): State<AppState>,
    caller: Caller,
    Q(q): Q<AddWorkingDays>,
) -> Result<Json<DateAnswer>, AppError> {
    caller.require(Permission::Read)?;
    let mut p = Problems::default();
    let from = NaiveDate::parse_from_str(q.from.trim(), "%Y-%m-%d");
    if from.is_err() {
        p.at(
            "from",
            format!("`{}` is not a date: write YYYY-MM-DD", q.from),
        );
    }
    let days = q.days.trim().parse::<u32>();
    if days.as_ref().is_err() || days.as_ref().is_ok_and(|d| *d > 3650) {
        p.at(
            "days",
            format!("`{}` is not a whole number of days from 0 to 3650", q.days),
        );
    }
    let (Ok(from), Ok(days), true) = (from, days, p.is_empty()) else {
        return Err(AppError::Invalid(p));
    };
    let calendar = state.store.calendar().await.map_err(AppError::store)?;
    let date = calendar
        .add_working_days(from, days)
        .map_err(|e| one("from", e.to_string()))?;
    Ok(Json(DateAnswer { date }))
}

#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct YearInput {
    /// The official notice the year's holidays follow.
    pub source: String,
}

async fn put_year(
    State(state): State<AppState>,
    caller: Caller,
    Path(year): Path<String>,
    J(input): J<YearInput>,
) -> Result<Json<CalendarYear>, AppError> {
    caller.require(Permission::Administer)?;
    let year: i32 = year
        .parse()
        .ok()
        .filter(|y| (2000..=2200).contains(y))
        .ok_or_else(|| one("year", format!("`{year}` is not a year from 2000 to 2200")))?;
    if input.source.trim().is_empty() {
        return Err(one("source", "is required: cite the official notice"));
    }
    let y = state
        .store
        .put_calendar_year(&caller.actor(), year, input.source.trim())
        .await
        .map_err(AppError::store)?;
    Ok(Json(y))
}

fn parse_day(day: &str) -> Result<NaiveDate, AppError> {
    NaiveDate::parse_from_str(day, "%Y-%m-%d")
        .map_err(|_| one("day", format!("`{day}` is not a date: write YYYY-MM-DD")))
}

async fn put_day(
    State(state): State<AppState>,
    caller: Caller,
    Path(day): Path<String>,
    J(input): J<CalendarDayInput>,
) -> Result<Json<CalendarRow>, AppError> {
    caller.require(Permission::Administer)?;
    let day = parse_day(&day)?;
    let row = state
        .store
        .put_calendar_day(&caller.actor(), day, &input)
        .await
        .map_err(AppError::store)?;
    Ok(Json(row))
}

async fn delete_day(
    State(state): State<AppState>,
    caller: Caller,
    Path(day): Path<String>,
    J(input): J<Reason>,
) -> Result<Json<CalendarRow>, AppError> {
    caller.require(Permission::Administer)?;
    let day = parse_day(&day)?;
    let reason = input.checked()?;
    let row = state
        .store
        .delete_calendar_day(&caller.actor(), day, reason)
        .await
        .map_err(AppError::store)?;
    Ok(Json(row))
}

async fn get_regimes(caller: Caller) -> Result<Json<&'static Regimes>, AppError> {
    caller.require(Permission::Read)?;
    Ok(Json(Regimes::shipped()))
}

// ---------------------------------------------------------------------------------------------
// Dossiers

/// A dossier with its steps and records.
#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct DossierView {
    #[serde(flatten)]
    pub dossier: Dossier,
    pub steps: Vec<DossierStep>,
    pub records: Vec<RecordView>,
}

async fn view(
    state: &AppState,
    d: Dossier,
    steps: Vec<DossierStep>,
) -> Result<DossierView, AppError> {
    let records = state
        .store
        .records_of("import_dossier", d.import_dossier_id)
        .await
        .map_err(AppError::store)?
        .into_iter()
        .map(|r| record_view(state, r))
        .collect();
    Ok(DossierView {
        dossier: d,
        steps,
        records,
    })
}

async fn create_dossier(
    State(state): State<AppState>,
    caller: Caller,
    J(input): J<DossierInput>,
) -> Result<(StatusCode, Json<DossierView>), AppError> {
    caller.require(Permission::Dossiers)?;
    let calendar = state.store.calendar().await.map_err(AppError::store)?;
    let actor = caller.actor();
    // Check first, so that a refused registration burns no number.
    let probe = input
        .number
        .clone()
        .filter(|n| !n.trim().is_empty())
        .or_else(|| Some("-".into()));
    dossier::register(&input, probe, &calendar, today(), &actor).map_err(AppError::Invalid)?;
    let number = if input
        .number
        .as_deref()
        .is_some_and(|n| !n.trim().is_empty())
    {
        None
    } else {
        let year = input.registered_on.year();
        let seq = state
            .store
            .take_number("import_dossier", year)
            .await
            .map_err(AppError::store)?;
        Some(
            crate::config::format_number(&state.settings.certificates.dossier_number, year, seq)
                .map_err(|e| internal(anyhow::anyhow!(e)))?,
        )
    };
    let (d, steps) =
        dossier::register(&input, number, &calendar, today(), &actor).map_err(AppError::Invalid)?;
    let d = state
        .store
        .insert_dossier(&actor, &d, &steps)
        .await
        .map_err(|e| match e {
            StoreError::Conflict(what) => one("number", format!("{what} already exists")),
            e => AppError::store(e),
        })?;
    Ok((StatusCode::CREATED, Json(view(&state, d, steps).await?)))
}

#[derive(Debug, Default, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DossierParams {
    /// Number (prefix), importer tax code, or part of the importer's name.
    pub q: Option<String>,
    pub channel: Option<String>,
    pub status: Option<String>,
    pub year: Option<i32>,
    /// Only dossiers with a step past its deadline today.
    #[serde(default)]
    pub overdue: bool,
    pub page: Option<i64>,
    pub per_page: Option<i64>,
}

async fn list_dossiers(
    State(state): State<AppState>,
    caller: Caller,
    Q(q): Q<DossierParams>,
) -> Result<Json<crate::store::registry::Page<Dossier>>, AppError> {
    caller.require(Permission::Read)?;
    let page = state
        .store
        .list_dossiers(&DossierQuery {
            q: q.q,
            channel: q.channel,
            status: q.status,
            year: q.year,
            overdue_on: q.overdue.then(today),
            page: super::registry::page_request(q.page, q.per_page),
        })
        .await
        .map_err(AppError::store)?;
    Ok(Json(page))
}

async fn load(state: &AppState, id: &str) -> Result<(Dossier, Vec<DossierStep>), AppError> {
    let id = parse_id("dossier", id)?;
    state
        .store
        .dossier(id)
        .await
        .map_err(AppError::store)?
        .ok_or_else(|| AppError::NotFound(format!("dossier {id}")))
}

async fn get_dossier(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<DossierView>, AppError> {
    caller.require(Permission::Read)?;
    let (d, steps) = load(&state, &id).await?;
    Ok(Json(view(&state, d, steps).await?))
}

/// The day a step was done; defaults to today.
#[derive(Debug, Default, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct OnInput {
    #[serde(default)]
    pub on: Option<NaiveDate>,
}

/// A step's date: not before registration, not in the future.
fn step_date(d: &Dossier, on: Option<NaiveDate>, field: &str) -> Result<NaiveDate, StoreError> {
    let on = on.unwrap_or_else(today);
    let mut p = Problems::default();
    if on < d.registered_on {
        p.at(
            field,
            format!("{on} is before the registration ({})", d.registered_on),
        );
    }
    if on > today() {
        p.at(field, format!("{on} is in the future"));
    }
    p.into_result(on).map_err(StoreError::Invalid)
}

fn require_status(d: &Dossier, allowed: &[&str], action: &str) -> Result<(), StoreError> {
    if allowed.contains(&d.status.as_str()) {
        Ok(())
    } else {
        Err(StoreError::State(format!(
            "dossier {} is {}: it cannot {action}",
            d.number, d.status
        )))
    }
}

fn signer(state: &AppState) -> Result<std::sync::Arc<crate::signing::KeyRing>, AppError> {
    state.signer.clone().ok_or_else(|| {
        AppError::Conflict("this server has no signing key: it cannot issue documents".into())
    })
}

/// Signs the dossier's new document: what the store writes with the change.
fn issued(
    ring: &crate::signing::KeyRing,
    doc: &tdc_certificate::RecordDocument,
    token: &str,
    d: &Dossier,
    actor: &str,
) -> Result<Effects, StoreError> {
    let record = crate::records::seal(
        ring,
        doc,
        token,
        ("import_dossier", d.import_dossier_id),
        actor,
        None,
        0,
    )
    .map_err(StoreError::State)?;
    Ok(Effects {
        record: Some(record),
        ..Effects::default()
    })
}

fn number_of(pattern: &str, year: i32, seq: Option<i64>) -> Result<String, StoreError> {
    crate::config::format_number(pattern, year, seq.unwrap_or(0)).map_err(StoreError::State)
}

async fn confirm(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    J(input): J<OnInput>,
) -> Result<Json<DossierView>, AppError> {
    caller.require(Permission::Dossiers)?;
    let ring = signer(&state)?;
    let id = parse_id("dossier", &id)?;
    let actor = caller.actor();
    let name = caller.user.full_name.clone();
    let lab = state.settings.lab.clone();
    let pattern = state
        .settings
        .certificates
        .import_confirmation_number
        .clone();
    let public_url = state.settings.public_url.clone();
    let year = input.on.unwrap_or_else(today).year();
    let (d, steps, _) = state
        .store
        .update_dossier(
            &caller.actor(),
            id,
            Some(("import_confirmation", year)),
            move |d, steps, seq| {
                require_status(d, &["registered"], "be confirmed")?;
                let on = step_date(d, input.on, "on")?;
                let regime = dossier::regime_of(d).map_err(StoreError::State)?;
                dossier::mark_done(steps, StepKind::ConfirmRegistration, on, &actor);
                d.status = "confirmed".into();
                let (token, url) = crate::records::new_public_link(&public_url);
                let doc = dossier::confirmation(
                    d,
                    regime,
                    &lab,
                    number_of(&pattern, year, seq)?,
                    on,
                    url,
                    &name,
                );
                issued(&ring, &doc, &token, d, &actor)
            },
        )
        .await
        .map_err(AppError::store)?;
    Ok(Json(view(&state, d, steps).await?))
}

async fn add_document(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    J(input): J<DocumentReceived>,
) -> Result<Json<DossierView>, AppError> {
    caller.require(Permission::Dossiers)?;
    let id = parse_id("dossier", &id)?;
    let (d, steps, _) = state
        .store
        .update_dossier(&caller.actor(), id, None, move |d, _steps, _| {
            require_status(
                d,
                &["registered", "confirmed", "complete", "awaiting_testing"],
                "take documents",
            )?;
            let regime = dossier::regime_of(d).map_err(StoreError::State)?;
            if !regime.document.iter().any(|i| i.code == input.code) {
                let mut p = Problems::default();
                p.at(
                    "code",
                    format!(
                        "`{}` is not in the checklist of regime {}",
                        input.code, regime.code
                    ),
                );
                return Err(StoreError::Invalid(p));
            }
            let mut docs: Vec<DocumentReceived> =
                serde_json::from_str(&d.documents).unwrap_or_default();
            docs.retain(|x| x.code != input.code);
            docs.push(input);
            d.documents = serde_json::to_string(&docs).unwrap_or_default();
            Ok(Effects::default())
        })
        .await
        .map_err(AppError::store)?;
    Ok(Json(view(&state, d, steps).await?))
}

#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ClearanceInput {
    /// Day customs cleared the goods.
    pub on: NaiveDate,
}

async fn clearance(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    J(input): J<ClearanceInput>,
) -> Result<Json<DossierView>, AppError> {
    caller.require(Permission::Dossiers)?;
    let id = parse_id("dossier", &id)?;
    let calendar = state.store.calendar().await.map_err(AppError::store)?;
    let (d, steps, _) = state
        .store
        .update_dossier(&caller.actor(), id, None, move |d, steps, _| {
            require_status(d, &["registered", "confirmed"], "record customs clearance")?;
            let on = step_date(d, Some(input.on), "on")?;
            let regime = dossier::regime_of(d).map_err(StoreError::State)?;
            d.customs_cleared_on = Some(on);
            dossier::start_clock(regime, steps, Event::CustomsClearance, on, &calendar).map_err(
                |e| {
                    StoreError::Invalid({
                        let mut p = Problems::default();
                        p.at("on", e);
                        p
                    })
                },
            )?;
            Ok(Effects::default())
        })
        .await
        .map_err(AppError::store)?;
    Ok(Json(view(&state, d, steps).await?))
}

#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CertificateInput {
    /// Number of the certificate of conformity.
    pub number: String,
    /// The certification body that issued it.
    pub issuer: String,
    pub issued_on: NaiveDate,
    /// Day the certified copy was received (the file is complete).
    pub received_on: NaiveDate,
}

async fn certificate(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    J(input): J<CertificateInput>,
) -> Result<Json<DossierView>, AppError> {
    caller.require(Permission::Dossiers)?;
    let id = parse_id("dossier", &id)?;
    let calendar = state.store.calendar().await.map_err(AppError::store)?;
    let actor = caller.actor();
    let (d, steps, _) = state
        .store
        .update_dossier(&caller.actor(), id, None, move |d, steps, _| {
            require_status(d, &["registered", "confirmed"], "take a certificate")?;
            let mut p = Problems::default();
            if input.number.trim().is_empty() {
                p.at("number", "is required");
            }
            if input.issuer.trim().is_empty() {
                p.at("issuer", "is required");
            }
            if input.issued_on > input.received_on {
                p.at("issued_on", "is after received_on");
            }
            let on = match step_date(d, Some(input.received_on), "received_on") {
                Ok(on) => on,
                Err(StoreError::Invalid(q)) => {
                    p.0.extend(q.0);
                    return Err(StoreError::Invalid(p));
                }
                Err(e) => return Err(e),
            };
            if !p.is_empty() {
                return Err(StoreError::Invalid(p));
            }
            let regime = dossier::regime_of(d).map_err(StoreError::State)?;
            d.certificate_number = Some(input.number.trim().to_owned());
            d.certificate_issuer = Some(input.issuer.trim().to_owned());
            d.certificate_date = Some(input.issued_on);
            d.complete_file_on = Some(on);
            d.status = "complete".into();
            dossier::mark_done(steps, StepKind::SubmitCertificate, on, &actor);
            dossier::start_clock(regime, steps, Event::CompleteFileReceived, on, &calendar)
                .map_err(|e| {
                    StoreError::Invalid({
                        let mut p = Problems::default();
                        p.at("received_on", e);
                        p
                    })
                })?;
            Ok(Effects::default())
        })
        .await
        .map_err(AppError::store)?;
    Ok(Json(view(&state, d, steps).await?))
}

#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct NoticeInput {
    /// Outcome code of the regime (`meets`, `does-not-meet`, `incomplete-dossier`,
    /// `reassessment`, `awaiting-testing`).
    pub outcome: String,
    /// Reasons, or the assessment body, when the outcome asks for it.
    #[serde(default)]
    pub detail: Option<String>,
    /// Day of the notice; defaults to today.
    #[serde(default)]
    pub on: Option<NaiveDate>,
    /// The signer's password again.
    pub password: String,
}

async fn issue_notice(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    J(input): J<NoticeInput>,
) -> Result<Json<DossierView>, AppError> {
    caller.require(Permission::Sign)?;
    reauthenticate(&state, &caller, &input.password)?;
    let ring = signer(&state)?;
    let id = parse_id("dossier", &id)?;
    let actor = caller.actor();
    let name = caller.user.full_name.clone();
    let lab = state.settings.lab.clone();
    let pattern = state.settings.certificates.import_notice_number.clone();
    let public_url = state.settings.public_url.clone();
    let year = input.on.unwrap_or_else(today).year();
    let (d, steps, record) = state
        .store
        .update_dossier(
            &caller.actor(),
            id,
            Some(("import_notice", year)),
            move |d, steps, seq| {
                let regime = dossier::regime_of(d).map_err(StoreError::State)?;
                let Some(outcome) = regime.outcome.iter().find(|o| o.code == input.outcome) else {
                    let mut p = Problems::default();
                    p.at(
                        "outcome",
                        format!(
                            "`{}` is not an outcome of regime {}: {}",
                            input.outcome,
                            regime.code,
                            regime
                                .outcome
                                .iter()
                                .map(|o| o.code.as_str())
                                .collect::<Vec<_>>()
                                .join(", ")
                        ),
                    );
                    return Err(StoreError::Invalid(p));
                };
                if outcome.detail.is_some()
                    && input.detail.as_deref().is_none_or(|t| t.trim().is_empty())
                {
                    let mut p = Problems::default();
                    p.at(
                        "detail",
                        format!(
                            "is required for `{}`: {}",
                            outcome.code,
                            outcome.detail.as_ref().map_or("", |d| d.en.as_str())
                        ),
                    );
                    return Err(StoreError::Invalid(p));
                }
                let interim = outcome.code == "awaiting-testing";
                let final_needs_file = matches!(outcome.code.as_str(), "meets" | "does-not-meet");
                if final_needs_file {
                    require_status(
                        d,
                        &["complete", "awaiting_testing"],
                        "be decided before its certificate is on file",
                    )?;
                } else {
                    require_status(
                        d,
                        &["registered", "confirmed", "complete", "awaiting_testing"],
                        "take a notice",
                    )?;
                }
                let on = step_date(d, input.on, "on")?;
                d.outcome = Some(outcome.code.clone());
                d.outcome_detail = input.detail.clone().filter(|t| !t.trim().is_empty());
                if interim {
                    d.status = "awaiting_testing".into();
                } else {
                    dossier::mark_done(steps, StepKind::NotifyResult, on, &actor);
                    d.status = "decided".into();
                    d.decided_on = Some(on);
                    d.on_time = Some(dossier::all_on_time(steps));
                }
                let (token, url) = crate::records::new_public_link(&public_url);
                let doc = dossier::notice(
                    d,
                    regime,
                    outcome,
                    input.detail.as_deref(),
                    &lab,
                    number_of(&pattern, year, seq)?,
                    on,
                    url,
                    &name,
                );
                issued(&ring, &doc, &token, d, &actor)
            },
        )
        .await
        .map_err(AppError::store)?;
    let _ = record;
    Ok(Json(view(&state, d, steps).await?))
}

#[derive(Debug, Default, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ImportParams {
    /// `csv` or `xlsx`.
    pub format: String,
    /// The file's name, kept in the audit trail.
    #[serde(default)]
    pub name: Option<String>,
}

/// What an import did.
#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct ImportResult {
    pub imported: usize,
}

async fn import_dossiers(
    State(state): State<AppState>,
    caller: Caller,
    Q(q): Q<ImportParams>,
    body: Bytes,
) -> Result<(StatusCode, Json<ImportResult>), AppError> {
    caller.require(Permission::Dossiers)?;
    let format = match q.format.to_ascii_lowercase().as_str() {
        "csv" => crate::import::FileFormat::Csv,
        "xlsx" => crate::import::FileFormat::Xlsx,
        other => return Err(one("format", format!("`{other}` is not csv or xlsx"))),
    };
    let source = format!("import {}", q.name.as_deref().unwrap_or("(uploaded file)"));
    let n = crate::import::dossiers::import(
        &state.store,
        &caller.actor(),
        format,
        &body,
        &source,
        today(),
        &mut |_, _| {},
    )
    .await
    .map_err(|e| match e {
        crate::import::dossiers::ImportError::Invalid(p) => AppError::Invalid(p),
        crate::import::dossiers::ImportError::Store(e) => AppError::store(e),
    })?;
    Ok((StatusCode::CREATED, Json(ImportResult { imported: n })))
}

// ---------------------------------------------------------------------------------------------
// Records

/// A record with its public URL.
#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct RecordView {
    #[serde(flatten)]
    pub record: Record,
    pub verify_url: String,
}

pub(crate) fn record_view(state: &AppState, r: Record) -> RecordView {
    let verify_url = format!(
        "{}/v/{}",
        state.settings.public_url.trim_end_matches('/'),
        r.token
    );
    RecordView {
        record: r,
        verify_url,
    }
}

async fn load_record(state: &AppState, id: &str) -> Result<Record, AppError> {
    let id = parse_id("record", id)?;
    state
        .store
        .record(id)
        .await
        .map_err(AppError::store)?
        .ok_or_else(|| AppError::NotFound(format!("record {id}")))
}

async fn get_record(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<RecordView>, AppError> {
    caller.require(Permission::Read)?;
    let r = load_record(&state, &id).await?;
    Ok(Json(record_view(&state, r)))
}

async fn get_record_pdf(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    caller.require(Permission::Read)?;
    let r = load_record(&state, &id).await?;
    let doc = crate::records::printable(&r).map_err(internal)?;
    let pdf = tokio::task::spawn_blocking(move || tdc_certificate::render_record_pdf(&doc))
        .await
        .map_err(internal)?
        .map_err(internal)?;
    Ok(pdf_response(pdf, &file_name(&r.number, ".pdf")))
}

async fn revoke_record(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    J(input): J<Reason>,
) -> Result<Json<RecordView>, AppError> {
    caller.require(Permission::Sign)?;
    let r = load_record(&state, &id).await?;
    let reason = input.checked()?;
    let r = state
        .store
        .revoke_record(&caller.actor(), r.record_id, reason)
        .await
        .map_err(AppError::store)?;
    state.public_cache.forget(&r.token);
    Ok(Json(record_view(&state, r)))
}

/// What an amendment of a record corrects.
#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RecordAmendInput {
    pub password: String,
    /// Why (printed on the new revision).
    pub reason: String,
    /// A corrected addressee (customer, importer).
    #[serde(default)]
    pub addressee: Option<String>,
    /// Corrected values of labelled fields, by their Vietnamese label ("Địa chỉ").
    #[serde(default)]
    pub fields: std::collections::BTreeMap<String, String>,
}

/// Issues a new revision of a record (`…-SĐn`) with the corrections, signed again; the old
/// one is marked superseded and its public page says by which.
async fn amend_record(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    J(input): J<RecordAmendInput>,
) -> Result<(StatusCode, Json<RecordView>), AppError> {
    caller.require(Permission::Sign)?;
    let old = load_record(&state, &id).await?;
    crate::store::bench::check_reason("reason", &input.reason).map_err(AppError::Invalid)?;
    super::session::reauthenticate(&state, &caller, &input.password)?;
    let ring = signer(&state)?;
    if old.status != "issued" {
        return Err(AppError::Conflict(format!(
            "record {} is {}: only an issued record can be amended",
            old.number, old.status
        )));
    }
    let mut doc: tdc_certificate::RecordDocument =
        serde_json::from_str(&old.content).map_err(internal)?;
    let mut changed = Vec::new();
    if let Some(a) = input
        .addressee
        .as_deref()
        .map(str::trim)
        .filter(|a| !a.is_empty())
        && doc.addressee.as_deref() != Some(a)
    {
        changed.push(format!("Kính gửi: {a}"));
        doc.addressee = Some(a.to_owned());
    }
    let mut p = Problems::default();
    for (label, value) in &input.fields {
        let field = doc
            .sections
            .iter_mut()
            .flat_map(|s| s.fields.iter_mut())
            .find(|f| f.label.vi == *label);
        match field {
            Some(f) if f.value != *value => {
                changed.push(format!("{label}: {value}"));
                f.value.clone_from(value);
            }
            Some(_) => {}
            None => p.at(
                format!("fields.{label}"),
                "no field of the record has this label",
            ),
        }
    }
    if p.is_empty() && changed.is_empty() {
        p.at(
            "fields",
            "nothing would change: an amendment corrects something",
        );
    }
    if !p.is_empty() {
        return Err(AppError::Invalid(p));
    }
    let revision = old.revision + 1;
    let base = old
        .number
        .rsplit_once("-SĐ")
        .map_or(old.number.clone(), |(b, _)| b.to_owned());
    doc.number = format!("{base}-SĐ{revision}");
    doc.amendment = Some(tdc_certificate::Amendment {
        revision: u32::try_from(revision).unwrap_or(1),
        supersedes: old.number.clone(),
        reason: tdc_certificate::LocalizedText::vi(format!(
            "{} ({})",
            input.reason.trim(),
            changed.join("; ")
        )),
    });
    doc.issue_date = today();
    let (token, url) = crate::records::new_public_link(&state.settings.public_url);
    doc.qr_payload = url;
    doc.signature_fingerprint = None;
    if let Some(last) = doc.signatories.last_mut() {
        last.name.clone_from(&caller.user.full_name);
    }
    let subject_kind: &'static str = match old.subject_kind.as_str() {
        "sample" => "sample",
        "inspection" => "inspection",
        _ => "import_dossier",
    };
    let new = crate::records::seal(
        &ring,
        &doc,
        &token,
        (subject_kind, old.subject_id),
        &caller.actor(),
        Some((old.record_id, input.reason.trim().to_owned())),
        revision,
    )
    .map_err(|e| internal(anyhow::anyhow!(e)))?;
    let rec = state
        .store
        .amend_record(&caller.actor(), &new)
        .await
        .map_err(AppError::store)?;
    state.public_cache.forget(&old.token);
    Ok((StatusCode::CREATED, Json(record_view(&state, rec))))
}

/// Samples taken from a consignment waiting for testing.
#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SamplingInput {
    /// Where the samples were taken (warehouse, border gate).
    pub place: String,
    /// The importer's representative present.
    #[serde(default)]
    pub witness: String,
    /// Day of sampling; defaults to today.
    #[serde(default)]
    pub on: Option<NaiveDate>,
    /// The samples (each a receipt as at the laboratory's counter, with its seal number).
    pub samples: Vec<crate::sample::ReceiveInput>,
}

/// Takes samples of a consignment waiting for testing: the samples (linked to the dossier,
/// in the inspector's custody) and the signed sampling record (biên bản lấy mẫu) in one
/// transaction.
async fn take_samples(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    J(input): J<SamplingInput>,
) -> Result<(StatusCode, Json<DossierView>), AppError> {
    caller.require(Permission::Dossiers)?;
    let ring = signer(&state)?;
    let (d, _) = load(&state, &id).await?;
    if d.status != "awaiting_testing" {
        return Err(AppError::Conflict(format!(
            "dossier {} is {}: samples are taken once the notice says it awaits testing",
            d.number, d.status
        )));
    }
    let on = input.on.unwrap_or_else(today);
    let mut p = Problems::default();
    if input.place.trim().is_empty() {
        p.at("place", "is required");
    }
    if input.samples.is_empty() {
        p.at("samples", "take at least one sample");
    }
    if on < d.registered_on || on > today() {
        p.at("on", format!("{on} is outside {}…today", d.registered_on));
    }
    let actor = caller.actor();
    let holder = caller.user.username.clone();
    for (i, s) in input.samples.iter().enumerate() {
        if s.seal_number.as_deref().is_none_or(|n| n.trim().is_empty()) {
            p.at(
                format!("samples[{i}].seal_number"),
                "a sample taken on site is sealed: give the seal number",
            );
        }
        if let Err(q) = crate::sample::receive(
            s,
            String::new(),
            Some(d.importer_name.clone()),
            today(),
            &actor,
            &holder,
        ) {
            for problem in q.iter() {
                p.at(
                    format!("samples[{i}].{}", problem.path),
                    problem.message.clone(),
                );
            }
        }
    }
    if !p.is_empty() {
        return Err(AppError::Invalid(p));
    }
    let pattern = state.settings.certificates.sample_number.clone();
    let mut samples = Vec::new();
    for s in &input.samples {
        let seq = state
            .store
            .take_number("sample", on.year())
            .await
            .map_err(AppError::store)?;
        let code = crate::config::format_number(&pattern, on.year(), seq)
            .map_err(|e| internal(anyhow::anyhow!(e)))?;
        let mut s = s.clone();
        s.import_dossier_id = Some(d.import_dossier_id);
        s.received_on = Some(on);
        let built = crate::sample::receive(
            &s,
            code,
            Some(d.importer_name.clone()),
            today(),
            &actor,
            &holder,
        )
        .map_err(AppError::Invalid)?;
        samples.push(built);
    }
    let lab = state.settings.lab.clone();
    let name = caller.user.full_name.clone();
    let record_pattern = state
        .settings
        .certificates
        .import_notice_number
        .replace("TBKQ", "BBLM");
    let public_url = state.settings.public_url.clone();
    let place = input.place.trim().to_owned();
    let witness = input.witness.trim().to_owned();
    let (d, steps, _) = state
        .store
        .update_dossier(
            &caller.actor(),
            d.import_dossier_id,
            Some(("sampling_record", on.year())),
            move |d, _, seq| {
                let (token, url) = crate::records::new_public_link(&public_url);
                let number = number_of(&record_pattern, on.year(), seq)?;
                let doc = dossier::sampling_record(
                    d, &samples, &place, &witness, &lab, number, on, url, &name,
                );
                let record = crate::records::seal(
                    &ring,
                    &doc,
                    &token,
                    ("import_dossier", d.import_dossier_id),
                    &actor,
                    None,
                    0,
                )
                .map_err(StoreError::State)?;
                Ok(Effects {
                    record: Some(record),
                    samples,
                    reason: None,
                })
            },
        )
        .await
        .map_err(AppError::store)?;
    Ok((StatusCode::CREATED, Json(view(&state, d, steps).await?)))
}
