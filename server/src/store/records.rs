//! Signed records other than certificates (test reports, import-inspection confirmations and
//! notices, sampling records, inspection minutes). Like certificates they are numbered from a
//! series, signed, immutable once stored (triggers on both backends), amended by a new row
//! that supersedes, and revoked with a reason; each has a public token for its QR code.

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;
use uuid::Uuid;

use super::registry::audited;
use super::{Store, StoreError, Tx};
use crate::{on_db, on_tx};

/// A stored record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow, schemars::JsonSchema)]
pub struct Record {
    pub record_id: Uuid,
    pub number: String,
    pub revision: i32,
    /// `test_report`, `import_registration_confirmation`, `import_inspection_notice`,
    /// `sampling_record`, `inspection_minutes`.
    pub kind: String,
    /// `sample`, `import_dossier` or `inspection`.
    pub subject_kind: String,
    pub subject_id: Uuid,
    /// `issued`, `superseded` or `revoked`.
    pub status: String,
    pub issued_on: NaiveDate,
    pub token: String,
    /// The signed content (canonical JSON of the printed document).
    pub content: String,
    pub digest: String,
    pub key_id: String,
    pub signature: String,
    pub signed_by: String,
    pub supersedes_id: Option<Uuid>,
    pub superseded_by_id: Option<Uuid>,
    pub amendment_reason: Option<String>,
    pub revoked_at: Option<DateTime<Utc>>,
    pub revoked_by: Option<String>,
    pub revoke_reason: Option<String>,
    pub created_at: DateTime<Utc>,
}

/// A record to store (already signed).
#[derive(Debug, Clone)]
pub struct NewRecord {
    pub number: String,
    pub revision: i32,
    pub kind: String,
    pub subject_kind: &'static str,
    pub subject_id: Uuid,
    pub issued_on: NaiveDate,
    pub token: String,
    pub content: String,
    pub digest: String,
    pub key_id: String,
    pub signature: String,
    pub signed_by: String,
    pub supersedes_id: Option<Uuid>,
    pub amendment_reason: Option<String>,
}

/// Stores a signed record inside the caller's transaction (the subject's change and its
/// record land together or not at all).
pub(crate) async fn insert_record(
    tx: &mut Tx,
    actor: &str,
    new: &NewRecord,
) -> Result<Record, StoreError> {
    let id = Uuid::now_v7();
    let now = Utc::now();
    on_tx!(tx, c => sqlx::query("INSERT INTO record (record_id, number, revision, kind, subject_kind, subject_id, issued_on, token, content, digest, key_id, signature, signed_by, supersedes_id, amendment_reason, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)")
        .bind(id).bind(&new.number).bind(new.revision).bind(&new.kind).bind(new.subject_kind)
        .bind(new.subject_id).bind(new.issued_on).bind(&new.token).bind(&new.content)
        .bind(&new.digest).bind(&new.key_id).bind(&new.signature).bind(&new.signed_by)
        .bind(new.supersedes_id).bind(&new.amendment_reason).bind(now)
        .execute(&mut **c).await.map(|_| ()))
        .map_err(|e| StoreError::conflict_or(e, || format!("record number {}", new.number)))?;
    let rec = record_in(tx, id).await?;
    audited(
        tx,
        actor,
        "record",
        id,
        "issue",
        &None::<Record>,
        &Some(rec.clone()),
        new.amendment_reason.as_deref(),
    )
    .await?;
    if let Some(old_id) = new.supersedes_id {
        let old = record_in(tx, old_id).await?;
        if old.status != "issued" {
            return Err(StoreError::State(format!(
                "record {} is {}: only an issued record can be amended",
                old.number, old.status
            )));
        }
        on_tx!(tx, c => sqlx::query("UPDATE record SET status = 'superseded', superseded_by_id = $1 WHERE record_id = $2")
            .bind(id).bind(old_id).execute(&mut **c).await.map(|_| ()))?;
        let after = record_in(tx, old_id).await?;
        audited(
            tx,
            actor,
            "record",
            old_id,
            "supersede",
            &old,
            &after,
            new.amendment_reason.as_deref(),
        )
        .await?;
    }
    Ok(rec)
}

async fn record_in(tx: &mut Tx, id: Uuid) -> Result<Record, StoreError> {
    on_tx!(tx, c => sqlx::query_as::<_, Record>("SELECT * FROM record WHERE record_id = $1").bind(id).fetch_optional(&mut **c).await)?
        .ok_or_else(|| StoreError::NotFound(format!("record {id}")))
}

impl Store {
    /// Stores an amendment of a record on its own (the subject did not change).
    pub async fn amend_record(&self, actor: &str, new: &NewRecord) -> Result<Record, StoreError> {
        let mut tx = self.begin().await?;
        let rec = insert_record(&mut tx, actor, new).await?;
        tx.commit().await?;
        Ok(rec)
    }

    /// Revokes an issued record; the reason is required and printed on its public page.
    pub async fn revoke_record(
        &self,
        actor: &str,
        id: Uuid,
        reason: &str,
    ) -> Result<Record, StoreError> {
        let mut tx = self.begin().await?;
        let before = record_in(&mut tx, id).await?;
        if before.status != "issued" {
            return Err(StoreError::State(format!(
                "record {} is {}: only an issued record can be revoked",
                before.number, before.status
            )));
        }
        on_tx!(&mut tx, c => sqlx::query("UPDATE record SET status = 'revoked', revoked_at = $1, revoked_by = $2, revoke_reason = $3 WHERE record_id = $4")
            .bind(Utc::now()).bind(actor).bind(reason).bind(id).execute(&mut **c).await.map(|_| ()))?;
        let after = record_in(&mut tx, id).await?;
        audited(
            &mut tx,
            actor,
            "record",
            id,
            "revoke",
            &before,
            &after,
            Some(reason),
        )
        .await?;
        tx.commit().await?;
        Ok(after)
    }

    pub async fn record(&self, id: Uuid) -> Result<Option<Record>, StoreError> {
        Ok(
            on_db!(self, db => sqlx::query_as::<_, Record>("SELECT * FROM record WHERE record_id = $1").bind(id).fetch_optional(db).await)?,
        )
    }

    pub async fn record_by_token(&self, token: &str) -> Result<Option<Record>, StoreError> {
        Ok(
            on_db!(self, db => sqlx::query_as::<_, Record>("SELECT * FROM record WHERE token = $1").bind(token).fetch_optional(db).await)?,
        )
    }

    /// The records of a subject, oldest first.
    pub async fn records_of(
        &self,
        subject_kind: &str,
        subject_id: Uuid,
    ) -> Result<Vec<Record>, StoreError> {
        Ok(
            on_db!(self, db => sqlx::query_as::<_, Record>("SELECT * FROM record WHERE subject_kind = $1 AND subject_id = $2 ORDER BY created_at")
            .bind(subject_kind).bind(subject_id).fetch_all(db).await)?,
        )
    }

    /// The standing of the record with this public token (status, revoke reason, number of
    /// the record that superseded it), in one light query.
    pub async fn record_standing(
        &self,
        token: &str,
    ) -> Result<Option<super::certificates::CertificateStanding>, StoreError> {
        Ok(
            on_db!(self, db => sqlx::query_as::<_, super::certificates::CertificateStanding>("SELECT r.status, r.revoke_reason, s.number AS superseded_by FROM record r LEFT JOIN record s ON s.record_id = r.superseded_by_id WHERE r.token = $1")
            .bind(token).fetch_optional(db).await)?,
        )
    }
}
