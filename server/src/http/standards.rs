//! `/api/v1/standards`: the lab's measurement standards, their calibrations, intermediate
//! checks, condition, usability and the quality manager's overrides.

use axum::Json;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use calibration_profiles::problems::Problems;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::registry::{ListParams, Reason, page_request, parse_id};
use super::session::{Caller, Permission};
use super::{AppError, AppState, J, Q};
use crate::store::registry::Page;
use crate::store::standards::{
    CONDITIONS, Calibration, CalibrationInput, Check, MeasurementStandard, Override, StandardInput,
    Status, Usability,
};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/api/v1/standards",
            get(list_standards).post(create_standard),
        )
        .route(
            "/api/v1/standards/{id}",
            get(get_standard).put(update_standard),
        )
        .route(
            "/api/v1/standards/{id}/calibrations",
            get(list_calibrations).post(add_calibration),
        )
        .route(
            "/api/v1/standards/{id}/checks",
            get(list_checks).post(add_check),
        )
        .route("/api/v1/standards/{id}/condition", post(set_condition))
        .route("/api/v1/standards/{id}/override", post(grant_override))
        .route("/api/v1/standards/{id}/usability", get(get_usability))
        .route("/api/v1/standards/{id}/retire", post(retire_standard))
}

/// A standard with its status today and its traceability chain.
#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct StandardView {
    #[serde(flatten)]
    pub standard: MeasurementStandard,
    pub status: Status,
    /// Codes from this standard up through the standards it is calibrated against.
    pub chain: Vec<String>,
}

fn today() -> NaiveDate {
    crate::web::i18n::today()
}

async fn view(state: &AppState, s: MeasurementStandard) -> Result<StandardView, AppError> {
    let chain = state
        .store
        .traceability_chain(s.measurement_standard_id)
        .await
        .map_err(AppError::store)?
        .into_iter()
        .map(|c| c.code)
        .collect();
    Ok(StandardView {
        status: s.status(today()),
        standard: s,
        chain,
    })
}

#[derive(Debug, Serialize, schemars::JsonSchema)]
pub(crate) struct StandardRow {
    #[serde(flatten)]
    standard: MeasurementStandard,
    status: Status,
}

async fn list_standards(
    State(state): State<AppState>,
    caller: Caller,
    Q(params): Q<ListParams>,
) -> Result<Json<Page<StandardRow>>, AppError> {
    caller.require(Permission::Read)?;
    let page = state
        .store
        .list_standards(
            params.q.as_deref(),
            params.include_retired,
            page_request(params.page, params.per_page),
        )
        .await
        .map_err(AppError::store)?;
    let today = today();
    Ok(Json(Page {
        items: page
            .items
            .into_iter()
            .map(|s| StandardRow {
                status: s.status(today),
                standard: s,
            })
            .collect(),
        page: page.page,
        per_page: page.per_page,
        has_more: page.has_more,
    }))
}

async fn create_standard(
    State(state): State<AppState>,
    caller: Caller,
    J(input): J<StandardInput>,
) -> Result<(StatusCode, Json<StandardView>), AppError> {
    caller.require(Permission::ManageStandards)?;
    input.validate().map_err(AppError::Invalid)?;
    let s = state
        .store
        .create_standard(&caller.actor(), &input)
        .await
        .map_err(AppError::store)?;
    Ok((StatusCode::CREATED, Json(view(&state, s).await?)))
}

async fn load(state: &AppState, id: &str) -> Result<MeasurementStandard, AppError> {
    let id = parse_id("standard", id)?;
    state
        .store
        .standard(id)
        .await
        .map_err(AppError::store)?
        .ok_or_else(|| AppError::NotFound(format!("standard {id}")))
}

