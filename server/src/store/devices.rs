//! Bridges and the devices they report. A device row is created by the first reading that
//! names it and refreshed by each batch (one upsert per device per batch, not per reading);
//! "online" means a reading arrived within [`ONLINE_SECONDS`].

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::{Store, StoreError, Tx};
use crate::{on_db, on_tx};

/// A device that sent nothing for this long is shown offline.
pub const ONLINE_SECONDS: i64 = 120;

/// A device seen on a bridge.
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow, schemars::JsonSchema)]
pub struct Device {
    pub device_id: String,
    pub bridge_id: String,
    pub first_seen_at: DateTime<Utc>,
    pub last_seen_at: DateTime<Utc>,
    pub last_unit: String,
}

impl Device {
    #[must_use]
    pub fn online(&self, now: DateTime<Utc>) -> bool {
        (now - self.last_seen_at).num_seconds() <= ONLINE_SECONDS
    }
}

/// A bridge with its live token count.
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow, schemars::JsonSchema)]
pub struct Bridge {
    pub bridge_id: String,
    pub description: String,
    pub retired_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub live_tokens: i64,
}

/// Notes that devices were heard from (inside the ingest transaction).
pub(crate) async fn touch_devices(
    tx: &mut Tx,
    bridge_id: &str,
    devices: &[(&str, &str)],
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    for (device_id, unit) in devices {
        on_tx!(tx, c => sqlx::query("INSERT INTO device (device_id, bridge_id, first_seen_at, last_seen_at, last_unit) VALUES ($1, $2, $3, $3, $4) ON CONFLICT (device_id) DO UPDATE SET bridge_id = excluded.bridge_id, last_seen_at = excluded.last_seen_at, last_unit = excluded.last_unit")
            .bind(*device_id).bind(bridge_id).bind(now).bind(*unit)
            .execute(&mut **c).await.map(|_| ()))?;
    }
    Ok(())
}

impl Store {
    /// Every device, by bridge and id.
    pub async fn list_devices(&self) -> Result<Vec<Device>, StoreError> {
        Ok(
            on_db!(self, db => sqlx::query_as::<_, Device>("SELECT * FROM device ORDER BY bridge_id, device_id").fetch_all(db).await)?,
        )
    }

    pub async fn device(&self, device_id: &str) -> Result<Option<Device>, StoreError> {
        Ok(
            on_db!(self, db => sqlx::query_as::<_, Device>("SELECT * FROM device WHERE device_id = $1").bind(device_id).fetch_optional(db).await)?,
        )
    }

    /// Every bridge with the number of its live tokens.
    pub async fn list_bridges(&self) -> Result<Vec<Bridge>, StoreError> {
        Ok(
            on_db!(self, db => sqlx::query_as::<_, Bridge>("SELECT b.bridge_id, b.description, b.retired_at, b.created_at, (SELECT COUNT(*) FROM device_token t WHERE t.bridge_id = b.bridge_id AND t.revoked_at IS NULL) AS live_tokens FROM bridge b ORDER BY b.bridge_id").fetch_all(db).await)?,
        )
    }
}
