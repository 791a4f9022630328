//! From a [`CertificateDocument`] to PDF bytes: validate, add the QR code, hand the content to
//! the typst template as JSON, compile in-process and export PDF/A-2b.
//!
//! Key decisions:
//! - The template reads the content with `json("/data.json")` from a virtual file rather than
//!   `sys.inputs`, so the standard library (and typst's memoised template work) is shared by
//!   every render of the process.
//! - The PDF creation date is the document's issue date at 00:00 (+07:00, Asia/Ho_Chi_Minh)
//!   and the PDF identifier is derived from its number and revision: the same content always
//!   gives the same bytes, so a stored certificate can be re-rendered and compared.
//! - Memoised results unused for [`CACHE_MAX_AGE`] renders are evicted after each render, which
//!   bounds the memory of a long-running server.

use std::fmt::Write as _;
use std::sync::OnceLock;

use chrono::Datelike;
use serde::Serialize;
use typst::WorldExt;
use typst::diag::{Severity, SourceDiagnostic};
use typst::foundations::{Datetime, Smart};
use typst::syntax::Source;
use typst_layout::PagedDocument;
use typst_pdf::{PdfOptions, PdfStandard, PdfStandards, Timestamp};

use crate::error::RenderError;
use crate::model::CertificateDocument;
use crate::record::{self, RecordDocument};
use crate::world::{self, CertificateWorld};
use crate::{qr, validate};

/// The template shipped with the crate. A lab may start from it and pass its own version to
/// [`Renderer::with_template`] (it is a plain typst file reading `/data.json`).
pub const DEFAULT_TEMPLATE: &str = include_str!("../templates/certificate.typ");

/// The template of the records ([`RecordDocument`]): one layout for every form.
pub const RECORD_TEMPLATE: &str = include_str!("../templates/record.typ");

/// Renders older than this many renders are dropped from typst's memoisation cache.
const CACHE_MAX_AGE: usize = 10;

/// Minutes east of UTC of the lab's local time (Asia/Ho_Chi_Minh has no daylight saving).
const LOCAL_OFFSET_MINUTES: i32 = 7 * 60;

/// The PDF standard every document is produced under.
pub const PDF_STANDARD: &str = "PDF/A-2b";

/// What the template receives as `/data.json`.
#[derive(Serialize)]
struct TemplateData<'a> {
    /// The content, as serialised by serde (dates as "YYYY-MM-DD").
    document: &'a CertificateDocument,
    /// The QR code of `document.qr_payload`, an SVG document.
    qr_svg: String,
    /// Bundled font families in order of preference, so the template does not hard-code them.
    fonts: [&'static str; 2],
}

/// What the record template receives as `/data.json`.
#[derive(Serialize)]
struct RecordData<'a> {
    document: &'a RecordDocument,
    qr_svg: String,
    fonts: [&'static str; 2],
}

/// A certificate renderer around one template.
#[derive(Debug, Clone)]
pub struct Renderer {
    template: Source,
}

impl Default for Renderer {
    fn default() -> Self {
        Self::with_template(DEFAULT_TEMPLATE)
    }
}

impl Renderer {
    /// A renderer using `template` (typst source reading `json("/data.json")`) instead of
    /// [`DEFAULT_TEMPLATE`], so a lab can adjust its layout without recompiling.
    #[must_use]
    pub fn with_template(template: impl Into<String>) -> Self {
        Self {
            template: Source::new(world::file_id(world::TEMPLATE_PATH), template.into()),
        }
    }

    /// Renders `doc` as a PDF/A-2b document.
    pub fn render_pdf(&self, doc: &CertificateDocument) -> Result<Vec<u8>, RenderError> {
        let problems = validate::problems(doc);
        if !problems.is_empty() {
            return Err(RenderError::InvalidContent(problems));
        }
        let data = TemplateData {
            document: doc,
            qr_svg: qr::qr_svg(&doc.qr_payload)?,
            fonts: ["Noto Serif", "Noto Sans Math"],
        };
        let ident = match &doc.amendment {
            Some(amendment) => format!("{}#r{}", doc.number, amendment.revision),
            None => doc.number.clone(),
        };
        compile(&self.template, &data, doc.issue_date, ident)
    }
}

