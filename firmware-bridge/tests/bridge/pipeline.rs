//! The capture → outbox → server pipeline without hardware: a device played on the far end of
//! a duplex pipe, the real outbox on disk, the forwarder against a real HTTP receiver.

use std::sync::Arc;
use std::time::Duration;

use calibration_profiles::problems::Problems;
use calibration_profiles::wire::v1::Raw;
use firmware_bridge::config::{self, BridgeConfig, DeviceConfig};
use firmware_bridge::device::{self, Capture};
use firmware_bridge::forward::{Forwarder, Outcome};
use firmware_bridge::outbox::Outbox;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::sync::{Notify, watch};

use crate::receiver::Receiver;

pub const TOKEN: &str = "test-device-token";

/// A validated configuration with one MT-SICS balance polled every `interval_ms`.
pub fn config(server_url: &str, data_dir: &std::path::Path, extra: &str) -> BridgeConfig {
    let text = format!(
        r#"
[bridge]
id = "bench-1"
data_dir = "{}"
[server]
url = "{server_url}"
token = "{TOKEN}"
batch_size = 100
timeout_ms = 2000
[outbox]
max_readings = 100000
[[devices]]
id = "balance-1"
profile = "mettler-toledo-mt-sics"
mode = "poll"
poll_commands = ["read_immediate"]
interval_ms = 20
response_timeout_ms = 200
[devices.serial]
port = "/dev/null"
{extra}
"#,
        data_dir.display()
    );
    let raw = config::load(Some(&text)).unwrap();
    let mut p = Problems::default();
    let instruments = config::profiles(&[], &mut p);
    raw.validate(&instruments).unwrap()
}

fn balance(cfg: &BridgeConfig) -> DeviceConfig {
    cfg.devices[0].clone()
}

#[tokio::test]
async fn a_polled_balance_on_a_pipe_lands_in_the_outbox_with_its_raw_line() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = config("http://127.0.0.1:9", dir.path(), "");
    let outbox = Outbox::open(dir.path(), 1000).await.unwrap();
    let capture = Capture {
        device_id: "balance-1".into(),
        outbox: outbox.clone(),
        wake: Arc::new(Notify::new()),
    };
    let (bridge_end, device_end) = tokio::io::duplex(1024);
    // The device: answers SI with a dynamic, then stable weight; one overload; some garbage.
    let device = tokio::spawn(async move {
        let (r, mut w) = tokio::io::split(device_end);
        let mut lines = BufReader::new(r).lines();
        let replies = [
            "S D    99.9986 g",
            "S S   100.0000 g",
            "S +",
            "\u{1}\u{2}garbage",
            "S S   100.0001 g",
        ];
        let mut i = 0;
        while let Ok(Some(cmd)) = lines.next_line().await {
            assert_eq!(cmd.trim_end(), "SI");
            if i < replies.len() {
                w.write_all(format!("{}\r\n", replies[i]).as_bytes())
                    .await
                    .unwrap();
                i += 1;
            }
        }
    });
    let (tx, mut rx) = watch::channel(false);
    let dev = balance(&cfg);
    let run =
        tokio::spawn(async move { device::run_line(bridge_end, &dev, &capture, &mut rx).await });
    tokio::time::timeout(Duration::from_secs(5), async {
        while outbox.depth().await.unwrap() < 3 {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    })
    .await
    .expect("three readings within 5 s");
    tx.send(true).unwrap();
    run.await.unwrap().unwrap();
    device.abort();
    let stored = outbox.peek(10).await.unwrap();
    let got: Vec<(&str, bool)> = stored
        .iter()
        .map(|r| (r.value.as_str(), r.stable))
        .collect();
    assert_eq!(
        got,
        [("99.9986", false), ("100.0000", true), ("100.0001", true)]
    );
    assert_eq!(stored[1].raw, Raw::Text("S S   100.0000 g".into()));
    assert!(
        stored
            .iter()
            .all(|r| r.reading_id.get_version_num() == 7 && r.device_id == "balance-1")
    );
    let status = outbox.device_statuses().await.unwrap();
    assert_eq!(status[0].last_value.as_deref(), Some("100.0001 g"));
}

#[tokio::test]
async fn a_silent_device_ends_the_session_for_a_reconnect() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = config("http://127.0.0.1:9", dir.path(), "");
    let outbox = Outbox::open(dir.path(), 1000).await.unwrap();
    let capture = Capture {
        device_id: "balance-1".into(),
        outbox,
        wake: Arc::new(Notify::new()),
    };
    let (bridge_end, _device_end) = tokio::io::duplex(1024);
    let (_tx, mut rx) = watch::channel(false);
    let r = tokio::time::timeout(
        Duration::from_secs(5),
        device::run_line(bridge_end, &balance(&cfg), &capture, &mut rx),
    )
    .await
    .unwrap();
    assert!(matches!(r, Err(device::DeviceError::Silent(3))), "{r:?}");
}

