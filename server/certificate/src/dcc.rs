//! The Digital Calibration Certificate (DCC) of a document: PTB's XML schema 3.1.2 with the
//! D-SI 2.1.0 format for numbers and units.
//!
//! [`dcc_xml`] writes the machine-readable twin of the printed certificate from the same
//! [`CertificateDocument`] plus the numbers the printed table only shows as text
//! ([`DccMeasurement`], all in one unit). The output validates against
//! `dcc-3.1.2.xsd`; the tests run xmllint on it.
//!
//! Key decisions:
//! - Everything is checked before anything is written, and every problem is reported with
//!   its path (`unit`, `measurements[2].coverage_factor`, `document.owner.name`): a document
//!   that may not be printed ([`crate::validate::problems`]) may not be exported either.
//! - Each test point is one `dcc:list` holding one `si:real` per value (nominal, measured,
//!   error, MPE), so a point may lack a value without breaking a column, and its conformity
//!   sits beside it in `dcc:measurementMetaData/dcc:metaData/dcc:conformity`. The expanded
//!   uncertainty goes on the error, or on the measured value when no error is given.
//! - Texts we have in both languages are written as two `dcc:content` elements (`lang="vi"`,
//!   `lang="en"`); proper names, numbers and addresses carry no `lang`.
//! - What schema 3.1.2 has no element for goes into statements (`dcc:statement` with a
//!   `tdc_` refType): the issue date, the amendment, validity and stamp, the place, the
//!   remarks and the digital signature. The previous report is not linked through
//!   `dcc:previousReport`, which requires a hash of that report we do not keep.
//! - Numbers use Rust's shortest round-trip formatting (`{}` of f64): a dot, no exponent.

use std::borrow::Cow;

use quick_xml::Writer;
use quick_xml::escape::escape;
use quick_xml::events::{BytesDecl, BytesEnd, BytesStart, BytesText, Event};

use crate::error::ContentProblem;
use crate::model::{
    CertificateDocument, DocumentKind, EnvironmentalCondition, LocalizedText, Signatory,
    SignatoryRole, StandardUsed, UncertaintyStatement, Verdict, VerificationMode,
};
use crate::validate;

/// The DCC schema version written in `schemaVersion`.
pub const DCC_SCHEMA_VERSION: &str = "3.1.2";

const DCC_NAMESPACE: &str = "https://ptb.de/dcc";
const SI_NAMESPACE: &str = "https://ptb.de/si";
const COUNTRY: &str = "VN";

/// One test point with its numbers, all in [`DccInput::unit`].
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct DccMeasurement {
    /// The point's label, e.g. "1/4 Max" or "50 g".
    pub point: String,
    /// The nominal (reference) value.
    pub nominal: f64,
    /// The indication, or the mean of the repeats.
    pub measured: Option<f64>,
    /// The error E = indication − reference.
    pub error: Option<f64>,
    /// The expanded uncertainty U of the error (of the measured value when there is no error).
    pub expanded_uncertainty: Option<f64>,
    /// The coverage factor k of U (at least 1).
    pub coverage_factor: Option<f64>,
    /// The coverage probability p of U as a fraction, e.g. 0.9545.
    pub coverage_probability: Option<f64>,
    /// The maximum permissible error (a magnitude).
    pub mpe: Option<f64>,
    /// The decision for this point.
    pub conformity: Option<Verdict>,
}

/// What [`dcc_xml`] needs: the document and the numbers of its results.
#[derive(Debug, Clone, Copy)]
pub struct DccInput<'a> {
    /// The certificate content (the same as printed).
    pub document: &'a CertificateDocument,
    /// The unit symbol of every number in `measurements`, e.g. "g", "kPa", "°C" (see
    /// [`dsi_unit`]).
    pub unit: &'a str,
    /// The test points.
    pub measurements: &'a [DccMeasurement],
    /// The lab's identifier of the certificate (its uuid, or its number).
    pub unique_identifier: &'a str,
    /// The issuing body's digital signature of the certificate content: key id and the
    /// signature as text (base64 or hex).
    pub signature: Option<(&'a str, &'a str)>,
}

/// Why a DCC could not be written.
#[derive(Debug, thiserror::Error)]
pub enum DccError {
    /// The input is incomplete or cannot be expressed in the schema; every problem is listed
    /// with its path (`unit`, `measurements[i].…`, `document.…`). The caller fixes the data.
    #[error("the DCC cannot be written: {}", join(.0))]
    InvalidInput(Vec<ContentProblem>),
}

