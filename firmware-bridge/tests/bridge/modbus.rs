//! The bridge's Modbus driver against pymodbus, a Modbus implementation we did not write: as a
//! TCP server on loopback and as an RTU server on a pseudo-terminal.

use std::sync::Arc;
use std::time::Duration;

use calibration_profiles::wire::v1::Raw;
use firmware_bridge::config::DeviceConfig;
use firmware_bridge::device::{self, Capture};
use firmware_bridge::outbox::Outbox;
use firmware_bridge::supervisor::open_serial;
use tokio::sync::{Notify, watch};
use tokio_modbus::Slave;

use crate::pipeline::config;
use crate::support::{free_port, pty_pair, python_with_pymodbus, script, spawn};

/// A Modbus RTU client on the device's serial port.
fn rtu_context(dev: &DeviceConfig) -> tokio_modbus::client::Context {
    let firmware_bridge::config::Link::Serial { port, settings } = &dev.link else {
        panic!("a serial device is expected: {:?}", dev.link)
    };
    tokio_modbus::client::rtu::attach_slave(
        open_serial(port, settings).unwrap(),
        Slave(dev.unit_id),
    )
}

async fn collect(
    ctx: tokio_modbus::client::Context,
    dev: DeviceConfig,
    outbox: &Outbox,
    want: u64,
) {
    let capture = Capture {
        device_id: dev.id.clone(),
        outbox: outbox.clone(),
        wake: Arc::new(Notify::new()),
    };
    let (tx, mut rx) = watch::channel(false);
    let run = tokio::spawn(async move { device::run_modbus(ctx, &dev, &capture, &mut rx).await });
    tokio::time::timeout(Duration::from_secs(10), async {
        while outbox.depth().await.unwrap() < want {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    })
    .await
    .expect("readings within 10 s");
    tx.send(true).unwrap();
    run.await.unwrap().unwrap();
}

/// ADAM-6051 counter map (hardware-docs/advantech-adam-6051-counter): registers 0–1 hold
/// 123456 low word first → 123456 pulses, 1234.56 L at K = 100.
#[tokio::test]
async fn reads_a_pymodbus_tcp_server() {
    let port = free_port();
    let _server = spawn(
        python_with_pymodbus()
            .arg(script("pymodbus_server.py"))
            .args(["tcp", &port.to_string(), "1", "0=0xE240,0x0001"]),
    );
    let dir = tempfile::tempdir().unwrap();
    let extra = format!(
        "[[devices]]\nid = \"counter-1\"\nprofile = \"advantech-adam-6051-counter\"\ninterval_ms = 50\n[devices.tcp]\naddress = \"127.0.0.1:{port}\"\n"
    );
    let dev = config("http://127.0.0.1:9", dir.path(), &extra).devices[1].clone();
    let outbox = Outbox::open(dir.path(), 1000).await.unwrap();
    let stream = tokio::net::TcpStream::connect(("127.0.0.1", port))
        .await
        .unwrap();
    let ctx = tokio_modbus::client::tcp::attach_slave(stream, Slave(dev.unit_id));
    collect(ctx, dev, &outbox, 2).await;
    let rs = outbox.peek(10).await.unwrap();
    let pulses = rs.iter().find(|r| r.channel == "pulses").unwrap();
    let litres = rs.iter().find(|r| r.channel == "volume").unwrap();
    assert_eq!(pulses.value, "123456");
    assert_eq!(
        (litres.value.as_str(), litres.unit.as_str()),
        ("1234.56", "L")
    );
    assert_eq!(litres.raw, Raw::Words(vec![0xE240, 0x0001]));
}

/// Alicat PC map (hardware-docs/alicat-pc-modbus): pressure f32 at 1353 = 0x42CAA666 →
/// 101.325 kPa, over RTU at 19200 baud on a pty pair; the setpoint register is not served, so
/// reading it gives exception 02, recorded as a device fault while pressure keeps arriving.
#[tokio::test]
async fn reads_a_pymodbus_rtu_server_on_a_pty_and_records_exceptions() {
    let tmp = tempfile::tempdir().unwrap();
    let (_socat, a, b) = pty_pair(tmp.path());
    let _server = spawn(
        python_with_pymodbus()
            .arg(script("pymodbus_server.py"))
            .args([
                "rtu",
                a.to_str().unwrap(),
                "19200",
                "1",
                "1353=0x42CA,0xA666",
            ]),
    );
    let extra = format!(
        "[[devices]]\nid = \"pressure-1\"\nprofile = \"alicat-pc-modbus\"\ninterval_ms = 50\nresponse_timeout_ms = 500\nchannels = [\"pressure\", \"setpoint\"]\n[devices.serial]\nport = \"{}\"\n",
        b.display()
    );
    let cfg = config("http://127.0.0.1:9", tmp.path(), &extra);
    let dev = cfg.devices[1].clone();
    let outbox = Outbox::open(tmp.path(), 1000).await.unwrap();
    let ctx = rtu_context(&dev);
    collect(ctx, dev, &outbox, 3).await;
    let rs = outbox.peek(10).await.unwrap();
    assert!(
        rs.iter()
            .all(|r| r.channel == "pressure" && r.value == "101.325" && r.unit == "kPa"),
        "{rs:?}"
    );
    let status = outbox.device_statuses().await.unwrap();
    assert!(
        status[0]
            .last_error
            .as_deref()
            .unwrap_or_default()
            .contains("Modbus exception"),
        "{status:?}"
    );
}

/// A setpoint write goes to the profile's writable register in its unit (200 kPa →
/// 43 48 00 00, hardware-docs/alicat-pc-modbus); read-only channels and wrong units are refused
/// before anything is sent.
#[tokio::test]
async fn writes_a_setpoint_only_where_the_profile_allows() {
    use calibration_profiles::units::Quantity;
    use tokio_modbus::client::Reader;
    let tmp = tempfile::tempdir().unwrap();
    let (_socat, a, b) = pty_pair(tmp.path());
    let _server = spawn(
        python_with_pymodbus()
            .arg(script("pymodbus_server.py"))
            .args([
                "rtu",
                a.to_str().unwrap(),
                "19200",
                "1",
                "1349=0,0",
                "1353=0x42CA,0xA666",
            ]),
    );
    let extra = format!(
        "[[devices]]\nid = \"pressure-1\"\nprofile = \"alicat-pc-modbus\"\n[devices.serial]\nport = \"{}\"\n",
        b.display()
    );
    let dev = config("http://127.0.0.1:9", tmp.path(), &extra).devices[1].clone();
    let mut ctx = rtu_context(&dev);
    device::write_setpoint(
        &mut ctx,
        &dev,
        "setpoint",
        &Quantity::parse("2 bar").unwrap(),
    )
    .await
    .unwrap();
    let words = ctx.read_holding_registers(1349, 2).await.unwrap().unwrap();
    assert_eq!(words, vec![0x4348, 0x0000]);
    let e = device::write_setpoint(
        &mut ctx,
        &dev,
        "pressure",
        &Quantity::parse("1 kPa").unwrap(),
    )
    .await
    .unwrap_err();
    assert!(matches!(e, device::WriteError::NotWritable(_)), "{e}");
    let e = device::write_setpoint(
        &mut ctx,
        &dev,
        "setpoint",
        &Quantity::parse("20 °C").unwrap(),
    )
    .await
    .unwrap_err();
    assert!(matches!(e, device::WriteError::Unit(_)), "{e}");
}
