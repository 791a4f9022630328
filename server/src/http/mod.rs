//! HTTP: the router is a plain function of the state; each resource module contributes its
//! routes; every handler returns [`AppError`] on failure, which renders the uniform JSON error
//! `{"error": {"code", "message", "field"?, "problems"?}}`.

mod calc;
mod error;

use axum::Router;
use axum::routing::get;

pub use error::AppError;

/// Limits that protect the server from expensive requests.
#[derive(Debug, Clone)]
pub struct AppState {
    /// Most Monte Carlo trials one request may ask for.
    pub max_monte_carlo_trials: usize,
}

impl Default for AppState {
    fn default() -> Self {
        Self {
            max_monte_carlo_trials: 1_000_000,
        }
    }
}

/// The whole application.
pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/healthz", get(healthz))
        .nest("/api/v1/calc", calc::routes())
        .fallback(not_found)
        .with_state(state)
}

async fn healthz() -> axum::Json<serde_json::Value> {
    axum::Json(
        serde_json::json!({ "status": "ok", "engine_version": calibration_profiles::ENGINE_VERSION }),
    )
}

async fn not_found(uri: axum::http::Uri) -> AppError {
    AppError::NotFound(uri.path().to_owned())
}
