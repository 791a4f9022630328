//! Measurement standards (chuẩn đo lường) of the lab: their calibration certificates, their
//! traceability up to national standards, intermediate checks, and whether they may be used
//! (ISO/IEC 17025 6.4, 6.5).
//!
//! The stored *condition* is what a person declared (in service, failed, quarantined); the
//! *status* shown and enforced is computed on the day asked: failed or quarantined as declared,
//! otherwise from the latest calibration's due date (expired, expiring within
//! [`EXPIRING_DAYS`], valid). A standard that is not valid or expiring cannot be selected for
//! work unless a quality manager granted an override, with a reason and an end date, which the
//! audit trail records.

use calibration_profiles::problems::Problems;
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::audit::{self, Change};
use super::registry::{Page, PageRequest, audited, required_text};
use super::{Store, StoreError, Tx};
use crate::{on_db, on_tx};

/// A standard whose calibration ends within this many days is shown as expiring.
pub const EXPIRING_DAYS: i64 = 30;

/// Levels of standards in the lab's hierarchy.
pub const LEVELS: [&str; 3] = ["reference", "working", "check"];

/// What a person may declare about a standard.
pub const CONDITIONS: [&str; 3] = ["in_service", "failed", "quarantined"];

/// The status of a standard on a day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Valid,
    Expiring,
    Expired,
    Failed,
    Quarantined,
    Retired,
}

impl Status {
    /// Whether work may use the standard without an override.
    #[must_use]
    pub fn usable(self) -> bool {
        matches!(self, Status::Valid | Status::Expiring)
    }

    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Valid => "valid",
            Status::Expiring => "expiring",
            Status::Expired => "expired",
            Status::Failed => "failed",
            Status::Quarantined => "quarantined",
            Status::Retired => "retired",
        }
    }
}

/// A standard as stored, with its latest calibration.
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow, schemars::JsonSchema)]
pub struct MeasurementStandard {
    pub measurement_standard_id: Uuid,
    /// The lab's own code, e.g. `CH-KL-01`.
    pub code: String,
    pub name: String,
    pub level: String,
    pub maker: Option<String>,
    pub model: Option<String>,
    pub serial: Option<String>,
    pub measuring_range: Option<String>,
    pub condition: String,
    /// Where its values come from, up to the national standard (text of the chain's top).
    pub traceability: Option<String>,
    /// The lab's higher standard it is calibrated against, if calibrated in house.
    pub parent_standard_id: Option<Uuid>,
    pub retired_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub certificate_no: Option<String>,
    pub calibrated_on: Option<NaiveDate>,
    pub due_on: Option<NaiveDate>,
}

impl MeasurementStandard {
    /// The status on `today`.
    #[must_use]
    pub fn status(&self, today: NaiveDate) -> Status {
        if self.retired_at.is_some() {
            return Status::Retired;
        }
        match self.condition.as_str() {
            "failed" => return Status::Failed,
            "quarantined" => return Status::Quarantined,
            _ => {}
        }
        match self.due_on {
            None => Status::Expired,
            Some(due) if due < today => Status::Expired,
            Some(due) if (due - today).num_days() <= EXPIRING_DAYS => Status::Expiring,
            Some(_) => Status::Valid,
        }
    }
}

/// The fields a person edits.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct StandardInput {
    pub code: String,
    pub name: String,
    pub level: String,
    #[serde(default)]
    pub maker: Option<String>,
    #[serde(default)]
    pub model: Option<String>,
    #[serde(default)]
    pub serial: Option<String>,
    #[serde(default)]
    pub measuring_range: Option<String>,
    #[serde(default)]
    pub traceability: Option<String>,
    #[serde(default)]
    pub parent_standard_id: Option<Uuid>,
}

impl StandardInput {
    pub fn validate(&self) -> Result<(), Problems> {
        let mut p = Problems::default();
        required_text(&mut p, "code", &self.code, 50);
        required_text(&mut p, "name", &self.name, 300);
        if !LEVELS.contains(&self.level.as_str()) {
            p.at(
                "level",
                format!("`{}` is not a level: {}", self.level, LEVELS.join(", ")),
            );
        }
        if self
            .traceability
            .as_deref()
            .is_none_or(|t| t.trim().is_empty())
            && self.parent_standard_id.is_none()
        {
            p.at(
                "traceability",
                "say where the standard's values come from (a calibration laboratory or national standard), or give parent_standard_id",
            );
        }
        p.into_result(())
    }
}

