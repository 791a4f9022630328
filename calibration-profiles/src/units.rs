//! Quantities and units used in the Centre's laboratories.
//!
//! A [`Unit`] belongs to one [`QuantityKind`] and converts to that kind's coherent SI unit by a
//! factor (and, for temperature scales, an offset). The factors are the exact defining values
//! (e.g. 1 mmHg = 133.322 387 415 Pa, 1 psi = 0.453 592 37 kg × 9.806 65 m/s² / (0.0254 m)²), held
//! as the nearest `f64`. Converting between units of different kinds is an error, never a guess.
//!
//! Two conversions exist because temperature is an interval scale: [`Unit::convert_value`]
//! applies offsets (25 °C → 298.15 K) while [`Unit::convert_interval`] does not (an uncertainty of
//! 0.1 °C is 0.1 K).

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// The kind of quantity a unit measures. Units convert only within one kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum QuantityKind {
    Mass,
    Volume,
    Pressure,
    Temperature,
    Voltage,
    Current,
    Resistance,
    Frequency,
    Length,
    Time,
    Humidity,
    Speed,
    Angle,
    Energy,
    Flow,
    Ratio,
    Count,
}

impl QuantityKind {
    /// Symbol of the coherent SI unit the kind converts through.
    #[must_use]
    pub fn base_symbol(self) -> &'static str {
        match self {
            Self::Mass => "kg",
            Self::Volume => "m³",
            Self::Pressure => "Pa",
            Self::Temperature => "K",
            Self::Voltage => "V",
            Self::Current => "A",
            Self::Resistance => "\u{3a9}",
            Self::Frequency => "Hz",
            Self::Length => "m",
            Self::Time => "s",
            Self::Humidity => "%RH",
            Self::Speed => "m/s",
            Self::Angle => "rad",
            Self::Energy => "J",
            Self::Flow => "m³/s",
            Self::Ratio => "1",
            Self::Count => "",
        }
    }
}

/// One unit: its canonical symbol, kind, and the affine map to the kind's SI unit
/// (`si = value * factor + offset`).
#[derive(Debug, PartialEq)]
pub struct UnitDef {
    pub symbol: &'static str,
    pub kind: QuantityKind,
    pub factor: f64,
    pub offset: f64,
    /// Other spellings accepted when parsing (ASCII forms, micro sign variants).
    pub aliases: &'static [&'static str],
}

/// A unit, cheap to copy; compares by identity of its definition.
#[derive(Clone, Copy, PartialEq)]
pub struct Unit(&'static UnitDef);

const fn def(
    symbol: &'static str,
    kind: QuantityKind,
    factor: f64,
    aliases: &'static [&'static str],
) -> UnitDef {
    UnitDef {
        symbol,
        kind,
        factor,
        offset: 0.0,
        aliases,
    }
}

use QuantityKind as K;

/// 1 mmHg = 13.5951 g/cm³ × 9.806 65 m/s² × 1 mm, by convention exactly 133.322 387 415 Pa.
const MMHG_PA: f64 = 133.322_387_415;
/// 1 psi = 1 lbf/in² = 0.453 592 37 kg × 9.806 65 m/s² / (0.0254 m)² (exact definitions).
const PSI_PA: f64 = 0.453_592_37 * 9.806_65 / (0.0254 * 0.0254);
/// 1 kgf/cm² (technical atmosphere) = 9.806 65 N / 1 cm² = 98 066.5 Pa exactly.
const AT_PA: f64 = 98_066.5;

