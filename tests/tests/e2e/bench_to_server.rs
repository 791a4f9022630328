//! A bench end to end with the real binaries: `tdc-sim` (an MT-SICS balance on a pty) →
//! `tdc-bridge` → `tdc-server` on embedded SQLite. The server issues the device token through
//! its CLI; readings land in its database once each, with their raw lines.

use std::io::Write;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use e2e_tests::{Kill, binary, first_line};
use server::store::Store;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn readings_from_a_simulated_balance_reach_the_server_database() {
    let dir = tempfile::tempdir().unwrap();
    let db_url = format!("sqlite://{}", dir.path().join("tdc.sqlite").display());

    // A token for the bench's bridge, made by the server's CLI (this also creates the database).
    let out = Command::new(binary("tdc-server"))
        .args([
            "device-token",
            "create",
            "--bridge",
            "bench-1",
            "--label",
            "Bàn cân 1",
        ])
        .env("TDC_SERVER__DATABASE__URL", &db_url)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let token = String::from_utf8_lossy(&out.stdout).trim().to_owned();

    let mut server = Command::new(binary("tdc-server"))
        .args(["serve", "--listen", "127.0.0.1:0"])
        .env("TDC_SERVER__DATABASE__URL", &db_url)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let url = first_line(&mut server)
        .rsplit(' ')
        .next()
        .unwrap()
        .to_owned();
    let mut server = Kill(server);

    let (mut sim, bridge) = e2e_tests::balance_bench(dir.path(), &url, &token, "200 g");

    // Read the server's database beside it (SQLite allows a second reader).
    let store = Store::connect(&db_url).await.unwrap();
    let deadline = Instant::now() + Duration::from_secs(30);
    while store.count_readings().await.unwrap() < 10 {
        assert!(
            Instant::now() < deadline,
            "no readings at the server within 30 s"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let latest = store.latest_readings("balance-1", 5).await.unwrap();
    assert!(
        latest
            .iter()
            .all(|r| r.bridge_id == "bench-1" && r.unit == "g" && r.raw.contains("S ")),
        "{latest:?}"
    );
    let v: f64 = latest[0].value_text.parse().unwrap();
    assert!((v - 200.0).abs() < 0.01, "{v}");
    store.close().await;

    drop(bridge);
    writeln!(sim.0.stdin.as_mut().unwrap(), "quit").ok();
    let _ = sim.0.wait();
    assert!(
        Command::new("kill")
            .args(["-TERM", &server.0.id().to_string()])
            .status()
            .unwrap()
            .success()
    );
    assert!(server.0.wait().unwrap().success());
}
