//! The bridge between instruments and the server.
//!
//! This crate grows in layers; the first is [`codec`]: sans-IO decoding of what devices send,
//! driven entirely by instrument profiles from `calibration-profiles` (no per-device code). The
//! transports, the durable outbox and the forwarder build on it.

// Tests compare exactly representable values exactly; tolerances elsewhere are explicit.
#![cfg_attr(test, allow(clippy::float_cmp))]

pub mod codec;
