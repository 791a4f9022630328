//! Sans-IO codecs: bytes or registers in, engineering values out.
//!
//! - [`framing`]: splits a serial byte stream into lines, resynchronising after garbage.
//! - [`line`]: classifies a line with the profile's response patterns (readings, faults,
//!   identities, acknowledgements).
//! - [`modbus`]: decodes and encodes register words per the profile's register map.
//!
//! Errors say what the caller does about them: a [`CodecError`] is a *protocol* fault (skip
//! the line or frame, resynchronise, retry); device faults (overload, error replies) are not
//! errors but [`line::Decoded::Fault`] values to record.

pub mod framing;
pub mod line;
pub mod modbus;

/// A protocol fault: the bytes do not make sense under the profile. Skip and resynchronise.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum CodecError {
    #[error("line not recognised by any response pattern of `{profile}`: {raw:?}")]
    Unrecognised { profile: String, raw: String },
    #[error("value `{value}` in {raw:?} is not a number")]
    BadValue { value: String, raw: String },
    #[error("unit `{unit}` in {raw:?} is not a unit of channel `{channel}` ({expected})")]
    WrongUnit {
        unit: String,
        channel: String,
        expected: String,
        raw: String,
    },
    #[error("reading {raw:?} names no channel and no command is pending")]
    NoChannel { raw: String },
    #[error("line longer than {max} bytes without a line ending; discarded to resynchronise")]
    Overlong { max: usize },
    #[error("line is not valid text: {raw:?}")]
    NotText { raw: Vec<u8> },
    #[error("register `{channel}` needs {needed} words, got {got}")]
    WordCount {
        channel: String,
        needed: usize,
        got: usize,
    },
    #[error("register `{channel}` holds {value}, not a finite number")]
    NotFinite { channel: String, value: f64 },
    #[error("value {value} does not fit register `{channel}` ({data_type})")]
    OutOfRange {
        channel: String,
        value: f64,
        data_type: String,
    },
}
