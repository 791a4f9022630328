//! Device adapters: the loops that own a device's transport, decode what it sends with the
//! sans-IO codecs, and hand each reading to [`Capture`], which stamps it (UUIDv7, time) and
//! commits it to the outbox before anything else happens with it.
//!
//! Adapters are generic over the transport (`AsyncRead + AsyncWrite`), so tests hand them a
//! duplex pipe, a pseudo-terminal or a loopback socket. A loop returns when its transport
//! fails ([`DeviceError::Transport`], the supervisor reconnects with backoff), when the device
//! stops answering ([`DeviceError::Silent`]), when the outbox cannot take more
//! ([`DeviceError::Outbox`], acquisition pauses) or on shutdown.

use std::collections::VecDeque;
use std::sync::Arc;
use std::time::{Duration, Instant};

use calibration_profiles::profile::instrument::{RegisterFunction, Stability};
use calibration_profiles::units::Unit;
use calibration_profiles::wire::v1::{Raw, Reading};
use chrono::Utc;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::sync::{Notify, watch};
use tokio_modbus::client::{Context, Reader};

use crate::codec::framing::LineFramer;
use crate::codec::line::{Decoded, LineCodec};
use crate::codec::{self, CodecError};
use crate::config::{DeviceConfig, Mode};
use crate::outbox::{Outbox, OutboxError};

/// Why a device loop ended; named by what the supervisor does about it.
#[derive(Debug, thiserror::Error)]
pub enum DeviceError {
    /// The port or connection failed: reconnect with backoff.
    #[error("transport: {0}")]
    Transport(#[from] std::io::Error),
    /// The device stopped answering: reconnect with backoff.
    #[error("no answer for {0} consecutive requests")]
    Silent(u32),
    /// The outbox refused the reading: pause acquisition and raise the alarm.
    #[error(transparent)]
    Outbox(#[from] OutboxError),
}

/// How a loop ended without error.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stopped {
    Shutdown,
}

/// Commits readings of one device and wakes the forwarder.
#[derive(Debug, Clone)]
pub struct Capture {
    pub device_id: String,
    pub outbox: Outbox,
    pub wake: Arc<Notify>,
}

impl Capture {
    /// Stamps and commits one reading; returns it as stored.
    pub async fn commit(
        &self,
        channel: &str,
        value_text: String,
        unit: Unit,
        stable: bool,
        raw: Raw,
    ) -> Result<Reading, OutboxError> {
        let reading = Reading {
            reading_id: uuid::Uuid::now_v7(),
            device_id: self.device_id.clone(),
            channel: channel.to_owned(),
            value: value_text,
            unit: unit.symbol().to_owned(),
            stable,
            raw,
            captured_at: Utc::now(),
        };
        self.outbox.append(&reading).await?;
        self.wake.notify_one();
        let shown = format!("{} {}", reading.value, reading.unit);
        self.outbox
            .set_device_status(
                &self.device_id,
                "reading",
                Some((&reading.captured_at, &shown)),
                None,
            )
            .await;
        Ok(reading)
    }
}

/// The streaming stability criterion of a profile: the last `n` values within `band` and
/// taken within `window`.
#[derive(Debug, Clone)]
pub struct StabilityDetector {
    n: usize,
    band: calibration_profiles::units::Quantity,
    window: Duration,
    recent: VecDeque<(Instant, f64, Unit)>,
}

impl StabilityDetector {
    #[must_use]
    pub fn new(s: &Stability) -> Self {
        Self {
            n: usize::try_from(s.readings).unwrap_or(usize::MAX).max(2),
            band: s.band,
            window: Duration::from_millis(s.window_ms),
            recent: VecDeque::new(),
        }
    }

