//! The yearly figures the Centre reports, counted from the records themselves: instruments
//! verified or calibrated per year and category, samples tested and nonconforming per year and
//! sample type, import dossiers per year and channel with the share handled on time.
//!
//! Each figure is one grouped query over indexed columns; the year is taken from the record's
//! date with each backend's own function (the only backend-specific text here).

use serde::Serialize;

use super::{Db, Store, StoreError};

/// Instruments per year and category.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow, schemars::JsonSchema)]
pub struct InstrumentFigure {
    pub year: i32,
    pub category: String,
    /// Verification certificates issued (passed).
    pub verified: i64,
    /// Calibration certificates issued.
    pub calibrated: i64,
    /// Notices of failure.
    pub failed: i64,
}

/// Samples per year and sample type.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow, schemars::JsonSchema)]
pub struct SampleFigure {
    pub year: i32,
    pub sample_type: String,
    /// Samples reported (main samples; portions are not counted twice).
    pub tested: i64,
    pub nonconforming: i64,
}

/// Import dossiers per year and channel.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow, schemars::JsonSchema)]
pub struct DossierFigure {
    pub year: i32,
    pub channel: String,
    /// Registered in the year.
    pub registered: i64,
    /// Of those, decided with a final notice.
    pub decided: i64,
    /// Of the decided ones, every step on time.
    pub on_time: i64,
}

fn year_of(db: &Db, column: &str) -> String {
    match db {
        Db::Sqlite(_) => format!("CAST(substr({column}, 1, 4) AS INTEGER)"),
        Db::Postgres(_) => format!("CAST(EXTRACT(YEAR FROM {column}) AS INTEGER)"),
    }
}

impl Store {
    /// Instruments verified, calibrated or failed per year (of issue) and category, first
    /// issues only (an amendment is the same work), revoked documents left out.
    pub async fn instrument_figures(
        &self,
        from: i32,
        to: i32,
    ) -> Result<Vec<InstrumentFigure>, StoreError> {
        let year = year_of(&self.db, "c.issued_on");
        let sql = format!(
            "SELECT {year} AS year, i.category, \
             SUM(CASE WHEN c.kind = 'verification_certificate' THEN 1 ELSE 0 END) AS verified, \
             SUM(CASE WHEN c.kind = 'calibration_certificate' THEN 1 ELSE 0 END) AS calibrated, \
             SUM(CASE WHEN c.kind = 'notice_of_failure' THEN 1 ELSE 0 END) AS failed \
             FROM certificate c JOIN instrument i ON i.instrument_id = c.instrument_id \
             WHERE c.revision = 0 AND c.status <> 'revoked' AND c.issued_on >= $1 AND c.issued_on <= $2 \
             GROUP BY 1, i.category ORDER BY 1, i.category"
        );
        let (a, b) = bounds(from, to);
        Ok(
            crate::on_db!(self, db => sqlx::query_as::<_, InstrumentFigure>(sqlx::AssertSqlSafe(sql.clone())).bind(a).bind(b).fetch_all(db).await)?,
        )
    }

    /// Samples reported per year (of the report) and type, and how many did not conform.
    pub async fn sample_figures(
        &self,
        from: i32,
        to: i32,
    ) -> Result<Vec<SampleFigure>, StoreError> {
        let year = year_of(&self.db, "reported_on");
        let sql = format!(
            "SELECT {year} AS year, sample_type, COUNT(*) AS tested, \
             SUM(CASE WHEN conformity = 'does_not_conform' THEN 1 ELSE 0 END) AS nonconforming \
             FROM sample WHERE portion = 'main' AND reported_on IS NOT NULL AND reported_on >= $1 AND reported_on <= $2 \
             GROUP BY 1, sample_type ORDER BY 1, sample_type"
        );
        let (a, b) = bounds(from, to);
        Ok(
            crate::on_db!(self, db => sqlx::query_as::<_, SampleFigure>(sqlx::AssertSqlSafe(sql.clone())).bind(a).bind(b).fetch_all(db).await)?,
        )
    }

    /// Dossiers registered per year and channel, decided, and decided on time.
    pub async fn dossier_figures(
        &self,
        from: i32,
        to: i32,
    ) -> Result<Vec<DossierFigure>, StoreError> {
        let year = year_of(&self.db, "registered_on");
        let sql = format!(
            "SELECT {year} AS year, channel, COUNT(*) AS registered, \
             SUM(CASE WHEN status = 'decided' THEN 1 ELSE 0 END) AS decided, \
             SUM(CASE WHEN status = 'decided' AND on_time THEN 1 ELSE 0 END) AS on_time \
             FROM import_dossier WHERE status <> 'cancelled' AND registered_on >= $1 AND registered_on <= $2 \
             GROUP BY 1, channel ORDER BY 1, channel"
        );
        let (a, b) = bounds(from, to);
        Ok(
            crate::on_db!(self, db => sqlx::query_as::<_, DossierFigure>(sqlx::AssertSqlSafe(sql.clone())).bind(a).bind(b).fetch_all(db).await)?,
        )
    }
}

fn bounds(from: i32, to: i32) -> (chrono::NaiveDate, chrono::NaiveDate) {
    (
        chrono::NaiveDate::from_ymd_opt(from, 1, 1).unwrap_or(chrono::NaiveDate::MIN),
        chrono::NaiveDate::from_ymd_opt(to, 12, 31).unwrap_or(chrono::NaiveDate::MAX),
    )
}
