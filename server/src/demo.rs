//! Demo data for a newcomer's first look (`tdc-server seed-demo`): organisations of Lạng Sơn,
//! instruments with due dates spread around today, standards in every status, one user per
//! role, and a device token for the demo bench's bridge. Names are invented; every record goes
//! through the same store functions (and audit trail) as real work.

use chrono::{Days, NaiveDate, Utc};
use rand::RngExt;

use crate::auth::hash_password;
use crate::store::registry::{InstrumentInput, OrganisationInput};
use crate::store::standards::{CalibrationInput, CalibrationValue, StandardInput};
use crate::store::users::{NewUser, Role};
use crate::store::{Store, StoreError};

/// Who the demo's records are attributed to.
const ACTOR: &str = "seed-demo";

/// What was made: the users with their passwords, and the bridge's token.
#[derive(Debug)]
pub struct Seeded {
    pub users: Vec<(String, Role, String)>,
    pub bridge_id: String,
    pub token: String,
    pub organisations: usize,
    pub instruments: usize,
    pub standards: usize,
}

/// Why seeding refused.
#[derive(Debug, thiserror::Error)]
pub enum SeedError {
    #[error("the database already has users: seed-demo only fills an empty database")]
    NotEmpty,
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("password: {0}")]
    Password(#[from] crate::auth::PasswordError),
}

fn shift(today: NaiveDate, days: i64) -> NaiveDate {
    if days >= 0 {
        today + Days::new(days.unsigned_abs())
    } else {
        today - Days::new(days.unsigned_abs())
    }
}

/// A readable random password: three groups of letters and digits.
fn password() -> String {
    const ALPHABET: &[u8] = b"abcdefghijkmnpqrstuvwxyz23456789";
    let mut rng = rand::rng();
    (0..3)
        .map(|_| {
            (0..4)
                .map(|_| char::from(ALPHABET[rng.random_range(0..ALPHABET.len())]))
                .collect::<String>()
        })
        .collect::<Vec<_>>()
        .join("-")
}

