//! The content model of a printed document: everything the page shows, and nothing else.
//!
//! One [`CertificateDocument`] serves the four documents of a verification or calibration job:
//! the verification certificate (giấy chứng nhận kiểm định), the calibration certificate (giấy
//! chứng nhận hiệu chuẩn), the notice of failure (thông báo kết quả kiểm định không đạt) and the
//! verification record (biên bản kiểm định). The fields follow ISO/IEC 17025:2017 §7.8 and the
//! certificate model of the ĐLVN procedures (domain-rules.md §3.2, §4.2).
//!
//! Key decisions:
//! - Measured values are **pre-formatted strings**: the renderer never re-rounds a number, so
//!   the digits printed are the digits the computation (and the instrument) gave.
//! - Free texts that may need an English version are [`LocalizedText`]; proper names
//!   (people, companies, addresses, numbers) are plain strings and printed as written.
//! - Which result columns are printed follows the kind and the data: a column appears when at
//!   least one row has a value for it (see [`ResultRow`]).
//! - The model is plain data; [`crate::validate`] says what each kind requires.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// Which document is printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DocumentKind {
    /// Giấy chứng nhận kiểm định: only issued when the verification passed.
    VerificationCertificate,
    /// Giấy chứng nhận hiệu chuẩn: values, corrections and expanded uncertainties.
    CalibrationCertificate,
    /// Thông báo kết quả kiểm định không đạt: the verification failed, no certificate, no stamp.
    NoticeOfFailure,
    /// Biên bản kiểm định: the record of the verification, pass or fail.
    VerificationRecord,
}

impl DocumentKind {
    /// The document's title in Vietnamese and in English.
    #[must_use]
    pub fn titles(self) -> (&'static str, &'static str) {
        match self {
            DocumentKind::VerificationCertificate => {
                ("Giấy chứng nhận kiểm định", "Verification certificate")
            }
            DocumentKind::CalibrationCertificate => {
                ("Giấy chứng nhận hiệu chuẩn", "Calibration certificate")
            }
            DocumentKind::NoticeOfFailure => (
                "Thông báo kết quả kiểm định không đạt",
                "Notice of verification failure",
            ),
            DocumentKind::VerificationRecord => ("Biên bản kiểm định", "Verification record"),
        }
    }
}

/// The language(s) of the labels and texts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Language {
    /// Vietnamese only.
    Vi,
    /// English only (texts without an English version are printed in Vietnamese).
    En,
    /// Vietnamese first, English beside or under it.
    Bilingual,
}

/// A text in Vietnamese with an optional English version.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LocalizedText {
    /// The Vietnamese text (always required; it is the legal text).
    pub vi: String,
    /// The English text, printed for `en` and `bilingual`.
    #[serde(default)]
    pub en: Option<String>,
}

impl LocalizedText {
    /// A text with both languages.
    #[must_use]
    pub fn new(vi: impl Into<String>, en: impl Into<String>) -> Self {
        Self {
            vi: vi.into(),
            en: Some(en.into()),
        }
    }

    /// A Vietnamese-only text (an English page prints it as written).
    #[must_use]
    pub fn vi(vi: impl Into<String>) -> Self {
        Self {
            vi: vi.into(),
            en: None,
        }
    }

    pub(crate) fn is_blank(&self) -> bool {
        self.vi.trim().is_empty()
    }
}

/// The organisation issuing the document (letterhead, left block of page 1).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IssuingBody {
    /// The governing body printed above the name, e.g. "SỞ KHOA HỌC VÀ CÔNG NGHỆ LẠNG SƠN".
    #[serde(default)]
    pub parent: Option<LocalizedText>,
    /// The issuing organisation, e.g. "TRUNG TÂM KỸ THUẬT TIÊU CHUẨN ĐO LƯỜNG CHẤT LƯỢNG".
    pub name: LocalizedText,
    /// Postal address.
    pub address: String,
    /// Telephone, printed when given.
    #[serde(default)]
    pub phone: Option<String>,
    /// E-mail, printed when given.
    #[serde(default)]
    pub email: Option<String>,
    /// Accreditation, e.g. "VILAS 1234".
    #[serde(default)]
    pub accreditation: Option<String>,
    /// Designation for group-2 verification, e.g. "Quyết định chỉ định số 123/QĐ-TĐC".
    #[serde(default)]
    pub designation: Option<String>,
    /// The place name of the dateline ("Lạng Sơn, ngày 15 tháng 03 năm 2026").
    pub locality: String,
}

