//! Bench work: receipts (phiếu tiếp nhận), runs (one verification or calibration of one
//! instrument), the values attached to their test points, review events, number series.
//!
//! The store keeps what people and devices did; it does not compute. Evaluation lives in
//! `calibration_profiles::run`, orchestration in `crate::bench`. JSON columns (params, setup,
//! environment, checks, evaluation) are stored as text and read back by the caller's types.

use calibration_profiles::problems::Problems;
use chrono::{DateTime, Datelike, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::audit::{self, Change};
use super::registry::{
    InstrumentInput, Page, PageRequest, audited, insert_instrument, json, organisation_in,
    required_text,
};
use super::{Store, StoreError, Tx};
use crate::{on_db, on_tx};

/// What a customer may ask for an instrument.
pub const SERVICES: [&str; 4] = ["initial", "periodic", "after_repair", "calibration"];
/// Languages a certificate may be printed in.
pub const LANGUAGES: [&str; 3] = ["vi", "en", "bilingual"];

/// A run's states. `received` → `in_progress` (set up) → `submitted` → `approved` → `issued`;
/// a reviewer may send a submitted run back (`returned`, editable again); `cancelled` ends a
/// run that will not be done (the customer took the instrument back).
pub mod status {
    pub const RECEIVED: &str = "received";
    pub const IN_PROGRESS: &str = "in_progress";
    pub const SUBMITTED: &str = "submitted";
    pub const RETURNED: &str = "returned";
    pub const APPROVED: &str = "approved";
    pub const ISSUED: &str = "issued";
    pub const CANCELLED: &str = "cancelled";
    /// States in which the technician may still change the run.
    pub const EDITABLE: [&str; 3] = [RECEIVED, IN_PROGRESS, RETURNED];
}

/// A receipt as stored, with the customer's name.
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow, schemars::JsonSchema)]
pub struct Receipt {
    pub receipt_id: Uuid,
    pub number: String,
    pub organisation_id: Uuid,
    pub organisation_name: String,
    pub received_on: NaiveDate,
    pub agreed_due_on: Option<NaiveDate>,
    /// Language of the certificates: `vi`, `en` or `bilingual`.
    pub language: String,
    pub contact: String,
    pub notes: String,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
}

/// One instrument of a receipt: an instrument of the registry, or a new one registered on
/// the spot.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ReceiptItem {
    #[serde(default)]
    pub instrument_id: Option<Uuid>,
    /// A new instrument (its owner defaults to the receipt's customer).
    #[serde(default)]
    pub instrument: Option<InstrumentInput>,
    /// `initial`, `periodic`, `after_repair` (verification) or `calibration`.
    pub service: String,
    #[serde(default)]
    pub condition_on_arrival: Option<String>,
    #[serde(default)]
    pub accessories: Option<String>,
}

/// A new receipt.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ReceiptInput {
    pub organisation_id: Uuid,
    /// Defaults to today.
    #[serde(default)]
    pub received_on: Option<NaiveDate>,
    #[serde(default)]
    pub agreed_due_on: Option<NaiveDate>,
    /// `vi` (default), `en` or `bilingual`.
    #[serde(default)]
    pub language: Option<String>,
    #[serde(default)]
    pub contact: Option<String>,
    #[serde(default)]
    pub notes: Option<String>,
    pub items: Vec<ReceiptItem>,
}

