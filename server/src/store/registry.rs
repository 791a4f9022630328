//! The registry: organisations (đơn vị) and the measuring instruments they own (phương tiện đo).
//!
//! Records are never deleted: they are retired, because certificates, results and audit entries
//! refer to them. Every create, update and retire writes its audit entry in the same
//! transaction, with the record before and after. Searches build their SQL from the filters
//! actually given, so each runs on an index (a `($1 IS NULL OR col = $1)` pattern would defeat
//! the planner of both backends), and pages are fetched one row long to learn whether another
//! page follows without counting ten million rows.

use calibration_profiles::cycles::cycles;
use calibration_profiles::problems::Problems;
use calibration_profiles::units::Quantity;
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::audit::{self, Change};
use super::{Store, StoreError, Tx};
use crate::{on_db, on_tx};

/// Largest page a list may ask for.
pub const MAX_PER_PAGE: i64 = 200;

/// One page of a list.
#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct Page<T> {
    pub items: Vec<T>,
    /// 1-based.
    pub page: i64,
    pub per_page: i64,
    /// Whether another page follows.
    pub has_more: bool,
}

impl<T> Page<T> {
    pub(crate) fn from_rows(mut rows: Vec<T>, page: i64, per_page: i64) -> Self {
        let has_more = i64::try_from(rows.len()).unwrap_or(i64::MAX) > per_page;
        rows.truncate(usize::try_from(per_page).unwrap_or(0));
        Self {
            items: rows,
            page,
            per_page,
            has_more,
        }
    }
}

/// Which page: 1-based number and size (clamped to 1..=[`MAX_PER_PAGE`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, schemars::JsonSchema)]
pub struct PageRequest {
    pub page: i64,
    pub per_page: i64,
}

impl Default for PageRequest {
    fn default() -> Self {
        Self {
            page: 1,
            per_page: 50,
        }
    }
}

impl PageRequest {
    fn clamped(self) -> (i64, i64) {
        (self.page.max(1), self.per_page.clamp(1, MAX_PER_PAGE))
    }

    pub(crate) fn push_limit<DB: sqlx::Database>(
        self,
        qb: &mut sqlx::QueryBuilder<DB>,
    ) -> (i64, i64)
    where
        i64: sqlx::Encode<'static, DB> + sqlx::Type<DB>,
    {
        let (page, per_page) = self.clamped();
        qb.push(" LIMIT ");
        qb.push_bind(per_page + 1);
        qb.push(" OFFSET ");
        qb.push_bind((page - 1).saturating_mul(per_page));
        (page, per_page)
    }
}

/// An organisation: owner of instruments, customer of the lab.
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow, schemars::JsonSchema)]
pub struct Organisation {
    pub organisation_id: Uuid,
    pub name: String,
    /// Mã số thuế.
    pub tax_code: Option<String>,
    pub address: Option<String>,
    pub phone: Option<String>,
    pub retired_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// The fields a person edits.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct OrganisationInput {
    pub name: String,
    #[serde(default)]
    pub tax_code: Option<String>,
    #[serde(default)]
    pub address: Option<String>,
    #[serde(default)]
    pub phone: Option<String>,
}

/// Instrument status (tình trạng).
pub const INSTRUMENT_STATUSES: [&str; 3] = ["in_use", "out_of_use", "retired"];