/// Fills an empty database.
#[allow(clippy::too_many_lines)]
pub async fn seed(store: &Store, bridge_id: &str) -> Result<Seeded, SeedError> {
    if store.count_users().await? > 0 {
        return Err(SeedError::NotEmpty);
    }
    let today = Utc::now().date_naive();
    let people = [
        ("kythuatvien", "Nguyễn Văn Hùng", Role::Technician),
        ("kiemtravien", "Hoàng Thị Lan", Role::Inspector),
        ("soatxet", "Lương Văn Minh", Role::Reviewer),
        ("phutrachcl", "Vi Thị Hạnh", Role::QualityManager),
        ("quantri", "Đinh Công Sơn", Role::Admin),
        ("chixem", "Nông Thị Mai", Role::ReadOnly),
    ];
    let mut users = Vec::new();
    for (username, full_name, role) in people {
        let pw = password();
        store
            .create_user(
                ACTOR,
                &NewUser {
                    username: username.into(),
                    full_name: full_name.into(),
                    role,
                    password_hash: hash_password(&pw)?,
                },
            )
            .await?;
        users.push((username.to_owned(), role, pw));
    }

    let orgs = [
        (
            "Công ty Xăng dầu Bắc Sơn – Chi nhánh Lạng Sơn",
            "4900100017",
            "Số 1 Lê Lợi, TP. Lạng Sơn",
            "fuel-dispenser",
            "Tatsuno",
            "SUNNY-II",
            "CD",
        ),
        (
            "Ban quản lý chợ Đông Kinh",
            "4900223344",
            "Đường Tam Thanh, TP. Lạng Sơn",
            "counter-scale",
            "Nhơn Hòa",
            "CĐH-30",
            "CĐ",
        ),
        (
            "Bệnh viện Đa khoa tỉnh Lạng Sơn",
            "4900123456",
            "Đường Tuệ Tĩnh, TP. Lạng Sơn",
            "sphygmomanometer",
            "ALPK2",
            "500V",
            "HA",
        ),
        (
            "Công ty Cổ phần Taxi Xứ Lạng",
            "4900345678",
            "Đường Bà Triệu, TP. Lạng Sơn",
            "taximeter",
            "Hải Minh",
            "HM-08",
            "TX",
        ),
        (
            "Công ty CP Dược phẩm Kỳ Lừa",
            "4900456789",
            "KCN Đồng Bành, Chi Lăng",
            "analytical-balance",
            "Mettler Toledo",
            "ME204",
            "CPT",
        ),
        (
            "Công ty Điện lực Lạng Sơn",
            "4900567890",
            "Đường Bắc Sơn, TP. Lạng Sơn",
            "electricity-meter-1p",
            "EMIC",
            "CV140",
            "CT",
        ),
    ];
    let mut instruments = 0;
    for (i, (name, tax, address, category, maker, model, prefix)) in orgs.iter().enumerate() {
        let org = store
            .create_organisation(
                ACTOR,
                &OrganisationInput {
                    name: (*name).into(),
                    tax_code: Some((*tax).into()),
                    address: Some((*address).into()),
                    phone: None,
                },
            )
            .await?;
        for n in 0..10_i64 {
            // Due dates from three weeks ago to a year ahead: some overdue, some due soon.
            let due_in = -21 + (n * 41 + i64::try_from(i).unwrap_or(0) * 13) % 380;
            let due = shift(today, due_in);
            let resolution = match *category {
                "analytical-balance" => Some("0.1 mg"),
                "counter-scale" => Some("10 g"),
                "taximeter" => Some("0.1 km"),
                "fuel-dispenser" => Some("0.01 L"),
                _ => None,
            };
            store
                .create_instrument(
                    ACTOR,
                    &InstrumentInput {
                        category: (*category).into(),
                        serial: format!("{prefix}-{:04}", 1001 + n),
                        maker: Some((*maker).into()),
                        model: Some((*model).into()),
                        resolution: resolution.map(Into::into),
                        owner_id: Some(org.organisation_id),
                        location: Some((*address).into()),
                        last_verified_on: Some(shift(due, -365)),
                        next_due_on: Some(due),
                        ..InstrumentInput::default()
                    },
                )
                .await?;
            instruments += 1;
        }
    }

    let vmi = "Viện Đo lường Việt Nam (VMI) – chuẩn quốc gia";
    let standards: [(&str, &str, &str, i64, Option<&str>); 5] = [
        (
            "QC-F1-01",
            "Bộ quả cân chuẩn F1 1 mg – 2 kg",
            "1 kg",
            300,
            None,
        ),
        (
            "QC-M1-20",
            "Quả cân chuẩn M1 20 kg (bộ 10 quả)",
            "20 kg",
            200,
            None,
        ),
        (
            "AK-CH-01",
            "Áp kế chuẩn hiện số 0 – 60 bar",
            "10 bar",
            20,
            None,
        ),
        (
            "NK-CH-01",
            "Nhiệt kế chuẩn Pt100 −40 – 400 °C",
            "100 °C",
            -10,
            None,
        ),
        (
            "BL-CH-10",
            "Bình chuẩn kim loại hạng 2, 10 L",
            "10 L",
            150,
            Some("Móp thành bình sau vận chuyển, chờ kiểm tra lại"),
        ),
    ];
    for (code, name, nominal, due_in, quarantine) in standards {
        let s = store
            .create_standard(
                ACTOR,
                &StandardInput {
                    code: code.into(),
                    name: name.into(),
                    level: "working".into(),
                    traceability: Some(vmi.into()),
                    ..StandardInput::default()
                },
            )
            .await?;
        let due = shift(today, due_in);
        store
            .add_calibration(
                ACTOR,
                s.measurement_standard_id,
                &CalibrationInput {
                    certificate_no: format!(
                        "V{}.{}/{}",
                        code.len(),
                        100 + due_in.abs(),
                        due.format("%y")
                    ),
                    issuer: "Viện Đo lường Việt Nam".into(),
                    issuer_accreditation: Some("VILAS 002".into()),
                    calibrated_on: shift(due, -365),
                    due_on: due,
                    results: vec![CalibrationValue {
                        nominal: nominal.into(),
                        value: nominal.into(),
                        expanded_uncertainty: match nominal {
                            "1 kg" => "1.6 mg",
                            "20 kg" => "0.3 g",
                            "10 bar" => "0.005 bar",
                            "100 °C" => "0.02 °C",
                            _ => "2 mL",
                        }
                        .into(),
                        k: Some(2.0),
                    }],
                    in_tolerance: true,
                },
            )
            .await?;
        if let Some(reason) = quarantine {
            store
                .set_standard_condition(ACTOR, s.measurement_standard_id, "quarantined", reason)
                .await?;
        }
    }
    let token = store
        .create_device_token(ACTOR, bridge_id, "Bàn cân và áp kế – phòng Đo lường")
        .await?;
    Ok(Seeded {
        users,
        bridge_id: bridge_id.to_owned(),
        token,
        organisations: orgs.len(),
        instruments,
        standards: standards.len(),
    })
}

