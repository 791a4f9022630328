//! The calculator is one engine with two faces: `tdc-calc` on the command line and
//! `/api/v1/calc/*` on the server. For the shipped examples both must print the same JSON.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

use e2e_tests::{TestServer, binary, workspace};
use serde_json::Value;

fn tdc_calc(args: &[&str]) -> Value {
    let out = Command::new(binary("tdc-calc"))
        .args(args)
        .current_dir(workspace())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

async fn api(server: &TestServer, path: &str, file: &str) -> Value {
    let body = std::fs::read_to_string(workspace().join(file)).unwrap();
    let resp = server
        .client
        .post(server.url(path))
        .header("content-type", "application/json")
        .body(body)
        .send()
        .await
        .unwrap();
    assert!(resp.status().is_success(), "{path}: {}", resp.status());
    resp.json().await.unwrap()
}

#[tokio::test]
async fn the_server_and_the_cli_give_the_same_results() {
    let server = TestServer::start().await;
    let cases = [
        (
            "uncertainty",
            "calibration-profiles/examples/ea-4-02-s2-weight.json",
        ),
        (
            "uncertainty",
            "calibration-profiles/examples/gum-h1-end-gauge.json",
        ),
        (
            "uncertainty",
            "calibration-profiles/examples/gum-h2-impedance.json",
        ),
        (
            "regression",
            "calibration-profiles/examples/gum-h3-thermometer.json",
        ),
        (
            "decide",
            "calibration-profiles/examples/ilac-g8-guard-band.json",
        ),
        (
            "decide",
            "calibration-profiles/examples/jcgm-106-two-limits.json",
        ),
    ];
    for (command, file) in cases {
        let from_cli = tdc_calc(&[command, file]);
        let from_api = api(&server, &format!("/api/v1/calc/{command}"), file).await;
        assert_eq!(from_cli, from_api, "{command} {file}");
    }
}

#[tokio::test]
async fn the_server_binary_reports_its_port_and_stops_cleanly_on_sigterm() {
    let dir = tempfile::tempdir().unwrap();
    let mut child = Command::new(binary("tdc-server"))
        .args(["serve", "--listen", "127.0.0.1:0"])
        .env(
            "TDC_SERVER__DATABASE__URL",
            format!("sqlite://{}", dir.path().join("tdc.sqlite").display()),
        )
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let url = line.trim().rsplit(' ').next().unwrap().to_owned();
    assert!(url.starts_with("http://127.0.0.1:"), "{line}");
    let health: Value = reqwest::get(format!("{url}/healthz"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(health["status"], "ok");
    // A consistent copy while serving, whose audit trail verifies.
    let db = format!("sqlite://{}", dir.path().join("tdc.sqlite").display());
    let copy = dir.path().join("copy.sqlite");
    let out = Command::new(binary("tdc-server"))
        .args(["--database-url", &db, "backup", "--to"])
        .arg(&copy)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = Command::new(binary("tdc-server"))
        .args([
            "--database-url",
            &format!("sqlite://{}", copy.display()),
            "audit",
            "verify",
        ])
        .output()
        .unwrap();
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("audit trail intact"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let pid = child.id().to_string();
    assert!(
        Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .unwrap()
            .success()
    );
    let status = child.wait().unwrap();
    assert!(status.success(), "exit status {status}");
}
