//! Sign-in, sessions, CSRF and permissions.
//!
//! A signed-in person carries the `tdc_session` cookie (HttpOnly, SameSite=Lax, Secure when the
//! public URL is https). Every state-changing request made with that cookie must prove it came
//! from our own pages: the session's CSRF token in the `X-CSRF-Token` header (API clients) or
//! in the `csrf` field of a form. [`csrf_guard`] checks this once for the whole router, so no
//! handler can forget it. Failed sign-ins are throttled per username and per address.
//!
//! Handlers ask for a [`Caller`] and then `caller.require(Permission::…)`; the table of who may
//! do what is [`allows`], and a test walks every endpoint with every role.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::Json;
use axum::body::Body;
use axum::extract::{ConnectInfo, FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use calibration_profiles::problems::Problems;
use serde::{Deserialize, Serialize};

use super::{AppError, AppState, body_json};
use crate::auth::{hash_password, verify_password};
use crate::store::users::{Role, User};

/// Name of the session cookie.
pub const SESSION_COOKIE: &str = "tdc_session";
/// Name of the CSRF header API clients send.
pub const CSRF_HEADER: &str = "x-csrf-token";
/// Largest form body the CSRF guard reads.
const MAX_FORM: usize = 1 << 20;

/// What a role may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Permission {
    /// See the registry, standards, devices and live readings.
    Read,
    /// Use the calculator endpoints.
    Calculate,
    /// Create, change and retire organisations and instruments.
    EditRegistry,
    /// Create and change standards, record their calibrations and checks, take them out of
    /// service (failed, quarantined).
    ManageStandards,
    /// Put a standard back in service, or allow an unusable one to be used.
    OverrideStandards,
    /// Read the audit trail.
    ReadAudit,
    /// Users, bridges and device tokens.
    Administer,
    /// Receive instruments, set up and run verifications and calibrations, submit them.
    Bench,
    /// Approve a submitted run or return it with comments.
    Review,
    /// Sign and issue certificates (with the password again), amend and revoke them, assess
    /// nonconformities.
    Sign,
    /// Register import inspection dossiers and record their steps.
    Dossiers,
    /// Receive samples, record their custody, assign tests and enter results.
    Laboratory,
}

impl Permission {
    pub const ALL: [Permission; 12] = [
        Permission::Read,
        Permission::Calculate,
        Permission::EditRegistry,
        Permission::ManageStandards,
        Permission::OverrideStandards,
        Permission::ReadAudit,
        Permission::Administer,
        Permission::Bench,
        Permission::Review,
        Permission::Sign,
        Permission::Dossiers,
        Permission::Laboratory,
    ];
}

/// The role-permission table.
#[must_use]
pub fn allows(role: Role, p: Permission) -> bool {
    use Permission as P;
    use Role as R;
    match p {
        P::Read | P::Calculate => true,
        P::EditRegistry => !matches!(role, R::ReadOnly),
        P::ManageStandards => matches!(
            role,
            R::Technician | R::Reviewer | R::QualityManager | R::Admin
        ),
        // Not the administrator: putting a standard to use, or signing, is a technical decision.
        P::OverrideStandards | P::Sign => role == R::QualityManager,
        P::ReadAudit => matches!(
            role,
            R::Reviewer | R::QualityManager | R::Admin | R::ReadOnly
        ),
        P::Administer => role == R::Admin,
        P::Bench | P::Laboratory => {
            matches!(role, R::Technician | R::Reviewer | R::QualityManager)
        }
        P::Review => matches!(role, R::Reviewer | R::QualityManager),
        // Import inspection is state management work (inspectors), not the laboratory's.
        P::Dossiers => matches!(role, R::Inspector | R::Reviewer | R::QualityManager),
    }
}

/// Who may call an endpoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rule {
    /// Anyone (sign-in, sign-out, the API description).
    Public,
    /// A bridge with its device token; the handler checks the token.
    Device,
    /// A signed-in person whose role has the permission.
    Signed(Permission),
}