/// One calibration certificate of a standard.
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow, schemars::JsonSchema)]
pub struct Calibration {
    pub standard_calibration_id: Uuid,
    pub measurement_standard_id: Uuid,
    pub certificate_no: String,
    pub issuer: String,
    pub issuer_accreditation: Option<String>,
    pub calibrated_on: NaiveDate,
    pub due_on: NaiveDate,
    /// JSON array of `{"nominal", "value", "correction"?, "expanded_uncertainty", "k"?}`.
    pub results: String,
    pub in_tolerance: bool,
    pub created_at: DateTime<Utc>,
}

/// A calibration as entered.
#[derive(Debug, Clone, PartialEq, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CalibrationInput {
    pub certificate_no: String,
    pub issuer: String,
    #[serde(default)]
    pub issuer_accreditation: Option<String>,
    pub calibrated_on: NaiveDate,
    pub due_on: NaiveDate,
    #[serde(default)]
    pub results: Vec<CalibrationValue>,
    #[serde(default = "yes")]
    pub in_tolerance: bool,
}

fn yes() -> bool {
    true
}

/// One certified value: quantities as text with units, so the digits stay as certified.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CalibrationValue {
    pub nominal: String,
    pub value: String,
    pub expanded_uncertainty: String,
    #[serde(default)]
    pub k: Option<f64>,
}

impl CalibrationInput {
    pub fn validate(&self) -> Result<(), Problems> {
        let mut p = Problems::default();
        required_text(&mut p, "certificate_no", &self.certificate_no, 100);
        required_text(&mut p, "issuer", &self.issuer, 300);
        if self.due_on <= self.calibrated_on {
            p.at(
                "due_on",
                format!(
                    "{} is not after the calibration date {}",
                    self.due_on, self.calibrated_on
                ),
            );
        }
        for (i, v) in self.results.iter().enumerate() {
            for (field, text) in [
                ("nominal", &v.nominal),
                ("value", &v.value),
                ("expanded_uncertainty", &v.expanded_uncertainty),
            ] {
                if let Err(e) = calibration_profiles::units::Quantity::parse(text) {
                    p.at(
                        format!("results[{i}].{field}"),
                        format!("`{text}` is not a quantity with a unit: {e}"),
                    );
                }
            }
            if let Some(k) = v.k
                && !(k.is_finite() && k >= 1.0)
            {
                p.at(format!("results[{i}].k"), "a coverage factor is at least 1");
            }
        }
        p.into_result(())
    }
}

/// An intermediate check.
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow, schemars::JsonSchema)]
pub struct Check {
    pub standard_check_id: Uuid,
    pub measurement_standard_id: Uuid,
    pub checked_on: NaiveDate,
    pub passed: bool,
    pub notes: String,
    pub checked_by: String,
    pub created_at: DateTime<Utc>,
}

/// A quality manager's permission to use a standard that is not usable otherwise.
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow, schemars::JsonSchema)]
pub struct Override {
    pub standard_override_id: Uuid,
    pub measurement_standard_id: Uuid,
    pub granted_by: Uuid,
    pub reason: String,
    pub valid_until: NaiveDate,
    pub created_at: DateTime<Utc>,
}

/// Whether a standard may be selected for work on a day, and why.
#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct Usability {
    pub status: Status,
    pub usable: bool,
    /// The override that makes an otherwise unusable standard usable.
    pub override_granted: Option<Override>,
}

const STANDARD_SELECT: &str = "SELECT s.*, c.certificate_no, c.calibrated_on, c.due_on FROM measurement_standard s LEFT JOIN standard_calibration c ON c.standard_calibration_id = (SELECT c2.standard_calibration_id FROM standard_calibration c2 WHERE c2.measurement_standard_id = s.measurement_standard_id ORDER BY c2.calibrated_on DESC, c2.created_at DESC LIMIT 1)";

