//! `/api/v1/samples` and `/api/v1/surveys`: samples from receipt to disposal (label, portions,
//! chain of custody, tests assigned), and the quality surveys that group them.

use axum::Json;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use calibration_profiles::problems::Problems;
use chrono::{Datelike, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::dossiers::RecordView;
use super::registry::parse_id;
use super::session::{Caller, Permission};
use super::{AppError, AppState, J, Q};
use crate::sample::{self, DisposalInput, HandOver, PortionInput, ReceiveInput, TestRequest};
use crate::store::StoreError;
use crate::store::samples::{Custody, Sample, SampleEffects, SampleQuery, SampleTest, Survey};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/samples", get(list_samples).post(receive))
        .route("/api/v1/samples/{id}", get(get_sample))
        .route("/api/v1/samples/{id}/label.svg", get(label))
        .route("/api/v1/samples/{id}/split", post(split))
        .route("/api/v1/samples/{id}/custody", post(hand_over))
        .route("/api/v1/samples/{id}/dispose", post(dispose))
        .route("/api/v1/samples/{id}/tests", post(assign_test))
        .route(
            "/api/v1/samples/{id}/tests/{test}/result",
            post(enter_result),
        )
        .route("/api/v1/samples/{id}/submit", post(submit))
        .route("/api/v1/samples/{id}/return", post(return_sample))
        .route("/api/v1/samples/{id}/approve", post(approve))
        .route("/api/v1/surveys", get(list_surveys).post(create_survey))
        .route("/api/v1/surveys/{id}", get(get_survey))
}

fn today() -> NaiveDate {
    crate::web::i18n::today()
}

fn invalid(field: &str, message: impl Into<String>) -> StoreError {
    let mut p = Problems::default();
    p.at(field, message);
    StoreError::Invalid(p)
}

/// A sample with everything recorded about it.
#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct SampleView {
    #[serde(flatten)]
    pub sample: Sample,
    pub tests: Vec<SampleTest>,
    pub custody: Vec<Custody>,
    pub portions: Vec<Sample>,
    pub records: Vec<RecordView>,
}

pub(crate) async fn sample_view(
    state: &AppState,
    s: Sample,
    tests: Vec<SampleTest>,
) -> Result<SampleView, AppError> {
    let custody = state
        .store
        .custody_of(s.sample_id)
        .await
        .map_err(AppError::store)?;
    let portions = state
        .store
        .portions_of(s.sample_id)
        .await
        .map_err(AppError::store)?;
    let records = state
        .store
        .records_of("sample", s.sample_id)
        .await
        .map_err(AppError::store)?
        .into_iter()
        .map(|r| super::dossiers::record_view(state, r))
        .collect();
    Ok(SampleView {
        sample: s,
        tests,
        custody,
        portions,
        records,
    })
}

async fn receive(
    State(state): State<AppState>,
    caller: Caller,
    J(input): J<ReceiveInput>,
) -> Result<(StatusCode, Json<SampleView>), AppError> {
    caller.require(Permission::Laboratory)?;
    let requester = match input.requester_organisation_id {
        Some(id) => Some(
            state
                .store
                .organisation(id)
                .await
                .map_err(AppError::store)?
                .ok_or_else(|| {
                    let mut p = Problems::default();
                    p.at("requester_organisation_id", format!("no organisation {id}"));
                    AppError::Invalid(p)
                })?
                .name,
        ),
        None => None,
    };
    if let Some(survey) = input.survey_id
        && state
            .store
            .survey(survey)
            .await
            .map_err(AppError::store)?
            .is_none()
    {
        let mut p = Problems::default();
        p.at("survey_id", format!("no survey {survey}"));
        return Err(AppError::Invalid(p));
    }
    if let Some(dossier) = input.import_dossier_id
        && state
            .store
            .dossier(dossier)
            .await
            .map_err(AppError::store)?
            .is_none()
    {
        let mut p = Problems::default();
        p.at("import_dossier_id", format!("no dossier {dossier}"));
        return Err(AppError::Invalid(p));
    }
    let actor = caller.actor();
    let holder = caller.user.username.clone();
    // Checked once before a number is taken, so a refusal burns none.
    sample::receive(
        &input,
        String::new(),
        requester.clone(),
        today(),
        &actor,
        &holder,
    )
    .map_err(AppError::Invalid)?;
    let year = input.received_on.unwrap_or_else(today).year();
    let pattern = state.settings.certificates.sample_number.clone();
    let (s, tests) = state
        .store
        .receive_sample(&caller.actor(), year, move |seq| {
            let code =
                crate::config::format_number(&pattern, year, seq).map_err(StoreError::State)?;
            sample::receive(&input, code, requester, today(), &actor, &holder)
                .map_err(StoreError::Invalid)
        })
        .await
        .map_err(AppError::store)?;
    Ok((
        StatusCode::CREATED,
        Json(sample_view(&state, s, tests).await?),
    ))
}

