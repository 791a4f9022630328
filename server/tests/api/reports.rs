//! The yearly figures against hand-counted fixtures, and the XLSX export read back with a
//! spreadsheet reader (calamine) equal to the JSON.
//!
//! Fixtures: six dossiers (2024: two at the counter — one on time, one late — and one through
//! the portal still waiting for its certificate; 2025: three through the National Single
//! Window, all on time) and five reported samples (2025: three petrol, one of them
//! nonconforming; two helmets, both nonconforming) plus one sample not yet reported and one
//! retained portion, which must not be counted.

use axum::http::StatusCode;
use calamine::{Data, Reader, Xlsx};
use chrono::NaiveDate;
use serde_json::{Value, json};
use server::store::users::Role;

use crate::{App, Login};

const HEADER: &str = "Số hồ sơ,Hình thức tiếp nhận,Ngày đăng ký,Người nhập khẩu,Mã số thuế,Tên hàng hóa,Mã HS,Số lượng,Đơn vị tính,Ngày xác nhận đăng ký,Ngày thông quan,Số giấy chứng nhận hợp quy,Ngày nộp giấy chứng nhận,Kết quả,Ngày thông báo kết quả\n";

async fn import(app: &App, who: &Login, csv: &str) {
    let req = axum::http::Request::builder()
        .method("POST")
        .uri("/api/v1/dossiers/import?format=csv")
        .header("cookie", &who.cookie)
        .header("x-csrf-token", &who.csrf)
        .body(axum::body::Body::from(csv.to_owned()))
        .unwrap();
    let a = app.send(req).await;
    assert_eq!(a.status, StatusCode::CREATED, "{}", a.json);
}

async fn reported_sample(
    app: &App,
    tech: &Login,
    sample_type: &str,
    reported_on: &str,
    conformity: &str,
) {
    let a = app
        .post(
            "/api/v1/samples",
            tech,
            json!({"sample_type": sample_type, "name": format!("Mẫu {sample_type}"), "quantity": "1", "condition": "Nguyên vẹn",
                   "requester_name": "Sở KH&CN Lạng Sơn", "received_on": "2025-05-02", "location": "Kho mẫu"}),
        )
        .await;
    assert_eq!(a.status, StatusCode::CREATED, "{}", a.json);
    let id = uuid::Uuid::parse_str(a.json["sample_id"].as_str().unwrap()).unwrap();
    if conformity.is_empty() {
        return;
    }
    // The report itself is issued by the approval workflow; the figures only read its outcome.
    let day = NaiveDate::parse_from_str(reported_on, "%Y-%m-%d").unwrap();
    let conformity = conformity.to_owned();
    app.store()
        .update_sample("test", id, None, move |s, _, _| {
            s.status = "reported".into();
            s.reported_on = Some(day);
            s.conformity = Some(conformity);
            Ok(server::store::samples::SampleEffects::default())
        })
        .await
        .unwrap();
}

fn cell_text(d: &Data) -> String {
    match d {
        Data::Float(f) => format!("{f}"),
        Data::Int(i) => i.to_string(),
        Data::String(s) => s.clone(),
        other => other.to_string(),
    }
}

