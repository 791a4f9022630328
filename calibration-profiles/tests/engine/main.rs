//! Tests of the engine through its public interfaces: the calculator JSON shapes, the
//! `tdc-calc` binary, the profile loaders and the generated schemas. One test binary.

// Exact values are compared exactly, tolerances are explicit; numbers are written as the
// documents print them; helpers panic by design.
#![allow(
    clippy::float_cmp,
    clippy::unreadable_literal,
    clippy::missing_panics_doc
)]

mod cli;
mod golden;
mod invalid_profiles;
mod lims;
mod prepackaged;
mod properties;
mod run;
mod schemas;
mod workdays;

use std::path::PathBuf;

/// Path of a file inside the crate.
#[must_use]
pub fn crate_path(rel: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(rel)
}

/// Reads a file inside the crate.
#[must_use]
pub fn read(rel: &str) -> String {
    std::fs::read_to_string(crate_path(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

/// Asserts |actual − expected| ≤ tol with a readable message.
#[track_caller]
pub fn close(what: &str, actual: f64, expected: f64, tol: f64) {
    assert!(
        (actual - expected).abs() <= tol,
        "{what}: got {actual}, expected {expected} ± {tol}"
    );
}
