//! Import inspection dossiers (hồ sơ đăng ký kiểm tra nhà nước về chất lượng hàng hóa nhập
//! khẩu) and their steps. The rules (regime, deadlines, outcomes) live in
//! [`crate::dossier`]; the store keeps rows and writes each change with its audit entry, and
//! with the record it produces, in one transaction.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::records::{NewRecord, Record, insert_record};
use super::registry::{Page, PageRequest, audited};
use super::{Store, StoreError, Tx};
use crate::{on_db, on_tx};

/// A dossier as stored.
#[derive(
    Debug, Clone, PartialEq, Eq, Serialize, Deserialize, sqlx::FromRow, schemars::JsonSchema,
)]
pub struct Dossier {
    pub import_dossier_id: Uuid,
    pub number: String,
    /// `one_stop_counter`, `provincial_portal`, `national_single_window` or `postal`.
    pub channel: String,
    /// The channel's own reference (NSW or portal dossier id).
    pub external_ref: Option<String>,
    /// Code of the regime in force on the registration date ("A", "B").
    pub regime: String,
    pub registered_on: NaiveDate,
    pub importer_name: String,
    pub importer_tax_code: String,
    pub importer_address: String,
    pub importer_organisation_id: Option<Uuid>,
    pub entry_gate: String,
    pub customs_declaration: String,
    /// JSON array of the goods lines (see [`crate::dossier::GoodsItem`]).
    pub goods: String,
    /// HS code of the first goods line.
    pub hs_code: String,
    /// The technical regulation(s) applied.
    pub regulation: String,
    /// JSON array of the documents received (see [`crate::dossier::DocumentReceived`]).
    pub documents: String,
    pub certificate_number: Option<String>,
    pub certificate_issuer: Option<String>,
    pub certificate_date: Option<NaiveDate>,
    pub customs_cleared_on: Option<NaiveDate>,
    pub complete_file_on: Option<NaiveDate>,
    /// `registered`, `confirmed`, `complete`, `awaiting_testing`, `decided`, `cancelled`.
    pub status: String,
    /// Outcome code of the regime's notice (`meets`, `does-not-meet`, …).
    pub outcome: Option<String>,
    pub outcome_detail: Option<String>,
    pub decided_on: Option<NaiveDate>,
    /// Every step with a deadline was met on time (set with the final notice).
    pub on_time: Option<bool>,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// One step of a dossier: its deadline (once its starting event happened) and when it was
/// done.
#[derive(
    Debug, Clone, PartialEq, Eq, Serialize, Deserialize, sqlx::FromRow, schemars::JsonSchema,
)]
pub struct DossierStep {
    pub import_dossier_id: Uuid,
    pub step: String,
    pub due_on: Option<NaiveDate>,
    pub done_on: Option<NaiveDate>,
    pub done_by: Option<String>,
}

/// A dossier with its steps (the audit entry's before/after).
#[derive(Debug, Clone, Serialize)]
struct Snapshot<'a> {
    #[serde(flatten)]
    dossier: &'a Dossier,
    steps: &'a [DossierStep],
}

/// Search parameters.
#[derive(Debug, Clone, Default)]
pub struct DossierQuery {
    /// Number, importer name or tax code (prefix).
    pub q: Option<String>,
    pub channel: Option<String>,
    pub status: Option<String>,
    pub year: Option<i32>,
    /// Only dossiers with a step past its deadline and not done on `overdue_on`.
    pub overdue_on: Option<NaiveDate>,
    pub page: PageRequest,
}

/// What an update asks the store to do besides writing the dossier and its steps.
#[derive(Debug, Default)]
pub struct Effects {
    /// A record to issue with the change (its number was taken from `series`).
    pub record: Option<NewRecord>,
    pub reason: Option<String>,
    /// Samples taken from the consignment (with their tests and first custody row).
    pub samples: Vec<(
        super::samples::Sample,
        Vec<super::samples::SampleTest>,
        super::samples::Custody,
    )>,
}

