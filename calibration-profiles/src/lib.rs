//! The metrology domain of the TĐC system (Trung tâm Kỹ thuật Tiêu chuẩn Đo lường Chất lượng,
//! Lạng Sơn), with no I/O: it takes text and numbers and returns values or every problem found.
//!
//! - [`units`]: quantities and units used in the laboratories, with exact conversions.
//! - [`model`]: measurement models written as text, evaluated generically.
//! - [`uncertainty`]: GUM (JCGM 100) Type A/B evaluation and propagation.
//! - [`montecarlo`]: JCGM 101 propagation of distributions, seeded.
//! - [`regression`]: straight-line calibration by least squares (GUM H.3).
//! - [`conformity`]: decision rules (ILAC-G8:09/2019, JCGM 106:2012).
//! - [`mpe`]: maximum permissible error tables as data with their sources.
//! - [`prepackaged`]: the verdict on a lot of prepackaged goods (Circular 21/2014, OIML R 87).
//! - [`cycles`]: statutory verification cycles of group-2 instruments.
//! - [`workdays`]: the working-day calendar (holidays, make-up days) and deadline counting.
//! - [`import_regime`]: import quality-inspection regimes: dossier, steps, deadlines, forms.
//! - [`lims`]: test methods and specification limits as data; a test result's evaluation.
//! - [`profile`]: procedure and instrument profile formats (raw → validated).
//! - [`run`]: evaluation of a verification or calibration run against its procedure.
//! - [`calc`]: the JSON shapes of the calculator (`tdc-calc` and `/api/v1/calc/*`).
//! - [`wire`]: the contract between the bridge and the server.
//! - [`secret`]: configuration secrets that never print.

// Tests compare exactly representable values exactly; tolerances elsewhere are explicit.
#![cfg_attr(test, allow(clippy::float_cmp))]

pub mod calc;
pub mod conformity;
pub mod cycles;
pub mod date;
pub mod import_regime;
pub mod lims;
pub mod model;
pub mod montecarlo;
pub mod mpe;
pub mod prepackaged;
pub mod problems;
pub mod profile;
pub mod regression;
pub mod run;
pub mod secret;
pub mod uncertainty;
pub mod units;
pub mod wire;
pub mod workdays;

/// Version of this engine, stored with every computed result so that it can be recomputed.
pub const ENGINE_VERSION: &str = env!("CARGO_PKG_VERSION");
