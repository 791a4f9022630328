//! Line protocols (MT-SICS, SBI, A&D, SCPI, generic): every received line is classified by the
//! first response pattern of the profile that matches it, so unsolicited lines (the operator
//! pressed PRINT, a streaming `SIR`) decode exactly like answers.

use calibration_profiles::profile::Instrument;
use calibration_profiles::profile::instrument::Outcome;
use calibration_profiles::units::Unit;

use super::CodecError;

/// A device fault reported in the protocol: record it, do not hammer the device.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    Overload,
    Underload,
    Busy,
    DeviceError,
}

/// A measured value as the device gave it.
#[derive(Debug, Clone, PartialEq)]
pub struct Reading {
    pub channel: String,
    /// The number with the digits the device sent (sign kept, padding removed).
    pub value_text: String,
    pub value: f64,
    pub unit: Unit,
    pub stable: bool,
    /// The whole line, verbatim.
    pub raw: String,
}

/// What a line means.
#[derive(Debug, Clone, PartialEq)]
pub enum Decoded {
    Reading(Reading),
    Fault {
        fault: Fault,
        text: Option<String>,
        raw: String,
    },
    Identity {
        text: String,
        raw: String,
    },
    Ack {
        raw: String,
    },
}

/// Decodes lines for one instrument profile.
#[derive(Debug, Clone)]
pub struct LineCodec {
    instrument: Instrument,
}

impl LineCodec {
    #[must_use]
    pub fn new(instrument: Instrument) -> Self {
        Self { instrument }
    }

    #[must_use]
    pub fn instrument(&self) -> &Instrument {
        &self.instrument
    }

    /// The bytes to send for the profile's command `name`, line ending included.
    #[must_use]
    pub fn command_bytes(&self, name: &str) -> Option<Vec<u8>> {
        let cmd = self.instrument.command(name)?;
        let ending = self
            .instrument
            .profile
            .serial
            .as_ref()
            .and_then(|s| s.line_ending.clone())
            .unwrap_or_default();
        Some(format!("{}{ending}", cmd.send).into_bytes())
    }

    /// Classifies one line (without its terminator). `pending_channel` is the channel of the
    /// command last sent, for replies that do not name their channel (SCPI measurements).
    pub fn decode(&self, line: &str, pending_channel: Option<&str>) -> Result<Decoded, CodecError> {
        let raw = line.to_owned();
        let rules = self
            .instrument
            .profile
            .responses
            .iter()
            .zip(&self.instrument.patterns);
        for (rule, re) in rules {
            let Some(caps) = re.captures(line) else {
                continue;
            };
            let text = caps.name("text").map(|m| m.as_str().trim().to_owned());
            let fault = |fault| {
                Ok(Decoded::Fault {
                    fault,
                    text: text.clone(),
                    raw: raw.clone(),
                })
            };
            return match rule.outcome {
                Outcome::Overload => fault(Fault::Overload),
                Outcome::Underload => fault(Fault::Underload),
                Outcome::Busy => fault(Fault::Busy),
                Outcome::Error => fault(Fault::DeviceError),
                Outcome::Ack => Ok(Decoded::Ack { raw }),
                Outcome::Identity => Ok(Decoded::Identity {
                    text: text.unwrap_or_else(|| line.trim().to_owned()),
                    raw,
                }),
                Outcome::Reading => {
                    let channel_name = rule
                        .channel
                        .as_deref()
                        .or(pending_channel)
                        .or_else(|| {
                            let chans = &self.instrument.profile.channels;
                            (chans.len() == 1).then(|| chans[0].name.as_str())
                        })
                        .ok_or_else(|| CodecError::NoChannel { raw: raw.clone() })?;
                    let channel = self
                        .instrument
                        .channel(channel_name)
                        .ok_or_else(|| CodecError::NoChannel { raw: raw.clone() })?;
                    let value_raw = caps.name("value").map_or("", |m| m.as_str());
                    let value_text = normalise_number(value_raw);
                    let value: f64 = value_text
                        .parse()
                        .ok()
                        .filter(|v: &f64| v.is_finite())
                        .ok_or_else(|| CodecError::BadValue {
                            value: value_raw.to_owned(),
                            raw: raw.clone(),
                        })?;
                    let unit = match caps.name("unit").map(|m| m.as_str().trim()) {
                        Some(symbol) if !symbol.is_empty() => {
                            let wrong = || CodecError::WrongUnit {
                                unit: symbol.to_owned(),
                                channel: channel.name.clone(),
                                expected: format!("{:?}", channel.quantity),
                                raw: raw.clone(),
                            };
                            let u = Unit::parse(symbol).map_err(|_| wrong())?;
                            if u.kind() != channel.quantity {
                                return Err(wrong());
                            }
                            u
                        }
                        _ => channel.unit,
                    };
                    let stable = match (&rule.stable, &rule.stable_group, &rule.stable_values) {
                        (Some(s), _, _) => *s,
                        (None, Some(group), Some(values)) => caps
                            .name(group)
                            .is_some_and(|m| values.iter().any(|v| v == m.as_str())),
                        _ => false,
                    };
                    Ok(Decoded::Reading(Reading {
                        channel: channel.name.clone(),
                        value_text,
                        value,
                        unit,
                        stable,
                        raw,
                    }))
                }
            };
        }
        Err(CodecError::Unrecognised {
            profile: self.instrument.profile.id.clone(),
            raw,
        })
    }
}

