//! The bench work flow through the API: receipt → set-up (standards must be usable) →
//! environment, checks and values (captured from a device or typed in with a reason) →
//! submit → review → sign with the password again → certificate (PDF, DCC, public page) →
//! amendment and revocation; roles; the first failed step; out-of-tolerance impact.

use std::process::Command;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use calibration_profiles::wire::v1::{Raw, Reading, ReadingBatch};
use chrono::{Days, Utc};
use serde_json::{Value, json};
use server::store::users::{Role, UserUpdate};

use crate::{App, Login, PASSWORD};

fn day(offset: i64) -> String {
    let today = server::web::i18n::today();
    let d = if offset >= 0 {
        today + Days::new(offset.unsigned_abs())
    } else {
        today - Days::new(offset.unsigned_abs())
    };
    d.to_string()
}

/// A lab with people, a customer, a balance, a weight set and a bridge.
struct Lab {
    app: App,
    tech: Login,
    reviewer: Login,
    qm: Login,
    org: String,
    balance: String,
    weights: String,
    token: String,
}

async fn give_card(app: &App, username: &str, role: Role) {
    app.store()
        .update_user(
            "test",
            username,
            &UserUpdate {
                full_name: format!("Nguyễn Văn {username}"),
                role,
                verifier_card_no: Some("KĐV-0042".into()),
                verifier_card_expires_on: Some(server::web::i18n::today() + Days::new(365)),
            },
        )
        .await
        .unwrap();
}

async fn lab() -> Lab {
    let app = App::new().await;
    let tech = app.login_as(Role::Technician).await;
    give_card(&app, "technician", Role::Technician).await;
    let reviewer = app.login_as(Role::Reviewer).await;
    let qm = app.login_as(Role::QualityManager).await;
    let a = app
        .post(
            "/api/v1/organisations",
            &tech,
            json!({"name": "Công ty TNHH Dược phẩm <Hoà> & Cộng sự", "tax_code": "4900123456", "address": "Số 1 Đường Lê Lợi, TP. Lạng Sơn"}),
        )
        .await;
    assert_eq!(a.status, StatusCode::CREATED, "{}", a.json);
    let org = a.json["organisation_id"].as_str().unwrap().to_owned();
    let a = app
        .post(
            "/api/v1/instruments",
            &tech,
            json!({"category": "analytical-balance", "serial": "B123456789", "maker": "Mettler Toledo", "model": "XPR205",
                   "measuring_range": "Max = 220 g; Min = 10 mg", "accuracy_class": "I", "owner_id": org}),
        )
        .await;
    assert_eq!(a.status, StatusCode::CREATED, "{}", a.json);
    let balance = a.json["instrument_id"].as_str().unwrap().to_owned();
    let a = app
        .post(
            "/api/v1/standards",
            &tech,
            json!({"code": "QC-E2-01", "name": "Bộ quả cân chuẩn E2 1 mg – 200 g", "level": "working",
                   "traceability": "Viện Đo lường Việt Nam (VMI)"}),
        )
        .await;
    assert_eq!(a.status, StatusCode::CREATED, "{}", a.json);
    let weights = a.json["measurement_standard_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let a = app
        .post(
            &format!("/api/v1/standards/{weights}/calibrations"),
            &tech,
            json!({"certificate_no": "V03.123/26", "issuer": "Viện Đo lường Việt Nam", "calibrated_on": day(-30), "due_on": day(335),
                   "results": [
                       {"nominal": "20 mg", "value": "20.002 mg", "expanded_uncertainty": "0.003 mg", "k": 2},
                       {"nominal": "200 g", "value": "200.00010 g", "expanded_uncertainty": "0.10 mg", "k": 2},
                       {"nominal": "500 g", "value": "500.0002 g", "expanded_uncertainty": "0.25 mg", "k": 2}
                   ]}),
        )
        .await;
    assert_eq!(a.status, StatusCode::CREATED, "{}", a.json);
    let token = app
        .store()
        .create_device_token("test", "bench-1", "")
        .await
        .unwrap();
    Lab {
        app,
        tech,
        reviewer,
        qm,
        org,
        balance,
        weights,
        token,
    }
}

async fn post_reading(lab: &Lab, value: &str, stable: bool) -> String {
    let r = Reading {
        reading_id: uuid::Uuid::now_v7(),
        device_id: "balance-1".into(),
        channel: "mass".into(),
        value: value.into(),
        unit: "g".into(),
        stable,
        raw: Raw::Text(format!("S S {value} g")),
        captured_at: Utc::now(),
    };
    let id = r.reading_id.to_string();
    let body = serde_json::to_string(&ReadingBatch {
        bridge_id: "bench-1".into(),
        readings: vec![r],
    })
    .unwrap();
    let a = lab
        .app
        .send(
            Request::post("/api/v1/readings")
                .header("authorization", format!("Bearer {}", lab.token))
                .header("content-type", "application/json")
                .body(Body::from(body))
                .unwrap(),
        )
        .await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.json);
    id
}