impl Store {
    pub async fn create_standard(
        &self,
        actor: &str,
        input: &StandardInput,
    ) -> Result<MeasurementStandard, StoreError> {
        let now = Utc::now();
        let id = Uuid::now_v7();
        let mut tx = self.begin().await?;
        on_tx!(&mut tx, c => sqlx::query("INSERT INTO measurement_standard (measurement_standard_id, code, name, level, maker, model, serial, measuring_range, traceability, parent_standard_id, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $11)")
            .bind(id)
            .bind(input.code.trim())
            .bind(input.name.trim())
            .bind(&input.level)
            .bind(&input.maker)
            .bind(&input.model)
            .bind(&input.serial)
            .bind(&input.measuring_range)
            .bind(&input.traceability)
            .bind(input.parent_standard_id)
            .bind(now)
            .execute(&mut **c).await.map(|_| ()))
        .map_err(|e| parent_or_conflict(e, input))?;
        let after = standard_in(&mut tx, id).await?;
        audit::append(
            &mut tx,
            actor,
            Change {
                entity: "measurement_standard",
                entity_id: id.to_string(),
                action: "create",
                before: None,
                after: Some(serde_json::to_value(&after).unwrap_or_default()),
                reason: None,
            },
        )
        .await?;
        tx.commit().await?;
        Ok(after)
    }

    pub async fn update_standard(
        &self,
        actor: &str,
        id: Uuid,
        input: &StandardInput,
    ) -> Result<MeasurementStandard, StoreError> {
        if input.parent_standard_id == Some(id) {
            return Err(StoreError::State(
                "parent_standard_id: a standard cannot be calibrated against itself".into(),
            ));
        }
        let mut tx = self.begin().await?;
        let before = standard_in(&mut tx, id).await?;
        on_tx!(&mut tx, c => sqlx::query("UPDATE measurement_standard SET code = $1, name = $2, level = $3, maker = $4, model = $5, serial = $6, measuring_range = $7, traceability = $8, parent_standard_id = $9, updated_at = $10 WHERE measurement_standard_id = $11")
            .bind(input.code.trim())
            .bind(input.name.trim())
            .bind(&input.level)
            .bind(&input.maker)
            .bind(&input.model)
            .bind(&input.serial)
            .bind(&input.measuring_range)
            .bind(&input.traceability)
            .bind(input.parent_standard_id)
            .bind(Utc::now())
            .bind(id)
            .execute(&mut **c).await.map(|_| ()))
        .map_err(|e| parent_or_conflict(e, input))?;
        let after = standard_in(&mut tx, id).await?;
        audited(
            &mut tx,
            actor,
            "measurement_standard",
            id,
            "update",
            &before,
            &after,
            None,
        )
        .await?;
        tx.commit().await?;
        Ok(after)
    }

    pub async fn standard(&self, id: Uuid) -> Result<Option<MeasurementStandard>, StoreError> {
        let sql = format!("{STANDARD_SELECT} WHERE s.measurement_standard_id = $1");
        Ok(
            on_db!(self, db => sqlx::query_as::<_, MeasurementStandard>(sqlx::AssertSqlSafe(sql.clone())).bind(id).fetch_optional(db).await)?,
        )
    }

    /// Standards by level and code; `text` matches code or name (any case).
    pub async fn list_standards(
        &self,
        text: Option<&str>,
        include_retired: bool,
        page: PageRequest,
    ) -> Result<Page<MeasurementStandard>, StoreError> {
        let pattern = text
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .map(|t| format!("%{}%", t.to_lowercase()));
        Ok(on_db!(self, db => {
            let mut qb = sqlx::QueryBuilder::new(STANDARD_SELECT);
            qb.push(" WHERE 1 = 1");
            if !include_retired {
                qb.push(" AND s.retired_at IS NULL");
            }
            if let Some(p) = &pattern {
                qb.push(" AND (LOWER(s.code) LIKE ");
                qb.push_bind(p.clone());
                qb.push(" OR LOWER(s.name) LIKE ");
                qb.push_bind(p.clone());
                qb.push(")");
            }
            qb.push(" ORDER BY s.level, s.code");
            let (page, per_page) = page.push_limit(&mut qb);
            qb.build_query_as::<MeasurementStandard>().fetch_all(db).await.map(|r| Page::from_rows(r, page, per_page))
        })?)
    }

