//! End-to-end scenarios. One test binary; each module is a scenario.

// Exact values are compared exactly, tolerances are explicit; numbers are written as the
// documents print them; helpers panic by design.
#![allow(
    clippy::float_cmp,
    clippy::unreadable_literal,
    clippy::missing_panics_doc
)]

mod bench_to_server;
mod browser;
mod calculator;
mod certificate;
mod demo;
mod import;