impl DccError {
    /// The problems found.
    #[must_use]
    pub fn problems(&self) -> &[ContentProblem] {
        match self {
            Self::InvalidInput(problems) => problems,
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

/// The D-SI unit string of one of our unit symbols, or `None` when we have no mapping.
///
/// Relative humidity (`%RH`) is written as `\percent`, the unit of its value. Millimetres of
/// mercury are `\mmHg`, the D-SI notation of that non-SI unit (spelled with capitals, as
/// PTB's D-SI unit parser expects); `\bar` is D-SI's own, too.
///
/// ```
/// use tdc_certificate::dsi_unit;
/// assert_eq!(dsi_unit("kg"), Some(r"\kilo\gram"));
/// assert_eq!(dsi_unit("°C"), Some(r"\degreecelsius"));
/// assert_eq!(dsi_unit("furlong"), None);
/// ```
#[must_use]
pub fn dsi_unit(symbol: &str) -> Option<&'static str> {
    let unit = match symbol.trim() {
        // mass
        "µg" | "μg" => r"\micro\gram",
        "mg" => r"\milli\gram",
        "g" => r"\gram",
        "kg" => r"\kilo\gram",
        "t" => r"\tonne",
        // pressure
        "Pa" => r"\pascal",
        "hPa" => r"\hecto\pascal",
        "kPa" => r"\kilo\pascal",
        "MPa" => r"\mega\pascal",
        "mbar" => r"\milli\bar",
        "bar" => r"\bar",
        "mmHg" => r"\mmHg",
        // temperature
        "°C" | "℃" => r"\degreecelsius",
        "K" => r"\kelvin",
        // volume
        "L" | "l" => r"\litre",
        "mL" | "ml" => r"\milli\litre",
        // length
        "µm" | "μm" => r"\micro\metre",
        "mm" => r"\milli\metre",
        "cm" => r"\centi\metre",
        "m" => r"\metre",
        "km" => r"\kilo\metre",
        // time
        "s" => r"\second",
        "min" => r"\minute",
        "h" => r"\hour",
        // electricity, force, frequency
        "mV" => r"\milli\volt",
        "V" => r"\volt",
        "kV" => r"\kilo\volt",
        "mA" => r"\milli\ampere",
        "A" => r"\ampere",
        "Ω" => r"\ohm",
        "Hz" => r"\hertz",
        "N" => r"\newton",
        "kN" => r"\kilo\newton",
        // ratios
        "%" | "%RH" => r"\percent",
        _ => return None,
    };
    Some(unit)
}

/// The DCC XML of a certificate (UTF-8, schema 3.1.2).
///
/// Fails with every problem found: a document [`crate::validate::problems`] rejects, a unit
/// without a D-SI notation, a number the D-SI format cannot hold (NaN, U < 0, k < 1,
/// p outside (0, 1]), an uncertainty without its k and p, or a character XML 1.0 forbids.
pub fn dcc_xml(input: &DccInput) -> Result<String, DccError> {
    let unit = check(input)?;
    let mut xml = Xml::new();
    xml.event(Event::Decl(BytesDecl::new("1.0", Some("UTF-8"), None)));
    xml.element(
        "dcc:digitalCalibrationCertificate",
        &[
            ("xmlns:dcc", DCC_NAMESPACE),
            ("xmlns:si", SI_NAMESPACE),
            ("schemaVersion", DCC_SCHEMA_VERSION),
        ],
        |xml| {
            xml.element("dcc:administrativeData", &[], |xml| {
                administrative_data(xml, input);
            });
            xml.element("dcc:measurementResults", &[], |xml| {
                measurement_result(xml, input, unit);
            });
        },
    );
    Ok(xml.finish())
}

// ---------------------------------------------------------------------------------------
// Checks: everything the schema or the D-SI format would reject, before writing.

fn check(input: &DccInput) -> Result<&'static str, DccError> {
    let doc = input.document;
    let mut problems: Vec<ContentProblem> = validate::problems(doc)
        .into_iter()
        .map(|p| ContentProblem::new(format!("document.{}", p.field), p.message))
        .collect();

    let unit = dsi_unit(input.unit);
    if unit.is_none() {
        problems.push(ContentProblem::new(
            "unit",
            format!("no D-SI unit for {:?}", input.unit),
        ));
    }
    if input.unique_identifier.trim().is_empty() {
        problems.push(ContentProblem::new("unique_identifier", "is required"));
    }
    if let Some((key_id, signature)) = input.signature {
        if key_id.trim().is_empty() {
            problems.push(ContentProblem::new("signature.key_id", "is required"));
        }
        if signature.trim().is_empty() {
            problems.push(ContentProblem::new("signature.value", "is required"));
        }
    }
    if input.measurements.is_empty() {
        problems.push(ContentProblem::new(
            "measurements",
            "at least one test point is required (dcc:results)",
        ));
    }
    for (i, point) in input.measurements.iter().enumerate() {
        check_measurement(
            &format!("measurements[{i}]"),
            point,
            doc.kind,
            &mut problems,
        );
    }
    check_xml_characters(input, &mut problems);

    match unit {
        Some(unit) if problems.is_empty() => Ok(unit),
        _ => Err(DccError::InvalidInput(problems)),
    }
}

fn check_measurement(
    path: &str,
    point: &DccMeasurement,
    kind: DocumentKind,
    problems: &mut Vec<ContentProblem>,
) {
    let mut problem = |field: &str, message: &str| {
        problems.push(ContentProblem::new(format!("{path}.{field}"), message));
    };
    if point.point.trim().is_empty() {
        problem("point", "is required");
    }
    let finite = [
        ("nominal", Some(point.nominal)),
        ("measured", point.measured),
        ("error", point.error),
        ("mpe", point.mpe),
    ];
    for (field, value) in finite {
        if value.is_some_and(|v| !v.is_finite()) {
            problem(field, "must be a finite number");
        }
    }
    if point.mpe.is_some_and(|mpe| mpe < 0.0) {
        problem("mpe", "is a magnitude and must not be negative");
    }
    if let Some(u) = point.expanded_uncertainty {
        if !(u.is_finite() && u >= 0.0) {
            problem("expanded_uncertainty", "must be a finite number ≥ 0");
        }
        if point.measured.is_none() && point.error.is_none() {
            problem(
                "expanded_uncertainty",
                "needs a measured value or an error to belong to",
            );
        }
        match point.coverage_factor {
            None => problem("coverage_factor", "is required with expanded_uncertainty"),
            // The D-SI kValueType: a decimal ≥ 1 without exponent.
            Some(k) if !(k.is_finite() && k >= 1.0) => {
                problem("coverage_factor", "must be a finite number ≥ 1");
            }
            Some(_) => {}
        }
        match point.coverage_probability {
            None => problem(
                "coverage_probability",
                "is required with expanded_uncertainty",
            ),
            Some(p) if !(p > 0.0 && p <= 1.0) => {
                problem(
                    "coverage_probability",
                    "must be a fraction in (0, 1], e.g. 0.9545",
                );
            }
            Some(_) => {}
        }
    } else {
        // Nothing would carry them: say so rather than drop them.
        if point.coverage_factor.is_some() {
            problem("coverage_factor", "is given without expanded_uncertainty");
        }
        if point.coverage_probability.is_some() {
            problem(
                "coverage_probability",
                "is given without expanded_uncertainty",
            );
        }
    }
    match kind {
        // ISO/IEC 17025 §7.8.4.1, as for the printed rows (crate::validate).
        DocumentKind::CalibrationCertificate => {
            if point.measured.is_none() {
                problem("measured", "is required for a calibration certificate");
            }
            if point.expanded_uncertainty.is_none() {
                problem(
                    "expanded_uncertainty",
                    "is required for a calibration certificate",
                );
            }
        }
        DocumentKind::VerificationCertificate => {
            if point.conformity == Some(Verdict::Fail) {
                problem(
                    "conformity",
                    "a failed point cannot appear on a verification certificate",
                );
            }
        }
        DocumentKind::NoticeOfFailure | DocumentKind::VerificationRecord => {}
    }
}

/// XML 1.0 cannot carry most control characters, not even escaped (§2.2 `Char`).
fn check_xml_characters(input: &DccInput, problems: &mut Vec<ContentProblem>) {
    fn walk(path: &str, value: &serde_json::Value, problems: &mut Vec<ContentProblem>) {
        match value {
            serde_json::Value::String(text) => forbidden(path, text, problems),
            serde_json::Value::Array(items) => {
                for (i, item) in items.iter().enumerate() {
                    walk(&format!("{path}[{i}]"), item, problems);
                }
            }
            serde_json::Value::Object(fields) => {
                for (key, item) in fields {
                    // The chart is an SVG for the PDF; the DCC does not carry it.
                    if key != "chart_svg" {
                        walk(&format!("{path}.{key}"), item, problems);
                    }
                }
            }
            _ => {}
        }
    }
    fn forbidden(path: &str, text: &str, problems: &mut Vec<ContentProblem>) {
        let bad = |c: char| {
            (c < ' ' && !matches!(c, '\t' | '\n' | '\r')) || matches!(c, '\u{FFFE}' | '\u{FFFF}')
        };
        if let Some(c) = text.chars().find(|&c| bad(c)) {
            problems.push(ContentProblem::new(
                path,
                format!(
                    "contains the character U+{:04X}, which XML 1.0 cannot carry",
                    c as u32
                ),
            ));
        }
    }

    let document = serde_json::to_value(input.document)
        .expect("invariant: a CertificateDocument serializes to JSON (string keys only)");
    walk("document", &document, problems);
    for (i, point) in input.measurements.iter().enumerate() {
        forbidden(&format!("measurements[{i}].point"), &point.point, problems);
    }
    forbidden("unique_identifier", input.unique_identifier, problems);
    if let Some((key_id, signature)) = input.signature {
        forbidden("signature.key_id", key_id, problems);
        forbidden("signature.value", signature, problems);
    }
}

// ---------------------------------------------------------------------------------------
// Administrative data.

fn administrative_data(xml: &mut Xml, input: &DccInput) {
    let doc = input.document;
    xml.element("dcc:dccSoftware", &[], |xml| {
        xml.element("dcc:software", &[], |xml| {
            xml.plain("dcc:name", "tdc-server");
            xml.leaf("dcc:release", env!("CARGO_PKG_VERSION"));
            xml.leaf("dcc:type", "application");
        });
    });
    xml.element("dcc:coreData", &[], |xml| {
        xml.leaf("dcc:countryCodeISO3166_1", COUNTRY);
        xml.leaf("dcc:usedLangCodeISO639_1", "vi");
        xml.leaf("dcc:usedLangCodeISO639_1", "en");
        xml.leaf("dcc:mandatoryLangCodeISO639_1", "vi");
        xml.leaf("dcc:uniqueIdentifier", &doc.number);
        if input.unique_identifier.trim() != doc.number.trim() {
            xml.element("dcc:identifications", &[], |xml| {
                identification(
                    xml,
                    "calibrationLaboratory",
                    input.unique_identifier,
                    ("Mã định danh chứng chỉ", "Certificate identifier"),
                );
            });
        }
        if let Some(received) = doc.received_on {
            xml.leaf("dcc:receiptDate", &received.to_string());
        }
        xml.leaf("dcc:beginPerformanceDate", &doc.performed_on.to_string());
        xml.leaf("dcc:endPerformanceDate", &doc.performed_on.to_string());
        xml.leaf("dcc:performanceLocation", performance_location(doc));
    });
    xml.element("dcc:items", &[], |xml| item(xml, doc));
    xml.element("dcc:calibrationLaboratory", &[], |xml| {
        let body = &doc.issuing_body;
        if let Some(accreditation) = &body.accreditation {
            xml.leaf("dcc:calibrationLaboratoryCode", accreditation);
        }
        xml.element("dcc:contact", &[], |xml| {
            xml.localized("dcc:name", &body.name);
            // Required by the schema; empty when the body has none.
            xml.leaf("dcc:eMail", body.email.as_deref().unwrap_or(""));
            if let Some(phone) = &body.phone {
                xml.leaf("dcc:phone", phone);
            }
            xml.element("dcc:location", &[], |xml| {
                xml.leaf("dcc:countryCode", COUNTRY);
                xml.plain("dcc:further", &body.address);
            });
        });
    });
    xml.element("dcc:respPersons", &[], |xml| {
        for signatory in &doc.signatories {
            resp_person(xml, doc.kind, signatory);
        }
    });
    xml.element("dcc:customer", &[], |xml| {
        xml.plain("dcc:name", &doc.owner.name);
        // Required by the schema; the document has no e-mail of the owner.
        xml.leaf("dcc:eMail", "");
        xml.element("dcc:location", &[], |xml| {
            xml.plain("dcc:further", &doc.owner.address);
        });
    });
    xml.element("dcc:statements", &[], |xml| statements(xml, input));
}

/// Field work is recognised by the place naming the owner's address or name; anything else
/// was done in the laboratory (the document has no explicit flag).
fn performance_location(doc: &CertificateDocument) -> &'static str {
    let place = doc.place.to_lowercase();
    let mentions = |text: &str| {
        let text = text.trim().to_lowercase();
        !text.is_empty() && place.contains(&text)
    };
    if mentions(&doc.owner.address) || mentions(&doc.owner.name) {
        "customer"
    } else {
        "laboratory"
    }
}

