//! Standards: status from calibrations and declared condition, what may be used, the quality
//! manager's override with its reason in the audit trail, intermediate checks.

use axum::http::StatusCode;
use chrono::{Days, Utc};
use serde_json::json;
use server::store::users::Role;

use crate::{App, Login};

fn day(offset: i64) -> String {
    let today = Utc::now().date_naive();
    let d = if offset >= 0 {
        today + Days::new(offset.unsigned_abs())
    } else {
        today - Days::new(offset.unsigned_abs())
    };
    d.to_string()
}

async fn standard(app: &App, login: &Login, code: &str) -> String {
    let a = app
        .post(
            "/api/v1/standards",
            login,
            json!({
                "code": code,
                "name": "Bộ quả cân chuẩn F1 1 mg – 2 kg",
                "level": "working",
                "maker": "Kern",
                "traceability": "Viện Đo lường Việt Nam (VMI), chuẩn quốc gia khối lượng"
            }),
        )
        .await;
    assert_eq!(a.status, StatusCode::CREATED, "{}", a.json);
    assert_eq!(a.json["status"], "expired", "no calibration yet");
    a.json["measurement_standard_id"]
        .as_str()
        .unwrap()
        .to_owned()
}

async fn calibrate(app: &App, login: &Login, id: &str, from: i64, to: i64) -> StatusCode {
    app.post(
        &format!("/api/v1/standards/{id}/calibrations"),
        login,
        json!({
            "certificate_no": format!("V01.{from}/26"),
            "issuer": "Viện Đo lường Việt Nam",
            "issuer_accreditation": "VILAS 002",
            "calibrated_on": day(from),
            "due_on": day(to),
            "results": [{"nominal": "1 kg", "value": "1.000002 kg", "expanded_uncertainty": "1.6 mg", "k": 2}]
        }),
    )
    .await
    .status
}

#[tokio::test]
async fn status_follows_the_latest_calibration_and_the_declared_condition() {
    let app = App::new().await;
    let tech = app.login_as(Role::Technician).await;
    let id = standard(&app, &tech, "QC-F1-01").await;
    let path = format!("/api/v1/standards/{id}");
    assert_eq!(
        calibrate(&app, &tech, &id, -400, -35).await,
        StatusCode::CREATED
    );
    assert_eq!(app.get(&path, &tech).await.json["status"], "expired");
    assert_eq!(
        calibrate(&app, &tech, &id, -340, 20).await,
        StatusCode::CREATED
    );
    assert_eq!(app.get(&path, &tech).await.json["status"], "expiring");
    assert_eq!(
        calibrate(&app, &tech, &id, -5, 360).await,
        StatusCode::CREATED
    );
    let s = app.get(&path, &tech).await.json;
    assert_eq!(s["status"], "valid");
    assert_eq!(s["certificate_no"], "V01.-5/26");
    assert_eq!(s["chain"], json!(["QC-F1-01"]));
    let cals = app.get(&format!("{path}/calibrations"), &tech).await;
    assert_eq!(cals.json.as_array().unwrap().len(), 3);
    let bad = app
        .post(
            &format!("{path}/calibrations"),
            &tech,
            json!({"certificate_no": "", "issuer": "VMI", "calibrated_on": day(0), "due_on": day(-1),
                   "results": [{"nominal": "1 kg", "value": "1 kilo", "expanded_uncertainty": "1.6 mg", "k": 0.5}]}),
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        bad.fields(),
        [
            "certificate_no",
            "due_on",
            "results[0].value",
            "results[0].k"
        ]
    );
    let q = app
        .post(
            &format!("{path}/condition"),
            &tech,
            json!({"condition": "quarantined", "reason": "Rơi quả cân 500 g"}),
        )
        .await;
    assert_eq!(q.status, StatusCode::OK, "{}", q.json);
    assert_eq!(q.json["status"], "quarantined");
    // Putting it back is the quality manager's decision.
    let back = app
        .post(
            &format!("{path}/condition"),
            &tech,
            json!({"condition": "in_service", "reason": "Đã kiểm tra lại"}),
        )
        .await;
    assert_eq!(back.status, StatusCode::FORBIDDEN);
    let qm = app.login_as(Role::QualityManager).await;
    let back = app
        .post(
            &format!("{path}/condition"),
            &qm,
            json!({"condition": "in_service", "reason": "Đã kiểm tra lại, đạt"}),
        )
        .await;
    assert_eq!(back.json["status"], "valid");
}

