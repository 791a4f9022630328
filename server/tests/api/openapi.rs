//! The OpenAPI document: committed and current, listing exactly the routed endpoints; and no
//! request described by it, however malformed, makes the server fail (5xx) or panic.

use axum::body::Body;
use axum::http::{Method, Request, StatusCode};
use server::http::openapi::{document, operations};
use server::store::users::Role;

use crate::App;

const COMMITTED: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/openapi.json");

#[test]
fn the_committed_document_is_current() {
    let current = serde_json::to_string_pretty(&document()).unwrap() + "\n";
    if std::env::var_os("UPDATE_OPENAPI").is_some() {
        std::fs::write(COMMITTED, &current).unwrap();
    }
    let committed = std::fs::read_to_string(COMMITTED).unwrap_or_default();
    assert!(
        committed == current,
        "server/openapi.json is stale: run `UPDATE_OPENAPI=1 cargo test -p server --test api openapi` and commit it"
    );
}

#[tokio::test]
async fn it_is_served_and_lists_exactly_the_routed_endpoints() {
    let app = App::new().await;
    let served = app
        .send(
            Request::get("/api/v1/openapi.json")
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(served.status, StatusCode::OK);
    assert_eq!(served.json, document());
    let admin = app.login_as(Role::Admin).await;
    let id = "0192f0c4-0000-7000-8000-000000000000";
    for op in operations() {
        let path = op
            .path
            .replace("{id}", id)
            .replace("{username}", "nobody")
            .replace("{step}", "external")
            .replace("{point}", "min")
            .replace("{value}", id);
        if op.path == "/api/v1/session" && op.method == "delete" {
            continue;
        }
        let method = Method::from_bytes(op.method.to_uppercase().as_bytes()).unwrap();
        let a = app.call(method, &path, Some(&admin), None).await;
        let fallback = format!("no such resource: {path}");
        assert!(
            a.status != StatusCode::METHOD_NOT_ALLOWED
                && a.json["error"]["message"] != fallback.as_str(),
            "{} {} is documented but not routed: {}",
            op.method,
            op.path,
            a.json
        );
    }
    let documented: Vec<(String, String)> = operations()
        .iter()
        .map(|o| (o.method.to_uppercase(), o.path.to_owned()))
        .collect();
    for (method, path) in crate::matrix::endpoint_templates() {
        assert!(
            documented.contains(&(method.to_string(), path.to_owned())),
            "{method} {path} is routed but not documented"
        );
    }
}

/// Bodies no client should send.
fn nasty_bodies() -> Vec<Vec<u8>> {
    let mut v: Vec<Vec<u8>> = [
        "",
        "null",
        "[]",
        "{}",
        "\"text\"",
        "1e999",
        "{\"a\":",
        "{\"name\": 1, \"serial\": [], \"category\": {}, \"reason\": null}",
        "{\"username\": \"x\", \"password\": \"\u{0}\"}",
        "{\"model\": \"y = \", \"quantities\": [{\"name\": \"\", \"value\": 1e308, \"standard_uncertainty\": -0}]}",
        "{\"bridge_id\": \"b\", \"readings\": [{\"reading_id\": \"x\"}]}",
        "{\"results\": [{\"nominal\": \"1 kg\"}], \"due_on\": \"2026-02-30\"}",
    ]
    .iter()
    .map(|s| s.as_bytes().to_vec())
    .collect();
    v.push(vec![0xff, 0xfe, 0x00, 0x80]);
    v.push(format!("{}1{}", "[".repeat(2000), "]".repeat(2000)).into_bytes());
    v.push(format!("{{\"name\": \"{}\"}}", "Đ".repeat(100_000)).into_bytes());
    v
}

#[tokio::test]
async fn no_malformed_request_makes_the_server_fail() {
    let app = App::new().await;
    let token = app
        .store()
        .create_device_token("test", "b", "")
        .await
        .unwrap();
    let admin = app.login_as(Role::Admin).await;
    let queries = [
        "",
        "?page=-1&per_page=99999999999",
        "?serial=%FF%FE",
        "?due_within_days=-3",
        "?on=yesterday",
        "?limit=0&before_id=abc",
        "?from=2026-13-01",
    ];
    for op in operations() {
        if op.method == "delete" {
            continue; // sign-out would end the session the other requests use
        }
        let method = Method::from_bytes(op.method.to_uppercase().as_bytes()).unwrap();
        for id in ["0192f0c4-0000-7000-8000-000000000000", "%00..%2F"] {
            let path = op.path.replace("{id}", id).replace("{username}", id);
            let (qs, bodies): (&[&str], Vec<Vec<u8>>) = if op.body.is_some() {
                (&[""], nasty_bodies())
            } else {
                (&queries, vec![Vec::new()])
            };
            for q in qs {
                for body in bodies.clone() {
                    let req = Request::builder()
                        .method(method.clone())
                        .uri(format!("{path}{q}"))
                        .header("cookie", &admin.cookie)
                        .header("x-csrf-token", &admin.csrf)
                        .header("authorization", format!("Bearer {token}"))
                        .header("content-type", "application/json")
                        .body(Body::from(body))
                        .unwrap();
                    let a = app.send(req).await;
                    assert!(
                        a.status.as_u16() < 500 || op.path.ends_with("/stream"),
                        "{} {path}{q}: {} {}",
                        op.method,
                        a.status,
                        a.json
                    );
                }
            }
        }
    }
    // Still answering, and still the same admin.
    assert_eq!(
        app.get("/api/v1/session", &admin).await.json["username"],
        "admin"
    );
}