/// The access rule of each API endpoint, by method and route template. One table for the
/// whole API: [`authorize`] enforces it before any handler or body parser runs, and an
/// endpoint missing here is refused.
#[must_use]
pub fn rule(method: &Method, path: &str) -> Option<Rule> {
    use Permission as P;
    use Rule::{Device, Public, Signed};
    let get = *method == Method::GET || *method == Method::HEAD;
    let m = method.as_str();
    Some(match (m, path) {
        ("POST", "/api/v1/readings") => Device,
        ("POST" | "DELETE", "/api/v1/session") | (_, "/api/v1/openapi.json") => Public,
        ("GET", "/api/v1/session") | ("PUT", "/api/v1/session/password") => Signed(P::Read),
        ("POST", p) if p.starts_with("/api/v1/calc/") => Signed(P::Calculate),
        (
            _,
            "/api/v1/categories"
            | "/api/v1/organisations"
            | "/api/v1/organisations/{id}"
            | "/api/v1/instruments"
            | "/api/v1/instruments/{id}"
            | "/api/v1/instruments/{id}/history",
        ) if get => Signed(P::Read),
        (
            "POST" | "PUT",
            "/api/v1/organisations"
            | "/api/v1/organisations/{id}"
            | "/api/v1/organisations/{id}/retire"
            | "/api/v1/instruments"
            | "/api/v1/instruments/{id}"
            | "/api/v1/instruments/{id}/retire",
        ) => Signed(P::EditRegistry),
        ("POST", "/api/v1/standards/{id}/override") => Signed(P::OverrideStandards),
        (_, p) if p.starts_with("/api/v1/standards") => {
            if get {
                Signed(P::Read)
            } else {
                Signed(P::ManageStandards)
            }
        }
        (_, p)
            if get
                && (p.starts_with("/api/v1/devices")
                    || p.starts_with("/api/v1/readings/")
                    || p == "/api/v1/bridges") =>
        {
            Signed(P::Read)
        }
        (_, p) if p.starts_with("/api/v1/users") || p.starts_with("/api/v1/bridges/") => {
            Signed(P::Administer)
        }
        (_, "/api/v1/audit" | "/api/v1/audit/verify") if get => Signed(P::ReadAudit),
        (
            _,
            "/api/v1/receipts"
            | "/api/v1/receipts/{id}"
            | "/api/v1/procedures"
            | "/api/v1/procedures/{id}"
            | "/api/v1/runs"
            | "/api/v1/runs/{id}"
            | "/api/v1/runs/{id}/chart.svg"
            | "/api/v1/certificates"
            | "/api/v1/certificates/{id}"
            | "/api/v1/certificates/{id}/pdf"
            | "/api/v1/certificates/{id}/record.pdf"
            | "/api/v1/certificates/{id}/dcc.xml"
            | "/api/v1/certificates/{id}/signed.json"
            | "/api/v1/nonconformities"
            | "/api/v1/nonconformities/{id}"
            | "/api/v1/due"
            | "/api/v1/calendar"
            | "/api/v1/calendar/add-working-days"
            | "/api/v1/import-regimes"
            | "/api/v1/dossiers"
            | "/api/v1/dossiers/{id}"
            | "/api/v1/records/{id}"
            | "/api/v1/records/{id}/pdf"
            | "/api/v1/samples"
            | "/api/v1/samples/{id}"
            | "/api/v1/samples/{id}/label.svg"
            | "/api/v1/surveys"
            | "/api/v1/surveys/{id}"
            | "/api/v1/reports/yearly"
            | "/api/v1/reports/yearly.xlsx",
        ) if get => Signed(P::Read),
        (
            "POST" | "PUT",
            "/api/v1/receipts"
            | "/api/v1/runs/{id}/setup"
            | "/api/v1/runs/{id}/environment"
            | "/api/v1/runs/{id}/steps/{step}"
            | "/api/v1/runs/{id}/points/{point}/capture"
            | "/api/v1/runs/{id}/points/{point}/manual"
            | "/api/v1/runs/{id}/values/{value}/discard"
            | "/api/v1/runs/{id}/submit"
            | "/api/v1/runs/{id}/cancel",
        ) => Signed(P::Bench),
        (
            "POST",
            "/api/v1/runs/{id}/return"
            | "/api/v1/runs/{id}/approve"
            | "/api/v1/samples/{id}/return"
            | "/api/v1/samples/{id}/approve",
        ) => Signed(P::Review),
        (
            "POST" | "PUT",
            "/api/v1/runs/{id}/sign"
            | "/api/v1/certificates/{id}/amend"
            | "/api/v1/certificates/{id}/revoke"
            | "/api/v1/nonconformities/{id}"
            | "/api/v1/dossiers/{id}/notice"
            | "/api/v1/records/{id}/revoke"
            | "/api/v1/records/{id}/amend",
        ) => Signed(P::Sign),
        ("PUT" | "DELETE", p) if p.starts_with("/api/v1/calendar/") => Signed(P::Administer),
        (
            "POST",
            "/api/v1/dossiers"
            | "/api/v1/dossiers/import"
            | "/api/v1/dossiers/{id}/confirm"
            | "/api/v1/dossiers/{id}/documents"
            | "/api/v1/dossiers/{id}/clearance"
            | "/api/v1/dossiers/{id}/certificate"
            | "/api/v1/dossiers/{id}/sampling",
        ) => Signed(P::Dossiers),
        (
            "POST",
            "/api/v1/samples"
            | "/api/v1/samples/{id}/split"
            | "/api/v1/samples/{id}/custody"
            | "/api/v1/samples/{id}/dispose"
            | "/api/v1/samples/{id}/tests"
            | "/api/v1/samples/{id}/tests/{test}/result"
            | "/api/v1/samples/{id}/submit"
            | "/api/v1/surveys",
        ) => Signed(P::Laboratory),

        _ => return None,
    })
}

