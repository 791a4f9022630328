//! Balances on a serial line: Mettler Toledo MT-SICS, Sartorius SBI and the A&D standard
//! format, byte for byte as their hardware-docs pages give them.
//!
//! One [`Balance`] holds what the three share — the load on the pan (a [`Settling`] model
//! sampled at the balance's update rate), zero and tare, overload limits, the stability judge
//! built from the profile's `[stability]` block — and each protocol only decides how commands
//! are split, which reply a state gets, and how a number is laid out. The unit, the decimals and
//! the stability band come from the instrument profile, so what the simulator prints is what
//! the bridge's profile-driven decoder expects.

use std::time::{Duration, Instant};

use calibration_profiles::profile::Instrument;
use calibration_profiles::units::Unit;

use super::control::{Amount, Control, Fault};
use super::model::{Settling, StabilityJudge};
use super::{Emission, LineDevice, SimError, load_profile, split_line};

/// How often the balance takes a reading by default (MT-SICS SIR: 10–20 lines/s; A&D: 5/10/20
/// Hz).
pub const UPDATE_PERIOD: Duration = Duration::from_millis(100);
/// The shortest update period: "as fast as the line allows" for the throughput benchmark.
const FASTEST_UPDATE: Duration = Duration::from_millis(1);
/// How long S, Z and T wait for stability before giving up (`S I`, `Z I`, `EC,E11`).
pub const STABILITY_TIMEOUT: Duration = Duration::from_secs(3);
/// Standard deviation of the disturbance `fault unstable` adds, in stability bands.
const DISTURBANCE_BANDS: f64 = 25.0;

/// The three balance protocols.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Protocol {
    MtSics,
    Sbi,
    And,
}

impl Protocol {
    fn profile_text(self) -> &'static str {
        match self {
            Self::MtSics => include_str!(
                "../../../calibration-profiles/instruments/mettler-toledo-mt-sics.toml"
            ),
            Self::Sbi => {
                include_str!("../../../calibration-profiles/instruments/sartorius-sbi.toml")
            }
            Self::And => include_str!("../../../calibration-profiles/instruments/and-gx-a.toml"),
        }
    }

    /// Capacity of the model the profile names, in grams: MS204TS and BCE224I-1S 220 g,
    /// GX-2202A 2200 g.
    fn capacity_g(self) -> f64 {
        match self {
            Self::MtSics | Self::Sbi => 220.0,
            Self::And => 2200.0,
        }
    }
}

/// How to set up a simulated balance. Amounts without a unit are in the profile's unit.
#[derive(Debug, Clone)]
pub struct BalanceConfig {
    pub protocol: Protocol,
    /// Load on the pan at start (default: empty pan).
    pub load: Option<Amount>,
    /// Standard deviation of the reading noise (default: a quarter of the stability band).
    pub noise: Option<Amount>,
    /// Time constant of the approach to a new load.
    pub tau: Duration,
    /// Update period: one reading (and one SIR line) each. Zero streams as fast as the line
    /// takes the lines, for the throughput benchmark with `--line-rate`.
    pub update: Duration,
    /// Overload above this gross load (default: the model's capacity).
    pub capacity: Option<Amount>,
    /// Underload below this (negative) gross load (default: −2 % of capacity).
    pub underload: Option<Amount>,
    pub seed: u64,
}

/// What the balance shows now.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Weight {
    Over,
    Under,
    Net { value: f64, stable: bool },
}

/// A command waiting for stability.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Action {
    Weigh,
    Zero,
    Tare,
    /// SBI ESC T: zero near zero, tare elsewhere (the TARE key).
    ZeroOrTare,
}

/// A simulated balance speaking one of the three protocols.
#[derive(Debug)]
pub struct Balance {
    protocol: Protocol,
    ending: String,
    update: Duration,
    unit: Unit,
    decimals: usize,
    settling: Settling,
    judge: StabilityJudge,
    band: f64,
    capacity: f64,
    underload: f64,
    zero: f64,
    tare: f64,
    /// Latest reading (gross) and its stability.
    gross: f64,
    stable: bool,
    streaming: bool,
    pending: Option<(Action, Option<Instant>)>,
    overload_until: Option<Instant>,
    unstable_until: Option<Instant>,
}