/// An amendment: this document replaces an earlier one (ISO/IEC 17025 §7.8.8).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Amendment {
    /// Revision number of this document (1 for the first amendment).
    pub revision: u32,
    /// The number of the document replaced, e.g. "0123/2026/KĐ-TTTĐC".
    pub supersedes: String,
    /// What changed and why.
    pub reason: LocalizedText,
}

/// A named metrological characteristic (label and pre-formatted value).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Characteristic {
    /// e.g. "Min", "Độ chia kiểm (e) / Verification scale interval (e)".
    pub label: LocalizedText,
    /// e.g. "200 g".
    pub value: String,
}

/// The instrument (or standard) the document is about.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InstrumentIdentity {
    /// Tên phương tiện đo, e.g. "Cân không tự động".
    pub name: LocalizedText,
    /// Category as listed (e.g. "Cân đĩa"), printed after the name when given.
    #[serde(default)]
    pub category: Option<LocalizedText>,
    /// Cơ sở sản xuất (maker), and country if wanted.
    pub manufacturer: String,
    /// Kiểu (type/model).
    pub model: String,
    /// Số (serial number).
    pub serial: String,
    /// Năm sản xuất.
    #[serde(default)]
    pub year_of_manufacture: Option<String>,
    /// Measuring range, e.g. "Max = 30 kg; Min = 200 g".
    pub measuring_range: String,
    /// Resolution or verification scale interval, e.g. "e = d = 10 g".
    #[serde(default)]
    pub resolution: Option<String>,
    /// Accuracy class, e.g. "III".
    #[serde(default)]
    pub accuracy_class: Option<String>,
    /// Further characteristics (Ib/Imax, constants, ratios...).
    #[serde(default)]
    pub other: Vec<Characteristic>,
}

/// A person or organisation with an address (the owner / customer).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Party {
    /// Name as registered.
    pub name: String,
    /// Address.
    pub address: String,
}

/// The procedure (method) applied.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Procedure {
    /// Internal procedure id, e.g. "QT-KL-15".
    pub id: String,
    /// The document, e.g. "ĐLVN 15:2017".
    pub document: String,
    /// Its title, e.g. "Cân đĩa – Quy trình kiểm định".
    #[serde(default)]
    pub title: Option<LocalizedText>,
    /// A short description of the method.
    #[serde(default)]
    pub method_summary: Option<LocalizedText>,
}

/// Chế độ kiểm định.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum VerificationMode {
    /// Ban đầu.
    Initial,
    /// Định kỳ.
    Periodic,
    /// Sau sửa chữa.
    AfterRepair,
}

/// One environmental condition, e.g. temperature 24,1 °C.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EnvironmentalCondition {
    /// e.g. "Nhiệt độ" / "Temperature".
    pub quantity: LocalizedText,
    /// Pre-formatted value or range, e.g. "24,1" or "(23,8 ÷ 24,6)".
    pub value: String,
    /// Unit, always printed, e.g. "°C", "%RH", "kPa".
    pub unit: String,
}

/// A reference standard or main equipment used (ISO/IEC 17025 §6.5, §7.8.4).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StandardUsed {
    /// The lab's code, e.g. "QC-F1-01".
    pub code: String,
    /// e.g. "Bộ quả cân chuẩn F1 (1 mg ÷ 20 kg)".
    pub name: LocalizedText,
    /// Number of its own calibration certificate.
    pub certificate_number: String,
    /// Traceability, e.g. "Viện Đo lường Việt Nam (VMI)".
    pub traceability: LocalizedText,
    /// Due date of its calibration, printed when given.
    #[serde(default)]
    pub valid_until: Option<NaiveDate>,
}