    /// Records a calibration certificate of a standard.
    pub async fn add_calibration(
        &self,
        actor: &str,
        id: Uuid,
        input: &CalibrationInput,
    ) -> Result<Calibration, StoreError> {
        let mut tx = self.begin().await?;
        let standard = standard_in(&mut tx, id).await?;
        if standard.retired_at.is_some() {
            return Err(StoreError::State(format!(
                "standard {} is retired",
                standard.code
            )));
        }
        let cal = Calibration {
            standard_calibration_id: Uuid::now_v7(),
            measurement_standard_id: id,
            certificate_no: input.certificate_no.trim().to_owned(),
            issuer: input.issuer.trim().to_owned(),
            issuer_accreditation: input.issuer_accreditation.clone(),
            calibrated_on: input.calibrated_on,
            due_on: input.due_on,
            results: serde_json::to_string(&input.results).unwrap_or_else(|_| "[]".into()),
            in_tolerance: input.in_tolerance,
            created_at: Utc::now(),
        };
        on_tx!(&mut tx, c => sqlx::query("INSERT INTO standard_calibration (standard_calibration_id, measurement_standard_id, certificate_no, issuer, issuer_accreditation, calibrated_on, due_on, results, in_tolerance, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)")
            .bind(cal.standard_calibration_id)
            .bind(id)
            .bind(&cal.certificate_no)
            .bind(&cal.issuer)
            .bind(&cal.issuer_accreditation)
            .bind(cal.calibrated_on)
            .bind(cal.due_on)
            .bind(&cal.results)
            .bind(cal.in_tolerance)
            .bind(cal.created_at)
            .execute(&mut **c).await.map(|_| ()))?;
        if !cal.in_tolerance {
            super::certificates::open_nonconformity(
                &mut tx,
                actor,
                id,
                &format!(
                    "{}: calibration {} ({}) found it out of tolerance",
                    standard.code, cal.certificate_no, cal.issuer
                ),
                Some(cal.standard_calibration_id),
            )
            .await?;
        }
        audit::append(
            &mut tx,
            actor,
            Change {
                entity: "measurement_standard",
                entity_id: id.to_string(),
                action: "calibration",
                before: None,
                after: Some(serde_json::to_value(&cal).unwrap_or_default()),
                reason: None,
            },
        )
        .await?;
        tx.commit().await?;
        Ok(cal)
    }

    /// Calibrations of a standard, newest first.
    pub async fn calibrations(&self, id: Uuid) -> Result<Vec<Calibration>, StoreError> {
        Ok(
            on_db!(self, db => sqlx::query_as::<_, Calibration>("SELECT * FROM standard_calibration WHERE measurement_standard_id = $1 ORDER BY calibrated_on DESC, created_at DESC").bind(id).fetch_all(db).await)?,
        )
    }

    /// Declares a standard in service, failed or quarantined; the reason is required.
    pub async fn set_standard_condition(
        &self,
        actor: &str,
        id: Uuid,
        condition: &str,
        reason: &str,
    ) -> Result<MeasurementStandard, StoreError> {
        let mut tx = self.begin().await?;
        let before = standard_in(&mut tx, id).await?;
        let after = set_condition(&mut tx, actor, &before, condition, reason).await?;
        tx.commit().await?;
        Ok(after)
    }

