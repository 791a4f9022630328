//! The durable outbox: every reading is committed here (SQLite, WAL, `synchronous = FULL`)
//! before it is acknowledged anywhere, and leaves only when the server has acknowledged it.
//!
//! Rows are removed by reading id, so a batch the server answered twice (a retry after a lost
//! answer) changes nothing. Items the server refuses as invalid are moved to `rejected` with
//! the server's reasons instead of blocking the queue or vanishing. Device and link status live
//! in the same file so `tdc-bridge status` can read them while the daemon runs.

use std::path::Path;
use std::str::FromStr;

use calibration_profiles::wire::v1::{Reading, Rejected};
use chrono::{DateTime, Utc};
use sqlx::Row;
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};

/// File name of the outbox inside the data directory.
pub const FILE_NAME: &str = "outbox.sqlite";

/// What the caller does about an outbox failure.
#[derive(Debug, thiserror::Error)]
pub enum OutboxError {
    /// The outbox holds its configured maximum: stop acquiring until the server catches up.
    #[error(
        "the outbox holds {0} readings, its configured maximum; acquisition is stopped until the server takes them"
    )]
    Full(u64),
    /// The disk is full: stop acquiring and raise the alarm.
    #[error("the disk holding the outbox is full; acquisition is stopped: {0}")]
    DiskFull(sqlx::Error),
    /// The file is damaged or not an outbox: refuse to start.
    #[error(
        "the outbox at {path} is damaged or unreadable ({detail}); move it aside and start again, then recover its readings"
    )]
    Corrupt { path: String, detail: String },
    #[error("outbox: {0}")]
    Database(#[from] sqlx::Error),
    #[error("outbox: stored reading {0} cannot be read back: {1}")]
    Decode(i64, serde_json::Error),
}

fn classify(e: sqlx::Error) -> OutboxError {
    let full = e
        .as_database_error()
        .and_then(sqlx::error::DatabaseError::code)
        .is_some_and(|c| c == "13" || c == "4874"); // SQLITE_FULL, SQLITE_IOERR_SHMSIZE
    if full || e.to_string().contains("database or disk is full") {
        OutboxError::DiskFull(e)
    } else {
        OutboxError::Database(e)
    }
}

/// State of one device for `tdc-bridge status`.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct DeviceStatus {
    pub device_id: String,
    pub state: String,
    pub last_reading_at: Option<String>,
    pub last_value: Option<String>,
    pub last_error: Option<String>,
    pub updated_at: String,
}

/// State of the link to the server.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct LinkStatus {
    pub state: String,
    pub last_success_at: Option<String>,
    pub last_error: Option<String>,
    pub updated_at: String,
}

/// The outbox.
#[derive(Debug, Clone)]
pub struct Outbox {
    pool: SqlitePool,
    max_readings: u64,
}

const SCHEMA: &[&str] = &[
    // One row per captured reading; `body` is the wire::v1 reading as JSON.
    "CREATE TABLE IF NOT EXISTS reading (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        reading_id TEXT NOT NULL UNIQUE,
        device_id TEXT NOT NULL,
        body TEXT NOT NULL
    )",
    // Readings the server refused as invalid, kept with its reasons for a person to look at.
    "CREATE TABLE IF NOT EXISTS rejected (
        reading_id TEXT PRIMARY KEY,
        body TEXT NOT NULL,
        problems TEXT NOT NULL,
        rejected_at TEXT NOT NULL
    )",
    "CREATE TABLE IF NOT EXISTS device_status (
        device_id TEXT PRIMARY KEY,
        state TEXT NOT NULL,
        last_reading_at TEXT,
        last_value TEXT,
        last_error TEXT,
        updated_at TEXT NOT NULL
    )",
    "CREATE TABLE IF NOT EXISTS link_status (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        state TEXT NOT NULL,
        last_success_at TEXT,
        last_error TEXT,
        updated_at TEXT NOT NULL
    )",
];