/// Enforces [`rule`] for the matched route; puts the [`Caller`] in the request for handlers.
pub async fn authorize(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let Some(path) = req
        .extensions()
        .get::<axum::extract::MatchedPath>()
        .map(|m| m.as_str().to_owned())
    else {
        return next.run(req).await;
    };
    match rule(req.method(), &path) {
        Some(Rule::Public | Rule::Device) => next.run(req).await,
        Some(Rule::Signed(p)) => {
            let (mut parts, body) = req.into_parts();
            let caller = match Caller::from_request_parts(&mut parts, &state).await {
                Ok(c) => c,
                Err(e) => return e.into_response(),
            };
            if let Err(e) = caller.require(p) {
                return e.into_response();
            }
            next.run(Request::from_parts(parts, body)).await
        }
        None => {
            tracing::error!(%path, method = %req.method(), "no access rule for this endpoint");
            AppError::Forbidden(format!("no access rule for {} {path}", req.method()))
                .into_response()
        }
    }
}

/// A signed-in person making a request.
#[derive(Debug, Clone)]
pub struct Caller {
    pub user: User,
    pub role: Role,
    pub csrf_token: String,
}

impl Caller {
    /// The actor written into audit entries.
    #[must_use]
    pub fn actor(&self) -> String {
        format!("user:{}", self.user.username)
    }

    pub fn require(&self, p: Permission) -> Result<(), AppError> {
        if allows(self.role, p) {
            Ok(())
        } else {
            Err(AppError::Forbidden(format!(
                "the role `{}` may not do this (needs `{}`)",
                self.role.as_str(),
                serde_json::to_value(p)
                    .ok()
                    .and_then(|v| v.as_str().map(ToOwned::to_owned))
                    .unwrap_or_default()
            )))
        }
    }
}

