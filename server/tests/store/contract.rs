//! The checks every backend must pass.

use calibration_profiles::wire::v1::{Raw, Reading};
use chrono::Utc;
use server::store::audit::{self, Filter};
use server::store::users::{NewUser, Role};
use server::store::{Store, StoreError};

use crate::on_both;

fn new_user(name: &str) -> NewUser {
    NewUser {
        username: name.into(),
        full_name: format!("Nguyễn Văn {name}"),
        role: Role::Technician,
        password_hash: "$argon2id$fake".into(),
    }
}

async fn users_are_unique_disabled_not_deleted_and_audited(s: &Store) {
    let u = s.create_user("console", &new_user("an")).await.unwrap();
    assert_eq!(u.role(), Some(Role::Technician));
    let again = s.create_user("console", &new_user("an")).await.unwrap_err();
    assert!(
        matches!(again, StoreError::Conflict(ref w) if w.contains("an")),
        "{again}"
    );
    s.set_password("console", "an", "$argon2id$other")
        .await
        .unwrap();
    s.disable_user("console", "an").await.unwrap();
    let u = s.user_by_username("an").await.unwrap().unwrap();
    assert!(u.disabled);
    assert_eq!(u.full_name, "Nguyễn Văn an");
    assert!(matches!(
        s.disable_user("console", "nobody").await,
        Err(StoreError::NotFound(_))
    ));
    let entries = audit::list(
        s,
        &Filter {
            entity: Some("app_user".into()),
            limit: 50,
            ..Filter::default()
        },
    )
    .await
    .unwrap();
    let actions: Vec<&str> = entries.iter().map(|e| e.action.as_str()).collect();
    assert_eq!(actions, ["disable", "password", "create"]);
    assert!(
        !entries[2].after.as_deref().unwrap().contains("argon2"),
        "the password hash never enters the audit trail"
    );
}
on_both!(users, users_are_unique_disabled_not_deleted_and_audited);

async fn the_audit_chain_names_the_first_tampered_entry(s: &Store) {
    for name in ["a1", "a2", "a3", "a4"] {
        s.create_user("console", &new_user(name)).await.unwrap();
    }
    let v = audit::verify(s).await.unwrap();
    assert_eq!((v.entries, v.first_broken.clone()), (4, None));

    // The database itself refuses changes and deletions …
    for sql in [
        "UPDATE audit_entry SET actor = 'mallory' WHERE audit_entry_id = 2",
        "DELETE FROM audit_entry WHERE audit_entry_id = 4",
    ] {
        let e = s.exec_admin(sql).await.unwrap_err().to_string();
        assert!(e.contains("audit entries are never"), "{sql}: {e}");
    }
    // … and the chain catches someone with the rights to switch that off.
    let disable = if s.backend() == "sqlite" {
        "DROP TRIGGER audit_entry_never_changed; DROP TRIGGER audit_entry_never_deleted"
    } else {
        "DROP TRIGGER audit_entry_append_only ON audit_entry"
    };
    s.exec_admin(disable).await.unwrap();

    // Flip one byte of entry 2's content.
    s.exec_admin(
        "UPDATE audit_entry SET after = REPLACE(after, 'Văn a2', 'Văn a9') WHERE audit_entry_id = 2",
    )
    .await
    .unwrap();
    let v = audit::verify(s).await.unwrap();
    assert_eq!(v.first_broken.as_ref().map(|(id, _)| *id), Some(2), "{v:?}");
    assert!(v.first_broken.unwrap().1.contains("changed"));
    s.exec_admin(
        "UPDATE audit_entry SET after = REPLACE(after, 'Văn a9', 'Văn a2') WHERE audit_entry_id = 2",
    )
    .await
    .unwrap();
    assert_eq!(audit::verify(s).await.unwrap().first_broken, None);

    // Remove entry 3: entry 4 no longer links.
    s.exec_admin("DELETE FROM audit_entry WHERE audit_entry_id = 3")
        .await
        .unwrap();
    let v = audit::verify(s).await.unwrap();
    assert_eq!(v.first_broken.as_ref().map(|(id, _)| *id), Some(4), "{v:?}");
}
on_both!(audit_chain, the_audit_chain_names_the_first_tampered_entry);

