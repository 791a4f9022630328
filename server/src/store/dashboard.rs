//! Read-only figures for the dashboard page.
//!
//! Counts stop at [`COUNT_CAP`]: with millions of instruments a person needs to know "over
//! 10 000 are overdue", not the exact number, and the capped count reads at most that many
//! index entries.

use chrono::NaiveDate;

use super::registry::Instrument;
use super::{Store, StoreError};
use crate::on_db;

/// Counts stop here; a count of `COUNT_CAP + 1` means "more than `COUNT_CAP`".
pub const COUNT_CAP: i64 = 10_000;

/// How many instruments in service are overdue and how many fall due soon.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DueCounts {
    /// Due before `today`.
    pub overdue: i64,
    /// Due from `today` to the horizon, both included.
    pub due_soon: i64,
}

const INSTRUMENT_COLUMNS: &str = "SELECT i.instrument_id, i.category, i.maker, i.model, i.serial, i.measuring_range, i.resolution, i.verification_interval, i.accuracy_class, i.owner_id, o.name AS owner_name, i.location, i.status, i.last_result, i.last_verified_on, i.next_due_on, i.retired_at, i.created_at, i.updated_at FROM instrument i LEFT JOIN organisation o ON o.organisation_id = i.owner_id";

impl Store {
    /// Overdue and soon-due instruments not retired, each count capped at
    /// [`COUNT_CAP`]` + 1`.
    pub async fn due_counts(
        &self,
        today: NaiveDate,
        horizon: NaiveDate,
    ) -> Result<DueCounts, StoreError> {
        let cap = COUNT_CAP + 1;
        let overdue: i64 = on_db!(self, db => sqlx::query_scalar("SELECT COUNT(*) FROM (SELECT 1 FROM instrument WHERE next_due_on < $1 AND retired_at IS NULL LIMIT $2) AS t")
            .bind(today).bind(cap).fetch_one(db).await)?;
        let due_soon: i64 = on_db!(self, db => sqlx::query_scalar("SELECT COUNT(*) FROM (SELECT 1 FROM instrument WHERE next_due_on >= $1 AND next_due_on <= $2 AND retired_at IS NULL LIMIT $3) AS t")
            .bind(today).bind(horizon).bind(cap).fetch_one(db).await)?;
        Ok(DueCounts { overdue, due_soon })
    }

    /// Instruments not retired that fall due from `from` to `to` (both included), soonest
    /// first, at most `limit`.
    pub async fn instruments_due_between(
        &self,
        from: NaiveDate,
        to: NaiveDate,
        limit: i64,
    ) -> Result<Vec<Instrument>, StoreError> {
        let sql = format!(
            "{INSTRUMENT_COLUMNS} WHERE i.next_due_on >= $1 AND i.next_due_on <= $2 AND i.retired_at IS NULL ORDER BY i.next_due_on, i.serial LIMIT $3"
        );
        Ok(
            on_db!(self, db => sqlx::query_as::<_, Instrument>(sqlx::AssertSqlSafe(sql.clone())).bind(from).bind(to).bind(limit.clamp(1, 200)).fetch_all(db).await)?,
        )
    }
}