/// A receipt with one periodic verification of the balance; returns the run id.
async fn receive(lab: &Lab, service: &str) -> String {
    let a = lab
        .app
        .post(
            "/api/v1/receipts",
            &lab.tech,
            json!({"organisation_id": lab.org, "agreed_due_on": day(7), "language": "bilingual",
                   "items": [{"instrument_id": lab.balance, "service": service, "condition_on_arrival": "Bình thường, đủ phụ kiện"}]}),
        )
        .await;
    assert_eq!(a.status, StatusCode::CREATED, "{}", a.json);
    assert!(
        a.json["number"].as_str().unwrap().ends_with("/TN-TTTĐC"),
        "{}",
        a.json["number"]
    );
    a.json["runs"][0]["run_id"].as_str().unwrap().to_owned()
}

const PARAMS: fn() -> Value = || json!({"max": "220 g", "e": "1 mg", "d": "0.1 mg", "class": "I"});

async fn set_up(lab: &Lab, run: &str) {
    set_up_with(lab, run, &lab.weights).await;
}

async fn set_up_with(lab: &Lab, run: &str, standard: &str) {
    // A device must be known before it can be picked: the bridge has sent one reading.
    post_reading(lab, "0.0000", true).await;
    let a = lab
        .app
        .put(
            &format!("/api/v1/runs/{run}/setup"),
            &lab.tech,
            json!({"procedure_id": "dlvn-16-2021-nawi-verification", "params": PARAMS(),
                   "standards": [standard], "devices": [{"device_id": "balance-1"}],
                   "place": "Phòng thí nghiệm Khối lượng", "stamp_number": "T-2026-000123"}),
        )
        .await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.json);
    assert_eq!(a.json["status"], "in_progress");
    assert_eq!(a.json["points"].as_array().unwrap().len(), 11);
    let a = lab
        .app
        .put(
            &format!("/api/v1/runs/{run}/environment"),
            &lab.tech,
            json!({"values": [{"quantity": "temperature", "value": 22.5, "unit": "°C"},
                              {"quantity": "humidity", "value": 55.0, "unit": "%RH"}]}),
        )
        .await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.json);
    for step in ["external", "technical"] {
        let a = lab
            .app
            .post(
                &format!("/api/v1/runs/{run}/steps/{step}"),
                &lab.tech,
                json!({"passed": true}),
            )
            .await;
        assert_eq!(a.status, StatusCode::OK, "{step}: {}", a.json);
    }
}

async fn manual(lab: &Lab, run: &str, point: &str, value: f64) -> (StatusCode, Value) {
    let a = lab
        .app
        .post(
            &format!("/api/v1/runs/{run}/points/{point}/manual"),
            &lab.tech,
            json!({"value": value, "reason": "Cân không có cổng RS-232 tại điểm này"}),
        )
        .await;
    (a.status, a.json)
}

/// Every point of the NAWI profile with a passing indication (nominal + 0.1 mg).
async fn fill_points(lab: &Lab, run: &str, skip: &[&str]) {
    let view = lab.app.get(&format!("/api/v1/runs/{run}"), &lab.tech).await;
    for p in view.json["points"].as_array().unwrap() {
        let id = p["point_id"].as_str().unwrap();
        if skip.contains(&id) {
            continue;
        }
        let nominal = p["nominal"].as_f64().unwrap();
        for i in 0..p["repeats"].as_u64().unwrap() {
            #[allow(clippy::cast_precision_loss)]
            let v = nominal + 0.0001 * (i % 2) as f64;
            let (s, j) = manual(lab, run, id, v).await;
            assert_eq!(s, StatusCode::CREATED, "{id}: {j}");
        }
    }
}

/// Runs a verification to an issued certificate; returns (run id, certificate view).
async fn issued(lab: &Lab) -> (String, Value) {
    issued_with(lab, &lab.weights).await
}