async fn fill(outbox: &Outbox, n: usize) -> Vec<uuid::Uuid> {
    let capture = Capture {
        device_id: "balance-1".into(),
        outbox: outbox.clone(),
        wake: Arc::new(Notify::new()),
    };
    let g = calibration_profiles::units::Unit::parse("g").unwrap();
    let mut ids = Vec::new();
    for i in 0..n {
        let r = capture
            .commit(
                "mass",
                format!("{i}.0000"),
                g,
                true,
                Raw::Text(format!("S S   {i}.0000 g")),
            )
            .await
            .unwrap();
        ids.push(r.reading_id);
    }
    ids
}

#[tokio::test]
async fn forwarding_survives_an_outage_and_a_lost_answer_and_delivers_exactly_once() {
    let dir = tempfile::tempdir().unwrap();
    let mut rx = Receiver::start(TOKEN).await;
    let cfg = config(&rx.url(), dir.path(), "");
    let outbox = Outbox::open(dir.path(), 100_000).await.unwrap();
    let ids = fill(&outbox, 250).await;
    let mut f = Forwarder::new(&cfg, outbox.clone()).unwrap();

    rx.pause().await;
    assert!(matches!(f.forward_once().await, Outcome::Backoff(_)));
    assert_eq!(
        outbox.depth().await.unwrap(),
        250,
        "nothing leaves while the server is away"
    );
    rx.resume().await;

    // The server stores the next batch but its answer is lost: the batch is sent again.
    rx.store.lock().unwrap().lose_answers = 1;
    assert!(matches!(f.forward_once().await, Outcome::Backoff(_)));
    assert_eq!(outbox.depth().await.unwrap(), 250);
    let mut sent = 0;
    loop {
        match f.forward_once().await {
            Outcome::Sent {
                accepted,
                duplicates,
                ..
            } => sent += accepted + duplicates,
            Outcome::Empty => break,
            Outcome::Backoff(d) => panic!("unexpected backoff {d:?}"),
        }
    }
    assert_eq!(sent, 250);
    assert_eq!(outbox.depth().await.unwrap(), 0);
    let store = rx.store.lock().unwrap();
    assert_eq!(store.readings.len(), 250);
    assert!(ids.iter().all(|id| store.readings.contains_key(id)));
    // The re-sent batch arrived twice but is stored once.
    assert_eq!(store.arrivals.len(), 350);
}

#[tokio::test]
async fn a_refused_token_keeps_everything_and_backs_off_long() {
    let dir = tempfile::tempdir().unwrap();
    let rx = Receiver::start("another-token").await;
    let cfg = config(&rx.url(), dir.path(), "");
    let outbox = Outbox::open(dir.path(), 1000).await.unwrap();
    fill(&outbox, 3).await;
    let mut f = Forwarder::new(&cfg, outbox.clone()).unwrap();
    assert_eq!(
        f.forward_once().await,
        Outcome::Backoff(Duration::from_mins(1))
    );
    assert_eq!(outbox.depth().await.unwrap(), 3);
    let link = outbox.link_status().await.unwrap().unwrap();
    assert_eq!(link.state, "refused");
    assert!(!link.last_error.unwrap().contains("another-token"));
}

#[tokio::test]
async fn readings_the_server_refuses_are_quarantined_not_lost() {
    let dir = tempfile::tempdir().unwrap();
    let rx = Receiver::start(TOKEN).await;
    let cfg = config(&rx.url(), dir.path(), "");
    let outbox = Outbox::open(dir.path(), 1000).await.unwrap();
    fill(&outbox, 2).await;
    // A reading whose unit the contract does not know.
    let mut bad = outbox.peek(1).await.unwrap().remove(0);
    bad.reading_id = uuid::Uuid::now_v7();
    bad.unit = "gr".into();
    outbox.append(&bad).await.unwrap();
    let mut f = Forwarder::new(&cfg, outbox.clone()).unwrap();
    assert_eq!(
        f.forward_once().await,
        Outcome::Sent {
            accepted: 2,
            duplicates: 0,
            rejected: 1
        }
    );
    assert_eq!(outbox.depth().await.unwrap(), 0);
    assert_eq!(outbox.rejected_count().await.unwrap(), 1);
    assert_eq!(rx.count(), 2);
}
