//! `/api/v1/receipts`, `/api/v1/procedures`, `/api/v1/runs`: the bench work flow from the
//! receipt of an instrument to an approved run (signing lives in `certificates`).

use std::collections::BTreeMap;

use axum::Json;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use axum::routing::{get, post, put};
use calibration_profiles::problems::Problems;
use calibration_profiles::profile::ProcedureProfile;
use calibration_profiles::profile::procedure::StepKind;
use calibration_profiles::run::{self as engine, RunEvaluation, Service};
use chrono::Utc;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::registry::{page_request, parse_id};
use super::session::{Caller, Permission};
use super::{AppError, AppState, J, Q};
use crate::bench::{
    CAPTURE_WINDOW_SECONDS, DeviceChannel, EnvironmentValue, Evaluated, ReferenceInput, RunData,
    Setup, StepRecord, check_standards, evaluate, procedure_of, standards_in_use, to_unit,
};
use crate::store::bench::{
    NewRunReading, Receipt, ReceiptInput, Run, RunEvent, RunPatch, RunQuery, RunReading,
    Transition, check_reason, status,
};
use crate::store::registry::Page;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/receipts", get(list_receipts).post(create_receipt))
        .route("/api/v1/receipts/{id}", get(get_receipt))
        .route("/api/v1/procedures", get(list_procedures))
        .route("/api/v1/procedures/{id}", get(get_procedure))
        .route("/api/v1/runs", get(list_runs))
        .route("/api/v1/runs/{id}", get(get_run))
        .route("/api/v1/runs/{id}/setup", put(put_setup))
        .route("/api/v1/runs/{id}/environment", put(put_environment))
        .route("/api/v1/runs/{id}/steps/{step}", post(post_step))
        .route("/api/v1/runs/{id}/points/{point}/capture", post(capture))
        .route("/api/v1/runs/{id}/points/{point}/manual", post(manual))
        .route("/api/v1/runs/{id}/values/{value}/discard", post(discard))
        .route("/api/v1/runs/{id}/chart.svg", get(chart))
        .route("/api/v1/runs/{id}/submit", post(submit))
        .route("/api/v1/runs/{id}/return", post(return_run))
        .route("/api/v1/runs/{id}/approve", post(approve))
        .route("/api/v1/runs/{id}/cancel", post(cancel))
}

fn today() -> chrono::NaiveDate {
    crate::web::i18n::today()
}

fn invalid(field: &str, message: impl Into<String>) -> AppError {
    let mut p = Problems::default();
    p.at(field, message);
    AppError::Invalid(p)
}

/// A receipt with its runs.
#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct ReceiptView {
    #[serde(flatten)]
    pub receipt: Receipt,
    pub runs: Vec<Run>,
}

async fn create_receipt(
    State(state): State<AppState>,
    caller: Caller,
    J(input): J<ReceiptInput>,
) -> Result<(StatusCode, Json<ReceiptView>), AppError> {
    caller.require(Permission::Bench)?;
    let day = today();
    input.validate(day).map_err(AppError::Invalid)?;
    let pattern = state.settings.certificates.receipt_number.clone();
    let (receipt, runs) = state
        .store
        .create_receipt(&caller.actor(), &input, day, move |year, seq| {
            crate::config::format_number(&pattern, year, seq)
                .unwrap_or_else(|_| format!("{seq}/{year}"))
        })
        .await
        .map_err(AppError::store)?;
    Ok((StatusCode::CREATED, Json(ReceiptView { receipt, runs })))
}

#[derive(Debug, Default, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ReceiptListParams {
    pub organisation_id: Option<Uuid>,
    pub page: Option<i64>,
    pub per_page: Option<i64>,
}

async fn list_receipts(
    State(state): State<AppState>,
    caller: Caller,
    Q(p): Q<ReceiptListParams>,
) -> Result<Json<Page<Receipt>>, AppError> {
    caller.require(Permission::Read)?;
    Ok(Json(
        state
            .store
            .list_receipts(p.organisation_id, page_request(p.page, p.per_page))
            .await
            .map_err(AppError::store)?,
    ))
}

async fn get_receipt(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<ReceiptView>, AppError> {
    caller.require(Permission::Read)?;
    let id = parse_id("receipt", &id)?;
    let receipt = state
        .store
        .receipt(id)
        .await
        .map_err(AppError::store)?
        .ok_or_else(|| AppError::NotFound(format!("receipt {id}")))?;
    let runs = state
        .store
        .list_runs(&RunQuery {
            receipt_id: Some(id),
            page: page_request(Some(1), Some(500)),
            ..RunQuery::default()
        })
        .await
        .map_err(AppError::store)?
        .items;
    Ok(Json(ReceiptView { receipt, runs }))
}

/// A procedure in a list.
#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct ProcedureSummary {
    pub id: String,
    pub revision: u32,
    pub document: String,
    pub title_vi: String,
    pub title_en: String,
    pub categories: Vec<String>,
    /// Instrument parameters the technician gives (`max`, `e`, `d`, `class` …).
    pub requires: Vec<String>,
    pub unit: String,
}