async fn issued_with(lab: &Lab, standard: &str) -> (String, Value) {
    let run = receive(lab, "periodic").await;
    set_up_with(lab, &run, standard).await;
    // Capture from the device: an unstable reading is refused, the stable one attached.
    post_reading(lab, "55.0001", false).await;
    let a = lab
        .app
        .post(
            &format!("/api/v1/runs/{run}/points/quarter-max/capture"),
            &lab.tech,
            json!({"device_id": "balance-1"}),
        )
        .await;
    assert_eq!(a.status, StatusCode::CONFLICT, "{}", a.json);
    assert!(
        a.json["error"]["message"]
            .as_str()
            .unwrap()
            .contains("not stable")
    );
    let reading = post_reading(lab, "55.0001", true).await;
    let a = lab
        .app
        .post(
            &format!("/api/v1/runs/{run}/points/quarter-max/capture"),
            &lab.tech,
            json!({"device_id": "balance-1"}),
        )
        .await;
    assert_eq!(a.status, StatusCode::CREATED, "{}", a.json);
    assert_eq!(
        a.json["reading_id"],
        reading.as_str(),
        "the raw reading stays traceable"
    );
    assert!(a.json["manual_reason"].is_null());
    fill_points(lab, &run, &["quarter-max"]).await;

    let a = lab
        .app
        .post(&format!("/api/v1/runs/{run}/submit"), &lab.tech, json!({}))
        .await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.json);
    assert_eq!(a.json["status"], "submitted");
    assert_eq!(a.json["outcome"], "pass");
    let eval = &a.json["evaluation"];
    assert_eq!(eval["complete"], true);
    assert_eq!(eval["engine_version"], calibration_profiles::ENGINE_VERSION);
    // Every point keeps its budget: inputs, sensitivity coefficients, degrees of freedom.
    let min = eval["points"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["point_id"] == "min")
        .unwrap();
    assert!(min["budget"].as_array().unwrap().len() >= 3, "{min}");
    // The reference is the certified value of the 20 mg weight: E = 0.0200 g − 0.020002 g.
    assert!(
        (min["error"].as_f64().unwrap() + 0.000_002).abs() < 1e-12,
        "{min}"
    );

    // Technicians neither approve nor sign.
    let a = lab
        .app
        .post(&format!("/api/v1/runs/{run}/approve"), &lab.tech, json!({}))
        .await;
    assert_eq!(a.status, StatusCode::FORBIDDEN, "{}", a.json);
    let a = lab
        .app
        .post(
            &format!("/api/v1/runs/{run}/approve"),
            &lab.reviewer,
            json!({"comment": "Đã soát xét"}),
        )
        .await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.json);
    assert_eq!(a.json["status"], "approved");
    let a = lab
        .app
        .post(
            &format!("/api/v1/runs/{run}/sign"),
            &lab.tech,
            json!({"password": PASSWORD}),
        )
        .await;
    assert_eq!(a.status, StatusCode::FORBIDDEN, "{}", a.json);
    // Signing needs the password again.
    let a = lab
        .app
        .post(
            &format!("/api/v1/runs/{run}/sign"),
            &lab.qm,
            json!({"password": "not-my-password"}),
        )
        .await;
    assert_eq!(a.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", a.json);
    assert_eq!(a.field(), "password");
    let a = lab
        .app
        .post(
            &format!("/api/v1/runs/{run}/sign"),
            &lab.qm,
            json!({"password": PASSWORD}),
        )
        .await;
    assert_eq!(a.status, StatusCode::CREATED, "{}", a.json);
    (run, a.json)
}

