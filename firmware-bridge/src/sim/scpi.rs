//! The Keysight (HP) 34401A multimeter over RS-232 SCPI (hardware-docs/keysight-34401a-scpi).
//!
//! Headers are matched as SCPI does — case-insensitive, short or long form of each node,
//! optional `[:DC]` — and several commands may share a line separated by `;`. Readings use the
//! meter's RS-232 format `SD.DDDDDDDDESDD`; an unknown header gets no reply but queues
//! `-113,"Undefined header"` for `SYST:ERR?`, as the real meter does. Source values come from
//! the command line or `value <channel> <number>`, with relative Gaussian noise.

use std::collections::VecDeque;
use std::time::{Duration, Instant};

use super::control::{Control, Fault};
use super::model::Noise;
use super::{Emission, LineDevice, SimError, load_profile, split_line};

const PROFILE: &str =
    include_str!("../../../calibration-profiles/instruments/keysight-34401a-scpi.toml");

/// hardware-docs/keysight-34401a-scpi: the `*IDN?` reply (firmware field illustrative).
pub const IDN: &str = "HEWLETT-PACKARD,34401A,0,11-5-2";
/// The 34401A's overload reading.
pub const OVERLOAD: f64 = 9.9e37;
/// The meter's error queue holds 20 entries; a 21st replaces the last with -350.
const QUEUE_LEN: usize = 20;

/// The three measurement functions the profile reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Function {
    DcVoltage,
    Resistance,
    DcCurrent,
}

impl Function {
    /// Accepts the profile's channel names and the short words of the control language.
    fn from_channel(name: &str) -> Option<Self> {
        match name {
            "dc_voltage" | "voltage" | "volts" => Some(Self::DcVoltage),
            "resistance" | "ohms" => Some(Self::Resistance),
            "dc_current" | "current" | "amps" => Some(Self::DcCurrent),
            _ => None,
        }
    }

    /// Largest magnitude the top range reads before `+9.90000000E+37`: 1000 V (no over-range
    /// on the 1000 V range), 100 MΩ range + 20 % over-range, 3 A.
    fn limit(self) -> f64 {
        match self {
            Self::DcVoltage => 1000.0,
            Self::Resistance => 120e6,
            Self::DcCurrent => 3.0,
        }
    }

    fn unit(self) -> &'static str {
        match self {
            Self::DcVoltage => "V",
            Self::Resistance => "Ω",
            Self::DcCurrent => "A",
        }
    }
}

/// How to set up the simulated meter.
#[derive(Debug, Clone)]
pub struct MultimeterConfig {
    pub volts: f64,
    pub ohms: f64,
    pub amps: f64,
    /// Standard deviation of the reading noise, in parts per million of the reading.
    pub noise_ppm: f64,
    pub seed: u64,
}

/// A simulated 34401A.
#[derive(Debug)]
pub struct Multimeter {
    ending: String,
    volts: f64,
    ohms: f64,
    amps: f64,
    noise_ppm: f64,
    noise: Noise,
    errors: VecDeque<(i32, &'static str)>,
    overload_until: Option<Instant>,
    unstable_until: Option<Instant>,
}

impl Multimeter {
    /// A meter with the configured sources at its input and an empty error queue.
    pub fn new(config: &MultimeterConfig) -> Result<Self, SimError> {
        let profile = load_profile(PROFILE)?.profile;
        Ok(Self {
            ending: profile
                .serial
                .and_then(|s| s.line_ending)
                .unwrap_or_else(|| "\r\n".to_owned()),
            volts: config.volts,
            ohms: config.ohms,
            amps: config.amps,
            noise_ppm: config.noise_ppm,
            noise: Noise::new(config.seed),
            errors: VecDeque::new(),
            overload_until: None,
            unstable_until: None,
        })
    }

    fn source(&mut self, f: Function) -> &mut f64 {
        match f {
            Function::DcVoltage => &mut self.volts,
            Function::Resistance => &mut self.ohms,
            Function::DcCurrent => &mut self.amps,
        }
    }

    fn push_error(&mut self, code: i32, text: &'static str) {
        if self.errors.len() >= QUEUE_LEN {
            self.errors.pop_back();
            self.errors.push_back((-350, "Queue overflow"));
        } else {
            self.errors.push_back((code, text));
        }
    }

    fn measure(&mut self, f: Function, now: Instant) -> Emission {
        let value = *self.source(f);
        // `fault unstable` stands for a noisy source: 1000 times the configured noise.
        let ppm = if self.unstable_until.is_some_and(|u| now < u) {
            self.noise_ppm * 1000.0
        } else {
            self.noise_ppm
        };
        let reading = value + value.abs() * ppm * 1e-6 * self.noise.gaussian();
        if self.overload_until.is_some_and(|u| now < u) || reading.abs() > f.limit() {
            return Emission::text(scpi_number(OVERLOAD.copysign(reading)));
        }
        let line = scpi_number(reading);
        let value_text = line.trim_start_matches('+').to_owned();
        Emission::reading(line, value_text, true)
    }

