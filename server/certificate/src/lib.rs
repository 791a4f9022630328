//! `tdc-certificate`: the documents of a verification or calibration job as PDF.
//!
//! A pure library (no database, no HTTP, no file system at run time): it takes a
//! [`CertificateDocument`] — the content the page prints, ISO/IEC 17025 §7.8 and the ĐLVN
//! certificate model — and returns PDF bytes.
//!
//! - [`render_pdf`] compiles one self-contained typst template ([`DEFAULT_TEMPLATE`],
//!   replaceable through [`Renderer::with_template`]) in-process with typst 0.15, bundled
//!   Noto Serif fonts (SIL OFL 1.1, full Vietnamese coverage; Noto Sans Math for a few
//!   symbols) and no system font lookup, so
//!   the output is the same on every machine; the PDF is PDF/A-2b ([`PDF_STANDARD`]).
//! - [`render_record_pdf`] prints the other signed records (test report, import-inspection
//!   confirmation and notice, sampling record, inspection minutes) from one [`RecordDocument`]
//!   model and one template, their titles and wording coming from data.
//! - [`qr_svg`] makes the QR code of the public verification URL (SVG, printed near the number).
//! - [`chart_svg`] draws error versus nominal with the ±MPE envelope and U bars (plotters' SVG
//!   backend, no font features), for the certificate and the bench page.
//! - [`validate::problems`] lists every field a document of its kind still lacks.
//! - [`dcc_xml`] writes the Digital Calibration Certificate (PTB DCC 3.1.2 XML, D-SI units)
//!   of the same content, with the numbers of the results given as [`DccMeasurement`]s.
//!
//! The crate is kept apart from the server so that typst's long build is cached once and
//! never reaches the bridge.

pub mod chart;
pub mod dcc;
pub mod error;
pub mod model;
pub mod qr;
pub mod record;
pub mod render;
pub mod validate;
mod world;

pub use chart::{BarSeries, ChartLabels, ChartPoint, bar_chart_svg, chart_svg};
pub use dcc::{DCC_SCHEMA_VERSION, DccError, DccInput, DccMeasurement, dcc_xml, dsi_unit};
pub use error::{ContentProblem, RenderError};
pub use model::{
    Amendment, CertificateDocument, Characteristic, CheckOutcome, Conclusion, DocumentKind,
    EnvironmentalCondition, InstrumentIdentity, IssuingBody, Language, LocalizedText, Party,
    Procedure, ResultGroup, ResultRow, ResultsTable, Signatory, SignatoryRole,
    SignatureFingerprint, StandardUsed, UncertaintyStatement, Verdict, VerificationMode,
};
pub use qr::qr_svg;
pub use record::{
    Field, RecordConclusion, RecordDocument, RecordKind, RecordSignatory, Section, Table, TableRow,
};
pub use render::{
    DEFAULT_TEMPLATE, PDF_STANDARD, RECORD_TEMPLATE, Renderer, bundled_font_families, render_pdf,
    render_record_pdf,
};
