//! `/organisations`: owners of instruments and customers of the lab, searched by name (with
//! or without diacritics) or tax code; each with its instruments.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use serde::Deserialize;
use uuid::Uuid;

use super::i18n::today;
use super::page::{Ctx, PageError, query, render};
use super::views::{self, Badge, HistoryRow, Pager};
use crate::http::AppState;
use crate::http::session::Permission;
use crate::store::registry::{InstrumentQuery, Organisation, PageRequest};

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

#[derive(Template)]
#[template(path = "organisations.html")]
struct ListPage<'a> {
    c: &'a Ctx,
    q: &'a ListQuery,
    rows: Vec<Organisation>,
    pager: Pager,
}

/// `GET /organisations`.
pub async fn list(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<ListQuery>,
) -> Result<Response, PageError> {
    ctx.require(Permission::Read)?;
    let page = q.page.trim().parse::<i64>().unwrap_or(1).max(1);
    let found = state
        .store
        .list_organisations(
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
        pager: Pager::new(ctx.t, "/organisations", &base, page, found.has_more),
        rows: found.items,
        q: &q,
    })
}

#[derive(Debug)]
struct InstrumentRow {
    id: String,
    serial: String,
    category: String,
    due: String,
    badge: Badge,
}

#[derive(Template)]
#[template(path = "organisation.html")]
struct ShowPage<'a> {
    c: &'a Ctx,
    o: Organisation,
    instruments: Vec<InstrumentRow>,
    more: bool,
    history: Vec<HistoryRow>,
}

/// `GET /organisations/{id}`.
pub async fn show(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    ctx.require(Permission::Read)?;
    let (lang, t) = (ctx.lang, ctx.t);
    let id = Uuid::parse_str(&id).map_err(|_| PageError::NotFound)?;
    let o = state
        .store
        .organisation(id)
        .await?
        .ok_or(PageError::NotFound)?;
    let found = state
        .store
        .search_instruments(&InstrumentQuery {
            owner_id: Some(id),
            page: PageRequest {
                page: 1,
                per_page: 50,
            },
            ..InstrumentQuery::default()
        })
        .await?;
    let day = today();
    let instruments = found
        .items
        .into_iter()
        .map(|i| InstrumentRow {
            id: i.instrument_id.to_string(),
            category: views::category_name(lang, &i.category),
            due: i.next_due_on.map(|d| lang.date(d)).unwrap_or_default(),
            badge: views::due_badge(t, i.next_due_on, day),
            serial: i.serial,
        })
        .collect();
    let history = state
        .store
        .history("organisation", &id.to_string())
        .await?
        .iter()
        .rev()
        .map(|e| HistoryRow::of(lang, e))
        .collect();
    render(&ShowPage {
        c: &ctx,
        o,
        instruments,
        more: found.has_more,
        history,
    })
}
