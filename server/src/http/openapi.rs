//! The OpenAPI 3.1 description of `/api/v1`, served at `/api/v1/openapi.json` and committed as
//! `server/openapi.json` (a test fails when the two differ; `UPDATE_OPENAPI=1` rewrites it).
//!
//! Schemas come from the very types the handlers read and write (`schemars`, JSON Schema
//! 2020-12, which OpenAPI 3.1 uses as is), so the document cannot drift from the code; the
//! security of each operation comes from the access-rule table ([`super::session::rule`]).

use axum::Json;
use axum::http::Method;
use schemars::generate::SchemaSettings;
use schemars::{JsonSchema, Schema, SchemaGenerator};
use serde_json::{Map, Value, json};

use super::session::{Rule, rule};
use super::{
    admin, bench, calc, certificates, devices, dossiers, registry, reports, samples, session,
    standards,
};
use crate::store;

type SchemaFn = fn(&mut SchemaGenerator) -> Schema;

fn s<T: JsonSchema>(g: &mut SchemaGenerator) -> Schema {
    g.subschema_for::<T>()
}

/// What a successful answer carries.
#[derive(Debug, Clone, Copy)]
pub enum Answer {
    Json(u16, SchemaFn),
    Empty(u16),
    EventStream,
}

/// One operation of the API.
#[derive(Debug, Clone, Copy)]
pub struct Operation {
    pub method: &'static str,
    pub path: &'static str,
    pub tag: &'static str,
    pub summary: &'static str,
    pub query: Option<SchemaFn>,
    pub body: Option<SchemaFn>,
    pub answer: Answer,
}

/// The uniform error body.
#[derive(Debug, serde::Serialize, schemars::JsonSchema)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

#[derive(Debug, serde::Serialize, schemars::JsonSchema)]
pub struct ErrorDetail {
    /// `malformed_request`, `invalid_input`, `unauthorized`, `forbidden`, `not_found`,
    /// `conflict`, `too_large`, `too_many_requests` or `internal`.
    pub code: String,
    pub message: String,
    /// The first field at fault, as a path (`quantities[0].standard_uncertainty`).
    pub field: Option<String>,
    pub problems: Option<Vec<ErrorProblem>>,
}

#[derive(Debug, serde::Serialize, schemars::JsonSchema)]
pub struct ErrorProblem {
    pub field: String,
    pub message: String,
}

