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