#[derive(Debug, Default, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SampleParams {
    /// Code (prefix), or part of the name or requester.
    pub q: Option<String>,
    pub status: Option<String>,
    pub sample_type: Option<String>,
    pub survey_id: Option<Uuid>,
    /// Only samples not reported by their due date.
    #[serde(default)]
    pub overdue: bool,
    /// Only samples kept past their retention and not disposed of.
    #[serde(default)]
    pub retention_over: bool,
    pub page: Option<i64>,
    pub per_page: Option<i64>,
}

async fn list_samples(
    State(state): State<AppState>,
    caller: Caller,
    Q(q): Q<SampleParams>,
) -> Result<Json<crate::store::registry::Page<Sample>>, AppError> {
    caller.require(Permission::Read)?;
    let page = state
        .store
        .list_samples(&SampleQuery {
            q: q.q,
            status: q.status,
            sample_type: q.sample_type,
            survey_id: q.survey_id,
            overdue_on: q.overdue.then(today),
            retention_over_on: q.retention_over.then(today),
            page: super::registry::page_request(q.page, q.per_page),
        })
        .await
        .map_err(AppError::store)?;
    Ok(Json(page))
}

async fn load(state: &AppState, id: &str) -> Result<(Sample, Vec<SampleTest>), AppError> {
    let id = parse_id("sample", id)?;
    state
        .store
        .sample(id)
        .await
        .map_err(AppError::store)?
        .ok_or_else(|| AppError::NotFound(format!("sample {id}")))
}

async fn get_sample(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<SampleView>, AppError> {
    caller.require(Permission::Read)?;
    let (s, tests) = load(&state, &id).await?;
    Ok(Json(sample_view(&state, s, tests).await?))
}

/// Escapes text for SVG.
fn xml(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// The sample's label (50 × 30 mm): QR code of the sample code, the code in large type, the
/// name, the day of receipt and the storage condition.
async fn label(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    caller.require(Permission::Read)?;
    let (s, _) = load(&state, &id).await?;
    let qr = tdc_certificate::qr::qr_svg_group(&s.code, 1.0, 1.0, 28.0)
        .map_err(|e| AppError::Internal(e.into()))?;
    let name: String = s.name.chars().take(28).collect();
    let portion = match s.portion.as_str() {
        "retained" => " · MẪU LƯU",
        "sub" => " · MẪU CON",
        _ => "",
    };
    let svg = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"50mm\" height=\"30mm\" viewBox=\"0 0 50 30\" font-family=\"Noto Sans, DejaVu Sans, sans-serif\">\
         <rect width=\"50\" height=\"30\" fill=\"#ffffff\"/>{qr}\
         <text x=\"30\" y=\"7\" font-size=\"3.6\" font-weight=\"bold\">{code}</text>\
         <text x=\"30\" y=\"12\" font-size=\"2.2\">{name}</text>\
         <text x=\"30\" y=\"16\" font-size=\"2.2\">Nhận: {received}{portion}</text>\
         <text x=\"30\" y=\"20\" font-size=\"2.2\">{storage}</text>\
         <text x=\"30\" y=\"24\" font-size=\"2.2\">Lưu đến: {retain}</text></svg>",
        code = xml(&s.code),
        name = xml(&name),
        received = s.received_on.format("%d/%m/%Y"),
        storage = xml(&s.storage),
        retain = s
            .retain_until
            .map(|d| d.format("%d/%m/%Y").to_string())
            .unwrap_or_default(),
    );
    let mut res = svg.into_response();
    res.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("image/svg+xml; charset=utf-8"),
    );
    Ok(res)
}

