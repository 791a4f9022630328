//! Configuration of the bridge: defaults → TOML file → `TDC_BRIDGE__SECTION__KEY` environment
//! variables → command-line flags, in one struct passed down.
//!
//! The file lands in raw serde types (unknown fields refused) and becomes [`BridgeConfig`]
//! through [`RawConfig::validate`], which collects every problem with its path
//! (`devices[1].poll_command: ...`) so `tdc-bridge check-config` can list them all. The server
//! token is a [`Secret`]: redacted in `Debug`, in `print-config` and in logs.

use std::path::PathBuf;
use std::time::Duration;

use calibration_profiles::problems::{Problems, join};
use calibration_profiles::profile::instrument::{
    FlowControl, Parity, Protocol, SerialSettings, Transport,
};
use calibration_profiles::profile::{Instrument, SHIPPED_INSTRUMENTS};
use figment::Figment;
use figment::providers::{Env, Format, Serialized, Toml};
use serde::{Deserialize, Serialize};

pub use calibration_profiles::secret::Secret;

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawBridge {
    /// This bridge's id as registered on the server.
    pub id: String,
    /// Folder of the outbox database.
    pub data_dir: PathBuf,
    /// Extra instrument profiles (`*.toml`); the shipped ones are built in.
    pub profiles_dir: Option<PathBuf>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawServer {
    pub url: String,
    pub token: Secret,
    pub batch_size: usize,
    pub timeout_ms: u64,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawOutbox {
    /// Acquisition stops (with an alarm) when this many readings wait to be sent.
    pub max_readings: u64,
}

/// How readings are obtained from a line-protocol device.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Mode {
    /// Send the poll command(s) every `interval_ms`.
    Poll,
    /// Send the profile's `stream_start` once; the device sends continuously.
    Stream,
    /// Send nothing; record what the device sends (PRINT key).
    Listen,
}

/// Serial port of a device; unset settings come from the instrument profile.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawSerialPort {
    pub port: String,
    pub baud: Option<u32>,
    pub data_bits: Option<u8>,
    pub parity: Option<Parity>,
    pub stop_bits: Option<u8>,
    pub flow_control: Option<FlowControl>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawTcp {
    /// `host:port` of a Modbus TCP device or a serial-to-Ethernet gateway.
    pub address: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawDevice {
    pub id: String,
    /// Instrument profile id (shipped or from `profiles_dir`).
    pub profile: String,
    pub serial: Option<RawSerialPort>,
    pub tcp: Option<RawTcp>,
    pub mode: Option<Mode>,
    /// Profile command(s) sent in poll mode, in turn (default `read_immediate`).
    pub poll_commands: Option<Vec<String>>,
    pub interval_ms: Option<u64>,
    /// Modbus: channels to poll (default every readable one).
    pub channels: Option<Vec<String>>,
    /// Modbus unit id, when not the profile's.
    pub unit_id: Option<u8>,
    /// How long to wait for a reply before counting a timeout.
    pub response_timeout_ms: Option<u64>,
}

/// The configuration file as written.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawConfig {
    pub bridge: RawBridge,
    pub server: RawServer,
    pub outbox: RawOutbox,
    #[serde(default)]
    pub devices: Vec<RawDevice>,
}

impl Default for RawConfig {
    fn default() -> Self {
        Self {
            bridge: RawBridge {
                id: String::new(),
                data_dir: PathBuf::from("/var/lib/tdc-bridge"),
                profiles_dir: None,
            },
            server: RawServer {
                url: "http://127.0.0.1:8080".into(),
                token: Secret::default(),
                batch_size: 500,
                timeout_ms: 10_000,
            },
            outbox: RawOutbox {
                max_readings: 5_000_000,
            },
            devices: Vec::new(),
        }
    }
}

/// Where a device is connected.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Link {
    Serial {
        port: String,
        settings: SerialSettings,
    },
    Tcp {
        address: String,
    },
}

/// A validated device.
#[derive(Debug, Clone)]
pub struct DeviceConfig {
    pub id: String,
    pub instrument: Instrument,
    pub link: Link,
    pub mode: Mode,
    pub poll_commands: Vec<String>,
    pub interval: Duration,
    pub channels: Vec<String>,
    pub unit_id: u8,
    pub response_timeout: Duration,
}

/// The validated configuration.
#[derive(Debug, Clone)]
pub struct BridgeConfig {
    pub bridge_id: String,
    pub data_dir: PathBuf,
    pub server_url: String,
    pub token: Secret,
    pub batch_size: usize,
    pub server_timeout: Duration,
    pub max_readings: u64,
    pub devices: Vec<DeviceConfig>,
}

