//! `tdc-sim` over real transports: the built binary is started, its first stdout line gives
//! the pseudo-terminal or address, the test talks to it as the bridge would (tokio-serial,
//! tokio-modbus, and pymodbus — a Modbus implementation we did not write) and drives it with
//! control lines on its standard input. Fixed replies are compared byte for byte with the
//! hardware-docs pages; readings are decoded with the instrument profiles and the bridge's own
//! codecs.

use std::io::{BufRead as _, BufReader, Write as _};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use calibration_profiles::profile::Instrument;
use calibration_profiles::profile::instrument::Register;
use firmware_bridge::codec::line::{Decoded, Fault, LineCodec, Reading};
use firmware_bridge::codec::modbus;
use firmware_bridge::sim::rtu;
use tokio::io::{AsyncReadExt as _, AsyncWriteExt};
use tokio::time::{Instant, sleep, timeout};
use tokio_modbus::ExceptionCode;
use tokio_modbus::prelude::{Reader as _, Writer as _};
use tokio_serial::{SerialPortBuilderExt as _, SerialStream};

use crate::support::{python_with_pymodbus, script};

const MT_SICS: &str =
    include_str!("../../../calibration-profiles/instruments/mettler-toledo-mt-sics.toml");
const SBI: &str = include_str!("../../../calibration-profiles/instruments/sartorius-sbi.toml");
const AND: &str = include_str!("../../../calibration-profiles/instruments/and-gx-a.toml");
const SCPI: &str =
    include_str!("../../../calibration-profiles/instruments/keysight-34401a-scpi.toml");
const ALICAT: &str =
    include_str!("../../../calibration-profiles/instruments/alicat-pc-modbus.toml");
const EUROTHERM: &str =
    include_str!("../../../calibration-profiles/instruments/eurotherm-3216-modbus.toml");
const ADAM: &str =
    include_str!("../../../calibration-profiles/instruments/advantech-adam-6051-counter.toml");

/// How long any one reply may take.
const REPLY: Duration = Duration::from_secs(5);

/// A running `tdc-sim`, killed when dropped.
struct Sim {
    child: Child,
    stdin: ChildStdin,
    stderr: mpsc::Receiver<String>,
    /// Where it said it is: a pty path or a TCP address.
    at: String,
}

impl Drop for Sim {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Sim {
    fn start(args: &[&str]) -> Self {
        let mut child = Command::new(env!("CARGO_BIN_EXE_tdc-sim"))
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("tdc-sim starts");
        let (out_tx, out_rx) = mpsc::channel();
        let stdout = child.stdout.take().unwrap();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                let _ = out_tx.send(line);
            }
        });
        let (err_tx, err_rx) = mpsc::channel();
        let stderr = child.stderr.take().unwrap();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                eprintln!("tdc-sim: {line}");
                let _ = err_tx.send(line);
            }
        });
        let first = out_rx
            .recv_timeout(Duration::from_secs(20))
            .unwrap_or_else(|_| panic!("tdc-sim {args:?} printed nothing within 20 s"));
        let kind = args[0];
        let at = first
            .strip_prefix(&format!("tdc-sim {kind} on "))
            .unwrap_or_else(|| panic!("unexpected first line {first:?}"))
            .to_owned();
        Self {
            stdin: child.stdin.take().unwrap(),
            child,
            stderr: err_rx,
            at,
        }
    }

    /// Sends a control line and returns its `ok …` / `error …` answer.
    fn control(&mut self, line: &str) -> String {
        writeln!(self.stdin, "{line}").unwrap();
        self.stdin.flush().unwrap();
        let deadline = std::time::Instant::now() + REPLY;
        loop {
            let left = deadline.saturating_duration_since(std::time::Instant::now());
            let answer = self
                .stderr
                .recv_timeout(left)
                .unwrap_or_else(|_| panic!("no answer to `{line}`"));
            if answer.starts_with("ok ") || answer.starts_with("error ") {
                return answer;
            }
        }
    }

    fn ok(&mut self, line: &str) {
        let answer = self.control(line);
        assert!(answer.starts_with("ok "), "`{line}` → {answer}");
    }
}

