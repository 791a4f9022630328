//! The bridge's device loop against every simulated line protocol on a real pseudo-terminal:
//! polled (MT-SICS `SI`, SBI `ESC P`, A&D `Q`, SCPI `MEAS:VOLT:DC?`), streamed (MT-SICS `SIR`,
//! A&D `SIR`) and unsolicited lines from the PRINT key.

use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::Duration;

use calibration_profiles::wire::v1::{Raw, Reading};
use firmware_bridge::config::{DeviceConfig, Link};
use firmware_bridge::device::{self, Capture};
use firmware_bridge::outbox::Outbox;
use firmware_bridge::supervisor::open_serial;
use tokio::sync::{Notify, watch};

use crate::pipeline::config;
use crate::support::{Proc, spawn};

fn sim(args: &[&str], link: &Path) -> Proc {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_tdc-sim"));
    cmd.args(args).arg("--link").arg(link).stdin(Stdio::piped());
    spawn(&mut cmd)
}

fn device(dir: &Path, link: &Path, profile: &str, mode: &str, commands: &str) -> DeviceConfig {
    let extra = format!(
        "[[devices]]\nid = \"dut\"\nprofile = \"{profile}\"\nmode = \"{mode}\"\n{commands}interval_ms = 100\nresponse_timeout_ms = 500\n[devices.serial]\nport = \"{}\"\n",
        link.display()
    );
    config("http://127.0.0.1:9", dir, &extra).devices[1].clone()
}

/// Runs the device loop until `want` readings are in the outbox (or after `after` once
/// started), then stops it cleanly.
async fn capture(dev: DeviceConfig, dir: &Path, want: u64, after: impl FnOnce()) -> Vec<Reading> {
    let outbox = Outbox::open(dir, 10_000).await.unwrap();
    let cap = Capture {
        device_id: dev.id.clone(),
        outbox: outbox.clone(),
        wake: Arc::new(Notify::new()),
    };
    let Link::Serial { port, settings } = &dev.link else {
        panic!("serial expected")
    };
    let io = open_serial(port, settings).unwrap();
    let (tx, mut rx) = watch::channel(false);
    let run = tokio::spawn(async move { device::run_line(io, &dev, &cap, &mut rx).await });
    tokio::time::sleep(Duration::from_millis(300)).await;
    after();
    tokio::time::timeout(Duration::from_secs(15), async {
        while outbox.depth().await.unwrap() < want {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    })
    .await
    .expect("readings within 15 s");
    tx.send(true).unwrap();
    run.await.unwrap().unwrap();
    outbox.peek(10_000).await.unwrap()
}

fn text(r: &Reading) -> &str {
    match &r.raw {
        Raw::Text(t) => t,
        Raw::Words(_) => panic!("text expected"),
    }
}

#[tokio::test]
async fn each_polled_protocol_reaches_the_outbox() {
    let cases: [(&[&str], &str, &str, &str, f64); 4] = [
        (
            &[
                "balance",
                "--protocol",
                "mt-sics",
                "--load",
                "100 g",
                "--tau-ms",
                "1",
            ],
            "mettler-toledo-mt-sics",
            "poll_commands = [\"read_immediate\"]\n",
            "g",
            100.0,
        ),
        (
            &[
                "balance",
                "--protocol",
                "sbi",
                "--load",
                "100 g",
                "--tau-ms",
                "1",
            ],
            "sartorius-sbi",
            "poll_commands = [\"read_immediate\"]\n",
            "g",
            100.0,
        ),
        (
            &[
                "balance",
                "--protocol",
                "and",
                "--load",
                "100 g",
                "--tau-ms",
                "1",
            ],
            "and-gx-a",
            "poll_commands = [\"read_immediate\"]\n",
            "g",
            100.0,
        ),
        (
            &["multimeter", "--volts", "10"],
            "keysight-34401a-scpi",
            "poll_commands = [\"measure_dc_voltage\"]\n",
            "V",
            10.0,
        ),
    ];
    for (args, profile, commands, unit, expected) in cases {
        let dir = tempfile::tempdir().unwrap();
        let link = dir.path().join("dev");
        let _sim = sim(args, &link);
        let rs = capture(
            device(dir.path(), &link, profile, "poll", commands),
            dir.path(),
            5,
            || {},
        )
        .await;
        let last = rs.last().unwrap();
        assert_eq!(last.unit, unit, "{profile}");
        let v: f64 = last.value.parse().unwrap();
        assert!((v - expected).abs() < 0.01 * expected, "{profile}: {v}");
        assert!(
            rs.iter().all(|r| !text(r).is_empty()),
            "{profile}: raw lines kept"
        );
    }
}

#[tokio::test]
async fn streaming_balances_are_judged_by_the_profile_stability_criterion() {
    for (protocol, profile) in [("mt-sics", "mettler-toledo-mt-sics"), ("and", "and-gx-a")] {
        let dir = tempfile::tempdir().unwrap();
        let link = dir.path().join("dev");
        let _sim = sim(
            &[
                "balance",
                "--protocol",
                protocol,
                "--load",
                "50 g",
                "--tau-ms",
                "300",
                "--update-ms",
                "50",
            ],
            &link,
        );
        let rs = capture(
            device(dir.path(), &link, profile, "stream", ""),
            dir.path(),
            40,
            || {},
        )
        .await;
        // Settling from 0 to 50 g: unstable first, stable once five values sit in the band.
        assert!(
            !rs[0].stable,
            "{profile}: the first streamed value is unstable"
        );
        assert!(rs.last().unwrap().stable, "{profile}: settled at the end");
    }
}

#[tokio::test]
async fn the_print_key_sends_readings_nobody_asked_for() {
    let dir = tempfile::tempdir().unwrap();
    let link = dir.path().join("dev");
    let mut s = sim(
        &[
            "balance",
            "--protocol",
            "sbi",
            "--load",
            "20 g",
            "--tau-ms",
            "1",
        ],
        &link,
    );
    let stdin = s.child.stdin.as_mut().unwrap();
    let mut presses = || {
        for _ in 0..3 {
            writeln!(stdin, "print").unwrap();
        }
    };
    let rs = capture(
        device(dir.path(), &link, "sartorius-sbi", "listen", ""),
        dir.path(),
        3,
        &mut presses,
    )
    .await;
    assert_eq!(rs.len(), 3);
    assert!(
        rs.iter()
            .all(|r| r.value.starts_with("20.") && r.channel == "mass")
    );
}
