//! The rules of a sample's life in the laboratory (thử nghiệm mẫu): receipt with its code and
//! label, split into sub-samples and retained portions, every hand-over recorded so that its
//! location is always known, tests assigned to analysts (and equipment from the standards
//! register), disposal at the end of retention. Pure functions over values; the handlers call
//! them and the store keeps the result.

use std::fmt::Write as _;

use calibration_profiles::problems::Problems;
use chrono::{Days, NaiveDate, Utc};
use serde::Deserialize;
use uuid::Uuid;

use crate::store::samples::{Custody, Sample, SampleTest};

/// Days a sample is retained after receipt when the receipt says nothing (ISO/IEC 17025
/// §7.4.4 leaves it to the laboratory; 90 days is the Centre's usual practice for market
/// samples, configurable per receipt).
pub const DEFAULT_RETENTION_DAYS: u32 = 90;

/// A test asked for at receipt or later.
#[derive(Debug, Clone, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TestRequest {
    /// Characteristic code (`sulfur`, `ron`, `benzene`…).
    pub characteristic: String,
    /// Method designation (`TCVN 6701:2011`, `ASTM D2699`…).
    pub method_id: String,
    /// Username of the analyst; empty: assigned later.
    #[serde(default)]
    pub analyst: String,
    /// Equipment from the standards register.
    #[serde(default)]
    pub measurement_standard_id: Option<Uuid>,
    /// The limit as printed, when the specification gives one.
    #[serde(default)]
    pub limit_text: Option<String>,
    #[serde(default)]
    pub unit: String,
}

/// A sample as received (phiếu nhận mẫu).
#[derive(Debug, Clone, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ReceiveInput {
    /// `food`, `ocop`, `petrol`, `diesel`, `engine_oil`, `helmet`, `electrical`,
    /// `construction_material`, `water`, …
    pub sample_type: String,
    #[serde(default)]
    pub product_type: Option<String>,
    pub name: String,
    #[serde(default)]
    pub description: String,
    pub quantity: String,
    /// Condition on receipt (intact seal, temperature…).
    pub condition: String,
    #[serde(default)]
    pub storage: String,
    #[serde(default)]
    pub seal_number: Option<String>,
    #[serde(default)]
    pub specification: Option<String>,
    /// The customer from the registry, or…
    #[serde(default)]
    pub requester_organisation_id: Option<Uuid>,
    /// …the requester's name (an authority, a person).
    #[serde(default)]
    pub requester_name: String,
    #[serde(default)]
    pub survey_id: Option<Uuid>,
    #[serde(default)]
    pub import_dossier_id: Option<Uuid>,
    /// Day of receipt; defaults to today.
    #[serde(default)]
    pub received_on: Option<NaiveDate>,
    /// Results promised by this day.
    #[serde(default)]
    pub due_on: Option<NaiveDate>,
    /// Days kept after receipt; default [`DEFAULT_RETENTION_DAYS`].
    #[serde(default)]
    pub retention_days: Option<u32>,
    /// Where it is put on receipt (storeroom, shelf).
    pub location: String,
    #[serde(default)]
    pub tests: Vec<TestRequest>,
}

/// One portion split off a sample.
#[derive(Debug, Clone, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PortionInput {
    /// `sub` (to be tested, e.g. by another laboratory) or `retained` (lưu mẫu).
    pub portion: String,
    pub quantity: String,
    pub location: String,
    #[serde(default)]
    pub holder: String,
    #[serde(default)]
    pub seal_number: Option<String>,
}

/// A hand-over.
#[derive(Debug, Clone, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct HandOver {
    /// Who holds it now (username or name).
    pub to_holder: String,
    pub location: String,
    #[serde(default)]
    pub condition: String,
    #[serde(default)]
    pub note: String,
}

/// Disposal at the end of retention.
#[derive(Debug, Clone, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DisposalInput {
    /// How (returned to the customer, destroyed, …).
    pub method: String,
    #[serde(default)]
    pub on: Option<NaiveDate>,
    /// Disposing before the retention ends needs a reason.
    #[serde(default)]
    pub reason: Option<String>,
}

fn is_code(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 40
        && s.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '_' | '-' | '.'))
}

fn blank(p: &mut Problems, field: &str, value: &str) {
    if value.trim().is_empty() {
        p.at(field, "is required");
    }
}