/// The client end of a simulated serial device.
struct Port {
    io: SerialStream,
    pending: Vec<u8>,
}

impl Port {
    fn open(path: impl AsRef<Path>) -> Self {
        let path = path.as_ref().to_string_lossy().into_owned();
        let io = tokio_serial::new(&path, 9600)
            .open_native_async()
            .unwrap_or_else(|e| panic!("open {path}: {e}"));
        Self {
            io,
            pending: Vec::new(),
        }
    }

    async fn send(&mut self, bytes: &[u8]) {
        AsyncWriteExt::write_all(&mut self.io, bytes).await.unwrap();
        AsyncWriteExt::flush(&mut self.io).await.unwrap();
    }

    /// The next line, CR LF included, byte for byte.
    async fn raw_line(&mut self) -> Vec<u8> {
        let deadline = Instant::now() + REPLY;
        loop {
            if let Some(end) = self.pending.windows(2).position(|w| w == b"\r\n") {
                return self.pending.drain(..end + 2).collect();
            }
            let mut buf = [0u8; 256];
            let n = timeout(deadline - Instant::now(), self.io.read(&mut buf))
                .await
                .unwrap_or_else(|_| panic!("no line within {REPLY:?}; have {:?}", self.pending))
                .unwrap();
            self.pending.extend_from_slice(&buf[..n]);
        }
    }

    async fn line(&mut self) -> String {
        let raw = self.raw_line().await;
        String::from_utf8(raw[..raw.len() - 2].to_vec()).unwrap()
    }

    async fn ask(&mut self, command: &[u8]) -> Vec<u8> {
        self.send(command).await;
        self.raw_line().await
    }

    /// True if nothing arrives for `d`.
    async fn quiet_for(&mut self, d: Duration) -> bool {
        let mut buf = [0u8; 64];
        self.pending.is_empty() && timeout(d, self.io.read(&mut buf)).await.is_err()
    }
}

fn codec(profile: &str) -> LineCodec {
    LineCodec::new(Instrument::from_toml(profile).unwrap())
}

fn reading(codec: &LineCodec, line: &str, channel: Option<&str>) -> Reading {
    match codec.decode(line, channel) {
        Ok(Decoded::Reading(r)) => r,
        other => panic!("{line:?} decoded as {other:?}"),
    }
}

fn fault(codec: &LineCodec, line: &str) -> Fault {
    match codec.decode(line, None) {
        Ok(Decoded::Fault { fault, .. }) => fault,
        other => panic!("{line:?} decoded as {other:?}"),
    }
}

fn register(profile: &str, channel: &str) -> Register {
    Instrument::from_toml(profile)
        .unwrap()
        .profile
        .registers
        .into_iter()
        .find(|r| r.channel == channel)
        .unwrap_or_else(|| panic!("no register for {channel}"))
}

/// The reading log as (line, value, stable).
fn log_entries(path: &Path) -> Vec<(String, String, bool)> {
    std::fs::read_to_string(path)
        .unwrap_or_default()
        .lines()
        .map(|l| {
            let v: serde_json::Value = serde_json::from_str(l).unwrap();
            (
                v["line"].as_str().unwrap().to_owned(),
                v["value"].as_str().unwrap().to_owned(),
                v["stable"].as_bool().unwrap(),
            )
        })
        .collect()
}

