//! What every page shares: who is looking and in which language ([`Ctx`]), the failures a
//! page can end in ([`PageError`]) and the layer that turns them into friendly pages and adds
//! the security headers ([`frame`]).
//!
//! A handler returns `Err(PageError::…)`; the error only marks the response, and [`frame`],
//! which knows the request, renders the page: anonymous visitors are sent to
//! `/login?next=<path>`, a role that may not see the page gets a 403 page with the menu it may
//! use, and internal errors are logged with their cause chain and shown without it.

use std::sync::{Arc, Mutex};

use askama::Template;
use axum::extract::{FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use chrono::{DateTime, Utc};

use super::assets;
use super::i18n::{Lang, Text, fill};
use crate::http::AppState;
use crate::http::session::{Caller, MaybeCaller, Permission, allows};
use crate::store::StoreError;

/// Largest form a page accepts.
const MAX_FORM: usize = 1 << 20;

/// The viewer of a page: language, signed-in person (if any) and the path asked for.
#[derive(Debug, Clone)]
pub struct Ctx {
    pub lang: Lang,
    pub t: &'static Text,
    pub user: Option<Caller>,
    /// Path and query of the request (for the language switch and the sign-in redirect).
    pub path: String,
}

impl FromRequestParts<AppState> for Ctx {
    type Rejection = PageError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, PageError> {
        let lang = Lang::from_headers(&parts.headers);
        let MaybeCaller(user) = MaybeCaller::from_request_parts(parts, state)
            .await
            .map_err(|e| PageError::Internal(anyhow::anyhow!("session lookup: {e}")))?;
        let ctx = Self::new(lang, user, path_of(&parts.uri));
        if let Some(slot) = parts.extensions.get::<Slot>() {
            slot.put(&ctx);
        }
        Ok(ctx)
    }
}

fn path_of(uri: &axum::http::Uri) -> String {
    uri.path_and_query()
        .map_or_else(|| uri.path().to_owned(), |p| p.as_str().to_owned())
}

impl Ctx {
    #[must_use]
    pub fn new(lang: Lang, user: Option<Caller>, path: String) -> Self {
        Self {
            lang,
            t: lang.text(),
            user,
            path,
        }
    }

    /// The signed-in person, if their role has `p`.
    pub fn require(&self, p: Permission) -> Result<&Caller, PageError> {
        match &self.user {
            None => Err(PageError::SignIn),
            Some(c) if allows(c.role, p) => Ok(c),
            Some(_) => Err(PageError::Forbidden),
        }
    }

    fn may(&self, p: Permission) -> bool {
        self.user.as_ref().is_some_and(|c| allows(c.role, p))
    }

    // ---- for templates ----

    #[must_use]
    pub fn can_edit(&self) -> bool {
        self.may(Permission::EditRegistry)
    }

    #[must_use]
    pub fn can_admin(&self) -> bool {
        self.may(Permission::Administer)
    }

    #[must_use]
    pub fn can_audit(&self) -> bool {
        self.may(Permission::ReadAudit)
    }

    #[must_use]
    pub fn may_import_dossiers(&self) -> bool {
        self.may(Permission::Dossiers)
    }

    /// The CSRF token every form of a signed-in person carries.
    #[must_use]
    pub fn csrf(&self) -> &str {
        self.user.as_ref().map_or("", |c| c.csrf_token.as_str())
    }

    #[must_use]
    pub fn user_name(&self) -> &str {
        self.user.as_ref().map_or("", |c| c.user.full_name.as_str())
    }

    #[must_use]
    pub fn role_name(&self) -> &str {
        self.user.as_ref().map_or("", |c| self.t.role(c.role))
    }

    /// Whether the page belongs to the menu entry `section` (for `aria-current`).
    #[must_use]
    pub fn is_at(&self, section: &str) -> bool {
        let path = self.path.split('?').next().unwrap_or_default();
        if section == "/" {
            path == "/"
        } else {
            path == section || path.starts_with(&format!("{section}/"))
        }
    }

    /// The link that switches to `code` and comes back here.
    #[must_use]
    pub fn lang_url(&self, code: &str) -> String {
        format!("/lang/{code}?next={}", encode(&self.path))
    }

    /// Templates reach every helper through the context.
    #[allow(clippy::unused_self)]
    #[must_use]
    pub fn asset(&self, name: &str) -> String {
        assets::url(name)
    }

    #[must_use]
    pub fn datetime(&self, at: &DateTime<Utc>) -> String {
        self.lang.datetime(*at)
    }
}

/// Percent-encodes a query value.
#[must_use]
pub fn encode(v: &str) -> String {
    form_urlencoded::byte_serialize(v.as_bytes()).collect()
}

/// A query string from `(name, value)` pairs, empty values left out.
#[must_use]
pub fn query(pairs: &[(&str, &str)]) -> String {
    let mut s = form_urlencoded::Serializer::new(String::new());
    for (k, v) in pairs {
        if !v.is_empty() {
            s.append_pair(k, v);
        }
    }
    s.finish()
}

/// Where a page may send the browser after signing in or switching language: a path of
/// this site only (`/…`, not `//host` nor `/\host`, which browsers read as another site).
#[must_use]
pub fn local_target(next: Option<&str>) -> String {
    match next {
        Some(n)
            if n.starts_with('/')
                && !n.starts_with("//")
                && !n.starts_with("/\\")
                && !n.chars().any(char::is_control) =>
        {
            n.to_owned()
        }
        _ => "/".to_owned(),
    }
}

/// `303 See Other` to `to` (after a form, the browser fetches the result with GET).
#[must_use]
pub fn see_other(to: &str) -> Response {
    Redirect::to(to).into_response()
}

/// Reads an `application/x-www-form-urlencoded` body into `T` (fields not in `T`, like
/// `csrf`, are ignored).
pub async fn form<T: serde::de::DeserializeOwned>(req: Request) -> Result<T, PageError> {
    let bytes = axum::body::to_bytes(req.into_body(), MAX_FORM)
        .await
        .map_err(|_| PageError::BadRequest(format!("a form is at most {MAX_FORM} bytes")))?;
    serde_urlencoded::from_bytes(&bytes).map_err(|e| PageError::BadRequest(e.to_string()))
}

/// Renders a template, or fails with the reason logged.
pub fn render(t: &impl Template) -> Result<Response, PageError> {
    let html = t
        .render()
        .map_err(|e| PageError::Internal(anyhow::anyhow!("rendering a page: {e}")))?;
    Ok(html_response(StatusCode::OK, html))
}

/// Renders a template with a status other than 200 (a form with errors: 422).
pub fn render_status(status: StatusCode, t: &impl Template) -> Result<Response, PageError> {
    let mut r = render(t)?;
    *r.status_mut() = status;
    Ok(r)
}

fn html_response(status: StatusCode, html: String) -> Response {
    (
        status,
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("text/html; charset=utf-8"),
        )],
        html,
    )
        .into_response()
}

