//! `/api/v1/calc/*`: the calculator over HTTP, with exactly the JSON of `tdc-calc`.
//!
//! Bodies are read as bytes and parsed by the engine's own JSON reader so a malformed body
//! gets the same field-naming message as the CLI gives.

use axum::Json;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::routing::post;
use calibration_profiles::calc::{self, MonteCarlo};
use calibration_profiles::problems::{Problems, from_json};
use serde::Deserialize;
use serde::de::DeserializeOwned;

use super::session::{Caller, Permission};
use super::{AppError, AppState};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/uncertainty", post(post_uncertainty))
        .route("/regression", post(post_regression))
        .route("/mpe", post(post_mpe))
        .route("/decide", post(post_decide))
}

fn parse<T: DeserializeOwned>(body: &Bytes) -> Result<T, AppError> {
    let text = std::str::from_utf8(body).map_err(|_| {
        let mut p = Problems::default();
        p.at("", "the body is not UTF-8 text");
        AppError::Malformed(p)
    })?;
    from_json(text).map_err(AppError::Malformed)
}

#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct McParams {
    monte_carlo: Option<usize>,
    seed: Option<u64>,
}

async fn post_uncertainty(
    State(state): State<AppState>,
    Query(params): Query<McParams>,
    caller: Caller,
    body: Bytes,
) -> Result<Json<calc::UncertaintyResponse>, AppError> {
    caller.require(Permission::Calculate)?;
    let req: calc::UncertaintyRequest = parse(&body)?;
    let mc = match params.monte_carlo {
        Some(trials) if trials > state.max_monte_carlo_trials => {
            let mut p = Problems::default();
            p.at(
                "monte_carlo",
                format!(
                    "at most {} trials per request",
                    state.max_monte_carlo_trials
                ),
            );
            return Err(AppError::Invalid(p));
        }
        Some(trials) => Some(MonteCarlo {
            trials,
            seed: params.seed.unwrap_or(1),
        }),
        None => None,
    };
    // Monte Carlo is CPU work: keep it off the request threads.
    tokio::task::spawn_blocking(move || calc::uncertainty(&req, mc))
        .await
        .map_err(|e| AppError::Internal(e.into()))?
        .map(Json)
        .map_err(AppError::Invalid)
}

/// Parses the body, runs an engine function, and maps its problems to 422.
fn compute<Req: DeserializeOwned, Resp>(
    body: &Bytes,
    f: impl FnOnce(&Req) -> Result<Resp, Problems>,
) -> Result<Json<Resp>, AppError> {
    let req: Req = parse(body)?;
    f(&req).map(Json).map_err(AppError::Invalid)
}

async fn post_regression(
    caller: Caller,
    body: Bytes,
) -> Result<Json<calibration_profiles::regression::LineFit>, AppError> {
    caller.require(Permission::Calculate)?;
    compute(&body, calc::regression)
}

async fn post_mpe(
    caller: Caller,
    body: Bytes,
) -> Result<Json<calibration_profiles::mpe::Mpe>, AppError> {
    caller.require(Permission::Calculate)?;
    compute(&body, calc::mpe)
}

async fn post_decide(
    caller: Caller,
    body: Bytes,
) -> Result<Json<calibration_profiles::conformity::Decision>, AppError> {
    caller.require(Permission::Calculate)?;
    compute(&body, calc::decide)
}

#[cfg(test)]
mod tests {
    use axum::body::Body;
    use axum::http::{Request, StatusCode};
    use http_body_util::BodyExt;
    use serde_json::Value;
    use tower::ServiceExt;

    use crate::http::{AppState, router};

    async fn state() -> AppState {
        AppState::new(crate::store::Store::open("sqlite::memory:").await.unwrap())
    }

    /// Posts as a signed-in read-only user (anyone may calculate).
    async fn post(uri: &str, body: &str) -> (StatusCode, Value) {
        let state = state().await;
        let user = state
            .store
            .create_user(
                "test",
                &crate::store::users::NewUser {
                    username: "viewer".into(),
                    full_name: "Viewer".into(),
                    role: crate::store::users::Role::ReadOnly,
                    password_hash: "$argon2id$unused".into(),
                },
            )
            .await
            .unwrap();
        let (cookie, csrf) = state
            .store
            .create_session(&user, chrono::Duration::hours(1))
            .await
            .unwrap();
        let resp = router(state)
            .oneshot(
                Request::post(uri)
                    .header("cookie", format!("tdc_session={cookie}"))
                    .header("x-csrf-token", csrf)
                    .header("content-type", "application/json")
                    .body(Body::from(body.to_owned()))
                    .unwrap(),
            )
            .await
            .unwrap();
        let status = resp.status();
        let bytes = resp.into_body().collect().await.unwrap().to_bytes();
        (status, serde_json::from_slice(&bytes).unwrap())
    }

    #[tokio::test]
    async fn computes_an_uncertainty_budget() {
        let (status, v) = post(
            "/api/v1/calc/uncertainty",
            r#"{"model": "y = a + b", "quantities": [
                {"name": "a", "value": 1, "standard_uncertainty": 0.3},
                {"name": "b", "value": 2, "standard_uncertainty": 0.4}]}"#,
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{v}");
        assert_eq!(v["outputs"][0]["combined_standard_uncertainty"], 0.5);
    }

    #[tokio::test]
    async fn invalid_values_name_their_field() {
        let (status, v) = post(
            "/api/v1/calc/uncertainty",
            r#"{"model": "y = a", "quantities": [{"name": "a", "value": 1, "standard_uncertainty": -1}]}"#,
        )
        .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(v["error"]["code"], "invalid_input");
        assert_eq!(v["error"]["field"], "quantities[0].standard_uncertainty");
    }

    #[tokio::test]
    async fn malformed_bodies_are_bad_requests() {
        let (status, v) = post("/api/v1/calc/decide", r#"{"measured": "ten"}"#).await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert_eq!(v["error"]["field"], "measured");
        let (status, _) = post("/api/v1/calc/decide", "\u{0}").await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
    }

    #[tokio::test]
    async fn monte_carlo_is_bounded() {
        let (status, v) = post(
            "/api/v1/calc/uncertainty?monte_carlo=50000000",
            r#"{"model": "y = a", "quantities": [{"name": "a", "value": 1, "standard_uncertainty": 1}]}"#,
        )
        .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(v["error"]["field"], "monte_carlo");
    }

    #[tokio::test]
    async fn unknown_paths_get_a_json_404() {
        let resp = router(state().await)
            .oneshot(Request::get("/api/v1/nothing").body(Body::empty()).unwrap())
            .await
            .unwrap();
        assert_eq!(resp.status(), StatusCode::NOT_FOUND);
    }
}