impl ReceiptInput {
    /// Every problem, by field (`items[1].service: …`).
    pub fn validate(&self, today: NaiveDate) -> Result<(), Problems> {
        let mut p = Problems::default();
        let received = self.received_on.unwrap_or(today);
        if received > today {
            p.at("received_on", format!("{received} is in the future"));
        }
        if let Some(due) = self.agreed_due_on
            && due < received
        {
            p.at(
                "agreed_due_on",
                format!("{due} is before the receipt date {received}"),
            );
        }
        if let Some(l) = &self.language
            && !LANGUAGES.contains(&l.as_str())
        {
            p.at(
                "language",
                format!("`{l}` is not one of {}", LANGUAGES.join(", ")),
            );
        }
        for (field, value) in [("contact", &self.contact), ("notes", &self.notes)] {
            if value.as_ref().is_some_and(|v| v.chars().count() > 2000) {
                p.at(field, "longer than 2000 characters");
            }
        }
        if self.items.is_empty() {
            p.at("items", "a receipt lists at least one instrument");
        }
        if self.items.len() > 500 {
            p.at("items", "at most 500 instruments per receipt");
        }
        for (i, item) in self.items.iter().enumerate() {
            let at = |f: &str| format!("items[{i}].{f}");
            if !SERVICES.contains(&item.service.as_str()) {
                p.at(
                    at("service"),
                    format!("`{}` is not one of {}", item.service, SERVICES.join(", ")),
                );
            }
            match (&item.instrument_id, &item.instrument) {
                (None, None) => p.at(
                    at("instrument_id"),
                    "give the id of a registered instrument or a new `instrument`",
                ),
                (Some(_), Some(_)) => p.at(
                    at("instrument"),
                    "give either `instrument_id` or `instrument`, not both",
                ),
                (None, Some(new)) => {
                    if let Err(problems) = new.validate() {
                        for problem in problems.iter() {
                            p.at(
                                at(&format!("instrument.{}", problem.path)),
                                &problem.message,
                            );
                        }
                    }
                }
                (Some(_), None) => {}
            }
            for (field, value) in [
                ("condition_on_arrival", &item.condition_on_arrival),
                ("accessories", &item.accessories),
            ] {
                if value.as_ref().is_some_and(|v| v.chars().count() > 2000) {
                    p.at(at(field), "longer than 2000 characters");
                }
            }
        }
        p.into_result(())
    }
}

/// A run as stored, with its instrument's identity and receipt number.
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow, schemars::JsonSchema)]
pub struct Run {
    pub run_id: Uuid,
    pub receipt_id: Uuid,
    pub receipt_number: String,
    pub organisation_id: Uuid,
    pub organisation_name: String,
    pub instrument_id: Uuid,
    pub category: String,
    pub serial: String,
    pub service: String,
    pub condition_on_arrival: String,
    pub accessories: String,
    pub status: String,
    pub procedure_id: Option<String>,
    pub procedure_revision: Option<i32>,
    /// JSON texts, read by `crate::bench`.
    #[serde(skip)]
    pub params: String,
    #[serde(skip)]
    pub setup: String,
    #[serde(skip)]
    pub environment: String,
    #[serde(skip)]
    pub checks: String,
    pub stamp_number: Option<String>,
    pub stopped_step: Option<String>,
    pub stop_reason: Option<String>,
    #[serde(skip)]
    pub evaluation: Option<String>,
    pub outcome: Option<String>,
    pub performed_by: Option<String>,
    pub performed_on: Option<NaiveDate>,
    pub reviewed_by: Option<String>,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl Run {
    #[must_use]
    pub fn editable(&self) -> bool {
        status::EDITABLE.contains(&self.status.as_str())
    }

    #[must_use]
    pub fn is_verification(&self) -> bool {
        self.service != "calibration"
    }
}

/// What the technician changes while setting up and running (absent: unchanged).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RunPatch {
    pub procedure: Option<(String, i32)>,
    pub params: Option<String>,
    pub setup: Option<String>,
    pub environment: Option<String>,
    pub checks: Option<String>,
    pub stamp_number: Option<Option<String>>,
    /// `Some((step, reason))` stops the run; `Some` of empty clears a stop.
    pub stop: Option<Option<(String, String)>>,
}