/// A measuring instrument as stored, with its owner's name.
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow, schemars::JsonSchema)]
pub struct Instrument {
    pub instrument_id: Uuid,
    pub category: String,
    pub maker: Option<String>,
    pub model: Option<String>,
    pub serial: String,
    pub measuring_range: Option<String>,
    pub resolution: Option<String>,
    pub verification_interval: Option<String>,
    pub accuracy_class: Option<String>,
    pub owner_id: Option<Uuid>,
    pub owner_name: Option<String>,
    pub location: Option<String>,
    pub status: String,
    pub last_result: Option<String>,
    pub last_verified_on: Option<NaiveDate>,
    pub next_due_on: Option<NaiveDate>,
    pub retired_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// The fields a person edits (results and due dates come from verifications, but may be set
/// when an instrument is registered with its current stamp).
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct InstrumentInput {
    pub category: String,
    pub serial: String,
    #[serde(default)]
    pub maker: Option<String>,
    #[serde(default)]
    pub model: Option<String>,
    #[serde(default)]
    pub measuring_range: Option<String>,
    #[serde(default)]
    pub resolution: Option<String>,
    #[serde(default)]
    pub verification_interval: Option<String>,
    #[serde(default)]
    pub accuracy_class: Option<String>,
    #[serde(default)]
    pub owner_id: Option<Uuid>,
    #[serde(default)]
    pub location: Option<String>,
    #[serde(default)]
    pub status: Option<String>,
    #[serde(default)]
    pub last_verified_on: Option<NaiveDate>,
    #[serde(default)]
    pub next_due_on: Option<NaiveDate>,
}

/// Filters of the instrument list; absent filters do not restrict.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, schemars::JsonSchema)]
pub struct InstrumentQuery {
    /// Serial number, exact or as a prefix.
    pub serial: Option<String>,
    pub owner_id: Option<Uuid>,
    pub category: Option<String>,
    /// Due on or before this day.
    pub due_before: Option<NaiveDate>,
    /// Include retired instruments.
    #[serde(default)]
    pub include_retired: bool,
    #[serde(skip)]
    pub page: PageRequest,
}

const ORGANISATION_SELECT: &str = "SELECT organisation_id, name, tax_code, address, phone, retired_at, created_at, updated_at FROM organisation";

const INSTRUMENT_SELECT: &str = "SELECT i.instrument_id, i.category, i.maker, i.model, i.serial, i.measuring_range, i.resolution, i.verification_interval, i.accuracy_class, i.owner_id, o.name AS owner_name, i.location, i.status, i.last_result, i.last_verified_on, i.next_due_on, i.retired_at, i.created_at, i.updated_at FROM instrument i LEFT JOIN organisation o ON o.organisation_id = i.owner_id";

pub(crate) fn json<T: Serialize>(v: &T) -> serde_json::Value {
    serde_json::to_value(v).unwrap_or_default()
}

/// Empty strings are absent values.
fn blank_to_none(v: Option<&String>) -> Option<String> {
    v.map(|s| s.trim().to_owned()).filter(|s| !s.is_empty())
}

/// Builds the instrument search for either backend.
fn instrument_search<DB: sqlx::Database>(q: &InstrumentQuery) -> (sqlx::QueryBuilder<DB>, i64, i64)
where
    String: sqlx::Encode<'static, DB> + sqlx::Type<DB>,
    Uuid: sqlx::Encode<'static, DB> + sqlx::Type<DB>,
    NaiveDate: sqlx::Encode<'static, DB> + sqlx::Type<DB>,
    i64: sqlx::Encode<'static, DB> + sqlx::Type<DB>,
    <DB as sqlx::Database>::Arguments: Default,
{
    let mut qb = sqlx::QueryBuilder::new(INSTRUMENT_SELECT);
    qb.push(" WHERE 1 = 1");
    if !q.include_retired {
        qb.push(" AND i.retired_at IS NULL");
    }
    if let Some(serial) = q.serial.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        // A range on the index serves both exact and prefix matches in both backends.
        qb.push(" AND i.serial >= ");
        qb.push_bind(serial.to_owned());
        qb.push(" AND i.serial < ");
        qb.push_bind(format!("{serial}\u{10FFFF}"));
    }
    if let Some(owner) = q.owner_id {
        qb.push(" AND i.owner_id = ");
        qb.push_bind(owner);
    }
    if let Some(category) = q.category.as_deref().filter(|s| !s.is_empty()) {
        qb.push(" AND i.category = ");
        qb.push_bind(category.to_owned());
    }
    if let Some(due) = q.due_before {
        qb.push(" AND i.next_due_on <= ");
        qb.push_bind(due);
        qb.push(" ORDER BY i.next_due_on, i.serial");
    } else {
        qb.push(" ORDER BY i.serial, i.instrument_id");
    }
    let (page, per_page) = q.page.push_limit(&mut qb);
    (qb, page, per_page)
}