#[tokio::test]
async fn the_yearly_figures_match_the_hand_counted_records_and_the_workbook_matches_the_json() {
    let app = App::new().await;
    let inspector = app.login_as(Role::Inspector).await;
    let tech = app.login_as(Role::Technician).await;
    import(
        &app,
        &inspector,
        &format!(
            "{HEADER}\
             A1,Một cửa,04/03/2024,Công ty A,4900000001,Mũ bảo hiểm,6506.10.10,10,chiếc,05/03/2024,05/03/2024,G1,11/03/2024,meets,12/03/2024\n\
             A2,Một cửa,04/03/2024,Công ty B,4900000002,Mũ bảo hiểm,6506.10.10,10,chiếc,05/03/2024,05/03/2024,G2,11/03/2024,meets,14/03/2024\n\
             A3,Dịch vụ công,04/03/2024,Công ty C,4900000003,Quạt điện,8414.51.10,10,chiếc,05/03/2024,,,,,\n\
             B1,Một cửa quốc gia,03/03/2025,Công ty D,4900000004,Đồ chơi,9503.00.99,10,bộ,04/03/2025,04/03/2025,G3,10/03/2025,meets,11/03/2025\n\
             B2,Một cửa quốc gia,03/03/2025,Công ty E,4900000005,Đồ chơi,9503.00.99,10,bộ,04/03/2025,04/03/2025,G4,10/03/2025,does-not-meet,11/03/2025\n\
             B3,Một cửa quốc gia,03/03/2025,Công ty F,4900000006,Đồ chơi,9503.00.99,10,bộ,04/03/2025,04/03/2025,G5,10/03/2025,meets,10/03/2025\n"
        ),
    )
    .await;
    for (t, on, c) in [
        ("petrol", "2025-05-10", "conforms"),
        ("petrol", "2025-05-11", "does_not_conform"),
        ("petrol", "2025-05-12", "conforms"),
        ("helmet", "2025-06-01", "does_not_conform"),
        ("helmet", "2025-06-02", "does_not_conform"),
        ("petrol", "", ""),
    ] {
        reported_sample(&app, &tech, t, on, c).await;
    }

    let a = app
        .get("/api/v1/reports/yearly?from=2024&to=2025", &inspector)
        .await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.json);
    assert_eq!(
        a.json["dossiers"],
        json!([
            {"year": 2024, "channel": "one_stop_counter", "registered": 2, "decided": 2, "on_time": 1},
            {"year": 2024, "channel": "provincial_portal", "registered": 1, "decided": 0, "on_time": 0},
            {"year": 2025, "channel": "national_single_window", "registered": 3, "decided": 3, "on_time": 3}
        ])
    );
    assert_eq!(
        a.json["samples"],
        json!([
            {"year": 2025, "sample_type": "helmet", "tested": 2, "nonconforming": 2},
            {"year": 2025, "sample_type": "petrol", "tested": 3, "nonconforming": 1}
        ])
    );
    let only_2024 = app
        .get("/api/v1/reports/yearly?from=2024", &inspector)
        .await;
    assert_eq!(only_2024.json["samples"], json!([]));
    let bad = app
        .get("/api/v1/reports/yearly?from=2025&to=2024", &inspector)
        .await;
    assert_eq!(bad.field(), "to");

    // The workbook holds the same numbers.
    let req = axum::http::Request::builder()
        .uri("/api/v1/reports/yearly.xlsx?from=2024&to=2025")
        .header("cookie", &inspector.cookie)
        .body(axum::body::Body::empty())
        .unwrap();
    let resp = tower::ServiceExt::oneshot(server::http::router(app.state.clone()), req)
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    let bytes = http_body_util::BodyExt::collect(resp.into_body())
        .await
        .unwrap()
        .to_bytes();
    let mut book: Xlsx<_> =
        calamine::open_workbook_from_rs(std::io::Cursor::new(bytes.to_vec())).unwrap();
    let sheets = book.sheet_names().clone();
    assert_eq!(
        sheets,
        ["Phương tiện đo", "Thử nghiệm mẫu", "Hồ sơ nhập khẩu"]
    );
    let rows = |book: &mut Xlsx<_>, name: &str| -> Vec<Vec<String>> {
        book.worksheet_range(name)
            .unwrap()
            .rows()
            .map(|r| r.iter().map(cell_text).collect())
            .collect()
    };
    let dossiers = rows(&mut book, "Hồ sơ nhập khẩu");
    assert_eq!(
        dossiers[0],
        [
            "Năm",
            "Hình thức tiếp nhận",
            "Số hồ sơ",
            "Đã có kết quả",
            "Đúng hạn",
            "Tỷ lệ đúng hạn"
        ]
    );
    let from_json: Vec<Vec<String>> = a.json["dossiers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            let name = server::dossier::channel_names(d["channel"].as_str().unwrap())
                .0
                .to_owned();
            let decided = d["decided"].as_i64().unwrap();
            let mut row = vec![
                d["year"].to_string(),
                name,
                d["registered"].to_string(),
                decided.to_string(),
                d["on_time"].to_string(),
            ];
            if decided > 0 {
                #[allow(clippy::cast_precision_loss)]
                row.push(format!(
                    "{}",
                    d["on_time"].as_i64().unwrap() as f64 / decided as f64
                ));
            } else {
                row.push(String::new());
            }
            row
        })
        .collect();
    assert_eq!(dossiers[1..], from_json[..]);
    let samples = rows(&mut book, "Thử nghiệm mẫu");
    let from_json: Vec<Vec<String>> = a.json["samples"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s: &Value| {
            vec![
                s["year"].to_string(),
                s["sample_type"].as_str().unwrap().to_owned(),
                s["tested"].to_string(),
                s["nonconforming"].to_string(),
            ]
        })
        .collect();
    assert_eq!(samples[1..], from_json[..]);
}