/// A value attached to a test point.
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow, schemars::JsonSchema)]
pub struct RunReading {
    pub run_reading_id: Uuid,
    pub run_id: Uuid,
    pub point_id: String,
    /// `as_found` or `as_left` (calibration after adjustment).
    pub phase: String,
    pub value: f64,
    /// As the device or the person wrote it.
    pub value_text: String,
    pub unit: String,
    /// The device reading it came from (its raw bytes stay available).
    pub reading_id: Option<Uuid>,
    /// Why it was typed in rather than captured.
    pub manual_reason: Option<String>,
    pub captured_by: String,
    pub captured_at: DateTime<Utc>,
    pub discarded_at: Option<DateTime<Utc>>,
    pub discard_reason: Option<String>,
}

/// A new value for a point.
#[derive(Debug, Clone, PartialEq)]
pub struct NewRunReading {
    pub point_id: String,
    pub phase: String,
    pub value: f64,
    pub value_text: String,
    pub unit: String,
    pub reading_id: Option<Uuid>,
    pub manual_reason: Option<String>,
}

/// A step of the review trail.
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow, schemars::JsonSchema)]
pub struct RunEvent {
    pub run_event_id: Uuid,
    pub run_id: Uuid,
    pub at: DateTime<Utc>,
    pub actor: String,
    pub action: String,
    pub comment: String,
}

/// A change of state.
#[derive(Debug, Clone, PartialEq)]
pub struct Transition<'a> {
    pub from: &'a [&'a str],
    pub to: &'a str,
    pub action: &'a str,
    pub comment: &'a str,
    /// Frozen evaluation and outcome (at submission).
    pub evaluation: Option<(String, Option<String>)>,
    /// Set on submission: who performed the run and on which day.
    pub performed: Option<(String, NaiveDate)>,
    pub reviewed_by: Option<String>,
}

/// Filters of the run list.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, schemars::JsonSchema)]
pub struct RunQuery {
    /// One state, e.g. `submitted` for the reviewer's queue.
    pub status: Option<String>,
    pub instrument_id: Option<Uuid>,
    pub receipt_id: Option<Uuid>,
    #[serde(skip)]
    pub page: PageRequest,
}

const RECEIPT_SELECT: &str = "SELECT r.receipt_id, r.number, r.organisation_id, o.name AS organisation_name, r.received_on, r.agreed_due_on, r.language, r.contact, r.notes, r.created_by, r.created_at FROM receipt r JOIN organisation o ON o.organisation_id = r.organisation_id";

const RUN_SELECT: &str = "SELECT u.run_id, u.receipt_id, r.number AS receipt_number, r.organisation_id, o.name AS organisation_name, u.instrument_id, i.category, i.serial, u.service, u.condition_on_arrival, u.accessories, u.status, u.procedure_id, u.procedure_revision, u.params, u.setup, u.environment, u.checks, u.stamp_number, u.stopped_step, u.stop_reason, u.evaluation, u.outcome, u.performed_by, u.performed_on, u.reviewed_by, u.created_by, u.created_at, u.updated_at FROM run u JOIN receipt r ON r.receipt_id = u.receipt_id JOIN organisation o ON o.organisation_id = r.organisation_id JOIN instrument i ON i.instrument_id = u.instrument_id";

/// Takes the next number of a series for a year, inside the caller's transaction (the row
/// lock or SQLite's write lock keeps two issuers from drawing the same number).
pub(crate) async fn next_in_series(
    tx: &mut Tx,
    series: &str,
    year: i32,
) -> Result<i64, StoreError> {
    on_tx!(tx, c => sqlx::query("INSERT INTO number_series (series, year, last) VALUES ($1, $2, 0) ON CONFLICT (series, year) DO NOTHING").bind(series).bind(year).execute(&mut **c).await.map(|_| ()))?;
    // INTEGER is 32 bits on PostgreSQL: decode as such.
    let last: i32 = on_tx!(tx, c => sqlx::query_scalar::<_, i32>("UPDATE number_series SET last = last + 1 WHERE series = $1 AND year = $2 RETURNING last").bind(series).bind(year).fetch_one(&mut **c).await)?;
    Ok(i64::from(last))
}

