//! The content model of the Centre's other signed documents: the test report (phiếu kết quả
//! thử nghiệm), the import-inspection documents (xác nhận đăng ký, thông báo kết quả kiểm tra
//! nhà nước về chất lượng hàng hóa nhập khẩu), the sampling record (biên bản lấy mẫu) and the
//! field inspection minutes (biên bản kiểm tra).
//!
//! Key decisions:
//! - These documents share a shape — letterhead, title with the form number, addressee,
//!   labelled fields, tables, a conclusion, signatures and the QR code of the public
//!   verification page — but their titles and wording come from data (the regime's form
//!   titles, the method's name), so one [`RecordDocument`] and one template serve them all
//!   and a new form is a data change, not a new template.
//! - As in [`crate::CertificateDocument`], every value is a pre-formatted string: the renderer
//!   never re-rounds a number.
//! - A table row can be *flagged* (a nonconforming result, a violation): it is printed in bold
//!   with a marker and the table's legend, never by colour alone.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::error::ContentProblem;
use crate::model::{
    Amendment, IssuingBody, Language, LocalizedText, SignatureFingerprint, Verdict,
};

/// Which record is printed (the template picks its fixed wording by it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RecordKind {
    /// Phiếu kết quả thử nghiệm.
    TestReport,
    /// Xác nhận đăng ký kiểm tra nhà nước về chất lượng hàng hóa nhập khẩu.
    ImportRegistrationConfirmation,
    /// Thông báo kết quả kiểm tra nhà nước về chất lượng hàng hóa nhập khẩu.
    ImportInspectionNotice,
    /// Biên bản lấy mẫu.
    SamplingRecord,
    /// Biên bản kiểm tra.
    InspectionMinutes,
}

impl RecordKind {
    /// The `kind` column / URL word of this kind.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::TestReport => "test_report",
            Self::ImportRegistrationConfirmation => "import_registration_confirmation",
            Self::ImportInspectionNotice => "import_inspection_notice",
            Self::SamplingRecord => "sampling_record",
            Self::InspectionMinutes => "inspection_minutes",
        }
    }

    /// The kind named by [`RecordKind::as_str`].
    #[must_use]
    pub fn parse(text: &str) -> Option<Self> {
        [
            Self::TestReport,
            Self::ImportRegistrationConfirmation,
            Self::ImportInspectionNotice,
            Self::SamplingRecord,
            Self::InspectionMinutes,
        ]
        .into_iter()
        .find(|kind| kind.as_str() == text)
    }

    /// The usual title in Vietnamese and in English (a record may print its form's own title).
    #[must_use]
    pub fn titles(self) -> (&'static str, &'static str) {
        match self {
            Self::TestReport => ("Phiếu kết quả thử nghiệm", "Test report"),
            Self::ImportRegistrationConfirmation => (
                "Xác nhận đăng ký kiểm tra nhà nước về chất lượng hàng hóa nhập khẩu",
                "Confirmation of registration for state quality inspection of imported goods",
            ),
            Self::ImportInspectionNotice => (
                "Thông báo kết quả kiểm tra nhà nước về chất lượng hàng hóa nhập khẩu",
                "Notice of the result of state quality inspection of imported goods",
            ),
            Self::SamplingRecord => ("Biên bản lấy mẫu", "Sampling record"),
            Self::InspectionMinutes => ("Biên bản kiểm tra", "Inspection minutes"),
        }
    }
}

/// A labelled value ("Mã số thuế: 4900123456").
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Field {
    /// The label.
    pub label: LocalizedText,
    /// The value as printed.
    pub value: String,
}

impl Field {
    /// A field with a bilingual label.
    #[must_use]
    pub fn new(vi: &str, en: &str, value: impl Into<String>) -> Self {
        Self {
            label: LocalizedText::new(vi, en),
            value: value.into(),
        }
    }
}

/// One row of a [`Table`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TableRow {
    /// One cell per column, as printed.
    pub cells: Vec<String>,
    /// Printed in bold with a marker: a nonconforming result, a violation.
    #[serde(default)]
    pub flagged: bool,
}

/// A table with a header row.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Table {
    /// Column headings.
    pub columns: Vec<LocalizedText>,
    /// Relative column widths (same length as `columns`), or empty for equal widths.
    #[serde(default)]
    pub widths: Vec<u16>,
    /// The rows.
    pub rows: Vec<TableRow>,
    /// What a flagged row means, printed under the table when a row is flagged.
    #[serde(default)]
    pub flag_legend: Option<LocalizedText>,
}

/// A headed part of the record: fields, then a table, then a paragraph (each optional).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Section {
    /// The heading.
    pub heading: LocalizedText,
    /// Labelled values.
    #[serde(default)]
    pub fields: Vec<Field>,
    /// A table.
    #[serde(default)]
    pub table: Option<Table>,
    /// A paragraph.
    #[serde(default)]
    pub text: Option<LocalizedText>,
}