/// The value of a cookie in the request.
#[must_use]
pub fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

impl FromRequestParts<AppState> for Caller {
    type Rejection = AppError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        if let Some(c) = parts.extensions.get::<Caller>() {
            return Ok(c.clone());
        }
        let token = cookie(&parts.headers, SESSION_COOKIE)
            .ok_or(AppError::Unauthorized("sign in first"))?;
        let session = state
            .store
            .session(token)
            .await
            .map_err(AppError::store)?
            .ok_or(AppError::Unauthorized(
                "the session has ended; sign in again",
            ))?;
        let role = session
            .user
            .role()
            .ok_or_else(|| AppError::Internal(anyhow::anyhow!("a user has an unknown role")))?;
        let caller = Caller {
            user: session.user,
            role,
            csrf_token: session.csrf_token,
        };
        parts.extensions.insert(caller.clone());
        Ok(caller)
    }
}

/// An optional [`Caller`]: pages that show a sign-in link to anonymous visitors.
#[derive(Debug, Clone)]
pub struct MaybeCaller(pub Option<Caller>);

impl FromRequestParts<AppState> for MaybeCaller {
    type Rejection = AppError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        match Caller::from_request_parts(parts, state).await {
            Ok(c) => Ok(Self(Some(c))),
            Err(AppError::Unauthorized(_)) => Ok(Self(None)),
            Err(e) => Err(e),
        }
    }
}

fn constant_time_eq(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

/// Refuses state-changing requests made with a session cookie that do not carry the
/// session's CSRF token (header or form field). Requests without the cookie pass: they are
/// either sign-ins or bearer-token calls, which a browser cannot forge.
pub async fn csrf_guard(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let safe = matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS);
    let Some(token) = cookie(req.headers(), SESSION_COOKIE).map(ToOwned::to_owned) else {
        return next.run(req).await;
    };
    if safe {
        return next.run(req).await;
    }
    let expected = match state.store.session(&token).await {
        Ok(Some(s)) => s.csrf_token,
        // An ended session: let the handler answer 401 (sign-out of an ended session is fine).
        Ok(None) => return next.run(req).await,
        Err(e) => return AppError::store(e).into_response(),
    };
    if let Some(h) = req.headers().get(CSRF_HEADER).and_then(|v| v.to_str().ok()) {
        return if constant_time_eq(h, &expected) {
            next.run(req).await
        } else {
            csrf_refused()
        };
    }
    let is_form = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
    if !is_form {
        return csrf_refused();
    }
    let (parts, body) = req.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, MAX_FORM).await else {
        return AppError::TooLarge(format!("a form may be at most {MAX_FORM} bytes"))
            .into_response();
    };
    let field = form_urlencoded_field(&bytes, "csrf");
    if field
        .as_deref()
        .is_some_and(|f| constant_time_eq(f, &expected))
    {
        next.run(Request::from_parts(parts, Body::from(bytes)))
            .await
    } else {
        csrf_refused()
    }
}

fn csrf_refused() -> Response {
    AppError::Forbidden(
        "the request lacks this session's CSRF token (reload the page and try again)".into(),
    )
    .into_response()
}

/// One field of an `application/x-www-form-urlencoded` body.
fn form_urlencoded_field(body: &[u8], name: &str) -> Option<String> {
    let pairs: Vec<(String, String)> = serde_urlencoded::from_bytes(body).ok()?;
    pairs.into_iter().find(|(k, _)| k == name).map(|(_, v)| v)
}

/// Failed sign-ins, per key, within the window.
#[derive(Debug)]
pub struct Throttle {
    window: Duration,
    failures: Mutex<HashMap<String, Vec<Instant>>>,
}

impl Throttle {
    #[must_use]
    pub fn new(window: Duration) -> Self {
        Self {
            window,
            failures: Mutex::new(HashMap::new()),
        }
    }