/// What the bench part of the demo made.
#[derive(Debug)]
pub struct BenchSeeded {
    /// The number of the issued certificate.
    pub certificate: String,
    /// The run left in progress with the live balance.
    pub run_in_progress: uuid::Uuid,
}

/// Why the bench part of the demo failed (a request the application refused).
#[derive(Debug, thiserror::Error)]
#[error("demo bench: {step}: HTTP {status}: {body}")]
pub struct BenchSeedError {
    pub step: String,
    pub status: u16,
    pub body: String,
}

/// Calls the application in-process, the same way the pages and the API clients do.
struct Client {
    app: axum::Router,
    cookie: String,
    csrf: String,
}

impl Client {
    async fn send(
        app: &axum::Router,
        step: &str,
        req: axum::http::Request<axum::body::Body>,
    ) -> Result<(axum::http::HeaderMap, serde_json::Value), BenchSeedError> {
        use tower::ServiceExt as _;
        let resp = app.clone().oneshot(req).await.map_err(|e| BenchSeedError {
            step: step.into(),
            status: 0,
            body: e.to_string(),
        })?;
        let status = resp.status();
        let headers = resp.headers().clone();
        let bytes = axum::body::to_bytes(resp.into_body(), 16 << 20)
            .await
            .unwrap_or_default();
        let json = serde_json::from_slice(&bytes).unwrap_or(serde_json::Value::Null);
        if status.is_success() {
            Ok((headers, json))
        } else {
            Err(BenchSeedError {
                step: step.into(),
                status: status.as_u16(),
                body: String::from_utf8_lossy(&bytes).chars().take(2000).collect(),
            })
        }
    }

    async fn login(app: &axum::Router, user: &str, password: &str) -> Result<Self, BenchSeedError> {
        let body = serde_json::json!({"username": user, "password": password}).to_string();
        let req = axum::http::Request::post("/api/v1/session")
            .header("content-type", "application/json")
            .body(axum::body::Body::from(body))
            .map_err(|e| BenchSeedError {
                step: "login".into(),
                status: 0,
                body: e.to_string(),
            })?;
        let (headers, json) = Self::send(app, &format!("sign in as {user}"), req).await?;
        let cookie = headers
            .get("set-cookie")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(';').next())
            .unwrap_or_default()
            .to_owned();
        Ok(Self {
            app: app.clone(),
            cookie,
            csrf: json["csrf_token"].as_str().unwrap_or_default().to_owned(),
        })
    }

    async fn call(
        &self,
        method: axum::http::Method,
        path: &str,
        body: &serde_json::Value,
    ) -> Result<serde_json::Value, BenchSeedError> {
        let req = axum::http::Request::builder()
            .method(method)
            .uri(path)
            .header("cookie", &self.cookie)
            .header("x-csrf-token", &self.csrf)
            .header("content-type", "application/json")
            .body(axum::body::Body::from(body.to_string()))
            .map_err(|e| BenchSeedError {
                step: path.into(),
                status: 0,
                body: e.to_string(),
            })?;
        Ok(Self::send(&self.app, path, req).await?.1)
    }

    async fn post(
        &self,
        path: &str,
        body: serde_json::Value,
    ) -> Result<serde_json::Value, BenchSeedError> {
        self.call(axum::http::Method::POST, path, &body).await
    }

    async fn put(
        &self,
        path: &str,
        body: serde_json::Value,
    ) -> Result<serde_json::Value, BenchSeedError> {
        self.call(axum::http::Method::PUT, path, &body).await
    }
}

