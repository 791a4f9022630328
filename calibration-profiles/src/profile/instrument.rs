//! Instrument profiles: how to talk to one device model (`instruments/<id>.toml`).
//!
//! A profile names the protocol family, the serial settings, the commands the bridge may send,
//! the patterns that classify every line the device sends (solicited or not, e.g. after the
//! operator presses PRINT), and for Modbus devices the register map. The bridge has one codec
//! per protocol family and no per-device code: a new balance is a new file.

use std::collections::HashSet;

use regex::Regex;
use serde::{Deserialize, Serialize};

use crate::mpe::{Bilingual, check_id};
use crate::problems::{Problems, SourceMap, from_toml, join};
use crate::units::{Quantity, QuantityKind, Unit};

/// Device kinds the Centre connects.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum InstrumentKind {
    Balance,
    Multimeter,
    PressureCalibrator,
    TemperatureBath,
    PulseCounter,
    EarthResistanceMeter,
    Other,
}

/// Protocol families with a codec in the bridge.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum Protocol {
    MtSics,
    Sbi,
    And,
    Scpi,
    LineRegex,
    Modbus,
}

impl Protocol {
    #[must_use]
    pub fn is_line_protocol(self) -> bool {
        !matches!(self, Self::Modbus)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Channel {
    /// Lowercase identifier, e.g. `mass`.
    pub name: String,
    /// Default unit; a reply's own unit wins when it has one. Empty for counts.
    pub unit: Unit,
    pub quantity: QuantityKind,
    /// Digits after the decimal point the device gives.
    pub decimals: Option<u8>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Parity {
    None,
    Even,
    Odd,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum FlowControl {
    None,
    Software,
    Hardware,
}

/// Baud rates a serial port may be set to.
pub const BAUD_RATES: &[u32] = &[
    300, 600, 1200, 2400, 4800, 9600, 19200, 38400, 57600, 115_200,
];

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SerialSettings {
    pub baud: u32,
    pub data_bits: u8,
    pub parity: Parity,
    pub stop_bits: u8,
    pub flow_control: FlowControl,
    /// Terminator of lines in both directions (line protocols only).
    pub line_ending: Option<String>,
}

impl SerialSettings {
    /// Checks the settings a UART can take; `path` prefixes the problems.
    pub fn check(&self, p: &mut Problems, path: &str) {
        if !BAUD_RATES.contains(&self.baud) {
            p.at(
                join(path, "baud"),
                format!(
                    "{} is not a standard rate; use one of {BAUD_RATES:?}",
                    self.baud
                ),
            );
        }
        if !(self.data_bits == 7 || self.data_bits == 8) {
            p.at(join(path, "data_bits"), "must be 7 or 8");
        }
        if !(self.stop_bits == 1 || self.stop_bits == 2) {
            p.at(join(path, "stop_bits"), "must be 1 or 2");
        }
        if self.data_bits == 7 && self.parity == Parity::None && self.stop_bits == 1 {
            p.at(
                join(path, "parity"),
                "7 data bits without parity and 1 stop bit is not a frame serial devices use; check the manual",
            );
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Command {
    pub name: String,
    /// Text sent, without the line ending.
    pub send: String,
    pub channel: Option<String>,
    pub description: Option<String>,
}

/// What a received line means.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    Reading,
    Overload,
    Underload,
    Busy,
    Error,
    Identity,
    Ack,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ResponseRule {
    /// Rust `regex` syntax; named groups `value`, `unit`, `text` and the stability group.
    pub pattern: String,
    pub outcome: Outcome,
    pub stable: Option<bool>,
    /// Named group whose text decides stability, with the values that mean stable.
    pub stable_group: Option<String>,
    pub stable_values: Option<Vec<String>>,
    pub channel: Option<String>,
    pub description: Option<String>,
}

/// Streaming stability criterion: `readings` consecutive values within `band` over at most
/// `window_ms`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Stability {
    pub readings: u32,
    pub band: Quantity,
    pub window_ms: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Transport {
    Tcp,
    Rtu,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ModbusSettings {
    pub transports: Vec<Transport>,
    pub unit_id: u8,
    pub timeout_ms: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum RegisterFunction {
    Holding,
    Input,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum DataType {
    U16,
    I16,
    U32,
    I32,
    F32,
    F64,
}

impl DataType {
    /// Number of 16-bit registers the type occupies.
    #[must_use]
    pub fn words(self) -> u16 {
        match self {
            Self::U16 | Self::I16 => 1,
            Self::U32 | Self::I32 | Self::F32 => 2,
            Self::F64 => 4,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Order {
    Big,
    Little,
}

fn one() -> f64 {
    1.0
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Register {
    pub channel: String,
    pub function: RegisterFunction,
    /// Zero-based PDU address as sent on the wire.
    pub address: u16,
    pub data_type: DataType,
    /// `big` = high word first.
    pub word_order: Order,
    /// Byte order within one register.
    pub byte_order: Order,
    /// Engineering value = raw × scale + offset.
    #[serde(default = "one")]
    pub scale: f64,
    #[serde(default)]
    pub offset: f64,
    pub unit: Unit,
    #[serde(default)]
    pub writable: bool,
    pub description: Option<String>,
}

/// An instrument profile file (`schema_version = 1`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct InstrumentProfile {
    pub schema_version: u32,
    pub id: String,
    pub vendor: String,
    pub model: String,
    pub kind: InstrumentKind,
    pub protocol: Protocol,
    /// Folder under `hardware-docs/` that documents the device.
    pub hardware_doc: String,
    pub title: Bilingual,
    pub channels: Vec<Channel>,
    pub serial: Option<SerialSettings>,
    #[serde(default)]
    pub commands: Vec<Command>,
    #[serde(default)]
    pub responses: Vec<ResponseRule>,
    pub stability: Option<Stability>,
    pub modbus: Option<ModbusSettings>,
    #[serde(default)]
    pub registers: Vec<Register>,
}

/// A validated profile with its response patterns compiled, ready for a codec.
#[derive(Debug, Clone)]
pub struct Instrument {
    pub profile: InstrumentProfile,
    /// Compiled patterns, in the order of `profile.responses`.
    pub patterns: Vec<Regex>,
}

impl Instrument {
    /// Parses and validates a profile, reporting every problem with its path and line.
    pub fn from_toml(text: &str) -> Result<Self, Problems> {
        let profile: InstrumentProfile = from_toml(text)?;
        let (problems, patterns) = validate(&profile);
        problems
            .with_lines(&SourceMap::new(text))
            .into_result(Self { profile, patterns })
    }

    /// The channel named `name`.
    #[must_use]
    pub fn channel(&self, name: &str) -> Option<&Channel> {
        self.profile.channels.iter().find(|c| c.name == name)
    }

    /// The command named `name`.
    #[must_use]
    pub fn command(&self, name: &str) -> Option<&Command> {
        self.profile.commands.iter().find(|c| c.name == name)
    }
}

fn validate(pr: &InstrumentProfile) -> (Problems, Vec<Regex>) {
    let mut p = Problems::default();
    if pr.schema_version != 1 {
        p.at(
            "schema_version",
            format!("must be 1, got {}", pr.schema_version),
        );
    }
    check_id(&mut p, "id", &pr.id);
    check_id(&mut p, "hardware_doc", &pr.hardware_doc);
    for (field, v) in [
        ("vendor", &pr.vendor),
        ("model", &pr.model),
        ("title.vi", &pr.title.vi),
        ("title.en", &pr.title.en),
    ] {
        if v.trim().is_empty() {
            p.at(field, "must not be empty");
        }
    }
    if pr.channels.is_empty() {
        p.at("channels", "declare at least one channel");
    }
    let mut names = HashSet::new();
    for (i, c) in pr.channels.iter().enumerate() {
        let path = format!("channels[{i}]");
        if c.name.is_empty()
            || !c
                .name
                .chars()
                .all(|ch| ch.is_ascii_lowercase() || ch.is_ascii_digit() || ch == '_')
        {
            p.at(
                join(&path, "name"),
                "must be lowercase letters, digits and `_`",
            );
        }
        if !names.insert(c.name.as_str()) {
            p.at(
                join(&path, "name"),
                format!("channel `{}` is declared twice", c.name),
            );
        }
        if c.unit.kind() != c.quantity {
            p.at(
                join(&path, "unit"),
                format!("`{}` is not a unit of {:?}", c.unit, c.quantity),
            );
        }
    }
    let patterns = if pr.protocol.is_line_protocol() {
        validate_line_protocol(pr, &mut p)
    } else {
        validate_modbus(pr, &mut p);
        Vec::new()
    };
    if let Some(s) = &pr.stability {
        if s.readings < 2 {
            p.at("stability.readings", "must be at least 2");
        }
        if s.window_ms == 0 {
            p.at("stability.window_ms", "must be greater than 0");
        }
        if !(s.band.value > 0.0) {
            p.at("stability.band", "must be greater than 0");
        }
        if !pr.channels.iter().any(|c| c.quantity == s.band.unit.kind()) {
            p.at(
                "stability.band",
                format!("`{}` is not a unit of any channel", s.band.unit),
            );
        }
    }
    (p, patterns)
}

/// Rules of serial line protocols; returns the compiled response patterns.
#[allow(clippy::too_many_lines)] // serial, commands, then each response rule, in file order
fn validate_line_protocol(pr: &InstrumentProfile, p: &mut Problems) -> Vec<Regex> {
    let channel_ok = |name: &str| pr.channels.iter().any(|c| c.name == name);
    let mut patterns = Vec::new();
    match &pr.serial {
        None => p.at(
            "serial",
            "a serial line protocol needs its [serial] settings",
        ),
        Some(s) => {
            s.check(p, "serial");
            if s.line_ending.as_deref().is_none_or(str::is_empty) {
                p.at(
                    "serial.line_ending",
                    "a line protocol needs its line ending, e.g. \"\\r\\n\"",
                );
            }
        }
    }
    if pr.modbus.is_some() || !pr.registers.is_empty() {
        p.at(
            "modbus",
            "only Modbus profiles have [modbus] and [[registers]]",
        );
    }
    if pr.responses.is_empty() {
        p.at("responses", "declare the replies the device sends");
    }
    let mut cmd_names = HashSet::new();
    for (i, c) in pr.commands.iter().enumerate() {
        let path = format!("commands[{i}]");
        if !cmd_names.insert(c.name.as_str()) {
            p.at(
                join(&path, "name"),
                format!("command `{}` is declared twice", c.name),
            );
        }
        if c.send.is_empty() {
            p.at(join(&path, "send"), "must not be empty");
        }
        if let Some(ch) = &c.channel
            && !channel_ok(ch)
        {
            p.at(join(&path, "channel"), format!("unknown channel `{ch}`"));
        }
    }
    for (i, r) in pr.responses.iter().enumerate() {
        let path = format!("responses[{i}]");
        let re = match Regex::new(&r.pattern) {
            Ok(re) => re,
            Err(e) => {
                p.at(
                    join(&path, "pattern"),
                    format!("not a valid regular expression: {e}"),
                );
                continue;
            }
        };
        let groups: Vec<&str> = re.capture_names().flatten().collect();
        if r.outcome == Outcome::Reading {
            if !groups.contains(&"value") {
                p.at(
                    join(&path, "pattern"),
                    "a reading pattern needs a named group `value`",
                );
            }
            match (&r.stable, &r.stable_group, &r.stable_values) {
                (Some(_), None, None) => {}
                (None, Some(g), Some(v)) => {
                    if !groups.contains(&g.as_str()) {
                        p.at(
                            join(&path, "stable_group"),
                            format!("the pattern has no group `{g}`"),
                        );
                    }
                    if v.is_empty() {
                        p.at(
                            join(&path, "stable_values"),
                            "list the texts that mean stable",
                        );
                    }
                }
                _ => p.at(
                    &path,
                    "a reading needs either `stable` or `stable_group` with `stable_values`",
                ),
            }
            match &r.channel {
                Some(ch) if !channel_ok(ch) => {
                    p.at(join(&path, "channel"), format!("unknown channel `{ch}`"));
                }
                None if pr.channels.len() > 1
                    && !pr.commands.iter().any(|c| c.channel.is_some()) =>
                {
                    p.at(
                        join(&path, "channel"),
                        "with several channels a reading names its channel, or the commands do",
                    );
                }
                _ => {}
            }
        } else if r.stable.is_some() || r.stable_group.is_some() {
            p.at(&path, "only readings have a stability");
        }
        patterns.push(re);
    }
    patterns
}

/// Rules of Modbus profiles.
fn validate_modbus(pr: &InstrumentProfile, p: &mut Problems) {
    match &pr.modbus {
        None => p.at("modbus", "a Modbus profile needs its [modbus] settings"),
        Some(m) => {
            if m.transports.is_empty() {
                p.at("modbus.transports", "name tcp, rtu or both");
            }
            if m.transports.contains(&Transport::Rtu) {
                match &pr.serial {
                    None => p.at("serial", "Modbus RTU needs the [serial] settings"),
                    Some(s) => s.check(p, "serial"),
                }
            }
            if m.unit_id == 0 || m.unit_id > 247 {
                p.at("modbus.unit_id", "must be 1 to 247 (0 is broadcast)");
            }
            if m.timeout_ms == 0 || m.timeout_ms > 60_000 {
                p.at("modbus.timeout_ms", "must be 1 to 60000 ms");
            }
        }
    }
    if !pr.commands.is_empty() || !pr.responses.is_empty() {
        p.at(
            "commands",
            "Modbus profiles use [[registers]], not commands and responses",
        );
    }
    if pr.registers.is_empty() {
        p.at("registers", "declare at least one register");
    }
    for (i, r) in pr.registers.iter().enumerate() {
        let path = format!("registers[{i}]");
        match pr.channels.iter().find(|c| c.name == r.channel) {
            None => p.at(
                join(&path, "channel"),
                format!("unknown channel `{}`", r.channel),
            ),
            Some(c) if c.quantity != r.unit.kind() => p.at(
                join(&path, "unit"),
                format!(
                    "`{}` is not a unit of channel `{}` ({:?})",
                    r.unit, c.name, c.quantity
                ),
            ),
            Some(_) => {}
        }
        if u32::from(r.address) + u32::from(r.data_type.words()) > 65_536 {
            p.at(join(&path, "address"), "the value runs past register 65535");
        }
        if !(r.scale.is_finite() && r.scale != 0.0) {
            p.at(join(&path, "scale"), "must be a finite number other than 0");
        }
        if !r.offset.is_finite() {
            p.at(join(&path, "offset"), "must be finite");
        }
        if r.writable && r.function == RegisterFunction::Input {
            p.at(
                join(&path, "writable"),
                "input registers cannot be written; use a holding register",
            );
        }
        for (j, o) in pr.registers.iter().enumerate().take(i) {
            let a = (
                u32::from(r.address),
                u32::from(r.address) + u32::from(r.data_type.words()),
            );
            let b = (
                u32::from(o.address),
                u32::from(o.address) + u32::from(o.data_type.words()),
            );
            // Two channels may view the same value (pulses and litres); a partial overlap
            // or the same words decoded differently is a mistake.
            let same_value = a == b
                && o.data_type == r.data_type
                && o.word_order == r.word_order
                && o.byte_order == r.byte_order;
            if o.function == r.function && a.0 < b.1 && b.0 < a.1 && !same_value {
                p.at(join(&path, "address"), format!("overlaps registers[{j}]"));
            }
        }
    }
}
