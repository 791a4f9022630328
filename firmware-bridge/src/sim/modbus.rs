//! Modbus devices whose register map **is** the instrument profile: the Alicat pressure
//! controller, the Eurotherm-controlled bath and the Advantech pulse counter.
//!
//! Every read or write is answered from the profile's `[[registers]]` (address, function, data
//! type, word and byte order, scale) through the bridge's own [`crate::codec::modbus`] codec, so
//! the simulator cannot drift from the map the bridge decodes with. Writable registers are
//! setpoints; read-only registers serve the process value. Requests arrive as
//! [`tokio_modbus::Request`] from either transport (the TCP server of tokio-modbus, or the RTU
//! framing in [`super::rtu`]).
//!
//! Exceptions (Modbus application protocol v1.1b3 §7): an address no register covers → 02;
//! a quantity outside 1..=125 (read) or 1..=123 (write) → 03; a value the device refuses
//! (setpoint beyond full scale or SP limits, not a finite number) → 03; any other function → 01.

use std::time::{Duration, Instant};

use calibration_profiles::profile::instrument::{Register, RegisterFunction};
use calibration_profiles::units::Unit;
use tokio_modbus::{ExceptionCode, Request, Response};

use super::control::{Amount, Control, Fault};
use super::model::Settling;
use super::port::ReadingLog;
use super::{SimError, load_profile};
use crate::codec::modbus::{decode, encode};

/// The three simulated Modbus devices.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Device {
    /// Alicat PC pressure controller (`alicat-pc-modbus`).
    Pressure,
    /// Bath with a Eurotherm 3216 controller (`eurotherm-3216-modbus`).
    Bath,
    /// Advantech ADAM-6051 pulse counter (`advantech-adam-6051-counter`).
    Counter,
}

impl Device {
    fn profile_text(self) -> &'static str {
        match self {
            Self::Pressure => {
                include_str!("../../../calibration-profiles/instruments/alicat-pc-modbus.toml")
            }
            Self::Bath => {
                include_str!("../../../calibration-profiles/instruments/eurotherm-3216-modbus.toml")
            }
            Self::Counter => include_str!(
                "../../../calibration-profiles/instruments/advantech-adam-6051-counter.toml"
            ),
        }
    }

    /// The exception a write to a read-only register gets. What each firmware really answers
    /// is unconfirmed (none of the manuals we read says); these are our best expectation:
    /// - Alicat and ADAM: 02, the address is not a writable location on these devices;
    /// - Eurotherm: 03, the parameter exists at that address but refuses the value — the
    ///   handbook's wording for writes a parameter does not accept.
    fn read_only_exception(self) -> ExceptionCode {
        match self {
            Self::Pressure | Self::Counter => ExceptionCode::IllegalDataAddress,
            Self::Bath => ExceptionCode::IllegalDataValue,
        }
    }

    /// Process defaults: (start value, setpoint range, τ, noise sd, disturbance sd).
    /// Pressure starts at one standard atmosphere (the page's example, 101.325 kPa) with a
    /// 0–700 kPa range (a 100 psi controller); the bath at 25 °C with SP.LO/SP.HI −20/150 °C.
    fn process(self) -> (f64, (f64, f64), Duration, f64, f64) {
        match self {
            Self::Pressure => (
                101.325,
                (0.0, 700.0),
                Duration::from_millis(1500),
                0.002,
                0.5,
            ),
            Self::Bath => (25.0, (-20.0, 150.0), Duration::from_mins(1), 0.002, 0.2),
            Self::Counter => (0.0, (0.0, 0.0), Duration::ZERO, 0.0, 0.0),
        }
    }
}

/// How to set up a simulated Modbus device.
#[derive(Debug, Clone)]
pub struct ModbusConfig {
    pub device: Device,
    /// Time constant of the approach to a new setpoint (default per device).
    pub tau: Option<Duration>,
    /// Noise standard deviation of the process value (no unit: the register's unit).
    pub noise: Option<Amount>,
    /// Pulses per litre of the simulated pulser (default: 1 / scale of the `volume` register).
    pub k_factor: Option<f64>,
    pub seed: u64,
}