#[tokio::test]
#[allow(clippy::too_many_lines)] // one story, told in order
async fn a_verification_goes_from_receipt_to_a_signed_certificate_and_its_amendment() {
    let lab = lab().await;
    let (run, cert) = issued(&lab).await;
    let year = server::web::i18n::today().format("%Y").to_string();
    assert_eq!(cert["number"], format!("0001/{year}/KĐ-TTTĐC"));
    assert_eq!(cert["kind"], "verification_certificate");
    assert_eq!(cert["state"], "valid");
    assert_eq!(cert["signature_valid"], true);
    assert_eq!(cert["stamp_number"], "T-2026-000123");
    // Analytical balances: 12-month cycle (cycles.toml).
    assert!(cert["valid_until"].as_str().is_some(), "{cert}");
    let id = cert["certificate_id"].as_str().unwrap().to_owned();

    // The instrument now carries the result and its next due date.
    let inst = lab
        .app
        .get(&format!("/api/v1/instruments/{}", lab.balance), &lab.tech)
        .await;
    assert_eq!(inst.json["last_result"], "pass");
    assert_eq!(inst.json["next_due_on"], cert["valid_until"]);

    // An issued run cannot be changed.
    let a = lab
        .app
        .put(
            &format!("/api/v1/runs/{run}/setup"),
            &lab.tech,
            json!({"procedure_id": "dlvn-16-2021-nawi-verification", "params": PARAMS(), "standards": [lab.weights]}),
        )
        .await;
    assert_eq!(a.status, StatusCode::CONFLICT, "{}", a.json);
    let (s, _) = manual(&lab, &run, "max", 220.0).await;
    assert_eq!(s, StatusCode::CONFLICT);

    // PDF with its text; the verification record too.
    let pdf = lab
        .app
        .get(&format!("/api/v1/certificates/{id}/pdf"), &lab.tech)
        .await;
    assert_eq!(pdf.status, StatusCode::OK);
    assert_eq!(pdf.headers["content-type"], "application/pdf");
    let record = lab
        .app
        .get(&format!("/api/v1/certificates/{id}/record.pdf"), &lab.tech)
        .await;
    assert_eq!(record.status, StatusCode::OK);

    // DCC valid against the PTB schema.
    let dcc = lab
        .app
        .get(&format!("/api/v1/certificates/{id}/dcc.xml"), &lab.tech)
        .await;
    assert_eq!(dcc.status, StatusCode::OK);
    let xml = dcc.json.as_str().unwrap().to_owned();
    assert!(xml.contains("B123456789"));
    validate_dcc(&xml);

    // The public page: no sign-in.
    let url = cert["verify_url"].as_str().unwrap();
    let path = &url[url.find("/v/").unwrap()..];
    let page = lab
        .app
        .call(axum::http::Method::GET, path, None, None)
        .await;
    assert_eq!(page.status, StatusCode::OK);
    let html = page.json.as_str().unwrap();
    assert!(html.contains("data-state=\"valid\""), "{html}");
    assert!(html.contains("data-signature=\"valid\""));
    assert!(html.contains("B123456789"));
    assert!(
        html.contains("&#60;Hoà&#62; &#38; Cộng sự"),
        "owner escaped: {html}"
    );
    let unknown = lab
        .app
        .call(
            axum::http::Method::GET,
            "/v/0123456789abcdef0123456789abcdef",
            None,
            None,
        )
        .await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND);

    // The signed JSON verifies with the CLI's check; a flipped byte does not.
    let signed = lab
        .app
        .get(&format!("/api/v1/certificates/{id}/signed.json"), &lab.tech)
        .await;
    let s: server::issue::SignedCertificate = serde_json::from_value(signed.json.clone()).unwrap();
    let r = server::issue::verify_signed(lab.app.store(), &s)
        .await
        .unwrap();
    assert!(r.valid, "{}", r.message);
    let mut forged = s.clone();
    forged.content["owner"]["name"] = json!("Công ty khác");
    let r = server::issue::verify_signed(lab.app.store(), &forged)
        .await
        .unwrap();
    assert!(!r.valid, "{}", r.message);

    // The database refuses to change an issued certificate's content.
    let e = lab
        .app
        .store()
        .exec_admin("UPDATE certificate SET content = '{}'")
        .await;
    assert!(e.is_err(), "an issued certificate was changed in place");

    // Amendment: a new revision that says what changed and why; the old one is superseded.
    let a = lab
        .app
        .post(
            &format!("/api/v1/certificates/{id}/amend"),
            &lab.tech,
            json!({"password": PASSWORD, "reason": "Sai địa chỉ", "changes": {"owner_address": "Số 2"}}),
        )
        .await;
    assert_eq!(a.status, StatusCode::FORBIDDEN, "{}", a.json);
    let a = lab
        .app
        .post(
            &format!("/api/v1/certificates/{id}/amend"),
            &lab.qm,
            json!({"password": PASSWORD, "reason": "Khách hàng báo sai địa chỉ", "changes": {"owner_address": "Số 25 Đường Bà Triệu, TP. Lạng Sơn"}}),
        )
        .await;
    assert_eq!(a.status, StatusCode::CREATED, "{}", a.json);
    assert_eq!(a.json["number"], format!("0001/{year}/KĐ-TTTĐC-SĐ1"));
    assert_eq!(a.json["supersedes"], cert["number"]);
    assert_eq!(a.json["signature_valid"], true);
    assert!(
        a.json["amendment_reason"]
            .as_str()
            .unwrap()
            .contains("Số 25 Đường Bà Triệu")
    );
    let old = lab
        .app
        .get(&format!("/api/v1/certificates/{id}"), &lab.tech)
        .await;
    assert_eq!(old.json["state"], "superseded");
    assert_eq!(old.json["superseded_by"], a.json["number"]);
    let page = lab
        .app
        .call(axum::http::Method::GET, path, None, None)
        .await;
    assert!(
        page.json
            .as_str()
            .unwrap()
            .contains("data-state=\"superseded\"")
    );
    // A superseded certificate cannot be amended again or revoked.
    let again = lab
        .app
        .post(
            &format!("/api/v1/certificates/{id}/revoke"),
            &lab.qm,
            json!({"password": PASSWORD, "reason": "x"}),
        )
        .await;
    assert_eq!(again.status, StatusCode::CONFLICT, "{}", again.json);

    // Revocation of the amendment.
    let new_id = a.json["certificate_id"].as_str().unwrap();
    let r = lab
        .app
        .post(
            &format!("/api/v1/certificates/{new_id}/revoke"),
            &lab.qm,
            json!({"password": PASSWORD, "reason": "Cân bị hư hỏng sau kiểm định"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.json);
    assert_eq!(r.json["state"], "revoked");

    // Everything is in the audit trail, and it is intact.
    let v = server::store::audit::verify(lab.app.store()).await.unwrap();
    assert!(v.first_broken.is_none());
    let trail = lab
        .app
        .get(
            &format!("/api/v1/audit?entity=certificate&entity_id={id}"),
            &lab.qm,
        )
        .await;
    let actions: Vec<&str> = trail
        .json
        .as_array()
        .map(|a| a.iter().filter_map(|e| e["action"].as_str()).collect())
        .unwrap_or_default();
    assert!(
        actions.contains(&"issue") && actions.contains(&"supersede"),
        "{}",
        trail.json
    );
}

fn schema_dir() -> std::path::PathBuf {
    if let Ok(d) = std::env::var("TDC_DCC_SCHEMA_DIR") {
        return d.into();
    }
    let mut dir = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    loop {
        let candidate = dir.join("shared/dcc");
        if candidate.join("dcc-3.1.2.xsd").is_file() {
            return candidate;
        }
        assert!(
            dir.pop(),
            "the DCC schemas (shared/dcc/dcc-3.1.2.xsd) were not found above {}",
            env!("CARGO_MANIFEST_DIR")
        );
    }
}

fn validate_dcc(xml: &str) {
    let dir = schema_dir();
    let file = tempfile::Builder::new().suffix(".xml").tempfile().unwrap();
    std::fs::write(file.path(), xml).unwrap();
    let out = Command::new("xmllint")
        .env("XML_CATALOG_FILES", dir.join("catalog.xml"))
        .args(["--nonet", "--noout", "--schema"])
        .arg(dir.join("dcc-3.1.2.xsd"))
        .arg(file.path())
        .output()
        .expect("xmllint (libxml2-utils) is installed by .ci/test");
    assert!(
        out.status.success(),
        "DCC does not validate: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[tokio::test]
async fn a_failed_step_stops_the_verification_and_produces_a_notice_of_failure() {
    let lab = lab().await;
    let run = receive(&lab, "periodic").await;
    set_up(&lab, &run).await;
    // The technical step is recorded again, failed: the verification stops there.
    let a = lab
        .app
        .post(
            &format!("/api/v1/runs/{run}/steps/technical"),
            &lab.tech,
            json!({"passed": false, "items": {"zero-setting": false}}),
        )
        .await;
    assert_eq!(
        a.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "a failed step says why"
    );
    assert_eq!(a.field(), "note");
    let a = lab
        .app
        .post(
            &format!("/api/v1/runs/{run}/steps/technical"),
            &lab.tech,
            json!({"passed": false, "note": "Không đặt được về không", "items": {"zero-setting": false}}),
        )
        .await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.json);
    assert_eq!(a.json["stopped_step"], "technical");
    let (s, j) = manual(&lab, &run, "min", 0.02).await;
    assert_eq!(s, StatusCode::CONFLICT, "{j}");
    let a = lab
        .app
        .post(&format!("/api/v1/runs/{run}/submit"), &lab.tech, json!({}))
        .await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.json);
    assert_eq!(a.json["outcome"], "fail");
    // Nobody reviews their own work.
    let a = lab
        .app
        .post(
            &format!("/api/v1/runs/{run}/approve"),
            &lab.reviewer,
            json!({}),
        )
        .await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.json);
    let a = lab
        .app
        .post(
            &format!("/api/v1/runs/{run}/sign"),
            &lab.qm,
            json!({"password": PASSWORD}),
        )
        .await;
    assert_eq!(a.status, StatusCode::CREATED, "{}", a.json);
    assert_eq!(a.json["kind"], "notice_of_failure");
    assert!(a.json["number"].as_str().unwrap().contains("TBKĐ"));
    assert!(
        a.json["stamp_number"].is_null(),
        "no stamp for a failed instrument"
    );
    let inst = lab
        .app
        .get(&format!("/api/v1/instruments/{}", lab.balance), &lab.tech)
        .await;
    assert_eq!(inst.json["last_result"], "fail");
}