#[tokio::test]
async fn mt_sics_balance_replies_like_the_manual_and_its_readings_decode_to_the_load() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("readings.jsonl");
    let mut sim = Sim::start(&[
        "balance",
        "--protocol",
        "mt-sics",
        "--load",
        "100 g",
        "--noise",
        "0.00002 g",
        "--tau-ms",
        "100",
        "--log",
        log.to_str().unwrap(),
    ]);
    let c = codec(MT_SICS);
    let mut port = Port::open(&sim.at);
    let mut seen = Vec::new();

    // hardware-docs/mettler-toledo-mt-sics "Example bytes".
    assert_eq!(port.ask(b"@\r\n").await, b"I4 A \"B021002593\"\r\n");
    assert_eq!(port.ask(b"I4\r\n").await, b"I4 A \"B021002593\"\r\n");
    assert_eq!(
        port.ask(b"I2\r\n").await,
        b"I2 A \"MS204TS 220.0000 g\"\r\n"
    );
    assert_eq!(port.ask(b"XYZ\r\n").await, b"ES\r\n");

    port.send(b"S\r\n").await;
    let line = port.line().await;
    let r = reading(&c, &line, None);
    assert!((r.value - 100.0).abs() < 0.0005, "{line}");
    assert!(r.stable, "settled load reads stable: {line}");
    assert_eq!(
        line.len(),
        "S S   100.0000 g".len(),
        "10-character value field"
    );
    seen.push(r.value_text);

    sim.ok("fault unstable 1s");
    port.send(b"SI\r\n").await;
    let r = reading(&c, &port.line().await, None);
    assert!(!r.stable, "unstable while the fault lasts: {r:?}");
    seen.push(r.value_text);
    // S waits for stability, which comes back once the fault is over.
    port.send(b"S\r\n").await;
    let line = port.line().await;
    let r = reading(&c, &line, None);
    assert!(r.stable && (r.value - 100.0).abs() < 0.0005, "{line}");
    seen.push(r.value_text);

    sim.ok("load 250 g");
    sleep(Duration::from_millis(1500)).await;
    assert_eq!(port.ask(b"SI\r\n").await, b"S +\r\n");
    assert_eq!(fault(&c, "S +"), Fault::Overload);

    // Every reading the test received is in the log, exactly once, in order.
    let logged: Vec<String> = log_entries(&log).into_iter().map(|(_, v, _)| v).collect();
    assert_eq!(logged, seen);
}

#[tokio::test]
async fn sbi_balance_blanks_the_unit_while_unstable_and_says_high_in_overload() {
    let mut sim = Sim::start(&[
        "balance",
        "--protocol",
        "sbi",
        "--load",
        "100 g",
        "--noise",
        "0.00002 g",
        "--tau-ms",
        "100",
    ]);
    let c = codec(SBI);
    let mut port = Port::open(&sim.at);

    // hardware-docs/sartorius-sbi: identification texts, then readings in 16-character lines.
    assert_eq!(port.ask(b"\x1bx1_\r\n").await, b"BCE224I-1S\r\n");
    assert_eq!(port.ask(b"\x1bx2_\r\n").await, b"0034309393\r\n");
    let line = port.ask(b"\x1bP\r\n").await;
    assert_eq!(line.len(), 16, "{line:?}");
    let r = reading(&c, std::str::from_utf8(&line[..14]).unwrap(), None);
    assert!(r.stable && (r.value - 100.0).abs() < 0.0005, "{r:?}");

    sim.ok("fault unstable 2s");
    let line = port.ask(b"\x1bP\r\n").await;
    assert_eq!(&line[11..14], b"   ", "unit blank while unstable: {line:?}");
    assert!(!reading(&c, std::str::from_utf8(&line[..14]).unwrap(), None).stable);

    // Unknown commands are ignored, tare is not acknowledged.
    port.send(b"\x1bQ\r\n\x1bT\r\n").await;
    assert!(port.quiet_for(Duration::from_millis(300)).await);

    sim.ok("load 300 g");
    sleep(Duration::from_millis(1500)).await;
    assert_eq!(port.ask(b"\x1bP\r\n").await, b"      High    \r\n");
    assert_eq!(fault(&c, "      High    "), Fault::Overload);
    sim.ok("load -50 g");
    sleep(Duration::from_millis(1500)).await;
    assert_eq!(port.ask(b"\x1bP\r\n").await, b"      Low     \r\n");
}

