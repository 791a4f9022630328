//! Administration over HTTP: users, bridges and their device tokens, and the audit trail.

use axum::Json;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::{get, post, put};
use calibration_profiles::problems::Problems;
use calibration_profiles::wire::v1::is_identifier;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::session::{Caller, Permission};
use super::{AppError, AppState, J, Q};
use crate::auth::hash_password;
use crate::store::audit::{self, Entry, Filter, Verification};
use crate::store::devices::Bridge;
use crate::store::users::{NewUser, Role, User, UserUpdate};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/users", get(list_users).post(create_user))
        .route("/api/v1/users/{username}", put(update_user))
        .route("/api/v1/users/{username}/disable", post(disable_user))
        .route("/api/v1/users/{username}/password", put(reset_password))
        .route("/api/v1/bridges", get(list_bridges))
        .route("/api/v1/bridges/{id}/tokens", post(create_token))
        .route("/api/v1/bridges/{id}/revoke", post(revoke_tokens))
        .route("/api/v1/audit", get(list_audit))
        .route("/api/v1/audit/verify", get(verify_audit))
}

async fn list_users(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<Vec<User>>, AppError> {
    caller.require(Permission::Administer)?;
    Ok(Json(
        state.store.list_users().await.map_err(AppError::store)?,
    ))
}

#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct NewUserInput {
    username: String,
    full_name: String,
    role: Role,
    password: String,
}

/// Usernames: letters, digits, `.`, `_`, `-`; 2 to 50 characters.
fn valid_username(u: &str) -> bool {
    (2..=50).contains(&u.len())
        && u.bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'))
}

async fn hashed(password: String, field: &str) -> Result<String, AppError> {
    tokio::task::spawn_blocking(move || hash_password(&password))
        .await
        .map_err(|e| AppError::Internal(e.into()))?
        .map_err(|e| {
            let mut p = Problems::default();
            p.at(field, e.to_string().trim_start_matches("password: "));
            AppError::Invalid(p)
        })
}

async fn create_user(
    State(state): State<AppState>,
    caller: Caller,
    J(input): J<NewUserInput>,
) -> Result<(StatusCode, Json<User>), AppError> {
    caller.require(Permission::Administer)?;
    let mut p = Problems::default();
    if !valid_username(&input.username) {
        p.at(
            "username",
            "2 to 50 letters, digits, `.`, `_` or `-` (no spaces or diacritics)",
        );
    }
    crate::store::registry::required_text(&mut p, "full_name", &input.full_name, 200);
    if input.password.chars().count() < 10 {
        p.at("password", "at least 10 characters");
    }
    p.into_result(()).map_err(AppError::Invalid)?;
    let password_hash = hashed(input.password, "password").await?;
    let user = state
        .store
        .create_user(
            &caller.actor(),
            &NewUser {
                username: input.username,
                full_name: input.full_name.trim().to_owned(),
                role: input.role,
                password_hash,
            },
        )
        .await
        .map_err(AppError::store)?;
    Ok((StatusCode::CREATED, Json(user)))
}

async fn update_user(
    State(state): State<AppState>,
    caller: Caller,
    Path(username): Path<String>,
    J(change): J<UserUpdate>,
) -> Result<Json<User>, AppError> {
    caller.require(Permission::Administer)?;
    let mut p = Problems::default();
    crate::store::registry::required_text(&mut p, "full_name", &change.full_name, 200);
    p.into_result(()).map_err(AppError::Invalid)?;
    if username == caller.user.username && change.role != Role::Admin {
        return Err(AppError::Conflict(
            "an administrator cannot take away their own role; ask another administrator".into(),
        ));
    }
    let user = state
        .store
        .update_user(&caller.actor(), &username, &change)
        .await
        .map_err(AppError::store)?;
    // A new role takes effect at once: existing sessions carried the old one.
    state
        .store
        .end_sessions_of(user.app_user_id)
        .await
        .map_err(AppError::store)?;
    Ok(Json(user))
}

