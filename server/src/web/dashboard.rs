//! `/`: what needs attention today — instruments falling due, standards that are not valid,
//! devices on line.

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
    render(&DashboardPage {
        c: &ctx,
        greeting: fill(t.greeting, &caller.user.full_name),
        overdue: capped_count(lang, counts.overdue),
        due_soon: capped_count(lang, counts.due_soon),
        due,
        standards,
        devices,
        online,
    })
}
