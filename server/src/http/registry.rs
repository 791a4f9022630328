//! `/api/v1/organisations` and `/api/v1/instruments`: the registry over HTTP.

use axum::Json;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use calibration_profiles::cycles::cycles;
use calibration_profiles::problems::Problems;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::session::{Caller, Permission};
use super::{AppError, AppState, J, Q};
use crate::store::audit::Entry;
use crate::store::registry::{
    Instrument, InstrumentInput, InstrumentQuery, Organisation, OrganisationInput, Page,
    PageRequest,
};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/categories", get(list_categories))
        .route(
            "/api/v1/organisations",
            get(list_organisations).post(create_organisation),
        )
        .route(
            "/api/v1/organisations/{id}",
            get(get_organisation).put(update_organisation),
        )
        .route(
            "/api/v1/organisations/{id}/retire",
            post(retire_organisation),
        )
        .route(
            "/api/v1/instruments",
            get(list_instruments).post(create_instrument),
        )
        .route(
            "/api/v1/instruments/{id}",
            get(get_instrument).put(update_instrument),
        )
        .route("/api/v1/instruments/{id}/retire", post(retire_instrument))
        .route("/api/v1/instruments/{id}/history", get(instrument_history))
}

/// A path id that is not a UUID is a missing resource, said plainly.
pub(crate) fn parse_id(what: &str, id: &str) -> Result<Uuid, AppError> {
    Uuid::parse_str(id).map_err(|_| AppError::NotFound(format!("{what} `{id}` (not an id)")))
}

/// A retirement or condition change states why.
#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Reason {
    pub reason: String,
}

impl Reason {
    pub(crate) fn checked(&self) -> Result<&str, AppError> {
        let r = self.reason.trim();
        if r.is_empty() {
            let mut p = Problems::default();
            p.at("reason", "is required: say why");
            return Err(AppError::Invalid(p));
        }
        if r.chars().count() > 2000 {
            let mut p = Problems::default();
            p.at("reason", "at most 2000 characters");
            return Err(AppError::Invalid(p));
        }
        Ok(r)
    }
}

/// Paging and text search parameters shared by lists.
#[derive(Debug, Default, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ListParams {
    pub q: Option<String>,
    #[serde(default)]
    pub include_retired: bool,
    pub page: Option<i64>,
    pub per_page: Option<i64>,
}

pub(crate) fn page_request(page: Option<i64>, per_page: Option<i64>) -> PageRequest {
    let d = PageRequest::default();
    PageRequest {
        page: page.unwrap_or(d.page),
        per_page: per_page.unwrap_or(d.per_page),
    }
}

#[derive(Debug, Serialize, schemars::JsonSchema)]
pub(crate) struct Category {
    code: String,
    name_vi: String,
    name_en: String,
    cycle_months: Option<u32>,
}

async fn list_categories(caller: Caller) -> Result<Json<Vec<Category>>, AppError> {
    caller.require(Permission::Read)?;
    let today = crate::web::i18n::today();
    let mut out: Vec<Category> = Vec::new();
    for c in &cycles().cycle {
        if out.iter().any(|x| x.code == c.category) {
            continue;
        }
        let current = cycles().in_force(&c.category, today).unwrap_or(c);
        out.push(Category {
            code: current.category.clone(),
            name_vi: current.name.vi.clone(),
            name_en: current.name.en.clone(),
            cycle_months: current.months,
        });
    }
    Ok(Json(out))
}

async fn list_organisations(
    State(state): State<AppState>,
    caller: Caller,
    Q(params): Q<ListParams>,
) -> Result<Json<Page<Organisation>>, AppError> {
    caller.require(Permission::Read)?;
    let page = state
        .store
        .list_organisations(
            params.q.as_deref(),
            params.include_retired,
            page_request(params.page, params.per_page),
        )
        .await
        .map_err(AppError::store)?;
    Ok(Json(page))
}

async fn create_organisation(
    State(state): State<AppState>,
    caller: Caller,
    J(input): J<OrganisationInput>,
) -> Result<(StatusCode, Json<Organisation>), AppError> {
    caller.require(Permission::EditRegistry)?;
    input.validate().map_err(AppError::Invalid)?;
    let org = state
        .store
        .create_organisation(&caller.actor(), &input)
        .await
        .map_err(AppError::store)?;
    Ok((StatusCode::CREATED, Json(org)))
}

