//! `tdc-sim`: simulated instruments speaking the real protocols over real transports, for the
//! demo, the integration tests and technicians' training.
//!
//! - [`balance`]: MT-SICS, Sartorius SBI and A&D balances on a pseudo-terminal.
//! - [`scpi`]: the Keysight 34401A multimeter (SCPI over RS-232) on a pseudo-terminal.
//! - [`modbus`]: the pressure controller, the bath and the pulse counter, with their register
//!   maps taken from the instrument profiles; served over Modbus TCP (tokio-modbus's server)
//!   or Modbus RTU on a pseudo-terminal ([`rtu`]).
//! - [`model`]: the shared physics (first-order settling, seeded Gaussian noise, stability).
//! - [`control`]: the runtime control language (`load 200 g`, `fault silent 3s`, …), also used
//!   by script files.
//! - [`port`]: pseudo-terminal, symlink, UART pacing and the JSON reading log.
//!
//! Key decisions: every device is built from its instrument profile (embedded with
//! `include_str!`), so what it prints or serves is exactly what the bridge's profile-driven
//! codecs decode — the unit tests prove each reply with those codecs. Devices are sans-IO
//! state machines fed with the time; the loops in `runner` own the sockets and ptys.
//! Controls from standard input, the script and SIGTERM/Ctrl-C arrive on one channel; the end
//! of standard input does not stop the simulator (tests may close it), only `quit` or a
//! signal does, and either removes the link on the way out.

pub mod balance;
pub mod control;
pub mod modbus;
pub mod model;
pub mod port;
pub mod rtu;
mod runner;
pub mod scpi;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use calibration_profiles::profile::Instrument;

pub use runner::run;

use control::Control;

/// Why the simulator cannot start or go on.
#[derive(Debug, thiserror::Error)]
pub enum SimError {
    /// An embedded profile does not load: a build defect, fix the profile.
    #[error("instrument profile `{id}` is invalid: {problems}")]
    Profile { id: String, problems: String },
    /// A command-line value does not fit the device: fix the option.
    #[error("{0}")]
    Config(String),
    #[error("cannot open a pseudo-terminal: {0}")]
    Pty(#[source] tokio_serial::Error),
    #[error("cannot create the link {path}: {source}")]
    Link {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot write the reading log {path}: {source}")]
    Log {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        addr: SocketAddr,
        source: std::io::Error,
    },
    #[error("I/O on the device's port: {0}")]
    Io(#[from] std::io::Error),
}

/// What a line device sends: one line without its terminator and, for a reading, the value as
/// the bridge's codec normalises it (`"123.45"`, `"1.00000120E+01"`) and its stability.
#[derive(Debug, Clone, PartialEq)]
pub struct Emission {
    pub bytes: Vec<u8>,
    pub reading: Option<(String, bool)>,
}

impl Emission {
    /// A line that carries no reading (identity, acknowledgement, error, overload).
    pub fn text(line: impl Into<String>) -> Self {
        Self {
            bytes: line.into().into_bytes(),
            reading: None,
        }
    }

    /// A line carrying a reading.
    #[must_use]
    pub fn reading(line: String, value: String, stable: bool) -> Self {
        Self {
            bytes: line.into_bytes(),
            reading: Some((value, stable)),
        }
    }
}

/// A device speaking a line protocol: a sans-IO state machine the serving loop feeds with
/// received bytes, the clock and control commands.
pub trait LineDevice: Send + std::fmt::Debug {
    /// Splits one complete command off the front of `input`, if there is one.
    fn next_command(&mut self, input: &mut Vec<u8>) -> Option<Vec<u8>>;
    /// Replies to one command.
    fn command(&mut self, cmd: &[u8], now: Instant) -> Vec<Emission>;
    /// The device's update period: how often [`LineDevice::tick`] runs.
    fn tick_period(&self) -> Duration;
    /// Time passes: take a reading, stream, finish commands that waited for stability.
    fn tick(&mut self, now: Instant) -> Vec<Emission>;
    /// The device is switched on again after a power cycle.
    fn power_up(&mut self, now: Instant) -> Vec<Emission>;
    /// Applies a control command: the `ok` text and anything the device sends, or why not.
    fn control(
        &mut self,
        control: &Control,
        now: Instant,
    ) -> Result<(String, Vec<Emission>), String>;
    /// The line terminator the device sends after each line.
    fn line_ending(&self) -> &str;
}

/// What to simulate.
#[derive(Debug, Clone)]
pub enum Simulation {
    Balance(balance::BalanceConfig),
    Multimeter(scpi::MultimeterConfig),
    Modbus {
        config: modbus::ModbusConfig,
        transport: Transport,
    },
}

/// How a Modbus device is reached.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transport {
    /// Modbus TCP on this address (port 0: any free port, printed on start).
    Tcp(SocketAddr),
    /// Modbus RTU on a pseudo-terminal.
    Rtu,
}

/// Options every simulated device takes.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// Symlink to the pseudo-terminal, re-pointed on every power cycle, removed on exit.
    pub link: Option<PathBuf>,
    /// Timed control commands, from the start.
    pub script: Vec<(Duration, Control)>,
    /// Pace every byte written like a UART at this baud rate.
    pub line_rate: Option<u32>,
    /// Append one JSON line per reading emitted.
    pub log: Option<PathBuf>,
    /// Seed of the RNG for garbage bytes (the devices take theirs from their configs).
    pub seed: u64,
}

/// Splits one line ending in LF off `input`, without CR LF. A line longer than 4 KiB without
/// a terminator is dropped (a real input buffer would overflow too).
pub(crate) fn split_line(input: &mut Vec<u8>) -> Option<Vec<u8>> {
    let Some(end) = input.iter().position(|&b| b == b'\n') else {
        if input.len() > 4096 {
            input.clear();
        }
        return None;
    };
    let mut line: Vec<u8> = input.drain(..=end).collect();
    line.pop();
    if line.last() == Some(&b'\r') {
        line.pop();
    }
    Some(line)
}

/// Loads an embedded instrument profile.
pub(crate) fn load_profile(text: &str) -> Result<Instrument, SimError> {
    Instrument::from_toml(text).map_err(|problems| SimError::Profile {
        id: text
            .lines()
            .find_map(|l| l.strip_prefix("id = "))
            .unwrap_or("?")
            .trim_matches('"')
            .to_owned(),
        problems: problems.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_are_split_at_lf_without_cr() {
        let mut input = b"S\r\nSI\nSI".to_vec();
        assert_eq!(split_line(&mut input).unwrap(), b"S");
        assert_eq!(split_line(&mut input).unwrap(), b"SI");
        assert_eq!(split_line(&mut input), None);
        assert_eq!(input, b"SI");
    }
}
