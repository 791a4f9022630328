//! The working-day calendar an administrator maintains (domain-rules.md §5.9): the years it is
//! complete for, each with the official notice it follows, and the days that break the
//! Monday-to-Friday rule (holidays, days in lieu, make-up Saturdays). Seeded once from the
//! shipped `tables/calendar-vn.toml`; every later change is audited. Every deadline is counted
//! over [`Store::calendar`], which validates the rows with the engine's own rules.

use calibration_profiles::date::Date;
use calibration_profiles::mpe::{Bilingual, Confidence};
use calibration_profiles::problems::Problems;
use calibration_profiles::workdays::{Calendar, CalendarDay};
use chrono::{Datelike, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::registry::audited;
use super::{Store, StoreError};
use crate::{on_db, on_tx};

/// A year the calendar is complete for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow, schemars::JsonSchema)]
pub struct CalendarYear {
    pub year: i32,
    /// The official notice the year's days follow.
    pub source: String,
    pub updated_by: String,
    pub updated_at: chrono::DateTime<Utc>,
}

/// One exception to the Monday-to-Friday week, as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow, schemars::JsonSchema)]
pub struct CalendarRow {
    pub work_calendar_day_id: Uuid,
    pub day: NaiveDate,
    pub working: bool,
    pub falls_on_rest_day: bool,
    pub reason_vi: String,
    pub reason_en: String,
    pub legal_source: String,
    pub url: Option<String>,
    pub confidence: String,
    pub note: Option<String>,
    pub updated_by: String,
    pub updated_at: chrono::DateTime<Utc>,
}

/// What an administrator sets for a day.
#[derive(Debug, Clone, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CalendarDayInput {
    /// `false` for a weekday off (holiday, day in lieu), `true` for a weekend day worked.
    pub working: bool,
    #[serde(default)]
    pub falls_on_rest_day: bool,
    pub reason_vi: String,
    #[serde(default)]
    pub reason_en: String,
    /// The notice or article the day comes from, e.g. "Thông báo 9441/TB-BNV".
    pub legal_source: String,
    #[serde(default)]
    pub url: Option<String>,
    #[serde(default)]
    pub note: Option<String>,
}

impl CalendarRow {
    fn to_day(&self) -> CalendarDay {
        CalendarDay {
            date: Date(self.day),
            working: self.working,
            falls_on_rest_day: self.falls_on_rest_day,
            reason: Bilingual {
                vi: self.reason_vi.clone(),
                en: self.reason_en.clone(),
            },
            legal_source: self.legal_source.clone(),
            url: self.url.clone(),
            confidence: if self.confidence == "unconfirmed" {
                Confidence::Unconfirmed
            } else {
                Confidence::Confirmed
            },
            note: self.note.clone(),
        }
    }
}

/// The period covered by `years` (sorted): from 1 January of the first to 31 December of the
/// last, or `None` when no year is declared.
fn coverage(years: &[i32]) -> Option<(NaiveDate, NaiveDate)> {
    let first = NaiveDate::from_ymd_opt(*years.first()?, 1, 1)?;
    let last = NaiveDate::from_ymd_opt(*years.last()?, 12, 31)?;
    Some((first, last))
}

fn build(years: &[i32], rows: &[CalendarRow]) -> Result<Calendar, StoreError> {
    let Some((from, to)) = coverage(years) else {
        return Err(StoreError::State(
            "the working-day calendar has no year yet: an administrator adds one with its official notice".into(),
        ));
    };
    Calendar::from_days(from, to, rows.iter().map(CalendarRow::to_day).collect())
        .map_err(|p| StoreError::State(format!("the working-day calendar is inconsistent: {p}")))
}

impl Store {
    /// The calendar every deadline is counted over.
    pub async fn calendar(&self) -> Result<Calendar, StoreError> {
        let years = self.calendar_years().await?;
        let rows = self.calendar_days(None).await?;
        build(&years.iter().map(|y| y.year).collect::<Vec<_>>(), &rows)
    }

    pub async fn calendar_years(&self) -> Result<Vec<CalendarYear>, StoreError> {
        Ok(
            on_db!(self, db => sqlx::query_as::<_, CalendarYear>("SELECT * FROM work_calendar_year ORDER BY year").fetch_all(db).await)?,
        )
    }