#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SplitInput {
    pub portions: Vec<PortionInput>,
}

async fn split(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    J(input): J<SplitInput>,
) -> Result<Json<SampleView>, AppError> {
    caller.require(Permission::Laboratory)?;
    let id = parse_id("sample", &id)?;
    let existing = state.store.portions_of(id).await.map_err(AppError::store)?;
    let actor = caller.actor();
    let holder = caller.user.username.clone();
    let (s, tests, _) = state
        .store
        .update_sample(&caller.actor(), id, None, move |s, _, _| {
            let (portions, custody) = sample::split(s, &input.portions, &existing, &actor, &holder)
                .map_err(StoreError::Invalid)?;
            Ok(SampleEffects {
                custody,
                portions,
                ..SampleEffects::default()
            })
        })
        .await
        .map_err(AppError::store)?;
    Ok(Json(sample_view(&state, s, tests).await?))
}

async fn hand_over(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    J(input): J<HandOver>,
) -> Result<Json<SampleView>, AppError> {
    caller.require(Permission::Laboratory)?;
    let id = parse_id("sample", &id)?;
    let actor = caller.actor();
    let (s, tests, _) = state
        .store
        .update_sample(&caller.actor(), id, None, move |s, _, _| {
            let mut p = Problems::default();
            if input.to_holder.trim().is_empty() {
                p.at("to_holder", "is required");
            }
            if input.location.trim().is_empty() {
                p.at("location", "is required");
            }
            if s.status == "disposed" {
                p.at(
                    "",
                    format!(
                        "{} was disposed of on {}",
                        s.code,
                        s.disposed_on.map(|d| d.to_string()).unwrap_or_default()
                    ),
                );
            }
            if !p.is_empty() {
                return Err(StoreError::Invalid(p));
            }
            let row = sample::custody(
                s.sample_id,
                sample::Move {
                    action: "handed_over",
                    from: &s.holder,
                    to: input.to_holder.trim(),
                    location: input.location.trim(),
                    condition: input.condition.trim(),
                    note: input.note.trim(),
                },
                &actor,
            );
            input.to_holder.trim().clone_into(&mut s.holder);
            input.location.trim().clone_into(&mut s.location);
            Ok(SampleEffects {
                custody: vec![row],
                ..SampleEffects::default()
            })
        })
        .await
        .map_err(AppError::store)?;
    Ok(Json(sample_view(&state, s, tests).await?))
}