impl Balance {
    /// A balance built from its embedded profile, settled at the configured load.
    pub fn new(config: &BalanceConfig, now: Instant) -> Result<Self, SimError> {
        let instrument = load_profile(config.protocol.profile_text())?;
        Self::from_profile(config, &instrument, now)
    }

    fn from_profile(
        config: &BalanceConfig,
        instrument: &Instrument,
        now: Instant,
    ) -> Result<Self, SimError> {
        let profile = &instrument.profile;
        let channel = profile
            .channels
            .first()
            .ok_or_else(|| SimError::Config(format!("profile `{}` has no channel", profile.id)))?;
        let unit = channel.unit;
        let in_unit = |a: Amount, what: &str| {
            a.value_in(unit)
                .map_err(|e| SimError::Config(format!("{what}: {e}")))
        };
        let stability = profile.stability.as_ref().ok_or_else(|| {
            SimError::Config(format!("profile `{}` has no [stability] block", profile.id))
        })?;
        let band = stability
            .band
            .to(unit)
            .map_err(|e| SimError::Config(format!("stability band: {e}")))?
            .value;
        let g = Unit::parse("g").map_err(|e| SimError::Config(e.to_string()))?;
        let capacity = match config.capacity {
            Some(a) => in_unit(a, "--capacity")?,
            None => g
                .convert_value(config.protocol.capacity_g(), unit)
                .map_err(|e| SimError::Config(e.to_string()))?,
        };
        let underload = match config.underload {
            Some(a) => in_unit(a, "--underload")?,
            None => -0.02 * capacity,
        };
        let load = config.load.map(|a| in_unit(a, "--load")).transpose()?;
        let noise = match config.noise {
            Some(a) => in_unit(a, "--noise")?,
            None => band / 4.0,
        };
        let readings = usize::try_from(stability.readings).unwrap_or(usize::MAX);
        let ending = profile
            .serial
            .as_ref()
            .and_then(|s| s.line_ending.clone())
            .unwrap_or_else(|| "\r\n".to_owned());
        let update = config.update.max(FASTEST_UPDATE);
        let mut balance = Self {
            protocol: config.protocol,
            ending,
            update,
            unit,
            decimals: usize::from(channel.decimals.unwrap_or(4)),
            settling: Settling::new(
                load.unwrap_or(0.0),
                config.tau,
                noise.abs(),
                config.seed,
                now,
            ),
            judge: StabilityJudge::new(readings, band, Duration::from_millis(stability.window_ms)),
            band,
            capacity,
            underload,
            zero: 0.0,
            tare: 0.0,
            gross: 0.0,
            stable: false,
            streaming: false,
            pending: None,
            overload_until: None,
            unstable_until: None,
        };
        // The load was on the pan before the simulator started: give the judge a settled past.
        for k in (0..readings).rev() {
            let ago = update * u32::try_from(k).unwrap_or(0);
            if let Some(at) = now.checked_sub(ago) {
                balance.sample(at);
            }
        }
        Ok(balance)
    }

    fn sample(&mut self, now: Instant) {
        self.gross = self.settling.sample(now);
        self.judge.push(now, self.gross);
        self.stable =
            self.judge.is_stable(now) && self.unstable_until.is_none_or(|until| now >= until);
    }

    fn weight(&self, now: Instant) -> Weight {
        if self.overload_until.is_some_and(|until| now < until) || self.gross > self.capacity {
            Weight::Over
        } else if self.gross < self.underload {
            Weight::Under
        } else {
            Weight::Net {
                value: self.gross - self.zero - self.tare,
                stable: self.stable,
            }
        }
    }

    /// The reading line for the current state, as the protocol lays it out.
    fn reading(&self, now: Instant) -> Emission {
        let unit = self.unit.symbol();
        let d = self.decimals;
        match (self.protocol, self.weight(now)) {
            (Protocol::MtSics, Weight::Over) => Emission::text("S +"),
            (Protocol::MtSics, Weight::Under) => Emission::text("S -"),
            (Protocol::MtSics, Weight::Net { value, stable }) => Emission::reading(
                mt_sics_weight("S", if stable { 'S' } else { 'D' }, value, d, unit),
                fixed(value, d),
                stable,
            ),
            (Protocol::Sbi, Weight::Over) => Emission::text(SBI_HIGH),
            (Protocol::Sbi, Weight::Under) => Emission::text(SBI_LOW),
            (Protocol::Sbi, Weight::Net { value, stable }) => Emission::reading(
                sbi_weight(value, d, stable.then_some(unit)),
                fixed(value, d),
                stable,
            ),
            (Protocol::And, Weight::Over) => Emission::text(AND_OVERLOAD),
            (Protocol::And, Weight::Under) => Emission::text(AND_UNDERLOAD),
            (Protocol::And, Weight::Net { value, stable }) => Emission::reading(
                and_weight(if stable { "ST" } else { "US" }, value, d, unit),
                fixed(value, d),
                stable,
            ),
        }
    }

