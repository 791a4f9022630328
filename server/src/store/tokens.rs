//! Bridges and their device tokens. A token is shown once when made; only its SHA-256 is
//! stored (tokens are 256 random bits, so a fast hash is enough and lookup stays indexed).

use chrono::Utc;
use rand::RngExt;
use sha2::{Digest, Sha256};
use uuid::Uuid;

use super::audit::{self, Change};
use super::{Store, StoreError};
use crate::{on_db, on_tx};

/// SHA-256 of a token, hex.
#[must_use]
pub fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

impl Store {
    /// Registers the bridge if new and makes a token for it; returns the token (shown once).
    pub async fn create_device_token(
        &self,
        actor: &str,
        bridge_id: &str,
        label: &str,
    ) -> Result<String, StoreError> {
        let mut bytes = [0u8; 32];
        rand::rng().fill(&mut bytes);
        let token = format!("tdc_{}", hex::encode(bytes));
        let now = Utc::now();
        let id = Uuid::now_v7();
        let mut tx = self.begin().await?;
        let new_bridge = on_tx!(&mut tx, c => sqlx::query("INSERT INTO bridge (bridge_id, description, created_at, updated_at) VALUES ($1, $2, $3, $4) ON CONFLICT (bridge_id) DO NOTHING")
            .bind(bridge_id).bind(label).bind(now).bind(now).execute(&mut **c).await.map(|r| r.rows_affected()))?;
        if new_bridge > 0 {
            audit::append(
                &mut tx,
                actor,
                Change {
                    entity: "bridge",
                    entity_id: bridge_id.to_owned(),
                    action: "create",
                    before: None,
                    after: Some(serde_json::json!({"bridge_id": bridge_id, "description": label})),
                    reason: None,
                },
            )
            .await?;
        }
        on_tx!(&mut tx, c => sqlx::query("INSERT INTO device_token (device_token_id, bridge_id, token_hash, label, created_at) VALUES ($1, $2, $3, $4, $5)")
            .bind(id).bind(bridge_id).bind(token_hash(&token)).bind(label).bind(now).execute(&mut **c).await.map(|_| ()))?;
        audit::append(
            &mut tx,
            actor,
            Change {
                entity: "device_token",
                entity_id: id.to_string(),
                action: "create",
                before: None,
                after: Some(serde_json::json!({"bridge_id": bridge_id, "label": label})),
                reason: None,
            },
        )
        .await?;
        tx.commit().await?;
        Ok(token)
    }

    /// The bridge a live token belongs to.
    pub async fn bridge_for_token(&self, token: &str) -> Result<Option<String>, StoreError> {
        Ok(
            on_db!(self, db => sqlx::query_scalar("SELECT bridge_id FROM device_token WHERE token_hash = $1 AND revoked_at IS NULL")
            .bind(token_hash(token)).fetch_optional(db).await)?,
        )
    }

    /// Revokes every live token of a bridge; returns how many.
    pub async fn revoke_device_tokens(
        &self,
        actor: &str,
        bridge_id: &str,
    ) -> Result<u64, StoreError> {
        let mut tx = self.begin().await?;
        let n = on_tx!(&mut tx, c => sqlx::query("UPDATE device_token SET revoked_at = $1 WHERE bridge_id = $2 AND revoked_at IS NULL")
            .bind(Utc::now()).bind(bridge_id).execute(&mut **c).await.map(|r| r.rows_affected()))?;
        if n > 0 {
            audit::append(
                &mut tx,
                actor,
                Change {
                    entity: "device_token",
                    entity_id: bridge_id.to_owned(),
                    action: "revoke",
                    before: None,
                    after: Some(serde_json::json!({"revoked": n})),
                    reason: None,
                },
            )
            .await?;
        }
        tx.commit().await?;
        Ok(n)
    }
}