async fn disable_user(
    State(state): State<AppState>,
    caller: Caller,
    Path(username): Path<String>,
) -> Result<StatusCode, AppError> {
    caller.require(Permission::Administer)?;
    if username == caller.user.username {
        return Err(AppError::Conflict(
            "you cannot disable yourself; ask another administrator".into(),
        ));
    }
    let user = state
        .store
        .user_by_username(&username)
        .await
        .map_err(AppError::store)?
        .ok_or_else(|| AppError::NotFound(format!("user `{username}`")))?;
    state
        .store
        .disable_user(&caller.actor(), &username)
        .await
        .map_err(AppError::store)?;
    state
        .store
        .end_sessions_of(user.app_user_id)
        .await
        .map_err(AppError::store)?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct PasswordReset {
    password: String,
}

async fn reset_password(
    State(state): State<AppState>,
    caller: Caller,
    Path(username): Path<String>,
    J(input): J<PasswordReset>,
) -> Result<StatusCode, AppError> {
    caller.require(Permission::Administer)?;
    let user = state
        .store
        .user_by_username(&username)
        .await
        .map_err(AppError::store)?
        .ok_or_else(|| AppError::NotFound(format!("user `{username}`")))?;
    let hash = hashed(input.password, "password").await?;
    state
        .store
        .set_password(&caller.actor(), &username, &hash)
        .await
        .map_err(AppError::store)?;
    state
        .store
        .end_sessions_of(user.app_user_id)
        .await
        .map_err(AppError::store)?;
    Ok(StatusCode::NO_CONTENT)
}

async fn list_bridges(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<Vec<Bridge>>, AppError> {
    caller.require(Permission::Read)?;
    Ok(Json(
        state.store.list_bridges().await.map_err(AppError::store)?,
    ))
}

#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct TokenInput {
    #[serde(default)]
    label: String,
}

#[derive(Debug, Serialize, schemars::JsonSchema)]
pub(crate) struct NewToken {
    bridge_id: String,
    /// Shown once: put it in the bridge's configuration (`server.token`).
    token: String,
}

async fn create_token(
    State(state): State<AppState>,
    caller: Caller,
    Path(bridge_id): Path<String>,
    J(input): J<TokenInput>,
) -> Result<(StatusCode, Json<NewToken>), AppError> {
    caller.require(Permission::Administer)?;
    if !is_identifier(&bridge_id) {
        let mut p = Problems::default();
        p.at(
            "bridge_id",
            format!("`{bridge_id}` is not an identifier: letters, digits, `.`, `_`, `-`"),
        );
        return Err(AppError::Invalid(p));
    }
    let token = state
        .store
        .create_device_token(&caller.actor(), &bridge_id, input.label.trim())
        .await
        .map_err(AppError::store)?;
    Ok((StatusCode::CREATED, Json(NewToken { bridge_id, token })))
}

#[derive(Debug, Serialize, schemars::JsonSchema)]
pub(crate) struct Revoked {
    revoked: u64,
}

async fn revoke_tokens(
    State(state): State<AppState>,
    caller: Caller,
    Path(bridge_id): Path<String>,
) -> Result<Json<Revoked>, AppError> {
    caller.require(Permission::Administer)?;
    let revoked = state
        .store
        .revoke_device_tokens(&caller.actor(), &bridge_id)
        .await
        .map_err(AppError::store)?;
    Ok(Json(Revoked { revoked }))
}

/// Query of the audit list.
#[derive(Debug, Default, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AuditParams {
    pub entity: Option<String>,
    pub entity_id: Option<String>,
    pub actor: Option<String>,
    pub from: Option<DateTime<Utc>>,
    pub to: Option<DateTime<Utc>>,
    /// Entries older than this id (the next page).
    pub before_id: Option<i64>,
    pub limit: Option<i64>,
}

impl AuditParams {
    pub(crate) fn filter(&self) -> Filter {
        let nonempty = |s: &Option<String>| s.clone().filter(|v| !v.trim().is_empty());
        Filter {
            entity: nonempty(&self.entity),
            entity_id: nonempty(&self.entity_id),
            actor: nonempty(&self.actor),
            from: self.from,
            to: self.to,
            before_id: self.before_id,
            limit: self.limit.unwrap_or(100),
        }
    }
}

async fn list_audit(
    State(state): State<AppState>,
    caller: Caller,
    Q(params): Q<AuditParams>,
) -> Result<Json<Vec<Entry>>, AppError> {
    caller.require(Permission::ReadAudit)?;
    Ok(Json(
        audit::list(&state.store, &params.filter())
            .await
            .map_err(AppError::store)?,
    ))
}

async fn verify_audit(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<Verification>, AppError> {
    caller.require(Permission::ReadAudit)?;
    Ok(Json(
        audit::verify(&state.store).await.map_err(AppError::store)?,
    ))
}
