//! `tdc-server`: the Centre's system of record.
//!
//! It starts as the HTTP face of the metrology engine (`/api/v1/calc/*`, the same JSON as
//! `tdc-calc`) and grows into the registry, bench workflow and certificates. Layout:
//! [`startup`] binds and serves; [`http`] holds the router, one module per resource, and the
//! single error type every handler returns.

// Tests compare exactly representable values exactly; tolerances elsewhere are explicit.
#![cfg_attr(test, allow(clippy::float_cmp))]

pub mod auth;
pub mod bench;
pub mod config;
pub mod demo;
pub mod dossier;
pub mod http;
pub mod import;
pub mod issue;
pub mod records;
pub mod sample;
pub mod signing;
pub mod startup;
pub mod store;
pub mod web;