/// Pass or fail (đạt / không đạt), always printed as a word, never as a colour alone.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// Đạt.
    Pass,
    /// Không đạt.
    Fail,
}

/// A qualitative step of the verification (external check, technical check...).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CheckOutcome {
    /// e.g. "Kiểm tra bên ngoài" / "External examination".
    pub name: LocalizedText,
    /// Its outcome.
    pub verdict: Verdict,
    /// What was found, printed when given.
    #[serde(default)]
    pub note: Option<LocalizedText>,
}

/// One row of the results table. Every value is pre-formatted (digits as computed); a column
/// is printed when at least one row of the table has a value for it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ResultRow {
    /// The nominal value or test point, e.g. "10,000" or "Max".
    pub point: String,
    /// The measured value (indication, or mean of the repeats).
    #[serde(default)]
    pub measured: Option<String>,
    /// The error E = indication − reference.
    #[serde(default)]
    pub error: Option<String>,
    /// The correction (calibration), usually −E.
    #[serde(default)]
    pub correction: Option<String>,
    /// The maximum permissible error, a magnitude printed under a "±" header (e.g. "10").
    #[serde(default)]
    pub mpe: Option<String>,
    /// The expanded uncertainty U of this point.
    #[serde(default)]
    pub expanded_uncertainty: Option<String>,
    /// The decision for this point.
    #[serde(default)]
    pub decision: Option<Verdict>,
}

/// A group of rows with an optional title (e.g. "Trước hiệu chỉnh / As found").
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ResultGroup {
    /// The group's title, printed as a full-width row of the table.
    #[serde(default)]
    pub title: Option<LocalizedText>,
    /// Its rows.
    pub rows: Vec<ResultRow>,
}

/// The results table.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ResultsTable {
    /// Header of the point column; the renderer prints "Giá trị danh định / Nominal value"
    /// when absent.
    #[serde(default)]
    pub point_label: Option<LocalizedText>,
    /// Unit of the point and measured columns, e.g. "g".
    pub unit: String,
    /// Unit of the error, correction, MPE and U columns when it differs from `unit`.
    #[serde(default)]
    pub error_unit: Option<String>,
    /// Row groups (one untitled group for a plain table; as-found / as-left for calibration).
    pub groups: Vec<ResultGroup>,
}

impl ResultsTable {
    /// All rows with their paths (`results.groups[g].rows[r]`).
    pub(crate) fn rows(&self) -> impl Iterator<Item = (String, &ResultRow)> {
        self.groups.iter().enumerate().flat_map(|(g, group)| {
            group
                .rows
                .iter()
                .enumerate()
                .map(move |(r, row)| (format!("results.groups[{g}].rows[{r}]"), row))
        })
    }

    /// Number of rows over all groups.
    #[must_use]
    pub fn row_count(&self) -> usize {
        self.groups.iter().map(|group| group.rows.len()).sum()
    }
}

/// The uncertainty statement (ISO/IEC 17025 §7.8.4.1, JCGM 100 §7.2.3).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UncertaintyStatement {
    /// An overall expanded uncertainty, e.g. "U = 2 g", when one value applies to all points.
    #[serde(default)]
    pub expanded_uncertainty: Option<String>,
    /// The coverage factor, e.g. "2".
    pub coverage_factor: String,
    /// The coverage probability, e.g. "95 %" (printed as "xấp xỉ 95 %").
    pub coverage_probability: String,
    /// A statement replacing the standard sentence, when the lab words it differently.
    #[serde(default)]
    pub text: Option<LocalizedText>,
}

/// The overall conclusion (kết luận).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Conclusion {
    /// Pass or fail.
    pub verdict: Verdict,
    /// A statement replacing the standard one ("Đạt yêu cầu kỹ thuật đo lường").
    #[serde(default)]
    pub statement: Option<LocalizedText>,
    /// Why it failed: which step, which point (required for a notice of failure).
    #[serde(default)]
    pub failure_reason: Option<LocalizedText>,
}