impl Store {
    /// Records a receipt and one run per instrument (new instruments registered on the spot),
    /// all or nothing. `number` formats the receipt number from the year and the counter.
    pub async fn create_receipt(
        &self,
        actor: &str,
        input: &ReceiptInput,
        today: NaiveDate,
        number: impl Fn(i32, i64) -> String,
    ) -> Result<(Receipt, Vec<Run>), StoreError> {
        let mut tx = self.begin().await?;
        let org = organisation_in(&mut tx, input.organisation_id)
            .await
            .map_err(|_| {
                StoreError::NotFound(format!(
                    "organisation_id: organisation {}",
                    input.organisation_id
                ))
            })?;
        if org.retired_at.is_some() {
            return Err(StoreError::State(format!(
                "organisation_id: {} is retired",
                org.name
            )));
        }
        let received_on = input.received_on.unwrap_or(today);
        let seq = next_in_series(&mut tx, "receipt", received_on.year()).await?;
        let receipt_id = Uuid::now_v7();
        let now = Utc::now();
        let receipt_number = number(received_on.year(), seq);
        on_tx!(&mut tx, c => sqlx::query("INSERT INTO receipt (receipt_id, number, organisation_id, received_on, agreed_due_on, language, contact, notes, created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)")
            .bind(receipt_id)
            .bind(&receipt_number)
            .bind(input.organisation_id)
            .bind(received_on)
            .bind(input.agreed_due_on)
            .bind(input.language.clone().unwrap_or_else(|| "vi".into()))
            .bind(input.contact.clone().unwrap_or_default().trim())
            .bind(input.notes.clone().unwrap_or_default().trim())
            .bind(actor)
            .bind(now)
            .execute(&mut **c).await.map(|_| ()))
        .map_err(|e| StoreError::conflict_or(e, || format!("receipt number {receipt_number}")))?;
        let mut run_ids = Vec::with_capacity(input.items.len());
        for (i, item) in input.items.iter().enumerate() {
            let instrument_id = match (&item.instrument_id, &item.instrument) {
                (Some(id), _) => {
                    let found =
                        super::registry::instrument_in(&mut tx, *id)
                            .await
                            .map_err(|_| {
                                StoreError::NotFound(format!(
                                    "items[{i}].instrument_id: instrument {id}"
                                ))
                            })?;
                    if found.retired_at.is_some() {
                        return Err(StoreError::State(format!(
                            "items[{i}].instrument_id: instrument {} is retired",
                            found.serial
                        )));
                    }
                    *id
                }
                (None, Some(new)) => {
                    let mut new = new.clone();
                    new.owner_id = new.owner_id.or(Some(input.organisation_id));
                    insert_instrument(
                        &mut tx,
                        actor,
                        &new,
                        Some(format!("registered on receipt {receipt_number}")),
                    )
                    .await
                    .map_err(|e| match e {
                        StoreError::Conflict(what) => {
                            StoreError::Conflict(format!("items[{i}].instrument: {what}"))
                        }
                        other => other,
                    })?
                }
                (None, None) => {
                    return Err(StoreError::State(format!(
                        "items[{i}].instrument_id: missing"
                    )));
                }
            };
            let run_id = Uuid::now_v7();
            on_tx!(&mut tx, c => sqlx::query("INSERT INTO run (run_id, receipt_id, instrument_id, service, condition_on_arrival, accessories, status, created_by, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, 'received', $7, $8, $8)")
                .bind(run_id)
                .bind(receipt_id)
                .bind(instrument_id)
                .bind(&item.service)
                .bind(item.condition_on_arrival.clone().unwrap_or_default().trim())
                .bind(item.accessories.clone().unwrap_or_default().trim())
                .bind(actor)
                .bind(now)
                .execute(&mut **c).await.map(|_| ()))?;
            run_ids.push(run_id);
        }
        let receipt = receipt_in(&mut tx, receipt_id).await?;
        audit::append(
            &mut tx,
            actor,
            Change {
                entity: "receipt",
                entity_id: receipt_id.to_string(),
                action: "create",
                before: None,
                after: Some(serde_json::json!({
                    "receipt": json(&receipt),
                    "runs": run_ids,
                    "items": input.items.iter().map(|it| serde_json::json!({
                        "service": it.service,
                        "condition_on_arrival": it.condition_on_arrival,
                        "accessories": it.accessories,
                    })).collect::<Vec<_>>(),
                })),
                reason: None,
            },
        )
        .await?;
        let mut runs = Vec::with_capacity(run_ids.len());
        for id in run_ids {
            runs.push(run_in(&mut tx, id).await?);
        }
        tx.commit().await?;
        Ok((receipt, runs))
    }