    /// Starts `action`, to be carried out once stable; resolves at once if it can.
    fn begin(&mut self, action: Action, timeout: Option<Duration>, now: Instant) -> Vec<Emission> {
        self.pending = Some((action, timeout.map(|t| now + t)));
        self.resolve(now)
    }

    /// Carries out the pending action if the state allows, or times it out.
    fn resolve(&mut self, now: Instant) -> Vec<Emission> {
        let Some((action, deadline)) = self.pending else {
            return Vec::new();
        };
        let weight = self.weight(now);
        let timed_out = deadline.is_some_and(|d| now >= d);
        let id = match action {
            Action::Weigh => "S",
            Action::Zero => "Z",
            Action::Tare | Action::ZeroOrTare => "T",
        };
        let out = match (self.protocol, weight) {
            // MT-SICS answers S, Z and T at once in overload: `S +`, `Z -`, ...
            (Protocol::MtSics, Weight::Over) => Some(vec![Emission::text(format!("{id} +"))]),
            (Protocol::MtSics, Weight::Under) => Some(vec![Emission::text(format!("{id} -"))]),
            (_, Weight::Net { stable: true, .. }) => Some(self.perform(action, now)),
            _ if timed_out => Some(match self.protocol {
                Protocol::MtSics => vec![Emission::text(format!("{id} I"))],
                Protocol::And => vec![Emission::text("EC,E11")],
                Protocol::Sbi => Vec::new(),
            }),
            // A&D S sends nothing while unstable or overloaded; SBI waits silently.
            _ => None,
        };
        if out.is_some() {
            self.pending = None;
        }
        out.unwrap_or_default()
    }

    fn perform(&mut self, action: Action, now: Instant) -> Vec<Emission> {
        let net = self.gross - self.zero - self.tare;
        let zero_range = 0.02 * self.capacity;
        let action = match action {
            Action::ZeroOrTare if net.abs() <= zero_range && self.tare == 0.0 => Action::Zero,
            Action::ZeroOrTare => Action::Tare,
            a => a,
        };
        match action {
            Action::Weigh => vec![self.reading(now)],
            Action::Zero => {
                self.zero = self.gross;
                self.tare = 0.0;
                match self.protocol {
                    Protocol::MtSics => vec![Emission::text("Z A")],
                    Protocol::And => vec![Emission::text(AND_ACK)],
                    Protocol::Sbi => Vec::new(),
                }
            }
            Action::Tare | Action::ZeroOrTare => {
                self.tare = self.gross - self.zero;
                match self.protocol {
                    Protocol::MtSics => vec![Emission::text(mt_sics_weight(
                        "T",
                        'S',
                        self.tare,
                        self.decimals,
                        self.unit.symbol(),
                    ))],
                    Protocol::And => vec![Emission::text(AND_ACK)],
                    Protocol::Sbi => Vec::new(),
                }
            }
        }
    }

    fn mt_sics_command(&mut self, cmd: &str, now: Instant) -> Vec<Emission> {
        let timeout = Some(STABILITY_TIMEOUT);
        match cmd {
            "S" => {
                self.streaming = false;
                self.begin(Action::Weigh, timeout, now)
            }
            "SI" => {
                self.streaming = false;
                vec![self.reading(now)]
            }
            "SIR" => {
                self.streaming = true;
                vec![self.reading(now)]
            }
            "@" => {
                self.streaming = false;
                self.pending = None;
                vec![Emission::text(MT_SICS_I4)]
            }
            "I2" => vec![Emission::text(MT_SICS_I2)],
            "I4" => vec![Emission::text(MT_SICS_I4)],
            "Z" => self.begin(Action::Zero, timeout, now),
            "T" => self.begin(Action::Tare, timeout, now),
            "" => Vec::new(),
            _ => vec![Emission::text("ES")],
        }
    }