/// Every unit the system accepts. Keep symbols unique; aliases must not collide either
/// (checked by a unit test).
static UNITS: &[UnitDef] = &[
    // mass
    def("µg", K::Mass, 1e-9, &["μg", "ug"]),
    def("mg", K::Mass, 1e-6, &[]),
    def("g", K::Mass, 1e-3, &[]),
    def("kg", K::Mass, 1.0, &[]),
    def("t", K::Mass, 1e3, &[]),
    // volume
    def("µL", K::Volume, 1e-9, &["μL", "uL", "µl", "ul"]),
    def("mL", K::Volume, 1e-6, &["ml"]),
    def("L", K::Volume, 1e-3, &["l", "dm³", "dm3"]),
    def("cm³", K::Volume, 1e-6, &["cm3"]),
    def("m³", K::Volume, 1.0, &["m3"]),
    // pressure
    def("Pa", K::Pressure, 1.0, &[]),
    def("hPa", K::Pressure, 1e2, &[]),
    def("kPa", K::Pressure, 1e3, &[]),
    def("MPa", K::Pressure, 1e6, &[]),
    def("mbar", K::Pressure, 1e2, &[]),
    def("bar", K::Pressure, 1e5, &[]),
    def("mmHg", K::Pressure, MMHG_PA, &[]),
    def("psi", K::Pressure, PSI_PA, &[]),
    def("kgf/cm²", K::Pressure, AT_PA, &["kgf/cm2", "at"]),
    // temperature (offset scales handled in `convert_value`)
    def("K", K::Temperature, 1.0, &[]),
    UnitDef {
        symbol: "°C",
        kind: K::Temperature,
        factor: 1.0,
        offset: 273.15,
        aliases: &["℃", "degC", "oC"],
    },
    // electrical
    def("µV", K::Voltage, 1e-6, &["μV", "uV"]),
    def("mV", K::Voltage, 1e-3, &[]),
    def("V", K::Voltage, 1.0, &[]),
    def("kV", K::Voltage, 1e3, &[]),
    def("µA", K::Current, 1e-6, &["μA", "uA"]),
    def("mA", K::Current, 1e-3, &[]),
    def("A", K::Current, 1.0, &[]),
    def("m\u{3a9}", K::Resistance, 1e-3, &["m\u{2126}", "mohm"]),
    def("\u{3a9}", K::Resistance, 1.0, &["\u{2126}", "ohm"]),
    def("k\u{3a9}", K::Resistance, 1e3, &["k\u{2126}", "kohm"]),
    def("M\u{3a9}", K::Resistance, 1e6, &["M\u{2126}", "Mohm"]),
    def("G\u{3a9}", K::Resistance, 1e9, &["G\u{2126}", "Gohm"]),
    def("Hz", K::Frequency, 1.0, &[]),
    def("kHz", K::Frequency, 1e3, &[]),
    def("MHz", K::Frequency, 1e6, &[]),
    // length
    def("nm", K::Length, 1e-9, &[]),
    def("µm", K::Length, 1e-6, &["μm", "um"]),
    def("mm", K::Length, 1e-3, &[]),
    def("cm", K::Length, 1e-2, &[]),
    def("m", K::Length, 1.0, &[]),
    def("km", K::Length, 1e3, &[]),
    // time
    def("ms", K::Time, 1e-3, &[]),
    def("s", K::Time, 1.0, &[]),
    def("min", K::Time, 60.0, &[]),
    def("h", K::Time, 3600.0, &[]),
    // humidity, speed, angle, energy, flow, ratios, counts
    def("%RH", K::Humidity, 1.0, &["% RH", "%rh"]),
    def("m/s", K::Speed, 1.0, &[]),
    def("km/h", K::Speed, 1.0 / 3.6, &["kmh"]),
    def("rad", K::Angle, 1.0, &[]),
    def("°", K::Angle, std::f64::consts::PI / 180.0, &["deg"]),
    def("J", K::Energy, 1.0, &[]),
    def("Wh", K::Energy, 3.6e3, &[]),
    def("kWh", K::Energy, 3.6e6, &[]),
    def("L/min", K::Flow, 1e-3 / 60.0, &["l/min"]),
    def("L/h", K::Flow, 1e-3 / 3600.0, &["l/h"]),
    def("m³/h", K::Flow, 1.0 / 3600.0, &["m3/h"]),
    def("1", K::Ratio, 1.0, &[]),
    def("%", K::Ratio, 1e-2, &[]),
    def("ppm", K::Ratio, 1e-6, &[]),
    def("", K::Count, 1.0, &["pcs", "count"]),
];

/// Why a unit or quantity could not be used.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum UnitError {
    #[error("unknown unit '{0}'")]
    Unknown(String),
    #[error(
        "cannot convert {from} ({from_kind:?}) to {to} ({to_kind:?}): different kinds of quantity"
    )]
    Incompatible {
        from: &'static str,
        from_kind: QuantityKind,
        to: &'static str,
        to_kind: QuantityKind,
    },
    #[error("'{0}' is not a quantity: expected a number followed by a unit, e.g. \"250 g\"")]
    NotAQuantity(String),
}

impl Unit {
    /// Parses a unit symbol (or an accepted alias).
    ///
    /// ```
    /// use calibration_profiles::units::{QuantityKind, Unit};
    /// assert_eq!(Unit::parse("kPa").unwrap().kind(), QuantityKind::Pressure);
    /// assert_eq!(Unit::parse("ohm").unwrap().symbol(), "Ω");
    /// assert!(Unit::parse("furlong").is_err());
    /// ```
    pub fn parse(symbol: &str) -> Result<Self, UnitError> {
        let s = symbol.trim();
        UNITS
            .iter()
            .find(|u| u.symbol == s || u.aliases.contains(&s))
            .map(Unit)
            .ok_or_else(|| UnitError::Unknown(s.to_owned()))
    }