async fn get_standard(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<StandardView>, AppError> {
    caller.require(Permission::Read)?;
    let s = load(&state, &id).await?;
    Ok(Json(view(&state, s).await?))
}

async fn update_standard(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    J(input): J<StandardInput>,
) -> Result<Json<StandardView>, AppError> {
    caller.require(Permission::ManageStandards)?;
    let id = parse_id("standard", &id)?;
    input.validate().map_err(AppError::Invalid)?;
    let s = state
        .store
        .update_standard(&caller.actor(), id, &input)
        .await
        .map_err(AppError::store)?;
    Ok(Json(view(&state, s).await?))
}

async fn list_calibrations(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<Vec<Calibration>>, AppError> {
    caller.require(Permission::Read)?;
    let s = load(&state, &id).await?;
    Ok(Json(
        state
            .store
            .calibrations(s.measurement_standard_id)
            .await
            .map_err(AppError::store)?,
    ))
}

async fn add_calibration(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    J(input): J<CalibrationInput>,
) -> Result<(StatusCode, Json<Calibration>), AppError> {
    caller.require(Permission::ManageStandards)?;
    let id = parse_id("standard", &id)?;
    input.validate().map_err(AppError::Invalid)?;
    let c = state
        .store
        .add_calibration(&caller.actor(), id, &input)
        .await
        .map_err(AppError::store)?;
    Ok((StatusCode::CREATED, Json(c)))
}

async fn list_checks(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<Vec<Check>>, AppError> {
    caller.require(Permission::Read)?;
    let s = load(&state, &id).await?;
    Ok(Json(
        state
            .store
            .checks(s.measurement_standard_id)
            .await
            .map_err(AppError::store)?,
    ))
}

#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct CheckInput {
    checked_on: NaiveDate,
    passed: bool,
    #[serde(default)]
    notes: String,
}

async fn add_check(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    J(input): J<CheckInput>,
) -> Result<(StatusCode, Json<Check>), AppError> {
    caller.require(Permission::ManageStandards)?;
    let id = parse_id("standard", &id)?;
    if input.checked_on > today() {
        let mut p = Problems::default();
        p.at(
            "checked_on",
            format!("{} is in the future", input.checked_on),
        );
        return Err(AppError::Invalid(p));
    }
    if !input.passed && input.notes.trim().is_empty() {
        let mut p = Problems::default();
        p.at("notes", "say what was found when a check fails");
        return Err(AppError::Invalid(p));
    }
    let c = state
        .store
        .add_check(
            &caller.actor(),
            id,
            input.checked_on,
            input.passed,
            &input.notes,
        )
        .await
        .map_err(AppError::store)?;
    Ok((StatusCode::CREATED, Json(c)))
}

#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct ConditionInput {
    condition: String,
    reason: String,
}

async fn set_condition(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    J(input): J<ConditionInput>,
) -> Result<Json<StandardView>, AppError> {
    caller.require(Permission::ManageStandards)?;
    if !CONDITIONS.contains(&input.condition.as_str()) {
        let mut p = Problems::default();
        p.at(
            "condition",
            format!(
                "`{}` is not a condition: {}",
                input.condition,
                CONDITIONS.join(", ")
            ),
        );
        return Err(AppError::Invalid(p));
    }
    // Anyone managing standards may take one out of service; only the quality manager may
    // put it back.
    if input.condition == "in_service" {
        caller.require(Permission::OverrideStandards)?;
    }
    let reason = Reason {
        reason: input.reason,
    };
    let id = parse_id("standard", &id)?;
    let s = state
        .store
        .set_standard_condition(&caller.actor(), id, &input.condition, reason.checked()?)
        .await
        .map_err(AppError::store)?;
    Ok(Json(view(&state, s).await?))
}

#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct OverrideInput {
    reason: String,
    valid_until: NaiveDate,
}

/// Longest an override may last.
const MAX_OVERRIDE_DAYS: i64 = 31;

async fn grant_override(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    J(input): J<OverrideInput>,
) -> Result<(StatusCode, Json<Override>), AppError> {
    caller.require(Permission::OverrideStandards)?;
    let s = load(&state, &id).await?;
    let reason = Reason {
        reason: input.reason,
    };
    let reason = reason.checked()?;
    let today = today();
    if input.valid_until < today || (input.valid_until - today).num_days() > MAX_OVERRIDE_DAYS {
        let mut p = Problems::default();
        p.at(
            "valid_until",
            format!("must be between today and {MAX_OVERRIDE_DAYS} days from now"),
        );
        return Err(AppError::Invalid(p));
    }
    if s.status(today).usable() {
        return Err(AppError::Conflict(format!(
            "standard {} is {} and usable: no override is needed",
            s.code,
            s.status(today).as_str()
        )));
    }
    let o = state
        .store
        .grant_override(
            &caller.actor(),
            caller.user.app_user_id,
            s.measurement_standard_id,
            reason,
            input.valid_until,
        )
        .await
        .map_err(AppError::store)?;
    Ok((StatusCode::CREATED, Json(o)))
}

#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct UsabilityParams {
    on: Option<NaiveDate>,
}

async fn get_usability(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    Q(params): Q<UsabilityParams>,
) -> Result<Json<Usability>, AppError> {
    caller.require(Permission::Read)?;
    let id = parse_id("standard", &id)?;
    Ok(Json(
        state
            .store
            .standard_usability(id, params.on.unwrap_or_else(today))
            .await
            .map_err(AppError::store)?,
    ))
}

async fn retire_standard(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    J(reason): J<Reason>,
) -> Result<Json<StandardView>, AppError> {
    caller.require(Permission::ManageStandards)?;
    let id = parse_id("standard", &id)?;
    let s = state
        .store
        .retire_standard(&caller.actor(), id, reason.checked()?)
        .await
        .map_err(AppError::store)?;
    Ok(Json(view(&state, s).await?))
}
