//! The bench work flow in pages: the run page with the procedure's points and live panels,
//! the buttons each role gets at each stage, the receipt form (messages next to the fields,
//! nothing typed lost), the receipt with its labels, the certificate page and the lists.
//! The work itself is moved on through the JSON API, as the page's script does.

use axum::body::Body;
use axum::http::{Method, Request, StatusCode};
use calibration_profiles::wire::v1::{Raw, Reading};
use chrono::{Days, Utc};
use serde_json::{Value, json};
use server::http::AppState;
use server::store::Store;
use server::store::bench::{ReceiptInput, ReceiptItem};
use server::store::registry::{InstrumentInput, OrganisationInput, PageRequest};
use server::store::standards::{CalibrationInput, CalibrationValue, StandardInput};
use server::store::users::{Role, UserUpdate};

use crate::{App, Browser, PASSWORD};

/// Vietnam's today, as the pages count days.
fn today() -> chrono::NaiveDate {
    server::web::i18n::today()
}

/// A lab: a customer with a class I balance, a valid weight set, an expired one, a device
/// that has sent a stable reading, and a receipt with one periodic verification.
struct Lab {
    app: App,
    org: String,
    balance: String,
    weights: String,
    expired: String,
    run: String,
}

/// The application with a signing key (so a quality manager can issue certificates).
async fn signing_app() -> App {
    let store = Store::open("sqlite::memory:").await.unwrap();
    let ring = server::signing::KeyRing::ephemeral(&store).await.unwrap();
    App {
        state: AppState::new(store).with_signer(ring),
    }
}

async fn standard(app: &App, code: &str, due_in: i64) -> String {
    let s = app
        .store()
        .create_standard(
            "user:seed",
            &StandardInput {
                code: code.into(),
                name: format!("Bộ quả cân chuẩn {code}"),
                level: "working".into(),
                traceability: Some("Viện Đo lường Việt Nam (VMI)".into()),
                ..StandardInput::default()
            },
        )
        .await
        .unwrap();
    let due = if due_in >= 0 {
        today() + Days::new(due_in.unsigned_abs())
    } else {
        today() - Days::new(due_in.unsigned_abs())
    };
    app.store()
        .add_calibration(
            "user:seed",
            s.measurement_standard_id,
            &CalibrationInput {
                certificate_no: format!("V03.{code}"),
                issuer: "Viện Đo lường Việt Nam".into(),
                issuer_accreditation: None,
                calibrated_on: due - Days::new(365),
                due_on: due,
                results: vec![
                    CalibrationValue {
                        nominal: "20 mg".into(),
                        value: "20.002 mg".into(),
                        expanded_uncertainty: "0.003 mg".into(),
                        k: Some(2.0),
                    },
                    CalibrationValue {
                        nominal: "500 g".into(),
                        value: "500.0002 g".into(),
                        expanded_uncertainty: "0.25 mg".into(),
                        k: Some(2.0),
                    },
                ],
                in_tolerance: true,
            },
        )
        .await
        .unwrap();
    s.measurement_standard_id.to_string()
}

async fn reading(app: &App, value: &str, stable: bool) {
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
    let v: f64 = value.parse().unwrap();
    app.store()
        .insert_readings("bench-1", &[(r, v)])
        .await
        .unwrap();
}