#[tokio::test]
async fn a_failing_point_fails_the_verification_and_a_reviewer_can_return_the_run() {
    let lab = lab().await;
    let run = receive(&lab, "periodic").await;
    set_up(&lab, &run).await;
    // 2 mg off at 55 g where the MPE is 1 mg (class I, 55 000 e).
    let (s, j) = manual(&lab, &run, "quarter-max", 55.002).await;
    assert_eq!(s, StatusCode::CREATED, "{j}");
    let (s, j) = manual(&lab, &run, "half-max", 110.0).await;
    assert_eq!(
        s,
        StatusCode::CONFLICT,
        "the first failed point ends the verification: {j}"
    );
    let view = lab.app.get(&format!("/api/v1/runs/{run}"), &lab.tech).await;
    assert_eq!(view.json["evaluation"]["outcome"], "fail");
    // A value taken in error is discarded (kept, with the reason), and work goes on.
    let value = view.json["points"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["point_id"] == "quarter-max")
        .unwrap()["values"][0]["run_reading_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let a = lab
        .app
        .post(
            &format!("/api/v1/runs/{run}/values/{value}/discard"),
            &lab.tech,
            json!({"reason": "Quả cân đặt lệch tâm, cân lại"}),
        )
        .await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.json);
    fill_points(&lab, &run, &[]).await;
    let a = lab
        .app
        .post(&format!("/api/v1/runs/{run}/submit"), &lab.tech, json!({}))
        .await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.json);
    assert_eq!(a.json["outcome"], "pass");
    let a = lab
        .app
        .post(
            &format!("/api/v1/runs/{run}/return"),
            &lab.reviewer,
            json!({}),
        )
        .await;
    assert_eq!(
        a.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "returning needs a comment"
    );
    let a = lab
        .app
        .post(
            &format!("/api/v1/runs/{run}/return"),
            &lab.reviewer,
            json!({"comment": "Ghi lại độ ẩm"}),
        )
        .await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.json);
    assert_eq!(a.json["status"], "returned");
    let events: Vec<&str> = a.json["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(events, ["submit", "return"]);
}

