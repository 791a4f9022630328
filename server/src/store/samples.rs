//! Samples tested in the laboratories (thử nghiệm mẫu), their chain of custody, their tests
//! and the quality surveys that group them. The rules live in [`crate::sample`]; the store
//! keeps rows and writes each change, its custody events, its audit entry and any record
//! (the test report) in one transaction.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::records::{NewRecord, Record, insert_record};
use super::registry::{Page, PageRequest, audited};
use super::{Store, StoreError, Tx};
use crate::{on_db, on_tx};

/// A sample (or a sub-sample / retained portion of one).
#[derive(
    Debug, Clone, PartialEq, Eq, Serialize, Deserialize, sqlx::FromRow, schemars::JsonSchema,
)]
pub struct Sample {
    pub sample_id: Uuid,
    /// Sample code printed on the label, e.g. `M26-0117` (`M26-0117-1`, `M26-0117-R` for
    /// portions).
    pub code: String,
    pub parent_id: Option<Uuid>,
    /// `main`, `sub` or `retained`.
    pub portion: String,
    pub sample_type: String,
    /// Product type the specification's limits are chosen by (`petrol_ron95`…).
    pub product_type: Option<String>,
    pub name: String,
    pub description: String,
    /// Quantity as received, with its unit ("2 L", "3 chiếc").
    pub quantity: String,
    /// Condition on receipt.
    pub condition: String,
    pub storage: String,
    pub seal_number: Option<String>,
    /// The specification the results are judged against (`QCVN 1:2022/BKHCN`).
    pub specification: Option<String>,
    pub requester_organisation_id: Option<Uuid>,
    pub requester_name: String,
    pub survey_id: Option<Uuid>,
    pub import_dossier_id: Option<Uuid>,
    pub received_on: NaiveDate,
    pub received_by: String,
    /// Results promised by this day.
    pub due_on: Option<NaiveDate>,
    /// Kept until this day, then disposed of.
    pub retain_until: Option<NaiveDate>,
    /// Where the sample is now, and who holds it.
    pub location: String,
    pub holder: String,
    /// `received`, `testing`, `submitted`, `reported`, `disposed`.
    pub status: String,
    /// `conforms`, `does_not_conform` or `no_limit`, once reported.
    pub conformity: Option<String>,
    pub reported_on: Option<NaiveDate>,
    pub disposed_on: Option<NaiveDate>,
    pub disposed_by: Option<String>,
    pub disposal: Option<String>,
    pub review_comment: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// One hand-over of a sample.
#[derive(
    Debug, Clone, PartialEq, Eq, Serialize, Deserialize, sqlx::FromRow, schemars::JsonSchema,
)]
pub struct Custody {
    pub sample_custody_id: Uuid,
    pub sample_id: Uuid,
    pub at: DateTime<Utc>,
    /// `received`, `split`, `handed_over`, `disposed`.
    pub action: String,
    pub from_holder: String,
    pub to_holder: String,
    pub location: String,
    pub condition: String,
    pub note: String,
    pub recorded_by: String,
}

/// One test of a sample.
#[derive(
    Debug, Clone, PartialEq, Eq, Serialize, Deserialize, sqlx::FromRow, schemars::JsonSchema,
)]
pub struct SampleTest {
    pub sample_test_id: Uuid,
    pub sample_id: Uuid,
    pub characteristic: String,
    pub method_id: String,
    pub specification: Option<String>,
    /// The limit as printed ("≤ 10 mg/kg", "92 – 95").
    pub limit_text: Option<String>,
    pub analyst: String,
    pub measurement_standard_id: Option<Uuid>,
    /// `assigned` or `resulted`.
    pub status: String,
    /// JSON array of the replicate values as typed.
    pub replicates: Option<String>,
    /// JSON array of the reading ids the values came from (bridge devices).
    pub reading_ids: Option<String>,
    /// The result as reported ("8,2", "< 0,5").
    pub reported: Option<String>,
    pub unit: String,
    pub expanded_uncertainty: Option<String>,
    /// `conforms`, `does_not_conform`, `indeterminate`, `no_limit`.
    pub conformity: Option<String>,
    /// The engine's evaluation (JSON), kept for recomputation.
    pub evaluation: Option<String>,
    pub engine_version: Option<String>,
    pub resulted_by: Option<String>,
    pub resulted_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
}