    /// Adds a value; true when the criterion holds with it.
    pub fn observe(&mut self, at: Instant, value: f64, unit: Unit) -> bool {
        self.recent.push_back((at, value, unit));
        while self.recent.len() > self.n {
            self.recent.pop_front();
        }
        if self.recent.len() < self.n {
            return false;
        }
        let Ok(band) = self.band.unit.convert_interval(self.band.value, unit) else {
            return false;
        };
        let (first, ..) = self.recent[0];
        let same_unit = self.recent.iter().all(|(_, _, u)| *u == unit);
        let (lo, hi) = self
            .recent
            .iter()
            .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), (_, v, _)| {
                (lo.min(*v), hi.max(*v))
            });
        // A relative allowance of 1e-9 absorbs the rounding of decimal readings in binary.
        same_unit
            && hi - lo <= band * (1.0 + 1e-9) + f64::EPSILON * hi.abs()
            && at.duration_since(first) <= self.window
    }
}

/// Sends a profile command with the profile's line ending.
async fn send<T: AsyncWrite + Unpin>(
    io: &mut T,
    codec: &LineCodec,
    name: &str,
) -> std::io::Result<()> {
    if let Some(bytes) = codec.command_bytes(name) {
        io.write_all(&bytes).await?;
        io.flush().await?;
    }
    Ok(())
}

/// Consecutive unanswered requests before the device counts as silent.
const MAX_SILENT: u32 = 3;

/// Runs a line-protocol device until shutdown or failure.
pub async fn run_line<T>(
    mut io: T,
    dev: &DeviceConfig,
    capture: &Capture,
    shutdown: &mut watch::Receiver<bool>,
) -> Result<Stopped, DeviceError>
where
    T: AsyncRead + AsyncWrite + Unpin,
{
    let codec = LineCodec::new(dev.instrument.clone());
    let ending = dev
        .instrument
        .profile
        .serial
        .as_ref()
        .and_then(|s| s.line_ending.clone())
        .unwrap_or_else(|| "\r\n".to_owned());
    let mut framer = LineFramer::new(&ending, 4096);
    // Streaming devices are also judged by the profile's criterion (N values within a band
    // over a window); a polled reading keeps the device's own stability flag.
    let mut detector = match dev.mode {
        Mode::Stream => dev
            .instrument
            .profile
            .stability
            .as_ref()
            .map(StabilityDetector::new),
        Mode::Poll | Mode::Listen => None,
    };
    if dev.mode == Mode::Stream {
        send(&mut io, &codec, "stream_start").await?;
    }
    let mut ticker = tokio::time::interval(dev.interval);
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut next_command = 0usize;
    // The channel of the command awaiting an answer, and when it was sent.
    let mut pending: Option<(Option<String>, Instant)> = None;
    let mut silent = 0u32;
    let mut buf = [0u8; 1024];
    loop {
        tokio::select! {
            _ = shutdown.changed() => {
                if dev.mode == Mode::Stream {
                    let _ = send(&mut io, &codec, "stream_stop").await;
                }
                return Ok(Stopped::Shutdown);
            }
            _ = ticker.tick(), if dev.mode == Mode::Poll => {
                if let Some((_, sent)) = &pending {
                    if sent.elapsed() >= dev.response_timeout {
                        silent += 1;
                        if silent >= MAX_SILENT {
                            return Err(DeviceError::Silent(silent));
                        }
                    } else {
                        continue;
                    }
                }
                let name = &dev.poll_commands[next_command % dev.poll_commands.len()];
                next_command = next_command.wrapping_add(1);
                let channel = dev.instrument.command(name).and_then(|c| c.channel.clone());
                send(&mut io, &codec, name).await?;
                pending = Some((channel, Instant::now()));
            }
            n = io.read(&mut buf) => {
                let n = n?;
                if n == 0 {
                    return Err(DeviceError::Transport(std::io::Error::new(
                        std::io::ErrorKind::UnexpectedEof,
                        "the device closed the connection",
                    )));
                }
                for line in framer.push(&buf[..n]) {
                    let line = match line {
                        Ok(l) => l,
                        Err(e) => {
                            protocol_fault(capture, &e).await;
                            continue;
                        }
                    };
                    if line.trim().is_empty() {
                        continue;
                    }
                    let channel = pending.as_ref().and_then(|(c, _)| c.clone());
                    match codec.decode(&line, channel.as_deref()) {
                        Ok(Decoded::Reading(r)) => {
                            let stable = match &mut detector {
                                Some(d) => d.observe(Instant::now(), r.value, r.unit) && r.stable,
                                None => r.stable,
                            };
                            capture.commit(&r.channel, r.value_text, r.unit, stable, Raw::Text(r.raw)).await?;
                            pending = None;
                            silent = 0;
                        }
                        Ok(Decoded::Fault { fault, text, raw }) => {
                            // A device fault is recorded, not retried harder.
                            let what = format!("{fault:?}{}: {raw:?}", text.map(|t| format!(" {t}")).unwrap_or_default());
                            tracing::warn!(device = %capture.device_id, %what, "device fault");
                            capture.outbox.set_device_status(&capture.device_id, "fault", None, Some(&what)).await;
                            pending = None;
                            silent = 0;
                        }
                        Ok(Decoded::Identity { text, .. }) => {
                            tracing::info!(device = %capture.device_id, identity = %text, "device identified");
                            pending = None;
                            silent = 0;
                        }
                        Ok(Decoded::Ack { .. }) => {
                            pending = None;
                            silent = 0;
                        }
                        Err(e) => protocol_fault(capture, &e).await,
                    }
                }
            }
        }
    }
}