    /// The exceptional days, of one year or all.
    pub async fn calendar_days(&self, year: Option<i32>) -> Result<Vec<CalendarRow>, StoreError> {
        let Some(y) = year else {
            return Ok(
                on_db!(self, db => sqlx::query_as::<_, CalendarRow>("SELECT * FROM work_calendar_day ORDER BY day").fetch_all(db).await)?,
            );
        };
        let from = NaiveDate::from_ymd_opt(y, 1, 1);
        let to = NaiveDate::from_ymd_opt(y, 12, 31);
        Ok(
            on_db!(self, db => sqlx::query_as::<_, CalendarRow>("SELECT * FROM work_calendar_day WHERE day >= $1 AND day <= $2 ORDER BY day")
            .bind(from).bind(to).fetch_all(db).await)?,
        )
    }

    /// Fills an empty calendar from the shipped table (first start). Returns whether it did.
    pub async fn seed_calendar(
        &self,
        shipped: &Calendar,
        source: &str,
    ) -> Result<bool, StoreError> {
        if !self.calendar_years().await?.is_empty() {
            return Ok(false);
        }
        let now = Utc::now();
        let mut tx = self.begin().await?;
        for year in shipped.covers_from().year()..=shipped.covers_to().year() {
            on_tx!(&mut tx, c => sqlx::query("INSERT INTO work_calendar_year (year, source, updated_by, updated_at) VALUES ($1, $2, 'system', $3)")
                .bind(year).bind(source).bind(now).execute(&mut **c).await.map(|_| ()))?;
        }
        for day in shipped.rows() {
            insert_day(&mut tx, "system", day, now).await?;
        }
        tx.commit().await?;
        Ok(true)
    }

    /// Declares `year` covered by `source` (the official notice), or changes its source. A
    /// new year must follow or precede the years already covered, so the calendar has no gap.
    pub async fn put_calendar_year(
        &self,
        actor: &str,
        year: i32,
        source: &str,
    ) -> Result<CalendarYear, StoreError> {
        let years: Vec<i32> = self
            .calendar_years()
            .await?
            .iter()
            .map(|y| y.year)
            .collect();
        let known = years.contains(&year);
        if !known
            && !years.is_empty()
            && !years.contains(&(year - 1))
            && !years.contains(&(year + 1))
        {
            return Err(StoreError::State(format!(
                "year {year} would leave a gap: the calendar covers {}–{}; add the years in between first",
                years[0],
                years[years.len() - 1]
            )));
        }
        let now = Utc::now();
        let mut tx = self.begin().await?;
        let before = on_tx!(&mut tx, c => sqlx::query_as::<_, CalendarYear>("SELECT * FROM work_calendar_year WHERE year = $1").bind(year).fetch_optional(&mut **c).await)?;
        on_tx!(&mut tx, c => sqlx::query("INSERT INTO work_calendar_year (year, source, updated_by, updated_at) VALUES ($1, $2, $3, $4) ON CONFLICT (year) DO UPDATE SET source = excluded.source, updated_by = excluded.updated_by, updated_at = excluded.updated_at")
            .bind(year).bind(source).bind(actor).bind(now).execute(&mut **c).await.map(|_| ()))?;
        let after = on_tx!(&mut tx, c => sqlx::query_as::<_, CalendarYear>("SELECT * FROM work_calendar_year WHERE year = $1").bind(year).fetch_one(&mut **c).await)?;
        audited(
            &mut tx,
            actor,
            "work_calendar_year",
            year_id(year),
            if known { "update" } else { "create" },
            &before,
            &Some(after.clone()),
            None,
        )
        .await?;
        tx.commit().await?;
        Ok(after)
    }

