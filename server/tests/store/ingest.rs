//! `POST /api/v1/readings` through the router, on both backends: token checks, idempotency,
//! partial bad batches naming each bad item.

use axum::body::Body;
use axum::http::{Request, StatusCode};
use calibration_profiles::wire::v1::{BatchAck, Raw, Reading, ReadingBatch};
use http_body_util::BodyExt;
use server::http::{AppState, router};
use server::store::Store;
use tower::ServiceExt;

use crate::on_both;

async fn post(s: &Store, token: Option<&str>, body: String) -> (StatusCode, serde_json::Value) {
    let mut req = Request::post("/api/v1/readings").header("content-type", "application/json");
    if let Some(t) = token {
        req = req.header("authorization", format!("Bearer {t}"));
    }
    let resp = router(AppState::new(s.clone()))
        .oneshot(req.body(Body::from(body)).unwrap())
        .await
        .unwrap();
    let status = resp.status();
    let bytes = resp.into_body().collect().await.unwrap().to_bytes();
    (
        status,
        serde_json::from_slice(&bytes).unwrap_or(serde_json::Value::Null),
    )
}

fn batch(bridge: &str, n: usize) -> ReadingBatch {
    ReadingBatch {
        bridge_id: bridge.into(),
        readings: (0..n)
            .map(|i| Reading {
                reading_id: uuid::Uuid::now_v7(),
                device_id: "balance-1".into(),
                channel: "mass".into(),
                value: format!("{i}.5"),
                unit: "g".into(),
                stable: true,
                raw: Raw::Text(format!("S S   {i}.5 g")),
                captured_at: chrono::Utc::now(),
            })
            .collect(),
    }
}

async fn ingest_is_idempotent_and_names_bad_items(s: &Store) {
    let token = s
        .create_device_token("console", "bench-1", "")
        .await
        .unwrap();
    let mut b = batch("bench-1", 5);
    b.readings[3].unit = "gr".into();
    b.readings[4].value = "NaN".into();
    let body = serde_json::to_string(&b).unwrap();
    let (status, v) = post(s, Some(&token), body.clone()).await;
    assert_eq!(status, StatusCode::OK, "{v}");
    let ack: BatchAck = serde_json::from_value(v).unwrap();
    assert_eq!(
        (ack.accepted, ack.duplicates, ack.rejected.len()),
        (3, 0, 2)
    );
    assert_eq!(ack.rejected[0].index, 3);
    assert!(
        ack.rejected[0].problems[0].starts_with("unit:"),
        "{:?}",
        ack.rejected
    );
    assert!(ack.rejected[1].problems[0].starts_with("value:"));
    // The same batch again: stored once.
    let (_, v) = post(s, Some(&token), body).await;
    let ack: BatchAck = serde_json::from_value(v).unwrap();
    assert_eq!((ack.accepted, ack.duplicates), (0, 3));
    assert_eq!(s.count_readings().await.unwrap(), 3);
}
on_both!(ingest_idempotent, ingest_is_idempotent_and_names_bad_items);

async fn ingest_refuses_missing_wrong_and_foreign_tokens(s: &Store) {
    let token = s
        .create_device_token("console", "bench-1", "")
        .await
        .unwrap();
    let body = serde_json::to_string(&batch("bench-1", 1)).unwrap();
    let (status, v) = post(s, None, body.clone()).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(v["error"]["code"], "unauthorized");
    assert_eq!(
        post(s, Some("tdc_forged"), body).await.0,
        StatusCode::UNAUTHORIZED
    );
    let foreign = serde_json::to_string(&batch("bench-2", 1)).unwrap();
    let (status, v) = post(s, Some(&token), foreign).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(v["error"]["message"].as_str().unwrap().contains("bench-1"));
    let (status, v) = post(s, Some(&token), "{\"bridge_id\": 3}".into()).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(v["error"]["field"], "bridge_id");
    assert_eq!(s.count_readings().await.unwrap(), 0);
}
on_both!(
    ingest_tokens,
    ingest_refuses_missing_wrong_and_foreign_tokens
);
