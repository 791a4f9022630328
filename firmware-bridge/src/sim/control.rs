//! The runtime control language of `tdc-sim`: one command per line, typed by a trainer on
//! standard input or replayed from a script file. Parsing is pure; the simulated device decides
//! whether a command applies to it (a balance refuses `setpoint`).
//!
//! A script is the same language with a time offset in front of each command, counted from the
//! start of the simulator, so one file drives a demo from beginning to end:
//!
//! ```text
//! # at    command
//! 0s      load 0 g
//! 2s      load 100 g
//! 8s      fault unstable 3s
//! 15s     print
//! ```

use std::fmt;
use std::time::Duration;

use calibration_profiles::units::{Quantity, Unit};

/// A number with an optional unit, as typed: `200 g`, `500 kPa`, `1.5`. Without a unit the
/// device's own unit is meant.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Amount {
    pub value: f64,
    pub unit: Option<Unit>,
}

impl Amount {
    /// Parses `1.5`, `200 g`, `-0.5mg`, `40 L/min`.
    pub fn parse(text: &str) -> Result<Self, ControlError> {
        let t = text.trim();
        if let Ok(value) = t.parse::<f64>() {
            return finite(value, t).map(|value| Self { value, unit: None });
        }
        let q = Quantity::parse(t).map_err(|e| ControlError(format!("`{t}`: {e}")))?;
        Ok(Self {
            value: q.value,
            unit: Some(q.unit),
        })
    }

    /// The value expressed in `unit` (a value without a unit is taken as already in it).
    pub fn value_in(self, unit: Unit) -> Result<f64, ControlError> {
        match self.unit {
            None => Ok(self.value),
            Some(u) => u
                .convert_value(self.value, unit)
                .map_err(|e| ControlError(e.to_string())),
        }
    }
}

impl fmt::Display for Amount {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.unit {
            Some(u) if !u.symbol().is_empty() => write!(f, "{} {}", self.value, u.symbol()),
            _ => write!(f, "{}", self.value),
        }
    }
}

/// A fault the trainer injects.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// Readings never settle for this long.
    Unstable(Duration),
    /// The device reports overload for this long.
    Overload(Duration),
    /// The device answers nothing for this long (the bridge sees time-outs).
    Silent(Duration),
    /// One line of random bytes on the serial line.
    Garbage,
    /// The next n Modbus RTU responses carry a wrong CRC.
    Crc(u32),
}

/// One control command.
#[derive(Debug, Clone, PartialEq)]
pub enum Control {
    /// New target load on the pan (balances).
    Load(Amount),
    /// New source value for a multimeter function: `value voltage 1.5`.
    Value {
        channel: String,
        amount: Amount,
    },
    /// New setpoint, as if typed on the front panel (pressure controller, bath).
    Setpoint(Amount),
    /// Start delivering at this flow (pulse counter).
    Dispense(Amount),
    /// Stop delivering (pulse counter).
    Stop,
    /// Emit an unsolicited reading, as if the operator pressed PRINT.
    Print,
    Fault(Fault),
    /// Power cycle: the device disappears for this long, then comes back on the same path.
    Disconnect(Duration),
    Quit,
}

impl Control {
    /// The command word, for messages: `load`, `fault silent`, …
    #[must_use]
    pub fn name(&self) -> &'static str {
        match self {
            Self::Load(_) => "load",
            Self::Value { .. } => "value",
            Self::Setpoint(_) => "setpoint",
            Self::Dispense(_) => "dispense",
            Self::Stop => "stop",
            Self::Print => "print",
            Self::Fault(Fault::Unstable(_)) => "fault unstable",
            Self::Fault(Fault::Overload(_)) => "fault overload",
            Self::Fault(Fault::Silent(_)) => "fault silent",
            Self::Fault(Fault::Garbage) => "fault garbage",
            Self::Fault(Fault::Crc(_)) => "fault crc",
            Self::Disconnect(_) => "disconnect",
            Self::Quit => "quit",
        }
    }
}

/// A control line that could not be understood; the text says what is expected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct ControlError(pub String);

const USAGE: &str = "expected one of: load <amount>, value <channel> <number>, \
    setpoint <amount>, dispense <flow>, stop, print, fault unstable|overload|silent <duration>, \
    fault garbage, fault crc <n>, disconnect <duration>, quit";

