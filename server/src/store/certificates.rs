//! Issued documents (certificates and notices of failure), their amendments and revocations,
//! and nonconformities opened when a standard is found out of tolerance (§7.10).
//!
//! The signed content of a certificate never changes: the database refuses it (triggers in
//! migration 0004), and this module has no statement that would try. Only the status moves.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::audit::{self, Change};
use super::bench::{Transition, status, transition_in};
use super::registry::{Page, PageRequest, audited, json};
use super::{Store, StoreError, Tx};
use crate::{on_db, on_tx};

/// A certificate as stored.
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow, schemars::JsonSchema)]
pub struct Certificate {
    pub certificate_id: Uuid,
    pub number: String,
    /// 0 for the first issue, n for the n-th amendment.
    pub revision: i32,
    pub run_id: Uuid,
    pub instrument_id: Uuid,
    /// `verification_certificate`, `calibration_certificate` or `notice_of_failure`.
    pub kind: String,
    /// `issued`, `superseded` or `revoked`.
    pub status: String,
    pub performed_on: NaiveDate,
    pub issued_on: NaiveDate,
    pub valid_until: Option<NaiveDate>,
    pub stamp_number: Option<String>,
    /// The secret part of the public verification URL `/v/{token}`.
    #[serde(skip)]
    pub token: String,
    /// The signed document (JSON of `tdc_certificate::CertificateDocument`).
    #[serde(skip)]
    pub content: String,
    /// Numbers of the results (JSON), for the DCC.
    #[serde(skip)]
    pub measurements: String,
    pub unit: String,
    /// SHA-256 of the canonical content, hex.
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

/// What can still change about an issued certificate.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct CertificateStanding {
    /// `issued`, `superseded` or `revoked`.
    pub status: String,
    pub revoke_reason: Option<String>,
    /// The number of the certificate that replaced it.
    pub superseded_by: Option<String>,
}

/// A certificate ready to be stored (numbered, signed).
#[derive(Debug, Clone, PartialEq)]
pub struct NewCertificate {
    pub number: String,
    pub revision: i32,
    pub run_id: Uuid,
    pub instrument_id: Uuid,
    pub kind: String,
    pub performed_on: NaiveDate,
    pub issued_on: NaiveDate,
    pub valid_until: Option<NaiveDate>,
    pub stamp_number: Option<String>,
    pub token: String,
    pub content: String,
    pub measurements: String,
    pub unit: String,
    pub digest: String,
    pub key_id: String,
    pub signature: String,
    pub signed_by: String,
    pub supersedes_id: Option<Uuid>,
    pub amendment_reason: Option<String>,
    /// Standards the result relied on.
    pub standards: Vec<Uuid>,
}

/// What issuing changes on the instrument's record.
#[derive(Debug, Clone, PartialEq)]
pub struct InstrumentOutcome {
    /// `pass` or `fail` (verification) or `calibrated`.
    pub last_result: String,
    pub last_verified_on: NaiveDate,
    /// `None` leaves the due date as it was (calibration with no agreed interval).
    pub next_due_on: Option<Option<NaiveDate>>,
}

/// Filters of the certificate list.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, schemars::JsonSchema)]
pub struct CertificateQuery {
    pub instrument_id: Option<Uuid>,
    pub status: Option<String>,
    /// Number, exact or as a prefix.
    pub number: Option<String>,
    #[serde(skip)]
    pub page: PageRequest,
}

/// A nonconformity record.
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow, schemars::JsonSchema)]
pub struct Nonconformity {
    pub nonconformity_id: Uuid,
    pub measurement_standard_id: Uuid,
    /// What opened it, e.g. "calibration 123/VMI found it out of tolerance".
    pub trigger: String,
    /// The last good calibration: certificates from this day on may be affected.
    pub since: Option<NaiveDate>,
    /// JSON list of [`Affected`].
    #[serde(skip)]
    pub affected: String,
    pub assessment: String,
    pub status: String,
    pub opened_by: String,
    pub opened_at: DateTime<Utc>,
    pub closed_by: Option<String>,
    pub closed_at: Option<DateTime<Utc>>,
}

/// A certificate that may be affected by a nonconforming standard.
#[derive(
    Debug, Clone, PartialEq, Eq, Serialize, Deserialize, sqlx::FromRow, schemars::JsonSchema,
)]
pub struct Affected {
    pub certificate_id: Uuid,
    pub number: String,
    pub instrument_id: Uuid,
    pub performed_on: NaiveDate,
    pub status: String,
}