/// Loads the layers: defaults, the TOML text (if any), then `TDC_BRIDGE__…` variables.
pub fn load(toml_text: Option<&str>) -> Result<RawConfig, Problems> {
    let mut fig = Figment::from(Serialized::defaults(RawConfig::default()));
    if let Some(text) = toml_text {
        // Structural problems of the file first, with lines, by the engine's TOML reader.
        calibration_profiles::problems::from_toml::<RawConfig>(text)?;
        fig = fig.merge(Toml::string(text));
    }
    fig = fig.merge(Env::prefixed("TDC_BRIDGE__").split("__"));
    fig.extract::<RawConfig>().map_err(|e| {
        let mut p = Problems::default();
        for err in e {
            let path = err.path.join(".");
            p.at(path, err.kind.to_string());
        }
        p
    })
}

/// Instrument profiles available: the shipped ones plus `(file name, text)` of extra ones.
pub fn profiles(extra: &[(String, String)], p: &mut Problems) -> Vec<Instrument> {
    let mut out = Vec::new();
    for (name, text) in SHIPPED_INSTRUMENTS
        .iter()
        .map(|(n, t)| ((*n).to_owned(), (*t).to_owned()))
        .chain(extra.iter().cloned())
    {
        match Instrument::from_toml(&text) {
            Ok(i) => {
                out.retain(|o: &Instrument| o.profile.id != i.profile.id);
                out.push(i);
            }
            Err(problems) => {
                for pr in problems.iter() {
                    p.at(
                        format!("profiles_dir/{name}: {}", pr.path),
                        pr.message.clone(),
                    );
                }
            }
        }
    }
    out
}

impl RawConfig {
    /// Checks everything and builds the configuration; every problem is reported.
    pub fn validate(&self, instruments: &[Instrument]) -> Result<BridgeConfig, Problems> {
        let mut p = Problems::default();
        if !calibration_profiles::wire::v1::is_identifier(&self.bridge.id) {
            p.at(
                "bridge.id",
                "must be this bridge's id: lowercase letters, digits, `-`, `_`",
            );
        }
        if !(self.server.url.starts_with("http://") || self.server.url.starts_with("https://")) {
            p.at(
                "server.url",
                format!("`{}` must start with http:// or https://", self.server.url),
            );
        }
        if self.server.url.starts_with("https://") {
            p.at("server.url", "this build speaks plain HTTP; put the bridge and server on a trusted network or a TLS tunnel");
        }
        if self.server.token.expose().is_empty() {
            p.at(
                "server.token",
                "required: the device token created on the server (tdc-server device-token create)",
            );
        }
        if self.server.batch_size == 0
            || self.server.batch_size > calibration_profiles::wire::v1::MAX_BATCH
        {
            p.at(
                "server.batch_size",
                format!("must be 1 to {}", calibration_profiles::wire::v1::MAX_BATCH),
            );
        }
        if self.server.timeout_ms == 0 {
            p.at("server.timeout_ms", "must be greater than 0");
        }
        if self.outbox.max_readings == 0 {
            p.at("outbox.max_readings", "must be greater than 0");
        }
        if self.devices.is_empty() {
            p.at("devices", "configure at least one [[devices]] entry");
        }
        let mut devices = Vec::new();
        for (i, d) in self.devices.iter().enumerate() {
            let path = format!("devices[{i}]");
            if self.devices[..i].iter().any(|o| o.id == d.id) {
                p.at(
                    join(&path, "id"),
                    format!("`{}` is used by another device", d.id),
                );
            }
            if let Some(dev) = validate_device(d, &path, instruments, &mut p) {
                devices.push(dev);
            }
        }
        p.into_result(BridgeConfig {
            bridge_id: self.bridge.id.clone(),
            data_dir: self.bridge.data_dir.clone(),
            server_url: self.server.url.trim_end_matches('/').to_owned(),
            token: self.server.token.clone(),
            batch_size: self.server.batch_size,
            server_timeout: Duration::from_millis(self.server.timeout_ms),
            max_readings: self.outbox.max_readings,
            devices,
        })
    }
}