impl ProcedureSummary {
    fn of(p: &ProcedureProfile) -> Self {
        Self {
            id: p.id.clone(),
            revision: p.revision,
            document: p.document.clone(),
            title_vi: p.title.vi.clone(),
            title_en: p.title.en.clone(),
            categories: p.categories.clone(),
            requires: p.requires.clone(),
            unit: p.unit.symbol().to_owned(),
        }
    }
}

#[derive(Debug, Default, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ProcedureParams {
    /// Only procedures for this instrument category.
    pub category: Option<String>,
    /// Only procedures for this service (`initial`, `periodic`, `after_repair`, `calibration`).
    pub service: Option<Service>,
}

async fn list_procedures(
    caller: Caller,
    Q(p): Q<ProcedureParams>,
) -> Result<Json<Vec<ProcedureSummary>>, AppError> {
    caller.require(Permission::Read)?;
    let list: Vec<ProcedureSummary> = match (&p.category, p.service) {
        (Some(c), Some(s)) => engine::procedures_for(c, s)
            .into_iter()
            .map(ProcedureSummary::of)
            .collect(),
        _ => engine::shipped_procedures()
            .iter()
            .filter(|pr| {
                p.category
                    .as_ref()
                    .is_none_or(|c| pr.categories.iter().any(|x| x == c))
            })
            .filter(|pr| {
                p.service.is_none_or(|s| {
                    pr.categories
                        .iter()
                        .any(|c| engine::procedures_for(c, s).iter().any(|q| q.id == pr.id))
                })
            })
            .map(ProcedureSummary::of)
            .collect(),
    };
    Ok(Json(list))
}

async fn get_procedure(
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<serde_json::Value>, AppError> {
    caller.require(Permission::Read)?;
    let p =
        engine::procedure(&id).ok_or_else(|| AppError::NotFound(format!("procedure `{id}`")))?;
    Ok(Json(
        serde_json::to_value(p).map_err(|e| AppError::Internal(e.into()))?,
    ))
}

#[derive(Debug, Default, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RunListParams {
    pub status: Option<String>,
    pub instrument_id: Option<Uuid>,
    pub receipt_id: Option<Uuid>,
    pub page: Option<i64>,
    pub per_page: Option<i64>,
}

async fn list_runs(
    State(state): State<AppState>,
    caller: Caller,
    Q(p): Q<RunListParams>,
) -> Result<Json<Page<Run>>, AppError> {
    caller.require(Permission::Read)?;
    if let Some(s) = &p.status {
        let all = [
            status::RECEIVED,
            status::IN_PROGRESS,
            status::SUBMITTED,
            status::RETURNED,
            status::APPROVED,
            status::ISSUED,
            status::CANCELLED,
        ];
        if !all.contains(&s.as_str()) {
            return Err(invalid(
                "status",
                format!("`{s}` is not one of {}", all.join(", ")),
            ));
        }
    }
    Ok(Json(
        state
            .store
            .list_runs(&RunQuery {
                status: p.status,
                instrument_id: p.instrument_id,
                receipt_id: p.receipt_id,
                page: page_request(p.page, p.per_page),
            })
            .await
            .map_err(AppError::store)?,
    ))
}

/// A point of the procedure with its values.
#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct PointView {
    pub point_id: String,
    pub step: Option<String>,
    pub title_vi: Option<String>,
    pub title_en: Option<String>,
    /// Nominal value in the procedure's unit, when the parameters allow it.
    pub nominal: Option<f64>,
    pub repeats: u32,
    pub values: Vec<RunReading>,
}

/// A qualitative step and what was recorded for it.
#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct StepView {
    pub step_id: String,
    pub kind: String,
    pub title_vi: String,
    pub title_en: String,
    pub checks: Vec<(String, String)>,
    pub record: Option<StepRecord>,
}

/// An environmental condition against the procedure's limits.
#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct EnvironmentCheck {
    pub quantity: String,
    pub value: Option<f64>,
    pub unit: Option<String>,
    pub min: Option<String>,
    pub max: Option<String>,
    /// `None` when not recorded.
    pub within: Option<bool>,
}

/// A run as the bench page and the reviewer see it: the stored run, what was picked, the
/// procedure's steps and points with their values, and the evaluation as it stands.
#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct RunView {
    #[serde(flatten)]
    pub run: Run,
    pub params: BTreeMap<String, String>,
    pub setup: Setup,
    pub environment: Vec<EnvironmentValue>,
    pub environment_checks: Vec<EnvironmentCheck>,
    pub procedure: Option<ProcedureSummary>,
    pub steps: Vec<StepView>,
    pub points: Vec<PointView>,
    /// Problems with the instrument parameters (fix them in the setup).
    pub param_problems: Vec<(String, String)>,
    pub evaluation: Option<RunEvaluation>,
    pub as_left: Option<RunEvaluation>,
    pub events: Vec<RunEvent>,
}