#[derive(Debug)]
enum Process {
    /// A controller regulating towards a writable setpoint.
    Regulated {
        // Boxed: the RNG inside is large, the counter variant small.
        settling: Box<Settling>,
        range: (f64, f64),
        disturbance: f64,
        noise: f64,
    },
    /// A pulse counter fed by a flow through a pulser of `k` pulses per litre.
    Counter {
        pulses: f64,
        k: f64,
        litres_per_min: f64,
        at: Instant,
    },
}

/// A value a read served and the decimals of its channel.
type Served = (f64, usize);

/// A response and the readings (value text, stable) it carries.
#[derive(Debug, Clone, PartialEq)]
pub struct Answer {
    pub response: Response,
    pub readings: Vec<(String, bool)>,
}

/// A simulated Modbus device with its faults and reading log.
#[derive(Debug)]
pub struct ModbusSim {
    device: Device,
    registers: Vec<Register>,
    decimals: Vec<usize>,
    unit_id: u8,
    baud: Option<u32>,
    process: Process,
    overload_until: Option<Instant>,
    silent_until: Option<Instant>,
    crc_faults: u32,
    log: ReadingLog,
}

impl ModbusSim {
    /// A device built from its embedded profile, settled at its start value.
    pub fn new(config: &ModbusConfig, log: ReadingLog, now: Instant) -> Result<Self, SimError> {
        let instrument = load_profile(config.device.profile_text())?;
        let profile = instrument.profile;
        let decimals = profile
            .registers
            .iter()
            .map(|r| {
                let channel = profile.channels.iter().find(|c| c.name == r.channel);
                usize::from(channel.and_then(|c| c.decimals).unwrap_or(3))
            })
            .collect();
        let (start, range, tau, noise, disturbance) = config.device.process();
        let process = if config.device == Device::Counter {
            let scale = profile
                .registers
                .iter()
                .find(|r| r.channel == "volume")
                .map_or(0.01, |r| r.scale);
            Process::Counter {
                pulses: 0.0,
                k: config.k_factor.unwrap_or(1.0 / scale),
                litres_per_min: 0.0,
                at: now,
            }
        } else {
            let unit = profile
                .registers
                .iter()
                .find(|r| !r.writable)
                .map(|r| r.unit);
            let noise = match (config.noise, unit) {
                (Some(a), Some(unit)) => a
                    .value_in(unit)
                    .map_err(|e| SimError::Config(format!("--noise: {}", e.0)))?,
                _ => noise,
            };
            Process::Regulated {
                settling: Box::new(Settling::new(
                    start,
                    config.tau.unwrap_or(tau),
                    noise,
                    config.seed,
                    now,
                )),
                range,
                disturbance,
                noise,
            }
        };
        Ok(Self {
            device: config.device,
            unit_id: profile.modbus.as_ref().map_or(1, |m| m.unit_id),
            baud: profile.serial.as_ref().map(|s| s.baud),
            registers: profile.registers,
            decimals,
            process,
            overload_until: None,
            silent_until: None,
            crc_faults: 0,
            log,
        })
    }

    /// The unit id the profile gives the device (RTU frames for others are ignored).
    #[must_use]
    pub fn unit_id(&self) -> u8 {
        self.unit_id
    }

    /// The inter-frame silence that ends an RTU request (spec §2.5.1.1): 3.5 characters of
    /// 11 bits at the profile's baud rate, but not under `floor` — a pseudo-terminal's
    /// scheduling jitter is larger than 2 ms.
    #[must_use]
    pub fn rtu_silence(&self, floor: Duration) -> Duration {
        self.baud
            .filter(|b| *b > 0)
            .map_or(floor, |b| (Duration::from_secs(385) / b / 10).max(floor))
    }

    /// True while `fault silent` lasts: requests get no answer at all.
    #[must_use]
    pub fn is_silent(&self, now: Instant) -> bool {
        self.silent_until.is_some_and(|u| now < u)
    }