const UPDATE: &str = "UPDATE import_dossier SET external_ref = $1, importer_name = $2, importer_tax_code = $3, importer_address = $4, entry_gate = $5, customs_declaration = $6, goods = $7, hs_code = $8, regulation = $9, documents = $10, certificate_number = $11, certificate_issuer = $12, certificate_date = $13, customs_cleared_on = $14, complete_file_on = $15, status = $16, outcome = $17, outcome_detail = $18, decided_on = $19, on_time = $20, updated_at = $21 WHERE import_dossier_id = $22";

async fn insert_in(tx: &mut Tx, d: &Dossier, steps: &[DossierStep]) -> Result<(), StoreError> {
    on_tx!(tx, c => sqlx::query("INSERT INTO import_dossier (import_dossier_id, number, channel, external_ref, regime, registered_on, importer_name, importer_tax_code, importer_address, importer_organisation_id, entry_gate, customs_declaration, goods, hs_code, regulation, documents, certificate_number, certificate_issuer, certificate_date, customs_cleared_on, complete_file_on, status, outcome, outcome_detail, decided_on, on_time, created_by, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $23, $24, $25, $26, $27, $28, $29)")
        .bind(d.import_dossier_id).bind(&d.number).bind(&d.channel).bind(&d.external_ref)
        .bind(&d.regime).bind(d.registered_on).bind(&d.importer_name).bind(&d.importer_tax_code)
        .bind(&d.importer_address).bind(d.importer_organisation_id).bind(&d.entry_gate)
        .bind(&d.customs_declaration).bind(&d.goods).bind(&d.hs_code).bind(&d.regulation)
        .bind(&d.documents).bind(&d.certificate_number).bind(&d.certificate_issuer)
        .bind(d.certificate_date).bind(d.customs_cleared_on).bind(d.complete_file_on)
        .bind(&d.status).bind(&d.outcome).bind(&d.outcome_detail).bind(d.decided_on)
        .bind(d.on_time).bind(&d.created_by).bind(d.created_at).bind(d.updated_at)
        .execute(&mut **c).await.map(|_| ()))
        .map_err(|e| StoreError::conflict_or(e, || format!("dossier number {}", d.number)))?;
    write_steps(tx, d.import_dossier_id, steps).await
}

async fn write_steps(tx: &mut Tx, id: Uuid, steps: &[DossierStep]) -> Result<(), StoreError> {
    for s in steps {
        on_tx!(tx, c => sqlx::query("INSERT INTO import_dossier_step (import_dossier_id, step, due_on, done_on, done_by) VALUES ($1, $2, $3, $4, $5) ON CONFLICT (import_dossier_id, step) DO UPDATE SET due_on = excluded.due_on, done_on = excluded.done_on, done_by = excluded.done_by")
            .bind(id).bind(&s.step).bind(s.due_on).bind(s.done_on).bind(&s.done_by)
            .execute(&mut **c).await.map(|_| ()))?;
    }
    Ok(())
}

async fn dossier_in(tx: &mut Tx, id: Uuid) -> Result<(Dossier, Vec<DossierStep>), StoreError> {
    let d = on_tx!(tx, c => sqlx::query_as::<_, Dossier>("SELECT * FROM import_dossier WHERE import_dossier_id = $1").bind(id).fetch_optional(&mut **c).await)?
        .ok_or_else(|| StoreError::NotFound(format!("dossier {id}")))?;
    let steps = on_tx!(tx, c => sqlx::query_as::<_, DossierStep>("SELECT * FROM import_dossier_step WHERE import_dossier_id = $1 ORDER BY step").bind(id).fetch_all(&mut **c).await)?;
    Ok((d, steps))
}

impl Store {
    /// Registers one dossier (number already checked free by the caller's rules; a taken
    /// number is a conflict naming it).
    pub async fn insert_dossier(
        &self,
        actor: &str,
        dossier: &Dossier,
        steps: &[DossierStep],
    ) -> Result<Dossier, StoreError> {
        let mut tx = self.begin().await?;
        insert_in(&mut tx, dossier, steps).await?;
        let snap = Snapshot { dossier, steps };
        audited(
            &mut tx,
            actor,
            "import_dossier",
            dossier.import_dossier_id,
            "create",
            &None::<Snapshot>,
            &Some(snap),
            None,
        )
        .await?;
        tx.commit().await?;
        Ok(dossier.clone())
    }