fn item(xml: &mut Xml, doc: &CertificateDocument) {
    let instrument = &doc.instrument;
    xml.element("dcc:item", &[], |xml| {
        xml.localized("dcc:name", &instrument.name);
        // The characteristics printed under the name, as text in both languages.
        let mut vi = Vec::new();
        let mut en = Vec::new();
        if let Some(category) = &instrument.category {
            vi.push(format!("Loại: {}", category.vi));
            en.push(format!("Category: {}", english(category)));
        }
        vi.push(format!("Phạm vi đo: {}", instrument.measuring_range));
        en.push(format!("Measuring range: {}", instrument.measuring_range));
        if let Some(resolution) = &instrument.resolution {
            vi.push(format!("Độ phân giải: {resolution}"));
            en.push(format!("Resolution: {resolution}"));
        }
        if let Some(class) = &instrument.accuracy_class {
            vi.push(format!("Cấp chính xác: {class}"));
            en.push(format!("Accuracy class: {class}"));
        }
        if let Some(year) = &instrument.year_of_manufacture {
            vi.push(format!("Năm sản xuất: {year}"));
            en.push(format!("Year of manufacture: {year}"));
        }
        for characteristic in &instrument.other {
            vi.push(format!(
                "{}: {}",
                characteristic.label.vi, characteristic.value
            ));
            en.push(format!(
                "{}: {}",
                english(&characteristic.label),
                characteristic.value
            ));
        }
        xml.bilingual("dcc:description", &vi.join("; "), &en.join("; "));
        xml.element("dcc:manufacturer", &[], |xml| {
            xml.plain("dcc:name", &instrument.manufacturer);
        });
        xml.leaf("dcc:model", &instrument.model);
        xml.element("dcc:identifications", &[], |xml| {
            identification(
                xml,
                "manufacturer",
                &instrument.serial,
                ("Số sản xuất", "Serial number"),
            );
        });
    });
}

