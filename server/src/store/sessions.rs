//! Signed-in sessions. The cookie carries 256 random bits; only their SHA-256 is stored, with
//! the session's CSRF token and its end. A session ends at its expiry, at sign-out, and when
//! its user is disabled or changes password (all of that user's sessions end).

use chrono::{DateTime, Duration, Utc};
use rand::RngExt;

use super::tokens::token_hash;
use super::users::User;
use super::{Store, StoreError};
use crate::on_db;

/// A live session and its user.
#[derive(Debug, Clone)]
pub struct Session {
    pub user: User,
    pub csrf_token: String,
    pub expires_at: DateTime<Utc>,
}

fn random_hex() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill(&mut bytes);
    hex::encode(bytes)
}

impl Store {
    /// Opens a session for a user; returns the cookie value (shown once) and the CSRF token.
    pub async fn create_session(
        &self,
        user: &User,
        lifetime: Duration,
    ) -> Result<(String, String), StoreError> {
        let token = random_hex();
        let csrf = random_hex();
        let now = Utc::now();
        on_db!(self, db => sqlx::query("INSERT INTO user_session (token_hash, app_user_id, csrf_token, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)")
            .bind(token_hash(&token))
            .bind(user.app_user_id)
            .bind(&csrf)
            .bind(now)
            .bind(now + lifetime)
            .execute(db).await.map(|_| ()))?;
        Ok((token, csrf))
    }

    /// The live session of a cookie value, if any (expired sessions and disabled users have none).
    pub async fn session(&self, token: &str) -> Result<Option<Session>, StoreError> {
        #[derive(sqlx::FromRow)]
        struct Row {
            app_user_id: uuid::Uuid,
            csrf_token: String,
            expires_at: DateTime<Utc>,
        }
        let row: Option<Row> = on_db!(self, db => sqlx::query_as::<_, Row>("SELECT app_user_id, csrf_token, expires_at FROM user_session WHERE token_hash = $1")
            .bind(token_hash(token)).fetch_optional(db).await)?;
        let Some(row) = row else { return Ok(None) };
        if row.expires_at <= Utc::now() {
            self.end_session(token).await?;
            return Ok(None);
        }
        let user = self.user_by_id(row.app_user_id).await?;
        Ok(user.filter(|u| !u.disabled).map(|user| Session {
            user,
            csrf_token: row.csrf_token,
            expires_at: row.expires_at,
        }))
    }

    /// Ends one session (sign-out).
    pub async fn end_session(&self, token: &str) -> Result<(), StoreError> {
        on_db!(self, db => sqlx::query("DELETE FROM user_session WHERE token_hash = $1").bind(token_hash(token)).execute(db).await.map(|_| ()))?;
        Ok(())
    }

    /// Ends every session of a user (password changed, user disabled).
    pub async fn end_sessions_of(&self, user_id: uuid::Uuid) -> Result<u64, StoreError> {
        Ok(
            on_db!(self, db => sqlx::query("DELETE FROM user_session WHERE app_user_id = $1").bind(user_id).execute(db).await.map(|r| r.rows_affected()))?,
        )
    }

    /// Removes expired sessions; returns how many.
    pub async fn purge_sessions(&self) -> Result<u64, StoreError> {
        Ok(
            on_db!(self, db => sqlx::query("DELETE FROM user_session WHERE expires_at <= $1").bind(Utc::now()).execute(db).await.map(|r| r.rows_affected()))?,
        )
    }
}