/// Checks the tests asked for; paths under `prefix` (`tests[0].method_id`).
pub fn check_tests(p: &mut Problems, prefix: &str, tests: &[TestRequest]) {
    for (i, t) in tests.iter().enumerate() {
        if !is_code(&t.characteristic) {
            p.at(
                format!("{prefix}[{i}].characteristic"),
                format!(
                    "`{}` is not a characteristic code (lower case, digits, _)",
                    t.characteristic
                ),
            );
        }
        blank(p, &format!("{prefix}[{i}].method_id"), &t.method_id);
        if tests[..i]
            .iter()
            .any(|o| o.characteristic == t.characteristic && o.method_id == t.method_id)
        {
            p.at(
                format!("{prefix}[{i}].characteristic"),
                format!("`{}` by {} is asked twice", t.characteristic, t.method_id),
            );
        }
    }
}

/// A new test row.
#[must_use]
pub fn new_test(sample_id: Uuid, t: &TestRequest, specification: Option<&str>) -> SampleTest {
    SampleTest {
        sample_test_id: Uuid::now_v7(),
        sample_id,
        characteristic: t.characteristic.clone(),
        method_id: t.method_id.trim().to_owned(),
        specification: specification.map(str::to_owned),
        limit_text: t.limit_text.clone().filter(|l| !l.trim().is_empty()),
        analyst: t.analyst.trim().to_owned(),
        measurement_standard_id: t.measurement_standard_id,
        status: "assigned".into(),
        replicates: None,
        reading_ids: None,
        reported: None,
        unit: t.unit.trim().to_owned(),
        expanded_uncertainty: None,
        conformity: None,
        evaluation: None,
        engine_version: None,
        resulted_by: None,
        resulted_at: None,
        created_at: Utc::now(),
    }
}

/// One movement of a sample: what happened, from whom to whom, where to, in what state.
#[derive(Debug, Clone, Copy)]
pub struct Move<'a> {
    pub action: &'a str,
    pub from: &'a str,
    pub to: &'a str,
    pub location: &'a str,
    pub condition: &'a str,
    pub note: &'a str,
}

/// The custody row of a movement, recorded now by `actor`.
#[must_use]
pub fn custody(sample_id: Uuid, m: Move<'_>, actor: &str) -> Custody {
    Custody {
        sample_custody_id: Uuid::now_v7(),
        sample_id,
        at: Utc::now(),
        action: m.action.into(),
        from_holder: m.from.into(),
        to_holder: m.to.into(),
        location: m.location.into(),
        condition: m.condition.into(),
        note: m.note.into(),
        recorded_by: actor.into(),
    }
}

/// Checks a receipt and makes the sample (coded `code`), its tests and its first custody row.
/// `requester` is the organisation's name when the receipt names one from the registry.
pub fn receive(
    input: &ReceiveInput,
    code: String,
    requester: Option<String>,
    today: NaiveDate,
    actor: &str,
    holder: &str,
) -> Result<(Sample, Vec<SampleTest>, Custody), Problems> {
    let mut p = Problems::default();
    if !is_code(&input.sample_type) {
        p.at(
            "sample_type",
            format!(
                "`{}` is not a sample type code (food, petrol, helmet, …)",
                input.sample_type
            ),
        );
    }
    blank(&mut p, "name", &input.name);
    blank(&mut p, "quantity", &input.quantity);
    blank(&mut p, "condition", &input.condition);
    blank(&mut p, "location", &input.location);
    let requester_name = requester.unwrap_or_else(|| input.requester_name.trim().to_owned());
    if requester_name.is_empty() {
        p.at(
            "requester_name",
            "is required: the customer or the requesting authority",
        );
    }
    let received_on = input.received_on.unwrap_or(today);
    if received_on > today {
        p.at("received_on", format!("{received_on} is in the future"));
    }
    if input.due_on.is_some_and(|d| d < received_on) {
        p.at("due_on", "is before the day of receipt");
    }
    let retention = input.retention_days.unwrap_or(DEFAULT_RETENTION_DAYS);
    if retention > 3650 {
        p.at("retention_days", "at most 3650 days");
    }
    check_tests(&mut p, "tests", &input.tests);
    if !p.is_empty() {
        return Err(p);
    }
    let id = Uuid::now_v7();
    let now = Utc::now();
    let sample = Sample {
        sample_id: id,
        code,
        parent_id: None,
        portion: "main".into(),
        sample_type: input.sample_type.clone(),
        product_type: input.product_type.clone().filter(|t| !t.trim().is_empty()),
        name: input.name.trim().to_owned(),
        description: input.description.trim().to_owned(),
        quantity: input.quantity.trim().to_owned(),
        condition: input.condition.trim().to_owned(),
        storage: input.storage.trim().to_owned(),
        seal_number: input.seal_number.clone().filter(|s| !s.trim().is_empty()),
        specification: input.specification.clone().filter(|s| !s.trim().is_empty()),
        requester_organisation_id: input.requester_organisation_id,
        requester_name,
        survey_id: input.survey_id,
        import_dossier_id: input.import_dossier_id,
        received_on,
        received_by: actor.to_owned(),
        due_on: input.due_on,
        retain_until: received_on.checked_add_days(Days::new(u64::from(retention))),
        location: input.location.trim().to_owned(),
        holder: holder.to_owned(),
        status: "received".into(),
        conformity: None,
        reported_on: None,
        disposed_on: None,
        disposed_by: None,
        disposal: None,
        review_comment: None,
        created_at: now,
        updated_at: now,
    };
    let tests = input
        .tests
        .iter()
        .map(|t| new_test(id, t, sample.specification.as_deref()))
        .collect();
    let first = custody(
        id,
        Move {
            action: "received",
            from: &sample.requester_name,
            to: holder,
            location: &sample.location,
            condition: &sample.condition,
            note: "",
        },
        actor,
    );
    Ok((sample, tests, first))
}