    pub async fn receipt(&self, id: Uuid) -> Result<Option<Receipt>, StoreError> {
        let sql = format!("{RECEIPT_SELECT} WHERE r.receipt_id = $1");
        Ok(
            on_db!(self, db => sqlx::query_as::<_, Receipt>(sqlx::AssertSqlSafe(sql.clone())).bind(id).fetch_optional(db).await)?,
        )
    }

    /// Receipts, newest first.
    pub async fn list_receipts(
        &self,
        organisation_id: Option<Uuid>,
        page: PageRequest,
    ) -> Result<Page<Receipt>, StoreError> {
        Ok(on_db!(self, db => {
            let mut qb = sqlx::QueryBuilder::new(RECEIPT_SELECT);
            if let Some(org) = organisation_id {
                qb.push(" WHERE r.organisation_id = ");
                qb.push_bind(org);
            }
            qb.push(" ORDER BY r.received_on DESC, r.created_at DESC");
            let (page, per_page) = page.push_limit(&mut qb);
            qb.build_query_as::<Receipt>().fetch_all(db).await.map(|r| Page::from_rows(r, page, per_page))
        })?)
    }

    pub async fn run(&self, id: Uuid) -> Result<Option<Run>, StoreError> {
        let sql = format!("{RUN_SELECT} WHERE u.run_id = $1");
        Ok(
            on_db!(self, db => sqlx::query_as::<_, Run>(sqlx::AssertSqlSafe(sql.clone())).bind(id).fetch_optional(db).await)?,
        )
    }

    /// Runs, most recently changed first.
    pub async fn list_runs(&self, q: &RunQuery) -> Result<Page<Run>, StoreError> {
        Ok(on_db!(self, db => {
            let mut qb = sqlx::QueryBuilder::new(RUN_SELECT);
            qb.push(" WHERE 1 = 1");
            if let Some(s) = q.status.as_deref().filter(|s| !s.is_empty()) {
                qb.push(" AND u.status = ");
                qb.push_bind(s.to_owned());
            }
            if let Some(i) = q.instrument_id {
                qb.push(" AND u.instrument_id = ");
                qb.push_bind(i);
            }
            if let Some(r) = q.receipt_id {
                qb.push(" AND u.receipt_id = ");
                qb.push_bind(r);
            }
            qb.push(" ORDER BY u.updated_at DESC, u.run_id DESC");
            let (page, per_page) = q.page.push_limit(&mut qb);
            qb.build_query_as::<Run>().fetch_all(db).await.map(|r| Page::from_rows(r, page, per_page))
        })?)
    }