    /// Takes one pending `fault crc`: true if this response must carry a wrong CRC.
    pub fn take_crc_fault(&mut self) -> bool {
        let fault = self.crc_faults > 0;
        self.crc_faults = self.crc_faults.saturating_sub(1);
        fault
    }

    /// The engineering value a register serves now.
    fn value(&mut self, reg: &Register, now: Instant) -> f64 {
        self.advance_counter(now);
        let overloaded = self.overload_until.is_some_and(|u| now < u);
        match &mut self.process {
            Process::Regulated { settling, .. } if reg.writable => settling.target(),
            // hardware-docs/alicat-pc-modbus: over range, the reading saturates at full scale.
            Process::Regulated { range, .. } if overloaded => range.1,
            Process::Regulated { settling, .. } => settling.sample(now),
            // A 32-bit counter wraps (hardware-docs/advantech-adam-6051-counter, quirks).
            Process::Counter { pulses, .. } => {
                (pulses.floor() % 4_294_967_296.0) * reg.scale + reg.offset
            }
        }
    }

    fn advance_counter(&mut self, now: Instant) {
        if let Process::Counter {
            pulses,
            k,
            litres_per_min,
            at,
        } = &mut self.process
        {
            let dt = now.saturating_duration_since(*at).as_secs_f64();
            *pulses += *litres_per_min / 60.0 * *k * dt;
            *at = (*at).max(now);
        }
    }

    /// Whether the process value is steady: a controller at its setpoint (within three noise
    /// standard deviations), a counter not counting.
    fn is_steady(&mut self, now: Instant) -> bool {
        match &mut self.process {
            Process::Regulated {
                settling, noise, ..
            } => settling.is_settled(now, (3.0 * *noise).max(1e-3)),
            Process::Counter { litres_per_min, .. } => *litres_per_min == 0.0,
        }
    }

    /// Answers one request; `Ok(None)` while silent. The answer lists the readings it carries
    /// — one per measurement register the read covered whole (registers sharing the same
    /// words, the counter's pulses and volume, count once, as the first in the profile) — for
    /// the transport to [`ModbusSim::record`] once the answer has gone out intact.
    pub fn serve(
        &mut self,
        request: &Request<'_>,
        now: Instant,
    ) -> Result<Option<Answer>, ExceptionCode> {
        if self.is_silent(now) {
            return Ok(None);
        }
        let (response, served) = match request {
            Request::ReadHoldingRegisters(address, count) => {
                let (words, served) =
                    self.read(RegisterFunction::Holding, *address, *count, now)?;
                (Response::ReadHoldingRegisters(words), served)
            }
            Request::ReadInputRegisters(address, count) => {
                let (words, served) = self.read(RegisterFunction::Input, *address, *count, now)?;
                (Response::ReadInputRegisters(words), served)
            }
            Request::WriteSingleRegister(address, word) => {
                self.write(*address, &[*word], now)?;
                (Response::WriteSingleRegister(*address, *word), Vec::new())
            }
            Request::WriteMultipleRegisters(address, words) => {
                let count = u16::try_from(words.len())
                    .ok()
                    .filter(|n| (1..=123).contains(n))
                    .ok_or(ExceptionCode::IllegalDataValue)?;
                self.write(*address, words, now)?;
                (
                    Response::WriteMultipleRegisters(*address, count),
                    Vec::new(),
                )
            }
            _ => return Err(ExceptionCode::IllegalFunction),
        };
        let stable = !served.is_empty() && self.is_steady(now);
        let readings = served
            .into_iter()
            .map(|(value, decimals)| (format!("{value:.decimals$}"), stable))
            .collect();
        Ok(Some(Answer { response, readings }))
    }

    /// Logs the readings of an answer that reached the client; the line is the response PDU.
    pub fn record(&mut self, answer: &Answer) -> Result<(), SimError> {
        if answer.readings.is_empty() {
            return Ok(());
        }
        let line = hex(&super::rtu::response_pdu(&answer.response));
        for (value, stable) in &answer.readings {
            self.log.record(&line, value, *stable)?;
        }
        Ok(())
    }