async fn concurrent_writers_keep_one_unbroken_chain(s: &Store) {
    let mut tasks = Vec::new();
    for i in 0..20 {
        let s = s.clone();
        tasks.push(tokio::spawn(async move {
            s.create_user("console", &new_user(&format!("c{i}")))
                .await
                .unwrap()
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    let v = audit::verify(s).await.unwrap();
    assert_eq!((v.entries, v.first_broken), (20, None));
}
on_both!(concurrent_audit, concurrent_writers_keep_one_unbroken_chain);

/// Two stores on one database, each remembering the chain's head on its own, behave as two
/// server processes: each time one writes, the other's memory is stale. The chain must stay
/// one line.
async fn two_processes_keep_one_unbroken_chain(s: &Store) {
    let other = s.as_another_process();
    let mut tasks = Vec::new();
    for i in 0..24 {
        let s = if i % 2 == 0 { s.clone() } else { other.clone() };
        tasks.push(tokio::spawn(async move {
            s.create_user("console", &new_user(&format!("p{i}")))
                .await
                .unwrap()
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    // Strictly alternating, after the concurrent burst, so every hint is stale at least once.
    for i in 0..6 {
        let s = if i % 2 == 0 { s } else { &other };
        s.create_user("console", &new_user(&format!("q{i}")))
            .await
            .unwrap();
    }
    let v = audit::verify(s).await.unwrap();
    assert_eq!((v.entries, v.first_broken), (30, None));
}
on_both!(two_processes_audit, two_processes_keep_one_unbroken_chain);

async fn device_tokens_authenticate_until_revoked(s: &Store) {
    let t = s
        .create_device_token("console", "bench-1", "Bàn cân 1")
        .await
        .unwrap();
    assert!(t.starts_with("tdc_") && t.len() > 60);
    assert_eq!(
        s.bridge_for_token(&t).await.unwrap().as_deref(),
        Some("bench-1")
    );
    assert_eq!(s.bridge_for_token("tdc_wrong").await.unwrap(), None);
    let t2 = s
        .create_device_token("console", "bench-1", "second")
        .await
        .unwrap();
    assert_eq!(
        s.revoke_device_tokens("console", "bench-1").await.unwrap(),
        2
    );
    assert_eq!(s.bridge_for_token(&t).await.unwrap(), None);
    assert_eq!(s.bridge_for_token(&t2).await.unwrap(), None);
}
on_both!(device_tokens, device_tokens_authenticate_until_revoked);

fn reading(i: usize) -> (Reading, f64) {
    let r = Reading {
        reading_id: uuid::Uuid::now_v7(),
        device_id: "balance-1".into(),
        channel: "mass".into(),
        value: format!("{i}.0000"),
        unit: "g".into(),
        stable: i.is_multiple_of(2),
        raw: Raw::Text(format!("S S   {i}.0000 g")),
        captured_at: Utc::now(),
    };
    (r, i as f64)
}

async fn readings_are_stored_once_per_id(s: &Store) {
    let batch: Vec<(Reading, f64)> = (0..1200).map(reading).collect();
    assert_eq!(s.insert_readings("bench-1", &batch).await.unwrap(), 1200);
    assert_eq!(
        s.insert_readings("bench-1", &batch[..700]).await.unwrap(),
        0
    );
    let mut mixed = batch[1000..].to_vec();
    mixed.push(reading(5000));
    assert_eq!(s.insert_readings("bench-1", &mixed).await.unwrap(), 1);
    assert_eq!(s.count_readings().await.unwrap(), 1201);
    let back = s.reading(batch[3].0.reading_id).await.unwrap().unwrap();
    assert_eq!(
        (back.value_text.as_str(), back.value, back.stable),
        ("3.0000", 3.0, false)
    );
    assert_eq!(back.raw(), Some(Raw::Text("S S   3.0000 g".into())));
    assert_eq!(
        back.captured_at.timestamp_micros(),
        batch[3].0.captured_at.timestamp_micros()
    );
    let latest = s.latest_readings("balance-1", 3).await.unwrap();
    assert_eq!(latest.len(), 3);
    assert!(latest[0].captured_at >= latest[1].captured_at);
}
on_both!(readings, readings_are_stored_once_per_id);

/// A backup taken from a live SQLite database is a complete, consistent database: same users,
/// intact audit chain; an existing file is never overwritten; PostgreSQL says to use pg_dump.
#[tokio::test]
async fn a_sqlite_backup_is_a_consistent_copy() {
    let db = crate::sqlite().await;
    for name in ["b1", "b2", "b3"] {
        db.store
            .create_user("console", &new_user(name))
            .await
            .unwrap();
    }
    let dir = tempfile::tempdir().unwrap();
    let copy = dir.path().join("copy.sqlite");
    // Keep writing while the copy is taken.
    let writer = {
        let s = db.store.clone();
        tokio::spawn(async move {
            for i in 0..20 {
                s.create_user("console", &new_user(&format!("w{i}")))
                    .await
                    .unwrap();
            }
        })
    };
    db.store.backup(&copy).await.unwrap();
    writer.await.unwrap();
    let restored = Store::open(&format!("sqlite://{}", copy.display()))
        .await
        .unwrap();
    let n = restored.count_users().await.unwrap();
    assert!((3..=23).contains(&n), "{n}");
    let v = audit::verify(&restored).await.unwrap();
    assert_eq!(
        (v.entries, v.first_broken),
        (u64::try_from(n).unwrap(), None)
    );
    assert!(matches!(
        db.store.backup(&copy).await,
        Err(StoreError::Conflict(_))
    ));
    let pg = crate::postgres().await;
    assert!(matches!(
        pg.store.backup(&dir.path().join("x")).await,
        Err(StoreError::UnsupportedUrl(_))
    ));
    pg.store.close().await;
}

async fn sessions_end_at_expiry_sign_out_and_for_all_of_a_user(s: &Store) {
    let u = s.create_user("console", &new_user("binh")).await.unwrap();
    let (live, csrf) = s
        .create_session(&u, chrono::Duration::hours(1))
        .await
        .unwrap();
    let (other, _) = s
        .create_session(&u, chrono::Duration::hours(1))
        .await
        .unwrap();
    let (expired, _) = s
        .create_session(&u, chrono::Duration::seconds(-1))
        .await
        .unwrap();
    let found = s.session(&live).await.unwrap().unwrap();
    assert_eq!(found.user.username, "binh");
    assert_eq!(found.csrf_token, csrf);
    assert!(s.session("not-a-token").await.unwrap().is_none());
    assert!(s.session(&expired).await.unwrap().is_none());
    assert_eq!(
        s.purge_sessions().await.unwrap(),
        0,
        "the expired one was removed on use"
    );
    s.end_session(&live).await.unwrap();
    assert!(s.session(&live).await.unwrap().is_none());
    assert!(s.session(&other).await.unwrap().is_some());
    assert_eq!(s.end_sessions_of(u.app_user_id).await.unwrap(), 1);
    assert!(s.session(&other).await.unwrap().is_none());
    let (_, _) = s
        .create_session(&u, chrono::Duration::seconds(-5))
        .await
        .unwrap();
    assert_eq!(s.purge_sessions().await.unwrap(), 1);
    s.disable_user("console", "binh").await.unwrap();
    let (after, _) = s
        .create_session(&u, chrono::Duration::hours(1))
        .await
        .unwrap();
    assert!(
        s.session(&after).await.unwrap().is_none(),
        "a disabled user has no session"
    );
}
on_both!(
    sessions,
    sessions_end_at_expiry_sign_out_and_for_all_of_a_user
);
