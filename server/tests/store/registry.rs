//! The registry on both backends: searches, retirement, all-or-nothing import, standards'
//! status and overrides, devices seen by ingest.

use calibration_profiles::wire::v1::{Raw, Reading};
use chrono::{Days, NaiveDate, Utc};
use server::import::{FileFormat, parse_instruments};
use server::store::registry::{InstrumentInput, InstrumentQuery, OrganisationInput, PageRequest};
use server::store::standards::{CalibrationInput, StandardInput, Status};
use server::store::users::{NewUser, Role};
use server::store::{Store, StoreError};

use crate::on_both;

fn instrument(serial: &str, category: &str, due: Option<NaiveDate>) -> InstrumentInput {
    InstrumentInput {
        category: category.into(),
        serial: serial.into(),
        next_due_on: due,
        ..InstrumentInput::default()
    }
}

async fn instruments_are_searched_on_indexes_and_retired_not_deleted(s: &Store) {
    let org = s
        .create_organisation(
            "user:lan",
            &OrganisationInput {
                name: "Bệnh viện Đa khoa tỉnh Lạng Sơn".into(),
                tax_code: Some("4900123456".into()),
                ..OrganisationInput::default()
            },
        )
        .await
        .unwrap();
    let d = |m| NaiveDate::from_ymd_opt(2027, m, 1).unwrap();
    for (serial, cat, due) in [
        ("HA-001", "sphygmomanometer", Some(d(3))),
        ("HA-002", "sphygmomanometer", Some(d(1))),
        ("HA-010", "sphygmomanometer", None),
        ("NK-001", "clinical-thermometer-electronic", Some(d(2))),
    ] {
        let mut i = instrument(serial, cat, due);
        i.owner_id = Some(org.organisation_id);
        s.create_instrument("user:lan", &i).await.unwrap();
    }
    let q = |serial: Option<&str>, due: Option<NaiveDate>| InstrumentQuery {
        serial: serial.map(Into::into),
        due_before: due,
        page: PageRequest {
            page: 1,
            per_page: 2,
        },
        ..InstrumentQuery::default()
    };
    let prefix = s.search_instruments(&q(Some("HA-00"), None)).await.unwrap();
    let serials: Vec<&str> = prefix.items.iter().map(|i| i.serial.as_str()).collect();
    assert_eq!(serials, ["HA-001", "HA-002"]);
    assert!(!prefix.has_more);
    let first = s.search_instruments(&q(Some("HA-"), None)).await.unwrap();
    assert!(first.has_more);
    assert_eq!(
        first.items[0].owner_name.as_deref(),
        Some("Bệnh viện Đa khoa tỉnh Lạng Sơn")
    );
    let due = s.search_instruments(&q(None, Some(d(2)))).await.unwrap();
    let serials: Vec<&str> = due.items.iter().map(|i| i.serial.as_str()).collect();
    assert_eq!(serials, ["HA-002", "NK-001"], "soonest due first");
    let orgs = s
        .list_organisations(Some("da khoa"), false, PageRequest::default())
        .await
        .unwrap();
    assert_eq!(orgs.items.len(), 1);
    let id = first.items[0].instrument_id;
    s.retire_instrument("user:lan", id, "Hỏng, thanh lý")
        .await
        .unwrap();
    assert!(matches!(
        s.retire_instrument("user:lan", id, "again").await,
        Err(StoreError::State(_))
    ));
    let after = s
        .search_instruments(&q(Some("HA-001"), None))
        .await
        .unwrap();
    assert!(after.items.is_empty());
    assert_eq!(s.instrument(id).await.unwrap().unwrap().status, "retired");
    let history = s.history("instrument", &id.to_string()).await.unwrap();
    assert_eq!(history.len(), 2);
    assert_eq!(history[1].reason.as_deref(), Some("Hỏng, thanh lý"));
}
on_both!(
    registry_search,
    instruments_are_searched_on_indexes_and_retired_not_deleted
);

