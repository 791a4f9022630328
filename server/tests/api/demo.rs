//! The demo data: every role can sign in with the printed password; standards show every
//! status; some instruments are due soon; a second seed is refused.

use std::collections::BTreeSet;

use server::demo::{SeedError, seed};

use crate::App;

#[tokio::test]
async fn the_demo_seeds_every_role_and_every_standard_status() {
    let app = App::new().await;
    let seeded = seed(app.store(), "demo-bench").await.unwrap();
    assert_eq!(seeded.users.len(), 6);
    for (username, _, password) in &seeded.users {
        app.login(username, password).await.unwrap();
    }
    let (username, _, password) = &seeded.users[0];
    let login = app.login(username, password).await.unwrap();
    let standards = app.get("/api/v1/standards", &login).await;
    let statuses: BTreeSet<&str> = standards.json["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["status"].as_str().unwrap())
        .collect();
    assert_eq!(
        statuses,
        BTreeSet::from(["expired", "expiring", "quarantined", "valid"])
    );
    let due = app
        .get(
            "/api/v1/instruments?due_within_days=30&per_page=200",
            &login,
        )
        .await;
    let n = due.json["items"].as_array().unwrap().len();
    assert!(n > 0 && n < seeded.instruments, "{n} due within 30 days");
    assert!(
        app.store()
            .bridge_for_token(&seeded.token)
            .await
            .unwrap()
            .is_some()
    );
    assert!(matches!(
        seed(app.store(), "demo-bench").await,
        Err(SeedError::NotEmpty)
    ));
    assert_eq!(
        app.get(
            "/api/v1/audit/verify",
            &app.login("soatxet", &seeded.users[2].2).await.unwrap()
        )
        .await
        .json["first_broken"],
        serde_json::Value::Null
    );
}