/// Loads a run and builds its view (evaluated now, or as frozen at submission).
pub(crate) async fn run_view(state: &AppState, id: Uuid) -> Result<RunView, AppError> {
    let run = state
        .store
        .run(id)
        .await
        .map_err(AppError::store)?
        .ok_or_else(|| AppError::NotFound(format!("run {id}")))?;
    let data = RunData::of(&run)?;
    let values = state
        .store
        .run_readings(id)
        .await
        .map_err(AppError::store)?;
    let events = state.store.run_events(id).await.map_err(AppError::store)?;
    let mut view = RunView {
        params: data.params.clone(),
        setup: data.setup.clone(),
        environment: data.environment.clone(),
        environment_checks: Vec::new(),
        procedure: None,
        steps: Vec::new(),
        points: Vec::new(),
        param_problems: Vec::new(),
        evaluation: None,
        as_left: None,
        events,
        run,
    };
    let Ok(profile) = procedure_of(&view.run) else {
        return Ok(view);
    };
    view.procedure = Some(ProcedureSummary::of(profile));
    let standards = standards_in_use(&state.store, &data.setup).await?;
    let evaluated = evaluate(profile, &data, &values, &standards);
    let parsed = engine::check_params(profile, &engine::Params(data.params.clone())).ok();
    view.steps = profile
        .steps
        .iter()
        .map(|s| StepView {
            step_id: s.id.clone(),
            kind: step_kind(s.kind).to_owned(),
            title_vi: s.title.vi.clone(),
            title_en: s.title.en.clone(),
            checks: s
                .checks
                .iter()
                .map(|c| (c.id.clone(), c.title.vi.clone()))
                .collect(),
            record: data.checks.get(&s.id).cloned(),
        })
        .collect();
    view.points = profile
        .points
        .iter()
        .map(|p| PointView {
            point_id: p.id.clone(),
            step: p.step.clone(),
            title_vi: p.title.as_ref().map(|t| t.vi.clone()),
            title_en: p.title.as_ref().map(|t| t.en.clone()),
            nominal: parsed
                .as_ref()
                .and_then(|pp| engine::nominal(profile, p, pp).ok()),
            repeats: p.repeats,
            values: values
                .iter()
                .filter(|v| v.point_id == p.id)
                .cloned()
                .collect(),
        })
        .collect();
    view.environment_checks = environment_checks(profile, &data.environment);
    if let Some(problems) = &evaluated.params {
        view.param_problems = problems
            .iter()
            .map(|p| (p.path.clone(), p.message.clone()))
            .collect();
    }
    // A submitted run shows what was submitted, not a recomputation.
    if let Some(frozen) = view
        .run
        .evaluation
        .as_deref()
        .filter(|_| !view.run.editable())
        && let Ok(f) = serde_json::from_str::<FrozenEvaluation>(frozen)
    {
        view.evaluation = Some(f.as_found);
        view.as_left = f.as_left;
        return Ok(view);
    }
    view.evaluation = Some(evaluated.as_found);
    view.as_left = evaluated.as_left;
    Ok(view)
}

fn step_kind(k: StepKind) -> &'static str {
    match k {
        StepKind::ExternalCheck => "external_check",
        StepKind::TechnicalCheck => "technical_check",
        StepKind::MetrologicalCheck => "metrological_check",
    }
}

/// The evaluation frozen at submission (with the engine version inside each part).
#[derive(Debug, Serialize, Deserialize)]
pub(crate) struct FrozenEvaluation {
    pub as_found: RunEvaluation,
    pub as_left: Option<RunEvaluation>,
}

fn environment_checks(
    profile: &ProcedureProfile,
    env: &[EnvironmentValue],
) -> Vec<EnvironmentCheck> {
    let values: Vec<_> = env
        .iter()
        .filter_map(|e| {
            let unit = calibration_profiles::units::Unit::parse(&e.unit).ok()?;
            Some((
                unit.kind(),
                calibration_profiles::units::Quantity::new(e.value, unit),
            ))
        })
        .collect();
    let check = engine::check_environment(profile, &values);
    let mut out: Vec<EnvironmentCheck> = check
        .findings
        .iter()
        .map(|f| EnvironmentCheck {
            quantity: crate::bench::kind_name(f.quantity),
            value: Some(f.value.value),
            unit: Some(f.value.unit.symbol().to_owned()),
            min: f.min.as_ref().map(ToString::to_string),
            max: f.max.as_ref().map(ToString::to_string),
            within: Some(f.within),
        })
        .collect();
    for c in &profile.environment {
        let name = crate::bench::kind_name(c.quantity);
        if !out.iter().any(|e| e.quantity == name) {
            out.push(EnvironmentCheck {
                quantity: name,
                value: None,
                unit: None,
                min: c.min.as_ref().map(ToString::to_string),
                max: c.max.as_ref().map(ToString::to_string),
                within: None,
            });
        }
    }
    out
}