    fn sbi_command(&mut self, cmd: &str, now: Instant) -> Vec<Emission> {
        let timeout = Some(STABILITY_TIMEOUT);
        match cmd {
            "\x1bP" => vec![self.reading(now)],
            "\x1bT" => self.begin(Action::ZeroOrTare, timeout, now),
            "\x1bV" => self.begin(Action::Zero, timeout, now),
            "\x1bU" => self.begin(Action::Tare, timeout, now),
            "\x1bx1_" => vec![Emission::text(SBI_MODEL)],
            "\x1bx2_" => vec![Emission::text(SBI_SERIAL)],
            // hardware-docs/sartorius-sbi: unknown commands are silently ignored.
            _ => Vec::new(),
        }
    }

    fn and_command(&mut self, cmd: &str, now: Instant) -> Vec<Emission> {
        match cmd {
            "Q" | "SI" => vec![self.reading(now)],
            "S" => self.begin(Action::Weigh, None, now),
            "SIR" => {
                self.streaming = true;
                vec![self.reading(now)]
            }
            "C" => {
                self.streaming = false;
                self.pending = None;
                vec![Emission::text(AND_ACK)]
            }
            "Z" => self.begin(Action::Zero, Some(STABILITY_TIMEOUT), now),
            "T" => self.begin(Action::Tare, Some(STABILITY_TIMEOUT), now),
            "?ID" => vec![Emission::text(AND_ID)],
            "?SN" => vec![Emission::text(AND_SN)],
            "" => Vec::new(),
            _ => vec![Emission::text("EC,E01")],
        }
    }
}

impl LineDevice for Balance {
    fn next_command(&mut self, input: &mut Vec<u8>) -> Option<Vec<u8>> {
        match self.protocol {
            Protocol::Sbi => split_sbi(input),
            Protocol::MtSics | Protocol::And => split_line(input),
        }
    }

    fn command(&mut self, cmd: &[u8], now: Instant) -> Vec<Emission> {
        let cmd = String::from_utf8_lossy(cmd);
        let cmd = cmd.trim();
        match self.protocol {
            Protocol::MtSics => self.mt_sics_command(cmd, now),
            Protocol::Sbi => self.sbi_command(cmd, now),
            Protocol::And => self.and_command(cmd, now),
        }
    }

    fn tick_period(&self) -> Duration {
        self.update
    }

    fn line_ending(&self) -> &str {
        &self.ending
    }

    fn tick(&mut self, now: Instant) -> Vec<Emission> {
        self.sample(now);
        let mut out = self.resolve(now);
        if self.streaming {
            out.push(self.reading(now));
        }
        out
    }

    fn power_up(&mut self, now: Instant) -> Vec<Emission> {
        self.streaming = false;
        self.pending = None;
        self.judge.clear();
        self.sample(now);
        match self.protocol {
            // hardware-docs/mettler-toledo-mt-sics, quirks: the power-up banner is the I4 reply.
            Protocol::MtSics => vec![Emission::text(MT_SICS_I4)],
            Protocol::Sbi | Protocol::And => Vec::new(),
        }
    }

    fn control(
        &mut self,
        control: &Control,
        now: Instant,
    ) -> Result<(String, Vec<Emission>), String> {
        match control {
            Control::Load(amount) => {
                let target = amount.value_in(self.unit).map_err(|e| e.0)?;
                self.settling.set_target(target, now);
                Ok((format!("load {target} {}", self.unit.symbol()), Vec::new()))
            }
            Control::Print => Ok(("print".into(), vec![self.reading(now)])),
            Control::Fault(Fault::Unstable(d)) => {
                self.settling
                    .disturb(DISTURBANCE_BANDS * self.band, now + *d);
                self.unstable_until = Some(now + *d);
                self.stable = false;
                Ok((format!("unstable for {d:?}"), Vec::new()))
            }
            Control::Fault(Fault::Overload(d)) => {
                self.overload_until = Some(now + *d);
                Ok((format!("overload for {d:?}"), Vec::new()))
            }
            other => Err(format!("`{}` does not apply to a balance", other.name())),
        }
    }
}

