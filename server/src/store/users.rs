//! People who sign in, their roles, and their sessions.

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;
use uuid::Uuid;

use super::audit::{self, Change};
use super::{Store, StoreError};
use crate::{on_db, on_tx};

/// Roles (vai trò). What each may do is decided in `auth.rs`.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, serde::Deserialize, schemars::JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Kỹ thuật viên / kiểm định viên.
    Technician,
    /// Kiểm tra viên.
    Inspector,
    /// Người soát xét.
    Reviewer,
    /// Phụ trách chất lượng.
    QualityManager,
    Admin,
    ReadOnly,
}

impl Role {
    pub const ALL: [Role; 6] = [
        Role::Technician,
        Role::Inspector,
        Role::Reviewer,
        Role::QualityManager,
        Role::Admin,
        Role::ReadOnly,
    ];

    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Technician => "technician",
            Role::Inspector => "inspector",
            Role::Reviewer => "reviewer",
            Role::QualityManager => "quality_manager",
            Role::Admin => "admin",
            Role::ReadOnly => "read_only",
        }
    }

    #[must_use]
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.as_str() == s)
    }

    /// Vietnamese name shown in the UI.
    #[must_use]
    pub fn label_vi(self) -> &'static str {
        match self {
            Role::Technician => "Kỹ thuật viên",
            Role::Inspector => "Kiểm tra viên",
            Role::Reviewer => "Người soát xét",
            Role::QualityManager => "Phụ trách chất lượng",
            Role::Admin => "Quản trị",
            Role::ReadOnly => "Chỉ xem",
        }
    }
}

/// A user as stored (the password hash never leaves this module's callers' sight in JSON).
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow, schemars::JsonSchema)]
pub struct User {
    pub app_user_id: Uuid,
    pub username: String,
    pub full_name: String,
    pub role: String,
    #[serde(skip)]
    pub password_hash: String,
    pub disabled: bool,
    pub verifier_card_no: Option<String>,
    pub verifier_card_expires_on: Option<NaiveDate>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl User {
    #[must_use]
    pub fn role(&self) -> Option<Role> {
        Role::parse(&self.role)
    }

    fn audit_view(&self) -> serde_json::Value {
        // Everything but the password hash.
        serde_json::to_value(self).unwrap_or_default()
    }
}

/// A new user; the password is already hashed by the caller.
#[derive(Debug, Clone)]
pub struct NewUser {
    pub username: String,
    pub full_name: String,
    pub role: Role,
    pub password_hash: String,
}

impl Store {
    pub async fn count_users(&self) -> Result<i64, StoreError> {
        Ok(
            on_db!(self, db => sqlx::query_scalar("SELECT COUNT(*) FROM app_user").fetch_one(db).await)?,
        )
    }

    pub async fn create_user(&self, actor: &str, new: &NewUser) -> Result<User, StoreError> {
        let now = Utc::now();
        let user = User {
            app_user_id: Uuid::now_v7(),
            username: new.username.clone(),
            full_name: new.full_name.clone(),
            role: new.role.as_str().to_owned(),
            password_hash: new.password_hash.clone(),
            disabled: false,
            verifier_card_no: None,
            verifier_card_expires_on: None,
            created_at: now,
            updated_at: now,
        };
        let mut tx = self.begin().await?;
        on_tx!(&mut tx, c => sqlx::query("INSERT INTO app_user (app_user_id, username, full_name, role, password_hash, disabled, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)")
            .bind(user.app_user_id)
            .bind(&user.username)
            .bind(&user.full_name)
            .bind(&user.role)
            .bind(&user.password_hash)
            .bind(false)
            .bind(now)
            .bind(now)
            .execute(&mut **c)
            .await.map(|_| ()))
        .map_err(|e| StoreError::conflict_or(e, || format!("user `{}`", new.username)))?;
        audit::append(
            &mut tx,
            actor,
            Change {
                entity: "app_user",
                entity_id: user.app_user_id.to_string(),
                action: "create",
                before: None,
                after: Some(user.audit_view()),
                reason: None,
            },
        )
        .await?;
        tx.commit().await?;
        Ok(user)
    }

    pub async fn user_by_username(&self, username: &str) -> Result<Option<User>, StoreError> {
        Ok(
            on_db!(self, db => sqlx::query_as::<_, User>("SELECT * FROM app_user WHERE username = $1").bind(username).fetch_optional(db).await)?,
        )
    }