    #[must_use]
    pub fn symbol(self) -> &'static str {
        self.0.symbol
    }

    #[must_use]
    pub fn kind(self) -> QuantityKind {
        self.0.kind
    }

    /// Every known unit, for listings and schemas.
    pub fn all() -> impl Iterator<Item = Unit> {
        UNITS.iter().map(Unit)
    }

    fn check_kind(self, to: Unit) -> Result<(), UnitError> {
        if self.kind() == to.kind() {
            Ok(())
        } else {
            Err(UnitError::Incompatible {
                from: self.symbol(),
                from_kind: self.kind(),
                to: to.symbol(),
                to_kind: to.kind(),
            })
        }
    }

    /// Converts a value on this unit's scale to `to` (offsets applied).
    ///
    /// ```
    /// use calibration_profiles::units::Unit;
    /// let c = Unit::parse("°C").unwrap();
    /// let k = Unit::parse("K").unwrap();
    /// assert!((c.convert_value(25.0, k).unwrap() - 298.15).abs() < 1e-12);
    /// let mmhg = Unit::parse("mmHg").unwrap();
    /// let kpa = Unit::parse("kPa").unwrap();
    /// assert!((mmhg.convert_value(300.0, kpa).unwrap() - 39.996_716_2245).abs() < 1e-9);
    /// assert!(mmhg.convert_value(1.0, Unit::parse("g").unwrap()).is_err());
    /// ```
    pub fn convert_value(self, value: f64, to: Unit) -> Result<f64, UnitError> {
        self.check_kind(to)?;
        if std::ptr::eq(self.0, to.0) {
            return Ok(value);
        }
        let si = value * self.0.factor + self.0.offset;
        Ok((si - to.0.offset) / to.0.factor)
    }

    /// Converts a difference or an uncertainty (no offsets): 0.1 °C → 0.1 K.
    pub fn convert_interval(self, value: f64, to: Unit) -> Result<f64, UnitError> {
        self.check_kind(to)?;
        if std::ptr::eq(self.0, to.0) {
            return Ok(value);
        }
        Ok(value * self.0.factor / to.0.factor)
    }
}

impl fmt::Debug for Unit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Unit({})", self.0.symbol)
    }
}

impl fmt::Display for Unit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0.symbol)
    }
}

impl FromStr for Unit {
    type Err = UnitError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Unit::parse(s)
    }
}

impl Serialize for Unit {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.symbol())
    }
}

impl<'de> Deserialize<'de> for Unit {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Unit::parse(&s).map_err(serde::de::Error::custom)
    }
}

/// A value with its unit, e.g. "250 g". The text form keeps what the person wrote; the
/// number of decimals given is available through [`Quantity::decimals`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Quantity {
    pub value: f64,
    pub unit: Unit,
    decimals: u8,
}

impl Quantity {
    #[must_use]
    pub fn new(value: f64, unit: Unit) -> Self {
        Self {
            value,
            unit,
            decimals: 0,
        }
    }

    /// Parses "250 g", "-0.5mg", "1.2e3 kPa", "25 °C". The number must come first.
    ///
    /// ```
    /// use calibration_profiles::units::Quantity;
    /// let q = Quantity::parse("1200.5 g").unwrap();
    /// assert_eq!(q.value, 1200.5);
    /// assert_eq!(q.unit.symbol(), "g");
    /// assert_eq!(q.decimals(), 1);
    /// assert!((q.in_unit("kg").unwrap() - 1.2005).abs() < 1e-12);
    /// assert!(Quantity::parse("twelve g").is_err());
    /// ```
    pub fn parse(text: &str) -> Result<Self, UnitError> {
        let t = text.trim();
        let end = number_prefix_len(t);
        if end == 0 {
            return Err(UnitError::NotAQuantity(t.to_owned()));
        }
        let (num, rest) = t.split_at(end);
        let value: f64 = num
            .parse()
            .map_err(|_| UnitError::NotAQuantity(t.to_owned()))?;
        if !value.is_finite() {
            return Err(UnitError::NotAQuantity(t.to_owned()));
        }
        let unit = Unit::parse(rest)?;
        let decimals = num
            .split(['e', 'E'])
            .next()
            .and_then(|m| m.split_once('.'))
            .map_or(0, |(_, frac)| u8::try_from(frac.len()).unwrap_or(u8::MAX));
        Ok(Self {
            value,
            unit,
            decimals,
        })
    }

    /// Digits after the decimal point in the text this quantity was parsed from.
    #[must_use]
    pub fn decimals(&self) -> u8 {
        self.decimals
    }

