//! `/`: what needs attention today — instruments falling due, standards that are not valid,
//! devices on line, work waiting for the viewer's role (review, signature, correction) and
//! open nonconformities.

use askama::Template;
use axum::extract::State;
use axum::response::Response;

use super::i18n::{fill, today};
use super::page::{Ctx, PageError, render};
use super::views::{self, Badge, DUE_SOON_DAYS, capped_count};
use crate::http::AppState;
use crate::http::session::Permission;

/// Rows of the due list on the dashboard.
const DUE_ROWS: i64 = 15;
/// Runs of one state the dashboard counts (past it: "over 200").
const RUN_CAP: i64 = 200;
/// Rows of the "work waiting for you" list.
const WAITING_ROWS: usize = 10;

#[derive(Debug)]
struct DueRow {
    id: String,
    serial: String,
    category: String,
    owner: String,
    due: String,
    badge: Badge,
}

#[derive(Debug)]
struct StandardRow {
    id: String,
    code: String,
    name: String,
    due: String,
    badge: Badge,
}

#[derive(Debug)]
struct DeviceRow {
    id: String,
    last_seen: String,
    badge: Badge,
}

/// A run waiting for the viewer.
#[derive(Debug)]
struct WaitingRow {
    id: String,
    serial: String,
    category: String,
    customer: String,
    updated: String,
    badge: Badge,
}

/// A count of runs in one state, and where the work list shows them.
#[derive(Debug)]
struct RunTile {
    count: String,
    label: &'static str,
    href: &'static str,
    icon: &'static str,
    class: &'static str,
}

#[derive(Template)]
#[template(path = "dashboard.html")]
struct DashboardPage<'a> {
    c: &'a Ctx,
    greeting: String,
    overdue: String,
    due_soon: String,
    due: Vec<DueRow>,
    standards: Vec<StandardRow>,
    devices: Vec<DeviceRow>,
    online: usize,
    run_tiles: Vec<RunTile>,
    waiting: Vec<WaitingRow>,
    open_nc: String,
}

/// Runs in `state` (at most [`RUN_CAP`]) and whether there are more.
async fn runs_in(
    state: &AppState,
    status: &str,
) -> Result<(Vec<crate::store::bench::Run>, bool), PageError> {
    let page = state
        .store
        .list_runs(&crate::store::bench::RunQuery {
            status: Some(status.to_owned()),
            page: crate::store::registry::PageRequest {
                page: 1,
                per_page: RUN_CAP,
            },
            ..Default::default()
        })
        .await?;
    Ok((page.items, page.has_more))
}

/// The work tiles and the runs waiting for the viewer's role: signature (quality manager),
/// review (reviewers), correction after a return (technicians).
async fn work(state: &AppState, ctx: &Ctx) -> Result<(Vec<RunTile>, Vec<WaitingRow>), PageError> {
    use crate::store::bench::status;
    let (lang, t) = (ctx.lang, ctx.t);
    let count = |n: usize, more: bool| {
        if more {
            fill(t.more_than, lang.count(RUN_CAP))
        } else {
            lang.count(i64::try_from(n).unwrap_or(i64::MAX))
        }
    };
    let mut tiles = Vec::new();
    let mut waiting = Vec::new();
    let wanted = [
        (
            ctx.can_sign(),
            status::APPROVED,
            t.dash_to_sign,
            "/runs?tab=sign",
            "✍",
        ),
        (
            ctx.can_review(),
            status::SUBMITTED,
            t.dash_to_review,
            "/runs?tab=review",
            "◔",
        ),
        (
            ctx.can_bench(),
            status::RETURNED,
            t.run_returned,
            "/runs",
            "↩",
        ),
    ];
    for (allowed, s, label, href, icon) in wanted {
        if !allowed {
            continue;
        }
        let (runs, more) = runs_in(state, s).await?;
        tiles.push(RunTile {
            count: count(runs.len(), more),
            label,
            href,
            icon,
            class: if runs.is_empty() {
                "tile-ok"
            } else {
                "tile-warn"
            },
        });
        waiting.extend(runs);
    }
    waiting.sort_by_key(|r| std::cmp::Reverse(r.updated_at));
    let rows = waiting
        .iter()
        .take(WAITING_ROWS)
        .map(|r| WaitingRow {
            id: r.run_id.to_string(),
            serial: r.serial.clone(),
            category: views::category_name(lang, &r.category),
            customer: r.organisation_name.clone(),
            updated: lang.datetime(r.updated_at),
            badge: super::bench::run_badge(t, &r.status),
        })
        .collect();
    Ok((tiles, rows))
}

/// Open nonconformities (the list puts them first).
async fn open_nonconformities(
    state: &AppState,
    lang: super::i18n::Lang,
) -> Result<String, PageError> {
    let page = state
        .store
        .list_nonconformities(
            None,
            crate::store::registry::PageRequest {
                page: 1,
                per_page: RUN_CAP,
            },
        )
        .await?;
    let open = page.items.iter().filter(|n| n.status == "open").count();
    let all_open = page.items.iter().all(|n| n.status == "open");
    Ok(if page.has_more && all_open {
        fill(lang.text().more_than, lang.count(RUN_CAP))
    } else {
        lang.count(i64::try_from(open).unwrap_or(i64::MAX))
    })
}

/// `GET /`.
pub async fn show(State(state): State<AppState>, ctx: Ctx) -> Result<Response, PageError> {
    let caller = ctx.require(Permission::Read)?;
    let (lang, t) = (ctx.lang, ctx.t);
    let day = today();
    let horizon = day + chrono::Days::new(DUE_SOON_DAYS.unsigned_abs());
    let counts = state.store.due_counts(day, horizon).await?;
    let due = state
        .store
        .instruments_due_between(day, horizon, DUE_ROWS)
        .await?
        .into_iter()
        .map(|i| DueRow {
            id: i.instrument_id.to_string(),
            category: views::category_name(lang, &i.category),
            owner: i.owner_name.unwrap_or_default(),
            due: i.next_due_on.map(|d| lang.date(d)).unwrap_or_default(),
            badge: views::due_badge(t, i.next_due_on, day),
            serial: i.serial,
        })
        .collect();
    let standards = state
        .store
        .standards_needing_attention(day)
        .await?
        .into_iter()
        .map(|(s, status)| StandardRow {
            id: s.measurement_standard_id.to_string(),
            due: s.due_on.map_or_else(|| "—".to_owned(), |d| lang.date(d)),
            badge: views::standard_badge(t, status),
            code: s.code,
            name: s.name,
        })
        .collect();
    let now = chrono::Utc::now();
    let devices: Vec<DeviceRow> = state
        .store
        .list_devices()
        .await?
        .into_iter()
        .map(|d| DeviceRow {
            badge: views::online_badge(t, d.online(now)),
            last_seen: lang.datetime(d.last_seen_at),
            id: d.device_id,
        })
        .collect();
    let online = devices.iter().filter(|d| d.badge.label == t.online).count();
    let (run_tiles, waiting) = work(&state, &ctx).await?;
    let open_nc = open_nonconformities(&state, lang).await?;
    render(&DashboardPage {
        c: &ctx,
        greeting: fill(t.greeting, &caller.user.full_name),
        overdue: capped_count(lang, counts.overdue),
        due_soon: capped_count(lang, counts.due_soon),
        due,
        standards,
        devices,
        online,
        run_tiles,
        waiting,
        open_nc,
    })
}