#[tokio::test]
async fn and_balance_acknowledges_streams_and_reports_errors_like_the_manual() {
    let mut sim = Sim::start(&[
        "balance",
        "--protocol",
        "and",
        "--load",
        "1234.56 g",
        "--noise",
        "0.0005 g",
        "--tau-ms",
        "100",
    ]);
    let c = codec(AND);
    let mut port = Port::open(&sim.at);

    // hardware-docs/and-gx-a "Example bytes".
    assert_eq!(port.ask(b"?ID\r\n").await, b"ID,LAB0001\r\n");
    assert_eq!(port.ask(b"?SN\r\n").await, b"SN,6A7609446 \r\n");
    assert_eq!(port.ask(b"XYZ\r\n").await, b"EC,E01\r\n");
    let line = String::from_utf8(port.ask(b"Q\r\n").await).unwrap();
    let r = reading(&c, line.trim_end(), None);
    assert!(r.stable && (r.value - 1234.56).abs() < 0.015, "{r:?}");
    assert_eq!(port.ask(b"T\r\n").await, b"\x06\r\n");
    assert_eq!(port.ask(b"Q\r\n").await, b"ST,+00000.00  g\r\n");

    port.send(b"SIR\r\n").await;
    for _ in 0..5 {
        let r = reading(&c, &port.line().await, None);
        assert!(r.value.abs() < 0.015, "{r:?}");
    }
    port.send(b"C\r\n").await;
    while port.raw_line().await != b"\x06\r\n" {}
    assert!(
        port.quiet_for(Duration::from_millis(400)).await,
        "C stops SIR"
    );

    sim.ok("load 3000 g");
    sleep(Duration::from_millis(1500)).await;
    assert_eq!(port.ask(b"Q\r\n").await, b"OL,+9999999E+19\r\n");
    assert_eq!(fault(&c, "OL,+9999999E+19"), Fault::Overload);
}

#[tokio::test]
async fn faults_make_a_balance_silent_or_send_garbage() {
    let mut sim = Sim::start(&["balance", "--protocol", "mt-sics", "--load", "10 g"]);
    let c = codec(MT_SICS);
    let mut port = Port::open(&sim.at);
    assert_eq!(port.ask(b"I4\r\n").await, b"I4 A \"B021002593\"\r\n");

    sim.ok("fault silent 1s");
    port.send(b"I4\r\n").await;
    assert!(
        port.quiet_for(Duration::from_millis(600)).await,
        "silent: no answer"
    );
    sleep(Duration::from_millis(600)).await;
    assert_eq!(port.ask(b"I4\r\n").await, b"I4 A \"B021002593\"\r\n");

    sim.ok("fault garbage");
    let garbage = port.raw_line().await;
    assert!(garbage.len() > 2);
    let text = String::from_utf8_lossy(&garbage[..garbage.len() - 2]).into_owned();
    assert!(
        c.decode(&text, None).is_err(),
        "garbage is not a reply: {text:?}"
    );
    assert!(sim.control("setpoint 5 kPa").starts_with("error "));
    assert!(sim.control("dance").starts_with("error unknown command"));
}