    /// The words of a read, and the (value, decimals) of each measurement register it served.
    fn read(
        &mut self,
        function: RegisterFunction,
        address: u16,
        count: u16,
        now: Instant,
    ) -> Result<(Vec<u16>, Vec<Served>), ExceptionCode> {
        if count == 0 || count > 125 {
            return Err(ExceptionCode::IllegalDataValue);
        }
        let start = u32::from(address);
        let end = start + u32::from(count);
        let mut words: Vec<Option<u16>> = vec![None; usize::from(count)];
        let mut served = Vec::new();
        let mut served_ranges = Vec::new();
        for i in 0..self.registers.len() {
            let reg = self.registers[i].clone();
            let (first, len) = (u32::from(reg.address), u32::from(reg.data_type.words()));
            if reg.function != function || first + len <= start || first >= end {
                continue;
            }
            let value = self.value(&reg, now);
            let encoded = encode(&reg, value).map_err(|_| ExceptionCode::ServerDeviceFailure)?;
            for (at, word) in (first..first + len).zip(&encoded) {
                let slot = at
                    .checked_sub(start)
                    .and_then(|k| usize::try_from(k).ok())
                    .and_then(|k| words.get_mut(k));
                if let Some(slot) = slot {
                    slot.get_or_insert(*word);
                }
            }
            let whole = first >= start && first + len <= end;
            if whole && !reg.writable && !served_ranges.contains(&(first, len)) {
                served_ranges.push((first, len));
                // Log what the client decodes (an f32 is not the f64 we meant).
                if let Ok(v) = decode(&reg, &encoded) {
                    served.push((v, self.decimals[i]));
                }
            }
        }
        let words = words
            .into_iter()
            .collect::<Option<Vec<u16>>>()
            .ok_or(ExceptionCode::IllegalDataAddress)?;
        Ok((words, served))
    }

    fn write(&mut self, address: u16, words: &[u16], now: Instant) -> Result<(), ExceptionCode> {
        let start = u32::from(address);
        let end =
            start + u32::try_from(words.len()).map_err(|_| ExceptionCode::IllegalDataValue)?;
        let overlapping: Vec<&Register> = self
            .registers
            .iter()
            .filter(|r| r.function == RegisterFunction::Holding)
            .filter(|r| {
                let first = u32::from(r.address);
                first < end && first + u32::from(r.data_type.words()) > start
            })
            .collect();
        let Some(reg) = overlapping.iter().find(|r| {
            r.writable && r.address == address && usize::from(r.data_type.words()) == words.len()
        }) else {
            return Err(if overlapping.iter().any(|r| !r.writable) {
                self.device.read_only_exception()
            } else {
                // Unmapped, or part of a setpoint: a 32-bit value is written whole or not at all.
                ExceptionCode::IllegalDataAddress
            });
        };
        let value = decode(reg, words).map_err(|_| ExceptionCode::IllegalDataValue)?;
        self.set_setpoint(value, now)
            .map_err(|_| ExceptionCode::IllegalDataValue)
    }

    fn set_setpoint(&mut self, value: f64, now: Instant) -> Result<(), String> {
        match &mut self.process {
            Process::Regulated {
                settling, range, ..
            } => {
                if value.is_finite() && (range.0..=range.1).contains(&value) {
                    settling.set_target(value, now);
                    Ok(())
                } else {
                    Err(format!(
                        "setpoint {value} outside {} … {}",
                        range.0, range.1
                    ))
                }
            }
            Process::Counter { .. } => Err("a pulse counter has no setpoint".into()),
        }
    }

    fn setpoint_unit(&self) -> Option<Unit> {
        self.registers.iter().find(|r| r.writable).map(|r| r.unit)
    }

