//! Errors of the renderer, named by what the caller does about them: fix the content
//! ([`RenderError::InvalidContent`]), fix the template ([`RenderError::Template`]) or report a
//! defect ([`RenderError::Export`]).

use std::fmt;

/// One problem found in the content, with the path of the field (`instrument.serial`,
/// `results.groups[0].rows[3].mpe`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContentProblem {
    /// Path of the field in [`crate::CertificateDocument`].
    pub field: String,
    /// What is wrong with it.
    pub message: String,
}

impl ContentProblem {
    pub(crate) fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            message: message.into(),
        }
    }
}

impl fmt::Display for ContentProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.field, self.message)
    }
}

/// Why a document could not be rendered.
#[derive(Debug, thiserror::Error)]
pub enum RenderError {
    /// The content is incomplete or contradicts its kind; every problem found is listed.
    /// The caller fixes the data (nothing is printed from incomplete content).
    #[error("the document content is incomplete or inconsistent: {}", join(.0))]
    InvalidContent(Vec<ContentProblem>),
    /// The QR payload cannot be encoded (too long for a QR code).
    #[error("the QR payload cannot be encoded as a QR code: {0}")]
    QrCode(String),
    /// The template does not compile against this content: the template needs fixing.
    #[error("the certificate template failed: {0}")]
    Template(String),
    /// typst laid the document out but could not write the PDF (a defect to report).
    #[error("PDF export failed: {0}")]
    Export(String),
}

impl RenderError {
    /// The content problems, empty for the other variants.
    #[must_use]
    pub fn problems(&self) -> &[ContentProblem] {
        match self {
            Self::InvalidContent(problems) => problems,
            _ => &[],
        }
    }
}

fn join(problems: &[ContentProblem]) -> String {
    problems
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("; ")
}
