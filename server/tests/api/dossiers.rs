//! Import inspection dossiers through the API: registration through each channel, deadlines
//! in working days over the calendar (weekends, Tết 2026, the regime switch of 01/07/2026), the
//! signed confirmation and notice verifiable on the public page, and the CSV import that takes
//! a whole file or nothing.
//!
//! Expected dates are read from the official notices, not from the code: Tết Bính Ngọ 2026
//! for civil servants is Saturday 14/02 to Sunday 22/02 (Ministry of Home Affairs notice);
//! Hùng Kings' day 2026 falls on Sunday 26/04, so Monday 27/04 is off; 30/04 and 01/05 are
//! Thursday and Friday; 24/11/2026 is the new "Ngày Văn hóa Việt Nam" day off.

use axum::body::Body;
use axum::http::{Method, Request, StatusCode};
use serde_json::{Value, json};
use server::store::users::Role;

use crate::{App, Login, PASSWORD};

fn registration(channel: &str, registered_on: &str, number: &str) -> Value {
    json!({
        "number": number,
        "channel": channel,
        "external_ref": format!("REF-{number}"),
        "registered_on": registered_on,
        "importer": {
            "name": "Công ty TNHH Thương mại Hữu Nghị",
            "tax_code": "4900123456",
            "address": "Số 12 đường Lê Lợi, phường Vĩnh Trại, Lạng Sơn"
        },
        "entry_gate": "Cửa khẩu quốc tế Hữu Nghị",
        "customs_declaration": "105123456789",
        "goods": [{
            "name": "Mũ bảo hiểm cho người đi mô tô, xe máy",
            "hs_code": "6506.10.10",
            "brand": "ABC-01",
            "origin": "Trung Quốc",
            "quantity": "2000",
            "unit": "chiếc"
        }],
        "documents": [
            {"code": "contract", "reference": "HĐ 15/2026"},
            {"code": "invoice", "reference": "INV-778"}
        ]
    })
}

fn step<'a>(dossier: &'a Value, name: &str) -> &'a Value {
    dossier["steps"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["step"] == name)
        .unwrap_or_else(|| panic!("step {name} in {dossier}"))
}

async fn register(app: &App, who: &Login, body: Value) -> Value {
    let a = app.post("/api/v1/dossiers", who, body).await;
    assert_eq!(a.status, StatusCode::CREATED, "{}", a.json);
    a.json
}