/// A quality survey.
#[derive(
    Debug, Clone, PartialEq, Eq, Serialize, Deserialize, sqlx::FromRow, schemars::JsonSchema,
)]
pub struct Survey {
    pub survey_id: Uuid,
    pub code: String,
    pub title: String,
    pub year: i32,
    pub requested_by: String,
    pub started_on: NaiveDate,
    pub note: String,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// Search parameters.
#[derive(Debug, Clone, Default)]
pub struct SampleQuery {
    /// Code (prefix) or part of the name or requester.
    pub q: Option<String>,
    pub status: Option<String>,
    pub sample_type: Option<String>,
    pub survey_id: Option<Uuid>,
    /// Not reported and due before this day.
    pub overdue_on: Option<NaiveDate>,
    /// Retained past this day and not disposed of.
    pub retention_over_on: Option<NaiveDate>,
    pub page: PageRequest,
}

/// What a change writes besides the sample and its tests.
#[derive(Debug, Default)]
pub struct SampleEffects {
    pub custody: Vec<Custody>,
    /// New samples (portions split off), each with its custody rows in `custody`.
    pub portions: Vec<Sample>,
    pub record: Option<NewRecord>,
    pub reason: Option<String>,
}

/// A sample with its tests (the audit entry's before/after).
#[derive(Debug, Clone, Serialize)]
struct Snapshot<'a> {
    #[serde(flatten)]
    sample: &'a Sample,
    tests: &'a [SampleTest],
}

async fn insert_sample(tx: &mut Tx, s: &Sample) -> Result<(), StoreError> {
    on_tx!(tx, c => sqlx::query("INSERT INTO sample (sample_id, code, parent_id, portion, sample_type, product_type, name, description, quantity, condition, storage, seal_number, specification, requester_organisation_id, requester_name, survey_id, import_dossier_id, received_on, received_by, due_on, retain_until, location, holder, status, conformity, reported_on, disposed_on, disposed_by, disposal, review_comment, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $23, $24, $25, $26, $27, $28, $29, $30, $31, $32)")
        .bind(s.sample_id).bind(&s.code).bind(s.parent_id).bind(&s.portion).bind(&s.sample_type)
        .bind(&s.product_type).bind(&s.name).bind(&s.description).bind(&s.quantity).bind(&s.condition)
        .bind(&s.storage).bind(&s.seal_number).bind(&s.specification).bind(s.requester_organisation_id)
        .bind(&s.requester_name).bind(s.survey_id).bind(s.import_dossier_id).bind(s.received_on)
        .bind(&s.received_by).bind(s.due_on).bind(s.retain_until).bind(&s.location).bind(&s.holder)
        .bind(&s.status).bind(&s.conformity).bind(s.reported_on).bind(s.disposed_on).bind(&s.disposed_by)
        .bind(&s.disposal).bind(&s.review_comment).bind(s.created_at).bind(s.updated_at)
        .execute(&mut **c).await.map(|_| ()))
        .map_err(|e| StoreError::conflict_or(e, || format!("sample code {}", s.code)))
}

async fn write_tests(tx: &mut Tx, tests: &[SampleTest]) -> Result<(), StoreError> {
    for t in tests {
        on_tx!(tx, c => sqlx::query("INSERT INTO sample_test (sample_test_id, sample_id, characteristic, method_id, specification, limit_text, analyst, measurement_standard_id, status, replicates, reading_ids, reported, unit, expanded_uncertainty, conformity, evaluation, engine_version, resulted_by, resulted_at, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20) ON CONFLICT (sample_test_id) DO UPDATE SET specification = excluded.specification, limit_text = excluded.limit_text, analyst = excluded.analyst, measurement_standard_id = excluded.measurement_standard_id, status = excluded.status, replicates = excluded.replicates, reading_ids = excluded.reading_ids, reported = excluded.reported, unit = excluded.unit, expanded_uncertainty = excluded.expanded_uncertainty, conformity = excluded.conformity, evaluation = excluded.evaluation, engine_version = excluded.engine_version, resulted_by = excluded.resulted_by, resulted_at = excluded.resulted_at")
            .bind(t.sample_test_id).bind(t.sample_id).bind(&t.characteristic).bind(&t.method_id)
            .bind(&t.specification).bind(&t.limit_text).bind(&t.analyst).bind(t.measurement_standard_id)
            .bind(&t.status).bind(&t.replicates).bind(&t.reading_ids).bind(&t.reported).bind(&t.unit)
            .bind(&t.expanded_uncertainty).bind(&t.conformity).bind(&t.evaluation).bind(&t.engine_version)
            .bind(&t.resulted_by).bind(t.resulted_at).bind(t.created_at)
            .execute(&mut **c).await.map(|_| ()))?;
    }
    Ok(())
}

