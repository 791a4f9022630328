//! Runs the bridge: one supervised task per device (reconnect with backoff, one failing device
//! never stalls the others), the forward loop, and a clean stop on shutdown.

use std::sync::Arc;
use std::time::{Duration, Instant};

use calibration_profiles::profile::instrument::{FlowControl, Parity, Protocol, SerialSettings};
use tokio::net::TcpStream;
use tokio::sync::{Notify, watch};
use tokio_modbus::Slave;
use tokio_serial::SerialPortBuilderExt;

use crate::config::{BridgeConfig, DeviceConfig, Link};
use crate::device::{self, Capture, DeviceError};
use crate::forward::{self, Forwarder};
use crate::outbox::{Outbox, OutboxError};

const MIN_RECONNECT: Duration = Duration::from_secs(1);
const MAX_RECONNECT: Duration = Duration::from_secs(30);

/// Opens a serial port with the given settings.
pub fn open_serial(port: &str, s: &SerialSettings) -> std::io::Result<tokio_serial::SerialStream> {
    tokio_serial::new(port, s.baud)
        .data_bits(if s.data_bits == 7 {
            tokio_serial::DataBits::Seven
        } else {
            tokio_serial::DataBits::Eight
        })
        .parity(match s.parity {
            Parity::None => tokio_serial::Parity::None,
            Parity::Even => tokio_serial::Parity::Even,
            Parity::Odd => tokio_serial::Parity::Odd,
        })
        .stop_bits(if s.stop_bits == 2 {
            tokio_serial::StopBits::Two
        } else {
            tokio_serial::StopBits::One
        })
        .flow_control(match s.flow_control {
            FlowControl::None => tokio_serial::FlowControl::None,
            FlowControl::Software => tokio_serial::FlowControl::Software,
            FlowControl::Hardware => tokio_serial::FlowControl::Hardware,
        })
        .open_native_async()
        .map_err(std::io::Error::from)
}

async fn connect_tcp(address: &str) -> std::io::Result<TcpStream> {
    match tokio::time::timeout(Duration::from_secs(5), TcpStream::connect(address)).await {
        Ok(r) => r,
        Err(_) => Err(std::io::Error::new(
            std::io::ErrorKind::TimedOut,
            format!("no answer from {address} within 5 s"),
        )),
    }
}

/// Connects and runs the device once.
async fn session(
    dev: &DeviceConfig,
    capture: &Capture,
    shutdown: &mut watch::Receiver<bool>,
) -> Result<device::Stopped, DeviceError> {
    let modbus = dev.instrument.profile.protocol == Protocol::Modbus;
    match (&dev.link, modbus) {
        (Link::Serial { port, settings }, false) => {
            let io = open_serial(port, settings)?;
            device::run_line(io, dev, capture, shutdown).await
        }
        (Link::Tcp { address }, false) => {
            let io = connect_tcp(address).await?;
            device::run_line(io, dev, capture, shutdown).await
        }
        (Link::Serial { port, settings }, true) => {
            let io = open_serial(port, settings)?;
            let ctx = tokio_modbus::client::rtu::attach_slave(io, Slave(dev.unit_id));
            device::run_modbus(ctx, dev, capture, shutdown).await
        }
        (Link::Tcp { address }, true) => {
            let io = connect_tcp(address).await?;
            let ctx = tokio_modbus::client::tcp::attach_slave(io, Slave(dev.unit_id));
            device::run_modbus(ctx, dev, capture, shutdown).await
        }
    }
}

/// Keeps one device running: reconnects with backoff, pauses while the outbox is full.
async fn supervise(dev: DeviceConfig, capture: Capture, mut shutdown: watch::Receiver<bool>) {
    let mut backoff = MIN_RECONNECT;
    loop {
        if *shutdown.borrow() {
            break;
        }
        capture
            .outbox
            .set_device_status(&dev.id, "connecting", None, None)
            .await;
        let started = Instant::now();
        let wait = match session(&dev, &capture, &mut shutdown).await {
            Ok(device::Stopped::Shutdown) => break,
            Err(DeviceError::Outbox(e @ (OutboxError::Full(_) | OutboxError::DiskFull(_)))) => {
                // Never drop a reading silently: stop acquiring, say so, retry later.
                tracing::error!(device = %dev.id, error = %e, "ALARM: acquisition stopped");
                capture
                    .outbox
                    .set_device_status(&dev.id, "stopped", None, Some(&format!("ALARM: {e}")))
                    .await;
                Duration::from_secs(5)
            }
            Err(e) => {
                if started.elapsed() > MAX_RECONNECT {
                    backoff = MIN_RECONNECT;
                }
                tracing::warn!(device = %dev.id, error = %e, retry_in = ?backoff, "device disconnected");
                capture
                    .outbox
                    .set_device_status(&dev.id, "reconnecting", None, Some(&e.to_string()))
                    .await;
                let w = backoff;
                backoff = (backoff * 2).min(MAX_RECONNECT);
                w
            }
        };
        tokio::select! {
            _ = shutdown.changed() => break,
            () = tokio::time::sleep(wait) => {}
        }
    }
    capture
        .outbox
        .set_device_status(&dev.id, "stopped", None, None)
        .await;
}

/// Runs the bridge until `shutdown` turns true, then stops every task and closes the outbox.
///
/// # Errors
/// When the outbox cannot be opened (damaged, unwritable): the bridge must not start then.
pub async fn run(cfg: BridgeConfig, shutdown: watch::Receiver<bool>) -> Result<(), OutboxError> {
    let outbox = Outbox::open(&cfg.data_dir, cfg.max_readings).await?;
    let depth = outbox.depth().await?;
    tracing::info!(bridge = %cfg.bridge_id, devices = cfg.devices.len(), waiting = depth, "bridge started");
    let wake = Arc::new(Notify::new());
    let mut tasks = Vec::new();
    for dev in cfg.devices.clone() {
        let capture = Capture {
            device_id: dev.id.clone(),
            outbox: outbox.clone(),
            wake: wake.clone(),
        };
        tasks.push(tokio::spawn(supervise(dev, capture, shutdown.clone())));
    }
    match Forwarder::new(&cfg, outbox.clone()) {
        Ok(f) => tasks.push(tokio::spawn(forward::run(
            f,
            wake.clone(),
            shutdown.clone(),
        ))),
        Err(e) => {
            tracing::error!(error = %e, "cannot build the HTTP client; readings stay in the outbox");
        }
    }
    let mut shutdown_wait = shutdown.clone();
    while !*shutdown_wait.borrow() {
        if shutdown_wait.changed().await.is_err() {
            break;
        }
    }
    for t in tasks {
        if tokio::time::timeout(Duration::from_secs(10), t)
            .await
            .is_err()
        {
            tracing::warn!("a task did not stop within 10 s");
        }
    }
    outbox.close().await;
    tracing::info!("bridge stopped; every captured reading is in the outbox or at the server");
    Ok(())
}