    /// When `key` is locked out, how long until it may try again.
    fn locked(&self, key: &str, limit: u32) -> Option<Duration> {
        let now = Instant::now();
        let mut map = self
            .failures
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let list = map.get_mut(key)?;
        list.retain(|t| now.duration_since(*t) < self.window);
        if list.len() >= usize::try_from(limit).unwrap_or(usize::MAX) {
            let oldest = list.iter().min().copied()?;
            Some(self.window.saturating_sub(now.duration_since(oldest)))
        } else {
            None
        }
    }

    fn fail(&self, key: &str) {
        let mut map = self
            .failures
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        // Bound the memory an attacker can make us hold.
        if map.len() > 100_000 {
            let now = Instant::now();
            map.retain(|_, v| v.iter().any(|t| now.duration_since(*t) < self.window));
        }
        map.entry(key.to_owned()).or_default().push(Instant::now());
    }

    fn clear(&self, key: &str) {
        let mut map = self
            .failures
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        map.remove(key);
    }
}

#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Credentials {
    pub username: String,
    pub password: String,
}

/// What a signed-in person learns about their session.
#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct SessionInfo {
    pub username: String,
    pub full_name: String,
    pub role: Role,
    pub permissions: Vec<Permission>,
    pub csrf_token: String,
}

impl SessionInfo {
    fn of(user: &User, role: Role, csrf_token: String) -> Self {
        Self {
            username: user.username.clone(),
            full_name: user.full_name.clone(),
            role,
            permissions: Permission::ALL
                .into_iter()
                .filter(|p| allows(role, *p))
                .collect(),
            csrf_token,
        }
    }
}

/// Why a sign-in failed, for the page that shows it.
#[derive(Debug)]
pub enum SignInError {
    /// Wrong username or password (which one is not said).
    Refused,
    /// Too many failures: wait this long.
    Throttled(Duration),
    Other(AppError),
}

impl From<SignInError> for AppError {
    fn from(e: SignInError) -> Self {
        match e {
            SignInError::Refused => AppError::Unauthorized("wrong username or password"),
            SignInError::Throttled(_) => {
                AppError::TooManyRequests("too many failed sign-ins; wait and try again".into())
            }
            SignInError::Other(e) => e,
        }
    }
}

/// Checks credentials (throttled) and opens a session: `(cookie value, csrf, user, role)`.
pub async fn sign_in(
    state: &AppState,
    peer: Option<IpAddr>,
    username: &str,
    password: &str,
) -> Result<(String, String, User, Role), SignInError> {
    let user_key = format!("user:{}", username.trim().to_lowercase());
    let ip_key = peer.map(|ip| format!("ip:{ip}"));
    let per_user = state.settings.login_attempts;
    let per_ip = per_user.saturating_mul(5);
    if let Some(wait) = state.throttle.locked(&user_key, per_user).or_else(|| {
        ip_key
            .as_deref()
            .and_then(|k| state.throttle.locked(k, per_ip))
    }) {
        return Err(SignInError::Throttled(wait));
    }
    let user = state
        .store
        .user_by_username(username.trim())
        .await
        .map_err(|e| SignInError::Other(AppError::store(e)))?;
    // Verify against a dummy hash for unknown users so timing does not reveal who exists.
    let hash = match &user {
        Some(u) => u.password_hash.clone(),
        None => dummy_hash().to_owned(),
    };
    let pw = password.to_owned();
    let ok = tokio::task::spawn_blocking(move || verify_password(&pw, &hash))
        .await
        .unwrap_or(false);
    let user = match user {
        Some(u) if ok && !u.disabled => u,
        _ => {
            state.throttle.fail(&user_key);
            if let Some(k) = &ip_key {
                state.throttle.fail(k);
            }
            tracing::info!(username = username.trim(), "sign-in refused");
            return Err(SignInError::Refused);
        }
    };
    state.throttle.clear(&user_key);
    let role = user
        .role()
        .ok_or_else(|| SignInError::Other(AppError::Internal(anyhow::anyhow!("unknown role"))))?;
    let (token, csrf) = state
        .store
        .create_session(
            &user,
            chrono::Duration::hours(i64::from(state.settings.session_hours)),
        )
        .await
        .map_err(|e| SignInError::Other(AppError::store(e)))?;
    tracing::info!(username = %user.username, "signed in");
    Ok((token, csrf, user, role))
}