async fn get_organisation(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<Organisation>, AppError> {
    caller.require(Permission::Read)?;
    let id = parse_id("organisation", &id)?;
    state
        .store
        .organisation(id)
        .await
        .map_err(AppError::store)?
        .map(Json)
        .ok_or_else(|| AppError::NotFound(format!("organisation {id}")))
}

async fn update_organisation(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    J(input): J<OrganisationInput>,
) -> Result<Json<Organisation>, AppError> {
    caller.require(Permission::EditRegistry)?;
    let id = parse_id("organisation", &id)?;
    input.validate().map_err(AppError::Invalid)?;
    Ok(Json(
        state
            .store
            .update_organisation(&caller.actor(), id, &input)
            .await
            .map_err(AppError::store)?,
    ))
}

async fn retire_organisation(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    J(reason): J<Reason>,
) -> Result<Json<Organisation>, AppError> {
    caller.require(Permission::EditRegistry)?;
    let id = parse_id("organisation", &id)?;
    let reason = reason.checked()?;
    Ok(Json(
        state
            .store
            .retire_organisation(&caller.actor(), id, reason)
            .await
            .map_err(AppError::store)?,
    ))
}

/// Query of `GET /api/v1/instruments`.
#[derive(Debug, Default, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct InstrumentParams {
    pub serial: Option<String>,
    pub owner_id: Option<Uuid>,
    pub category: Option<String>,
    /// Due within this many days from today (shortcut for `due_before`).
    pub due_within_days: Option<u32>,
    pub due_before: Option<NaiveDate>,
    #[serde(default)]
    pub include_retired: bool,
    pub page: Option<i64>,
    pub per_page: Option<i64>,
}

impl InstrumentParams {
    pub(crate) fn query(&self) -> InstrumentQuery {
        let due_before = self.due_before.or_else(|| {
            self.due_within_days
                .map(|d| crate::web::i18n::today() + chrono::Days::new(u64::from(d)))
        });
        InstrumentQuery {
            serial: self.serial.clone(),
            owner_id: self.owner_id,
            category: self.category.clone(),
            due_before,
            include_retired: self.include_retired,
            page: page_request(self.page, self.per_page),
        }
    }
}

async fn list_instruments(
    State(state): State<AppState>,
    caller: Caller,
    Q(params): Q<InstrumentParams>,
) -> Result<Json<Page<Instrument>>, AppError> {
    caller.require(Permission::Read)?;
    Ok(Json(
        state
            .store
            .search_instruments(&params.query())
            .await
            .map_err(AppError::store)?,
    ))
}

async fn create_instrument(
    State(state): State<AppState>,
    caller: Caller,
    J(input): J<InstrumentInput>,
) -> Result<(StatusCode, Json<Instrument>), AppError> {
    caller.require(Permission::EditRegistry)?;
    input.validate().map_err(AppError::Invalid)?;
    let created = state
        .store
        .create_instrument(&caller.actor(), &input)
        .await
        .map_err(AppError::store)?;
    Ok((StatusCode::CREATED, Json(created)))
}

async fn get_instrument(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<Instrument>, AppError> {
    caller.require(Permission::Read)?;
    let id = parse_id("instrument", &id)?;
    state
        .store
        .instrument(id)
        .await
        .map_err(AppError::store)?
        .map(Json)
        .ok_or_else(|| AppError::NotFound(format!("instrument {id}")))
}

async fn update_instrument(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    J(input): J<InstrumentInput>,
) -> Result<Json<Instrument>, AppError> {
    caller.require(Permission::EditRegistry)?;
    let id = parse_id("instrument", &id)?;
    input.validate().map_err(AppError::Invalid)?;
    Ok(Json(
        state
            .store
            .update_instrument(&caller.actor(), id, &input)
            .await
            .map_err(AppError::store)?,
    ))
}

async fn retire_instrument(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    J(reason): J<Reason>,
) -> Result<Json<Instrument>, AppError> {
    caller.require(Permission::EditRegistry)?;
    let id = parse_id("instrument", &id)?;
    let reason = reason.checked()?;
    Ok(Json(
        state
            .store
            .retire_instrument(&caller.actor(), id, reason)
            .await
            .map_err(AppError::store)?,
    ))
}

async fn instrument_history(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<Vec<Entry>>, AppError> {
    caller.require(Permission::Read)?;
    let id = parse_id("instrument", &id)?;
    if state
        .store
        .instrument(id)
        .await
        .map_err(AppError::store)?
        .is_none()
    {
        return Err(AppError::NotFound(format!("instrument {id}")));
    }
    Ok(Json(
        state
            .store
            .history("instrument", &id.to_string())
            .await
            .map_err(AppError::store)?,
    ))
}