    /// Changes a run the technician may still edit; audited with before and after.
    pub async fn patch_run(
        &self,
        actor: &str,
        id: Uuid,
        patch: &RunPatch,
    ) -> Result<Run, StoreError> {
        let mut tx = self.begin().await?;
        let before = run_in(&mut tx, id).await?;
        if !before.editable() {
            return Err(StoreError::State(format!(
                "the run is {}: it can no longer be changed",
                before.status
            )));
        }
        let mut after = before.clone();
        if let Some((pid, rev)) = &patch.procedure {
            after.procedure_id = Some(pid.clone());
            after.procedure_revision = Some(*rev);
        }
        if let Some(v) = &patch.params {
            after.params.clone_from(v);
        }
        if let Some(v) = &patch.setup {
            after.setup.clone_from(v);
        }
        if let Some(v) = &patch.environment {
            after.environment.clone_from(v);
        }
        if let Some(v) = &patch.checks {
            after.checks.clone_from(v);
        }
        if let Some(v) = &patch.stamp_number {
            after.stamp_number.clone_from(v);
        }
        if let Some(stop) = &patch.stop {
            after.stopped_step = stop.as_ref().map(|(s, _)| s.clone());
            after.stop_reason = stop.as_ref().map(|(_, r)| r.clone());
        }
        if after.status == status::RECEIVED && after.procedure_id.is_some() {
            after.status = status::IN_PROGRESS.into();
        }
        after.updated_at = Utc::now();
        on_tx!(&mut tx, c => sqlx::query("UPDATE run SET procedure_id = $1, procedure_revision = $2, params = $3, setup = $4, environment = $5, checks = $6, stamp_number = $7, stopped_step = $8, stop_reason = $9, status = $10, updated_at = $11 WHERE run_id = $12")
            .bind(&after.procedure_id)
            .bind(after.procedure_revision)
            .bind(&after.params)
            .bind(&after.setup)
            .bind(&after.environment)
            .bind(&after.checks)
            .bind(&after.stamp_number)
            .bind(&after.stopped_step)
            .bind(&after.stop_reason)
            .bind(&after.status)
            .bind(after.updated_at)
            .bind(id)
            .execute(&mut **c).await.map(|_| ()))?;
        audited(
            &mut tx,
            actor,
            "run",
            id,
            "update",
            &run_audit_view(&before),
            &run_audit_view(&after),
            None,
        )
        .await?;
        tx.commit().await?;
        Ok(after)
    }

    /// Attaches a value to a point of a run that may still be edited.
    pub async fn add_run_reading(
        &self,
        actor: &str,
        run_id: Uuid,
        new: &NewRunReading,
    ) -> Result<RunReading, StoreError> {
        let mut tx = self.begin().await?;
        let run = run_in(&mut tx, run_id).await?;
        if !run.editable() {
            return Err(StoreError::State(format!(
                "the run is {}: no more values can be attached",
                run.status
            )));
        }
        if run.stopped_step.is_some() {
            return Err(StoreError::State(
                "the run was stopped at a failed step: no more values can be attached".into(),
            ));
        }
        if let Some(rid) = new.reading_id {
            let taken: Option<String> = on_tx!(&mut tx, c => sqlx::query_scalar::<_, String>("SELECT point_id FROM run_reading WHERE run_id = $1 AND reading_id = $2 AND discarded_at IS NULL").bind(run_id).bind(rid).fetch_optional(&mut **c).await)?;
            if let Some(point) = taken {
                return Err(StoreError::State(format!(
                    "reading {rid} is already attached to point `{point}`: wait for a new stable reading"
                )));
            }
        }
        let r = RunReading {
            run_reading_id: Uuid::now_v7(),
            run_id,
            point_id: new.point_id.clone(),
            phase: new.phase.clone(),
            value: new.value,
            value_text: new.value_text.clone(),
            unit: new.unit.clone(),
            reading_id: new.reading_id,
            manual_reason: new.manual_reason.clone(),
            captured_by: actor.to_owned(),
            captured_at: Utc::now(),
            discarded_at: None,
            discard_reason: None,
        };
        on_tx!(&mut tx, c => sqlx::query("INSERT INTO run_reading (run_reading_id, run_id, point_id, phase, value, value_text, unit, reading_id, manual_reason, captured_by, captured_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)")
            .bind(r.run_reading_id)
            .bind(run_id)
            .bind(&r.point_id)
            .bind(&r.phase)
            .bind(r.value)
            .bind(&r.value_text)
            .bind(&r.unit)
            .bind(r.reading_id)
            .bind(&r.manual_reason)
            .bind(&r.captured_by)
            .bind(r.captured_at)
            .execute(&mut **c).await.map(|_| ()))
        .map_err(|e| match &e {
            sqlx::Error::Database(d) if d.is_foreign_key_violation() => StoreError::NotFound(format!(
                "reading_id: reading {}",
                new.reading_id.map(|u| u.to_string()).unwrap_or_default()
            )),
            _ => StoreError::Database(e),
        })?;
        on_tx!(&mut tx, c => sqlx::query("UPDATE run SET updated_at = $1 WHERE run_id = $2").bind(r.captured_at).bind(run_id).execute(&mut **c).await.map(|_| ()))?;
        audit::append(
            &mut tx,
            actor,
            Change {
                entity: "run",
                entity_id: run_id.to_string(),
                action: if r.manual_reason.is_some() {
                    "manual_value"
                } else {
                    "capture"
                },
                before: None,
                after: Some(json(&r)),
                reason: r.manual_reason.clone(),
            },
        )
        .await?;
        tx.commit().await?;
        Ok(r)
    }

