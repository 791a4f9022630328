//! `/audit`: the audit trail, newest first, filtered by record, person and dates; "older"
//! pages go on from the last entry shown (`before_id`), which stays fast however long the
//! trail grows.

use askama::Template;
use axum::extract::{Query, State};
use axum::response::Response;
use chrono::{NaiveDate, TimeZone, Utc};
use serde::Deserialize;

use super::i18n::vietnam;
use super::page::{Ctx, Errors, PageError, query, render};
use super::views::{HistoryRow, parse_day};
use crate::http::AppState;
use crate::http::session::Permission;
use crate::store::audit::{self, Filter};

/// Entries per page.
const PER_PAGE: usize = 50;

/// The kinds of records the trail names.
const ENTITIES: [&str; 5] = [
    "instrument",
    "organisation",
    "measurement_standard",
    "app_user",
    "bridge",
];

#[derive(Debug, Default, Deserialize)]
pub struct AuditQuery {
    #[serde(default)]
    entity: String,
    #[serde(default)]
    entity_id: String,
    #[serde(default)]
    user: String,
    #[serde(default)]
    from: String,
    #[serde(default)]
    to: String,
    #[serde(default)]
    before_id: String,
}

#[derive(Template)]
#[template(path = "audit.html")]
struct AuditPage<'a> {
    c: &'a Ctx,
    q: &'a AuditQuery,
    entities: Vec<(String, String)>,
    rows: Vec<HistoryRow>,
    errors: Errors,
    older: Option<String>,
    newest: Option<String>,
}

/// The start of a Vietnamese calendar day, in UTC.
fn day_start(d: NaiveDate) -> Option<chrono::DateTime<Utc>> {
    vietnam()
        .from_local_datetime(&d.and_hms_opt(0, 0, 0)?)
        .single()
        .map(|t| t.with_timezone(&Utc))
}

/// `GET /audit`.
pub async fn list(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<AuditQuery>,
) -> Result<Response, PageError> {
    ctx.require(Permission::ReadAudit)?;
    let (lang, t) = (ctx.lang, ctx.t);
    let mut errors = Errors::default();
    let mut day = |field: &str, text: &str| {
        parse_day(text).unwrap_or_else(|()| {
            errors.add(field, t.err_date);
            None
        })
    };
    let from = day("from", &q.from).and_then(day_start);
    // "To" includes the whole day.
    let to = day("to", &q.to)
        .and_then(|d| d.succ_opt())
        .and_then(day_start);
    let nonempty = |s: &str| Some(s.trim().to_owned()).filter(|v| !v.is_empty());
    // People are recorded as `user:<name>`; devices and the system have their own prefixes.
    let actor = nonempty(&q.user).map(|u| {
        if u.contains(':') {
            u
        } else {
            format!("user:{u}")
        }
    });
    let filter = Filter {
        entity: nonempty(&q.entity),
        entity_id: nonempty(&q.entity_id),
        actor,
        from,
        to,
        before_id: q.before_id.trim().parse().ok(),
        limit: i64::try_from(PER_PAGE + 1).unwrap_or(100),
    };
    let mut entries = audit::list(&state.store, &filter).await?;
    let more = entries.len() > PER_PAGE;
    entries.truncate(PER_PAGE);
    let base = query(&[
        ("entity", q.entity.trim()),
        ("entity_id", q.entity_id.trim()),
        ("user", q.user.trim()),
        ("from", q.from.trim()),
        ("to", q.to.trim()),
    ]);
    let link = |extra: Option<i64>| {
        let mut s = String::from("/audit");
        let mut parts: Vec<String> = Vec::new();
        if !base.is_empty() {
            parts.push(base.clone());
        }
        if let Some(id) = extra {
            parts.push(format!("before_id={id}"));
        }
        if !parts.is_empty() {
            s.push('?');
            s.push_str(&parts.join("&"));
        }
        s
    };
    let older = if more {
        entries.last().map(|e| link(Some(e.audit_entry_id)))
    } else {
        None
    };
    let newest = filter.before_id.map(|_| link(None));
    let mut entities = vec![(String::new(), t.any_record_type.to_owned())];
    entities.extend(
        ENTITIES
            .iter()
            .map(|e| ((*e).to_owned(), t.entity(e).to_owned())),
    );
    render(&AuditPage {
        c: &ctx,
        q: &q,
        entities,
        rows: entries.iter().map(|e| HistoryRow::of(lang, e)).collect(),
        errors,
        older,
        newest,
    })
}
