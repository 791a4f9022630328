//! `/devices`: the instruments bridges read, whether they are heard from, and one device's
//! reading live (Server-Sent Events from `/api/v1/devices/{id}/readings/stream`, drawn by
//! `static/live.js`) above its latest stored readings.

use askama::Template;
use axum::extract::{Path, State};
use axum::response::Response;

use super::page::{Ctx, PageError, render};
use super::views::{self, Badge};
use crate::http::AppState;
use crate::http::session::Permission;

/// Stored readings shown under the live value.
const LATEST: i64 = 20;

#[derive(Debug)]
struct Row {
    id: String,
    bridge: String,
    unit: String,
    first_seen: String,
    last_seen: String,
    badge: Badge,
}

#[derive(Template)]
#[template(path = "devices.html")]
struct ListPage<'a> {
    c: &'a Ctx,
    rows: Vec<Row>,
}

/// `GET /devices`.
pub async fn list(State(state): State<AppState>, ctx: Ctx) -> Result<Response, PageError> {
    ctx.require(Permission::Read)?;
    let (lang, t) = (ctx.lang, ctx.t);
    let now = chrono::Utc::now();
    let rows = state
        .store
        .list_devices()
        .await?
        .into_iter()
        .map(|d| Row {
            badge: views::online_badge(t, d.online(now)),
            first_seen: lang.datetime(d.first_seen_at),
            last_seen: lang.datetime(d.last_seen_at),
            id: d.device_id,
            bridge: d.bridge_id,
            unit: d.last_unit,
        })
        .collect();
    render(&ListPage { c: &ctx, rows })
}

#[derive(Debug)]
struct ReadingRow {
    id: String,
    captured_at: String,
    channel: String,
    value: String,
    unit: String,
    badge: Badge,
}

#[derive(Template)]
#[template(path = "device.html")]
struct ShowPage<'a> {
    c: &'a Ctx,
    d: Row,
    stream: String,
    readings: Vec<ReadingRow>,
}

/// `GET /devices/{id}`.
pub async fn show(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    ctx.require(Permission::Read)?;
    let (lang, t) = (ctx.lang, ctx.t);
    let d = state.store.device(&id).await?.ok_or(PageError::NotFound)?;
    let readings = state
        .store
        .latest_readings(&id, LATEST)
        .await?
        .into_iter()
        .map(|r| ReadingRow {
            id: r.reading_id.to_string(),
            captured_at: lang.datetime_seconds(r.captured_at),
            badge: stable_badge(t, r.stable),
            channel: r.channel,
            value: r.value_text,
            unit: r.unit,
        })
        .collect();
    let stream = format!(
        "/api/v1/devices/{}/readings/stream",
        super::page::encode(&d.device_id)
    );
    let row = Row {
        badge: views::online_badge(t, d.online(chrono::Utc::now())),
        first_seen: lang.datetime(d.first_seen_at),
        last_seen: lang.datetime(d.last_seen_at),
        id: d.device_id,
        bridge: d.bridge_id,
        unit: d.last_unit,
    };
    render(&ShowPage {
        c: &ctx,
        d: row,
        stream,
        readings,
    })
}

fn stable_badge(t: &super::i18n::Text, stable: bool) -> Badge {
    if stable {
        Badge {
            class: "badge-ok",
            icon: "✔",
            label: t.stable,
        }
    } else {
        Badge {
            class: "badge-warn",
            icon: "∼",
            label: t.unstable,
        }
    }
}