/// Messages of a form, by field name, in the page's language.
#[derive(Debug, Clone, Default)]
pub struct Errors(Vec<(String, String)>);

impl Errors {
    /// Adds a message (a field keeps its first one: the most basic problem).
    pub fn add(&mut self, field: &str, message: impl Into<String>) {
        if !self.has(field) {
            self.0.push((field.to_owned(), message.into()));
        }
    }

    /// The store's validation problems, translated.
    pub fn add_problems(&mut self, t: &Text, problems: &calibration_profiles::problems::Problems) {
        for p in problems.iter() {
            self.add(&p.path, t.problem(&p.message));
        }
    }

    #[must_use]
    pub fn has(&self, field: &str) -> bool {
        self.0.iter().any(|(f, _)| f == field)
    }

    #[must_use]
    pub fn get(&self, field: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(f, _)| f == field)
            .map(|(_, m)| m.as_str())
    }

    #[must_use]
    pub fn any(&self) -> bool {
        !self.0.is_empty()
    }
}

/// How a page request failed.
#[derive(Debug)]
pub enum PageError {
    /// Nobody is signed in: go to the sign-in page, then come back.
    SignIn,
    /// The role may not see this.
    Forbidden,
    NotFound,
    /// The request cannot be read (a broken form or query).
    BadRequest(String),
    /// A bug or an unavailable database: logged with its causes.
    Internal(anyhow::Error),
}

impl From<StoreError> for PageError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound(_) => PageError::NotFound,
            other => PageError::Internal(other.into()),
        }
    }
}

/// The failure a response stands for, left for [`frame`] to render.
#[derive(Debug, Clone)]
struct Failure(FailureKind);

#[derive(Debug, Clone)]
enum FailureKind {
    SignIn,
    Forbidden,
    NotFound,
    BadRequest(String),
    Internal,
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        let (status, kind) = match self {
            PageError::SignIn => (StatusCode::UNAUTHORIZED, FailureKind::SignIn),
            PageError::Forbidden => (StatusCode::FORBIDDEN, FailureKind::Forbidden),
            PageError::NotFound => (StatusCode::NOT_FOUND, FailureKind::NotFound),
            PageError::BadRequest(why) => (StatusCode::BAD_REQUEST, FailureKind::BadRequest(why)),
            PageError::Internal(e) => {
                // The cause chain goes to the log only.
                tracing::error!(error = format!("{e:#}"), "page failed");
                (StatusCode::INTERNAL_SERVER_ERROR, FailureKind::Internal)
            }
        };
        let mut r = status.into_response();
        r.extensions_mut().insert(Failure(kind));
        r
    }
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage<'a> {
    c: &'a Ctx,
    title: &'a str,
    message: String,
}

