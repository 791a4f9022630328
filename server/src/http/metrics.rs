//! `/metrics` in the Prometheus text format: request counts by status class, readings taken in,
//! sign-in refusals, devices online, live subscribers and whether the database answers.
//!
//! Counters are process-wide atomics bumped by a middleware and by ingest; nothing here counts
//! rows of big tables per scrape. Readable with the configured bearer token, or, when none is
//! configured, only from this machine.

use std::fmt::Write as _;
use std::sync::atomic::{AtomicU64, Ordering};

use axum::extract::{Request, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::session::peer;
use super::{AppError, AppState};

/// Process-wide counters.
#[derive(Debug, Default)]
pub struct Metrics {
    /// Responses by status class 1xx..5xx (index 0..4).
    responses: [AtomicU64; 5],
    pub readings_accepted: AtomicU64,
    pub readings_duplicate: AtomicU64,
    pub readings_rejected: AtomicU64,
}

impl Metrics {
    pub fn add(counter: &AtomicU64, n: usize) {
        counter.fetch_add(u64::try_from(n).unwrap_or(u64::MAX), Ordering::Relaxed);
    }
}

/// Counts every response by status class.
pub async fn count(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let resp = next.run(req).await;
    let class = usize::from(resp.status().as_u16() / 100).clamp(1, 5) - 1;
    state.metrics.responses[class].fetch_add(1, Ordering::Relaxed);
    resp
}

fn authorised(state: &AppState, headers: &HeaderMap, ext: &axum::http::Extensions) -> bool {
    let token = state.settings.metrics_token.expose();
    if token.is_empty() {
        // No token configured: only clients on this machine. Without connection info (tests
        // through the router) there is no remote peer.
        return peer(ext).is_none_or(|ip| ip.is_loopback());
    }
    headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .is_some_and(|t| t.trim() == token)
}

pub async fn get_metrics(State(state): State<AppState>, req: Request) -> Response {
    if !authorised(&state, req.headers(), req.extensions()) {
        return AppError::Unauthorized("metrics need the configured bearer token").into_response();
    }
    let m = &state.metrics;
    let db_up = u8::from(state.store.ping().await.is_ok());
    let now = chrono::Utc::now();
    let (devices, online) = match state.store.list_devices().await {
        Ok(d) => (d.len(), d.iter().filter(|x| x.online(now)).count()),
        Err(_) => (0, 0),
    };
    let mut out = String::new();
    let mut metric = |name: &str, kind: &str, help: &str, lines: &[(String, String)]| {
        let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} {kind}");
        for (labels, value) in lines {
            let _ = writeln!(out, "{name}{labels} {value}");
        }
    };
    metric(
        "tdc_build_info",
        "gauge",
        "Versions of the server and its metrology engine.",
        &[(
            format!(
                "{{version=\"{}\",engine=\"{}\",database=\"{}\"}}",
                env!("CARGO_PKG_VERSION"),
                calibration_profiles::ENGINE_VERSION,
                state.store.backend()
            ),
            "1".into(),
        )],
    );
    metric(
        "tdc_http_responses_total",
        "counter",
        "HTTP responses by status class.",
        &(0..5)
            .map(|i| {
                (
                    format!("{{class=\"{}xx\"}}", i + 1),
                    m.responses[i].load(Ordering::Relaxed).to_string(),
                )
            })
            .collect::<Vec<_>>(),
    );
    metric(
        "tdc_readings_total",
        "counter",
        "Readings received from bridges, by outcome.",
        &[
            ("accepted", &m.readings_accepted),
            ("duplicate", &m.readings_duplicate),
            ("rejected", &m.readings_rejected),
        ]
        .map(|(o, c)| {
            (
                format!("{{outcome=\"{o}\"}}"),
                c.load(Ordering::Relaxed).to_string(),
            )
        }),
    );
    metric(
        "tdc_devices",
        "gauge",
        "Devices known, and those that sent a reading in the last two minutes.",
        &[
            ("{state=\"known\"}".into(), devices.to_string()),
            ("{state=\"online\"}".into(), online.to_string()),
        ],
    );
    metric(
        "tdc_live_subscribers",
        "gauge",
        "Open live-reading streams.",
        &[(String::new(), state.live.receiver_count().to_string())],
    );
    metric(
        "tdc_database_up",
        "gauge",
        "Whether the database answered this scrape.",
        &[(String::new(), db_up.to_string())],
    );
    (
        StatusCode::OK,
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        out,
    )
        .into_response()
}