    /// Takes the next number of a series for a year in its own transaction (for numbering a
    /// dossier registered here).
    pub async fn take_number(&self, series: &str, year: i32) -> Result<i64, StoreError> {
        self.next_number(series, year).await
    }

    /// Imports dossiers in one transaction: all of them or none. Each gets its audit entry
    /// with `source` (the file) as the reason.
    pub async fn import_dossiers(
        &self,
        actor: &str,
        dossiers: &[(Dossier, Vec<DossierStep>)],
        source: &str,
        progress: &mut (dyn FnMut(usize, usize) + Send),
    ) -> Result<usize, StoreError> {
        let mut tx = self.begin().await?;
        let total = dossiers.len();
        for (i, (d, steps)) in dossiers.iter().enumerate() {
            insert_in(&mut tx, d, steps).await?;
            let snap = Snapshot { dossier: d, steps };
            audited(
                &mut tx,
                actor,
                "import_dossier",
                d.import_dossier_id,
                "import",
                &None::<Snapshot>,
                &Some(snap),
                Some(source),
            )
            .await?;
            if (i + 1) % 500 == 0 {
                progress(i + 1, total);
            }
        }
        tx.commit().await?;
        progress(total, total);
        Ok(total)
    }

    /// Numbers among `numbers` that are already taken.
    pub async fn dossier_numbers_taken(
        &self,
        numbers: &[String],
    ) -> Result<Vec<String>, StoreError> {
        let mut taken = Vec::new();
        for chunk in numbers.chunks(500) {
            let found: Vec<String> = on_db!(self, db => {
                let mut qb = sqlx::QueryBuilder::new("SELECT number FROM import_dossier WHERE number IN (");
                let mut sep = qb.separated(", ");
                for n in chunk {
                    sep.push_bind(n.clone());
                }
                qb.push(")");
                qb.build_query_scalar::<String>().fetch_all(db).await
            })?;
            taken.extend(found);
        }
        Ok(taken)
    }

    /// Changes a dossier: `change` gets the current dossier and steps (and, when `series` is
    /// given, the next number of that series) and edits them, returning what else to do. The
    /// dossier, its steps, the audit entry and any record are written together; an error from
    /// `change` leaves nothing behind and burns no number.
    pub async fn update_dossier<F>(
        &self,
        actor: &str,
        id: Uuid,
        series: Option<(&str, i32)>,
        change: F,
    ) -> Result<(Dossier, Vec<DossierStep>, Option<Record>), StoreError>
    where
        F: FnOnce(&mut Dossier, &mut Vec<DossierStep>, Option<i64>) -> Result<Effects, StoreError>
            + Send,
    {
        let mut tx = self.begin().await?;
        let (before, before_steps) = dossier_in(&mut tx, id).await?;
        let seq = match series {
            Some((s, year)) => Some(super::bench::next_in_series(&mut tx, s, year).await?),
            None => None,
        };
        let mut d = before.clone();
        let mut steps = before_steps.clone();
        let effects = change(&mut d, &mut steps, seq)?;
        d.updated_at = Utc::now();
        on_tx!(&mut tx, c => sqlx::query(UPDATE)
            .bind(&d.external_ref).bind(&d.importer_name).bind(&d.importer_tax_code)
            .bind(&d.importer_address).bind(&d.entry_gate).bind(&d.customs_declaration)
            .bind(&d.goods).bind(&d.hs_code).bind(&d.regulation).bind(&d.documents)
            .bind(&d.certificate_number).bind(&d.certificate_issuer).bind(d.certificate_date)
            .bind(d.customs_cleared_on).bind(d.complete_file_on).bind(&d.status)
            .bind(&d.outcome).bind(&d.outcome_detail).bind(d.decided_on).bind(d.on_time)
            .bind(d.updated_at).bind(id)
            .execute(&mut **c).await.map(|_| ()))?;
        write_steps(&mut tx, id, &steps).await?;
        for (sample, tests, custody) in &effects.samples {
            super::samples::insert_new(&mut tx, actor, sample, tests, custody).await?;
        }
        let record = match &effects.record {
            Some(r) => Some(insert_record(&mut tx, actor, r).await?),
            None => None,
        };
        let (after, after_steps) = dossier_in(&mut tx, id).await?;
        audited(
            &mut tx,
            actor,
            "import_dossier",
            id,
            "update",
            &Snapshot {
                dossier: &before,
                steps: &before_steps,
            },
            &Snapshot {
                dossier: &after,
                steps: &after_steps,
            },
            effects.reason.as_deref(),
        )
        .await?;
        tx.commit().await?;
        Ok((after, after_steps, record))
    }

