//! The tamper-evident audit trail (ISO/IEC 17025 7.5, 7.11, 8.4).
//!
//! Each entry stores who did what to which record, the record before and after, and a reason
//! when one is required. Entries form a hash chain: `hash = SHA-256(prev_hash ‖ "\n" ‖
//! canonical)`, where `canonical` is the entry as JSON with keys sorted at every level and the
//! time at microsecond precision. Changing, inserting or removing any entry breaks the chain
//! from that entry on; [`verify`] names the first broken one.
//!
//! Appends are serialised: SQLite write transactions begin `IMMEDIATE`; PostgreSQL takes a
//! transaction-scoped advisory lock before reading the last hash.

use chrono::{DateTime, SubsecRound, Utc};
use serde_json::Value;
use sha2::{Digest, Sha256};

use super::{Store, StoreError, Tx};
use crate::{on_db, on_tx};

/// Hash the first entry chains to.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// Arbitrary constant naming the audit chain's advisory lock in PostgreSQL.
const PG_AUDIT_LOCK: i64 = 0x7dc_a0d1;

/// One change to record.
#[derive(Debug, Clone)]
pub struct Change<'a> {
    pub entity: &'a str,
    pub entity_id: String,
    pub action: &'a str,
    pub before: Option<Value>,
    pub after: Option<Value>,
    pub reason: Option<String>,
}

/// An entry as stored.
#[derive(Debug, Clone, PartialEq, serde::Serialize, sqlx::FromRow, schemars::JsonSchema)]
pub struct Entry {
    pub audit_entry_id: i64,
    pub at: DateTime<Utc>,
    pub actor: String,
    pub entity: String,
    pub entity_id: String,
    pub action: String,
    pub before: Option<String>,
    pub after: Option<String>,
    pub reason: Option<String>,
    pub prev_hash: String,
    pub hash: String,
}

/// JSON with object keys sorted at every level, no insignificant whitespace.
#[must_use]
pub fn canonical(v: &Value) -> String {
    fn sorted(v: &Value) -> Value {
        match v {
            Value::Object(m) => {
                let mut keys: Vec<&String> = m.keys().collect();
                keys.sort();
                Value::Object(
                    keys.into_iter()
                        .map(|k| (k.clone(), sorted(&m[k])))
                        .collect(),
                )
            }
            Value::Array(a) => Value::Array(a.iter().map(sorted).collect()),
            other => other.clone(),
        }
    }
    sorted(v).to_string()
}

fn time_text(at: &DateTime<Utc>) -> String {
    at.format("%Y-%m-%dT%H:%M:%S%.6fZ").to_string()
}

/// The hashed content of an entry.
#[derive(Debug, Clone, Copy)]
pub struct Content<'a> {
    pub at: &'a DateTime<Utc>,
    pub actor: &'a str,
    pub entity: &'a str,
    pub entity_id: &'a str,
    pub action: &'a str,
    pub before: Option<&'a str>,
    pub after: Option<&'a str>,
    pub reason: Option<&'a str>,
}

/// The hash of an entry given its predecessor's hash.
#[must_use]
pub fn entry_hash(prev_hash: &str, c: &Content<'_>) -> String {
    let parse = |s: Option<&str>| {
        s.map_or(Value::Null, |t| {
            serde_json::from_str(t).unwrap_or_else(|_| Value::String(t.to_owned()))
        })
    };
    let body = serde_json::json!({
        "action": c.action,
        "actor": c.actor,
        "after": parse(c.after),
        "at": time_text(c.at),
        "before": parse(c.before),
        "entity": c.entity,
        "entity_id": c.entity_id,
        "reason": c.reason,
    });
    let mut h = Sha256::new();
    h.update(prev_hash.as_bytes());
    h.update(b"\n");
    h.update(canonical(&body).as_bytes());
    hex::encode(h.finalize())
}