fn identification(xml: &mut Xml, issuer: &str, value: &str, name: (&str, &str)) {
    xml.element("dcc:identification", &[], |xml| {
        xml.leaf("dcc:issuer", issuer);
        xml.leaf("dcc:value", value);
        xml.bilingual("dcc:name", name.0, name.1);
    });
}

fn resp_person(xml: &mut Xml, kind: DocumentKind, signatory: &Signatory) {
    let verification = kind != DocumentKind::CalibrationCertificate;
    let (role, heading) = match signatory.role {
        SignatoryRole::Technician if verification => {
            ("technician", ("Người thực hiện", "Verified by"))
        }
        SignatoryRole::Technician => ("technician", ("Người thực hiện", "Calibrated by")),
        SignatoryRole::Reviewer => ("reviewer", ("Người soát lại", "Checked by")),
        SignatoryRole::Approver => ("approver", ("Thủ trưởng đơn vị", "Head of organisation")),
    };
    xml.element("dcc:respPerson", &[], |xml| {
        xml.element("dcc:person", &[], |xml| {
            xml.plain("dcc:name", &signatory.name);
        });
        let (vi, en) = match &signatory.title {
            Some(title) => (
                format!("{}: {}", heading.0, title.vi),
                format!("{}: {}", heading.1, english(title)),
            ),
            None => (heading.0.to_owned(), heading.1.to_owned()),
        };
        xml.bilingual("dcc:description", &vi, &en);
        xml.leaf("dcc:role", role);
        xml.leaf(
            "dcc:mainSigner",
            if signatory.role == SignatoryRole::Approver {
                "true"
            } else {
                "false"
            },
        );
    });
}

