//! Calendar, dossiers and records on both backends: the shipped calendar is seeded once, a
//! dossier and its steps round-trip with their dates, an update writes its record and audit
//! entry together, and an issued record can be neither changed nor deleted.

use calibration_profiles::workdays::Calendar;
use chrono::{NaiveDate, Utc};
use server::store::Store;
use server::store::dossiers::{Dossier, DossierQuery, DossierStep, Effects};
use server::store::records::NewRecord;

use crate::on_both;

fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

fn dossier(number: &str) -> (Dossier, Vec<DossierStep>) {
    let id = uuid::Uuid::now_v7();
    let now = Utc::now();
    let d = Dossier {
        import_dossier_id: id,
        number: number.into(),
        channel: "one_stop_counter".into(),
        external_ref: None,
        regime: "A".into(),
        registered_on: day(2026, 2, 13),
        importer_name: "Công ty TNHH Hữu Nghị".into(),
        importer_tax_code: "4900123456".into(),
        importer_address: String::new(),
        importer_organisation_id: None,
        entry_gate: String::new(),
        customs_declaration: String::new(),
        goods: "[]".into(),
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
        created_by: "user:test".into(),
        created_at: now,
        updated_at: now,
    };
    let steps = vec![DossierStep {
        import_dossier_id: id,
        step: "confirm_registration".into(),
        due_on: Some(day(2026, 2, 23)),
        done_on: None,
        done_by: None,
    }];
    (d, steps)
}

async fn calendar_dossiers_and_records_round_trip(store: &Store) {
    // Seeded once by the migration; a second seed does nothing.
    let calendar = store.calendar().await.unwrap();
    assert_eq!(calendar.covers_from(), Calendar::shipped().covers_from());
    assert_eq!(
        calendar.add_working_days(day(2026, 2, 13), 1),
        Ok(day(2026, 2, 23))
    );
    assert!(
        !store
            .seed_calendar(Calendar::shipped(), "again")
            .await
            .unwrap()
    );
    assert_eq!(
        store.calendar_days(Some(2026)).await.unwrap().len(),
        Calendar::shipped()
            .rows()
            .filter(|r| r.date.0 >= day(2026, 1, 1) && r.date.0 <= day(2026, 12, 31))
            .count()
    );

    let (d, steps) = dossier("0001/2026/ĐKNK");
    store.insert_dossier("user:test", &d, &steps).await.unwrap();
    let dup = store
        .insert_dossier("user:test", &dossier("0001/2026/ĐKNK").0, &[])
        .await;
    assert!(
        matches!(dup, Err(server::store::StoreError::Conflict(_))),
        "{dup:?}"
    );

    let key = server::signing::KeyRing::ephemeral(store).await.unwrap();
    let (after, steps, record) = store
        .update_dossier(
            "user:test",
            d.import_dossier_id,
            Some(("import_confirmation", 2026)),
            |d, steps, seq| {
                assert_eq!(seq, Some(1));
                d.status = "confirmed".into();
                steps[0].done_on = Some(day(2026, 2, 23));
                steps[0].done_by = Some("user:test".into());
                Ok(Effects {
                    record: Some(NewRecord {
                        number: "0001/2026/XNĐK-TTTĐC".into(),
                        revision: 0,
                        kind: "import_registration_confirmation".into(),
                        subject_kind: "import_dossier",
                        subject_id: d.import_dossier_id,
                        issued_on: day(2026, 2, 23),
                        token: "ab".repeat(16),
                        content: "{}".into(),
                        digest: "00".into(),
                        key_id: key.key_id().to_owned(),
                        signature: "sig".into(),
                        signed_by: "user:test".into(),
                        supersedes_id: None,
                        amendment_reason: None,
                    }),
                    ..Effects::default()
                })
            },
        )
        .await
        .unwrap();
    assert_eq!(after.status, "confirmed");
    assert_eq!(steps[0].done_on, Some(day(2026, 2, 23)));
    let record = record.unwrap();
    assert_eq!(
        store
            .record_by_token(&"ab".repeat(16))
            .await
            .unwrap()
            .unwrap()
            .record_id,
        record.record_id
    );

    // A failed change leaves nothing behind and burns no number.
    let failed = store
        .update_dossier(
            "user:test",
            d.import_dossier_id,
            Some(("import_confirmation", 2026)),
            |_, _, _| Err(server::store::StoreError::State("no".into())),
        )
        .await;
    assert!(failed.is_err());
    assert_eq!(
        store
            .next_number("import_confirmation", 2026)
            .await
            .unwrap(),
        2
    );

    // Search by tax code and overdue steps.
    let page = store
        .list_dossiers(&DossierQuery {
            q: Some("4900123456".into()),
            ..DossierQuery::default()
        })
        .await
        .unwrap();
    assert_eq!(page.items.len(), 1);
    let overdue = store
        .list_dossiers(&DossierQuery {
            overdue_on: Some(day(2026, 3, 1)),
            ..DossierQuery::default()
        })
        .await
        .unwrap();
    assert!(overdue.items.is_empty(), "the only step was done");

    // Issued records are immutable and never deleted (triggers), revocable with a reason.
    let tamper = store
        .exec_admin(&format!(
            "UPDATE record SET content = '{{\"x\":1}}' WHERE number = '{}'",
            record.number
        ))
        .await;
    assert!(tamper.is_err(), "content cannot change");
    let delete = store.exec_admin("DELETE FROM record").await;
    assert!(delete.is_err(), "records are never deleted");
    let revoked = store
        .revoke_record("user:qm", record.record_id, "sai tên doanh nghiệp")
        .await
        .unwrap();
    assert_eq!(revoked.status, "revoked");
    let standing = store.record_standing(&record.token).await.unwrap().unwrap();
    assert_eq!(
        standing.revoke_reason.as_deref(),
        Some("sai tên doanh nghiệp")
    );
    let history = store
        .history("import_dossier", &d.import_dossier_id.to_string())
        .await
        .unwrap();
    assert_eq!(history.len(), 2, "create and update");
}

on_both!(dossier_store, calendar_dossiers_and_records_round_trip);