async fn write_custody(tx: &mut Tx, rows: &[Custody]) -> Result<(), StoreError> {
    for r in rows {
        on_tx!(tx, c => sqlx::query("INSERT INTO sample_custody (sample_custody_id, sample_id, at, action, from_holder, to_holder, location, condition, note, recorded_by) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)")
            .bind(r.sample_custody_id).bind(r.sample_id).bind(r.at).bind(&r.action).bind(&r.from_holder)
            .bind(&r.to_holder).bind(&r.location).bind(&r.condition).bind(&r.note).bind(&r.recorded_by)
            .execute(&mut **c).await.map(|_| ()))?;
    }
    Ok(())
}

async fn sample_in(tx: &mut Tx, id: Uuid) -> Result<(Sample, Vec<SampleTest>), StoreError> {
    let s = on_tx!(tx, c => sqlx::query_as::<_, Sample>("SELECT * FROM sample WHERE sample_id = $1").bind(id).fetch_optional(&mut **c).await)?
        .ok_or_else(|| StoreError::NotFound(format!("sample {id}")))?;
    let tests = on_tx!(tx, c => sqlx::query_as::<_, SampleTest>("SELECT * FROM sample_test WHERE sample_id = $1 ORDER BY created_at, sample_test_id").bind(id).fetch_all(&mut **c).await)?;
    Ok((s, tests))
}

const UPDATE: &str = "UPDATE sample SET product_type = $1, name = $2, description = $3, quantity = $4, condition = $5, storage = $6, seal_number = $7, specification = $8, due_on = $9, retain_until = $10, location = $11, holder = $12, status = $13, conformity = $14, reported_on = $15, disposed_on = $16, disposed_by = $17, disposal = $18, review_comment = $19, updated_at = $20 WHERE sample_id = $21";

/// Stores a new sample with its tests and first custody row, audited, inside the caller's
/// transaction (samples taken with another record, e.g. an import dossier's sampling).
pub(crate) async fn insert_new(
    tx: &mut Tx,
    actor: &str,
    sample: &Sample,
    tests: &[SampleTest],
    custody: &Custody,
) -> Result<(), StoreError> {
    insert_sample(tx, sample).await?;
    write_tests(tx, tests).await?;
    write_custody(tx, std::slice::from_ref(custody)).await?;
    let snap = Snapshot { sample, tests };
    audited(
        tx,
        actor,
        "sample",
        sample.sample_id,
        "create",
        &None::<Snapshot>,
        &Some(snap),
        None,
    )
    .await
}

impl Store {
    /// Receives a sample: `build` gets the next number of the `sample` series for `year` and
    /// makes the sample, its tests and its first custody row. All or nothing; a refusal burns
    /// no number.
    pub async fn receive_sample<F>(
        &self,
        actor: &str,
        year: i32,
        build: F,
    ) -> Result<(Sample, Vec<SampleTest>), StoreError>
    where
        F: FnOnce(i64) -> Result<(Sample, Vec<SampleTest>, Custody), StoreError> + Send,
    {
        let mut tx = self.begin().await?;
        let seq = super::bench::next_in_series(&mut tx, "sample", year).await?;
        let (sample, tests, custody) = build(seq)?;
        insert_sample(&mut tx, &sample).await?;
        write_tests(&mut tx, &tests).await?;
        write_custody(&mut tx, &[custody]).await?;
        let snap = Snapshot {
            sample: &sample,
            tests: &tests,
        };
        audited(
            &mut tx,
            actor,
            "sample",
            sample.sample_id,
            "create",
            &None::<Snapshot>,
            &Some(snap),
            None,
        )
        .await?;
        tx.commit().await?;
        Ok((sample, tests))
    }

