//! The dashboard's own queries (`store::dashboard`) on both backends: the same counts and
//! rows on embedded SQLite and on PostgreSQL (a fresh database, dropped afterwards).

use chrono::{Days, NaiveDate};
use server::store::Store;
use server::store::registry::InstrumentInput;

fn postgres_admin_url() -> String {
    std::env::var("TDC_TEST_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into())
}

/// Instruments due on `today + d` for each `d` (negative: overdue), one retired.
async fn check(store: &Store) {
    let today = NaiveDate::from_ymd_opt(2026, 6, 1).unwrap();
    for (n, d) in [-40i64, -1, 0, 10, 30, 31, 400].into_iter().enumerate() {
        store
            .create_instrument(
                "user:seed",
                &InstrumentInput {
                    category: "taximeter".into(),
                    serial: format!("T-{n}"),
                    next_due_on: today.checked_add_signed(chrono::Duration::days(d)),
                    ..InstrumentInput::default()
                },
            )
            .await
            .unwrap();
    }
    let retired = store
        .create_instrument(
            "user:seed",
            &InstrumentInput {
                category: "taximeter".into(),
                serial: "T-retired".into(),
                next_due_on: Some(today),
                ..InstrumentInput::default()
            },
        )
        .await
        .unwrap();
    store
        .retire_instrument("user:seed", retired.instrument_id, "scrapped")
        .await
        .unwrap();
    let horizon = today + Days::new(30);
    let counts = store.due_counts(today, horizon).await.unwrap();
    assert_eq!((counts.overdue, counts.due_soon), (2, 3));
    let due = store
        .instruments_due_between(today, horizon, 10)
        .await
        .unwrap();
    let serials: Vec<&str> = due.iter().map(|i| i.serial.as_str()).collect();
    assert_eq!(serials, ["T-2", "T-3", "T-4"]);
    let first = store
        .instruments_due_between(today, horizon, 1)
        .await
        .unwrap();
    assert_eq!(first.len(), 1);
}

#[tokio::test]
async fn the_dashboard_counts_and_lists_alike_on_sqlite() {
    check(&Store::open("sqlite::memory:").await.unwrap()).await;
}

#[tokio::test]
async fn the_dashboard_counts_and_lists_alike_on_postgres() {
    let admin = Store::connect(&postgres_admin_url())
        .await
        .expect("PostgreSQL at TDC_TEST_POSTGRES_URL (bash .ci/test starts one)");
    let name = format!("tdc_web_{}", uuid::Uuid::now_v7().simple());
    admin
        .exec_admin(&format!("CREATE DATABASE {name}"))
        .await
        .unwrap();
    let base = postgres_admin_url();
    let url = match base.rsplit_once('/') {
        Some((server, _)) => format!("{server}/{name}"),
        None => panic!("a database URL ends with the database name: {base}"),
    };
    let store = Store::open(&url).await.unwrap();
    check(&store).await;
    store.close().await;
    admin
        .exec_admin(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        .await
        .unwrap();
}