impl Store {
    // ---- organisations ----

    pub async fn create_organisation(
        &self,
        actor: &str,
        input: &OrganisationInput,
    ) -> Result<Organisation, StoreError> {
        let mut tx = self.begin().await?;
        let org = insert_organisation(&mut tx, actor, input).await?;
        tx.commit().await?;
        Ok(org)
    }

    pub async fn organisation(&self, id: Uuid) -> Result<Option<Organisation>, StoreError> {
        Ok(
            on_db!(self, db => sqlx::query_as::<_, Organisation>("SELECT organisation_id, name, tax_code, address, phone, retired_at, created_at, updated_at FROM organisation WHERE organisation_id = $1").bind(id).fetch_optional(db).await)?,
        )
    }

    pub async fn organisation_by_tax_code(
        &self,
        tax_code: &str,
    ) -> Result<Option<Organisation>, StoreError> {
        Ok(
            on_db!(self, db => sqlx::query_as::<_, Organisation>("SELECT organisation_id, name, tax_code, address, phone, retired_at, created_at, updated_at FROM organisation WHERE tax_code = $1").bind(tax_code).fetch_optional(db).await)?,
        )
    }

    /// Organisations whose name or tax code contains `text` (any case), by name.
    pub async fn list_organisations(
        &self,
        text: Option<&str>,
        include_retired: bool,
        page: PageRequest,
    ) -> Result<Page<Organisation>, StoreError> {
        let pattern = text
            .map(search_key)
            .filter(|t| !t.is_empty())
            .map(|t| format!("%{}%", t.replace(['%', '_'], "")));
        let rows = on_db!(self, db => {
            let mut qb = sqlx::QueryBuilder::new(format!("{ORGANISATION_SELECT} WHERE 1 = 1"));
            if !include_retired {
                qb.push(" AND retired_at IS NULL");
            }
            if let Some(p) = &pattern {
                qb.push(" AND (search_name LIKE ");
                qb.push_bind(p.clone());
                qb.push(" OR tax_code LIKE ");
                qb.push_bind(p.clone());
                qb.push(")");
            }
            qb.push(" ORDER BY name, organisation_id");
            let (page, per_page) = page.push_limit(&mut qb);
            qb.build_query_as::<Organisation>().fetch_all(db).await.map(|r| Page::from_rows(r, page, per_page))
        })?;
        Ok(rows)
    }