// ---------------------------------------------------------------------------------------
// Statements. Element order inside one (statementMetaDataType): norm, reference,
// declaration, date, conformity, data, location.

fn statements(xml: &mut Xml, input: &DccInput) {
    let doc = input.document;
    identity_statements(xml, doc);
    conformity_statements(xml, doc);
    if let Some(uncertainty) = &doc.uncertainty {
        uncertainty_statement(xml, uncertainty);
    }
    validity_statements(xml, doc);
    if let Some((key_id, signature)) = input.signature {
        xml.element("dcc:statement", &[("refType", "tdc_signature")], |xml| {
            xml.leaf("dcc:reference", key_id);
            xml.bilingual(
                "dcc:declaration",
                &format!(
                    "Chữ ký số của tổ chức ban hành trên nội dung giấy chứng nhận (khóa {key_id})"
                ),
                &format!(
                    "Digital signature of the issuing body over the certificate content (key {key_id})"
                ),
            );
            xml.element("dcc:data", &[], |xml| xml.plain("dcc:text", signature));
        });
    }
}

/// What the document is, when it was issued, what it replaces, where the work was done.
fn identity_statements(xml: &mut Xml, doc: &CertificateDocument) {
    let (kind_vi, kind_en) = doc.kind.titles();
    xml.element("dcc:statement", &[("refType", "tdc_documentKind")], |xml| {
        xml.bilingual("dcc:declaration", kind_vi, kind_en);
    });
    // Schema 3.1.2 has no issue date in coreData.
    xml.element("dcc:statement", &[("refType", "tdc_issueDate")], |xml| {
        xml.bilingual("dcc:declaration", "Ngày ban hành", "Date of issue");
        xml.leaf("dcc:date", &doc.issue_date.to_string());
    });
    if let Some(amendment) = &doc.amendment {
        xml.element("dcc:statement", &[("refType", "tdc_amendment")], |xml| {
            xml.leaf("dcc:reference", &amendment.supersedes);
            xml.localized("dcc:declaration", &amendment.reason);
            xml.element("dcc:data", &[], |xml| {
                xml.bilingual(
                    "dcc:text",
                    &format!(
                        "Sửa đổi lần {}, thay thế giấy chứng nhận số {}",
                        amendment.revision, amendment.supersedes
                    ),
                    &format!(
                        "Revision {}, supersedes certificate No. {}",
                        amendment.revision, amendment.supersedes
                    ),
                );
            });
        });
    }
    if let Some(mode) = doc.verification_mode {
        let (vi, en) = match mode {
            VerificationMode::Initial => ("ban đầu", "initial"),
            VerificationMode::Periodic => ("định kỳ", "periodic"),
            VerificationMode::AfterRepair => ("sau sửa chữa", "after repair"),
        };
        xml.element(
            "dcc:statement",
            &[("refType", "tdc_verificationMode")],
            |xml| {
                xml.bilingual(
                    "dcc:declaration",
                    &format!("Chế độ kiểm định: {vi}"),
                    &format!("Verification mode: {en}"),
                );
            },
        );
    }
    xml.element("dcc:statement", &[("refType", "tdc_place")], |xml| {
        xml.bilingual(
            "dcc:declaration",
            "Địa điểm thực hiện",
            "Place of performance",
        );
        xml.element("dcc:location", &[], |xml| {
            xml.plain("dcc:further", &doc.place);
        });
    });
}

/// The qualitative checks, the decision rule and the overall conclusion (ISO/IEC 17025
/// §7.8.6).
fn conformity_statements(xml: &mut Xml, doc: &CertificateDocument) {
    for check in &doc.checks {
        xml.element("dcc:statement", &[("refType", "tdc_check")], |xml| {
            xml.localized("dcc:declaration", &check.name);
            xml.leaf("dcc:conformity", conformity(check.verdict));
            if let Some(note) = &check.note {
                xml.element("dcc:data", &[], |xml| xml.localized("dcc:text", note));
            }
        });
    }
    if let Some(rule) = &doc.decision_rule {
        xml.element("dcc:statement", &[("refType", "tdc_decisionRule")], |xml| {
            xml.localized("dcc:declaration", rule);
        });
    }
    if let Some(conclusion) = &doc.conclusion {
        xml.element("dcc:statement", &[("refType", "tdc_conclusion")], |xml| {
            xml.leaf("dcc:norm", &doc.procedure.document);
            match (&conclusion.statement, conclusion.verdict) {
                (Some(statement), _) => xml.localized("dcc:declaration", statement),
                (None, Verdict::Pass) => xml.bilingual(
                    "dcc:declaration",
                    "Đạt yêu cầu kỹ thuật đo lường",
                    "Meets the metrological requirements",
                ),
                (None, Verdict::Fail) => xml.bilingual(
                    "dcc:declaration",
                    "Không đạt yêu cầu kỹ thuật đo lường",
                    "Does not meet the metrological requirements",
                ),
            }
            xml.leaf("dcc:conformity", conformity(conclusion.verdict));
            if let Some(reason) = &conclusion.failure_reason {
                xml.element("dcc:data", &[], |xml| xml.localized("dcc:text", reason));
            }
        });
    }
}

