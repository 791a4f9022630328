//! The real binaries end to end: `tdc-sim` plays a balance on a pseudo-terminal, `tdc-bridge`
//! reads it and forwards to a real HTTP receiver. Then the faults a lab has: the bridge killed
//! with SIGKILL mid-stream, the server away, the device power-cycled.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use calibration_profiles::wire::v1::Raw;

use crate::pipeline::TOKEN;
use crate::receiver::Receiver;
use crate::support::{Proc, spawn};

fn sim_balance(dir: &Path, link: &Path) -> Proc {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_tdc-sim"));
    cmd.args([
        "balance",
        "--protocol",
        "mt-sics",
        "--load",
        "100 g",
        "--seed",
        "7",
        "--link",
    ])
    .arg(link)
    .arg("--log")
    .arg(dir.join("sim.jsonl"))
    .stdin(Stdio::piped());
    let p = spawn(&mut cmd);
    assert!(p.first_line.starts_with("tdc-sim "), "{}", p.first_line);
    p
}

fn write_config(dir: &Path, server: &str, devices: &str) -> PathBuf {
    let path = dir.join("bridge.toml");
    let text = format!(
        "[bridge]\nid = \"bench-1\"\ndata_dir = \"{}\"\n[server]\nurl = \"{server}\"\ntoken = \"{TOKEN}\"\nbatch_size = 50\ntimeout_ms = 2000\n[outbox]\nmax_readings = 100000\n{devices}",
        dir.join("data").display()
    );
    std::fs::write(&path, text).unwrap();
    path
}

fn balance_device(link: &Path) -> String {
    format!(
        "[[devices]]\nid = \"balance-1\"\nprofile = \"mettler-toledo-mt-sics\"\nmode = \"poll\"\npoll_commands = [\"read_immediate\"]\ninterval_ms = 50\nresponse_timeout_ms = 300\n[devices.serial]\nport = \"{}\"\n",
        link.display()
    )
}

fn start_bridge(config: &Path, log: &Path) -> Child {
    let log = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(log)
        .unwrap();
    Command::new(env!("CARGO_BIN_EXE_tdc-bridge"))
        .args(["run", "--config"])
        .arg(config)
        .env("RUST_LOG", "info")
        .stdout(Stdio::null())
        .stderr(log)
        .spawn()
        .unwrap()
}

fn signal(child: &Child, sig: &str) {
    assert!(
        Command::new("kill")
            .args([sig, &child.id().to_string()])
            .status()
            .unwrap()
            .success()
    );
}

/// Waits until `f` holds, failing after `secs` with `what`.
async fn until(secs: u64, what: &str, mut f: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(secs);
    while !f() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
}

/// Reading lines the simulator logged as sent.
fn sim_lines(dir: &Path) -> Vec<String> {
    std::fs::read_to_string(dir.join("sim.jsonl"))
        .unwrap_or_default()
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .filter_map(|v| v["line"].as_str().map(str::to_owned))
        .collect()
}