#[tokio::test]
async fn a_dossier_registered_through_each_channel_reaches_a_signed_notice_verifiable_by_qr() {
    let app = App::new().await;
    let inspector = app.login_as(Role::Inspector).await;
    let qm = app.login_as(Role::QualityManager).await;
    for (i, channel) in [
        "one_stop_counter",
        "provincial_portal",
        "national_single_window",
    ]
    .into_iter()
    .enumerate()
    {
        let number = format!("{:04}/2026/ĐKNK", i + 1);
        let d = register(
            &app,
            &inspector,
            registration(channel, "2026-03-05", &number),
        )
        .await;
        let id = d["import_dossier_id"].as_str().unwrap().to_owned();
        assert_eq!(d["regime"], "A");
        assert_eq!(
            d["regulation"], "QCVN 2:2021/BKHCN",
            "regulation from the HS code"
        );
        // Thursday 05/03/2026 + 1 working day.
        assert_eq!(step(&d, "confirm_registration")["due_on"], "2026-03-06");

        let a = app
            .post(
                &format!("/api/v1/dossiers/{id}/confirm"),
                &inspector,
                json!({"on": "2026-03-06"}),
            )
            .await;
        assert_eq!(a.status, StatusCode::OK, "{}", a.json);
        assert_eq!(a.json["status"], "confirmed");
        let confirmation = &a.json["records"][0];
        assert_eq!(confirmation["kind"], "import_registration_confirmation");

        let a = app
            .post(
                &format!("/api/v1/dossiers/{id}/clearance"),
                &inspector,
                json!({"on": "2026-03-06"}),
            )
            .await;
        assert_eq!(a.status, StatusCode::OK, "{}", a.json);
        // 15 working days after Friday 06/03/2026: 09–13, 16–20, 23–27 March.
        assert_eq!(step(&a.json, "submit_certificate")["due_on"], "2026-03-27");

        // The notice cannot come before the certificate is on file.
        let early = app
            .post(
                &format!("/api/v1/dossiers/{id}/notice"),
                &qm,
                json!({"outcome": "meets", "on": "2026-03-20", "password": PASSWORD}),
            )
            .await;
        assert_eq!(early.status, StatusCode::CONFLICT, "{}", early.json);

        let a = app
            .post(
                &format!("/api/v1/dossiers/{id}/certificate"),
                &inspector,
                json!({"number": "HQ-2026-0312", "issuer": "Trung tâm Kỹ thuật 1", "issued_on": "2026-03-12", "received_on": "2026-03-20"}),
            )
            .await;
        assert_eq!(a.status, StatusCode::OK, "{}", a.json);
        assert_eq!(step(&a.json, "submit_certificate")["done_on"], "2026-03-20");
        assert_eq!(step(&a.json, "notify_result")["due_on"], "2026-03-23");

        // An inspector may not sign; the QM signs with the password again.
        let refused = app
            .post(
                &format!("/api/v1/dossiers/{id}/notice"),
                &inspector,
                json!({"outcome": "meets", "password": PASSWORD}),
            )
            .await;
        assert_eq!(refused.status, StatusCode::FORBIDDEN);
        let wrong = app
            .post(
                &format!("/api/v1/dossiers/{id}/notice"),
                &qm,
                json!({"outcome": "meets", "on": "2026-03-23", "password": "sai"}),
            )
            .await;
        assert_eq!(wrong.field(), "password");
        let a = app
            .post(
                &format!("/api/v1/dossiers/{id}/notice"),
                &qm,
                json!({"outcome": "meets", "on": "2026-03-23", "password": PASSWORD}),
            )
            .await;
        assert_eq!(a.status, StatusCode::OK, "{}", a.json);
        assert_eq!(a.json["status"], "decided");
        assert_eq!(a.json["on_time"], true);
        let notice = a.json["records"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["kind"] == "import_inspection_notice")
            .unwrap()
            .clone();
        assert!(
            notice["number"]
                .as_str()
                .unwrap()
                .ends_with("/2026/TBKQ-TTTĐC")
        );

        // The PDF and the public page.
        let pdf = app
            .get(
                &format!(
                    "/api/v1/records/{}/pdf",
                    notice["record_id"].as_str().unwrap()
                ),
                &qm,
            )
            .await;
        assert_eq!(pdf.status, StatusCode::OK);
        assert_eq!(pdf.headers["content-type"], "application/pdf");
        let token = notice["token"].as_str().unwrap();
        let page = app
            .call(Method::GET, &format!("/v/{token}"), None, None)
            .await;
        assert_eq!(page.status, StatusCode::OK);
        let html = page.json.as_str().unwrap();
        assert!(
            html.contains("Đáp ứng yêu cầu chất lượng hàng hóa nhập khẩu"),
            "{html}"
        );
        assert!(html.contains("data-signature=\"valid\""), "{html}");
        assert!(html.contains("Công ty TNHH Thương mại Hữu Nghị"), "{html}");
    }
    let all = app.get("/api/v1/dossiers?year=2026", &qm).await;
    assert_eq!(
        all.json["items"].as_array().unwrap().len(),
        3,
        "{}",
        all.json
    );
}