/// Where the handler's [`Ctx`] is left for [`frame`], which renders failures with the
/// viewer's own menu and language.
#[derive(Debug, Clone, Default)]
struct Slot(Arc<Mutex<Option<Ctx>>>);

impl Slot {
    fn put(&self, ctx: &Ctx) {
        *self
            .0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = Some(ctx.clone());
    }

    fn take(&self) -> Option<Ctx> {
        self.0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .take()
    }
}

/// The layer around every page: renders failures and adds the security headers.
pub async fn frame(mut req: Request, next: Next) -> Response {
    let lang = Lang::from_headers(req.headers());
    let path = path_of(req.uri());
    let slot = Slot::default();
    req.extensions_mut().insert(slot.clone());
    let mut resp = next.run(req).await;
    if let Some(Failure(kind)) = resp.extensions_mut().remove::<Failure>() {
        let ctx = slot.take().unwrap_or_else(|| Ctx::new(lang, None, path));
        resp = failure_page(&ctx, kind);
    }
    secure(resp.headers_mut());
    resp
}

/// The "not found" page for a path that is neither a page nor the API, in the language of
/// the cookie (without the menu: it looks up no session). For the application's fallback,
/// which answers JSON for every unknown path today.
#[must_use]
pub fn not_found_page(headers: &HeaderMap, uri: &axum::http::Uri) -> Response {
    let ctx = Ctx::new(Lang::from_headers(headers), None, path_of(uri));
    let mut r = failure_page(&ctx, FailureKind::NotFound);
    secure(r.headers_mut());
    r
}

fn failure_page(c: &Ctx, kind: FailureKind) -> Response {
    let t = c.t;
    if matches!(kind, FailureKind::SignIn) {
        return see_other(&format!("/login?next={}", encode(&c.path)));
    }
    let (status, title, message) = match kind {
        FailureKind::Forbidden => (
            StatusCode::FORBIDDEN,
            t.forbidden_title,
            fill(t.forbidden_text, c.role_name()),
        ),
        FailureKind::NotFound => (
            StatusCode::NOT_FOUND,
            t.not_found_title,
            t.not_found_text.to_owned(),
        ),
        FailureKind::BadRequest(why) => (StatusCode::BAD_REQUEST, t.bad_request_title, why),
        FailureKind::Internal | FailureKind::SignIn => (
            StatusCode::INTERNAL_SERVER_ERROR,
            t.internal_title,
            t.internal_text.to_owned(),
        ),
    };
    let page = ErrorPage { c, title, message };
    match page.render() {
        Ok(html) => html_response(status, html),
        Err(e) => {
            tracing::error!(error = %e, "rendering the error page");
            (status, title.to_owned()).into_response()
        }
    }
}

/// Headers every page carries: nothing from elsewhere runs, frames nobody, sniffs nothing,
/// and pages with personal data stay out of shared caches.
fn secure(h: &mut HeaderMap) {
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static("default-src 'self'; frame-ancestors 'none'; form-action 'self'"),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
    h.entry(header::CACHE_CONTROL)
        .or_insert(HeaderValue::from_static("no-store"));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_local_paths_are_followed_after_sign_in() {
        assert_eq!(
            local_target(Some("/instruments?page=2")),
            "/instruments?page=2"
        );
        for bad in [
            "https://evil.example/",
            "//evil.example/",
            "/\\evil.example",
            "instruments",
            "/a\nb",
        ] {
            assert_eq!(local_target(Some(bad)), "/", "{bad}");
        }
        assert_eq!(local_target(None), "/");
    }

    #[test]
    fn the_not_found_page_speaks_the_chosen_language() {
        let mut headers = HeaderMap::new();
        headers.insert(header::COOKIE, HeaderValue::from_static("tdc_lang=en"));
        let r = not_found_page(&headers, &"/nowhere".parse().unwrap());
        assert_eq!(r.status(), StatusCode::NOT_FOUND);
        assert_eq!(r.headers()[header::X_FRAME_OPTIONS], "DENY");
        let r = not_found_page(&HeaderMap::new(), &"/nowhere".parse().unwrap());
        assert_eq!(
            r.headers()[header::CONTENT_TYPE],
            "text/html; charset=utf-8"
        );
    }

    #[test]
    fn queries_leave_out_empty_values() {
        assert_eq!(
            query(&[("serial", "A 1"), ("category", ""), ("page", "2")]),
            "serial=A+1&page=2"
        );
    }
}
