//! Server-rendered pages, Vietnamese first with an English switch.
//!
//! Each page is an askama template checked at compile time, filled from the store by a thin
//! handler that asks for the same permission as the matching API endpoint. Pages work
//! without JavaScript except the live readings, which small static scripts update over
//! Server-Sent Events, and the bench page ([`bench`]), whose changes go through the JSON API
//! from `static/bench.js` so the page and the API share one set of rules. Every page goes through [`page::frame`]: anonymous visitors are sent to
//! sign in, forbidden pages explain themselves, and the security headers (a strict
//! Content-Security-Policy, no framing) are added. Static files are embedded ([`assets`]).

mod account;
pub(crate) mod assets;
mod audit;
mod bench;
mod certificates;
mod dashboard;
mod devices;
pub mod i18n;
mod instruments;
mod lists;
mod organisations;
mod page;
mod reports;
mod standards;
mod users;
pub(crate) mod views;

use axum::Router;
use axum::routing::{get, post};

use crate::http::{AppError, AppState};
use page::PageError;
pub use page::not_found_page;

/// Pages built from the API's own views ([`crate::http::bench::run_view`] …) fail as the API
/// would: a missing record is the 404 page, the rest is logged with its cause.
impl From<AppError> for PageError {
    fn from(e: AppError) -> Self {
        match e {
            AppError::NotFound(_) => PageError::NotFound,
            AppError::Unauthorized(_) => PageError::SignIn,
            AppError::Forbidden(_) => PageError::Forbidden,
            other => PageError::Internal(anyhow::Error::new(other)),
        }
    }
}

/// The pages' routes.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/", get(dashboard::show))
        .route("/instruments", get(instruments::list))
        .route(
            "/instruments/new",
            get(instruments::new_form).post(instruments::create),
        )
        .route("/instruments/{id}", get(instruments::show))
        .route("/standards", get(standards::list))
        .route("/standards/{id}", get(standards::show))
        .route("/organisations", get(organisations::list))
        .route("/organisations/{id}", get(organisations::show))
        .route("/devices", get(devices::list))
        .route("/devices/{id}", get(devices::show))
        .route("/readings/{id}", get(bench::show_reading))
        .route("/runs", get(bench::list_runs))
        .route("/runs/{id}", get(bench::show_run))
        .route(
            "/receipts/new",
            get(bench::new_receipt).post(bench::create_receipt),
        )
        .route("/receipts/{id}", get(bench::show_receipt))
        .route("/reports", get(reports::show))
        .route("/dossiers", get(lists::dossiers))
        .route("/dossiers/import", get(lists::import_form))
        .route("/dossiers/{id}", get(lists::dossier))
        .route("/samples", get(lists::samples))
        .route("/samples/{id}", get(lists::sample))
        .route("/certificates", get(certificates::list))
        .route("/certificates/{id}", get(certificates::show))
        .route("/nonconformities", get(certificates::list_nonconformities))
        .route(
            "/nonconformities/{id}",
            get(certificates::show_nonconformity),
        )
        .route("/users", get(users::list).post(users::create))
        .route("/audit", get(audit::list))
        .route("/login", get(account::login_form).post(account::login))
        .route("/logout", post(account::logout))
        .route("/lang/{lang}", get(account::set_lang))
        .route(
            "/account/password",
            get(account::password_form).post(account::change_password),
        )
        .route_layer(axum::middleware::from_fn(page::frame))
        .merge(assets::routes())
}
