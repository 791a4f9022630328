//! Server-rendered pages (Vietnamese first, English second).

use axum::Router;

use crate::http::AppState;

/// The pages' routes.
pub fn routes() -> Router<AppState> {
    Router::new()
}