async fn get_run(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<RunView>, AppError> {
    caller.require(Permission::Read)?;
    let id = parse_id("run", &id)?;
    Ok(Json(run_view(&state, id).await?))
}

/// What the technician picks for a run.
#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SetupInput {
    pub procedure_id: String,
    /// Instrument parameters the procedure requires (`max`, `e`, `d`, `class` …), e.g.
    /// `{"max": "220 g", "e": "1 mg", "d": "0.1 mg", "class": "I"}`.
    #[serde(default)]
    pub params: BTreeMap<String, String>,
    #[serde(default)]
    pub standards: Vec<Uuid>,
    #[serde(default)]
    pub devices: Vec<DeviceChannel>,
    #[serde(default)]
    pub place: Option<String>,
    #[serde(default)]
    pub references: BTreeMap<String, ReferenceInput>,
    /// Verification stamp (tem) to be affixed when the instrument passes.
    #[serde(default)]
    pub stamp_number: Option<String>,
}

async fn load_run(state: &AppState, id: &str) -> Result<Run, AppError> {
    let id = parse_id("run", id)?;
    state
        .store
        .run(id)
        .await
        .map_err(AppError::store)?
        .ok_or_else(|| AppError::NotFound(format!("run {id}")))
}

async fn put_setup(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    J(input): J<SetupInput>,
) -> Result<Json<RunView>, AppError> {
    caller.require(Permission::Bench)?;
    let run = load_run(&state, &id).await?;
    let mut problems = Problems::default();
    let service = match run.service.as_str() {
        "initial" => Service::Initial,
        "periodic" => Service::Periodic,
        "after_repair" => Service::AfterRepair,
        _ => Service::Calibration,
    };
    let profile = engine::procedure(&input.procedure_id);
    match profile {
        None => problems.at(
            "procedure_id",
            format!("`{}` is not a procedure of this server", input.procedure_id),
        ),
        Some(p) => {
            if !engine::procedures_for(&run.category, service)
                .iter()
                .any(|q| q.id == p.id)
            {
                problems.at(
                    "procedure_id",
                    format!(
                        "`{}` does not apply to a {} of category `{}`",
                        p.id, run.service, run.category
                    ),
                );
            } else if let Err(ps) = engine::check_params(p, &engine::Params(input.params.clone())) {
                for q in ps.iter() {
                    problems.at(q.path.clone(), q.message.clone());
                }
            }
            for point in input.references.keys() {
                if !p.points.iter().any(|x| &x.id == point) {
                    problems.at(
                        format!("references.{point}"),
                        format!("the procedure has no point `{point}`"),
                    );
                }
            }
        }
    }
    for (point, r) in &input.references {
        if !r.value.is_finite() {
            problems.at(format!("references.{point}.value"), "must be a number");
        }
        if !(r.expanded_uncertainty >= 0.0) || !r.expanded_uncertainty.is_finite() {
            problems.at(
                format!("references.{point}.expanded_uncertainty"),
                "must be zero or more",
            );
        }
        if r.k.is_some_and(|k| !(k > 0.0)) {
            problems.at(format!("references.{point}.k"), "must be more than zero");
        }
    }
    for (i, d) in input.devices.iter().enumerate() {
        if state
            .store
            .device(&d.device_id)
            .await
            .map_err(AppError::store)?
            .is_none()
        {
            problems.at(
                format!("devices[{i}].device_id"),
                format!("no bridge has reported a device `{}`", d.device_id),
            );
        }
    }
    if input
        .place
        .as_ref()
        .is_some_and(|p| p.chars().count() > 300)
    {
        problems.at("place", "at most 300 characters");
    }
    if input
        .stamp_number
        .as_ref()
        .is_some_and(|p| p.chars().count() > 50)
    {
        problems.at("stamp_number", "at most 50 characters");
    }
    if !problems.is_empty() {
        return Err(AppError::Invalid(problems));
    }
    let profile = profile.ok_or_else(|| invalid("procedure_id", "unknown"))?;
    let picked = check_standards(&state.store, &input.standards, today()).await?;
    let setup = Setup {
        standards: picked,
        devices: input.devices,
        place: input.place.filter(|p| !p.trim().is_empty()),
        references: input.references,
    };
    let patch = RunPatch {
        procedure: Some((
            profile.id.clone(),
            i32::try_from(profile.revision).unwrap_or(i32::MAX),
        )),
        params: Some(
            serde_json::to_string(&input.params).map_err(|e| AppError::Internal(e.into()))?,
        ),
        setup: Some(serde_json::to_string(&setup).map_err(|e| AppError::Internal(e.into()))?),
        stamp_number: Some(input.stamp_number.filter(|s| !s.trim().is_empty())),
        ..RunPatch::default()
    };
    state
        .store
        .patch_run(&caller.actor(), run.run_id, &patch)
        .await
        .map_err(AppError::store)?;
    Ok(Json(run_view(&state, run.run_id).await?))
}

/// The environmental conditions of a run.
#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct EnvironmentInput {
    pub values: Vec<EnvironmentValue>,
}