async fn protocol_fault(capture: &Capture, e: &CodecError) {
    tracing::warn!(device = %capture.device_id, error = %e, "protocol fault; line skipped");
    capture
        .outbox
        .set_device_status(
            &capture.device_id,
            "protocol-fault",
            None,
            Some(&e.to_string()),
        )
        .await;
}

/// Runs a Modbus device (TCP or RTU context) until shutdown or failure: every `interval` each
/// configured channel's register is read, decoded and committed with its raw words.
pub async fn run_modbus(
    mut ctx: Context,
    dev: &DeviceConfig,
    capture: &Capture,
    shutdown: &mut watch::Receiver<bool>,
) -> Result<Stopped, DeviceError> {
    let registers: Vec<_> = dev
        .channels
        .iter()
        .filter_map(|c| {
            dev.instrument
                .profile
                .registers
                .iter()
                .find(|r| &r.channel == c)
        })
        .collect();
    let mut ticker = tokio::time::interval(dev.interval);
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut silent = 0u32;
    loop {
        tokio::select! {
            _ = shutdown.changed() => return Ok(Stopped::Shutdown),
            _ = ticker.tick() => {}
        }
        for reg in &registers {
            let count = reg.data_type.words();
            let request = async {
                match reg.function {
                    RegisterFunction::Holding => {
                        ctx.read_holding_registers(reg.address, count).await
                    }
                    RegisterFunction::Input => ctx.read_input_registers(reg.address, count).await,
                }
            };
            let words = match tokio::time::timeout(dev.response_timeout, request).await {
                Err(_) => {
                    silent += 1;
                    if silent >= MAX_SILENT {
                        return Err(DeviceError::Silent(silent));
                    }
                    continue;
                }
                Ok(Err(tokio_modbus::Error::Transport(e))) => {
                    return Err(DeviceError::Transport(e));
                }
                Ok(Err(tokio_modbus::Error::Protocol(e))) => {
                    // A framing or CRC problem: skip this read, the next one resynchronises.
                    let e = CodecError::Unrecognised {
                        profile: dev.instrument.profile.id.clone(),
                        raw: e.to_string(),
                    };
                    protocol_fault(capture, &e).await;
                    continue;
                }
                Ok(Ok(Err(exception))) => {
                    silent = 0;
                    let what = format!(
                        "Modbus exception {exception} reading `{}` at {}",
                        reg.channel, reg.address
                    );
                    tracing::warn!(device = %capture.device_id, %what, "device fault");
                    capture
                        .outbox
                        .set_device_status(&capture.device_id, "fault", None, Some(&what))
                        .await;
                    continue;
                }
                Ok(Ok(Ok(words))) => words,
            };
            silent = 0;
            match codec::modbus::decode(reg, &words) {
                Ok(value) => {
                    let decimals = dev
                        .instrument
                        .channel(&reg.channel)
                        .and_then(|c| c.decimals);
                    let text = decimals.map_or_else(
                        || value.to_string(),
                        |d| format!("{value:.prec$}", prec = usize::from(d)),
                    );
                    capture
                        .commit(&reg.channel, text, reg.unit, true, Raw::Words(words))
                        .await?;
                }
                Err(e) => protocol_fault(capture, &e).await,
            }
        }
    }
}