fn outbox_depth(config: &Path) -> u64 {
    let out = Command::new(env!("CARGO_BIN_EXE_tdc-bridge"))
        .args(["status", "--json", "--config"])
        .arg(config)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    v["outbox_depth"].as_u64().unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_reading_arrives_once_through_kills_outages_and_power_cycles() {
    let dir = tempfile::tempdir().unwrap();
    let link = dir.path().join("balance");
    let mut rx = Receiver::start(TOKEN).await;
    let mut sim = sim_balance(dir.path(), &link);
    let config = write_config(dir.path(), &rx.url(), &balance_device(&link));
    let log = dir.path().join("bridge.log");
    let count = |rx: &Receiver| rx.count();

    // Normal running.
    let mut bridge = start_bridge(&config, &log);
    until(20, "the first readings", || count(&rx) >= 20).await;

    // SIGKILL mid-stream, then restart on the same outbox.
    signal(&bridge, "-KILL");
    let _ = bridge.wait();
    bridge = start_bridge(&config, &log);
    let seen = count(&rx);
    until(20, "readings after the restart", || count(&rx) >= seen + 20).await;

    // The server goes away for a while; readings wait in the outbox.
    rx.pause().await;
    tokio::time::sleep(Duration::from_millis(1500)).await;
    rx.resume().await;
    let seen = count(&rx);
    until(30, "readings after the outage", || count(&rx) >= seen + 20).await;

    // The device is power-cycled: the pty disappears and comes back.
    writeln!(sim.child.stdin.as_mut().unwrap(), "disconnect 1s").unwrap();
    tokio::time::sleep(Duration::from_millis(1200)).await;
    let seen = count(&rx);
    until(40, "readings after the power cycle", || {
        count(&rx) >= seen + 20
    })
    .await;

    // A clean stop: exit status 0.
    signal(&bridge, "-TERM");
    let status = bridge.wait().unwrap();
    assert!(
        status.success(),
        "exit status {status}; log:\n{}",
        std::fs::read_to_string(&log).unwrap_or_default()
    );
    writeln!(sim.child.stdin.as_mut().unwrap(), "quit").unwrap();
    let _ = sim.child.wait();

    // Whatever was still waiting goes out on the next start.
    if outbox_depth(&config) > 0 {
        let mut b = start_bridge(&config, &log);
        until(20, "the outbox to drain", || outbox_depth(&config) == 0).await;
        signal(&b, "-TERM");
        let _ = b.wait();
    }

    // Exactly once: stored once per reading id, each stored reading is a line the device sent,
    // and no line the device sent is missing beyond the few answers in flight at a kill or a
    // power cycle.
    let store = rx.store.lock().unwrap();
    let sent = sim_lines(dir.path());
    let mut unmatched = sent.clone();
    for r in store.readings.values() {
        let Raw::Text(line) = &r.raw else {
            panic!("{r:?}")
        };
        let i = unmatched
            .iter()
            .position(|s| s == line)
            .unwrap_or_else(|| panic!("{line:?} was never sent by the device"));
        unmatched.swap_remove(i);
    }
    assert!(
        store.readings.len() >= 80,
        "{} readings",
        store.readings.len()
    );
    assert!(
        unmatched.len() <= 3,
        "{} lines sent but never stored: {unmatched:?}",
        unmatched.len()
    );
    assert!(store.arrivals.len() >= store.readings.len());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_device_failing_does_not_stall_the_others_and_status_says_why() {
    let dir = tempfile::tempdir().unwrap();
    let link = dir.path().join("balance");
    let rx = Receiver::start(TOKEN).await;
    let _sim = sim_balance(dir.path(), &link);
    let missing = "[[devices]]\nid = \"balance-2\"\nprofile = \"and-gx-a\"\n[devices.serial]\nport = \"/dev/tdc-no-such-port\"\n";
    let config = write_config(
        dir.path(),
        &rx.url(),
        &format!("{}{missing}", balance_device(&link)),
    );
    let mut bridge = start_bridge(&config, &dir.path().join("bridge.log"));
    until(20, "readings from the working balance", || rx.count() >= 10).await;
    let out = Command::new(env!("CARGO_BIN_EXE_tdc-bridge"))
        .args(["status", "--config"])
        .arg(&config)
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    signal(&bridge, "-TERM");
    assert!(bridge.wait().unwrap().success());
    assert!(
        text.contains("balance-2") && text.contains("reconnecting"),
        "{text}"
    );
    assert!(
        text.contains("tdc-no-such-port") || text.contains("No such file"),
        "{text}"
    );
    assert!(
        text.contains("server http://") && text.contains(": up"),
        "{text}"
    );
}

#[tokio::test]
async fn a_damaged_outbox_stops_the_bridge_from_starting() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("data")).unwrap();
    std::fs::write(
        dir.path().join("data").join("outbox.sqlite"),
        vec![0x42; 8192],
    )
    .unwrap();
    let config = write_config(
        dir.path(),
        "http://127.0.0.1:9",
        &balance_device(Path::new("/dev/null")),
    );
    let out = Command::new(env!("CARGO_BIN_EXE_tdc-bridge"))
        .args(["run", "--config"])
        .arg(&config)
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("damaged or unreadable") && err.contains("move it aside"),
        "{err}"
    );
}

#[test]
fn check_config_lists_every_problem_with_file_and_line() {
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(
        dir.path(),
        "ftp://server",
        "[[devices]]\nid = \"Balance 1\"\nprofile = \"no-such-balance\"\n[devices.serial]\nport = \"/dev/ttyUSB0\"\n",
    );
    let out = Command::new(env!("CARGO_BIN_EXE_tdc-bridge"))
        .arg("check-config")
        .arg(&config)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    for expected in [
        "server.url: `ftp://server` must start with http://",
        "devices[0].id:",
        "devices[0].profile: unknown instrument profile `no-such-balance`",
    ] {
        assert!(err.contains(expected), "missing {expected:?} in:\n{err}");
    }
    assert!(err.contains("bridge.toml:"), "{err}");
}

#[test]
fn the_generated_config_explains_itself_and_checks_once_a_token_is_set() {
    let out = Command::new(env!("CARGO_BIN_EXE_tdc-bridge"))
        .arg("generate-config")
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout).replace("token = \"\"", "token = \"x\"");
    assert!(text.contains("# The device token"));
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("b.toml");
    std::fs::write(&path, text).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_tdc-bridge"))
        .arg("check-config")
        .arg(&path)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // The environment overrides the file, and print-config never shows the token.
    let out = Command::new(env!("CARGO_BIN_EXE_tdc-bridge"))
        .args(["print-config", "--config"])
        .arg(&path)
        .env("TDC_BRIDGE__SERVER__TOKEN", "from-the-environment")
        .env("TDC_BRIDGE__SERVER__BATCH_SIZE", "42")
        .output()
        .unwrap();
    let printed = String::from_utf8_lossy(&out.stdout);
    assert!(printed.contains("batch_size = 42"), "{printed}");
    assert!(
        printed.contains("token = \"[redacted]\"") && !printed.contains("from-the-environment"),
        "{printed}"
    );
}

#[tokio::test]
async fn probe_names_the_balance_on_a_port() {
    let dir = tempfile::tempdir().unwrap();
    let link = dir.path().join("balance");
    let _sim = sim_balance(dir.path(), &link);
    let out = Command::new(env!("CARGO_BIN_EXE_tdc-bridge"))
        .args(["probe", "--port"])
        .arg(&link)
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{text}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(text.contains("mettler-toledo-mt-sics: identity"), "{text}");
}