/// An argon2id hash of a random password nobody knows, made once.
fn dummy_hash() -> &'static str {
    static HASH: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    HASH.get_or_init(|| {
        let mut bytes = [0u8; 24];
        rand::RngExt::fill(&mut rand::rng(), &mut bytes);
        hash_password(&hex::encode(bytes)).unwrap_or_default()
    })
}

/// The `Set-Cookie` value that stores (or, with `None`, clears) the session.
#[must_use]
pub fn session_cookie(state: &AppState, token: Option<&str>) -> HeaderValue {
    let secure = if state.settings.secure_cookies {
        "; Secure"
    } else {
        ""
    };
    let text = match token {
        Some(t) => format!(
            "{SESSION_COOKIE}={t}; Path=/; HttpOnly; SameSite=Lax; Max-Age={}{secure}",
            u64::from(state.settings.session_hours) * 3600
        ),
        None => format!("{SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0{secure}"),
    };
    HeaderValue::from_str(&text).unwrap_or_else(|_| HeaderValue::from_static(""))
}

/// The peer address, when the server was started with connection info.
#[must_use]
pub fn peer(parts_ext: &axum::http::Extensions) -> Option<IpAddr> {
    parts_ext
        .get::<ConnectInfo<std::net::SocketAddr>>()
        .map(|c| c.0.ip())
}

/// `POST /api/v1/session`: sign in with `{"username", "password"}`.
pub async fn post_session(
    State(state): State<AppState>,
    req: Request,
) -> Result<Response, AppError> {
    let ip = peer(req.extensions());
    let bytes = axum::body::to_bytes(req.into_body(), 64 * 1024)
        .await
        .map_err(|_| AppError::TooLarge("a sign-in body is at most 64 KiB".into()))?;
    let creds: Credentials = body_json(&bytes)?;
    let (token, csrf, user, role) = sign_in(&state, ip, &creds.username, &creds.password).await?;
    let mut resp = Json(SessionInfo::of(&user, role, csrf)).into_response();
    resp.headers_mut()
        .insert(header::SET_COOKIE, session_cookie(&state, Some(&token)));
    Ok(resp)
}

/// `GET /api/v1/session`: who is signed in.
pub async fn get_session(caller: Caller) -> Json<SessionInfo> {
    Json(SessionInfo::of(
        &caller.user,
        caller.role,
        caller.csrf_token,
    ))
}

/// `DELETE /api/v1/session`: sign out.
pub async fn delete_session(State(state): State<AppState>, headers: HeaderMap) -> Response {
    if let Some(token) = cookie(&headers, SESSION_COOKIE)
        && let Err(e) = state.store.end_session(token).await
    {
        return AppError::store(e).into_response();
    }
    let mut resp = StatusCode::NO_CONTENT.into_response();
    resp.headers_mut()
        .insert(header::SET_COOKIE, session_cookie(&state, None));
    resp
}

#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PasswordChange {
    pub current_password: String,
    pub new_password: String,
}

