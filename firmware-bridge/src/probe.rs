//! `tdc-bridge probe`: which known device answers on this port? A technician's first question
//! at a new bench is "is it talking?".

use std::time::Duration;

use calibration_profiles::profile::Instrument;
use calibration_profiles::profile::instrument::{Protocol, SerialSettings};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio_modbus::Slave;
use tokio_modbus::client::Reader;

use crate::codec::framing::LineFramer;
use crate::codec::line::{Decoded, LineCodec};
use crate::codec::modbus;
use crate::supervisor::open_serial;

/// One profile's answer.
#[derive(Debug, Clone, PartialEq)]
pub struct Answer {
    pub profile: String,
    pub what: String,
}

/// Commands worth sending to learn whether a device of this profile is there, in order.
const ASK: &[&str] = &[
    "identify",
    "serial_number",
    "read_immediate",
    "read_stable",
    "measure_dc_voltage",
];

/// Tries every line-protocol profile on a serial port with the profile's settings (or `baud`).
pub async fn probe_serial(
    port: &str,
    baud: Option<u32>,
    instruments: &[Instrument],
) -> Vec<Answer> {
    let mut answers = Vec::new();
    for inst in instruments
        .iter()
        .filter(|i| i.profile.protocol != Protocol::Modbus)
    {
        let Some(base) = inst.profile.serial.clone() else {
            continue;
        };
        let settings = SerialSettings {
            baud: baud.unwrap_or(base.baud),
            ..base
        };
        let Ok(mut io) = open_serial(port, &settings) else {
            continue;
        };
        let codec = LineCodec::new(inst.clone());
        let ending = settings
            .line_ending
            .clone()
            .unwrap_or_else(|| "\r\n".into());
        for cmd in ASK {
            let Some(bytes) = codec.command_bytes(cmd) else {
                continue;
            };
            if io.write_all(&bytes).await.is_err() {
                break;
            }
            let channel = inst.command(cmd).and_then(|c| c.channel.clone());
            if let Some(what) = first_decoded(&mut io, &codec, &ending, channel.as_deref()).await {
                answers.push(Answer {
                    profile: inst.profile.id.clone(),
                    what,
                });
                break;
            }
        }
    }
    answers
}

async fn first_decoded<T: AsyncReadExt + Unpin>(
    io: &mut T,
    codec: &LineCodec,
    ending: &str,
    channel: Option<&str>,
) -> Option<String> {
    let mut framer = LineFramer::new(ending, 1024);
    let mut buf = [0u8; 256];
    let deadline = tokio::time::Instant::now() + Duration::from_millis(700);
    loop {
        let n = tokio::time::timeout_at(deadline, io.read(&mut buf))
            .await
            .ok()?
            .ok()?;
        if n == 0 {
            return None;
        }
        for line in framer.push(&buf[..n]).into_iter().flatten() {
            match codec.decode(&line, channel) {
                Ok(Decoded::Identity { text, .. }) => return Some(format!("identity {text:?}")),
                Ok(Decoded::Reading(r)) => {
                    return Some(format!(
                        "reading {} {} ({})",
                        r.value_text,
                        r.unit,
                        if r.stable { "stable" } else { "unstable" }
                    ));
                }
                Ok(Decoded::Fault { fault, raw, .. }) => {
                    return Some(format!("fault {fault:?} ({raw:?})"));
                }
                Ok(Decoded::Ack { .. }) | Err(_) => {}
            }
        }
    }
}

/// Tries every Modbus profile against a Modbus TCP address: reads each profile's first
/// readable register with the profile's unit id.
pub async fn probe_tcp(address: &str, instruments: &[Instrument]) -> Vec<Answer> {
    let mut answers = Vec::new();
    for inst in instruments
        .iter()
        .filter(|i| i.profile.protocol == Protocol::Modbus)
    {
        let Some(reg) = inst.profile.registers.iter().find(|r| !r.writable) else {
            continue;
        };
        let unit = inst.profile.modbus.as_ref().map_or(1, |m| m.unit_id);
        let Ok(Ok(stream)) = tokio::time::timeout(
            Duration::from_secs(2),
            tokio::net::TcpStream::connect(address),
        )
        .await
        else {
            return answers;
        };
        let mut ctx = tokio_modbus::client::tcp::attach_slave(stream, Slave(unit));
        let read = async {
            match reg.function {
                calibration_profiles::profile::instrument::RegisterFunction::Holding => {
                    ctx.read_holding_registers(reg.address, reg.data_type.words())
                        .await
                }
                calibration_profiles::profile::instrument::RegisterFunction::Input => {
                    ctx.read_input_registers(reg.address, reg.data_type.words())
                        .await
                }
            }
        };
        if let Ok(Ok(Ok(words))) = tokio::time::timeout(Duration::from_secs(1), read).await
            && let Ok(v) = modbus::decode(reg, &words)
        {
            answers.push(Answer {
                profile: inst.profile.id.clone(),
                what: format!(
                    "{} = {v} {} (registers {words:04X?})",
                    reg.channel, reg.unit
                ),
            });
        }
    }
    answers
}