#[allow(clippy::too_many_lines)]
/// Every operation, in the order the document lists them.
#[must_use]
pub fn operations() -> Vec<Operation> {
    use Answer::{Empty, EventStream, Json as J};
    let op = |method, path, tag, summary, query, body, answer| Operation {
        method,
        path,
        tag,
        summary,
        query,
        body,
        answer,
    };
    let page_org: SchemaFn = s::<store::registry::Page<store::registry::Organisation>>;
    let page_ins: SchemaFn = s::<store::registry::Page<store::registry::Instrument>>;
    vec![
        op(
            "post",
            "/api/v1/readings",
            "readings",
            "Send a batch of readings (device token)",
            None,
            Some(s::<calibration_profiles::wire::v1::ReadingBatch>),
            J(200, s::<calibration_profiles::wire::v1::BatchAck>),
        ),
        op(
            "post",
            "/api/v1/session",
            "session",
            "Sign in",
            None,
            Some(s::<session::Credentials>),
            J(200, s::<session::SessionInfo>),
        ),
        op(
            "get",
            "/api/v1/session",
            "session",
            "Who is signed in",
            None,
            None,
            J(200, s::<session::SessionInfo>),
        ),
        op(
            "delete",
            "/api/v1/session",
            "session",
            "Sign out",
            None,
            None,
            Empty(204),
        ),
        op(
            "put",
            "/api/v1/session/password",
            "session",
            "Change one's own password (ends every other session)",
            None,
            Some(s::<session::PasswordChange>),
            J(200, s::<session::SessionInfo>),
        ),
        op(
            "post",
            "/api/v1/calc/uncertainty",
            "calculator",
            "GUM uncertainty budget (optionally with a Monte Carlo check)",
            Some(s::<calc::McParams>),
            Some(s::<calibration_profiles::calc::UncertaintyRequest>),
            J(200, s::<calibration_profiles::calc::UncertaintyResponse>),
        ),
        op(
            "post",
            "/api/v1/calc/regression",
            "calculator",
            "Straight-line least squares",
            None,
            Some(s::<calibration_profiles::calc::RegressionRequest>),
            J(200, s::<calibration_profiles::regression::LineFit>),
        ),
        op(
            "post",
            "/api/v1/calc/mpe",
            "calculator",
            "Maximum permissible error from a shipped table",
            None,
            Some(s::<calibration_profiles::calc::MpeRequest>),
            J(200, s::<calibration_profiles::mpe::Mpe>),
        ),
        op(
            "post",
            "/api/v1/calc/decide",
            "calculator",
            "Conformity decision under a decision rule",
            None,
            Some(s::<calibration_profiles::calc::DecideRequest>),
            J(200, s::<calibration_profiles::conformity::Decision>),
        ),
        op(
            "get",
            "/api/v1/categories",
            "registry",
            "Instrument categories of the statutory list",
            None,
            None,
            J(200, s::<Vec<registry::Category>>),
        ),
        op(
            "get",
            "/api/v1/organisations",
            "registry",
            "Search organisations (name without diacritics works)",
            Some(s::<registry::ListParams>),
            None,
            J(200, page_org),
        ),
        op(
            "post",
            "/api/v1/organisations",
            "registry",
            "Create an organisation",
            None,
            Some(s::<store::registry::OrganisationInput>),
            J(201, s::<store::registry::Organisation>),
        ),
        op(
            "get",
            "/api/v1/organisations/{id}",
            "registry",
            "One organisation",
            None,
            None,
            J(200, s::<store::registry::Organisation>),
        ),
        op(
            "put",
            "/api/v1/organisations/{id}",
            "registry",
            "Change an organisation",
            None,
            Some(s::<store::registry::OrganisationInput>),
            J(200, s::<store::registry::Organisation>),
        ),
        op(
            "post",
            "/api/v1/organisations/{id}/retire",
            "registry",
            "Retire an organisation (never deleted)",
            None,
            Some(s::<registry::Reason>),
            J(200, s::<store::registry::Organisation>),
        ),
        op(
            "get",
            "/api/v1/instruments",
            "registry",
            "Search instruments by serial (prefix), owner, category, due date",
            Some(s::<registry::InstrumentParams>),
            None,
            J(200, page_ins),
        ),
        op(
            "post",
            "/api/v1/instruments",
            "registry",
            "Register an instrument",
            None,
            Some(s::<store::registry::InstrumentInput>),
            J(201, s::<store::registry::Instrument>),
        ),
        op(
            "get",
            "/api/v1/instruments/{id}",
            "registry",
            "One instrument",
            None,
            None,
            J(200, s::<store::registry::Instrument>),
        ),
        op(
            "put",
            "/api/v1/instruments/{id}",
            "registry",
            "Change an instrument",
            None,
            Some(s::<store::registry::InstrumentInput>),
            J(200, s::<store::registry::Instrument>),
        ),
        op(
            "post",
            "/api/v1/instruments/{id}/retire",
            "registry",
            "Retire an instrument (never deleted)",
            None,
            Some(s::<registry::Reason>),
            J(200, s::<store::registry::Instrument>),
        ),
        op(
            "get",
            "/api/v1/instruments/{id}/history",
            "registry",
            "An instrument's audit history, oldest first",
            None,
            None,
            J(200, s::<Vec<store::audit::Entry>>),
        ),
        op(
            "get",
            "/api/v1/standards",
            "standards",
            "List standards with their status today",
            Some(s::<registry::ListParams>),
            None,
            J(200, s::<store::registry::Page<standards::StandardRow>>),
        ),
        op(
            "post",
            "/api/v1/standards",
            "standards",
            "Create a standard",
            None,
            Some(s::<store::standards::StandardInput>),
            J(201, s::<standards::StandardView>),
        ),
        op(
            "get",
            "/api/v1/standards/{id}",
            "standards",
            "One standard with status and traceability chain",
            None,
            None,
            J(200, s::<standards::StandardView>),
        ),
        op(
            "put",
            "/api/v1/standards/{id}",
            "standards",
            "Change a standard",
            None,
            Some(s::<store::standards::StandardInput>),
            J(200, s::<standards::StandardView>),
        ),
        op(
            "get",
            "/api/v1/standards/{id}/calibrations",
            "standards",
            "Calibration certificates, newest first",
            None,
            None,
            J(200, s::<Vec<store::standards::Calibration>>),
        ),
        op(
            "post",
            "/api/v1/standards/{id}/calibrations",
            "standards",
            "Record a calibration certificate",
            None,
            Some(s::<store::standards::CalibrationInput>),
            J(201, s::<store::standards::Calibration>),
        ),
        op(
            "get",
            "/api/v1/standards/{id}/checks",
            "standards",
            "Intermediate checks, newest first",
            None,
            None,
            J(200, s::<Vec<store::standards::Check>>),
        ),
        op(
            "post",
            "/api/v1/standards/{id}/checks",
            "standards",
            "Record an intermediate check (a failure quarantines the standard)",
            None,
            Some(s::<standards::CheckInput>),
            J(201, s::<store::standards::Check>),
        ),
        op(
            "post",
            "/api/v1/standards/{id}/condition",
            "standards",
            "Declare a standard in service, failed or quarantined (back in service: quality manager)",
            None,
            Some(s::<standards::ConditionInput>),
            J(200, s::<standards::StandardView>),
        ),
        op(
            "post",
            "/api/v1/standards/{id}/override",
            "standards",
            "Allow an unusable standard to be used for a while (quality manager)",
            None,
            Some(s::<standards::OverrideInput>),
            J(201, s::<store::standards::Override>),
        ),
        op(
            "get",
            "/api/v1/standards/{id}/usability",
            "standards",
            "Whether a standard may be selected for work on a day",
            Some(s::<standards::UsabilityParams>),
            None,
            J(200, s::<store::standards::Usability>),
        ),
        op(
            "post",
            "/api/v1/standards/{id}/retire",
            "standards",
            "Retire a standard",
            None,
            Some(s::<registry::Reason>),
            J(200, s::<standards::StandardView>),
        ),
        op(
            "get",
            "/api/v1/devices",
            "devices",
            "Devices seen on bridges, online or not",
            None,
            None,
            J(200, s::<Vec<devices::DeviceView>>),
        ),
        op(
            "get",
            "/api/v1/devices/{id}",
            "devices",
            "One device",
            None,
            None,
            J(200, s::<devices::DeviceView>),
        ),
        op(
            "get",
            "/api/v1/devices/{id}/readings",
            "devices",
            "Latest stored readings of a device",
            Some(s::<devices::ReadingParams>),
            None,
            J(200, s::<Vec<store::readings::StoredReading>>),
        ),
        op(
            "get",
            "/api/v1/devices/{id}/readings/stream",
            "devices",
            "Live readings (Server-Sent Events `reading`, `lagged`)",
            None,
            None,
            EventStream,
        ),
        op(
            "get",
            "/api/v1/readings/{id}",
            "devices",
            "One stored reading with its raw device data",
            None,
            None,
            J(200, s::<store::readings::StoredReading>),
        ),
        op(
            "get",
            "/api/v1/bridges",
            "administration",
            "Bridges and their live token counts",
            None,
            None,
            J(200, s::<Vec<store::devices::Bridge>>),
        ),
        op(
            "post",
            "/api/v1/bridges/{id}/tokens",
            "administration",
            "Make a device token (shown once)",
            None,
            Some(s::<admin::TokenInput>),
            J(201, s::<admin::NewToken>),
        ),
        op(
            "post",
            "/api/v1/bridges/{id}/revoke",
            "administration",
            "Revoke every token of a bridge",
            None,
            None,
            J(200, s::<admin::Revoked>),
        ),
        op(
            "get",
            "/api/v1/users",
            "administration",
            "Users",
            None,
            None,
            J(200, s::<Vec<store::users::User>>),
        ),
        op(
            "post",
            "/api/v1/users",
            "administration",
            "Create a user",
            None,
            Some(s::<admin::NewUserInput>),
            J(201, s::<store::users::User>),
        ),
        op(
            "put",
            "/api/v1/users/{username}",
            "administration",
            "Change a user's name, role, verifier card",
            None,
            Some(s::<store::users::UserUpdate>),
            J(200, s::<store::users::User>),
        ),
        op(
            "post",
            "/api/v1/users/{username}/disable",
            "administration",
            "Disable a user (never deleted)",
            None,
            None,
            Empty(204),
        ),
        op(
            "put",
            "/api/v1/users/{username}/password",
            "administration",
            "Reset a user's password",
            None,
            Some(s::<admin::PasswordReset>),
            Empty(204),
        ),
        op(
            "get",
            "/api/v1/audit",
            "audit",
            "Audit entries, newest first, filtered",
            Some(s::<admin::AuditParams>),
            None,
            J(200, s::<Vec<store::audit::Entry>>),
        ),
        op(
            "get",
            "/api/v1/audit/verify",
            "audit",
            "Walk the hash chain",
            None,
            None,
            J(200, s::<store::audit::Verification>),
        ),
        op(
            "get",
            "/api/v1/receipts",
            "bench",
            "Receipts, newest first",
            Some(s::<bench::ReceiptListParams>),
            None,
            J(200, s::<store::registry::Page<store::bench::Receipt>>),
        ),
        op(
            "post",
            "/api/v1/receipts",
            "bench",
            "Receive instruments (one run each; new instruments registered on the spot)",
            None,
            Some(s::<store::bench::ReceiptInput>),
            J(201, s::<bench::ReceiptView>),
        ),
        op(
            "get",
            "/api/v1/receipts/{id}",
            "bench",
            "A receipt with its runs",
            None,
            None,
            J(200, s::<bench::ReceiptView>),
        ),
        op(
            "get",
            "/api/v1/procedures",
            "bench",
            "Procedure profiles, by category and service",
            Some(s::<bench::ProcedureParams>),
            None,
            J(200, s::<Vec<bench::ProcedureSummary>>),
        ),
        op(
            "get",
            "/api/v1/procedures/{id}",
            "bench",
            "A procedure profile, whole",
            None,
            None,
            J(200, s::<Value>),
        ),
        op(
            "get",
            "/api/v1/runs",
            "bench",
            "Runs, most recently changed first",
            Some(s::<bench::RunListParams>),
            None,
            J(200, s::<store::registry::Page<store::bench::Run>>),
        ),
        op(
            "get",
            "/api/v1/runs/{id}",
            "bench",
            "A run with its points, values, evaluation and review trail",
            None,
            None,
            J(200, s::<bench::RunView>),
        ),
        op(
            "put",
            "/api/v1/runs/{id}/setup",
            "bench",
            "Pick the procedure, parameters, standards (usable only) and devices",
            None,
            Some(s::<bench::SetupInput>),
            J(200, s::<bench::RunView>),
        ),
        op(
            "put",
            "/api/v1/runs/{id}/environment",
            "bench",
            "Record the environmental conditions",
            None,
            Some(s::<bench::EnvironmentInput>),
            J(200, s::<bench::RunView>),
        ),
        op(
            "post",
            "/api/v1/runs/{id}/steps/{step}",
            "bench",
            "Record an external or technical check (a failure stops a verification)",
            None,
            Some(s::<bench::StepInput>),
            J(200, s::<bench::RunView>),
        ),
        op(
            "post",
            "/api/v1/runs/{id}/points/{point}/capture",
            "bench",
            "Attach the latest stable reading of a device to a point",
            None,
            Some(s::<bench::CaptureInput>),
            J(201, s::<store::bench::RunReading>),
        ),
        op(
            "post",
            "/api/v1/runs/{id}/points/{point}/manual",
            "bench",
            "Attach a typed value to a point, with the reason",
            None,
            Some(s::<bench::ManualInput>),
            J(201, s::<store::bench::RunReading>),
        ),
        op(
            "post",
            "/api/v1/runs/{id}/values/{value}/discard",
            "bench",
            "Discard a value (kept, with the reason)",
            None,
            Some(s::<bench::DiscardInput>),
            J(200, s::<store::bench::RunReading>),
        ),
        op(
            "get",
            "/api/v1/runs/{id}/chart.svg",
            "bench",
            "Error vs nominal with the MPE envelope and U bars (SVG)",
            None,
            None,
            J(200, s::<String>),
        ),
        op(
            "post",
            "/api/v1/runs/{id}/submit",
            "bench",
            "Submit for review (the evaluation is frozen)",
            None,
            Some(s::<bench::CommentInput>),
            J(200, s::<bench::RunView>),
        ),
        op(
            "post",
            "/api/v1/runs/{id}/return",
            "bench",
            "Return to the technician with a comment",
            None,
            Some(s::<bench::CommentInput>),
            J(200, s::<bench::RunView>),
        ),
        op(
            "post",
            "/api/v1/runs/{id}/approve",
            "bench",
            "Approve (not one's own work)",
            None,
            Some(s::<bench::CommentInput>),
            J(200, s::<bench::RunView>),
        ),
        op(
            "post",
            "/api/v1/runs/{id}/cancel",
            "bench",
            "Cancel a run that will not be done",
            None,
            Some(s::<bench::CommentInput>),
            J(200, s::<bench::RunView>),
        ),
        op(
            "post",
            "/api/v1/runs/{id}/sign",
            "certificates",
            "Sign with the password again: issue the certificate or notice of failure",
            None,
            Some(s::<certificates::SignInput>),
            J(201, s::<certificates::CertificateView>),
        ),
        op(
            "get",
            "/api/v1/certificates",
            "certificates",
            "Certificates, newest first",
            Some(s::<certificates::CertificateListParams>),
            None,
            J(
                200,
                s::<store::registry::Page<store::certificates::Certificate>>,
            ),
        ),
        op(
            "get",
            "/api/v1/certificates/{id}",
            "certificates",
            "A certificate with its state and signature check",
            None,
            None,
            J(200, s::<certificates::CertificateView>),
        ),
        op(
            "get",
            "/api/v1/certificates/{id}/pdf",
            "certificates",
            "The certificate as PDF/A-2b",
            None,
            None,
            J(200, s::<String>),
        ),
        op(
            "get",
            "/api/v1/certificates/{id}/record.pdf",
            "certificates",
            "The verification record (biên bản) as PDF",
            None,
            None,
            J(200, s::<String>),
        ),
        op(
            "get",
            "/api/v1/certificates/{id}/dcc.xml",
            "certificates",
            "The Digital Calibration Certificate (PTB DCC 3.1.2)",
            None,
            None,
            J(200, s::<String>),
        ),
        op(
            "get",
            "/api/v1/certificates/{id}/signed.json",
            "certificates",
            "The signed content and its Ed25519 signature",
            None,
            None,
            J(200, s::<crate::issue::SignedCertificate>),
        ),
        op(
            "post",
            "/api/v1/certificates/{id}/amend",
            "certificates",
            "Amend: a new signed revision that supersedes this one",
            None,
            Some(s::<certificates::AmendInput>),
            J(201, s::<certificates::CertificateView>),
        ),
        op(
            "post",
            "/api/v1/certificates/{id}/revoke",
            "certificates",
            "Revoke, with the reason",
            None,
            Some(s::<certificates::RevokeInput>),
            J(200, s::<certificates::CertificateView>),
        ),
        op(
            "get",
            "/api/v1/nonconformities",
            "certificates",
            "Nonconformities (open first)",
            Some(s::<certificates::NonconformityListParams>),
            None,
            J(
                200,
                s::<store::registry::Page<certificates::NonconformityView>>,
            ),
        ),
        op(
            "get",
            "/api/v1/nonconformities/{id}",
            "certificates",
            "A nonconformity with the certificates it may affect",
            None,
            None,
            J(200, s::<certificates::NonconformityView>),
        ),
        op(
            "put",
            "/api/v1/nonconformities/{id}",
            "certificates",
            "Record the impact assessment; close",
            None,
            Some(s::<certificates::AssessmentInput>),
            J(200, s::<certificates::NonconformityView>),
        ),
        op(
            "get",
            "/api/v1/due",
            "certificates",
            "Instruments due within N days (JSON or CSV)",
            Some(s::<certificates::DueParams>),
            None,
            J(200, page_ins),
        ),
        op(
            "get",
            "/api/v1/calendar",
            "calendar",
            "The working-day calendar: years covered and exceptional days",
            Some(s::<dossiers::YearParam>),
            None,
            J(200, s::<dossiers::CalendarView>),
        ),
        op(
            "get",
            "/api/v1/calendar/add-working-days",
            "calendar",
            "The day N working days after a date (the first day not counted)",
            Some(s::<dossiers::AddWorkingDays>),
            None,
            J(200, s::<dossiers::DateAnswer>),
        ),
        op(
            "put",
            "/api/v1/calendar/years/{year}",
            "calendar",
            "Declare a year covered, citing its official notice",
            None,
            Some(s::<dossiers::YearInput>),
            J(200, s::<store::calendar::CalendarYear>),
        ),
        op(
            "put",
            "/api/v1/calendar/days/{day}",
            "calendar",
            "Set a holiday, day in lieu or make-up working day",
            None,
            Some(s::<store::calendar::CalendarDayInput>),
            J(200, s::<store::calendar::CalendarRow>),
        ),
        op(
            "delete",
            "/api/v1/calendar/days/{day}",
            "calendar",
            "Remove a day's exception (with the reason)",
            None,
            Some(s::<registry::Reason>),
            J(200, s::<store::calendar::CalendarRow>),
        ),
        op(
            "get",
            "/api/v1/import-regimes",
            "dossiers",
            "Import-inspection regimes with their steps, deadlines, checklist and outcomes",
            None,
            None,
            J(200, s::<calibration_profiles::import_regime::Regimes>),
        ),
        op(
            "get",
            "/api/v1/dossiers",
            "dossiers",
            "Search import dossiers (number, importer, tax code; channel, status, year, overdue)",
            Some(s::<dossiers::DossierParams>),
            None,
            J(200, s::<store::registry::Page<store::dossiers::Dossier>>),
        ),
        op(
            "post",
            "/api/v1/dossiers",
            "dossiers",
            "Register an import dossier received through a channel",
            None,
            Some(s::<crate::dossier::DossierInput>),
            J(201, s::<dossiers::DossierView>),
        ),
        op(
            "post",
            "/api/v1/dossiers/import",
            "dossiers",
            "Import dossiers from a CSV or XLSX file (all or nothing; body: the file)",
            Some(s::<dossiers::ImportParams>),
            None,
            J(201, s::<dossiers::ImportResult>),
        ),
        op(
            "get",
            "/api/v1/dossiers/{id}",
            "dossiers",
            "One dossier with its steps, deadlines and records",
            None,
            None,
            J(200, s::<dossiers::DossierView>),
        ),
        op(
            "post",
            "/api/v1/dossiers/{id}/confirm",
            "dossiers",
            "Confirm the registration (signed confirmation)",
            None,
            Some(s::<dossiers::OnInput>),
            J(200, s::<dossiers::DossierView>),
        ),
        op(
            "post",
            "/api/v1/dossiers/{id}/documents",
            "dossiers",
            "Record a document of the checklist received",
            None,
            Some(s::<crate::dossier::DocumentReceived>),
            J(200, s::<dossiers::DossierView>),
        ),
        op(
            "post",
            "/api/v1/dossiers/{id}/clearance",
            "dossiers",
            "Record customs clearance (starts the certificate deadline)",
            None,
            Some(s::<dossiers::ClearanceInput>),
            J(200, s::<dossiers::DossierView>),
        ),
        op(
            "post",
            "/api/v1/dossiers/{id}/certificate",
            "dossiers",
            "Record the certificate of conformity received (the file is complete)",
            None,
            Some(s::<dossiers::CertificateInput>),
            J(200, s::<dossiers::DossierView>),
        ),
        op(
            "post",
            "/api/v1/dossiers/{id}/notice",
            "dossiers",
            "Issue the signed notice of the inspection result (password again)",
            None,
            Some(s::<dossiers::NoticeInput>),
            J(200, s::<dossiers::DossierView>),
        ),
        op(
            "post",
            "/api/v1/dossiers/{id}/sampling",
            "dossiers",
            "Take samples of a consignment awaiting testing: the samples and the signed sampling record",
            None,
            Some(s::<dossiers::SamplingInput>),
            J(201, s::<dossiers::DossierView>),
        ),
        op(
            "get",
            "/api/v1/records/{id}",
            "records",
            "One signed record (test report, import notice…)",
            None,
            None,
            J(200, s::<dossiers::RecordView>),
        ),
        op(
            "get",
            "/api/v1/records/{id}/pdf",
            "records",
            "The record as PDF/A-2b",
            None,
            None,
            J(200, s::<String>),
        ),
        op(
            "post",
            "/api/v1/records/{id}/amend",
            "records",
            "Amend a record: a new signed revision (…-SĐn) that supersedes it (password again)",
            None,
            Some(s::<dossiers::RecordAmendInput>),
            J(201, s::<dossiers::RecordView>),
        ),
        op(
            "post",
            "/api/v1/records/{id}/revoke",
            "records",
            "Revoke a record (reason required)",
            None,
            Some(s::<registry::Reason>),
            J(200, s::<dossiers::RecordView>),
        ),
        op(
            "get",
            "/api/v1/samples",
            "samples",
            "Search samples (code, name, requester; status, type, survey, overdue, retention over)",
            Some(s::<samples::SampleParams>),
            None,
            J(200, s::<store::registry::Page<store::samples::Sample>>),
        ),
        op(
            "post",
            "/api/v1/samples",
            "samples",
            "Receive a sample (code from the configured pattern, tests asked)",
            None,
            Some(s::<crate::sample::ReceiveInput>),
            J(201, s::<samples::SampleView>),
        ),
        op(
            "get",
            "/api/v1/samples/{id}",
            "samples",
            "One sample with its tests, custody, portions and records",
            None,
            None,
            J(200, s::<samples::SampleView>),
        ),
        op(
            "get",
            "/api/v1/samples/{id}/label.svg",
            "samples",
            "The sample's label (50 × 30 mm SVG with a QR code)",
            None,
            None,
            J(200, s::<String>),
        ),
        op(
            "post",
            "/api/v1/samples/{id}/split",
            "samples",
            "Split into sub-samples and retained portions",
            None,
            Some(s::<samples::SplitInput>),
            J(200, s::<samples::SampleView>),
        ),
        op(
            "post",
            "/api/v1/samples/{id}/custody",
            "samples",
            "Record a hand-over (who, where, condition)",
            None,
            Some(s::<crate::sample::HandOver>),
            J(200, s::<samples::SampleView>),
        ),
        op(
            "post",
            "/api/v1/samples/{id}/dispose",
            "samples",
            "Record the disposal at the end of retention",
            None,
            Some(s::<crate::sample::DisposalInput>),
            J(200, s::<samples::SampleView>),
        ),
        op(
            "post",
            "/api/v1/samples/{id}/tests",
            "samples",
            "Assign a test (characteristic, method, analyst, equipment)",
            None,
            Some(s::<crate::sample::TestRequest>),
            J(201, s::<samples::SampleView>),
        ),
        op(
            "post",
            "/api/v1/samples/{id}/tests/{test}/result",
            "samples",
            "Enter a result (replicates typed or readings from a bridge); evaluated at once",
            None,
            Some(s::<samples::ResultInput>),
            J(200, s::<samples::SampleView>),
        ),
        op(
            "post",
            "/api/v1/samples/{id}/submit",
            "samples",
            "Submit the results for review (every test resulted)",
            None,
            None,
            J(200, s::<samples::SampleView>),
        ),
        op(
            "post",
            "/api/v1/samples/{id}/return",
            "samples",
            "Return the results with a comment",
            None,
            Some(s::<samples::ReturnInput>),
            J(200, s::<samples::SampleView>),
        ),
        op(
            "post",
            "/api/v1/samples/{id}/approve",
            "samples",
            "Approve with the password again: issues the signed test report",
            None,
            Some(s::<certificates::SignInput>),
            J(200, s::<samples::SampleView>),
        ),
        op(
            "get",
            "/api/v1/surveys",
            "samples",
            "Quality surveys",
            Some(s::<samples::SurveyParams>),
            None,
            J(200, s::<Vec<store::samples::Survey>>),
        ),
        op(
            "post",
            "/api/v1/surveys",
            "samples",
            "Open a quality survey",
            None,
            Some(s::<samples::SurveyInput>),
            J(201, s::<store::samples::Survey>),
        ),
        op(
            "get",
            "/api/v1/surveys/{id}",
            "samples",
            "A survey's report: samples, results, nonconforming ones",
            None,
            None,
            J(200, s::<samples::SurveyReport>),
        ),
        op(
            "get",
            "/api/v1/reports/yearly",
            "reports",
            "Yearly figures: instruments per category, samples per type, dossiers per channel with the on-time count",
            Some(s::<reports::PeriodParams>),
            None,
            J(200, s::<reports::YearlyReport>),
        ),
        op(
            "get",
            "/api/v1/reports/yearly.xlsx",
            "reports",
            "The same figures as an XLSX workbook",
            Some(s::<reports::PeriodParams>),
            None,
            J(200, s::<String>),
        ),
        op(
            "get",
            "/api/v1/openapi.json",
            "meta",
            "This document",
            None,
            None,
            J(200, s::<Value>),
        ),
    ]
}