    /// Records an intermediate check; a failed check quarantines the standard until someone
    /// investigates (its condition changes in the same transaction, audited).
    pub async fn add_check(
        &self,
        actor: &str,
        id: Uuid,
        checked_on: NaiveDate,
        passed: bool,
        notes: &str,
    ) -> Result<Check, StoreError> {
        let mut tx = self.begin().await?;
        let standard = standard_in(&mut tx, id).await?;
        let check = Check {
            standard_check_id: Uuid::now_v7(),
            measurement_standard_id: id,
            checked_on,
            passed,
            notes: notes.trim().to_owned(),
            checked_by: actor.to_owned(),
            created_at: Utc::now(),
        };
        on_tx!(&mut tx, c => sqlx::query("INSERT INTO standard_check (standard_check_id, measurement_standard_id, checked_on, passed, notes, checked_by, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)")
            .bind(check.standard_check_id)
            .bind(id)
            .bind(checked_on)
            .bind(passed)
            .bind(&check.notes)
            .bind(actor)
            .bind(check.created_at)
            .execute(&mut **c).await.map(|_| ()))?;
        audit::append(
            &mut tx,
            actor,
            Change {
                entity: "measurement_standard",
                entity_id: id.to_string(),
                action: "check",
                before: None,
                after: Some(serde_json::to_value(&check).unwrap_or_default()),
                reason: None,
            },
        )
        .await?;
        if !passed && standard.condition == "in_service" {
            set_condition(
                &mut tx,
                actor,
                &standard,
                "quarantined",
                &format!("intermediate check of {checked_on} failed"),
            )
            .await?;
        }
        tx.commit().await?;
        Ok(check)
    }

    pub async fn checks(&self, id: Uuid) -> Result<Vec<Check>, StoreError> {
        Ok(
            on_db!(self, db => sqlx::query_as::<_, Check>("SELECT * FROM standard_check WHERE measurement_standard_id = $1 ORDER BY checked_on DESC, created_at DESC").bind(id).fetch_all(db).await)?,
        )
    }

    /// A quality manager's override (the caller checks the role). Audited with its reason.
    pub async fn grant_override(
        &self,
        actor: &str,
        granted_by: Uuid,
        id: Uuid,
        reason: &str,
        valid_until: NaiveDate,
    ) -> Result<Override, StoreError> {
        let mut tx = self.begin().await?;
        let standard = standard_in(&mut tx, id).await?;
        if standard.retired_at.is_some() {
            return Err(StoreError::State(format!(
                "standard {} is retired",
                standard.code
            )));
        }
        let o = Override {
            standard_override_id: Uuid::now_v7(),
            measurement_standard_id: id,
            granted_by,
            reason: reason.trim().to_owned(),
            valid_until,
            created_at: Utc::now(),
        };
        on_tx!(&mut tx, c => sqlx::query("INSERT INTO standard_override (standard_override_id, measurement_standard_id, granted_by, reason, valid_until, created_at) VALUES ($1, $2, $3, $4, $5, $6)")
            .bind(o.standard_override_id)
            .bind(id)
            .bind(granted_by)
            .bind(&o.reason)
            .bind(valid_until)
            .bind(o.created_at)
            .execute(&mut **c).await.map(|_| ()))?;
        audit::append(
            &mut tx,
            actor,
            Change {
                entity: "measurement_standard",
                entity_id: id.to_string(),
                action: "override",
                before: None,
                after: Some(serde_json::to_value(&o).unwrap_or_default()),
                reason: Some(o.reason.clone()),
            },
        )
        .await?;
        tx.commit().await?;
        Ok(o)
    }

    /// Whether the standard may be selected for work on `on`.
    pub async fn standard_usability(
        &self,
        id: Uuid,
        on: NaiveDate,
    ) -> Result<Usability, StoreError> {
        let standard = self
            .standard(id)
            .await?
            .ok_or_else(|| StoreError::NotFound(format!("standard {id}")))?;
        let status = standard.status(on);
        if status.usable() {
            return Ok(Usability {
                status,
                usable: true,
                override_granted: None,
            });
        }
        let granted: Option<Override> = if status == Status::Retired {
            None
        } else {
            let latest: Option<Override> = on_db!(self, db => sqlx::query_as::<_, Override>("SELECT * FROM standard_override WHERE measurement_standard_id = $1 AND valid_until >= $2 ORDER BY created_at DESC LIMIT 1")
                .bind(id)
                .bind(on)
                .fetch_optional(db).await)?;
            // An override covers the standard as it was when granted: any later change to it
            // (a new failure, a new calibration) needs a new decision.
            latest.filter(|o| o.created_at >= standard.updated_at)
        };
        Ok(Usability {
            status,
            usable: granted.is_some(),
            override_granted: granted,
        })
    }