async fn dispose(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    J(input): J<DisposalInput>,
) -> Result<Json<SampleView>, AppError> {
    caller.require(Permission::Laboratory)?;
    let id = parse_id("sample", &id)?;
    let actor = caller.actor();
    let (s, tests, _) = state
        .store
        .update_sample(&caller.actor(), id, None, move |s, _, _| {
            let on = input.on.unwrap_or_else(today);
            if input.method.trim().is_empty() {
                return Err(invalid("method", "is required: returned, destroyed, …"));
            }
            if s.status == "disposed" {
                return Err(StoreError::State(format!(
                    "{} was already disposed of",
                    s.code
                )));
            }
            if on > today() || on < s.received_on {
                return Err(invalid(
                    "on",
                    format!("{on} is outside {}…today", s.received_on),
                ));
            }
            let early = s.retain_until.is_some_and(|r| on < r);
            let reason = input.reason.clone().filter(|r| !r.trim().is_empty());
            if early && reason.is_none() {
                return Err(invalid(
                    "reason",
                    format!(
                        "the retention runs until {}: say why it ends early",
                        s.retain_until.map(|d| d.to_string()).unwrap_or_default()
                    ),
                ));
            }
            if s.portion == "main"
                && matches!(s.status.as_str(), "received" | "testing" | "submitted")
                && !early
            {
                // Unreported main samples are only disposed of with a reason (e.g. spoiled).
                if reason.is_none() {
                    return Err(invalid(
                        "reason",
                        "the sample has no report yet: say why it is disposed of",
                    ));
                }
            }
            let row = sample::custody(
                s.sample_id,
                sample::Move {
                    action: "disposed",
                    from: &s.holder,
                    to: "",
                    location: &s.location,
                    condition: "",
                    note: input.method.trim(),
                },
                &actor,
            );
            s.status = "disposed".into();
            s.disposed_on = Some(on);
            s.disposed_by = Some(actor.clone());
            s.disposal = Some(input.method.trim().to_owned());
            Ok(SampleEffects {
                custody: vec![row],
                reason,
                ..SampleEffects::default()
            })
        })
        .await
        .map_err(AppError::store)?;
    Ok(Json(sample_view(&state, s, tests).await?))
}

async fn assign_test(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    J(input): J<TestRequest>,
) -> Result<(StatusCode, Json<SampleView>), AppError> {
    caller.require(Permission::Laboratory)?;
    let id = parse_id("sample", &id)?;
    if !input.analyst.trim().is_empty()
        && state
            .store
            .user_by_username(input.analyst.trim())
            .await
            .map_err(AppError::store)?
            .is_none()
    {
        let mut p = Problems::default();
        p.at("analyst", format!("no user `{}`", input.analyst));
        return Err(AppError::Invalid(p));
    }
    if let Some(std_id) = input.measurement_standard_id {
        // Expired, failed or quarantined equipment is blocked as for the bench's standards.
        crate::bench::check_standards(&state.store, &[std_id], today())
            .await
            .map_err(|e| match e {
                AppError::Invalid(p) => AppError::Invalid(Problems(
                    p.0.into_iter()
                        .map(|mut q| {
                            q.path = "measurement_standard_id".into();
                            q
                        })
                        .collect(),
                )),
                other => other,
            })?;
    }
    let (s, tests, _) = state
        .store
        .update_sample(&caller.actor(), id, None, move |s, tests, _| {
            if matches!(s.status.as_str(), "reported" | "disposed") {
                return Err(StoreError::State(format!(
                    "{} is {}: no new test",
                    s.code, s.status
                )));
            }
            let mut p = Problems::default();
            let mut all: Vec<TestRequest> = tests
                .iter()
                .map(|t| TestRequest {
                    characteristic: t.characteristic.clone(),
                    method_id: t.method_id.clone(),
                    analyst: t.analyst.clone(),
                    measurement_standard_id: t.measurement_standard_id,
                    limit_text: t.limit_text.clone(),
                    unit: t.unit.clone(),
                })
                .collect();
            all.push(input.clone());
            sample::check_tests(&mut p, "tests", &all);
            sample::check_methods(&mut p, "tests", &all);
            if !p.is_empty() {
                let mut q = Problems::default();
                for problem in p.iter() {
                    q.at(
                        problem.path.rsplit('.').next().unwrap_or(""),
                        problem.message.clone(),
                    );
                }
                return Err(StoreError::Invalid(q));
            }
            tests.push(sample::new_test(
                s.sample_id,
                &input,
                s.specification.as_deref(),
            ));
            if s.status == "received" {
                s.status = "testing".into();
            }
            Ok(SampleEffects::default())
        })
        .await
        .map_err(AppError::store)?;
    Ok((
        StatusCode::CREATED,
        Json(sample_view(&state, s, tests).await?),
    ))
}