fn password_of(seeded: &Seeded, role: Role) -> (&str, &str) {
    seeded
        .users
        .iter()
        .find(|(_, r, _)| *r == role)
        .map_or(("", ""), |(u, _, p)| (u.as_str(), p.as_str()))
}

/// The bench part of the demo, through the application's own API: a weight set calibrated at
/// the balance's test loads, a receipt of two analytical balances of the pharmaceutical
/// company, one verified, reviewed and signed (a certificate with its QR code), the other set
/// up on the demo bench's live balance and left in progress.
#[allow(clippy::too_many_lines)] // the demo's story, step by step
pub async fn seed_bench(
    state: &crate::http::AppState,
    seeded: &Seeded,
) -> Result<BenchSeeded, Box<dyn std::error::Error + Send + Sync>> {
    let store = &state.store;
    let today = crate::web::i18n::today();
    let (tech, tech_pw) = password_of(seeded, Role::Technician);
    let (rev, rev_pw) = password_of(seeded, Role::Reviewer);
    let (qm, qm_pw) = password_of(seeded, Role::QualityManager);
    // The technician is a verifier (thẻ kiểm định viên).
    store
        .update_user(
            ACTOR,
            tech,
            &crate::store::users::UserUpdate {
                full_name: "Nguyễn Văn Hùng".into(),
                role: Role::Technician,
                verifier_card_no: Some("KĐV-LS-0042".into()),
                verifier_card_expires_on: Some(shift(today, 700)),
            },
        )
        .await?;
    let weights = store
        .create_standard(
            ACTOR,
            &StandardInput {
                code: "QC-E2-01".into(),
                name: "Bộ quả cân chuẩn E2 1 mg – 500 g".into(),
                level: "working".into(),
                traceability: Some(
                    "Viện Đo lường Việt Nam (VMI) – chuẩn quốc gia khối lượng".into(),
                ),
                ..StandardInput::default()
            },
        )
        .await?;
    let value = |nominal: &str, u: &str| CalibrationValue {
        nominal: nominal.into(),
        value: nominal.into(),
        expanded_uncertainty: u.into(),
        k: Some(2.0),
    };
    store
        .add_calibration(
            ACTOR,
            weights.measurement_standard_id,
            &CalibrationInput {
                certificate_no: "V03.0421/26".into(),
                issuer: "Viện Đo lường Việt Nam".into(),
                issuer_accreditation: Some("VILAS 002".into()),
                calibrated_on: shift(today, -60),
                due_on: shift(today, 305),
                results: vec![
                    value("20 mg", "0.003 mg"),
                    value("50 g", "0.030 mg"),
                    value("100 g", "0.050 mg"),
                    value("200 g", "0.10 mg"),
                    value("500 g", "0.25 mg"),
                ],
                in_tolerance: true,
            },
        )
        .await?;
    let balances = store
        .search_instruments(&crate::store::registry::InstrumentQuery {
            category: Some("analytical-balance".into()),
            ..crate::store::registry::InstrumentQuery::default()
        })
        .await?
        .items;
    let (Some(first), Some(second)) = (balances.first(), balances.get(1)) else {
        return Err("the demo has no analytical balances".into());
    };
    let app = crate::http::router(state.clone());
    // The bench's balance is known once its bridge has sent a reading.
    let reading = calibration_profiles::wire::v1::ReadingBatch {
        bridge_id: seeded.bridge_id.clone(),
        readings: vec![calibration_profiles::wire::v1::Reading {
            reading_id: uuid::Uuid::now_v7(),
            device_id: "balance-1".into(),
            channel: "mass".into(),
            value: "0.0000".into(),
            unit: "g".into(),
            stable: true,
            raw: calibration_profiles::wire::v1::Raw::Text("S S      0.0000 g".into()),
            captured_at: Utc::now(),
        }],
    };
    let req = axum::http::Request::post("/api/v1/readings")
        .header("authorization", format!("Bearer {}", seeded.token))
        .header("content-type", "application/json")
        .body(axum::body::Body::from(serde_json::to_string(&reading)?))?;
    Client::send(&app, "first reading", req).await?;

    let t = Client::login(&app, tech, tech_pw).await?;
    let receipt = t
        .post(
            "/api/v1/receipts",
            serde_json::json!({
                "organisation_id": first.owner_id,
                "agreed_due_on": shift(today, 5),
                "language": "vi",
                "contact": "Chị Lý Thị Thu – 0205 3870 123",
                "items": [
                    {"instrument_id": first.instrument_id, "service": "periodic", "condition_on_arrival": "Bình thường", "accessories": "Đĩa cân, lồng chắn gió"},
                    {"instrument_id": second.instrument_id, "service": "periodic", "condition_on_arrival": "Bình thường", "accessories": "Đĩa cân"}
                ]
            }),
        )
        .await?;
    let run_of = |i: usize| {
        receipt["runs"][i]["run_id"]
            .as_str()
            .unwrap_or_default()
            .to_owned()
    };
    let (done, live) = (run_of(0), run_of(1));
    let params = serde_json::json!({"max": "220 g", "e": "1 mg", "d": "0.1 mg", "class": "I"});
    for (run, stamp) in [(&done, "LS-26-004211"), (&live, "LS-26-004212")] {
        t.put(
            &format!("/api/v1/runs/{run}/setup"),
            serde_json::json!({"procedure_id": "dlvn-16-2021-nawi-verification", "params": params,
                "standards": [weights.measurement_standard_id], "devices": [{"device_id": "balance-1"}],
                "place": "Phòng thí nghiệm Khối lượng – Trung tâm", "stamp_number": stamp}),
        )
        .await?;
        t.put(
            &format!("/api/v1/runs/{run}/environment"),
            serde_json::json!({"values": [{"quantity": "temperature", "value": 22.4, "unit": "°C"},
                                          {"quantity": "humidity", "value": 58.0, "unit": "%RH"}]}),
        )
        .await?;
        for step in ["external", "technical"] {
            t.post(
                &format!("/api/v1/runs/{run}/steps/{step}"),
                serde_json::json!({"passed": true}),
            )
            .await?;
        }
    }
    // The finished run: every point typed in (marked manual, with the reason).
    let view = t
        .call(
            axum::http::Method::GET,
            &format!("/api/v1/runs/{done}"),
            &serde_json::Value::Null,
        )
        .await?;
    let offsets = [0.0, 0.0001, -0.0001, 0.0002, 0.0001];
    for (k, p) in view["points"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .iter()
        .enumerate()
    {
        let id = p["point_id"].as_str().unwrap_or_default();
        let nominal = p["nominal"].as_f64().unwrap_or_default();
        for i in 0..p["repeats"].as_u64().unwrap_or(1) {
            let v = nominal + offsets[(k + usize::try_from(i).unwrap_or(0)) % offsets.len()];
            t.post(
                &format!("/api/v1/runs/{done}/points/{id}/manual"),
                serde_json::json!({"value": (v * 10_000.0).round() / 10_000.0, "reason": "Số liệu minh hoạ của bản demo"}),
            )
            .await?;
        }
    }
    t.post(
        &format!("/api/v1/runs/{done}/submit"),
        serde_json::json!({"comment": "Đã kiểm định xong"}),
    )
    .await?;
    let r = Client::login(&app, rev, rev_pw).await?;
    r.post(
        &format!("/api/v1/runs/{done}/approve"),
        serde_json::json!({"comment": "Đã soát xét, đạt"}),
    )
    .await?;
    let q = Client::login(&app, qm, qm_pw).await?;
    let cert = q
        .post(
            &format!("/api/v1/runs/{done}/sign"),
            serde_json::json!({"password": qm_pw}),
        )
        .await?;
    Ok(BenchSeeded {
        certificate: cert["number"].as_str().unwrap_or_default().to_owned(),
        run_in_progress: uuid::Uuid::parse_str(&live)?,
    })
}