async fn put_environment(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    J(input): J<EnvironmentInput>,
) -> Result<Json<RunView>, AppError> {
    caller.require(Permission::Bench)?;
    let run = load_run(&state, &id).await?;
    let mut problems = Problems::default();
    for (i, v) in input.values.iter().enumerate() {
        if !v.value.is_finite() {
            problems.at(format!("values[{i}].value"), "must be a number");
        }
        match calibration_profiles::units::Unit::parse(&v.unit) {
            Err(e) => problems.at(format!("values[{i}].unit"), e.to_string()),
            Ok(u) => {
                let kind = crate::bench::kind_name(u.kind());
                if kind != v.quantity {
                    problems.at(
                        format!("values[{i}].quantity"),
                        format!(
                            "`{}` does not match the unit {} ({kind})",
                            v.quantity, v.unit
                        ),
                    );
                }
            }
        }
        if let Some(rid) = v.reading_id
            && state
                .store
                .reading(rid)
                .await
                .map_err(AppError::store)?
                .is_none()
        {
            problems.at(
                format!("values[{i}].reading_id"),
                format!("no reading {rid}"),
            );
        }
    }
    if !problems.is_empty() {
        return Err(AppError::Invalid(problems));
    }
    let patch = RunPatch {
        environment: Some(
            serde_json::to_string(&input.values).map_err(|e| AppError::Internal(e.into()))?,
        ),
        ..RunPatch::default()
    };
    state
        .store
        .patch_run(&caller.actor(), run.run_id, &patch)
        .await
        .map_err(AppError::store)?;
    Ok(Json(run_view(&state, run.run_id).await?))
}

/// The outcome of an external or technical check.
#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct StepInput {
    pub passed: bool,
    /// What was found; required when the step failed.
    #[serde(default)]
    pub note: String,
    /// Each check of the step (by id): passed or not.
    #[serde(default)]
    pub items: BTreeMap<String, bool>,
}

async fn post_step(
    State(state): State<AppState>,
    caller: Caller,
    Path((id, step)): Path<(String, String)>,
    J(input): J<StepInput>,
) -> Result<Json<RunView>, AppError> {
    caller.require(Permission::Bench)?;
    let run = load_run(&state, &id).await?;
    let profile = procedure_of(&run)?;
    let s = profile
        .steps
        .iter()
        .find(|s| s.id == step)
        .ok_or_else(|| AppError::NotFound(format!("step `{step}` of {}", profile.id)))?;
    if s.kind == StepKind::MetrologicalCheck {
        return Err(AppError::Conflict(format!(
            "step `{step}` is measured: its outcome comes from the points"
        )));
    }
    let mut problems = Problems::default();
    for (k, ok) in &input.items {
        if !s.checks.iter().any(|c| &c.id == k) {
            problems.at(
                format!("items.{k}"),
                format!("step `{step}` has no check `{k}`"),
            );
        }
        if !ok && input.passed {
            problems.at(
                "passed",
                format!("check `{k}` failed: the step cannot pass"),
            );
        }
    }
    if !input.passed && input.note.trim().is_empty() {
        problems.at("note", "say what was found when a step fails");
    }
    if input.note.chars().count() > 2000 {
        problems.at("note", "at most 2000 characters");
    }
    if !problems.is_empty() {
        return Err(AppError::Invalid(problems));
    }
    // The first failed step ends a verification (ĐLVN): later steps cannot be recorded.
    if run.is_verification()
        && let Some(stopped) = &run.stopped_step
        && stopped != &step
    {
        return Err(AppError::Conflict(format!(
            "the verification was stopped at step `{stopped}`"
        )));
    }
    let mut data = RunData::of(&run)?;
    data.checks.insert(
        step.clone(),
        StepRecord {
            passed: input.passed,
            note: input.note.trim().to_owned(),
            items: input.items,
            by: caller.user.username.clone(),
            at: Utc::now(),
        },
    );
    let stop = if run.is_verification() {
        Some((!input.passed).then(|| (step.clone(), input.note.trim().to_owned())))
    } else {
        None
    };
    let patch = RunPatch {
        checks: Some(
            serde_json::to_string(&data.checks).map_err(|e| AppError::Internal(e.into()))?,
        ),
        stop,
        ..RunPatch::default()
    };
    state
        .store
        .patch_run(&caller.actor(), run.run_id, &patch)
        .await
        .map_err(AppError::store)?;
    Ok(Json(run_view(&state, run.run_id).await?))
}

/// Capture the latest stable reading of a device for a point.
#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CaptureInput {
    pub device_id: String,
    #[serde(default)]
    pub channel: Option<String>,
    /// The reading the person saw (its id); absent: the latest stable one.
    #[serde(default)]
    pub reading_id: Option<Uuid>,
    /// `as_found` (default) or `as_left`.
    #[serde(default)]
    pub phase: Option<String>,
}

fn check_point<'a>(
    profile: &'a ProcedureProfile,
    point: &str,
) -> Result<&'a calibration_profiles::profile::procedure::Point, AppError> {
    profile
        .points
        .iter()
        .find(|p| p.id == point)
        .ok_or_else(|| AppError::NotFound(format!("point `{point}` of {}", profile.id)))
}

