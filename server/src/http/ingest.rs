//! `POST /api/v1/readings`: batches from bridges (`wire::v1`), authenticated by the bearer
//! device token, stored once per reading id. Bad items are named one by one and refused; the
//! good ones of the same batch are stored.

use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::HeaderMap;
use calibration_profiles::problems::{Problems, from_json};
use calibration_profiles::wire::v1::{BatchAck, MAX_BATCH, ReadingBatch, Rejected};

use super::{AppError, AppState};

fn bearer(headers: &HeaderMap) -> Option<&str> {
    headers
        .get(axum::http::header::AUTHORIZATION)?
        .to_str()
        .ok()?
        .strip_prefix("Bearer ")
        .map(str::trim)
}

pub async fn post_readings(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Json<BatchAck>, AppError> {
    let token = bearer(&headers).ok_or(AppError::Unauthorized(
        "a device token is required (Authorization: Bearer …)",
    ))?;
    let bridge = state
        .store
        .bridge_for_token(token)
        .await
        .map_err(AppError::store)?
        .ok_or(AppError::Unauthorized(
            "the device token is unknown or revoked",
        ))?;
    let text = std::str::from_utf8(&body).map_err(|_| {
        let mut p = Problems::default();
        p.at("", "the body is not UTF-8 text");
        AppError::Malformed(p)
    })?;
    let batch: ReadingBatch = from_json(text).map_err(AppError::Malformed)?;
    if batch.bridge_id != bridge {
        return Err(AppError::Forbidden(format!(
            "this token belongs to bridge `{bridge}`, not `{}`",
            batch.bridge_id
        )));
    }
    if batch.readings.len() > MAX_BATCH {
        return Err(AppError::TooLarge(format!(
            "at most {MAX_BATCH} readings per batch, got {}",
            batch.readings.len()
        )));
    }
    let mut valid = Vec::with_capacity(batch.readings.len());
    let mut rejected = Vec::new();
    for (index, r) in batch.readings.into_iter().enumerate() {
        match r.validate() {
            Ok(v) => valid.push((r, v)),
            Err(p) => rejected.push(Rejected {
                index,
                reading_id: Some(r.reading_id),
                problems: p.iter().map(ToString::to_string).collect(),
            }),
        }
    }
    let inserted = state
        .store
        .insert_readings(&bridge, &valid)
        .await
        .map_err(AppError::store)?;
    let accepted = usize::try_from(inserted).unwrap_or(usize::MAX);
    for (r, v) in valid.iter().take(MAX_BATCH) {
        // Live pages only; nobody listening is not an error.
        let _ = state
            .live
            .send(std::sync::Arc::new(super::LiveReading::from_wire(
                &bridge, r, *v,
            )));
    }
    let duplicates = valid.len() - accepted.min(valid.len());
    super::metrics::Metrics::add(&state.metrics.readings_accepted, accepted);
    super::metrics::Metrics::add(&state.metrics.readings_duplicate, duplicates);
    super::metrics::Metrics::add(&state.metrics.readings_rejected, rejected.len());
    Ok(Json(BatchAck {
        accepted,
        duplicates,
        rejected,
    }))
}
