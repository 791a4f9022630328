//! HTTP: the router is a plain function of the state; each resource module contributes its
//! routes; every handler returns [`AppError`] on failure, which renders the uniform JSON error
//! `{"error": {"code", "message", "field"?, "problems"?}}`.

mod admin;
pub(crate) mod bench;
mod calc;
pub(crate) mod certificates;
mod devices;
pub mod dossiers;
mod error;
mod ingest;
mod metrics;
pub mod openapi;
mod registry;
pub mod reports;
pub mod samples;
pub mod session;
mod standards;

use std::sync::Arc;

use axum::Router;
use axum::extract::State;
use axum::routing::{get, post};
use calibration_profiles::wire::v1::Reading;
use tokio::sync::broadcast;

pub use error::AppError;

use crate::store::Store;

/// A reading as pushed to live pages.
#[derive(Debug, Clone, PartialEq, serde::Serialize, schemars::JsonSchema)]
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

/// Settings handlers need, taken from the configuration.
#[derive(Debug, Clone)]
pub struct Settings {
    pub public_url: String,
    pub session_hours: u32,
    pub login_attempts: u32,
    /// Mark cookies `Secure` (the public URL is https).
    pub secure_cookies: bool,
    /// Bearer token for `/metrics`; empty: loopback clients only.
    pub metrics_token: crate::config::Secret,
    /// The laboratory as printed on certificates.
    pub lab: crate::config::Lab,
    /// Numbering and the public verification page.
    pub certificates: crate::config::Certificates,
}

impl Settings {
    #[must_use]
    pub fn from_config(cfg: &crate::config::Config) -> Self {
        Self {
            public_url: cfg.http.public_url.clone(),
            session_hours: cfg.security.session_hours.max(1),
            login_attempts: cfg.security.login_attempts.max(1),
            secure_cookies: cfg.http.public_url.starts_with("https://"),
            metrics_token: cfg.security.metrics_token.clone(),
            lab: cfg.lab.clone(),
            certificates: cfg.certificates.clone(),
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
    pub settings: Arc<Settings>,
    pub throttle: Arc<session::Throttle>,
    pub metrics: Arc<metrics::Metrics>,
    /// The key that signs certificates; `None`: this server cannot issue (set at start).
    pub signer: Option<Arc<crate::signing::KeyRing>>,
    /// The certificate renderer (the lab's template, or the bundled one).
    pub renderer: Arc<tdc_certificate::Renderer>,
    /// Requests per address to the public verification pages.
    pub public_limiter: Arc<session::RateLimiter>,
    /// Public verification pages kept ready.
    pub public_cache: Arc<certificates::PublicCache>,
}

impl AppState {
    /// State with the default configuration (tests, benchmarks).
    #[must_use]
    pub fn new(store: Store) -> Self {
        Self::with_config(store, &crate::config::Config::default())
    }

    #[must_use]
    pub fn with_config(store: Store, cfg: &crate::config::Config) -> Self {
        let (live, _) = broadcast::channel(1024);
        let settings = Settings::from_config(cfg);
        let throttle = session::Throttle::new(std::time::Duration::from_secs(
            u64::from(cfg.security.login_window_minutes) * 60,
        ));
        Self {
            store,
            live,
            max_monte_carlo_trials: 1_000_000,
            settings: Arc::new(settings),
            throttle: Arc::new(throttle),
            metrics: Arc::new(metrics::Metrics::default()),
            signer: None,
            renderer: Arc::new(tdc_certificate::Renderer::default()),
            public_limiter: Arc::new(session::RateLimiter::new(
                cfg.certificates.verify_rate_per_minute,
            )),
            public_cache: Arc::default(),
        }
    }

    /// The same state with the key that signs certificates.
    #[must_use]
    pub fn with_signer(mut self, ring: crate::signing::KeyRing) -> Self {
        self.signer = Some(Arc::new(ring));
        self
    }

    /// The same state with a certificate template of the lab's own.
    #[must_use]
    pub fn with_template(mut self, template: String) -> Self {
        self.renderer = Arc::new(tdc_certificate::Renderer::with_template(template));
        self
    }
}

/// Parses a JSON body with the engine's reader, so errors name the field.
pub(crate) fn body_json<T: serde::de::DeserializeOwned>(body: &[u8]) -> Result<T, AppError> {
    let text = std::str::from_utf8(body).map_err(|_| {
        let mut p = calibration_profiles::problems::Problems::default();
        p.at("", "the body is not UTF-8 text");
        AppError::Malformed(p)
    })?;
    calibration_profiles::problems::from_json(text).map_err(AppError::Malformed)
}

/// A query string read into `T`; a bad parameter is named in the error.
#[derive(Debug, Clone)]
pub struct Q<T>(pub T);

impl<T: serde::de::DeserializeOwned, S: Send + Sync> axum::extract::FromRequestParts<S> for Q<T> {
    type Rejection = AppError;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        _: &S,
    ) -> Result<Self, AppError> {
        let q = parts.uri.query().unwrap_or_default();
        let de = serde_urlencoded::Deserializer::new(form_urlencoded::parse(q.as_bytes()));
        serde_path_to_error::deserialize(de).map(Q).map_err(|e| {
            let mut p = calibration_profiles::problems::Problems::default();
            let path = e.path().to_string();
            let message = e.inner().to_string();
            let (path, message) = match message.strip_prefix("missing field `") {
                Some(rest) => (
                    rest.split('`').next().unwrap_or_default().to_owned(),
                    "required parameter is missing".to_owned(),
                ),
                None if path == "." => (String::new(), message),
                None => (path, message),
            };
            p.at(path, message);
            AppError::Malformed(p)
        })
    }
}

/// A JSON body read into `T` (any size up to the router's limit); errors name the field.
#[derive(Debug, Clone)]
pub struct J<T>(pub T);

impl<T: serde::de::DeserializeOwned, S: Send + Sync> axum::extract::FromRequest<S> for J<T> {
    type Rejection = AppError;