/// The uncertainty statement as printed (ISO/IEC 17025 §7.8.4.1); the numbers of each point
/// are in its `si:expandedUnc`.
fn uncertainty_statement(xml: &mut Xml, uncertainty: &UncertaintyStatement) {
    xml.element("dcc:statement", &[("refType", "tdc_uncertainty")], |xml| {
        if let Some(text) = &uncertainty.text {
            xml.localized("dcc:declaration", text);
        } else {
            let k = &uncertainty.coverage_factor;
            let p = &uncertainty.coverage_probability;
            xml.bilingual(
                "dcc:declaration",
                &format!(
                    "Độ không đảm bảo đo mở rộng U được công bố bằng độ không đảm bảo đo chuẩn tổng hợp nhân với hệ số phủ k = {k}, tương ứng với mức tin cậy xấp xỉ {p}."
                ),
                &format!(
                    "The expanded uncertainty U is the combined standard uncertainty multiplied by the coverage factor k = {k}, corresponding to a coverage probability of approximately {p}."
                ),
            );
        }
        if let Some(overall) = &uncertainty.expanded_uncertainty {
            xml.element("dcc:data", &[], |xml| xml.plain("dcc:text", overall));
        }
    });
}

/// Validity, stamp, the body's designation and the remarks.
fn validity_statements(xml: &mut Xml, doc: &CertificateDocument) {
    if let Some(until) = doc.valid_until {
        xml.element("dcc:statement", &[("refType", "tdc_validUntil")], |xml| {
            let shown = until.format("%d/%m/%Y");
            xml.bilingual(
                "dcc:declaration",
                &format!("Giấy chứng nhận có giá trị đến hết ngày {shown}"),
                &format!("Valid until {shown}"),
            );
            xml.leaf("dcc:date", &until.to_string());
        });
    }
    if let Some(stamp) = &doc.stamp_number {
        xml.element("dcc:statement", &[("refType", "tdc_stamp")], |xml| {
            xml.bilingual(
                "dcc:declaration",
                "Số tem kiểm định",
                "Verification stamp number",
            );
            xml.element("dcc:data", &[], |xml| xml.plain("dcc:text", stamp));
        });
    }
    if let Some(designation) = &doc.issuing_body.designation {
        xml.element("dcc:statement", &[("refType", "tdc_designation")], |xml| {
            xml.plain("dcc:declaration", designation);
        });
    }
    for remark in &doc.remarks {
        xml.element("dcc:statement", &[("refType", "tdc_remark")], |xml| {
            xml.localized("dcc:declaration", remark);
        });
    }
}

fn conformity(verdict: Verdict) -> &'static str {
    match verdict {
        Verdict::Pass => "pass",
        Verdict::Fail => "fail",
    }
}

// ---------------------------------------------------------------------------------------
// Measurement results.

fn measurement_result(xml: &mut Xml, input: &DccInput, unit: &str) {
    let doc = input.document;
    let (vi, en) = if doc.kind == DocumentKind::CalibrationCertificate {
        ("Kết quả hiệu chuẩn", "Calibration results")
    } else {
        ("Kết quả kiểm định", "Verification results")
    };
    xml.element("dcc:measurementResult", &[], |xml| {
        xml.bilingual("dcc:name", vi, en);
        xml.element("dcc:usedMethods", &[], |xml| {
            xml.element("dcc:usedMethod", &[], |xml| {
                let procedure = &doc.procedure;
                match &procedure.title {
                    Some(title) => xml.localized("dcc:name", title),
                    None => xml.plain("dcc:name", &procedure.document),
                }
                if let Some(summary) = &procedure.method_summary {
                    xml.localized("dcc:description", summary);
                }
                xml.leaf("dcc:norm", &procedure.document);
                xml.leaf("dcc:reference", &procedure.id);
            });
        });
        if !doc.standards.is_empty() {
            xml.element("dcc:measuringEquipments", &[], |xml| {
                for standard in &doc.standards {
                    measuring_equipment(xml, standard);
                }
            });
        }
        if !doc.environment.is_empty() {
            xml.element("dcc:influenceConditions", &[], |xml| {
                for condition in &doc.environment {
                    influence_condition(xml, condition);
                }
            });
        }
        xml.element("dcc:results", &[], |xml| {
            xml.element("dcc:result", &[], |xml| {
                xml.bilingual(
                    "dcc:name",
                    "Kết quả tại các điểm kiểm tra",
                    "Results at the test points",
                );
                xml.element("dcc:data", &[], |xml| {
                    xml.element("dcc:list", &[], |xml| {
                        for point in input.measurements {
                            test_point(xml, point, unit);
                        }
                    });
                });
            });
        });
    });
}