    pub async fn dossier(
        &self,
        id: Uuid,
    ) -> Result<Option<(Dossier, Vec<DossierStep>)>, StoreError> {
        let Some(d) = on_db!(self, db => sqlx::query_as::<_, Dossier>("SELECT * FROM import_dossier WHERE import_dossier_id = $1").bind(id).fetch_optional(db).await)?
        else {
            return Ok(None);
        };
        let steps = on_db!(self, db => sqlx::query_as::<_, DossierStep>("SELECT * FROM import_dossier_step WHERE import_dossier_id = $1 ORDER BY step").bind(id).fetch_all(db).await)?;
        Ok(Some((d, steps)))
    }

    pub async fn dossier_by_number(&self, number: &str) -> Result<Option<Dossier>, StoreError> {
        Ok(
            on_db!(self, db => sqlx::query_as::<_, Dossier>("SELECT * FROM import_dossier WHERE number = $1").bind(number).fetch_optional(db).await)?,
        )
    }

    /// Dossiers, newest registration first.
    pub async fn list_dossiers(&self, q: &DossierQuery) -> Result<Page<Dossier>, StoreError> {
        Ok(on_db!(self, db => {
            let mut qb = sqlx::QueryBuilder::new("SELECT * FROM import_dossier d WHERE 1 = 1");
            if let Some(t) = q.q.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
                qb.push(" AND (d.number >= ");
                qb.push_bind(t.to_owned());
                qb.push(" AND d.number < ");
                qb.push_bind(format!("{t}\u{10FFFF}"));
                qb.push(" OR d.importer_tax_code = ");
                qb.push_bind(t.to_owned());
                qb.push(" OR LOWER(d.importer_name) LIKE ");
                qb.push_bind(format!("%{}%", t.to_lowercase()));
                qb.push(")");
            }
            if let Some(c) = q.channel.as_deref().filter(|s| !s.is_empty()) {
                qb.push(" AND d.channel = ");
                qb.push_bind(c.to_owned());
            }
            if let Some(s) = q.status.as_deref().filter(|s| !s.is_empty()) {
                qb.push(" AND d.status = ");
                qb.push_bind(s.to_owned());
            }
            if let Some(y) = q.year {
                qb.push(" AND d.registered_on >= ");
                qb.push_bind(NaiveDate::from_ymd_opt(y, 1, 1).unwrap_or(NaiveDate::MIN));
                qb.push(" AND d.registered_on <= ");
                qb.push_bind(NaiveDate::from_ymd_opt(y, 12, 31).unwrap_or(NaiveDate::MAX));
            }
            if let Some(day) = q.overdue_on {
                qb.push(" AND EXISTS (SELECT 1 FROM import_dossier_step s WHERE s.import_dossier_id = d.import_dossier_id AND s.done_on IS NULL AND s.due_on < ");
                qb.push_bind(day);
                qb.push(")");
            }
            qb.push(" ORDER BY d.registered_on DESC, d.number DESC");
            let (page, per_page) = q.page.push_limit(&mut qb);
            qb.build_query_as::<Dossier>().fetch_all(db).await.map(|r| Page::from_rows(r, page, per_page))
        })?)
    }
}