/// Appends an entry inside the caller's transaction.
pub async fn append(tx: &mut Tx, actor: &str, change: Change<'_>) -> Result<(), StoreError> {
    if let Tx::Postgres(c) = tx {
        sqlx::query("SELECT pg_advisory_xact_lock($1)")
            .bind(PG_AUDIT_LOCK)
            .execute(&mut **c)
            .await?;
    }
    let prev: Option<String> = on_tx!(tx, c => sqlx::query_scalar("SELECT hash FROM audit_entry ORDER BY audit_entry_id DESC LIMIT 1").fetch_optional(&mut **c).await)?;
    let prev = prev.unwrap_or_else(|| GENESIS.to_owned());
    // Microseconds: what both backends store exactly, so the hash can be recomputed.
    let at = Utc::now().trunc_subsecs(6);
    let before = change.before.as_ref().map(canonical);
    let after = change.after.as_ref().map(canonical);
    let hash = entry_hash(
        &prev,
        &Content {
            at: &at,
            actor,
            entity: change.entity,
            entity_id: &change.entity_id,
            action: change.action,
            before: before.as_deref(),
            after: after.as_deref(),
            reason: change.reason.as_deref(),
        },
    );
    on_tx!(tx, c => sqlx::query("INSERT INTO audit_entry (at, actor, entity, entity_id, action, before, after, reason, prev_hash, hash) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)")
        .bind(at)
        .bind(actor)
        .bind(change.entity)
        .bind(&change.entity_id)
        .bind(change.action)
        .bind(&before)
        .bind(&after)
        .bind(&change.reason)
        .bind(&prev)
        .bind(&hash)
        .execute(&mut **c)
        .await.map(|_| ()))?;
    Ok(())
}

/// Result of walking the chain.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, schemars::JsonSchema)]
pub struct Verification {
    pub entries: u64,
    /// The first entry whose hash or link does not hold, and why.
    pub first_broken: Option<(i64, String)>,
}

/// Walks the whole chain in order, in pages, recomputing every hash.
pub async fn verify(store: &Store) -> Result<Verification, StoreError> {
    let mut prev = GENESIS.to_owned();
    let mut last_id = 0i64;
    let mut entries = 0u64;
    loop {
        let page: Vec<Entry> = on_db!(store, db => sqlx::query_as::<_, Entry>("SELECT * FROM audit_entry WHERE audit_entry_id > $1 ORDER BY audit_entry_id LIMIT 1000").bind(last_id).fetch_all(db).await)?;
        if page.is_empty() {
            return Ok(Verification {
                entries,
                first_broken: None,
            });
        }
        for e in page {
            entries += 1;
            if e.prev_hash != prev {
                return Ok(Verification {
                    entries,
                    first_broken: Some((
                        e.audit_entry_id,
                        "does not link to the entry before it (an entry was removed or inserted)"
                            .into(),
                    )),
                });
            }
            let h = entry_hash(
                &e.prev_hash,
                &Content {
                    at: &e.at,
                    actor: &e.actor,
                    entity: &e.entity,
                    entity_id: &e.entity_id,
                    action: &e.action,
                    before: e.before.as_deref(),
                    after: e.after.as_deref(),
                    reason: e.reason.as_deref(),
                },
            );
            if h != e.hash {
                return Ok(Verification {
                    entries,
                    first_broken: Some((
                        e.audit_entry_id,
                        "its content does not match its hash (the entry was changed)".into(),
                    )),
                });
            }
            prev = e.hash;
            last_id = e.audit_entry_id;
        }
    }
}

/// Filters of the audit page and API.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    pub entity: Option<String>,
    pub entity_id: Option<String>,
    pub actor: Option<String>,
    pub from: Option<DateTime<Utc>>,
    pub to: Option<DateTime<Utc>>,
    /// Entries older than this id (paging backwards).
    pub before_id: Option<i64>,
    pub limit: i64,
}

/// Newest first. The SQL names only the filters given, so each query runs on an index
/// (entity and id, or actor and time) even with millions of entries.
pub async fn list(store: &Store, f: &Filter) -> Result<Vec<Entry>, StoreError> {
    Ok(on_db!(store, db => {
        let mut qb = sqlx::QueryBuilder::new("SELECT * FROM audit_entry WHERE 1 = 1");
        if let Some(e) = &f.entity {
            qb.push(" AND entity = ").push_bind(e.clone());
        }
        if let Some(id) = &f.entity_id {
            qb.push(" AND entity_id = ").push_bind(id.clone());
        }
        if let Some(a) = &f.actor {
            qb.push(" AND actor = ").push_bind(a.clone());
        }
        if let Some(from) = f.from {
            qb.push(" AND at >= ").push_bind(from);
        }
        if let Some(to) = f.to {
            qb.push(" AND at < ").push_bind(to);
        }
        if let Some(before) = f.before_id {
            qb.push(" AND audit_entry_id < ").push_bind(before);
        }
        qb.push(" ORDER BY audit_entry_id DESC LIMIT ")
            .push_bind(f.limit.clamp(1, 1000));
        qb.build_query_as::<Entry>().fetch_all(db).await
    })?)
}
