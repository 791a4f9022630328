//! Samples through the API: receipt with its code and label, split into a sub-sample and a
//! retained portion, the chain of custody, tests assigned (expired equipment refused), the
//! overdue list, disposal, and a survey's report.

use chrono::{Duration, Utc};
use serde_json::{Value, json};
use server::store::users::Role;

use crate::{App, Login};
use axum::http::StatusCode;

fn day(offset: i64) -> String {
    (Utc::now().date_naive() + Duration::days(offset)).to_string()
}

fn petrol(survey: Option<&str>) -> Value {
    json!({
        "sample_type": "petrol",
        "product_type": "petrol_ron95",
        "name": "Xăng RON 95-III",
        "quantity": "2 L",
        "condition": "Can nhôm niêm phong, nguyên vẹn",
        "storage": "Kho mẫu, nhiệt độ phòng, tránh ánh sáng",
        "seal_number": "NP-0042",
        "specification": "QCVN 1:2022/BKHCN",
        "requester_name": "Chi cục Quản lý thị trường Lạng Sơn",
        "survey_id": survey,
        "due_on": day(10),
        "location": "Kho mẫu – kệ A2",
        "tests": [
            {"characteristic": "ron", "method_id": "TCVN 2703:2013", "unit": ""},
            {"characteristic": "benzene", "method_id": "TCVN 6703:2015", "unit": "% thể tích"}
        ]
    })
}

async fn receive(app: &App, who: &Login, body: Value) -> Value {
    let a = app.post("/api/v1/samples", who, body).await;
    assert_eq!(a.status, StatusCode::CREATED, "{}", a.json);
    a.json
}