#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SurveyInput {
    /// e.g. `KS-2026-03`.
    pub code: String,
    pub title: String,
    #[serde(default)]
    pub requested_by: String,
    pub started_on: NaiveDate,
    #[serde(default)]
    pub note: String,
}

async fn create_survey(
    State(state): State<AppState>,
    caller: Caller,
    J(input): J<SurveyInput>,
) -> Result<(StatusCode, Json<Survey>), AppError> {
    caller.require(Permission::Laboratory)?;
    let mut p = Problems::default();
    if input.code.trim().is_empty() {
        p.at("code", "is required");
    }
    if input.title.trim().is_empty() {
        p.at("title", "is required");
    }
    if !p.is_empty() {
        return Err(AppError::Invalid(p));
    }
    let now = Utc::now();
    let s = Survey {
        survey_id: Uuid::now_v7(),
        code: input.code.trim().to_owned(),
        title: input.title.trim().to_owned(),
        year: input.started_on.year(),
        requested_by: input.requested_by.trim().to_owned(),
        started_on: input.started_on,
        note: input.note.trim().to_owned(),
        created_by: caller.actor(),
        created_at: now,
        updated_at: now,
    };
    let s = state
        .store
        .create_survey(&caller.actor(), &s)
        .await
        .map_err(AppError::store)?;
    Ok((StatusCode::CREATED, Json(s)))
}

#[derive(Debug, Default, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SurveyParams {
    pub year: Option<i32>,
}

async fn list_surveys(
    State(state): State<AppState>,
    caller: Caller,
    Q(q): Q<SurveyParams>,
) -> Result<Json<Vec<Survey>>, AppError> {
    caller.require(Permission::Read)?;
    Ok(Json(
        state
            .store
            .list_surveys(q.year)
            .await
            .map_err(AppError::store)?,
    ))
}

/// A survey's report: its samples, their results, and the nonconforming ones.
#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct SurveyReport {
    #[serde(flatten)]
    pub survey: Survey,
    pub samples: Vec<Sample>,
    pub tests: Vec<SampleTest>,
    pub samples_tested: usize,
    pub nonconforming: Vec<String>,
}

async fn get_survey(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<SurveyReport>, AppError> {
    caller.require(Permission::Read)?;
    let id = parse_id("survey", &id)?;
    let survey = state
        .store
        .survey(id)
        .await
        .map_err(AppError::store)?
        .ok_or_else(|| AppError::NotFound(format!("survey {id}")))?;
    let samples = state
        .store
        .list_samples(&SampleQuery {
            survey_id: Some(id),
            page: crate::store::registry::PageRequest {
                page: 1,
                per_page: 1000,
            },
            ..SampleQuery::default()
        })
        .await
        .map_err(AppError::store)?
        .items;
    let tests = state
        .store
        .survey_tests(id)
        .await
        .map_err(AppError::store)?;
    let main: Vec<Sample> = samples
        .into_iter()
        .filter(|s| s.portion == "main")
        .collect();
    let samples_tested = main
        .iter()
        .filter(|s| s.status == "reported" || s.conformity.is_some())
        .count();
    let nonconforming = main
        .iter()
        .filter(|s| s.conformity.as_deref() == Some("does_not_conform"))
        .map(|s| s.code.clone())
        .collect();
    Ok(Json(SurveyReport {
        survey,
        samples: main,
        tests,
        samples_tested,
        nonconforming,
    }))
}

/// A result as entered: the replicates typed, or the readings they came from.
#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ResultInput {
    /// Replicate values as typed ("94,8"); omitted when `reading_ids` are given.
    #[serde(default)]
    pub replicates: Vec<String>,
    /// Readings from a bridge device channel (e.g. a balance), used as the replicates.
    #[serde(default)]
    pub reading_ids: Vec<Uuid>,
}

