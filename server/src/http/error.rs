//! The one error type of the HTTP layer.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use calibration_profiles::problems::Problems;
use serde_json::json;

/// What went wrong, named by what the client does about it.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// The body could not be read as the expected JSON: fix the request's structure.
    #[error("malformed request")]
    Malformed(Problems),
    /// The request was understood but its values are invalid: fix the named fields.
    #[error("invalid input")]
    Invalid(Problems),
    #[error("no such resource: {0}")]
    NotFound(String),
    /// No or bad credentials: sign in, or fix the token.
    #[error("{0}")]
    Unauthorized(&'static str),
    /// Authenticated, but not allowed.
    #[error("{0}")]
    Forbidden(String),
    #[error("{0}")]
    TooLarge(String),
    /// Slow down: too many attempts.
    #[error("{0}")]
    TooManyRequests(String),
    /// The request conflicts with the record's state (retired, already signed …).
    #[error("{0}")]
    Conflict(String),
    /// A bug or an unavailable dependency: the details go to the log only.
    #[error("internal error")]
    Internal(#[source] anyhow::Error),
}

impl AppError {
    /// A store failure: conflicts and missing records are the client's to fix, the rest is
    /// internal.
    #[must_use]
    pub fn store(e: crate::store::StoreError) -> Self {
        use crate::store::StoreError;
        match e {
            StoreError::Conflict(what) => {
                let mut p = Problems::default();
                p.at("", format!("{what} already exists"));
                AppError::Invalid(p)
            }
            StoreError::NotFound(what) => AppError::NotFound(what),
            StoreError::Invalid(p) => AppError::Invalid(p),
            StoreError::State(what) => AppError::Conflict(what),
            other => AppError::Internal(other.into()),
        }
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let (status, code, problems, message) = match &self {
            AppError::Malformed(p) => (StatusCode::BAD_REQUEST, "malformed_request", Some(p), None),
            AppError::Invalid(p) => (
                StatusCode::UNPROCESSABLE_ENTITY,
                "invalid_input",
                Some(p),
                None,
            ),
            AppError::Unauthorized(m) => (
                StatusCode::UNAUTHORIZED,
                "unauthorized",
                None,
                Some((*m).to_owned()),
            ),
            AppError::Forbidden(m) => (StatusCode::FORBIDDEN, "forbidden", None, Some(m.clone())),
            AppError::TooLarge(m) => (
                StatusCode::PAYLOAD_TOO_LARGE,
                "too_large",
                None,
                Some(m.clone()),
            ),
            AppError::TooManyRequests(m) => (
                StatusCode::TOO_MANY_REQUESTS,
                "too_many_requests",
                None,
                Some(m.clone()),
            ),
            AppError::Conflict(m) => (StatusCode::CONFLICT, "conflict", None, Some(m.clone())),
            AppError::NotFound(path) => (
                StatusCode::NOT_FOUND,
                "not_found",
                None,
                Some(format!("no such resource: {path}")),
            ),
            AppError::Internal(e) => {
                // The cause chain stays in the log; the client learns only that it failed.
                tracing::error!(error = format!("{e:#}"), "internal error");
                (
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "internal",
                    None,
                    Some("internal error; the details are in the server log".to_owned()),
                )
            }
        };
        let body = match problems {
            Some(p) => {
                let first = p.iter().next();
                let message = first.map_or_else(|| "invalid input".to_owned(), ToString::to_string);
                let mut err = json!({
                    "code": code,
                    "message": message,
                    "problems": p.iter().map(|x| json!({"field": x.path, "message": x.message})).collect::<Vec<_>>(),
                });
                if let Some(f) = first.filter(|f| !f.path.is_empty()) {
                    err["field"] = json!(f.path);
                }
                json!({ "error": err })
            }
            None => json!({ "error": { "code": code, "message": message.unwrap_or_default() } }),
        };
        (status, Json(body)).into_response()
    }
}