    pub async fn update_organisation(
        &self,
        actor: &str,
        id: Uuid,
        input: &OrganisationInput,
    ) -> Result<Organisation, StoreError> {
        let mut tx = self.begin().await?;
        let before = organisation_in(&mut tx, id).await?;
        let now = Utc::now();
        on_tx!(&mut tx, c => sqlx::query("UPDATE organisation SET name = $1, tax_code = $2, address = $3, phone = $4, updated_at = $5, search_name = $7 WHERE organisation_id = $6")
            .bind(input.name.trim())
            .bind(blank_to_none(input.tax_code.as_ref()))
            .bind(blank_to_none(input.address.as_ref()))
            .bind(blank_to_none(input.phone.as_ref()))
            .bind(now)
            .bind(id)
            .bind(search_key(&input.name))
            .execute(&mut **c).await.map(|_| ()))
        .map_err(|e| StoreError::conflict_or(e, || tax_code_taken(input)))?;
        let after = organisation_in(&mut tx, id).await?;
        audited(
            &mut tx,
            actor,
            "organisation",
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

    /// Retires an organisation; its instruments keep pointing at it.
    pub async fn retire_organisation(
        &self,
        actor: &str,
        id: Uuid,
        reason: &str,
    ) -> Result<Organisation, StoreError> {
        let mut tx = self.begin().await?;
        let before = organisation_in(&mut tx, id).await?;
        if before.retired_at.is_some() {
            return Err(StoreError::State(format!(
                "organisation {id} is already retired"
            )));
        }
        let now = Utc::now();
        on_tx!(&mut tx, c => sqlx::query("UPDATE organisation SET retired_at = $1, updated_at = $1 WHERE organisation_id = $2").bind(now).bind(id).execute(&mut **c).await.map(|_| ()))?;
        let after = organisation_in(&mut tx, id).await?;
        audited(
            &mut tx,
            actor,
            "organisation",
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

    // ---- instruments ----

    pub async fn create_instrument(
        &self,
        actor: &str,
        input: &InstrumentInput,
    ) -> Result<Instrument, StoreError> {
        let mut tx = self.begin().await?;
        let id = insert_instrument(&mut tx, actor, input, None).await?;
        let created = instrument_in(&mut tx, id).await?;
        tx.commit().await?;
        Ok(created)
    }

    pub async fn instrument(&self, id: Uuid) -> Result<Option<Instrument>, StoreError> {
        let sql = format!("{INSTRUMENT_SELECT} WHERE i.instrument_id = $1");
        Ok(
            on_db!(self, db => sqlx::query_as::<_, Instrument>(sqlx::AssertSqlSafe(sql.clone())).bind(id).fetch_optional(db).await)?,
        )
    }

    /// Instruments matching the filters, one page.
    pub async fn search_instruments(
        &self,
        q: &InstrumentQuery,
    ) -> Result<Page<Instrument>, StoreError> {
        Ok(on_db!(self, db => {
            let (mut qb, page, per_page) = instrument_search(q);
            qb.build_query_as::<Instrument>().fetch_all(db).await.map(|r| Page::from_rows(r, page, per_page))
        })?)
    }

    pub async fn update_instrument(
        &self,
        actor: &str,
        id: Uuid,
        input: &InstrumentInput,
    ) -> Result<Instrument, StoreError> {
        let mut tx = self.begin().await?;
        let before = instrument_in(&mut tx, id).await?;
        if before.retired_at.is_some() {
            return Err(StoreError::State(format!("instrument {id} is retired")));
        }
        let status = input.status.clone().unwrap_or(before.status.clone());
        on_tx!(&mut tx, c => sqlx::query("UPDATE instrument SET category = $1, maker = $2, model = $3, serial = $4, measuring_range = $5, resolution = $6, verification_interval = $7, accuracy_class = $8, owner_id = $9, location = $10, status = $11, last_verified_on = $12, next_due_on = $13, updated_at = $14 WHERE instrument_id = $15")
            .bind(input.category.trim())
            .bind(blank_to_none(input.maker.as_ref()))
            .bind(blank_to_none(input.model.as_ref()))
            .bind(input.serial.trim())
            .bind(blank_to_none(input.measuring_range.as_ref()))
            .bind(blank_to_none(input.resolution.as_ref()))
            .bind(blank_to_none(input.verification_interval.as_ref()))
            .bind(blank_to_none(input.accuracy_class.as_ref()))
            .bind(input.owner_id)
            .bind(blank_to_none(input.location.as_ref()))
            .bind(&status)
            .bind(input.last_verified_on)
            .bind(input.next_due_on)
            .bind(Utc::now())
            .bind(id)
            .execute(&mut **c).await.map(|_| ()))
        .map_err(|e| owner_missing_or(e, input))?;
        let after = instrument_in(&mut tx, id).await?;
        audited(
            &mut tx,
            actor,
            "instrument",
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

    /// Retires an instrument (scrapped, lost, out of the province).
    pub async fn retire_instrument(
        &self,
        actor: &str,
        id: Uuid,
        reason: &str,
    ) -> Result<Instrument, StoreError> {
        let mut tx = self.begin().await?;
        let before = instrument_in(&mut tx, id).await?;
        if before.retired_at.is_some() {
            return Err(StoreError::State(format!(
                "instrument {id} is already retired"
            )));
        }
        let now = Utc::now();
        on_tx!(&mut tx, c => sqlx::query("UPDATE instrument SET status = 'retired', retired_at = $1, updated_at = $1 WHERE instrument_id = $2").bind(now).bind(id).execute(&mut **c).await.map(|_| ()))?;
        let after = instrument_in(&mut tx, id).await?;
        audited(
            &mut tx,
            actor,
            "instrument",
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

    /// Stores validated import rows in one transaction: every row or none. Owners are found
    /// by tax code (or created with the name given); each instrument and each new organisation
    /// gets its audit entry, with the source row as the reason.
    pub async fn import_instruments(
        &self,
        actor: &str,
        source: &str,
        rows: &[crate::import::InstrumentRow],
        progress: &mut (dyn FnMut(usize, usize) + Send),
    ) -> Result<ImportReport, StoreError> {
        let mut tx = self.begin().await?;
        let mut report = ImportReport::default();
        let mut owners: std::collections::HashMap<String, Uuid> = std::collections::HashMap::new();
        for (i, row) in rows.iter().enumerate() {
            let owner_id = match (&row.owner_tax_code, &row.owner) {
                (Some(tax), name) => {
                    if let Some(id) = owners.get(tax) {
                        Some(*id)
                    } else {
                        let existing: Option<Uuid> = on_tx!(&mut tx, c => sqlx::query_scalar("SELECT organisation_id FROM organisation WHERE tax_code = $1").bind(tax).fetch_optional(&mut **c).await)?;
                        let id = if let Some(id) = existing {
                            id
                        } else {
                            let org = insert_organisation(
                                &mut tx,
                                actor,
                                &OrganisationInput {
                                    name: name.clone().unwrap_or_else(|| tax.clone()),
                                    tax_code: Some(tax.clone()),
                                    address: None,
                                    phone: None,
                                },
                            )
                            .await?;
                            report.organisations_created += 1;
                            org.organisation_id
                        };
                        owners.insert(tax.clone(), id);
                        Some(id)
                    }
                }
                (None, Some(name)) => {
                    if let Some(id) = owners.get(name) {
                        Some(*id)
                    } else {
                        let existing: Option<Uuid> = on_tx!(&mut tx, c => sqlx::query_scalar("SELECT organisation_id FROM organisation WHERE name = $1 AND retired_at IS NULL ORDER BY created_at LIMIT 1").bind(name).fetch_optional(&mut **c).await)?;
                        let id = if let Some(id) = existing {
                            id
                        } else {
                            report.organisations_created += 1;
                            insert_organisation(
                                &mut tx,
                                actor,
                                &OrganisationInput {
                                    name: name.clone(),
                                    ..OrganisationInput::default()
                                },
                            )
                            .await?
                            .organisation_id
                        };
                        owners.insert(name.clone(), id);
                        Some(id)
                    }
                }
                (None, None) => None,
            };
            let input = InstrumentInput {
                category: row.category.clone(),
                serial: row.serial.clone(),
                maker: row.maker.clone(),
                model: row.model.clone(),
                measuring_range: row.measuring_range.clone(),
                resolution: row.resolution.as_ref().map(ToString::to_string),
                verification_interval: row.verification_interval.as_ref().map(ToString::to_string),
                accuracy_class: row.accuracy_class.clone(),
                owner_id,
                location: row.location.clone(),
                status: None,
                last_verified_on: row.last_verified_on,
                next_due_on: row.next_due_on,
            };
            insert_instrument(
                &mut tx,
                actor,
                &input,
                Some(format!("imported from {source}, row {}", row.row)),
            )
            .await?;
            report.instruments_created += 1;
            if (i + 1) % 1000 == 0 {
                progress(i + 1, rows.len());
            }
        }
        tx.commit().await?;
        progress(rows.len(), rows.len());
        Ok(report)
    }

    /// Which of these `(category, serial)` pairs are already registered (not retired), by
    /// index into `pairs`.
    pub async fn registered(&self, pairs: &[(&str, &str)]) -> Result<Vec<usize>, StoreError> {
        let mut found = Vec::new();
        for (i, (category, serial)) in pairs.iter().enumerate() {
            let hit: Option<i32> = on_db!(self, db => sqlx::query_scalar("SELECT 1 FROM instrument WHERE serial = $1 AND category = $2 AND retired_at IS NULL LIMIT 1")
                .bind(*serial).bind(*category).fetch_optional(db).await)?;
            if hit.is_some() {
                found.push(i);
            }
        }
        Ok(found)
    }

    /// The audit entries of one record, oldest first: its history.
    pub async fn history(
        &self,
        entity: &str,
        entity_id: &str,
    ) -> Result<Vec<audit::Entry>, StoreError> {
        Ok(
            on_db!(self, db => sqlx::query_as::<_, audit::Entry>("SELECT * FROM audit_entry WHERE entity = $1 AND entity_id = $2 ORDER BY audit_entry_id").bind(entity).bind(entity_id).fetch_all(db).await)?,
        )
    }

    /// Instruments in the registry (retired ones included).
    pub async fn count_instruments(&self) -> Result<i64, StoreError> {
        Ok(
            on_db!(self, db => sqlx::query_scalar("SELECT COUNT(*) FROM instrument").fetch_one(db).await)?,
        )
    }
}

/// What an import stored.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct ImportReport {
    pub instruments_created: usize,
    pub organisations_created: usize,
}

fn tax_code_taken(input: &OrganisationInput) -> String {
    format!(
        "an organisation with tax code `{}`",
        input.tax_code.as_deref().unwrap_or_default()
    )
}

fn owner_missing_or(e: sqlx::Error, input: &InstrumentInput) -> StoreError {
    match &e {
        sqlx::Error::Database(d) if d.is_foreign_key_violation() => StoreError::NotFound(format!(
            "owner organisation {}",
            input.owner_id.map(|u| u.to_string()).unwrap_or_default()
        )),
        _ => StoreError::Database(e),
    }
}

/// Writes the audit entry of a change with the record before and after.
#[allow(clippy::too_many_arguments)]
pub(crate) async fn audited<T: Serialize>(
    tx: &mut Tx,
    actor: &str,
    entity: &str,
    id: Uuid,
    action: &str,
    before: &T,
    after: &T,
    reason: Option<&str>,
) -> Result<(), StoreError> {
    audit::append(
        tx,
        actor,
        Change {
            entity,
            entity_id: id.to_string(),
            action,
            before: Some(json(before)),
            after: Some(json(after)),
            reason: reason.map(ToOwned::to_owned),
        },
    )
    .await
}

async fn insert_organisation(
    tx: &mut Tx,
    actor: &str,
    input: &OrganisationInput,
) -> Result<Organisation, StoreError> {
    let now = Utc::now();
    let org = Organisation {
        organisation_id: Uuid::now_v7(),
        name: input.name.trim().to_owned(),
        tax_code: blank_to_none(input.tax_code.as_ref()),
        address: blank_to_none(input.address.as_ref()),
        phone: blank_to_none(input.phone.as_ref()),
        retired_at: None,
        created_at: now,
        updated_at: now,
    };
    on_tx!(tx, c => sqlx::query("INSERT INTO organisation (organisation_id, name, tax_code, address, phone, created_at, updated_at, search_name) VALUES ($1, $2, $3, $4, $5, $6, $6, $7)")
        .bind(org.organisation_id)
        .bind(&org.name)
        .bind(&org.tax_code)
        .bind(&org.address)
        .bind(&org.phone)
        .bind(now)
        .bind(search_key(&org.name))
        .execute(&mut **c).await.map(|_| ()))
    .map_err(|e| StoreError::conflict_or(e, || tax_code_taken(input)))?;
    audit::append(
        tx,
        actor,
        Change {
            entity: "organisation",
            entity_id: org.organisation_id.to_string(),
            action: "create",
            before: None,
            after: Some(json(&org)),
            reason: None,
        },
    )
    .await?;
    Ok(org)
}

pub(crate) async fn insert_instrument(
    tx: &mut Tx,
    actor: &str,
    input: &InstrumentInput,
    reason: Option<String>,
) -> Result<Uuid, StoreError> {
    let now = Utc::now();
    let id = Uuid::now_v7();
    let status = input.status.clone().unwrap_or_else(|| "in_use".into());
    on_tx!(tx, c => sqlx::query("INSERT INTO instrument (instrument_id, category, maker, model, serial, measuring_range, resolution, verification_interval, accuracy_class, owner_id, location, status, last_verified_on, next_due_on, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $15)")
        .bind(id)
        .bind(input.category.trim())
        .bind(blank_to_none(input.maker.as_ref()))
        .bind(blank_to_none(input.model.as_ref()))
        .bind(input.serial.trim())
        .bind(blank_to_none(input.measuring_range.as_ref()))
        .bind(blank_to_none(input.resolution.as_ref()))
        .bind(blank_to_none(input.verification_interval.as_ref()))
        .bind(blank_to_none(input.accuracy_class.as_ref()))
        .bind(input.owner_id)
        .bind(blank_to_none(input.location.as_ref()))
        .bind(&status)
        .bind(input.last_verified_on)
        .bind(input.next_due_on)
        .bind(now)
        .execute(&mut **c).await.map(|_| ()))
    .map_err(|e| owner_missing_or(e, input))?;
    // The audit view is the row as inserted (owner name omitted: it lives on the organisation).
    let after = serde_json::json!({
        "instrument_id": id,
        "category": input.category.trim(),
        "serial": input.serial.trim(),
        "maker": blank_to_none(input.maker.as_ref()),
        "model": blank_to_none(input.model.as_ref()),
        "measuring_range": blank_to_none(input.measuring_range.as_ref()),
        "resolution": blank_to_none(input.resolution.as_ref()),
        "verification_interval": blank_to_none(input.verification_interval.as_ref()),
        "accuracy_class": blank_to_none(input.accuracy_class.as_ref()),
        "owner_id": input.owner_id,
        "location": blank_to_none(input.location.as_ref()),
        "status": status,
        "last_verified_on": input.last_verified_on,
        "next_due_on": input.next_due_on,
    });
    audit::append(
        tx,
        actor,
        Change {
            entity: "instrument",
            entity_id: id.to_string(),
            action: "create",
            before: None,
            after: Some(after),
            reason,
        },
    )
    .await?;
    Ok(id)
}

pub(crate) async fn organisation_in(tx: &mut Tx, id: Uuid) -> Result<Organisation, StoreError> {
    on_tx!(tx, c => sqlx::query_as::<_, Organisation>("SELECT organisation_id, name, tax_code, address, phone, retired_at, created_at, updated_at FROM organisation WHERE organisation_id = $1").bind(id).fetch_optional(&mut **c).await)?
        .ok_or_else(|| StoreError::NotFound(format!("organisation {id}")))
}

pub(crate) async fn instrument_in(tx: &mut Tx, id: Uuid) -> Result<Instrument, StoreError> {
    let sql = format!("{INSTRUMENT_SELECT} WHERE i.instrument_id = $1");
    on_tx!(tx, c => sqlx::query_as::<_, Instrument>(sqlx::AssertSqlSafe(sql.clone())).bind(id).fetch_optional(&mut **c).await)?
        .ok_or_else(|| StoreError::NotFound(format!("instrument {id}")))
}

/// Text folded for search: lower case, Vietnamese diacritics removed, `đ` as `d`, runs of
/// white space as one space. "Chợ  Đông Kinh" and "cho dong kinh" fold alike.
#[must_use]
pub fn search_key(text: &str) -> String {
    use unicode_normalization::UnicodeNormalization as _;
    let folded: String = text
        .nfd()
        .filter(|c| !('\u{300}'..='\u{36f}').contains(c))
        .map(|c| match c {
            'đ' | 'Đ' => 'd',
            other => other,
        })
        .collect::<String>()
        .to_lowercase();
    folded.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Mã số thuế: ten digits, or ten digits, `-` and three for a branch.
#[must_use]
pub fn is_tax_code(s: &str) -> bool {
    let digits = |s: &str, n: usize| s.len() == n && s.bytes().all(|b| b.is_ascii_digit());
    match s.split_once('-') {
        None => digits(s, 10),
        Some((main, branch)) => digits(main, 10) && digits(branch, 3),
    }
}

/// Checks a required short text field.
pub(crate) fn required_text(problems: &mut Problems, path: &str, value: &str, max: usize) {
    let t = value.trim();
    if t.is_empty() {
        problems.at(path, "is required");
    } else if t.chars().count() > max {
        problems.at(path, format!("at most {max} characters"));
    }
}

fn optional_text(problems: &mut Problems, path: &str, value: Option<&String>, max: usize) {
    if let Some(v) = value
        && v.trim().chars().count() > max
    {
        problems.at(path, format!("at most {max} characters"));
    }
}

impl OrganisationInput {
    /// Every problem of the input, by field.
    pub fn validate(&self) -> Result<(), Problems> {
        let mut p = Problems::default();
        required_text(&mut p, "name", &self.name, 300);
        if let Some(t) = blank_to_none(self.tax_code.as_ref())
            && !is_tax_code(&t)
        {
            p.at(
                "tax_code",
                format!("`{t}` is not a tax code: 10 digits, or 10 digits-3 digits for a branch"),
            );
        }
        optional_text(&mut p, "address", self.address.as_ref(), 500);
        optional_text(&mut p, "phone", self.phone.as_ref(), 50);
        p.into_result(())
    }
}

impl InstrumentInput {
    /// Every problem of the input, by field.
    pub fn validate(&self) -> Result<(), Problems> {
        let mut p = Problems::default();
        required_text(&mut p, "serial", &self.serial, 100);
        let category = self.category.trim();
        if category.is_empty() {
            p.at("category", "is required");
        } else if !cycles().cycle.iter().any(|c| c.category == category) {
            p.at(
                "category",
                format!("`{category}` is not a category of the statutory list (see GET /api/v1/categories)"),
            );
        }
        for (path, v) in [
            ("resolution", &self.resolution),
            ("verification_interval", &self.verification_interval),
        ] {
            if let Some(t) = blank_to_none(v.as_ref())
                && let Err(e) = Quantity::parse(&t)
            {
                p.at(path, format!("`{t}` is not a quantity with a unit: {e}"));
            }
        }
        if let Some(s) = self.status.as_deref()
            && !["in_use", "out_of_use"].contains(&s)
        {
            p.at(
                    "status",
                    format!("`{s}` is not a status: in_use or out_of_use (retire an instrument with its own action)"),
                );
        }
        if let (Some(last), Some(next)) = (self.last_verified_on, self.next_due_on)
            && next < last
        {
            p.at(
                "next_due_on",
                format!("{next} is before the last verification {last}"),
            );
        }
        for (path, v, max) in [
            ("maker", &self.maker, 200),
            ("model", &self.model, 200),
            ("measuring_range", &self.measuring_range, 200),
            ("accuracy_class", &self.accuracy_class, 50),
            ("location", &self.location, 500),
        ] {
            optional_text(&mut p, path, v.as_ref(), max);
        }
        p.into_result(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn search_keys_ignore_case_diacritics_and_spacing() {
        assert_eq!(search_key("Chợ  Đông Kinh"), "cho dong kinh");
        assert_eq!(search_key("BỆNH VIỆN Đa khoa"), "benh vien da khoa");
        // Precomposed and decomposed input fold alike.
        assert_eq!(search_key("Lạng Sơn"), search_key("La\u{323}ng So\u{31b}n"));
    }

    #[test]
    fn tax_codes_have_ten_digits_and_an_optional_branch() {
        assert!(is_tax_code("4900100017"));
        assert!(is_tax_code("4900100017-001"));
        for bad in [
            "490010001",
            "49001000170",
            "4900100017-01",
            "49001OOO17",
            "",
        ] {
            assert!(!is_tax_code(bad), "{bad}");
        }
    }
}