async fn an_import_stores_every_row_or_none(s: &Store) {
    let good = "serial,category,owner,owner_tax_code,next_due_on\n\
                CD-1,fuel-dispenser,Cửa hàng xăng dầu số 1,4900100017,2027-05-01\n\
                CD-2,fuel-dispenser,Cửa hàng xăng dầu số 1,4900100017,2027-05-02\n";
    let rows = parse_instruments(FileFormat::Csv, good.as_bytes(), &mut |_, _| {}).unwrap();
    let mut calls = 0;
    let report = s
        .import_instruments("user:lan", "ds.csv", &rows, &mut |_, _| calls += 1)
        .await
        .unwrap();
    assert_eq!(report.instruments_created, 2);
    assert_eq!(report.organisations_created, 1);
    assert!(calls >= 1);
    // A second file: its first row is fine (its owner is found by tax code), its second is
    // refused by the database (a trigger stands in for any failure mid-way). Nothing of the
    // file may stay.
    let mut more = parse_instruments(
        FileFormat::Csv,
        "serial,category,owner_tax_code\nCD-3,fuel-dispenser,4900100017\n".as_bytes(),
        &mut |_, _| {},
    )
    .unwrap();
    more.push(more[0].clone());
    more[1].serial = "REFUSED".into();
    let before = s.count_instruments().await.unwrap();
    if s.backend() == "postgres" {
        s.exec_admin("CREATE FUNCTION refuse() RETURNS trigger AS $$ BEGIN IF NEW.serial = 'REFUSED' THEN RAISE EXCEPTION 'refused'; END IF; RETURN NEW; END $$ LANGUAGE plpgsql")
            .await
            .unwrap();
        s.exec_admin("CREATE TRIGGER refuse BEFORE INSERT ON instrument FOR EACH ROW EXECUTE FUNCTION refuse()")
            .await
            .unwrap();
    } else {
        s.exec_admin("CREATE TRIGGER refuse BEFORE INSERT ON instrument WHEN NEW.serial = 'REFUSED' BEGIN SELECT RAISE(ABORT, 'refused'); END")
            .await
            .unwrap();
    }
    let failed = s
        .import_instruments("user:lan", "more.csv", &more, &mut |_, _| {})
        .await;
    assert!(failed.is_err());
    assert_eq!(
        s.count_instruments().await.unwrap(),
        before,
        "nothing half-imported"
    );
}
on_both!(import_all_or_nothing, an_import_stores_every_row_or_none);

async fn a_standards_status_and_override_hold_on_both_backends(s: &Store) {
    let qm = s
        .create_user(
            "console",
            &NewUser {
                username: "qm".into(),
                full_name: "Phụ trách chất lượng".into(),
                role: Role::QualityManager,
                password_hash: "$argon2id$fake".into(),
            },
        )
        .await
        .unwrap();
    let st = s
        .create_standard(
            "user:tech",
            &StandardInput {
                code: "AK-01".into(),
                name: "Áp kế chuẩn".into(),
                level: "working".into(),
                traceability: Some("VMI".into()),
                ..StandardInput::default()
            },
        )
        .await
        .unwrap();
    let id = st.measurement_standard_id;
    let today = Utc::now().date_naive();
    s.add_calibration(
        "user:tech",
        id,
        &CalibrationInput {
            certificate_no: "V06.123/25".into(),
            issuer: "VMI".into(),
            issuer_accreditation: None,
            calibrated_on: today - Days::new(400),
            due_on: today - Days::new(1),
            results: vec![],
            in_tolerance: true,
        },
    )
    .await
    .unwrap();
    let u = s.standard_usability(id, today).await.unwrap();
    assert_eq!((u.status, u.usable), (Status::Expired, false));
    s.grant_override(
        "user:qm",
        qm.app_user_id,
        id,
        "dùng tạm",
        today + Days::new(3),
    )
    .await
    .unwrap();
    assert!(s.standard_usability(id, today).await.unwrap().usable);
    assert!(
        !s.standard_usability(id, today + Days::new(4))
            .await
            .unwrap()
            .usable
    );
    s.set_standard_condition("user:tech", id, "failed", "hỏng")
        .await
        .unwrap();
    let u = s.standard_usability(id, today).await.unwrap();
    assert_eq!(u.status, Status::Failed);
    assert!(!u.usable, "a later failure voids the earlier override");
    let attention = s.standards_needing_attention(today).await.unwrap();
    assert_eq!(attention.len(), 1);
}
on_both!(
    standards,
    a_standards_status_and_override_hold_on_both_backends
);

async fn ingest_keeps_one_row_per_device(s: &Store) {
    let r = |device: &str| {
        (
            Reading {
                reading_id: uuid::Uuid::now_v7(),
                device_id: device.into(),
                channel: "p".into(),
                value: "1.5".into(),
                unit: "bar".into(),
                stable: true,
                raw: Raw::Words(vec![1, 2]),
                captured_at: Utc::now(),
            },
            1.5,
        )
    };
    s.insert_readings("kit-1", &[r("ak-1"), r("ak-1"), r("ak-2")])
        .await
        .unwrap();
    s.insert_readings("kit-2", &[r("ak-1")]).await.unwrap();
    let devices = s.list_devices().await.unwrap();
    let seen: Vec<(&str, &str)> = devices
        .iter()
        .map(|d| (d.device_id.as_str(), d.bridge_id.as_str()))
        .collect();
    assert_eq!(seen, [("ak-2", "kit-1"), ("ak-1", "kit-2")]);
    assert!(devices.iter().all(|d| d.online(Utc::now())));
}
on_both!(devices, ingest_keeps_one_row_per_device);