    /// The chain of standards from this one up through its parents (at most 10 levels; a loop
    /// ends the walk).
    pub async fn traceability_chain(
        &self,
        id: Uuid,
    ) -> Result<Vec<MeasurementStandard>, StoreError> {
        let mut chain: Vec<MeasurementStandard> = Vec::new();
        let mut next = Some(id);
        while let Some(current) = next {
            if chain.len() >= 10 || chain.iter().any(|s| s.measurement_standard_id == current) {
                break;
            }
            let Some(s) = self.standard(current).await? else {
                break;
            };
            next = s.parent_standard_id;
            chain.push(s);
        }
        Ok(chain)
    }

    /// Retires a standard (sold, scrapped); its history stays.
    pub async fn retire_standard(
        &self,
        actor: &str,
        id: Uuid,
        reason: &str,
    ) -> Result<MeasurementStandard, StoreError> {
        let mut tx = self.begin().await?;
        let before = standard_in(&mut tx, id).await?;
        if before.retired_at.is_some() {
            return Err(StoreError::State(format!(
                "standard {} is already retired",
                before.code
            )));
        }
        let now = Utc::now();
        on_tx!(&mut tx, c => sqlx::query("UPDATE measurement_standard SET retired_at = $1, updated_at = $1 WHERE measurement_standard_id = $2").bind(now).bind(id).execute(&mut **c).await.map(|_| ()))?;
        let after = standard_in(&mut tx, id).await?;
        audited(
            &mut tx,
            actor,
            "measurement_standard",
            id,
            "retire",
            &before,
            &after,
            Some(reason),
        )
        .await?;
        tx.commit().await?;
        Ok(after)
    }

    /// Standards whose status on `today` is expiring or worse (for the dashboard).
    pub async fn standards_needing_attention(
        &self,
        today: NaiveDate,
    ) -> Result<Vec<(MeasurementStandard, Status)>, StoreError> {
        let sql = format!("{STANDARD_SELECT} WHERE s.retired_at IS NULL ORDER BY s.code");
        let all: Vec<MeasurementStandard> = on_db!(self, db => sqlx::query_as::<_, MeasurementStandard>(sqlx::AssertSqlSafe(sql.clone())).fetch_all(db).await)?;
        Ok(all
            .into_iter()
            .map(|s| {
                let st = s.status(today);
                (s, st)
            })
            .filter(|(_, st)| *st != Status::Valid)
            .collect())
    }
}

fn parent_or_conflict(e: sqlx::Error, input: &StandardInput) -> StoreError {
    match &e {
        sqlx::Error::Database(d) if d.is_foreign_key_violation() => StoreError::NotFound(format!(
            "parent standard {}",
            input
                .parent_standard_id
                .map(|u| u.to_string())
                .unwrap_or_default()
        )),
        _ => StoreError::conflict_or(e, || {
            format!("a standard with code `{}`", input.code.trim())
        }),
    }
}

async fn standard_in(tx: &mut Tx, id: Uuid) -> Result<MeasurementStandard, StoreError> {
    let sql = format!("{STANDARD_SELECT} WHERE s.measurement_standard_id = $1");
    on_tx!(tx, c => sqlx::query_as::<_, MeasurementStandard>(sqlx::AssertSqlSafe(sql.clone())).bind(id).fetch_optional(&mut **c).await)?
        .ok_or_else(|| StoreError::NotFound(format!("standard {id}")))
}

async fn set_condition(
    tx: &mut Tx,
    actor: &str,
    before: &MeasurementStandard,
    condition: &str,
    reason: &str,
) -> Result<MeasurementStandard, StoreError> {
    let id = before.measurement_standard_id;
    on_tx!(tx, c => sqlx::query("UPDATE measurement_standard SET condition = $1, updated_at = $2 WHERE measurement_standard_id = $3").bind(condition).bind(Utc::now()).bind(id).execute(&mut **c).await.map(|_| ()))?;
    let after = standard_in(tx, id).await?;
    audited(
        tx,
        actor,
        "measurement_standard",
        id,
        "condition",
        before,
        &after,
        Some(reason),
    )
    .await?;
    // Out of service: the work done with it since its last good calibration needs review.
    if condition != "in_service" && before.condition == "in_service" {
        super::certificates::open_nonconformity(
            tx,
            actor,
            id,
            &format!("{} {condition}: {reason}", before.code),
            None,
        )
        .await?;
    }
    Ok(after)
}