#[tokio::test]
async fn submission_names_everything_missing() {
    let lab = lab().await;
    let run = receive(&lab, "periodic").await;
    let a = lab
        .app
        .post(&format!("/api/v1/runs/{run}/submit"), &lab.tech, json!({}))
        .await;
    assert_eq!(
        a.status,
        StatusCode::CONFLICT,
        "no procedure yet: {}",
        a.json
    );
    set_up(&lab, &run).await;
    let a = lab
        .app
        .post(&format!("/api/v1/runs/{run}/submit"), &lab.tech, json!({}))
        .await;
    assert_eq!(a.status, StatusCode::UNPROCESSABLE_ENTITY);
    let fields = a.fields();
    assert!(fields.contains(&"points.max".to_owned()), "{fields:?}");
    assert!(
        fields.contains(&"points.repeat-08-max".to_owned()),
        "{fields:?}"
    );
    // Bad set-ups are named field by field.
    let a = lab
        .app
        .put(
            &format!("/api/v1/runs/{run}/setup"),
            &lab.tech,
            json!({"procedure_id": "pressure-gauge-calibration", "params": {"max": "x"}}),
        )
        .await;
    assert_eq!(a.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        a.field(),
        "procedure_id",
        "a calibration procedure for a verification"
    );
    let a = lab
        .app
        .put(
            &format!("/api/v1/runs/{run}/setup"),
            &lab.tech,
            json!({"procedure_id": "dlvn-16-2021-nawi-verification", "params": {"max": "220 g", "d": "0.1 mg", "class": "I"},
                   "devices": [{"device_id": "no-such-device"}]}),
        )
        .await;
    assert_eq!(a.status, StatusCode::UNPROCESSABLE_ENTITY);
    let fields = a.fields();
    assert!(fields.contains(&"params.e".to_owned()), "{fields:?}");
    assert!(
        fields.contains(&"devices[0].device_id".to_owned()),
        "{fields:?}"
    );
    // Someone without a verifier card cannot submit a verification.
    lab.app
        .store()
        .update_user(
            "test",
            "technician",
            &UserUpdate {
                full_name: "Nguyễn Văn A".into(),
                role: Role::Technician,
                verifier_card_no: None,
                verifier_card_expires_on: None,
            },
        )
        .await
        .unwrap();
    fill_points(&lab, &run, &[]).await;
    let a = lab
        .app
        .post(&format!("/api/v1/runs/{run}/submit"), &lab.tech, json!({}))
        .await;
    assert_eq!(a.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(a.fields(), ["performed_by"]);
}

#[tokio::test]
async fn an_expired_standard_cannot_be_picked_without_an_audited_override() {
    let lab = lab().await;
    let a = lab
        .app
        .post(
            "/api/v1/standards",
            &lab.tech,
            json!({"code": "QC-F1-09", "name": "Quả cân F1 200 g (hết hạn)", "level": "working", "traceability": "VMI"}),
        )
        .await;
    assert_eq!(a.status, StatusCode::CREATED, "{}", a.json);
    let old = a.json["measurement_standard_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let a = lab
        .app
        .post(
            &format!("/api/v1/standards/{old}/calibrations"),
            &lab.tech,
            json!({"certificate_no": "V03.001/24", "issuer": "VMI", "calibrated_on": day(-400), "due_on": day(-35),
                   "results": [{"nominal": "200 g", "value": "200.0003 g", "expanded_uncertainty": "0.3 mg", "k": 2}]}),
        )
        .await;
    assert_eq!(a.status, StatusCode::CREATED);
    let run = receive(&lab, "periodic").await;
    post_reading(&lab, "0.0000", true).await;
    let setup = json!({"procedure_id": "dlvn-16-2021-nawi-verification", "params": PARAMS(), "standards": [lab.weights, old]});
    let a = lab
        .app
        .put(
            &format!("/api/v1/runs/{run}/setup"),
            &lab.tech,
            setup.clone(),
        )
        .await;
    assert_eq!(a.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", a.json);
    assert_eq!(a.field(), "standards[1]");
    assert!(
        a.json["error"]["message"]
            .as_str()
            .unwrap()
            .contains("expired"),
        "{}",
        a.json
    );
    let a = lab
        .app
        .post(
            &format!("/api/v1/standards/{old}/override"),
            &lab.qm,
            json!({"reason": "Chuẩn chính đang hiệu chuẩn; đã so sánh với QC-E2-01, chênh lệch 0,05 mg", "valid_until": day(3)}),
        )
        .await;
    assert_eq!(a.status, StatusCode::CREATED, "{}", a.json);
    let a = lab
        .app
        .put(&format!("/api/v1/runs/{run}/setup"), &lab.tech, setup)
        .await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.json);
    let picked = &a.json["setup"]["standards"][1];
    assert_eq!(picked["status"], "expired");
    assert!(
        picked["override_id"].as_str().is_some(),
        "the override used is recorded: {picked}"
    );
}

#[tokio::test]
async fn out_of_tolerance_standard_lists_exactly_the_certificates_issued_with_it() {
    let lab = lab().await;
    let (_, first) = issued(&lab).await;
    let (_, second) = issued(&lab).await;
    // A certificate issued with another standard only.
    let a = lab
        .app
        .post("/api/v1/standards", &lab.tech, json!({"code": "QC-E2-02", "name": "Bộ quả cân E2 số 2", "level": "working", "traceability": "VMI"}))
        .await;
    assert_eq!(a.status, StatusCode::CREATED, "{}", a.json);
    let other = a.json["measurement_standard_id"]
        .as_str()
        .unwrap()
        .to_owned();
    lab.app
        .post(
            &format!("/api/v1/standards/{other}/calibrations"),
            &lab.tech,
            json!({"certificate_no": "V03.200/26", "issuer": "VMI", "calibrated_on": day(-10), "due_on": day(355),
                   "results": [
                       {"nominal": "20 mg", "value": "20.002 mg", "expanded_uncertainty": "0.003 mg", "k": 2},
                       {"nominal": "500 g", "value": "500.0002 g", "expanded_uncertainty": "0.25 mg", "k": 2}]}),
        )
        .await;
    let (_, third) = issued_with(&lab, &other).await;
    // The recalibration of the first weight set finds it out of tolerance.
    let a = lab
        .app
        .post(
            &format!("/api/v1/standards/{}/calibrations", lab.weights),
            &lab.tech,
            json!({"certificate_no": "V03.999/26", "issuer": "Viện Đo lường Việt Nam", "calibrated_on": day(0), "due_on": day(365),
                   "in_tolerance": false,
                   "results": [{"nominal": "200 g", "value": "200.0021 g", "expanded_uncertainty": "0.10 mg", "k": 2}]}),
        )
        .await;
    assert_eq!(a.status, StatusCode::CREATED, "{}", a.json);
    let list = lab.app.get("/api/v1/nonconformities", &lab.qm).await;
    assert_eq!(list.status, StatusCode::OK, "{}", list.json);
    let items = list.json["items"].as_array().unwrap();
    assert_eq!(items.len(), 1, "{}", list.json);
    let nc = &items[0];
    assert_eq!(nc["status"], "open");
    assert_eq!(nc["since"], day(-30), "since its last good calibration");
    let mut numbers: Vec<&str> = nc["affected"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["number"].as_str().unwrap())
        .collect();
    numbers.sort_unstable();
    let mut expected = vec![
        first["number"].as_str().unwrap(),
        second["number"].as_str().unwrap(),
    ];
    expected.sort_unstable();
    assert_eq!(numbers, expected, "not {}", third["number"]);
    // Closing needs the assessment; only the quality manager closes.
    let id = nc["nonconformity_id"].as_str().unwrap();
    let a = lab
        .app
        .put(
            &format!("/api/v1/nonconformities/{id}"),
            &lab.tech,
            json!({"assessment": "x", "close": true}),
        )
        .await;
    assert_eq!(a.status, StatusCode::FORBIDDEN);
    let a = lab
        .app
        .put(
            &format!("/api/v1/nonconformities/{id}"),
            &lab.qm,
            json!({"assessment": "", "close": true}),
        )
        .await;
    assert_eq!(a.status, StatusCode::CONFLICT, "{}", a.json);
    let a = lab
        .app
        .put(
            &format!("/api/v1/nonconformities/{id}"),
            &lab.qm,
            json!({"assessment": "Sai lệch 2,0 mg tại 200 g < 1/3 MPE của các cân cấp I tại tải này: kết quả vẫn đúng; không thu hồi.", "close": true}),
        )
        .await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.json);
    assert_eq!(a.json["status"], "closed");
}

#[tokio::test]
async fn due_lists_export_instruments_due_within_n_days() {
    let lab = lab().await;
    let a = lab
        .app
        .post(
            "/api/v1/instruments",
            &lab.tech,
            json!({"category": "counter-scale", "serial": "CD-0001", "owner_id": lab.org, "next_due_on": day(10)}),
        )
        .await;
    assert_eq!(a.status, StatusCode::CREATED, "{}", a.json);
    lab.app
        .post(
            "/api/v1/instruments",
            &lab.tech,
            json!({"category": "counter-scale", "serial": "CD-0002", "owner_id": lab.org, "next_due_on": day(90)}),
        )
        .await;
    let a = lab
        .app
        .get(
            &format!("/api/v1/due?days=30&organisation_id={}", lab.org),
            &lab.tech,
        )
        .await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.json);
    let serials: Vec<&str> = a.json["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["serial"].as_str().unwrap())
        .collect();
    assert_eq!(serials, ["CD-0001"]);
    let a = lab
        .app
        .get("/api/v1/due?days=30&format=csv", &lab.tech)
        .await;
    assert_eq!(a.status, StatusCode::OK);
    let text = a.json.as_str().unwrap();
    assert!(
        text.contains("CD-0001") && !text.contains("CD-0002"),
        "{text}"
    );
    assert!(text.contains("Công ty TNHH Dược phẩm"));
    let a = lab.app.get("/api/v1/due?days=-1", &lab.tech).await;
    assert_eq!(a.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(a.field(), "days");
}

#[tokio::test]
async fn the_yearly_report_counts_each_issued_verification_once_per_category() {
    let lab = lab().await;
    let (_, first) = issued(&lab).await;
    issued(&lab).await;
    // An amendment is the same work: still two verifications.
    let id = first["certificate_id"].as_str().unwrap();
    let a = lab
        .app
        .post(
            &format!("/api/v1/certificates/{id}/amend"),
            &lab.qm,
            json!({"password": PASSWORD, "reason": "Sửa địa chỉ khách hàng", "changes": {"owner_address": "Số 3 Lê Lợi"}}),
        )
        .await;
    assert_eq!(a.status, StatusCode::CREATED, "{}", a.json);
    let year = server::web::i18n::today().format("%Y").to_string();
    let r = lab
        .app
        .get(&format!("/api/v1/reports/yearly?from={year}"), &lab.qm)
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.json);
    assert_eq!(
        r.json["instruments"],
        json!([{"year": year.parse::<i32>().unwrap(), "category": "analytical-balance", "verified": 2, "calibrated": 0, "failed": 0}]),
        "{}",
        r.json
    );
}