/// Query parameters of an operation from its query type's properties.
fn parameters(op: &Operation) -> Vec<Value> {
    let mut params: Vec<Value> = op
        .path
        .split('/')
        .filter_map(|seg| seg.strip_prefix('{')?.strip_suffix('}'))
        .map(|name| json!({"name": name, "in": "path", "required": true, "schema": {"type": "string"}}))
        .collect();
    if let Some(q) = op.query {
        let mut g = SchemaSettings::draft2020_12()
            .with(|s| s.inline_subschemas = true)
            .into_generator();
        let schema = q(&mut g).to_value();
        let required: Vec<&str> = schema["required"]
            .as_array()
            .map(|a| a.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        if let Some(props) = schema["properties"].as_object() {
            for (name, prop) in props {
                let mut p = json!({"name": name, "in": "query", "required": required.contains(&name.as_str()), "schema": prop});
                if let Some(d) = prop.get("description") {
                    p["description"] = d.clone();
                }
                params.push(p);
            }
        }
    }
    params
}

/// The whole document.
#[must_use]
pub fn document() -> Value {
    let mut g = SchemaSettings::draft2020_12()
        .with(|s| s.definitions_path = "#/components/schemas".into())
        .into_generator();
    let error = s::<ErrorBody>(&mut g).to_value();
    let mut paths: Map<String, Value> = Map::new();
    for op in operations() {
        let method = Method::from_bytes(op.method.to_uppercase().as_bytes()).unwrap_or_default();
        let mut o = json!({
            "tags": [op.tag],
            "summary": op.summary,
            "operationId": format!("{}_{}", op.method, op.path.trim_start_matches("/api/v1/").replace(['/', '{', '}', '.'], "_")),
        });
        let params = parameters(&op);
        if !params.is_empty() {
            o["parameters"] = Value::Array(params);
        }
        if let Some(b) = op.body {
            o["requestBody"] = json!({"required": true, "content": {"application/json": {"schema": b(&mut g).to_value()}}});
        }
        let mut responses = Map::new();
        match op.answer {
            Answer::Json(status, f) => {
                responses.insert(status.to_string(), json!({"description": "success", "content": {"application/json": {"schema": f(&mut g).to_value()}}}));
            }
            Answer::Empty(status) => {
                responses.insert(status.to_string(), json!({"description": "success"}));
            }
            Answer::EventStream => {
                responses.insert("200".into(), json!({"description": "an event stream", "content": {"text/event-stream": {"schema": {"type": "string"}}}}));
            }
        }
        let err = |d: &str| json!({"description": d, "content": {"application/json": {"schema": error.clone()}}});
        match rule(&method, op.path) {
            Some(Rule::Public) => {
                o["security"] = json!([]);
            }
            Some(Rule::Device) => {
                o["security"] = json!([{"deviceToken": []}]);
                responses.insert("401".into(), err("no or unknown device token"));
            }
            Some(Rule::Signed(p)) => {
                o["security"] = if method == Method::GET {
                    json!([{"session": []}])
                } else {
                    json!([{"session": [], "csrf": []}])
                };
                o["x-permission"] = serde_json::to_value(p).unwrap_or_default();
                responses.insert("401".into(), err("not signed in, or the session ended"));
                responses.insert(
                    "403".into(),
                    err("the role lacks the permission, or the CSRF token is missing"),
                );
            }
            None => {}
        }
        if op.body.is_some() || op.query.is_some() {
            responses.insert(
                "400".into(),
                err("malformed request: the field at fault is named"),
            );
        }
        if op.body.is_some() {
            responses.insert(
                "422".into(),
                err("invalid values: every field at fault is named"),
            );
        }
        if op.path.contains('{') {
            responses.insert("404".into(), err("no such record"));
        }
        o["responses"] = Value::Object(responses);
        let entry = paths.entry(op.path.to_owned()).or_insert_with(|| json!({}));
        entry[op.method] = o;
    }
    let schemas: Map<String, Value> = g.take_definitions(true).into_iter().collect();
    json!({
        "openapi": "3.1.0",
        "info": {
            "title": "TĐC Lạng Sơn — metrology and inspection API",
            "version": env!("CARGO_PKG_VERSION"),
            "description": "Registry, standards, readings and calculator of the Centre's system of record. Errors are `{\"error\": {code, message, field?, problems?}}`.",
        },
        "servers": [{"url": "/"}],
        "paths": paths,
        "components": {
            "schemas": schemas,
            "securitySchemes": {
                "session": {"type": "apiKey", "in": "cookie", "name": session::SESSION_COOKIE},
                "csrf": {"type": "apiKey", "in": "header", "name": "X-CSRF-Token"},
                "deviceToken": {"type": "http", "scheme": "bearer"},
            },
        },
    })
}

/// `GET /api/v1/openapi.json`.
pub async fn get_openapi() -> Json<Value> {
    static DOC: std::sync::OnceLock<Value> = std::sync::OnceLock::new();
    Json(DOC.get_or_init(document).clone())
}
