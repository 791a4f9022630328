//! `/dossiers` and `/samples`: the import dossiers and the laboratory's samples, searchable,
//! with what is overdue. Reading only; registration, results and approvals go through the
//! JSON API (`/api/v1/dossiers`, `/api/v1/samples`) with the same rules.

use askama::Template;
use axum::extract::{Query, State};
use axum::response::Response;
use serde::Deserialize;

use super::i18n::{Lang, today};
use super::page::{Ctx, PageError, query, render};
use super::views::Pager;
use crate::http::AppState;
use crate::http::session::Permission;
use crate::store::dossiers::DossierQuery;
use crate::store::registry::PageRequest;
use crate::store::samples::SampleQuery;

const PER_PAGE: i64 = 25;

#[derive(Debug, Default, Deserialize)]
pub struct ListQuery {
    #[serde(default)]
    q: String,
    #[serde(default)]
    overdue: String,
    #[serde(default)]
    page: String,
}

#[derive(Template)]
#[template(path = "dossiers.html")]
struct DossiersPage<'a> {
    c: &'a Ctx,
    q: &'a ListQuery,
    /// Number, importer, goods, channel, registered, status, next deadline, overdue.
    rows: Vec<([String; 7], bool)>,
    pager: Pager,
}

fn status_word(lang: Lang, status: &str) -> String {
    let (vi, en) = match status {
        "registered" => ("Đã tiếp nhận", "Registered"),
        "confirmed" => ("Đã xác nhận đăng ký", "Registration confirmed"),
        "complete" => ("Đủ hồ sơ", "File complete"),
        "awaiting_testing" => ("Chờ thử nghiệm", "Awaiting testing"),
        "decided" => ("Đã thông báo kết quả", "Result notified"),
        "cancelled" => ("Đã hủy", "Cancelled"),
        "received" => ("Đã nhận mẫu", "Received"),
        "testing" => ("Đang thử nghiệm", "Under test"),
        "submitted" => ("Chờ duyệt", "Awaiting review"),
        "reported" => ("Đã trả kết quả", "Reported"),
        "disposed" => ("Đã hủy mẫu", "Disposed"),
        other => (other, other),
    };
    if lang == Lang::En { en } else { vi }.to_owned()
}

/// `GET /dossiers?q=&overdue=1`.
pub async fn dossiers(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<ListQuery>,
) -> Result<Response, PageError> {
    ctx.require(Permission::Read)?;
    let lang = ctx.lang;
    let page = q.page.trim().parse::<i64>().unwrap_or(1).max(1);
    let day = today();
    let found = state
        .store
        .list_dossiers(&DossierQuery {
            q: Some(q.q.trim().to_owned()).filter(|s| !s.is_empty()),
            overdue_on: (!q.overdue.is_empty()).then_some(day),
            page: PageRequest {
                page,
                per_page: PER_PAGE,
            },
            ..DossierQuery::default()
        })
        .await?;
    let mut rows = Vec::with_capacity(found.items.len());
    for d in &found.items {
        let steps = state
            .store
            .dossier(d.import_dossier_id)
            .await?
            .map(|(_, s)| s)
            .unwrap_or_default();
        let next = steps
            .iter()
            .filter(|s| s.done_on.is_none())
            .filter_map(|s| s.due_on)
            .min();
        let goods: Vec<crate::dossier::GoodsItem> =
            serde_json::from_str(&d.goods).unwrap_or_default();
        let (ch_vi, ch_en) = crate::dossier::channel_names(&d.channel);
        rows.push((
            [
                d.number.clone(),
                format!("{} ({})", d.importer_name, d.importer_tax_code),
                goods
                    .first()
                    .map(|g| format!("{} – HS {}", g.name, g.hs_code))
                    .unwrap_or_default(),
                if lang == Lang::En { ch_en } else { ch_vi }.to_owned(),
                lang.date(d.registered_on),
                status_word(lang, &d.status),
                next.map_or_else(|| "—".into(), |n| lang.date(n)),
            ],
            next.is_some_and(|n| n < day),
        ));
    }
    let base = query(&[("q", q.q.trim()), ("overdue", &q.overdue)]);
    render(&DossiersPage {
        c: &ctx,
        rows,
        pager: Pager::new(ctx.t, "/dossiers", &base, page, found.has_more),
        q: &q,
    })
}

#[derive(Template)]
#[template(path = "samples.html")]
struct SamplesPage<'a> {
    c: &'a Ctx,
    q: &'a ListQuery,
    /// Code, name, type, customer, received, due, location, status; overdue.
    rows: Vec<([String; 8], bool)>,
    pager: Pager,
}

/// `GET /samples?q=&overdue=1`.
pub async fn samples(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<ListQuery>,
) -> Result<Response, PageError> {
    ctx.require(Permission::Read)?;
    let lang = ctx.lang;
    let page = q.page.trim().parse::<i64>().unwrap_or(1).max(1);
    let day = today();
    let found = state
        .store
        .list_samples(&SampleQuery {
            q: Some(q.q.trim().to_owned()).filter(|s| !s.is_empty()),
            overdue_on: (!q.overdue.is_empty()).then_some(day),
            page: PageRequest {
                page,
                per_page: PER_PAGE,
            },
            ..SampleQuery::default()
        })
        .await?;
    let rows = found
        .items
        .iter()
        .map(|s| {
            let (vi, en) = crate::sample::sample_type_names(&s.sample_type);
            let open = matches!(s.status.as_str(), "received" | "testing" | "submitted");
            (
                [
                    s.code.clone(),
                    s.name.clone(),
                    if lang == Lang::En { en } else { vi },
                    s.requester_name.clone(),
                    lang.date(s.received_on),
                    s.due_on.map_or_else(|| "—".into(), |d| lang.date(d)),
                    format!("{} · {}", s.location, s.holder),
                    status_word(lang, &s.status),
                ],
                open && s.due_on.is_some_and(|d| d < day),
            )
        })
        .collect();
    let base = query(&[("q", q.q.trim()), ("overdue", &q.overdue)]);
    render(&SamplesPage {
        c: &ctx,
        rows,
        pager: Pager::new(ctx.t, "/samples", &base, page, found.has_more),
        q: &q,
    })
}