async fn enter_result(
    State(state): State<AppState>,
    caller: Caller,
    Path((id, test)): Path<(String, String)>,
    J(input): J<ResultInput>,
) -> Result<Json<SampleView>, AppError> {
    caller.require(Permission::Laboratory)?;
    let id = parse_id("sample", &id)?;
    let test_id = parse_id("test", &test)?;
    let mut replicates = input.replicates.clone();
    let mut readings_units: Vec<(usize, String)> = Vec::new();
    if !input.reading_ids.is_empty() {
        if !replicates.is_empty() {
            return Err(AppError::Invalid(one_problem(
                "replicates",
                "give replicates or reading_ids, not both",
            )));
        }
        for (i, r) in input.reading_ids.iter().enumerate() {
            let reading = state
                .store
                .reading(*r)
                .await
                .map_err(AppError::store)?
                .ok_or_else(|| {
                    AppError::Invalid(one_problem(
                        &format!("reading_ids[{i}]"),
                        format!("no reading {r}"),
                    ))
                })?;
            if !reading.stable {
                return Err(AppError::Invalid(one_problem(
                    &format!("reading_ids[{i}]"),
                    "the reading was not stable",
                )));
            }
            readings_units.push((i, reading.unit.clone()));
            replicates.push(reading.value_text);
        }
    }
    let actor = caller.actor();
    let username = caller.user.username.clone();
    let elevated = matches!(
        caller.role,
        crate::store::users::Role::Reviewer | crate::store::users::Role::QualityManager
    );
    let reading_ids = input.reading_ids.clone();
    let (s, tests, _) = state
        .store
        .update_sample(&caller.actor(), id, None, move |s, tests, _| {
            if !matches!(s.status.as_str(), "received" | "testing") {
                return Err(StoreError::State(format!(
                    "{} is {}: results can no longer be entered",
                    s.code, s.status
                )));
            }
            let sample = s.clone();
            let Some(t) = tests.iter_mut().find(|t| t.sample_test_id == test_id) else {
                return Err(StoreError::NotFound(format!(
                    "test {test_id} of sample {}",
                    s.code
                )));
            };
            if !t.analyst.is_empty() && t.analyst != username && !elevated {
                return Err(StoreError::State(format!(
                    "this test is assigned to {}",
                    t.analyst
                )));
            }
            // A reading must be in the method's unit (no silent conversion of a result).
            let method_unit = calibration_profiles::lims::Methods::shipped()
                .get(&t.method_id)
                .map(|m| m.unit.clone())
                .unwrap_or_default();
            for (i, unit) in &readings_units {
                let same = unit == &method_unit || (method_unit == "1" && unit.is_empty());
                if !same {
                    return Err(StoreError::Invalid(one_problem(
                        &format!("reading_ids[{i}]"),
                        format!(
                            "the reading is in `{unit}` but {} reports in `{method_unit}`",
                            t.method_id
                        ),
                    )));
                }
            }
            sample::record_result(&sample, t, &replicates, &reading_ids, today(), &actor)
                .map_err(StoreError::Invalid)?;
            if t.analyst.is_empty() {
                t.analyst.clone_from(&username);
            }
            s.status = "testing".into();
            Ok(SampleEffects::default())
        })
        .await
        .map_err(AppError::store)?;
    Ok(Json(sample_view(&state, s, tests).await?))
}

fn one_problem(field: &str, message: impl Into<String>) -> Problems {
    let mut p = Problems::default();
    p.at(field, message);
    p
}

async fn submit(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<SampleView>, AppError> {
    caller.require(Permission::Laboratory)?;
    let id = parse_id("sample", &id)?;
    let (s, tests, _) = state
        .store
        .update_sample(&caller.actor(), id, None, |s, tests, _| {
            if s.status != "testing" {
                return Err(StoreError::State(format!(
                    "{} is {}: only a sample under test is submitted",
                    s.code, s.status
                )));
            }
            let missing: Vec<String> = tests
                .iter()
                .filter(|t| t.status != "resulted")
                .map(|t| format!("{} ({})", t.characteristic, t.method_id))
                .collect();
            if tests.is_empty() || !missing.is_empty() {
                return Err(StoreError::State(format!(
                    "results are missing: {}",
                    if missing.is_empty() {
                        "no test".into()
                    } else {
                        missing.join(", ")
                    }
                )));
            }
            s.status = "submitted".into();
            s.review_comment = None;
            Ok(SampleEffects::default())
        })
        .await
        .map_err(AppError::store)?;
    Ok(Json(sample_view(&state, s, tests).await?))
}

#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ReturnInput {
    pub comment: String,
}

