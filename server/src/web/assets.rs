//! Static files of the pages (stylesheet, the live-reading and bench scripts, the icon),
//! embedded in the binary so a deployment is one file.
//!
//! Their URL carries a version made from their content (`/static/<version>/app.css`): a
//! browser may keep them for a year, and a new release changes the URL. A request naming an
//! old version still gets the current file, but without the long cache lifetime.

use std::sync::OnceLock;

use axum::Router;
use axum::extract::Path;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use sha2::{Digest, Sha256};

use crate::http::AppState;

/// `(name, content type, bytes)` of every static file.
const FILES: &[(&str, &str, &[u8])] = &[
    (
        "app.css",
        "text/css; charset=utf-8",
        include_bytes!("../../static/app.css"),
    ),
    (
        "live.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../../static/live.js"),
    ),
    (
        "bench.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../../static/bench.js"),
    ),
    (
        "import.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../../static/import.js"),
    ),
    (
        "favicon.svg",
        "image/svg+xml",
        include_bytes!("../../static/favicon.svg"),
    ),
];

/// The version of the static files: the start of the SHA-256 of their contents.
pub fn version() -> &'static str {
    static VERSION: OnceLock<String> = OnceLock::new();
    VERSION.get_or_init(|| {
        let mut h = Sha256::new();
        for (name, _, bytes) in FILES {
            h.update(name.as_bytes());
            h.update(bytes);
        }
        hex::encode(&h.finalize()[..6])
    })
}

/// The URL of a static file, with the version.
#[must_use]
pub fn url(name: &str) -> String {
    format!("/static/{}/{name}", version())
}

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/static/{version}/{name}", get(static_file))
        // Browsers ask for this one by itself.
        .route(
            "/favicon.ico",
            get(|| async { static_file(Path((String::new(), "favicon.svg".to_owned()))).await }),
        )
}

async fn static_file(Path((v, name)): Path<(String, String)>) -> Response {
    let Some((_, content_type, bytes)) = FILES.iter().find(|(n, _, _)| *n == name) else {
        return (StatusCode::NOT_FOUND, "no such file").into_response();
    };
    let cache = if v == version() {
        "public, max-age=31536000, immutable"
    } else {
        "no-cache"
    };
    (
        [
            (header::CONTENT_TYPE, HeaderValue::from_static(content_type)),
            (header::CACHE_CONTROL, HeaderValue::from_static(cache)),
            (
                header::X_CONTENT_TYPE_OPTIONS,
                HeaderValue::from_static("nosniff"),
            ),
        ],
        *bytes,
    )
        .into_response()
}
