//! The bridge between instruments and the server.
//!
//! - [`codec`]: sans-IO decoding of what devices send, driven entirely by instrument profiles
//!   from `calibration-profiles` (no per-device code);
//! - [`device`]: the loops that own a device's transport and capture its readings;
//! - [`outbox`]: the durable SQLite queue every reading is committed to first;
//! - [`forward`]: the loop that sends the outbox to the server and removes what it acknowledged;
//! - [`supervisor`]: runs it all, reconnects devices, stops cleanly;
//! - [`config`]: layered configuration with every problem reported.

// Tests compare exactly representable values exactly; tolerances elsewhere are explicit.
#![cfg_attr(test, allow(clippy::float_cmp))]

pub mod codec;
pub mod config;
pub mod device;
pub mod forward;
pub mod outbox;
pub mod probe;
pub mod sim;
pub mod supervisor;