fn check_phase(run: &Run, phase: Option<&str>) -> Result<String, AppError> {
    let phase = phase.unwrap_or("as_found");
    match phase {
        "as_found" => Ok(phase.to_owned()),
        "as_left" if !run.is_verification() => Ok(phase.to_owned()),
        "as_left" => Err(invalid(
            "phase",
            "a verification has no as-left values (adjustment is a calibration service)",
        )),
        other => Err(invalid(
            "phase",
            format!("`{other}` is not as_found or as_left"),
        )),
    }
}

/// Refuses a new value when a verification already failed or the point has all its repeats.
async fn check_capture_allowed(
    state: &AppState,
    run: &Run,
    profile: &ProcedureProfile,
    point: &calibration_profiles::profile::procedure::Point,
    phase: &str,
) -> Result<(), AppError> {
    let values = state
        .store
        .run_readings(run.run_id)
        .await
        .map_err(AppError::store)?;
    let taken = values
        .iter()
        .filter(|v| v.point_id == point.id && v.phase == phase && v.discarded_at.is_none())
        .count();
    if taken >= usize::try_from(point.repeats).unwrap_or(usize::MAX) {
        return Err(AppError::Conflict(format!(
            "point `{}` has its {} value(s): discard one to take it again",
            point.id, point.repeats
        )));
    }
    if run.is_verification() {
        let data = RunData::of(run)?;
        let standards = standards_in_use(&state.store, &data.setup).await?;
        let evaluated = evaluate(profile, &data, &values, &standards);
        if let Some(failed) = first_failed_point(&evaluated) {
            return Err(AppError::Conflict(format!(
                "point `{failed}` failed: the verification ends at the first failed step (discard the value if it was taken in error)"
            )));
        }
    }
    Ok(())
}

fn first_failed_point(e: &Evaluated) -> Option<String> {
    e.as_found
        .points
        .iter()
        .find(|p| {
            matches!(
                p.outcome,
                Some(calibration_profiles::conformity::Outcome::Fail)
            )
        })
        .map(|p| p.point_id.clone())
}

#[allow(clippy::single_match_else)] // two ways to pick the reading, side by side
async fn capture(
    State(state): State<AppState>,
    caller: Caller,
    Path((id, point)): Path<(String, String)>,
    J(input): J<CaptureInput>,
) -> Result<(StatusCode, Json<RunReading>), AppError> {
    caller.require(Permission::Bench)?;
    let run = load_run(&state, &id).await?;
    let profile = procedure_of(&run)?;
    let p = check_point(profile, &point)?;
    let phase = check_phase(&run, input.phase.as_deref())?;
    let data = RunData::of(&run)?;
    if !data
        .setup
        .devices
        .iter()
        .any(|d| d.device_id == input.device_id)
    {
        return Err(invalid(
            "device_id",
            format!(
                "`{}` is not one of the run's devices: pick it in the setup",
                input.device_id
            ),
        ));
    }
    check_capture_allowed(&state, &run, profile, p, &phase).await?;
    let reading = match input.reading_id {
        Some(rid) => {
            let r = state
                .store
                .reading(rid)
                .await
                .map_err(AppError::store)?
                .ok_or_else(|| invalid("reading_id", format!("no reading {rid}")))?;
            if r.device_id != input.device_id {
                return Err(invalid(
                    "reading_id",
                    format!(
                        "reading {rid} is from `{}`, not `{}`",
                        r.device_id, input.device_id
                    ),
                ));
            }
            if !r.stable {
                return Err(AppError::Conflict(format!(
                    "reading {rid} is not stable: wait for a stable reading"
                )));
            }
            r
        }
        None => {
            let latest = state
                .store
                .latest_readings(&input.device_id, 50)
                .await
                .map_err(AppError::store)?;
            let latest: Vec<_> = latest
                .into_iter()
                .filter(|r| input.channel.as_ref().is_none_or(|c| &r.channel == c))
                .collect();
            let newest = latest.first().ok_or_else(|| {
                AppError::Conflict(format!("device `{}` has sent no reading", input.device_id))
            })?;
            if !newest.stable {
                return Err(AppError::Conflict(format!(
                    "the latest reading of `{}` ({} {}) is not stable: wait for the indication to settle",
                    input.device_id, newest.value_text, newest.unit
                )));
            }
            let age = Utc::now() - newest.captured_at;
            if age.num_seconds() > CAPTURE_WINDOW_SECONDS {
                return Err(AppError::Conflict(format!(
                    "the latest reading of `{}` is {} s old: is the device still sending?",
                    input.device_id,
                    age.num_seconds()
                )));
            }
            newest.clone()
        }
    };
    let value =
        to_unit(reading.value, &reading.unit, profile.unit).map_err(|m| invalid("device_id", m))?;
    let stored = state
        .store
        .add_run_reading(
            &caller.actor(),
            run.run_id,
            &NewRunReading {
                point_id: p.id.clone(),
                phase,
                value,
                value_text: format!("{} {}", reading.value_text, reading.unit),
                unit: profile.unit.symbol().to_owned(),
                reading_id: Some(reading.reading_id),
                manual_reason: None,
            },
        )
        .await
        .map_err(AppError::store)?;
    Ok((StatusCode::CREATED, Json(stored)))
}

