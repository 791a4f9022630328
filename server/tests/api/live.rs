//! Live readings over Server-Sent Events, devices online, and `/metrics`.

use std::time::Duration;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use calibration_profiles::wire::v1::{Raw, Reading, ReadingBatch};
use http_body_util::BodyExt;
use server::http::router;
use server::store::users::Role;
use tower::ServiceExt;

use crate::App;

fn reading(device: &str, value: &str, stable: bool) -> Reading {
    Reading {
        reading_id: uuid::Uuid::now_v7(),
        device_id: device.into(),
        channel: "mass".into(),
        value: value.into(),
        unit: "g".into(),
        stable,
        raw: Raw::Text(format!("S S {value} g")),
        captured_at: chrono::Utc::now(),
    }
}

async fn post_batch(app: &App, token: &str, readings: Vec<Reading>) {
    let body = serde_json::to_string(&ReadingBatch {
        bridge_id: "bench-1".into(),
        readings,
    })
    .unwrap();
    let a = app
        .send(
            Request::post("/api/v1/readings")
                .header("authorization", format!("Bearer {token}"))
                .header("content-type", "application/json")
                .body(Body::from(body))
                .unwrap(),
        )
        .await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.json);
}

/// Reads SSE frames until `n` `event: reading` blocks arrived; returns their data lines.
async fn next_readings(body: &mut Body, n: usize) -> Vec<serde_json::Value> {
    let mut text = String::new();
    let mut out = Vec::new();
    while out.len() < n {
        let frame = tokio::time::timeout(Duration::from_secs(10), body.frame())
            .await
            .expect("an event within 10 s")
            .expect("the stream stays open")
            .unwrap();
        if let Ok(data) = frame.into_data() {
            text.push_str(std::str::from_utf8(&data).unwrap());
        }
        while let Some(end) = text.find("\n\n") {
            let block: String = text.drain(..end + 2).collect();
            if block.contains("event: reading") {
                let data = block
                    .lines()
                    .find_map(|l| l.strip_prefix("data: "))
                    .unwrap();
                out.push(serde_json::from_str(data).unwrap());
            }
        }
    }
    out
}

#[tokio::test]
async fn a_bench_page_sees_the_last_reading_then_each_new_one_of_its_device_only() {
    let app = App::new().await;
    let token = app
        .store()
        .create_device_token("test", "bench-1", "")
        .await
        .unwrap();
    let login = app.login_as(Role::Technician).await;
    let unknown = app
        .get("/api/v1/devices/balance-1/readings/stream", &login)
        .await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND);
    post_batch(&app, &token, vec![reading("balance-1", "99.98", true)]).await;
    let resp = router(app.state.clone())
        .oneshot(
            Request::get("/api/v1/devices/balance-1/readings/stream")
                .header("cookie", &login.cookie)
                .body(Body::empty())
                .unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    assert_eq!(resp.headers()["content-type"], "text/event-stream");
    let mut body = resp.into_body();
    let first = next_readings(&mut body, 1).await;
    assert_eq!(
        first[0]["value"], "99.98",
        "the latest stored reading comes first"
    );
    post_batch(
        &app,
        &token,
        vec![
            reading("thermometer-2", "20.01", true),
            reading("balance-1", "100.02", false),
            reading("balance-1", "100.00", true),
        ],
    )
    .await;
    let live = next_readings(&mut body, 2).await;
    let values: Vec<(&str, bool)> = live
        .iter()
        .map(|r| (r["value"].as_str().unwrap(), r["stable"].as_bool().unwrap()))
        .collect();
    assert_eq!(values, [("100.02", false), ("100.00", true)]);
    assert_eq!(live[1]["number"], 100.0);
    let devices = app.get("/api/v1/devices", &login).await;
    let ids: Vec<(&str, bool)> = devices
        .json
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (
                d["device_id"].as_str().unwrap(),
                d["online"].as_bool().unwrap(),
            )
        })
        .collect();
    assert_eq!(ids, [("balance-1", true), ("thermometer-2", true)]);
    let one = app
        .get(
            &format!(
                "/api/v1/readings/{}",
                live[1]["reading_id"].as_str().unwrap()
            ),
            &login,
        )
        .await;
    assert_eq!(one.json["raw"], "{\"text\":\"S S 100.00 g\"}");
}

#[tokio::test]
async fn metrics_count_readings_and_need_the_token_when_one_is_set() {
    let app = App::new().await;
    let token = app
        .store()
        .create_device_token("test", "bench-1", "")
        .await
        .unwrap();
    post_batch(&app, &token, vec![reading("balance-1", "1.0", true)]).await;
    let m = app
        .send(Request::get("/metrics").body(Body::empty()).unwrap())
        .await;
    assert_eq!(m.status, StatusCode::OK);
    let text = m.json.as_str().unwrap();
    assert!(
        text.contains("tdc_readings_total{outcome=\"accepted\"} 1"),
        "{text}"
    );
    assert!(text.contains("tdc_devices{state=\"online\"} 1"), "{text}");
    assert!(text.contains("tdc_database_up 1"), "{text}");
    assert!(
        text.contains("# TYPE tdc_http_responses_total counter"),
        "{text}"
    );

    let mut cfg = server::config::Config::default();
    cfg.security.metrics_token = server::config::Secret::new("scrape-me");
    let guarded = App::with_config(&cfg).await;
    let refused = guarded
        .send(Request::get("/metrics").body(Body::empty()).unwrap())
        .await;
    assert_eq!(refused.status, StatusCode::UNAUTHORIZED);
    let ok = guarded
        .send(
            Request::get("/metrics")
                .header("authorization", "Bearer scrape-me")
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(ok.status, StatusCode::OK);
}