    /// Applies a control command that concerns the device itself (not the transport).
    pub fn control(&mut self, control: &Control, now: Instant) -> Result<String, String> {
        match (control, self.device) {
            (Control::Setpoint(amount), Device::Pressure | Device::Bath) => {
                let unit = self.setpoint_unit().ok_or("no writable register")?;
                let value = amount.value_in(unit).map_err(|e| e.0)?;
                self.set_setpoint(value, now)?;
                Ok(format!("setpoint {value} {}", unit.symbol()))
            }
            (Control::Dispense(amount), Device::Counter) => {
                let flow = amount
                    .value_in(Unit::parse("L/min").map_err(|e| e.to_string())?)
                    .map_err(|e| e.0)?;
                if !(flow >= 0.0) {
                    return Err(format!("a flow of {flow} L/min cannot be dispensed"));
                }
                self.set_flow(flow, now);
                Ok(format!("dispensing {flow} L/min"))
            }
            (Control::Stop, Device::Counter) => {
                self.set_flow(0.0, now);
                Ok("stopped".into())
            }
            (Control::Fault(Fault::Unstable(d)), Device::Pressure | Device::Bath) => {
                if let Process::Regulated {
                    settling,
                    disturbance,
                    ..
                } = &mut self.process
                {
                    settling.disturb(*disturbance, now + *d);
                }
                Ok(format!("unstable for {d:?}"))
            }
            (Control::Fault(Fault::Overload(d)), Device::Pressure) => {
                self.overload_until = Some(now + *d);
                Ok(format!("over range for {d:?}"))
            }
            (Control::Fault(Fault::Silent(d)), _) => {
                self.silent_until = Some(now + *d);
                Ok(format!("silent for {d:?}"))
            }
            (Control::Fault(Fault::Crc(n)), _) => {
                self.crc_faults = *n;
                Ok(format!("the next {n} RTU responses carry a wrong CRC"))
            }
            (other, device) => Err(format!(
                "`{}` does not apply to the {} device",
                other.name(),
                format!("{device:?}").to_lowercase()
            )),
        }
    }

    fn set_flow(&mut self, flow: f64, now: Instant) {
        self.advance_counter(now);
        if let Process::Counter { litres_per_min, .. } = &mut self.process {
            *litres_per_min = flow;
        }
    }
}