async fn lab() -> Lab {
    let app = signing_app().await;
    let store = app.store();
    let org = store
        .create_organisation(
            "user:seed",
            &OrganisationInput {
                name: "Bệnh viện Đa khoa tỉnh Lạng Sơn".into(),
                tax_code: Some("4900123456".into()),
                address: Some("Số 1 Đường Lê Lợi, TP. Lạng Sơn".into()),
                phone: None,
            },
        )
        .await
        .unwrap();
    let balance = store
        .create_instrument(
            "user:seed",
            &InstrumentInput {
                category: "analytical-balance".into(),
                serial: "B123456789".into(),
                maker: Some("Mettler Toledo".into()),
                model: Some("XPR205".into()),
                measuring_range: Some("Max = 220 g; Min = 10 mg".into()),
                resolution: Some("0.1 mg".into()),
                verification_interval: Some("1 mg".into()),
                accuracy_class: Some("I".into()),
                owner_id: Some(org.organisation_id),
                ..InstrumentInput::default()
            },
        )
        .await
        .unwrap();
    let weights = standard(&app, "QC-E2-01", 300).await;
    let expired = standard(&app, "QC-F1-09", -20).await;
    reading(&app, "0.0000", true).await;
    let (_, runs) = store
        .create_receipt(
            "user:seed",
            &ReceiptInput {
                organisation_id: org.organisation_id,
                agreed_due_on: Some(today() + Days::new(7)),
                language: Some("bilingual".into()),
                items: vec![ReceiptItem {
                    instrument_id: Some(balance.instrument_id),
                    service: "periodic".into(),
                    condition_on_arrival: Some("Bình thường, đủ phụ kiện".into()),
                    ..ReceiptItem::default()
                }],
                ..ReceiptInput::default()
            },
            today(),
            |year, seq| format!("{seq:04}/{year}/TN"),
        )
        .await
        .unwrap();
    Lab {
        org: org.organisation_id.to_string(),
        balance: balance.instrument_id.to_string(),
        run: runs[0].run_id.to_string(),
        app,
        weights,
        expired,
    }
}

/// Calls the JSON API as the page's script does: the session cookie and the CSRF header.
async fn api(
    app: &App,
    b: &Browser,
    method: Method,
    path: &str,
    body: &Value,
) -> (StatusCode, Value) {
    let mut req = Request::builder()
        .method(method)
        .uri(path)
        .header("content-type", "application/json")
        .header("x-csrf-token", &b.csrf);
    if let Some(s) = &b.session {
        req = req.header("cookie", s.as_str());
    }
    let page = app
        .send(req.body(Body::from(body.to_string())).unwrap())
        .await;
    let json = serde_json::from_str(&page.html).unwrap_or(Value::String(page.html.clone()));
    (page.status, json)
}

