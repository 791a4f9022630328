//! `/standards`: the lab's measurement standards, their status today, calibrations,
//! intermediate checks and traceability chain (ISO/IEC 17025 6.4, 6.5).

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use serde::Deserialize;
use uuid::Uuid;

use super::i18n::{Lang, today};
use super::page::{Ctx, PageError, query, render};
use super::views::{self, Badge, HistoryRow, Pager};
use crate::http::AppState;
use crate::http::session::Permission;
use crate::store::registry::PageRequest;
use crate::store::standards::{CalibrationValue, MeasurementStandard};

const PER_PAGE: i64 = 50;

#[derive(Debug, Default, Deserialize)]
pub struct ListQuery {
    #[serde(default)]
    q: String,
    #[serde(default)]
    include_retired: String,
    #[serde(default)]
    page: String,
}

#[derive(Debug)]
struct Row {
    id: String,
    code: String,
    name: String,
    level: String,
    badge: Badge,
    due: String,
    certificate_no: String,
}

impl Row {
    fn of(lang: Lang, s: MeasurementStandard) -> Self {
        let t = lang.text();
        Self {
            id: s.measurement_standard_id.to_string(),
            level: t.level(&s.level).to_owned(),
            badge: views::standard_badge(t, s.status(today())),
            due: s.due_on.map_or_else(|| "—".into(), |d| lang.date(d)),
            certificate_no: s.certificate_no.clone().unwrap_or_else(|| "—".into()),
            code: s.code,
            name: s.name,
        }
    }
}

#[derive(Template)]
#[template(path = "standards.html")]
struct ListPage<'a> {
    c: &'a Ctx,
    q: &'a ListQuery,
    rows: Vec<Row>,
    pager: Pager,
}

/// `GET /standards`.
pub async fn list(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<ListQuery>,
) -> Result<Response, PageError> {
    ctx.require(Permission::Read)?;
    let page = q.page.trim().parse::<i64>().unwrap_or(1).max(1);
    let found = state
        .store
        .list_standards(
            Some(q.q.as_str()),
            !q.include_retired.is_empty(),
            PageRequest {
                page,
                per_page: PER_PAGE,
            },
        )
        .await?;
    let base = query(&[("q", q.q.trim()), ("include_retired", &q.include_retired)]);
    render(&ListPage {
        c: &ctx,
        pager: Pager::new(ctx.t, "/standards", &base, page, found.has_more),
        rows: found
            .items
            .into_iter()
            .map(|s| Row::of(ctx.lang, s))
            .collect(),
        q: &q,
    })
}

#[derive(Debug)]
struct CalibrationRow {
    certificate_no: String,
    issuer: String,
    accreditation: String,
    calibrated_on: String,
    due_on: String,
    badge: Badge,
    values: Vec<CalibrationValue>,
}

#[derive(Debug)]
struct CheckRow {
    checked_on: String,
    badge: Badge,
    notes: String,
    checked_by: String,
}

#[derive(Debug)]
struct ChainLink {
    id: String,
    code: String,
    name: String,
    level: String,
    badge: Badge,
    current: bool,
}

#[derive(Template)]
#[template(path = "standard.html")]
struct ShowPage<'a> {
    c: &'a Ctx,
    s: MeasurementStandard,
    level: String,
    badge: Badge,
    facts: Vec<(&'static str, String)>,
    latest: Option<CalibrationRow>,
    calibrations: Vec<CalibrationRow>,
    checks: Vec<CheckRow>,
    chain: Vec<ChainLink>,
    /// Where the top of the chain gets its values (a laboratory or a national standard).
    traced_to: String,
    history: Vec<HistoryRow>,
}

/// `GET /standards/{id}`.
pub async fn show(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    ctx.require(Permission::Read)?;
    let (lang, t) = (ctx.lang, ctx.t);
    let id = Uuid::parse_str(&id).map_err(|_| PageError::NotFound)?;
    let s = state.store.standard(id).await?.ok_or(PageError::NotFound)?;
    let day = today();
    let mut calibrations: Vec<CalibrationRow> = state
        .store
        .calibrations(id)
        .await?
        .into_iter()
        .map(|c| CalibrationRow {
            certificate_no: c.certificate_no,
            issuer: c.issuer,
            accreditation: c.issuer_accreditation.unwrap_or_default(),
            calibrated_on: lang.date(c.calibrated_on),
            due_on: lang.date(c.due_on),
            badge: views::pass_badge(t, c.in_tolerance),
            values: serde_json::from_str(&c.results).unwrap_or_default(),
        })
        .collect();
    let latest = (!calibrations.is_empty()).then(|| calibrations.remove(0));
    let checks = state
        .store
        .checks(id)
        .await?
        .into_iter()
        .map(|k| CheckRow {
            checked_on: lang.date(k.checked_on),
            badge: views::pass_badge(t, k.passed),
            notes: k.notes,
            checked_by: k
                .checked_by
                .strip_prefix("user:")
                .unwrap_or(&k.checked_by)
                .to_owned(),
        })
        .collect();
    let chain_standards = state.store.traceability_chain(id).await?;
    let traced_to = chain_standards
        .last()
        .and_then(|top| top.traceability.clone())
        .unwrap_or_default();
    let chain = chain_standards
        .into_iter()
        .map(|x| ChainLink {
            current: x.measurement_standard_id == id,
            id: x.measurement_standard_id.to_string(),
            level: t.level(&x.level).to_owned(),
            badge: views::standard_badge(t, x.status(day)),
            code: x.code,
            name: x.name,
        })
        .collect();
    let history = state
        .store
        .history("measurement_standard", &id.to_string())
        .await?
        .iter()
        .rev()
        .map(|e| HistoryRow::of(lang, e))
        .collect();
    let dash = |v: &Option<String>| {
        v.clone()
            .filter(|s| !s.is_empty())
            .unwrap_or_else(|| "—".into())
    };
    let facts = vec![
        (t.maker, dash(&s.maker)),
        (t.model, dash(&s.model)),
        (t.serial, dash(&s.serial)),
        (t.measuring_range, dash(&s.measuring_range)),
        (t.updated_at, lang.datetime(s.updated_at)),
    ];
    render(&ShowPage {
        c: &ctx,
        level: t.level(&s.level).to_owned(),
        badge: views::standard_badge(t, s.status(day)),
        facts,
        latest,
        calibrations,
        checks,
        chain,
        traced_to,
        history,
        s,
    })
}