#[tokio::test]
async fn a_sample_is_received_labelled_split_handed_over_and_disposed_with_its_custody_known() {
    let app = App::new().await;
    let tech = app.login_as(Role::Technician).await;
    let s = receive(&app, &tech, petrol(None)).await;
    let id = s["sample_id"].as_str().unwrap().to_owned();
    let year = &day(0)[2..4];
    assert_eq!(s["code"], format!("M{year}-0001"));
    assert_eq!(s["status"], "received");
    assert_eq!(s["tests"].as_array().unwrap().len(), 2);
    assert_eq!(s["custody"][0]["action"], "received");
    assert_eq!(
        s["custody"][0]["from_holder"],
        "Chi cục Quản lý thị trường Lạng Sơn"
    );
    assert_eq!(s["retain_until"], day(90));

    // The label carries the code in text and in a QR code.
    let label = app
        .get(&format!("/api/v1/samples/{id}/label.svg"), &tech)
        .await;
    assert_eq!(label.status, StatusCode::OK);
    assert_eq!(
        label.headers["content-type"],
        "image/svg+xml; charset=utf-8"
    );
    let svg = label.json.as_str().unwrap();
    assert!(
        svg.contains(&format!("M{year}-0001")) && svg.contains("<rect"),
        "{svg}"
    );

    // Split: one sub-sample for another laboratory, one retained portion.
    let a = app
        .post(
            &format!("/api/v1/samples/{id}/split"),
            &tech,
            json!({"portions": [
                {"portion": "sub", "quantity": "0,5 L", "location": "Tủ gửi mẫu", "holder": "Quatest 1"},
                {"portion": "retained", "quantity": "1 L", "location": "Kho lưu mẫu – kệ R1", "seal_number": "NP-0043"}
            ]}),
        )
        .await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.json);
    let codes: Vec<&str> = a.json["portions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["code"].as_str().unwrap())
        .collect();
    assert_eq!(
        codes,
        [format!("M{year}-0001-1"), format!("M{year}-0001-R")]
    );
    let retained = a.json["portions"][1]["sample_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let r = app.get(&format!("/api/v1/samples/{retained}"), &tech).await;
    assert_eq!(r.json["custody"][0]["action"], "split");
    assert_eq!(r.json["location"], "Kho lưu mẫu – kệ R1");

    // A hand-over moves it; its location is always the last one recorded.
    let a = app
        .post(
            &format!("/api/v1/samples/{id}/custody"),
            &tech,
            json!({"to_holder": "reviewer", "location": "Phòng thử nghiệm hóa – tủ lạnh 2", "condition": "niêm phong nguyên vẹn"}),
        )
        .await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.json);
    assert_eq!(a.json["holder"], "reviewer");
    assert_eq!(a.json["location"], "Phòng thử nghiệm hóa – tủ lạnh 2");
    assert_eq!(a.json["custody"].as_array().unwrap().len(), 2);
    let bad = app
        .post(
            &format!("/api/v1/samples/{id}/custody"),
            &tech,
            json!({"to_holder": " ", "location": ""}),
        )
        .await;
    assert_eq!(bad.fields(), ["to_holder", "location"]);

    // Disposal before the retention ends needs a reason; then no more hand-overs.
    let early = app
        .post(
            &format!("/api/v1/samples/{retained}/dispose"),
            &tech,
            json!({"method": "Tiêu hủy"}),
        )
        .await;
    assert_eq!(early.field(), "reason", "{}", early.json);
    let a = app
        .post(
            &format!("/api/v1/samples/{retained}/dispose"),
            &tech,
            json!({"method": "Tiêu hủy", "reason": "Mẫu bị rò rỉ"}),
        )
        .await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.json);
    assert_eq!(a.json["status"], "disposed");
    assert_eq!(
        a.json["custody"].as_array().unwrap().last().unwrap()["action"],
        "disposed"
    );
    let after = app
        .post(
            &format!("/api/v1/samples/{retained}/custody"),
            &tech,
            json!({"to_holder": "x", "location": "y"}),
        )
        .await;
    assert_eq!(after.status, StatusCode::UNPROCESSABLE_ENTITY);

    // Inspectors read but do not handle samples.
    let inspector = app.login_as(Role::Inspector).await;
    let refused = app.post("/api/v1/samples", &inspector, petrol(None)).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn a_bad_receipt_names_every_field_and_burns_no_code() {
    let app = App::new().await;
    let tech = app.login_as(Role::Technician).await;
    let mut body = petrol(None);
    body["sample_type"] = json!("Xăng dầu");
    body["name"] = json!("");
    body["requester_name"] = json!("");
    body["due_on"] = json!("2000-01-01");
    body["tests"][1]["characteristic"] = json!("ron");
    body["tests"][1]["method_id"] = json!("TCVN 2703:2013");
    let a = app.post("/api/v1/samples", &tech, body).await;
    assert_eq!(a.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        a.fields(),
        [
            "sample_type",
            "name",
            "requester_name",
            "due_on",
            "tests[1].characteristic"
        ]
    );
    let s = receive(&app, &tech, petrol(None)).await;
    assert!(
        s["code"].as_str().unwrap().ends_with("-0001"),
        "{}",
        s["code"]
    );
}