/// The technician sets the run up with the valid weights and the balance on the bench.
async fn set_up(lab: &Lab, tech: &Browser) {
    let (s, j) = api(
        &lab.app,
        tech,
        Method::PUT,
        &format!("/api/v1/runs/{}/setup", lab.run),
        &json!({"procedure_id": "dlvn-16-2021-nawi-verification",
                "params": {"max": "220 g", "e": "1 mg", "d": "0.1 mg", "class": "I"},
                "standards": [lab.weights], "devices": [{"device_id": "balance-1"}],
                "place": "Phòng thí nghiệm Khối lượng", "stamp_number": "T-2026-000123"}),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{j}");
}

/// Set up, conditions, checks and a passing value at every point, then submitted by a
/// technician with a verifier card.
async fn submitted(lab: &Lab) -> Browser {
    let tech = lab.app.browser_as(Role::Technician).await;
    lab.app
        .store()
        .update_user(
            "test",
            "technician",
            &UserUpdate {
                full_name: "Nguyễn Văn Kỹ".into(),
                role: Role::Technician,
                verifier_card_no: Some("KĐV-0042".into()),
                verifier_card_expires_on: Some(today() + Days::new(365)),
            },
        )
        .await
        .unwrap();
    set_up(lab, &tech).await;
    let run = &lab.run;
    let (s, j) = api(
        &lab.app,
        &tech,
        Method::PUT,
        &format!("/api/v1/runs/{run}/environment"),
        &json!({"values": [{"quantity": "temperature", "value": 22.5, "unit": "°C"},
                           {"quantity": "humidity", "value": 55.0, "unit": "%RH"}]}),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{j}");
    for step in ["external", "technical"] {
        let (s, j) = api(
            &lab.app,
            &tech,
            Method::POST,
            &format!("/api/v1/runs/{run}/steps/{step}"),
            &json!({"passed": true}),
        )
        .await;
        assert_eq!(s, StatusCode::OK, "{j}");
    }
    let (_, view) = api(
        &lab.app,
        &tech,
        Method::GET,
        &format!("/api/v1/runs/{run}"),
        &json!(null),
    )
    .await;
    for p in view["points"].as_array().unwrap() {
        let id = p["point_id"].as_str().unwrap();
        let nominal = p["nominal"].as_f64().unwrap();
        for _ in 0..p["repeats"].as_u64().unwrap() {
            let (s, j) = api(
                &lab.app,
                &tech,
                Method::POST,
                &format!("/api/v1/runs/{run}/points/{id}/manual"),
                &json!({"value": nominal, "reason": "Cân không có cổng RS-232"}),
            )
            .await;
            assert_eq!(s, StatusCode::CREATED, "{id}: {j}");
        }
    }
    let (s, j) = api(
        &lab.app,
        &tech,
        Method::POST,
        &format!("/api/v1/runs/{run}/submit"),
        &json!({}),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{j}");
    tech
}

#[tokio::test]
async fn the_run_page_shows_the_procedure_and_its_points_in_vietnamese_for_a_technician() {
    let lab = lab().await;
    let tech = lab.app.browser_as(Role::Technician).await;
    // Before the set-up: the procedure for a balance's periodic verification is offered, the
    // parameters come from the instrument's record, and the expired weights cannot be picked.
    let p = lab.app.get(&format!("/runs/{}", lab.run), &tech).await;
    assert_eq!(p.status, StatusCode::OK, "{}", p.html);
    assert!(
        p.html
            .contains(r#"<option value="dlvn-16-2021-nawi-verification" selected>ĐLVN 16:2021"#),
        "{}",
        p.around("f-procedure", 600)
    );
    assert!(
        p.html.contains(r#"name="params.max" value="220 g""#),
        "{}",
        p.around("params.max", 300)
    );
    assert!(p.html.contains(r#"name="params.e" value="1 mg""#));
    assert!(p.html.contains(r#"name="params.class" value="I""#));
    let expired = p.around(&format!(r#"value="{}""#, lab.expired), 600);
    assert!(expired.contains("disabled"), "{expired}");
    assert!(
        expired.contains("Không được sử dụng: Hết hạn hiệu chuẩn"),
        "{expired}"
    );
    let valid = p.around(&format!(r#"value="{}""#, lab.weights), 300);
    assert!(!valid.contains("disabled"), "{valid}");
    assert!(
        p.html
            .contains("Hãy chọn quy trình và lưu thiết lập trước.")
    );
    assert!(p.html.contains(&format!(r#"data-csrf="{}""#, tech.csrf)));

    set_up(&lab, &tech).await;
    let p = lab.app.get(&format!("/runs/{}", lab.run), &tech).await;
    assert_eq!(p.status, StatusCode::OK);
    for text in [
        "Kiểm tra bên ngoài",
        "Kiểm tra kỹ thuật",
        "Bọt thủy và chân chỉnh cân bằng",
        "Kiểm tra sai số cân",
        "Kiểm tra độ lệch tâm",
        "Kiểm tra độ lặp lại",
        "Gần mức cân nhỏ nhất (20 e)",
        "1/4 Max",
        "Điều kiện môi trường",
        "Nhiệt độ",
        "Độ ẩm tương đối",
        "Kết quả đánh giá",
        "Gửi soát xét",
        "Đang thực hiện",
    ] {
        assert!(p.html.contains(text), "{text} is on the page");
    }
    // Nominal values in the instrument's decimals, with a decimal comma.
    let quarter = p.around(r#"id="point-quarter-max""#, 1500);
    assert!(quarter.contains("55,0000 g"), "{quarter}");
    assert!(
        quarter.contains(r#"data-capture data-point="quarter-max" data-device="balance-1""#),
        "{quarter}"
    );
    assert!(quarter.contains(">Ghi nhận</button>"), "{quarter}");
    assert!(quarter.contains("Nhập tay"), "{quarter}");
    assert_eq!(
        p.html.matches("<tr id=\"point-").count(),
        11,
        "every point of the procedure"
    );
    // One live panel for the device picked, on its event stream.
    assert!(
        p.html
            .contains(r#"data-stream="/api/v1/devices/balance-1/readings/stream""#)
    );
    assert!(p.html.contains("/bench.js\" defer></script>"));
    // The first point is the one the shortcut captures.
    assert!(
        p.html
            .contains(r#"id="point-min" data-point="min" tabindex="-1" class="point is-next""#)
    );

    // A captured value links to its raw reading; a typed one says so, with its reason.
    reading(&lab.app, "55.0001", true).await;
    let (s, j) = api(
        &lab.app,
        &tech,
        Method::POST,
        &format!("/api/v1/runs/{}/points/quarter-max/capture", lab.run),
        &json!({"device_id": "balance-1"}),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED, "{j}");
    let raw = j["reading_id"].as_str().unwrap().to_owned();
    let (s, j) = api(
        &lab.app,
        &tech,
        Method::POST,
        &format!("/api/v1/runs/{}/points/half-max/manual", lab.run),
        &json!({"value": 110.0001, "reason": "Cân không có cổng RS-232"}),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED, "{j}");
    let p = lab.app.get(&format!("/runs/{}", lab.run), &tech).await;
    let quarter = p.around(r#"id="point-quarter-max""#, 2500);
    assert!(quarter.contains("55.0001 g"), "{quarter}");
    assert!(
        quarter.contains(&format!(r#"href="/readings/{raw}""#)),
        "{quarter}"
    );
    let half = p.around(r#"id="point-half-max""#, 2500);
    assert!(
        half.contains("nhập tay: Cân không có cổng RS-232"),
        "{half}"
    );
    let raw_page = lab.app.get(&format!("/readings/{raw}"), &tech).await;
    assert_eq!(raw_page.status, StatusCode::OK);
    assert!(raw_page.html.contains("S S 55.0001 g"), "{}", raw_page.html);

    // In English the same page speaks English.
    let en = Browser {
        lang: Some("tdc_lang=en".into()),
        ..tech.clone()
    };
    let p = lab.app.get(&format!("/runs/{}", lab.run), &en).await;
    assert!(p.html.contains("External examination") && p.html.contains("Capture"));
    assert!(p.html.contains("55.0000 g"), "a decimal point in English");
}

#[tokio::test]
async fn a_reviewer_sees_approve_and_return_but_a_technician_does_not() {
    let lab = lab().await;
    let tech = submitted(&lab).await;
    let reviewer = lab.app.browser_as(Role::Reviewer).await;
    let path = format!("/runs/{}", lab.run);
    let p = lab.app.get(&path, &reviewer).await;
    assert_eq!(p.status, StatusCode::OK);
    assert!(p.html.contains(r#"id="approve-form""#), "reviewer approves");
    assert!(p.html.contains(r#"id="return-form""#), "reviewer returns");
    assert!(p.html.contains("Duyệt") && p.html.contains("Trả lại"));
    assert!(p.html.contains("Chờ soát xét"));
    assert!(
        !p.html.contains(r#"id="sign-form""#),
        "the reviewer does not sign"
    );
    let p = lab.app.get(&path, &tech).await;
    assert_eq!(p.status, StatusCode::OK);
    assert!(!p.html.contains(r#"id="approve-form""#));
    assert!(!p.html.contains(r#"id="return-form""#));
    assert!(
        !p.html.contains(r#"id="submit-form""#),
        "submitted work is not submitted again"
    );
    assert!(
        p.html
            .contains("Không có thao tác nào cho vai trò của bạn ở trạng thái này.")
    );
    // The evaluation as submitted: every point passes.
    let eval = p.around(r#"id="evaluation""#, 20_000);
    assert!(eval.contains("Kết luận chung:"), "{eval}");
    assert!(eval.contains("✔</span> Đạt</span></p>"), "{eval}");
    assert!(p.html.contains(r#"src="/api/v1/runs/"#), "the error chart");
    // The reviewer's queue lists it; the dashboard counts it.
    let list = lab.app.get("/runs?tab=review", &reviewer).await;
    assert!(list.html.contains("B123456789"), "{}", list.html);
    assert!(
        !lab.app
            .get("/runs?tab=active", &reviewer)
            .await
            .html
            .contains("B123456789")
    );
    let home = lab.app.get("/", &reviewer).await;
    assert!(
        home.html.contains(&format!(r#"href="/runs/{}""#, lab.run)),
        "waiting on the dashboard"
    );
    assert!(home.html.contains("/api/v1/due?days=30&amp;format=csv"));
}

#[tokio::test]
async fn the_sign_form_appears_only_for_the_quality_manager() {
    let lab = lab().await;
    let tech = submitted(&lab).await;
    let reviewer = lab.app.browser_as(Role::Reviewer).await;
    let (s, j) = api(
        &lab.app,
        &reviewer,
        Method::POST,
        &format!("/api/v1/runs/{}/approve", lab.run),
        &json!({"comment": "Đã soát xét"}),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{j}");
    let qm = lab.app.browser_as(Role::QualityManager).await;
    let path = format!("/runs/{}", lab.run);
    let p = lab.app.get(&path, &qm).await;
    assert!(p.html.contains(r#"id="sign-form""#));
    assert!(p.html.contains(r#"data-api="/api/v1/runs/"#) && p.html.contains("/sign\""));
    assert!(p.html.contains(r#"name="password" type="password""#));
    assert!(p.html.contains("Ký số và cấp"));
    for b in [&reviewer, &tech] {
        let p = lab.app.get(&path, b).await;
        assert_eq!(p.status, StatusCode::OK);
        assert!(!p.html.contains(r#"id="sign-form""#));
    }
    // The review trail names who approved, with the comment.
    assert!(p.html.contains("Đã soát xét") && p.html.contains("reviewer"));
}

#[tokio::test]
async fn the_receipt_form_names_each_wrong_field_and_keeps_what_was_typed() {
    let lab = lab().await;
    let mut tech = lab.app.browser_as(Role::Technician).await;
    let form = lab.app.get("/receipts/new", &tech).await;
    assert_eq!(form.status, StatusCode::OK);
    assert!(
        form.html
            .contains("Bệnh viện Đa khoa tỉnh Lạng Sơn (4900123456)")
    );
    assert!(
        form.html
            .contains(r#"<option value="periodic" selected>Kiểm định định kỳ</option>"#)
    );
    for s in [
        "Kiểm định ban đầu",
        "Kiểm định sau sửa chữa",
        "Hiệu chuẩn",
        "Song ngữ Việt – Anh",
    ] {
        assert!(form.html.contains(s), "{s}");
    }
    // "Check, add a row" keeps everything and finds the registered instrument.
    let p = lab
        .app
        .submit(
            "/receipts/new",
            &mut tech,
            &[
                ("organisation_id", &lab.org),
                ("contact", "Chị Hoàng Thị Lan"),
                ("items[0].mode", "existing"),
                ("items[0].find", "b123456789"),
                ("items[0].service", "periodic"),
                ("items[0].condition_on_arrival", "Vỏ trầy xước nhẹ"),
                ("op", "add"),
            ],
        )
        .await;
    assert_eq!(p.status, StatusCode::OK);
    assert!(p.html.contains(r#"id="item-1""#), "a second row");
    assert!(
        p.html.contains("Đã tìm thấy: B123456789"),
        "{}",
        p.around("item-0", 3000)
    );
    assert!(p.html.contains(&format!(
        r#"name="items[0].instrument_id" value="{}""#,
        lab.balance
    )));
    assert!(p.html.contains(r#"value="Vỏ trầy xước nhẹ""#));
    // Saving with problems: each message sits next to its field, every value stays.
    let p = lab
        .app
        .submit(
            "/receipts/new",
            &mut tech,
            &[
                ("organisation_id", ""),
                ("contact", "Chị Hoàng Thị Lan"),
                ("agreed_due_on", "31/02/2027"),
                ("items[0].mode", "existing"),
                ("items[0].find", "KHONG-CO-0001"),
                ("items[0].service", "periodic"),
                ("items[0].accessories", "Quả cân hiệu chỉnh 200 g"),
                ("items[1].mode", "new"),
                ("items[1].instrument.category", "counter-scale"),
                ("items[1].instrument.serial", ""),
                ("items[1].instrument.maker", "Nhơn Hòa"),
                ("items[1].service", ""),
                ("op", "save"),
            ],
        )
        .await;
    assert_eq!(p.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", p.html);
    assert!(
        p.html
            .contains("Chưa lưu: hãy sửa các ô được đánh dấu bên dưới.")
    );
    let customer = p.around(r#"<label for="f-organisation_id">"#, 900);
    assert!(customer.contains("Hãy chọn khách hàng."), "{customer}");
    let due = p.around(r#"<label for="f-agreed_due_on">"#, 700);
    assert!(
        due.contains("Không phải ngày hợp lệ") && due.contains(r#"value="31/02/2027""#),
        "{due}"
    );
    let find = p.around(r#"<label for="f-items-0-find">"#, 900);
    assert!(
        find.contains("Không có phương tiện đo nào mang số máy này"),
        "{find}"
    );
    assert!(find.contains(r#"value="KHONG-CO-0001""#), "{find}");
    let serial = p.around(r#"<label for="f-items-1-serial">"#, 700);
    assert!(serial.contains("Bắt buộc nhập."), "{serial}");
    let service = p.around(r#"<label for="f-items-1-service">"#, 1500);
    assert!(
        service.contains("Hãy chọn một mục trong danh sách."),
        "{service}"
    );
    let maker = p.around(r#"<label for="f-items-1-maker">"#, 500);
    assert!(
        maker.contains(r#"value="Nhơn Hòa""#) && !maker.contains("field-error"),
        "{maker}"
    );
    assert!(p.html.contains(r#"value="Chị Hoàng Thị Lan""#));
    assert!(p.html.contains(r#"value="Quả cân hiệu chỉnh 200 g""#));
    assert!(
        p.html
            .contains(r#"<option value="counter-scale" selected>"#)
    );
    assert!(
        p.html
            .contains(r#"name="items[1].mode" value="new" checked"#),
        "the row stays a new instrument"
    );
    let receipts = lab
        .app
        .store()
        .list_receipts(None, PageRequest::default())
        .await
        .unwrap();
    assert_eq!(
        receipts.items.len(),
        1,
        "nothing stored but the seeded receipt"
    );
}

#[tokio::test]
async fn a_good_receipt_is_saved_with_a_run_and_a_qr_label_per_instrument() {
    let lab = lab().await;
    let mut tech = lab.app.browser_as(Role::Technician).await;
    let p = lab
        .app
        .submit(
            "/receipts/new",
            &mut tech,
            &[
                ("organisation_id", &lab.org),
                ("language", "vi"),
                ("items[0].mode", "existing"),
                ("items[0].find", "B123456789"),
                ("items[0].service", "periodic"),
                ("items[1].mode", "new"),
                ("items[1].instrument.category", "counter-scale"),
                ("items[1].instrument.serial", "CD-0042"),
                ("items[1].instrument.maker", "Nhơn Hòa"),
                ("items[1].service", "initial"),
                ("op", "save"),
            ],
        )
        .await;
    assert_eq!(p.status, StatusCode::SEE_OTHER, "{}", p.html);
    let receipt = lab.app.get(p.location(), &tech).await;
    assert_eq!(receipt.status, StatusCode::OK);
    assert!(receipt.html.contains("B123456789") && receipt.html.contains("CD-0042"));
    assert!(receipt.html.contains("Kiểm định ban đầu") && receipt.html.contains("Đã tiếp nhận"));
    assert_eq!(
        receipt.html.matches("<svg").count(),
        2,
        "a QR code per label"
    );
    assert!(
        receipt
            .html
            .contains("aria-label=\"QR http://127.0.0.1:8080/runs/")
    );
}

/// The run submitted, approved by the reviewer and signed by the quality manager: the
/// quality manager's browser and the certificate as the API returns it.
async fn issued(lab: &Lab) -> (Browser, Value) {
    submitted(lab).await;
    let reviewer = lab.app.browser_as(Role::Reviewer).await;
    let (s, j) = api(
        &lab.app,
        &reviewer,
        Method::POST,
        &format!("/api/v1/runs/{}/approve", lab.run),
        &json!({}),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{j}");
    let qm = lab.app.browser_as(Role::QualityManager).await;
    let (s, cert) = api(
        &lab.app,
        &qm,
        Method::POST,
        &format!("/api/v1/runs/{}/sign", lab.run),
        &json!({"password": PASSWORD}),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED, "{cert}");
    (qm, cert)
}

#[tokio::test]
async fn the_certificate_page_shows_its_state_signature_and_documents() {
    let lab = lab().await;
    let (qm, cert) = issued(&lab).await;
    let id = cert["certificate_id"].as_str().unwrap();
    let number = cert["number"].as_str().unwrap();
    let p = lab.app.get(&format!("/certificates/{id}"), &qm).await;
    assert_eq!(p.status, StatusCode::OK, "{}", p.html);
    assert!(p.html.contains(number));
    assert!(p.html.contains("Giấy chứng nhận kiểm định"));
    assert!(p.html.contains("Còn hiệu lực"));
    assert!(p.html.contains(r#"data-signature="valid""#));
    for doc in ["pdf", "record.pdf", "dcc.xml", "signed.json"] {
        assert!(
            p.html
                .contains(&format!(r#"href="/api/v1/certificates/{id}/{doc}""#)),
            "{doc}"
        );
    }
    let url = cert["verify_url"].as_str().unwrap();
    let public = &url[url.find("/v/").unwrap()..];
    assert!(
        p.html.contains(&format!(r#"href="{public}""#)),
        "the public page"
    );
    assert!(p.html.contains("B123456789") && p.html.contains("Bệnh viện Đa khoa tỉnh Lạng Sơn"));
    assert!(p.html.contains(r#"id="amend-form""#) && p.html.contains(r#"id="revoke-form""#));
    assert!(p.html.contains(r#"name="changes.owner_name""#));
    // Others read it but neither amend nor revoke.
    let tech = lab.app.browser_as(Role::Technician).await;
    let p = lab.app.get(&format!("/certificates/{id}"), &tech).await;
    assert_eq!(p.status, StatusCode::OK);
    assert!(!p.html.contains(r#"id="amend-form""#) && !p.html.contains(r#"id="revoke-form""#));
    // The list finds it by the beginning of its number; the run links to it.
    let prefix: String = number.chars().take(4).collect();
    let list = lab
        .app
        .get(&format!("/certificates?number={prefix}"), &tech)
        .await;
    assert!(
        list.html.contains(&format!(r#"href="/certificates/{id}""#)),
        "{}",
        list.html
    );
    let none = lab.app.get("/certificates?number=9999", &tech).await;
    assert!(none.html.contains("Không có kết quả phù hợp."));
    let run = lab.app.get(&format!("/runs/{}", lab.run), &tech).await;
    assert!(run.html.contains(&format!("Xem giấy chứng nhận {number}")));
    // Revoked, it says so.
    let (s, j) = api(
        &lab.app,
        &qm,
        Method::POST,
        &format!("/api/v1/certificates/{id}/revoke"),
        &json!({"password": PASSWORD, "reason": "Cân bị hư hỏng sau kiểm định"}),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{j}");
    let p = lab.app.get(&format!("/certificates/{id}"), &qm).await;
    assert!(p.html.contains("Đã thu hồi") && p.html.contains("Cân bị hư hỏng sau kiểm định"));
    assert!(
        !p.html.contains(r#"id="revoke-form""#),
        "a revoked certificate cannot be revoked again"
    );
}

/// The main menu of a page.
fn menu(html: &str) -> &str {
    let start = html.find(r#"<nav class="mainnav""#).expect("a menu");
    let end = html[start..].find("</nav>").expect("the menu ends") + start;
    &html[start..end]
}

#[tokio::test]
async fn a_read_only_user_cannot_open_the_receipt_form_and_the_menu_follows_the_role() {
    let lab = lab().await;
    let mut ro = lab.app.browser_as(Role::ReadOnly).await;
    let p = lab.app.get("/receipts/new", &ro).await;
    assert_eq!(p.status, StatusCode::FORBIDDEN);
    assert!(p.html.contains("Không có quyền truy cập") && p.html.contains("Chỉ xem"));
    let p = lab
        .app
        .submit(
            "/receipts/new",
            &mut ro,
            &[
                ("organisation_id", &lab.org),
                ("items[0].find", "B123456789"),
                ("items[0].service", "periodic"),
                ("op", "save"),
            ],
        )
        .await;
    assert_eq!(p.status, StatusCode::FORBIDDEN);
    assert_eq!(
        lab.app
            .store()
            .list_receipts(None, PageRequest::default())
            .await
            .unwrap()
            .items
            .len(),
        1
    );
    // Read-only may read the work and its documents, but not change them.
    let p = lab.app.get(&format!("/runs/{}", lab.run), &ro).await;
    assert_eq!(p.status, StatusCode::OK);
    assert!(
        !p.html.contains("data-api="),
        "no form that changes anything"
    );
    for path in ["/runs", "/certificates", "/nonconformities"] {
        assert_eq!(
            lab.app.get(path, &ro).await.status,
            StatusCode::OK,
            "{path}"
        );
    }
    let home = lab.app.get("/", &ro).await;
    let nav = menu(&home.html);
    assert!(!nav.contains(r#"href="/receipts/new""#) && !nav.contains(r#"href="/runs""#));
    assert!(nav.contains(r#"href="/certificates""#));
    let tech = lab.app.browser_as(Role::Technician).await;
    let home = lab.app.get("/", &tech).await;
    let nav = menu(&home.html);
    assert!(nav.contains(r#"href="/runs""#) && nav.contains(r#"href="/receipts/new""#));
    assert!(
        nav.contains("Công việc") && nav.contains("Tiếp nhận") && nav.contains("Giấy chứng nhận")
    );
    assert!(!nav.contains(r#"href="/nonconformities""#), "{nav}");
    let qm = lab.app.browser_as(Role::QualityManager).await;
    let home = lab.app.get("/", &qm).await;
    assert!(menu(&home.html).contains("Sự không phù hợp"));
    assert!(
        home.html.contains("Sự không phù hợp đang mở"),
        "the dashboard counts open ones"
    );
    assert_eq!(
        lab.app.get("/runs/not-a-run", &tech).await.status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn a_nonconformity_lists_the_certificates_it_may_affect_and_only_the_quality_manager_assesses_it()
 {
    let lab = lab().await;
    let (qm, cert) = issued(&lab).await;
    // The weights come back from calibration out of tolerance.
    lab.app
        .store()
        .add_calibration(
            "user:seed",
            lab.weights.parse().unwrap(),
            &CalibrationInput {
                certificate_no: "V03.999/26".into(),
                issuer: "Viện Đo lường Việt Nam".into(),
                issuer_accreditation: None,
                calibrated_on: today(),
                due_on: today() + Days::new(365),
                results: vec![CalibrationValue {
                    nominal: "500 g".into(),
                    value: "500.0021 g".into(),
                    expanded_uncertainty: "0.25 mg".into(),
                    k: Some(2.0),
                }],
                in_tolerance: false,
            },
        )
        .await
        .unwrap();
    let list = lab.app.get("/nonconformities", &qm).await;
    assert_eq!(list.status, StatusCode::OK);
    assert!(
        list.html.contains("QC-E2-01") && list.html.contains("Đang mở"),
        "{}",
        list.html
    );
    let start = list.html.find(r#"href="/nonconformities/"#).unwrap() + r#"href=""#.len();
    let path = list.html[start..].split('"').next().unwrap().to_owned();
    let p = lab.app.get(&path, &qm).await;
    assert_eq!(p.status, StatusCode::OK);
    let id = cert["certificate_id"].as_str().unwrap();
    assert!(
        p.html.contains(&format!(r#"href="/certificates/{id}""#)),
        "the affected certificate"
    );
    assert!(p.html.contains(cert["number"].as_str().unwrap()));
    assert!(p.html.contains(r#"id="assessment-form""#) && p.html.contains(r#"name="close""#));
    let reviewer = lab.app.browser_as(Role::Reviewer).await;
    let p = lab.app.get(&path, &reviewer).await;
    assert_eq!(p.status, StatusCode::OK);
    assert!(!p.html.contains(r#"id="assessment-form""#));
    let home = lab.app.get("/", &qm).await;
    assert!(home.html.contains(r#"<span class="tile-n">1</span><span class="tile-label"><span aria-hidden="true">⚠</span> Sự không phù hợp đang mở"#));
}