fn measuring_equipment(xml: &mut Xml, standard: &StandardUsed) {
    xml.element("dcc:measuringEquipment", &[], |xml| {
        xml.localized("dcc:name", &standard.name);
        let (vi_until, en_until) = standard.valid_until.map_or_else(
            || (String::new(), String::new()),
            |until| {
                let shown = until.format("%d/%m/%Y");
                (
                    format!("; hiệu chuẩn có giá trị đến {shown}"),
                    format!("; calibration valid until {shown}"),
                )
            },
        );
        let vi = format!("Liên kết chuẩn: {}{vi_until}", standard.traceability.vi);
        let en = format!(
            "Traceability: {}{en_until}",
            english(&standard.traceability)
        );
        xml.bilingual("dcc:description", &vi, &en);
        xml.element("dcc:identifications", &[], |xml| {
            identification(
                xml,
                "calibrationLaboratory",
                &standard.code,
                ("Mã thiết bị", "Equipment code"),
            );
            identification(
                xml,
                "other",
                &standard.certificate_number,
                (
                    "Số giấy chứng nhận hiệu chuẩn",
                    "Calibration certificate number",
                ),
            );
        });
    });
}

fn influence_condition(xml: &mut Xml, condition: &EnvironmentalCondition) {
    xml.element("dcc:influenceCondition", &[], |xml| {
        xml.localized("dcc:name", &condition.quantity);
        xml.element("dcc:data", &[], |xml| {
            let unit = dsi_unit(&condition.unit);
            match (unit, environmental_value(&condition.value)) {
                (Some(unit), Some(EnvironmentalValue::Single(value))) => {
                    xml.element("dcc:quantity", &[], |xml| real(xml, value, unit, None));
                }
                (Some(unit), Some(EnvironmentalValue::Range(low, high))) => {
                    xml.element("dcc:quantity", &[("refType", "tdc_minimum")], |xml| {
                        xml.bilingual("dcc:name", "Nhỏ nhất", "Minimum");
                        real(xml, low, unit, None);
                    });
                    xml.element("dcc:quantity", &[("refType", "tdc_maximum")], |xml| {
                        xml.bilingual("dcc:name", "Lớn nhất", "Maximum");
                        real(xml, high, unit, None);
                    });
                }
                // Not a number we can read, or a unit without D-SI notation: the text as
                // printed stands in for the quantity.
                _ => xml.element("dcc:quantity", &[], |xml| {
                    xml.plain(
                        "dcc:noQuantity",
                        &format!("{} {}", condition.value.trim(), condition.unit.trim()),
                    );
                }),
            }
        });
    });
}

enum EnvironmentalValue {
    Single(f64),
    Range(f64, f64),
}

/// "24,1" or "(23,8 ÷ 24,6)", as printed with a decimal comma.
fn environmental_value(text: &str) -> Option<EnvironmentalValue> {
    let text = text.trim();
    let inner = text
        .strip_prefix('(')
        .and_then(|rest| rest.strip_suffix(')'))
        .unwrap_or(text);
    if let Some((low, high)) = inner.split_once('÷') {
        return Some(EnvironmentalValue::Range(
            decimal_comma(low)?,
            decimal_comma(high)?,
        ));
    }
    decimal_comma(text).map(EnvironmentalValue::Single)
}

/// A number written with a decimal comma and no grouping ("24,1", "−0,5", "62"). A dot is
/// refused: under the decimal-comma convention it would be a thousands separator.
fn decimal_comma(text: &str) -> Option<f64> {
    let text = text.trim().replace('−', "-");
    let digits = text.strip_prefix(['-', '+']).unwrap_or(&text);
    let well_formed = !digits.is_empty()
        && digits.chars().all(|c| c.is_ascii_digit() || c == ',')
        && digits.matches(',').count() <= 1
        && !digits.starts_with(',')
        && !digits.ends_with(',');
    if !well_formed {
        return None;
    }
    text.replace(',', ".")
        .parse::<f64>()
        .ok()
        .filter(|value| value.is_finite())
}

fn test_point(xml: &mut Xml, point: &DccMeasurement, unit: &str) {
    // `check_measurement` made sure U never comes without k and p.
    let uncertainty = match (
        point.expanded_uncertainty,
        point.coverage_factor,
        point.coverage_probability,
    ) {
        (Some(uncertainty), Some(coverage_factor), Some(coverage_probability)) => Some(Expanded {
            uncertainty,
            coverage_factor,
            coverage_probability,
        }),
        _ => None,
    };
    // U belongs to the error, or to the measured value when there is no error.
    let (measured_unc, error_unc) = if point.error.is_some() {
        (None, uncertainty)
    } else {
        (uncertainty, None)
    };
    xml.element("dcc:list", &[("refType", "tdc_testPoint")], |xml| {
        xml.plain("dcc:name", &point.point);
        quantity(
            xml,
            "basic_nominalValue",
            ("Giá trị danh định", "Nominal value"),
            point.nominal,
            unit,
            None,
        );
        if let Some(measured) = point.measured {
            quantity(
                xml,
                "basic_measuredValue",
                ("Giá trị đo", "Measured value"),
                measured,
                unit,
                measured_unc,
            );
        }
        if let Some(error) = point.error {
            quantity(
                xml,
                "basic_measurementError",
                ("Sai số", "Error"),
                error,
                unit,
                error_unc,
            );
        }
        if let Some(mpe) = point.mpe {
            quantity(
                xml,
                "tdc_maximumPermissibleError",
                (
                    "Sai số lớn nhất cho phép (±)",
                    "Maximum permissible error (±)",
                ),
                mpe,
                unit,
                None,
            );
        }
        if let Some(verdict) = point.conformity {
            xml.element("dcc:measurementMetaData", &[], |xml| {
                xml.element("dcc:metaData", &[("refType", "basic_conformity")], |xml| {
                    xml.bilingual(
                        "dcc:declaration",
                        "Đánh giá sự phù hợp tại điểm kiểm tra",
                        "Conformity at this test point",
                    );
                    xml.leaf("dcc:conformity", conformity(verdict));
                });
            });
        }
    });
}