/// Compiles `template` over `data` (written as `/data.json`) and exports PDF/A-2b dated
/// `issue_date`, with the PDF identifier `ident`.
fn compile<D: Serialize>(
    template: &Source,
    data: &D,
    issue_date: chrono::NaiveDate,
    ident: String,
) -> Result<Vec<u8>, RenderError> {
    let json = serde_json::to_vec(data)
        .map_err(|err| RenderError::Export(format!("serialising the content: {err}")))?;
    let issued = date_of(issue_date)?;
    let world = CertificateWorld::new(template.clone(), json, Some(issued));

    let compiled = typst::compile::<PagedDocument>(&world);
    let result = compiled
        .output
        .map_err(|errors| RenderError::Template(describe(&world, template, &errors)));
    let document = match result {
        Ok(document) => document,
        Err(err) => {
            typst::comemo::evict(CACHE_MAX_AGE);
            return Err(err);
        }
    };
    let options = PdfOptions {
        ident: Smart::Custom(ident),
        creator: Smart::Custom(Some(format!(
            "tdc-certificate {} (typst 0.15)",
            env!("CARGO_PKG_VERSION")
        ))),
        timestamp: Timestamp::new_local(issued, LOCAL_OFFSET_MINUTES),
        standards: standards()?,
        ..PdfOptions::default()
    };
    let pdf = typst_pdf::pdf(&document, &options)
        .map_err(|errors| RenderError::Export(describe(&world, template, &errors)));
    typst::comemo::evict(CACHE_MAX_AGE);
    pdf
}

/// Renders a [`RecordDocument`] (test report, import-inspection notice, minutes…) with the
/// template [`RECORD_TEMPLATE`] as PDF/A-2b. The content is validated first
/// ([`crate::record::problems`]).
pub fn render_record_pdf(doc: &RecordDocument) -> Result<Vec<u8>, RenderError> {
    static TEMPLATE: OnceLock<Source> = OnceLock::new();
    let problems = record::problems(doc);
    if !problems.is_empty() {
        return Err(RenderError::InvalidContent(problems));
    }
    let template = TEMPLATE.get_or_init(|| {
        Source::new(
            world::file_id(world::TEMPLATE_PATH),
            RECORD_TEMPLATE.to_owned(),
        )
    });
    let data = RecordData {
        document: doc,
        qr_svg: qr::qr_svg(&doc.qr_payload)?,
        fonts: ["Noto Serif", "Noto Sans Math"],
    };
    let ident = match &doc.amendment {
        Some(amendment) => format!("{}#r{}", doc.number, amendment.revision),
        None => doc.number.clone(),
    };
    compile(template, &data, doc.issue_date, ident)
}

/// Renders `doc` with the default template (see [`Renderer`]).
///
/// The content is validated first: every missing or inconsistent field is reported in
/// [`RenderError::InvalidContent`] with its path.
pub fn render_pdf(doc: &CertificateDocument) -> Result<Vec<u8>, RenderError> {
    static DEFAULT: OnceLock<Renderer> = OnceLock::new();
    DEFAULT.get_or_init(Renderer::default).render_pdf(doc)
}

/// The family names of the bundled fonts (the only fonts a document can use).
#[must_use]
pub fn bundled_font_families() -> Vec<String> {
    world::Assets::get().families()
}

fn standards() -> Result<PdfStandards, RenderError> {
    PdfStandards::new(&[PdfStandard::A_2b])
        .map_err(|err| RenderError::Export(format!("PDF standard: {err:?}")))
}

fn date_of(date: chrono::NaiveDate) -> Result<Datetime, RenderError> {
    let month = u8::try_from(date.month()).ok();
    let day = u8::try_from(date.day()).ok();
    month
        .zip(day)
        .and_then(|(month, day)| Datetime::from_ymd_hms(date.year(), month, day, 0, 0, 0))
        .ok_or_else(|| RenderError::Export(format!("issue date {date} out of typst's range")))
}

/// The diagnostics as one text: message, template line, hints.
fn describe(world: &CertificateWorld, template: &Source, errors: &[SourceDiagnostic]) -> String {
    errors
        .iter()
        .filter(|diag| diag.severity == Severity::Error)
        .map(|diag| {
            let mut text = diag.message.to_string();
            if diag.span.id() == Some(template.id())
                && let Some(range) = world.range(diag.span)
            {
                let line = template.text()[..range.start.min(template.text().len())]
                    .matches('\n')
                    .count()
                    + 1;
                let _ = write!(text, " (template line {line})");
            }
            for hint in &diag.hints {
                let _ = write!(text, "; hint: {}", hint.v);
            }
            text
        })
        .collect::<Vec<_>>()
        .join(" | ")
}