    /// The value expressed in another unit of the same kind.
    pub fn in_unit(&self, symbol: &str) -> Result<f64, UnitError> {
        self.unit.convert_value(self.value, Unit::parse(symbol)?)
    }

    /// The value converted to `unit` (offsets applied).
    pub fn to(&self, unit: Unit) -> Result<Quantity, UnitError> {
        Ok(Quantity {
            value: self.unit.convert_value(self.value, unit)?,
            unit,
            decimals: self.decimals,
        })
    }
}

/// Length of the leading decimal number (sign, digits, point, exponent) in `t`.
fn number_prefix_len(t: &str) -> usize {
    let b = t.as_bytes();
    let mut i = 0;
    if i < b.len() && (b[i] == b'+' || b[i] == b'-') {
        i += 1;
    }
    let digits_start = i;
    while i < b.len() && (b[i].is_ascii_digit() || b[i] == b'.') {
        i += 1;
    }
    if i == digits_start {
        return 0;
    }
    // An exponent only counts when digits follow; "2 m" must not eat the unit.
    if i < b.len() && (b[i] == b'e' || b[i] == b'E') {
        let mut j = i + 1;
        if j < b.len() && (b[j] == b'+' || b[j] == b'-') {
            j += 1;
        }
        let exp_start = j;
        while j < b.len() && b[j].is_ascii_digit() {
            j += 1;
        }
        if j > exp_start {
            i = j;
        }
    }
    i
}

impl fmt::Display for Quantity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.unit.symbol().is_empty() {
            write!(f, "{}", self.value)
        } else {
            write!(f, "{} {}", self.value, self.unit)
        }
    }
}

impl FromStr for Quantity {
    type Err = UnitError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Quantity::parse(s)
    }
}

impl Serialize for Quantity {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Quantity {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Quantity::parse(&s).map_err(serde::de::Error::custom)
    }
}

impl schemars::JsonSchema for Quantity {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Quantity".into()
    }
    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "type": "string",
            "description": "A number followed by a unit symbol, e.g. \"250 g\" or \"25 °C\".",
            "pattern": r"^\s*[-+]?[0-9.]+([eE][-+]?[0-9]+)?\s*\S*.*$"
        })
    }
}

impl schemars::JsonSchema for Unit {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Unit".into()
    }
    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        let symbols: Vec<&str> = Unit::all().map(Unit::symbol).collect();
        schemars::json_schema!({
            "type": "string",
            "description": "A unit symbol; ASCII aliases such as \"ohm\", \"degC\", \"m3\" are accepted too.",
            "examples": symbols
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn symbols_and_aliases_are_unique() {
        let mut seen = std::collections::HashSet::new();
        for u in UNITS {
            assert!(seen.insert(u.symbol), "duplicate symbol {}", u.symbol);
            for a in u.aliases {
                if *a != u.symbol {
                    assert!(seen.insert(a), "duplicate alias {a}");
                }
            }
        }
    }

    #[test]
    fn exact_defining_factors_hold() {
        let psi = Unit::parse("psi").unwrap();
        let pa = Unit::parse("Pa").unwrap();
        // NIST SP 811: 1 psi = 6.894 757 293 168 E+03 Pa.
        assert!((psi.convert_value(1.0, pa).unwrap() - 6_894.757_293_168).abs() < 1e-9);
        let kmh = Unit::parse("km/h").unwrap();
        let ms = Unit::parse("m/s").unwrap();
        assert!((kmh.convert_value(36.0, ms).unwrap() - 10.0).abs() < 1e-12);
    }

    #[test]
    fn intervals_ignore_temperature_offsets() {
        let c = Unit::parse("°C").unwrap();
        let k = Unit::parse("K").unwrap();
        assert_eq!(c.convert_interval(0.1, k).unwrap(), 0.1);
    }

    #[test]
    fn rejects_a_quantity_without_a_known_unit() {
        assert_eq!(
            Quantity::parse("12 gr"),
            Err(UnitError::Unknown("gr".into()))
        );
        assert!(matches!(
            Quantity::parse("g"),
            Err(UnitError::NotAQuantity(_))
        ));
    }

    #[test]
    fn a_bare_number_is_a_count() {
        let q = Quantity::parse("125").unwrap();
        assert_eq!(q.unit.kind(), QuantityKind::Count);
        assert_eq!(q.to_string(), "125");
    }

    #[test]
    fn an_exponent_needs_digits() {
        let q = Quantity::parse("2e m").unwrap_err();
        assert_eq!(q, UnitError::Unknown("e m".into()));
        assert_eq!(Quantity::parse("2e-3 kg").unwrap().value, 0.002);
    }
}