    fn one_command(&mut self, command: &str, now: Instant) -> Option<Emission> {
        let header = command.split_whitespace().next().unwrap_or("");
        match normalise_header(header).as_str() {
            "*IDN?" => Some(Emission::text(IDN)),
            "*CLS" => {
                self.errors.clear();
                None
            }
            "*RST" | "SYST:REM" | "SYST:LOC" | "" => None,
            "SYST:ERR?" => {
                let (code, text) = self.errors.pop_front().unwrap_or((0, "No error"));
                Some(Emission::text(format!("{code:+},\"{text}\"")))
            }
            "MEAS:VOLT:DC?" | "MEAS:VOLT?" => Some(self.measure(Function::DcVoltage, now)),
            "MEAS:RES?" => Some(self.measure(Function::Resistance, now)),
            "MEAS:CURR:DC?" | "MEAS:CURR?" => Some(self.measure(Function::DcCurrent, now)),
            _ => {
                self.push_error(-113, "Undefined header");
                None
            }
        }
    }
}

impl LineDevice for Multimeter {
    fn next_command(&mut self, input: &mut Vec<u8>) -> Option<Vec<u8>> {
        split_line(input)
    }

    fn command(&mut self, cmd: &[u8], now: Instant) -> Vec<Emission> {
        let line = String::from_utf8_lossy(cmd);
        line.split(';')
            .filter_map(|c| self.one_command(c.trim(), now))
            .collect()
    }

    fn tick_period(&self) -> Duration {
        Duration::from_millis(100)
    }

    fn tick(&mut self, _now: Instant) -> Vec<Emission> {
        Vec::new()
    }

    fn line_ending(&self) -> &str {
        &self.ending
    }

    fn power_up(&mut self, _now: Instant) -> Vec<Emission> {
        // The meter sends nothing at power-up; the error queue is volatile.
        self.errors.clear();
        Vec::new()
    }

