//! Organisations and instruments: validation naming fields, search, paging, retirement and
//! history.

use axum::http::StatusCode;
use serde_json::{Value, json};
use server::store::users::Role;

use crate::{App, Login};

async fn org(app: &App, login: &Login, name: &str, tax: &str) -> String {
    let a = app
        .post(
            "/api/v1/organisations",
            login,
            json!({"name": name, "tax_code": tax, "address": "Lạng Sơn"}),
        )
        .await;
    assert_eq!(a.status, StatusCode::CREATED, "{}", a.json);
    a.json["organisation_id"].as_str().unwrap().to_owned()
}

async fn instrument(app: &App, login: &Login, body: Value) -> Value {
    let a = app.post("/api/v1/instruments", login, body).await;
    assert_eq!(a.status, StatusCode::CREATED, "{}", a.json);
    a.json
}

#[tokio::test]
async fn bad_organisations_and_instruments_are_refused_naming_every_field() {
    let app = App::new().await;
    let login = app.login_as(Role::Technician).await;
    let a = app
        .post(
            "/api/v1/organisations",
            &login,
            json!({"name": "  ", "tax_code": "12345"}),
        )
        .await;
    assert_eq!(a.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(a.fields(), ["name", "tax_code"]);
    let a = app
        .post(
            "/api/v1/instruments",
            &login,
            json!({
                "category": "can-vang",
                "serial": "",
                "resolution": "0,1 gam",
                "status": "retired",
                "last_verified_on": "2026-05-01",
                "next_due_on": "2025-05-01"
            }),
        )
        .await;
    assert_eq!(a.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", a.json);
    assert_eq!(
        a.fields(),
        ["serial", "category", "resolution", "status", "next_due_on"]
    );
    let a = app
        .post(
            "/api/v1/instruments",
            &login,
            json!({"category": "taximeter", "serial": "X", "colour": "red"}),
        )
        .await;
    assert_eq!(a.status, StatusCode::BAD_REQUEST);
    assert!(
        a.json["error"]["message"]
            .as_str()
            .unwrap()
            .contains("colour")
    );
    let a = app
        .post(
            "/api/v1/instruments",
            &login,
            json!({"category": "taximeter", "serial": "X", "next_due_on": "31/12/2026"}),
        )
        .await;
    assert_eq!(a.status, StatusCode::BAD_REQUEST);
    assert_eq!(a.field(), "next_due_on");
    let a = app
        .post(
            "/api/v1/instruments",
            &login,
            json!({"category": "taximeter", "serial": "X", "owner_id": "0192f0c4-0000-7000-8000-000000000000"}),
        )
        .await;
    assert_eq!(a.status, StatusCode::NOT_FOUND, "{}", a.json);
    assert!(
        a.json["error"]["message"]
            .as_str()
            .unwrap()
            .contains("owner")
    );
    let none = app.get("/api/v1/instruments", &login).await;
    assert_eq!(none.json["items"], json!([]));
}

#[tokio::test]
async fn a_tax_code_is_unique() {
    let app = App::new().await;
    let login = app.login_as(Role::Inspector).await;
    org(&app, &login, "Công ty Xăng dầu Lạng Sơn", "4900100017").await;
    let a = app
        .post(
            "/api/v1/organisations",
            &login,
            json!({"name": "Khác", "tax_code": "4900100017"}),
        )
        .await;
    assert_eq!(a.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        a.json["error"]["message"]
            .as_str()
            .unwrap()
            .contains("4900100017")
    );
}

#[tokio::test]
async fn instruments_are_found_by_serial_owner_category_and_due_date_page_by_page() {
    let app = App::new().await;
    let login = app.login_as(Role::Technician).await;
    let petrol = org(&app, &login, "Công ty Xăng dầu Lạng Sơn", "4900100017").await;
    let market = org(&app, &login, "Chợ Giếng Vuông", "4900223344").await;
    for i in 0..7 {
        instrument(
            &app,
            &login,
            json!({
                "category": "fuel-dispenser",
                "serial": format!("CD-{i:03}"),
                "maker": "Tatsuno",
                "owner_id": petrol,
                "next_due_on": format!("2027-0{}-15", 1 + i % 6),
            }),
        )
        .await;
    }
    instrument(
        &app,
        &login,
        json!({"category": "counter-scale", "serial": "CD-900", "owner_id": market, "resolution": "5 g"}),
    )
    .await;
    let by_prefix = app.get("/api/v1/instruments?serial=CD-00", &login).await;
    assert_eq!(by_prefix.json["items"].as_array().unwrap().len(), 7);
    let exact = app.get("/api/v1/instruments?serial=CD-900", &login).await;
    assert_eq!(exact.json["items"][0]["owner_name"], "Chợ Giếng Vuông");
    assert_eq!(exact.json["items"][0]["resolution"], "5 g");
    let owned = app
        .get(&format!("/api/v1/instruments?owner_id={market}"), &login)
        .await;
    assert_eq!(owned.json["items"].as_array().unwrap().len(), 1);
    let cat = app
        .get(
            "/api/v1/instruments?category=fuel-dispenser&per_page=3",
            &login,
        )
        .await;
    assert_eq!(cat.json["items"].as_array().unwrap().len(), 3);
    assert_eq!(cat.json["has_more"], true);
    let last = app
        .get(
            "/api/v1/instruments?category=fuel-dispenser&per_page=3&page=3",
            &login,
        )
        .await;
    assert_eq!(last.json["items"].as_array().unwrap().len(), 1);
    assert_eq!(last.json["has_more"], false);
    let due = app
        .get("/api/v1/instruments?due_before=2027-02-28", &login)
        .await;
    let dates: Vec<&str> = due.json["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["next_due_on"].as_str().unwrap())
        .collect();
    assert_eq!(dates, ["2027-01-15", "2027-01-15", "2027-02-15"]);
    let bad = app
        .get("/api/v1/instruments?due_before=tomorrow", &login)
        .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    assert_eq!(bad.field(), "due_before");
    let unknown = app.get("/api/v1/instruments?colour=red", &login).await;
    assert_eq!(unknown.status, StatusCode::BAD_REQUEST);
    assert!(
        unknown.json["error"]["message"]
            .as_str()
            .unwrap()
            .contains("colour")
    );
}

#[tokio::test]
async fn an_instrument_is_retired_not_deleted_and_its_history_names_who_and_why() {
    let app = App::new().await;
    let login = app.login_as(Role::Technician).await;
    let created = instrument(
        &app,
        &login,
        json!({"category": "taximeter", "serial": "TX-1", "location": "Bến xe phía Bắc"}),
    )
    .await;
    let id = created["instrument_id"].as_str().unwrap();
    let path = format!("/api/v1/instruments/{id}");
    let upd = app
        .put(
            &path,
            &login,
            json!({"category": "taximeter", "serial": "TX-1", "location": "Bến xe Lạng Sơn", "status": "out_of_use"}),
        )
        .await;
    assert_eq!(upd.status, StatusCode::OK, "{}", upd.json);
    assert_eq!(upd.json["status"], "out_of_use");
    let no_reason = app
        .post(&format!("{path}/retire"), &login, json!({"reason": " "}))
        .await;
    assert_eq!(no_reason.field(), "reason");
    let retired = app
        .post(
            &format!("{path}/retire"),
            &login,
            json!({"reason": "Xe đã thanh lý"}),
        )
        .await;
    assert_eq!(retired.status, StatusCode::OK, "{}", retired.json);
    assert_eq!(retired.json["status"], "retired");
    let again = app
        .post(
            &format!("{path}/retire"),
            &login,
            json!({"reason": "lần hai"}),
        )
        .await;
    assert_eq!(again.status, StatusCode::CONFLICT);
    let locked = app
        .put(
            &path,
            &login,
            json!({"category": "taximeter", "serial": "TX-2"}),
        )
        .await;
    assert_eq!(locked.status, StatusCode::CONFLICT);
    assert_eq!(
        app.get("/api/v1/instruments", &login).await.json["items"],
        json!([])
    );
    let with_retired = app
        .get("/api/v1/instruments?include_retired=true", &login)
        .await;
    assert_eq!(with_retired.json["items"].as_array().unwrap().len(), 1);
    assert_eq!(app.get(&path, &login).await.json["serial"], "TX-1");
    let history = app.get(&format!("{path}/history"), &login).await;
    let h = history.json.as_array().unwrap();
    let actions: Vec<&str> = h.iter().map(|e| e["action"].as_str().unwrap()).collect();
    assert_eq!(actions, ["create", "update", "retire"]);
    assert!(h.iter().all(|e| e["actor"] == "user:technician"));
    assert_eq!(h[2]["reason"], "Xe đã thanh lý");
    assert!(h[1]["before"].as_str().unwrap().contains("Bến xe phía Bắc"));
    assert!(h[1]["after"].as_str().unwrap().contains("Bến xe Lạng Sơn"));
    for bad in [
        "/api/v1/instruments/not-an-id",
        "/api/v1/instruments/0192f0c4-0000-7000-8000-000000000000",
    ] {
        assert_eq!(app.get(bad, &login).await.status, StatusCode::NOT_FOUND);
    }
}

#[tokio::test]
async fn categories_come_from_the_statutory_list() {
    let app = App::new().await;
    let login = app.login_as(Role::ReadOnly).await;
    let a = app.get("/api/v1/categories", &login).await;
    let list = a.json.as_array().unwrap();
    let taxi = list.iter().find(|c| c["code"] == "taximeter").unwrap();
    assert_eq!(taxi["name_vi"], "Taximet");
    assert_eq!(
        taxi["cycle_months"], 18,
        "the 2024 amendment, in force today"
    );
}