async fn return_sample(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    J(input): J<ReturnInput>,
) -> Result<Json<SampleView>, AppError> {
    caller.require(Permission::Review)?;
    let id = parse_id("sample", &id)?;
    if input.comment.trim().is_empty() {
        return Err(AppError::Invalid(one_problem(
            "comment",
            "say what must be redone",
        )));
    }
    let (s, tests, _) = state
        .store
        .update_sample(&caller.actor(), id, None, move |s, _, _| {
            if s.status != "submitted" {
                return Err(StoreError::State(format!(
                    "{} is {}: only a submitted sample is returned",
                    s.code, s.status
                )));
            }
            s.status = "testing".into();
            s.review_comment = Some(input.comment.trim().to_owned());
            Ok(SampleEffects {
                reason: s.review_comment.clone(),
                ..SampleEffects::default()
            })
        })
        .await
        .map_err(AppError::store)?;
    Ok(Json(sample_view(&state, s, tests).await?))
}

async fn approve(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    J(input): J<super::certificates::SignInput>,
) -> Result<Json<SampleView>, AppError> {
    caller.require(Permission::Review)?;
    super::session::reauthenticate(&state, &caller, &input.password)?;
    let ring = state.signer.clone().ok_or_else(|| {
        AppError::Conflict("this server has no signing key: it cannot issue reports".into())
    })?;
    let id = parse_id("sample", &id)?;
    // The analysts' full names for the signature blocks.
    let (_, current) = load(&state, &id.to_string()).await?;
    let mut analysts = Vec::new();
    for t in &current {
        if let Some(u) = state
            .store
            .user_by_username(&t.analyst)
            .await
            .map_err(AppError::store)?
            && !analysts.contains(&u.full_name)
        {
            analysts.push(u.full_name);
        }
    }
    let username = caller.user.username.clone();
    let actor = caller.actor();
    let name = caller.user.full_name.clone();
    let lab = state.settings.lab.clone();
    let pattern = state.settings.certificates.test_report_number.clone();
    let public_url = state.settings.public_url.clone();
    let day = today();
    let (s, tests, _) = state
        .store
        .update_sample(
            &caller.actor(),
            id,
            Some(("test_report", day.year())),
            move |s, tests, seq| {
                if s.status != "submitted" {
                    return Err(StoreError::State(format!(
                        "{} is {}: only a submitted sample is approved",
                        s.code, s.status
                    )));
                }
                if tests.iter().any(|t| t.analyst == username) {
                    return Err(StoreError::State(
                        "a result of this sample is your own work: another reviewer approves it"
                            .into(),
                    ));
                }
                let number = crate::config::format_number(&pattern, day.year(), seq.unwrap_or(0))
                    .map_err(StoreError::State)?;
                let (token, url) = crate::records::new_public_link(&public_url);
                s.status = "reported".into();
                s.reported_on = Some(day);
                s.conformity = Some(sample::overall(tests).to_owned());
                let doc = sample::report(s, tests, &lab, number, day, url, &analysts, &name, None);
                let record = crate::records::seal(
                    &ring,
                    &doc,
                    &token,
                    ("sample", s.sample_id),
                    &actor,
                    None,
                    0,
                )
                .map_err(StoreError::State)?;
                Ok(SampleEffects {
                    record: Some(record),
                    ..SampleEffects::default()
                })
            },
        )
        .await
        .map_err(AppError::store)?;
    Ok(Json(sample_view(&state, s, tests).await?))
}