const CERT_COLUMNS: &str = "SELECT * FROM certificate";

impl Store {
    /// Issues the certificate of an approved run in one transaction: takes the next number of
    /// `series` for `year`, lets `build` make and sign the document with that number, stores
    /// it with its standards, moves the run to `issued` and updates the instrument's last
    /// result and due date. A failure leaves no trace and burns no number.
    pub async fn issue_certificate<F>(
        &self,
        actor: &str,
        series: &str,
        year: i32,
        build: F,
        comment: &str,
    ) -> Result<Certificate, StoreError>
    where
        F: FnOnce(i64) -> Result<(NewCertificate, InstrumentOutcome), String> + Send,
    {
        let mut tx = self.begin().await?;
        let seq = super::bench::next_in_series(&mut tx, series, year).await?;
        let (new, outcome) = build(seq).map_err(StoreError::State)?;
        transition_in(
            &mut tx,
            actor,
            new.run_id,
            &Transition {
                from: &[status::APPROVED],
                to: status::ISSUED,
                action: "sign",
                comment,
                evaluation: None,
                performed: None,
                reviewed_by: None,
            },
        )
        .await?;
        let cert = insert_certificate(&mut tx, actor, &new).await?;
        update_instrument(&mut tx, actor, new.instrument_id, &outcome, &cert.number).await?;
        tx.commit().await?;
        Ok(cert)
    }

    /// Stores an amendment: the new revision is issued, the old one marked superseded, in one
    /// transaction. `new.supersedes_id` names the old one.
    pub async fn amend_certificate(
        &self,
        actor: &str,
        new: &NewCertificate,
        outcome: Option<&InstrumentOutcome>,
    ) -> Result<Certificate, StoreError> {
        let old_id = new
            .supersedes_id
            .ok_or_else(|| StoreError::State("an amendment names what it supersedes".into()))?;
        let mut tx = self.begin().await?;
        let old = certificate_in(&mut tx, old_id).await?;
        if old.status != "issued" {
            return Err(StoreError::State(format!(
                "certificate {} is {}: only an issued certificate can be amended",
                old.number, old.status
            )));
        }
        let cert = insert_certificate(&mut tx, actor, new).await?;
        on_tx!(&mut tx, c => sqlx::query("UPDATE certificate SET status = 'superseded', superseded_by_id = $1 WHERE certificate_id = $2 AND status = 'issued'")
            .bind(cert.certificate_id).bind(old_id).execute(&mut **c).await.map(|_| ()))?;
        let after = certificate_in(&mut tx, old_id).await?;
        audited(
            &mut tx,
            actor,
            "certificate",
            old_id,
            "supersede",
            &old,
            &after,
            new.amendment_reason.as_deref(),
        )
        .await?;
        if let Some(o) = outcome {
            update_instrument(&mut tx, actor, new.instrument_id, o, &cert.number).await?;
        }
        tx.commit().await?;
        Ok(cert)
    }