    fn control(
        &mut self,
        control: &Control,
        now: Instant,
    ) -> Result<(String, Vec<Emission>), String> {
        match control {
            Control::Value { channel, amount } => {
                let f = Function::from_channel(channel).ok_or_else(|| {
                    format!("unknown channel `{channel}`; expected voltage, resistance or current")
                })?;
                let unit = calibration_profiles::units::Unit::parse(f.unit())
                    .map_err(|e| e.to_string())?;
                let v = amount.value_in(unit).map_err(|e| e.0)?;
                *self.source(f) = v;
                Ok((format!("{channel} {v} {}", f.unit()), Vec::new()))
            }
            Control::Fault(Fault::Overload(d)) => {
                self.overload_until = Some(now + *d);
                Ok((format!("overload for {d:?}"), Vec::new()))
            }
            Control::Fault(Fault::Unstable(d)) => {
                self.unstable_until = Some(now + *d);
                Ok((format!("unstable for {d:?}"), Vec::new()))
            }
            Control::Print => Err("a 34401A never sends a reading it was not asked for".into()),
            other => Err(format!("`{}` does not apply to a multimeter", other.name())),
        }
    }
}

/// Upper-cases a header, maps each node's long form to its short form and keeps the `?`:
/// `meas:voltage:dc?` → `MEAS:VOLT:DC?`.
fn normalise_header(header: &str) -> String {
    let upper = header.trim_start_matches(':').to_ascii_uppercase();
    let (path, query) = match upper.strip_suffix('?') {
        Some(p) => (p, "?"),
        None => (upper.as_str(), ""),
    };
    let nodes: Vec<&str> = path
        .split(':')
        .map(|node| match node {
            "MEASURE" => "MEAS",
            "VOLTAGE" => "VOLT",
            "RESISTANCE" => "RES",
            "CURRENT" => "CURR",
            "SYSTEM" => "SYST",
            "ERROR" => "ERR",
            "REMOTE" => "REM",
            "LOCAL" => "LOC",
            other => other,
        })
        .collect();
    format!("{}{query}", nodes.join(":"))
}

/// The 34401A's RS-232 reading format `SD.DDDDDDDDESDD`: sign, 9 significant digits, signed
/// two-digit exponent (hardware-docs/keysight-34401a-scpi, User's Guide ch. 4).
#[must_use]
pub fn scpi_number(value: f64) -> String {
    let text = format!("{:.8E}", value.abs());
    let (mantissa, exponent) = text.split_once('E').unwrap_or((text.as_str(), "0"));
    let exponent: i32 = exponent.parse().unwrap_or(0);
    let sign = if value.is_sign_negative() && value != 0.0 {
        '-'
    } else {
        '+'
    };
    format!("{sign}{mantissa}E{exponent:+03}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codec::line::{Decoded, Fault as LineFault, LineCodec};
    use calibration_profiles::profile::Instrument;

    fn codec() -> LineCodec {
        LineCodec::new(Instrument::from_toml(PROFILE).unwrap())
    }

    fn meter(volts: f64) -> Multimeter {
        Multimeter::new(&MultimeterConfig {
            volts,
            ohms: 99.998_76,
            amps: -1.234_567e-3,
            noise_ppm: 0.0,
            seed: 1,
        })
        .unwrap()
    }

    /// hardware-docs/keysight-34401a-scpi "Example bytes".
    #[test]
    fn numbers_match_the_manual_examples() {
        assert_eq!(
            scpi_number(10.000_012).as_bytes(),
            b"\x2B\x31\x2E\x30\x30\x30\x30\x30\x31\x32\x30\x45\x2B\x30\x31"
        );
        assert_eq!(scpi_number(99.998_76), "+9.99987600E+01");
        assert_eq!(scpi_number(-1.234_567e-3), "-1.23456700E-03");
        assert_eq!(scpi_number(OVERLOAD), "+9.90000000E+37");
        assert_eq!(scpi_number(0.0), "+0.00000000E+00");
        assert_eq!(scpi_number(-0.0), "+0.00000000E+00");
    }

    #[test]
    fn replies_decode_with_the_profile() {
        let t = Instant::now();
        let mut m = meter(10.000_012);
        let c = codec();
        for (command, channel, expected) in [
            ("MEAS:VOLT:DC?", "dc_voltage", 10.000_012),
            ("meas:res?", "resistance", 99.998_76),
            ("MEASure:CURRent:DC?", "dc_current", -1.234_567e-3),
        ] {
            let out = m.command(command.as_bytes(), t);
            let line = std::str::from_utf8(&out[0].bytes).unwrap();
            let Decoded::Reading(r) = c.decode(line, Some(channel)).unwrap() else {
                panic!("{line}")
            };
            assert!((r.value - expected).abs() < 1e-12, "{r:?}");
            assert_eq!(out[0].reading.as_ref().unwrap().0, r.value_text);
        }
        m.control(&Control::Fault(Fault::Overload(Duration::from_secs(1))), t)
            .unwrap();
        let out = m.command(b"MEAS:VOLT:DC?", t);
        assert_eq!(out[0].bytes, b"+9.90000000E+37");
        assert!(matches!(
            c.decode("+9.90000000E+37", Some("dc_voltage")).unwrap(),
            Decoded::Fault {
                fault: LineFault::Overload,
                ..
            }
        ));
    }

    #[test]
    fn identity_and_the_error_queue_behave_like_the_meter() {
        let t = Instant::now();
        let mut m = meter(1.0);
        assert_eq!(m.command(b"*IDN?", t)[0].bytes, IDN.as_bytes());
        assert!(m.command(b"SYST:REM", t).is_empty());
        assert!(
            m.command(b"FOO:BAR?", t).is_empty(),
            "no reply to an unknown header"
        );
        assert_eq!(
            m.command(b"SYST:ERR?", t)[0].bytes,
            b"-113,\"Undefined header\""
        );
        assert_eq!(m.command(b"SYST:ERR?", t)[0].bytes, b"+0,\"No error\"");
        m.command(b"BAD", t);
        let out = m.command(b"*CLS;SYST:ERR?", t);
        assert_eq!(out[0].bytes, b"+0,\"No error\"");
        for _ in 0..25 {
            m.command(b"BAD", t);
        }
        let last = (0..20).map(|_| m.command(b"SYST:ERR?", t)).last().unwrap();
        assert_eq!(last[0].bytes, b"-350,\"Queue overflow\"");
    }

    #[test]
    fn values_change_by_control_and_overload_beyond_range() {
        let t = Instant::now();
        let mut m = meter(1.0);
        m.control(
            &crate::sim::control::parse("value voltage 1500").unwrap(),
            t,
        )
        .unwrap();
        assert_eq!(m.command(b"MEAS:VOLT:DC?", t)[0].bytes, b"+9.90000000E+37");
        m.control(
            &crate::sim::control::parse("value current -5 mA").unwrap(),
            t,
        )
        .unwrap();
        assert_eq!(m.command(b"MEAS:CURR:DC?", t)[0].bytes, b"-5.00000000E-03");
        assert!(m.control(&Control::Print, t).is_err());
    }
}