#[tokio::test]
async fn multimeter_answers_scpi_and_keeps_an_error_queue() {
    let mut sim = Sim::start(&[
        "multimeter",
        "--volts",
        "10.0",
        "--ohms",
        "100.0",
        "--amps",
        "0.001",
    ]);
    let c = codec(SCPI);
    let mut port = Port::open(&sim.at);

    // hardware-docs/keysight-34401a-scpi "Example bytes".
    port.send(b"SYST:REM\r\n*CLS\r\n").await;
    assert_eq!(
        port.ask(b"*IDN?\r\n").await,
        b"HEWLETT-PACKARD,34401A,0,11-5-2\r\n"
    );
    for (command, channel, expected) in [
        (&b"MEAS:VOLT:DC?\r\n"[..], "dc_voltage", 10.0),
        (b"MEAS:RES?\r\n", "resistance", 100.0),
        (b"MEAS:CURR:DC?\r\n", "dc_current", 0.001),
    ] {
        let line = String::from_utf8(port.ask(command).await).unwrap();
        let r = reading(&c, line.trim_end(), Some(channel));
        assert!((r.value - expected).abs() < expected * 1e-5, "{line}");
        assert_eq!(line.len(), "+1.00000120E+01\r\n".len());
    }
    port.send(b"MEAS:FREQ?\r\n").await;
    assert!(
        port.quiet_for(Duration::from_millis(300)).await,
        "no reply to an unknown header"
    );
    assert_eq!(
        port.ask(b"SYST:ERR?\r\n").await,
        b"-113,\"Undefined header\"\r\n"
    );
    assert_eq!(port.ask(b"SYST:ERR?\r\n").await, b"+0,\"No error\"\r\n");

    sim.ok("value voltage 1.5");
    let line = String::from_utf8(port.ask(b"MEAS:VOLT:DC?\r\n").await).unwrap();
    assert!((reading(&c, line.trim_end(), Some("dc_voltage")).value - 1.5).abs() < 1e-5);
    sim.ok("fault overload 2s");
    assert_eq!(port.ask(b"MEAS:VOLT:DC?\r\n").await, b"+9.90000000E+37\r\n");
    assert_eq!(fault(&c, "+9.90000000E+37"), Fault::Overload);
}

#[tokio::test]
async fn a_power_cycled_pty_comes_back_on_the_same_link_and_answers() {
    let dir = tempfile::tempdir().unwrap();
    let link = dir.path().join("balance");
    let mut sim = Sim::start(&[
        "balance",
        "--protocol",
        "mt-sics",
        "--load",
        "50 g",
        "--link",
        link.to_str().unwrap(),
    ]);
    assert_eq!(std::fs::read_link(&link).unwrap(), PathBuf::from(&sim.at));
    let mut port = Port::open(&link);
    assert_eq!(port.ask(b"I4\r\n").await, b"I4 A \"B021002593\"\r\n");

    sim.ok("disconnect 1s");
    assert!(!link.exists(), "the device is gone while switched off");
    drop(port);
    let deadline = Instant::now() + Duration::from_secs(10);
    while !link.exists() {
        assert!(Instant::now() < deadline, "the link did not come back");
        sleep(Duration::from_millis(50)).await;
    }
    let c = codec(MT_SICS);
    let mut port = Port::open(&link);
    port.send(b"SI\r\n").await;
    // The power-up banner (I4 A "…") may come first: it is an identity, not an error.
    loop {
        let line = port.line().await;
        match c.decode(&line, None).unwrap() {
            Decoded::Identity { text, .. } => assert_eq!(text, "B021002593"),
            Decoded::Reading(r) => {
                assert!((r.value - 50.0).abs() < 0.001, "{r:?}");
                break;
            }
            other => panic!("{other:?}"),
        }
    }
    sim.ok("quit");
    let status = sim.child.wait().unwrap();
    assert!(status.success());
    assert!(!link.exists(), "quit removes the link");
}