    /// Changes a sample: `change` edits it and its tests (and gets the next number of
    /// `series` when given) and says what else to write. One transaction; an error from
    /// `change` leaves nothing and burns no number.
    pub async fn update_sample<F>(
        &self,
        actor: &str,
        id: Uuid,
        series: Option<(&str, i32)>,
        change: F,
    ) -> Result<(Sample, Vec<SampleTest>, Option<Record>), StoreError>
    where
        F: FnOnce(
                &mut Sample,
                &mut Vec<SampleTest>,
                Option<i64>,
            ) -> Result<SampleEffects, StoreError>
            + Send,
    {
        let mut tx = self.begin().await?;
        let (before, before_tests) = sample_in(&mut tx, id).await?;
        let seq = match series {
            Some((s, year)) => Some(super::bench::next_in_series(&mut tx, s, year).await?),
            None => None,
        };
        let mut s = before.clone();
        let mut tests = before_tests.clone();
        let effects = change(&mut s, &mut tests, seq)?;
        s.updated_at = Utc::now();
        on_tx!(&mut tx, c => sqlx::query(UPDATE)
            .bind(&s.product_type).bind(&s.name).bind(&s.description).bind(&s.quantity).bind(&s.condition)
            .bind(&s.storage).bind(&s.seal_number).bind(&s.specification).bind(s.due_on).bind(s.retain_until)
            .bind(&s.location).bind(&s.holder).bind(&s.status).bind(&s.conformity).bind(s.reported_on)
            .bind(s.disposed_on).bind(&s.disposed_by).bind(&s.disposal).bind(&s.review_comment)
            .bind(s.updated_at).bind(id)
            .execute(&mut **c).await.map(|_| ()))?;
        write_tests(&mut tx, &tests).await?;
        for portion in &effects.portions {
            insert_sample(&mut tx, portion).await?;
            let snap = Snapshot {
                sample: portion,
                tests: &[],
            };
            audited(
                &mut tx,
                actor,
                "sample",
                portion.sample_id,
                "create",
                &None::<Snapshot>,
                &Some(snap),
                effects.reason.as_deref(),
            )
            .await?;
        }
        write_custody(&mut tx, &effects.custody).await?;
        let record = match &effects.record {
            Some(r) => Some(insert_record(&mut tx, actor, r).await?),
            None => None,
        };
        let (after, after_tests) = sample_in(&mut tx, id).await?;
        audited(
            &mut tx,
            actor,
            "sample",
            id,
            "update",
            &Snapshot {
                sample: &before,
                tests: &before_tests,
            },
            &Snapshot {
                sample: &after,
                tests: &after_tests,
            },
            effects.reason.as_deref(),
        )
        .await?;
        tx.commit().await?;
        Ok((after, after_tests, record))
    }

    pub async fn sample(&self, id: Uuid) -> Result<Option<(Sample, Vec<SampleTest>)>, StoreError> {
        let Some(s) = on_db!(self, db => sqlx::query_as::<_, Sample>("SELECT * FROM sample WHERE sample_id = $1").bind(id).fetch_optional(db).await)?
        else {
            return Ok(None);
        };
        let tests = on_db!(self, db => sqlx::query_as::<_, SampleTest>("SELECT * FROM sample_test WHERE sample_id = $1 ORDER BY created_at, sample_test_id").bind(id).fetch_all(db).await)?;
        Ok(Some((s, tests)))
    }

    pub async fn sample_by_code(&self, code: &str) -> Result<Option<Sample>, StoreError> {
        Ok(
            on_db!(self, db => sqlx::query_as::<_, Sample>("SELECT * FROM sample WHERE code = $1").bind(code).fetch_optional(db).await)?,
        )
    }

    /// A sample's custody events, oldest first.
    pub async fn custody_of(&self, id: Uuid) -> Result<Vec<Custody>, StoreError> {
        Ok(
            on_db!(self, db => sqlx::query_as::<_, Custody>("SELECT * FROM sample_custody WHERE sample_id = $1 ORDER BY at, sample_custody_id").bind(id).fetch_all(db).await)?,
        )
    }

    /// The portions split off a sample.
    pub async fn portions_of(&self, id: Uuid) -> Result<Vec<Sample>, StoreError> {
        Ok(
            on_db!(self, db => sqlx::query_as::<_, Sample>("SELECT * FROM sample WHERE parent_id = $1 ORDER BY code").bind(id).fetch_all(db).await)?,
        )
    }

