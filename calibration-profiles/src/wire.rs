//! The contract between the bridge and the server. Versioned in the URL (`/api/v1/...`); a
//! change that an old bridge could not send or an old server could not read is a new module.

/// Version 1: `POST /api/v1/readings`.
pub mod v1 {
    use chrono::{DateTime, Utc};
    use serde::{Deserialize, Serialize};
    use uuid::Uuid;

    use crate::problems::Problems;
    use crate::units::Unit;

    /// What the device sent, kept verbatim so a result can be traced to its bytes.
    #[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
    #[serde(rename_all = "snake_case", deny_unknown_fields)]
    pub enum Raw {
        /// A text line of a serial protocol, without its line ending.
        Text(String),
        /// Modbus registers as read, in wire order.
        Words(Vec<u16>),
    }

    /// One reading as captured by the bridge.
    #[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
    #[serde(deny_unknown_fields)]
    pub struct Reading {
        /// UUIDv7 made at capture time; the idempotency key of the whole pipeline.
        pub reading_id: Uuid,
        /// The instrument (bridge device) that produced the reading, as configured on the bridge.
        pub device_id: String,
        /// Channel of the device profile, e.g. `mass` or `pressure`.
        pub channel: String,
        /// The value with the digits the instrument gave (e.g. `"100.0000"`).
        pub value: String,
        /// Unit symbol as understood by [`Unit::parse`].
        pub unit: String,
        pub stable: bool,
        pub raw: Raw,
        pub captured_at: DateTime<Utc>,
    }

    /// A batch from one bridge; its readings may come from several of its devices.
    #[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
    #[serde(deny_unknown_fields)]
    pub struct ReadingBatch {
        /// The bridge the token belongs to.
        pub bridge_id: String,
        pub readings: Vec<Reading>,
    }

    /// One rejected item of a batch.
    #[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
    #[serde(deny_unknown_fields)]
    pub struct Rejected {
        pub index: usize,
        pub reading_id: Option<Uuid>,
        pub problems: Vec<String>,
    }

    /// The server's answer: how many were stored now, how many it already had, and the items it
    /// refused with their reasons. A bridge deletes from its outbox exactly the accepted and
    /// duplicate ids.
    #[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
    #[serde(deny_unknown_fields)]
    pub struct BatchAck {
        pub accepted: usize,
        pub duplicates: usize,
        pub rejected: Vec<Rejected>,
    }

    /// Most readings one batch may carry.
    pub const MAX_BATCH: usize = 5000;

    impl Reading {
        /// Checks one reading: a version-7 id, a channel name, a finite decimal value and a
        /// known unit. Returns the parsed value.
        pub fn validate(&self) -> Result<f64, Problems> {
            let mut p = Problems::default();
            if self.reading_id.get_version_num() != 7 {
                p.at(
                    "reading_id",
                    "must be a UUID version 7 made at capture time",
                );
            }
            if !is_identifier(&self.device_id) {
                p.at(
                    "device_id",
                    "must be a device id: lowercase letters, digits, `-` and `_`",
                );
            }
            if self.channel.is_empty()
                || !self
                    .channel
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '-')
            {
                p.at(
                    "channel",
                    "must be a lowercase channel name from the device profile",
                );
            }
            let value = self
                .value
                .trim()
                .parse::<f64>()
                .ok()
                .filter(|v| v.is_finite());
            if value.is_none() {
                p.at(
                    "value",
                    format!("`{}` is not a finite decimal number", self.value),
                );
            }
            if let Err(e) = Unit::parse(&self.unit) {
                p.at("unit", e.to_string());
            }
            match &self.raw {
                Raw::Text(t) if t.len() > 4096 => p.at("raw.text", "longer than 4096 bytes"),
                Raw::Words(w) if w.is_empty() || w.len() > 125 => {
                    p.at("raw.words", "must hold 1 to 125 registers");
                }
                _ => {}
            }
            p.into_result(value.unwrap_or_default())
        }
    }

    /// Lowercase letters, digits, `-` and `_`, 1 to 64 characters.
    #[must_use]
    pub fn is_identifier(s: &str) -> bool {
        !s.is_empty()
            && s.len() <= 64
            && s.chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_')
    }

    #[cfg(test)]
    mod tests {
        use super::*;

        fn reading() -> Reading {
            Reading {
                reading_id: Uuid::now_v7(),
                device_id: "balance-1".into(),
                channel: "mass".into(),
                value: "100.0000".into(),
                unit: "g".into(),
                stable: true,
                raw: Raw::Text("S S   100.0000 g".into()),
                captured_at: Utc::now(),
            }
        }

        #[test]
        fn a_batch_round_trips_through_json() {
            let b = ReadingBatch {
                bridge_id: "bench-1".into(),
                readings: vec![reading()],
            };
            let text = serde_json::to_string(&b).unwrap();
            assert!(text.contains("\"raw\":{\"text\":\"S S   100.0000 g\"}"));
            assert_eq!(serde_json::from_str::<ReadingBatch>(&text).unwrap(), b);
        }

        #[test]
        fn validation_names_every_bad_field() {
            let mut r = reading();
            r.reading_id = Uuid::nil();
            r.device_id = "Balance 1".into();
            r.value = "12,5".into();
            r.unit = "gr".into();
            let p = r.validate().unwrap_err();
            let paths: Vec<&str> = p.iter().map(|p| p.path.as_str()).collect();
            assert_eq!(paths, ["reading_id", "device_id", "value", "unit"]);
            assert_eq!(reading().validate().unwrap(), 100.0);
        }
    }
}