/// Who signs, in the order printed from left to right.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SignatoryRole {
    /// Người thực hiện (the verifier / technician).
    Technician,
    /// Người soát lại (the reviewer).
    Reviewer,
    /// Thủ trưởng đơn vị (head of the body or the quality manager signing for them).
    Approver,
}

/// A signature block.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Signatory {
    /// The role, which gives the heading.
    pub role: SignatoryRole,
    /// Full name.
    pub name: String,
    /// Title under the heading, e.g. "KT. GIÁM ĐỐC / PHÓ GIÁM ĐỐC" or "Kiểm định viên".
    #[serde(default)]
    pub title: Option<LocalizedText>,
    /// Date signed, printed when given.
    #[serde(default)]
    pub signed_on: Option<NaiveDate>,
}

/// The digital-signature fingerprint printed in the footer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SignatureFingerprint {
    /// Id of the Ed25519 key that signed (published at the well-known URL).
    pub key_id: String,
    /// A short digest of the signed content, e.g. the first 16 hex digits of its SHA-256.
    pub digest: String,
}

/// Everything a certificate, notice or record prints.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CertificateDocument {
    /// Which document.
    pub kind: DocumentKind,
    /// Which language(s).
    pub language: Language,
    /// Who issues it.
    pub issuing_body: IssuingBody,
    /// Its unique number, e.g. "0123/2026/KĐ-TTTĐC", printed on every page.
    pub number: String,
    /// Set when this document amends (replaces) an earlier one.
    #[serde(default)]
    pub amendment: Option<Amendment>,
    /// Date of issue; also the PDF creation date, so a re-render is byte-identical.
    pub issue_date: NaiveDate,
    /// Date the item was received, printed when given.
    #[serde(default)]
    pub received_on: Option<NaiveDate>,
    /// Date the verification / calibration was performed.
    pub performed_on: NaiveDate,
    /// The URL the QR code carries (the public verification page).
    pub qr_payload: String,
    /// The instrument.
    pub instrument: InstrumentIdentity,
    /// The owner (cơ sở sử dụng) / customer.
    pub owner: Party,
    /// The procedure and its document.
    pub procedure: Procedure,
    /// Chế độ kiểm định (verification kinds only).
    #[serde(default)]
    pub verification_mode: Option<VerificationMode>,
    /// Where the work was done.
    pub place: String,
    /// Environmental conditions.
    #[serde(default)]
    pub environment: Vec<EnvironmentalCondition>,
    /// Standards and main equipment used, with traceability.
    #[serde(default)]
    pub standards: Vec<StandardUsed>,
    /// Qualitative steps (external and technical checks).
    #[serde(default)]
    pub checks: Vec<CheckOutcome>,
    /// The results table.
    pub results: ResultsTable,
    /// The uncertainty statement (required for calibration).
    #[serde(default)]
    pub uncertainty: Option<UncertaintyStatement>,
    /// The decision rule applied (ISO/IEC 17025 §7.8.6), e.g. simple acceptance |E| ≤ MPE.
    #[serde(default)]
    pub decision_rule: Option<LocalizedText>,
    /// The conclusion (optional for calibration: only when a conformity statement was agreed).
    #[serde(default)]
    pub conclusion: Option<Conclusion>,
    /// Verification stamp (tem) number.
    #[serde(default)]
    pub stamp_number: Option<String>,
    /// Valid until (verification certificates).
    #[serde(default)]
    pub valid_until: Option<NaiveDate>,
    /// Signature blocks, left to right.
    pub signatories: Vec<Signatory>,
    /// Error chart as an SVG document (see [`crate::chart_svg`]).
    #[serde(default)]
    pub chart_svg: Option<String>,
    /// Remarks (ghi chú), one paragraph each.
    #[serde(default)]
    pub remarks: Vec<LocalizedText>,
    /// The digital-signature fingerprint for the footer.
    #[serde(default)]
    pub signature_fingerprint: Option<SignatureFingerprint>,
}