/// The conclusion printed in its own block.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RecordConclusion {
    /// Pass / fail when the record decides one (printed as a word).
    #[serde(default)]
    pub verdict: Option<Verdict>,
    /// The statement, e.g. the outcome text of the regime's notice form.
    pub text: LocalizedText,
    /// Reasons or details under it.
    #[serde(default)]
    pub details: Vec<LocalizedText>,
}

/// A signature block.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RecordSignatory {
    /// The role printed above ("Người thử nghiệm", "Thủ trưởng đơn vị", "Đại diện cơ sở").
    pub role: LocalizedText,
    /// The name printed under the space to sign (may be empty for a party signing on paper).
    pub name: String,
    /// A title under the role ("KT. Giám đốc / Phó Giám đốc").
    #[serde(default)]
    pub title: Option<LocalizedText>,
}

/// Everything a record prints.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RecordDocument {
    /// Which record.
    pub kind: RecordKind,
    /// Language of labels and texts.
    pub language: Language,
    /// The title (the form's own title when the regime gives one).
    pub title: LocalizedText,
    /// The form's number, printed top right ("Mẫu số 01").
    #[serde(default)]
    pub form_number: Option<String>,
    /// The record's number.
    pub number: String,
    /// Date of issue (dateline of the signature).
    pub issue_date: NaiveDate,
    /// The issuing organisation.
    pub issuing_body: IssuingBody,
    /// Addressee ("Kính gửi: …"), when the form has one.
    #[serde(default)]
    pub addressee: Option<String>,
    /// Introductory paragraph (legal basis, "Căn cứ …").
    #[serde(default)]
    pub preamble: Vec<LocalizedText>,
    /// The body.
    pub sections: Vec<Section>,
    /// The conclusion, when the record decides one.
    #[serde(default)]
    pub conclusion: Option<RecordConclusion>,
    /// Closing remarks.
    #[serde(default)]
    pub remarks: Vec<LocalizedText>,
    /// Signature blocks, left to right; the last one is under the dateline.
    pub signatories: Vec<RecordSignatory>,
    /// The URL of the public verification page (printed as a QR code).
    pub qr_payload: String,
    /// The record replaces an earlier one.
    #[serde(default)]
    pub amendment: Option<Amendment>,
    /// Key and digest of the signature, printed in the footer.
    #[serde(default)]
    pub signature_fingerprint: Option<SignatureFingerprint>,
}

/// Every problem that prevents `doc` from being printed (empty when it may be printed).
#[must_use]
pub fn problems(doc: &RecordDocument) -> Vec<ContentProblem> {
    let mut problems = Vec::new();
    let mut blank = |field: String, value: &str| {
        if value.trim().is_empty() {
            problems.push(ContentProblem::new(field, "is required"));
        }
    };
    blank("title.vi".into(), &doc.title.vi);
    blank("number".into(), &doc.number);
    blank("qr_payload".into(), &doc.qr_payload);
    blank("issuing_body.name.vi".into(), &doc.issuing_body.name.vi);
    blank("issuing_body.address".into(), &doc.issuing_body.address);
    blank("issuing_body.locality".into(), &doc.issuing_body.locality);
    for (i, section) in doc.sections.iter().enumerate() {
        blank(format!("sections[{i}].heading.vi"), &section.heading.vi);
        for (j, field) in section.fields.iter().enumerate() {
            blank(
                format!("sections[{i}].fields[{j}].label.vi"),
                &field.label.vi,
            );
        }
    }
    if let Some(conclusion) = &doc.conclusion {
        blank("conclusion.text.vi".into(), &conclusion.text.vi);
    }
    for (i, signatory) in doc.signatories.iter().enumerate() {
        blank(format!("signatories[{i}].role.vi"), &signatory.role.vi);
    }
    if doc.signatories.is_empty() {
        problems.push(ContentProblem::new(
            "signatories",
            "at least one is required",
        ));
    }
    for (i, section) in doc.sections.iter().enumerate() {
        let Some(table) = &section.table else {
            continue;
        };
        let columns = table.columns.len();
        if columns == 0 {
            problems.push(ContentProblem::new(
                format!("sections[{i}].table.columns"),
                "at least one column is required",
            ));
        }
        if !table.widths.is_empty() && table.widths.len() != columns {
            problems.push(ContentProblem::new(
                format!("sections[{i}].table.widths"),
                format!("has {} widths for {columns} columns", table.widths.len()),
            ));
        }
        for (j, row) in table.rows.iter().enumerate() {
            if row.cells.len() != columns {
                problems.push(ContentProblem::new(
                    format!("sections[{i}].table.rows[{j}].cells"),
                    format!("has {} cells for {columns} columns", row.cells.len()),
                ));
            }
        }
    }
    problems
}