/// A value typed in, with the reason it was not captured.
#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ManualInput {
    pub value: f64,
    /// Unit of `value`; default: the procedure's unit.
    #[serde(default)]
    pub unit: Option<String>,
    pub reason: String,
    #[serde(default)]
    pub phase: Option<String>,
}

async fn manual(
    State(state): State<AppState>,
    caller: Caller,
    Path((id, point)): Path<(String, String)>,
    J(input): J<ManualInput>,
) -> Result<(StatusCode, Json<RunReading>), AppError> {
    caller.require(Permission::Bench)?;
    let run = load_run(&state, &id).await?;
    let profile = procedure_of(&run)?;
    let p = check_point(profile, &point)?;
    let phase = check_phase(&run, input.phase.as_deref())?;
    check_reason("reason", &input.reason).map_err(AppError::Invalid)?;
    if !input.value.is_finite() {
        return Err(invalid("value", "must be a number"));
    }
    let unit = input
        .unit
        .clone()
        .unwrap_or_else(|| profile.unit.symbol().to_owned());
    let value = to_unit(input.value, &unit, profile.unit).map_err(|m| invalid("unit", m))?;
    check_capture_allowed(&state, &run, profile, p, &phase).await?;
    let stored = state
        .store
        .add_run_reading(
            &caller.actor(),
            run.run_id,
            &NewRunReading {
                point_id: p.id.clone(),
                phase,
                value,
                value_text: format!("{} {unit}", input.value),
                unit: profile.unit.symbol().to_owned(),
                reading_id: None,
                manual_reason: Some(input.reason.trim().to_owned()),
            },
        )
        .await
        .map_err(AppError::store)?;
    Ok((StatusCode::CREATED, Json(stored)))
}

#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DiscardInput {
    pub reason: String,
}

async fn discard(
    State(state): State<AppState>,
    caller: Caller,
    Path((id, value)): Path<(String, String)>,
    J(input): J<DiscardInput>,
) -> Result<Json<RunReading>, AppError> {
    caller.require(Permission::Bench)?;
    let run = load_run(&state, &id).await?;
    let value = parse_id("value", &value)?;
    check_reason("reason", &input.reason).map_err(AppError::Invalid)?;
    Ok(Json(
        state
            .store
            .discard_run_reading(&caller.actor(), run.run_id, value, input.reason.trim())
            .await
            .map_err(AppError::store)?,
    ))
}

async fn chart(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<impl IntoResponse, AppError> {
    caller.require(Permission::Read)?;
    let id = parse_id("run", &id)?;
    let view = run_view(&state, id).await?;
    let unit = view
        .procedure
        .as_ref()
        .map(|p| p.unit.clone())
        .unwrap_or_default();
    let eval = view.as_left.as_ref().or(view.evaluation.as_ref());
    let points: Vec<tdc_certificate::ChartPoint> = eval
        .map(|e| {
            e.points
                .iter()
                .filter_map(|p| {
                    p.mpe.as_ref().map(|m| tdc_certificate::ChartPoint {
                        nominal: p.nominal,
                        error: p.error,
                        mpe: m.mpe,
                        expanded_uncertainty: Some(p.expanded_uncertainty),
                    })
                })
                .collect()
        })
        .unwrap_or_default();
    let svg = tdc_certificate::chart_svg(
        &points,
        &tdc_certificate::ChartLabels::bilingual(&unit, &unit),
    );
    Ok((
        [(header::CONTENT_TYPE, "image/svg+xml; charset=utf-8")],
        svg,
    ))
}

/// A comment on a review step (required when returning a run).
#[derive(Debug, Default, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CommentInput {
    #[serde(default)]
    pub comment: String,
}