impl Outbox {
    /// Opens (creating if needed) the outbox in `dir`, checks its integrity and creates the
    /// tables. A damaged file is refused with [`OutboxError::Corrupt`].
    pub async fn open(dir: &Path, max_readings: u64) -> Result<Self, OutboxError> {
        std::fs::create_dir_all(dir).map_err(|e| OutboxError::Corrupt {
            path: dir.display().to_string(),
            detail: format!("cannot create the data directory: {e}"),
        })?;
        let path = dir.join(FILE_NAME);
        let corrupt = |detail: String| OutboxError::Corrupt {
            path: path.display().to_string(),
            detail,
        };
        let opts = SqliteConnectOptions::from_str(&format!("sqlite://{}", path.display()))
            .map_err(|e| corrupt(e.to_string()))?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Full)
            .busy_timeout(std::time::Duration::from_secs(5));
        // One connection: appends from several devices are serialised, no SQLITE_BUSY.
        let pool = SqlitePoolOptions::new()
            .max_connections(1)
            .connect_with(opts)
            .await
            .map_err(|e| corrupt(e.to_string()))?;
        let check: String = sqlx::query_scalar("PRAGMA quick_check")
            .fetch_one(&pool)
            .await
            .map_err(|e| corrupt(e.to_string()))?;
        if check != "ok" {
            return Err(corrupt(check));
        }
        for stmt in SCHEMA {
            sqlx::query(*stmt)
                .execute(&pool)
                .await
                .map_err(|e| corrupt(e.to_string()))?;
        }
        Ok(Self { pool, max_readings })
    }

    /// Opens an existing outbox to read its status (never creates one).
    pub async fn open_existing(dir: &Path) -> Result<Self, OutboxError> {
        let path = dir.join(FILE_NAME);
        if !path.exists() {
            return Err(OutboxError::Corrupt {
                path: path.display().to_string(),
                detail: "no outbox here yet: has `tdc-bridge run` started with this data_dir?"
                    .into(),
            });
        }
        Self::open(dir, u64::MAX).await
    }

    /// Commits one reading durably. Refuses when the outbox is at its maximum.
    pub async fn append(&self, r: &Reading) -> Result<(), OutboxError> {
        self.append_all(std::slice::from_ref(r)).await
    }

    /// Commits several readings in one transaction (all or none).
    pub async fn append_all(&self, rs: &[Reading]) -> Result<(), OutboxError> {
        let depth = self.depth().await?;
        if depth + rs.len() as u64 > self.max_readings {
            return Err(OutboxError::Full(depth));
        }
        let mut tx = self.pool.begin().await.map_err(classify)?;
        for r in rs {
            let body = serde_json::to_string(r).map_err(|e| OutboxError::Decode(0, e))?;
            sqlx::query("INSERT INTO reading (reading_id, device_id, body) VALUES ($1, $2, $3) ON CONFLICT (reading_id) DO NOTHING")
                .bind(r.reading_id.to_string())
                .bind(&r.device_id)
                .bind(body)
                .execute(&mut *tx)
                .await
                .map_err(classify)?;
        }
        tx.commit().await.map_err(classify)
    }

    /// The oldest `n` readings, in capture order.
    pub async fn peek(&self, n: usize) -> Result<Vec<Reading>, OutboxError> {
        let rows = sqlx::query("SELECT seq, body FROM reading ORDER BY seq LIMIT $1")
            .bind(i64::try_from(n).unwrap_or(i64::MAX))
            .fetch_all(&self.pool)
            .await?;
        rows.iter()
            .map(|row| {
                let seq: i64 = row.get("seq");
                let body: String = row.get("body");
                serde_json::from_str(&body).map_err(|e| OutboxError::Decode(seq, e))
            })
            .collect()
    }

    /// Removes the acknowledged readings and quarantines the rejected ones, in one transaction.
    pub async fn settle(
        &self,
        acknowledged: &[uuid::Uuid],
        rejected: &[Rejected],
    ) -> Result<(), OutboxError> {
        let mut tx = self.pool.begin().await.map_err(classify)?;
        for id in acknowledged {
            sqlx::query("DELETE FROM reading WHERE reading_id = $1")
                .bind(id.to_string())
                .execute(&mut *tx)
                .await
                .map_err(classify)?;
        }
        let now = Utc::now().to_rfc3339();
        for r in rejected {
            let Some(id) = r.reading_id else { continue };
            let id = id.to_string();
            sqlx::query("INSERT INTO rejected (reading_id, body, problems, rejected_at) SELECT reading_id, body, $2, $3 FROM reading WHERE reading_id = $1 ON CONFLICT (reading_id) DO NOTHING")
                .bind(&id)
                .bind(r.problems.join("; "))
                .bind(&now)
                .execute(&mut *tx)
                .await
                .map_err(classify)?;
            sqlx::query("DELETE FROM reading WHERE reading_id = $1")
                .bind(&id)
                .execute(&mut *tx)
                .await
                .map_err(classify)?;
        }
        tx.commit().await.map_err(classify)
    }

    /// Readings waiting for the server.
    pub async fn depth(&self) -> Result<u64, OutboxError> {
        let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM reading")
            .fetch_one(&self.pool)
            .await?;
        Ok(u64::try_from(n).unwrap_or(0))
    }

    /// Readings the server refused.
    pub async fn rejected_count(&self) -> Result<u64, OutboxError> {
        let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM rejected")
            .fetch_one(&self.pool)
            .await?;
        Ok(u64::try_from(n).unwrap_or(0))
    }

    /// Records a device's state (best effort: status must never stop acquisition).
    pub async fn set_device_status(
        &self,
        device_id: &str,
        state: &str,
        last_reading: Option<(&DateTime<Utc>, &str)>,
        last_error: Option<&str>,
    ) {
        let now = Utc::now().to_rfc3339();
        let result = sqlx::query(
            "INSERT INTO device_status (device_id, state, last_reading_at, last_value, last_error, updated_at)
             VALUES ($1, $2, $3, $4, $5, $6)
             ON CONFLICT (device_id) DO UPDATE SET state = excluded.state,
               last_reading_at = COALESCE(excluded.last_reading_at, device_status.last_reading_at),
               last_value = COALESCE(excluded.last_value, device_status.last_value),
               last_error = COALESCE(excluded.last_error, device_status.last_error),
               updated_at = excluded.updated_at",
        )
        .bind(device_id)
        .bind(state)
        .bind(last_reading.map(|(t, _)| t.to_rfc3339()))
        .bind(last_reading.map(|(_, v)| v.to_owned()))
        .bind(last_error)
        .bind(now)
        .execute(&self.pool)
        .await;
        if let Err(e) = result {
            tracing::warn!(device = device_id, error = %e, "could not record device status");
        }
    }

    /// Records the server link's state (best effort).
    pub async fn set_link_status(&self, state: &str, success: bool, error: Option<&str>) {
        let now = Utc::now().to_rfc3339();
        let result = sqlx::query(
            "INSERT INTO link_status (id, state, last_success_at, last_error, updated_at)
             VALUES (1, $1, $2, $3, $4)
             ON CONFLICT (id) DO UPDATE SET state = excluded.state,
               last_success_at = COALESCE(excluded.last_success_at, link_status.last_success_at),
               last_error = excluded.last_error,
               updated_at = excluded.updated_at",
        )
        .bind(state)
        .bind(success.then(|| now.clone()))
        .bind(error)
        .bind(&now)
        .execute(&self.pool)
        .await;
        if let Err(e) = result {
            tracing::warn!(error = %e, "could not record link status");
        }
    }

    pub async fn device_statuses(&self) -> Result<Vec<DeviceStatus>, OutboxError> {
        let rows = sqlx::query("SELECT device_id, state, last_reading_at, last_value, last_error, updated_at FROM device_status ORDER BY device_id")
            .fetch_all(&self.pool)
            .await?;
        Ok(rows
            .iter()
            .map(|r| DeviceStatus {
                device_id: r.get("device_id"),
                state: r.get("state"),
                last_reading_at: r.get("last_reading_at"),
                last_value: r.get("last_value"),
                last_error: r.get("last_error"),
                updated_at: r.get("updated_at"),
            })
            .collect())
    }

    pub async fn link_status(&self) -> Result<Option<LinkStatus>, OutboxError> {
        let row = sqlx::query(
            "SELECT state, last_success_at, last_error, updated_at FROM link_status WHERE id = 1",
        )
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.map(|r| LinkStatus {
            state: r.get("state"),
            last_success_at: r.get("last_success_at"),
            last_error: r.get("last_error"),
            updated_at: r.get("updated_at"),
        }))
    }

    /// Flushes the WAL into the main file and closes.
    pub async fn close(self) {
        let _ = sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)")
            .execute(&self.pool)
            .await;
        self.pool.close().await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use calibration_profiles::wire::v1::Raw;

    fn reading(n: u32) -> Reading {
        Reading {
            reading_id: uuid::Uuid::now_v7(),
            device_id: "balance-1".into(),
            channel: "mass".into(),
            value: format!("{n}.0000"),
            unit: "g".into(),
            stable: true,
            raw: Raw::Text(format!("S S   {n}.0000 g")),
            captured_at: Utc::now(),
        }
    }

    #[tokio::test]
    async fn readings_survive_a_reopen_and_leave_only_when_acknowledged() {
        let dir = tempfile::tempdir().unwrap();
        let ob = Outbox::open(dir.path(), 100).await.unwrap();
        let rs: Vec<Reading> = (0..5).map(reading).collect();
        for r in &rs {
            ob.append(r).await.unwrap();
        }
        // The same reading twice is stored once.
        ob.append(&rs[0]).await.unwrap();
        ob.close().await;

        let ob = Outbox::open(dir.path(), 100).await.unwrap();
        assert_eq!(ob.depth().await.unwrap(), 5);
        let batch = ob.peek(3).await.unwrap();
        assert_eq!(batch, rs[..3].to_vec());
        ob.settle(
            &[rs[0].reading_id, rs[1].reading_id],
            &[Rejected {
                index: 2,
                reading_id: Some(rs[2].reading_id),
                problems: vec!["unit: unknown".into()],
            }],
        )
        .await
        .unwrap();
        assert_eq!(ob.peek(10).await.unwrap(), rs[3..].to_vec());
        assert_eq!(ob.rejected_count().await.unwrap(), 1);
        // Settling the same ids again is harmless.
        ob.settle(&[rs[0].reading_id], &[]).await.unwrap();
        assert_eq!(ob.depth().await.unwrap(), 2);
    }

    #[tokio::test]
    async fn a_full_outbox_refuses_new_readings() {
        let dir = tempfile::tempdir().unwrap();
        let ob = Outbox::open(dir.path(), 2).await.unwrap();
        ob.append(&reading(1)).await.unwrap();
        ob.append(&reading(2)).await.unwrap();
        assert!(matches!(
            ob.append(&reading(3)).await,
            Err(OutboxError::Full(2))
        ));
        assert_eq!(ob.depth().await.unwrap(), 2);
    }

    #[tokio::test]
    async fn a_damaged_file_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join(FILE_NAME),
            b"this is not a database, just some bytes that are long enough to matter..........",
        )
        .unwrap();
        let e = Outbox::open(dir.path(), 10).await.unwrap_err();
        assert!(matches!(e, OutboxError::Corrupt { .. }), "{e}");
        assert!(e.to_string().contains("move it aside"));
    }

    #[tokio::test]
    async fn status_rows_keep_the_last_known_values() {
        let dir = tempfile::tempdir().unwrap();
        let ob = Outbox::open(dir.path(), 10).await.unwrap();
        let t = Utc::now();
        ob.set_device_status("balance-1", "reading", Some((&t, "100.0000 g")), None)
            .await;
        ob.set_device_status("balance-1", "reconnecting", None, Some("no such port"))
            .await;
        let s = &ob.device_statuses().await.unwrap()[0];
        assert_eq!(
            (
                s.state.as_str(),
                s.last_value.as_deref(),
                s.last_error.as_deref()
            ),
            ("reconnecting", Some("100.0000 g"), Some("no such port"))
        );
        ob.set_link_status("up", true, None).await;
        assert_eq!(ob.link_status().await.unwrap().unwrap().state, "up");
    }
}