    /// Replaces the password hash (password change or reset).
    pub async fn set_password(
        &self,
        actor: &str,
        username: &str,
        password_hash: &str,
    ) -> Result<(), StoreError> {
        let mut tx = self.begin().await?;
        let n = on_tx!(&mut tx, c => sqlx::query("UPDATE app_user SET password_hash = $1, updated_at = $2 WHERE username = $3").bind(password_hash).bind(Utc::now()).bind(username).execute(&mut **c).await.map(|r| r.rows_affected()))?;
        if n == 0 {
            return Err(StoreError::NotFound(format!("user `{username}`")));
        }
        audit::append(
            &mut tx,
            actor,
            Change {
                entity: "app_user",
                entity_id: username.to_owned(),
                action: "password",
                before: None,
                after: None,
                reason: None,
            },
        )
        .await?;
        tx.commit().await
    }

    /// Disables a user (no hard delete: records refer to people).
    pub async fn disable_user(&self, actor: &str, username: &str) -> Result<(), StoreError> {
        let mut tx = self.begin().await?;
        let n = on_tx!(&mut tx, c => sqlx::query("UPDATE app_user SET disabled = $1, updated_at = $2 WHERE username = $3").bind(true).bind(Utc::now()).bind(username).execute(&mut **c).await.map(|r| r.rows_affected()))?;
        if n == 0 {
            return Err(StoreError::NotFound(format!("user `{username}`")));
        }
        audit::append(
            &mut tx,
            actor,
            Change {
                entity: "app_user",
                entity_id: username.to_owned(),
                action: "disable",
                before: Some(serde_json::json!({"disabled": false})),
                after: Some(serde_json::json!({"disabled": true})),
                reason: None,
            },
        )
        .await?;
        tx.commit().await
    }

    pub async fn user_by_id(&self, id: Uuid) -> Result<Option<User>, StoreError> {
        Ok(
            on_db!(self, db => sqlx::query_as::<_, User>("SELECT * FROM app_user WHERE app_user_id = $1").bind(id).fetch_optional(db).await)?,
        )
    }

    /// Every user, by username.
    pub async fn list_users(&self) -> Result<Vec<User>, StoreError> {
        Ok(
            on_db!(self, db => sqlx::query_as::<_, User>("SELECT * FROM app_user ORDER BY username").fetch_all(db).await)?,
        )
    }

    /// Changes a user's name, role and verifier card.
    pub async fn update_user(
        &self,
        actor: &str,
        username: &str,
        change: &UserUpdate,
    ) -> Result<User, StoreError> {
        let mut tx = self.begin().await?;
        let before = on_tx!(&mut tx, c => sqlx::query_as::<_, User>("SELECT * FROM app_user WHERE username = $1").bind(username).fetch_optional(&mut **c).await)?
            .ok_or_else(|| StoreError::NotFound(format!("user `{username}`")))?;
        on_tx!(&mut tx, c => sqlx::query("UPDATE app_user SET full_name = $1, role = $2, verifier_card_no = $3, verifier_card_expires_on = $4, updated_at = $5 WHERE username = $6")
            .bind(change.full_name.trim())
            .bind(change.role.as_str())
            .bind(&change.verifier_card_no)
            .bind(change.verifier_card_expires_on)
            .bind(Utc::now())
            .bind(username)
            .execute(&mut **c).await.map(|_| ()))?;
        let after = on_tx!(&mut tx, c => sqlx::query_as::<_, User>("SELECT * FROM app_user WHERE username = $1").bind(username).fetch_one(&mut **c).await)?;
        audit::append(
            &mut tx,
            actor,
            Change {
                entity: "app_user",
                entity_id: username.to_owned(),
                action: "update",
                before: Some(before.audit_view()),
                after: Some(after.audit_view()),
                reason: None,
            },
        )
        .await?;
        tx.commit().await?;
        Ok(after)
    }
}

/// What an administrator may change about a user.
#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct UserUpdate {
    pub full_name: String,
    pub role: Role,
    #[serde(default)]
    pub verifier_card_no: Option<String>,
    #[serde(default)]
    pub verifier_card_expires_on: Option<NaiveDate>,
}