/// Parses one control line (surrounding blanks ignored).
pub fn parse(line: &str) -> Result<Control, ControlError> {
    let line = line.trim();
    let (word, rest) = line.split_once(char::is_whitespace).unwrap_or((line, ""));
    let rest = rest.trim();
    let needs = |what: &str| ControlError(format!("`{word}` needs {what}"));
    let no_argument = |c: Control| {
        if rest.is_empty() {
            Ok(c)
        } else {
            Err(ControlError(format!("`{word}` takes no argument")))
        }
    };
    match word {
        "load" | "setpoint" | "dispense" if rest.is_empty() => Err(needs("an amount, e.g. 200 g")),
        "load" => Amount::parse(rest).map(Control::Load),
        "setpoint" => Amount::parse(rest).map(Control::Setpoint),
        "dispense" => Amount::parse(rest).map(Control::Dispense),
        "value" => {
            let (channel, number) = rest
                .split_once(char::is_whitespace)
                .ok_or_else(|| needs("a channel and a number, e.g. value voltage 1.5"))?;
            Ok(Control::Value {
                channel: channel.to_owned(),
                amount: Amount::parse(number)?,
            })
        }
        "stop" => no_argument(Control::Stop),
        "print" => no_argument(Control::Print),
        "quit" | "exit" => no_argument(Control::Quit),
        "disconnect" => parse_duration(rest).map(Control::Disconnect),
        "fault" => parse_fault(rest).map(Control::Fault),
        "" => Err(ControlError(format!("empty command; {USAGE}"))),
        other => Err(ControlError(format!("unknown command `{other}`; {USAGE}"))),
    }
}

fn parse_fault(rest: &str) -> Result<Fault, ControlError> {
    let (kind, arg) = rest.split_once(char::is_whitespace).unwrap_or((rest, ""));
    let arg = arg.trim();
    match kind {
        "unstable" => parse_duration(arg).map(Fault::Unstable),
        "overload" => parse_duration(arg).map(Fault::Overload),
        "silent" => parse_duration(arg).map(Fault::Silent),
        "garbage" if arg.is_empty() => Ok(Fault::Garbage),
        "crc" => arg
            .parse()
            .map(Fault::Crc)
            .map_err(|_| ControlError(format!("`fault crc` needs a count, got `{arg}`"))),
        _ => Err(ControlError(format!(
            "unknown fault `{rest}`; expected unstable|overload|silent <duration>, garbage, crc <n>"
        ))),
    }
}

/// Parses `5s`, `1.5s`, `1500ms`, `2min`.
pub fn parse_duration(text: &str) -> Result<Duration, ControlError> {
    let t = text.trim();
    let bad = || {
        ControlError(format!(
            "`{t}` is not a duration; write e.g. 5s, 1500ms, 2min"
        ))
    };
    let split = t
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .ok_or_else(bad)?;
    let (number, unit) = t.split_at(split);
    let n: f64 = number.parse().map_err(|_| bad())?;
    let seconds = match unit.trim() {
        "ms" => n / 1000.0,
        "s" => n,
        "min" => n * 60.0,
        _ => return Err(bad()),
    };
    Duration::try_from_secs_f64(seconds).map_err(|_| bad())
}

fn finite(value: f64, text: &str) -> Result<f64, ControlError> {
    if value.is_finite() {
        Ok(value)
    } else {
        Err(ControlError(format!("`{text}` is not a finite number")))
    }
}