/// The portions split off `parent`: codes `CODE-1`, `CODE-2`… for sub-samples and `CODE-R`,
/// `CODE-R2`… for retained portions, numbered after the `existing` portions.
pub fn split(
    parent: &Sample,
    portions: &[PortionInput],
    existing: &[Sample],
    actor: &str,
    holder: &str,
) -> Result<(Vec<Sample>, Vec<Custody>), Problems> {
    let mut p = Problems::default();
    if portions.is_empty() {
        p.at("portions", "at least one portion");
    }
    if parent.portion != "main" {
        p.at(
            "",
            format!("{} is itself a portion: split the main sample", parent.code),
        );
    }
    if parent.status == "disposed" {
        p.at("", format!("{} was disposed of", parent.code));
    }
    for (i, q) in portions.iter().enumerate() {
        if !matches!(q.portion.as_str(), "sub" | "retained") {
            p.at(
                format!("portions[{i}].portion"),
                "must be `sub` or `retained`",
            );
        }
        blank(&mut p, &format!("portions[{i}].quantity"), &q.quantity);
        blank(&mut p, &format!("portions[{i}].location"), &q.location);
    }
    if !p.is_empty() {
        return Err(p);
    }
    let mut subs = existing.iter().filter(|s| s.portion == "sub").count();
    let mut kept = existing.iter().filter(|s| s.portion == "retained").count();
    let now = Utc::now();
    let mut samples = Vec::new();
    let mut custody_rows = Vec::new();
    for q in portions {
        let mut code = parent.code.clone();
        if q.portion == "sub" {
            subs += 1;
            let _ = write!(code, "-{subs}");
        } else {
            kept += 1;
            code.push_str("-R");
            if kept > 1 {
                let _ = write!(code, "{kept}");
            }
        }
        let to = if q.holder.trim().is_empty() {
            holder
        } else {
            q.holder.trim()
        };
        let s = Sample {
            sample_id: Uuid::now_v7(),
            code,
            parent_id: Some(parent.sample_id),
            portion: q.portion.clone(),
            quantity: q.quantity.trim().to_owned(),
            seal_number: q.seal_number.clone().filter(|s| !s.trim().is_empty()),
            location: q.location.trim().to_owned(),
            holder: to.to_owned(),
            status: "received".into(),
            conformity: None,
            reported_on: None,
            created_at: now,
            updated_at: now,
            ..parent.clone()
        };
        custody_rows.push(custody(
            s.sample_id,
            Move {
                action: "split",
                from: &parent.holder,
                to,
                location: &s.location,
                condition: &parent.condition,
                note: &format!("from {}", parent.code),
            },
            actor,
        ));
        samples.push(s);
    }
    Ok((samples, custody_rows))
}