#[tokio::test]
async fn modbus_tcp_pressure_follows_a_written_setpoint_and_refuses_unknown_registers() {
    let mut sim = Sim::start(&[
        "modbus",
        "--device",
        "pressure",
        "--tcp",
        "127.0.0.1:0",
        "--tau-ms",
        "200",
    ]);
    let pressure = register(ALICAT, "pressure");
    let setpoint = register(ALICAT, "setpoint");
    let addr = sim.at.parse().unwrap();
    let mut ctx = tokio_modbus::client::tcp::connect(addr).await.unwrap();
    let words = ctx
        .read_holding_registers(pressure.address, 2)
        .await
        .unwrap()
        .unwrap();
    let start = modbus::decode(&pressure, &words).unwrap();
    assert!((start - 101.325).abs() < 0.05, "{start}");

    let target = modbus::encode(&setpoint, 300.0).unwrap();
    ctx.write_multiple_registers(setpoint.address, &target)
        .await
        .unwrap()
        .unwrap();
    let mut last = start;
    let deadline = Instant::now() + Duration::from_secs(5);
    while (last - 300.0).abs() > 0.05 {
        assert!(Instant::now() < deadline, "pressure stuck at {last}");
        sleep(Duration::from_millis(100)).await;
        let words = ctx
            .read_holding_registers(pressure.address, 2)
            .await
            .unwrap()
            .unwrap();
        let now = modbus::decode(&pressure, &words).unwrap();
        assert!(
            now >= last - 0.05,
            "approaches monotonically: {last} → {now}"
        );
        last = now;
    }

    let unknown = ctx.read_holding_registers(1000, 2).await.unwrap();
    assert_eq!(unknown, Err(ExceptionCode::IllegalDataAddress));
    let read_only = ctx
        .write_multiple_registers(pressure.address, &target)
        .await
        .unwrap();
    assert_eq!(read_only, Err(ExceptionCode::IllegalDataAddress));

    // A power cycle closes the connection; the device comes back on the same address.
    sim.ok("disconnect 1s");
    let deadline = Instant::now() + Duration::from_secs(10);
    let mut ctx = loop {
        if let Ok(ctx) = tokio_modbus::client::tcp::connect(addr).await {
            break ctx;
        }
        assert!(
            Instant::now() < deadline,
            "no listener after the power cycle"
        );
        sleep(Duration::from_millis(100)).await;
    };
    let words = ctx
        .read_holding_registers(setpoint.address, 2)
        .await
        .unwrap()
        .unwrap();
    assert!((modbus::decode(&setpoint, &words).unwrap() - 300.0).abs() < 1e-9);
}