// Fixed texts. The identities are the examples of the hardware-docs pages (illustrative there).
/// hardware-docs/mettler-toledo-mt-sics: reply to `@` and `I4`, and the power-up banner.
pub const MT_SICS_I4: &str = "I4 A \"B021002593\"";
/// hardware-docs/mettler-toledo-mt-sics: reply to `I2` (content unconfirmed on the page).
pub const MT_SICS_I2: &str = "I2 A \"MS204TS 220.0000 g\"";
/// hardware-docs/sartorius-sbi: 16-character special lines for overload and underload.
pub const SBI_HIGH: &str = "      High    ";
pub const SBI_LOW: &str = "      Low     ";
/// hardware-docs/sartorius-sbi: replies to ESC x1_ and ESC x2_ (padding unconfirmed).
pub const SBI_MODEL: &str = "BCE224I-1S";
pub const SBI_SERIAL: &str = "0034309393";
/// hardware-docs/and-gx-a: overload lines, the `<AK>` byte, ?ID and ?SN replies (note the
/// trailing space of SN, captured from a real balance).
pub const AND_OVERLOAD: &str = "OL,+9999999E+19";
pub const AND_UNDERLOAD: &str = "OL,-9999999E+19";
pub const AND_ACK: &str = "\x06";
pub const AND_ID: &str = "ID,LAB0001";
pub const AND_SN: &str = "SN,6A7609446 ";

/// `value` with `decimals` places, without the sign of a negative zero (a balance shows
/// `0.0000`, never `-0.0000`).
#[must_use]
pub fn fixed(value: f64, decimals: usize) -> String {
    let s = format!("{value:.decimals$}");
    match s.strip_prefix('-') {
        Some(rest) if rest.bytes().all(|b| b == b'0' || b == b'.') => rest.to_owned(),
        _ => s,
    }
}

/// MT-SICS weight response: `<id> <status> <10-char right-aligned value> <unit>`
/// (manual §2.1.2.1, hardware-docs/mettler-toledo-mt-sics "Response format").
#[must_use]
pub fn mt_sics_weight(id: &str, status: char, value: f64, decimals: usize, unit: &str) -> String {
    format!("{id} {status} {:>10} {unit}", fixed(value, decimals))
}

/// SBI 16-character output line without CR LF: sign, space, value right-aligned in 8
/// characters, space, unit in 3 characters — blank while unstable
/// (hardware-docs/sartorius-sbi "Output line format").
#[must_use]
pub fn sbi_weight(value: f64, decimals: usize, unit: Option<&str>) -> String {
    let text = fixed(value, decimals);
    let (sign, magnitude) = match text.strip_prefix('-') {
        Some(m) => ('-', m),
        None => ('+', text.as_str()),
    };
    format!("{sign} {magnitude:>8} {:<3}", unit.unwrap_or(""))
}

/// A&D standard format: header, comma, sign (`+` for zero), 8 characters with leading zeros,
/// unit right-aligned in 3 (hardware-docs/and-gx-a "A&D standard format").
#[must_use]
pub fn and_weight(header: &str, value: f64, decimals: usize, unit: &str) -> String {
    let text = fixed(value, decimals);
    let (sign, magnitude) = match text.strip_prefix('-') {
        Some(m) => ('-', m),
        None => ('+', text.as_str()),
    };
    format!("{header},{sign}{magnitude:0>8}{unit:>3}")
}