#[derive(Clone, Copy)]
struct Expanded {
    uncertainty: f64,
    coverage_factor: f64,
    coverage_probability: f64,
}

fn quantity(
    xml: &mut Xml,
    ref_type: &str,
    name: (&str, &str),
    value: f64,
    unit: &str,
    uncertainty: Option<Expanded>,
) {
    xml.element("dcc:quantity", &[("refType", ref_type)], |xml| {
        xml.bilingual("dcc:name", name.0, name.1);
        real(xml, value, unit, uncertainty);
    });
}

fn real(xml: &mut Xml, value: f64, unit: &str, uncertainty: Option<Expanded>) {
    xml.element("si:real", &[], |xml| {
        xml.leaf("si:value", &number(value));
        xml.leaf("si:unit", unit);
        if let Some(unc) = uncertainty {
            xml.element("si:expandedUnc", &[], |xml| {
                xml.leaf("si:uncertainty", &number(unc.uncertainty));
                xml.leaf("si:coverageFactor", &number(unc.coverage_factor));
                xml.leaf("si:coverageProbability", &number(unc.coverage_probability));
            });
        }
    });
}

/// Shortest round-trip decimal, never with an exponent (Rust's `Display` of f64); adding
/// 0.0 turns −0 into 0, which the D-SI patterns for U, k and p would refuse.
fn number(value: f64) -> String {
    format!("{}", value + 0.0)
}

/// The English text, or the Vietnamese one where no translation exists.
fn english(text: &LocalizedText) -> &str {
    match &text.en {
        Some(en) if !en.trim().is_empty() => en,
        _ => &text.vi,
    }
}

// ---------------------------------------------------------------------------------------
// The writer: quick-xml events into a Vec, indented for people who read the file.

struct Xml {
    writer: Writer<Vec<u8>>,
}

impl Xml {
    fn new() -> Self {
        Self {
            writer: Writer::new_with_indent(Vec::new(), b' ', 2),
        }
    }

    fn event(&mut self, event: Event<'_>) {
        self.writer
            .write_event(event)
            .expect("invariant: writing XML into a Vec<u8> cannot fail");
    }

    /// `<name attributes…>` … `</name>` around what `body` writes.
    fn element(&mut self, name: &str, attributes: &[(&str, &str)], body: impl FnOnce(&mut Self)) {
        let start = BytesStart::new(name).with_attributes(attributes.iter().copied());
        self.event(Event::Start(start));
        body(self);
        self.event(Event::End(BytesEnd::new(name)));
    }

    /// `<name>text</name>`, escaped.
    fn leaf(&mut self, name: &str, text: &str) {
        self.leaf_with(name, &[], text);
    }

    fn leaf_with(&mut self, name: &str, attributes: &[(&str, &str)], text: &str) {
        self.element(name, attributes, |xml| {
            xml.event(Event::Text(BytesText::from_escaped(escape_text(text))));
        });
    }

    /// A `dcc:textType` / `dcc:richContentType` element with one `dcc:content` per language.
    fn contents(&mut self, name: &str, contents: &[(Option<&str>, &str)]) {
        self.element(name, &[], |xml| {
            for (lang, text) in contents {
                match lang {
                    Some(lang) => xml.leaf_with("dcc:content", &[("lang", lang)], text),
                    None => xml.leaf("dcc:content", text),
                }
            }
        });
    }

    /// A document text: Vietnamese, and English when the document has it.
    fn localized(&mut self, name: &str, text: &LocalizedText) {
        match text.en.as_deref().filter(|en| !en.trim().is_empty()) {
            Some(en) => self.bilingual(name, &text.vi, en),
            None => self.contents(name, &[(Some("vi"), &text.vi)]),
        }
    }

    fn bilingual(&mut self, name: &str, vi: &str, en: &str) {
        self.contents(name, &[(Some("vi"), vi), (Some("en"), en)]);
    }

    /// A language-neutral text: a proper name, a number, an address.
    fn plain(&mut self, name: &str, text: &str) {
        self.contents(name, &[(None, text)]);
    }

    fn finish(self) -> String {
        String::from_utf8(self.writer.into_inner())
            .expect("invariant: the writer only received UTF-8 text")
    }
}

/// quick-xml's escaping plus `\r`, which a parser would otherwise normalise away.
fn escape_text(text: &str) -> Cow<'_, str> {
    let escaped = escape(text);
    if escaped.contains('\r') {
        Cow::Owned(escaped.replace('\r', "&#13;"))
    } else {
        escaped
    }
}
