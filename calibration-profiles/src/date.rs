//! Calendar dates in data files: a TOML date (`2024-10-15`) or a string in the same form, so
//! the same types load from TOML profiles and from JSON.

use std::fmt;

use chrono::NaiveDate;
use serde::de::{self, MapAccess, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A date without time or zone (legal effective dates, certificate dates).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date(pub NaiveDate);

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0.format("%Y-%m-%d"))
    }
}

impl Serialize for Date {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

fn parse<E: de::Error>(s: &str) -> Result<Date, E> {
    NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d")
        .map(Date)
        .map_err(|_| E::custom(format!("`{s}` is not a date in the form YYYY-MM-DD")))
}

impl<'de> Deserialize<'de> for Date {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Date;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a date YYYY-MM-DD")
            }
            fn visit_str<E: de::Error>(self, s: &str) -> Result<Date, E> {
                parse(s)
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Date, A::Error> {
                // TOML's own date type arrives as a map; it must be a plain local date.
                let dt =
                    toml::value::Datetime::deserialize(de::value::MapAccessDeserializer::new(map))?;
                if dt.time.is_some() || dt.offset.is_some() {
                    return Err(de::Error::custom(format!(
                        "`{dt}` must be a date without a time"
                    )));
                }
                parse(&dt.to_string())
            }
        }
        d.deserialize_any(V)
    }
}

impl schemars::JsonSchema for Date {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Date".into()
    }
    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({ "type": "string", "format": "date" })
    }
}