#[tokio::test]
async fn tests_are_assigned_to_analysts_with_usable_equipment_and_late_samples_are_listed() {
    let app = App::new().await;
    let tech = app.login_as(Role::Technician).await;
    let reviewer = app.login_as(Role::Reviewer).await;
    let mut late = petrol(None);
    late["received_on"] = json!(day(-20));
    late["due_on"] = json!(day(-1));
    let s = receive(&app, &tech, late).await;
    let id = s["sample_id"].as_str().unwrap().to_owned();
    receive(&app, &tech, petrol(None)).await;

    // Equipment whose calibration has expired is refused, naming the field.
    let a = app
        .post("/api/v1/standards", &tech, json!({"code": "TB-OCTAN-01", "name": "Máy đo trị số octan", "level": "working", "traceability": "Quatest 1"}))
        .await;
    assert_eq!(a.status, StatusCode::CREATED, "{}", a.json);
    let engine = a.json["measurement_standard_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let a = app
        .post(
            &format!("/api/v1/standards/{engine}/calibrations"),
            &tech,
            json!({"certificate_no": "HC-2024-88", "issuer": "Quatest 1", "calibrated_on": day(-400), "due_on": day(-35),
                   "results": [{"nominal": "1 kg", "value": "1.000001 kg", "expanded_uncertainty": "0.5 mg", "k": 2}]}),
        )
        .await;
    assert_eq!(a.status, StatusCode::CREATED, "{}", a.json);
    let refused = app
        .post(
            &format!("/api/v1/samples/{id}/tests"),
            &tech,
            json!({"characteristic": "sulfur", "method_id": "TCVN 6701:2011", "analyst": "reviewer", "measurement_standard_id": engine}),
        )
        .await;
    assert_eq!(
        refused.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        refused.json
    );
    assert_eq!(refused.field(), "measurement_standard_id");
    assert!(
        refused.json["error"]["message"]
            .as_str()
            .unwrap()
            .contains("override"),
        "{}",
        refused.json
    );
    let unknown = app
        .post(
            &format!("/api/v1/samples/{id}/tests"),
            &tech,
            json!({"characteristic": "sulfur", "method_id": "TCVN 6701:2011", "analyst": "nobody"}),
        )
        .await;
    assert_eq!(unknown.field(), "analyst");
    let twice = app
        .post(
            &format!("/api/v1/samples/{id}/tests"),
            &tech,
            json!({"characteristic": "ron", "method_id": "TCVN 2703:2013"}),
        )
        .await;
    assert_eq!(twice.field(), "characteristic", "{}", twice.json);
    let a = app
        .post(
            &format!("/api/v1/samples/{id}/tests"),
            &tech,
            json!({"characteristic": "sulfur", "method_id": "TCVN 6701:2011", "analyst": "reviewer"}),
        )
        .await;
    assert_eq!(a.status, StatusCode::CREATED, "{}", a.json);
    assert_eq!(a.json["status"], "testing");
    assert_eq!(a.json["tests"][2]["analyst"], "reviewer");

    let overdue = app.get("/api/v1/samples?overdue=true", &reviewer).await;
    let codes: Vec<&str> = overdue.json["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["code"].as_str().unwrap())
        .collect();
    assert_eq!(codes, [s["code"].as_str().unwrap()]);
}

#[tokio::test]
async fn a_survey_groups_its_samples() {
    let app = App::new().await;
    let tech = app.login_as(Role::Technician).await;
    let a = app
        .post(
            "/api/v1/surveys",
            &tech,
            json!({"code": "KS-2026-03", "title": "Khảo sát chất lượng xăng dầu trên địa bàn tỉnh", "requested_by": "Sở KH&CN", "started_on": day(-5)}),
        )
        .await;
    assert_eq!(a.status, StatusCode::CREATED, "{}", a.json);
    let survey = a.json["survey_id"].as_str().unwrap().to_owned();
    let dup = app
        .post(
            "/api/v1/surveys",
            &tech,
            json!({"code": "KS-2026-03", "title": "x", "started_on": day(0)}),
        )
        .await;
    assert_eq!(dup.status, StatusCode::UNPROCESSABLE_ENTITY);
    for _ in 0..3 {
        receive(&app, &tech, petrol(Some(&survey))).await;
    }
    receive(&app, &tech, petrol(None)).await;
    let report = app.get(&format!("/api/v1/surveys/{survey}"), &tech).await;
    assert_eq!(report.status, StatusCode::OK, "{}", report.json);
    assert_eq!(report.json["samples"].as_array().unwrap().len(), 3);
    assert_eq!(report.json["tests"].as_array().unwrap().len(), 6);
    let missing = app
        .post(
            "/api/v1/samples",
            &tech,
            petrol(Some("0192f0c4-0000-7000-8000-000000000000")),
        )
        .await;
    assert_eq!(missing.field(), "survey_id");
}

// The proof as one story, from receipt to the amended report.
#[allow(clippy::too_many_lines)]
#[tokio::test]
async fn a_sample_is_tested_with_one_nonconforming_result_reported_and_its_report_verified_by_qr() {
    let app = App::new().await;
    let tech = app.login_as(Role::Technician).await;
    let reviewer = app.login_as(Role::Reviewer).await;
    let mut body = petrol(None);
    body["tests"] = json!([
        {"characteristic": "ron", "method_id": "TCVN 2703:2013", "analyst": "technician"},
        {"characteristic": "benzene", "method_id": "TCVN 6703:2015", "analyst": "technician"},
        {"characteristic": "sulfur", "method_id": "TCVN 6701:2011", "analyst": "technician"}
    ]);
    let s = receive(&app, &tech, body).await;
    let id = s["sample_id"].as_str().unwrap().to_owned();
    let test_id = |name: &str| {
        s["tests"]
            .as_array()
            .unwrap()
            .iter()
            .find(|t| t["characteristic"] == name)
            .unwrap()["sample_test_id"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    let a = app
        .post(&format!("/api/v1/samples/{id}/split"), &tech, json!({"portions": [{"portion": "retained", "quantity": "1 L", "location": "Kho lưu mẫu"}]}))
        .await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.json);

    // Submitting before every result is in is refused, naming what is missing.
    let early = app
        .post(&format!("/api/v1/samples/{id}/submit"), &tech, json!({}))
        .await;
    assert_eq!(early.status, StatusCode::CONFLICT, "{}", early.json);

    let result = |name: &str, values: Value| {
        let path = format!("/api/v1/samples/{id}/tests/{}/result", test_id(name));
        let app = app.clone();
        let tech = tech.clone();
        async move { app.post(&path, &tech, json!({"replicates": values})).await }
    };
    // Duplicates beyond r (|95,0 − 95,6| = 0,6 > 0,2) must be repeated.
    let far = result("ron", json!(["95,0", "95,6"])).await;
    assert_eq!(far.field(), "replicates", "{}", far.json);
    assert!(
        far.json["error"]["message"]
            .as_str()
            .unwrap()
            .contains("repeat the test")
    );
    // RON (95,3 + 95,4) / 2 = 95,35 → 95,4 ≥ 95: conforms.
    let a = result("ron", json!(["95,3", "95,4"])).await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.json);
    // Benzene (2,61 + 2,63) / 2 = 2,62 > 2,5 % vol: does not conform.
    let a = result("benzene", json!(["2,61", "2,63"])).await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.json);
    // Sulfur 2 mg/kg < LOD 3: reported "< 3", meets ≤ 150.
    let a = result("sulfur", json!(["2"])).await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.json);
    let tests = a.json["tests"].as_array().unwrap();
    let by = |name: &str| tests.iter().find(|t| t["characteristic"] == name).unwrap();
    assert_eq!(
        (
            by("ron")["reported"].as_str(),
            by("ron")["conformity"].as_str()
        ),
        (Some("95,4"), Some("conforms"))
    );
    assert_eq!(by("ron")["limit_text"], "≥ 95");
    assert_eq!(
        (
            by("benzene")["reported"].as_str(),
            by("benzene")["conformity"].as_str()
        ),
        (Some("2,62"), Some("does_not_conform"))
    );
    assert_eq!(
        (
            by("sulfur")["reported"].as_str(),
            by("sulfur")["conformity"].as_str()
        ),
        (Some("< 3"), Some("conforms"))
    );
    assert!(by("sulfur")["expanded_uncertainty"].is_null());

    let a = app
        .post(&format!("/api/v1/samples/{id}/submit"), &tech, json!({}))
        .await;
    assert_eq!(a.json["status"], "submitted", "{}", a.json);
    // The analyst cannot approve; a wrong password signs nothing; the reviewer approves.
    let qm = app.login_as(Role::QualityManager).await;
    let own = app
        .post(
            &format!("/api/v1/samples/{id}/approve"),
            &tech,
            json!({"password": crate::PASSWORD}),
        )
        .await;
    assert_eq!(own.status, StatusCode::FORBIDDEN);
    let wrong = app
        .post(
            &format!("/api/v1/samples/{id}/approve"),
            &reviewer,
            json!({"password": "sai"}),
        )
        .await;
    assert_eq!(wrong.field(), "password");
    let a = app
        .post(
            &format!("/api/v1/samples/{id}/approve"),
            &reviewer,
            json!({"password": crate::PASSWORD}),
        )
        .await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.json);
    assert_eq!(a.json["status"], "reported");
    assert_eq!(a.json["conformity"], "does_not_conform");
    let report = &a.json["records"][0];
    assert_eq!(report["kind"], "test_report");
    assert!(report["number"].as_str().unwrap().ends_with("/PKQ-TTTĐC"));

    // The PDF and the public page verified by its QR link.
    let pdf = app
        .get(
            &format!(
                "/api/v1/records/{}/pdf",
                report["record_id"].as_str().unwrap()
            ),
            &qm,
        )
        .await;
    assert_eq!(pdf.status, StatusCode::OK);
    assert_eq!(pdf.headers["content-type"], "application/pdf");
    let page = app
        .call(
            axum::http::Method::GET,
            &format!("/v/{}", report["token"].as_str().unwrap()),
            None,
            None,
        )
        .await;
    let html = page.json.as_str().unwrap();
    assert!(html.contains("Phiếu kết quả thử nghiệm"), "{html}");
    assert!(
        html.contains("Mẫu không phù hợp QCVN 1:2022/BKHCN: 1 chỉ tiêu không đạt"),
        "{html}"
    );
    assert!(html.contains("data-signature=\"valid\""), "{html}");

    // An amendment corrects the customer's name: a new revision supersedes the report and its
    // public page says so.
    let bad = app
        .post(
            &format!(
                "/api/v1/records/{}/amend",
                report["record_id"].as_str().unwrap()
            ),
            &qm,
            json!({"password": crate::PASSWORD, "reason": "Sai tên", "fields": {"Không có": "x"}}),
        )
        .await;
    assert_eq!(bad.field(), "fields.Không có", "{}", bad.json);
    let amended = app
        .post(
            &format!("/api/v1/records/{}/amend", report["record_id"].as_str().unwrap()),
            &qm,
            json!({"password": crate::PASSWORD, "reason": "Khách hàng báo sai tên đơn vị", "fields": {"Khách hàng / đơn vị yêu cầu": "Chi cục QLTT tỉnh Lạng Sơn"}}),
        )
        .await;
    assert_eq!(amended.status, StatusCode::CREATED, "{}", amended.json);
    assert_eq!(
        amended.json["number"],
        format!("{}-SĐ1", report["number"].as_str().unwrap())
    );
    let old_page = app
        .call(
            axum::http::Method::GET,
            &format!("/v/{}?lang=en", report["token"].as_str().unwrap()),
            None,
            None,
        )
        .await;
    assert!(
        old_page.json.as_str().unwrap().contains("SUPERSEDED"),
        "{}",
        old_page.json
    );

    // Reported: no more results.
    let late = result("ron", json!(["95,5"])).await;
    assert_eq!(late.status, StatusCode::CONFLICT);
    // The yearly figures count it once, nonconforming (the retained portion is not counted).
    let year = &day(0)[..4];
    let r = app
        .get(&format!("/api/v1/reports/yearly?from={year}"), &qm)
        .await;
    assert_eq!(
        r.json["samples"],
        json!([{"year": year.parse::<i32>().unwrap(), "sample_type": "petrol", "tested": 1, "nonconforming": 1}])
    );
}