    /// Discards a value (a retake); it stays in the record with the reason.
    pub async fn discard_run_reading(
        &self,
        actor: &str,
        run_id: Uuid,
        run_reading_id: Uuid,
        reason: &str,
    ) -> Result<RunReading, StoreError> {
        let mut tx = self.begin().await?;
        let run = run_in(&mut tx, run_id).await?;
        if !run.editable() {
            return Err(StoreError::State(format!(
                "the run is {}: its values can no longer be changed",
                run.status
            )));
        }
        let before: RunReading = on_tx!(&mut tx, c => sqlx::query_as::<_, RunReading>("SELECT * FROM run_reading WHERE run_reading_id = $1 AND run_id = $2").bind(run_reading_id).bind(run_id).fetch_optional(&mut **c).await)?
            .ok_or_else(|| StoreError::NotFound(format!("value {run_reading_id} of run {run_id}")))?;
        if before.discarded_at.is_some() {
            return Err(StoreError::State("the value is already discarded".into()));
        }
        let now = Utc::now();
        on_tx!(&mut tx, c => sqlx::query("UPDATE run_reading SET discarded_at = $1, discard_reason = $2 WHERE run_reading_id = $3").bind(now).bind(reason).bind(run_reading_id).execute(&mut **c).await.map(|_| ()))?;
        let mut after = before.clone();
        after.discarded_at = Some(now);
        after.discard_reason = Some(reason.to_owned());
        audited(
            &mut tx,
            actor,
            "run",
            run_id,
            "discard_value",
            &before,
            &after,
            Some(reason),
        )
        .await?;
        tx.commit().await?;
        Ok(after)
    }

    /// The values of a run in capture order (discarded ones included, marked).
    pub async fn run_readings(&self, run_id: Uuid) -> Result<Vec<RunReading>, StoreError> {
        Ok(
            on_db!(self, db => sqlx::query_as::<_, RunReading>("SELECT * FROM run_reading WHERE run_id = $1 ORDER BY captured_at, run_reading_id").bind(run_id).fetch_all(db).await)?,
        )
    }

    pub async fn run_events(&self, run_id: Uuid) -> Result<Vec<RunEvent>, StoreError> {
        Ok(
            on_db!(self, db => sqlx::query_as::<_, RunEvent>("SELECT * FROM run_event WHERE run_id = $1 ORDER BY at, run_event_id").bind(run_id).fetch_all(db).await)?,
        )
    }

    /// Moves a run from one of `t.from` to `t.to`, with its event and audit entry.
    pub async fn transition_run(
        &self,
        actor: &str,
        id: Uuid,
        t: &Transition<'_>,
    ) -> Result<Run, StoreError> {
        let mut tx = self.begin().await?;
        let run = transition_in(&mut tx, actor, id, t).await?;
        tx.commit().await?;
        Ok(run)
    }
}