#[tokio::test]
async fn deadlines_cross_weekends_tet_and_holidays_and_the_regime_follows_the_registration_date() {
    let app = App::new().await;
    let inspector = app.login_as(Role::Inspector).await;
    let cases = [
        // Friday → Monday over a weekend.
        ("2026-03-13", "2026-03-16"),
        // Friday before Tết 2026: the office reopens on Monday 23/02.
        ("2026-02-13", "2026-02-23"),
        // Friday 24/04: Monday 27/04 is the day in lieu for Hùng Kings' day (Sunday 26/04).
        ("2026-04-24", "2026-04-28"),
        // Wednesday 29/04: 30/04 and 01/05 are holidays, then the weekend.
        ("2026-04-29", "2026-05-04"),
    ];
    for (i, (registered, due)) in cases.into_iter().enumerate() {
        let d = register(
            &app,
            &inspector,
            registration("national_single_window", registered, &format!("D-{i}")),
        )
        .await;
        assert_eq!(
            step(&d, "confirm_registration")["due_on"],
            due,
            "registered {registered}"
        );
    }
    // The calendar endpoint answers the same question.
    for (from, days, expected) in [
        ("2026-02-13", 1, "2026-02-23"),
        ("2026-11-23", 1, "2026-11-25"),
        ("2026-01-09", 1, "2026-01-10"),
        ("2026-02-14", 0, "2026-02-23"),
    ] {
        let a = app
            .get(
                &format!("/api/v1/calendar/add-working-days?from={from}&days={days}"),
                &inspector,
            )
            .await;
        assert_eq!(a.status, StatusCode::OK, "{}", a.json);
        assert_eq!(a.json, json!({"date": expected}), "{from} + {days}");
    }
    let bad = app
        .get(
            "/api/v1/calendar/add-working-days?from=2026-13-01&days=x",
            &inspector,
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(bad.fields(), ["from", "days"]);
    let outside = app
        .get(
            "/api/v1/calendar/add-working-days?from=2031-01-05&days=2",
            &inspector,
        )
        .await;
    assert_eq!(outside.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        outside.json["error"]["message"]
            .as_str()
            .unwrap()
            .contains("outside the working-day calendar")
    );

    // Regime boundary: 30/06/2026 is judged by regime A, 01/07/2026 by regime B, which
    // receives dossiers only through the National Single Window.
    let a = register(
        &app,
        &inspector,
        registration("national_single_window", "2026-06-30", "R-A"),
    )
    .await;
    assert_eq!(a["regime"], "A");
    let b = register(
        &app,
        &inspector,
        registration("national_single_window", "2026-07-01", "R-B"),
    )
    .await;
    assert_eq!(b["regime"], "B");
    let refused = app
        .post(
            "/api/v1/dossiers",
            &inspector,
            registration("one_stop_counter", "2026-07-01", "R-C"),
        )
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(refused.field(), "channel");
    assert!(
        refused.json["error"]["message"]
            .as_str()
            .unwrap()
            .contains("regime B")
    );
}

#[tokio::test]
async fn a_bad_registration_names_every_bad_field_and_takes_no_number() {
    let app = App::new().await;
    let inspector = app.login_as(Role::Inspector).await;
    let mut body = registration("fax", "2026-03-05", "X");
    body["number"] = Value::Null;
    body["importer"]["tax_code"] = json!("49001234");
    body["goods"][0]["hs_code"] = json!("0101.21.00");
    body["goods"][0]["quantity"] = json!("-3");
    body["documents"][1]["code"] = json!("bribe");
    let a = app.post("/api/v1/dossiers", &inspector, body).await;
    assert_eq!(a.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        a.fields(),
        [
            "channel",
            "importer.tax_code",
            "goods[0].hs_code",
            "goods[0].quantity",
            "documents[1].code"
        ]
    );
    // A good one numbered here gets the first number of the year: the refusal burnt none.
    let mut body = registration("one_stop_counter", "2026-03-05", "X");
    body["number"] = Value::Null;
    let d = register(&app, &inspector, body).await;
    assert_eq!(d["number"], "0001/2026/ĐKNK");
}

async fn upload(app: &App, who: &Login, csv: &str) -> crate::Answer {
    let req = Request::builder()
        .method(Method::POST)
        .uri("/api/v1/dossiers/import?format=csv&name=lich-su-2025.csv")
        .header("cookie", &who.cookie)
        .header("x-csrf-token", &who.csrf)
        .header("content-type", "text/csv")
        .body(Body::from(csv.to_owned()))
        .unwrap();
    app.send(req).await
}

const HEADER: &str = "Số hồ sơ,Hình thức tiếp nhận,Ngày đăng ký,Người nhập khẩu,Mã số thuế,Tên hàng hóa,Mã HS,Số lượng,Đơn vị tính,Ngày xác nhận đăng ký,Ngày thông quan,Số giấy chứng nhận hợp quy,Ngày nộp giấy chứng nhận,Kết quả,Ngày thông báo kết quả\n";

#[tokio::test]
async fn an_import_takes_the_whole_file_or_nothing_and_lists_every_problem() {
    let app = App::new().await;
    let inspector = app.login_as(Role::Inspector).await;
    register(
        &app,
        &inspector,
        registration("one_stop_counter", "2025-03-05", "0007/2025/ĐKNK"),
    )
    .await;
    let bad = format!(
        "{HEADER}\
         0001/2025/ĐKNK,Một cửa,05/03/2025,Công ty A,4900123456,Mũ bảo hiểm,6506.10.10,100,chiếc,06/03/2025,,,,,\n\
         0002/2025/ĐKNK,Một cửa quốc gia,31/02/2025,Công ty B,4900123457,Đồ chơi,9503.00.99,50,bộ,,,,,,\n\
         0003/2025/ĐKNK,Dịch vụ công,10/03/2025,Công ty C,4900123458,Ngựa sống,0101.21.00,2,con,,,,,,\n\
         0001/2025/ĐKNK,Một cửa,11/03/2025,Công ty D,4900123459,Thép cuộn,7213.91.90,20,tấn,,,,,,\n\
         0007/2025/ĐKNK,Một cửa,12/03/2025,Công ty E,4900123450,Quạt điện,8414.51.10,30,chiếc,,,,,,\n"
    );
    let a = upload(&app, &inspector, &bad).await;
    assert_eq!(a.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", a.json);
    assert_eq!(
        a.fields(),
        ["row 3, registered_on", "row 4, hs_code", "row 5, number"],
        "{}",
        a.json
    );
    let listed = app.get("/api/v1/dossiers?year=2025", &inspector).await;
    assert_eq!(
        listed.json["items"].as_array().unwrap().len(),
        1,
        "nothing imported"
    );

    // The duplicate of a number registered earlier is found once the file itself is clean.
    let dup = format!(
        "{HEADER}0007/2025/ĐKNK,Một cửa,12/03/2025,Công ty E,4900123450,Quạt điện,8414.51.10,30,chiếc,,,,,,\n"
    );
    let a = upload(&app, &inspector, &dup).await;
    assert_eq!(a.fields(), ["row 2, number"], "{}", a.json);

    // A clean history: one on time, one notice a day late (due the working day after the
    // complete file: Tuesday 11/03/2025, issued Wednesday 12/03).
    let good = format!(
        "{HEADER}\
         0001/2025/ĐKNK,Một cửa,05/03/2025,Công ty A,4900123456,Mũ bảo hiểm,6506.10.10,100,chiếc,06/03/2025,06/03/2025,GCN-1,10/03/2025,meets,11/03/2025\n\
         0002/2025/ĐKNK,NSW,05/03/2025,Công ty B,4900123457,Đồ chơi,9503.00.99,50,bộ,06/03/2025,06/03/2025,GCN-2,10/03/2025,does-not-meet,12/03/2025\n"
    );
    let a = upload(&app, &inspector, &good).await;
    assert_eq!(a.status, StatusCode::CREATED, "{}", a.json);
    assert_eq!(a.json["imported"], 2);
    let listed = app
        .get("/api/v1/dossiers?year=2025&status=decided", &inspector)
        .await;
    let items = listed.json["items"].as_array().unwrap();
    let on_time = |n: &str| items.iter().find(|d| d["number"] == n).unwrap()["on_time"].clone();
    assert_eq!(on_time("0001/2025/ĐKNK"), true);
    assert_eq!(on_time("0002/2025/ĐKNK"), false);
}

#[tokio::test]
async fn an_administrator_maintains_the_calendar_and_deadlines_follow_it() {
    let app = App::new().await;
    let admin = app.login_as(Role::Admin).await;
    let inspector = app.login_as(Role::Inspector).await;
    // A made-up extra day off on Friday 13/03/2026 moves that Thursday's deadline to Monday.
    let before = app
        .get(
            "/api/v1/calendar/add-working-days?from=2026-03-12&days=1",
            &inspector,
        )
        .await;
    assert_eq!(before.json["date"], "2026-03-13");
    let put = app
        .put(
            "/api/v1/calendar/days/2026-03-13",
            &admin,
            json!({"working": false, "reason_vi": "Nghỉ bù theo quyết định của tỉnh", "reason_en": "Provincial day off", "legal_source": "Quyết định 99/QĐ-UBND"}),
        )
        .await;
    assert_eq!(put.status, StatusCode::OK, "{}", put.json);
    let after = app
        .get(
            "/api/v1/calendar/add-working-days?from=2026-03-12&days=1",
            &inspector,
        )
        .await;
    assert_eq!(after.json["date"], "2026-03-16");
    // A weekday cannot be declared a make-up working day; a day needs its source.
    let bad = app
        .put(
            "/api/v1/calendar/days/2026-03-11",
            &admin,
            json!({"working": true, "reason_vi": "x", "legal_source": ""}),
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", bad.json);
    assert!(
        bad.fields().contains(&"legal_source".to_owned()),
        "{}",
        bad.json
    );
    // A gap year is refused; the next year is accepted.
    let gap = app
        .put(
            "/api/v1/calendar/years/2030",
            &admin,
            json!({"source": "x"}),
        )
        .await;
    assert_eq!(gap.status, StatusCode::CONFLICT, "{}", gap.json);
    let next = app
        .put(
            "/api/v1/calendar/years/2028",
            &admin,
            json!({"source": "Thông báo …/TB-BNV"}),
        )
        .await;
    assert_eq!(next.status, StatusCode::OK, "{}", next.json);
    // Only an administrator edits it; the change is in the audit trail.
    let refused = app
        .put(
            "/api/v1/calendar/days/2026-03-13",
            &inspector,
            json!({"working": false, "reason_vi": "x", "legal_source": "y"}),
        )
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    let audit = app
        .get("/api/v1/audit?entity=work_calendar_day", &admin)
        .await;
    assert!(
        audit.json.to_string().contains("Quyết định 99/QĐ-UBND"),
        "{}",
        audit.json
    );
}

#[tokio::test]
async fn a_consignment_awaiting_testing_is_sampled_with_a_signed_record_then_decided() {
    let app = App::new().await;
    let inspector = app.login_as(Role::Inspector).await;
    let qm = app.login_as(Role::QualityManager).await;
    let d = register(
        &app,
        &inspector,
        registration("one_stop_counter", "2026-03-05", "0009/2026/ĐKNK"),
    )
    .await;
    let id = d["import_dossier_id"].as_str().unwrap().to_owned();
    let sampling = json!({"place": "Kho ngoại quan Tân Thanh", "witness": "Nông Văn Bình", "on": "2026-03-09",
        "samples": [{"sample_type": "helmet", "product_type": "motorcycle_helmet", "name": "Mũ bảo hiểm ABC-01",
                     "quantity": "3 chiếc", "condition": "Nguyên đai, nguyên kiện", "seal_number": "NP-2026-0101",
                     "requester_name": "x", "location": "Xe công vụ", "tests": [
                         {"characteristic": "helmet_peak_acceleration", "method_id": "QCVN 2:2021/BKHCN - hấp thụ xung động"}]}]});
    // Not before the notice says the consignment awaits testing.
    let early = app
        .post(
            &format!("/api/v1/dossiers/{id}/sampling"),
            &inspector,
            sampling.clone(),
        )
        .await;
    assert_eq!(early.status, StatusCode::CONFLICT, "{}", early.json);
    let a = app
        .post(
            &format!("/api/v1/dossiers/{id}/notice"),
            &qm,
            json!({"outcome": "awaiting-testing", "on": "2026-03-06", "password": PASSWORD}),
        )
        .await;
    assert_eq!(a.json["status"], "awaiting_testing", "{}", a.json);
    // A sample without its seal number is refused, naming the field.
    let mut unsealed = sampling.clone();
    unsealed["samples"][0]["seal_number"] = Value::Null;
    let bad = app
        .post(
            &format!("/api/v1/dossiers/{id}/sampling"),
            &inspector,
            unsealed,
        )
        .await;
    assert_eq!(bad.field(), "samples[0].seal_number", "{}", bad.json);
    let a = app
        .post(
            &format!("/api/v1/dossiers/{id}/sampling"),
            &inspector,
            sampling,
        )
        .await;
    assert_eq!(a.status, StatusCode::CREATED, "{}", a.json);
    let record = a.json["records"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["kind"] == "sampling_record")
        .unwrap()
        .clone();
    let pdf = app
        .get(
            &format!(
                "/api/v1/records/{}/pdf",
                record["record_id"].as_str().unwrap()
            ),
            &inspector,
        )
        .await;
    assert_eq!(pdf.status, StatusCode::OK);
    // The sample is linked to the dossier, in the inspector's hands, from the importer.
    let samples = app
        .get(
            "/api/v1/samples?q=m%C5%A9%20b%E1%BA%A3o%20hi%E1%BB%83m",
            &inspector,
        )
        .await;
    let s = &samples.json["items"][0];
    assert_eq!(s["import_dossier_id"], id.as_str());
    assert_eq!(s["requester_name"], "Công ty TNHH Thương mại Hữu Nghị");
    assert_eq!(s["holder"], "inspector");
    assert_eq!(s["seal_number"], "NP-2026-0101");
    // The certificate arrives; the result does not meet the requirements.
    app.post(
        &format!("/api/v1/dossiers/{id}/certificate"),
        &inspector,
        json!({"number": "GCN-77", "issuer": "Quatest 1", "issued_on": "2026-03-10", "received_on": "2026-03-12"}),
    )
    .await;
    let a = app
        .post(
            &format!("/api/v1/dossiers/{id}/notice"),
            &qm,
            json!({"outcome": "does-not-meet", "on": "2026-03-13", "password": PASSWORD}),
        )
        .await;
    assert_eq!(a.field(), "detail", "the reasons are required: {}", a.json);
    let a = app
        .post(
            &format!("/api/v1/dossiers/{id}/notice"),
            &qm,
            json!({"outcome": "does-not-meet", "detail": "Gia tốc cực đại vượt giới hạn", "on": "2026-03-13", "password": PASSWORD}),
        )
        .await;
    assert_eq!(a.json["status"], "decided", "{}", a.json);
    assert_eq!(
        a.json["records"].as_array().unwrap().len(),
        3,
        "notice (awaiting testing), sampling record, final notice"
    );
}