#[allow(clippy::too_many_lines)] // link, mode, commands, channels, timing: one rule after another
fn validate_device(
    d: &RawDevice,
    path: &str,
    instruments: &[Instrument],
    p: &mut Problems,
) -> Option<DeviceConfig> {
    let before = p.len();
    if !calibration_profiles::wire::v1::is_identifier(&d.id) {
        p.at(join(path, "id"), "lowercase letters, digits, `-`, `_`");
    }
    let Some(instrument) = instruments.iter().find(|i| i.profile.id == d.profile) else {
        let known: Vec<&str> = instruments.iter().map(|i| i.profile.id.as_str()).collect();
        p.at(
            join(path, "profile"),
            format!(
                "unknown instrument profile `{}`; known: {}",
                d.profile,
                known.join(", ")
            ),
        );
        return None;
    };
    let pr = &instrument.profile;
    let link = match (&d.serial, &d.tcp) {
        (Some(s), None) => {
            let base = pr.serial.clone().unwrap_or(SerialSettings {
                baud: 9600,
                data_bits: 8,
                parity: Parity::None,
                stop_bits: 1,
                flow_control: FlowControl::None,
                line_ending: None,
            });
            let settings = SerialSettings {
                baud: s.baud.unwrap_or(base.baud),
                data_bits: s.data_bits.unwrap_or(base.data_bits),
                parity: s.parity.unwrap_or(base.parity),
                stop_bits: s.stop_bits.unwrap_or(base.stop_bits),
                flow_control: s.flow_control.unwrap_or(base.flow_control),
                line_ending: base.line_ending,
            };
            settings.check(p, &join(path, "serial"));
            if s.port.trim().is_empty() {
                p.at(
                    join(path, "serial.port"),
                    "name the serial port, e.g. /dev/serial/by-id/usb-FTDI_...",
                );
            }
            if pr.protocol == Protocol::Modbus
                && !pr
                    .modbus
                    .as_ref()
                    .is_some_and(|m| m.transports.contains(&Transport::Rtu))
            {
                p.at(
                    join(path, "serial"),
                    format!(
                        "profile `{}` offers no Modbus RTU; use [devices.tcp]",
                        pr.id
                    ),
                );
            }
            Link::Serial {
                port: s.port.clone(),
                settings,
            }
        }
        (None, Some(t)) => {
            if t.address.parse::<std::net::SocketAddr>().is_err() && !t.address.contains(':') {
                p.at(
                    join(path, "tcp.address"),
                    format!("`{}` must be host:port", t.address),
                );
            }
            if pr.protocol == Protocol::Modbus
                && !pr
                    .modbus
                    .as_ref()
                    .is_some_and(|m| m.transports.contains(&Transport::Tcp))
            {
                p.at(
                    join(path, "tcp"),
                    format!(
                        "profile `{}` offers no Modbus TCP; use [devices.serial]",
                        pr.id
                    ),
                );
            }
            Link::Tcp {
                address: t.address.clone(),
            }
        }
        _ => {
            p.at(
                path.to_owned(),
                "give exactly one of [devices.serial] and [devices.tcp]",
            );
            return None;
        }
    };
    let mode = d.mode.unwrap_or(Mode::Poll);
    let poll_commands = if pr.protocol == Protocol::Modbus {
        if d.poll_commands.is_some() {
            p.at(
                join(path, "poll_commands"),
                "Modbus devices poll registers; use `channels`",
            );
        }
        if mode != Mode::Poll {
            p.at(join(path, "mode"), "Modbus devices are polled");
        }
        Vec::new()
    } else {
        let cmds = d
            .poll_commands
            .clone()
            .unwrap_or_else(|| vec!["read_immediate".to_owned()]);
        match mode {
            Mode::Poll => {
                if cmds.is_empty() {
                    p.at(
                        join(path, "poll_commands"),
                        "name at least one command of the profile",
                    );
                }
                for (j, c) in cmds.iter().enumerate() {
                    if instrument.command(c).is_none() {
                        let known: Vec<&str> =
                            pr.commands.iter().map(|c| c.name.as_str()).collect();
                        p.at(
                            format!("{path}.poll_commands[{j}]"),
                            format!(
                                "profile `{}` has no command `{c}`; it has {}",
                                pr.id,
                                known.join(", ")
                            ),
                        );
                    }
                }
            }
            Mode::Stream => {
                if instrument.command("stream_start").is_none() {
                    p.at(
                        join(path, "mode"),
                        format!("profile `{}` has no `stream_start` command", pr.id),
                    );
                }
            }
            Mode::Listen => {}
        }
        cmds
    };
    let readable: Vec<String> = pr
        .registers
        .iter()
        .filter(|r| !r.writable)
        .map(|r| r.channel.clone())
        .collect();
    let channels = match &d.channels {
        Some(chs) => {
            for (j, c) in chs.iter().enumerate() {
                if pr.protocol == Protocol::Modbus && !pr.registers.iter().any(|r| &r.channel == c)
                {
                    p.at(
                        format!("{path}.channels[{j}]"),
                        format!("profile `{}` has no register for channel `{c}`", pr.id),
                    );
                }
            }
            chs.clone()
        }
        None => readable,
    };
    let interval_ms = d.interval_ms.unwrap_or(1000);
    if interval_ms == 0 || interval_ms > 3_600_000 {
        p.at(join(path, "interval_ms"), "must be 1 to 3600000 ms");
    }
    let timeout_ms = d
        .response_timeout_ms
        .unwrap_or_else(|| pr.modbus.as_ref().map_or(2000, |m| m.timeout_ms));
    if timeout_ms == 0 {
        p.at(join(path, "response_timeout_ms"), "must be greater than 0");
    }
    let unit_id = d
        .unit_id
        .or(pr.modbus.as_ref().map(|m| m.unit_id))
        .unwrap_or(1);
    (p.len() == before).then(|| DeviceConfig {
        id: d.id.clone(),
        instrument: instrument.clone(),
        link,
        mode,
        poll_commands,
        interval: Duration::from_millis(interval_ms),
        channels,
        unit_id,
        response_timeout: Duration::from_millis(timeout_ms),
    })
}