/// Splits one SBI command off the input: ESC and a letter, or ESC x<digit>_ for the
/// identification commands. Bytes outside a command (the optional CR LF) are skipped.
fn split_sbi(input: &mut Vec<u8>) -> Option<Vec<u8>> {
    const ESC: u8 = 0x1b;
    loop {
        let start = input.iter().position(|&b| b == ESC);
        let Some(start) = start else {
            input.clear();
            return None;
        };
        input.drain(..start);
        let len = match input.get(1) {
            None => return None,
            Some(b'x') => match input.iter().take(8).position(|&b| b == b'_') {
                Some(end) => end + 1,
                None if input.len() < 8 => return None,
                // No `_` where one must be: drop this ESC and look for the next.
                None => {
                    input.remove(0);
                    continue;
                }
            },
            Some(_) => 2,
        };
        return Some(input.drain(..len).collect());
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codec::line::{Decoded, Fault as LineFault, LineCodec};

    fn codec(p: Protocol) -> LineCodec {
        LineCodec::new(Instrument::from_toml(p.profile_text()).unwrap())
    }

    /// Every line below is a literal from hardware-docs/mettler-toledo-mt-sics "Example bytes".
    #[test]
    fn mt_sics_lines_match_the_manual_examples() {
        assert_eq!(
            mt_sics_weight("S", 'S', 100.0, 4, "g").as_bytes(),
            b"\x53\x20\x53\x20\x20\x20\x31\x30\x30\x2E\x30\x30\x30\x30\x20\x67"
        );
        assert_eq!(
            mt_sics_weight("S", 'D', 99.9986, 4, "g"),
            "S D    99.9986 g"
        );
        assert_eq!(
            mt_sics_weight("S", 'S', -0.0003, 4, "g"),
            "S S    -0.0003 g"
        );
        assert_eq!(
            mt_sics_weight("T", 'S', 20.1234, 4, "g"),
            "T S    20.1234 g"
        );
        assert_eq!(MT_SICS_I4.as_bytes(), b"I4 A \"B021002593\"");
    }

    /// hardware-docs/sartorius-sbi "Example bytes" (16-character lines without CR LF).
    #[test]
    fn sbi_lines_match_the_manual_examples() {
        assert_eq!(
            sbi_weight(100.0, 4, Some("g")).as_bytes(),
            b"\x2B\x20\x31\x30\x30\x2E\x30\x30\x30\x30\x20\x67\x20\x20"
        );
        assert_eq!(sbi_weight(100.0012, 4, None), "+ 100.0012    ");
        assert_eq!(sbi_weight(-0.0003, 4, Some("g")), "-   0.0003 g  ");
        assert_eq!(SBI_HIGH.len(), 14);
        assert_eq!(
            SBI_LOW.as_bytes(),
            b"\x20\x20\x20\x20\x20\x20\x4C\x6F\x77\x20\x20\x20\x20\x20"
        );
    }

    /// hardware-docs/and-gx-a "Example bytes".
    #[test]
    fn and_lines_match_the_manual_examples() {
        assert_eq!(
            and_weight("ST", 123.45, 2, "g").as_bytes(),
            b"\x53\x54\x2C\x2B\x30\x30\x31\x32\x33\x2E\x34\x35\x20\x20\x67"
        );
        assert_eq!(and_weight("US", 123.47, 2, "g"), "US,+00123.47  g");
        assert_eq!(and_weight("ST", -0.02, 2, "g"), "ST,-00000.02  g");
        assert_eq!(and_weight("ST", -0.001, 2, "g"), "ST,+00000.00  g");
        assert_eq!(AND_SN.as_bytes(), b"SN,6A7609446 ");
    }

    #[test]
    fn negative_zero_loses_its_sign() {
        assert_eq!(fixed(-0.00004, 4), "0.0000");
        assert_eq!(fixed(-0.00006, 4), "-0.0001");
        assert_eq!(fixed(12.5, 0), "12");
    }

    #[test]
    fn sbi_commands_are_split_with_or_without_cr_lf() {
        let mut input = b"\x1bP\r\n\x1bT\x1bx1_\r\n\x1bx2".to_vec();
        assert_eq!(split_sbi(&mut input).unwrap(), b"\x1bP");
        assert_eq!(split_sbi(&mut input).unwrap(), b"\x1bT");
        assert_eq!(split_sbi(&mut input).unwrap(), b"\x1bx1_");
        assert_eq!(
            split_sbi(&mut input),
            None,
            "incomplete ESC x2 waits for `_`"
        );
        input.extend_from_slice(b"_");
        assert_eq!(split_sbi(&mut input).unwrap(), b"\x1bx2_");
    }

    fn config(protocol: Protocol, load: f64) -> BalanceConfig {
        BalanceConfig {
            protocol,
            load: Some(Amount {
                value: load,
                unit: None,
            }),
            noise: Some(Amount {
                value: 0.0,
                unit: None,
            }),
            tau: Duration::from_millis(100),
            update: UPDATE_PERIOD,
            capacity: None,
            underload: None,
            seed: 7,
        }
    }

    /// Runs the balance for `secs` of simulated time at its update rate.
    fn settle(b: &mut Balance, t: &mut Instant, secs: u64) {
        for _ in 0..secs * 10 {
            *t += UPDATE_PERIOD;
            b.tick(*t);
        }
    }

    fn decode(p: Protocol, e: &Emission) -> Decoded {
        codec(p)
            .decode(std::str::from_utf8(&e.bytes).unwrap(), None)
            .unwrap()
    }

    #[test]
    fn each_protocol_decodes_to_the_load_and_its_stability() {
        for p in [Protocol::MtSics, Protocol::Sbi, Protocol::And] {
            let mut t = Instant::now();
            let mut b = Balance::new(&config(p, 100.0), t).unwrap();
            settle(&mut b, &mut t, 1);
            let stable = b.reading(t);
            let Decoded::Reading(r) = decode(p, &stable) else {
                panic!("{p:?}: {stable:?}")
            };
            assert!((r.value - 100.0).abs() < 1e-9, "{p:?}: {r:?}");
            assert!(r.stable, "{p:?}: {r:?}");
            assert_eq!(stable.reading.as_ref().unwrap().0, r.value_text);

            b.control(
                &Control::Load(Amount {
                    value: 150.0,
                    unit: None,
                }),
                t,
            )
            .unwrap();
            t += UPDATE_PERIOD;
            b.tick(t);
            let moving = b.reading(t);
            let Decoded::Reading(r) = decode(p, &moving) else {
                panic!("{p:?}: {moving:?}")
            };
            assert!(!r.stable, "{p:?}: {r:?}");
            assert!(r.value > 100.0 && r.value < 150.0, "{p:?}: {r:?}");
        }
    }

    #[test]
    fn overload_and_underload_decode_as_faults() {
        for p in [Protocol::MtSics, Protocol::Sbi, Protocol::And] {
            let mut t = Instant::now();
            let mut b = Balance::new(&config(p, 5000.0), t).unwrap();
            settle(&mut b, &mut t, 1);
            assert!(matches!(
                decode(p, &b.reading(t)),
                Decoded::Fault {
                    fault: LineFault::Overload,
                    ..
                }
            ));
            b.control(
                &Control::Load(Amount {
                    value: -200.0,
                    unit: None,
                }),
                t,
            )
            .unwrap();
            settle(&mut b, &mut t, 2);
            assert!(matches!(
                decode(p, &b.reading(t)),
                Decoded::Fault {
                    fault: LineFault::Underload,
                    ..
                }
            ));
        }
    }

    #[test]
    fn mt_sics_s_waits_for_stability_then_times_out_with_s_i() {
        let mut t = Instant::now();
        let mut b = Balance::new(&config(Protocol::MtSics, 10.0), t).unwrap();
        settle(&mut b, &mut t, 1);
        b.control(&Control::Fault(Fault::Unstable(Duration::from_secs(10))), t)
            .unwrap();
        assert!(b.command(b"S", t).is_empty());
        let mut replies = Vec::new();
        for _ in 0..40 {
            t += UPDATE_PERIOD;
            replies.extend(b.tick(t));
        }
        assert_eq!(replies.len(), 1);
        assert_eq!(replies[0].bytes, b"S I");
    }

    #[test]
    fn zero_and_tare_follow_each_protocol() {
        let mut t = Instant::now();
        let mut mt = Balance::new(&config(Protocol::MtSics, 20.1234), t).unwrap();
        settle(&mut mt, &mut t, 1);
        assert_eq!(mt.command(b"T", t)[0].bytes, b"T S    20.1234 g");
        assert_eq!(mt.reading(t).bytes, b"S S     0.0000 g");
        assert_eq!(mt.command(b"Z", t)[0].bytes, b"Z A");
        assert_eq!(mt.command(b"XYZ", t)[0].bytes, b"ES");

        let mut ad = Balance::new(&config(Protocol::And, 20.0), t).unwrap();
        settle(&mut ad, &mut t, 1);
        assert_eq!(ad.command(b"T", t)[0].bytes, b"\x06");
        assert_eq!(ad.command(b"?SN", t)[0].bytes, b"SN,6A7609446 ");
        assert_eq!(ad.command(b"XYZ", t)[0].bytes, b"EC,E01");

        let mut sbi = Balance::new(&config(Protocol::Sbi, 0.001), t).unwrap();
        settle(&mut sbi, &mut t, 1);
        assert!(
            sbi.command(b"\x1bT", t).is_empty(),
            "SBI acknowledges nothing"
        );
        assert_eq!(sbi.reading(t).bytes, b"+   0.0000 g  ");
    }
}