/// Changes the caller's password: every session of the user ends and a new one starts here.
pub async fn change_password(
    state: &AppState,
    caller: &Caller,
    change: &PasswordChange,
) -> Result<(String, String), AppError> {
    let hash = caller.user.password_hash.clone();
    let current = change.current_password.clone();
    let ok = tokio::task::spawn_blocking(move || verify_password(&current, &hash))
        .await
        .unwrap_or(false);
    if !ok {
        let mut p = Problems::default();
        p.at("current_password", "is not your current password");
        return Err(AppError::Invalid(p));
    }
    if change.new_password == change.current_password {
        let mut p = Problems::default();
        p.at("new_password", "must differ from the current password");
        return Err(AppError::Invalid(p));
    }
    let new = change.new_password.clone();
    let new_hash = tokio::task::spawn_blocking(move || hash_password(&new))
        .await
        .map_err(|e| AppError::Internal(e.into()))?
        .map_err(|e| {
            let mut p = Problems::default();
            p.at(
                "new_password",
                e.to_string().trim_start_matches("password: "),
            );
            AppError::Invalid(p)
        })?;
    state
        .store
        .set_password(&caller.actor(), &caller.user.username, &new_hash)
        .await
        .map_err(AppError::store)?;
    state
        .store
        .end_sessions_of(caller.user.app_user_id)
        .await
        .map_err(AppError::store)?;
    state
        .store
        .create_session(
            &caller.user,
            chrono::Duration::hours(i64::from(state.settings.session_hours)),
        )
        .await
        .map_err(AppError::store)
}

/// `PUT /api/v1/session/password`.
pub async fn put_password(
    State(state): State<AppState>,
    caller: Caller,
    body: axum::body::Bytes,
) -> Result<Response, AppError> {
    let change: PasswordChange = body_json(&body)?;
    let (token, csrf) = change_password(&state, &caller, &change).await?;
    let mut resp = Json(SessionInfo::of(&caller.user, caller.role, csrf)).into_response();
    resp.headers_mut()
        .insert(header::SET_COOKIE, session_cookie(&state, Some(&token)));
    Ok(resp)
}

/// Shared throttle handle.
pub type SharedThrottle = Arc<Throttle>;

/// Asks a signed-in person for their password again before a decision that carries their
/// name (signing, amending, revoking a certificate). Failures count against the same limit as
/// sign-ins, so a left-open session cannot be used to guess the password.
pub fn reauthenticate(state: &AppState, caller: &Caller, password: &str) -> Result<(), AppError> {
    let key = format!("user:{}", caller.user.username.to_lowercase());
    if let Some(wait) = state.throttle.locked(&key, state.settings.login_attempts) {
        return Err(AppError::TooManyRequests(format!(
            "too many wrong passwords: try again in {} minutes",
            wait.as_secs().div_ceil(60).max(1)
        )));
    }
    if verify_password(password, &caller.user.password_hash) {
        Ok(())
    } else {
        state.throttle.fail(&key);
        let mut p = Problems::default();
        p.at(
            "password",
            "is not your password: signing needs your own password again",
        );
        Err(AppError::Invalid(p))
    }
}

/// Requests per address per minute (fixed one-minute windows), for public pages.
#[derive(Debug)]
pub struct RateLimiter {
    per_minute: u32,
    windows: Mutex<HashMap<IpAddr, (Instant, u32)>>,
}

impl RateLimiter {
    #[must_use]
    pub fn new(per_minute: u32) -> Self {
        Self {
            per_minute: per_minute.max(1),
            windows: Mutex::new(HashMap::new()),
        }
    }

    /// Counts a request from `addr`; `Err(seconds to wait)` when over the limit.
    pub fn check(&self, addr: IpAddr) -> Result<(), u64> {
        let now = Instant::now();
        let mut map = self
            .windows
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if map.len() > 100_000 {
            map.retain(|_, (start, _)| now.duration_since(*start) < Duration::from_mins(1));
        }
        let entry = map.entry(addr).or_insert((now, 0));
        if now.duration_since(entry.0) >= Duration::from_mins(1) {
            *entry = (now, 0);
        }
        if entry.1 >= self.per_minute {
            return Err(60u64
                .saturating_sub(now.duration_since(entry.0).as_secs())
                .max(1));
        }
        entry.1 += 1;
        Ok(())
    }
}