/// The commented example printed by `tdc-bridge generate-config`.
pub const EXAMPLE: &str = r#"# tdc-bridge configuration. Every key can also be set by an environment variable
# TDC_BRIDGE__<SECTION>__<KEY>, e.g. TDC_BRIDGE__SERVER__TOKEN (handy for the secret).

[bridge]
# This bridge's id as registered on the server.
id = "bench-1"
# The outbox database (every reading is committed here before anything else).
data_dir = "/var/lib/tdc-bridge"
# Extra instrument profiles (*.toml); the shipped ones are built in.
# profiles_dir = "/etc/tdc/instruments"

[server]
url = "http://127.0.0.1:8080"
# The device token made with `tdc-server device-token create`. Never logged.
token = ""
# Readings per request and request timeout.
batch_size = 500
timeout_ms = 10000

[outbox]
# Acquisition stops with an alarm when this many readings wait for the server.
max_readings = 5000000

# One [[devices]] entry per instrument. Serial settings default to the profile's.
[[devices]]
id = "balance-1"
profile = "mettler-toledo-mt-sics"
mode = "poll"                       # poll | stream | listen (PRINT key only)
poll_commands = ["read_immediate"]  # commands of the profile, sent in turn
interval_ms = 500
[devices.serial]
port = "/dev/serial/by-id/usb-FTDI_FT232R_USB_UART_A1B2C3-if00-port0"
# baud = 9600

[[devices]]
id = "pressure-1"
profile = "alicat-pc-modbus"
interval_ms = 1000
channels = ["pressure"]
[devices.serial]
port = "/dev/ttyUSB1"
"#;

#[cfg(test)]
mod tests {
    use super::*;

    fn instruments() -> Vec<Instrument> {
        let mut p = Problems::default();
        let v = profiles(&[], &mut p);
        assert!(p.is_empty(), "{p}");
        v
    }

    #[test]
    fn the_example_is_valid_once_a_token_is_set() {
        let raw = load(Some(&EXAMPLE.replace("token = \"\"", "token = \"t0ken\""))).unwrap();
        let cfg = raw.validate(&instruments()).unwrap();
        assert_eq!(cfg.devices.len(), 2);
        assert_eq!(cfg.devices[1].unit_id, 1);
        assert!(
            matches!(&cfg.devices[0].link, Link::Serial { settings, .. } if settings.baud == 9600)
        );
    }

    #[test]
    fn every_problem_is_listed_with_its_path() {
        let text = EXAMPLE
            .replace("id = \"bench-1\"", "id = \"Bench 1\"")
            .replace(
                "poll_commands = [\"read_immediate\"]",
                "poll_commands = [\"weigh\"]",
            )
            .replace("channels = [\"pressure\"]", "channels = [\"flow\"]");
        let raw = load(Some(&text)).unwrap();
        let p = raw.validate(&instruments()).unwrap_err();
        let paths: Vec<&str> = p.iter().map(|x| x.path.as_str()).collect();
        assert_eq!(
            paths,
            [
                "bridge.id",
                "server.token",
                "devices[0].poll_commands[0]",
                "devices[1].channels[0]"
            ],
            "{p}"
        );
    }

    #[test]
    fn unknown_keys_are_refused_with_their_line() {
        let text = EXAMPLE.replace("batch_size = 500", "batch_size = 500\nbatchsize = 5");
        let p = load(Some(&text)).unwrap_err();
        assert_eq!(p.0[0].path, "server.batchsize");
        assert!(p.0[0].line.is_some());
    }
}
