//! Devices on bridges and their readings: lists, the latest readings, one reading with its raw
//! bytes, and the live stream (Server-Sent Events) bench pages follow.
//!
//! The stream first replays the device's latest stored reading (so a page shows a value at
//! once), then forwards readings as ingest stores them. A slow client that falls behind the
//! broadcast buffer is told how many readings it missed (`event: lagged`) rather than being
//! silently cut off; keep-alive comments every 15 s hold proxies open.

use std::convert::Infallible;
use std::time::Duration;

use axum::Json;
use axum::Router;
use axum::extract::{Path, State};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::routing::get;
use serde::{Deserialize, Serialize};
use tokio_stream::StreamExt as _;
use tokio_stream::wrappers::BroadcastStream;
use tokio_stream::wrappers::errors::BroadcastStreamRecvError;

use super::registry::parse_id;
use super::session::{Caller, Permission};
use super::{AppError, AppState, LiveReading, Q};
use crate::store::devices::Device;
use crate::store::readings::StoredReading;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/devices", get(list_devices))
        .route("/api/v1/devices/{id}", get(get_device))
        .route("/api/v1/devices/{id}/readings", get(device_readings))
        .route("/api/v1/devices/{id}/readings/stream", get(stream_readings))
        .route("/api/v1/readings/{id}", get(get_reading))
}

/// A device with whether it is online now.
#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct DeviceView {
    #[serde(flatten)]
    pub device: Device,
    pub online: bool,
}

impl From<Device> for DeviceView {
    fn from(device: Device) -> Self {
        Self {
            online: device.online(chrono::Utc::now()),
            device,
        }
    }
}

async fn list_devices(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<Vec<DeviceView>>, AppError> {
    caller.require(Permission::Read)?;
    Ok(Json(
        state
            .store
            .list_devices()
            .await
            .map_err(AppError::store)?
            .into_iter()
            .map(DeviceView::from)
            .collect(),
    ))
}

async fn known_device(state: &AppState, id: &str) -> Result<Device, AppError> {
    state
        .store
        .device(id)
        .await
        .map_err(AppError::store)?
        .ok_or_else(|| AppError::NotFound(format!("device `{id}` (no reading from it yet)")))
}

async fn get_device(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<DeviceView>, AppError> {
    caller.require(Permission::Read)?;
    Ok(Json(known_device(&state, &id).await?.into()))
}

#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct ReadingParams {
    limit: Option<i64>,
}

async fn device_readings(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    Q(params): Q<ReadingParams>,
) -> Result<Json<Vec<StoredReading>>, AppError> {
    caller.require(Permission::Read)?;
    known_device(&state, &id).await?;
    Ok(Json(
        state
            .store
            .latest_readings(&id, params.limit.unwrap_or(50))
            .await
            .map_err(AppError::store)?,
    ))
}

async fn get_reading(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<StoredReading>, AppError> {
    caller.require(Permission::Read)?;
    let id = parse_id("reading", &id)?;
    state
        .store
        .reading(id)
        .await
        .map_err(AppError::store)?
        .map(Json)
        .ok_or_else(|| AppError::NotFound(format!("reading {id}")))
}

fn reading_event(r: &LiveReading) -> Event {
    Event::default()
        .event("reading")
        .id(r.reading_id.to_string())
        .json_data(r)
        .unwrap_or_else(|_| {
            Event::default()
                .event("error")
                .data("unserialisable reading")
        })
}

async fn stream_readings(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Sse<impl tokio_stream::Stream<Item = Result<Event, Infallible>>>, AppError> {
    caller.require(Permission::Read)?;
    let device = known_device(&state, &id).await?;
    // Subscribe before reading the latest value so nothing falls between the two.
    let rx = state.live.subscribe();
    let latest = state
        .store
        .latest_readings(&id, 1)
        .await
        .map_err(AppError::store)?
        .into_iter()
        .next()
        .map(|r| LiveReading {
            reading_id: r.reading_id,
            bridge_id: r.bridge_id,
            device_id: r.device_id,
            channel: r.channel,
            value: r.value_text,
            number: r.value,
            unit: r.unit,
            stable: r.stable,
            captured_at: r.captured_at,
        });
    let first = tokio_stream::iter(latest.map(|r| Ok(reading_event(&r))));
    let device_id = device.device_id;
    let live = BroadcastStream::new(rx).filter_map(move |item| match item {
        Ok(r) if r.device_id == device_id => Some(Ok(reading_event(&r))),
        Ok(_) => None,
        Err(BroadcastStreamRecvError::Lagged(n)) => {
            Some(Ok(Event::default().event("lagged").data(n.to_string())))
        }
    });
    Ok(Sse::new(first.chain(live)).keep_alive(KeepAlive::new().interval(Duration::from_secs(15))))
}
