//! Readings from bridges: immutable raw facts, stored once per reading id. They are attributable
//! by their bridge (whose token sent them) and keep the device's raw text or registers; they are
//! not audited one by one (they never change), which keeps ingest fast.

use calibration_profiles::wire::v1::{Raw, Reading};
use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::{Store, StoreError};
use crate::on_db;

/// Rows per INSERT statement: 11 parameters each stays below SQLite's limit of 32 766.
const CHUNK: usize = 500;

/// A stored reading.
#[derive(Debug, Clone, PartialEq, serde::Serialize, sqlx::FromRow, schemars::JsonSchema)]
pub struct StoredReading {
    pub reading_id: Uuid,
    pub bridge_id: String,
    pub device_id: String,
    pub channel: String,
    pub value_text: String,
    pub value: f64,
    pub unit: String,
    pub stable: bool,
    pub raw: String,
    pub captured_at: DateTime<Utc>,
    pub received_at: DateTime<Utc>,
}

impl Store {
    /// Inserts validated readings (`(reading, parsed value)`), skipping ids already stored.
    /// Returns how many were new. All or nothing.
    pub async fn insert_readings(
        &self,
        bridge_id: &str,
        readings: &[(Reading, f64)],
    ) -> Result<u64, StoreError> {
        let now = Utc::now();
        let mut inserted = 0;
        let mut tx = self.begin().await?;
        for chunk in readings.chunks(CHUNK) {
            inserted += crate::on_tx!(&mut tx, c => {
                let mut qb = sqlx::QueryBuilder::new("INSERT INTO reading (reading_id, bridge_id, device_id, channel, value_text, value, unit, stable, raw, captured_at, received_at) ");
                qb.push_values(chunk, |mut b, (r, v)| {
                    let raw = serde_json::to_string(&r.raw).unwrap_or_default();
                    b.push_bind(r.reading_id)
                        .push_bind(bridge_id)
                        .push_bind(&r.device_id)
                        .push_bind(&r.channel)
                        .push_bind(&r.value)
                        .push_bind(*v)
                        .push_bind(&r.unit)
                        .push_bind(r.stable)
                        .push_bind(raw)
                        .push_bind(r.captured_at)
                        .push_bind(now);
                });
                qb.push(" ON CONFLICT (reading_id) DO NOTHING");
                qb.build().execute(&mut **c).await.map(|r| r.rows_affected())
            })?;
        }
        let mut devices: Vec<(&str, &str)> = readings
            .iter()
            .map(|(r, _)| (r.device_id.as_str(), r.unit.as_str()))
            .collect();
        devices.sort_unstable();
        devices.dedup_by_key(|(d, _)| *d);
        super::devices::touch_devices(&mut tx, bridge_id, &devices, now).await?;
        tx.commit().await?;
        Ok(inserted)
    }

    /// The latest readings of a device, newest first.
    pub async fn latest_readings(
        &self,
        device_id: &str,
        limit: i64,
    ) -> Result<Vec<StoredReading>, StoreError> {
        Ok(
            on_db!(self, db => sqlx::query_as::<_, StoredReading>("SELECT * FROM reading WHERE device_id = $1 ORDER BY captured_at DESC LIMIT $2")
            .bind(device_id).bind(limit.clamp(1, 1000)).fetch_all(db).await)?,
        )
    }

    pub async fn reading(&self, id: Uuid) -> Result<Option<StoredReading>, StoreError> {
        Ok(
            on_db!(self, db => sqlx::query_as::<_, StoredReading>("SELECT * FROM reading WHERE reading_id = $1").bind(id).fetch_optional(db).await)?,
        )
    }

    pub async fn count_readings(&self) -> Result<i64, StoreError> {
        Ok(
            on_db!(self, db => sqlx::query_scalar("SELECT COUNT(*) FROM reading").fetch_one(db).await)?,
        )
    }
}

impl StoredReading {
    /// The raw device data as sent.
    #[must_use]
    pub fn raw(&self) -> Option<Raw> {
        serde_json::from_str(&self.raw).ok()
    }
}