    /// Revokes an issued certificate; the reason is required and printed on its public page.
    pub async fn revoke_certificate(
        &self,
        actor: &str,
        id: Uuid,
        reason: &str,
    ) -> Result<Certificate, StoreError> {
        let mut tx = self.begin().await?;
        let before = certificate_in(&mut tx, id).await?;
        if before.status != "issued" {
            return Err(StoreError::State(format!(
                "certificate {} is {}: only an issued certificate can be revoked",
                before.number, before.status
            )));
        }
        let now = Utc::now();
        on_tx!(&mut tx, c => sqlx::query("UPDATE certificate SET status = 'revoked', revoked_at = $1, revoked_by = $2, revoke_reason = $3 WHERE certificate_id = $4")
            .bind(now).bind(actor).bind(reason).bind(id).execute(&mut **c).await.map(|_| ()))?;
        let after = certificate_in(&mut tx, id).await?;
        audited(
            &mut tx,
            actor,
            "certificate",
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

    pub async fn certificate(&self, id: Uuid) -> Result<Option<Certificate>, StoreError> {
        let sql = format!("{CERT_COLUMNS} WHERE certificate_id = $1");
        Ok(
            on_db!(self, db => sqlx::query_as::<_, Certificate>(sqlx::AssertSqlSafe(sql.clone())).bind(id).fetch_optional(db).await)?,
        )
    }

    pub async fn certificate_by_number(
        &self,
        number: &str,
    ) -> Result<Option<Certificate>, StoreError> {
        let sql = format!("{CERT_COLUMNS} WHERE number = $1");
        Ok(
            on_db!(self, db => sqlx::query_as::<_, Certificate>(sqlx::AssertSqlSafe(sql.clone())).bind(number).fetch_optional(db).await)?,
        )
    }

    /// The standing of the certificate with this public token, in one light query.
    pub async fn certificate_standing(
        &self,
        token: &str,
    ) -> Result<Option<CertificateStanding>, StoreError> {
        Ok(
            on_db!(self, db => sqlx::query_as::<_, CertificateStanding>("SELECT c.status, c.revoke_reason, s.number AS superseded_by FROM certificate c LEFT JOIN certificate s ON s.certificate_id = c.superseded_by_id WHERE c.token = $1")
            .bind(token).fetch_optional(db).await)?,
        )
    }

    pub async fn certificate_by_token(
        &self,
        token: &str,
    ) -> Result<Option<Certificate>, StoreError> {
        let sql = format!("{CERT_COLUMNS} WHERE token = $1");
        Ok(
            on_db!(self, db => sqlx::query_as::<_, Certificate>(sqlx::AssertSqlSafe(sql.clone())).bind(token).fetch_optional(db).await)?,
        )
    }

    /// Certificates, newest first.
    pub async fn list_certificates(
        &self,
        q: &CertificateQuery,
    ) -> Result<Page<Certificate>, StoreError> {
        Ok(on_db!(self, db => {
            let mut qb = sqlx::QueryBuilder::new(CERT_COLUMNS);
            qb.push(" WHERE 1 = 1");
            if let Some(i) = q.instrument_id {
                qb.push(" AND instrument_id = ");
                qb.push_bind(i);
            }
            if let Some(s) = q.status.as_deref().filter(|s| !s.is_empty()) {
                qb.push(" AND status = ");
                qb.push_bind(s.to_owned());
            }
            if let Some(n) = q.number.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
                qb.push(" AND number >= ");
                qb.push_bind(n.to_owned());
                qb.push(" AND number < ");
                qb.push_bind(format!("{n}\u{10FFFF}"));
            }
            qb.push(" ORDER BY issued_on DESC, created_at DESC");
            let (page, per_page) = q.page.push_limit(&mut qb);
            qb.build_query_as::<Certificate>().fetch_all(db).await.map(|r| Page::from_rows(r, page, per_page))
        })?)
    }

    /// The standards a certificate relied on.
    pub async fn certificate_standards(&self, id: Uuid) -> Result<Vec<Uuid>, StoreError> {
        Ok(
            on_db!(self, db => sqlx::query_scalar::<_, Uuid>("SELECT measurement_standard_id FROM certificate_standard WHERE certificate_id = $1 ORDER BY measurement_standard_id").bind(id).fetch_all(db).await)?,
        )
    }

    /// Takes the next number of a series (certificates of one kind) for a year.
    pub async fn next_number(&self, series: &str, year: i32) -> Result<i64, StoreError> {
        let mut tx = self.begin().await?;
        let n = super::bench::next_in_series(&mut tx, series, year).await?;
        tx.commit().await?;
        Ok(n)
    }

    pub async fn nonconformity(&self, id: Uuid) -> Result<Option<Nonconformity>, StoreError> {
        Ok(
            on_db!(self, db => sqlx::query_as::<_, Nonconformity>("SELECT * FROM nonconformity WHERE nonconformity_id = $1").bind(id).fetch_optional(db).await)?,
        )
    }

    /// Nonconformities, open ones first, newest first.
    pub async fn list_nonconformities(
        &self,
        standard: Option<Uuid>,
        page: PageRequest,
    ) -> Result<Page<Nonconformity>, StoreError> {
        Ok(on_db!(self, db => {
            let mut qb = sqlx::QueryBuilder::new("SELECT * FROM nonconformity");
            if let Some(s) = standard {
                qb.push(" WHERE measurement_standard_id = ");
                qb.push_bind(s);
            }
            qb.push(" ORDER BY status DESC, opened_at DESC");
            let (page, per_page) = page.push_limit(&mut qb);
            qb.build_query_as::<Nonconformity>().fetch_all(db).await.map(|r| Page::from_rows(r, page, per_page))
        })?)
    }

    /// Records the impact assessment; `close` ends the record (the assessment is then
    /// required).
    pub async fn assess_nonconformity(
        &self,
        actor: &str,
        id: Uuid,
        assessment: &str,
        close: bool,
    ) -> Result<Nonconformity, StoreError> {
        let mut tx = self.begin().await?;
        let before: Nonconformity = on_tx!(&mut tx, c => sqlx::query_as::<_, Nonconformity>("SELECT * FROM nonconformity WHERE nonconformity_id = $1").bind(id).fetch_optional(&mut **c).await)?
            .ok_or_else(|| StoreError::NotFound(format!("nonconformity {id}")))?;
        if before.status == "closed" {
            return Err(StoreError::State("the nonconformity is closed".into()));
        }
        if close && assessment.trim().is_empty() {
            return Err(StoreError::State(
                "assessment: write the impact assessment before closing".into(),
            ));
        }
        let now = Utc::now();
        let (state, by, at) = if close {
            ("closed", Some(actor.to_owned()), Some(now))
        } else {
            ("open", None, None)
        };
        on_tx!(&mut tx, c => sqlx::query("UPDATE nonconformity SET assessment = $1, status = $2, closed_by = $3, closed_at = $4 WHERE nonconformity_id = $5")
            .bind(assessment.trim()).bind(state).bind(&by).bind(at).bind(id).execute(&mut **c).await.map(|_| ()))?;
        let after = Nonconformity {
            assessment: assessment.trim().to_owned(),
            status: state.to_owned(),
            closed_by: by,
            closed_at: at,
            ..before.clone()
        };
        audited(
            &mut tx,
            actor,
            "nonconformity",
            id,
            if close { "close" } else { "assess" },
            &before,
            &after,
            None,
        )
        .await?;
        tx.commit().await?;
        Ok(after)
    }
}

async fn insert_certificate(
    tx: &mut Tx,
    actor: &str,
    new: &NewCertificate,
) -> Result<Certificate, StoreError> {
    let id = Uuid::now_v7();
    let now = Utc::now();
    on_tx!(tx, c => sqlx::query("INSERT INTO certificate (certificate_id, number, revision, run_id, instrument_id, kind, status, performed_on, issued_on, valid_until, stamp_number, token, content, measurements, unit, digest, key_id, signature, signed_by, supersedes_id, amendment_reason, created_at) VALUES ($1, $2, $3, $4, $5, $6, 'issued', $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21)")
        .bind(id)
        .bind(&new.number)
        .bind(new.revision)
        .bind(new.run_id)
        .bind(new.instrument_id)
        .bind(&new.kind)
        .bind(new.performed_on)
        .bind(new.issued_on)
        .bind(new.valid_until)
        .bind(&new.stamp_number)
        .bind(&new.token)
        .bind(&new.content)
        .bind(&new.measurements)
        .bind(&new.unit)
        .bind(&new.digest)
        .bind(&new.key_id)
        .bind(&new.signature)
        .bind(&new.signed_by)
        .bind(new.supersedes_id)
        .bind(&new.amendment_reason)
        .bind(now)
        .execute(&mut **c).await.map(|_| ()))
    .map_err(|e| StoreError::conflict_or(e, || format!("certificate number {}", new.number)))?;
    for s in &new.standards {
        on_tx!(tx, c => sqlx::query("INSERT INTO certificate_standard (certificate_id, measurement_standard_id) VALUES ($1, $2) ON CONFLICT DO NOTHING").bind(id).bind(*s).execute(&mut **c).await.map(|_| ()))?;
    }
    let cert = certificate_in(tx, id).await?;
    let mut after = json(&cert);
    if let Some(o) = after.as_object_mut() {
        o.insert("standards".into(), json(&new.standards));
    }
    audit::append(
        tx,
        actor,
        Change {
            entity: "certificate",
            entity_id: id.to_string(),
            action: if new.supersedes_id.is_some() {
                "amend"
            } else {
                "issue"
            },
            before: None,
            after: Some(after),
            reason: new.amendment_reason.clone(),
        },
    )
    .await?;
    Ok(cert)
}

async fn update_instrument(
    tx: &mut Tx,
    actor: &str,
    instrument_id: Uuid,
    o: &InstrumentOutcome,
    number: &str,
) -> Result<(), StoreError> {
    let before = super::registry::instrument_in(tx, instrument_id).await?;
    let next_due = match o.next_due_on {
        Some(d) => d,
        None => before.next_due_on,
    };
    let now = Utc::now();
    on_tx!(tx, c => sqlx::query("UPDATE instrument SET last_result = $1, last_verified_on = $2, next_due_on = $3, updated_at = $4 WHERE instrument_id = $5")
        .bind(&o.last_result).bind(o.last_verified_on).bind(next_due).bind(now).bind(instrument_id)
        .execute(&mut **c).await.map(|_| ()))?;
    let after = super::registry::instrument_in(tx, instrument_id).await?;
    audited(
        tx,
        actor,
        "instrument",
        instrument_id,
        "result",
        &before,
        &after,
        Some(&format!("certificate {number}")),
    )
    .await
}

async fn certificate_in(tx: &mut Tx, id: Uuid) -> Result<Certificate, StoreError> {
    let sql = format!("{CERT_COLUMNS} WHERE certificate_id = $1");
    on_tx!(tx, c => sqlx::query_as::<_, Certificate>(sqlx::AssertSqlSafe(sql.clone())).bind(id).fetch_optional(&mut **c).await)?
        .ok_or_else(|| StoreError::NotFound(format!("certificate {id}")))
}

/// Opens a nonconformity for a standard inside the caller's transaction (a calibration found
/// it out of tolerance, or it was declared failed) and lists every certificate issued with it
/// from its last good calibration on. `exclude_calibration` is the new calibration itself.
pub(crate) async fn open_nonconformity(
    tx: &mut Tx,
    actor: &str,
    standard_id: Uuid,
    trigger: &str,
    exclude_calibration: Option<Uuid>,
) -> Result<Nonconformity, StoreError> {
    let since: Option<NaiveDate> = on_tx!(tx, c => sqlx::query_scalar::<_, NaiveDate>("SELECT calibrated_on FROM standard_calibration WHERE measurement_standard_id = $1 AND in_tolerance = $2 AND standard_calibration_id <> $3 ORDER BY calibrated_on DESC, created_at DESC LIMIT 1")
        .bind(standard_id).bind(true).bind(exclude_calibration.unwrap_or_else(Uuid::nil)).fetch_optional(&mut **c).await)?;
    let sql = if since.is_some() {
        "SELECT c.certificate_id, c.number, c.instrument_id, c.performed_on, c.status FROM certificate c JOIN certificate_standard cs ON cs.certificate_id = c.certificate_id WHERE cs.measurement_standard_id = $1 AND c.performed_on >= $2 ORDER BY c.performed_on, c.number"
    } else {
        "SELECT c.certificate_id, c.number, c.instrument_id, c.performed_on, c.status FROM certificate c JOIN certificate_standard cs ON cs.certificate_id = c.certificate_id WHERE cs.measurement_standard_id = $1 ORDER BY c.performed_on, c.number"
    };
    let affected: Vec<Affected> = on_tx!(tx, c => {
        let q = sqlx::query_as::<_, Affected>(sql).bind(standard_id);
        let q = match since {
            Some(d) => q.bind(d),
            None => q,
        };
        q.fetch_all(&mut **c).await
    })?;
    let nc = Nonconformity {
        nonconformity_id: Uuid::now_v7(),
        measurement_standard_id: standard_id,
        trigger: trigger.to_owned(),
        since,
        affected: serde_json::to_string(&affected).unwrap_or_else(|_| "[]".into()),
        assessment: String::new(),
        status: "open".into(),
        opened_by: actor.to_owned(),
        opened_at: Utc::now(),
        closed_by: None,
        closed_at: None,
    };
    on_tx!(tx, c => sqlx::query("INSERT INTO nonconformity (nonconformity_id, measurement_standard_id, trigger, since, affected, assessment, status, opened_by, opened_at) VALUES ($1, $2, $3, $4, $5, '', 'open', $6, $7)")
        .bind(nc.nonconformity_id).bind(standard_id).bind(&nc.trigger).bind(nc.since).bind(&nc.affected).bind(&nc.opened_by).bind(nc.opened_at)
        .execute(&mut **c).await.map(|_| ()))?;
    let mut after = json(&nc);
    if let Some(o) = after.as_object_mut() {
        o.insert("affected".into(), json(&affected));
    }
    audit::append(
        tx,
        actor,
        Change {
            entity: "nonconformity",
            entity_id: nc.nonconformity_id.to_string(),
            action: "open",
            before: None,
            after: Some(after),
            reason: Some(trigger.to_owned()),
        },
    )
    .await?;
    Ok(nc)
}
