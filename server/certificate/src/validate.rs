//! What each kind of document requires before it may be printed.
//!
//! All problems are collected with their field paths, not just the first, so a caller can
//! show the whole list at once. The rules follow domain-rules.md: a verification certificate
//! is only issued on pass and carries a stamp number and a validity date (§4.2); a failed
//! verification gives a notice that says why (§4.3); a calibration certificate states U with
//! k and p for every point (ISO/IEC 17025 §7.8.4.1); any conformity statement names its
//! decision rule (§7.8.6).

use crate::error::ContentProblem;
use crate::model::{CertificateDocument, DocumentKind, LocalizedText, Verdict};

/// Every problem that prevents `doc` from being printed (empty when it may be printed).
#[must_use]
pub fn problems(doc: &CertificateDocument) -> Vec<ContentProblem> {
    let mut check = Checker::default();
    common(doc, &mut check);
    match doc.kind {
        DocumentKind::VerificationCertificate => verification_certificate(doc, &mut check),
        DocumentKind::CalibrationCertificate => calibration_certificate(doc, &mut check),
        DocumentKind::NoticeOfFailure => notice_of_failure(doc, &mut check),
        DocumentKind::VerificationRecord => verification_record(doc, &mut check),
    }
    check.problems
}

#[derive(Default)]
struct Checker {
    problems: Vec<ContentProblem>,
}

impl Checker {
    fn problem(&mut self, field: impl Into<String>, message: impl Into<String>) {
        self.problems.push(ContentProblem::new(field, message));
    }

    fn text(&mut self, field: &str, value: &str) {
        if value.trim().is_empty() {
            self.problem(field, "is required");
        }
    }

    fn localized(&mut self, field: &str, value: &LocalizedText) {
        if value.is_blank() {
            self.problem(format!("{field}.vi"), "is required");
        }
    }

    fn present<T>(&mut self, field: &str, value: Option<&T>) -> bool {
        if value.is_none() {
            self.problem(field, "is required");
        }
        value.is_some()
    }
}

fn common(doc: &CertificateDocument, check: &mut Checker) {
    check.localized("issuing_body.name", &doc.issuing_body.name);
    check.text("issuing_body.address", &doc.issuing_body.address);
    check.text("issuing_body.locality", &doc.issuing_body.locality);
    check.text("number", &doc.number);
    if !(doc.qr_payload.starts_with("https://") || doc.qr_payload.starts_with("http://")) {
        check.problem(
            "qr_payload",
            "must be an http(s) URL to the verification page",
        );
    }
    if doc.performed_on > doc.issue_date {
        check.problem("issue_date", "must not be before performed_on");
    }
    if let Some(received) = doc.received_on
        && received > doc.performed_on
    {
        check.problem("received_on", "must not be after performed_on");
    }
    if let Some(amendment) = &doc.amendment {
        if amendment.revision == 0 {
            check.problem("amendment.revision", "must be 1 or more");
        }
        check.text("amendment.supersedes", &amendment.supersedes);
        check.localized("amendment.reason", &amendment.reason);
    }

    let instrument = &doc.instrument;
    check.localized("instrument.name", &instrument.name);
    check.text("instrument.manufacturer", &instrument.manufacturer);
    check.text("instrument.model", &instrument.model);
    check.text("instrument.serial", &instrument.serial);
    check.text("instrument.measuring_range", &instrument.measuring_range);
    check.text("owner.name", &doc.owner.name);
    check.text("owner.address", &doc.owner.address);
    check.text("procedure.id", &doc.procedure.id);
    check.text("procedure.document", &doc.procedure.document);
    check.text("place", &doc.place);

    for (i, condition) in doc.environment.iter().enumerate() {
        check.localized(&format!("environment[{i}].quantity"), &condition.quantity);
        check.text(&format!("environment[{i}].value"), &condition.value);
        check.text(&format!("environment[{i}].unit"), &condition.unit);
    }
    for (i, standard) in doc.standards.iter().enumerate() {
        check.text(&format!("standards[{i}].code"), &standard.code);
        check.localized(&format!("standards[{i}].name"), &standard.name);
        check.text(
            &format!("standards[{i}].certificate_number"),
            &standard.certificate_number,
        );
        check.localized(
            &format!("standards[{i}].traceability"),
            &standard.traceability,
        );
    }
    for (i, outcome) in doc.checks.iter().enumerate() {
        check.localized(&format!("checks[{i}].name"), &outcome.name);
    }
    check.text("results.unit", &doc.results.unit);
    for (path, row) in doc.results.rows() {
        check.text(&format!("{path}.point"), &row.point);
    }
    if let Some(uncertainty) = &doc.uncertainty {
        check.text("uncertainty.coverage_factor", &uncertainty.coverage_factor);
        check.text(
            "uncertainty.coverage_probability",
            &uncertainty.coverage_probability,
        );
    }
    if let Some(svg) = &doc.chart_svg {
        let head = svg.trim_start();
        if !(head.starts_with("<svg") || head.starts_with("<?xml")) {
            check.problem("chart_svg", "must be an SVG document");
        }
    }

    if doc.signatories.is_empty() {
        check.problem("signatories", "at least one signatory is required");
    }
    for (i, signatory) in doc.signatories.iter().enumerate() {
        check.text(&format!("signatories[{i}].name"), &signatory.name);
    }
    if let Some(fingerprint) = &doc.signature_fingerprint {
        check.text("signature_fingerprint.key_id", &fingerprint.key_id);
        check.text("signature_fingerprint.digest", &fingerprint.digest);
    }
}