/// Bytes as the hardware-docs pages write them: `03 04 42 CA A6 66`.
#[must_use]
pub fn hex(bytes: &[u8]) -> String {
    bytes
        .iter()
        .map(|b| format!("{b:02X}"))
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::borrow::Cow;

    fn sim(device: Device, now: Instant) -> ModbusSim {
        let config = ModbusConfig {
            device,
            tau: Some(Duration::from_millis(100)),
            noise: Some(Amount {
                value: 0.0,
                unit: None,
            }),
            k_factor: None,
            seed: 1,
        };
        ModbusSim::new(&config, ReadingLog::default(), now).unwrap()
    }

    fn read(
        s: &mut ModbusSim,
        address: u16,
        count: u16,
        t: Instant,
    ) -> Result<Vec<u16>, ExceptionCode> {
        match s.serve(&Request::ReadHoldingRegisters(address, count), t)? {
            Some(Answer {
                response: Response::ReadHoldingRegisters(w),
                ..
            }) => Ok(w),
            other => panic!("{other:?}"),
        }
    }

    /// hardware-docs/alicat-pc-modbus: 101.325 kPa is 42 CA A6 66; the setpoint write of
    /// 200.0 kPa is 43 48 00 00 at 1349.
    #[test]
    fn pressure_follows_the_written_setpoint() {
        let t = Instant::now();
        let mut s = sim(Device::Pressure, t);
        assert_eq!(read(&mut s, 1353, 2, t).unwrap(), vec![0x42CA, 0xA666]);
        let write = Request::WriteMultipleRegisters(1349, Cow::Owned(vec![0x4348, 0x0000]));
        assert_eq!(
            s.serve(&write, t).unwrap().unwrap().response,
            Response::WriteMultipleRegisters(1349, 2)
        );
        assert_eq!(read(&mut s, 1349, 2, t).unwrap(), vec![0x4348, 0x0000]);
        let later = read(&mut s, 1353, 2, t + Duration::from_secs(2)).unwrap();
        assert_eq!(later, vec![0x4348, 0x0000], "settled after 20 τ");
    }

    #[test]
    fn unknown_addresses_partial_and_read_only_writes_are_refused() {
        let t = Instant::now();
        let mut s = sim(Device::Pressure, t);
        assert_eq!(
            read(&mut s, 1000, 2, t),
            Err(ExceptionCode::IllegalDataAddress)
        );
        assert_eq!(
            read(&mut s, 1353, 3, t),
            Err(ExceptionCode::IllegalDataAddress)
        );
        assert_eq!(
            read(&mut s, 1353, 0, t),
            Err(ExceptionCode::IllegalDataValue)
        );
        let to_pv = Request::WriteMultipleRegisters(1353, Cow::Owned(vec![0x4348, 0]));
        assert_eq!(s.serve(&to_pv, t), Err(ExceptionCode::IllegalDataAddress));
        let half = Request::WriteSingleRegister(1349, 0x4348);
        assert_eq!(s.serve(&half, t), Err(ExceptionCode::IllegalDataAddress));
        // 1000 kPa is beyond the controller's full scale.
        let too_high = Request::WriteMultipleRegisters(1349, Cow::Owned(vec![0x447A, 0]));
        assert_eq!(s.serve(&too_high, t), Err(ExceptionCode::IllegalDataValue));
        assert_eq!(
            s.serve(&Request::ReadCoils(0, 1), t),
            Err(ExceptionCode::IllegalFunction)
        );

        let mut bath = sim(Device::Bath, t);
        let to_pv = Request::WriteMultipleRegisters(32770, Cow::Owned(vec![0x41F0, 0]));
        assert_eq!(bath.serve(&to_pv, t), Err(ExceptionCode::IllegalDataValue));
    }

    /// hardware-docs/advantech-adam-6051-counter: 123456 pulses are E240 (low) then 0001.
    #[test]
    fn the_counter_counts_at_flow_times_k_factor() {
        let t = Instant::now();
        let mut s = sim(Device::Counter, t);
        assert_eq!(read(&mut s, 0, 2, t).unwrap(), vec![0, 0]);
        // 1234.56 L at K = 100 pulses/L: 60 L/min for 1234.56 s.
        s.control(&crate::sim::control::parse("dispense 60 L/min").unwrap(), t)
            .unwrap();
        let t1 = t + Duration::from_secs_f64(1234.56);
        s.control(&Control::Stop, t1).unwrap();
        assert_eq!(
            read(&mut s, 0, 2, t1 + Duration::from_secs(5)).unwrap(),
            vec![0xE240, 0x0001]
        );
    }

    /// Modbus over Serial Line v1.02 §2.5.1.1: t3.5 = 3.5 × 11 bits; 4.01 ms at 9600 baud.
    #[test]
    fn the_rtu_frame_gap_follows_the_profile_baud_rate() {
        let mut s = sim(Device::Bath, Instant::now());
        assert_eq!(
            s.rtu_silence(Duration::ZERO),
            Duration::from_nanos(4_010_416)
        );
        assert_eq!(
            s.rtu_silence(Duration::from_millis(20)),
            Duration::from_millis(20)
        );
        s.baud = Some(1200);
        assert_eq!(
            s.rtu_silence(Duration::from_millis(20)),
            Duration::from_nanos(32_083_333)
        );
    }

    #[test]
    fn silence_and_crc_faults_are_counted() {
        let t = Instant::now();
        let mut s = sim(Device::Bath, t);
        s.control(&crate::sim::control::parse("fault silent 1s").unwrap(), t)
            .unwrap();
        assert_eq!(
            s.serve(&Request::ReadHoldingRegisters(32770, 2), t),
            Ok(None)
        );
        assert!(
            s.serve(
                &Request::ReadHoldingRegisters(32770, 2),
                t + Duration::from_secs(1)
            )
            .unwrap()
            .is_some()
        );
        s.control(&Control::Fault(Fault::Crc(2)), t).unwrap();
        assert!(s.take_crc_fault() && s.take_crc_fault() && !s.take_crc_fault());
        assert!(
            s.control(&Control::Fault(Fault::Overload(Duration::from_secs(1))), t)
                .is_err()
        );
    }
}