    /// Sets one day (creates or replaces it). The resulting calendar is validated with the
    /// engine's rules before anything is written: a problem comes back naming the field.
    pub async fn put_calendar_day(
        &self,
        actor: &str,
        day: NaiveDate,
        input: &CalendarDayInput,
    ) -> Result<CalendarRow, StoreError> {
        let mut p = Problems::default();
        if input.reason_vi.trim().is_empty() {
            p.at("reason_vi", "is required: name the holiday or the swap");
        }
        if input.legal_source.trim().is_empty() {
            p.at(
                "legal_source",
                "is required: cite the notice the day comes from",
            );
        }
        let years: Vec<i32> = self
            .calendar_years()
            .await?
            .iter()
            .map(|y| y.year)
            .collect();
        if !years.contains(&day.year()) {
            p.at(
                "day",
                format!(
                    "{day}: year {} is not in the calendar; add the year first",
                    day.year()
                ),
            );
        }
        let mut rows = self.calendar_days(None).await?;
        let now = Utc::now();
        let row = CalendarRow {
            work_calendar_day_id: Uuid::now_v7(),
            day,
            working: input.working,
            falls_on_rest_day: input.falls_on_rest_day,
            reason_vi: input.reason_vi.trim().to_owned(),
            reason_en: input.reason_en.trim().to_owned(),
            legal_source: input.legal_source.trim().to_owned(),
            url: input.url.clone().filter(|u| !u.trim().is_empty()),
            confidence: "confirmed".into(),
            note: input.note.clone().filter(|n| !n.trim().is_empty()),
            updated_by: actor.to_owned(),
            updated_at: now,
        };
        let before = rows
            .iter()
            .position(|r| r.day == day)
            .map(|i| rows.remove(i));
        rows.push(row.clone());
        if p.is_empty()
            && let Err(problems) = build(&years, &rows)
        {
            p.at("working", problems.to_string());
        }
        if !p.is_empty() {
            return Err(StoreError::Invalid(p));
        }
        let mut tx = self.begin().await?;
        if let Some(b) = &before {
            on_tx!(&mut tx, c => sqlx::query("DELETE FROM work_calendar_day WHERE day = $1").bind(b.day).execute(&mut **c).await.map(|_| ()))?;
        }
        insert_day(&mut tx, actor, &row.to_day(), now).await?;
        let after = on_tx!(&mut tx, c => sqlx::query_as::<_, CalendarRow>("SELECT * FROM work_calendar_day WHERE day = $1").bind(day).fetch_one(&mut **c).await)?;
        audited(
            &mut tx,
            actor,
            "work_calendar_day",
            after.work_calendar_day_id,
            if before.is_some() { "update" } else { "create" },
            &before,
            &Some(after.clone()),
            None,
        )
        .await?;
        tx.commit().await?;
        Ok(after)
    }

    /// Removes a day's exception (it becomes an ordinary weekday or weekend day again).
    pub async fn delete_calendar_day(
        &self,
        actor: &str,
        day: NaiveDate,
        reason: &str,
    ) -> Result<CalendarRow, StoreError> {
        let mut tx = self.begin().await?;
        let before = on_tx!(&mut tx, c => sqlx::query_as::<_, CalendarRow>("SELECT * FROM work_calendar_day WHERE day = $1").bind(day).fetch_optional(&mut **c).await)?
            .ok_or_else(|| StoreError::NotFound(format!("calendar day {day}")))?;
        on_tx!(&mut tx, c => sqlx::query("DELETE FROM work_calendar_day WHERE day = $1").bind(day).execute(&mut **c).await.map(|_| ()))?;
        audited(
            &mut tx,
            actor,
            "work_calendar_day",
            before.work_calendar_day_id,
            "delete",
            &Some(before.clone()),
            &None::<CalendarRow>,
            Some(reason),
        )
        .await?;
        tx.commit().await?;
        Ok(before)
    }
}

/// The audit entity id of a calendar year (years have no UUID of their own).
fn year_id(year: i32) -> Uuid {
    Uuid::from_u128(u128::from(year.unsigned_abs()))
}

async fn insert_day(
    tx: &mut super::Tx,
    actor: &str,
    day: &CalendarDay,
    now: chrono::DateTime<Utc>,
) -> Result<(), StoreError> {
    let confidence = match day.confidence {
        Confidence::Confirmed => "confirmed",
        Confidence::Unconfirmed => "unconfirmed",
    };
    on_tx!(tx, c => sqlx::query("INSERT INTO work_calendar_day (work_calendar_day_id, day, working, falls_on_rest_day, reason_vi, reason_en, legal_source, url, confidence, note, updated_by, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)")
        .bind(Uuid::now_v7()).bind(day.date.0).bind(day.working).bind(day.falls_on_rest_day)
        .bind(&day.reason.vi).bind(&day.reason.en).bind(&day.legal_source).bind(&day.url)
        .bind(confidence).bind(&day.note).bind(actor).bind(now)
        .execute(&mut **c).await.map(|_| ()))?;
    Ok(())
}