/// Why a setpoint was not written.
#[derive(Debug, thiserror::Error)]
pub enum WriteError {
    #[error("channel `{0}` has no register in the profile")]
    UnknownChannel(String),
    #[error("the profile does not allow writing `{0}`")]
    NotWritable(String),
    #[error("unit: {0}")]
    Unit(String),
    #[error(transparent)]
    Encode(#[from] CodecError),
    #[error("the device refused the write: Modbus exception {0}")]
    Exception(tokio_modbus::ExceptionCode),
    #[error("transport: {0}")]
    Transport(#[from] tokio_modbus::Error),
    #[error("no answer within {0:?}")]
    Timeout(Duration),
}

/// Writes a setpoint (e.g. "200 kPa") to a writable register of the profile, converting the
/// value to the register's unit first.
pub async fn write_setpoint(
    ctx: &mut Context,
    dev: &DeviceConfig,
    channel: &str,
    value: &calibration_profiles::units::Quantity,
) -> Result<(), WriteError> {
    use tokio_modbus::client::Writer;
    let reg = dev
        .instrument
        .profile
        .registers
        .iter()
        .find(|r| r.channel == channel)
        .ok_or_else(|| WriteError::UnknownChannel(channel.to_owned()))?;
    if !reg.writable || reg.function != RegisterFunction::Holding {
        return Err(WriteError::NotWritable(channel.to_owned()));
    }
    let v = value
        .unit
        .convert_value(value.value, reg.unit)
        .map_err(|e| WriteError::Unit(e.to_string()))?;
    let words = codec::modbus::encode(reg, v)?;
    match tokio::time::timeout(
        dev.response_timeout,
        ctx.write_multiple_registers(reg.address, &words),
    )
    .await
    {
        Err(_) => Err(WriteError::Timeout(dev.response_timeout)),
        Ok(Err(e)) => Err(WriteError::Transport(e)),
        Ok(Ok(Err(x))) => Err(WriteError::Exception(x)),
        Ok(Ok(Ok(()))) => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use calibration_profiles::units::Quantity;

    #[test]
    fn stability_needs_n_values_within_the_band_and_the_window() {
        let s = Stability {
            readings: 3,
            band: Quantity::parse("0.2 mg").unwrap(),
            window_ms: 1000,
        };
        let mut d = StabilityDetector::new(&s);
        let g = Unit::parse("g").unwrap();
        let t0 = Instant::now();
        assert!(!d.observe(t0, 100.0, g));
        assert!(!d.observe(t0 + Duration::from_millis(100), 100.0001, g));
        assert!(d.observe(t0 + Duration::from_millis(200), 100.0002, g));
        // A step beyond the band breaks it.
        assert!(!d.observe(t0 + Duration::from_millis(300), 100.0010, g));
        // Values too far apart in time do not count as settled.
        let mut d = StabilityDetector::new(&s);
        assert!(!d.observe(t0, 1.0, g));
        assert!(!d.observe(t0 + Duration::from_millis(600), 1.0, g));
        assert!(!d.observe(t0 + Duration::from_millis(1200), 1.0, g));
    }
}