    async fn from_request(req: axum::extract::Request, _: &S) -> Result<Self, AppError> {
        let bytes = axum::body::to_bytes(req.into_body(), MAX_BODY)
            .await
            .map_err(|_| {
                AppError::TooLarge(format!("a request body is at most {MAX_BODY} bytes"))
            })?;
        body_json(&bytes).map(J)
    }
}

/// Largest JSON body (a batch of 5000 readings fits).
pub const MAX_BODY: usize = 8 << 20;

/// The whole application.
pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/healthz", get(healthz))
        .route("/metrics", get(metrics::get_metrics))
        .route("/.well-known/tdc-signing-keys.json", get(signing_keys))
        .merge(api_routes(state.clone()))
        .merge(crate::web::routes())
        .route("/v/{token}", get(certificates::public_page))
        .fallback(not_found)
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            session::csrf_guard,
        ))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            metrics::count,
        ))
        .layer(axum::extract::DefaultBodyLimit::max(MAX_BODY))
        .with_state(state)
}

/// The JSON API under `/api/v1`.
fn api_routes(state: AppState) -> Router<AppState> {
    Router::new()
        .route("/api/v1/readings", post(ingest::post_readings))
        .route(
            "/api/v1/session",
            post(session::post_session)
                .get(session::get_session)
                .delete(session::delete_session),
        )
        .route(
            "/api/v1/session/password",
            axum::routing::put(session::put_password),
        )
        .route("/api/v1/openapi.json", get(openapi::get_openapi))
        .nest("/api/v1/calc", calc::routes())
        .merge(registry::routes())
        .merge(standards::routes())
        .merge(devices::routes())
        .merge(admin::routes())
        .merge(bench::routes())
        .merge(certificates::routes())
        .merge(dossiers::routes())
        .merge(samples::routes())
        .merge(reports::routes())
        .route_layer(axum::middleware::from_fn_with_state(
            state,
            session::authorize,
        ))
}

async fn healthz(State(state): State<AppState>) -> Result<axum::Json<serde_json::Value>, AppError> {
    state.store.ping().await.map_err(AppError::store)?;
    Ok(axum::Json(serde_json::json!({
        "status": "ok",
        "database": state.store.backend(),
        "engine_version": calibration_profiles::ENGINE_VERSION,
    })))
}

/// The public keys that verify certificate signatures, current and retired (public).
async fn signing_keys(
    State(state): State<AppState>,
) -> Result<axum::Json<serde_json::Value>, AppError> {
    let keys = state.store.signing_keys().await.map_err(AppError::store)?;
    Ok(axum::Json(serde_json::json!({ "keys": keys })))
}

/// Unknown API paths get the JSON error; anything else a page in the visitor's language.
async fn not_found(
    headers: axum::http::HeaderMap,
    uri: axum::http::Uri,
) -> axum::response::Response {
    use axum::response::IntoResponse as _;
    if uri.path().starts_with("/api/") {
        AppError::NotFound(uri.path().to_owned()).into_response()
    } else {
        crate::web::not_found_page(&headers, &uri)
    }
}