/// [`Store::transition_run`] inside a caller's transaction (issuing a certificate moves the
/// run in the same transaction).
pub(crate) async fn transition_in(
    tx: &mut Tx,
    actor: &str,
    id: Uuid,
    t: &Transition<'_>,
) -> Result<Run, StoreError> {
    let before = run_in(tx, id).await?;
    if !t.from.contains(&before.status.as_str()) {
        return Err(StoreError::State(format!(
            "the run is {}; `{}` needs it to be {}",
            before.status,
            t.action,
            t.from.join(" or ")
        )));
    }
    let now = Utc::now();
    let mut after = before.clone();
    after.status = t.to.to_owned();
    after.updated_at = now;
    if let Some((evaluation, outcome)) = &t.evaluation {
        after.evaluation = Some(evaluation.clone());
        after.outcome.clone_from(outcome);
    }
    if let Some((who, day)) = &t.performed {
        after.performed_by = Some(who.clone());
        after.performed_on = Some(*day);
    }
    if let Some(r) = &t.reviewed_by {
        after.reviewed_by = Some(r.clone());
    }
    on_tx!(tx, c => sqlx::query("UPDATE run SET status = $1, evaluation = $2, outcome = $3, performed_by = $4, performed_on = $5, reviewed_by = $6, updated_at = $7 WHERE run_id = $8 AND status = $9")
        .bind(&after.status)
        .bind(&after.evaluation)
        .bind(&after.outcome)
        .bind(&after.performed_by)
        .bind(after.performed_on)
        .bind(&after.reviewed_by)
        .bind(now)
        .bind(id)
        .bind(&before.status)
        .execute(&mut **c).await.map(|_| ()))?;
    on_tx!(tx, c => sqlx::query("INSERT INTO run_event (run_event_id, run_id, at, actor, action, comment) VALUES ($1, $2, $3, $4, $5, $6)")
        .bind(Uuid::now_v7())
        .bind(id)
        .bind(now)
        .bind(actor)
        .bind(t.action)
        .bind(t.comment)
        .execute(&mut **c).await.map(|_| ()))?;
    let reason = (!t.comment.is_empty()).then_some(t.comment);
    audited(
        tx,
        actor,
        "run",
        id,
        t.action,
        &run_audit_view(&before),
        &run_audit_view(&after),
        reason,
    )
    .await?;
    Ok(after)
}

/// The run as the audit trail records it (JSON columns parsed so entries read well).
fn run_audit_view(r: &Run) -> serde_json::Value {
    let parse = |s: &str| {
        serde_json::from_str::<serde_json::Value>(s)
            .unwrap_or(serde_json::Value::String(s.to_owned()))
    };
    let mut v = json(r);
    if let Some(o) = v.as_object_mut() {
        o.insert("params".into(), parse(&r.params));
        o.insert("setup".into(), parse(&r.setup));
        o.insert("environment".into(), parse(&r.environment));
        o.insert("checks".into(), parse(&r.checks));
        o.remove("updated_at");
    }
    v
}

pub(crate) async fn run_in(tx: &mut Tx, id: Uuid) -> Result<Run, StoreError> {
    let sql = format!("{RUN_SELECT} WHERE u.run_id = $1");
    on_tx!(tx, c => sqlx::query_as::<_, Run>(sqlx::AssertSqlSafe(sql.clone())).bind(id).fetch_optional(&mut **c).await)?
        .ok_or_else(|| StoreError::NotFound(format!("run {id}")))
}

async fn receipt_in(tx: &mut Tx, id: Uuid) -> Result<Receipt, StoreError> {
    let sql = format!("{RECEIPT_SELECT} WHERE r.receipt_id = $1");
    on_tx!(tx, c => sqlx::query_as::<_, Receipt>(sqlx::AssertSqlSafe(sql.clone())).bind(id).fetch_optional(&mut **c).await)?
        .ok_or_else(|| StoreError::NotFound(format!("receipt {id}")))
}

/// A required reason (returns, discards, manual values), at most 2000 characters.
pub fn check_reason(field: &str, reason: &str) -> Result<(), Problems> {
    let mut p = Problems::default();
    required_text(&mut p, field, reason, 2000);
    p.into_result(())
}
