//! The README's demo command: `scripts/demo.sh` (with the already built binaries) seeds the
//! server, starts the simulated instruments and the bridge, and readings of both devices reach
//! the server, where a printed demo user can see them.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use e2e_tests::{binary, workspace};

#[tokio::test]
async fn the_demo_script_shows_readings_of_both_simulated_instruments() {
    let dir = tempfile::tempdir().unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let bin = binary("tdc-server").parent().unwrap().to_path_buf();
    let mut child = Command::new("setsid")
        .arg("bash")
        .arg(workspace().join("scripts/demo.sh"))
        .env("TDC_DEMO_BIN", &bin)
        .env("TDC_DEMO_DATA", dir.path().join("demo"))
        .env("TDC_DEMO_PORT", port.to_string())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let pgid = child.id();
    let stop = scopeguard(pgid);
    let mut out = BufReader::new(child.stdout.take().unwrap());
    let mut password = None;
    let mut line = String::new();
    while out.read_line(&mut line).unwrap() > 0 {
        if let Some(rest) = line.trim().strip_prefix("kythuatvien") {
            password = rest.split_whitespace().last().map(ToOwned::to_owned);
        }
        if line.contains("listening on") {
            break;
        }
        line.clear();
    }
    let password = password.expect("the demo prints the technician's password");
    let client =
        e2e_tests::signed_in_client(([127, 0, 0, 1], port).into(), "kythuatvien", &password).await;
    let deadline = Instant::now() + Duration::from_mins(1);
    loop {
        let devices: serde_json::Value = client
            .get(format!("http://127.0.0.1:{port}/api/v1/devices"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let online: Vec<&str> = devices
            .as_array()
            .unwrap()
            .iter()
            .filter(|d| d["online"] == true)
            .map(|d| d["device_id"].as_str().unwrap())
            .collect();
        if online == ["balance-1", "pressure-1"] {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "devices online after 60 s: {online:?}"
        );
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    drop(stop);
    let _ = child.wait();
}

/// Stops the demo's whole process group when dropped (also when the test fails).
struct Group(u32);

impl Drop for Group {
    fn drop(&mut self) {
        let _ = Command::new("kill")
            .args(["-TERM", "--", &format!("-{}", self.0)])
            .status();
    }
}

fn scopeguard(pgid: u32) -> Group {
    Group(pgid)
}