async fn submit(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    J(input): J<CommentInput>,
) -> Result<Json<RunView>, AppError> {
    caller.require(Permission::Bench)?;
    let run = load_run(&state, &id).await?;
    let profile = procedure_of(&run)?;
    let data = RunData::of(&run)?;
    let values = state
        .store
        .run_readings(run.run_id)
        .await
        .map_err(AppError::store)?;
    let standards = standards_in_use(&state.store, &data.setup).await?;
    let evaluated = evaluate(profile, &data, &values, &standards);
    let mut problems = Problems::default();
    if let Some(ps) = &evaluated.params {
        for p in ps.iter() {
            problems.at(p.path.clone(), p.message.clone());
        }
    }
    let stopped = run.stopped_step.is_some()
        || (run.is_verification() && first_failed_point(&evaluated).is_some());
    if !stopped {
        for s in &profile.steps {
            if s.kind != StepKind::MetrologicalCheck && !data.checks.contains_key(&s.id) {
                problems.at(format!("steps.{}", s.id), "not recorded yet");
            }
        }
        for m in &evaluated.as_found.missing {
            problems.at(format!("points.{m}"), "has no or too few values");
        }
        for (point, why) in &evaluated.as_found.problems {
            problems.at(format!("points.{point}"), why.clone());
        }
        if data.setup.standards.is_empty() {
            problems.at("standards", "no reference standard was picked");
        }
        for c in environment_checks(profile, &data.environment) {
            match c.within {
                None => problems.at(format!("environment.{}", c.quantity), "not recorded"),
                Some(false) => problems.at(
                    format!("environment.{}", c.quantity),
                    format!(
                        "{} {} is outside the procedure's limits ({} … {})",
                        c.value.unwrap_or_default(),
                        c.unit.unwrap_or_default(),
                        c.min.unwrap_or_default(),
                        c.max.unwrap_or_default()
                    ),
                ),
                Some(true) => {}
            }
        }
        if run.is_verification()
            && evaluated.outcome() == Some(calibration_profiles::conformity::Outcome::Pass)
            && run.stamp_number.is_none()
        {
            problems.at(
                "stamp_number",
                "a passed verification needs the stamp (tem) number",
            );
        }
    }
    // The standards must still be usable on the day the work is submitted.
    let ids: Vec<Uuid> = data
        .setup
        .standards
        .iter()
        .map(|s| s.measurement_standard_id)
        .collect();
    if let Err(AppError::Invalid(ps)) = check_standards(&state.store, &ids, today()).await {
        for p in ps.iter() {
            problems.at(p.path.clone(), p.message.clone());
        }
    }
    if run.is_verification() {
        let card_ok = caller
            .user
            .verifier_card_no
            .as_ref()
            .is_some_and(|c| !c.trim().is_empty())
            && caller
                .user
                .verifier_card_expires_on
                .is_some_and(|d| d >= today());
        if !card_ok {
            problems.at(
                "performed_by",
                format!(
                    "{} has no valid verifier card (thẻ kiểm định viên): a verification must be performed by a verifier",
                    caller.user.username
                ),
            );
        }
    }
    if !problems.is_empty() {
        return Err(AppError::Invalid(problems));
    }
    let outcome = if stopped {
        Some(calibration_profiles::conformity::Outcome::Fail)
    } else {
        evaluated.outcome()
    };
    let frozen = serde_json::to_string(&FrozenEvaluation {
        as_found: evaluated.as_found,
        as_left: evaluated.as_left,
    })
    .map_err(|e| AppError::Internal(e.into()))?;
    let outcome_text = outcome.map(|o| {
        serde_json::to_value(o)
            .ok()
            .and_then(|v| v.as_str().map(ToOwned::to_owned))
            .unwrap_or_default()
    });
    state
        .store
        .transition_run(
            &caller.actor(),
            run.run_id,
            &Transition {
                from: &[status::IN_PROGRESS, status::RETURNED],
                to: status::SUBMITTED,
                action: "submit",
                comment: input.comment.trim(),
                evaluation: Some((frozen, outcome_text)),
                performed: Some((caller.user.username.clone(), today())),
                reviewed_by: None,
            },
        )
        .await
        .map_err(AppError::store)?;
    Ok(Json(run_view(&state, run.run_id).await?))
}

async fn return_run(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    J(input): J<CommentInput>,
) -> Result<Json<RunView>, AppError> {
    caller.require(Permission::Review)?;
    let run = load_run(&state, &id).await?;
    check_reason("comment", &input.comment).map_err(AppError::Invalid)?;
    let to = (&[status::SUBMITTED, status::APPROVED][..], status::RETURNED);
    move_run(&state, &caller, &run, to, "return", &input.comment, None).await
}

async fn approve(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    J(input): J<CommentInput>,
) -> Result<Json<RunView>, AppError> {
    caller.require(Permission::Review)?;
    let run = load_run(&state, &id).await?;
    // Four eyes: nobody reviews their own work.
    if run.performed_by.as_deref() == Some(caller.user.username.as_str()) {
        return Err(AppError::Forbidden(
            "the person who performed the run cannot review it".into(),
        ));
    }
    let reviewer = Some(caller.user.username.clone());
    let to = (&[status::SUBMITTED][..], status::APPROVED);
    move_run(
        &state,
        &caller,
        &run,
        to,
        "approve",
        &input.comment,
        reviewer,
    )
    .await
}

async fn cancel(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    J(input): J<CommentInput>,
) -> Result<Json<RunView>, AppError> {
    caller.require(Permission::Bench)?;
    let run = load_run(&state, &id).await?;
    check_reason("comment", &input.comment).map_err(AppError::Invalid)?;
    let to = (&status::EDITABLE[..], status::CANCELLED);
    move_run(&state, &caller, &run, to, "cancel", &input.comment, None).await
}

/// A review step that only moves the run (return, approve, cancel), with its comment.
async fn move_run(
    state: &AppState,
    caller: &Caller,
    run: &Run,
    (from, to): (&[&str], &str),
    action: &str,
    comment: &str,
    reviewed_by: Option<String>,
) -> Result<Json<RunView>, AppError> {
    state
        .store
        .transition_run(
            &caller.actor(),
            run.run_id,
            &Transition {
                from,
                to,
                action,
                comment: comment.trim(),
                evaluation: None,
                performed: None,
                reviewed_by,
            },
        )
        .await
        .map_err(AppError::store)?;
    Ok(Json(run_view(state, run.run_id).await?))
}
