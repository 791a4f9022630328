//! Every page for every role: allowed roles see it, the others get the friendly 403 page;
//! and what the record pages show.

use axum::http::StatusCode;
use calibration_profiles::wire::v1::{Raw, Reading};
use chrono::{Days, Utc};
use server::http::session::{Permission, allows};
use server::store::registry::{InstrumentInput, OrganisationInput};
use server::store::standards::{CalibrationInput, CalibrationValue, StandardInput};
use server::store::users::Role;

use crate::{App, Browser};

/// Ids of the records the pages show.
pub struct Seeded {
    pub organisation: String,
    pub instrument: String,
    pub standard: String,
    pub parent_standard: String,
}

/// Vietnam's today, as the pages count due dates.
fn today() -> chrono::NaiveDate {
    (Utc::now() + chrono::Duration::hours(7)).date_naive()
}

/// An organisation with an instrument due in 10 days, a working standard calibrated against
/// a reference standard that expires in 20 days, and a device with 25 readings.
pub async fn seed(app: &App) -> Seeded {
    let store = app.store();
    let org = store
        .create_organisation(
            "user:seed",
            &OrganisationInput {
                name: "Chợ Đông Kinh".into(),
                tax_code: Some("4900100017".into()),
                address: Some("Phường Chi Lăng, Lạng Sơn".into()),
                phone: None,
            },
        )
        .await
        .unwrap();
    let instrument = store
        .create_instrument(
            "user:seed",
            &InstrumentInput {
                category: "counter-scale".into(),
                serial: "CAN-0001".into(),
                maker: Some("Nhơn Hòa".into()),
                owner_id: Some(org.organisation_id),
                next_due_on: Some(today() + Days::new(10)),
                ..InstrumentInput::default()
            },
        )
        .await
        .unwrap();
    let parent = store
        .create_standard(
            "user:seed",
            &StandardInput {
                code: "CH-KL-E2".into(),
                name: "Bộ quả cân chuẩn E2".into(),
                level: "reference".into(),
                traceability: Some("Viện Đo lường Việt Nam (VMI)".into()),
                ..StandardInput::default()
            },
        )
        .await
        .unwrap();
    store
        .add_calibration(
            "user:seed",
            parent.measurement_standard_id,
            &CalibrationInput {
                certificate_no: "V01.2026.123".into(),
                issuer: "Viện Đo lường Việt Nam".into(),
                issuer_accreditation: Some("VILAS 002".into()),
                calibrated_on: today() - Days::new(340),
                due_on: today() + Days::new(20),
                results: vec![CalibrationValue {
                    nominal: "1 kg".into(),
                    value: "1.000002 kg".into(),
                    expanded_uncertainty: "0.8 mg".into(),
                    k: Some(2.0),
                }],
                in_tolerance: true,
            },
        )
        .await
        .unwrap();
    let working = store
        .create_standard(
            "user:seed",
            &StandardInput {
                code: "CH-KL-F1".into(),
                name: "Bộ quả cân F1".into(),
                level: "working".into(),
                parent_standard_id: Some(parent.measurement_standard_id),
                ..StandardInput::default()
            },
        )
        .await
        .unwrap();
    let readings: Vec<(Reading, f64)> = (0..25i32)
        .map(|i| {
            (
                Reading {
                    reading_id: uuid::Uuid::now_v7(),
                    device_id: "can-phan-tich-1".into(),
                    channel: "mass".into(),
                    value: format!("100.00{i:02}"),
                    unit: "g".into(),
                    stable: i % 2 == 0,
                    raw: Raw::Text(format!("S S 100.00{i:02} g")),
                    captured_at: Utc::now() - chrono::Duration::seconds(i64::from(100 - i)),
                },
                100.0 + f64::from(i) / 10_000.0,
            )
        })
        .collect();
    store.insert_readings("bench-1", &readings).await.unwrap();
    Seeded {
        organisation: org.organisation_id.to_string(),
        instrument: instrument.instrument_id.to_string(),
        standard: working.measurement_standard_id.to_string(),
        parent_standard: parent.measurement_standard_id.to_string(),
    }
}