/// Parses a script: `<offset> <command>` per line, `#` starts a comment. Every bad line is
/// reported (`line 3: …`), not just the first. Commands come back sorted by offset (stable).
pub fn parse_script(text: &str) -> Result<Vec<(Duration, Control)>, ControlError> {
    let mut steps = Vec::new();
    let mut problems = Vec::new();
    for (i, raw) in text.lines().enumerate() {
        let line = raw.split('#').next().unwrap_or("").trim();
        if line.is_empty() {
            continue;
        }
        let (at, command) = line.split_once(char::is_whitespace).unwrap_or((line, ""));
        match (parse_duration(at), parse(command)) {
            (Ok(at), Ok(c)) => steps.push((at, c)),
            (Err(e), _) | (_, Err(e)) => problems.push(format!("line {}: {e}", i + 1)),
        }
    }
    if problems.is_empty() {
        steps.sort_by_key(|(at, _)| *at);
        Ok(steps)
    } else {
        Err(ControlError(problems.join("\n")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(n: u64) -> Duration {
        Duration::from_millis(n)
    }

    #[test]
    fn every_documented_command_parses() {
        let g = Unit::parse("g").unwrap();
        assert_eq!(
            parse("load 200 g").unwrap(),
            Control::Load(Amount {
                value: 200.0,
                unit: Some(g)
            })
        );
        assert_eq!(
            parse("value voltage 1.5").unwrap(),
            Control::Value {
                channel: "voltage".into(),
                amount: Amount {
                    value: 1.5,
                    unit: None
                }
            }
        );
        assert!(matches!(parse("setpoint 500 kPa"), Ok(Control::Setpoint(a)) if a.value == 500.0));
        assert!(
            matches!(parse("dispense 40 L/min"), Ok(Control::Dispense(a))
            if a.unit.map(Unit::symbol) == Some("L/min"))
        );
        assert_eq!(parse("stop").unwrap(), Control::Stop);
        assert_eq!(parse("  print ").unwrap(), Control::Print);
        assert_eq!(
            parse("fault unstable 5s").unwrap(),
            Control::Fault(Fault::Unstable(ms(5000)))
        );
        assert_eq!(
            parse("fault overload 3s").unwrap(),
            Control::Fault(Fault::Overload(ms(3000)))
        );
        assert_eq!(
            parse("fault silent 1500ms").unwrap(),
            Control::Fault(Fault::Silent(ms(1500)))
        );
        assert_eq!(
            parse("fault garbage").unwrap(),
            Control::Fault(Fault::Garbage)
        );
        assert_eq!(parse("fault crc 3").unwrap(), Control::Fault(Fault::Crc(3)));
        assert_eq!(
            parse("disconnect 2s").unwrap(),
            Control::Disconnect(ms(2000))
        );
        assert_eq!(parse("quit").unwrap(), Control::Quit);
    }

    #[test]
    fn mistakes_say_what_is_expected() {
        assert!(parse("load").unwrap_err().0.contains("needs an amount"));
        assert!(parse("load twelve g").is_err());
        assert!(parse("fault unstable").unwrap_err().0.contains("duration"));
        assert!(parse("fault crc many").unwrap_err().0.contains("count"));
        assert!(
            parse("dance")
                .unwrap_err()
                .0
                .contains("unknown command `dance`")
        );
        assert!(
            parse("print now")
                .unwrap_err()
                .0
                .contains("takes no argument")
        );
        assert!(parse("disconnect 2 parsecs").is_err());
    }

    #[test]
    fn durations_take_ms_s_and_min() {
        assert_eq!(parse_duration("1500ms").unwrap(), ms(1500));
        assert_eq!(parse_duration("1.5s").unwrap(), ms(1500));
        assert_eq!(parse_duration("2min").unwrap(), ms(120_000));
        assert!(parse_duration("5").is_err());
        assert!(parse_duration("-1s").is_err());
    }

    #[test]
    fn amounts_convert_to_the_device_unit() {
        let kpa = Unit::parse("kPa").unwrap();
        assert_eq!(
            Amount::parse("5 bar").unwrap().value_in(kpa).unwrap(),
            500.0
        );
        assert_eq!(Amount::parse("42").unwrap().value_in(kpa).unwrap(), 42.0);
        assert!(
            Amount::parse("5 g")
                .unwrap()
                .value_in(kpa)
                .unwrap_err()
                .0
                .contains("different kinds")
        );
    }

    #[test]
    fn a_script_is_sorted_and_reports_every_bad_line() {
        let steps =
            parse_script("# demo\n2s load 100 g\n0s load 0 g # tare first\n\n5s print\n").unwrap();
        let offsets: Vec<_> = steps.iter().map(|(at, _)| *at).collect();
        assert_eq!(offsets, vec![ms(0), ms(2000), ms(5000)]);
        let err = parse_script("1s load 1 g\nsoon print\n3s dance\n").unwrap_err();
        assert_eq!(err.0.lines().count(), 2);
        assert!(err.0.starts_with("line 2:"));
        assert!(err.0.contains("line 3:"));
    }
}