/// Verification kinds state the mode and judge every point against its MPE by a stated rule.
fn verification_common(doc: &CertificateDocument, check: &mut Checker) {
    check.present("verification_mode", doc.verification_mode.as_ref());
    check.present("decision_rule", doc.decision_rule.as_ref());
    if let Some(rule) = &doc.decision_rule {
        check.localized("decision_rule", rule);
    }
    for (path, row) in doc.results.rows() {
        check.present(&format!("{path}.measured"), row.measured.as_ref());
        check.present(&format!("{path}.error"), row.error.as_ref());
        check.present(&format!("{path}.mpe"), row.mpe.as_ref());
        check.present(&format!("{path}.decision"), row.decision.as_ref());
    }
}

fn verification_certificate(doc: &CertificateDocument, check: &mut Checker) {
    verification_common(doc, check);
    if doc.results.row_count() == 0 {
        check.problem("results.groups", "at least one result row is required");
    }
    if check.present("conclusion", doc.conclusion.as_ref())
        && doc.conclusion.as_ref().map(|c| c.verdict) == Some(Verdict::Fail)
    {
        check.problem(
            "conclusion.verdict",
            "a verification certificate is only issued on pass; print a notice_of_failure",
        );
    }
    for (path, row) in doc.results.rows() {
        if row.decision == Some(Verdict::Fail) {
            check.problem(
                format!("{path}.decision"),
                "a failed point cannot appear on a verification certificate",
            );
        }
    }
    if let Some(stamp) = &doc.stamp_number {
        check.text("stamp_number", stamp);
    } else {
        check.problem("stamp_number", "is required");
    }
    match doc.valid_until {
        None => check.problem("valid_until", "is required"),
        Some(until) if until <= doc.performed_on => {
            check.problem("valid_until", "must be after performed_on");
        }
        Some(_) => {}
    }
}

fn calibration_certificate(doc: &CertificateDocument, check: &mut Checker) {
    if doc.results.row_count() == 0 {
        check.problem("results.groups", "at least one result row is required");
    }
    check.present("uncertainty", doc.uncertainty.as_ref());
    for (path, row) in doc.results.rows() {
        check.present(&format!("{path}.measured"), row.measured.as_ref());
        check.present(
            &format!("{path}.expanded_uncertainty"),
            row.expanded_uncertainty.as_ref(),
        );
    }
    let states_conformity =
        doc.conclusion.is_some() || doc.results.rows().any(|(_, row)| row.decision.is_some());
    if states_conformity && doc.decision_rule.is_none() {
        check.problem(
            "decision_rule",
            "is required when a statement of conformity is made (ISO/IEC 17025 §7.8.6)",
        );
    }
    if doc.stamp_number.is_some() {
        check.problem(
            "stamp_number",
            "a calibration certificate carries no verification stamp",
        );
    }
}

fn notice_of_failure(doc: &CertificateDocument, check: &mut Checker) {
    check.present("verification_mode", doc.verification_mode.as_ref());
    match &doc.conclusion {
        None => check.problem("conclusion", "is required"),
        Some(conclusion) => {
            if conclusion.verdict != Verdict::Fail {
                check.problem("conclusion.verdict", "a notice of failure states a fail");
            }
            match &conclusion.failure_reason {
                None => check.problem("conclusion.failure_reason", "is required"),
                Some(reason) => check.localized("conclusion.failure_reason", reason),
            }
        }
    }
    if doc.stamp_number.is_some() {
        check.problem(
            "stamp_number",
            "no stamp is issued for a failed verification",
        );
    }
    if doc.valid_until.is_some() {
        check.problem("valid_until", "a failed verification has no validity");
    }
}

fn verification_record(doc: &CertificateDocument, check: &mut Checker) {
    check.present("conclusion", doc.conclusion.as_ref());
    // A record of a verification stopped at the external check has no measurement rows; the
    // rows it has must still be complete.
    verification_common(doc, check);
    if let Some(conclusion) = &doc.conclusion
        && conclusion.verdict == Verdict::Fail
        && conclusion.failure_reason.is_none()
    {
        check.problem(
            "conclusion.failure_reason",
            "is required when the verdict is fail",
        );
    }
}