/// Removes padding from a number as devices print it, keeping its digits: spaces between sign
/// and digits (SBI), a `+` sign, and leading zeros of the integer part (A&D `+00123.45`).
fn normalise_number(s: &str) -> String {
    let compact: String = s.chars().filter(|c| !c.is_whitespace()).collect();
    let (sign, rest) = match compact.strip_prefix('-') {
        Some(r) => ("-", r),
        None => ("", compact.strip_prefix('+').unwrap_or(&compact)),
    };
    let trimmed = rest.trim_start_matches('0');
    let body = if trimmed.is_empty() || trimmed.starts_with(['.', 'e', 'E']) {
        format!("0{trimmed}")
    } else {
        trimmed.to_owned()
    };
    format!("{sign}{body}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn codec(file: &str) -> LineCodec {
        let path = format!(
            "{}/../calibration-profiles/instruments/{file}",
            env!("CARGO_MANIFEST_DIR")
        );
        let text = std::fs::read_to_string(&path).unwrap();
        LineCodec::new(Instrument::from_toml(&text).unwrap())
    }

    fn reading(c: &LineCodec, line: &str, pending: Option<&str>) -> Reading {
        match c.decode(line, pending).unwrap() {
            Decoded::Reading(r) => r,
            other => panic!("{line:?} decoded as {other:?}"),
        }
    }

    /// hardware-docs/mettler-toledo-mt-sics/README.md, "Example bytes".
    #[test]
    fn mt_sics_stable_dynamic_and_faults() {
        let c = codec("mettler-toledo-mt-sics.toml");
        let r = reading(&c, "S S   100.0000 g", None);
        assert_eq!(
            (r.value_text.as_str(), r.value, r.unit.symbol(), r.stable),
            ("100.0000", 100.0, "g", true)
        );
        let r = reading(&c, "S D    99.9986 g", None);
        assert!(!r.stable);
        assert_eq!(reading(&c, "S S    -0.0003 g", None).value_text, "-0.0003");
        assert!(matches!(
            c.decode("S +", None),
            Ok(Decoded::Fault {
                fault: Fault::Overload,
                ..
            })
        ));
        assert!(matches!(
            c.decode("S -", None),
            Ok(Decoded::Fault {
                fault: Fault::Underload,
                ..
            })
        ));
        assert!(matches!(
            c.decode("ES", None),
            Ok(Decoded::Fault {
                fault: Fault::DeviceError,
                ..
            })
        ));
        match c.decode("I4 A \"B021002593\"", None).unwrap() {
            Decoded::Identity { text, .. } => assert_eq!(text, "B021002593"),
            other => panic!("{other:?}"),
        }
        assert_eq!(c.command_bytes("read_stable").unwrap(), b"S\r\n");
    }

    /// hardware-docs/sartorius-sbi/README.md: the unit is blank while unstable; the value may
    /// hold spaces between sign and digits.
    #[test]
    fn sbi_stability_from_the_unit_and_padded_values() {
        let c = codec("sartorius-sbi.toml");
        let r = reading(&c, "+ 100.0000 g  ", None);
        assert_eq!((r.value_text.as_str(), r.stable), ("100.0000", true));
        let r = reading(&c, "+ 100.0012    ", None);
        assert!(!r.stable);
        assert_eq!(r.unit.symbol(), "g");
        assert_eq!(reading(&c, "-   0.0003 g  ", None).value_text, "-0.0003");
        assert_eq!(reading(&c, "N     + 100.0000 g  ", None).value, 100.0);
        assert!(matches!(
            c.decode("      High    ", None),
            Ok(Decoded::Fault {
                fault: Fault::Overload,
                ..
            })
        ));
        assert_eq!(c.command_bytes("read_immediate").unwrap(), b"\x1bP\r\n");
    }

    /// hardware-docs/and-gx-a/README.md: ST/US headers decide stability; OL is overload.
    #[test]
    fn and_headers_decide_stability() {
        let c = codec("and-gx-a.toml");
        let r = reading(&c, "ST,+00123.45  g", None);
        assert_eq!((r.value_text.as_str(), r.stable), ("123.45", true));
        assert!(!reading(&c, "US,+00123.47  g", None).stable);
        assert_eq!(reading(&c, "ST,-00000.02  g", None).value_text, "-0.02");
        assert!(matches!(
            c.decode("OL,+9999999E+19", None),
            Ok(Decoded::Fault {
                fault: Fault::Overload,
                ..
            })
        ));
        assert!(matches!(c.decode("\u{6}", None), Ok(Decoded::Ack { .. })));
    }

    /// hardware-docs/keysight-34401a-scpi/README.md: readings name no channel; the command sent
    /// does.
    #[test]
    fn scpi_readings_take_the_channel_of_the_command() {
        let c = codec("keysight-34401a-scpi.toml");
        let r = reading(&c, "+1.00000120E+01", Some("dc_voltage"));
        assert_eq!(
            (r.channel.as_str(), r.value_text.as_str(), r.unit.symbol()),
            ("dc_voltage", "1.00000120E+01", "V")
        );
        assert!((r.value - 10.000_012).abs() < 1e-12);
        let r = reading(&c, "+9.99987600E+01", Some("resistance"));
        assert_eq!(r.unit.symbol(), "Ω");
        assert!(matches!(
            c.decode("+9.90000000E+37", Some("dc_voltage")),
            Ok(Decoded::Fault {
                fault: Fault::Overload,
                ..
            })
        ));
        assert!(matches!(
            c.decode("+1.00000120E+01", None),
            Err(CodecError::NoChannel { .. })
        ));
    }

    #[test]
    fn garbage_and_wrong_units_are_protocol_errors() {
        let c = codec("mettler-toledo-mt-sics.toml");
        assert!(matches!(
            c.decode("\u{0}\u{7f}zz", None),
            Err(CodecError::Unrecognised { .. })
        ));
        assert!(matches!(
            c.decode("S S   100.0000 kPa", None),
            Err(CodecError::WrongUnit { .. })
        ));
        assert!(matches!(
            c.decode("S S   100.0000 lb", None),
            Err(CodecError::WrongUnit { .. })
        ));
        assert!(matches!(
            c.decode("S S   1.0.0 g", None),
            Err(CodecError::Unrecognised { .. } | CodecError::BadValue { .. })
        ));
    }

    #[test]
    fn numbers_keep_their_digits() {
        assert_eq!(normalise_number("+00123.450"), "123.450");
        assert_eq!(normalise_number("- 0.0003"), "-0.0003");
        assert_eq!(normalise_number("+000.00"), "0.00");
        assert_eq!(normalise_number("-1.5E-03"), "-1.5E-03");
    }
}
