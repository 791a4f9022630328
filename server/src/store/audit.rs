//! The tamper-evident audit trail (ISO/IEC 17025 7.5, 7.11, 8.4).
//!
//! Each entry stores who did what to which record, the record before and after, and a reason
//! when one is required. Entries form a hash chain: `hash = SHA-256(prev_hash ‖ "\n" ‖
//! canonical)`, where `canonical` is the entry as JSON with keys sorted at every level and the
//! time at microsecond precision. Changing, inserting or removing any entry breaks the chain
//! from that entry on; [`verify`] names the first broken one.
//!
//! The chain stays linear under concurrent writers without a lock: an entry takes the id after
//! its predecessor's and is inserted only if that predecessor is the database's last entry, so
//! no entry ever gets two successors (see [`append`]). Triggers refuse changing or deleting
//! entries; the hashes catch whoever gets past them.

use chrono::{DateTime, SubsecRound, Utc};
use serde_json::Value;
use sha2::{Digest, Sha256};

use super::{Store, StoreError, Tx};
use crate::{on_db, on_tx};

/// Hash the first entry chains to.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

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
    fn write(v: &Value, out: &mut String) {
        match v {
            Value::Object(m) => {
                let mut entries: Vec<(&String, &Value)> = m.iter().collect();
                entries.sort_unstable_by(|a, b| a.0.cmp(b.0));
                out.push('{');
                for (i, (k, v)) in entries.into_iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    out.push_str(&Value::String(k.clone()).to_string());
                    out.push(':');
                    write(v, out);
                }
                out.push('}');
            }
            Value::Array(a) => {
                out.push('[');
                for (i, v) in a.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    write(v, out);
                }
                out.push(']');
            }
            scalar => out.push_str(&scalar.to_string()),
        }
    }
    let mut out = String::with_capacity(256);
    write(v, &mut out);
    out
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

/// The hash of an entry given its predecessor's hash: SHA-256 over the predecessor's hash, a
/// line feed and the entry as canonical JSON, whose `before` and `after` are the stored
/// canonical JSON texts themselves (so a changed byte anywhere changes the hash).
#[must_use]
pub fn entry_hash(prev_hash: &str, c: &Content<'_>) -> String {
    let text = |s: &str| Value::String(s.to_owned()).to_string();
    let raw = |s: Option<&str>| s.unwrap_or("null").to_owned();
    // Keys in sorted order, as `canonical` would put them.
    let body = format!(
        "{{\"action\":{},\"actor\":{},\"after\":{},\"at\":{},\"before\":{},\"entity\":{},\"entity_id\":{},\"reason\":{}}}",
        text(c.action),
        text(c.actor),
        raw(c.after),
        text(&time_text(c.at)),
        raw(c.before),
        text(c.entity),
        text(c.entity_id),
        c.reason.map_or_else(|| "null".to_owned(), text),
    );
    let mut h = Sha256::new();
    h.update(prev_hash.as_bytes());
    h.update(b"\n");
    h.update(body.as_bytes());
    hex::encode(h.finalize())
}

/// The last entry of the chain: its id and hash.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Head {
    pub id: i64,
    pub hash: String,
}

/// The chain's head as this process last committed or read it, shared by a store's clones.
/// A stale hint (another process appended, or a transaction that used it rolled back) costs one
/// extra read, never a broken chain: [`append`] only inserts an entry whose predecessor is the
/// database's current last entry.
#[derive(Debug, Clone, Default)]
pub struct HeadHint(std::sync::Arc<std::sync::Mutex<Option<Head>>>);

impl HeadHint {
    fn get(&self) -> Option<Head> {
        self.0.lock().map_or(None, |h| h.clone())
    }

    /// Remembers `head` unless a later entry is already remembered.
    pub(crate) fn advance(&self, head: Head) {
        if let Ok(mut h) = self.0.lock()
            && h.as_ref().is_none_or(|old| old.id < head.id)
        {
            *h = Some(head);
        }
    }

    fn forget(&self) {
        if let Ok(mut h) = self.0.lock() {
            *h = None;
        }
    }
}

/// How many times an append re-reads the head when other writers keep moving it.
const APPEND_ATTEMPTS: usize = 16;

/// The entry takes the id after its predecessor's (`$1`) and is inserted only if its
/// predecessor `$10` is the database's last entry (or the chain is empty and `$10` is the
/// genesis hash). Two writers linking to the same entry both want the same id: the primary key
/// lets one in, even when a concurrent PostgreSQL transaction committed after this statement's
/// snapshot was taken. No row inserted means the head moved: re-read it and try again.
const INSERT_LINKED: &str = "INSERT INTO audit_entry (audit_entry_id, at, actor, entity, entity_id, action, before, after, reason, prev_hash, hash) \
     SELECT $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11 \
     WHERE COALESCE((SELECT hash FROM audit_entry ORDER BY audit_entry_id DESC LIMIT 1), $12) = $10 \
     ON CONFLICT (audit_entry_id) DO NOTHING";

/// The advisory lock key writers queue on once they lost a race for the chain's head.
const AUDIT_LOCK_KEY: i64 = 0x7464_635f_6175_6474; // "tdc_audt"