#[tokio::test]
async fn each_page_opens_for_the_roles_allowed_and_explains_itself_to_the_others() {
    let app = App::new().await;
    let s = seed(&app).await;
    let pages = [
        ("/".to_owned(), Permission::Read),
        ("/instruments".to_owned(), Permission::Read),
        (format!("/instruments/{}", s.instrument), Permission::Read),
        ("/instruments/new".to_owned(), Permission::EditRegistry),
        ("/standards".to_owned(), Permission::Read),
        (format!("/standards/{}", s.standard), Permission::Read),
        ("/organisations".to_owned(), Permission::Read),
        (
            format!("/organisations/{}", s.organisation),
            Permission::Read,
        ),
        ("/devices".to_owned(), Permission::Read),
        ("/devices/can-phan-tich-1".to_owned(), Permission::Read),
        ("/users".to_owned(), Permission::Administer),
        ("/audit".to_owned(), Permission::ReadAudit),
        ("/account/password".to_owned(), Permission::Read),
        ("/reports".to_owned(), Permission::Read),
        ("/dossiers".to_owned(), Permission::Read),
        ("/samples".to_owned(), Permission::Read),
        ("/dossiers/import".to_owned(), Permission::Dossiers),
    ];
    for role in Role::ALL {
        let b = app.browser_as(role).await;
        for (path, needs) in &pages {
            let p = app.get(path, &b).await;
            if allows(role, *needs) {
                assert_eq!(p.status, StatusCode::OK, "{role:?} {path}");
            } else {
                assert_eq!(p.status, StatusCode::FORBIDDEN, "{role:?} {path}");
                assert!(
                    p.html.contains("Không có quyền truy cập"),
                    "{role:?} {path}"
                );
                // The 403 page names the role and keeps the person's own menu.
                assert!(
                    p.html.contains(server::web::i18n::VI.role(role)),
                    "{role:?}"
                );
                assert!(p.html.contains("Đăng xuất"));
            }
        }
        // The menu offers only what the role may open.
        let home = app.get("/", &b).await;
        assert_eq!(
            home.html.contains(r#"href="/users""#),
            allows(role, Permission::Administer),
            "{role:?}"
        );
        assert_eq!(
            home.html.contains(r#"href="/audit""#),
            allows(role, Permission::ReadAudit),
            "{role:?}"
        );
    }
    // Forms that change things answer 403 too, and change nothing.
    let mut ro = app.browser_as(Role::ReadOnly).await;
    let p = app
        .submit(
            "/instruments/new",
            &mut ro,
            &[("category", "taximeter"), ("serial", "RO-1")],
        )
        .await;
    assert_eq!(p.status, StatusCode::FORBIDDEN);
    let mut tech = app.browser_as(Role::Technician).await;
    let p = app
        .submit(
            "/users",
            &mut tech,
            &[
                ("username", "mallory"),
                ("full_name", "M"),
                ("role", "admin"),
                ("password", "long enough password"),
            ],
        )
        .await;
    assert_eq!(p.status, StatusCode::FORBIDDEN);
    assert!(
        app.store()
            .user_by_username("mallory")
            .await
            .unwrap()
            .is_none()
    );
    assert_eq!(app.store().count_instruments().await.unwrap(), 1);
}

#[tokio::test]
async fn the_dashboard_lists_what_falls_due_and_the_standards_to_watch() {
    let app = App::new().await;
    let s = seed(&app).await;
    let b = app.browser_as(Role::Technician).await;
    let p = app.get("/", &b).await;
    assert!(
        p.html
            .contains(&format!(r#"href="/instruments/{}""#, s.instrument))
    );
    assert!(p.html.contains("CAN-0001"));
    assert!(p.html.contains("Chợ Đông Kinh"));
    let due = (today() + Days::new(10)).format("%d/%m/%Y").to_string();
    assert!(p.html.contains(&due), "dates read dd/mm/yyyy: {due}");
    // The reference standard expires within 30 days; the working one has no calibration.
    assert!(p.html.contains("CH-KL-E2") && p.html.contains("Sắp hết hạn"));
    assert!(p.html.contains("CH-KL-F1") && p.html.contains("Hết hạn hiệu chuẩn"));
    assert!(p.html.contains("can-phan-tich-1") && p.html.contains("Đang trực tuyến"));
}

#[tokio::test]
async fn the_instrument_page_shows_its_fields_owner_and_history_with_the_creator() {
    let app = App::new().await;
    let s = seed(&app).await;
    let b = app.browser_as(Role::Inspector).await;
    let p = app.get(&format!("/instruments/{}", s.instrument), &b).await;
    assert_eq!(p.status, StatusCode::OK);
    assert!(p.html.contains("CAN-0001"));
    assert!(p.html.contains("Nhơn Hòa"));
    assert!(p.html.contains(&format!(
        r#"<a href="/organisations/{}">Chợ Đông Kinh</a>"#,
        s.organisation
    )));
    assert!(p.html.contains("Đang sử dụng"));
    assert!(p.html.contains("Sắp đến hạn"));
    let history = p.around("Lịch sử thay đổi", 2000);
    assert!(history.contains("seed"), "{history}");
    assert!(history.contains("Tạo mới"), "{history}");
    assert!(history.contains("giờ Việt Nam, UTC+7"));
    // The time is Vietnam's: today's date in UTC+7 is on the page.
    assert!(history.contains(&today().format("%d/%m/%Y").to_string()));
    let en = Browser {
        lang: Some("tdc_lang=en".into()),
        ..b
    };
    let p = app
        .get(&format!("/instruments/{}", s.instrument), &en)
        .await;
    assert!(
        p.html
            .contains(&(today() + Days::new(10)).format("%Y-%m-%d").to_string())
    );
    assert!(p.html.contains("History") && p.html.contains("Created"));
}

#[tokio::test]
async fn the_standard_page_shows_status_calibration_checks_and_traceability() {
    let app = App::new().await;
    let s = seed(&app).await;
    let b = app.browser_as(Role::Reviewer).await;
    let p = app
        .get(&format!("/standards/{}", s.parent_standard), &b)
        .await;
    assert!(p.html.contains("Sắp hết hạn"));
    assert!(p.html.contains("V01.2026.123") && p.html.contains("VILAS 002"));
    assert!(p.html.contains("1.000002 kg") && p.html.contains("0.8 mg"));
    assert!(p.html.contains("Chưa có lần kiểm tra giữa kỳ nào."));
    let p = app.get(&format!("/standards/{}", s.standard), &b).await;
    let chain = p.around("Liên kết chuẩn", 3000);
    assert!(
        chain.contains("CH-KL-F1") && chain.contains("CH-KL-E2"),
        "{chain}"
    );
    assert!(chain.contains("Viện Đo lường Việt Nam (VMI)"), "{chain}");
    let list = app.get("/standards?q=e2", &b).await;
    assert!(list.html.contains("CH-KL-E2") && !list.html.contains("CH-KL-F1"));
}

#[tokio::test]
async fn the_device_page_streams_live_and_lists_the_latest_twenty_readings() {
    let app = App::new().await;
    seed(&app).await;
    let b = app.browser_as(Role::Technician).await;
    let p = app.get("/devices/can-phan-tich-1", &b).await;
    assert!(
        p.html
            .contains(r#"data-stream="/api/v1/devices/can-phan-tich-1/readings/stream""#)
    );
    assert!(p.html.contains("/live.js\" defer></script>"));
    assert_eq!(p.html.matches("<tr data-id=").count(), 20);
    assert!(p.html.contains("100.0024"), "the newest is first");
    assert!(!p.html.contains("100.0004"), "the oldest five are left out");
    assert!(p.html.contains("Ổn định") && p.html.contains("Chưa ổn định"));
    assert_eq!(
        app.get("/devices/no-such", &b).await.status,
        StatusCode::NOT_FOUND
    );
    let list = app.get("/devices", &b).await;
    assert!(list.html.contains("bench-1") && list.html.contains("Đang trực tuyến"));
}

#[tokio::test]
async fn organisations_are_found_without_diacritics_and_list_their_instruments() {
    let app = App::new().await;
    let s = seed(&app).await;
    let b = app.browser_as(Role::Technician).await;
    let p = app.get("/organisations?q=cho+dong+kinh", &b).await;
    assert!(p.html.contains("Chợ Đông Kinh") && p.html.contains("4900100017"));
    assert!(
        app.get("/organisations?q=zzz", &b)
            .await
            .html
            .contains("Không có kết quả")
    );
    let p = app
        .get(&format!("/organisations/{}", s.organisation), &b)
        .await;
    assert!(p.html.contains("CAN-0001"));
    assert!(
        p.html
            .contains(&format!("/instruments/new?owner_id={}", s.organisation))
    );
}

#[tokio::test]
async fn instruments_are_searched_by_serial_owner_category_and_due_date_and_paged() {
    let app = App::new().await;
    let s = seed(&app).await;
    for n in 0..30 {
        app.store()
            .create_instrument(
                "user:seed",
                &InstrumentInput {
                    category: "taximeter".into(),
                    serial: format!("TX-{n:03}"),
                    ..InstrumentInput::default()
                },
            )
            .await
            .unwrap();
    }
    let b = app.browser_as(Role::ReadOnly).await;
    let p = app.get("/instruments?serial=CAN", &b).await;
    assert!(p.html.contains("CAN-0001") && !p.html.contains("TX-000"));
    let p = app.get("/instruments?owner=chợ+đông", &b).await;
    assert!(p.html.contains("CAN-0001") && !p.html.contains("TX-000"));
    assert!(p.html.contains(r#"name="owner" value="Chợ Đông Kinh""#));
    let p = app.get("/instruments?owner=4900100017", &b).await;
    assert!(p.html.contains("CAN-0001"));
    let p = app.get("/instruments?owner=nobody", &b).await;
    assert!(p.html.contains("Không tìm thấy đơn vị nào khớp “nobody”."));
    let p = app.get("/instruments?due_within_days=30", &b).await;
    assert!(p.html.contains("CAN-0001") && !p.html.contains("TX-000"));
    let p = app
        .get(&format!("/instruments?owner_id={}", s.organisation), &b)
        .await;
    assert!(p.html.contains("CAN-0001") && !p.html.contains("TX-000"));
    // 30 taximeters: two pages of 25, next and previous keep the filters.
    let p1 = app.get("/instruments?category=taximeter", &b).await;
    assert_eq!(p1.html.matches("TX-0").count(), 25);
    assert!(
        p1.html
            .contains(r#"href="/instruments?category=taximeter&#38;page=2" rel="next""#),
        "{}",
        p1.around("pager", 600)
    );
    let p2 = app.get("/instruments?category=taximeter&page=2", &b).await;
    assert_eq!(p2.html.matches("TX-0").count(), 5);
    assert!(
        p2.html
            .contains(r#"href="/instruments?category=taximeter&#38;page=1" rel="prev""#)
    );
    assert!(!p2.html.contains(r#"rel="next""#));
    // The category select keeps the choice.
    assert!(p2.html.contains(r#"<option value="taximeter" selected>"#));
}

#[tokio::test]
async fn the_audit_page_filters_and_pages_back_with_before_id() {
    let app = App::new().await;
    let s = seed(&app).await;
    let b = app.browser_as(Role::QualityManager).await;
    let p = app.get("/audit", &b).await;
    assert!(p.html.contains("Nhật ký hệ thống"));
    let p = app
        .get(
            &format!("/audit?entity=instrument&entity_id={}", s.instrument),
            &b,
        )
        .await;
    assert_eq!(p.html.matches("<td class=\"num muted\">").count(), 1);
    assert!(p.html.contains("Tạo mới") && p.html.contains("seed"));
    let p = app.get("/audit?user=seed", &b).await;
    assert!(p.html.contains("seed"));
    let p = app.get("/audit?user=nobody", &b).await;
    assert!(p.html.contains("Không có kết quả"));
    let tomorrow = (today() + Days::new(1)).format("%Y-%m-%d").to_string();
    let p = app.get(&format!("/audit?from={tomorrow}"), &b).await;
    assert!(p.html.contains("Không có kết quả"));
    let p = app.get("/audit?from=31%2F02%2F2026", &b).await;
    assert!(p.html.contains("Không phải ngày hợp lệ"));
    // More than 50 entries: "older" continues from the last one shown.
    for n in 0..60 {
        app.store()
            .create_instrument(
                "user:bulk",
                &InstrumentInput {
                    category: "taximeter".into(),
                    serial: format!("B-{n:03}"),
                    ..InstrumentInput::default()
                },
            )
            .await
            .unwrap();
    }
    let p = app.get("/audit?user=bulk", &b).await;
    assert_eq!(p.html.matches("<td class=\"num muted\">").count(), 50);
    let start = p.html.find("before_id=").unwrap();
    let older = &p.html[start..];
    let id: i64 = older["before_id=".len()..]
        .split('"')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    let p2 = app
        .get(&format!("/audit?user=bulk&before_id={id}"), &b)
        .await;
    assert_eq!(p2.html.matches("<td class=\"num muted\">").count(), 10);
    assert!(p2.html.contains("Mới nhất"));
}

#[tokio::test]
async fn the_statistics_page_shows_the_figures_with_charts_in_vietnamese_and_english() {
    let app = App::new().await;
    let b = app.browser_as(Role::ReadOnly).await;
    let p = app.get("/reports?from=2024&to=2025", &b).await;
    assert_eq!(p.status, StatusCode::OK);
    for text in [
        "Số liệu thống kê theo năm",
        "Phương tiện đo được kiểm định, hiệu chuẩn",
        "Mẫu thử nghiệm",
        "Hồ sơ kiểm tra chất lượng hàng hóa nhập khẩu",
        "Không có số liệu trong kỳ này.",
        "/api/v1/reports/yearly.xlsx?from=2024&amp;to=2025",
    ] {
        assert!(p.html.contains(text), "{text} is on the page");
    }
    assert_eq!(p.html.matches("<svg").count(), 3, "three charts");
    let mut b = b;
    b.lang = Some("tdc_lang=en".into());
    let p = app.get("/reports?from=2024&to=2025", &b).await;
    assert!(p.html.contains("Yearly statistics"), "{}", &p.html[..200]);
}

#[tokio::test]
async fn the_dossier_and_sample_lists_show_what_is_overdue() {
    use server::store::dossiers::{Dossier, DossierStep};
    let app = App::new().await;
    let now = chrono::Utc::now();
    let id = uuid::Uuid::now_v7();
    let registered = today() - Days::new(20);
    let d = Dossier {
        import_dossier_id: id,
        number: "0042/2026/ĐKNK".into(),
        channel: "national_single_window".into(),
        external_ref: None,
        regime: "B".into(),
        registered_on: registered,
        importer_name: "Công ty TNHH Hữu Nghị".into(),
        importer_tax_code: "4900123456".into(),
        importer_address: String::new(),
        importer_organisation_id: None,
        entry_gate: String::new(),
        customs_declaration: String::new(),
        goods: r#"[{"name":"Mũ bảo hiểm","hs_code":"6506.10.10","quantity":"10","unit":"chiếc"}]"#
            .into(),
        hs_code: "6506.10.10".into(),
        regulation: "QCVN 2:2021/BKHCN".into(),
        documents: "[]".into(),
        certificate_number: None,
        certificate_issuer: None,
        certificate_date: None,
        customs_cleared_on: None,
        complete_file_on: None,
        status: "registered".into(),
        outcome: None,
        outcome_detail: None,
        decided_on: None,
        on_time: None,
        created_by: "test".into(),
        created_at: now,
        updated_at: now,
    };
    let steps = [DossierStep {
        import_dossier_id: id,
        step: "confirm_registration".into(),
        due_on: Some(registered + Days::new(1)),
        done_on: None,
        done_by: None,
    }];
    app.state
        .store
        .insert_dossier("test", &d, &steps)
        .await
        .unwrap();
    let b = app.browser_as(Role::Inspector).await;
    let p = app.get("/dossiers?overdue=1", &b).await;
    assert_eq!(p.status, StatusCode::OK);
    assert!(
        p.html.contains("0042/2026/ĐKNK") && p.html.contains("Công ty TNHH Hữu Nghị"),
        "{}",
        p.html
    );
    assert!(p.html.contains("row-late") && p.html.contains("Mũ bảo hiểm – HS 6506.10.10"));
    assert!(p.html.contains("Cơ chế một cửa quốc gia"));
    let p = app.get("/dossiers", &b).await;
    assert!(
        p.html.contains(r#"href="/dossiers/import""#),
        "an inspector may import"
    );
    let form = app.get("/dossiers/import", &b).await;
    assert!(form.html.contains("Nhập hồ sơ từ tệp CSV/XLSX") && form.html.contains("<progress"));
    assert!(form.html.contains("import.js"));
    let p = app.get(&format!("/dossiers/{id}"), &b).await;
    assert_eq!(p.status, StatusCode::OK);
    assert!(
        p.html.contains("Xác nhận đăng ký trên bản đăng ký"),
        "the regime's step name"
    );
    assert!(p.html.contains("row-late") && p.html.contains("QCVN 2:2021/BKHCN"));
    let p = app.get("/samples", &b).await;
    assert!(p.html.contains("Chưa có mẫu nào."));

    // A sample's page: its tests, custody and label link.
    let input: server::sample::ReceiveInput = serde_json::from_value(serde_json::json!({
        "sample_type": "petrol", "product_type": "petrol_ron95", "name": "Xăng RON 95-III", "quantity": "2 L",
        "condition": "Nguyên vẹn", "requester_name": "Chi cục QLTT", "location": "Kho mẫu", "specification": "QCVN 1:2022/BKHCN",
        "tests": [{"characteristic": "ron", "method_id": "TCVN 2703:2013"}]
    }))
    .unwrap();
    let (s, _) = app
        .state
        .store
        .receive_sample("test", 2026, move |seq| {
            server::sample::receive(
                &input,
                format!("M26-{seq:04}"),
                None,
                today(),
                "test",
                "kho",
            )
            .map_err(server::store::StoreError::Invalid)
        })
        .await
        .unwrap();
    let p = app.get(&format!("/samples/{}", s.sample_id), &b).await;
    assert_eq!(p.status, StatusCode::OK);
    for text in [
        "M26-0001",
        "Xăng RON 95-III",
        "TCVN 2703:2013",
        "Giao nhận mẫu",
        "Chi cục QLTT → kho",
        "/label.svg",
    ] {
        assert!(p.html.contains(text), "{text} on the sample page");
    }
}