    /// Samples, newest first.
    pub async fn list_samples(&self, q: &SampleQuery) -> Result<Page<Sample>, StoreError> {
        Ok(on_db!(self, db => {
            let mut qb = sqlx::QueryBuilder::new("SELECT * FROM sample WHERE 1 = 1");
            if let Some(t) = q.q.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
                qb.push(" AND (code >= ");
                qb.push_bind(t.to_owned());
                qb.push(" AND code < ");
                qb.push_bind(format!("{t}\u{10FFFF}"));
                qb.push(" OR LOWER(name) LIKE ");
                qb.push_bind(format!("%{}%", t.to_lowercase()));
                qb.push(" OR LOWER(requester_name) LIKE ");
                qb.push_bind(format!("%{}%", t.to_lowercase()));
                qb.push(")");
            }
            if let Some(s) = q.status.as_deref().filter(|s| !s.is_empty()) {
                qb.push(" AND status = ");
                qb.push_bind(s.to_owned());
            }
            if let Some(s) = q.sample_type.as_deref().filter(|s| !s.is_empty()) {
                qb.push(" AND sample_type = ");
                qb.push_bind(s.to_owned());
            }
            if let Some(s) = q.survey_id {
                qb.push(" AND survey_id = ");
                qb.push_bind(s);
            }
            if let Some(day) = q.overdue_on {
                qb.push(" AND status IN ('received', 'testing', 'submitted') AND due_on < ");
                qb.push_bind(day);
            }
            if let Some(day) = q.retention_over_on {
                qb.push(" AND status <> 'disposed' AND retain_until < ");
                qb.push_bind(day);
            }
            qb.push(" ORDER BY received_on DESC, code DESC");
            let (page, per_page) = q.page.push_limit(&mut qb);
            qb.build_query_as::<Sample>().fetch_all(db).await.map(|r| Page::from_rows(r, page, per_page))
        })?)
    }

    /// Every test of the samples of a survey (for its report), by sample code.
    pub async fn survey_tests(&self, survey_id: Uuid) -> Result<Vec<SampleTest>, StoreError> {
        Ok(
            on_db!(self, db => sqlx::query_as::<_, SampleTest>("SELECT t.* FROM sample_test t JOIN sample s ON s.sample_id = t.sample_id WHERE s.survey_id = $1 ORDER BY s.code, t.created_at").bind(survey_id).fetch_all(db).await)?,
        )
    }

    pub async fn create_survey(&self, actor: &str, s: &Survey) -> Result<Survey, StoreError> {
        let mut tx = self.begin().await?;
        on_tx!(&mut tx, c => sqlx::query("INSERT INTO survey (survey_id, code, title, year, requested_by, started_on, note, created_by, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)")
            .bind(s.survey_id).bind(&s.code).bind(&s.title).bind(s.year).bind(&s.requested_by)
            .bind(s.started_on).bind(&s.note).bind(&s.created_by).bind(s.created_at).bind(s.updated_at)
            .execute(&mut **c).await.map(|_| ()))
            .map_err(|e| StoreError::conflict_or(e, || format!("survey code {}", s.code)))?;
        audited(
            &mut tx,
            actor,
            "survey",
            s.survey_id,
            "create",
            &None::<Survey>,
            &Some(s.clone()),
            None,
        )
        .await?;
        tx.commit().await?;
        Ok(s.clone())
    }

    pub async fn survey(&self, id: Uuid) -> Result<Option<Survey>, StoreError> {
        Ok(
            on_db!(self, db => sqlx::query_as::<_, Survey>("SELECT * FROM survey WHERE survey_id = $1").bind(id).fetch_optional(db).await)?,
        )
    }

    pub async fn list_surveys(&self, year: Option<i32>) -> Result<Vec<Survey>, StoreError> {
        Ok(match year {
            Some(y) => {
                on_db!(self, db => sqlx::query_as::<_, Survey>("SELECT * FROM survey WHERE year = $1 ORDER BY code").bind(y).fetch_all(db).await)?
            }
            None => {
                on_db!(self, db => sqlx::query_as::<_, Survey>("SELECT * FROM survey ORDER BY year DESC, code").fetch_all(db).await)?
            }
        })
    }
}