/// After a lost race, waits for the other writers that lost one too (PostgreSQL: a
/// transaction-scoped advisory lock, released at commit). Without it N writers retrying in
/// step need N rounds for the last of them; queued, each needs at most one more, racing only
/// writers that have not met contention yet. Uncontended writes never take the lock. SQLite
/// needs nothing: its write transactions are already one at a time.
async fn queue_behind_other_writers(tx: &mut Tx) -> Result<(), StoreError> {
    if let super::Conn::Postgres(c) = &mut tx.conn {
        sqlx::query("SELECT pg_advisory_xact_lock($1)")
            .bind(AUDIT_LOCK_KEY)
            .execute(&mut **c)
            .await?;
    }
    Ok(())
}

async fn read_head(tx: &mut Tx) -> Result<Option<Head>, StoreError> {
    let row: Option<(i64, String)> = on_tx!(tx, c => sqlx::query_as("SELECT audit_entry_id, hash FROM audit_entry ORDER BY audit_entry_id DESC LIMIT 1").fetch_optional(&mut **c).await)?;
    Ok(row.map(|(id, hash)| Head { id, hash }))
}

/// Appends an entry inside the caller's transaction: one statement when the remembered head is
/// current, which keeps the trail's cost to a small part of the write it records.
pub async fn append(tx: &mut Tx, actor: &str, change: Change<'_>) -> Result<(), StoreError> {
    let before = change.before.as_ref().map(canonical);
    let after = change.after.as_ref().map(canonical);
    let mut head = match &tx.audit_head {
        Some(h) => Some(h.clone()),
        None => tx.head_hint.get(),
    };
    for attempt in 0..APPEND_ATTEMPTS {
        if attempt == 1 {
            queue_behind_other_writers(tx).await?;
        }
        let prev = head
            .as_ref()
            .map_or(GENESIS, |h| h.hash.as_str())
            .to_owned();
        // Microseconds: what both backends store exactly, so the hash can be recomputed.
        let at = Utc::now().trunc_subsecs(6);
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
        let id = head.as_ref().map_or(1, |h| h.id + 1);
        let inserted = on_tx!(tx, c => sqlx::query(INSERT_LINKED)
            .bind(id)
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
            .bind(GENESIS)
            .execute(&mut **c)
            .await
            .map(|r| r.rows_affected()))?;
        if inserted == 1 {
            tx.audit_head = Some(Head { id, hash });
            return Ok(());
        }
        tx.head_hint.forget();
        head = read_head(tx).await?;
    }
    Err(StoreError::State(
        "the audit trail is under heavy concurrent writing; try again".into(),
    ))
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

#[cfg(test)]
mod tests {
    use super::*;

    /// The format as defined in the module's documentation, written the slow, obvious way:
    /// the entry as a JSON value with `before`/`after` as values, keys sorted at every level.
    fn defined_hash(prev: &str, c: &Content<'_>) -> String {
        let value = |s: Option<&str>| s.map_or(Value::Null, |t| serde_json::from_str(t).unwrap());
        let mut fields = serde_json::Map::new();
        fields.insert("reason".into(), serde_json::json!(c.reason));
        fields.insert("entity_id".into(), c.entity_id.into());
        fields.insert("entity".into(), c.entity.into());
        fields.insert("before".into(), value(c.before));
        fields.insert("at".into(), time_text(c.at).into());
        fields.insert("after".into(), value(c.after));
        fields.insert("actor".into(), c.actor.into());
        fields.insert("action".into(), c.action.into());
        let mut keys: Vec<String> = fields.keys().cloned().collect();
        keys.sort();
        assert_eq!(keys[0], "action");
        let mut h = Sha256::new();
        h.update(prev.as_bytes());
        h.update(b"\n");
        h.update(canonical(&Value::Object(fields)).as_bytes());
        hex::encode(h.finalize())
    }

    #[test]
    fn canonical_sorts_keys_at_every_level_and_escapes() {
        let v = serde_json::json!({"z": 1, "a": {"y": [{"b": 2.5, "a": null}], "x": "Đông \"Kinh\"\n"}});
        assert_eq!(
            canonical(&v),
            r#"{"a":{"x":"Đông \"Kinh\"\n","y":[{"a":null,"b":2.5}]},"z":1}"#
        );
    }

    #[test]
    fn the_fast_hash_is_the_defined_one() {
        let at = DateTime::parse_from_rfc3339("2026-11-24T08:15:30.123456Z")
            .unwrap()
            .with_timezone(&Utc);
        let after = canonical(&serde_json::json!({
            "serial": "ABC-01", "owner": {"name": "Chợ Đông Kinh", "id": 7}, "e": 0.01, "tags": ["a", "b"]
        }));
        let before = canonical(&serde_json::json!({"status": "in_use", "note": "tab\tquote\""}));
        for (before, reason) in [
            (None, None),
            (Some(before.as_str()), Some("sửa lỗi \"nhập\"")),
        ] {
            let c = Content {
                at: &at,
                actor: "kỹ thuật viên",
                entity: "instrument",
                entity_id: "0193-…",
                action: "update",
                before,
                after: Some(&after),
                reason,
            };
            assert_eq!(entry_hash(GENESIS, &c), defined_hash(GENESIS, &c));
        }
    }
}