/// Runs pymodbus_read.py and returns (registers, value).
fn pymodbus_read(args: &[&str]) -> (Vec<u16>, f64) {
    let out = python_with_pymodbus()
        .arg(script("pymodbus_read.py"))
        .args(args)
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    let v: serde_json::Value = serde_json::from_str(text.trim()).unwrap_or_else(|_| {
        panic!(
            "pymodbus_read.py {args:?}: {text} {}",
            String::from_utf8_lossy(&out.stderr)
        )
    });
    assert!(v.get("error").is_none(), "pymodbus_read.py {args:?}: {v}");
    let registers = v["registers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| u16::try_from(r.as_u64().unwrap()).unwrap())
        .collect();
    (registers, v["value"].as_f64().unwrap())
}

/// The words in a logged response PDU (`03 04 42 CA A6 66` → [0x42CA, 0xA666]).
fn logged_words(line: &str) -> Vec<u16> {
    let bytes: Vec<u8> = line
        .split_whitespace()
        .map(|b| u8::from_str_radix(b, 16).unwrap())
        .collect();
    bytes[2..]
        .chunks(2)
        .map(|w| u16::from_be_bytes([w[0], w[1]]))
        .collect()
}

#[tokio::test]
async fn pymodbus_reads_the_tcp_and_rtu_servers_and_agrees_with_the_log() {
    let dir = tempfile::tempdir().unwrap();

    // Modbus TCP, the pressure controller: an f32, high word first.
    let log = dir.path().join("pressure.jsonl");
    let sim = Sim::start(&[
        "modbus",
        "--device",
        "pressure",
        "--tcp",
        "127.0.0.1:0",
        "--log",
        log.to_str().unwrap(),
    ]);
    let pv = register(ALICAT, "pressure");
    let address = pv.address.to_string();
    let mut values = Vec::new();
    for _ in 0..3 {
        values.push(pymodbus_read(&[
            "tcp", &sim.at, &address, "2", "float32", "big",
        ]));
    }
    let entries = log_entries(&log);
    assert_eq!(entries.len(), values.len(), "one log line per value served");
    for ((registers, value), (line, logged, _)) in values.iter().zip(&entries) {
        assert_eq!(&logged_words(line), registers);
        assert!((value - 101.325).abs() < 0.05, "{value}");
        assert!(
            (value - logged.parse::<f64>().unwrap()).abs() <= 0.000_501,
            "{value} vs {logged}"
        );
    }
    drop(sim);

    // Modbus TCP, the pulse counter: a u32, low word first, counting while dispensing.
    let log = dir.path().join("counter.jsonl");
    let mut sim = Sim::start(&[
        "modbus",
        "--device",
        "counter",
        "--tcp",
        "127.0.0.1:0",
        "--log",
        log.to_str().unwrap(),
    ]);
    let pulses = register(ADAM, "pulses");
    sim.ok("dispense 600 L/min");
    sleep(Duration::from_millis(500)).await;
    sim.ok("stop");
    let (registers, value) = pymodbus_read(&["tcp", &sim.at, "0", "2", "uint32", "little"]);
    // 600 L/min × 100 pulses/L = 1000 pulses/s, for about half a second.
    assert!((300.0..1000.0).contains(&value), "{value}");
    assert!((modbus::decode(&pulses, &registers).unwrap() - value).abs() < 1e-9);
    let entries = log_entries(&log);
    assert_eq!(
        entries.len(),
        1,
        "pulses and volume share the words: one reading"
    );
    assert_eq!(entries[0].1, format!("{value}"));
    assert!(entries[0].2, "a stopped counter is steady");
    drop(sim);

    // Modbus RTU on the pty, the bath: pyserial opens the pty like a USB adapter.
    let log = dir.path().join("bath.jsonl");
    let sim = Sim::start(&[
        "modbus",
        "--device",
        "bath",
        "--rtu",
        "--log",
        log.to_str().unwrap(),
    ]);
    let temperature = register(EUROTHERM, "temperature");
    let (registers, value) = pymodbus_read(&[
        "rtu",
        &sim.at,
        "9600",
        &temperature.address.to_string(),
        "2",
        "float32",
        "big",
    ]);
    assert!((value - 25.0).abs() < 0.05, "{value}");
    let entries = log_entries(&log);
    assert_eq!(entries.len(), 1);
    assert_eq!(logged_words(&entries[0].0), registers);
    assert!((value - entries[0].1.parse::<f64>().unwrap()).abs() <= 0.005_01);
}

/// hardware-docs/eurotherm-3216-modbus: reads the PV float, returns the 9-byte answer.
async fn exchange(port: &mut Port) -> [u8; 9] {
    port.send(&[0x01, 0x03, 0x80, 0x02, 0x00, 0x02, 0x4C, 0x0B])
        .await;
    let mut reply = [0u8; 9];
    timeout(REPLY, port.io.read_exact(&mut reply))
        .await
        .expect("an answer")
        .unwrap();
    reply
}

#[tokio::test]
async fn rtu_frames_carry_the_profile_unit_and_a_wrong_crc_only_when_told() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("bath.jsonl");
    let mut sim = Sim::start(&[
        "modbus",
        "--device",
        "bath",
        "--rtu",
        "--log",
        log.to_str().unwrap(),
    ]);
    let mut port = Port::open(&sim.at);
    let good = exchange(&mut port).await;
    assert_eq!(good[..3], [0x01, 0x03, 0x04]);
    assert!(rtu::check(&good).is_some());

    sim.ok("fault crc 2");
    for _ in 0..2 {
        let bad = exchange(&mut port).await;
        assert_eq!(bad[..3], [0x01, 0x03, 0x04]);
        assert!(rtu::check(&bad).is_none(), "wrong CRC: {bad:02X?}");
    }
    assert!(rtu::check(&exchange(&mut port).await).is_some());
    assert_eq!(
        log_entries(&log).len(),
        2,
        "corrupted answers are not readings"
    );

    // Another unit's frame is not answered.
    port.send(&rtu::frame(7, &[0x03, 0x80, 0x02, 0x00, 0x02], false))
        .await;
    assert!(port.quiet_for(Duration::from_millis(300)).await);
}