#[tokio::test]
async fn an_unusable_standard_needs_a_quality_managers_override_with_a_reason() {
    let app = App::new().await;
    let tech = app.login_as(Role::Technician).await;
    let id = standard(&app, &tech, "AK-01").await;
    calibrate(&app, &tech, &id, -400, -2).await;
    let usability = format!("/api/v1/standards/{id}/usability");
    let u = app.get(&usability, &tech).await.json;
    assert_eq!(u["status"], "expired");
    assert_eq!(u["usable"], false);
    let body = json!({"reason": "Chuẩn đang gửi hiệu chuẩn; dùng tạm 7 ngày, đã so sánh với AK-02", "valid_until": day(7)});
    for role in [Role::Technician, Role::Reviewer, Role::Admin] {
        let l = app.login_as(role).await;
        let a = app
            .post(
                &format!("/api/v1/standards/{id}/override"),
                &l,
                body.clone(),
            )
            .await;
        assert_eq!(a.status, StatusCode::FORBIDDEN, "{role:?}");
    }
    let qm = app.login_as(Role::QualityManager).await;
    let no_reason = app
        .post(
            &format!("/api/v1/standards/{id}/override"),
            &qm,
            json!({"reason": "", "valid_until": day(7)}),
        )
        .await;
    assert_eq!(no_reason.field(), "reason");
    let too_long = app
        .post(
            &format!("/api/v1/standards/{id}/override"),
            &qm,
            json!({"reason": "x", "valid_until": day(90)}),
        )
        .await;
    assert_eq!(too_long.field(), "valid_until");
    let granted = app
        .post(&format!("/api/v1/standards/{id}/override"), &qm, body)
        .await;
    assert_eq!(granted.status, StatusCode::CREATED, "{}", granted.json);
    let u = app.get(&usability, &tech).await.json;
    assert_eq!(u["usable"], true);
    assert_eq!(u["status"], "expired");
    assert!(
        u["override_granted"]["reason"]
            .as_str()
            .unwrap()
            .contains("AK-02")
    );
    let later = app
        .get(&format!("{usability}?on={}", day(8)), &tech)
        .await
        .json;
    assert_eq!(later["usable"], false, "the override has ended");
    let audit = app
        .get(
            &format!("/api/v1/audit?entity=measurement_standard&entity_id={id}"),
            &qm,
        )
        .await;
    let entry = audit
        .json
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["action"] == "override")
        .unwrap()
        .clone();
    assert_eq!(entry["actor"], "user:quality-manager");
    assert!(entry["reason"].as_str().unwrap().contains("dùng tạm"));
    // A valid standard needs no override.
    calibrate(&app, &tech, &id, 0, 365).await;
    let needless = app
        .post(
            &format!("/api/v1/standards/{id}/override"),
            &qm,
            json!({"reason": "x", "valid_until": day(3)}),
        )
        .await;
    assert_eq!(needless.status, StatusCode::CONFLICT);
}

#[tokio::test]
async fn a_failed_intermediate_check_quarantines_the_standard() {
    let app = App::new().await;
    let tech = app.login_as(Role::Technician).await;
    let id = standard(&app, &tech, "NK-01").await;
    calibrate(&app, &tech, &id, -10, 355).await;
    let checks = format!("/api/v1/standards/{id}/checks");
    let silent = app
        .post(
            &checks,
            &tech,
            json!({"checked_on": day(0), "passed": false}),
        )
        .await;
    assert_eq!(silent.field(), "notes");
    let ok = app
        .post(
            &checks,
            &tech,
            json!({"checked_on": day(-1), "passed": true}),
        )
        .await;
    assert_eq!(ok.status, StatusCode::CREATED);
    assert_eq!(
        app.get(&format!("/api/v1/standards/{id}"), &tech)
            .await
            .json["status"],
        "valid"
    );
    let fail = app
        .post(
            &checks,
            &tech,
            json!({"checked_on": day(0), "passed": false, "notes": "Lệch 0,3 °C so với NK-02 tại 50 °C"}),
        )
        .await;
    assert_eq!(fail.status, StatusCode::CREATED);
    let s = app
        .get(&format!("/api/v1/standards/{id}"), &tech)
        .await
        .json;
    assert_eq!(s["status"], "quarantined");
    assert_eq!(
        app.get(&checks, &tech).await.json.as_array().unwrap().len(),
        2
    );
}

#[tokio::test]
async fn the_traceability_chain_runs_up_through_parent_standards() {
    let app = App::new().await;
    let tech = app.login_as(Role::Technician).await;
    let top = standard(&app, &tech, "QC-E2").await;
    let a = app
        .post(
            "/api/v1/standards",
            &tech,
            json!({"code": "QC-M1", "name": "Quả cân M1 20 kg", "level": "working", "parent_standard_id": top}),
        )
        .await;
    assert_eq!(a.status, StatusCode::CREATED, "{}", a.json);
    assert_eq!(a.json["chain"], json!(["QC-M1", "QC-E2"]));
    let orphan = app
        .post(
            "/api/v1/standards",
            &tech,
            json!({"code": "QC-X", "name": "x", "level": "national"}),
        )
        .await;
    assert_eq!(orphan.fields(), ["level", "traceability"]);
    let dup = app
        .post(
            "/api/v1/standards",
            &tech,
            json!({"code": "QC-E2", "name": "x", "level": "working", "traceability": "VMI"}),
        )
        .await;
    assert_eq!(dup.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        dup.json["error"]["message"]
            .as_str()
            .unwrap()
            .contains("QC-E2")
    );
}
