//! HTTP: the router is a plain function of the state; each resource module contributes its
//! routes; every handler returns [`AppError`] on failure, which renders the uniform JSON error
//! `{"error": {"code", "message", "field"?, "problems"?}}`.

mod calc;
mod error;
mod ingest;

use std::sync::Arc;

use axum::Router;
use axum::extract::State;
use axum::routing::{get, post};
use calibration_profiles::wire::v1::Reading;
use tokio::sync::broadcast;

pub use error::AppError;

use crate::store::Store;

/// A reading as pushed to live pages.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct LiveReading {
    pub reading_id: uuid::Uuid,
    pub bridge_id: String,
    pub device_id: String,
    pub channel: String,
    pub value: String,
    pub number: f64,
    pub unit: String,
    pub stable: bool,
    pub captured_at: chrono::DateTime<chrono::Utc>,
}

impl LiveReading {
    #[must_use]
    pub fn from_wire(bridge_id: &str, r: &Reading, number: f64) -> Self {
        Self {
            reading_id: r.reading_id,
            bridge_id: bridge_id.to_owned(),
            device_id: r.device_id.clone(),
            channel: r.channel.clone(),
            value: r.value.clone(),
            number,
            unit: r.unit.clone(),
            stable: r.stable,
            captured_at: r.captured_at,
        }
    }
}

/// Everything handlers share.
#[derive(Debug, Clone)]
pub struct AppState {
    pub store: Store,
    /// Readings as they arrive, for live pages.
    pub live: broadcast::Sender<Arc<LiveReading>>,
    /// Most Monte Carlo trials one request may ask for.
    pub max_monte_carlo_trials: usize,
}

impl AppState {
    #[must_use]
    pub fn new(store: Store) -> Self {
        let (live, _) = broadcast::channel(1024);
        Self {
            store,
            live,
            max_monte_carlo_trials: 1_000_000,
        }
    }
}

/// The whole application.
pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/healthz", get(healthz))
        .route("/api/v1/readings", post(ingest::post_readings))
        .nest("/api/v1/calc", calc::routes())
        .fallback(not_found)
        .with_state(state)
}

async fn healthz(State(state): State<AppState>) -> Result<axum::Json<serde_json::Value>, AppError> {
    state.store.ping().await.map_err(AppError::store)?;
    Ok(axum::Json(serde_json::json!({
        "status": "ok",
        "database": state.store.backend(),
        "engine_version": calibration_profiles::ENGINE_VERSION,
    })))
}

async fn not_found(uri: axum::http::Uri) -> AppError {
    AppError::NotFound(uri.path().to_owned())
}
